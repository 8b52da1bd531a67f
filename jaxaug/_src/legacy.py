"""Keras legacy ``ImageDataGenerator`` semantics on top of the jaxaug core.

Everything here reproduces ``keras.src.legacy.preprocessing.image`` (Keras 3.15.1) for
the same global numpy seed:

* Random parameters are drawn from the GLOBAL numpy RNG (``np.random``) in Keras's
  exact order (``get_random_transform``), so ``np.random.seed(s)`` / ``seed=`` give
  Keras's draws, including its shift-range rules for int, list and float ranges.
* The affine matrix is Keras's closed form, quirks included (``keras_quirks=True``,
  the default): the shift drawn from ``height_shift_range`` moves content
  horizontally (and ``width_shift_range`` vertically), and rotation, shear and zoom
  pivot about ``(row=(W-1)/2, col=(H-1)/2)``, which is off-centre on non-square
  images. ``keras_quirks=False`` gives the geometrically correct version: the height
  shift moves rows, the width shift moves columns, the pivot is the true centre.
* Pixels move in ONE jitted JAX call per batch (``vmap`` of the core resampler over
  per-image matrices; flips are folded into the matrix). Boundary modes follow
  ``scipy.ndimage`` exactly (the core resampler emulates scipy's ``constant`` hard
  cut and ``wrap`` period).
* Channel shift (one offset for all channels, clipped to the image's min/max) and
  brightness (PIL's 8-bit path, written out as arithmetic) run in numpy with Keras's
  arithmetic, after the resample, in Keras's order.

Known, documented differences from Keras:

* Coordinates are computed in float32 on the accelerator where scipy uses float64.
  Values agree to float32 tolerance; with ``fill_mode="constant"`` a pixel whose
  source coordinate lies within ~1e-5 px of the image border can come out as
  ``cval`` on one side and as the edge value on the other (scipy cuts hard at the
  border, so a 1e-16 rounding difference flips it). With ``interpolation_order=0`` a
  source coordinate within ~1e-5 of a half-integer can round to the other neighbour.
* ``interpolation_order`` 2-5 (scipy splines) raise ``NotImplementedError`` at
  construction: the core resampler supports orders 0 and 1 only.
* ``fill_mode`` and ``interpolation_order`` are validated at construction (Keras
  fails only when a transform runs).
* Brightness uses the generator's ``data_format`` (Keras uses the global one and
  fails for ``channels_first``), and, for resampled images, values within 1e-4 of an
  integer are snapped to it before the 8-bit truncation, so that float32
  interpolation noise (``99.99999`` where scipy's float64 result rounds to ``100.0``)
  does not change the 8-bit level. A value that is merely NEAR an integer in Keras
  can still truncate to the neighbouring level (about 1e-4 of the pixels, off by one
  level times the factor).
* ``flow(..., sample_weight=w, subset=...)`` slices ``w`` with the subset (Keras 3.15.1
  does not, and returns the first weights for the training subset).
* Parameters are drawn for the whole batch before any pixel moves; a
  ``preprocessing_function`` that itself draws from ``np.random`` therefore sees a
  different global state than in Keras (Keras interleaves per image).
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxaug._src import resample, validation

_SUBSETS = ("training", "validation")
_DATA_FORMATS = ("channels_last", "channels_first")


# ----------------------------------------------------------------------------------
# Global Keras settings (data format / floatx), read lazily from files.py.
# ----------------------------------------------------------------------------------


def _image_data_format() -> str:
    from jaxaug._src import files

    return files.image_data_format()


def _floatx() -> str:
    from jaxaug._src import files

    return files.floatx()


# ----------------------------------------------------------------------------------
# The batched JAX resample: one jitted call per batch.
# ----------------------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("order", "mode", "dtype"))
def _warp_batch(images: jax.Array, matrices: jax.Array, cval: jax.Array, *, order: int, mode: str, dtype: str):
    """Resamples ``(B, H, W, C)`` images with per-image ``(B, 3, 3)`` matrices."""

    def one(image, matrix):
        return resample.resample_float(image, matrix, order, mode, cval)

    return resample.cast_like(jax.vmap(one)(images, matrices), jnp.dtype(dtype))


def warp_batch(images: np.ndarray, matrices: np.ndarray, *, order: int, mode: str, cval: float, pad_to: int = 0):
    """Applies per-image matrices to a channels-last batch in one jitted call.

    Args:
        images: ``(B, H, W, C)`` numpy batch.
        matrices: ``(B, 3, 3)`` float64 output-to-input matrices in ``(row, col)``.
        order, mode, cval: resampling settings (scipy semantics).
        pad_to: pad the batch with zeros/identities up to this size, so that a short
            final batch reuses the compiled program instead of compiling again.

    Returns:
        A numpy array shaped and typed like ``images`` (float64 batches are computed in
        float32 unless JAX runs with x64 enabled).
    """
    n = images.shape[0]
    dtype = np.dtype(images.dtype)
    # float64 stays float64 only when JAX runs with x64 enabled; otherwise float32.
    jax_dtype = jnp.dtype(jax.dtypes.canonicalize_dtype(resample.compute_dtype(dtype) if dtype.kind == "f" else dtype))
    imgs = images.astype(jax_dtype, copy=False)
    mats = matrices.astype(np.float32)
    if pad_to > n:
        imgs = np.concatenate([imgs, np.zeros((pad_to - n,) + imgs.shape[1:], imgs.dtype)])
        mats = np.concatenate([mats, np.broadcast_to(np.eye(3, dtype=np.float32), (pad_to - n, 3, 3))])
    out = _warp_batch(imgs, mats, np.float32(cval), order=order, mode=mode, dtype=jax_dtype.name)
    # np.array copies into a writable buffer: standardize() works in place, as in Keras.
    return np.array(out)[:n].astype(dtype, copy=False)


# ----------------------------------------------------------------------------------
# Keras's affine matrix, vectorised over a batch, in float64.
# ----------------------------------------------------------------------------------


def keras_matrices(
    theta,
    tx,
    ty,
    shear,
    zx,
    zy,
    height: int,
    width: int,
    *,
    keras_quirks: bool = True,
    flip_horizontal=None,
    flip_vertical=None,
) -> np.ndarray:
    """Keras's affine matrices in jaxaug's ``(row, col)`` output-to-input convention.

    All parameter arguments are arrays of shape ``(B,)`` (degrees for ``theta`` and
    ``shear``, pixels for ``tx``/``ty``). With ``keras_quirks=True`` the result equals
    the matrix Keras hands to ``scipy.ndimage.affine_transform`` (``tx`` moves
    columns, the pivot is ``(row=(W-1)/2, col=(H-1)/2)``). In terms of the core
    builders of ``jaxaug._src.matrices`` it is::

        offset_matrix(compose(rotation_matrix(t), translation_matrix(-ty, -tx),
                              shear_matrix(s), zoom_matrix(zy, zx)), (W-1)/2, (H-1)/2)

    With ``keras_quirks=False`` ``tx`` moves rows, ``ty`` columns, and the pivot is
    the true centre ``((H-1)/2, (W-1)/2)``. Flags ``flip_horizontal``/``flip_vertical``
    (``(B,)`` bools) fold Keras's post-affine flips into the matrix.

    Returns:
        ``(B, 3, 3)`` float64 matrices.
    """
    theta = np.deg2rad(np.asarray(theta, np.float64))
    shear = np.deg2rad(np.asarray(shear, np.float64))
    tx = np.asarray(tx, np.float64)
    ty = np.asarray(ty, np.float64)
    zx = np.asarray(zx, np.float64)
    zy = np.asarray(zy, np.float64)
    if not keras_quirks:
        tx, ty = ty, tx
    n = theta.shape[0]
    one, zero = np.ones(n), np.zeros(n)
    c, s = np.cos(theta), np.sin(theta)
    # Keras's (x = col, y = row) frame: R @ T @ S @ Z.
    rot = np.stack([np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1), np.stack([zero, zero, one], -1)], 1)
    shift = np.stack([np.stack([one, zero, tx], -1), np.stack([zero, one, ty], -1), np.stack([zero, zero, one], -1)], 1)
    sh = np.stack(
        [
            np.stack([one, -np.sin(shear), zero], -1),
            np.stack([zero, np.cos(shear), zero], -1),
            np.stack([zero, zero, one], -1),
        ],
        1,
    )
    zoom = np.stack(
        [np.stack([zx, zero, zero], -1), np.stack([zero, zy, zero], -1), np.stack([zero, zero, one], -1)], 1
    )
    m = rot @ shift @ sh @ zoom
    if keras_quirks:
        ox, oy = height / 2 - 0.5, width / 2 - 0.5  # the non-square pivot quirk
    else:
        ox, oy = (width - 1) / 2, (height - 1) / 2
    to_center = np.array([[1.0, 0.0, ox], [0.0, 1.0, oy], [0.0, 0.0, 1.0]])
    from_center = np.array([[1.0, 0.0, -ox], [0.0, 1.0, -oy], [0.0, 0.0, 1.0]])
    m = to_center @ m @ from_center
    # (x, y) -> (row, col): swap the first two rows and columns.
    m = m[:, [1, 0, 2]][:, :, [1, 0, 2]]
    if flip_horizontal is not None or flip_vertical is not None:
        flips = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
        if flip_horizontal is not None:
            fh = np.asarray(flip_horizontal, bool)
            flips[fh, 1, 1] = -1.0
            flips[fh, 1, 2] = width - 1
        if flip_vertical is not None:
            fv = np.asarray(flip_vertical, bool)
            flips[fv, 0, 0] = -1.0
            flips[fv, 0, 2] = height - 1
        m = m @ flips
    return m


def _is_identity_affine(params: dict) -> bool:
    return (
        params.get("theta", 0) == 0
        and params.get("tx", 0) == 0
        and params.get("ty", 0) == 0
        and params.get("shear", 0) == 0
        and params.get("zx", 1) == 1
        and params.get("zy", 1) == 1
    )


# ----------------------------------------------------------------------------------
# Colour steps (numpy, Keras's arithmetic).
# ----------------------------------------------------------------------------------


def _channel_shift(x: np.ndarray, intensity) -> np.ndarray:
    """One offset added to every channel, clipped to the image's own [min, max].

    The sum is formed the way Keras forms it (numpy promotion of the image with the
    numpy float64 intensity), so the result dtype follows Keras too.
    """
    lo, hi = np.min(x), np.max(x)
    return np.clip(x + intensity, lo, hi)


def _brightness_hwc(x: np.ndarray, brightness, scale: bool, *, snap: bool = False) -> np.ndarray:
    """Keras's PIL brightness path for a channels-last image, as exact arithmetic.

    ``array_to_img`` (optional min-max scaling to [0, 255], truncation to uint8), PIL's
    ``ImageEnhance.Brightness`` (``clip(trunc(float32(v) * float32(b)), 0, 255)`` on
    colour bands; alpha untouched), ``img_to_array`` (floatx), then the inverse of the
    local scaling when ``scale`` is False and the data were outside [0, 255].
    """
    x_min, x_max = np.min(x), np.max(x)
    local = bool(x_min < 0 or x_max > 255)
    v = np.asarray(x, dtype=_floatx())
    if v.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {v.shape}")
    if snap:
        r = np.rint(v)
        v = np.where(np.abs(v - r) <= 1e-4, r, v).astype(v.dtype)
    if local or scale:
        v = v - np.min(v)
        v_max = np.max(v)
        if v_max != 0:
            v /= v_max
        v *= 255
    channels = v.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError(f"Unsupported channel number: {channels}")
    q = v.astype(np.uint8)
    out = np.clip(np.trunc(q.astype(np.float32) * np.float32(brightness)), 0, 255)
    if channels == 4:
        out[..., 3] = q[..., 3]
    out = out.astype(_floatx())
    if not scale and local:
        out = out / 255 * (x_max - x_min) + x_min
    return out


# ----------------------------------------------------------------------------------
# Module-level functions with Keras's signatures (channels-first defaults).
# ----------------------------------------------------------------------------------


def _check_axes(x, row_axis, col_axis, channel_axis) -> None:
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(
            f"Invalid axis' indices: {({row_axis, col_axis, channel_axis}) - {0, 1, 2}}; "
            "row_axis, col_axis and channel_axis must be a permutation of 0, 1, 2."
        )
    if np.ndim(x) != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images; got shape {np.shape(x)}.")
    if channel_axis not in (0, 2):
        raise ValueError(f"`channel_axis` must be 0 or 2 (channels first or last), got {channel_axis}.")


def transform_matrix_offset_center(matrix, x, y):
    """Moves the pivot of a Keras ``(x, y)`` matrix to ``(x / 2 - 0.5, y / 2 - 0.5)``.

    Equivalent to Keras's function of the same name (note Keras passes ``(h, w)`` as
    ``(x, y)``, which is the source of its non-square pivot quirk).

    Examples:
        >>> import numpy as np
        >>> from jaxaug.preprocessing.image import transform_matrix_offset_center
        >>> transform_matrix_offset_center(np.eye(3), 4, 6).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_center = np.array([[1.0, 0.0, o_x], [0.0, 1.0, o_y], [0.0, 0.0, 1.0]])
    from_center = np.array([[1.0, 0.0, -o_x], [0.0, 1.0, -o_y], [0.0, 0.0, 1.0]])
    return to_center @ np.asarray(matrix) @ from_center


