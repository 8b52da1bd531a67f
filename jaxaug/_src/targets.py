"""Aligned targets: masks, keypoints and boxes moved by the SAME matrix as their image.

Point convention (the one detection and keypoint libraries use): continuous ``(x, y)``
image coordinates where the image covers ``[0, W] x [0, H]`` and pixel ``(row, col)``
has its centre at ``(col + 0.5, row + 0.5)``. Boxes are ``(x_min, y_min, x_max, y_max)``
in the same coordinates (Pascal VOC style, in pixels).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxaug._src import augment as augment_lib
from jaxaug._src import resample, sampling, validation


class Augmented(NamedTuple):
    """What :func:`augment_with_targets` returns; fields are None when not requested.

    Attributes:
        images: the augmented images, exactly ``augment``'s output.
        masks: masks warped with the same matrix at order 0 (labels are never blended).
        keypoints: ``(B, N, 2)`` moved ``(x, y)`` points.
        keypoints_visible: ``(B, N)`` bool, True where the moved point lies inside the image.
        boxes: ``(B, M, 4)`` boxes: the bounding box of the 4 moved corners, clipped to the image.
        boxes_valid: ``(B, M)`` bool, False where the clipped box has less than ``min_box_area``.
    """

    images: jax.Array
    masks: jax.Array | None = None
    keypoints: jax.Array | None = None
    keypoints_visible: jax.Array | None = None
    boxes: jax.Array | None = None
    boxes_valid: jax.Array | None = None


def invert_matrix(matrix: ArrayLike) -> jax.Array:
    """Inverts an affine ``(3, 3)`` matrix in closed form (multiply-adds, no LAPACK).

    If ``matrix`` maps output indices to input locations (what ``affine_transform``
    takes), its inverse maps input locations to where they land in the output.

    Examples:
        >>> import numpy as np, jaxaug
        >>> m = jaxaug.compose(jaxaug.rotation_matrix(0.4), jaxaug.translation_matrix(2.0, -1.0))
        >>> np.allclose(jaxaug.compose(m, jaxaug.invert_matrix(m)), np.eye(3), atol=1e-6)
        True
    """
    m = jnp.asarray(matrix)
    a, b, c, d = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    t0 = -(ia * m[0, 2] + ib * m[1, 2])
    t1 = -(ic * m[0, 2] + id_ * m[1, 2])
    zero, one = jnp.zeros_like(det), jnp.ones_like(det)
    return jnp.stack([jnp.stack([ia, ib, t0]), jnp.stack([ic, id_, t1]), jnp.stack([zero, zero, one])])


def transform_points(points: ArrayLike, matrix: ArrayLike) -> jax.Array:
    """Moves ``(N, 2)`` ``(x, y)`` points the way ``affine_transform(image, matrix)`` moves pixels."""
    points = jnp.asarray(points)
    if points.ndim != 2 or points.shape[-1] != 2:
        raise ValueError(f"`points` must have shape (N, 2) of (x, y), got {points.shape}.")
    inv = invert_matrix(matrix)
    row = points[:, 1].astype(inv.dtype) - 0.5  # continuous (x, y) -> (row, col) index space
    col = points[:, 0].astype(inv.dtype) - 0.5
    new_row = inv[0, 0] * row + inv[0, 1] * col + inv[0, 2]
    new_col = inv[1, 0] * row + inv[1, 1] * col + inv[1, 2]
    return jnp.stack([new_col + 0.5, new_row + 0.5], axis=-1).astype(points.dtype)


def transform_boxes(boxes: ArrayLike, matrix: ArrayLike, image_shape, *, min_box_area: float = 1.0):
    """Moves ``(M, 4)`` boxes: bounding box of the moved corners, clipped to the image.

    Returns:
        ``(boxes, valid)``: the moved boxes and a bool mask, False where the clipped
        area is below ``min_box_area`` (pixels squared).
    """
    boxes = jnp.asarray(boxes)
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"`boxes` must have shape (M, 4) of (x_min, y_min, x_max, y_max), got {boxes.shape}.")
    height, width = image_shape[0], image_shape[1]
    x0, y0, x1, y1 = (boxes[:, i] for i in range(4))
    corners = jnp.stack(
        [jnp.stack([x0, y0], -1), jnp.stack([x1, y0], -1), jnp.stack([x0, y1], -1), jnp.stack([x1, y1], -1)], 1
    )
    moved = transform_points(corners.reshape(-1, 2), matrix).reshape(-1, 4, 2)
    lo = jnp.clip(moved.min(axis=1), 0, jnp.asarray([width, height], moved.dtype))
    hi = jnp.clip(moved.max(axis=1), 0, jnp.asarray([width, height], moved.dtype))
    out = jnp.concatenate([lo, hi], axis=-1)
    area = (hi[:, 0] - lo[:, 0]) * (hi[:, 1] - lo[:, 1])
    return out.astype(boxes.dtype), area >= min_box_area


def augment_with_targets(
    key: jax.Array,
    images: ArrayLike,
    config: sampling.AugmentConfig,
    *,
    masks: ArrayLike | None = None,
    keypoints: ArrayLike | None = None,
    boxes: ArrayLike | None = None,
    mask_fill: int | None = 0,
    min_box_area: float = 1.0,
    example_ids: ArrayLike | None = None,
) -> Augmented:
    """Augments images and moves their masks, keypoints and boxes with the same matrices.

    The images are exactly ``augment(key, images, config, example_ids=...)``; each
    target uses its image's matrix, so a segmentation mask needs no second generator
    with the same seed.

    Args:
        key: a ``jax.random.key``.
        images: ``(B, H, W, C)``.
        config: the ``AugmentConfig``.
        masks: optional ``(B, H, W)`` or ``(B, H, W, K)`` label maps (any dtype), warped at
            order 0 so labels are never blended; colour ops never touch them.
        keypoints: optional ``(B, N, 2)`` ``(x, y)`` points.
        boxes: optional ``(B, M, 4)`` ``(x_min, y_min, x_max, y_max)`` boxes.
        mask_fill: label for mask pixels that come from outside the image (an "ignore"
            value); None follows the image's ``fill_mode`` instead (e.g. reflected labels).
        min_box_area: boxes whose clipped area is below this are flagged invalid.
        example_ids: optional ``(B,)`` global example ids (see ``augment``).

    Returns:
        An :class:`Augmented` tuple.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> config = jaxaug.AugmentConfig(rotation_range=30, horizontal_flip=True)
        >>> out = jaxaug.augment_with_targets(
        ...     jax.random.key(0), jnp.zeros((2, 16, 16, 3)), config,
        ...     masks=jnp.zeros((2, 16, 16), jnp.int32), boxes=jnp.array([[[2.0, 2.0, 9.0, 12.0]]] * 2))
        >>> out.masks.shape, out.boxes.shape, out.boxes_valid.shape
        ((2, 16, 16), (2, 1, 4), (2, 1))
    """
    images = jnp.asarray(images)
    out_images = augment_lib.augment(key, images, config, example_ids=example_ids)
    batch, height, width = images.shape[:3]
    if mask_fill is not None:
        validation.check_int("mask_fill", mask_fill)
    validation.check_real("min_box_area", min_box_area, minimum=0.0)
    ids = jnp.arange(batch, dtype=jnp.uint32) if example_ids is None else jnp.asarray(example_ids)
    keys = augment_lib.example_keys(key, ids)
    shape = (height, width, images.shape[3])
    matrices = jax.vmap(lambda k: sampling.params_to_matrix(sampling.sample_params(k, shape, config), shape))(keys)

    result = {"images": out_images}
    if masks is not None:
        masks = jnp.asarray(masks)
        if masks.shape[:3] != (batch, height, width) or masks.ndim not in (3, 4):
            raise ValueError(f"`masks` must have shape ({batch}, {height}, {width}[, K]), got {masks.shape}.")
        x = masks if masks.ndim == 4 else masks[..., None]
        mode, cval = (config.fill_mode, 0) if mask_fill is None else ("grid-constant", mask_fill)
        warp = functools.partial(resample.resample_float, order=0, mode=mode, cval=cval)
        warped = resample.cast_like(jax.vmap(warp)(x, matrices), masks.dtype)
        result["masks"] = warped if masks.ndim == 4 else warped[..., 0]
    if keypoints is not None:
        keypoints = jnp.asarray(keypoints)
        if keypoints.ndim != 3 or keypoints.shape[0] != batch or keypoints.shape[-1] != 2:
            raise ValueError(f"`keypoints` must have shape ({batch}, N, 2), got {keypoints.shape}.")
        moved = jax.vmap(transform_points)(keypoints, matrices)
        result["keypoints"] = moved
        result["keypoints_visible"] = (
            (moved[..., 0] >= 0) & (moved[..., 0] <= width) & (moved[..., 1] >= 0) & (moved[..., 1] <= height)
        )
    if boxes is not None:
        boxes = jnp.asarray(boxes)
        if boxes.ndim != 3 or boxes.shape[0] != batch or boxes.shape[-1] != 4:
            raise ValueError(f"`boxes` must have shape ({batch}, M, 4), got {boxes.shape}.")
        fn = functools.partial(transform_boxes, image_shape=shape, min_box_area=min_box_area)
        result["boxes"], result["boxes_valid"] = jax.vmap(fn)(boxes, matrices)
    return Augmented(**result)
