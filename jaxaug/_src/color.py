"""Per-pixel colour operations: PIL/torchvision enhancements, ImageOps, blur and erasing.

Every op is key-free and deterministic, takes one image ``(H, W, C)`` or a batch
``(..., H, W, C)`` and returns the input's shape and dtype. Random versions draw
parameters and call the same code.

================= ===================================================== ============== =============================
op                semantics                                             scale          reference
================= ===================================================== ============== =============================
adjust_brightness blend with black: ``factor * x``                      clip           PIL ImageEnhance.Brightness
adjust_contrast   blend with the mean of the grayscale image            clip, levels   PIL ImageEnhance.Contrast
adjust_saturation blend with the grayscale image                        clip, levels   PIL ImageEnhance.Color
adjust_sharpness  blend with the 3x3 SMOOTH image (border kept)         clip, levels   PIL ImageEnhance.Sharpness
rgb_to_grayscale  ITU-R 601-2 luma ``0.299 R + 0.587 G + 0.114 B``      any            PIL ``convert("L")``
adjust_hue        rotate the HSV hue by ``delta`` turns                 any            colorsys, torchvision
adjust_gamma      ``gain * max * (x / max) ** gamma``                   clip           torchvision, skimage
solarize          ``max - x`` where ``x >= threshold``                  max            PIL ImageOps.solarize
posterize         keep the top ``bits`` bits of each level              levels         PIL ImageOps.posterize
invert            ``max - x``                                           max            PIL ImageOps.invert
equalize          per-channel histogram equalisation (256 bins)         levels         PIL ImageOps.equalize
autocontrast      stretch each channel's lowest/highest level to 0/255  levels         PIL ImageOps.autocontrast
gaussian_blur     separable Gaussian along H and W, 'reflect' edges     any            scipy.ndimage.gaussian_filter
erase             fill ``[top, top + height) x [left, left + width)``   any            numpy slice assignment
================= ===================================================== ============== =============================

Scale column: ``any`` needs no white level (the result stays within the input's
range, or is the given ``value``); ``max`` uses it; ``clip`` clips to ``[0, max]``;
``levels`` works on 256 levels of ``[0, max]`` (below).

Value scale: an op that needs to know the image's white level reads it from
``max_value``: ``iinfo(dtype).max`` for integer dtypes (255 for uint8, 65535 for
uint16) and 1.0 for floats, so float images are expected in [0, 1]. Pass
``max_value=255.0`` for float images in [0, 255]. Values are taken in ``[0, max_value]``.

8-bit levels: PIL works on 8-bit images, and jaxaug follows it on 256 levels of the
scale (level ``k`` is the value ``k * max_value / 255``):

* the blend ops clip to ``[0, max_value]`` and round their blend targets (grayscale,
  mean, smoothed image) to a level, as PIL's 8-bit degenerate images are; the rounding
  is straight-through (gradients flow as if unrounded);
* posterize, equalize and autocontrast first round each value to its nearest level
  (``floor(x * 255 / max_value + 0.5)``, clipped to 0-255) and return levels;
* solarize's ``threshold`` is in the image's own units (128 for uint8, 0.5 for [0, 1]).

On uint8 RGB images the blend ops, grayscale and hue match PIL (or colorsys) within
one level (PIL truncates where jaxaug rounds); solarize, posterize, invert, equalize
and autocontrast match PIL exactly.

Parameters: a scalar applies to every image; an array shaped like the batch
dimensions (``(B,)`` for ``(B, H, W, C)``) gives one value per image, and may be traced.
Python and numpy numbers are validated when the op is called; arrays are not (they
may be traced). Each op has a float core (``contrast_float`` for ``adjust_contrast``,
``equalize_float`` for ``equalize``, ...) that takes compute-dtype values and returns
them unrounded, so that a pipeline can chain several ops and cast once; the public
function validates, converts to the compute dtype, runs the core under one ``jit``
and casts back with :func:`jaxaug._src.resample.cast_like`.
"""

from __future__ import annotations

import functools
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxaug._src import fastpath, resample, validation

# ---------------------------------------------------------------------------------------------------------------
# Shared helpers: value scale, validation, per-example parameters, 8-bit levels.
# ---------------------------------------------------------------------------------------------------------------


def max_value_for(dtype, max_value: float | None = None) -> float:
    """The white level of an image of ``dtype``: ``max_value`` if given, else iinfo max or 1.0."""
    if max_value is not None:
        return validation.check_real("max_value", max_value, minimum=0.0, min_inclusive=False)
    dtype = jnp.dtype(dtype)
    return float(jnp.iinfo(dtype).max) if jnp.issubdtype(dtype, jnp.integer) else 1.0


def _check_image(image: jax.Array, *, min_rank: int = 3) -> None:
    if image.ndim < min_rank:
        shapes = "(H, W), (H, W, C) or (..., H, W, C)" if min_rank == 2 else "(H, W, C) or (..., H, W, C)"
        raise ValueError(f"`image` must have shape {shapes}, got shape {image.shape}.")
    if not (jnp.issubdtype(image.dtype, jnp.integer) or jnp.issubdtype(image.dtype, jnp.floating)):
        raise TypeError(f"`image` must have an integer or floating dtype, got {image.dtype}.")


