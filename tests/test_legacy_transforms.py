"""Differential tests of the Keras-legacy transforms against the real Keras legacy module.

Oracle: ``keras.src.legacy.preprocessing.image`` (scipy underneath). Both sides start
from the same global numpy seed; parameters are drawn by Keras and by jaxaug and
must agree exactly, pixels to float32 tolerance.
"""

from __future__ import annotations

import jax
import keras.src.legacy.preprocessing.image as kimage
import numpy as np
import pytest

import jaxaug
from jaxaug._src import legacy, matrices, transport
from jaxaug.preprocessing import image as jimage
from tests.helpers import assert_close

# Third-party: the Keras oracle calls scipy.ndimage.interpolation.affine_transform, which
# scipy deprecates. Our code never imports scipy.
pytestmark = pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning")

# Tolerance for float images in [0, 255]: float32 coordinates vs scipy's float64.
ATOL = 2e-3

CONFIGS = [
    dict(rotation_range=40),
    dict(width_shift_range=0.2, height_shift_range=0.3),
    dict(width_shift_range=3, height_shift_range=2),  # int: choice(arange(r)) * sign
    dict(width_shift_range=[-2, 0, 3], height_shift_range=(0.1, 0.25)),  # lists
    dict(width_shift_range=2.5, height_shift_range=1.0),  # float >= 1: pixels
    dict(shear_range=25),
    dict(zoom_range=0.3),
    dict(zoom_range=[0.7, 1.4]),
    dict(zoom_range=[1, 1], horizontal_flip=True, vertical_flip=True),
    dict(channel_shift_range=40.0),
    dict(brightness_range=(0.5, 1.5)),
    dict(
        rotation_range=30,
        width_shift_range=0.1,
        height_shift_range=0.2,
        shear_range=10,
        zoom_range=0.2,
        channel_shift_range=20.0,
        horizontal_flip=True,
        vertical_flip=True,
        brightness_range=[0.8, 1.3],
    ),
]


def _pair(config, **extra):
    kw = {**config, **extra}
    return jimage.ImageDataGenerator(**kw), kimage.ImageDataGenerator(**kw)


