"""`make demo`: augment an embedded sample image on JAX and write a preview grid PNG.

Usage: python examples/demo.py [--out examples/out/preview.png] [--seed 0]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import jaxaug  # noqa: E402
from sample_image import sample_image  # noqa: E402


def preview_grid(images: np.ndarray, columns: int, pad: int = 4) -> np.ndarray:
    """Tiles a uint8 ``(N, H, W, C)`` batch into one ``(rows*H, columns*W, C)`` image."""
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), 255, np.uint8)
    for i, img in enumerate(images):
        y, x = pad + (i // columns) * (h + pad), pad + (i % columns) * (w + pad)
        grid[y : y + h, x : x + w] = img
    return grid


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out", "preview.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    config = jaxaug.AugmentConfig(
        rotation_range=25,
        width_shift_range=0.1,
        height_shift_range=0.1,
        shear_range=10,
        zoom_range=0.2,
        horizontal_flip=True,
        brightness_range=(0.7, 1.3),
        fill_mode="reflect",
    )
    image = sample_image()
    batch = jnp.broadcast_to(jnp.asarray(image), (15,) + image.shape)
    augment = jax.jit(functools.partial(jaxaug.augment, config=config))
    out = np.asarray(augment(jax.random.key(args.seed), batch))
    grid = preview_grid(np.concatenate([image[None], out]), columns=4)

    from PIL import Image

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    Image.fromarray(grid).save(args.out)
    print(f"Wrote {args.out}: the original (top left) and 15 augmentations of it.")
    return args.out


if __name__ == "__main__":
    main()