def _check_channels(x: jax.Array, allowed: tuple[int, ...], op: str) -> None:
    if x.ndim < 3 or x.shape[-1] not in allowed:
        want = " or ".join(map(str, allowed))
        raise ValueError(f"{op} needs `image` with {want} channels (last axis), got shape {x.shape}.")


def _check_number(name: str, value, **bounds) -> None:
    """Validates a Python or numpy number; arrays (per-example or traced) pass unchecked."""
    if isinstance(value, numbers.Number):
        validation.check_real(name, value, **bounds)


def _per_example(name: str, value: ArrayLike, x: jax.Array) -> jax.Array:
    """A scalar, or one value per image of the batch ``x.shape[:-3]``, shaped to broadcast with ``x``."""
    p = jnp.asarray(value)
    if p.ndim == 0:
        return p.astype(x.dtype)
    batch = x.shape[:-3]
    if p.ndim > len(batch) or any(n not in (1, b) for n, b in zip(p.shape[::-1], batch[::-1])):
        raise ValueError(
            f"`{name}` must be a scalar or have the batch shape {batch} of `image` {x.shape}, got shape {p.shape}."
        )
    return p.reshape(p.shape + (1, 1, 1)).astype(x.dtype)


def _to_levels(x: jax.Array, max_value) -> jax.Array:
    """The nearest of 256 levels of ``[0, max_value]``, as float level numbers 0-255."""
    return jnp.clip(jnp.floor(x * (255.0 / max_value) + 0.5), 0, 255)


def _round_to_level(v: jax.Array, max_value) -> jax.Array:
    """``v`` rounded to a level of the scale (PIL's 8-bit degenerate images), straight-through for gradients."""
    return v + lax.stop_gradient(_to_levels(v, max_value) * (max_value / 255.0) - v)


def _blend(x: jax.Array, degenerate: jax.Array, factor: jax.Array, max_value) -> jax.Array:
    """PIL's ``Image.blend(degenerate, x, factor)``: ``degenerate + factor * (x - degenerate)``, clipped."""
    return jnp.clip(degenerate + factor * (x - degenerate), 0, max_value)


def _luma(x: jax.Array) -> jax.Array:
    """ITU-R 601-2 luma of ``(..., 3)`` RGB values, keeping a channel axis of 1."""
    return 0.299 * x[..., 0:1] + 0.587 * x[..., 1:2] + 0.114 * x[..., 2:3]


def _gray(x: jax.Array, op: str) -> jax.Array:
    """The grayscale image: luma for RGB, the channel itself for one channel."""
    _check_channels(x, (1, 3), op)
    return x if x.shape[-1] == 1 else _luma(x)


def _pixel_op(image: ArrayLike, core, *args, static: tuple = (), min_rank: int = 3) -> jax.Array:
    """Validates ``image`` and returns ``core(image, *args, *static)`` computed in the compute dtype.

    ``args`` are arrays (traced under jit); ``static`` are hashable trailing arguments
    (``max_value``, sizes). One jitted call per op: an eager call compiles once per
    shape instead of once per primitive.
    """
    image = jnp.asarray(image)
    _check_image(image, min_rank=min_rank)
    return _run_core(image, tuple(jnp.asarray(a) for a in args), core, static)


def _scaled_op(image: ArrayLike, core, *args, max_value: float | None, min_rank: int = 3) -> jax.Array:
    """A :func:`_pixel_op` whose core takes the image's white level as its last argument."""
    image = jnp.asarray(image)
    return _pixel_op(image, core, *args, static=(max_value_for(image.dtype, max_value),), min_rank=min_rank)


@functools.partial(jax.jit, static_argnames=("core", "static"))
def _run_core(image: jax.Array, args: tuple, core, static: tuple) -> jax.Array:
    out = core(image.astype(resample.compute_dtype(image.dtype)), *args, *static)
    return resample.cast_like(out, image.dtype)


# ---------------------------------------------------------------------------------------------------------------
# Channel shift (used by the fused augment).
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# PIL ImageEnhance: blends with a degenerate image.
# ---------------------------------------------------------------------------------------------------------------


def brightness_float(x: jax.Array, factor: ArrayLike, max_value) -> jax.Array:
    """Blend with black: ``clip(factor * x, 0, max_value)``."""
    return jnp.clip(_per_example("factor", factor, x) * x, 0, max_value)


def contrast_float(x: jax.Array, factor: ArrayLike, max_value) -> jax.Array:
    """Blend with the mean level of the grayscale image (per image), clipped."""
    # The mean is taken over the (H, W) plane: with a unit channel axis kept, XLA:CPU fuses
    # the straight-through rounding into a YNNPACK reduction that runs about 8x slower.
    gray = _round_to_level(_gray(x, "adjust_contrast")[..., 0], max_value)
    mean = _round_to_level(jnp.mean(gray, axis=(-2, -1)), max_value)
    return _blend(x, mean[..., None, None, None], _per_example("factor", factor, x), max_value)


