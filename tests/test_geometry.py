"""Geometry beyond the affine, through the one resample: output sizes, resized crops, perspective, elastic.

Oracles: ``scipy.ndimage.affine_transform`` / ``map_coordinates`` at the coordinates the
issue defines (computed here in float64 numpy from the drawn params), ``gaussian_filter``
for the elastic field, and exact integer images for masks.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
import scipy.ndimage

import jaxaug
from jaxaug._src import engine, sampling
from tests.helpers import assert_close, uniform_levels

SHAPE = (12, 14, 2)


@pytest.fixture(scope="module")
def batch():
    return np.random.default_rng(0).uniform(0, 1, (3,) + SHAPE).astype(np.float32)


def _draws(config, n=3, seed=5):
    keys = jaxaug.example_keys(jax.random.key(seed), np.arange(n))
    return jax.vmap(lambda k: jaxaug.sample_params(k, SHAPE, config))(keys)


def _crop_matrix(box, out):
    top, left, h, w = (float(v) for v in box)
    sr, sc = h / out[0], w / out[1]
    return np.array([[sr, 0, top - 0.5 + 0.5 * sr], [0, sc, left - 0.5 + 0.5 * sc], [0, 0, 1]])


def _scipy_map(image, u, v, order, mode, cval=0.0):
    return np.stack(
        [
            scipy.ndimage.map_coordinates(image[..., k].astype(np.float64), [u, v], order=order, mode=mode, cval=cval)
            for k in range(image.shape[-1])
        ],
        -1,
    )


def _grid(out):
    r, c = np.meshgrid(np.arange(out[0], dtype=np.float64), np.arange(out[1], dtype=np.float64), indexing="ij")
    return r, c


def test_output_size_is_a_resize_of_pixel_centres(batch):
    """The issue's formula: in_row = -0.5 + (out_row + 0.5) * H / H_out, every fill mode."""
    for mode in ("nearest", "reflect", "constant"):
        config = jaxaug.AugmentConfig(output_size=(7, 20), fill_mode=mode)
        out = np.asarray(jaxaug.augment(jax.random.key(0), batch, config))
        m = _crop_matrix((0, 0, SHAPE[0], SHAPE[1]), (7, 20))
        for i, image in enumerate(batch):
            want = np.stack(
                [
                    scipy.ndimage.affine_transform(image[..., k], m, output_shape=(7, 20), order=1, mode=mode)
                    for k in range(2)
                ],
                -1,
            )
            assert_close(out[i], want, dtype=np.float32)


@pytest.mark.parametrize("order", [1, 3])
def test_resized_crop_rotation_and_flip_are_one_resample(batch, order):
    config = jaxaug.AugmentConfig(
        crop_scale=(0.3, 1.0),
        output_size=(9, 9),
        rotation_range=25,
        horizontal_flip=True,
        fill_mode="reflect",
        interpolation_order=order,
    )
    out = np.asarray(jaxaug.augment(jax.random.key(5), batch, config))
    params = _draws(config)
    for i, image in enumerate(batch):
        p = jax.tree.map(lambda a, i=i: a[i], params)
        affine = np.asarray(sampling.params_to_matrix(p, (9, 9)), np.float64)
        m = _crop_matrix(np.asarray(p.crop_box), (9, 9)) @ affine
        want = np.stack(
            [
                scipy.ndimage.affine_transform(image[..., k], m, output_shape=(9, 9), order=order, mode="reflect")
                for k in range(2)
            ],
            -1,
        )
        assert_close(out[i], want, dtype=np.float32, atol=2e-5)


def test_crop_boxes_follow_the_inception_procedure():
    config = jaxaug.AugmentConfig(crop_scale=(0.08, 1.0), crop_ratio=(3 / 4, 4 / 3), output_size=(8, 8))
    keys = jax.random.split(jax.random.key(1), 2000)
    boxes = np.asarray(jax.jit(jax.vmap(lambda k: jaxaug.sample_params(k, (60, 90, 3), config).crop_box))(keys))
    top, left, h, w = boxes.T
    assert (top >= 0).all() and (left >= 0).all() and (top + h <= 60).all() and (left + w <= 90).all()
    assert np.array_equal(boxes, np.round(boxes))  # whole pixels, as torchvision
    area = h * w / (60 * 90)
    assert area.min() >= 0.08 * 0.8 and area.max() <= 1.0
    aspect = w / h
    assert aspect.min() > 0.75 * 0.85 and aspect.max() < 4 / 3 * 1.15  # rounding to whole pixels
    assert 0.25 < np.median(area) < 0.6  # U(0.08, 1) thinned by the boxes that do not fit
    # Centres spread over the image, not stuck at the centre crop.
    assert np.std(top + h / 2) > 5 and np.std(left + w / 2) > 8


