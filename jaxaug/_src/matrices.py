"""Pure 3x3 affine matrix builders.

Conventions used everywhere in jaxaug:

* Matrices are homogeneous 3x3 and act on ``(row, col, 1)`` pixel *indices*.
* A matrix maps an OUTPUT index to the INPUT location it samples from, exactly like
  ``scipy.ndimage.affine_transform``. Builders are named after what the content does
  on screen (row 0 at the top), so ``rotation_matrix(a)`` makes the content turn
  counter-clockwise by ``a`` radians.
* Rotation, shear, zoom and flips are built about the origin; :func:`center_matrix`
  moves the pivot to the true image centre ``((H - 1) / 2, (W - 1) / 2)``.
* Products are written as explicit multiply-adds (:func:`matmul3`): no TF32, and the
  same rounding in sharded and unsharded programs.

No function here draws random numbers or touches pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp
from jax.typing import ArrayLike


def _dtype(*xs: ArrayLike) -> jnp.dtype:
    # Not result_type(*xs, float32): under strict dtype promotion float64 + float32 raises.
    # Coordinates never go below float32 (a bfloat16 angle still gives a float32 matrix).
    dtype = jnp.result_type(*xs)
    if not jnp.issubdtype(dtype, jnp.floating) or jnp.dtype(dtype).itemsize < 4:
        return jnp.dtype(jnp.float32)
    return dtype


def _matrix(rows: Sequence[Sequence[ArrayLike]], dtype) -> jnp.ndarray:
    return jnp.stack([jnp.stack([jnp.asarray(v, dtype) for v in row]) for row in rows])


def identity_matrix(dtype=jnp.float32) -> jnp.ndarray:
    """Returns the 3x3 identity (no transform).

    Examples:
        >>> import jaxaug
        >>> jaxaug.identity_matrix().shape
        (3, 3)
    """
    return jnp.eye(3, dtype=dtype)


def matmul3(a: ArrayLike, b: ArrayLike) -> jnp.ndarray:
    """Multiplies two 3x3 matrices with explicit multiply-adds.

    Equal to ``a @ b`` at full float32 precision on every backend, with the same
    rounding whether or not the program is sharded.
    """
    a = jnp.asarray(a)
    b = jnp.asarray(b)
    rows = []
    for i in range(3):
        rows.append([a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j] for j in range(3)])
    return jnp.stack([jnp.stack(r) for r in rows])


def compose(*matrices: ArrayLike) -> jnp.ndarray:
    """Composes output-to-input matrices; the first one is applied to the content first.

    Because each matrix maps output indices to input locations, applying ``a`` and then
    ``b`` to the content is the plain product ``a @ b``.

    Args:
        *matrices: one or more ``(3, 3)`` matrices.

    Returns:
        The ``(3, 3)`` product.

    Examples:
        >>> import numpy as np, jaxaug
        >>> a = jaxaug.rotation_matrix(0.3)
        >>> np.allclose(jaxaug.compose(a, jaxaug.rotation_matrix(-0.3)), np.eye(3), atol=1e-6)
        True
    """
    if not matrices:
        raise ValueError("compose() needs at least one matrix.")
    out = jnp.asarray(matrices[0])
    for m in matrices[1:]:
        out = matmul3(out, m)
    return out


def rotation_matrix(angle: ArrayLike) -> jnp.ndarray:
    """Rotates the content counter-clockwise by ``angle`` radians about the origin.

    Examples:
        >>> import numpy as np, jaxaug
        >>> np.round(jaxaug.rotation_matrix(np.pi / 2), 6) + 0.0  # + 0.0 turns -0.0 into 0.0
        Array([[ 0.,  1.,  0.],
               [-1.,  0.,  0.],
               [ 0.,  0.,  1.]], dtype=float32)
    """
    dtype = _dtype(angle)
    c, s = jnp.cos(jnp.asarray(angle, dtype)), jnp.sin(jnp.asarray(angle, dtype))
    return _matrix([[c, s, 0], [-s, c, 0], [0, 0, 1]], dtype)


def translation_matrix(dy: ArrayLike, dx: ArrayLike) -> jnp.ndarray:
    """Moves the content down by ``dy`` rows and right by ``dx`` columns (pixels).

    Examples:
        >>> import jaxaug
        >>> jaxaug.translation_matrix(2.0, -3.0)[:2, 2].tolist()
        [-2.0, 3.0]
    """
    dtype = _dtype(dy, dx)
    return _matrix([[1, 0, -jnp.asarray(dy, dtype)], [0, 1, -jnp.asarray(dx, dtype)], [0, 0, 1]], dtype)


def shear_matrix(angle: ArrayLike) -> jnp.ndarray:
    """Shears by ``angle`` radians (Keras's definition) about the origin.

    Rows below the origin move right and rows above move left by ``tan(angle)`` per
    row, and the image stretches vertically by ``1 / cos(angle)``.
    """
    dtype = _dtype(angle)
    c, s = jnp.cos(jnp.asarray(angle, dtype)), jnp.sin(jnp.asarray(angle, dtype))
    return _matrix([[c, 0, 0], [-s, 1, 0], [0, 0, 1]], dtype)


def zoom_matrix(zy: ArrayLike, zx: ArrayLike) -> jnp.ndarray:
    """Scales sampling coordinates by ``zy`` (rows) and ``zx`` (columns) about the origin.

    Keras's convention: a factor above 1 zooms OUT (content shrinks), below 1 zooms in.
    """
    dtype = _dtype(zy, zx)
    return _matrix([[zy, 0, 0], [0, zx, 0], [0, 0, 1]], dtype)


def flip_matrix(horizontal: ArrayLike = False, vertical: ArrayLike = False) -> jnp.ndarray:
    """Mirrors about the origin: ``horizontal`` reverses columns, ``vertical`` rows.

    Both may be traced booleans, so a random flip stays inside one matrix.
    """
    h = jnp.where(jnp.asarray(horizontal), -1.0, 1.0).astype(jnp.float32)
    v = jnp.where(jnp.asarray(vertical), -1.0, 1.0).astype(jnp.float32)
    return _matrix([[v, 0, 0], [0, h, 0], [0, 0, 1]], jnp.float32)


def center_matrix(matrix: ArrayLike, image_shape: Sequence[int]) -> jnp.ndarray:
    """Moves the pivot of ``matrix`` from the origin to the image centre.

    Returns ``T(c) @ matrix @ T(-c)`` with ``c = ((H - 1) / 2, (W - 1) / 2)``, so a
    rotation built about the origin turns the image about its true centre.

    Args:
        matrix: a ``(3, 3)`` output-to-input matrix built about the origin.
        image_shape: ``(H, W, ...)``; only the first two entries are used.

    Examples:
        >>> import numpy as np, jaxaug
        >>> m = jaxaug.center_matrix(jaxaug.flip_matrix(horizontal=True), (4, 6))
        >>> m.tolist()
        [[1.0, 0.0, 0.0], [0.0, -1.0, 5.0], [0.0, 0.0, 1.0]]
    """
    if len(image_shape) < 2:
        raise ValueError(f"image_shape must have at least 2 entries (H, W), got {image_shape!r}.")
    return offset_matrix(matrix, (image_shape[0] - 1) / 2, (image_shape[1] - 1) / 2)


def offset_matrix(matrix: ArrayLike, row: ArrayLike, col: ArrayLike) -> jnp.ndarray:
    """Moves the pivot of ``matrix`` from the origin to ``(row, col)``: ``T(p) M T(-p)``.

    Written out in closed form (no matrix product): the linear part is unchanged and
    the offset becomes ``p + t - A p``.
    """
    m = jnp.asarray(matrix)
    dtype = _dtype(m)
    m = m.astype(dtype)
    row = jnp.asarray(row, dtype)
    col = jnp.asarray(col, dtype)
    t0 = row + m[0, 2] - (m[0, 0] * row + m[0, 1] * col)
    t1 = col + m[1, 2] - (m[1, 0] * row + m[1, 1] * col)
    return _matrix([[m[0, 0], m[0, 1], t0], [m[1, 0], m[1, 1], t1], [m[2, 0], m[2, 1], m[2, 2]]], dtype)
