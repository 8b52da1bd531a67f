"""The one place pixels move: a resampler with scipy.ndimage semantics, orders 0-5.

``affine_transform(image, matrix)`` samples, for every output index ``o``, the input
at ``matrix @ (o, 1)``; :func:`resample_coords` samples at any given coordinates.
Boundary modes follow ``scipy.ndimage`` exactly, including the two whose meaning
differs from ``jax.scipy.ndimage``:

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

Orders 0 and 1: coordinates are computed once per output pixel with multiply-adds in
float32 (float64 for float64 images), mapped into range the way scipy maps them, and
each tap gathers all channels of a pixel at once from an ``(H * W, C)`` view.

Orders 2-5 (B-splines, scipy's ``prefilter=True``): the image is first turned into
spline coefficients by scipy's recursive prefilter, applied here per axis as a static
FIR (a weighted sum of shifted copies, weights computed in float64 at trace time) on
an index-extended copy of the image; the same static index tables pad the coefficients
so that every tap of a (mapped) coordinate falls inside, then ``(order + 1) ** 2``
taps are gathered and weighted, each at one flat index plus a constant. (Long lines in
``_IN_PLACE_MODES`` skip the extended copy: the FIR reads the image in place; the same
values.) The two halves are separate functions, :func:`spline_coefficients` and
:func:`sample_spline`, so that a batch can be prefiltered in chunks and sampled in one
pass (``engine._spline_warp``). Facts taken from scipy (checked against it
empirically, per mode, for lines of 1 to 70 samples):

* the prefilter's boundary condition is ``mirror`` for ``constant``, ``mirror``,
  ``wrap`` and ``grid-constant``; ``reflect`` for ``reflect``, ``grid-mirror`` and
  ``nearest``; periodic for ``grid-wrap``. Taps outside the image read the
  coefficients extended the same way (so ``wrap`` maps coordinates with period
  ``n - 1`` but extends coefficients by whole-sample symmetry);
* ``nearest`` and ``grid-constant`` first pad the image by 12 samples (edge values or
  ``cval``), filter the padded image, do NOT map coordinates, and read taps beyond the
  padded image as its edge coefficient (``nearest``) or as ``cval``
  (``grid-constant``);
* ``constant`` filters with ``mirror`` and returns ``cval`` for any coordinate outside
  ``[0, n - 1]``;
* scipy's ``reflect`` initialisation accumulates its last term from the running sum
  instead of the first sample, which changes lines shorter than ~50 samples by up to
  about 1e-2 (order 5, 2 samples). jaxaug reproduces scipy's recursion exactly,
  quirk included, so results equal scipy's for every size.
"""

from __future__ import annotations

import functools
import math
import numbers
from fractions import Fraction
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxaug._src import validation

MODES = ("constant", "nearest", "reflect", "mirror", "wrap", "grid-constant", "grid-wrap", "grid-mirror")
ORDERS = (0, 1, 2, 3, 4, 5)


def check_mode(name: str, mode: str) -> str:
    validation.check_choice(name, mode, MODES)
    return mode


def check_order(name: str, order: int) -> int:
    if isinstance(order, bool) or not isinstance(order, numbers.Integral):
        raise TypeError(f"`{name}` must be an int in 0-5 (0 nearest, 1 linear, 2-5 spline), got {order!r}.")
    validation.check_choice(name, int(order), ORDERS)
    return int(order)


def compute_dtype(dtype) -> jnp.dtype:
    """Float dtype used for the arithmetic of an image of ``dtype``."""
    dtype = jnp.dtype(dtype)
    if dtype == jnp.float64:
        return dtype
    return jnp.dtype(jnp.float32)


def _float_bounds(info, fdtype) -> tuple[float, float]:
    """The integer range ``info`` shrunk to values ``fdtype`` represents (no overflow on the cast)."""
    finfo = jnp.finfo(fdtype)
    bounds = []
    for bound in (int(info.min), int(info.max)):
        if abs(bound) >= float(finfo.max):
            bounds.append(math.copysign(float(finfo.max), bound))
            continue
        value = float(np.asarray(float(bound)).astype(fdtype))  # nearest representable
        if abs(value) > abs(bound):  # rounded up to 2**k, past the range: one ulp back
            k = math.frexp(value)[1] - 1
            value = math.copysign(2.0**k - 2.0 ** (k - finfo.nmant - 1), value)
        bounds.append(value)
    return bounds[0], bounds[1]


def _round_half_away(values: jax.Array) -> jax.Array:
    """Rounds half away from zero exactly (``floor(|x| + 0.5)`` would round 0.49999997 up).

    XLA's own rounding op (C's ``round``): one op, about 10% faster on a uint8 warp than
    the equivalent abs / floor / compare / select / sign chain it replaced.
    """
    return jax.lax.round(values, jax.lax.RoundingMethod.AWAY_FROM_ZERO)


def cast_like(values: jax.Array, dtype, *, in_range: bool = False) -> jax.Array:
    """Casts computed values to ``dtype``; unchanged if they already have it.

    Integer targets: floats are rounded half away from zero (as scipy does) and
    saturate at the dtype's range (every integer dtype, including ``uint32``, ``int64``
    and ``uint64``; a float32 cannot hold ``2**32 - 1``, so values at or beyond the
    largest float below each bound map to the bound itself). Integer values are
    clipped to the target's range. Float targets: a plain cast.

    ``in_range`` promises that float values are weighted means of values of ``dtype``
    (see :func:`stays_in_range`): for integer dtypes of up to 16 bits, whose bounds are
    float32 values, they can only exceed a bound by float rounding, which the rounding
    removes, so they are rounded without the clip (the same values; uint8 ``nearest``
    order 1 15.6 -> 13.3 ms without it on XLA:CPU, ``benchmarks/results/ab-cpu-2cores.md``).
    """
    dtype = jnp.dtype(dtype)
    if values.dtype == dtype:
        return values
    if not jnp.issubdtype(dtype, jnp.integer):
        return values.astype(dtype)
    info = jnp.iinfo(dtype)
    if jnp.issubdtype(values.dtype, jnp.integer):
        src = jnp.iinfo(values.dtype)
        lo, hi = max(int(info.min), int(src.min)), min(int(info.max), int(src.max))
        return jnp.clip(values, jnp.asarray(lo, values.dtype), jnp.asarray(hi, values.dtype)).astype(dtype)
    if values.dtype == jnp.bool_:
        return values.astype(dtype)
    if in_range and dtype.itemsize <= 2:
        return _round_half_away(values).astype(dtype)
    rounded = _round_half_away(values)
    lo, hi = _float_bounds(info, values.dtype)
    out = jnp.clip(rounded, jnp.asarray(lo, values.dtype), jnp.asarray(hi, values.dtype)).astype(dtype)
    if hi != int(info.max):  # the bound is not a float of this dtype: saturate past the largest one
        out = jnp.where(rounded > hi, jnp.asarray(info.max, dtype), out)
    if lo != int(info.min):
        out = jnp.where(rounded < lo, jnp.asarray(info.min, dtype), out)
    return out