def saturation_float(x: jax.Array, factor: ArrayLike, max_value) -> jax.Array:
    """Blend with the grayscale image (rounded to levels), clipped."""
    gray = _round_to_level(_gray(x, "adjust_saturation"), max_value)
    return _blend(x, gray, _per_example("factor", factor, x), max_value)


def _smooth(x: jax.Array) -> jax.Array:
    """PIL's ``ImageFilter.SMOOTH``: 3x3 kernel ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13``, border unchanged."""
    height, width = x.shape[-3], x.shape[-2]
    if height < 3 or width < 3:
        return x
    total = 4 * x[..., 1:-1, 1:-1, :]  # the centre weighs 5: 4 here plus 1 in the loop
    for dr in range(3):
        for dc in range(3):
            total = total + x[..., dr : height - 2 + dr, dc : width - 2 + dc, :]
    middle = jnp.concatenate([x[..., 1:-1, :1, :], total / 13, x[..., 1:-1, -1:, :]], axis=-2)
    return jnp.concatenate([x[..., :1, :, :], middle, x[..., -1:, :, :]], axis=-3)


def sharpness_float(x: jax.Array, factor: ArrayLike, max_value) -> jax.Array:
    """Blend with the SMOOTH-filtered image (rounded to levels), clipped."""
    return _blend(x, _round_to_level(_smooth(x), max_value), _per_example("factor", factor, x), max_value)


def _check_factor(factor) -> None:
    _check_number("factor", factor, minimum=0.0)


