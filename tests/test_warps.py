"""Crops, resizes and perspective warps against scipy.ndimage, PIL and numpy slicing."""

import functools

import jax
import numpy as np
import pytest
import scipy.ndimage as ndi
from PIL import Image

import jaxaug
from tests.helpers import assert_close


def crop_matrix(top, left, height, width, size):
    """The oracle's output-to-input matrix of resized_crop, in float64."""
    sr, sc = height / size[0], width / size[1]
    return np.array([[sr, 0, top - 0.5 + 0.5 * sr], [0, sc, left - 0.5 + 0.5 * sc], [0, 0, 1]], np.float64)


def scipy_affine(image, matrix, size, **kwargs):
    image = np.asarray(image)
    if image.ndim == 2:
        return ndi.affine_transform(image, matrix, output_shape=size, **kwargs)
    return np.stack(
        [ndi.affine_transform(image[..., k], matrix, output_shape=size, **kwargs) for k in range(image.shape[-1])], -1
    )


# Boxes whose scales and offsets are exact in float32 (so float32 and float64 coordinates agree):
# zoom in 2x, zoom out 2x, 1.5x, 0.75x, partly and wholly outside the image.
BOXES = np.array(
    [
        [2.0, 3.0, 4.0, 5.0],
        [0.0, -1.0, 16.0, 20.0],
        [-3.5, 4.5, 12.0, 7.5],
        [6.0, 8.0, 6.0, 7.5],
        [-20.0, 30.0, 8.0, 10.0],
    ],
    np.float32,
)
SIZE = (8, 10)


@functools.cache
def batched_crop(order, mode, size=SIZE):
    """One compile per (order, mode): the box is traced, vmapped over BOXES."""

    def crop(image, box):
        return jaxaug.resized_crop(image, box[0], box[1], box[2], box[3], size, order=order, mode=mode, cval=-1.5)

    return jax.jit(jax.vmap(crop, in_axes=(None, 0)))


@pytest.mark.parametrize("mode", ["nearest", "constant", "reflect", "grid-wrap"])
@pytest.mark.parametrize("order", [0, 1, 3])
def test_resized_crop_matches_scipy(order, mode, rng):
    image = (rng.normal(size=(11, 13, 2)) * 4).astype(np.float32)
    out = batched_crop(order, mode)(image, BOXES)
    for actual, box in zip(out, BOXES):
        expected = scipy_affine(image, crop_matrix(*box, SIZE), SIZE, order=order, mode=mode, cval=-1.5)
        assert_close(actual, expected, dtype=np.float32)


def test_resized_crop_integer_order0_is_exact_and_traced_box_never_retraces(rng):
    image = rng.integers(0, 2**31 - 1, size=(11, 13), dtype=np.int64).astype(np.int32)
    fn = batched_crop.__wrapped__(0, "constant")  # a fresh jit, to count its compiles
    out = fn(image, BOXES)
    assert out.dtype == np.int32
    for actual, box in zip(out, BOXES):
        expected = scipy_affine(image, crop_matrix(*box, SIZE), SIZE, order=0, mode="constant", cval=-1.5)
        np.testing.assert_array_equal(actual, np.asarray(expected))  # scipy is exact in float64 here
    fn(image, BOXES + 1.0)
    assert fn._cache_size() == 1


@pytest.mark.parametrize("order", [0, 1, 3])
def test_resized_crop_with_unit_scale_is_a_plain_crop(order, rng):
    image = rng.integers(0, 256, size=(9, 12, 3), dtype=np.uint8)
    out = jaxaug.resized_crop(image, 2, 3, 5, 6, (5, 6), order=order)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, image[2:7, 3:9])


def test_center_crop_is_exact_slicing(rng):
    image = rng.integers(0, 1000, size=(5, 6, 2)).astype(np.int16)
    # Odd margins (3 rows, 3 columns): the extra row and column are cut from the bottom and right.
    np.testing.assert_array_equal(jaxaug.center_crop(image, (2, 3)), image[1:3, 1:4])
    np.testing.assert_array_equal(jaxaug.center_crop(image, (4, 6)), image[0:4])
    np.testing.assert_array_equal(jaxaug.center_crop(image[..., 0], (5, 6)), image[..., 0])
    assert jaxaug.center_crop(image, (2, 3)).dtype == np.int16


def test_resize_is_the_resized_crop_of_the_whole_image(rng):
    image = (rng.normal(size=(7, 9, 2)) * 3).astype(np.float32)
    resize = jax.jit(jaxaug.resize, static_argnames=("size", "order"))
    for size in [(14, 18), (3, 4), (7, 9), (10, 5)]:
        expected = scipy_affine(image, crop_matrix(0.0, 0.0, 7.0, 9.0, size), size, order=1, mode="nearest")
        assert_close(resize(image, size=size), expected, dtype=np.float32)
    np.testing.assert_array_equal(resize(image, size=(7, 9)), image)  # same size: identity
    assert_close(resize(image, size=(7, 9), order=3), image, dtype=np.float32)  # spline: to rounding
    flat = np.full((5, 7), 3, np.uint8)
    np.testing.assert_array_equal(jaxaug.resize(flat, (13, 2), order=3), np.full((13, 2), 3, np.uint8))