def stays_in_range(order: int, mode: str) -> bool:
    """Whether a resample's values are weighted means of the image's own values.

    True at orders 0 and 1 (non-negative weights that sum to one) in every mode that
    reads no fill: such values stay within the image's range, up to float rounding (see
    :func:`cast_like`'s ``in_range``). Splines overshoot, and a fill may lie outside the
    dtype's range.
    """
    return order <= 1 and mode not in FILL_MODES


def check_image(name: str, image: jax.Array, ranks: tuple[int, ...] = (2, 3)) -> None:
    if image.ndim not in ranks:
        raise ValueError(
            f"`{name}` must have rank {' or '.join(map(str, ranks))} "
            f"({'(H, W) or (H, W, C)' if ranks == (2, 3) else 'see docs'}), got shape {image.shape}."
        )
    if not (jnp.issubdtype(image.dtype, jnp.integer) or jnp.issubdtype(image.dtype, jnp.floating)):
        raise TypeError(f"`{name}` must have an integer or floating dtype, got {image.dtype}.")


_FAR = 2.0**24  # beyond this float32 coordinates are whole numbers


def _map_coordinate(u: jax.Array, n: int, mode: str) -> jax.Array:
    """scipy's mapping of order 0 / 1 coordinates that fall outside ``[0, n - 1]``.

    The folded modes bring them back inside (their taps then lie in ``[-1, n]``);
    ``constant`` and ``grid-constant`` leave them (the cut and the fill decide), and so
    does ``nearest`` up to a bound (its taps are clipped, in :func:`_map_index`).
    """
    if mode in ("constant", "grid-constant"):
        return u
    if mode == "nearest":
        # scipy clips the tap indices, not the coordinate (so does _map_index): beyond an edge both taps
        # read the edge pixel, weighted by the coordinate's own fraction (where that is 0, an inf edge
        # pixel gives 0 * inf = NaN, as in scipy). Only bounded here, to keep the taps inside int32:
        # float32 coordinates past 2**24 are whole numbers, so the bound keeps their fraction, 0.
        return jnp.clip(u, -_FAR, _FAR)
    if n <= 1:
        return jnp.zeros_like(u)
    if mode in ("reflect", "grid-mirror"):
        # Half-sample symmetric: the left side mirrored about -1/2 as scipy maps it (-1 - u), then
        # periodic with period 2n: one reduction (exact where it subtracts anything: a multiple of 2n
        # within a factor 2 of a, Sterbenz) and one fold. The values of scipy's two-sided form (a
        # rounding apart in [-2n, -n)) with one division and three selects instead of two and five.
        s = 2 * n
        a = jnp.where(u < 0, -1 - u, u)
        p = a - s * jnp.maximum(jnp.floor(a / s), 0)
        return jnp.where(p >= n, s - 1 - p, p)
    if mode == "mirror":
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

    In the folded modes taps come from coordinates that :func:`_map_coordinate` already
    brought into ``[-1, n]``, so one fold per side gives the mode's index exactly (it
    equals the periodic ``mod`` form for any ``i`` in ``[-n, 2n - 2]``) and is much
    cheaper than an integer ``mod`` per tap. The final clip is ``nearest``'s extension
    (its coordinates are not brought inside, as in scipy) and otherwise only keeps
    NaN-derived or wild indices inside the image (the gather promises in-bounds indices).
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


# --------------------------------------------------------------------------- orders 0 and 1


FILL_MODES = ("constant", "grid-constant")


def _tap_reader(image: jax.Array, mode: str, fill: jax.Array, cast):
    """``tap(ir, ic)``: the pixels at integer indices (any range) under the mode's extension.

    Reads all channels of a pixel at once from an ``(H * W, C)`` view; ``cast`` is
    applied to the gathered values. ``grid-constant`` taps outside the image read
    ``fill`` instead (see :func:`_keep_or_fill`).
    """
    height, width, _ = image.shape
    view = image.reshape(height * width, -1)
    finite = jnp.issubdtype(view.dtype, jnp.integer)

    def tap(ir, ic):
        index = _map_index(ir, height, mode) * width + _map_index(ic, width, mode)
        vals = cast(view.at[index].get(mode="promise_in_bounds"))
        if mode == "grid-constant":
            vals = _keep_or_fill(_within(ir, ic, height, width), vals, fill, finite)
        return vals

    return tap


def _nearest_index(u: jax.Array, n: int, mode: str) -> jax.Array:
    """The order-0 tap of each coordinate: scipy's mapping, then round half up."""
    return jnp.floor(_map_coordinate(u, n, mode) + 0.5).astype(jnp.int32)


def nearest_index(u: jax.Array, v: jax.Array, height: int, width: int, mode: str) -> jax.Array:
    """Order 0: the flat index ``row * width + col`` of each coordinate's one tap, -1 where it reads the fill.

    scipy's mapping of the coordinate, round half up, then the mode's fold of the
    index; the fill where ``constant`` cuts the coordinate (outside ``[0, n - 1]``) or a
    ``grid-constant`` tap lies outside the image. :func:`take_nearest` reads it.

    Args:
        u, v: input row / column coordinates, float arrays of any (equal) shape.
        height, width: the image's ``H`` and ``W``.
        mode: a scipy mode name.

    Returns:
        int32 indices into ``[-1, H * W - 1]``, shaped like ``u``.
    """
    ir = _nearest_index(u, height, mode)
    ic = _nearest_index(v, width, mode)
    valid = _inside(u, v, height, width, mode)
    if mode == "grid-constant":
        valid = _within(ir, ic, height, width)
    index = _map_index(ir, height, mode) * width + _map_index(ic, width, mode)
    return index if valid is None else jnp.where(valid, index, -1)


