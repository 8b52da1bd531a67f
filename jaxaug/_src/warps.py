"""Crops, resizes and perspective warps: pure functions on one image.

Every warp here is a map from OUTPUT pixel indices to INPUT locations, sampled by the
scipy-exact resampler of :mod:`jaxaug._src.resample` (orders 0-5, the eight scipy
modes); only :func:`center_crop` is plain slicing. Each takes one ``(H, W)`` or
``(H, W, C)`` image of any real dtype and returns the same dtype (integers rounded
half away from zero, or moved untouched at order 0). For a batch, ``jax.vmap``.

Conventions: pixel ``(row, col)`` has its centre at integer indices; crops and resizes
map output pixel CENTRES to input pixel centres (the "half-pixel" convention of
``jax.image.resize``, PIL and OpenCV), so resizing a constant image keeps it constant
and a 2x upscale samples the input at ``-0.25, 0.25, 0.75, ...``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxaug._src import geometry, matrices, resample, validation


def _check_size(name: str, size: Sequence[int]) -> tuple[int, int]:
    if isinstance(size, (str, bytes)) or not isinstance(size, Sequence) or len(size) != 2:
        raise TypeError(f"`{name}` must be a pair of ints (height, width), got {size!r}.")
    return (
        validation.check_int(f"{name}[0]", size[0], minimum=1),
        validation.check_int(f"{name}[1]", size[1], minimum=1),
    )


def _check_image(image: ArrayLike) -> jax.Array:
    image = jnp.asarray(image)
    resample.check_image("image", image)
    if 0 in image.shape:
        raise ValueError(f"`image` must be non-empty, got shape {image.shape}.")
    return image


def _check_sampling(order: int, mode: str) -> None:
    resample.check_order("order", order)
    resample.check_mode("mode", mode)


def _check_positive_if_static(name: str, value: ArrayLike) -> None:
    """Static Python numbers are checked now; traced values are the caller's business."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        validation.check_real(name, value, minimum=0.0, min_inclusive=False)


def resized_crop(
    image: ArrayLike,
    top: ArrayLike,
    left: ArrayLike,
    height: ArrayLike,
    width: ArrayLike,
    size: Sequence[int],
    *,
    order: int = 1,
    mode: str = "nearest",
    cval: float = 0.0,
) -> jax.Array:
    """Crops the box ``(top, left, height, width)`` and resizes it to ``size``, in one resample.

    The box is in input pixel units and may be fractional, partly or wholly outside
    the image (``mode`` fills the outside), and traced: only ``size`` must be static.
    Output pixel ``(r, c)`` samples the input at::

        row = top - 0.5 + (r + 0.5) * height / size[0]
        col = left - 0.5 + (c + 0.5) * width / size[1]

    so output pixel centres sit on the box's pixel grid scaled by ``height / size[0]``.
    Equal to ``scipy.ndimage.affine_transform(image[..., k], M, output_shape=size,
    order=order, mode=mode, cval=cval)`` per channel for that diagonal ``M``. No
    antialiasing: a box much larger than ``size`` aliases (see :func:`resize`).

    Args:
        image: ``(H, W)`` or ``(H, W, C)``, any real dtype.
        top, left: the box's top-left corner (row, col), in pixels; floats or traced.
        height, width: the box's size in pixels, > 0; floats or traced.
        size: static ``(height, width)`` of the output, ints >= 1.
        order: spline order 0-5 (1 = bilinear).
        mode: scipy boundary mode for samples outside the image.
        cval: fill value of ``constant`` / ``grid-constant``.

    Returns:
        ``(size[0], size[1])`` or ``(size[0], size[1], C)`` in ``image.dtype``.

    Raises:
        ValueError / TypeError: bad ``size``, ``order``, ``mode``, image rank or dtype,
            or a static ``height``/``width`` <= 0.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> image = jnp.arange(16.0).reshape(4, 4)
        >>> jaxaug.resized_crop(image, 1, 1, 2, 2, (2, 2)).tolist()  # an exact crop
        [[5.0, 6.0], [9.0, 10.0]]
        >>> boxes = jnp.array([[0.0, 0.0, 4.0, 4.0], [1.0, 0.5, 2.0, 3.0]])  # a batch: vmap
        >>> crop = lambda b: jaxaug.resized_crop(image, b[0], b[1], b[2], b[3], (3, 3))
        >>> jax.vmap(crop)(boxes).shape
        (2, 3, 3)
    """
    _check_sampling(order, mode)
    size = _check_size("size", size)
    image = _check_image(image)
    _check_positive_if_static("height", height)
    _check_positive_if_static("width", width)
    dtype = resample.compute_dtype(image.dtype)
    scale_r = jnp.asarray(height, dtype) / size[0]
    scale_c = jnp.asarray(width, dtype) / size[1]
    offset_r = jnp.asarray(top, dtype) - 0.5 + 0.5 * scale_r
    offset_c = jnp.asarray(left, dtype) - 0.5 + 0.5 * scale_c
    u = scale_r * jnp.arange(size[0], dtype=dtype)[:, None] + offset_r
    v = scale_c * jnp.arange(size[1], dtype=dtype)[None, :] + offset_c
    u, v = jnp.broadcast_to(u, size), jnp.broadcast_to(v, size)
    return resample.resample_image(image, u, v, order, mode, cval)


