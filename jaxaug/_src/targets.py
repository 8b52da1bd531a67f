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
import numpy as np
from jax.typing import ArrayLike

from jaxaug._src import augment as augment_lib
from jaxaug._src import engine, fastpath, geometry, sampling, validation
from jaxaug._src import masks as masks_lib


class Augmented(NamedTuple):
    """What :func:`augment_with_targets` returns; fields are None when not requested.

    Attributes:
        images: the augmented images, exactly ``augment``'s output.
        masks: masks warped with the same matrix at order 0 (labels are moved, never blended).
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
    zero = det * 0.0  # computed from det: batched (and sharded) like it under vmap
    one = zero + 1.0
    return jnp.stack([jnp.stack([ia, ib, t0]), jnp.stack([ic, id_, t1]), jnp.stack([zero, zero, one])])


def transform_points(points: ArrayLike, matrix: ArrayLike) -> jax.Array:
    """Moves ``(N, 2)`` ``(x, y)`` points the way a warp by ``matrix`` moves pixels.

    ``matrix`` is what ``affine_transform`` / ``perspective_transform`` take (output to
    input, affine or projective): points go through its inverse, with the homogeneous
    divide.

    Examples:
        >>> import jaxaug
        >>> m = jaxaug.translation_matrix(2.0, 3.0)  # content moves down 2, right 3
        >>> jaxaug.transform_points([[1.5, 0.5]], m).tolist()
        [[4.5, 2.5]]
    """
    points = jnp.asarray(points)
    if points.ndim != 2 or points.shape[-1] != 2:
        raise ValueError(f"`points` must have shape (N, 2) of (x, y), got {points.shape}.")
    return geometry.transform_points(points, matrix)


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
    erased_mask_fill: int | None = None,
    min_box_area: float = 1.0,
    example_ids: ArrayLike | None = None,
) -> Augmented:
    """Augments images and moves their masks, keypoints and boxes with the same draw.

    The images are exactly ``augment(key, images, config, example_ids=...)``. One
    engine call draws each example's parameters once and returns its matrix with the
    pixels; every target moves with that matrix, so a segmentation mask needs no
    second generator with the same seed.

    Args:
        key: a ``jax.random.key``.
        images: ``(B, H, W, C)``.
        config: the ``AugmentConfig``.
        masks: optional ``(B, H, W)`` or ``(B, H, W, K)`` label maps (any dtype), warped at
            order 0 so labels are never blended; colour ops never touch them.
        keypoints: optional ``(B, N, 2)`` ``(x, y)`` points.
        boxes: optional ``(B, M, 4)`` ``(x_min, y_min, x_max, y_max)`` boxes.
        mask_fill: label for mask pixels whose image pixel is made by the fill mode (an
            "ignore" value; it must fit the masks' dtype); None follows the image's
            ``fill_mode`` and ``cval`` instead (e.g. reflected labels). See
            ``jaxaug._src.masks`` for the exact rule.
        erased_mask_fill: optional label (an "ignore" value that fits the masks' dtype)
            for the mask pixels inside the rectangle that random erasing
            (``erasing_probability``) erased in their image: the same rectangle, from
            the same draw. None (default) leaves the labels under an erased rectangle
            as they are.
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
    augment_lib._check_config(config)
    images = augment_lib.as_images("images", images)
    if images.ndim != 4:
        raise ValueError(f"`images` must have rank 4 (B, H, W, C), got shape {images.shape}.")
    augment_lib.check_images("images", images, ranks=(4,))
    batch, height, width = images.shape[:3]
    validation.check_real("min_box_area", min_box_area, minimum=0.0)
    ids = jnp.arange(batch, dtype=jnp.uint32) if example_ids is None else jnp.asarray(example_ids)
    if ids.shape != (batch,):
        raise ValueError(f"`example_ids` must have shape ({batch},), got {ids.shape}.")
    if masks is not None:
        masks = masks_lib.check_masks(masks, batch, height, width)
        mask_fill = masks_lib.check_mask_fill(mask_fill, masks.dtype)
        erased_mask_fill = masks_lib.check_mask_fill(erased_mask_fill, masks.dtype, "erased_mask_fill")
    if boxes is not None and "elastic" in config.ops:
        raise ValueError(
            "`boxes` cannot follow an elastic warp (a box's edges bend: its bounding box is not defined by its "
            "corners); move box corners as `keypoints` instead, or switch elastic_alpha off."
        )
    token = fastpath.key_token(key)
    out = engine.run(augment_lib.example_keys(key, ids), images, config, token=token, dtype=images.dtype)
    matrices = out.matrices
    plan = engine.plan_of(config)
    out_h, out_w = plan.output_shape or (height, width)

    result = {"images": out.images}
    if masks is not None:
        u, v = engine.coordinate_maps(out, plan, images.shape[1:])
        warped = masks_lib.warp(masks, u, v, fill_mode=config.fill_mode, cval=config.cval, mask_fill=mask_fill)
        if erased_mask_fill is not None and "erasing" in config.ops:
            erased = engine.erased_region(out.params, out_h, out_w)
            label = np.asarray(erased_mask_fill).astype(warped.dtype)  # validated to fit exactly
            warped = jnp.where(erased if warped.ndim == 4 else erased[..., 0], label, warped)
        result["masks"] = warped
    if keypoints is not None:
        keypoints = jnp.asarray(keypoints)
        if keypoints.ndim != 3 or keypoints.shape[0] != batch or keypoints.shape[-1] != 2:
            raise ValueError(f"`keypoints` must have shape ({batch}, N, 2), got {keypoints.shape}.")
        moved = jax.vmap(transform_points)(keypoints, matrices)
        if "elastic" in config.ops:
            # Output pixel o reads the input at M(o) + d(o): a point q lands at o with M(o) = q - d(o).
            # One fixed-point step from o0 = M^-1(q) (exact for a constant field, sub-pixel for smooth ones).
            d = jax.vmap(geometry.sample_field_at)(out.params.elastic, moved)
            corrected = keypoints - d[..., ::-1].astype(keypoints.dtype)  # field is (d_row, d_col); points (x, y)
            moved = jax.vmap(transform_points)(corrected, matrices)
        result["keypoints"] = moved
        result["keypoints_visible"] = (
            (moved[..., 0] >= 0) & (moved[..., 0] <= out_w) & (moved[..., 1] >= 0) & (moved[..., 1] <= out_h)
        )
    if boxes is not None:
        boxes = jnp.asarray(boxes)
        if boxes.ndim != 3 or boxes.shape[0] != batch or boxes.shape[-1] != 4:
            raise ValueError(f"`boxes` must have shape ({batch}, M, 4), got {boxes.shape}.")
        fn = functools.partial(transform_boxes, image_shape=(out_h, out_w), min_box_area=min_box_area)
        result["boxes"], result["boxes_valid"] = jax.vmap(fn)(boxes, matrices)
    return Augmented(**result)