def take_nearest(image: jax.Array, index: jax.Array, mode: str, fill, dtype=None) -> jax.Array:
    """Order 0's gather: each pixel of ``image`` at a flat :func:`nearest_index`, ``fill`` where it is -1.

    Args:
        image: ``(H, W, C)``.
        index: int32 from :func:`nearest_index` in ``mode``, any shape ``S``.
        mode: the scipy mode of ``index``; only :data:`FILL_MODES` have -1 indices (the
            others skip the select).
        fill: the fill value, cast to the pixels' dtype after ``dtype``.
        dtype: the dtype the pixels are cast to before the fill (None: ``image.dtype``,
            values moved untouched).

    Returns:
        ``S + (C,)``.
    """
    vals = image.reshape(-1, image.shape[-1]).at[jnp.maximum(index, 0)].get(mode="promise_in_bounds")
    vals = vals if dtype is None else vals.astype(dtype)
    if mode not in FILL_MODES:
        return vals
    return jnp.where((index >= 0)[..., None], vals, jnp.asarray(fill, vals.dtype))


def _keep_or_fill(keep: jax.Array, vals: jax.Array, fill, finite: bool) -> jax.Array:
    """``where(keep[..., None], vals, fill)``: ``keep`` per pixel, ``vals`` ``(..., C)``.

    With ``finite`` (``vals`` come from an integer image: no inf or NaN), computed as
    the blend ``vals * k + fill * (1 - k)`` with ``k`` exactly 0 or 1, which gives the
    same values. On XLA:CPU, LLVM turns a select whose operand is a gathered load into
    a branch per pixel, and the fused resample loop is no longer vectorised: a uint8
    batch at order 1 took 16.7 ms in 'constant' mode with the select and 6.0 ms with
    the blend ('grid-constant' 18.4 -> 6.0, 'nearest' 5.8; 32 x 224 x 224 x 3, one
    process, bit-identical). Float images keep the select: the blend would turn an
    inf or NaN tap into NaN where scipy gives ``fill``. A non-finite ``fill`` is first
    made finite (NaN 0, infinities the largest floats), which the cast to the integer
    dtype maps as it mapped them before.
    """
    if not finite:
        return jnp.where(keep[..., None], vals, fill)
    fill = jnp.asarray(fill)
    if jnp.issubdtype(fill.dtype, jnp.floating):
        fill = jnp.nan_to_num(fill)
    k = keep[..., None].astype(vals.dtype)
    return vals * k + fill * (1 - k)


def _within(r: jax.Array, c: jax.Array, height: int, width: int) -> jax.Array:
    """Where ``(r, c)`` (coordinates or tap indices) lies inside ``[0, H - 1] x [0, W - 1]``."""
    return (r >= 0) & (r <= height - 1) & (c >= 0) & (c <= width - 1)


def _inside(u: jax.Array, v: jax.Array, height: int, width: int, mode: str) -> jax.Array | None:
    """scipy's ``constant`` cut: where the coordinate lies inside ``[0, n - 1]`` (None for other modes)."""
    if mode != "constant":
        return None
    return _within(u, v, height, width)


def _cut_constant(out: jax.Array, u: jax.Array, v: jax.Array, image: jax.Array, mode: str, fill) -> jax.Array:
    """scipy's ``constant``: ``fill`` wherever the coordinate lies outside ``[0, n - 1]``."""
    inside = _inside(u, v, image.shape[0], image.shape[1], mode)
    if inside is None:
        return out
    return _keep_or_fill(inside, out, fill, jnp.issubdtype(image.dtype, jnp.integer))


def resample_nearest_native(image: jax.Array, u: jax.Array, v: jax.Array, mode: str, cval) -> jax.Array:
    """Order-0 sampling that moves values without touching them (no float round trip).

    The same taps and modes as order 0 of :func:`resample_coords`, but gathered and
    returned in ``image.dtype``: exact for every integer dtype (``int32`` above
    ``2**24``, ``uint32``, ``int64``/``uint64`` with x64) and for masks.

    Args:
        image: ``(H, W, C)``.
        u, v: input row / column coordinates, float arrays of shape ``(Ho, Wo)``.
        mode: a scipy mode name.
        cval: fill value, cast to ``image.dtype`` (callers check that it fits).

    Returns:
        ``(Ho, Wo, C)`` in ``image.dtype``.
    """
    image = jnp.asarray(image)
    height, width, _ = image.shape
    return take_nearest(image, nearest_index(u, v, height, width, mode), mode, jnp.asarray(cval, image.dtype))


def _linear_first_tap(mu: jax.Array, n: int, mode: str, non_finite: bool) -> jax.Array:
    """Order 1's first tap (as a float) of mapped coordinates: their floor, or ``n - 2`` on the last row / column.

    A coordinate exactly on the last row or column (``n - 1``) has its second tap at
    ``n`` with weight 0, and in ``constant`` and ``wrap`` scipy reads that tap mirrored,
    at ``n - 2``: taking ``n - 2`` as the first tap (weight 0) and ``n - 1`` as the
    second (weight 1) reads the same two pixels. It matters only where the weight-0
    pixel is inf or NaN (0 * inf is NaN), so only for images that can hold them
    (``non_finite``: float dtypes); integer images keep the plain floor (the select
    measured 5-15% slower on uint8 ``constant`` / ``wrap`` order 1).
    """
    first = jnp.floor(mu)
    if non_finite and mode in ("constant", "wrap"):
        first = jnp.where(mu == n - 1, n - 2, first)
    return first


def _cell(u: jax.Array, v: jax.Array, height: int, width: int, mode: str, non_finite: bool = True):
    """Order 1: the top-left tap ``(r0, c0)`` (int32) and the fractions ``(fr, fc)`` ``(..., 1)``.

    After the mode's coordinate mapping, as scipy does; the four taps are ``r0`` or
    ``r0 + 1`` by ``c0`` or ``c0 + 1`` (see :func:`_linear_first_tap` for the last row and
    column; ``non_finite=False`` where the image cannot hold inf or NaN).
    """
    mu = _map_coordinate(u, height, mode)
    mv = _map_coordinate(v, width, mode)
    r0f = _linear_first_tap(mu, height, mode, non_finite)
    c0f = _linear_first_tap(mv, width, mode, non_finite)
    return r0f.astype(jnp.int32), c0f.astype(jnp.int32), (mu - r0f)[..., None], (mv - c0f)[..., None]


