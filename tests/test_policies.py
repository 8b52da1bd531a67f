"""RandAugment, TrivialAugment Wide and AugMix: per-example ops against single-op oracles.

Oracles: numpy slicing (integer translations), ``jaxaug.affine_transform`` with matrices
written out here from torchvision's definitions (shear, rotation), PIL ``ImageOps`` and
``ImageEnhance`` (pixel ops). Each policy output is classified as the ONE candidate it
equals; draws are inspected through ``policies._draw`` only for the frequency statistics and the
key-stream table.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

import jaxaug
from jaxaug._src import policies
from tests.helpers import assert_close

H, W = 16, 12  # not square: a swapped height and width shows
RNG = np.random.default_rng(7)
IMAGE = RNG.integers(20, 201, (H, W, 3), dtype=np.uint8)  # levels 20-200: autocontrast is not the identity
# PIL's equalize is the identity below 256 pixels per channel: the pixel-op tests use 24 x 24.
PIXEL_IMAGE = RNG.integers(20, 201, (24, 24, 3), dtype=np.uint8)
BATCH = 24


def _batch(image: np.ndarray, n: int = BATCH) -> jnp.ndarray:
    return jnp.asarray(np.repeat(image[None], n, axis=0))


def _classify(outputs: np.ndarray, candidates: dict, atol) -> list[str]:
    """The name of the ONE candidate each output equals (within ``atol``, or ``atol[name]``); fails otherwise."""
    names = []
    for i, out in enumerate(np.asarray(outputs, np.float64)):
        tol = atol if isinstance(atol, dict) else dict.fromkeys(candidates, atol)
        hits = [n for n, c in candidates.items() if np.max(np.abs(out - np.asarray(c, np.float64))) <= tol[n]]
        assert len(hits) == 1, f"example {i} matches {hits} of {list(candidates)}"
        names.append(hits[0])
    return names


def _pil(image: np.ndarray, op) -> np.ndarray:
    return np.asarray(op(Image.fromarray(image)))


# ---------------------------------------------------------------------------------------------------------------
# Per-example ops (the "done" test) and single-op oracles.
# ---------------------------------------------------------------------------------------------------------------

# RandAugment at magnitude 9 of 31 bins (torchvision's tables): enhance factors 1 +- 0.27, posterize
# 8 - round(9 / 7.5) = 7 bits, solarize threshold 255 - 9 * 8.5 = 178.5.
PIXEL_CANDIDATES = {
    "contrast+": lambda x: _pil(x, lambda im: ImageEnhance.Contrast(im).enhance(1.27)),
    "contrast-": lambda x: _pil(x, lambda im: ImageEnhance.Contrast(im).enhance(0.73)),
    "posterize": lambda x: _pil(x, lambda im: ImageOps.posterize(im, 7)),
    "solarize": lambda x: np.where(x >= 178.5, 255 - x, x),
    "autocontrast": lambda x: _pil(x, ImageOps.autocontrast),
    "equalize": lambda x: _pil(x, ImageOps.equalize),
    "identity": lambda x: x,
}


def test_two_images_of_one_batch_get_different_ops():
    """Identical images in, each comes out as exactly one single-op reference, and several ops occur."""
    ops = ("identity", "contrast", "posterize", "solarize", "autocontrast", "equalize")
    out = jaxaug.rand_augment(jax.random.key(3), _batch(PIXEL_IMAGE), num_ops=1, magnitude=9, ops=ops)
    assert out.dtype == jnp.uint8
    refs = {name: ref(PIXEL_IMAGE) for name, ref in PIXEL_CANDIDATES.items()}
    # PIL's enhancers truncate where jaxaug rounds: one level (module docstring of color.py); the rest is exact.
    names = _classify(out, refs, atol={n: 1.0 if n.startswith("contrast") else 0.0 for n in refs})
    assert len(set(names)) >= 4, names
    assert names[0] != names[1] or names[0] != names[2]


def test_pixel_ops_follow_the_table_on_float_images_with_max_value():
    """Float images in [0, 255] with ``max_value=255``: the same references (solarize threshold scaled)."""
    ops = ("posterize", "solarize", "equalize")
    x = PIXEL_IMAGE.astype(np.float32)
    out = jaxaug.rand_augment(jax.random.key(4), _batch(x, 12), num_ops=1, magnitude=9, ops=ops, max_value=255.0)
    assert out.dtype == jnp.float32
    refs = {n: PIXEL_CANDIDATES[n](PIXEL_IMAGE) for n in ops}
    assert set(_classify(out, refs, atol=1e-3)) == set(ops)


def _affine(image: np.ndarray, matrix: np.ndarray, order: int) -> np.ndarray:
    return np.asarray(jaxaug.affine_transform(image, matrix, order=order, mode="grid-constant", cval=0.0))


def _about(linear: np.ndarray, pivot: tuple[float, float]) -> np.ndarray:
    """``T(p) @ A @ T(-p)`` in float64."""
    t = np.eye(3)
    t[:2, 2] = pivot
    back = np.eye(3)
    back[:2, 2] = -np.asarray(pivot)
    return t @ linear @ back


def _geometric_candidates(x: np.ndarray, order: int) -> dict[str, np.ndarray]:
    """torchvision's geometric ops at RandAugment magnitude 9, as output-to-input matrices on (row, col)."""
    shear = 0.3 * 9 / 30  # linspace(0, 0.3, 31)[9]; torchvision passes degrees(atan(v)): col_in = col + v * row
    theta = math.radians(30.0 * 9 / 30)
    cands = {}
    for sign, s in (("+", 1.0), ("-", -1.0)):
        shear_x = _about(np.array([[1, 0, 0], [s * shear, 1, 0], [0, 0, 1.0]]), (-0.5, -0.5))  # top-left corner
        shear_y = _about(np.array([[1, s * shear, 0], [0, 1, 0], [0, 0, 1.0]]), (-0.5, -0.5))
        c, n = math.cos(s * theta), math.sin(s * theta)
        rotate = _about(np.array([[c, n, 0], [-n, c, 0], [0, 0, 1.0]]), ((H - 1) / 2, (W - 1) / 2))  # CCW
        cands["shear_x" + sign] = _affine(x, shear_x, order)
        cands["shear_y" + sign] = _affine(x, shear_y, order)
        cands["rotate" + sign] = _affine(x, rotate, order)
    # int(linspace(0, 150 / 331 * size, 31)[9]) pixels: 1 column (W = 12), 2 rows (H = 16); zeros fill.
    dx, dy = int(150 / 331 * W * 9 / 30), int(150 / 331 * H * 9 / 30)
    assert (dx, dy) == (1, 2)
    right, left, down, up = (np.zeros_like(x) for _ in range(4))
    right[:, dx:], left[:, :-dx] = x[:, :-dx], x[:, dx:]
    down[dy:], up[:-dy] = x[:-dy], x[dy:]
    cands.update({"translate_x+": right, "translate_x-": left, "translate_y+": down, "translate_y-": up})
    return cands