def test_resize_antialias_matches_pil_bilinear(rng):
    """PIL's BILINEAR is a scale-widened triangle filter on float images, as jax.image.resize 'linear'."""
    image = rng.uniform(0, 10, size=(37, 29)).astype(np.float32)
    for size in [(9, 7), (12, 20), (74, 58)]:
        expected = np.asarray(Image.fromarray(image).resize(size[::-1], Image.BILINEAR))
        assert_close(jaxaug.resize(image, size, antialias=True), expected, dtype=np.float32)
    stripes = np.tile(np.array([0.0, 8.0, 8.0, 8.0], np.float32), 4)[None]  # mean 6
    assert np.all(np.asarray(jaxaug.resize(stripes, (1, 4))) == 8.0)  # no filter: aliased
    assert_close(jaxaug.resize(stripes, (1, 4), antialias=True)[0, 1:3], [6.0, 6.0], atol=0.5)
    rgb = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    assert jaxaug.resize(rgb, (4, 4), antialias=True).dtype == np.uint8


def perspective_oracle(image, homography, *, order, mode, cval=0.0):
    """scipy.ndimage.map_coordinates at H @ (r, c, 1) / w, in float64, per channel."""
    h, w = image.shape[:2]
    r, c = np.mgrid[0:h, 0:w].astype(np.float64)
    hm = np.asarray(homography, np.float64)
    den = hm[2, 0] * r + hm[2, 1] * c + hm[2, 2]
    u = (hm[0, 0] * r + hm[0, 1] * c + hm[0, 2]) / den
    v = (hm[1, 0] * r + hm[1, 1] * c + hm[1, 2]) / den
    sample = functools.partial(ndi.map_coordinates, coordinates=[u, v], order=order, mode=mode, cval=cval)
    return np.stack([sample(image[..., k]) for k in range(image.shape[-1])], -1), u, v


HOMOGRAPHY = np.array([[0.9, 0.1, 1.3], [-0.15, 1.1, -0.7], [0.012, -0.008, 1.0]], np.float32)


@pytest.mark.parametrize("mode", ["nearest", "constant", "reflect", "grid-wrap"])
@pytest.mark.parametrize("order", [0, 1, 3])
def test_perspective_matches_map_coordinates(order, mode, rng):
    image = (rng.normal(size=(12, 14, 2)) * 4).astype(np.float32)
    warp = jax.jit(functools.partial(jaxaug.perspective_transform, order=order, mode=mode, cval=2.0))
    actual = np.asarray(warp(image, HOMOGRAPHY))
    expected, u, v = perspective_oracle(image, HOMOGRAPHY, order=order, mode=mode, cval=2.0)
    # float32 division vs float64: ~1e-6 px. Only order-0 rounding at .5 and the 'constant' cut at the
    # image edge (integer coordinates) may flip; everywhere else the values agree closely.
    shift = 0.5 if order == 0 else 0.0
    near = lambda x: np.abs(x + shift - np.round(x + shift)) < 1e-4  # noqa: E731
    decided = ~(near(u) | near(v))
    diff = np.abs(actual - expected).max(axis=-1)
    assert (diff[decided] <= 1e-4 * np.abs(expected).max()).all(), diff[decided].max()
    assert decided.mean() > 0.9


def test_affine_homography_equals_affine_transform_bit_for_bit(rng):
    image = rng.integers(0, 256, size=(9, 10, 3), dtype=np.uint8)
    matrix = np.asarray(jaxaug.center_matrix(jaxaug.rotation_matrix(0.4), image.shape))
    for order in (0, 1):
        np.testing.assert_array_equal(
            jaxaug.perspective_transform(image, matrix, order=order, mode="reflect"),
            jaxaug.affine_transform(image, matrix, order=order, mode="reflect"),
        )


def apply_homography(hm, points_xy):
    """(x, y) points through an output-to-input (row, col) homography, in float64."""
    hm = np.asarray(hm, np.float64)
    rc = np.asarray(points_xy, np.float64)[:, ::-1]
    p = np.c_[rc, np.ones(len(rc))] @ hm.T
    return (p[:, :2] / p[:, 2:])[:, ::-1]


def test_homography_matrix_recovers_a_known_perspective():
    truth = np.array([[1.1, 0.2, -30.0], [-0.1, 0.95, 12.0], [3e-4, -2e-4, 1.0]])
    for scale in (1.0, 20.0):  # a 30-pixel and a 600-pixel quad: normalisation keeps float32 accurate
        dst = np.array([[5, 3], [27, 6], [25, 29], [2, 24]], np.float64) * scale
        src = apply_homography(truth, dst)
        hm = np.asarray(jaxaug.homography_matrix(src.astype(np.float32), dst.astype(np.float32)))
        assert hm.dtype == np.float32
        assert hm[2, 2] == 1.0
        np.testing.assert_allclose(apply_homography(hm, dst), src, atol=2e-5 * scale * 30)
        grid = np.stack(np.meshgrid(np.arange(0, 30), np.arange(0, 30)), -1).reshape(-1, 2) * scale
        np.testing.assert_allclose(apply_homography(hm, grid), apply_homography(truth, grid), atol=1e-4 * scale * 30)


