"""Matrix builders: the core's correct geometry, checked on pixels with numpy oracles."""

import jax
import numpy as np
import pytest

import jaxaug


def warp(image, matrix, **kw):
    return np.asarray(jaxaug.affine_transform(image, matrix, **kw))


@pytest.fixture
def image(rng):
    return rng.normal(size=(5, 8, 3)).astype(np.float32)


def test_quarter_turn_is_counter_clockwise(rng):
    square = rng.normal(size=(6, 6, 2)).astype(np.float32)
    m = jaxaug.center_matrix(jaxaug.rotation_matrix(np.pi / 2), square.shape)
    np.testing.assert_allclose(warp(square, m), np.rot90(square), atol=1e-5)


def test_half_turn_pivots_on_the_true_centre_of_non_square_images(image):
    # Keras pivots non-square images about the wrong point; the core does not.
    m = jaxaug.center_matrix(jaxaug.rotation_matrix(np.pi), image.shape)
    np.testing.assert_allclose(warp(image, m), image[::-1, ::-1], atol=1e-5)


def test_flips_reverse_the_named_axis(image):
    h = jaxaug.center_matrix(jaxaug.flip_matrix(horizontal=True), image.shape)
    v = jaxaug.center_matrix(jaxaug.flip_matrix(vertical=True), image.shape)
    np.testing.assert_array_equal(warp(image, h), image[:, ::-1])
    np.testing.assert_array_equal(warp(image, v), image[::-1])


def test_translation_moves_content_down_and_right(image):
    out = warp(image, jaxaug.translation_matrix(1.0, 3.0), mode="constant", cval=0.0)
    np.testing.assert_array_equal(out[1:, 3:], image[:-1, :-3])
    assert (out[:1] == 0).all() and (out[:, :3] == 0).all()


def test_zoom_above_one_shrinks_content_about_the_centre():
    image = np.zeros((9, 9), np.float32)
    image[2, 4] = 1.0  # 2 rows above the centre
    out = warp(image, jaxaug.center_matrix(jaxaug.zoom_matrix(2.0, 2.0), image.shape), order=0)
    assert out[3, 4] == 1.0 and out[2, 4] == 0.0  # now only 1 row above the centre


def test_shear_moves_rows_below_the_centre_right():
    image = np.zeros((9, 9), np.float32)
    image[8, 4] = 1.0
    angle = np.arctan(0.5)
    m = jaxaug.center_matrix(jaxaug.shear_matrix(angle), image.shape)
    r, c = np.argwhere(warp(image, m, order=0, mode="constant") == 1.0)[0]
    assert c > 4


def test_compose_applies_the_first_matrix_first(image):
    a = jaxaug.translation_matrix(0.0, 2.0)
    b = jaxaug.center_matrix(jaxaug.flip_matrix(horizontal=True), image.shape)
    step = warp(warp(image, a, mode="constant"), b, mode="constant")
    fused = warp(image, jaxaug.compose(a, b), mode="constant")
    np.testing.assert_allclose(fused, step, atol=1e-6)


def test_compose_equals_float64_products(rng):
    ms = [np.asarray(jaxaug.rotation_matrix(t)) for t in rng.uniform(-3, 3, 3)]
    np.testing.assert_allclose(jaxaug.compose(*ms), ms[0] @ ms[1] @ ms[2], atol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        jaxaug.compose()


def test_offset_matrix_equals_conjugation(rng):
    m = np.asarray(jaxaug.compose(jaxaug.rotation_matrix(0.7), jaxaug.zoom_matrix(1.2, 0.8)), np.float64)
    t = lambda r, c: np.array([[1, 0, r], [0, 1, c], [0, 0, 1.0]])  # noqa: E731
    np.testing.assert_allclose(jaxaug.offset_matrix(m, 2.5, -1.0), t(2.5, -1.0) @ m @ t(-2.5, 1.0), atol=1e-5)


def test_builders_trace_under_jit_and_vmap():
    angles = np.linspace(-1, 1, 4).astype(np.float32)
    batched = jax.jit(jax.vmap(jaxaug.rotation_matrix))(angles)
    np.testing.assert_allclose(batched, np.stack([jaxaug.rotation_matrix(a) for a in angles]), atol=1e-7)
    flips = jax.vmap(lambda h: jaxaug.flip_matrix(horizontal=h))(np.array([True, False]))
    np.testing.assert_array_equal(np.asarray(flips)[:, 1, 1], [-1.0, 1.0])
