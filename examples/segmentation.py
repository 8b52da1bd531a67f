"""Segmentation: augment images and their label masks together, with ONE call.

The legacy Keras recipe runs two ``ImageDataGenerator``s with the same seed::

    image_gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, horizontal_flip=True)
    mask_gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, horizontal_flip=True)
    pairs = zip(image_gen.flow(images, seed=1), mask_gen.flow(masks, seed=1))

It works only while both generators draw the same numbers in the same order, it
interpolates the masks (labels get blended at edges) and applies colour changes to
them too. jaxaug draws one matrix per example and applies it to both::

    out = jaxaug.augment_with_targets(key, images, config, masks=masks, mask_fill=255)

The mask is warped at order 0 (labels are never blended), pixels that come from
outside the image get the ``mask_fill`` label (an "ignore" value), and colour options
never touch it. Boxes and keypoints work the same way (``boxes=``, ``keypoints=``).

This script draws a synthetic batch (a disc and a square on a dark background, labels
1 and 2), augments it, checks that each warped label sits on its own colour, and writes
a preview grid: per example the augmented image next to its augmented mask.

Usage: python examples/segmentation.py [--size 64] [--batch 6] [--out examples/out/segmentation.png]
"""

from __future__ import annotations

import argparse
import functools
import os

import jax
import numpy as np

import jaxaug

IGNORE = 255
COLOURS = np.array([[30, 30, 30], [230, 60, 60], [60, 200, 230]], np.uint8)  # background, disc, square
MASK_COLOURS = {0: (0, 0, 0), 1: (255, 80, 80), 2: (80, 200, 255), IGNORE: (150, 150, 150)}

CONFIG = jaxaug.AugmentConfig(
    rotation_range=30,
    width_shift_range=0.15,
    height_shift_range=0.15,
    zoom_range=(0.8, 1.3),
    horizontal_flip=True,
    brightness_range=(0.9, 1.1),  # images only: masks are never colour-augmented
    fill_mode="constant",
)


def synthetic_batch(batch: int, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (B, S, S, 3), masks uint8 (B, S, S))``: a disc (label 1) and a square (label 2)."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:size, 0:size] + 0.5
    masks = np.zeros((batch, size, size), np.uint8)
    for i in range(batch):
        cy, cx, radius = rng.uniform(0.3, 0.45) * size, rng.uniform(0.3, 0.7) * size, 0.18 * size
        masks[i][(r - cy) ** 2 + (c - cx) ** 2 <= radius**2] = 1
        top, left, half = rng.uniform(0.55, 0.7) * size, rng.uniform(0.2, 0.6) * size, 0.14 * size
        masks[i][(np.abs(r - top) <= half) & (np.abs(c - left) <= half)] = 2
    return COLOURS[masks], masks


def label_agreement(images: np.ndarray, masks: np.ndarray) -> float:
    """Fraction of labelled (non-ignore) pixels whose image colour is closest to their label's colour."""
    dist = ((images[..., None, :].astype(np.float32) - COLOURS.astype(np.float32)) ** 2).sum(-1)
    nearest = dist.argmin(-1)
    keep = masks != IGNORE
    return float((nearest[keep] == masks[keep]).mean())


def colourise(masks: np.ndarray) -> np.ndarray:
    out = np.zeros(masks.shape + (3,), np.uint8)
    for label, colour in MASK_COLOURS.items():
        out[masks == label] = colour
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(here, "out", "segmentation.png"))
    args = parser.parse_args(argv)

    images, masks = synthetic_batch(args.batch, args.size, args.seed)
    # Jit it with the config and mask_fill bound (static), like jaxaug.augment.
    augment = jax.jit(functools.partial(jaxaug.augment_with_targets, config=CONFIG, mask_fill=IGNORE))
    out = augment(jax.random.key(args.seed), images, masks=masks)
    aug_images, aug_masks = np.asarray(out.images), np.asarray(out.masks)

    # A deliberately misaligned control: the masks of a different key (what a seed mix-up gives).
    wrong = np.asarray(augment(jax.random.key(args.seed + 1), images, masks=masks).masks)
    result = {
        "mask_image_agreement": label_agreement(aug_images, aug_masks),
        "misaligned_agreement": label_agreement(aug_images, wrong),
        "labels_kept": set(np.unique(aug_masks).tolist()) <= {0, 1, 2, IGNORE},
    }
    cells = np.stack([aug_images, colourise(aug_masks)], axis=1).reshape((-1,) + aug_images.shape[1:])
    from PIL import Image

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    Image.fromarray(jaxaug.preview_grid(cells, columns=6, pad=2)).save(args.out)
    print(f"Wrote {args.out}: each augmented image next to its augmented mask (grey = ignore).")
    print(
        f"label/colour agreement {result['mask_image_agreement']:.3f} (same matrices) vs "
        f"{result['misaligned_agreement']:.3f} (masks from another key); labels stay in {{0, 1, 2, {IGNORE}}}: "
        f"{result['labels_kept']}"
    )
    return result


if __name__ == "__main__":
    main()