def test_geometric_ops_are_one_resample_with_torchvisions_matrices():
    ops = ("shear_x", "shear_y", "translate_x", "translate_y", "rotate")
    x = IMAGE.astype(np.float32) / 255
    out = jaxaug.rand_augment(jax.random.key(5), _batch(x, 32), num_ops=1, magnitude=9, ops=ops, order=1)
    names = _classify(out, _geometric_candidates(x, order=1), atol=1e-4)
    assert {n[:-1] for n in names} == set(ops)  # every op drawn at least once,
    assert {n[-1] for n in names} == {"+", "-"}  # with both signs


def test_translations_are_exact_integer_shifts_for_uint8_at_order_0():
    out = jaxaug.rand_augment(jax.random.key(6), _batch(IMAGE, 8), num_ops=1, ops=("translate_x", "translate_y"))
    cands = {k: v for k, v in _geometric_candidates(IMAGE, order=0).items() if k.startswith("translate")}
    assert len(set(_classify(out, cands, atol=0.0))) >= 2


def test_geometric_ops_compose_into_one_matrix():
    """Two steps of shear_x / translate_x: ONE resample with the product of their matrices, in drawn order."""
    x = IMAGE.astype(np.float32) / 255
    out = jaxaug.rand_augment(jax.random.key(8), _batch(x, 16), num_ops=2, magnitude=9, ops=("shear_x", "translate_x"))
    shear, dx = 0.3 * 9 / 30, int(150 / 331 * W * 9 / 30)
    cands = {}
    for first in ("shear_x", "translate_x"):
        for second in ("shear_x", "translate_x"):
            for s1 in (1.0, -1.0):
                for s2 in (1.0, -1.0):
                    mats = []
                    for op, s in ((first, s1), (second, s2)):
                        if op == "shear_x":
                            mats.append(_about(np.array([[1, 0, 0], [s * shear, 1, 0], [0, 0, 1.0]]), (-0.5, -0.5)))
                        else:
                            mats.append(np.array([[1, 0, 0], [0, 1, -s * dx], [0, 0, 1.0]]))
                    cands[f"{first}{s1:+.0f},{second}{s2:+.0f}"] = _affine(x, mats[0] @ mats[1], order=0)
    # Several draws give the same image (e.g. +dx then -dx); keep one name per distinct result.
    unique = {}
    for name, value in cands.items():
        if not any(np.array_equal(value, v) for v in unique.values()):
            unique[name] = value
    names = _classify(out, unique, atol=0.0)
    assert any("shear" in n and "translate" in n for n in names), names


