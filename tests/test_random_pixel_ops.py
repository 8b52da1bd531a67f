"""The random pixel operations of ``AugmentConfig``: drawn factors, key streams, the fused chain, errors.

Statistics use one jitted ``vmap(sample_params)`` per config over a few hundred keys and
4-sigma bounds. The chain's oracle is the composition of the public colour functions
(themselves checked against PIL, colorsys and scipy in test_color_ops.py) with the drawn
params, in the documented order.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxaug
from jaxaug._src import sampling
from tests.helpers import uniform_levels

SHAPE = (8, 10, 3)
N = 600
F32 = jnp.float32

# Every random pixel operation on, with strengths that make every statistic visible.
ALL = jaxaug.AugmentConfig(
    contrast_range=(0.5, 1.5),
    saturation_range=(0.2, 1.8),
    hue_range=(-0.3, 0.1),
    gamma_range=(0.6, 1.4),
    sharpness_range=(0.0, 2.0),
    grayscale_probability=0.2,
    autocontrast_probability=0.3,
    equalize_probability=0.4,
    solarize_probability=0.6,
    solarize_threshold=0.7,
    posterize_bits=(3, 6),
    blur_sigma_range=(0.2, 1.2),
    blur_probability=0.35,
    noise_std=0.05,
    erasing_probability=0.45,
    erasing_value="random",
)
GEOMETRY = dict(
    rotation_range=20, zoom_range=0.2, horizontal_flip=True, vertical_flip=True, brightness_range=(0.9, 1.1)
)


@functools.partial(jax.jit, static_argnames="shape")
def _draw(keys, config, shape=SHAPE):
    return jax.vmap(lambda k: jaxaug.sample_params(k, shape, config))(keys)


AUGMENT = jax.jit(jaxaug.augment)


def draw(config, n=N, shape=SHAPE, seed=0):
    return jax.tree.map(np.asarray, _draw(jax.random.split(jax.random.key(seed), n), config, shape=shape))


@functools.cache
def all_params():
    return draw(ALL)


def assert_uniform(values, lo, hi):
    """Range respected and mean within 4 sigma of (lo + hi) / 2."""
    values = np.asarray(values, np.float64)
    assert values.min() >= lo and values.max() <= hi, (values.min(), values.max(), lo, hi)
    sigma = (hi - lo) / math.sqrt(12 * values.size)
    assert abs(values.mean() - (lo + hi) / 2) < 4 * sigma, (values.mean(), lo, hi)
    assert values.std() > 0.25 * (hi - lo)  # spread over the range, not a constant


def assert_rate(gates, p):
    gates = np.asarray(gates)
    assert gates.dtype == bool
    sigma = math.sqrt(p * (1 - p) / gates.size)
    assert abs(gates.mean() - p) < 4 * sigma, (gates.mean(), p)


# ---------------------------------------------------------------------------------------------------------------
# Drawn factors.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["contrast", "saturation", "hue", "gamma", "sharpness"])
def test_factors_are_uniform_over_their_range(family):
    assert_uniform(getattr(all_params(), family), *getattr(ALL, f"{family}_range"))


@pytest.mark.parametrize("family", ["grayscale", "autocontrast", "equalize", "solarize"])
def test_gates_open_at_their_probability(family):
    assert_rate(getattr(all_params(), family), getattr(ALL, f"{family}_probability"))


def test_gates_of_different_families_are_independent():
    p = all_params()
    both = p.equalize & p.solarize
    assert_rate(both, 0.4 * 0.6)


def test_posterize_bits_are_uniform_integers_over_the_range():
    bits = all_params().posterize_bits
    assert bits.dtype == np.float32 and (bits == np.round(bits)).all()
    counts = np.bincount(bits.astype(np.int64), minlength=9)
    assert counts[:3].sum() == 0 and counts[7:].sum() == 0
    sigma = math.sqrt(N * 0.25 * 0.75)
    assert np.all(np.abs(counts[3:7] - N / 4) < 4 * sigma), counts


def test_solarize_threshold_is_the_configured_fraction():
    np.testing.assert_array_equal(all_params().solarize_threshold, np.full(N, 0.7, np.float32))


def test_blur_gate_and_sigma_are_independent():
    sigma = all_params().blur_sigma
    blurred = sigma > 0
    assert_rate(blurred, 0.35)
    assert_uniform(sigma[blurred], 0.2, 1.2)  # the gate does not pick small or large sigmas
    assert ALL.blur_taps == 2 * int(4 * 1.2 + 0.5) + 1


def test_noise_is_independent_gaussian_per_pixel():
    noise = all_params().noise
    assert noise.shape == (N,) + SHAPE
    flat = noise.ravel().astype(np.float64)
    assert abs(flat.mean()) < 4 * 0.05 / math.sqrt(flat.size)
    assert abs(flat.std() / 0.05 - 1) < 4 / math.sqrt(2 * flat.size)
    for axis in (1, 2, 3):  # neighbouring rows, columns, channels and examples are uncorrelated
        a = np.moveaxis(noise, axis, 0)
        assert abs(np.corrcoef(a[:-1].ravel(), a[1:].ravel())[0, 1]) < 4 / math.sqrt(a[1:].size)
    assert abs(np.corrcoef(noise[:-1].ravel(), noise[1:].ravel())[0, 1]) < 4 / math.sqrt(noise[1:].size)


def test_random_erasing_fill_is_uniform_per_pixel():
    fill = all_params().erasing_fill
    assert fill.shape == (N,) + SHAPE
    assert_uniform(fill.ravel(), 0.0, 1.0)


def test_erasing_gate_rate_and_boxes_inside_the_image():
    box = all_params().erasing_box
    assert box.dtype == np.float32 and box.shape == (N, 4) and (box == np.round(box)).all()
    top, left, rows, cols = box.T
    assert_rate(rows * cols > 0, 0.45)  # on 8x10 every draw fits within 10 attempts
    assert (top >= 0).all() and (left >= 0).all()
    assert (top + rows <= SHAPE[0]).all() and (left + cols <= SHAPE[1]).all()
    assert ((rows * cols == 0) == (box == 0).all(axis=1)).all()  # not erased: all zeros


def test_erasing_area_and_aspect_follow_zhong_et_al():
    """Where every first attempt fits, the box is that attempt: area U(scale), log aspect U(log ratio)."""
    shape = (64, 80, 1)
    config = jaxaug.AugmentConfig(erasing_probability=1.0, erasing_scale=(0.02, 0.1), erasing_ratio=(0.5, 3.0))
    top, left, rows, cols = draw(config, shape=shape).erasing_box.T.astype(np.float64)
    area = rows * cols / (64 * 80)
    assert area.min() > 0.015 and area.max() < 0.11  # rounding moves the area a little
    assert abs(area.mean() - 0.06) < 4 * 0.08 / math.sqrt(12 * N) + 0.002
    log_aspect = np.log(rows / cols)
    lo, hi = math.log(0.5), math.log(3.0)
    assert abs(log_aspect.mean() - (lo + hi) / 2) < 4 * (hi - lo) / math.sqrt(12 * N) + 0.02
    for start, room in ((top, 64 - rows), (left, 80 - cols)):  # placed uniformly where it fits
        assert (start <= room).all()
        assert abs((start / room).mean() - 0.5) < 4 / math.sqrt(12 * N) + 0.01


def test_erasing_takes_the_first_fitting_attempt_or_none():
    never = jaxaug.AugmentConfig(erasing_probability=1.0, erasing_scale=(1.0, 1.0), erasing_ratio=(2.0, 3.0))
    np.testing.assert_array_equal(draw(never, n=16).erasing_box, np.zeros((16, 4), np.float32))
    whole = jaxaug.AugmentConfig(erasing_probability=1.0, erasing_scale=(1.0, 1.0), erasing_ratio=(0.8, 0.8))
    np.testing.assert_array_equal(draw(whole, n=16).erasing_box, np.tile([0, 0, 8, 10], (16, 1)))


# ---------------------------------------------------------------------------------------------------------------
# Key streams.
# ---------------------------------------------------------------------------------------------------------------


def test_each_pixel_family_draws_from_its_documented_stream():
    key = jax.random.key(7)
    config = ALL.replace(erasing_scale=(0.05, 0.1))
    p = jaxaug.sample_params(key, SHAPE, config)

    def stream(name):
        return jax.random.fold_in(key, sampling.FIELD_IDS[name])

    for family in ("contrast", "saturation", "hue", "gamma", "sharpness"):
        lo, hi = getattr(config, f"{family}_range")
        assert getattr(p, family) == jax.random.uniform(stream(family), (), F32, lo, hi), family
    for family in ("grayscale", "autocontrast", "equalize", "solarize"):
        gate = jax.random.bernoulli(stream(family), getattr(config, f"{family}_probability"))
        assert getattr(p, family) == gate, family
    assert int(p.posterize_bits) == int(jax.random.randint(stream("posterize"), (), 3, 7, jnp.int32))
    sigma = jax.random.uniform(stream("blur_sigma"), (), F32, 0.2, 1.2)
    assert p.blur_sigma == (sigma if jax.random.bernoulli(stream("blur"), 0.35) else 0.0)
    np.testing.assert_array_equal(p.noise, 0.05 * jax.random.normal(stream("noise"), SHAPE, F32))
    np.testing.assert_array_equal(p.erasing_fill, uniform_levels(stream("erasing_value"), SHAPE, 0.0, 1.0))  # exact
    # The box: one (4, 10) draw of its own stream; with this scale the first attempt always fits.
    u = np.asarray(jax.random.uniform(stream("erasing_box"), (4, 10), F32), np.float64)[:, 0]
    area = 80 * (0.05 + 0.05 * u[0])
    aspect = math.exp(math.log(0.3) + (math.log(3.3) - math.log(0.3)) * u[1])
    rows, cols = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
    top, left = math.floor(u[2] * (8 - rows + 1)), math.floor(u[3] * (10 - cols + 1))
    erased = bool(jax.random.bernoulli(stream("erasing"), 0.45))
    np.testing.assert_array_equal(p.erasing_box, [top, left, rows, cols] if erased else [0, 0, 0, 0])


def test_pixel_ops_never_change_the_geometry_or_brightness_draws():
    base = jaxaug.AugmentConfig(**GEOMETRY, channel_shift_range=4.0)
    a, b = draw(base, n=64), draw(base.replace(**{f: getattr(ALL, f) for f in sampling._PIXEL_FIELDS}), n=64)
    for name in ("theta", "zy", "zx", "flip_horizontal", "flip_vertical", "channel_shift", "brightness"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_ops_that_are_off_get_identity_params_of_fixed_dtypes_and_shapes():
    on, off = draw(ALL, n=4), draw(jaxaug.AugmentConfig(), n=4)
    for name, value in zip(off._fields, off):
        assert value.dtype in (np.float32, np.bool_), name
        assert value.shape == getattr(on, name).shape, name
    for name in ("contrast", "saturation", "gamma", "sharpness"):
        np.testing.assert_array_equal(getattr(off, name), np.ones(4, np.float32))
    assert not (off.grayscale | off.autocontrast | off.equalize | off.solarize).any()
    assert (off.posterize_bits == 8).all() and (off.hue == 0).all() and (off.blur_sigma == 0).all()
    assert not off.noise.any() and not off.erasing_box.any()


def test_one_pixel_op_never_changes_another_ones_draws():
    alone = draw(jaxaug.AugmentConfig(contrast_range=(0.5, 1.5), blur_sigma_range=(0.2, 1.2), blur_probability=0.35))
    full = all_params()
    np.testing.assert_array_equal(alone.contrast, full.contrast)
    np.testing.assert_array_equal(alone.blur_sigma, full.blur_sigma)


# ---------------------------------------------------------------------------------------------------------------
# The fused chain against the composition of the public colour functions.
# ---------------------------------------------------------------------------------------------------------------


def where(gate, new, old):
    return np.where(np.asarray(gate)[:, None, None, None], np.asarray(new), np.asarray(old))


def oracle(images, p, config, max_value):
    """The documented chain order, one public jaxaug colour function per step, per-example params."""
    x = images
    x = jaxaug.adjust_contrast(x, p.contrast, max_value=max_value)
    x = jaxaug.adjust_saturation(x, p.saturation, max_value=max_value)
    x = jaxaug.adjust_hue(x, p.hue)
    x = jaxaug.adjust_gamma(x, p.gamma, max_value=max_value)
    x = jaxaug.adjust_sharpness(x, p.sharpness, max_value=max_value)
    x = where(p.grayscale, jaxaug.rgb_to_grayscale(x, num_channels=3), x)
    x = where(p.autocontrast, jaxaug.autocontrast(x, max_value=max_value), x)
    x = where(p.equalize, jaxaug.equalize(x, max_value=max_value), x)
    x = jaxaug.posterize(x, p.posterize_bits, max_value=max_value)
    x = where(p.solarize, jaxaug.solarize(x, p.solarize_threshold * max_value, max_value=max_value), x)
    x = jaxaug.gaussian_blur(x, p.blur_sigma, kernel_size=config.blur_taps)
    x = np.clip(np.asarray(x) + p.noise * np.float32(max_value), 0, max_value)
    top, left, rows, cols = p.erasing_box.T
    return jaxaug.erase(x, top, left, rows, cols, p.erasing_fill[:, 0, 0, :] * np.float32(max_value))


def test_augment_is_the_composition_of_the_colour_functions():
    images = np.random.default_rng(1).uniform(size=(24,) + SHAPE).astype(np.float32)
    config = ALL.replace(erasing_value=0.25)
    params = jax.tree.map(
        np.asarray,
        jax.vmap(lambda k: jaxaug.sample_params(k, SHAPE, config))(
            jaxaug.example_keys(jax.random.key(3), np.arange(24))
        ),
    )
    for gate in ("grayscale", "autocontrast", "equalize", "solarize"):
        assert 0 < getattr(params, gate).sum() < 24, gate  # both branches of every gate are exercised
    assert 0 < (params.blur_sigma > 0).sum() < 24 and 0 < (params.erasing_box[:, 2] > 0).sum() < 24
    out = AUGMENT(jax.random.key(3), images, config)
    np.testing.assert_allclose(out, oracle(images, params, config, 1.0), rtol=0, atol=2e-6)


def test_random_fill_and_noise_with_a_given_max_value():
    """Float images in [0, 255] with max_value=255: the scale of noise, threshold and fill follows it."""
    images = np.random.default_rng(2).uniform(0, 255, size=(16,) + SHAPE).astype(np.float32)
    config = jaxaug.AugmentConfig(
        solarize_probability=0.5,
        solarize_threshold=0.4,
        noise_std=0.1,
        erasing_probability=0.7,
        erasing_value="random",
        max_value=255.0,
    )
    keys = jaxaug.example_keys(jax.random.key(5), np.arange(16))
    p = jax.tree.map(np.asarray, jax.vmap(lambda k: jaxaug.sample_params(k, SHAPE, config))(keys))
    x = np.where(p.solarize[:, None, None, None] & (images >= 0.4 * 255), 255 - images, images)
    x = np.clip(x + p.noise * 255, 0, 255)
    rows, cols = np.arange(8)[:, None, None], np.arange(10)[None, :, None]
    for i, (top, left, h, w) in enumerate(p.erasing_box):
        inside = (rows >= top) & (rows < top + h) & (cols >= left) & (cols < left + w)
        x[i] = np.where(inside, p.erasing_fill[i] * 255, x[i])
    np.testing.assert_allclose(AUGMENT(jax.random.key(5), images, config), x, rtol=0, atol=3e-5)


def test_integer_images_are_the_float_chain_cast_once():
    images = np.random.default_rng(3).integers(0, 256, size=(12,) + SHAPE, dtype=np.uint8)
    config = jaxaug.AugmentConfig(
        contrast_range=(0.5, 1.5), equalize_probability=0.5, solarize_probability=0.5, noise_std=0.05
    )
    out = np.asarray(AUGMENT(jax.random.key(4), images, config))
    as_float = AUGMENT(jax.random.key(4), images.astype(np.float32), config.replace(max_value=255.0))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.clip(np.floor(np.asarray(as_float) + 0.5), 0, 255).astype(np.uint8))


def test_grayscale_gives_equal_channels_and_keeps_one_channel_images():
    config = jaxaug.AugmentConfig(grayscale_probability=1.0)
    rgb = np.random.default_rng(4).uniform(size=(2,) + SHAPE).astype(np.float32)
    out = np.asarray(jaxaug.augment(jax.random.key(0), rgb, config))
    luma = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    for c in range(3):
        np.testing.assert_allclose(out[..., c], luma, rtol=0, atol=1e-6)
    gray = rgb[..., :1]
    np.testing.assert_array_equal(jaxaug.augment(jax.random.key(0), gray, config), gray)


# ---------------------------------------------------------------------------------------------------------------
# Traced strengths, static structure.
# ---------------------------------------------------------------------------------------------------------------


def test_strength_schedule_never_recompiles():
    step = jax.jit(jaxaug.augment)
    images = np.random.default_rng(5).uniform(size=(2,) + SHAPE).astype(np.float32)
    config = ALL.replace(blur_kernel_size=7, erasing_value=0.5)
    outs, sizes = [], []
    for i in range(3):
        schedule = config.replace(
            contrast_range=(0.5 + i / 10, 1.5),
            grayscale_probability=0.2 + i / 10,
            solarize_threshold=0.7 - i / 10,
            posterize_bits=(3 + i, 6),
            blur_sigma_range=(0.2, 1.2 + i / 2),
            noise_std=0.05 * (i + 1),
            erasing_scale=(0.02, 0.3 + i / 10),
            erasing_value=i / 4,
        )
        outs.append(np.asarray(step(jax.random.key(0), images, schedule)))
        sizes.append(step._cache_size())  # jit caches per function: other tests' configs may be in it
    assert sizes[0] == sizes[1] == sizes[2]
    assert not np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[1], outs[2])


def test_pixel_strengths_are_leaves_only_while_their_op_is_on():
    on = jaxaug.AugmentConfig(noise_std=0.1, posterize_bits=4, erasing_probability=0.5, erasing_value="random")
    leaves, tree = jax.tree.flatten(on)
    assert leaves[8:] == [4, 4, 0.1, 0.5, 0.02, 0.33, 0.3, 3.3]  # after the 8 geometry and brightness leaves
    rebuilt = jax.tree.unflatten(tree, leaves)
    assert rebuilt == on and rebuilt.ops == on.ops and rebuilt.blur_taps == on.blur_taps
    assert len(jax.tree.leaves(jaxaug.AugmentConfig(noise_std=0.0, solarize_threshold=0.3))) == 8


def test_blur_kernel_size_is_static_and_derived_from_the_largest_sigma():
    assert jaxaug.AugmentConfig(blur_sigma_range=(0.0, 1.0)).blur_taps == 9
    assert jaxaug.AugmentConfig(blur_sigma_range=(0.0, 1.0), blur_kernel_size=5).blur_taps == 5
    assert jaxaug.AugmentConfig(blur_sigma_range=(0.0, 1.0), blur_probability=0.0).ops == frozenset()


# ---------------------------------------------------------------------------------------------------------------
# Masks follow the erased rectangle of the same draw.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channels_k", [None, 2])
def test_erased_mask_fill_labels_exactly_the_erased_rectangle(channels_k):
    config = jaxaug.AugmentConfig(horizontal_flip=True, erasing_probability=0.6, erasing_value=0.0)
    images = np.random.default_rng(6).uniform(0.1, 1.0, size=(16,) + SHAPE).astype(np.float32)
    masks = np.arange(16 * 80, dtype=np.int32).reshape(16, 8, 10) % 7 + 1
    if channels_k:
        masks = np.repeat(masks[..., None], channels_k, axis=-1)
    out = jaxaug.augment_with_targets(jax.random.key(8), images, config, masks=masks, erased_mask_fill=-1)
    keys = jaxaug.example_keys(jax.random.key(8), np.arange(16))
    p = jax.tree.map(np.asarray, jax.vmap(lambda k: jaxaug.sample_params(k, SHAPE, config))(keys))
    rows, cols = np.arange(8)[:, None], np.arange(10)[None, :]
    erased_images = 0
    for i, (top, left, h, w) in enumerate(p.erasing_box):
        inside = (rows >= top) & (rows < top + h) & (cols >= left) & (cols < left + w)
        moved = masks[i][:, ::-1] if p.flip_horizontal[i] else masks[i]
        expected = np.where(inside[..., None] if channels_k else inside, -1, moved)
        np.testing.assert_array_equal(out.masks[i], expected)
        np.testing.assert_array_equal(np.asarray(out.images[i]).max(-1) == 0, inside)  # the image's rectangle
        erased_images += bool(inside.any())
    assert 0 < erased_images < 16
    untouched = jaxaug.augment_with_targets(jax.random.key(8), images, config, masks=masks)
    assert (np.asarray(untouched.masks) > 0).all()


def test_erased_mask_fill_must_fit_the_masks_dtype():
    with pytest.raises(ValueError, match=r"`erased_mask_fill`=256 does not fit masks of dtype uint8"):
        jaxaug.augment_with_targets(
            jax.random.key(0),
            np.zeros((1, 4, 4, 1), np.float32),
            jaxaug.AugmentConfig(erasing_probability=0.5),
            masks=np.zeros((1, 4, 4), np.uint8),
            erased_mask_fill=256,
        )


# ---------------------------------------------------------------------------------------------------------------
# Bad input.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"contrast_range": (-0.1, 1.0)}, ValueError, r"`contrast_range\[0\]` must be in \[0.0, inf\], got -0.1"),
        ({"saturation_range": (1.5, 0.5)}, ValueError, r"`saturation_range` must satisfy lower <= upper"),
        ({"gamma_range": (0.5, -1)}, ValueError, r"`gamma_range\[1\]` must be in \[0.0, inf\]"),
        ({"sharpness_range": 2.0}, TypeError, r"`sharpness_range` must be a tuple or list of two numbers"),
        ({"hue_range": (-0.6, 0.1)}, ValueError, r"`hue_range\[0\]` must be in \[-0.5, 0.5\], got -0.6"),
        ({"hue_range": (0.2, 0.1)}, ValueError, r"`hue_range` must satisfy lower <= upper"),
        ({"grayscale_probability": 1.5}, ValueError, r"`grayscale_probability` must be in \[0.0, 1.0\], got 1.5"),
        ({"autocontrast_probability": -0.1}, ValueError, r"`autocontrast_probability` must be in \[0.0, 1.0\]"),
        ({"equalize_probability": 2}, ValueError, r"`equalize_probability` must be in \[0.0, 1.0\]"),
        ({"solarize_probability": 1.01}, ValueError, r"`solarize_probability` must be in \[0.0, 1.0\]"),
        ({"solarize_threshold": 128}, ValueError, r"`solarize_threshold` must be in \[0.0, 1.0\], got 128"),
        ({"posterize_bits": 0}, ValueError, r"`posterize_bits` must be an int in \[1, 8\] .*got 0"),
        ({"posterize_bits": (2, 9)}, ValueError, r"`posterize_bits` must be an int in \[1, 8\] .*got \(2, 9\)"),
        ({"posterize_bits": (6, 3)}, ValueError, r"`posterize_bits` must satisfy lower <= upper"),
        ({"posterize_bits": 4.0}, TypeError, r"`posterize_bits` must be an int, got 4.0"),
        ({"blur_sigma_range": (2.0, 1.0)}, ValueError, r"`blur_sigma_range` must satisfy lower <= upper"),
        ({"blur_probability": 1.2}, ValueError, r"`blur_probability` must be in \[0.0, 1.0\]"),
        ({"blur_kernel_size": 4}, ValueError, r"`blur_kernel_size` must be odd, got 4"),
        ({"noise_std": -0.1}, ValueError, r"`noise_std` must be in \[0.0, inf\]"),
        ({"erasing_probability": 1.1}, ValueError, r"`erasing_probability` must be in \[0.0, 1.0\]"),
        ({"erasing_scale": (0.3, 0.1)}, ValueError, r"`erasing_scale` must satisfy lower <= upper"),
        ({"erasing_scale": (0.1, 1.5)}, ValueError, r"`erasing_scale\[1\]` must be in \[0.0, 1.0\]"),
        ({"erasing_ratio": (0.0, 2.0)}, ValueError, r"`erasing_ratio\[0\]` must be in \(0.0, inf\]"),
        ({"erasing_value": 127}, ValueError, r"`erasing_value` must be in \[0.0, 1.0\], got 127"),
        ({"erasing_value": "mean"}, ValueError, r"`erasing_value` must be a fraction in \[0, 1\] or 'random'"),
        ({"max_value": 0}, ValueError, r"`max_value` must be in \(0.0, inf\], got 0"),
    ],
)
def test_bad_pixel_op_config_raises_a_named_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        jaxaug.AugmentConfig(**kwargs)


def test_hue_on_a_one_channel_image_is_a_named_error():
    with pytest.raises(ValueError, match=r"adjust_hue needs `image` with 3 channels"):
        jaxaug.augment(jax.random.key(0), np.zeros((1, 4, 4, 1), np.float32), jaxaug.AugmentConfig(hue_range=(0, 0.1)))
