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
* Keras's draws are mapped onto the engine's params (:func:`keras_params`: the quirks
  are part of that mapping), and ONE jitted engine call per batch builds the matrices
  with the core builders, resamples (flips folded into the matrix) and applies the
  channel shift (one offset for all channels, clipped to the image's min/max: the
  same float32 arithmetic as Keras). Boundary modes follow ``scipy.ndimage`` exactly
  (scipy's ``constant`` hard cut and ``wrap`` period), spline orders 2-5 included.
* Brightness (PIL's 8-bit path, written out as arithmetic) runs in numpy with Keras's
  arithmetic, after the engine call, in Keras's order.

How a batch is made fast without changing a value (``ImageDataGenerator.augment_batch``):

* ``draw_batch`` draws the whole batch's parameters with ONE ``random_sample`` call
  that consumes the global stream exactly as Keras's per-image ``get_random_transform``
  calls do, bit for bit (shift ranges drawn with ``np.random.choice`` and overridden
  ``get_random_transform`` methods fall back to the per-image calls).
* The jitted warp takes the batch in its own layout and dtype: channels-first batches
  are transposed on the device, decoded ``uint8`` files travel as ``uint8`` and become
  floats on the device (exact), and the result comes back in one copy that is the
  batch itself: with no colour step and a no-op ``standardize`` there is no per-image
  Python at all.
* Opt-in paired masks (``flow(x, masks=...)``, ``flow_from_directory(...,
  mask_directory=...)``) are warped in the same step with the same matrices at order
  0, never colour-shifted or standardized, dtype kept.

Known, documented differences from Keras:

* Coordinates are computed in float32 on the accelerator where scipy uses float64.
  Values agree to float32 tolerance; with ``fill_mode="constant"`` a pixel whose
  source coordinate lies within ~1e-5 px of the image border can come out as
  ``cval`` on one side and as the edge value on the other (scipy cuts hard at the
  border, so a 1e-16 rounding difference flips it). With ``interpolation_order=0`` a
  source coordinate within ~1e-5 of a half-integer can round to the other neighbour.
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

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxaug._src import engine, resample, transport, validation
from jaxaug._src.sampling import AugmentParams

_SUBSETS = ("training", "validation")
_GEOMETRY_DEFAULTS = (("theta", 0.0), ("tx", 0.0), ("ty", 0.0), ("shear", 0.0), ("zx", 1.0), ("zy", 1.0))
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
# Keras's draws as engine params: the quirks are part of this mapping, not a second algebra.
# ----------------------------------------------------------------------------------


def keras_params(
    params: dict, height: int, width: int, channels: int, *, keras_quirks: bool = True
) -> tuple[AugmentParams, tuple[float, float] | None]:
    """Maps a :meth:`ImageDataGenerator.draw_batch` dict onto the engine's ``AugmentParams``.

    The engine then builds each matrix with the core builders (``params_to_matrix``)
    inside the jitted batch call. In those terms Keras's closed form is::

        compose(offset_matrix(compose(rotation_matrix(t), translation_matrix(-ty, -tx),
                                      shear_matrix(s), zoom_matrix(zy, zx)), *pivot),
                center_matrix(flip_matrix(flip_horizontal, flip_vertical), (H, W)))

    With ``keras_quirks=True`` (exact parity) ``tx`` (drawn from
    ``height_shift_range``) moves columns and ``ty`` rows, and the pivot is Keras's
    ``(row=(W-1)/2, col=(H-1)/2)``, off-centre on non-square images. With
    ``keras_quirks=False`` ``tx`` moves rows, ``ty`` columns, and the pivot is the true
    centre. Keras's channel shift (one offset for all channels) becomes ``C`` equal
    offsets (0 where none was drawn).

    Returns:
        ``(params, pivot)``: float32/bool numpy params with leading dim B, and the
        ``(row, col)`` pivot (None: the true centre).
    """
    tx = np.asarray(params["tx"], np.float64)
    ty = np.asarray(params["ty"], np.float64)
    if not keras_quirks:
        tx, ty = ty, tx
    n = len(tx)
    shift = np.zeros((n, channels), np.float32)
    intensity = params.get("channel_shift_intensity")
    if intensity is not None:
        shift[:] = np.asarray([0.0 if v is None else v for v in intensity], np.float64).astype(np.float32)[:, None]

    def f32(x):
        return np.asarray(x, np.float64).astype(np.float32).reshape(n)

    out = AugmentParams(
        theta=f32(np.deg2rad(np.asarray(params["theta"], np.float64))),
        dy=f32(-ty),
        dx=f32(-tx),
        shear=f32(np.deg2rad(np.asarray(params["shear"], np.float64))),
        zy=f32(params["zy"]),
        zx=f32(params["zx"]),
        flip_horizontal=np.asarray(params["flip_horizontal"], bool).reshape(n),
        flip_vertical=np.asarray(params["flip_vertical"], bool).reshape(n),
        channel_shift=shift,
        brightness=np.ones(n, np.float32),
    )
    pivot = ((width - 1) / 2, (height - 1) / 2) if keras_quirks else None
    return out, pivot


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

    ``snap`` (resampled images) first rounds values within 1e-4 of an integer to it,
    BEFORE the [0, 255] range test: float32 interpolation noise (``255.00002`` where
    scipy's float64 result rounds to ``255.0``) must neither change an 8-bit level nor
    switch on the min-max rescaling.
    """
    if snap:
        x = np.asarray(x)
        r = np.rint(x)
        x = np.where(np.abs(x - r) <= 1e-4, r, x).astype(x.dtype)
    x_min, x_max = np.min(x), np.max(x)
    local = bool(x_min < 0 or x_max > 255)
    v = np.asarray(x, dtype=_floatx())
    if v.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {v.shape}")
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
        order: spline order 0-5 (scipy's, prefilter on).

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
    draw = {"theta": [theta], "tx": [tx], "ty": [ty], "shear": [shear], "zx": [zx], "zy": [zy]}
    draw.update(flip_horizontal=[False], flip_vertical=[False])
    # With col_axis < row_axis Keras applies its (x, y) matrix unswapped to an array
    # whose first spatial axis is x: that is the swapped matrix on the (row, col) view.
    hwc = np.moveaxis(x, (row_axis, col_axis, channel_axis), (0, 1, 2))
    params, pivot = keras_params(draw, height, width, hwc.shape[-1])
    plan = engine.Plan("affine", order, fill_mode)
    out, _ = transport.device_batch(hwc[None], params, plan, cval=cval, pivot=pivot)
    return np.moveaxis(out[0], (0, 1, 2), (row_axis, col_axis, channel_axis))


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


def _uniform_shift(value) -> bool:
    """Whether a shift range is drawn with ``np.random.uniform`` (see :func:`_draw_shift`)."""
    return not value or isinstance(value, numbers.Integral) and value <= 0 or isinstance(value, float | np.floating)


def _stack_params(params: Sequence[dict]) -> dict[str, Any]:
    """Per-image parameter dicts as the arrays of :meth:`ImageDataGenerator.draw_batch`."""
    n = len(params)

    def column(key, default):
        return np.array([p.get(key, default) for p in params], dtype=np.float64).reshape(n)

    out = {key: column(key, default) for key, default in _GEOMETRY_DEFAULTS}
    for key in ("flip_horizontal", "flip_vertical"):
        out[key] = np.array([bool(p.get(key, False)) for p in params], dtype=bool).reshape(n)
    for key in ("channel_shift_intensity", "brightness"):
        values = [p.get(key) for p in params]
        out[key] = None if all(v is None for v in values) else values
    return out


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are the same memory with the same layout (assigning one to the other is a no-op)."""
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


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
        interpolation_order: 0 (nearest), 1 (bilinear) or a scipy spline order 2-5.
        dtype: dtype of the batches (default: Keras's floatx, else float32).
        keras_quirks: keep Keras's geometry quirks (default ``True``, exact parity).
            ``False``: ``height_shift_range`` moves rows by up to ``h * H`` pixels,
            ``width_shift_range`` columns by up to ``w * W``, and rotation, shear and
            zoom pivot about the true centre. The random draws are identical.

    Raises:
        ValueError / TypeError: invalid parameters, at
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
        *,
        masks=None,
        mask_fill=None,
    ):
        """Batches of augmented data from arrays: a :class:`NumpyArrayIterator` (Keras's ``flow``).

        Beyond Keras (opt-in; without ``masks`` the batches are Keras's): ``masks``
        are label maps paired with ``x`` -- ``(N, H, W)`` or ``(N, H, W, K)``
        (``(N, K, H, W)`` for channels-first), integer or float -- warped with the SAME
        matrix as their image at order 0 (nearest neighbour: labels are never blended),
        untouched by colour steps and ``standardize``, dtype kept. Batches are then
        ``(x, masks)``, or ``(x, (y, masks))`` when ``y`` is given, plus
        ``sample_weight`` as a third element if given, so ``model.fit`` trains a
        segmentation model directly. This replaces the two-generators-with-one-seed
        trick.

        Args:
            masks: optional paired label maps (see above).
            mask_fill: None (default): masks use the generator's ``fill_mode`` and
                ``cval``. A number: mask pixels whose source lies outside the image get
                this value (e.g. an ignore index such as 255); it must fit the masks'
                dtype.

        Examples:
            >>> import numpy as np
            >>> from jaxaug.preprocessing.image import ImageDataGenerator
            >>> x = np.zeros((4, 8, 8, 3), "float32"); masks = np.zeros((4, 8, 8), "uint8")
            >>> it = ImageDataGenerator(rotation_range=30).flow(x, masks=masks, mask_fill=255, batch_size=2)
            >>> images, labels = it[0]
            >>> images.shape, labels.shape, labels.dtype
            ((2, 8, 8, 3), (2, 8, 8), dtype('uint8'))
        """
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
            masks=masks,
            mask_fill=mask_fill,
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
        mask_directory=None,
        mask_color_mode="grayscale",
        mask_fill=None,
    ):
        """Batches from a directory with one subdirectory per class (Keras's ``flow_from_directory``).

        Beyond Keras: ``on_error="skip"`` drops files that fail to decode at batch
        time (the batch is then shorter; labels stay aligned; see
        ``DirectoryIterator.skipped_files``). ``mask_directory`` pairs every image
        with the mask file of the same relative path and stem there (e.g.
        ``masks/cats/1.png`` for ``images/cats/1.jpg``), warped like its image at order
        0 and yielded as ``(x, masks)`` (``class_mode=None``) or ``(x, (y, masks))``;
        see :class:`DirectoryIterator`.
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
            mask_directory=mask_directory,
            mask_color_mode=mask_color_mode,
            mask_fill=mask_fill,
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

    def draw_batch(self, n: int, img_shape) -> dict[str, Any]:
        """Draws ``n`` images' parameters at once, exactly as ``n`` :meth:`get_random_transform` calls.

        The global numpy RNG is consumed exactly as Keras's per-image calls consume it,
        and the values are bit-identical: ``np.random.uniform(low, high)`` is ``low +
        (high - low) * random_sample()`` in float64 with one double per draw, so one
        ``random_sample(n * k)`` call reproduces the interleaved stream. Shift ranges
        drawn with ``np.random.choice`` (int or list ranges) and subclasses that
        override :meth:`get_random_transform` fall back to one call per image.

        Args:
            n: number of images.
            img_shape: the shape of one image, in this generator's data format.

        Returns:
            A dict with the keys of :meth:`get_random_transform`: ``(n,)`` float64 arrays
            for the geometry, ``(n,)`` bool arrays for the flips, and for
            ``channel_shift_intensity`` / ``brightness`` either None (not drawn) or a
            length-``n`` sequence.
        """
        n = validation.check_int("n", n, minimum=0)
        if type(self).get_random_transform is not ImageDataGenerator.get_random_transform or not (
            _uniform_shift(self.height_shift_range) and _uniform_shift(self.width_shift_range)
        ):
            return _stack_params([self.get_random_transform(img_shape) for _ in range(n)])
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        # (key, low, high) of each draw of ONE image, in get_random_transform's order.
        draws = []
        if self.rotation_range:
            draws.append(("theta", -self.rotation_range, self.rotation_range))
        if self.height_shift_range:
            draws.append(("tx", -self.height_shift_range, self.height_shift_range))
        if self.width_shift_range:
            draws.append(("ty", -self.width_shift_range, self.width_shift_range))
        if self.shear_range:
            draws.append(("shear", -self.shear_range, self.shear_range))
        if not (self.zoom_range[0] == 1 and self.zoom_range[1] == 1):
            draws += [("zx", *self.zoom_range), ("zy", *self.zoom_range)]
        draws += [("flip_horizontal", 0.0, 1.0), ("flip_vertical", 0.0, 1.0)]  # always drawn, as in Keras
        if self.channel_shift_range != 0:
            draws.append(("channel_shift_intensity", -self.channel_shift_range, self.channel_shift_range))
        if self.brightness_range is not None:
            draws.append(("brightness", *self.brightness_range))
        u = np.random.random_sample(n * len(draws)).reshape(n, len(draws))
        drawn = {}
        for k, (key, low, high) in enumerate(draws):
            low, high = float(low), float(high)
            drawn[key] = low + (high - low) * u[:, k]
        zeros = np.zeros(n)
        params = {
            "theta": drawn.get("theta", zeros),
            "tx": drawn.get("tx", zeros),
            "ty": drawn.get("ty", zeros),
            "shear": drawn.get("shear", zeros),
            "zx": drawn.get("zx", zeros + 1),
            "zy": drawn.get("zy", zeros + 1),
            "flip_horizontal": (drawn["flip_horizontal"] < 0.5) & self.horizontal_flip,
            "flip_vertical": (drawn["flip_vertical"] < 0.5) & self.vertical_flip,
            "channel_shift_intensity": drawn.get("channel_shift_intensity"),
            "brightness": drawn.get("brightness"),
        }
        if "tx" in drawn and np.max(self.height_shift_range) < 1:
            params["tx"] = params["tx"] * img_shape[row_axis]
        if "ty" in drawn and np.max(self.width_shift_range) < 1:
            params["ty"] = params["ty"] * img_shape[col_axis]
        return params

    def _transform(self, batch, p, *, dtype, pad_to=0, masks=None, mask_fill=None):
        """Geometry and channel shift of a whole batch (and its masks): ONE engine call.

        Keras's draws ``p`` are mapped onto the engine's params (:func:`keras_params`);
        the engine builds the matrices, resamples once (flips folded in: a flip or an
        identity resamples to exactly the input values) and applies the channel shift,
        all inside one jitted call.

        Returns:
            ``(x, affine, masks)``: ``x`` the batch in ``dtype`` after geometry and channel
            shift (``batch`` itself when nothing moves or shifts), ``affine`` a ``(B,)``
            bool array of images with a non-identity affine part (Keras skips the warp
            for the others, which matters for the brightness step), and the warped masks.
        """
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        height, width = batch.shape[1 + row_axis], batch.shape[1 + col_axis]
        channels = batch.shape[self.channel_axis]
        affine = ~(
            (p["theta"] == 0) & (p["tx"] == 0) & (p["ty"] == 0) & (p["shear"] == 0) & (p["zx"] == 1) & (p["zy"] == 1)
        )
        flips = p["flip_horizontal"].any() or p["flip_vertical"].any()
        geometry = "affine" if affine.any() else "flips" if flips else "none"
        shift = p["channel_shift_intensity"] is not None
        if geometry == "none" and not shift and masks is None:
            return batch, affine, None
        params, pivot = keras_params(p, height, width, channels, keras_quirks=self.keras_quirks)
        plan = engine.Plan(geometry, self.interpolation_order, self.fill_mode, channel_shift=shift)
        x, masks = transport.device_batch(
            batch,
            params,
            plan,
            cval=self.cval,
            pivot=pivot,
            pad_to=pad_to,
            dtype=dtype,
            channels_first=self.data_format == "channels_first",
            masks=masks,
            mask_fill=mask_fill,
        )
        return x, affine, masks

    def _brightness(self, xi, brightness, affine: bool):
        """Keras's PIL 8-bit brightness step on one image (after geometry and channel shift).

        Channels are read along this generator's channel axis. Keras reads them along
        the GLOBAL data format's axis instead; where that is the only view PIL accepts
        (1, 3 or 4 channels; e.g. ``fit(x, augment=True)`` on ``(N, 10, 10, 3)`` with a
        channels_first generator), Keras's view is used, as Keras does, instead of failing.
        """
        if brightness is None:
            return xi
        hwc = self._to_hwc(xi)
        if hwc.shape[-1] not in (1, 3, 4):
            keras_last = _image_data_format() == "channels_last"
            keras_hwc = xi if keras_last else np.moveaxis(xi, 0, -1)
            if keras_hwc.shape[-1] in (1, 3, 4):
                out = _brightness_hwc(keras_hwc, brightness, False, snap=affine)
                return out if keras_last else np.moveaxis(out, -1, 0)
        return self._from_hwc(_brightness_hwc(hwc, brightness, False, snap=affine))

    def _colour(self, x, batch, p, affine, dtype, i):
        """Image ``i`` after :meth:`_transform`, with Keras's brightness step."""
        xi = x[i] if x is not batch else batch[i].astype(dtype, copy=False)
        br = p["brightness"]
        return self._brightness(xi, None if br is None else br[i], bool(affine[i]))

    def transform_batch(self, images, params: Sequence[dict], *, pad_to: int = 0) -> list[np.ndarray]:
        """Applies per-image parameter dicts to a batch: one engine call, then brightness.

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
        p = _stack_params(params)
        x, affine, _ = self._transform(images, p, dtype=images.dtype, pad_to=pad_to)
        return [self._colour(x, images, p, affine, images.dtype, i) for i in range(len(images))]

    def augment_batch(self, batch, *, dtype=None, work_dtype=None, pad_to=0, masks=None, mask_fill=None):
        """Random transform + :meth:`standardize` of a whole batch, as Keras's iterators do per image.

        Draws every image's parameters (:meth:`draw_batch`, Keras's order), runs the
        geometry and channel shift of the batch in one engine call, then brightness and
        :meth:`standardize` image by image only where they are switched on; with none
        of them the batch from the engine is returned as is (no per-image Python at all).

        Args:
            batch: ``(B, ...)`` numpy batch in this generator's data format, or
                :class:`~jaxaug._src.transport.Rows` of a dataset (its rows are gathered
                inside the jitted call).
            dtype: dtype of the result (default: ``work_dtype``).
            work_dtype: the dtype the images have in Keras before the transform (default
                ``batch.dtype``). A decoded ``uint8`` batch with ``work_dtype="float32"``
                gives exactly what the ``float32`` batch would give; it is converted on
                the device, after the transfer.
            pad_to: fixed batch size for the jitted call (no retrace on short batches).
            masks: optional ``(B, H, W)`` or ``(B, H, W, K)`` (``(B, K, H, W)`` for
                channels-first) label maps, warped with the same matrices at order 0;
                no colour step or standardize touches them; their dtype is kept.
            mask_fill: None: masks use the generator's ``fill_mode`` and ``cval``; a
                number: the ignore label of ``jaxaug._src.masks`` (mask pixels whose
                image pixel is made by the fill mode).

        Returns:
            ``(images, masks)``: a new ``dtype`` array shaped like ``batch``, and the
            warped masks (None without masks).
        """
        if not isinstance(batch, transport.Rows):
            batch = np.asarray(batch)
        work = np.dtype(batch.dtype if work_dtype is None else work_dtype)
        out_dtype = np.dtype(work if dtype is None else dtype)
        p = self.draw_batch(len(batch), batch.shape[1:])
        x, affine, masks = self._transform(batch, p, dtype=work, pad_to=pad_to, masks=masks, mask_fill=mask_fill)
        noop = self._standardize_is_noop()
        moved = x is not batch
        if moved and work == out_dtype and noop and p["brightness"] is None:
            return x, masks
        out = x if (moved and work == out_dtype) else np.empty(batch.shape, out_dtype)
        for i in range(len(batch)):
            xi = self._colour(x, batch, p, affine, work, i)
            if not noop:
                xi = self.standardize(xi)
            if not (out is x and _same_view(xi, out[i])):
                out[i] = xi
        return out, masks

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
            n = x.shape[0]
            for r in range(rounds):
                p = self.draw_batch(n, x.shape[1:])
                moved, affine, _ = self._transform(x, p, dtype=x.dtype)
                for i in range(n):
                    ax[r * n + i] = self._colour(moved, x, p, affine, x.dtype, i)
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
