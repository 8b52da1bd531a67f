"""AugmentConfig validation and the statistics of the key-first samplers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxaug
from jaxaug._src import sampling
from tests.helpers import uniform_levels

N = 1000


def draw(config, shape=(40, 50, 3), n=N):
    keys = jax.random.split(jax.random.key(123), n)
    return jax.jit(jax.vmap(lambda k: jaxaug.sample_params(k, shape, config)))(keys)


def test_rotation_is_symmetric_and_in_range():
    p = draw(jaxaug.AugmentConfig(rotation_range=30))
    theta = np.rad2deg(np.asarray(p.theta))
    assert np.abs(theta).max() <= 30 and np.abs(theta).max() > 29
    assert 0.45 < (theta > 0).mean() < 0.55
    assert abs(theta.mean()) < 3 * 30 / np.sqrt(3 * N)  # 3 sigma of U(-30, 30)


def test_flip_rate_is_one_half_and_independent_of_rotation():
    p = draw(jaxaug.AugmentConfig(rotation_range=30, horizontal_flip=True, vertical_flip=True))
    h, v, theta = np.asarray(p.flip_horizontal), np.asarray(p.flip_vertical), np.asarray(p.theta)
    for flips in (h, v):
        assert abs(flips.mean() - 0.5) < 3 * 0.5 / np.sqrt(N)
    # Separate subkeys: neither flip correlates with the angle or the other flip (augmax reused keys here).
    for a, b in [(h, v), (h, theta > 0), (v, theta > 0)]:
        assert abs(np.corrcoef(a.astype(float), b.astype(float))[0, 1]) < 0.1


def test_shift_fraction_scales_by_the_named_dimension():
    p = draw(jaxaug.AugmentConfig(width_shift_range=0.2, height_shift_range=0.1), shape=(40, 50, 3))
    dx, dy = np.asarray(p.dx), np.asarray(p.dy)
    assert 9.5 < np.abs(dx).max() <= 10.0  # 0.2 * W
    assert 3.8 < np.abs(dy).max() <= 4.0  # 0.1 * H


def test_shift_of_one_or_more_is_in_pixels():
    p = draw(jaxaug.AugmentConfig(width_shift_range=3, height_shift_range=1.5), shape=(400, 500))
    assert 2.9 < np.abs(np.asarray(p.dx)).max() <= 3.0
    assert 1.4 < np.abs(np.asarray(p.dy)).max() <= 1.5


def test_zoom_factors_are_independent_and_in_range():
    p = draw(jaxaug.AugmentConfig(zoom_range=(0.5, 1.5)))
    zy, zx = np.asarray(p.zy), np.asarray(p.zx)
    for z in (zy, zx):
        assert 0.5 <= z.min() < 0.55 and 1.45 < z.max() <= 1.5
    assert abs(np.corrcoef(zy, zx)[0, 1]) < 0.1


def test_channel_shift_and_brightness_ranges():
    p = draw(jaxaug.AugmentConfig(channel_shift_range=20, brightness_range=(0.5, 0.9)))
    shifts = np.asarray(p.channel_shift)
    assert shifts.shape == (N, 3) and np.abs(shifts).max() <= 20
    assert abs(np.corrcoef(shifts[:, 0], shifts[:, 1])[0, 1]) < 0.1  # one offset per channel
    b = np.asarray(p.brightness)
    assert 0.5 <= b.min() < 0.52 and 0.88 < b.max() <= 0.9


def test_disabled_parameters_are_identity():
    p = jaxaug.sample_params(jax.random.key(0), (8, 8, 3), jaxaug.AugmentConfig())
    np.testing.assert_array_equal(jaxaug.params_to_matrix(p, (8, 8, 3)), np.eye(3))


def test_same_key_same_draw_different_keys_differ():
    config = jaxaug.AugmentConfig(rotation_range=10, zoom_range=0.1)
    a = jaxaug.random_affine_matrix(jax.random.key(5), (9, 9), config)
    b = jaxaug.random_affine_matrix(jax.random.key(5), (9, 9), config)
    c = jaxaug.random_affine_matrix(jax.random.key(6), (9, 9), config)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_legacy_prngkey_equals_typed_key():
    config = jaxaug.AugmentConfig(rotation_range=10, horizontal_flip=True)
    np.testing.assert_array_equal(
        jaxaug.random_affine_matrix(jax.random.PRNGKey(3), (9, 9), config),
        jaxaug.random_affine_matrix(jax.random.key(3), (9, 9), config),
    )


def test_random_rotation_matrix_is_a_centred_rotation():
    m = np.asarray(jaxaug.random_rotation_matrix(jax.random.key(0), (7, 7), 45.0))
    np.testing.assert_allclose(m[:2, :2] @ m[:2, :2].T, np.eye(2), atol=1e-6)
    np.testing.assert_allclose(m[:2, :2] @ [3.0, 3.0] + m[:2, 2], [3.0, 3.0], atol=1e-5)  # centre fixed


def test_config_is_hashable_and_normalised():
    a = jaxaug.AugmentConfig(zoom_range=0.2, rotation_range=10)
    b = jaxaug.AugmentConfig(zoom_range=[0.8, 1.2], rotation_range=10.0)
    assert a == b and hash(a) == hash(b)
    assert a.zoom_range == (0.8, 1.2)
    with pytest.raises(AttributeError):
        a.rotation_range = 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rotation_range": -1}, ValueError, r"`rotation_range` must be in \[0.0, inf\], got -1"),
        ({"rotation_range": "10"}, TypeError, "`rotation_range` must be a real number"),
        ({"rotation_range": float("nan")}, ValueError, "`rotation_range` must be finite"),
        ({"width_shift_range": float("inf")}, ValueError, "`width_shift_range` must be finite"),
        ({"shear_range": 90}, ValueError, r"`shear_range` must be in \[0.0, 90.0\)"),
        ({"zoom_range": 1.5}, ValueError, r"`zoom_range` as a single number must be in \[0, 1\)"),
        ({"zoom_range": (0.5, 1.0, 2.0)}, ValueError, "`zoom_range` must have exactly two numbers"),
        ({"zoom_range": (-0.5, 1.0)}, ValueError, r"`zoom_range\[0\]` must be in"),
        ({"brightness_range": (1.2, 0.8)}, ValueError, "`brightness_range` must satisfy lower <= upper"),
        ({"brightness_range": 0.5}, TypeError, "`brightness_range` must be a tuple or list of two numbers"),
        ({"horizontal_flip": "yes"}, TypeError, "`horizontal_flip` must be a bool"),
        ({"fill_mode": "edge"}, ValueError, "`fill_mode` must be one of 'constant', 'nearest', 'reflect'"),
        ({"interpolation_order": 9}, ValueError, "`interpolation_order` must be one of 0, 1, 2, 3, 4, 5"),
        ({"zoom_range": (1.2, 0.8)}, ValueError, "`zoom_range` must satisfy lower <= upper"),
        ({"cval": None}, TypeError, "`cval` must be a real number"),
    ],
)
def test_invalid_config_raises_a_named_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        jaxaug.AugmentConfig(**kwargs)


def test_sampler_rejects_bad_image_shape():
    with pytest.raises(ValueError, match=r"`image_shape` must be \(H, W\) or \(H, W, C\)"):
        jaxaug.sample_params(jax.random.key(0), (1, 8, 8, 3), jaxaug.AugmentConfig())


def test_sampler_draws_float32_without_x64_promotion():
    p = jaxaug.sample_params(jax.random.key(0), (8, 8, 3), jaxaug.AugmentConfig(rotation_range=5))
    assert all(jnp.asarray(x).dtype in (jnp.float32, jnp.bool_) for x in p)


def test_uniform_levels_follows_its_documented_bit_layout_exactly():
    key = jax.random.key(3)
    for shape, lo, hi in (((5, 7, 3), 0.0, 1.0), ((4, 6, 2), -1.0, 1.0), ((1,), 2.0, 5.0)):
        got = sampling.uniform_levels(key, shape, lo, hi)
        assert got.shape == shape and got.dtype == jnp.float32
        np.testing.assert_array_equal(np.asarray(got, np.float64), uniform_levels(key, shape, lo, hi))


def test_uniform_levels_is_uniform_on_65536_symmetric_levels_inside_the_interval():
    x = np.asarray(sampling.uniform_levels(jax.random.key(0), (256, 256, 2), -1.0, 1.0), np.float64)
    assert -1.0 < x.min() and x.max() < 1.0
    k = (x + 1.0) * 32768.0 - 0.5  # the 16-bit level of each value
    np.testing.assert_array_equal(k, np.round(k))  # on the grid, exactly
    assert abs(x.mean()) < 0.01 and abs(x.var() - 1.0 / 3.0) < 0.01  # U(-1, 1): mean 0, variance 1/3
    counts = np.histogram(x, bins=16, range=(-1, 1))[0]
    assert counts.min() > 0.9 * x.size / 16  # no empty or thin band