def _image(shape, seed=0, lo=0.0, hi=255.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_get_random_transform_matches_keras(config, data_format):
    ours, theirs = _pair(config, data_format=data_format)
    shape = (7, 11, 3) if data_format == "channels_last" else (3, 7, 11)
    for seed in range(6):
        a = ours.get_random_transform(shape, seed=seed)
        b = theirs.get_random_transform(shape, seed=seed)
        assert a.keys() == b.keys()
        for key in a:
            assert (a[key] is None) == (b[key] is None), key
            if a[key] is not None:
                assert a[key] == b[key], (key, a[key], b[key])
    # Without seed=: the same global stream is consumed in the same order.
    np.random.seed(123)
    a = [ours.get_random_transform(shape) for _ in range(5)]
    np.random.seed(123)
    b = [theirs.get_random_transform(shape) for _ in range(5)]
    assert [sorted(d.items(), key=str) for d in a] == [sorted(d.items(), key=str) for d in b]


@pytest.mark.parametrize("config", CONFIGS + [dict(rotation_range=-15, width_shift_range=-2, zoom_range=[1.3, 0.9])])
def test_draw_batch_equals_keras_per_image_draws_bit_for_bit(config):
    """One vectorised draw per batch must give Keras's per-image values AND leave the same RNG state."""
    ours, theirs = _pair(config)
    shape = (9, 13, 3)
    np.random.seed(11)
    batch = ours.draw_batch(7, shape)
    state_after_ours = np.random.get_state()[1].copy()
    np.random.seed(11)
    expected = [theirs.get_random_transform(shape) for _ in range(7)]
    np.testing.assert_array_equal(state_after_ours, np.random.get_state()[1])
    for key in ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical"):
        np.testing.assert_array_equal(batch[key], [float(p[key]) for p in expected], err_msg=key)
    for key in ("channel_shift_intensity", "brightness"):
        if expected[0][key] is None:
            assert batch[key] is None
        else:
            np.testing.assert_array_equal(np.asarray(batch[key], np.float64), [p[key] for p in expected])


def test_draw_batch_honours_an_overridden_get_random_transform():
    class Fixed(jimage.ImageDataGenerator):
        def get_random_transform(self, img_shape, seed=None):
            return {"theta": 90.0, "flip_vertical": True}

    gen = Fixed(rotation_range=10)
    params = gen.draw_batch(3, (5, 5, 1))
    np.testing.assert_array_equal(params["theta"], [90.0] * 3)
    np.testing.assert_array_equal(params["zx"], [1.0] * 3)
    assert params["flip_vertical"].all() and not params["flip_horizontal"].any()
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    batch = next(gen.flow(x, batch_size=1, shuffle=False))
    expected = kimage.apply_affine_transform(x[0], theta=90.0, row_axis=0, col_axis=1, channel_axis=2)[::-1]
    assert_close(batch[0], expected, atol=ATOL)


def test_default_generator_draws_identity():
    params = jimage.ImageDataGenerator().get_random_transform((8, 8, 3), seed=1)
    assert (params["theta"], params["tx"], params["ty"], params["shear"], params["zx"], params["zy"]) == (
        0,
        0,
        0,
        0,
        1,
        1,
    )
    assert params["channel_shift_intensity"] is None and params["brightness"] is None


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap", "mirror"])
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_apply_transform_matches_keras(fill_mode, order, data_format):
    shape = (9, 13, 3) if data_format == "channels_last" else (3, 9, 13)
    mismatches = 0
    for k, config in enumerate(CONFIGS):
        if "brightness_range" in config and data_format == "channels_first":
            continue  # Keras's brightness uses the global (channels_last) format and fails here.
        ours, theirs = _pair(config, fill_mode=fill_mode, cval=17.0, interpolation_order=order, data_format=data_format)
        x = _image(shape, seed=k)
        for seed in range(3):
            params = theirs.get_random_transform(shape, seed=seed)
            expected = theirs.apply_transform(x, params)
            actual = ours.apply_transform(x, params)
            assert np.shape(actual) == expected.shape
            diff = np.abs(np.asarray(actual, np.float64) - expected)
            mismatches += int((diff > ATOL).sum())
    # 'constant' (hard cut at the border) and order 0 (rounding at half-integers) may
    # flip a handful of pixels whose source coordinate is within ~1e-5 of the boundary.
    # 'wrap' (scipy's period n - 1 is discontinuous at the last sample) likewise. Elsewhere
    # only brightness's 8-bit truncation of a value within ~1e-5 of an integer could flip
    # (none do on the reference CPU; a little slack for other backends).
    assert mismatches <= (6 if fill_mode in ("constant", "wrap") or order == 0 else 2), mismatches


def test_apply_transform_identity_returns_input_object():
    gen = jimage.ImageDataGenerator(rotation_range=10)
    x = _image((5, 6, 3))
    assert gen.apply_transform(x, {"theta": 0, "tx": 0, "zx": 1}) is x
    assert jimage.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2) is x


@pytest.mark.parametrize("dtype", ["uint8", "float64"])
def test_apply_transform_dtype_follows_keras(dtype):
    x = np.random.default_rng(3).integers(0, 255, (6, 10, 3)).astype(dtype)
    params = {"theta": 33.0, "tx": 1.3, "zx": 1.1, "zy": 0.9}
    ours, theirs = _pair({}, fill_mode="reflect")
    actual, expected = ours.apply_transform(x, params), theirs.apply_transform(x, params)
    assert actual.dtype == expected.dtype == np.dtype(dtype)
    assert np.abs(actual.astype(float) - expected.astype(float)).max() <= (1 if dtype == "uint8" else ATOL)


def test_random_transform_matches_keras_with_seed():
    config = CONFIGS[-1]
    ours, theirs = _pair(config)
    x = _image((8, 12, 3), seed=5)
    assert_close(ours.random_transform(x, seed=9), theirs.random_transform(x, seed=9), atol=ATOL)