def _bilinear(t00, t01, t10, t11, fr, fc):
    """The four taps' weighted sum.

    The four weights once per pixel, then one product per tap and channel (as scipy sums
    them): on XLA:CPU faster than two row blends and a column blend, whose weights
    multiply every channel three times (with the clip-free cast of :func:`cast_like`:
    uint8 ``nearest`` 13.8 -> 11.2 ms, float32 ``nearest`` 14.7 -> 13.1, in turns;
    ``benchmarks/results/ab-cpu-2cores.md``).
    """
    gr, gc = 1 - fr, 1 - fc
    return (gr * gc) * t00 + (gr * fc) * t01 + (fr * gc) * t10 + (fr * fc) * t11


def _linear(image, u, v, order, mode, cval):
    height, width, _ = image.shape
    dtype = cval.dtype
    if order == 0:
        return take_nearest(image, nearest_index(u, v, height, width, mode), mode, cval, dtype)
    if mode == "grid-constant" and image.dtype == dtype:  # the fill is exact in the image's dtype
        return resample_bordered(bordered_view(image, mode, cval), u, v, height, width, mode, dtype)
    tap = _tap_reader(image, mode, cval, lambda x: x.astype(dtype))
    r0, c0, fr, fc = _cell(u, v, height, width, mode, non_finite=jnp.issubdtype(image.dtype, jnp.inexact))
    out = _bilinear(tap(r0, c0), tap(r0, c0 + 1), tap(r0 + 1, c0), tap(r0 + 1, c0 + 1), fr, fc)
    return _cut_constant(out, u, v, image, mode, cval)


# Modes whose taps fold back into the image: :func:`bordered_view` holds every tap they read at
# order 1, so that the engine's gathers read it with no fold per tap.
FOLDED_MODES = ("reflect", "grid-mirror", "mirror", "grid-wrap")
# Rows / columns of a bordered view before each axis (two after in every mode): order 1's first tap,
# clipped into [-before, n], and its neighbour then always lie in the view (see resample_bordered).
_BORDER_BEFORE = {**{mode: 1 for mode in FOLDED_MODES}, "grid-constant": 2}


def bordered_view(image: jax.Array, mode: str, fill=None) -> jax.Array:
    """``(H, W, C)`` -> ``((H + b + 2) * (W + b + 2), C)``: the image with a border in the mode's extension.

    ``b`` rows / columns before and two after each axis, row-major. :data:`FOLDED_MODES`
    (``b = 1``): extended periodically as scipy does (``numpy.pad``'s ``symmetric``,
    ``reflect`` and ``wrap``), built from slices and reversals (no gather): order 1 reads
    indices in ``[-1, n + 1]`` once its coordinates are mapped by :func:`_map_coordinate`.
    ``grid-constant`` (``b = 2``): ``fill``, cast to ``image.dtype`` (callers use it where
    that is exact); every tap beyond the image reads it (see :func:`resample_bordered`).
    """
    height, width, channels = image.shape
    before = _BORDER_BEFORE[mode]
    if mode == "grid-constant":
        pad = ((before, 2), (before, 2), (0, 0))
        x = jnp.pad(image, pad, constant_values=jnp.asarray(fill).astype(image.dtype))
    else:  # for these modes the prefilter's boundary condition is the mode's own extension
        rows, cols = (_fold(np.arange(-1, n + 2), n, _PREFILTER_KIND[mode]) for n in (height, width))
        x = _static_take(_static_take(image, rows, 0, 1), cols, 1, 1)
    return x.reshape((height + before + 2) * (width + before + 2), channels)


def resample_bordered(view: jax.Array, u: jax.Array, v: jax.Array, height: int, width: int, mode: str, dtype):
    """Order 1 in a :data:`FOLDED_MODES` mode or ``grid-constant`` from a :func:`bordered_view`.

    The same taps, weights and values as :func:`resample_coords`, but each tap is one
    flat index into the border view instead of an index folded per tap (in ``nearest``
    the fold is a clip, and the view measured no gain). The engine uses it for small
    integer images in :data:`FOLDED_MODES` (``engine._small_integers``, where it is
    measured) and materialises the view once per batch (fused into the gather, it would
    be recomputed per tap). ``grid-constant`` reads it where the fill is exact in the
    image's dtype (float images), built inside the resample (XLA:CPU materialises it, as
    it did the fill pixel appended before: 19.1 against 18.4 MB of scratch for
    32 x 224 x 224 x 3 float32): a first tap before ``-2`` or after ``n`` has
    both its taps beyond the image, so clipping it to ``[-2, n]`` reads the fill for both
    (the weights stay the coordinate's own); on XLA:CPU, ``jaxaug.augment`` float32
    32 x 224 x 224 x 3 in turns, 29.0 -> 22.5 ms against a fill pixel appended to the
    image and an index select per tap (``constant`` 17.3), outputs identical
    (``benchmarks/results/ab-cpu-2cores.md``).

    Args:
        view: from :func:`bordered_view` of the same ``mode``.
        u, v: input row / column coordinates, float arrays of shape ``(Ho, Wo)``.
        height, width: the image's ``H`` and ``W``.
        mode: one of :data:`FOLDED_MODES` or ``grid-constant``.
        dtype: the dtype the taps are cast to (the compute dtype).

    Returns:
        ``(Ho, Wo, C)`` in ``dtype``, unrounded.
    """
    if mode not in _BORDER_BEFORE:
        raise ValueError(f"`mode` must be one of {tuple(_BORDER_BEFORE)}, got {mode!r}.")
    before = _BORDER_BEFORE[mode]
    stride = width + before + 2

    def at(index):
        return view.at[index].get(mode="promise_in_bounds").astype(dtype)

    def flat(r, c):  # the first tap lies in [-before, n] (the view's last row / column is its neighbour's);
        # in the folded modes the clip only keeps NaN-derived indices, and their neighbours, inside the view
        return (jnp.clip(r, -before, height) + before) * stride + jnp.clip(c, -before, width) + before

    r0, c0, fr, fc = _cell(u, v, height, width, mode)
    i = flat(r0, c0)
    return _bilinear(at(i), at(i + 1), at(i + stride), at(i + stride + 1), fr, fc)


# --------------------------------------------------------------------------- orders 2-5