def center_crop(image: ArrayLike, size: Sequence[int]) -> jax.Array:
    """Cuts the central ``size`` window out of an image (exact slicing, no resample).

    The window starts at ``((H - size[0]) // 2, (W - size[1]) // 2)``: when the margin
    is odd, the extra row goes to the bottom and the extra column to the right (as in
    Keras's ``CenterCrop``).

    Args:
        image: ``(H, W)`` or ``(H, W, C)``, any dtype.
        size: static ``(height, width)``, each >= 1 and no larger than the image.

    Returns:
        ``image[top:top + size[0], left:left + size[1]]``.

    Raises:
        ValueError / TypeError: bad ``size`` (including larger than the image) or rank.

    Examples:
        >>> import jax.numpy as jnp, jaxaug
        >>> jaxaug.center_crop(jnp.arange(20).reshape(4, 5), (2, 2)).tolist()
        [[6, 7], [11, 12]]
    """
    size = _check_size("size", size)
    image = _check_image(image)
    height, width = image.shape[:2]
    if size[0] > height or size[1] > width:
        raise ValueError(f"`size` {size} must fit inside the image, got image shape {image.shape}.")
    top, left = (height - size[0]) // 2, (width - size[1]) // 2
    return image[top : top + size[0], left : left + size[1]]


def resize(image: ArrayLike, size: Sequence[int], *, order: int = 1, antialias: bool = False) -> jax.Array:
    """Resizes an image to ``size``: output pixel centres map to input pixel centres.

    The :func:`resized_crop` of the whole image with ``mode="nearest"`` (edge
    samples repeat where a centre lands within half an output pixel of the border):
    ``row = -0.5 + (r + 0.5) * H / size[0]``. By default there is NO antialiasing:
    downscaling by more than ~2x samples a sparse grid and aliases. With
    ``antialias=True`` the image goes through ``jax.image.resize(...,
    method="linear", antialias=True)`` instead: a triangle filter widened by the
    scale when downsampling (identical to the default for upsampling); only
    ``order=1`` is allowed then.

    Args:
        image: ``(H, W)`` or ``(H, W, C)``, any real dtype.
        size: static ``(height, width)`` of the output, ints >= 1.
        order: spline order 0-5 (1 = bilinear).
        antialias: low-pass filter when downsampling (``jax.image.resize`` linear).

    Returns:
        The resized image in ``image.dtype``.

    Raises:
        ValueError / TypeError: bad ``size``, ``order``, ``antialias`` or image, or
            ``antialias=True`` with ``order != 1``.

    Examples:
        >>> import jax.numpy as jnp, numpy as np, jaxaug
        >>> jaxaug.resize(jnp.array([[0.0, 4.0]]), (1, 4)).tolist()
        [[0.0, 1.0, 3.0, 4.0]]
        >>> row = jnp.array([[0.0, 8.0, 8.0, 8.0] * 2])  # mean 6; a 4x downscale skips the zeros
        >>> jaxaug.resize(row, (1, 2)).tolist()
        [[8.0, 8.0]]
        >>> np.round(np.asarray(jaxaug.resize(row, (1, 2), antialias=True), np.float64), 2).tolist()
        [[5.71, 6.57]]
    """
    antialias = validation.check_bool("antialias", antialias)
    resample.check_order("order", order)
    if antialias and order != 1:
        raise ValueError(f"`antialias=True` resizes with jax.image.resize 'linear' and needs `order`=1, got {order!r}.")
    size = _check_size("size", size)
    image = _check_image(image)
    height, width = image.shape[:2]
    if not antialias:
        return resized_crop(image, 0.0, 0.0, float(height), float(width), size, order=order, mode="nearest")
    x = image.astype(resample.compute_dtype(image.dtype))
    out = jax.image.resize(x, size + image.shape[2:], method="linear", antialias=True)
    return resample.cast_like(out, image.dtype)