def test_homography_of_an_affine_point_set_is_affine():
    dst = np.array([[0.0, 0.0], [40.0, 0.0], [40.0, 30.0], [0.0, 30.0]])
    affine = np.array([[0.8, 0.3, 5.0], [-0.2, 1.2, -3.0], [0.0, 0.0, 1.0]])
    src = apply_homography(affine, dst)
    hm = np.asarray(jaxaug.homography_matrix(src, dst))
    np.testing.assert_allclose(hm[2, :2], 0.0, atol=1e-7)
    np.testing.assert_allclose(hm, affine, atol=1e-4)


def test_homography_moves_impulses_from_src_to_dst_exactly():
    src = np.array([[4, 5], [20, 3], [22, 18], [6, 21]])  # (x, y) = (col, row)
    dst = np.array([[2, 2], [25, 6], [19, 25], [3, 18]])
    image = np.zeros((28, 28), np.uint8)
    for k, (x, y) in enumerate(src):
        image[y, x] = 50 * (k + 1)
    hm = jaxaug.homography_matrix(src, dst)
    out = np.asarray(jaxaug.perspective_transform(image, hm, order=0, mode="constant"))
    for k, (x, y) in enumerate(dst):
        assert out[y, x] == 50 * (k + 1), (k, out[y - 1 : y + 2, x - 1 : x + 2])


def test_homography_matrix_under_jit_and_vmap(rng):
    dst = np.array([[0, 0], [31, 0], [31, 31], [0, 31]], np.float32)
    srcs = (dst + rng.uniform(-4, 4, size=(5, 4, 2))).astype(np.float32)
    batched = jax.jit(jax.vmap(jaxaug.homography_matrix, in_axes=(0, None)))(srcs, dst)
    for hm, src in zip(batched, srcs):
        np.testing.assert_allclose(batched[0].shape, (3, 3))
        assert_close(hm, jaxaug.homography_matrix(src, dst), atol=1e-5 * 32)
        np.testing.assert_allclose(apply_homography(hm, dst), src, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float16, np.float32])
def test_every_warp_keeps_the_dtype(dtype, rng):
    image = rng.integers(0, 100, size=(6, 7, 2)).astype(dtype)
    outs = [
        jaxaug.resized_crop(image, 1, 1, 3, 4, (5, 5)),
        jaxaug.center_crop(image, (3, 3)),
        jaxaug.resize(image, (9, 4), order=0),
        jaxaug.perspective_transform(image, HOMOGRAPHY),
    ]
    assert [o.dtype for o in outs] == [np.dtype(dtype)] * 4
    assert [o.shape for o in outs] == [(5, 5, 2), (3, 3, 2), (9, 4, 2), (6, 7, 2)]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: jaxaug.resized_crop(x, 0, 0, 2, 2, (0, 3)), ValueError, r"`size\[0\]` must be an int >= 1, got 0"),
        (lambda x: jaxaug.resized_crop(x, 0, 0, 2, 2, (3, -1)), ValueError, r"`size\[1\]` must be an int >= 1"),
        (lambda x: jaxaug.resized_crop(x, 0, 0, 2, 2, 3), TypeError, "`size` must be a pair of ints"),
        (lambda x: jaxaug.resized_crop(x, 0, 0, 0.0, 2, (3, 3)), ValueError, r"`height` must be in \(0.0, inf\]"),
        (lambda x: jaxaug.resized_crop(x, 0, 0, 2, 2, (3, 3), order=6), ValueError, "`order` must be one of 0, 1, 2"),
        (lambda x: jaxaug.resized_crop(x, 0, 0, 2, 2, (3, 3), mode="edge"), ValueError, "`mode` must be one of"),
        (lambda x: jaxaug.resize(x, (0, 2)), ValueError, r"`size\[0\]` must be an int >= 1, got 0"),
        (lambda x: jaxaug.resize(x, (2, 2), order=3, antialias=True), ValueError, "needs `order`=1, got 3"),
        (lambda x: jaxaug.resize(x, (2, 2), order=7), ValueError, "`order` must be one of"),
        (lambda x: jaxaug.center_crop(x, (5, 2)), ValueError, r"`size` \(5, 2\) must fit inside the image"),
        (lambda x: jaxaug.center_crop(x, (0, 2)), ValueError, r"`size\[0\]` must be an int >= 1"),
        (lambda x: jaxaug.perspective_transform(x, np.eye(2)), ValueError, r"`homography` must have shape \(3, 3\)"),
        (lambda x: jaxaug.perspective_transform(x, np.eye(3), order=-1), ValueError, "`order` must be one of"),
        (lambda x: jaxaug.perspective_transform(x[None], np.eye(3)), ValueError, "`image` must have rank 2 or 3"),
        (lambda x: jaxaug.homography_matrix(np.zeros((3, 2)), np.zeros((4, 2))), ValueError, "`src_points` must"),
    ],
)
def test_bad_arguments_name_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call(np.zeros((4, 4, 1), np.float32))
