"""``jaxaug preview``: see what an ``AugmentConfig`` does to your images before training.

``python -m jaxaug preview DIR --config ... --out grid.png`` (or the ``jaxaug`` console
script) decodes a few images of ``DIR``, augments each one K times with ``jaxaug.augment``
and writes one PNG: a row per image, the original first, then K augmented versions.

:func:`preview_grid` (the tiling) is reusable on its own. PIL is imported only when a
file is read or written.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxaug._src import files, sampling, validation

FIELDS = tuple(f.name for f in dataclasses.fields(sampling.AugmentConfig))


def preview_grid(images: Any, columns: int, pad: int = 4) -> np.ndarray:
    """Tiles ``(N, H, W, C)`` uint8 images row by row into one ``(rows*(H+pad)+pad, columns*(W+pad)+pad, C)`` image.

    Cell ``i`` goes to row ``i // columns``, column ``i % columns``; its top-left
    corner is at ``(pad + row * (H + pad), pad + col * (W + pad))``. Gaps and empty
    cells are white (255).

    Args:
        images: ``(N, H, W, C)`` uint8 array (numpy or JAX).
        columns: cells per row (>= 1).
        pad: white pixels between and around the cells (>= 0).

    Returns:
        The uint8 grid as a numpy array.

    Raises:
        TypeError, ValueError: bad shape, dtype, ``columns`` or ``pad``.

    Examples:
        >>> import numpy as np
        >>> grid = preview_grid(np.zeros((5, 8, 6, 3), np.uint8), columns=3, pad=2)
        >>> grid.shape, grid.dtype, int(grid[0, 0, 0]), int(grid[2, 2, 0])
        ((22, 26, 3), dtype('uint8'), 255, 0)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must have shape (N, H, W, C), got {images.shape}.")
    if images.dtype != np.uint8:
        raise TypeError(f"`images` must be uint8, got dtype {images.dtype}; convert it first.")
    columns = validation.check_int("columns", columns, minimum=1)
    pad = validation.check_int("pad", pad, minimum=0)
    n, h, w, c = images.shape
    rows = max(1, -(-n // columns))
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), 255, np.uint8)
    for i, image in enumerate(images):
        y, x = pad + (i // columns) * (h + pad), pad + (i % columns) * (w + pad)
        grid[y : y + h, x : x + w] = image
    return grid


def save_png(array: Any, path: str | os.PathLike) -> None:
    """Writes a uint8 ``(H, W, 3)``, ``(H, W, 4)`` or ``(H, W[, 1])`` array as a PNG (parent folders are created)."""
    from PIL import Image

    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(array).save(path, format="PNG")


# --- config parsing -------------------------------------------------------------------------


def _unknown_field(name: str) -> str:
    close = difflib.get_close_matches(name, FIELDS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"unknown AugmentConfig field {name!r}.{hint} Valid fields: {', '.join(FIELDS)}."


def _scalar(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered in ("none", "null"):
            return None
        return text.strip()


def _pairs(text: str) -> dict[str, Any]:
    out = {}
    # Split on commas (or spaces) that start a new `name=`, so `zoom_range=[0.8,1.2]` stays whole.
    for item in re.split(r"[,\s]+(?=[A-Za-z_]\w*\s*=)", text.strip()):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected key=value pairs, JSON or a JSON file; got {item!r}.")
        out[name.strip()] = _scalar(value.rstrip(", "))
    return out


def parse_config(values: Sequence[str]) -> sampling.AugmentConfig:
    """Builds an ``AugmentConfig`` from ``--config`` values (later values override earlier ones).

    Each value is a JSON file path, inline JSON (an object), or ``key=value`` pairs
    separated by commas or spaces (values are JSON: ``20``, ``true``, ``[0.8, 1.2]``;
    bare words are strings, e.g. ``fill_mode=reflect``).

    Raises:
        ValueError, TypeError: an unknown field, unreadable JSON, or a value that
            ``AugmentConfig`` rejects (its message names the field).

    Examples:
        >>> parse_config(["rotation_range=20, zoom_range=[0.8, 1.2]", '{"horizontal_flip": true}'])
        AugmentConfig(rotation_range=20.0, ..., zoom_range=(0.8, 1.2), horizontal_flip=True, ...)
    """
    merged: dict[str, Any] = {}
    for value in values:
        if os.path.isfile(value):
            try:
                with open(value, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
                raise ValueError(f"cannot read JSON config file {value!r}: {err}") from err
            source = f"file {value!r}"
        elif value.lstrip().startswith("{"):
            try:
                data = json.loads(value)
            except json.JSONDecodeError as err:
                raise ValueError(f"invalid inline JSON {value!r}: {err}") from err
            source = "inline JSON"
        else:
            data = _pairs(value)
            source = None
        if not isinstance(data, dict):
            raise ValueError(f"the JSON config ({source}) must be an object of AugmentConfig fields, got {data!r}.")
        merged.update(data)
    for name in merged:
        if name not in FIELDS:
            raise ValueError(_unknown_field(name))
    # JSON lists -> tuples: the config must stay hashable (a static jit argument).
    merged = {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()}
    return sampling.AugmentConfig(**merged)


# --- image discovery --------------------------------------------------------------------------


def find_images(directory: str) -> list[str]:
    """Image files directly in ``directory`` (sorted), then those of its class sub-folders (Keras order)."""
    listing = files.list_directory(directory)  # raises FileNotFoundError / NotADirectoryError
    flat = sorted(
        os.path.join(directory, name)
        for name in os.listdir(directory)
        if name.lower().endswith(files.WHITE_LIST_FORMATS) and os.path.isfile(os.path.join(directory, name))
    )
    return flat + list(listing.filepaths)


def pick(paths: Sequence[str], num: int) -> list[str]:
    """``num`` paths evenly spread over ``paths`` (all of them if there are fewer), in order."""
    if num >= len(paths):
        return list(paths)
    return [paths[int(i)] for i in np.unique(np.linspace(0, len(paths) - 1, num).round())]


POLICIES = ("randaugment", "trivialaugment", "augmix")


def _policy_fn(name: str):
    from jaxaug._src import policies

    return {"randaugment": policies.rand_augment, "trivialaugment": policies.trivial_augment}.get(name, policies.augmix)


def preview_images(
    paths: Sequence[str],
    config: sampling.AugmentConfig,
    *,
    samples_per_image: int,
    size: tuple[int, int],
    seed: int,
    num_threads: int = 2,
    policy: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decodes ``paths`` at ``size`` (RGB, PIL bilinear) and augments each ``samples_per_image`` times.

    Returns:
        ``(originals, augmented)``: ``(N, H, W, 3)`` and ``(N, K, H, W, 3)`` uint8.
        Sample ``k`` of image ``i`` is example ``i * K + k`` of one
        ``jaxaug.augment(jax.random.key(seed), ...)`` call; with ``policy`` (one of
        :data:`POLICIES`) the policy then runs on the batch with ``fold_in(key, 1)``.
    """
    import jax

    from jaxaug._src import augment as augment_lib

    originals, _ = files.load_images(
        list(paths), target_size=size, interpolation="bilinear", color_mode="rgb", num_threads=num_threads
    )
    k = samples_per_image
    batch = np.repeat(originals, k, axis=0)
    key = jax.random.key(seed)
    augmented = jax.jit(augment_lib.augment)(key, batch, config)
    if policy is not None:
        augmented = jax.jit(_policy_fn(policy))(jax.random.fold_in(key, 1), augmented)
    augmented = np.asarray(augmented)
    if augmented.shape[1:3] != originals.shape[1:3]:  # output_size: show the originals at that size too
        from jaxaug._src import warps

        resize = jax.vmap(lambda x: warps.resize(x, augmented.shape[1:3]))
        originals = np.asarray(resize(originals))
    return originals, augmented.reshape((len(originals), k) + augmented.shape[1:])


# --- command line -----------------------------------------------------------------------------

_EXAMPLES = """\
examples:
  jaxaug preview data/train --config rotation_range=30,zoom_range=0.2,horizontal_flip=true
  jaxaug preview data/train --config aug.json --num 6 --samples-per-image 8 --out grid.png
  python -m jaxaug preview photos/ --config '{"width_shift_range": 0.2, "fill_mode": "reflect"}' --size 96x128

--config takes a JSON file, inline JSON, or key=value pairs (JSON values; bare words are
strings); repeat it to merge several (later ones win). Fields are jaxaug.AugmentConfig's:
  %s
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", text)
    if not match or int(match.group(1)) < 1 or (match.group(2) is not None and int(match.group(2)) < 1):
        raise argparse.ArgumentTypeError(f"expected HxW (e.g. 128x160) or one number for a square, got {text!r}")
    height = int(match.group(1))
    return (height, int(match.group(2)) if match.group(2) is not None else height)


def build_parser() -> argparse.ArgumentParser:
    """The ``jaxaug`` argument parser (sub-command ``preview``)."""
    return _parsers()[0]


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """``(jaxaug parser, its preview sub-parser)``."""
    parser = argparse.ArgumentParser(
        prog="jaxaug",
        description="jaxaug command line tools.",
        epilog="Run `jaxaug preview --help` for the preview command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    preview = commands.add_parser(
        "preview",
        help="write a grid PNG of originals next to augmented samples",
        description=(
            "Write a grid PNG that shows what an augmentation config does to your images: one row per image, "
            "the original first, then augmented samples (jaxaug.augment)."
        ),
        epilog=_EXAMPLES % ", ".join(FIELDS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    preview.add_argument(
        "directory",
        metavar="DIR",
        help="image folder: class sub-folders (like flow_from_directory) and/or images directly inside",
    )
    preview.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="CONFIG",
        help="augmentation settings: JSON file, inline JSON or key=value pairs (repeatable)",
    )
    preview.add_argument(
        "--policy",
        choices=tuple(POLICIES),
        help="show a policy (jaxaug.rand_augment / trivial_augment / augmix, default settings) after the config",
    )
    preview.add_argument("--out", default="jaxaug_preview.png", help="output PNG path (default: %(default)s)")
    preview.add_argument(
        "--num", type=_positive_int, default=4, metavar="N", help="images (rows), spread over DIR (default: 4)"
    )
    preview.add_argument(
        "--samples-per-image",
        type=_positive_int,
        default=5,
        metavar="K",
        help="augmented versions per image (default: 5)",
    )
    preview.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    preview.add_argument(
        "--size",
        type=_size,
        default=(128, 128),
        metavar="HxW",
        help="resize images to HxW (PIL bilinear) before augmenting (default: 128x128)",
    )
    preview.add_argument("--pad", type=_non_negative_int, default=4, help="white pixels between cells (default: 4)")
    return parser, preview


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``jaxaug`` / ``python -m jaxaug``; returns the exit status.

    Bad arguments exit with status 2 (argparse style), naming the problem.
    """
    parser, sub = _parsers()
    args = parser.parse_args(argv)
    try:
        config = parse_config(args.config)
    except (TypeError, ValueError) as err:
        sub.error(f"--config: {err}")
    try:
        paths = find_images(args.directory)
    except (FileNotFoundError, NotADirectoryError) as err:
        sub.error(f"DIR: {err}")
    if not paths:
        sub.error(
            f"DIR: no images found in {args.directory!r} (looked for {', '.join(files.WHITE_LIST_FORMATS)} files "
            "directly inside it and in its sub-folders)."
        )
    chosen = pick(paths, args.num)
    try:
        originals, augmented = preview_images(
            chosen,
            config,
            samples_per_image=args.samples_per_image,
            size=args.size,
            seed=args.seed,
            policy=args.policy,
        )
    except files.ImageFileError as err:
        parser.exit(1, f"jaxaug preview: error: {err}\n")
    cells = np.concatenate([originals[:, None], augmented], axis=1)
    columns = args.samples_per_image + 1
    grid = preview_grid(cells.reshape((-1,) + originals.shape[1:]), columns=columns, pad=args.pad)
    save_png(grid, args.out)
    if not config.ops and args.policy is None:
        print("note: the config enables no augmentation; the samples equal the originals.", file=sys.stderr)
    print(
        f"Wrote {args.out} ({grid.shape[1]}x{grid.shape[0]} px): {len(chosen)} of {len(paths)} images from "
        f"{args.directory}, each followed by {args.samples_per_image} augmented samples.\nConfig: {config}"
    )
    return 0