# Poles of the B-spline prefilter (roots inside the unit circle); closed forms in comments.
_POLES = {
    2: (-0.171572875253809902396622551580603843,),  # sqrt(8) - 3
    3: (-0.267949192431122706472553658494127633,),  # sqrt(3) - 2
    4: (
        -0.361341225900220177092212841325675255,  # sqrt(664 - sqrt(438976)) + sqrt(304) - 19
        -0.013725429297339121360331226939128204,  # sqrt(664 + sqrt(438976)) - sqrt(304) - 19
    ),
    5: (
        -0.430575347099973791851434783493520110,  # sqrt(67.5 - sqrt(4436.25)) + sqrt(26.25) - 6.5
        -0.043096288203264653822712376822550182,  # sqrt(67.5 + sqrt(4436.25)) - sqrt(26.25) - 6.5
    ),
}
# Boundary condition of scipy's prefilter for each mode (see the module docstring).
_PREFILTER_KIND = {
    "constant": "mirror",
    "mirror": "mirror",
    "wrap": "mirror",
    "grid-constant": "mirror",
    "reflect": "reflect",
    "grid-mirror": "reflect",
    "nearest": "reflect",
    "grid-wrap": "periodic",
}
# Modes whose long lines are prefiltered in place (see _spline_coefficients_axis). Float32
# order-3 batch of 32 x 224 x 224 x 3, one process, fastest of 20-40 calls, when the taps also
# folded their indices (session 6): nearest 53.0 -> 47.2 ms (scratch 71.5 -> 41.5 MB), constant
# 40.7 -> 28.3, mirror 48.0 -> 40.3, wrap 46.0 -> 40.0; order 5 mirror and wrap 7% faster. In
# reflect, grid-mirror and grid-wrap it cost more than the copies saved. With the prefilter in
# chunks and the taps padded (session 8), in place still read 29.2 vs 35.8 ms (constant) and
# 31.5 vs 34.1 (mirror), nearest the same, on a loaded machine.
_IN_PLACE_MODES = ("nearest", "constant", "mirror", "wrap")
_SCIPY_PREPAD = 12  # scipy pads 'nearest' / 'grid-constant' images by this much before filtering
_DENSE_MAX = 64  # lines up to this long use the exact recursion matrix; longer ones the FIR


def _fold(i: np.ndarray, n: int, kind: str) -> np.ndarray:
    """Static (numpy) index extension: any integer index into ``[0, n - 1]``."""
    if n == 1:
        return np.zeros_like(i)
    if kind == "mirror":
        p = np.mod(i, 2 * n - 2)
        return np.where(p >= n, 2 * n - 2 - p, p)
    if kind == "reflect":
        p = np.mod(i, 2 * n)
        return np.where(p >= n, 2 * n - 1 - p, p)
    if kind == "periodic":
        return np.mod(i, n)
    return np.clip(i, 0, n - 1)  # "clip"


def _recursive_prefilter(x: np.ndarray, order: int, kind: str) -> np.ndarray:
    """scipy's spline prefilter along axis 0 in float64 numpy (trace time only).

    Unser, Aldroubi & Eden (1991): a gain, then per pole ``z`` a causal pass
    ``c[k] += z c[k-1]`` and an anticausal pass ``c[k] = z (c[k+1] - c[k])``, each
    started from a value that sums the boundary extension of ``kind``.
    """
    c = np.array(x, np.float64)
    n = c.shape[0]
    if n == 1:
        return c
    poles = _POLES[order]
    for z in poles:
        c = c * ((1.0 - z) * (1.0 - 1.0 / z))
    for z in poles:
        first = c[0].copy()
        if kind == "mirror":  # period 2n - 2 of the whole-sample symmetric extension
            zn1 = z ** (n - 1)
            acc = c[0] + zn1 * c[n - 1]
            for i in range(1, n - 1):
                acc = acc + z**i * (c[i] + zn1 * c[n - 1 - i])
            c[0] = acc / (1.0 - zn1 * zn1)
        elif kind == "reflect":  # period 2n; the last term reads the running sum, as scipy's does
            zn = z**n
            acc = c[0] + zn * c[n - 1]
            for i in range(1, n):
                acc = acc + z**i * (c[i] + zn * (acc if i == n - 1 else c[n - 1 - i]))
            c[0] = acc * z / (1.0 - zn * zn) + first
        else:  # periodic, period n
            acc = c[0]
            for i in range(1, n):
                acc = acc + z**i * c[n - i]
            c[0] = acc / (1.0 - z**n)
        for k in range(1, n):
            c[k] = c[k] + z * c[k - 1]
        if kind == "mirror":
            c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1.0)
        elif kind == "reflect":
            c[n - 1] = c[n - 1] * z / (z - 1.0)
        else:
            acc = c[n - 1]
            for i in range(n - 1):
                acc = acc + z ** (i + 1) * c[i]
            c[n - 1] = acc * z / (z**n - 1.0)
        for k in range(n - 2, -1, -1):
            c[k] = z * (c[k + 1] - c[k])
    return c


