"""The one place pixels move: an affine resampler with scipy.ndimage semantics.

``affine_transform(image, matrix)`` samples, for every output index ``o``, the input
at ``matrix @ (o, 1)``. Boundary modes follow ``scipy.ndimage`` exactly, including the
two whose meaning differs from ``jax.scipy.ndimage``:

============== ================================================================
mode           samples outside the image
============== ================================================================
constant       ``cval`` for any coordinate outside ``[0, n - 1]`` (hard cut)
grid-constant  taps outside the image read ``cval`` and are blended
nearest        edge value repeated (``aaaa|abcd|dddd``)
reflect        half-sample symmetric (``dcba|abcd|dcba``); alias ``grid-mirror``
mirror         whole-sample symmetric (``dcb|abcd|cba``)
wrap           period ``n - 1``: the first and last samples coincide (scipy)
grid-wrap      period ``n`` (what ``jax.scipy.ndimage`` calls ``wrap``)
============== ================================================================

Implementation notes: coordinates are computed once per output pixel with
multiply-adds in float32 (float64 for float64 images), mapped into range the way
scipy maps them, and each tap gathers all channels of a pixel at once from an
``(H * W, C)`` view.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxaug._src import validation

MODES = ("constant", "nearest", "reflect", "mirror", "wrap", "grid-constant", "grid-wrap", "grid-mirror")
ORDERS = (0, 1)


def check_mode(name: str, mode: str) -> str:
    validation.check_choice(name, mode, MODES)
    return mode


def check_order(name: str, order: int) -> int:
    if isinstance(order, bool) or not isinstance(order, int):
        raise TypeError(f"`{name}` must be an int (0 or 1), got {order!r}.")
    if order in (2, 3, 4, 5):
        raise NotImplementedError(
            f"`{name}`={order}: spline orders 2-5 are not implemented; jaxaug supports "
            "0 (nearest neighbour) and 1 (bilinear)."
        )
    validation.check_choice(name, order, ORDERS)
    return order


def compute_dtype(dtype) -> jnp.dtype:
    """Float dtype used for the arithmetic of an image of ``dtype``."""
    dtype = jnp.dtype(dtype)
    if dtype == jnp.float64:
        return dtype
    return jnp.dtype(jnp.float32)


def cast_like(values: jax.Array, dtype) -> jax.Array:
    """Casts computed float values back to ``dtype``.

    Integers are rounded half away from zero (as scipy does) and clipped to the
    dtype's range; floats are cast directly.
    """
    dtype = jnp.dtype(dtype)
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        rounded = jnp.sign(values) * jnp.floor(jnp.abs(values) + 0.5)
        return jnp.clip(rounded, info.min, info.max).astype(dtype)
    return values.astype(dtype)


def check_image(name: str, image: jax.Array, ranks: tuple[int, ...] = (2, 3)) -> None:
    if image.ndim not in ranks:
        raise ValueError(
            f"`{name}` must have rank {' or '.join(map(str, ranks))} "
            f"({'(H, W) or (H, W, C)' if ranks == (2, 3) else 'see docs'}), got shape {image.shape}."
        )
    if not (jnp.issubdtype(image.dtype, jnp.integer) or jnp.issubdtype(image.dtype, jnp.floating)):
        raise TypeError(f"`{name}` must have an integer or floating dtype, got {image.dtype}.")


def _map_coordinate(u: jax.Array, n: int, mode: str) -> jax.Array:
    """Maps coordinates that fall outside ``[0, n - 1]`` back inside, as scipy does."""
    if mode in ("constant", "grid-constant"):
        return u
    if mode == "nearest":
        return jnp.clip(u, 0, n - 1)
    if n <= 1:
        return jnp.zeros_like(u)
    if mode in ("reflect", "grid-mirror"):
        s = 2 * n
        lo = jnp.where(u < -s, u + s * jnp.trunc(-u / s), u)
        lo = jnp.where(lo < -n, lo + s, -lo - 1)
        hi = u - s * jnp.trunc(u / s)
        hi = jnp.where(hi >= n, s - hi - 1, hi)
    elif mode == "mirror":
        s = 2 * n - 2
        lo = u + s * jnp.trunc(-u / s)
        lo = jnp.where(lo <= 1 - n, lo + s, -lo)
        hi = u - s * jnp.trunc(u / s)
        hi = jnp.where(hi >= n, s - hi, hi)
    elif mode == "wrap":
        s = n - 1
        lo = u + s * (jnp.trunc(-u / s) + 1)
        hi = u - s * jnp.trunc(u / s)
    elif mode == "grid-wrap":
        lo = u + n * (jnp.trunc((-1 - u) / n) + 1)
        hi = u - n * jnp.trunc(u / n)
    else:  # pragma: no cover - validated earlier
        raise ValueError(mode)
    return jnp.where(u < 0, lo, jnp.where(u > n - 1, hi, u))


def _map_index(i: jax.Array, n: int, mode: str) -> jax.Array:
    """Maps integer tap indices into ``[0, n - 1]`` with the mode's extension.

    Taps come from coordinates that :func:`_map_coordinate` already brought into
    ``[-1, n]``, so one fold per side gives the mode's index exactly (it equals the
    periodic ``mod`` form for any ``i`` in ``[-n, 2n - 2]``) and is much cheaper than
    an integer ``mod`` per tap. The final clip only keeps NaN-derived or otherwise
    wild indices inside the image (the gather promises in-bounds indices).
    """
    if n <= 1:
        return jnp.zeros_like(i)
    if mode in ("reflect", "grid-mirror"):
        i = jnp.where(i < 0, -1 - i, i)
        i = jnp.where(i > n - 1, 2 * n - 1 - i, i)
    elif mode == "mirror":
        i = jnp.where(i < 0, -i, i)
        i = jnp.where(i > n - 1, 2 * n - 2 - i, i)
    elif mode == "grid-wrap":
        i = jnp.where(i < 0, i + n, i)
        i = jnp.where(i > n - 1, i - n, i)
    return jnp.clip(i, 0, n - 1)


def coordinates(matrix: ArrayLike, height: int, width: int, dtype=jnp.float32) -> tuple[jax.Array, jax.Array]:
    """Input (row, col) locations of every output pixel, by multiply-adds (no matmul)."""
    m = jnp.asarray(matrix)
    if m.shape not in ((3, 3), (2, 3)):
        raise ValueError(f"`matrix` must have shape (3, 3) or (2, 3), got {m.shape}.")
    m = m.astype(dtype)
    r = jnp.arange(height, dtype=dtype)[:, None]
    c = jnp.arange(width, dtype=dtype)[None, :]
    u = m[0, 0] * r + m[0, 1] * c + m[0, 2]
    v = m[1, 0] * r + m[1, 1] * c + m[1, 2]
    return u, v


def resample_float(image: jax.Array, matrix: ArrayLike, order: int, mode: str, cval) -> jax.Array:
    """Resamples an ``(H, W, C)`` image; returns values in the compute dtype, unrounded."""
    height, width, channels = image.shape
    dtype = compute_dtype(image.dtype)
    u, v = coordinates(matrix, height, width, dtype)
    cval = jnp.asarray(cval, dtype)
    flat = image.reshape(height * width, channels)

    mu = _map_coordinate(u, height, mode)
    mv = _map_coordinate(v, width, mode)

    def tap(ir, ic):
        valid = None
        if mode == "grid-constant":
            valid = (ir >= 0) & (ir <= height - 1) & (ic >= 0) & (ic <= width - 1)
        ir = _map_index(ir, height, mode)
        ic = _map_index(ic, width, mode)
        vals = flat.at[ir * width + ic].get(mode="promise_in_bounds").astype(dtype)
        if valid is not None:
            vals = jnp.where(valid[..., None], vals, cval)
        return vals

    if order == 0:
        out = tap(jnp.floor(mu + 0.5).astype(jnp.int32), jnp.floor(mv + 0.5).astype(jnp.int32))
    else:
        r0f = jnp.floor(mu)
        c0f = jnp.floor(mv)
        fr = (mu - r0f)[..., None]
        fc = (mv - c0f)[..., None]
        r0 = r0f.astype(jnp.int32)
        c0 = c0f.astype(jnp.int32)
        top = tap(r0, c0) * (1 - fc) + tap(r0, c0 + 1) * fc
        bottom = tap(r0 + 1, c0) * (1 - fc) + tap(r0 + 1, c0 + 1) * fc
        out = top * (1 - fr) + bottom * fr

    if mode == "constant":
        inside = (u >= 0) & (u <= height - 1) & (v >= 0) & (v <= width - 1)
        out = jnp.where(inside[..., None], out, cval)
    return out


def affine_transform(
    image: ArrayLike,
    matrix: ArrayLike,
    *,
    order: int = 1,
    mode: str = "nearest",
    cval: float = 0.0,
) -> jax.Array:
    """Applies an affine map to an image, with ``scipy.ndimage.affine_transform`` semantics.

    Output pixel ``(r, c)`` takes the input value at ``matrix @ (r, c, 1)``: the
    matrix maps OUTPUT indices to INPUT locations. The result equals
    ``scipy.ndimage.affine_transform(image[..., k], matrix, order=order, mode=mode,
    cval=cval)`` for every channel ``k`` (to float32 rounding), for all eight scipy
    mode names. Note that scipy's ``constant`` and ``wrap`` are NOT the same as
    ``jax.scipy.ndimage.map_coordinates``'s: jax's ``constant``/``wrap`` are scipy's
    ``grid-constant``/``grid-wrap``, which are available here under those names.

    Args:
        image: ``(H, W)`` or channels-last ``(H, W, C)`` image of any real dtype.
        matrix: ``(3, 3)`` homogeneous or ``(2, 3)`` matrix acting on ``(row, col)``.
        order: 0 (nearest neighbour) or 1 (bilinear). Spline orders 2-5 raise
            ``NotImplementedError``.
        mode: one of ``constant, nearest, reflect, mirror, wrap, grid-constant,
            grid-wrap, grid-mirror``.
        cval: fill value for ``constant`` and ``grid-constant``.

    Returns:
        An array with the shape and dtype of ``image``. Integer images are
        interpolated in float32 and rounded half away from zero.

    Raises:
        ValueError: bad rank, matrix shape, mode or order.
        NotImplementedError: ``order`` in 2-5.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> image = jnp.arange(12.0).reshape(3, 4)
        >>> shift = jaxaug.translation_matrix(0.0, 1.0)  # content moves right by 1
        >>> jaxaug.affine_transform(image, shift, mode="constant", cval=-1.0)[0].tolist()
        [-1.0, 0.0, 1.0, 2.0]
    """
    check_order("order", order)
    check_mode("mode", mode)
    image = jnp.asarray(image)
    check_image("image", image)
    squeeze = image.ndim == 2
    x = image[..., None] if squeeze else image
    out = cast_like(resample_float(x, matrix, order, mode, cval), image.dtype)
    return out[..., 0] if squeeze else out