def test_brightness_on_resampled_flat_image_matches_keras():
    # Flat regions: float32 interpolation noise must not change the 8-bit level.
    x = np.full((12, 10, 3), 100.0, np.float32)
    x[:, 5:] = 200.0
    ours, theirs = _pair(dict(rotation_range=45, zoom_range=0.3, brightness_range=(0.5, 1.5)))
    for seed in range(10):
        params = theirs.get_random_transform(x.shape, seed=seed)
        assert_close(ours.apply_transform(x, params), theirs.apply_transform(x, params), atol=ATOL)


# -- geometry: quirks and the core builders ----------------------------------------------


def test_keras_draws_map_onto_the_core_builders_with_kerass_own_matrix():
    """Keras's closed-form matrix (its own transform_matrix_offset_center) equals the engine's, built
    by the core builders from keras_params: the quirks live in the parameter mapping only."""
    rng = np.random.default_rng(0)
    for _ in range(10):
        h, w = (int(v) for v in rng.integers(3, 20, 2))
        t, tx, ty, s = rng.uniform(-40, 40, 4)
        zx, zy = rng.uniform(0.6, 1.5, 2)
        theta, shear = np.deg2rad(t), np.deg2rad(s)
        rotation = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
        shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        shearing = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
        zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        keras_xy = kimage.transform_matrix_offset_center(rotation @ shift @ shearing @ zoom, h, w)
        expected = keras_xy[[1, 0, 2]][:, [1, 0, 2]]  # Keras's (x, y) frame -> jaxaug's (row, col)
        draw = {"theta": [t], "tx": [tx], "ty": [ty], "shear": [s], "zx": [zx], "zy": [zy]}
        draw.update(flip_horizontal=[False], flip_vertical=[False])
        params, pivot = legacy.keras_params(draw, h, w, 3)
        one = jax.tree.map(lambda p: p[0], params)
        np.testing.assert_allclose(jaxaug.params_to_matrix(one, (h, w), pivot), expected, atol=1e-4)
        fixed, centre = legacy.keras_params(draw, h, w, 3, keras_quirks=False)
        core_fixed = matrices.center_matrix(
            matrices.compose(
                matrices.rotation_matrix(theta),
                matrices.translation_matrix(-tx, -ty),
                matrices.shear_matrix(shear),
                matrices.zoom_matrix(zy, zx),
            ),
            (h, w),
        )
        assert centre is None
        one = jax.tree.map(lambda p: p[0], fixed)
        np.testing.assert_allclose(jaxaug.params_to_matrix(one, (h, w)), np.asarray(core_fixed), atol=1e-4)


@pytest.mark.parametrize("order", [3, 5])
def test_spline_interpolation_orders_match_keras(order):
    """Keras passes interpolation_order to scipy (prefilter on): orders 2-5 port unchanged."""
    x = _image((9, 11, 2), seed=5)
    ours, theirs = _pair(dict(rotation_range=30, zoom_range=0.2, fill_mode="reflect", interpolation_order=order))
    for seed in range(3):
        params = theirs.get_random_transform(x.shape, seed=seed)
        assert_close(ours.apply_transform(x, params), theirs.apply_transform(x, params), atol=ATOL)