def perspective_transform(
    image: ArrayLike,
    homography: ArrayLike,
    *,
    order: int = 1,
    mode: str = "nearest",
    cval: float = 0.0,
) -> jax.Array:
    """Warps an image by a 3x3 homography that maps OUTPUT ``(row, col, 1)`` to INPUT.

    Output pixel ``(r, c)`` samples the input at ``(p0 / p2, p1 / p2)`` where
    ``p = homography @ (r, c, 1)`` (written as explicit multiply-adds), with the
    order and mode of ``scipy.ndimage.map_coordinates``. An affine homography (bottom
    row ``0, 0, 1``) equals :func:`jaxaug.affine_transform`. Build one from four point
    pairs with :func:`homography_matrix`. Where ``p2`` is 0 on the output grid
    (the horizon of a strong perspective) the sample is undefined.

    Args:
        image: ``(H, W)`` or ``(H, W, C)``, any real dtype.
        homography: ``(3, 3)`` output-to-input matrix (may be traced).
        order: spline order 0-5.
        mode: scipy boundary mode.
        cval: fill value of ``constant`` / ``grid-constant``.

    Returns:
        The warped image, same shape and dtype.

    Raises:
        ValueError / TypeError: bad homography shape, ``order``, ``mode`` or image.

    Examples:
        >>> import jax, jax.numpy as jnp, numpy as np, jaxaug
        >>> image = jnp.arange(9.0).reshape(3, 3)
        >>> jaxaug.perspective_transform(image, np.eye(3)).tolist() == image.tolist()
        True
        >>> hs = jnp.stack([jnp.eye(3), jnp.eye(3).at[0, 2].set(1.0)])  # a batch: vmap
        >>> jax.vmap(lambda h: jaxaug.perspective_transform(image, h))(hs)[1, 0].tolist()
        [3.0, 4.0, 5.0]
    """
    _check_sampling(order, mode)
    image = _check_image(image)
    h = jnp.asarray(homography)
    if h.shape != (3, 3):
        raise ValueError(f"`homography` must have shape (3, 3), got {h.shape}.")
    u, v = geometry.map_coordinates(h, image.shape[:2], projective=True, dtype=resample.compute_dtype(image.dtype))
    return resample.resample_image(image, u, v, order, mode, cval)


