"""Writes the README's preview grids: each operation on the embedded sample image, 6 draws per row.

Usage: ``python examples/make_previews.py [--out docs/previews] [--size 96x120]``. Each PNG is
one row: the original, then 6 augmented samples (one batch, one key, example ids 0-5).
"""

from __future__ import annotations

import argparse
import functools
import os

import jax
import jax.numpy as jnp
import numpy as np
from sample_image import sample_image

import jaxaug
from jaxaug._src.preview import preview_grid, save_png

AFFINE = dict(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, shear_range=10, zoom_range=0.2)
CONFIGS = {
    "affine": jaxaug.AugmentConfig(**AFFINE, horizontal_flip=True, fill_mode="reflect"),
    "resized_crop": jaxaug.AugmentConfig(crop_scale=(0.08, 1.0), horizontal_flip=True),
    "perspective": jaxaug.AugmentConfig(perspective_range=0.5, fill_mode="constant"),
    "elastic": jaxaug.AugmentConfig(elastic_alpha=8.0, elastic_sigma=4.0, fill_mode="reflect"),
    "color_jitter": jaxaug.AugmentConfig(
        brightness_range=(0.6, 1.4), contrast_range=(0.6, 1.4), saturation_range=(0.5, 1.5), hue_range=(-0.1, 0.1)
    ),
    "pixel_ops": jaxaug.AugmentConfig(
        equalize_probability=0.3,
        solarize_probability=0.3,
        posterize_bits=(3, 8),
        blur_sigma_range=(0.5, 2.0),
        blur_probability=0.3,
        grayscale_probability=0.2,
    ),
    "erasing": jaxaug.AugmentConfig(erasing_probability=1.0, erasing_value="random"),
}
POLICIES = {
    "rand_augment": functools.partial(jaxaug.rand_augment, num_ops=2, magnitude=9),
    "trivial_augment": jaxaug.trivial_augment,
    "augmix": jaxaug.augmix,
}


def main(argv=None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("docs", "previews"))
    parser.add_argument("--size", default="96x120", help="HxW of the sample image")
    parser.add_argument("--samples", type=int, default=6)
    names = [*CONFIGS, *POLICIES, "mixup", "cutmix"]
    parser.add_argument("--only", default=",".join(names), help=f"comma-separated subset of {','.join(names)}")
    args = parser.parse_args(argv)
    only = args.only.split(",")
    unknown = sorted(set(only) - set(names))
    if unknown:
        parser.error(f"--only: unknown preview(s) {unknown}; choose from {names}")
    height, width = (int(v) for v in args.size.split("x"))
    image = sample_image(height, width)
    batch = jnp.asarray(np.repeat(image[None], args.samples, axis=0))
    key = jax.random.key(0)
    os.makedirs(args.out, exist_ok=True)
    rows = {name: jaxaug.augment(key, batch, config) for name, config in CONFIGS.items() if name in only}
    rows.update({name: policy(key, batch) for name, policy in POLICIES.items() if name in only})
    labels = np.arange(args.samples) % 3
    if "mixup" in only:
        rows["mixup"] = jaxaug.mixup(key, _variety(batch), labels, alpha=0.4, num_classes=3)[0]
    if "cutmix" in only:
        rows["cutmix"] = jaxaug.cutmix(key, _variety(batch), labels, alpha=1.0, num_classes=3)[0]
    written = []
    for name, augmented in rows.items():
        cells = np.concatenate([image[None], np.asarray(augmented, np.uint8)])
        path = os.path.join(args.out, f"{name}.png")
        save_png(preview_grid(cells, columns=len(cells)), path)
        written.append(path)
    print("\n".join(written))
    return written


def _variety(batch: jax.Array) -> jax.Array:
    """Distinct images to mix: the sample image under three fixed flips and rolls."""
    flips = [batch[0], batch[0][:, ::-1], batch[0][::-1], jnp.roll(batch[0], 20, axis=1)]
    return jnp.stack([flips[i % len(flips)] for i in range(len(batch))])


if __name__ == "__main__":
    main()
