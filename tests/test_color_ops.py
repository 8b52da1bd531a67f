"""Colour ops against their oracles: PIL ImageEnhance/ImageOps, colorsys, scipy.ndimage and numpy.

PIL truncates where jaxaug rounds, so blends, grayscale and hue are checked within one level on
uint8; the ImageOps look-up tables (solarize, posterize, invert, equalize, autocontrast) and erasing
are exact. Each jitted function is compiled once and reused.
"""

import colorsys
import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps
from scipy import ndimage

import jaxaug
from jaxaug._src import color

_RNG = np.random.default_rng(16)
SHAPE = (22, 24, 3)  # 528 pixels: PIL's equalize step (pixels // 255) is 2, not the do-nothing 0
RANDOM = _RNG.integers(0, 256, SHAPE, dtype=np.uint8)
FULL_RANGE = _RNG.integers(0, 256, SHAPE, dtype=np.uint8)
FULL_RANGE[0, 0], FULL_RANGE[-1, -1] = 0, 255
# random, constant, all-black and full-range images: one (4, 22, 24, 3) batch. Tests call the ops on
# this shape with (4,) per-example parameters wherever they can, so that each op compiles few times.
IMAGES = np.stack([RANDOM, np.full_like(RANDOM, 77), np.zeros_like(RANDOM), FULL_RANGE])


def per_example(value, dtype=np.float32):
    return np.full(len(IMAGES), value, dtype)


def pil_map(images, fn):
    """``fn`` applied to each uint8 image of a batch through PIL."""
    return np.stack(
        [np.asarray(fn(Image.fromarray(np.asarray(im).squeeze(-1) if im.shape[-1] == 1 else im))) for im in images]
    )


def assert_within_one_level(actual, expected):
    actual = np.asarray(actual)
    assert actual.dtype == np.uint8 and actual.shape == np.shape(expected), (actual.dtype, actual.shape)
    diff = np.abs(actual.astype(np.int64) - np.asarray(expected, np.int64))
    assert diff.max() <= 1, f"max difference {diff.max()} levels at {np.argwhere(diff > 1)[:5].tolist()}"


def assert_exact(actual, expected):
    actual = np.asarray(actual)
    assert actual.dtype == np.asarray(expected).dtype, (actual.dtype, np.asarray(expected).dtype)
    np.testing.assert_array_equal(actual, expected)


# ---------------------------------------------------------------------------------------------------------------
# PIL ImageEnhance and convert("L"): within one level.
# ---------------------------------------------------------------------------------------------------------------

ENHANCE = {
    "adjust_brightness": ImageEnhance.Brightness,
    "adjust_contrast": ImageEnhance.Contrast,
    "adjust_saturation": ImageEnhance.Color,
    "adjust_sharpness": ImageEnhance.Sharpness,
}
FACTORS = (0.0, 0.3, 1.0, 1.7, 6.0)


@pytest.mark.parametrize("name", ENHANCE)
def test_enhance_matches_pil_with_per_example_factors(name):
    fn = getattr(jaxaug, name)
    for factors in [per_example(f) for f in FACTORS] + [np.array([6.0, 1.7, 0.3, 0.0], np.float32)]:
        expected = np.stack(
            [np.asarray(ENHANCE[name](Image.fromarray(im)).enhance(f)) for im, f in zip(IMAGES, factors)]
        )
        assert_within_one_level(fn(IMAGES, factors), expected)


def test_contrast_and_saturation_of_one_channel_follow_pil_l_mode():
    gray = IMAGES[..., :1]
    expected = pil_map(gray, lambda im: ImageEnhance.Contrast(im).enhance(0.4))[..., None]
    assert_within_one_level(jaxaug.adjust_contrast(gray, 0.4), expected)
    assert_exact(jaxaug.adjust_saturation(gray, 0.4), gray)  # one channel is its own grayscale


def test_sharpness_keeps_images_too_small_to_filter():
    tiny = IMAGES[0, :2, :5]
    assert_exact(jaxaug.adjust_sharpness(tiny, 0.0), tiny)