def adjust_brightness(image: ArrayLike, factor: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Blends with black, as PIL's ``ImageEnhance.Brightness`` (0 is black, 1 unchanged).

    Computes ``clip(factor * image, 0, max_value)``. Also accepts a single-channel
    ``(H, W)`` image.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(..., H, W, C)`` image.
        factor: non-negative scalar, or one per image of the batch (may be traced).
        max_value: the image's white level; default ``iinfo(dtype).max`` for integers,
            1.0 for floats.

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: a negative ``factor`` or a bad ``image`` shape.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.adjust_brightness(jnp.array([[100, 200]], jnp.uint8), 1.5).tolist()
        [[150, 255]]
    """
    _check_factor(factor)
    return _scaled_op(image, brightness_float, factor, max_value=max_value, min_rank=2)


def adjust_contrast(image: ArrayLike, factor: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Blends with the mean of the grayscale image, as PIL's ``ImageEnhance.Contrast``.

    ``factor`` 0 gives a uniform gray at the mean level, 1 the image unchanged. The
    mean is that of the grayscale image (luma for RGB, the channel itself for one
    channel), each computed per image and rounded to a level as PIL does.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image with 3 (RGB) or 1 channels.
        factor: non-negative scalar, or one per image (may be traced).
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``, clipped to ``[0, max_value]``.

    Raises:
        ValueError: a negative ``factor``, or not 1 or 3 channels.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> x = jnp.array([[[0, 0, 0], [200, 200, 200]]], jnp.uint8)
        >>> jaxaug.adjust_contrast(x, 0.5).tolist()
        [[[50, 50, 50], [150, 150, 150]]]
    """
    _check_factor(factor)
    return _scaled_op(image, contrast_float, factor, max_value=max_value)


def adjust_saturation(image: ArrayLike, factor: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Blends with the grayscale image, as PIL's ``ImageEnhance.Color``.

    ``factor`` 0 gives the grayscale image (in every channel), 1 the image unchanged,
    above 1 more saturated colours (clipped).

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image with 3 (RGB) or 1 channels
            (one channel is its own grayscale: unchanged).
        factor: non-negative scalar, or one per image (may be traced).
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: a negative ``factor``, or not 1 or 3 channels.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.adjust_saturation(jnp.array([[[255, 0, 0]]], jnp.uint8), 0.0).tolist()
        [[[76, 76, 76]]]
    """
    _check_factor(factor)
    return _scaled_op(image, saturation_float, factor, max_value=max_value)


def adjust_sharpness(image: ArrayLike, factor: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Blends with a smoothed image, as PIL's ``ImageEnhance.Sharpness``.

    The smoothed image is PIL's ``ImageFilter.SMOOTH`` (3x3 kernel ``[[1, 1, 1], [1,
    5, 1], [1, 1, 1]] / 13``) with the border rows and columns unchanged. ``factor`` 0
    gives the smoothed image, 1 the image, 2 a sharpened image.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image, any number of channels.
        factor: non-negative scalar, or one per image (may be traced).
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: a negative ``factor``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> x = jnp.zeros((3, 3, 1), jnp.uint8).at[1, 1].set(130)
        >>> jaxaug.adjust_sharpness(x, 0.0)[..., 0].tolist()
        [[0, 0, 0], [0, 50, 0], [0, 0, 0]]
    """
    _check_factor(factor)
    return _scaled_op(image, sharpness_float, factor, max_value=max_value)


# ---------------------------------------------------------------------------------------------------------------
# Grayscale, hue and gamma.
# ---------------------------------------------------------------------------------------------------------------


def grayscale_float(x: jax.Array, num_channels: int = 1) -> jax.Array:
    """ITU-R 601-2 luma of an RGB image, repeated to ``num_channels`` (1 or 3) channels."""
    _check_channels(x, (3,), "rgb_to_grayscale")
    gray = _luma(x)
    return jnp.broadcast_to(gray, gray.shape[:-1] + (num_channels,))


def rgb_to_grayscale(image: ArrayLike, *, num_channels: int = 1) -> jax.Array:
    """Converts RGB to ITU-R 601-2 luma ``0.299 R + 0.587 G + 0.114 B``, as PIL's ``convert("L")``.

    Args:
        image: ``(H, W, 3)`` or ``(..., H, W, 3)`` RGB image.
        num_channels: 1, or 3 to repeat the gray value in three channels.

    Returns:
        ``image.shape[:-1] + (num_channels,)``, the dtype of ``image`` (integers rounded).

    Raises:
        ValueError: ``num_channels`` not 1 or 3, or not 3 channels.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.rgb_to_grayscale(jnp.array([[[255, 0, 0], [0, 255, 0]]], jnp.uint8)).tolist()
        [[[76], [150]]]
    """
    validation.check_choice("num_channels", num_channels, (1, 3))
    return _pixel_op(image, grayscale_float, static=(num_channels,))


def hue_float(x: jax.Array, delta: ArrayLike) -> jax.Array:
    """Rotates the HSV hue of an RGB image by ``delta`` turns (value and saturation kept).

    Vectorised RGB -> HSV -> RGB as ``colorsys``: with the hue in sextants ``h6`` (0-6)
    shifted by ``6 * delta``, channel ``n`` (5 for R, 3 for G, 1 for B) becomes
    ``max - chroma * clip(min(k, 4 - k), 0, 1)`` with ``k = (n + h6) mod 6``. Computed
    scaled by ``chroma`` (``chroma * h6`` is a difference of two channels), so there is
    no division, and for all three channels at once by broadcasting ``n`` (no
    concatenation): both measured several times faster on XLA:CPU.
    """
    _check_channels(x, (3,), "adjust_hue")
    r, g, b = x[..., 0:1], x[..., 1:2], x[..., 2:3]
    maxc = jnp.maximum(jnp.maximum(r, g), b)
    chroma = maxc - jnp.minimum(jnp.minimum(r, g), b)
    # chroma * h6, as colorsys picks the sextant (r first, then g, then b); 0 where chroma is 0.
    ch6 = jnp.where(r == maxc, g - b, jnp.where(g == maxc, 2 * chroma + b - r, 4 * chroma + r - g))
    ch6 = ch6 + 6 * _per_example("delta", delta, x) * chroma
    # chroma * (n + h6) lies in chroma * [-4, 14): two conditional steps of 6 * chroma reduce it
    # mod 6 * chroma (``jnp.mod`` would be a libm fmod per value on XLA:CPU).
    n = jnp.asarray([5, 3, 1], x.dtype)
    k = n * chroma + ch6
    period = 6 * chroma
    k = jnp.where(k >= period, k - period, k)
    k = jnp.where(k >= period, k - period, jnp.where(k < 0, k + period, k))
    return maxc - jnp.clip(jnp.minimum(k, 4 * chroma - k), 0, chroma)


def adjust_hue(image: ArrayLike, delta: ArrayLike) -> jax.Array:
    """Rotates the hue by ``delta`` turns, as ``colorsys`` HSV with ``h -> (h + delta) mod 1``.

    Saturation and value are kept, so the output stays in the input's range (no
    ``max_value`` needed). ``delta`` 0.5 gives the complementary colours.

    Args:
        image: ``(H, W, 3)`` or ``(..., H, W, 3)`` RGB image.
        delta: hue shift in turns, in [-0.5, 0.5]; scalar or one per image (may be
            traced; traced values are not range-checked).

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: ``delta`` outside [-0.5, 0.5], or not 3 channels.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.adjust_hue(jnp.array([[[255, 0, 0]]], jnp.uint8), 1 / 3).tolist()  # red -> green
        [[[0, 255, 0]]]
    """
    _check_number("delta", delta, minimum=-0.5, maximum=0.5)
    return _pixel_op(image, hue_float, delta)


def gamma_float(x: jax.Array, gamma: ArrayLike, gain: ArrayLike, max_value) -> jax.Array:
    """``clip(gain * max_value * (x / max_value) ** gamma, 0, max_value)``, ``x`` first clipped to the scale."""
    unit = jnp.clip(x / max_value, 0, 1)
    out = _per_example("gain", gain, x) * max_value * unit ** _per_example("gamma", gamma, x)
    return jnp.clip(out, 0, max_value)


def adjust_gamma(
    image: ArrayLike, gamma: ArrayLike, *, gain: ArrayLike = 1.0, max_value: float | None = None
) -> jax.Array:
    """Gamma correction ``gain * max * (x / max) ** gamma``, as torchvision and skimage define it.

    Values are taken in ``[0, max_value]`` and the result is clipped to it
    (torchvision clamps; skimage's formula is the same before clipping). ``0 ** 0`` is 1.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        gamma: non-negative exponent; below 1 brightens, above 1 darkens. Scalar or one
            per image (may be traced).
        gain: non-negative multiplier, scalar or one per image.
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: a negative ``gamma`` or ``gain``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.adjust_gamma(jnp.array([[[0.25, 1.0]]]), 0.5).tolist()
        [[[0.5, 1.0]]]
    """
    _check_number("gamma", gamma, minimum=0.0)
    _check_number("gain", gain, minimum=0.0)
    return _scaled_op(image, gamma_float, gamma, gain, max_value=max_value)


# ---------------------------------------------------------------------------------------------------------------
# PIL ImageOps: solarize, posterize, invert (per value); equalize, autocontrast (per channel look-up tables).
# ---------------------------------------------------------------------------------------------------------------


def solarize_float(x: jax.Array, threshold: ArrayLike, max_value) -> jax.Array:
    """``max_value - x`` where ``x >= threshold``, else ``x``."""
    return jnp.where(x >= _per_example("threshold", threshold, x), max_value - x, x)


def posterize_float(x: jax.Array, bits: ArrayLike, max_value) -> jax.Array:
    """Keeps the top ``bits`` bits of each value's 8-bit level (``level & ~(2 ** (8 - bits) - 1)``)."""
    bits = jnp.asarray(bits).astype(jnp.int32)
    step = _per_example("bits", jnp.left_shift(jnp.int32(1), 8 - bits), x)  # 2 ** (8 - bits), exact
    return jnp.floor(_to_levels(x, max_value) / step) * step * (max_value / 255.0)


def invert_float(x: jax.Array, max_value) -> jax.Array:
    """``max_value - x``."""
    return max_value - x


def _per_image(fn, *arrays: jax.Array, image_rank: int = 3):
    """``fn`` mapped (``vmap``) over every leading batch dim of ``(..., H, W, C)``-like arrays.

    Per-image scatters and gathers keep a batch dimension this way, so a batch sharded
    along it needs no cross-device traffic (one flat table over the whole batch made
    XLA's partitioner all-reduce the histograms).
    """
    batch = arrays[0].shape[: arrays[0].ndim - image_rank]
    for _ in batch:
        fn = jax.vmap(fn)
    return fn(*arrays)


def _lut_index(levels: jax.Array) -> jax.Array:
    """Flat index of each value's ``(channel, level)`` entry in ONE image's ``(C, 256)`` table."""
    channels = levels.shape[-1]
    return jnp.arange(channels, dtype=jnp.int32) * 256 + levels.astype(jnp.int32)


def _histograms(levels: jax.Array) -> jax.Array:
    """``(..., C, 256)`` counts of each level per image and channel: one scatter-add per image, no sort."""
    channels = levels.shape[-1]

    def one(image_levels):
        counts = jnp.zeros(channels * 256, jnp.int32)
        return counts.at[_lut_index(image_levels).ravel()].add(1).reshape(channels, 256)

    return _per_image(one, levels)


def _apply_lut(lut: jax.Array, levels: jax.Array) -> jax.Array:
    """Looks each value's level up in its image's and channel's row of ``lut`` ``(..., C, 256)``."""

    def one(image_levels, image_lut):
        return image_lut.reshape(-1)[_lut_index(image_levels)]

    return _per_image(one, levels, lut)


def _count_reached(thresholds: jax.Array, values: jax.Array) -> jax.Array:
    """Per row, how many of the ascending ``thresholds`` ``(..., K)`` each of ``values`` ``(..., N)`` reaches.

    A vectorised binary search (``searchsorted``'s ``scan`` method, a while loop). The
    look-up tables below are built by it so that XLA materialises each table once: a
    table computed by elementwise ops is fused into the per-pixel gather that reads it
    and recomputed for every pixel (3-5x slower on XLA:CPU).
    """
    search = functools.partial(jnp.searchsorted, side="right", method="scan")
    return jnp.vectorize(search, signature="(k),(n)->(n)")(thresholds, values).astype(jnp.int32)


def _equalize_lut(hist: jax.Array) -> jax.Array:
    """PIL's equalize table per histogram row ``(..., 256)``.

    With ``step = (pixels - count of the highest level present) // 255``, level ``i``
    maps to ``(step // 2 + pixels below i) // step``, clipped to 255: the number of
    thresholds ``k * step - step // 2`` (``k`` = 1-255) that the pixels below ``i``
    reach. Rows with ``step == 0`` (including those with one level present) map each
    level to itself: the number of ``k <= i``.
    """
    level = jnp.arange(256, dtype=jnp.int32)
    top = jnp.max(jnp.where(hist > 0, level, -1), axis=-1, keepdims=True)
    top_count = jnp.sum(jnp.where(level == top, hist, 0), axis=-1, keepdims=True)
    step = (jnp.sum(hist, axis=-1, keepdims=True) - top_count) // 255
    below = jnp.cumsum(hist, axis=-1) - hist
    k, identity = level[1:], step == 0
    return _count_reached(jnp.where(identity, k, k * step - step // 2), jnp.where(identity, level, below))


def equalize_float(x: jax.Array, max_value) -> jax.Array:
    """Per-image, per-channel histogram equalisation of the 8-bit levels, as PIL."""
    levels = _to_levels(x, max_value)
    lut = _equalize_lut(_histograms(levels))
    return _apply_lut(lut, levels).astype(x.dtype) * (max_value / 255.0)


@functools.cache
def _pil_autocontrast_low_entries() -> np.ndarray:
    """Sorted keys ``lo * 65536 + hi * 256 + level`` where PIL's table is one below the exact floor.

    PIL computes ``int(level * scale + offset)`` in float64 with ``scale = 255 / (hi -
    lo)`` and ``offset = -lo * scale``; where the exact value is an integer the rounding
    can land just below it (e.g. ``lo, hi = 0, 25`` maps 25 to 254, not 255). There
    are 12,094 such entries; the same float64 operations in numpy find them.
    """
    level = np.arange(256.0)
    keys = []
    for lo in range(255):
        hi = np.arange(lo + 1, 256.0)[:, None]
        scale = 255.0 / (hi - lo)
        pil = np.floor(level * scale + -lo * scale)
        exact = np.floor_divide((level - lo) * 255, hi - lo)
        rows, cols = np.nonzero((pil < exact) & (level >= lo) & (level <= hi))
        keys.append(lo * 65536 + (rows + lo + 1) * 256 + cols)
    return np.sort(np.concatenate(keys)).astype(np.int32)


def _autocontrast_lut(lo: jax.Array, hi: jax.Array) -> jax.Array:
    """PIL's autocontrast table ``(..., 256)`` for the lowest and highest levels present ``(..., 1)``.

    Level ``i`` maps to ``floor((i - lo) * 255 / (hi - lo))`` clipped to 0-255: the number
    of multiples ``k * (hi - lo)`` (``k`` = 1-255) that ``(i - lo) * 255`` reaches; one
    less at PIL's float64 quirks. A constant channel is stretched as ``(lo, hi) = (0,
    255)``, the identity (no quirks there).
    """
    level = jnp.arange(256, dtype=jnp.int32)
    stretch = hi > lo
    lo, hi = jnp.where(stretch, lo, 0), jnp.where(stretch, hi, 255)
    quirks = jnp.asarray(_pil_autocontrast_low_entries())
    key = lo * 65536 + hi * 256 + level
    quirk = quirks[jnp.clip(jnp.searchsorted(quirks, key), 0, quirks.size - 1)] == key
    span = hi - lo
    return _count_reached(level[1:] * span, (level - lo) * 255 - jnp.where(quirk, span, 0))


def _channel_level_range(x: jax.Array, max_value) -> tuple[jax.Array, jax.Array]:
    """The lowest and highest level of each image's channels, ``(..., C, 1)`` ints each.

    The extremes of the values, then their levels (rounding is monotone), by one
    variadic reduction (:func:`fastpath.minmax`), 2-3x faster than ``jnp.min`` and
    ``jnp.max`` on XLA:CPU.
    """
    extremes = jax.vmap(fastpath.minmax, in_axes=-1)  # (H, W, C) -> two (C,)
    for _ in range(x.ndim - 3):
        extremes = jax.vmap(extremes)
    return tuple(_to_levels(v, max_value)[..., None].astype(jnp.int32) for v in extremes(x))


def autocontrast_float(x: jax.Array, max_value) -> jax.Array:
    """Stretches each image's and channel's [lowest, highest] level to [0, 255] levels, as PIL."""
    lut = _autocontrast_lut(*_channel_level_range(x, max_value))
    return _apply_lut(lut, _to_levels(x, max_value)).astype(x.dtype) * (max_value / 255.0)


def solarize(image: ArrayLike, threshold: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Inverts every value at or above ``threshold``, as PIL's ``ImageOps.solarize``.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image; every channel alike.
        threshold: in the image's own units (PIL's default is 128 for uint8; 0.5 for
            floats in [0, 1]); scalar or one per image (may be traced).
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``: ``max_value - x`` where ``x >= threshold``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.solarize(jnp.array([[[10, 127, 128, 250]]], jnp.uint8), 128).tolist()
        [[[10, 127, 127, 5]]]
    """
    _check_number("threshold", threshold)
    return _scaled_op(image, solarize_float, threshold, max_value=max_value)


def posterize(image: ArrayLike, bits: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Keeps the top ``bits`` bits of every 8-bit level, as PIL's ``ImageOps.posterize``.

    Values are first rounded to the nearest of the 256 levels of ``[0, max_value]``
    (exact for uint8 and for floats that are ``uint8 / 255``).

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        bits: int in 1-8 (8 keeps every level); scalar or one per image (may be traced).
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: ``bits`` outside 1-8.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.posterize(jnp.array([[[255, 100, 31]]], jnp.uint8), 3).tolist()
        [[[224, 96, 0]]]
    """
    if isinstance(bits, numbers.Number) and validation.check_int("bits", bits, minimum=1) > 8:
        raise ValueError(f"`bits` must be an int in [1, 8], got {bits!r}.")
    return _scaled_op(image, posterize_float, bits, max_value=max_value)


def invert(image: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Returns ``max_value - image``, as PIL's ``ImageOps.invert``.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.invert(jnp.array([[[0, 55, 255]]], jnp.uint8)).tolist()
        [[[255, 200, 0]]]
    """
    return _scaled_op(image, invert_float, max_value=max_value)


def equalize(image: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Equalises each channel's histogram, as PIL's ``ImageOps.equalize``.

    Each image and channel gets its own 256-bin histogram of levels (one scatter-add,
    no sort) and PIL's look-up table. Floats are rounded to the nearest of the 256
    levels of ``[0, max_value]`` first, and come out on levels.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> x = jnp.array([0] * 300 + [1] * 299 + [2], jnp.uint8).reshape(20, 30, 1)
        >>> sorted(set(jaxaug.equalize(x).ravel().tolist()))
        [0, 150, 255]
    """
    return _scaled_op(image, equalize_float, max_value=max_value)


def autocontrast(image: ArrayLike, *, max_value: float | None = None) -> jax.Array:
    """Stretches each channel's range to the full scale, as PIL's ``ImageOps.autocontrast``.

    Per image and channel, the lowest level present maps to 0 and the highest to 255
    (levels truncated as PIL's table, float64 rounding included); a constant channel is
    unchanged. Floats are rounded to the nearest of the 256 levels of ``[0, max_value]``
    first, and come out on levels.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        max_value: the image's white level (see the module docstring).

    Returns:
        Same shape and dtype as ``image``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.autocontrast(jnp.array([[[50], [100], [150]]], jnp.uint8))[..., 0].tolist()
        [[0, 127, 255]]
    """
    return _scaled_op(image, autocontrast_float, max_value=max_value)


# ---------------------------------------------------------------------------------------------------------------
# Gaussian blur and erasing.
# ---------------------------------------------------------------------------------------------------------------


def default_kernel_size(sigma: float) -> int:
    """scipy's default kernel size for ``sigma``: radius ``int(4 * sigma + 0.5)`` (``truncate=4.0``)."""
    return 2 * int(4.0 * sigma + 0.5) + 1


def _blur_axis(x: jax.Array, weights: jax.Array, axis: int) -> jax.Array:
    """Correlates ``x`` along ``axis`` with ``weights`` ``(..., K)``, half-sample symmetric edges, no gather.

    The ``n - 2r`` interior outputs read ``x`` itself; only the ``r`` outputs at each end
    read a reflected strip (scipy's 'reflect': dcba|abcd|dcba). A padded copy of the
    whole input (what XLA materialises for ``jnp.pad``) cost an extra pass and as much
    scratch again: both passes of the 33-tap elastic blur of a 32 x 224 x 224 field took
    18.8 ms with it and 6.2 ms without (40.4 vs 18.4 MB of scratch, one process).
    """
    taps = weights.shape[-1]
    radius = taps // 2
    n = x.shape[axis]

    def pad(v, before, after):
        widths = [(0, 0)] * v.ndim
        widths[axis] = (before, after)
        return jnp.pad(v, widths, mode="symmetric")

    def correlate(src, m):
        out = 0
        for k in range(taps):
            out = out + weights[..., k : k + 1] * lax.slice_in_dim(src, k, k + m, axis=axis)
        return out

    if n < 3 * radius:  # short lines: reflect the whole line (possibly more than once)
        return correlate(pad(x, radius, radius), n)
    head = correlate(pad(lax.slice_in_dim(x, 0, 2 * radius, axis=axis), radius, 0), radius)
    body = correlate(x, n - 2 * radius)
    tail = correlate(pad(lax.slice_in_dim(x, n - 2 * radius, n, axis=axis), 0, radius), radius)
    return jnp.concatenate([head, body, tail], axis=axis)


def gaussian_blur_float(x: jax.Array, sigma: ArrayLike, kernel_size: int, token: jax.Array | None = None) -> jax.Array:
    """Separable Gaussian blur along H and W with ``kernel_size`` taps (odd, static) and 'reflect' edges.

    The weights are ``exp(-k**2 / (2 sigma**2))`` for ``k`` in ``[-r, r]``, normalised
    (scipy's ``gaussian_filter`` with radius ``r = kernel_size // 2``); ``sigma`` 0 is
    the identity. ``token``: see ``fastpath.compute_once`` (the engine passes its key's).
    """
    sigma = _per_example("sigma", sigma, x)
    radius = kernel_size // 2
    k = jnp.arange(-radius, radius + 1, dtype=x.dtype)
    weights = jnp.exp(-0.5 * k**2 / jnp.maximum(sigma * sigma, jnp.finfo(x.dtype).tiny))
    weights = weights / jnp.sum(weights, axis=-1, keepdims=True)
    # The second pass reads each value of the first `kernel_size` times: compute the first
    # pass once (fused, it is recomputed per read: measured 4x the time of both passes).
    return fastpath.compute_once(lambda rows: _blur_axis(rows, weights, -2), _blur_axis(x, weights, -3), token)


def gaussian_blur(image: ArrayLike, sigma: ArrayLike, *, kernel_size: int | None = None) -> jax.Array:
    """Gaussian blur along H and W, as ``scipy.ndimage.gaussian_filter(mode="reflect")``.

    Equal to ``gaussian_filter(image, sigma=(sigma, sigma, 0), mode="reflect",
    radius=kernel_size // 2)`` per image (scipy's ``truncate=kernel_size // 2 / sigma``).
    The blur is two 1-D passes of shifted multiply-adds (no gathers); cost grows with
    ``kernel_size``.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        sigma: standard deviation in pixels, >= 0 (0 is the identity); scalar or one per
            image (may be traced).
        kernel_size: odd number of taps. Default for a number ``sigma``: scipy's
            ``2 * int(4 * sigma + 0.5) + 1`` (``truncate=4.0``). Required when ``sigma``
            is an array (per-example or traced), where it must be static.

    Returns:
        Same shape and dtype as ``image``.

    Raises:
        ValueError: a negative ``sigma``, an even or non-positive ``kernel_size``, or an
            array ``sigma`` without ``kernel_size``.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> x = jnp.zeros((1, 5, 1)).at[0, 2].set(1.0)
        >>> [round(v, 3) for v in jaxaug.gaussian_blur(x, 1.0, kernel_size=3)[0, :, 0].tolist()]
        [0.0, 0.274, 0.452, 0.274, 0.0]
    """
    _check_number("sigma", sigma, minimum=0.0)
    if kernel_size is None:
        if not isinstance(sigma, numbers.Real):
            raise ValueError(
                "`kernel_size` is required when `sigma` is an array (per-example or traced); "
                f"got sigma={sigma!r} and kernel_size=None. Use e.g. 2 * int(4 * max_sigma + 0.5) + 1."
            )
        kernel_size = default_kernel_size(float(sigma))
    kernel_size = validation.check_int("kernel_size", kernel_size, minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"`kernel_size` must be odd, got {kernel_size!r}.")
    return _pixel_op(image, gaussian_blur_float, sigma, static=(kernel_size,))


def erase_float(
    x: jax.Array, top: ArrayLike, left: ArrayLike, height: ArrayLike, width: ArrayLike, value: ArrayLike
) -> jax.Array:
    """Sets rows ``[top, top + height)`` x columns ``[left, left + width)`` to ``value``, by iota comparisons."""
    rows = jnp.arange(x.shape[-3], dtype=x.dtype)[:, None, None]
    cols = jnp.arange(x.shape[-2], dtype=x.dtype)[None, :, None]
    top, left = _per_example("top", top, x), _per_example("left", left, x)
    height, width = _per_example("height", height, x), _per_example("width", width, x)
    inside = (rows >= top) & (rows < top + height) & (cols >= left) & (cols < left + width)
    value = jnp.asarray(value).astype(x.dtype)
    if value.ndim:
        value = value.reshape(value.shape[:-1] + (1, 1, value.shape[-1]))
    return jnp.where(inside, value, x)


def erase(
    image: ArrayLike, top: ArrayLike, left: ArrayLike, height: ArrayLike, width: ArrayLike, value: ArrayLike
) -> jax.Array:
    """Fills a rectangle with ``value``: ``image[..., top:top + height, left:left + width, :] = value``.

    The rectangle is built by comparing row and column indices (no dynamic slicing),
    so its corner and size may be traced, one per image. Parts outside the image are
    ignored, as with numpy slicing.

    Args:
        image: ``(H, W, C)`` or ``(..., H, W, C)`` image.
        top, left: first row and column, >= 0; scalars or one per image (may be traced).
        height, width: rectangle size, >= 0; scalars or one per image.
        value: fill value in the image's units: a scalar, per channel ``(C,)``, or per
            image and channel ``(..., C)`` (``(B, 1)`` for one value per image).

    Returns:
        Same shape and dtype as ``image`` (integer images round and clip ``value``).

    Raises:
        TypeError, ValueError: a Python rectangle argument that is not an int >= 0.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.erase(jnp.ones((3, 4, 1), jnp.uint8), 1, 1, 2, 2, 0)[..., 0].tolist()
        [[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1]]
    """
    for name, v in (("top", top), ("left", left), ("height", height), ("width", width)):
        if isinstance(v, numbers.Number):
            validation.check_int(name, v, minimum=0)
    return _pixel_op(image, erase_float, top, left, height, width, value)


# ---------------------------------------------------------------------------------------------------------------
# Random twins.
# ---------------------------------------------------------------------------------------------------------------


def random_channel_shift(key: jax.Array, image: ArrayLike, max_delta: float) -> jax.Array:
    """Shifts each channel by its own offset from U(-max_delta, max_delta)."""
    validation.check_real("max_delta", max_delta, minimum=0.0)
    image = jnp.asarray(image)
    resample.check_image("image", image, ranks=(3,))
    offsets = jax.random.uniform(key, (image.shape[-1],), jnp.float32, -max_delta, max_delta)
    return shift_channels(image, offsets)


def random_brightness(key: jax.Array, image: ArrayLike, lower: float, upper: float) -> jax.Array:
    """Scales the image by a factor drawn from U(lower, upper).

    Integer images are rounded and clipped to their dtype's range; float images are
    not clipped (unlike :func:`adjust_brightness`, which clips to ``[0, max_value]``).
    """
    lower, upper = validation.check_pair("(lower, upper)", (lower, upper), minimum=0.0, ordered=True)
    factor = jax.random.uniform(key, (), jnp.float32, lower, upper)
    image = jnp.asarray(image)
    dtype = resample.compute_dtype(image.dtype)
    return resample.cast_like(image.astype(dtype) * factor.astype(dtype), image.dtype)
