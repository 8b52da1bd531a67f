"""Derivatives of ``affine_transform`` and ``augment`` checked against finite differences.

``jax.test_util.check_grads`` compares forward- and reverse-mode derivatives, up to second order, with
central differences along random directions, so a wrong or missing derivative rule fails here (the
old checks only asked for "finite and non-zero").

Where the derivatives exist:

* In the IMAGE every transform here is linear (the matrix and the colour factors do not depend on
  the pixels), so central differences are exact for any step: the image checks use a step of 1 and
  tight tolerances.
* In the COORDINATES (an angle, a shift, the matrix entries) bilinear interpolation is only piecewise
  smooth: its weights are ``u - floor(u)``, which jump where a sampling coordinate crosses an integer;
  ``mode="nearest"``/``"constant"`` also switch at the borders ``0`` and ``H - 1`` (integers) and
  ``"reflect"`` folds at ``-0.5`` and ``H - 0.5``. At such a kink there is no derivative, and a finite
  difference straddling it is meaningless. So every test point is placed away from them:
  :func:`assert_away_from_kinks` computes all sampling coordinates in float64 with numpy and requires
  each to be farther from the nearest multiple of 0.5 than the finite-difference step can move it.
  A rotation about the image centre maps the centre pixel onto itself (an integer coordinate for odd
  sizes), so the rotations carry a small extra shift. The angle and matrix checks run in float64
  (``jax.enable_x64``) with a 1e-6 step: with thousands of sampled coordinates, a float32-sized step
  would always straddle some kink. The float32 coordinate path is checked through a subpixel shift,
  where every coordinate has the same fractional part, so a float32-friendly step fits.

The float64 matrices are built here with jnp ops: jaxaug's matrix builders cannot take a float64 angle
under the suite's strict dtype promotion (``matrices._dtype`` promotes it with float32).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import jaxaug

SHAPE = (7, 9, 2)
ANGLE = 0.3  # radians; with OFFSET, every coordinate is >= 2.5e-3 px from a kink (asserted below)
OFFSET = (0.3, -0.2)  # moves the rotation's fixed point off the pixel grid
X64 = dict(eps=1e-6, atol=1e-7, rtol=1e-7)  # float64: step far below the kink margin, round-off ~1e-10
LINEAR = dict(eps=1.0, atol=1e-5, rtol=1e-5)  # exact differences for a linear map; float32 round-off only


def sampling_coordinates(matrix, shape):
    """Input (row, col) of every output pixel, ``matrix @ (r, c, 1)`` in float64 numpy."""
    m = np.asarray(matrix, np.float64)
    r, c = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return np.stack([m[0, 0] * r + m[0, 1] * c + m[0, 2], m[1, 0] * r + m[1, 1] * c + m[1, 2]])


def assert_away_from_kinks(matrix, shape, margin):
    doubled = 2 * sampling_coordinates(matrix, shape)
    distance = float(np.min(np.abs(doubled - np.round(doubled)))) / 2
    assert distance >= margin, f"a sampling coordinate is {distance:g} px from a kink (need {margin:g})"


def rotated(theta, shape):
    """Output-to-input matrix of a rotation by ``theta`` about the image centre, then the OFFSET shift.

    Built with jnp ops in ``theta``'s dtype, from the convention of ``jaxaug.rotation_matrix`` (content
    turns counter-clockwise): input = centre + R (output - centre) + OFFSET, R = [[cos, sin], [-sin, cos]].
    """
    cr, cc = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    cos, sin = jnp.cos(theta), jnp.sin(theta)
    one, zero = jnp.ones_like(theta), jnp.zeros_like(theta)
    rows = [
        [cos, sin, cr - cos * cr - sin * cc + OFFSET[0]],
        [-sin, cos, cc + sin * cr - cos * cc + OFFSET[1]],
        [zero, zero, one],
    ]
    return jnp.stack([jnp.stack(row) for row in rows])


def test_rotated_is_jaxaugs_rotation_about_the_centre():
    expected = np.array(jaxaug.center_matrix(jaxaug.rotation_matrix(ANGLE), SHAPE))
    expected[:2, 2] += OFFSET
    np.testing.assert_allclose(rotated(jnp.float32(ANGLE), SHAPE), expected, atol=1e-6)


@pytest.fixture
def image(rng):
    return rng.normal(size=SHAPE)


@pytest.mark.parametrize("order, mode", [(1, "reflect"), (1, "constant"), (0, "wrap")])
def test_affine_transform_wrt_the_image(image, order, mode):
    matrix = rotated(jnp.float32(ANGLE), SHAPE)  # fixed: the map is linear in the image, any matrix will do
    x = jnp.asarray(image, jnp.float32)
    f = jax.jit(lambda img: jaxaug.affine_transform(img, matrix, order=order, mode=mode, cval=0.5))
    check_grads(f, (x,), order=1, modes=("fwd", "rev"), **LINEAR)  # linear: every second derivative is 0


@pytest.mark.parametrize("mode, order", [("nearest", 1), ("constant", 1), ("reflect", 2)])  # order 2 costs ~4x
def test_affine_transform_wrt_the_angle_and_the_image(image, mode, order):
    with jax.enable_x64(True):
        theta = jnp.float64(ANGLE)
        assert_away_from_kinks(rotated(theta, SHAPE), SHAPE, margin=1e-3)
        f = jax.jit(lambda img, t: jaxaug.affine_transform(img, rotated(t, SHAPE), mode=mode))
        x = jnp.asarray(image, jnp.float64)
        assert f(x, theta).dtype == jnp.float64  # really computed in float64
        check_grads(f, (x, theta), order=order, modes=("fwd", "rev"), **X64)
        # d/dtheta is not zero: the check above is not comparing two zeros.
        assert float(jnp.abs(jax.jacfwd(f, argnums=1)(x, theta)).max()) > 0.1


# A generic matrix (rotation, shear, anisotropic zoom and shift mixed): every coordinate >= 0.01 px from a kink.
GENERIC = np.array([[0.95, 0.33, 0.13], [-0.22, 1.12, 0.17], [0.0, 0.0, 1.0]])


@pytest.mark.parametrize("mode", ["mirror"])
def test_affine_transform_wrt_the_matrix_and_the_image(image, mode):
    assert_away_from_kinks(GENERIC, SHAPE, margin=1e-3)
    with jax.enable_x64(True):
        f = jax.jit(lambda img, m: jaxaug.affine_transform(img, m, mode=mode))
        args = (jnp.asarray(image, jnp.float64), jnp.asarray(GENERIC, jnp.float64))
        check_grads(f, args, order=1, modes=("fwd", "rev"), **X64)


@pytest.mark.parametrize("mode, order", [("nearest", 1), ("reflect", 2)])
def test_affine_transform_wrt_a_subpixel_shift_in_float32(image, mode, order):
    # Every coordinate is (r - 0.3, c - 0.65): 0.15 px from the nearest kink, while a 1e-2 step moves it
    # by at most a few hundredths. Bilinear weights are polynomial in the shift, so the step is exact too.
    shift = jnp.asarray([0.3, 0.65], jnp.float32)
    assert_away_from_kinks(jaxaug.translation_matrix(*shift), SHAPE, margin=0.1)
    f = jax.jit(lambda img, s: jaxaug.affine_transform(img, jaxaug.translation_matrix(s[0], s[1]), mode=mode))
    check_grads(f, (jnp.asarray(image, jnp.float32), shift), order=order, modes=("fwd", "rev"), eps=1e-2)


@pytest.mark.parametrize(
    "config",
    [
        jaxaug.AugmentConfig(
            rotation_range=30, zoom_range=0.2, shear_range=10, horizontal_flip=True, brightness_range=(0.7, 1.3)
        ),
        jaxaug.AugmentConfig(horizontal_flip=True, vertical_flip=True, fill_mode="reflect"),  # the flips fast path
    ],
    ids=["geometry_and_brightness", "flips_only"],
)
def test_augment_wrt_the_images(rng, config):
    # A fixed key fixes every random draw, so augment is linear in the images. (channel_shift_range is
    # left out: it clips to each image's own min and max, which is not linear.)
    images = jnp.asarray(rng.normal(size=(3, *SHAPE)), jnp.float32)
    f = jax.jit(lambda x: jaxaug.augment(jax.random.key(5), x, config))
    assert not np.array_equal(np.asarray(f(images)), np.asarray(images))  # something was applied
    check_grads(f, (images,), order=1, modes=("fwd", "rev"), **LINEAR)