# ---------------------------------------------------------------------------------------------------------------
# TrivialAugment Wide and AugMix.
# ---------------------------------------------------------------------------------------------------------------


def test_trivial_augment_draws_one_op_at_a_random_bin():
    """Posterize only: each image is PIL's posterize at one of the table's bit counts 8 - round(i / 5)."""
    out = jaxaug.trivial_augment(jax.random.key(9), _batch(IMAGE, 16), ops=("posterize",))
    refs = {b: _pil(IMAGE, lambda im, b=b: ImageOps.posterize(im, b)) for b in range(2, 9)}
    bits = _classify(out, refs, atol=0.0)
    assert len(set(bits)) >= 3, bits


def test_augmix_is_a_convex_mix_of_the_image_and_its_chains():
    """Autocontrast only (idempotent): every chain is autocontrast(x), so out = m x + (1 - m) AC(x), m in [0, 1]."""
    x = IMAGE.astype(np.float32) / 255
    ac = _pil(IMAGE, ImageOps.autocontrast).astype(np.float64) / 255
    out = np.asarray(jaxaug.augmix(jax.random.key(10), _batch(x, 8), width=3, ops=("autocontrast",)), np.float64)
    d = x - ac
    m = np.sum((out - ac) * d, axis=(1, 2, 3)) / np.sum(d * d)  # least-squares weight of the original, per image
    assert np.all((m >= 0) & (m <= 1)), m
    assert np.std(m) > 0.05, m  # each example draws its own weights
    assert_close(out, m[:, None, None, None] * x + (1 - m[:, None, None, None]) * ac, atol=1e-5)


@pytest.mark.optimized
@pytest.mark.parametrize("fn", [jaxaug.rand_augment, jaxaug.trivial_augment, jaxaug.augmix])
def test_dtype_shape_determinism_and_example_ids(fn):
    """Same key, same result; an example's result depends on its id, not its batch position."""
    images = jnp.asarray(RNG.integers(0, 256, (6, H, W, 3), dtype=np.uint8))
    ids = jnp.arange(10, 16)
    key = jax.random.key(11)
    out = fn(key, images, example_ids=ids)
    assert out.shape == images.shape and out.dtype == jnp.uint8
    np.testing.assert_array_equal(out, fn(key, images, example_ids=ids))
    perm = np.array([3, 0, 5, 1, 4, 2])
    np.testing.assert_array_equal(fn(key, images[perm], example_ids=ids[perm]), np.asarray(out)[perm])
    assert not np.array_equal(fn(jax.random.key(12), images, example_ids=ids), out)


def test_legacy_prng_keys_give_the_same_draws():
    images = _batch(IMAGE, 6)
    np.testing.assert_array_equal(
        jaxaug.rand_augment(jax.random.PRNGKey(1), images), jaxaug.rand_augment(jax.random.key(1), images)
    )


def test_compiled_once_for_new_keys_magnitudes_and_fill():
    images = _batch(IMAGE, 6)
    jaxaug.rand_augment(jax.random.key(0), images, magnitude=3)
    before = policies._rand_augment._cache_size()
    for m, cval in ((9, 0.0), (30, 7.0), (0, 255.0)):
        jaxaug.rand_augment(jax.random.key(m), images, magnitude=m, cval=cval)
    assert policies._rand_augment._cache_size() == before


# ---------------------------------------------------------------------------------------------------------------
# Draw statistics (through the private sampler the policies use).
# ---------------------------------------------------------------------------------------------------------------