def flip_axis(x, axis):
    """Reverses ``x`` along ``axis`` (Keras's ``flip_axis``).

    Examples:
        >>> import numpy as np
        >>> from jaxaug.preprocessing.image import flip_axis
        >>> flip_axis(np.arange(3)[None], 1).tolist()
        [[2, 1, 0]]
    """
    x = np.asarray(x).swapaxes(axis, 0)
    x = x[::-1, ...]
    return x.swapaxes(0, axis)


def apply_affine_transform(
    x,
    theta=0,
    tx=0,
    ty=0,
    shear=0,
    zx=1,
    zy=1,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    order=1,
):
    """Applies Keras's affine transform to one image (default layout channels-first).

    Equivalent to Keras's ``apply_affine_transform``: ``theta``/``shear`` in degrees,
    ``tx`` moves content LEFT along the column axis and ``ty`` UP along the row axis,
    zoom factors above 1 zoom out, and the pivot is Keras's ``(h/2 - 0.5, w/2 - 0.5)``
    taken as (x, y). An identity transform returns ``x`` itself.

    Args:
        x: a 3-D image.
        theta, tx, ty, shear, zx, zy: transform parameters.
        row_axis, col_axis, channel_axis: a permutation of 0, 1, 2; channels first or last.
        fill_mode: a scipy.ndimage mode (``constant, nearest, reflect, wrap, mirror,
            grid-constant, grid-wrap, grid-mirror``).
        cval: fill value for ``constant``.
        order: 0 or 1 (2-5 raise ``NotImplementedError``).

    Returns:
        The transformed image, same shape and dtype.

    Examples:
        >>> import numpy as np
        >>> from jaxaug.preprocessing.image import apply_affine_transform
        >>> x = np.zeros((1, 3, 4), np.float32); x[0, 1, 1] = 1
        >>> np.argwhere(apply_affine_transform(x, tx=1, fill_mode="constant")[0]).tolist()
        [[1, 0]]
    """
    resample.check_mode("fill_mode", fill_mode)
    resample.check_order("order", order)
    _check_axes(x, row_axis, col_axis, channel_axis)
    if theta == 0 and tx == 0 and ty == 0 and shear == 0 and zx == 1 and zy == 1:
        return x
    x = np.asarray(x)
    height, width = x.shape[row_axis], x.shape[col_axis]
    m = keras_matrices([theta], [tx], [ty], [shear], [zx], [zy], height, width)
    # With col_axis < row_axis Keras applies its (x, y) matrix unswapped to an array
    # whose first spatial axis is x: that is the swapped matrix on the (row, col) view.
    hwc = np.moveaxis(x, (row_axis, col_axis, channel_axis), (0, 1, 2))
    out = warp_batch(hwc[None], m, order=order, mode=fill_mode, cval=cval)[0]
    return np.moveaxis(out, (0, 1, 2), (row_axis, col_axis, channel_axis))