def test_crop_that_never_fits_falls_back_to_the_clamped_centre_crop():
    config = jaxaug.AugmentConfig(crop_scale=(1.0, 1.0), crop_ratio=(2.0, 3.0), output_size=(4, 4))
    box = np.asarray(jaxaug.sample_params(jax.random.key(0), (30, 30), config).crop_box)
    # A square image whose aspect is below the range: full width, height = width / 2, centred.
    np.testing.assert_array_equal(box, [7.0, 0.0, 15.0, 30.0])


def test_perspective_is_one_homography_with_the_divide(batch):
    config = jaxaug.AugmentConfig(perspective_range=0.5, rotation_range=10, fill_mode="nearest")
    out = np.asarray(jaxaug.augment(jax.random.key(5), batch, config))
    mats = np.asarray(engine.geometry_matrices(_draws(config), SHAPE, plan=engine.plan_of(config)), np.float64)
    r, c = _grid(SHAPE)
    for i, image in enumerate(batch):
        h = mats[i]
        w = h[2, 0] * r + h[2, 1] * c + h[2, 2]
        u = (h[0, 0] * r + h[0, 1] * c + h[0, 2]) / w
        v = (h[1, 0] * r + h[1, 1] * c + h[1, 2]) / w
        assert abs(h[2, :2]).max() > 1e-4  # really projective
        assert_close(out[i], _scipy_map(image, u, v, 1, "nearest"), dtype=np.float32, atol=2e-5)


def test_perspective_moves_each_corner_by_at_most_the_range():
    config = jaxaug.AugmentConfig(perspective_range=0.3)
    keys = jax.random.split(jax.random.key(2), 300)
    hs = np.asarray(jax.vmap(lambda k: jaxaug.sample_params(k, (21, 31), config).perspective)(keys), np.float64)
    corners = np.array([[0, 0, 1], [0, 30, 1], [20, 30, 1], [20, 0, 1]], np.float64)  # (row, col, 1)
    # The matrix maps output to input: the image's corners land where its inverse sends them.
    dst = np.einsum("bij,kj->bki", np.linalg.inv(hs), corners)
    dst = dst[..., :2] / dst[..., 2:]
    inward = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1]], np.float64)
    assert (((dst - corners[None, :, :2]) * inward) >= -1e-3).all()  # every corner moves inward
    moved = np.abs(dst - corners[None, :, :2])
    assert moved[..., 0].max() <= 0.3 * 10 + 1e-3 and moved[..., 1].max() <= 0.3 * 15 + 1e-3
    assert moved[..., 0].max() > 0.25 * 10 and moved[..., 1].max() > 0.25 * 15


def test_elastic_adds_a_smoothed_random_field_before_the_resample(batch):
    config = jaxaug.AugmentConfig(elastic_alpha=4.0, elastic_sigma=2.0, fill_mode="reflect")
    out = np.asarray(jaxaug.augment(jax.random.key(5), batch, config))
    params = _draws(config)
    keys = jaxaug.example_keys(jax.random.key(5), np.arange(3))
    r, c = _grid(SHAPE)
    for i, image in enumerate(batch):
        noise = uniform_levels(sampling.stream(keys[i], "elastic"), SHAPE[:2] + (2,), -1.0, 1.0)
        field = 4.0 * np.stack(
            [scipy.ndimage.gaussian_filter(noise[..., k], 2.0, mode="reflect", truncate=4.0) for k in range(2)], -1
        )
        np.testing.assert_allclose(np.asarray(params.elastic[i]), field, atol=1e-5)
        want = _scipy_map(image, r + field[..., 0], c + field[..., 1], 1, "reflect")
        assert_close(out[i], want, dtype=np.float32, atol=2e-5)