def _draws(policy_space, names, bins, n, chains, steps, magnitude_bin):
    table = policies._table(policy_space(bins, H, W), names, bins)
    keys = jaxaug.example_keys(jax.random.key(13), jnp.arange(n))
    return jax.jit(lambda k: policies._draw(k, table, chains, steps, magnitude_bin))(keys)


def _assert_uniform(counts: np.ndarray, n: int) -> None:
    p = 1 / len(counts)
    sigma = math.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) < 5 * sigma), counts


def test_ops_signs_and_bins_are_uniform():
    names = policies._ALL_OPS["trivial_augment"]
    n = 6000
    d = _draws(policies._trivial_augment_space, names, 31, n, 1, 1, lambda k: jax.random.randint(k, (), 0, 31))
    codes, values = np.asarray(d.codes).ravel(), np.asarray(d.values).ravel()
    _assert_uniform(np.bincount(codes, minlength=len(names)), n)
    rotate = values[codes == policies.OPS.index("rotate")]
    bins = np.rint(np.abs(rotate) / (135 / 30)).astype(int)  # linspace(0, 135, 31)
    assert np.allclose(np.abs(rotate), bins * 135 / 30, atol=1e-3)
    _assert_uniform(np.bincount(bins, minlength=31), rotate.size)
    signed = values[np.isin(codes, [policies.OPS.index(o) for o in ("shear_x", "rotate", "contrast")]) & (values != 0)]
    assert abs(np.mean(signed > 0) - 0.5) < 5 * 0.5 / math.sqrt(signed.size)


def test_rand_augment_steps_draw_independently():
    names = policies._ALL_OPS["rand_augment"]
    d = _draws(policies._rand_augment_space, names, 31, 3000, 1, 2, lambda k: 9)
    codes = np.asarray(d.codes)[:, 0]
    pairs = codes[:, 0] * len(names) + codes[:, 1]
    _assert_uniform(np.bincount(pairs, minlength=len(names) ** 2), pairs.size)


def test_augmix_depths_and_weights():
    table = policies._table(policies._augmix_space(10, H, W), policies._ALL_OPS["augmix"], 10)
    keys = jaxaug.example_keys(jax.random.key(14), jnp.arange(2000))
    mix = jax.jit(lambda k: policies._draw_augmix(k, table, jnp.int32(3), 3, -1, jnp.float32(1.0)))(keys)
    depths = np.sum(np.asarray(mix.draws.codes) != 0, axis=-1)  # AugMix has no identity op: code 0 = inactive
    _assert_uniform(np.bincount(depths.ravel(), minlength=4)[1:], depths.size)
    np.testing.assert_allclose(np.asarray(mix.chain_weights).sum(axis=1), 1.0, atol=1e-5)
    skip = np.asarray(mix.skip_weight)  # Beta(1, 1): uniform on [0, 1]
    assert abs(skip.mean() - 0.5) < 0.02 and abs(skip.var() - 1 / 12) < 0.01
    values = np.abs(np.asarray(mix.draws.values))[np.asarray(mix.draws.codes) == policies.OPS.index("rotate")]
    np.testing.assert_allclose(np.unique(np.round(values, 3)), [0.0, 30 / 9, 60 / 9], atol=1e-3)  # bins 0-2 of 10


def test_draws_follow_the_documented_key_streams():
    """The module docstring's stream table, draw by draw: chain ``c``, step ``s`` of an example reads
    ``fold_in(fold_in(fold_in(example_key, id), c), s)`` with ids 60 (op), 61 (magnitude bin), 62 (sign),
    and AugMix's depth ``fold_in(fold_in(example_key, 63), c)``. Written here one draw at a time (eager
    Python loops); the sampler draws them all in one flat vmap, which must not reorder them."""
    names = policies._ALL_OPS["augmix"]
    table = policies._table(policies._augmix_space(10, H, W), names, 10)
    keys = jaxaug.example_keys(jax.random.key(21), jnp.arange(3))
    chains, steps, severity = 3, 3, 5
    mix = jax.jit(lambda k: policies._draw_augmix(k, table, jnp.int32(severity), chains, -1, jnp.float32(1.0)))(keys)

    def stream(key, field, *folds):
        for data in (field, *folds):
            key = jax.random.fold_in(key, data)
        return key

    for b, key in enumerate(keys):
        for c in range(chains):
            depth = int(jax.random.randint(stream(key, 63, c), (), 1, 4))
            for s in range(steps):
                choice = int(jax.random.randint(stream(key, 60, c, s), (), 0, len(names)))
                bin_ = int(jax.random.randint(stream(key, 61, c, s), (), 0, severity))
                negate = bool(jax.random.bernoulli(stream(key, 62, c, s))) and bool(table.signed[choice])
                value = -table.values[choice, bin_] if negate else table.values[choice, bin_]
                active = s < depth
                assert int(mix.draws.codes[b, c, s]) == (policies.OPS.index(names[choice]) if active else 0), (b, c, s)
                assert float(mix.draws.values[b, c, s]) == (float(value) if active else 0.0), (b, c, s)


