"""affine_transform against scipy.ndimage.affine_transform, the oracle, for every mode and order."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.ndimage as ndi

import jaxaug
from jaxaug._src import resample
from tests.helpers import assert_close

MODES = ("constant", "nearest", "reflect", "mirror", "wrap", "grid-constant", "grid-wrap", "grid-mirror")

# Spline graphs are large: eager calls compile every op for every new shape, one jit compiles once.
affine = jax.jit(jaxaug.affine_transform, static_argnames=("order", "mode"))


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
@pytest.mark.parametrize(("dtype", "order"), [(np.uint8, 1), (np.int16, 1), (np.int16, 3)])
def test_integer_images_round_like_scipy(mode, dtype, order, rng):
    shape = (10, 13, 3)
    info = np.iinfo(dtype)
    image = rng.integers(max(info.min, -300), min(info.max, 300), size=shape, endpoint=True).astype(dtype)
    for i in range(4):
        matrix = random_matrix(rng, shape) if i else exact_matrices(shape)[1].astype(np.float32)
        expected = scipy_per_channel(image, matrix, order=order, mode=mode, cval=3)
        actual = np.asarray(affine(image, matrix, order=order, mode=mode, cval=3))
        assert actual.dtype == dtype
        diff = np.abs(actual.astype(np.int64) - expected.astype(np.int64))
        # Off by one only where float32 vs float64 arithmetic straddles a .5 tie or an edge cut.
        allowed = near_boundary(matrix, shape, 1)[..., None]
        assert (diff[~np.broadcast_to(allowed, diff.shape)] <= 1).all()
        assert (diff == 0).mean() > 0.97


@pytest.mark.parametrize(
    ("mode", "order"), [("constant", 0), ("constant", 1), ("constant", 3), ("grid-constant", 0), ("grid-constant", 1)]
)
def test_fill_is_exact_next_to_non_finite_pixels(mode, order):
    """Outside pixels are exactly cval even where the taps they would read hold inf or NaN (scipy agrees).

    (At orders 2-5 scipy's prefilter spreads a NaN over its whole line, so 'grid-constant', which blends
    taps, has no exact cval left there; 'constant' still cuts.)
    """
    image = np.arange(30, dtype=np.float32).reshape(5, 6)
    image[0, :] = np.inf
    image[:, 0] = np.nan
    image[4, 5] = -np.inf
    matrix = np.array([[1, 0, -2.25], [0, 1, -3.5], [0, 0, 1]], np.float32)  # reads rows -2.25.., cols -3.5..
    expected = ndi.affine_transform(image.astype(np.float64), matrix, order=order, mode=mode, cval=-1.5)
    outside = np.isclose(expected, -1.5)
    assert outside.sum() >= 15
    # Eager too: inside one fused program the compiler may fold a product by a 0/1 mask into a select,
    # which would hide a NaN-unsafe blend that eager op-by-op execution shows.
    for fn in (affine, jaxaug.affine_transform) if order <= 1 else (affine,):
        actual = np.asarray(fn(image, matrix, order=order, mode=mode, cval=-1.5))
        np.testing.assert_array_equal(actual[outside], -1.5)
        np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))


@pytest.mark.parametrize("mode", MODES)
def test_non_finite_pixels_spread_as_in_scipy(mode):
    """inf and NaN reach exactly the outputs scipy gives them, orders 0 and 1, every mode.

    Where a tap has weight 0, scipy still reads it (0 * inf is NaN), so which pixel each
    tap reads must be scipy's: beyond an edge in ``nearest`` both taps are the edge pixel
    (not the edge and its inner neighbour), and a coordinate exactly on the last row or
    column reads its weight-0 tap mirrored in ``constant`` and ``wrap``. The matrices hit
    the edges exactly, land between them and far outside. (Not reproduced, so not tested:
    scipy's ``reflect`` sends a whole multiple of ``2n`` beyond ``-2n`` to ``-1`` rather than
    to ``0``, the same pixel with another weight-0 neighbour.)
    """
    image = np.arange(42, dtype=np.float32).reshape(6, 7) - 20
    for (r, c), value in {(0, 2): np.inf, (1, 0): np.nan, (4, 1): -np.inf, (2, 6): np.inf, (5, 3): np.nan}.items():
        image[r, c] = value
    matrices = [
        np.array([[1, 0, dy], [0, 1, dx], [0, 0, 1]], np.float32)
        for dy, dx in [(1, 1), (-1, -2), (-2.25, 3.5), (0.5, -0.75), (-40.5, 50.25), (-43, 47), (2, -1.5)]
    ]
    matrices.append(np.array([[-1, 0, 5], [0, 0.5, 1.0], [0, 0, 1]], np.float32))  # flip, half-scale to the edge
    for order in (0, 1):
        for matrix in matrices:
            expected = ndi.affine_transform(image.astype(np.float64), matrix, order=order, mode=mode, cval=0.5)
            actual = np.asarray(affine(image, matrix, order=order, mode=mode, cval=0.5))
            where = f"order {order}, matrix {matrix[:2].tolist()}"
            np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=where)
            np.testing.assert_array_equal(np.isposinf(actual), np.isposinf(expected), err_msg=where)
            np.testing.assert_array_equal(np.isneginf(actual), np.isneginf(expected), err_msg=where)
            finite = np.isfinite(expected)
            assert_close(actual[finite], expected[finite], dtype=np.float32)


@pytest.mark.parametrize("order", [1, 3])
@pytest.mark.parametrize(("cval", "fill"), [(np.inf, 255), (-np.inf, 0), (np.nan, 0), (300.0, 255)])
def test_integer_images_with_a_non_finite_cval(order, cval, fill, rng):
    """uint8 fill is cval cast into the dtype (saturating, NaN 0); the pixels inside are those of a finite cval."""
    image = rng.integers(0, 255, size=(6, 7, 2), dtype=np.uint8)
    matrix = np.array([[1, 0, 2.25], [0, 1, -1.5], [0, 0, 1]], np.float32)
    out = np.asarray(affine(image, matrix, order=order, mode="constant", cval=cval))
    reference = np.asarray(affine(image, matrix, order=order, mode="constant", cval=7.0))
    outside = reference == 7
    expected = scipy_per_channel(image.astype(np.float64), matrix, order=order, mode="constant", cval=7.0)
    assert outside.any() and (expected[~outside] != 7).all()
    np.testing.assert_array_equal(out[outside], fill)
    np.testing.assert_array_equal(out[~outside], reference[~outside])


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


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"order": 6}, ValueError, "`order` must be one of 0, 1, 2, 3, 4, 5; got 6"),
        ({"order": -1}, ValueError, "`order` must be one of 0, 1, 2, 3, 4, 5; got -1"),
        ({"order": 1.0}, TypeError, "`order` must be an int in 0-5.*got 1.0"),
        ({"order": True}, TypeError, "`order` must be an int in 0-5.*got True"),
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


@pytest.mark.parametrize("order", [0, 1, 3])
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


# ----------------------------------------------------------------------------- spline orders 2-5

SPLINE_CVAL = -2.5


@functools.cache
def spline_warps(order, mode):
    """One compiled function per (order, mode): images under stacks of matrices, one stack each.

    The tests pass a 9x11x2 image and a 2x5 one, whose lines take the exact recursion matrix
    (the 2-row image exercises scipy's prefilter on the shortest lines, where its ``reflect``
    initialisation differs most from the infinite-line filter), and a 66x70x1 one, whose lines
    are long enough for the FIR and (in ``nearest``, ``constant``, ``mirror`` and ``wrap``) the
    in-place prefilter with folded tap indices.
    """

    def warp(image, matrices):
        fn = functools.partial(jaxaug.affine_transform, order=order, mode=mode, cval=SPLINE_CVAL)
        return jax.vmap(lambda m: fn(image, m))(matrices)

    return jax.jit(lambda images, stacks: tuple(warp(x, m) for x, m in zip(images, stacks)))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [2, 3, 4, 5])
def test_splines_match_scipy(order, mode, rng):
    """scipy (prefilter=True) is the oracle; float32-exact coordinates get the float32 tolerance."""
    big = (rng.normal(size=(9, 11, 2)) * 4).astype(np.float32)
    tiny = (rng.normal(size=(2, 5)) * 4).astype(np.float32)
    long = (rng.normal(size=(66, 70, 1)) * 4).astype(np.float32)
    exact_big, exact_tiny, exact_long = (exact_matrices(x.shape) for x in (big, tiny, long))
    warps = [random_matrix(rng, big.shape) for _ in range(4)]
    stacks = [np.stack(m).astype(np.float32) for m in (exact_big + warps, exact_tiny, exact_long)]
    out_big, out_tiny, out_long = spline_warps(order, mode)((big, tiny, long), stacks)
    oracle = functools.partial(scipy_per_channel, order=order, mode=mode, cval=SPLINE_CVAL)
    for image, outs, mats in ((big, out_big, exact_big), (tiny, out_tiny, exact_tiny), (long, out_long, exact_long)):
        for actual, matrix in zip(outs, mats):
            assert_close(actual, oracle(image, matrix), dtype=np.float32)
    for actual, matrix in zip(out_big[len(exact_big) :], warps):
        # Random warps: float32 coordinates carry ~1e-6 px of rounding; away from the constant
        # cut and the wrap seams (integer coordinates) the spline is smooth, so values agree closely.
        expected = oracle(big, matrix.astype(np.float64))
        diff = np.abs(np.asarray(actual) - expected).max(axis=-1)
        away = ~near_boundary(matrix, big.shape, 1)
        assert (diff[away] <= 1e-4 * np.abs(expected).max()).all(), diff[away].max()


def test_splines_in_float64_match_scipy_to_float64_rounding(rng):
    """x64, order 5: the filter is truncated at float64 epsilon; 70-sample lines use the FIR, short ones
    the exact recursion matrix."""
    with jax.enable_x64(True):
        for mode in ("reflect", "nearest", "grid-wrap"):

            @jax.jit
            def warp(a, b, ma, mb, mode=mode):
                fn = functools.partial(jaxaug.affine_transform, order=5, mode=mode, cval=1.5)
                return jax.vmap(lambda m: fn(a, m))(ma), jax.vmap(lambda m: fn(b, m))(mb)

            a, b = rng.normal(size=(9, 11)) * 4, rng.normal(size=(70, 3)) * 4
            ma, mb = exact_matrices(a.shape)[::2], exact_matrices(b.shape)[::2]
            out_a, out_b = warp(a, b, np.stack(ma), np.stack(mb))
            for image, outs, mats in ((a, out_a, ma), (b, out_b, mb)):
                for actual, matrix in zip(outs, mats):
                    expected = ndi.affine_transform(image, matrix, order=5, mode=mode, cval=1.5)
                    assert_close(actual, expected, dtype=np.float64)


def test_spline_interpolates_the_samples_exactly(rng):
    """At integer coordinates a prefiltered spline reproduces the input (identity warp).

    Not for 'reflect'/'grid-mirror' on short lines: scipy's reflect initialisation (reproduced
    here, see test_splines_match_scipy's 2-row image) is slightly off there.
    """
    image = rng.uniform(-3, 3, size=(5, 6, 2)).astype(np.float32)
    modes = [m for m in MODES if m not in ("reflect", "grid-mirror")]

    @functools.partial(jax.jit, static_argnames="order")
    def identity_warps(x, order):
        return [jaxaug.affine_transform(x, jnp.eye(3), order=order, mode=mode) for mode in modes]

    for order in (2, 5):
        for out in identity_warps(image, order=order):
            assert_close(out, image, dtype=np.float32)


def test_output_shape_matches_scipy(rng):
    image = rng.normal(size=(7, 8, 1)).astype(np.float32)
    matrix = np.array([[0.5, 0.0, 1.0], [0.0, 2.0, -3.0], [0.0, 0.0, 1.0]])
    warp = jax.jit(resample.resample_float, static_argnums=(2, 3), static_argnames="output_shape")
    for order in (1, 3):
        actual = warp(image, matrix.astype(np.float32), order, "reflect", 0.0, output_shape=(5, 13))
        expected = ndi.affine_transform(image[..., 0], matrix, output_shape=(5, 13), order=order, mode="reflect")
        assert_close(actual[..., 0], expected, dtype=np.float32)


def test_resample_coords_matches_map_coordinates_far_outside(rng):
    """Arbitrary (non-affine) coordinates, many image sizes outside, every mode: map_coordinates is the oracle."""
    image = rng.normal(size=(6, 7, 1)).astype(np.float32)
    u = np.round(rng.uniform(-20, 26, size=(5, 9)) * 4) / 4  # quarter pixels: exact in float32
    v = np.round(rng.uniform(-20, 27, size=(5, 9)) * 4) / 4
    u32, v32 = jnp.asarray(u, jnp.float32), jnp.asarray(v, jnp.float32)

    @functools.partial(jax.jit, static_argnames="order")
    def every_mode(x, u, v, order):
        return [resample.resample_coords(x, u, v, order, mode, 0.5) for mode in MODES]

    for order in (0, 1, 3):
        for mode, actual in zip(MODES, every_mode(image, u32, v32, order=order)):
            expected = ndi.map_coordinates(image[..., 0], [u, v], order=order, mode=mode, cval=0.5)
            assert actual.dtype == np.float32
            assert_close(actual[..., 0], expected, dtype=np.float32)


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4, 5])
def test_check_order_accepts_every_scipy_order(order):
    assert resample.check_order("order", order) == order
    assert resample.check_order("order", np.int64(order)) == order


# ----------------------------------------------------------------------------- native order 0 and casts


def test_int32_above_float32_precision_moves_exactly(rng):
    """Order 0 on integer images moves values untouched: 2**24 + 1 is not a float32."""
    big = np.full((3, 4), 16777217, np.int32)
    np.testing.assert_array_equal(jaxaug.affine_transform(big, np.eye(3), order=0), big)
    image = rng.integers(2**24, 2**31 - 1, size=(8, 9, 2), dtype=np.int64).astype(np.int32)
    for mode in MODES:
        for matrix in exact_matrices(image.shape):
            # scipy computes in float64, exact for int32; cval too.
            expected = scipy_per_channel(image, matrix, order=0, mode=mode, cval=123456789)
            actual = jaxaug.affine_transform(image, matrix.astype(np.float32), order=0, mode=mode, cval=123456789)
            assert actual.dtype == np.int32
            np.testing.assert_array_equal(actual, expected)


def test_uint32_order0_is_exact_and_cval_rounds_half_away(rng):
    image = rng.integers(2**31, 2**32 - 1, size=(5, 6), dtype=np.int64).astype(np.uint32)
    shift = np.array([[1, 0, 0], [0, 1, -2], [0, 0, 1]], np.float32)  # content moves right by 2
    out = np.asarray(jaxaug.affine_transform(image, shift, order=0, mode="constant", cval=7.5))
    assert out.dtype == np.uint32
    np.testing.assert_array_equal(out[:, 2:], image[:, :-2])
    np.testing.assert_array_equal(out[:, :2], 8)
    out = np.asarray(jaxaug.affine_transform(image.astype(np.int16) - 100, shift, order=0, mode="constant", cval=-2.5))
    np.testing.assert_array_equal(out[:, :2], -3)


def test_int64_and_uint64_order0_move_exactly_with_x64():
    with jax.enable_x64(True):
        shift = np.array([[1, 0, -1], [0, 1, 0], [0, 0, 1]], np.float64)  # content moves down by 1
        for dtype, values, fill in [
            (np.int64, [2**62 + 1, -(2**63), 2**63 - 1, 5], 2**63 - 1),
            (np.uint64, [2**64 - 1, 2**63 + 1, 0, 5], 2**64 - 1),
        ]:
            image = np.array(values, dtype).reshape(2, 2)
            out = np.asarray(jaxaug.affine_transform(image, shift, order=0, mode="constant", cval=fill))
            assert out.dtype == dtype
            np.testing.assert_array_equal(out, np.array([[fill, fill], values[:2]], dtype))


@pytest.mark.parametrize("mode", MODES)
def test_native_nearest_equals_order0_resample(mode, rng):
    """Same taps and modes as order 0 of resample_coords, without the float round trip."""
    image = rng.integers(0, 255, size=(7, 9, 2), dtype=np.uint8)
    u = jnp.asarray(rng.uniform(-30, 37, size=(6, 8)), jnp.float32)
    v = jnp.asarray(rng.uniform(-30, 39, size=(6, 8)), jnp.float32)
    native = resample.resample_nearest_native(jnp.asarray(image), u, v, mode, 17)
    floats = resample.resample_coords(jnp.asarray(image), u, v, 0, mode, 17.0)
    assert native.dtype == np.uint8
    np.testing.assert_array_equal(native, np.asarray(floats).astype(np.uint8))
    masks = resample.resample_nearest_native(jnp.asarray(image > 127), u, v, mode, False)
    np.testing.assert_array_equal(masks, np.asarray(floats) > 127)


@pytest.mark.parametrize(
    ("dtype", "values", "expected"),
    [
        (np.uint8, [-3.2, 0.49999997, 2.5, 254.5, 300.0], [0, 0, 3, 255, 255]),
        (np.int8, [-2.5, -0.5, 127.5, -128.6], [-3, -1, 127, -128]),
        (
            np.int32,
            [2.0**31, 2147483520.0, -(2.0**31), -3e9, 1e30, 16777215.0],
            [2**31 - 1, 2147483520, -(2**31), -(2**31), 2**31 - 1, 16777215],
        ),
        (np.uint32, [4294967295.0, 4294967040.0, -1.0, 1e20, 3e9], [2**32 - 1, 4294967040, 0, 2**32 - 1, 3000000000]),
    ],
)
def test_cast_like_rounds_half_away_and_saturates(dtype, values, expected):
    """float32 cannot hold 2**31 - 1 or 2**32 - 1: values at or past the bound saturate, none wrap."""
    out = resample.cast_like(jnp.asarray(values, jnp.float32), dtype)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.array(expected, dtype))


def test_cast_like_64_bit_targets_with_x64():
    with jax.enable_x64(True):
        values = [2.0**64, 2.0**63, -(2.0**63), -1e30, 1.5, 18446744073709549568.0]
        for src in (jnp.float32, jnp.float64):
            x = jnp.asarray(values, src)
            signed = [2**63 - 1, 2**63 - 1, -(2**63), -(2**63), 2]
            np.testing.assert_array_equal(resample.cast_like(x, jnp.int64)[:5], signed)
            np.testing.assert_array_equal(resample.cast_like(x, jnp.uint64)[:5], [2**64 - 1, 2**63, 0, 0, 2])
        exact = resample.cast_like(jnp.asarray(values, jnp.float64), jnp.uint64)[5]
        assert int(exact) == 18446744073709549568


def test_cast_like_returns_matching_dtype_unchanged():
    x = jnp.asarray([1.7, -2.5], jnp.float32)
    assert resample.cast_like(x, jnp.float32) is x
    i = jnp.asarray([3, 300], jnp.int32)
    assert resample.cast_like(i, jnp.int32) is i
    np.testing.assert_array_equal(resample.cast_like(i, jnp.uint8), [3, 255])
