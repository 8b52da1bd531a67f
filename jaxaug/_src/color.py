"""Per-pixel colour operations: channel shift and brightness.

Each op has a deterministic form (``shift_channels``, ``adjust_brightness``) and a
key-first random twin. Integer images are computed in float32 and rounded back.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxaug._src import fastpath, resample, validation


def shift_channels_float(x: jax.Array, offsets: jax.Array) -> jax.Array:
    """Adds per-channel ``offsets`` to a float ``(H, W, C)`` image, clipped to its [min, max].

    Written in the fusion-safe form of ``fastpath.shift_channels_float`` (same values).
    """
    return fastpath.shift_channels_float(x, offsets.astype(x.dtype))


def shift_channels(image: ArrayLike, offsets: ArrayLike) -> jax.Array:
    """Adds one offset per channel and clips to the image's own value range.

    Args:
        image: ``(H, W, C)`` image.
        offsets: scalar or ``(C,)`` offsets, in the image's units.

    Returns:
        Same shape and dtype as ``image``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> x = jnp.array([[[10.0, 100.0, 200.0]]])
        >>> jaxaug.shift_channels(x, jnp.array([30.0, -200.0, 30.0])).tolist()
        [[[40.0, 10.0, 200.0]]]
    """
    image = jnp.asarray(image)
    resample.check_image("image", image, ranks=(3,))
    dtype = resample.compute_dtype(image.dtype)
    out = shift_channels_float(image.astype(dtype), jnp.asarray(offsets, dtype))
    return resample.cast_like(out, image.dtype)


def adjust_brightness(image: ArrayLike, factor: ArrayLike) -> jax.Array:
    """Multiplies every pixel by ``factor`` (0 is black, 1 unchanged).

    Integer images are rounded and clipped to their dtype's range; float images are
    not clipped.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.adjust_brightness(jnp.array([[100, 200]], jnp.uint8), 1.5).tolist()
        [[150, 255]]
    """
    image = jnp.asarray(image)
    resample.check_image("image", image)
    dtype = resample.compute_dtype(image.dtype)
    return resample.cast_like(image.astype(dtype) * jnp.asarray(factor, dtype), image.dtype)


def random_channel_shift(key: jax.Array, image: ArrayLike, max_delta: float) -> jax.Array:
    """Shifts each channel by its own offset from U(-max_delta, max_delta)."""
    validation.check_real("max_delta", max_delta, minimum=0.0)
    image = jnp.asarray(image)
    resample.check_image("image", image, ranks=(3,))
    offsets = jax.random.uniform(key, (image.shape[-1],), jnp.float32, -max_delta, max_delta)
    return shift_channels(image, offsets)


def random_brightness(key: jax.Array, image: ArrayLike, lower: float, upper: float) -> jax.Array:
    """Scales the image by a factor drawn from U(lower, upper)."""
    lower, upper = validation.check_pair("(lower, upper)", (lower, upper), minimum=0.0, ordered=True)
    factor = jax.random.uniform(key, (), jnp.float32, lower, upper)
    return adjust_brightness(image, factor)