# ---------------------------------------------------------------------------------------------------------------
# Bad input.
# ---------------------------------------------------------------------------------------------------------------

IMAGES = jnp.zeros((2, 8, 8, 3), jnp.uint8)


@pytest.mark.parametrize(
    ("fn", "images", "kwargs", "error", "match"),
    [
        (jaxaug.rand_augment, IMAGES, dict(num_ops=-1), ValueError, "num_ops"),
        (jaxaug.rand_augment, IMAGES, dict(num_ops=1.5), TypeError, "num_ops"),
        (jaxaug.rand_augment, IMAGES, dict(magnitude=31), ValueError, r"`magnitude` must be a bin index in \[0, 30\]"),
        (jaxaug.rand_augment, IMAGES, dict(magnitude=-1), ValueError, "magnitude"),
        (jaxaug.rand_augment, IMAGES, dict(magnitude=5, num_magnitude_bins=5), ValueError, r"\[0, 4\]"),
        (jaxaug.rand_augment, IMAGES, dict(magnitude=2.5), TypeError, "magnitude"),
        (jaxaug.rand_augment, IMAGES, dict(ops=("invert",)), ValueError, "`ops` must be one of"),
        (jaxaug.rand_augment, IMAGES, dict(ops=("rotate", "rotate")), ValueError, "distinct"),
        (jaxaug.rand_augment, IMAGES, dict(ops="rotate"), TypeError, "ops"),
        (jaxaug.rand_augment, IMAGES, dict(mode="edge"), ValueError, "mode"),
        (jaxaug.rand_augment, IMAGES, dict(example_ids=jnp.arange(3)), ValueError, "example_ids"),
        (jaxaug.rand_augment, IMAGES, dict(example_ids=jnp.zeros(2)), TypeError, "example_ids"),
        (jaxaug.rand_augment, IMAGES[0], {}, ValueError, "rank 4"),
        (jaxaug.rand_augment, jnp.zeros((2, 8, 8, 2)), {}, ValueError, "1 or 3 channels"),
        (jaxaug.trivial_augment, IMAGES, dict(num_magnitude_bins=1), ValueError, "num_magnitude_bins"),
        (jaxaug.augmix, IMAGES, dict(severity=0), ValueError, "severity"),
        (jaxaug.augmix, IMAGES, dict(severity=11), ValueError, "severity"),
        (jaxaug.augmix, IMAGES, dict(width=0), ValueError, "width"),
        (jaxaug.augmix, IMAGES, dict(depth=0), ValueError, "depth"),
        (jaxaug.augmix, IMAGES, dict(depth=-2), ValueError, "depth"),
        (jaxaug.augmix, IMAGES, dict(alpha=0.0), ValueError, "alpha"),
        (jaxaug.augmix, IMAGES, dict(ops=("identity",)), ValueError, "`ops` must be one of"),
        (jaxaug.augmix, IMAGES, dict(all_ops=False, ops=("brightness",)), ValueError, "`ops` must be one of"),
    ],
)
def test_bad_input_gets_a_named_error(fn, images, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(jax.random.key(0), images, **kwargs)


def test_pixel_free_channels_are_allowed():
    """Two channels are fine without the grayscale ops (color, contrast)."""
    ops = ("rotate", "solarize", "equalize")
    out = jaxaug.rand_augment(jax.random.key(0), jnp.zeros((2, 8, 8, 2), jnp.uint8), ops=ops)
    assert out.shape == (2, 8, 8, 2)


def test_geometry_only_policies_move_integers_exactly():
    """int32 values above 2**24 (not float32 values) survive an order-0 translation bit for bit."""
    big = np.full((H, W, 1), 16777217, np.int32)
    out = np.asarray(jaxaug.rand_augment(jax.random.key(15), _batch(big, 4), num_ops=1, ops=("translate_x",)))
    assert out.dtype == np.int32 and set(np.unique(out)) == {0, 16777217}