def test_rgb_to_grayscale_matches_pil_convert_l():
    expected = pil_map(IMAGES, lambda im: im.convert("L"))[..., None]
    assert_within_one_level(jaxaug.rgb_to_grayscale(IMAGES), expected)
    three = np.asarray(jaxaug.rgb_to_grayscale(IMAGES, num_channels=3))
    assert three.shape == IMAGES.shape and (three == three[..., :1]).all()
    assert_within_one_level(three[..., :1], expected)


def test_blend_targets_are_straight_through_for_gradients():
    x = jnp.asarray(RANDOM[:4, :4] / 255.0 * 0.5 + 0.25, jnp.float32)  # no clipping anywhere
    grad = jax.grad(lambda x: jnp.sum(jaxaug.adjust_saturation(x, 0.5)))(x)
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    np.testing.assert_allclose(grad, np.broadcast_to(0.5 + 0.5 * 3 * luma, x.shape), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# Hue (colorsys) and gamma (numpy formula): within one level.
# ---------------------------------------------------------------------------------------------------------------


def colorsys_hue(image, delta):
    """Per pixel: colorsys RGB -> HSV, hue + delta mod 1, back to RGB; in [0, 255] float64."""
    out = np.empty(image.shape, np.float64)
    for idx in np.ndindex(image.shape[:-1]):
        h, s, v = colorsys.rgb_to_hsv(*(image[idx] / 255.0))
        out[idx] = colorsys.hsv_to_rgb((h + delta) % 1.0, s, v)
    return out * 255.0


@pytest.mark.parametrize("delta", [-0.5, -0.37, 0.0, 0.1, 1 / 3, 0.5])
def test_adjust_hue_matches_colorsys(delta):
    expected = np.stack([colorsys_hue(im, delta) for im in IMAGES])
    assert_within_one_level(jaxaug.adjust_hue(IMAGES, per_example(delta)), np.floor(expected + 0.5))
    unit = jaxaug.adjust_hue(IMAGES.astype(np.float32) / 255, per_example(delta))
    np.testing.assert_allclose(unit, expected / 255, atol=2e-6)


@pytest.mark.parametrize(("gamma", "gain"), [(0.0, 1.0), (0.5, 1.0), (1.0, 0.5), (2.2, 1.3)])
def test_adjust_gamma_matches_the_torchvision_skimage_formula(gamma, gain):
    expected = np.clip(gain * 255.0 * (IMAGES / 255.0) ** gamma, 0, 255)  # numpy: 0 ** 0 == 1
    got = jaxaug.adjust_gamma(IMAGES, per_example(gamma), gain=per_example(gain))
    assert_within_one_level(got, np.floor(expected + 0.5))
    unit = jaxaug.adjust_gamma(IMAGES.astype(np.float32) / 255, per_example(gamma), gain=per_example(gain))
    np.testing.assert_allclose(unit, expected / 255, atol=2e-6)


# ---------------------------------------------------------------------------------------------------------------
# PIL ImageOps: exact on uint8.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0, 1, 128, 200, 255, 256])
def test_solarize_is_pil_exactly(threshold):
    expected = pil_map(IMAGES, lambda im: ImageOps.solarize(im, threshold))
    assert_exact(jaxaug.solarize(IMAGES, per_example(threshold)), expected)


def test_posterize_and_invert_are_pil_exactly():
    for bits in range(1, 9):
        expected = pil_map(IMAGES, lambda im, b=bits: ImageOps.posterize(im, b))
        assert_exact(jaxaug.posterize(IMAGES, per_example(bits, np.int32)), expected)
    assert_exact(jaxaug.invert(IMAGES), pil_map(IMAGES, ImageOps.invert))


def equalize_cases():
    """Two batches shaped like IMAGES: random, skewed, narrow, two-level, clipped-table and do-nothing cases."""
    rng = np.random.default_rng(1)
    uniform = rng.integers(0, 256, SHAPE, dtype=np.uint8)
    skewed = (rng.integers(0, 256, SHAPE) ** 3 // 255**2).astype(np.uint8)  # mostly dark
    narrow = rng.integers(100, 104, SHAPE, dtype=np.uint8)
    two = np.where(rng.random(SHAPE) < 0.9, 3, 250).astype(np.uint8)
    clipped = np.zeros(SHAPE, np.uint8)
    clipped.reshape(-1, 3)[264:527] = 1
    clipped.reshape(-1, 3)[527] = 2  # PIL's table maps 2 past 255 (clipped to 255)
    step_zero = np.where(rng.random(SHAPE) < 0.7, 200, 5).astype(np.uint8)  # top level holds > 273 pixels
    return np.stack([uniform, skewed, narrow, two]), np.stack(
        [clipped, step_zero, np.full_like(uniform, 9), 0 * uniform]
    )


def test_equalize_is_pil_exactly_and_uses_no_sort():
    for images in equalize_cases():
        assert_exact(jaxaug.equalize(images), pil_map(images, ImageOps.equalize))
    assert_exact(jaxaug.equalize(IMAGES), pil_map(IMAGES, ImageOps.equalize))
    assert not re.search(r"\bsort\[", str(jax.make_jaxpr(jaxaug.equalize)(IMAGES)))


def test_autocontrast_is_pil_exactly_including_its_float64_rounding():
    rng = np.random.default_rng(2)
    n = 120
    lo = rng.integers(0, 255, (n, 1, 1, 3))
    hi = np.minimum(lo + rng.integers(1, 80, (n, 1, 1, 3)), 255)
    images = (lo + (hi - lo) * rng.random((n, 6, 8, 3)) + 0.5).astype(np.uint8)
    images[:, 0, 0], images[:, -1, -1] = lo[:, 0, 0], hi[:, 0, 0]
    images = np.concatenate([images, IMAGES[:, :6, :8]])
    expected = pil_map(images, ImageOps.autocontrast)
    assert_exact(jaxaug.autocontrast(images), expected)
    # The batch exercises PIL's float64 table: the exact floor differs from it somewhere.
    lo, hi = images.min(axis=(1, 2), keepdims=True).astype(int), images.max(axis=(1, 2), keepdims=True).astype(int)
    exact_floor = np.where(hi > lo, (images - lo) * 255 // np.maximum(hi - lo, 1), images)
    assert (exact_floor != expected).any()


def test_autocontrast_is_pil_exactly_over_many_level_ranges():
    # One channel per (lowest, highest) pair, holding every level of its range: 3000 of the 32896 pairs with
    # lowest <= highest (a subset keeps the test fast), constant and one-level-apart ones included.
    lo, hi = np.triu_indices(256)
    pick = np.random.default_rng(4).choice(lo.size, 3000, replace=False)
    ramps = np.clip(np.arange(256), lo[pick, None], hi[pick, None]).astype(np.uint8)
    images = ramps.reshape(-1, 3, 1, 256).transpose(0, 2, 3, 1)
    assert (lo[pick] == hi[pick]).any() and (hi[pick] - lo[pick] == 1).any()
    assert_exact(jaxaug.autocontrast(images), pil_map(images, ImageOps.autocontrast))


def test_equalize_is_pil_exactly_with_odd_and_even_steps():
    # PIL's step is (pixels - count of the top level) // 255: 2000 pixels per channel, 2-60% of them white (the top).
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (3, 40, 50, 3)) ** rng.uniform(1, 2.5, (3, 1, 1, 3)) / 255 ** rng.uniform(0, 1.5)
    white = rng.random(images.shape) < np.linspace(0.02, 0.6, 9).reshape(3, 1, 1, 3)
    images = np.where(white, 255, np.minimum(images, 254)).astype(np.uint8)
    counts = np.stack([np.bincount(c.ravel(), minlength=256) for c in images.transpose(0, 3, 1, 2).reshape(9, 40, 50)])
    steps = (counts.sum(axis=1) - counts[:, 255]) // 255
    assert set(steps.tolist()) >= {3, 4, 5, 6, 7}, steps
    assert_exact(jaxaug.equalize(images), pil_map(images, ImageOps.equalize))


# ---------------------------------------------------------------------------------------------------------------
# Gaussian blur (scipy.ndimage) and erasing (numpy).
# ---------------------------------------------------------------------------------------------------------------

FLOATS = _RNG.uniform(0, 1, (3, 7, 9, 2)).astype(np.float32)


def scipy_blur(image, sigma, radius):
    return ndimage.gaussian_filter(np.asarray(image, np.float64), (sigma, sigma, 0), mode="reflect", radius=radius)


@pytest.mark.parametrize("sigma", [0.0, 0.7, 3.0])  # 3.0: radius 12 > 9 pixels, reflected repeatedly
def test_gaussian_blur_matches_scipy_default_truncate(sigma):
    radius = int(4.0 * sigma + 0.5)
    assert color.default_kernel_size(sigma) == 2 * radius + 1
    expected = np.stack([scipy_blur(im, sigma, radius) for im in FLOATS])
    np.testing.assert_allclose(jaxaug.gaussian_blur(FLOATS, sigma), expected, atol=1e-6)


@pytest.mark.parametrize("length", [11, 12, 13, 40])  # radius 4: reflected whole below 12, head/body/tail from 12
def test_gaussian_blur_edges_equal_scipy_on_both_code_paths(length):
    image = _RNG.uniform(-1, 1, (length, length + 3, 2)).astype(np.float32)
    expected = scipy_blur(image, 1.3, 4)
    np.testing.assert_allclose(jaxaug.gaussian_blur(image, 1.3, kernel_size=9), expected, atol=1e-6)


def test_gaussian_blur_per_example_sigma_and_uint8():
    sigmas = np.array([0.5, 1.0, 2.0], np.float32)
    expected = np.stack([scipy_blur(im, s, 2) for im, s in zip(FLOATS, sigmas)])
    got = jax.jit(jaxaug.gaussian_blur, static_argnames="kernel_size")(FLOATS, sigmas, kernel_size=5)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    expected = np.stack([scipy_blur(im, s, 2) for im, s in zip(IMAGES, OPS["gaussian_blur"][1])])
    assert_within_one_level(
        jaxaug.gaussian_blur(IMAGES, op_params("gaussian_blur", 255), kernel_size=5), expected + 0.5
    )


def numpy_erase(image, top, left, height, width, value):
    out = np.array(image)
    out[top : top + height, left : left + width] = value
    return out


def test_erase_is_numpy_slice_assignment_exactly():
    value = np.array([10, 200, 33], np.uint8)
    for rect in [(0, 0, 3, 4), (5, 9, 20, 20), (2, 3, 0, 5), (21, 23, 1, 1)]:  # past the edge, empty, corner
        assert_exact(jaxaug.erase(RANDOM, *rect, value), numpy_erase(RANDOM, *rect, value))
    tops, lefts = np.array([0, 3, 18, 1]), np.array([2, 0, 21, 5])
    values = np.array([[0.0], [255.0], [60.0], [1.0]], np.float32)  # one value per image
    got = jax.jit(jaxaug.erase)(IMAGES, tops, lefts, 4, 3, values)
    expected = np.stack([numpy_erase(im, t, le, 4, 3, v) for im, t, le, v in zip(IMAGES, tops, lefts, values)])
    assert_exact(got, expected.astype(np.uint8))


# ---------------------------------------------------------------------------------------------------------------
# Every op: batch == per image, eager == jit(vmap), float [0, 1] == uint8 / 255, dtypes.
# ---------------------------------------------------------------------------------------------------------------


def _erase(x, p, m):
    return jaxaug.erase(x, p, p + 1, 5, 6, jnp.array([0.2, 0.6, 1.0], jnp.float32) * m)  # 51, 153, 255 for uint8


# name -> (fn(image, per-example parameter, white level), parameters for the 4 images, float-vs-uint8 tolerance in
# levels: 0 for ops on levels; 0.5 for uint8's rounding; blends add |1 - factor| (<= 1.5 here) where the float
# image's blend target rounds to the level next to the uint8 one (a near tie).
LEVELS, ROUND, BLEND = 1e-4, 0.5 + 1e-3, 2.0 + 1e-3
OPS = {
    "adjust_brightness": (lambda x, p, m: jaxaug.adjust_brightness(x, p), [0.2, 0.9, 1.4, 2.5], ROUND),
    "adjust_contrast": (lambda x, p, m: jaxaug.adjust_contrast(x, p), [0.2, 0.9, 1.4, 2.5], BLEND),
    "adjust_saturation": (lambda x, p, m: jaxaug.adjust_saturation(x, p), [0.2, 0.9, 1.4, 2.5], BLEND),
    "adjust_sharpness": (lambda x, p, m: jaxaug.adjust_sharpness(x, p), [0.2, 0.9, 1.4, 2.5], BLEND),
    "adjust_hue": (lambda x, p, m: jaxaug.adjust_hue(x, p), [-0.4, 0.05, 0.25, 0.5], ROUND),
    "adjust_gamma": (lambda x, p, m: jaxaug.adjust_gamma(x, p), [0.3, 1.0, 1.5, 2.2], ROUND),
    "rgb_to_grayscale": (lambda x, p, m: jaxaug.rgb_to_grayscale(x, num_channels=3), [0, 0, 0, 0], ROUND),
    "gaussian_blur": (lambda x, p, m: jaxaug.gaussian_blur(x, p, kernel_size=5), [0.0, 0.6, 1.0, 2.0], ROUND),
    "solarize": (lambda x, p, m: jaxaug.solarize(x, p), [0, 77, 128, 230], LEVELS),  # in image units
    "posterize": (lambda x, p, m: jaxaug.posterize(x, p), [1, 3, 6, 8], LEVELS),
    "invert": (lambda x, p, m: jaxaug.invert(x), [0, 0, 0, 0], LEVELS),
    "equalize": (lambda x, p, m: jaxaug.equalize(x), [0, 0, 0, 0], LEVELS),
    "autocontrast": (lambda x, p, m: jaxaug.autocontrast(x), [0, 0, 0, 0], LEVELS),
    "erase": (_erase, [0, 2, 5, 7], LEVELS),
}


def op_params(name, white):
    params = np.asarray(OPS[name][1], np.int32 if name in ("posterize", "erase") else np.float32)
    return params / np.float32(255) if name == "solarize" and white == 1 else params


@pytest.mark.optimized
@pytest.mark.parametrize("name", OPS)
def test_batch_equals_per_image_and_jit_vmap_equals_eager(name):
    fn = functools.partial(OPS[name][0], m=255.0)
    params = op_params(name, 255)
    batch = fn(IMAGES, params)
    assert_exact(batch, np.stack([fn(im, p) for im, p in zip(IMAGES, params)]))
    assert_exact(jax.jit(jax.vmap(fn))(IMAGES, params), batch)


@pytest.mark.parametrize("name", OPS)
def test_float_unit_images_give_the_uint8_result_over_255(name):
    fn, _, tolerance = OPS[name]
    u8 = np.asarray(fn(IMAGES, op_params(name, 255), 255.0))
    unit = fn(jnp.asarray(IMAGES, jnp.float32) / 255, op_params(name, 1), 1.0)
    assert unit.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(unit) * 255, u8, atol=tolerance)


def test_dtype_in_equals_dtype_out_and_the_scale_follows_the_dtype():
    unit = jnp.asarray(IMAGES, jnp.float32) / 255
    for name in ("adjust_contrast", "equalize", "gaussian_blur"):
        fn = functools.partial(OPS[name][0], p=op_params(name, 1), m=1.0)
        for dtype in (jnp.bfloat16, jnp.float16):
            out = fn(unit.astype(dtype))
            assert out.dtype == dtype
            np.testing.assert_allclose(
                np.asarray(out, np.float32), fn(unit.astype(dtype).astype(jnp.float32)), atol=4e-3
            )
    u16 = RANDOM.astype(np.uint16) * 257  # uint16's scale is [0, 65535]
    assert_exact(jaxaug.invert(u16), 65535 - u16)
    assert_exact(jaxaug.posterize(u16, 2), (RANDOM & 0xC0).astype(np.uint16) * 257)
    # Float images in [0, 255] with max_value=255 behave as uint8 (up to the final rounding).
    f255 = IMAGES.astype(np.float32)
    contrast = op_params("adjust_contrast", 255)
    got = jaxaug.adjust_contrast(f255, contrast, max_value=255)
    np.testing.assert_allclose(got, jaxaug.adjust_contrast(IMAGES, contrast), atol=0.5 + 1e-3)
    assert_exact(jaxaug.autocontrast(f255, max_value=255.0), np.asarray(jaxaug.autocontrast(IMAGES), np.float32))


def test_brightness_keeps_2d_images_and_the_random_twin_keeps_float_values():
    assert_exact(jaxaug.adjust_brightness(np.array([[100, 200]], np.uint8), 1.5), np.array([[150, 255]], np.uint8))
    x = np.full((2, 2, 1), 100.0, np.float32)
    assert float(jaxaug.adjust_brightness(x, 2.0).max()) == 1.0  # clipped to the [0, 1] scale
    assert float(jaxaug.random_brightness(jax.random.key(0), x, 1.5, 1.6).max()) >= 150.0  # unclipped scaling


# ---------------------------------------------------------------------------------------------------------------
# Named errors.
# ---------------------------------------------------------------------------------------------------------------

BAD = [
    (lambda: jaxaug.adjust_contrast(RANDOM, -0.5), ValueError, r"`factor` must be in \[0.0, inf\], got -0.5"),
    (lambda: jaxaug.adjust_brightness(RANDOM, True), TypeError, "`factor` must be a real number"),
    (lambda: jaxaug.posterize(RANDOM, 0), ValueError, "`bits` must be an int >= 1, got 0"),
    (lambda: jaxaug.posterize(RANDOM, 9), ValueError, r"`bits` must be an int in \[1, 8\], got 9"),
    (lambda: jaxaug.posterize(RANDOM, 2.5), TypeError, "`bits` must be an int"),
    (lambda: jaxaug.adjust_hue(RANDOM, 0.6), ValueError, r"`delta` must be in \[-0.5, 0.5\], got 0.6"),
    (lambda: jaxaug.adjust_hue(RANDOM[..., :1], 0.1), ValueError, "adjust_hue needs `image` with 3 channels"),
    (lambda: jaxaug.adjust_saturation(RANDOM[..., :2], 0.1), ValueError, "1 or 3 channels"),
    (lambda: jaxaug.rgb_to_grayscale(RANDOM, num_channels=2), ValueError, "`num_channels` must be one of 1, 3"),
    (lambda: jaxaug.adjust_gamma(RANDOM, -1.0), ValueError, "`gamma` must be in"),
    (lambda: jaxaug.gaussian_blur(RANDOM, -1.0), ValueError, "`sigma` must be in"),
    (lambda: jaxaug.gaussian_blur(RANDOM, np.ones(1)), ValueError, "`kernel_size` is required when `sigma` is an"),
    (lambda: jaxaug.gaussian_blur(RANDOM, 1.0, kernel_size=4), ValueError, "`kernel_size` must be odd, got 4"),
    (lambda: jaxaug.erase(RANDOM, -1, 0, 2, 2, 0), ValueError, "`top` must be an int >= 0, got -1"),
    (lambda: jaxaug.invert(RANDOM, max_value=0.0), ValueError, r"`max_value` must be in \(0.0, inf\]"),
    (lambda: jaxaug.adjust_contrast(RANDOM[0], 0.5), ValueError, r"`image` must have shape \(H, W, C\)"),
    (lambda: jaxaug.adjust_contrast(RANDOM, np.ones(2)), ValueError, "`factor` must be a scalar or have the batch"),
    (lambda: jaxaug.equalize(RANDOM.astype(bool)), TypeError, "integer or floating dtype"),
]


@pytest.mark.parametrize(("call", "error", "match"), BAD)
def test_bad_input_gets_a_named_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
