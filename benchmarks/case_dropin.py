"""Benchmark case: the drop-in ``jaxaug.preprocessing.image`` vs Keras's legacy ``ImageDataGenerator``.

Three comparisons, each timed in one process with the contenders interleaved batch by
batch (so load drift on a shared machine hits all of them alike):

* ``flow``: numpy in, numpy out, exact parity kept. Keras legacy
  ``ImageDataGenerator.flow`` vs the drop-in's, on a ``(32, 224, 224, 3)`` float32
  batch with rotation 20 + shifts 0.1 + shear 0.2 + zoom 0.2 + horizontal flip,
  ``fill_mode="nearest"``, bilinear (Keras's default order 1); plus the drop-in's
  jitted warp alone on a device-resident batch (the ceiling ``flow`` can reach).
* ``flow_from_directory``: the same augmentation on real JPEG files (generated once
  into a temporary directory: 500 pictures of 256x256, 100 with ``quick``), batch 32,
  ``target_size=(256, 256)``. Keras legacy vs the drop-in vs a decode-and-resize-only
  loop (``jaxaug.load_images`` with the drop-in's decoder thread count, no
  augmentation): the last ratio says how close augmentation comes to free next to
  decoding.

Warm-up batches (including the drop-in's one-off jit compile, reported as
``compile_s``) are not timed; Keras's repetitions are capped because it is slow.
``img_per_s`` counts full batches only.

Usage: ``KERAS_BACKEND=jax python benchmarks/case_dropin.py [--quick]``
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # must happen before keras is imported

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402

BATCH, FLOW_SIZE, FILE_SIZE = 32, 224, 256
CONFIG = dict(
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=0.1,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="nearest",
)


def _picture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A photo-like uint8 picture: smooth colour fields, a few shapes, mild sensor noise."""
    r, c = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.empty((size, size, 3), np.float32)
    for k in range(3):
        a, b, f, g = rng.uniform(-1, 1, 4)
        img[..., k] = 128 + 60 * np.sin(6 * f * r + 3 * a) * np.cos(6 * g * c + 3 * b) + 40 * (a * r + b * c)
    for _ in range(4):
        cy, cx, rad = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.2)
        img[(r - cy) ** 2 + (c - cx) ** 2 < rad**2] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_jpeg_tree(root: str, n: int, size: int = FILE_SIZE, classes: int = 4) -> str:
    """Writes ``n`` JPEG pictures (quality 90) into ``classes`` class folders under ``root``."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(n):
        folder = os.path.join(root, f"class{i % classes}")
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(_picture(rng, size)).save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)
    return root


def _quiet():
    """Silences the iterators' "Found N images" prints and the Keras oracle's scipy warnings."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    return stack


def _interleaved(contenders: dict, batches: int, caps: dict) -> dict[str, list[float]]:
    """Calls ``fetch(i)`` of every contender for ``i = 1..batches`` in turn; seconds per call."""
    times = {name: [] for name in contenders}
    for i in range(1, batches + 1):
        for name, fetch in contenders.items():
            if len(times[name]) >= caps.get(name, batches):
                continue
            start = time.perf_counter()
            fetch(i)
            times[name].append(time.perf_counter() - start)
    return times


def _first_call_seconds(fetch) -> float:
    start = time.perf_counter()
    fetch(0)
    return time.perf_counter() - start


def _row(case, seconds, baseline, baseline_seconds, **extra):
    row = {
        "case": case,
        "img_per_s": BATCH / seconds,
        "ms_per_batch": 1e3 * seconds,
        "baseline": baseline,
        "speedup_vs_baseline": (baseline_seconds / seconds) if baseline_seconds else None,
        "batch": BATCH,
        "device": str(jax.devices()[0].device_kind),
        "jax": jax.__version__,
    }
    row.update(extra)
    return row


def bench_flow(quick: bool) -> list[dict]:
    """Keras legacy ``flow`` vs the drop-in ``flow`` (224x224x3 float32, batch 32)."""
    import keras
    from keras.src.legacy.preprocessing import image as kimage

    from jaxaug.preprocessing import image as jimage

    batches = 6 if quick else 20
    x = np.random.default_rng(0).uniform(0, 255, (BATCH * 2, FLOW_SIZE, FLOW_SIZE, 3)).astype(np.float32)
    with _quiet():
        ours = jimage.ImageDataGenerator(**CONFIG).flow(x, batch_size=BATCH, seed=0)
        theirs = kimage.ImageDataGenerator(**CONFIG).flow(x, batch_size=BATCH, seed=0)
        compile_s = _first_call_seconds(lambda i: ours[i % 2])
        warp = _bare_warp(x[:BATCH])
        times = _interleaved(
            {"keras": lambda i: theirs[i % 2], "dropin": lambda i: ours[i % 2], "warp": warp},
            batches,
            caps={"keras": 2 if quick else 5},
        )
    keras_s, ours_s = min(times["keras"]), min(times["dropin"])
    warp_s = min(times["warp"])
    extra = dict(size=FLOW_SIZE, keras=keras.__version__)
    return [
        _row("flow: keras legacy", keras_s, None, None, **extra),
        _row(
            "flow: jaxaug drop-in",
            ours_s,
            "flow: keras legacy",
            keras_s,
            compile_s=compile_s,
            vs_bare_warp=warp_s / ours_s,
            **extra,
        ),
        _row("flow: bare jitted warp (ceiling)", warp_s, "flow: keras legacy", keras_s, **extra),
    ]


