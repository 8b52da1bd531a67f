"""A procedurally drawn sample image, so demos and tests need no downloads or binaries."""

from __future__ import annotations

import numpy as np


def sample_image(height: int = 128, width: int = 160) -> np.ndarray:
    """Returns a uint8 ``(H, W, 3)`` picture with an arrow, a disc and a checker border.

    Asymmetric on purpose: flips, rotations and shifts are easy to see.
    """
    r, c = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    img[..., 0] = 40 + 150 * c / width  # horizontal red ramp
    img[..., 1] = 40 + 150 * r / height  # vertical green ramp
    img[..., 2] = 90
    checker = ((r // 8 + c // 8) % 2 == 0) & ((r < 8) | (c < 8) | (r >= height - 8) | (c >= width - 8))
    img[checker] = (250, 250, 250)
    disc = (r - 0.3 * height) ** 2 + (c - 0.72 * width) ** 2 < (0.14 * height) ** 2
    img[disc] = (240, 200, 30)
    # An arrow pointing up-left: a shaft and a triangular head.
    shaft = (np.abs(r - c * height / width - 0.05 * height) < 4) & (c > 0.25 * width) & (c < 0.6 * width)
    head = (r > 0.12 * height) & (c > 0.12 * width) & (r - 0.12 * height + c - 0.12 * width < 0.25 * height)
    img[shaft | head] = (20, 20, 20)
    return img.astype(np.uint8)
