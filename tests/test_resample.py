"""affine_transform against scipy.ndimage.affine_transform, the oracle, for every mode and order."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.ndimage as ndi

import jaxaug
from tests.helpers import assert_close

MODES = ("constant", "nearest", "reflect", "mirror", "wrap", "grid-constant", "grid-wrap", "grid-mirror")


def scipy_per_channel(image, matrix, *, order, mode, cval):
    image = np.asarray(image)
    matrix = np.asarray(matrix, np.float64)
    if image.ndim == 2:
        return ndi.affine_transform(image, matrix, order=order, mode=mode, cval=cval)
    return np.stack(
        [
            ndi.affine_transform(image[..., k], matrix, order=order, mode=mode, cval=cval)
            for k in range(image.shape[-1])
        ],
        axis=-1,
    )


def exact_matrices(shape):
    """Matrices whose float32 coordinates are exact: flips, quarter turns, half-pixel shifts, 2x/0.5x zooms."""
    h, w = shape[:2]
    out = []
    for dy, dx in [(0.5, -1.5), (-3.0, 2.5), (h + 0.5, -w - 2.0), (-2.5 * h, 3.5 * w)]:
        out.append(np.array([[1, 0, dy], [0, 1, dx], [0, 0, 1]], np.float64))
    out.append(np.array([[-1, 0, h - 1], [0, 1, 0], [0, 0, 1]], np.float64))  # vertical flip
    out.append(np.array([[0, 1, 0.5], [-1, 0, w - 0.5], [0, 0, 1]], np.float64))  # quarter turn + half shift
    out.append(np.array([[2, 0, -h / 2], [0, 0.5, w / 4], [0, 0, 1]], np.float64))  # zoom out rows, in cols
    out.append(np.array([[-2, 0, 3 * h], [0, -2, 2.5 * w], [0, 0, 1]], np.float64))  # far outside, both flipped
    return out


def random_matrix(rng, shape):
    """A random rotation/zoom/shear/shift, rounded to float32 so both sides see the same matrix."""
    h, w = shape[:2]
    theta, shear = rng.uniform(-np.pi, np.pi), rng.uniform(-0.5, 0.5)
    zy, zx = rng.uniform(0.5, 2.0, 2)
    m = jaxaug.compose(
        jaxaug.rotation_matrix(theta),
        jaxaug.shear_matrix(shear),
        jaxaug.zoom_matrix(zy, zx),
        jaxaug.translation_matrix(*rng.uniform(-h, h, 1), *rng.uniform(-w, w, 1)),
    )
    return np.asarray(jaxaug.center_matrix(m, shape), np.float32)


def near_boundary(matrix, shape, order, tol=1e-3):
    """Output pixels whose input coordinate is within ``tol`` of a rounding/edge decision.

    There, float32 coordinates (jaxaug) and float64 coordinates (scipy) may legitimately land on
    different sides: half-integers decide order-0 taps, integers decide order-1 edge cuts and wrap seams.
    """
    h, w = shape[:2]
    r, c = np.mgrid[0:h, 0:w].astype(np.float64)
    m = np.asarray(matrix, np.float64)
    u = m[0, 0] * r + m[0, 1] * c + m[0, 2]
    v = m[1, 0] * r + m[1, 1] * c + m[1, 2]
    shift = 0.5 if order == 0 else 0.0
    close = lambda x: np.abs(x + shift - np.round(x + shift)) < tol * max(1.0, np.abs(x).max())  # noqa: E731
    return close(u) | close(v)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("shape", [(7, 10, 3), (9, 5)])
def test_matches_scipy_on_exact_coordinates(mode, order, shape, rng):
    image = (rng.normal(size=shape) * 4).astype(np.float32)  # values well outside [0, 1]
    for matrix in exact_matrices(shape):
        expected = scipy_per_channel(image, matrix, order=order, mode=mode, cval=-2.5)
        actual = jaxaug.affine_transform(image, matrix.astype(np.float32), order=order, mode=mode, cval=-2.5)
        assert_close(actual, expected, dtype=np.float32)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [0, 1])
def test_matches_scipy_on_random_warps(mode, order, rng):
    shape = (11, 16, 2)
    image = (rng.uniform(-3, 5, size=shape)).astype(np.float32)
    mismatched = 0
    for _ in range(6):
        matrix = random_matrix(rng, shape)
        expected = scipy_per_channel(image, matrix, order=order, mode=mode, cval=7.0)
        actual = np.asarray(jaxaug.affine_transform(image, matrix, order=order, mode=mode, cval=7.0))
        assert actual.dtype == np.float32
        diff = np.abs(actual - expected).max(axis=-1)
        bad = diff > 1e-4 * 7.0
        allowed = near_boundary(matrix, shape, order)
        assert not (bad & ~allowed).any(), f"{int((bad & ~allowed).sum())} pixels differ away from any boundary"
        mismatched += int(bad.sum())
    assert mismatched <= 0.01 * 6 * shape[0] * shape[1]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16])
def test_integer_images_round_like_scipy(mode, dtype, rng):
    shape = (10, 13, 3)
    info = np.iinfo(dtype)
    image = rng.integers(max(info.min, -300), min(info.max, 300), size=shape, endpoint=True).astype(dtype)
    for i in range(4):
        matrix = random_matrix(rng, shape) if i else exact_matrices(shape)[1].astype(np.float32)
        expected = scipy_per_channel(image, matrix, order=1, mode=mode, cval=3)
        actual = np.asarray(jaxaug.affine_transform(image, matrix, order=1, mode=mode, cval=3))
        assert actual.dtype == dtype
        diff = np.abs(actual.astype(np.int64) - expected.astype(np.int64))
        # Off by one only where float32 vs float64 arithmetic straddles a .5 tie or an edge cut.
        allowed = near_boundary(matrix, shape, 1)[..., None]
        assert (diff[~np.broadcast_to(allowed, diff.shape)] <= 1).all()
        assert (diff == 0).mean() > 0.97


def test_two_by_three_matrix_equals_homogeneous(rng):
    image = rng.normal(size=(6, 7, 2)).astype(np.float32)
    m = random_matrix(rng, image.shape)
    np.testing.assert_array_equal(jaxaug.affine_transform(image, m[:2]), jaxaug.affine_transform(image, m))


def test_grid_modes_match_jax_map_coordinates(rng):
    """jax's own 'constant'/'wrap' are scipy's 'grid-constant'/'grid-wrap'; ours follow scipy's names."""
    image = rng.normal(size=(8, 9)).astype(np.float32)
    m = random_matrix(rng, image.shape)
    u, v = jaxaug._src.resample.coordinates(m, 8, 9)
    for ours, theirs in [("grid-constant", "constant"), ("grid-wrap", "wrap")]:
        expected = jax.scipy.ndimage.map_coordinates(image, [u, v], order=1, mode=theirs, cval=1.5)
        assert_close(jaxaug.affine_transform(image, m, mode=ours, cval=1.5), expected, dtype=np.float32)