def random_rotation(
    x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Rotates by ``U(-rg, rg)`` degrees drawn from the global numpy RNG (Keras's function)."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(
        x,
        theta=theta,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shift(
    x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Keras's ``random_shift``: ``tx = U(-hrg, hrg) * h`` first, then ``ty = U(-wrg, wrg) * w``.

    ``tx`` moves columns, so (as in Keras) ``hrg`` shifts horizontally by a fraction
    of the height and ``wrg`` vertically by a fraction of the width.
    """
    h, w = np.shape(x)[row_axis], np.shape(x)[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(
        x,
        tx=tx,
        ty=ty,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shear(
    x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Shears by ``U(-intensity, intensity)`` degrees (Keras's function)."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(
        x,
        shear=shear,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_zoom(
    x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Zooms by ``(zx, zy) = U(lo, hi, 2)``; ``(1, 1)`` draws nothing (Keras's function).

    Raises:
        ValueError: ``zoom_range`` is not a pair.
    """
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(
        x,
        zx=zx,
        zy=zy,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds ``intensity`` to every channel, clipped to the image's [min, max] (Keras's function).

    Examples:
        >>> import numpy as np
        >>> from jaxaug.preprocessing.image import apply_channel_shift
        >>> apply_channel_shift(np.array([[[10.0, 100.0, 200.0]]]), 30, channel_axis=2).tolist()
        [[[40.0, 130.0, 200.0]]]
    """
    x = np.asarray(x)
    if channel_axis not in range(-x.ndim, x.ndim):
        raise ValueError(f"`channel_axis`={channel_axis} is out of range for an array of rank {x.ndim}.")
    return _channel_shift(x, intensity)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Channel shift by ``U(-intensity_range, intensity_range)`` (Keras's function)."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Keras's brightness shift: PIL's 8-bit ``ImageEnhance.Brightness``, as arithmetic.

    ``x`` is one image in the global data format (``channels_last`` unless Keras is
    configured otherwise). Data outside [0, 255] (or any data when ``scale=True``) is
    min-max scaled to [0, 255], truncated to 8 bits, multiplied by ``brightness``
    (``clip(trunc(v * b), 0, 255)``; alpha untouched) and, when ``scale=False``, mapped
    back to the original range. Returns floatx.

    Examples:
        >>> import numpy as np
        >>> from jaxaug.preprocessing.image import apply_brightness_shift
        >>> apply_brightness_shift(np.full((1, 1, 3), 100.7), 1.5, scale=False).ravel().tolist()
        [150.0, 150.0, 150.0]
    """
    x = np.asarray(x)
    if _image_data_format() == "channels_first" and x.ndim == 3:
        return np.moveaxis(_brightness_hwc(np.moveaxis(x, 0, -1), brightness, scale), -1, 0)
    return _brightness_hwc(x, brightness, scale)


def random_brightness(x, brightness_range, scale=True):
    """Brightness shift by ``U(lo, hi)`` through :func:`apply_brightness_shift` (Keras's function).

    Raises:
        ValueError: ``brightness_range`` is not a pair.
    """
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)


# ----------------------------------------------------------------------------------
# ImageDataGenerator
# ----------------------------------------------------------------------------------


def _check_shift_range(name: str, value: Any):
    """Validates a Keras shift range: a number or a non-empty 1-D list of numbers."""
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be a float, an int or a 1-D list/tuple of numbers, got {value!r}.")
    if isinstance(value, numbers.Real):
        validation.check_real(name, value)
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iuf":
            raise ValueError(f"`{name}` must be a non-empty 1-D list/tuple of numbers, got {value!r}.")
        return list(value) if isinstance(value, np.ndarray) else value
    raise TypeError(f"`{name}` must be a float, an int or a 1-D list/tuple of numbers, got {value!r}.")


def _draw_shift(value, dim: int):
    """One Keras shift draw: int/list -> choice * random sign; float -> uniform; x dim if < 1."""
    if isinstance(value, numbers.Integral) and value <= 0 or isinstance(value, float | np.floating):
        t = np.random.uniform(-value, value)
    else:
        t = np.random.choice(value)
        t *= np.random.choice([-1, 1])
    if np.max(value) < 1:
        t *= dim
    return t


def _check_zoom_range(value):
    message = (
        f"`zoom_range` should be a float or a tuple or list of two floats (e.g. 0.2 or [0.8, 1.2]). Received: {value!r}"
    )
    if isinstance(value, bool):
        raise ValueError(message)
    if isinstance(value, numbers.Real):
        return [1 - value, 1 + value]
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
    ):
        return [value[0], value[1]]
    raise ValueError(message)


class ImageDataGenerator:
    """Keras's legacy ``ImageDataGenerator``, resampling whole batches with JAX.

    A drop-in replacement for ``keras.preprocessing.image.ImageDataGenerator``: the
    same parameters, defaults, methods, iterators and, for the same seed, the same
    outputs (to float32 tolerance). See the module docstring of
    ``jaxaug._src.legacy`` for the few documented differences.

    Args:
        featurewise_center: subtract the per-channel dataset mean (from :meth:`fit`).
        samplewise_center: subtract each array's own mean (all elements).
        featurewise_std_normalization: divide by the per-channel dataset std + 1e-6.
        samplewise_std_normalization: divide by each array's own std + 1e-6.
        zca_whitening: multiply by the ZCA matrix from :meth:`fit`.
        zca_epsilon: added to the singular values when fitting ZCA.
        rotation_range: degrees; theta ~ U(-r, r).
        width_shift_range: float (fraction of the width if < 1, else pixels), int
            (``choice(arange(r)) * (+-1)`` pixels) or list (``choice(list) * (+-1)``).
            Gives ``ty``, which (Keras quirk) moves content VERTICALLY.
        height_shift_range: same rules, scaled by the height; gives ``tx``, which
            moves content HORIZONTALLY.
        brightness_range: ``(lo, hi)`` PIL brightness factor (8-bit path) or None.
        shear_range: degrees.
        zoom_range: ``z`` for ``[1 - z, 1 + z]`` or ``(lo, hi)``; zx and zy are drawn
            independently; above 1 zooms out.
        channel_shift_range: one offset ~ U(-r, r) added to all channels, clipped to
            the image's own [min, max].
        fill_mode: scipy.ndimage mode: ``constant, nearest, reflect, wrap, mirror,
            grid-constant, grid-wrap, grid-mirror``.
        cval: fill value for ``constant``.
        horizontal_flip: flip columns with probability 0.5.
        vertical_flip: flip rows with probability 0.5.
        rescale: multiply by this after augmentation (None or 0: off).
        preprocessing_function: called first in :meth:`standardize` on each image.
        data_format: ``channels_last`` or ``channels_first`` (default: Keras's global
            setting, else ``channels_last``).
        validation_split: fraction reserved for ``subset="validation"``.
        interpolation_order: 0 (nearest) or 1 (bilinear). Spline orders 2-5 raise
            ``NotImplementedError`` (the resampler has no spline prefilter).
        dtype: dtype of the batches (default: Keras's floatx, else float32).
        keras_quirks: keep Keras's geometry quirks (default ``True``, exact parity).
            ``False``: ``height_shift_range`` moves rows by up to ``h * H`` pixels,
            ``width_shift_range`` columns by up to ``w * W``, and rotation, shear and
            zoom pivot about the true centre. The random draws are identical.

    Raises:
        ValueError / TypeError / NotImplementedError: invalid parameters, at
            construction (listing the valid values).

    Examples:
        >>> import numpy as np
        >>> from jaxaug.preprocessing.image import ImageDataGenerator
        >>> gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
        >>> x = np.random.default_rng(0).uniform(0, 255, (4, 8, 8, 3)).astype("float32")
        >>> batch = next(gen.flow(x, batch_size=2, seed=1, shuffle=False))
        >>> batch.shape, batch.dtype
        ((2, 8, 8, 3), dtype('float32'))
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
        *,
        keras_quirks=True,
    ):
        if data_format is None:
            data_format = _image_data_format()
        if dtype is None:
            dtype = _floatx()
        validation.check_choice("data_format", data_format, _DATA_FORMATS)
        try:
            np.dtype(dtype)
        except TypeError as err:
            raise TypeError(f"`dtype` must be a numpy dtype name such as 'float32', got {dtype!r}.") from err
        self.featurewise_center = validation.check_bool("featurewise_center", featurewise_center)
        self.samplewise_center = validation.check_bool("samplewise_center", samplewise_center)
        self.featurewise_std_normalization = validation.check_bool(
            "featurewise_std_normalization", featurewise_std_normalization
        )
        self.samplewise_std_normalization = validation.check_bool(
            "samplewise_std_normalization", samplewise_std_normalization
        )
        self.zca_whitening = validation.check_bool("zca_whitening", zca_whitening)
        self.zca_epsilon = validation.check_real("zca_epsilon", zca_epsilon, minimum=0.0)
        validation.check_real("rotation_range", rotation_range)
        self.rotation_range = rotation_range
        self.width_shift_range = _check_shift_range("width_shift_range", width_shift_range)
        self.height_shift_range = _check_shift_range("height_shift_range", height_shift_range)
        validation.check_real("shear_range", shear_range)
        self.shear_range = shear_range
        self.zoom_range = _check_zoom_range(zoom_range)
        validation.check_real("channel_shift_range", channel_shift_range)
        self.channel_shift_range = channel_shift_range
        self.fill_mode = resample.check_mode("fill_mode", fill_mode)
        validation.check_real("cval", cval)
        self.cval = cval
        self.horizontal_flip = validation.check_bool("horizontal_flip", horizontal_flip)
        self.vertical_flip = validation.check_bool("vertical_flip", vertical_flip)
        if rescale is not None:
            validation.check_real("rescale", rescale)
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError(f"`preprocessing_function` must be callable or None, got {preprocessing_function!r}.")
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype
        self.interpolation_order = resample.check_order("interpolation_order", interpolation_order)
        self.keras_quirks = validation.check_bool("keras_quirks", keras_quirks)
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split:
            validation.check_real("validation_split", validation_split)
            if not 0 < validation_split < 1:
                raise ValueError(
                    f"`validation_split` must be strictly between 0 and 1 (or 0 for no split). "
                    f"Received: {validation_split}"
                )
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None

        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                    "`featurewise_center`.",
                    stacklevel=2,
                )
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening` which overrides setting of "
                    "`featurewise_std_normalization`.",
                    stacklevel=2,
                )
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                "setting of `featurewise_center`.",
                stacklevel=2,
            )
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                "setting of `samplewise_center`.",
                stacklevel=2,
            )
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError(
                    "`brightness_range should be tuple or list of two floats (e.g. [0.8, 1.2]). "
                    f"Received: {brightness_range!r}"
                )
            validation.check_pair("brightness_range", brightness_range)
        self.brightness_range = brightness_range

    # -- iterators ---------------------------------------------------------------

    def flow(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=True,
        sample_weight=None,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        ignore_class_split=False,
        subset=None,
    ):
        """Batches of augmented data from arrays: a :class:`NumpyArrayIterator` (Keras's ``flow``)."""
        from jaxaug._src.iterators import NumpyArrayIterator

        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            ignore_class_split=ignore_class_split,
            subset=subset,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        *,
        on_error="raise",
    ):
        """Batches from a directory with one subdirectory per class (Keras's ``flow_from_directory``).

        Beyond Keras: ``on_error="skip"`` drops files that fail to decode at batch
        time (the batch is then shorter; labels stay aligned; see
        ``DirectoryIterator.skipped_files``).
        """
        from jaxaug._src.iterators import DirectoryIterator

        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            keep_aspect_ratio=keep_aspect_ratio,
            dtype=self.dtype,
            on_error=on_error,
        )

    def flow_from_dataframe(
        self,
        dataframe,
        directory=None,
        x_col="filename",
        y_col="class",
        weight_col=None,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        interpolation="nearest",
        validate_filenames=True,
        **kwargs,
    ):
        """Batches from a pandas DataFrame of file paths (Keras's ``flow_from_dataframe``).

        Needs pandas (``pip install "jaxaug[dataframe]"``). ``on_error`` may be passed
        as a keyword, as for :meth:`flow_from_directory`.
        """
        from jaxaug._src.iterators import DataFrameIterator, _require_pandas

        _require_pandas()
        on_error = kwargs.pop("on_error", "raise")
        for key in ("has_ext", "sort", "drop_duplicates"):
            if key in kwargs:
                warnings.warn(
                    f"{key} is deprecated and will be removed; it has no effect.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs.pop(key)
        if kwargs:
            raise TypeError(f"flow_from_dataframe() got unexpected keyword arguments: {sorted(kwargs)}")
        if class_mode == "other":
            warnings.warn('`class_mode="other"` is deprecated, please use `class_mode="raw"`.', stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(
            dataframe,
            directory,
            self,
            x_col=x_col,
            y_col=y_col,
            weight_col=weight_col,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            subset=subset,
            interpolation=interpolation,
            validate_filenames=validate_filenames,
            dtype=self.dtype,
            on_error=on_error,
        )

    # -- normalisation -----------------------------------------------------------

    def _standardize_is_noop(self) -> bool:
        return (
            not (
                self.preprocessing_function
                or self.rescale
                or self.samplewise_center
                or self.samplewise_std_normalization
                or self.featurewise_center
                or self.featurewise_std_normalization
                or self.zca_whitening
            )
            and type(self).standardize is ImageDataGenerator.standardize
        )

    def standardize(self, x):
        """Applies the normalisation steps to ``x`` (one image or a batch), in place where possible.

        Order: ``preprocessing_function``, ``rescale``, samplewise centre/std (over all
        elements of ``x``), featurewise centre/std and ZCA (from :meth:`fit`; warns and
        skips a step that was not fit). Equivalent to Keras's ``standardize``.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn(_not_fit("featurewise_center"), stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn(_not_fit("featurewise_std_normalization"), stacklevel=2)
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, math.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                warnings.warn(_not_fit("zca_whitening"), stacklevel=2)
        return x

    # -- random transforms -------------------------------------------------------

    def get_random_transform(self, img_shape, seed=None):
        """Draws one image's parameters from the global numpy RNG in Keras's order.

        Args:
            img_shape: the shape of one image (no batch axis), in this generator's
                data format.
            seed: if given, ``np.random.seed(seed)`` first (the GLOBAL state, as Keras).

        Returns:
            A dict with keys ``theta, tx, ty, shear, zx, zy, flip_horizontal,
            flip_vertical, channel_shift_intensity, brightness``. ``tx`` comes from
            ``height_shift_range`` (scaled by the height) and ``ty`` from
            ``width_shift_range`` (scaled by the width), exactly as in Keras.
        """
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _draw_shift(self.height_shift_range, img_shape[row_axis]) if self.height_shift_range else 0
        ty = _draw_shift(self.width_shift_range, img_shape[col_axis]) if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift_intensity,
            "brightness": brightness,
        }

    def _to_hwc(self, x):
        return np.moveaxis(x, -3, -1) if self.data_format == "channels_first" else x

    def _from_hwc(self, x):
        return np.moveaxis(x, -1, -3) if self.data_format == "channels_first" else x

    def transform_batch(self, images, params: Sequence[dict], *, pad_to: int = 0) -> list[np.ndarray]:
        """Applies per-image parameter dicts to a batch: one JAX resample, then colour.

        Args:
            images: ``(B, ...)`` numpy batch in this generator's data format.
            params: ``B`` dicts from :meth:`get_random_transform`.
            pad_to: fixed batch size for the jitted call (no retrace on short batches).

        Returns:
            A list of ``B`` transformed images (numpy), each exactly what
            :meth:`apply_transform` gives for that image and dict (up to float32
            rounding of the resample).
        """
        images = np.asarray(images)
        hwc = self._to_hwc(images)
        n, height, width = hwc.shape[0], hwc.shape[1], hwc.shape[2]
        affine = np.array([not _is_identity_affine(p) for p in params], bool)
        outs: list[np.ndarray] = [None] * n  # type: ignore[list-item]
        if affine.any():
            mats = keras_matrices(
                [p.get("theta", 0) for p in params],
                [p.get("tx", 0) for p in params],
                [p.get("ty", 0) for p in params],
                [p.get("shear", 0) for p in params],
                [p.get("zx", 1) for p in params],
                [p.get("zy", 1) for p in params],
                height,
                width,
                keras_quirks=self.keras_quirks,
                flip_horizontal=[bool(p.get("flip_horizontal", False)) for p in params],
                flip_vertical=[bool(p.get("flip_vertical", False)) for p in params],
            )
            mats[~affine] = np.eye(3)
            warped = warp_batch(
                hwc, mats, order=self.interpolation_order, mode=self.fill_mode, cval=self.cval, pad_to=pad_to
            )
        for i, p in enumerate(params):
            x = warped[i] if affine[i] else hwc[i]
            if p.get("channel_shift_intensity") is not None:
                x = _channel_shift(x, p["channel_shift_intensity"])
            if not affine[i]:
                if p.get("flip_horizontal", False):
                    x = x[:, ::-1]
                if p.get("flip_vertical", False):
                    x = x[::-1]
            if p.get("brightness") is not None:
                x = _brightness_hwc(x, p["brightness"], False, snap=bool(affine[i]))
            outs[i] = self._from_hwc(x)
        return outs

    def apply_transform(self, x, transform_parameters):
        """Applies a parameter dict to one image (Keras's ``apply_transform``).

        Order: affine (rotation, shift, shear, zoom; skipped, returning ``x`` itself,
        when all are identity), channel shift, horizontal flip, vertical flip,
        brightness. Missing keys take their identity values.
        """
        x_arr = np.asarray(x)
        if x_arr.ndim != 3:
            raise ValueError(f"`x` must be a single 3-D image, got shape {x_arr.shape}.")
        p = transform_parameters
        if (
            _is_identity_affine(p)
            and p.get("channel_shift_intensity") is None
            and not p.get("flip_horizontal", False)
            and not p.get("flip_vertical", False)
            and p.get("brightness") is None
        ):
            return x
        return self.transform_batch(x_arr[None], [p])[0]

    def random_transform(self, x, seed=None):
        """``apply_transform(x, get_random_transform(x.shape, seed))``."""
        params = self.get_random_transform(np.shape(x), seed)
        return self.apply_transform(x, params)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes featurewise mean/std and the ZCA matrix from a rank-4 array (Keras's ``fit``).

        ``rescale`` is applied first; ``augment=True`` fits on ``rounds`` randomly
        transformed copies. ZCA: ``W = U diag(sqrt(n) / (s + zca_epsilon)) U^T`` from the
        thin SVD of the centred data (``d x d`` floats, d = H * W * C).

        Raises:
            ValueError: ``x`` is not rank 4.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(
                f'Expected input to be images (as Numpy array) following the data format convention "'
                f'{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 or 4 '
                f"channels on axis {self.channel_axis}. However, it was passed an array with shape {x.shape} "
                f"({x.shape[self.channel_axis]} channels).",
                stacklevel=2,
            )
        rounds = validation.check_int("rounds", rounds, minimum=1)
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                params = [self.get_random_transform(x.shape[1:]) for _ in range(x.shape[0])]
                ax[r * x.shape[0] : (r + 1) * x.shape[0]] = np.stack(
                    [np.asarray(o) for o in self.transform_batch(x, params)]
                )
            x = ax
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, self.row_axis, self.col_axis))
            shape = [1, 1, 1]
            shape[self.channel_axis - 1] = x.shape[self.channel_axis]
            self.mean = np.reshape(self.mean, shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, self.row_axis, self.col_axis))
            shape = [1, 1, 1]
            shape[self.channel_axis - 1] = x.shape[self.channel_axis]
            self.std = np.reshape(self.std, shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat_x = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv) @ u.T


def _not_fit(step: str) -> str:
    return (
        f"This ImageDataGenerator specifies `{step}`, but it hasn't been fit on any training data. "
        "Fit it first by calling `.fit(numpy_data)`."
    )