@pytest.mark.parametrize(
    "config",
    [
        jaxaug.AugmentConfig(crop_scale=(0.4, 1.0), output_size=(10, 10), rotation_range=30, interpolation_order=0),
        jaxaug.AugmentConfig(perspective_range=0.4, interpolation_order=0),
        jaxaug.AugmentConfig(elastic_alpha=3.0, elastic_sigma=2.0, output_size=(9, 11), interpolation_order=0),
        # The image reads a materialised tap index (engine._nearest) and the masks gather at the engine's
        # coordinate maps (masks.warp): two code paths that must give the same pixels, fill included.
        jaxaug.AugmentConfig(perspective_range=0.4, fill_mode="constant", cval=5.0, interpolation_order=0),
        jaxaug.AugmentConfig(
            elastic_alpha=3.0, elastic_sigma=2.0, output_size=(9, 11), fill_mode="grid-constant", interpolation_order=0
        ),
    ],
    ids=["crop", "perspective", "elastic", "perspective-constant", "elastic-grid-constant"],
)
def test_masks_follow_every_geometry_exactly(config):
    labels = np.random.default_rng(1).integers(2**24, 2**30, (3, 12, 14, 1)).astype(np.int32)
    out = jaxaug.augment_with_targets(jax.random.key(4), labels, config, masks=labels[..., 0], mask_fill=None)
    np.testing.assert_array_equal(out.masks, out.images[..., 0])
    if config.fill_mode in ("constant", "grid-constant"):
        assert 0 < np.mean(out.masks == int(config.cval)) < 0.6  # both fill and moved labels present


def _sample_coordinates(config, out, i, points):
    """Where the image reads the input for continuous output points (x, y): M(o) (+ field)."""
    plan = engine.plan_of(config)
    u, v = engine.coordinate_maps(out, plan, SHAPE)
    rows, cols = points[:, 1] - 0.5, points[:, 0] - 0.5
    ui = scipy.ndimage.map_coordinates(np.asarray(u[i], np.float64), [rows, cols], order=1, mode="nearest")
    vi = scipy.ndimage.map_coordinates(np.asarray(v[i], np.float64), [rows, cols], order=1, mode="nearest")
    return np.stack([vi + 0.5, ui + 0.5], -1)


@pytest.mark.parametrize(
    "config, tolerance",
    [
        (jaxaug.AugmentConfig(crop_scale=(0.5, 1.0), output_size=(10, 10), rotation_range=20), 1e-3),
        (jaxaug.AugmentConfig(perspective_range=0.4), 0.02),
        (jaxaug.AugmentConfig(elastic_alpha=2.0, elastic_sigma=3.0), 0.05),
    ],
    ids=["crop", "perspective", "elastic"],
)
def test_keypoints_land_where_the_image_reads_them(config, tolerance):
    points = np.tile(np.array([[5.5, 4.5], [8.25, 6.75], [3.0, 8.0]], np.float32), (3, 1, 1))
    images = np.zeros((3,) + SHAPE, np.float32)
    out = jaxaug.augment_with_targets(jax.random.key(7), images, config, keypoints=points)
    full = engine.run(jaxaug.example_keys(jax.random.key(7), np.arange(3)), images, config)
    checked = 0
    for i in range(3):
        moved = np.asarray(out.keypoints[i], np.float64)
        out_h, out_w = config.output_size or SHAPE[:2]
        inside = (
            (moved[:, 0] >= 0.5) & (moved[:, 0] <= out_w - 0.5) & (moved[:, 1] >= 0.5) & (moved[:, 1] <= out_h - 0.5)
        )
        checked += int(inside.sum())
        got = _sample_coordinates(config, full, i, moved[inside])
        np.testing.assert_allclose(got, points[i][inside], atol=tolerance)
    assert checked >= 4


def test_boxes_with_an_elastic_warp_are_refused():
    with pytest.raises(ValueError, match="`boxes` cannot follow an elastic warp"):
        jaxaug.augment_with_targets(
            jax.random.key(0),
            np.zeros((1, 8, 8, 1), np.float32),
            jaxaug.AugmentConfig(elastic_alpha=1.0),
            boxes=np.zeros((1, 1, 4), np.float32),
        )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"output_size": (0, 5)}, ValueError, r"`output_size\[0\]` must be an int >= 1"),
        ({"output_size": 5}, TypeError, "`output_size` must be None or a pair of ints"),
        ({"crop_scale": (0.0, 1.0)}, ValueError, r"`crop_scale` must lie in \(0, 1\]"),
        ({"crop_scale": (0.5, 1.5)}, ValueError, "crop_scale"),
        ({"crop_scale": (0.9, 0.5)}, ValueError, "crop_scale"),
        ({"crop_ratio": (0.0, 1.0)}, ValueError, "crop_ratio"),
        ({"perspective_range": 1.0}, ValueError, r"`perspective_range` must be in \[0.0, 1.0\)"),
        ({"elastic_alpha": -1.0}, ValueError, "`elastic_alpha` must be in"),
        ({"elastic_sigma": 0.0}, ValueError, "`elastic_sigma` must be in"),
        ({"interpolation_order": 6}, ValueError, "`interpolation_order` must be one of 0, 1, 2, 3, 4, 5"),
    ],
)
def test_bad_geometry_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        jaxaug.AugmentConfig(**kwargs)