def test_keras_quirks_false_is_geometrically_correct():
    x = _image((4, 6, 1), seed=2)
    quirky = jimage.ImageDataGenerator()
    fixed = jimage.ImageDataGenerator(keras_quirks=False)
    # 180 degrees about the true centre of a non-square image is a double flip.
    np.testing.assert_allclose(fixed.apply_transform(x, {"theta": 180}), x[::-1, ::-1], atol=1e-4)
    keras_out = kimage.ImageDataGenerator().apply_transform(x, {"theta": 180})
    assert np.abs(keras_out - x[::-1, ::-1]).max() > 1  # Keras's off-centre pivot
    assert_close(quirky.apply_transform(x, {"theta": 180}), keras_out, atol=ATOL)
    # Height shift moves rows (by H * h), width shift moves columns (by W * w).
    one_hot = np.zeros((5, 10, 1), np.float32)
    one_hot[2, 3] = 1
    gen = jimage.ImageDataGenerator(
        height_shift_range=[0.4], width_shift_range=[0.2], fill_mode="constant", keras_quirks=False
    )
    params = gen.get_random_transform(one_hot.shape, seed=0)
    out = gen.apply_transform(one_hot, params)
    moved = np.argwhere(out[..., 0] > 0.5)[0]
    assert (2 - moved[0], 3 - moved[1]) == (params["tx"], params["ty"])
    assert abs(params["tx"]) == pytest.approx(0.4 * 5) and abs(params["ty"]) == pytest.approx(0.2 * 10)


# -- module-level helpers (channels-first defaults) -----------------------------------------


def test_module_helpers_match_keras_channels_first_defaults():
    x = _image((3, 9, 14), seed=4)
    cases = [
        ("random_rotation", (40,), {}),
        ("random_shift", (0.2, 0.3), {}),
        ("random_shear", (30,), {}),
        ("random_zoom", ((0.6, 1.3),), {}),
        ("random_rotation", (40,), dict(fill_mode="constant", cval=3.0, interpolation_order=0)),
        ("random_shift", (0.2, 0.1), dict(row_axis=0, col_axis=1, channel_axis=2)),
        ("random_zoom", ((0.6, 1.3),), dict(row_axis=2, col_axis=1, channel_axis=0, fill_mode="wrap")),
    ]
    for name, args, kwargs in cases:
        np.random.seed(7)
        expected = getattr(kimage, name)(x, *args, **kwargs)
        np.random.seed(7)
        actual = getattr(jimage, name)(x, *args, **kwargs)
        diff = np.abs(actual - expected)
        assert int((diff > ATOL).sum()) <= (3 if kwargs.get("interpolation_order") == 0 else 0), name
    np.random.seed(3)
    expected = kimage.random_channel_shift(x, 30.0)
    np.random.seed(3)
    assert_close(jimage.random_channel_shift(x, 30.0), expected, atol=ATOL)
    assert_close(jimage.apply_channel_shift(x, -50.0, 0), kimage.apply_channel_shift(x, -50.0, 0), atol=ATOL)
    for axis in range(3):
        np.testing.assert_array_equal(jimage.flip_axis(x, axis), kimage.flip_axis(x, axis))
    m = np.random.default_rng(1).normal(size=(3, 3))
    np.testing.assert_allclose(
        jimage.transform_matrix_offset_center(m, 5, 8), kimage.transform_matrix_offset_center(m, 5, 8)
    )