@functools.cache
def _impulse_response(order: int) -> np.ndarray:
    """``h[j]``, j >= 0, of the infinite-line prefilter (symmetric), from a long periodic line."""
    length = 256  # |pole| <= 0.431: aliasing below 1e-46
    delta = np.zeros((length, 1))
    delta[0] = 1.0
    return _recursive_prefilter(delta, order, "periodic")[: length // 2, 0]


class _AxisPlan(NamedTuple):
    """Static tables of one axis of the spline path (numpy arrays, built at trace time)."""

    ext_src: np.ndarray  # (m + 2K,) data index of each FIR input; n marks cval
    weights: np.ndarray  # (m or 1, 2K + 1) FIR weights of each coefficient
    tap_src: np.ndarray  # (R,) coefficient index of each padded tap position; m marks cval
    tap_lo: int  # data position of padded tap 0
    coord_lo: float  # coordinates are clipped to [coord_lo, coord_hi] before the taps
    coord_hi: float


@functools.cache
def _axis_plan(n: int, order: int, mode: str, dtype_name: str) -> _AxisPlan:
    kind = _PREFILTER_KIND[mode]
    pad = _SCIPY_PREPAD if mode in ("nearest", "grid-constant") else 0
    m = n + 2 * pad
    positions = np.arange(m) - pad
    if mode == "nearest":
        pad_src = np.clip(positions, 0, n - 1)
    else:  # grid-constant reads cval (index n) in its padding; others have no padding
        pad_src = np.where((positions >= 0) & (positions < n), positions, n)

    tol = float(np.finfo(dtype_name).eps) / 16
    if m <= _DENSE_MAX:  # exact recursion matrix, stored by diagonals (taps -(m-1)..m-1)
        half = m - 1
        dense = _recursive_prefilter(np.eye(m), order, kind)
        k, j = np.arange(m)[:, None], np.arange(-half, half + 1)[None, :]
        weights = np.where((k + j >= 0) & (k + j < m), dense[k, np.clip(k + j, 0, m - 1)], 0.0)
        kept = np.nonzero(np.abs(weights).max(axis=0) >= tol)[0]
        half = int(np.abs(kept - (m - 1)).max())  # drop outer diagonals below tol
        weights = weights[:, m - 1 - half : m + half]
    else:  # infinite-line FIR, truncated where its taps fall below eps / 16
        h = _impulse_response(order)
        half = int(np.nonzero(np.abs(h) >= tol)[0].max())
        weights = np.concatenate([h[half:0:-1], h[: half + 1]])[None, :]
    ext_src = pad_src[_fold(np.arange(-half, m + half), m, kind)]

    if mode in ("nearest", "grid-constant"):  # unmapped, clipped to where every tap is padding
        coord_lo, coord_hi = float(-pad - order - 1), float(n - 1 + pad + order + 1)
    elif mode == "constant":  # clipped to the image; outside is cut to cval afterwards
        coord_lo, coord_hi = 0.0, float(n - 1)
    else:  # scipy's mapping lands in [-1, n]
        coord_lo, coord_hi = -1.0, float(n)
    tap_lo = math.floor(coord_lo) - order
    taps = np.arange(tap_lo, math.ceil(coord_hi) + order + 1) + pad
    if mode == "nearest":
        tap_src = np.clip(taps, 0, m - 1)
    elif mode == "grid-constant":
        tap_src = np.where((taps >= 0) & (taps < m), taps, m)
    else:
        tap_src = _fold(taps, m, kind)
    return _AxisPlan(ext_src, weights, tap_src, tap_lo, coord_lo, coord_hi)


def _runs(index: np.ndarray) -> list[tuple[int, int, int]]:
    """Splits a static index array into ``(first, length, step)`` runs with step -1, 0 or 1."""
    runs, i = [], 0
    while i < len(index):
        j, step = i + 1, 1
        if j < len(index) and abs(int(index[j]) - int(index[i])) <= 1:
            step = int(index[j]) - int(index[i])
            while j < len(index) and int(index[j]) - int(index[j - 1]) == step:
                j += 1
        runs.append((int(index[i]), j - i, step))
        i = j
    return runs


def _static_take(x: jax.Array, index: np.ndarray, axis: int, unit: int) -> jax.Array:
    """``x`` re-indexed along ``axis`` in blocks of ``unit`` elements by a static index.

    Built from slices, reversals and broadcasts (no gather): a gather with constant
    indices costs a copy with a poor layout on CPU.
    """
    pieces = []
    for first, length, step in _runs(index):
        lo = first if step >= 0 else first - length + 1
        size = 1 if step == 0 else length
        piece = jax.lax.slice_in_dim(x, lo * unit, (lo + size) * unit, axis=axis)
        blocks = piece.shape[:axis] + (size, unit) + piece.shape[axis + 1 :]
        out_shape = piece.shape[:axis] + (length * unit,) + piece.shape[axis + 1 :]
        if step == 0 and length > 1:  # one sample repeated
            repeated = blocks[:axis] + (length,) + blocks[axis + 1 :]
            piece = jnp.broadcast_to(piece.reshape(blocks), repeated).reshape(out_shape)
        elif step < 0 and length > 1:
            piece = jax.lax.rev(piece.reshape(blocks), (axis,)).reshape(out_shape)
        pieces.append(piece)
    return pieces[0] if len(pieces) == 1 else jnp.concatenate(pieces, axis=axis)


def _append_fill(x: jax.Array, axis: int, unit: int, fill: jax.Array) -> jax.Array:
    shape = list(x.shape)
    shape[axis] = unit
    return jnp.concatenate([x, jnp.broadcast_to(fill, shape).astype(x.dtype)], axis=axis)


def _fir(src: jax.Array, weights: np.ndarray, count: int, axis: int, unit: int) -> jax.Array:
    """``count`` outputs of the correlation of ``src`` with ``weights`` ``(m or 1, taps)`` along ``axis``."""
    shape = [1, 1]
    shape[axis] = weights.shape[0]
    out = None
    for j in range(weights.shape[1]):
        w = jnp.asarray(weights[:, j].reshape(shape), src.dtype)
        term = w * jax.lax.slice_in_dim(src, j * unit, (j + count) * unit, axis=axis)
        out = term if out is None else out + term
    return out


def _in_place(n: int, plan: _AxisPlan, mode: str) -> bool:
    """Whether a line of ``n`` samples is prefiltered in place (see :func:`_spline_coefficients_axis`)."""
    return len(plan.weights) == 1 and mode in _IN_PLACE_MODES and n > 2 * (plan.weights.shape[1] // 2)


def _spline_coefficients_axis(x: jax.Array, axis: int, unit: int, plan: _AxisPlan, fill: jax.Array, mode: str):
    """Prefilters a 2-D view along ``axis`` (samples of ``unit`` elements), padded to the tap range.

    The image is viewed as ``(H, W * C)``: filtering rows uses ``axis=0, unit=1`` and
    columns ``axis=1, unit=C``, so the weighted sums run over long contiguous rows. The
    coefficients come back extended to every tap a clipped coordinate can reach
    (``plan.tap_src``), so that :func:`sample_spline` indexes each tap as one flat index
    plus a constant (:func:`_first_tap`).

    Long lines (the FIR) in the modes of ``_IN_PLACE_MODES`` are filtered in place: the
    interior outputs read ``x`` itself and only the ends read a small extended strip. The
    same sums in the same order as the extended copy (bit-identical), without a full-size
    copy of the input. Short lines use the exact recursion matrix (position-dependent
    weights), ``grid-constant`` reads ``fill`` in its padding, and the other modes measured
    faster with the copy (see ``_IN_PLACE_MODES``).
    """
    n = x.shape[axis] // unit
    taps = plan.weights.shape[1]
    m = len(plan.ext_src) - taps + 1
    half, pad = taps // 2, (m - n) // 2
    if _in_place(n, plan, mode):
        lo, hi = pad + half, pad + n - half  # outputs whose whole window lies inside the image
        head = _fir(_static_take(x, plan.ext_src[: lo + 2 * half], axis, unit), plan.weights, lo, axis, unit)
        body = _fir(x, plan.weights, hi - lo, axis, unit)
        tail = _fir(_static_take(x, plan.ext_src[hi:], axis, unit), plan.weights, m - hi, axis, unit)
        return _static_take(jnp.concatenate([head, body, tail], axis=axis), plan.tap_src, axis, unit)
    if (plan.ext_src == n).any():
        x = _append_fill(x, axis, unit, fill)
    # Materialise the extended copy once: fused into each of the 2K + 1 shifted reads
    # below, its concatenation would be re-evaluated per read (5-10x slower on CPU).
    ext = jax.lax.optimization_barrier(_static_take(x, plan.ext_src, axis, unit))
    weights = plan.weights if len(plan.weights) == 1 else np.repeat(plan.weights, unit, axis=0)
    coef = _fir(ext, weights, m, axis, unit)
    if (plan.tap_src == m).any():
        coef = _append_fill(coef, axis, unit, fill)
    return _static_take(coef, plan.tap_src, axis, unit)


def _first_tap(p: jax.Array, plan: _AxisPlan, order: int) -> jax.Array:
    """Index, in one axis of the tap-padded coefficients, of the first tap ``p`` (an integer data position)."""
    return jnp.clip(p - plan.tap_lo, 0, len(plan.tap_src) - order - 1)


@functools.cache
def _tap_polynomials(order: int) -> tuple[tuple[float, ...], ...]:
    """Weights of the ``order + 1`` taps as polynomials in the fractional offset ``x``.

    Taps sit at ``base - order // 2 + j``, where ``base = floor(u)`` for odd orders
    (``x = u - base`` in ``[0, 1)``) and ``floor(u + 0.5)`` for even ones (``x`` in
    ``[-0.5, 0.5)``); over that range each tap stays on one polynomial piece of the
    centred B-spline ``B(y) = sum_k (-1)^k C(n+1, k) (y + (n+1)/2 - k)_+^n / n!``.
    Coefficients are exact rationals (ascending powers of ``x``).
    """
    middle = Fraction(1, 2) if order % 2 else Fraction(0)
    polys = []
    for j in range(order + 1):
        coeffs = [Fraction(0)] * (order + 1)
        for k in range(order + 2):
            a = j - order // 2 + Fraction(order + 1, 2) - k  # (a - x)_+^order is this term
            if a - middle <= 0:
                continue
            scale = Fraction((-1) ** k * math.comb(order + 1, k), math.factorial(order))
            for i in range(order + 1):
                coeffs[i] += scale * math.comb(order, i) * a ** (order - i) * (-1) ** i
        polys.append(tuple(float(c) for c in coeffs))
    return tuple(polys)


def _spline_taps(u: jax.Array, order: int, plan: _AxisPlan):
    """Data position of the first of the ``order + 1`` taps of each coordinate on one axis, and their weights."""
    u = jnp.clip(u, plan.coord_lo, plan.coord_hi)
    base = jnp.floor(u) if order % 2 else jnp.floor(u + 0.5)
    x = u - base
    weights = []
    for coeffs in _tap_polynomials(order):
        w = jnp.asarray(coeffs[-1], u.dtype)
        for c in coeffs[-2::-1]:
            w = w * x + c
        weights.append(w)
    return base.astype(jnp.int32) - order // 2, weights


def spline_coefficients(image: jax.Array, order: int, mode: str, cval: jax.Array) -> jax.Array:
    """scipy's spline prefilter of an ``(H, W, C)`` image for ``order`` 2-5, in ``cval``'s (compute) dtype.

    Returns the coefficients as an ``(H', W' * C)`` array padded to every tap a clipped
    coordinate can reach, in every mode (see :func:`_spline_coefficients_axis`);
    :func:`sample_spline` reads them.
    ``cval`` is the fill as a compute-dtype array (``grid-constant`` pads with it).
    """
    height, width, channels = image.shape
    x = image.astype(cval.dtype).reshape(height, width * channels)
    coef = _spline_coefficients_axis(x, 0, 1, _axis_plan(height, order, mode, cval.dtype.name), cval, mode)
    return _spline_coefficients_axis(coef, 1, channels, _axis_plan(width, order, mode, cval.dtype.name), cval, mode)


def sample_spline(coef: jax.Array, image, u: jax.Array, v: jax.Array, order: int, mode: str, cval) -> jax.Array:
    """Samples the :func:`spline_coefficients` ``coef`` of an image at input coordinates ``(u, v)``.

    ``image`` is the image or anything with its ``shape`` ``(H, W, C)`` and ``dtype``
    (a ``jax.ShapeDtypeStruct``); ``u``, ``v`` and ``cval`` are in the compute dtype.
    Returns ``(Ho, Wo, C)`` values, unrounded, as :func:`resample_coords` does.
    """
    height, width, channels = image.shape
    dtype = cval.dtype
    rplan = _axis_plan(height, order, mode, dtype.name)
    cplan = _axis_plan(width, order, mode, dtype.name)
    cols = coef.shape[1] // channels
    flat = coef.reshape(-1, channels)
    mu = u if mode in ("nearest", "grid-constant", "constant") else _map_coordinate(u, height, mode)
    mv = v if mode in ("nearest", "grid-constant", "constant") else _map_coordinate(v, width, mode)
    r0, wr = _spline_taps(mu, order, rplan)
    c0, wc = _spline_taps(mv, order, cplan)
    # Every tap is one flat index plus a constant: XLA keeps one index map, not one per axis.
    first = _first_tap(r0, rplan, order) * cols + _first_tap(c0, cplan, order)
    out = None
    for j in range(order + 1):
        row = None
        for k in range(order + 1):
            term = wc[k][..., None] * flat.at[first + (j * cols + k)].get(mode="promise_in_bounds")
            row = term if row is None else row + term
        term = wr[j][..., None] * row
        out = term if out is None else out + term
    return _cut_constant(out, u, v, image, mode, cval)


# --------------------------------------------------------------------------- entry points


def resample_coords(image: jax.Array, u: jax.Array, v: jax.Array, order: int, mode: str, cval) -> jax.Array:
    """Samples an ``(H, W, C)`` image at input coordinates ``(u, v)``, scipy semantics.

    Equal to ``scipy.ndimage.map_coordinates(image[..., k], [u, v], order=order,
    mode=mode, cval=cval)`` (``prefilter=True``) per channel, to float32 rounding.

    Args:
        image: ``(H, W, C)`` of any real dtype.
        u, v: input row / column coordinates, float arrays of shape ``(Ho, Wo)``.
        order: 0-5 (validated by the caller).
        mode: a scipy mode name (validated by the caller).
        cval: fill value (traced or static).

    Returns:
        ``(Ho, Wo, C)`` values in the compute dtype, unrounded.
    """
    image = jnp.asarray(image)
    dtype = compute_dtype(image.dtype)
    cval = jnp.asarray(cval, dtype)
    u = jnp.asarray(u).astype(dtype)
    v = jnp.asarray(v).astype(dtype)
    if order <= 1:
        return _linear(image, u, v, order, mode, cval)
    return sample_spline(spline_coefficients(image, order, mode, cval), image, u, v, order, mode, cval)


def resample_float(
    image: jax.Array,
    matrix: ArrayLike,
    order: int,
    mode: str,
    cval,
    *,
    output_shape: tuple[int, int] | None = None,
) -> jax.Array:
    """Resamples an ``(H, W, C)`` image; returns values in the compute dtype, unrounded.

    ``output_shape`` is ``(Ho, Wo)`` (default: the input's ``(H, W)``).
    """
    height, width = image.shape[:2] if output_shape is None else output_shape
    u, v = coordinates(matrix, height, width, compute_dtype(image.dtype))
    return resample_coords(image, u, v, order, mode, cval)


def native_fill(cval, dtype) -> jax.Array:
    """``cval`` in an integer ``dtype`` as scipy writes it: rounded half away from zero, clipped.

    Python numbers are converted exactly (an ``int`` above ``2**24`` stays itself);
    arrays go through float :func:`cast_like`.
    """
    dtype = jnp.dtype(dtype)
    info = jnp.iinfo(dtype)
    if isinstance(cval, numbers.Real) and not isinstance(cval, bool):
        if isinstance(cval, numbers.Integral):
            value = int(cval)
        elif math.isfinite(float(cval)):
            value = int(math.copysign(math.floor(abs(float(cval)) + 0.5), float(cval)))
        else:
            value = 0 if math.isnan(float(cval)) else (int(info.max) if cval > 0 else int(info.min))
        return jnp.asarray(min(max(value, int(info.min)), int(info.max)), dtype)
    cval = jnp.asarray(cval)
    if jnp.issubdtype(cval.dtype, jnp.integer):
        return cast_like(cval, dtype)
    return cast_like(cval.astype(compute_dtype(dtype)), dtype)


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
    cval=cval)`` (``prefilter=True``) for every channel ``k`` (to float32 rounding),
    for all eight scipy mode names and orders 0-5. Note that scipy's ``constant`` and
    ``wrap`` are NOT the same as ``jax.scipy.ndimage.map_coordinates``'s: jax's
    ``constant``/``wrap`` are scipy's ``grid-constant``/``grid-wrap``, which are
    available here under those names.

    Args:
        image: ``(H, W)`` or channels-last ``(H, W, C)`` image of any real dtype.
        matrix: ``(3, 3)`` homogeneous or ``(2, 3)`` matrix acting on ``(row, col)``.
        order: 0 (nearest neighbour), 1 (bilinear) or 2-5 (B-spline of that order,
            with scipy's prefilter: it costs a per-axis filter of the whole image plus
            ``(order + 1) ** 2`` taps per pixel, and overshoots near sharp edges).
        mode: one of ``constant, nearest, reflect, mirror, wrap, grid-constant,
            grid-wrap, grid-mirror``.
        cval: fill value for ``constant`` and ``grid-constant``.

    Returns:
        An array with the shape and dtype of ``image``. At order 0 integer images
        are moved without any arithmetic (exact for every integer dtype, including
        int32 above ``2**24``); ``cval`` is rounded half away from zero into the
        dtype. At orders 1-5 integer images are interpolated with float32 weights and
        rounded half away from zero and clipped: exact (equal to scipy's float64
        result after rounding) only while the values and the intermediate sums stay
        below ``2**24`` in magnitude; above that the float32 rounding shows.

    Raises:
        ValueError: bad rank, matrix shape, mode or order.
        TypeError: ``order`` not an int, or a non-numeric image.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> image = jnp.arange(12.0).reshape(3, 4)
        >>> shift = jaxaug.translation_matrix(0.0, 1.0)  # content moves right by 1
        >>> jaxaug.affine_transform(image, shift, mode="constant", cval=-1.0)[0].tolist()
        [-1.0, 0.0, 1.0, 2.0]
        >>> big = jnp.full((2, 2), 16777217, jnp.int32)  # not a float32 value
        >>> int(jaxaug.affine_transform(big, jaxaug.identity_matrix(), order=0)[0, 0])
        16777217
    """
    check_order("order", order)
    check_mode("mode", mode)
    image = jnp.asarray(image)
    check_image("image", image)
    u, v = coordinates(matrix, image.shape[0], image.shape[1], compute_dtype(image.dtype))
    return resample_image(image, u, v, order, mode, cval)


def resample_image(image: jax.Array, u: jax.Array, v: jax.Array, order: int, mode: str, cval) -> jax.Array:
    """A checked ``(H, W)`` or ``(H, W, C)`` image sampled at ``(u, v)``, in ``image.dtype``.

    The shared tail of the public warps: integer images at order 0 move natively
    (:func:`resample_nearest_native`, ``cval`` via :func:`native_fill`); everything
    else is computed by :func:`resample_coords` and cast back with :func:`cast_like`.
    """
    squeeze = image.ndim == 2
    x = image[..., None] if squeeze else image
    if order == 0 and jnp.issubdtype(image.dtype, jnp.integer):
        out = resample_nearest_native(x, u, v, mode, native_fill(cval, image.dtype))
    else:
        values = resample_coords(x, u, v, order, mode, cval)
        out = cast_like(values, image.dtype, in_range=stays_in_range(order, mode))
    return out[..., 0] if squeeze else out