def test_strengths_of_the_new_geometry_are_traced():
    step = jax.jit(jaxaug.augment)
    images = np.zeros((2, 12, 14, 3), np.float32)
    config = jaxaug.AugmentConfig(crop_scale=(0.3, 1.0), output_size=(8, 8), perspective_range=0.2, elastic_alpha=1.0)
    step(jax.random.key(0), images, config)
    before = step._cache_size()
    step(jax.random.key(1), images, config.replace(crop_scale=(0.5, 0.9), perspective_range=0.4, elastic_alpha=3.0))
    assert step._cache_size() == before


def test_rotate90_alone_is_an_exact_gather_free_permutation():
    images = np.random.default_rng(3).integers(0, 2**31 - 1, (16, 9, 9, 2)).astype(np.int32)
    config = jaxaug.AugmentConfig(rotate90=True, horizontal_flip=True)
    key = jax.random.key(8)
    out = np.asarray(jaxaug.augment(key, images, config))
    keys = jaxaug.example_keys(key, np.arange(16))
    turns = []
    for i, k in enumerate(keys):
        turn = int(jax.random.randint(sampling.stream(k, "rotate90"), (), 0, 4))  # the documented stream
        flip = bool(jax.random.bernoulli(sampling.stream(k, "horizontal_flip")))
        want = np.rot90(images[i], turn)
        np.testing.assert_array_equal(out[i], want[:, ::-1] if flip else want)
        turns.append(turn)
    assert set(turns) == {0, 1, 2, 3}
    hlo = jax.jit(jaxaug.augment).lower(key, images, config).compile().as_text()
    assert " gather(" not in hlo and " reverse(" in hlo  # a transpose and reversals, no gather op
    resampled = jax.jit(jaxaug.augment).lower(key, images, config.replace(rotation_range=1.0)).compile().as_text()
    assert " gather(" in resampled  # the check can fail: a real resample gathers


def test_rotate90_with_other_geometry_folds_into_the_one_matrix(batch):
    config = jaxaug.AugmentConfig(rotate90=True, rotation_range=10, fill_mode="nearest")
    out = np.asarray(jaxaug.augment(jax.random.key(5), batch, config))
    params = _draws(config)
    for i, image in enumerate(batch):
        p = jax.tree.map(lambda a, i=i: a[i], params)
        m = np.asarray(sampling.params_to_matrix(p, SHAPE), np.float64)
        want = np.stack(
            [scipy.ndimage.affine_transform(image[..., k], m, order=1, mode="nearest") for k in range(2)], -1
        )
        assert_close(out[i], want, dtype=np.float32, atol=2e-5)
    # The quarter turn's matrix entries are exact (0, 1, -1), not cos/sin of a float angle.
    p = jaxaug.sample_params(jax.random.key(0), SHAPE, jaxaug.AugmentConfig(rotate90=True))
    m = np.asarray(sampling.params_to_matrix(p, SHAPE))
    assert set(np.unique(m[:2, :2])) <= {-1.0, 0.0, 1.0}


def test_keypoints_follow_quarter_turns_exactly():
    config = jaxaug.AugmentConfig(rotate90=True)
    images = np.zeros((8, 10, 10, 1), np.float32)
    points = np.tile(np.array([[0.5, 2.5], [7.0, 3.25]], np.float32), (8, 1, 1))
    out = jaxaug.augment_with_targets(jax.random.key(2), images, config, keypoints=points)
    keys = jaxaug.example_keys(jax.random.key(2), np.arange(8))
    for i, k in enumerate(keys):
        turn = int(jax.random.randint(sampling.stream(k, "rotate90"), (), 0, 4))
        x, y = points[i, :, 0], points[i, :, 1]
        for _ in range(turn):  # one counter-clockwise quarter turn of a 10x10 image: (x, y) -> (y, 10 - x)
            x, y = y, 10 - x
        np.testing.assert_array_equal(out.keypoints[i], np.stack([x, y], -1))
