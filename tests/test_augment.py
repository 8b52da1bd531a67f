"""The fused augment: oracles built from the parts, key discipline, dtypes, jit/vmap, properties."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxaug
from tests.helpers import assert_close

FULL = jaxaug.AugmentConfig(
    rotation_range=25,
    width_shift_range=0.1,
    height_shift_range=0.2,
    shear_range=10,
    zoom_range=0.2,
    horizontal_flip=True,
    vertical_flip=True,
    channel_shift_range=0.3,
    brightness_range=(0.8, 1.2),
    fill_mode="reflect",
)


@pytest.fixture
def batch(rng):
    return rng.uniform(0, 1, size=(4, 9, 12, 3)).astype(np.float32)


def test_augment_equals_one_matrix_one_resample_then_colour(batch):
    """Oracle from the parts: params -> matrix -> affine_transform -> channel shift -> brightness."""
    key = jax.random.key(7)
    out = np.asarray(jaxaug.augment(key, batch, FULL))
    for i, image in enumerate(batch):
        p = jaxaug.sample_params(jax.random.fold_in(key, i), image.shape, FULL)
        x = np.asarray(jaxaug.affine_transform(image, jaxaug.params_to_matrix(p, image.shape), mode="reflect"))
        x = np.clip(x + np.asarray(p.channel_shift), x.min(), x.max()) * float(p.brightness)
        assert_close(out[i], x, dtype=np.float32, atol=1e-5)


def test_flip_only_config_is_an_exact_flip(batch):
    config = jaxaug.AugmentConfig(horizontal_flip=True)
    key = jax.random.key(0)
    out = np.asarray(jaxaug.augment(key, batch, config))
    for i, image in enumerate(batch):
        flipped = bool(jaxaug.sample_params(jax.random.fold_in(key, i), image.shape, config).flip_horizontal)
        np.testing.assert_array_equal(out[i], image[:, ::-1] if flipped else image)


@pytest.mark.optimized
def test_example_keys_make_results_independent_of_batch_position(batch):
    key = jax.random.key(1)
    ids = np.array([10, 3, 42, 7])
    together = np.asarray(jaxaug.augment(key, batch, FULL, example_ids=ids))
    reversed_ = np.asarray(jaxaug.augment(key, batch[::-1], FULL, example_ids=ids[::-1]))
    np.testing.assert_array_equal(together, reversed_[::-1])
    alone = np.asarray(jaxaug.augment_image(jax.random.fold_in(key, 42), batch[2], FULL))
    assert_close(together[2], alone, atol=1e-6)


def test_same_key_same_output_different_keys_differ(batch):
    a = jaxaug.augment(jax.random.key(3), batch, FULL)
    b = jaxaug.augment(jax.random.key(3), batch, FULL)
    c = jaxaug.augment(jax.random.key(4), batch, FULL)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # Every example of a batch gets its own draw.
    assert not np.allclose(a[0], jaxaug.augment(jax.random.key(3), batch[1:2], FULL)[0])


def test_legacy_prngkey_works(batch):
    np.testing.assert_array_equal(
        jaxaug.augment(jax.random.PRNGKey(2), batch, FULL), jaxaug.augment(jax.random.key(2), batch, FULL)
    )


@pytest.mark.parametrize("dtype", [jnp.uint8, jnp.int16, jnp.float16, jnp.bfloat16, jnp.float32])
def test_dtype_in_equals_dtype_out(dtype, rng):
    images = rng.integers(0, 255, size=(2, 8, 8, 3)).astype(np.float32)
    out = jaxaug.augment(jax.random.key(0), jnp.asarray(images).astype(dtype), FULL)
    assert out.dtype == dtype and out.shape == images.shape


def test_uint8_is_rounded_and_clipped_once(rng):
    images = rng.integers(0, 256, size=(3, 10, 10, 3)).astype(np.uint8)
    config = jaxaug.AugmentConfig(rotation_range=20, brightness_range=(1.5, 2.0))
    out = np.asarray(jaxaug.augment(jax.random.key(0), images, config))
    ref = np.asarray(jaxaug.augment(jax.random.key(0), images.astype(np.float32), config))
    np.testing.assert_array_equal(out, np.clip(np.floor(ref + 0.5), 0, 255).astype(np.uint8))


def test_identity_config_returns_the_input(rng):
    images = rng.integers(0, 256, size=(2, 5, 7, 1)).astype(np.uint8)
    np.testing.assert_array_equal(jaxaug.augment(jax.random.key(0), images, jaxaug.AugmentConfig()), images)


def test_no_retrace_for_new_keys_or_images(rng):
    fn = jax.jit(functools.partial(jaxaug.augment, config=FULL))
    for i in range(5):
        fn(jax.random.key(i), rng.uniform(size=(2, 8, 8, 3)).astype(np.float32)).block_until_ready()
    assert fn._cache_size() == 1
    static = jax.jit(jaxaug.augment, static_argnames="config")
    static(jax.random.key(0), np.zeros((2, 8, 8, 3), np.float32), FULL)
    before = static._cache_size()  # jit wrappers of one function share a cache: compare sizes
    static(jax.random.key(1), np.ones((2, 8, 8, 3), np.float32), FULL.replace())
    assert static._cache_size() == before  # equal configs hash equal


def test_eager_jit_vmap_agree_for_augment_image(batch):
    keys = jax.random.split(jax.random.key(0), len(batch))
    eager = np.stack([np.asarray(jaxaug.augment_image(k, x, FULL)) for k, x in zip(keys, batch)])
    jitted = np.stack(
        [np.asarray(jax.jit(jaxaug.augment_image, static_argnums=2)(k, x, FULL)) for k, x in zip(keys, batch)]
    )
    vmapped = np.asarray(
        jax.jit(jax.vmap(jaxaug.augment_image, in_axes=(0, 0, None)), static_argnums=2)(keys, batch, FULL)
    )
    assert_close(jitted, eager, dtype=np.float32)  # 100 eps: XLA may fuse multiply-adds differently
    assert_close(vmapped, eager, dtype=np.float32)


def test_grayscale_image_without_channel_axis(rng):
    image = rng.uniform(size=(7, 9)).astype(np.float32)
    out = jaxaug.augment_image(jax.random.key(0), image, FULL)
    assert out.shape == (7, 9)


def test_colour_ops_against_numpy(rng):
    x = rng.uniform(10, 200, size=(4, 5, 3)).astype(np.float32)
    offsets = np.array([30.0, -50.0, 5.0], np.float32)
    np.testing.assert_allclose(jaxaug.shift_channels(x, offsets), np.clip(x + offsets, x.min(), x.max()), rtol=1e-6)
    u8 = x.astype(np.uint8)
    np.testing.assert_array_equal(
        jaxaug.adjust_brightness(u8, 1.7), np.clip(np.floor(u8 * np.float32(1.7) + 0.5), 0, 255).astype(np.uint8)
    )
    shifted = np.asarray(jaxaug.random_channel_shift(jax.random.key(0), x, 20.0))
    assert shifted.shape == x.shape and not np.allclose(shifted, x)
    bright = np.asarray(jaxaug.random_brightness(jax.random.key(0), x, 0.5, 0.6))
    ratio = bright / x
    assert np.allclose(ratio, ratio.flat[0], rtol=1e-5) and 0.5 <= ratio.flat[0] <= 0.6


def test_bad_inputs_are_rejected(batch):
    with pytest.raises(ValueError, match=r"`images` must have rank 4 \(B, H, W, C\), got shape \(9, 12, 3\)"):
        jaxaug.augment(jax.random.key(0), batch[0], FULL)
    with pytest.raises(TypeError, match="`config` must be a jaxaug.AugmentConfig"):
        jaxaug.augment(jax.random.key(0), batch, {"rotation_range": 10})
    with pytest.raises(ValueError, match=r"`example_ids` must have shape \(4,\)"):
        jaxaug.augment(jax.random.key(0), batch, FULL, example_ids=np.arange(3))
    with pytest.raises(TypeError, match="`example_ids` must be integers"):
        jaxaug.augment(jax.random.key(0), batch, FULL, example_ids=np.arange(4.0))


geometric_configs = st.builds(
    jaxaug.AugmentConfig,
    rotation_range=st.floats(0, 180),
    width_shift_range=st.floats(0, 5),
    height_shift_range=st.floats(0, 5),
    shear_range=st.floats(0, 60),
    zoom_range=st.tuples(st.floats(0.3, 1.0), st.floats(1.0, 3.0)),
    horizontal_flip=st.booleans(),
    vertical_flip=st.booleans(),
    fill_mode=st.sampled_from(["nearest", "reflect", "mirror", "wrap", "grid-wrap", "grid-mirror"]),
    interpolation_order=st.sampled_from([0, 1]),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=geometric_configs,
    shape=st.sampled_from([(1, 1, 1), (1, 6, 3), (5, 1, 1), (6, 9, 3)]),
    dtype=st.sampled_from([np.float32, np.uint8]),
    seed=st.integers(0, 2**31 - 1),
)
def test_property_valid_configs_stay_finite_and_in_range(config, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-50, 250, size=(2, *shape)) if dtype == np.float32 else rng.integers(0, 256, (2, *shape))
    images = images.astype(dtype)
    out = np.asarray(jax.jit(jaxaug.augment, static_argnums=2)(jax.random.key(seed), images, config))
    assert out.shape == images.shape and out.dtype == images.dtype
    assert np.isfinite(out.astype(np.float64)).all()
    for x, y in zip(images, out):  # order 0/1 with non-constant modes never leave the input's range
        assert x.min() - 1e-3 <= y.min() and y.max() <= x.max() + 1e-3


@settings(max_examples=40, deadline=None)
@given(
    field=st.sampled_from(["rotation_range", "width_shift_range", "shear_range", "channel_shift_range", "cval"]),
    value=st.one_of(st.floats(max_value=-1e-9), st.just(float("nan")), st.just(float("inf")), st.text(max_size=3)),
)
def test_property_invalid_values_always_raise_named_errors(field, value):
    if field == "cval" and isinstance(value, float) and np.isfinite(value):
        return  # any finite cval is valid
    with pytest.raises((TypeError, ValueError), match=f"`{field}`"):
        jaxaug.AugmentConfig(**{field: value})
