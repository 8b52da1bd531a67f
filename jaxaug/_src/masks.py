"""Label maps that move with their images: one fill rule, one validation, one warp.

Used by ``augment_with_targets``, the drop-in's paired flows (``flow(x, masks=...)``,
``flow_from_directory(..., mask_directory=...)``) and anything else that warps masks.

* Masks are warped with their image's matrices at order 0, by moving values (never
  through floats), so any integer label survives exactly, in every dtype.
* The fill rule: with ``mask_fill=v`` (an "ignore" label), a mask pixel is ``v``
  wherever its image pixel is made by the fill mode instead of read from the image.
  For the image's ``fill_mode="constant"`` (scipy's hard cut) that is where the
  source coordinate lies outside ``[0, n - 1]``, exactly where the image shows
  ``cval``; for every other mode it is where the nearest source pixel lies outside
  the image (``grid-constant`` at order 0). With ``mask_fill=None`` the masks use
  the image's own ``fill_mode`` and ``cval`` (e.g. reflected labels).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxaug._src import resample


def check_mask_fill(mask_fill: Any, dtype, name: str = "mask_fill"):
    """Returns ``mask_fill`` if it is None or a value that ``dtype`` holds exactly; else a named error.

    ``dtype`` None checks only that ``mask_fill`` is a finite number.

    Examples:
        >>> from jaxaug._src.masks import check_mask_fill
        >>> check_mask_fill(255, "uint8")
        255
        >>> check_mask_fill(300, "uint8")
        Traceback (most recent call last):
        ...
        ValueError: `mask_fill`=300 does not fit masks of dtype uint8 (integers in [0, 255]).
    """
    if mask_fill is None:
        return None
    if isinstance(mask_fill, bool) or not isinstance(mask_fill, numbers.Real):
        raise TypeError(f"`{name}` must be None or a number, got {mask_fill!r} ({type(mask_fill).__name__}).")
    dtype = np.dtype("float64" if dtype is None else dtype)
    if not math.isfinite(float(mask_fill)):
        raise ValueError(f"`{name}` must be finite, got {mask_fill!r}.")
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        if float(mask_fill) != int(mask_fill) or not info.min <= int(mask_fill) <= info.max:
            raise ValueError(
                f"`{name}`={mask_fill!r} does not fit masks of dtype {dtype} (integers in [{info.min}, {info.max}])."
            )
        return int(mask_fill)
    return float(mask_fill)


def fill_rule(fill_mode: str, cval: Any, mask_fill: Any) -> tuple[str, Any]:
    """``(mode, cval)`` of the mask warp for an image warped with ``fill_mode``/``cval``."""
    if mask_fill is None:
        return fill_mode, cval
    return ("constant" if fill_mode == "constant" else "grid-constant"), mask_fill


def check_masks(masks: Any, batch: int, height: int, width: int) -> jax.Array:
    """``(B, H, W)`` or ``(B, H, W, K)`` masks matching their images, as a JAX array."""
    masks = jnp.asarray(masks)
    if masks.ndim not in (3, 4) or masks.shape[:3] != (batch, height, width):
        raise ValueError(f"`masks` must have shape ({batch}, {height}, {width}[, K]), got {masks.shape}.")
    if not (jnp.issubdtype(masks.dtype, jnp.integer) or jnp.issubdtype(masks.dtype, jnp.floating)):
        raise TypeError(f"`masks` must have an integer or floating dtype, got {masks.dtype}.")
    return masks


def warp(masks: jax.Array, u: jax.Array, v: jax.Array, *, fill_mode: str, cval: Any, mask_fill: Any) -> jax.Array:
    """Samples ``(B, H, W)`` or ``(B, H, W, K)`` masks at the images' coordinate maps ``(B, H_out, W_out)``.

    ``u``/``v`` are the input rows/columns the images were sampled at
    (``engine.coordinate_maps``): the SAME map, so masks follow every geometry
    (affine, resized crop, perspective, elastic). Order 0, values moved untouched; the
    fill follows :func:`fill_rule`. The caller validates ``mask_fill``
    (:func:`check_mask_fill`); the image's ``cval`` used with ``mask_fill=None`` is
    rounded and clipped to the masks' dtype.
    """
    mode, value = fill_rule(fill_mode, cval, mask_fill)
    x = masks if masks.ndim == 4 else masks[..., None]
    if mask_fill is None:
        fill = resample.native_fill(value, x.dtype) if jnp.issubdtype(x.dtype, jnp.integer) else value
    else:  # validated to fit exactly: no float round trip (int32 labels above 2**24)
        fill = np.asarray(value).astype(x.dtype)
    out = jax.vmap(lambda mask, uu, vv: resample.resample_nearest_native(mask, uu, vv, mode, fill))(x, u, v)
    return out if masks.ndim == 4 else out[..., 0]