def _normalizer(points: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Centre and scale that bring 4 points to mean 0 and RMS distance sqrt(2) (Hartley)."""
    center = points.mean(axis=0)
    spread = jnp.sqrt(jnp.mean(jnp.sum((points - center) ** 2, axis=1)))
    return center, math.sqrt(2.0) / jnp.maximum(spread, jnp.finfo(points.dtype).tiny)


def _scale_shift(scale: jax.Array, shift_r: jax.Array, shift_c: jax.Array) -> jax.Array:
    """``[[scale, 0, shift_r], [0, scale, shift_c], [0, 0, 1]]``."""
    zero = scale * 0.0  # computed from scale: batched (and sharded) like it under vmap
    one = zero + 1.0
    return jnp.stack(
        [jnp.stack([scale, zero, shift_r]), jnp.stack([zero, scale, shift_c]), jnp.stack([zero, zero, one])]
    )


def homography_matrix(src_points: ArrayLike, dst_points: ArrayLike) -> jax.Array:
    """The homography that moves the content at ``src_points`` to ``dst_points``.

    Points are four ``(x, y)`` pairs in pixel-index coordinates (``x`` = column,
    ``y`` = row), like OpenCV's ``getPerspectiveTransform``. The result follows
    jaxaug's convention, an OUTPUT-to-INPUT ``(row, col)`` matrix: it maps each
    ``dst`` point to its ``src`` point, so ``perspective_transform(image,
    homography_matrix(src, dst))`` shows the pixel at ``src[k]`` at ``dst[k]``.

    The 8 unknowns (``H[2, 2] = 1``) solve an 8x8 linear system built from
    Hartley-normalised points (centred, RMS distance sqrt(2)), which keeps float32
    accurate for image-sized coordinates; it works under ``jit`` and ``vmap``. Four
    points that are an affine image of each other give an affine matrix (bottom row
    ``0, 0, 1`` up to rounding). Three collinear points make the system singular
    (NaN/inf entries).

    Args:
        src_points: ``(4, 2)`` ``(x, y)`` locations in the input image.
        dst_points: ``(4, 2)`` ``(x, y)`` locations they move to.

    Returns:
        ``(3, 3)`` float32 (float64 if the points are float64) with ``H[2, 2] = 1``.

    Raises:
        ValueError: points not of shape ``(4, 2)``.

    Examples:
        >>> import numpy as np, jaxaug
        >>> src = [(0, 0), (9, 0), (9, 9), (0, 9)]
        >>> dst = [(1, 2), (10, 2), (10, 11), (1, 11)]  # everything moves 1 right, 2 down
        >>> np.round(jaxaug.homography_matrix(src, dst), 4) + 0.0
        Array([[ 1.,  0., -2.],
               [ 0.,  1., -1.],
               [ 0.,  0.,  1.]], dtype=float32)
    """
    src = jnp.asarray(src_points)
    dst = jnp.asarray(dst_points)
    for name, p in (("src_points", src), ("dst_points", dst)):
        if p.shape != (4, 2):
            raise ValueError(f"`{name}` must have shape (4, 2) (four (x, y) points), got {p.shape}.")
    dtype = jnp.float64 if jnp.float64 in (src.dtype, dst.dtype) else jnp.float32
    # (x, y) -> (row, col); the matrix maps dst (output) to src (input).
    out_pts = dst[:, ::-1].astype(dtype)
    in_pts = src[:, ::-1].astype(dtype)
    out_c, out_s = _normalizer(out_pts)
    in_c, in_s = _normalizer(in_pts)
    a = (out_pts - out_c) * out_s  # normalised output (row, col)
    b = (in_pts - in_c) * in_s  # normalised input (row, col)
    zero, one = jnp.zeros(4, dtype), jnp.ones(4, dtype)
    r, c, x, y = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    rows_x = jnp.stack([r, c, one, zero, zero, zero, -r * x, -c * x], axis=1)
    rows_y = jnp.stack([zero, zero, zero, r, c, one, -r * y, -c * y], axis=1)
    system = jnp.concatenate([rows_x, rows_y], axis=0)
    h = jnp.linalg.solve(system, jnp.concatenate([x, y]))
    normalised = jnp.concatenate([h, jnp.ones(1, dtype)]).reshape(3, 3)
    # Undo the normalisations: H = N_in^-1 @ Hn @ N_out, with N(p) = s * (p - centre).
    n_out = _scale_shift(out_s, -out_s * out_c[0], -out_s * out_c[1])
    n_in_inv = _scale_shift(1 / in_s, in_c[0], in_c[1])
    full = matrices.matmul3(n_in_inv, matrices.matmul3(normalised, n_out))
    return (full / full[2, 2]).at[2, 2].set(1.0)  # x / x may round to 1 - ulp under XLA
