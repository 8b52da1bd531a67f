"""A procedurally drawn image-classification folder: circles, squares and triangles.

Nothing is downloaded: :func:`write_shapes` draws random shapes with numpy and writes
them with PIL in one sub-folder per class, the layout ``flow_from_directory`` reads.
"""

from __future__ import annotations

import os

import numpy as np

CLASSES = ("circle", "square", "triangle")


def draw_shape(rng: np.random.Generator, kind: str, size: int, *, spread: float, rotate: bool) -> np.ndarray:
    """Returns one uint8 ``(size, size, 3)`` image of ``kind`` on a noisy background.

    Args:
        rng: numpy Generator (all randomness comes from it).
        kind: one of ``CLASSES``.
        size: image height and width.
        spread: how far from the centre the shape may sit (0: centred, 1: anywhere).
        rotate: rotate squares and triangles by a random angle (else axis-aligned, apex up).
    """
    r, c = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    radius = size * rng.uniform(0.18, 0.3)
    margin = radius * 1.1
    centre = size / 2 + spread * rng.uniform(-1, 1, 2) * (size / 2 - margin)
    angle = rng.uniform(0, 2 * np.pi) if rotate else 0.0
    # Coordinates in the shape's own frame (rotated by -angle around its centre).
    dy, dx = r - centre[0], c - centre[1]
    u = np.cos(angle) * dx + np.sin(angle) * dy
    v = -np.sin(angle) * dx + np.cos(angle) * dy
    if kind == "circle":
        mask = u**2 + v**2 <= radius**2
    elif kind == "square":
        half = radius * 0.85
        mask = (np.abs(u) <= half) & (np.abs(v) <= half)
    elif kind == "triangle":  # apex up (v grows downwards): a base line and two slanted sides
        mask = (v <= 0.7 * radius) & (v >= 1.7 * np.abs(u) - radius)
    else:
        raise ValueError(f"`kind` must be one of {CLASSES}, got {kind!r}.")
    background = rng.uniform(0, 120, 3)
    colour = rng.uniform(100, 255, 3)
    img = background + rng.normal(0, 12, (size, size, 3))
    img[mask] = colour + rng.normal(0, 8, (int(mask.sum()), 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def write_shapes(
    directory: str,
    *,
    per_class: int = 100,
    size: int = 32,
    seed: int = 0,
    spread: float = 0.3,
    rotate: bool = False,
    image_format: str = "png",
) -> str:
    """Writes ``per_class`` images of each shape to ``directory/<class>/<n>.<format>``.

    Returns ``directory``. Same arguments give the same files.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    for kind in CLASSES:
        folder = os.path.join(directory, kind)
        os.makedirs(folder, exist_ok=True)
        for n in range(per_class):
            image = draw_shape(rng, kind, size, spread=spread, rotate=rotate)
            Image.fromarray(image).save(os.path.join(folder, f"{n:04d}.{image_format}"))
    return directory
