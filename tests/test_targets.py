"""Masks, keypoints and boxes move with their image: checked against the warped pixels themselves."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxaug

CONFIG = jaxaug.AugmentConfig(
    rotation_range=40,
    width_shift_range=0.1,
    height_shift_range=0.1,
    shear_range=10,
    zoom_range=0.2,
    horizontal_flip=True,
    vertical_flip=True,
    interpolation_order=0,
    fill_mode="constant",
)


def test_masks_stay_aligned_with_their_image(rng):
    masks = rng.integers(0, 5, size=(6, 20, 24)).astype(np.int32)
    images = np.repeat((masks * 50).astype(np.uint8)[..., None], 3, axis=-1)  # image = f(mask)
    out = jaxaug.augment_with_targets(jax.random.key(0), images, CONFIG, masks=masks, mask_fill=0)
    np.testing.assert_array_equal(out.images, jaxaug.augment(jax.random.key(0), images, CONFIG))
    inside = np.asarray(out.images[..., 0]) != 0
    np.testing.assert_array_equal(np.asarray(out.masks)[inside] * 50, np.asarray(out.images[..., 0])[inside])
    assert out.masks.dtype == masks.dtype and set(np.unique(out.masks)) <= set(range(5))


def test_mask_fill_marks_pixels_from_outside():
    masks = np.ones((1, 10, 10), np.int32)
    config = jaxaug.AugmentConfig(width_shift_range=3.0, height_shift_range=3.0, rotation_range=30)
    out = jaxaug.augment_with_targets(
        jax.random.key(3), np.zeros((1, 10, 10, 1), np.float32), config, masks=masks, mask_fill=255
    )
    values = set(np.unique(out.masks).tolist())
    assert values == {1, 255}
    follow = jaxaug.augment_with_targets(
        jax.random.key(3), np.zeros((1, 10, 10, 1), np.float32), config, masks=masks, mask_fill=None
    )
    assert set(np.unique(follow.masks).tolist()) == {1}  # 'nearest' extends the labels instead


def test_keypoints_follow_a_bright_pixel(rng):
    images = np.zeros((8, 31, 37, 1), np.float32)
    rows, cols = rng.integers(12, 19, 8), rng.integers(12, 25, 8)
    images[np.arange(8), rows, cols] = 1.0
    points = np.stack([cols + 0.5, rows + 0.5], -1)[:, None, :].astype(np.float32)
    config = jaxaug.AugmentConfig(rotation_range=90, zoom_range=(0.9, 1.0), horizontal_flip=True, fill_mode="constant")
    out = jaxaug.augment_with_targets(jax.random.key(1), images, config, keypoints=points)
    for i in range(8):
        r, c = np.unravel_index(np.argmax(out.images[i, ..., 0]), images.shape[1:3])
        x, y = np.asarray(out.keypoints[i, 0])
        assert abs(x - (c + 0.5)) <= 1.0 and abs(y - (r + 0.5)) <= 1.0
    assert np.asarray(out.keypoints_visible).all()


def test_points_round_trip_through_the_inverse(rng):
    points = rng.uniform(0, 30, size=(10, 2)).astype(np.float32)
    m = jaxaug.random_affine_matrix(
        jax.random.key(0), (30, 30), jaxaug.AugmentConfig(rotation_range=60, zoom_range=0.3)
    )
    back = jaxaug.transform_points(jaxaug.transform_points(points, m), jaxaug.invert_matrix(m))
    np.testing.assert_allclose(back, points, atol=1e-3)


def test_box_still_encloses_a_rotated_rectangle():
    images = np.zeros((4, 40, 40, 1), np.float32)
    images[:, 12:25, 10:31] = 1.0  # rows 12..24, cols 10..30
    boxes = np.tile(np.array([[10.0, 12.0, 31.0, 25.0]], np.float32), (4, 1, 1))
    config = jaxaug.AugmentConfig(rotation_range=45, shear_range=10, fill_mode="constant")
    out = jaxaug.augment_with_targets(jax.random.key(2), images, config, boxes=boxes)
    for i in range(4):
        rs, cs = np.nonzero(np.asarray(out.images[i, ..., 0]) > 0.5)
        x0, y0, x1, y1 = np.asarray(out.boxes[i, 0])
        assert x0 - 0.5 <= cs.min() + 0.5 and cs.max() + 0.5 <= x1 + 0.5
        assert y0 - 0.5 <= rs.min() + 0.5 and rs.max() + 0.5 <= y1 + 0.5
    assert np.asarray(out.boxes_valid).all()


def test_boxes_and_points_leaving_the_image_are_flagged():
    config = jaxaug.AugmentConfig(width_shift_range=30.0)
    boxes = np.array([[[0.0, 0.0, 4.0, 4.0]]] * 16, np.float32)
    points = np.array([[[1.0, 1.0]]] * 16, np.float32)
    out = jaxaug.augment_with_targets(
        jax.random.key(0),
        np.zeros((16, 20, 20, 1), np.float32),
        config,
        boxes=boxes,
        keypoints=points,
        min_box_area=2.0,
    )
    assert not np.asarray(out.boxes_valid).all() and np.asarray(out.boxes_valid).any()
    assert not np.asarray(out.keypoints_visible).all()
    b = np.asarray(out.boxes)
    assert (b >= 0).all() and (b <= 20).all()


def test_bad_target_shapes_are_rejected():
    images = jnp.zeros((2, 8, 8, 3))
    with pytest.raises(ValueError, match=r"`masks` must have shape \(2, 8, 8\[, K\]\)"):
        jaxaug.augment_with_targets(jax.random.key(0), images, CONFIG, masks=jnp.zeros((2, 8, 9)))
    with pytest.raises(ValueError, match=r"`keypoints` must have shape \(2, N, 2\)"):
        jaxaug.augment_with_targets(jax.random.key(0), images, CONFIG, keypoints=jnp.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r"`boxes` must have shape \(2, M, 4\)"):
        jaxaug.augment_with_targets(jax.random.key(0), images, CONFIG, boxes=jnp.zeros((2, 4)))
