"""``ImageDataGenerator.flow``, ``fit`` and ``standardize`` against the Keras legacy oracle."""

from __future__ import annotations

import os

import keras.src.legacy.preprocessing.image as kimage
import numpy as np
import pytest

from jaxaug.preprocessing import image as jimage
from tests.helpers import assert_close

# Third-party: the Keras oracle calls the deprecated scipy.ndimage.interpolation namespace.
pytestmark = pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning")

ATOL = 2e-3
AUGMENT = dict(
    rotation_range=25,
    width_shift_range=0.15,
    height_shift_range=[-2, 1, 3],
    shear_range=8,
    zoom_range=(0.8, 1.25),
    channel_shift_range=15.0,
    horizontal_flip=True,
    vertical_flip=True,
    brightness_range=(0.7, 1.3),
    fill_mode="reflect",
)


def _images(n=10, shape=(8, 12, 3), seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n,) + shape).astype(np.float32)


def assert_close_8bit(actual, expected):
    """Float32 tolerance, except that brightness's 8-bit truncation may flip a level.

    Keras truncates scipy's float64 result; we truncate a float32 resample. A value
    within ~1e-5 of an integer can land on the other side: rare (about 1e-4 of the
    pixels), and then off by one 8-bit level times the brightness factor.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    diff = np.abs(actual.astype(np.float64) - expected)
    assert diff.max() <= 2.0, diff.max()
    assert int((diff > ATOL).sum()) <= max(2, expected.size // 1000), int((diff > ATOL).sum())


def _assert_batches_equal(ours, theirs, n_batches):
    for _ in range(n_batches):
        a, b = next(ours), next(theirs)
        if isinstance(b, tuple):
            assert isinstance(a, tuple) and len(a) == len(b)
            assert_close_8bit(a[0], b[0])
            for u, v in zip(a[1:], b[1:], strict=True):
                np.testing.assert_array_equal(u, v)
        else:
            assert_close_8bit(a, b)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flow_matches_keras_with_shuffle_and_seed(data_format):
    config = dict(AUGMENT, data_format=data_format)
    if data_format == "channels_first":
        config.pop("brightness_range")  # Keras's brightness fails for channels_first
    x = _images()
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    y = np.arange(10) % 3
    w = np.linspace(0.5, 2.0, 10)
    ours = jimage.ImageDataGenerator(**config).flow(x, y, batch_size=4, sample_weight=w, seed=5)
    theirs = kimage.ImageDataGenerator(**config).flow(x, y, batch_size=4, sample_weight=w, seed=5)
    _assert_batches_equal(ours, theirs, 7)  # crosses two epoch boundaries (reshuffles)


def test_flow_indexing_and_epoch_end_match_keras():
    x, y = _images(9), np.arange(9)
    ours = jimage.ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=4, seed=2)
    theirs = kimage.ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=4, seed=2)
    assert len(ours) == len(theirs) == 3
    for idx in (0, 2, 1):
        a, b = ours[idx], theirs[idx]
        assert_close_8bit(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    np.random.seed(0)
    ours.on_epoch_end()
    np.random.seed(0)
    theirs.on_epoch_end()
    np.testing.assert_array_equal(ours.index_array, theirs.index_array)
    with pytest.raises(ValueError, match="Asked to retrieve element 3"):
        ours[3]


def test_flow_without_seed_follows_global_state_and_misc_inputs():
    x = _images(6)
    misc = np.arange(6) * 10
    np.random.seed(42)
    a = jimage.ImageDataGenerator(**AUGMENT).flow((x, [misc, misc + 1]), batch_size=4)
    out_a = [next(a), next(a)]
    np.random.seed(42)
    b = kimage.ImageDataGenerator(**AUGMENT).flow((x, [misc, misc + 1]), batch_size=4)
    out_b = [next(b), next(b)]
    for u, v in zip(out_a, out_b, strict=True):
        assert isinstance(u, list) and len(u) == 3
        assert_close_8bit(u[0], v[0])
        np.testing.assert_array_equal(u[1], v[1])
        np.testing.assert_array_equal(u[2], v[2])


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_flow_subset_matches_keras(subset):
    x = _images(10)
    y = np.array([0, 1] * 5)
    w = np.arange(10.0)
    ours = jimage.ImageDataGenerator(validation_split=0.3, **AUGMENT).flow(
        x, y, batch_size=3, seed=1, subset=subset, shuffle=False
    )
    theirs = kimage.ImageDataGenerator(validation_split=0.3, **AUGMENT).flow(
        x, y, batch_size=3, seed=1, subset=subset, shuffle=False
    )
    assert ours.n == theirs.n == (3 if subset == "validation" else 7)
    a, b = next(ours), next(theirs)
    assert_close_8bit(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # sample_weight is sliced with the subset (Keras 3.15.1 does not: it returns the first weights).
    ours_w = jimage.ImageDataGenerator(validation_split=0.3).flow(x, y, sample_weight=w, subset=subset, shuffle=False)
    np.testing.assert_array_equal(next(ours_w)[2], w[:3] if subset == "validation" else w[3:])


def test_flow_errors_and_class_split_check():
    gen = jimage.ImageDataGenerator(validation_split=0.5)
    x = _images(10, (4, 4, 3))
    with pytest.raises(ValueError, match="different number of classes after the split"):
        gen.flow(x, np.arange(10) // 5, subset="validation", shuffle=False, batch_size=10)
    seq = gen.flow(x, np.arange(10) // 5, subset="validation", ignore_class_split=True, batch_size=10)
    assert seq[0][0].shape == (5, 4, 4, 3)
    with pytest.raises(ValueError, match="subset"):
        gen.flow(x, np.arange(10) % 2, subset="foo")
    with pytest.raises(ValueError, match="All of the arrays in"):
        gen.flow((x, np.arange(3)))
    with pytest.raises(ValueError, match=r"`x` \(images tensor\) and `y` \(labels\) "):
        gen.flow(x, np.arange(3))
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.arange(10))
    with pytest.warns(UserWarning, match="5 channels"):
        gen.flow(np.zeros((2, 4, 4, 5)))


def test_flow_batches_keep_label_values_with_order_0():
    labels = np.random.default_rng(0).integers(0, 4, (6, 10, 10, 1)).astype(np.float32)
    gen = jimage.ImageDataGenerator(rotation_range=45, zoom_range=0.2, interpolation_order=0)
    batch = next(gen.flow(labels, batch_size=6, seed=0))
    assert set(np.unique(batch)) <= set(np.unique(labels))


def test_flow_save_to_dir(tmp_path):
    x = _images(4)
    it = jimage.ImageDataGenerator(**AUGMENT).flow(
        x, batch_size=4, save_to_dir=str(tmp_path), save_prefix="aug", seed=3
    )
    next(it)
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 4 and all(n.startswith("aug_") and n.endswith(".png") for n in names)
    with pytest.raises(ValueError, match="save_prefix"):
        jimage.ImageDataGenerator().flow(x, save_to_dir=str(tmp_path), save_prefix="a/b")


# -- fit / standardize --------------------------------------------------------------------


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.filterwarnings("ignore:This ImageDataGenerator specifies:UserWarning")
def test_fit_statistics_match_keras(data_format):
    x = _images(12, (4, 5, 3), seed=1)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)
    for config in (
        dict(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255),
        dict(zca_whitening=True, zca_epsilon=1e-3),
    ):
        ours = jimage.ImageDataGenerator(**config, data_format=data_format)
        theirs = kimage.ImageDataGenerator(**config, data_format=data_format)
        ours.fit(x)
        theirs.fit(x)
        for attr in ("mean", "std", "zca_whitening_matrix"):
            a, b = getattr(ours, attr), getattr(theirs, attr)
            assert (a is None) == (b is None), attr
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
        img = x[0].copy()
        assert_close(ours.standardize(img.copy()), theirs.standardize(img.copy()), atol=1e-4)
        assert_close(ours.standardize(x.copy()), theirs.standardize(x.copy()), atol=1e-4)


@pytest.mark.filterwarnings("ignore:This ImageDataGenerator specifies:UserWarning")
def test_fit_augment_matches_keras():
    x = _images(5, (6, 7, 3), seed=2)
    config = dict(AUGMENT, featurewise_center=True, featurewise_std_normalization=True)
    ours, theirs = jimage.ImageDataGenerator(**config), kimage.ImageDataGenerator(**config)
    ours.fit(x, augment=True, rounds=2, seed=4)
    theirs.fit(x, augment=True, rounds=2, seed=4)
    np.testing.assert_allclose(ours.mean, theirs.mean, rtol=1e-5)
    np.testing.assert_allclose(ours.std, theirs.std, rtol=1e-4)
    with pytest.raises(ValueError, match="rank 4"):
        ours.fit(x[0])


def test_standardize_samplewise_and_preprocessing_match_keras():
    config = dict(samplewise_center=True, samplewise_std_normalization=True, rescale=0.5)
    x = _images(3, (4, 4, 3), seed=3)

    def fn(img):
        return img + 1.0

    ours = jimage.ImageDataGenerator(**config, preprocessing_function=fn)
    theirs = kimage.ImageDataGenerator(**config, preprocessing_function=fn)
    assert_close(ours.standardize(x.copy()), theirs.standardize(x.copy()), atol=1e-5)
    a = next(ours.flow(x, batch_size=3, shuffle=False))
    b = next(theirs.flow(x, batch_size=3, shuffle=False))
    assert_close(a, b, atol=1e-5)


@pytest.mark.filterwarnings("ignore:This ImageDataGenerator specifies:UserWarning")
def test_flow_geometry_then_in_place_standardize_matches_keras():
    # Resampled batches must be writable: standardize() rescales/centres in place.
    x = _images(6, (6, 9, 3), seed=7)
    config = dict(rotation_range=30, zoom_range=0.2, rescale=1 / 255, featurewise_center=True, samplewise_center=True)
    ours, theirs = jimage.ImageDataGenerator(**config), kimage.ImageDataGenerator(**config)
    ours.fit(x)
    theirs.fit(x)
    assert_close(next(ours.flow(x, batch_size=6, seed=1)), next(theirs.flow(x, batch_size=6, seed=1)), atol=1e-5)
    params = {"theta": 10.0}
    out = ours.standardize(ours.apply_transform(x[0], params))
    assert_close(out, theirs.standardize(theirs.apply_transform(x[0], params)), atol=1e-5)


def test_standardize_warns_when_not_fit():
    gen = jimage.ImageDataGenerator(featurewise_center=True)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        gen.standardize(np.ones((2, 2, 3)))


def test_fit_rescale_whitening_upstream():
    # Ported from keras-preprocessing test_fit_rescale: after fit, flowed data are white.
    x = np.random.default_rng(0).uniform(0, 255, (8, 4, 4, 1))
    gen = jimage.ImageDataGenerator(rescale=1 / 255, featurewise_center=True, dtype="float64")
    gen.fit(x)
    assert abs(next(gen.flow(x, batch_size=8, shuffle=False)).mean()) < 1e-6
    gen = jimage.ImageDataGenerator(
        rescale=1 / 255, featurewise_center=True, featurewise_std_normalization=True, dtype="float64"
    )
    gen.fit(x)
    batch = next(gen.flow(x, batch_size=8, shuffle=False))
    assert abs(batch.mean()) < 1e-6 and abs(1 - batch.std()) < 1e-5
    with pytest.warns(UserWarning, match="zca_whitening"):
        gen = jimage.ImageDataGenerator(rescale=1 / 255, zca_whitening=True, dtype="float64")
    gen.fit(x)
    batch = next(gen.flow(x, batch_size=8, shuffle=False)).reshape(8, -1)
    np.testing.assert_allclose(batch @ batch.T / 8, np.eye(8), atol=1e-5)


# -- Keras 3 model.fit on the JAX backend --------------------------------------------------


def test_keras_model_fit_with_drop_in_iterator():
    import keras

    assert keras.backend.backend() == "jax"  # conftest sets it: a silent skip would hide the fit test
    x = _images(12, (8, 8, 3), seed=4)
    y = keras.utils.to_categorical(np.arange(12) % 2, 2)
    it = jimage.ImageDataGenerator(rescale=1 / 255, **AUGMENT).flow(x, y, batch_size=4, seed=0)
    assert isinstance(it, keras.utils.PyDataset)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    history = model.fit(it, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])


def test_flow_reads_rows_through_a_zero_copy_view_and_equals_the_host_gather(monkeypatch):
    from jaxaug._src import iterators, transport

    config = dict(AUGMENT, brightness_range=None)
    x, y = _images(), np.arange(10)
    aligned = transport.aligned_copy(x)
    fast = jimage.ImageDataGenerator(**config).flow(aligned, y, batch_size=4, seed=5)
    assert fast.x is aligned  # already importable: served without any copy
    assert fast._device_x.unsafe_buffer_pointer() == aligned.ctypes.data
    buf = np.empty(x.size + 16, np.float32)
    k = next(k for k in range(16) if (buf.ctypes.data + 4 * k) % 64 == 16)
    misaligned = buf[k : k + x.size].reshape(x.shape)
    misaligned[...] = x
    monkeypatch.setattr(iterators, "DEVICE_VIEW_MAX_COPY_BYTES", 0)
    slow = jimage.ImageDataGenerator(**config).flow(misaligned, y, batch_size=4, seed=5)
    assert slow._device_x is None  # unaligned, same dtype, over the copy budget: host gather
    for _ in range(4):
        (a, ya), (b, yb) = next(fast), next(slow)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ya, yb)


def test_fit_on_a_channels_first_generator_with_three_trailing_channels_warns_like_keras():
    """Upstream keras-preprocessing's test_image_data_generator_fit: Keras warns here, it does not raise."""
    x = np.random.default_rng(0).uniform(0, 1, (4, 10, 10, 3)).astype(np.float32)
    kwargs = dict(zoom_range=(0.2, 0.2), brightness_range=(1, 5), featurewise_center=True, data_format="channels_first")
    with pytest.warns(UserWarning, match="10 channels"):
        kimage.ImageDataGenerator(**kwargs).fit(x, augment=True, seed=0)
    ours = jimage.ImageDataGenerator(**kwargs)
    with pytest.warns(UserWarning, match="10 channels"):
        ours.fit(x, augment=True, seed=0)
    assert ours.mean.shape == (10, 1, 1)