@pytest.mark.parametrize("kw", [dict(theta=20, tx=2, ty=-1), dict(shear=15, zx=0.7, zy=1.2)])
@pytest.mark.parametrize("axes", [(1, 2, 0), (0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_apply_affine_transform_matches_keras(kw, axes):
    row_axis, col_axis, channel_axis = axes
    shape = [0, 0, 0]
    shape[row_axis], shape[col_axis], shape[channel_axis] = 7, 10, 2
    x = _image(tuple(shape), seed=6)
    expected = kimage.apply_affine_transform(x, **kw, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis)
    actual = jimage.apply_affine_transform(x, **kw, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis)
    assert_close(actual, expected, atol=ATOL)


@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("lo,hi", [(0.0, 255.0), (-300.0, 1000.0), (0.0, 1.0)])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_brightness_matches_keras(scale, lo, hi, channels):
    x = _image((5, 6, channels), seed=channels, lo=lo, hi=hi)
    for b in (0.0, 0.37, 1.0, 1.8, 4.5):
        expected = kimage.apply_brightness_shift(x, b, scale)
        actual = jimage.apply_brightness_shift(x, b, scale)
        assert actual.dtype == expected.dtype
        assert_close(actual, expected, atol=ATOL * max(1.0, (hi - lo) / 255))
    np.random.seed(11)
    expected = kimage.random_brightness(x, (0.5, 2.0), scale)
    np.random.seed(11)
    assert_close(jimage.random_brightness(x, (0.5, 2.0), scale), expected, atol=ATOL * max(1.0, (hi - lo) / 255))


# -- ported upstream keras-preprocessing behaviours (§g.3.1) ----------------------------------


def test_upstream_random_transforms_keep_shape():
    x = _image((2, 28, 28), seed=1)
    assert jimage.random_rotation(x, 45).shape == (2, 28, 28)
    assert jimage.random_shift(x, 1, 1).shape == (2, 28, 28)
    assert jimage.random_shear(x, 20).shape == (2, 28, 28)
    assert jimage.random_channel_shift(x, 20).shape == (2, 28, 28)
    assert jimage.random_zoom(x, (5, 5)).shape == (2, 28, 28)
    np.testing.assert_array_equal(jimage.random_zoom(x, (1, 1)), x)


def test_upstream_deterministic_rotation_zeroes_corners():
    x = np.ones((3, 3, 3))
    out = jimage.apply_affine_transform(x, theta=45, row_axis=0, col_axis=1, channel_axis=2, fill_mode="constant")
    expected = kimage.apply_affine_transform(x, theta=45, row_axis=0, col_axis=1, channel_axis=2, fill_mode="constant")
    np.testing.assert_array_equal(out == 0, expected == 0)
    assert (out[[0, 0, 2, 2], [0, 2, 0, 2]] == 0).all()
    gen = jimage.ImageDataGenerator(rotation_range=90, fill_mode="constant")
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1])
    assert (gen.apply_transform(x, {"theta": 45})[[0, 0, 2, 2], [0, 2, 0, 2]] == 0).all()


def test_upstream_matrix_center_and_translation():
    x = np.array([[0, 1], [0, 0]], np.float32)[..., None]
    out = jimage.apply_affine_transform(x, theta=90, row_axis=0, col_axis=1, channel_axis=2)
    np.testing.assert_allclose(out[..., 0], [[1, 0], [0, 0]], atol=1e-5)
    one_hot = np.zeros((3, 4), np.float32)
    one_hot[1, 1] = 1
    for kw, expected_pos in [({"tx": 1}, (1, 0)), ({"tx": -1}, (1, 2)), ({"ty": 1}, (0, 1)), ({"ty": -1}, (2, 1))]:
        out = jimage.apply_affine_transform(one_hot[None], **kw, fill_mode="constant")
        assert tuple(np.argwhere(out[0] > 0.5)[0]) == expected_pos, kw
        out = jimage.apply_affine_transform(
            one_hot[..., None], **kw, row_axis=0, col_axis=1, channel_axis=2, fill_mode="constant"
        )
        assert tuple(np.argwhere(out[..., 0] > 0.5)[0]) == expected_pos, kw
    # Swapped row/col axes: tx then acts vertically.
    out = jimage.apply_affine_transform(
        one_hot.T[None], tx=1, row_axis=2, col_axis=1, channel_axis=0, fill_mode="constant"
    )
    assert tuple(np.argwhere(out[0] > 0.5)[0]) == (0, 1)


def test_upstream_brightness_scale_and_errors(monkeypatch):
    img = np.full((5, 5, 3), 128.0)
    assert np.all(jimage.random_brightness(img, [1, 1], False) == 128)
    assert np.all(jimage.random_brightness(img, [1, 1], True) == 0)
    for value in (1024.0, -1024.0):
        img = np.full((5, 5, 3), value)
        np.testing.assert_allclose(jimage.random_brightness(img, [1, 1], False), value)
        assert np.all(jimage.random_brightness(img, [1, 1], True) == 0)
    with pytest.raises(ValueError, match="brightness_range"):
        jimage.random_brightness(0, [0])
    with pytest.raises(ValueError, match="zoom_range"):
        jimage.random_zoom(0, zoom_range=[0])
    with pytest.raises(ValueError, match="zoom_range"):
        jimage.random_zoom(np.zeros((3, 4, 4)), (0, 0, 0))
    # random_brightness delegates to the module-level apply_brightness_shift(x, u, scale).
    monkeypatch.setattr(legacy, "apply_brightness_shift", lambda x, u, scale: (x, u))
    assert jimage.random_brightness(0, (3, 3)) == (0, 3.0)


# -- errors at construction ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(fill_mode="bogus"), ValueError, "fill_mode.*constant"),
        (dict(interpolation_order=7), ValueError, "interpolation_order"),
        (dict(interpolation_order=-1), ValueError, "interpolation_order"),
        (dict(zoom_range=(0.1, 0.2, 0.3)), ValueError, "zoom_range"),
        (dict(zoom_range="x"), ValueError, "zoom_range"),
        (dict(brightness_range=0.1), ValueError, "brightness_range"),
        (dict(validation_split=5), ValueError, "validation_split"),
        (dict(data_format="unknown"), ValueError, "data_format.*channels_last"),
        (dict(width_shift_range=[]), ValueError, "width_shift_range"),
        (dict(height_shift_range="a"), TypeError, "height_shift_range"),
        (dict(preprocessing_function=3), TypeError, "preprocessing_function"),
    ],
)
def test_invalid_constructor_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        jimage.ImageDataGenerator(**kwargs)