def _bare_warp(batch: np.ndarray):
    """The drop-in's jitted batch warp alone on a device-resident batch: the ceiling for ``flow``.

    Same matrices as a drop-in batch (Keras's draws for this config), no host work,
    no transfers: what ``flow`` would reach if everything around the resample were free.
    """
    from jaxaug._src import engine, legacy

    gen = legacy.ImageDataGenerator(**CONFIG)
    p = gen.draw_batch(len(batch), batch.shape[1:])
    height, width, channels = batch.shape[1:]
    params, pivot = legacy.keras_params(p, height, width, channels)
    plan = engine.Plan("affine", gen.interpolation_order, gen.fill_mode)
    images, params = jax.device_put(batch), jax.device_put(params)
    warp = jax.jit(lambda x, q: engine.apply(x, q, plan, 0.0, pivot=pivot).images)

    def call(i):
        jax.block_until_ready(warp(images, params))

    call(0)
    return call


def bench_directory(quick: bool) -> list[dict]:
    """Keras legacy vs drop-in ``flow_from_directory`` vs a decode-and-resize-only loop."""
    import keras
    from keras.src.legacy.preprocessing import image as kimage

    from jaxaug._src import files, iterators
    from jaxaug.preprocessing import image as jimage

    n_files = 100 if quick else 500
    root = make_jpeg_tree(tempfile.mkdtemp(prefix="jaxaug-bench-"), n_files)
    try:
        kwargs = dict(target_size=(FILE_SIZE, FILE_SIZE), batch_size=BATCH, seed=0)
        with _quiet():
            ours = jimage.ImageDataGenerator(**CONFIG).flow_from_directory(root, **kwargs)
            theirs = kimage.ImageDataGenerator(**CONFIG).flow_from_directory(root, **kwargs)
            paths = ours.filepaths
            full = n_files // BATCH
            threads = iterators.DECODE_THREADS

            def decode_only(i):
                j = i % full
                files.load_images(
                    paths[j * BATCH : (j + 1) * BATCH],
                    num_threads=threads,
                    target_size=(FILE_SIZE, FILE_SIZE),
                    interpolation="nearest",
                )

            compile_s = _first_call_seconds(lambda i: ours[i])
            decode_only(0)
            times = _interleaved(
                {
                    "keras": lambda i: theirs[i % full],
                    "dropin": lambda i: ours[i % full],
                    "decode": decode_only,
                },
                full if quick else 2 * full,
                caps={"keras": 2 if quick else 5},
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    keras_s = min(times["keras"])
    ours_s = min(times["dropin"])
    decode_s = min(times["decode"])
    extra = dict(size=FILE_SIZE, files=n_files, threads=threads, keras=keras.__version__)
    return [
        _row("flow_from_directory: keras legacy", keras_s, None, None, **extra),
        _row(
            "flow_from_directory: jaxaug drop-in",
            ours_s,
            "flow_from_directory: keras legacy",
            keras_s,
            compile_s=compile_s,
            vs_decode_only=decode_s / ours_s,
            **extra,
        ),
        _row("decode+resize only (load_images)", decode_s, None, None, **extra),
    ]


def run(quick: bool) -> list[dict]:
    """Runs both comparisons; returns one row per contender.

    Args:
        quick: fewer batches and files (100 JPEGs, Keras capped at 2 batches).

    Returns:
        Rows ``{"case", "img_per_s", "ms_per_batch", "baseline", "speedup_vs_baseline",
        "batch", "size", "device", "jax", "keras", ...}``; the drop-in ``flow`` row also
        has ``vs_bare_warp`` (drop-in throughput / its jitted warp alone), the drop-in
        directory row ``vs_decode_only`` (drop-in throughput / decode-only throughput),
        ``threads`` and ``files``; drop-in rows have ``compile_s`` (first batch, untimed).
    """
    return bench_flow(quick) + bench_directory(quick)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer batches and files")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    import keras
    import PIL

    print(
        f"device {rows[0]['device']} ({jax.devices()[0].platform}), jax {jax.__version__}, "
        f"keras {keras.__version__}, numpy {np.__version__}, pillow {PIL.__version__}, "
        f"batch {BATCH}, cpu cores {os.cpu_count()}"
    )
    print(f"{'case':<40} {'ms/batch':>9} {'img/s':>8}  ratio")
    for row in rows:
        ratio = ""
        if row["speedup_vs_baseline"] is not None:
            ratio = f"{row['speedup_vs_baseline']:.1f}x {row['baseline']}"
        if "vs_bare_warp" in row:
            ratio += f"; {row['vs_bare_warp']:.2f}x its bare warp"
        if "vs_decode_only" in row:
            ratio += f"; {row['vs_decode_only']:.2f}x decode-only ({row['threads']} threads)"
        print(f"{row['case']:<40} {row['ms_per_batch']:9.1f} {row['img_per_s']:8.0f}  {ratio}")
    return rows


if __name__ == "__main__":
    main()