def test_float16_and_bfloat16_keep_their_dtype(rng):
    image = rng.uniform(0, 1, size=(6, 6, 3)).astype(np.float32)
    m = random_matrix(rng, image.shape)
    reference = np.asarray(jaxaug.affine_transform(image, m))
    for dtype, atol in [(jnp.float16, 2e-3), (jnp.bfloat16, 2e-2)]:
        out = jaxaug.affine_transform(image.astype(dtype), m)
        assert out.dtype == dtype
        assert_close(np.asarray(out, np.float32), reference, atol=atol)


def test_spline_orders_are_not_implemented():
    with pytest.raises(NotImplementedError, match="order"):
        jaxaug.affine_transform(np.zeros((4, 4)), np.eye(3), order=3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"order": 7}, ValueError, "`order` must be one of 0, 1"),
        ({"order": 1.0}, TypeError, "`order` must be an int"),
        ({"mode": "edge"}, ValueError, "`mode` must be one of 'constant', 'nearest'"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        jaxaug.affine_transform(np.zeros((4, 4)), np.eye(3), **kwargs)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"`image` must have rank 2 or 3.*\(1, 4, 4, 3\)"):
        jaxaug.affine_transform(np.zeros((1, 4, 4, 3)), np.eye(3))
    with pytest.raises(ValueError, match=r"`matrix` must have shape \(3, 3\) or \(2, 3\)"):
        jaxaug.affine_transform(np.zeros((4, 4)), np.eye(2))
    with pytest.raises(TypeError, match="integer or floating dtype"):
        jaxaug.affine_transform(np.zeros((4, 4), bool), np.eye(3))


@pytest.mark.parametrize("order", [0, 1])
def test_eager_jit_and_vmap_agree(order, rng):
    images = rng.normal(size=(3, 6, 8, 2)).astype(np.float32)
    mats = np.stack([random_matrix(rng, images.shape[1:]) for _ in range(3)])

    def fn(x, m):
        return jaxaug.affine_transform(x, m, order=order, mode="reflect")

    eager = np.stack([np.asarray(fn(x, m)) for x, m in zip(images, mats)])
    jitted = np.stack([np.asarray(jax.jit(fn)(x, m)) for x, m in zip(images, mats)])
    vmapped = np.asarray(jax.jit(jax.vmap(fn))(images, mats))
    np.testing.assert_allclose(jitted, eager, atol=1e-6)
    np.testing.assert_allclose(vmapped, eager, atol=1e-6)


def test_gradients_are_finite_and_nonzero(rng):
    image = jnp.asarray(rng.normal(size=(6, 7, 3)).astype(np.float32))

    def loss(img, theta, shift):
        m = jaxaug.center_matrix(
            jaxaug.compose(jaxaug.rotation_matrix(theta), jaxaug.translation_matrix(shift, 0.3)), img.shape
        )
        return jnp.sum(jaxaug.affine_transform(img, m, mode="reflect") ** 2)

    g_img, g_theta, g_shift = jax.grad(loss, argnums=(0, 1, 2))(image, jnp.float32(0.2), jnp.float32(0.7))
    for g in (g_img, g_theta, g_shift):
        assert np.isfinite(np.asarray(g)).all()
    assert float(jnp.abs(g_img).sum()) > 0 and float(jnp.abs(g_theta)) > 0 and float(jnp.abs(g_shift)) > 0