def test_valid_constructor_arguments_from_upstream():
    jimage.ImageDataGenerator(zoom_range=(2.0, 2.0))
    jimage.ImageDataGenerator(
        featurewise_center=True,
        samplewise_center=True,
        featurewise_std_normalization=True,
        samplewise_std_normalization=True,
        zca_whitening=False,
        rotation_range=90.0,
        width_shift_range=0.1,
        height_shift_range=0.1,
        shear_range=0.5,
        zoom_range=0.2,
        channel_shift_range=0.0,
        brightness_range=(1, 5),
        fill_mode="nearest",
        cval=0.5,
        horizontal_flip=True,
        vertical_flip=True,
        interpolation_order=1,
    )


def test_batched_path_compiles_once_for_many_batches():
    gen = jimage.ImageDataGenerator(rotation_range=30, zoom_range=0.2, fill_mode="reflect")
    x = _image((10, 6, 5, 3), seed=8)
    it = gen.flow(x, batch_size=4, seed=3)  # batches of 4, 4 and a short 2
    next(it)
    before = transport._device_batch._cache_size()
    for _ in range(9):
        batch = next(it)
    assert batch.shape[0] in (2, 4)
    assert transport._device_batch._cache_size() == before


# -- public surface -----------------------------------------------------------------------

REQUIRED_EXPORTS = {
    "ImageDataGenerator",
    "Iterator",
    "DirectoryIterator",
    "NumpyArrayIterator",
    "DataFrameIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "random_rotation",
    "random_shift",
    "random_shear",
    "random_zoom",
    "random_channel_shift",
    "random_brightness",
    "flip_axis",
    "transform_matrix_offset_center",
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
    "smart_resize",
}


def test_public_module_exports_keras_names_with_keras_signatures():
    import inspect

    assert set(jimage.__all__) == REQUIRED_EXPORTS
    for name in REQUIRED_EXPORTS - {"array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"}:
        ours, theirs = getattr(jimage, name), getattr(kimage, name)
        if inspect.isclass(ours):
            ours, theirs = ours.__init__, theirs.__init__
        ours_params = {
            n: p.default
            for n, p in inspect.signature(ours).parameters.items()
            if p.kind is not inspect.Parameter.KEYWORD_ONLY
        }
        theirs_params = {n: p.default for n, p in inspect.signature(theirs).parameters.items()}
        assert ours_params == theirs_params, name


def test_import_jaxaug_does_not_import_keras():
    import subprocess
    import sys

    code = "import sys, jaxaug; assert not {'keras', 'PIL', 'pandas', 'scipy'} & set(sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
