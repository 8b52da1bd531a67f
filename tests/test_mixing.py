"""MixUp and CutMix: label arithmetic, Beta statistics, the key contract, errors, and 1/2/4-device determinism."""

import functools
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats

import jaxaug
from tests import mixing_worker

B, H, W, C = 8, 10, 12, 3
IDS = np.arange(100, 100 + B, dtype=np.uint32)
EYE = np.eye(B, dtype=np.float32)
# Few compiled programs: most calls share (float32 images, (B, B) labels, num_shards=2); cutmix always has masks.
MIX = functools.partial(jaxaug.mixup, num_shards=2)
CUT = functools.partial(jaxaug.cutmix, num_shards=2)


def constant_images(dtype=np.float32):
    """Example i is filled with i + 1 on every channel: a pixel's value names its source example."""
    return np.broadcast_to(np.arange(1, B + 1, dtype=dtype)[:, None, None, None], (B, H, W, C)).copy()


MASKS = (10 * constant_images(np.int32)[..., 0]).astype(np.int32)


def run(name, key, images, labels, masks=MASKS, **kwargs):
    """mixup or cutmix (with masks) as numpy arrays."""
    if name == "cutmix":
        return tuple(np.asarray(a) for a in CUT(key, images, labels, masks=masks, **kwargs))
    return tuple(np.asarray(a) for a in MIX(key, images, labels, **kwargs))


def assert_groups_are_cycles(partner, num_shards):
    """Every example's partner is another member of its group, and following partners visits the whole group."""
    n = len(partner) // num_shards
    for g in range(num_shards):
        members = set(range(g * n, (g + 1) * n))
        start, seen = g * n, []
        for _ in range(n):
            seen.append(start)
            start = int(partner[start])
            assert start in members
        assert start == g * n and sorted(seen) == sorted(members), partner


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cutmix_lambda_is_the_pasted_area_and_masks_follow(seed):
    images, masks = constant_images(), MASKS
    x, y, m = run("cutmix", jax.random.key(seed), images, EYE, alpha=1.0)
    assert x.dtype == np.float32 and m.dtype == np.int32 and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-6)
    partner = np.zeros(B, int)
    areas = []
    for i in range(B):
        pasted = x[i, :, :, 0] != i + 1
        area = int(pasted.sum())
        areas.append(area)
        lam = (H * W - area) / (H * W)  # exact rational; float32 division on XLA may be 1 ulp off IEEE
        if area == 0:
            np.testing.assert_array_equal(y[i], np.eye(B)[i])
            partner[i] = -1
            continue
        rows, cols = np.nonzero(pasted)
        assert (np.ptp(rows) + 1) * (np.ptp(cols) + 1) == area, "the pasted pixels are not a rectangle"
        values = np.unique(x[i][pasted])
        assert len(values) == 1  # one partner, all channels
        partner[i] = int(values[0]) - 1
        # The label weights are the area actually pasted, to 1 float32 ulp (consecutive areas are 1/120 apart).
        assert abs(y[i, i] - lam) <= np.spacing(np.float32(lam)) and round(y[i, partner[i]] * H * W, 4) == area
        assert np.count_nonzero(y[i]) == 2
        np.testing.assert_array_equal(m[i] != masks[i, 0, 0], pasted)  # the mask's pasted region is the image's
        np.testing.assert_array_equal(m[i][pasted], masks[partner[i], 0, 0])
    assert 0 < sum(areas) < B * H * W
    if (partner >= 0).all():
        assert_groups_are_cycles(partner, num_shards=2)
    for i in np.nonzero(partner >= 0)[0]:
        assert i // 4 == partner[i] // 4 and partner[i] != i  # another example of the same shard


def test_mixup_blends_images_with_the_label_weight():
    images = np.random.default_rng(0).uniform(0, 255, size=(B, H, W, C)).astype(np.float32)
    mix = functools.partial(run, "mixup", jax.random.key(5), alpha=1.0, example_ids=IDS)
    x, y = mix(images, EYE)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-6)
    lam = np.diag(y).astype(np.float64)
    assert ((lam > 0) & (lam < 1)).all()
    partner = np.argmax(y - np.diag(np.diag(y)), axis=1)
    np.testing.assert_allclose(y[np.arange(B), partner], 1 - lam, atol=1e-6)
    assert_groups_are_cycles(partner, num_shards=2)
    expected = lam[:, None, None, None] * images + (1 - lam[:, None, None, None]) * images[partner]
    np.testing.assert_allclose(x, expected, atol=255 * 1e-6)
    # uint8: the same blend in float32, rounded half away from zero and clipped
    x8, y8 = mix(images.astype(np.uint8), EYE)
    xf, _ = mix(images.astype(np.uint8).astype(np.float32), EYE)
    assert x8.dtype == np.uint8
    np.testing.assert_array_equal(x8, np.clip(np.floor(xf + 0.5), 0, 255).astype(np.uint8))
    np.testing.assert_array_equal(y8, y)


def pair_lambdas(alpha, probability=1.0, n=2000):
    """lambda per example from mixup over n/2 groups of two, whose two members have different classes."""
    _, y = jaxaug.mixup(
        jax.random.key(42),
        np.zeros((n, 1, 1, 1), np.float32),
        np.arange(n) % 2,
        num_classes=2,
        alpha=alpha,
        probability=probability,
        num_shards=n // 2,
    )
    return np.asarray(y)[np.arange(n), np.arange(n) % 2].astype(np.float64)


@pytest.mark.parametrize("alpha", [0.4, 2.0])  # small alphas put many float32 lambdas exactly at 1.0 (ties)
def test_lambda_follows_beta_alpha_alpha(alpha):
    lam = pair_lambdas(alpha)
    assert lam.min() >= 0 and lam.max() <= 1
    assert abs(lam.mean() - 0.5) < 0.03
    variance = alpha**2 / ((2 * alpha) ** 2 * (2 * alpha + 1))
    assert abs(lam.var() / variance - 1) < 0.15
    assert scipy.stats.kstest(lam, scipy.stats.beta(alpha, alpha).cdf).pvalue > 1e-3


def test_loop_free_gamma_sampler_matches_scipy():
    """The Gamma draws under lambda, compared in log space, where small alphas are still resolved in float32."""
    from jaxaug._src import mixing

    def log_gamma(key, alpha):
        k_normal, k_uniform = jax.random.split(key)
        x = jax.random.normal(k_normal, (mixing._PROPOSALS,))
        u = jax.random.uniform(k_uniform, (mixing._PROPOSALS + 1,), minval=np.finfo(np.float32).tiny)
        return mixing._log_gamma(x, u[:-1], u[-1], alpha)

    sample = jax.jit(jax.vmap(log_gamma, in_axes=(0, None)))
    keys = jax.random.split(jax.random.key(8), 3000)
    for alpha in (0.05, 1.0, 8.0):
        draws = np.asarray(sample(keys, np.float32(alpha))).astype(np.float64)
        assert scipy.stats.kstest(draws, scipy.stats.loggamma(alpha).cdf).pvalue > 1e-3, alpha


@pytest.mark.parametrize("name", ["mixup", "cutmix"])
def test_probability_is_the_fraction_mixed(name):
    if name == "mixup":
        assert abs(np.mean(pair_lambdas(1.0, probability=0.3) != 1) - 0.3) < 0.04
    images = constant_images()
    x, y, *m = run(name, jax.random.key(0), images, EYE, alpha=1.0, probability=0.0)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, EYE)
    np.testing.assert_array_equal(m or [MASKS], [MASKS])


@pytest.mark.parametrize("name", ["mixup", "cutmix"])
def test_key_contract(name):
    images = constant_images()

    def call(key, order=slice(None), **kwargs):
        labels, masks, ids = EYE[order], MASKS[order], IDS[order]
        return run(name, key, images[order], labels, masks=masks, example_ids=ids, alpha=1.0, **kwargs)

    x = call(jax.random.key(0))[0]
    np.testing.assert_array_equal(call(jax.random.key(0))[0], x)
    assert not np.array_equal(call(jax.random.key(1))[0], x)
    # Reordering inside a group reorders the output rows: partners depend on the set of ids, not positions.
    order = np.array([2, 0, 3, 1, 7, 5, 4, 6])
    for a, b in zip(call(jax.random.key(3), order=order), call(jax.random.key(3)), strict=True):
        np.testing.assert_array_equal(a, b[order])
    if name == "mixup":
        # lambda of an id: the same in any batch, with any num_shards; legacy keys work too
        lam = np.diag(call(jax.random.key(3))[1])
        one_group = jaxaug.mixup(jax.random.key(3), images, EYE, alpha=1.0, example_ids=IDS)[1]
        np.testing.assert_array_equal(np.diag(np.asarray(one_group)), lam)
        half = jaxaug.mixup(jax.random.key(3), images[:4], EYE[:4, :4], alpha=1.0, example_ids=IDS[:4])[1]
        np.testing.assert_array_equal(np.diag(np.asarray(half)), lam[:4])
        _, y_legacy = MIX(jax.random.PRNGKey(0), images, EYE, alpha=1.0)
        np.testing.assert_allclose(np.asarray(y_legacy).sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("name", ["mixup", "cutmix"])
def test_integer_labels_equal_one_hot(name):
    fn = functools.partial(run, name, jax.random.key(4), constant_images(), alpha=0.5)
    classes = np.array([3, 0, 7, 7, 1, 2, 0, 3])
    from_int, from_hot = fn(classes, num_classes=B), fn(EYE[classes])
    for a, b in zip(from_int, from_hot, strict=True):
        np.testing.assert_array_equal(a, b)
    assert fn(EYE.astype(np.int32)[classes])[1].dtype == np.float32
    if name == "mixup":
        assert fn(EYE.astype(jnp.bfloat16)[classes])[1].dtype == jnp.bfloat16


BAD = [
    ("mixup", {"alpha": 0.0}, ValueError, r"`alpha` must be in \(0.0, inf\]"),
    ("cutmix", {"alpha": -1.0}, ValueError, "`alpha`"),
    ("mixup", {"alpha": 1.0, "probability": 1.5}, ValueError, r"`probability` must be in \[0.0, 1.0\]"),
    ("cutmix", {"alpha": 1.0, "probability": -0.1}, ValueError, "`probability`"),
    ("mixup", {"alpha": 1.0, "labels": np.eye(B + 1)}, ValueError, "leading dimension"),
    ("cutmix", {"alpha": 1.0, "labels": np.arange(B)}, ValueError, "`num_classes` is required"),
    ("mixup", {"alpha": 1.0, "labels": np.zeros(B)}, TypeError, "integer class indices"),
    ("mixup", {"alpha": 1.0, "num_classes": 3}, ValueError, "`num_classes` \\(3\\) must equal"),
    ("mixup", {"alpha": 1.0, "num_shards": 3}, ValueError, "`num_shards` \\(3\\) must divide"),
    ("mixup", {"alpha": 1.0, "example_ids": np.arange(B - 1)}, ValueError, "`example_ids` must have shape"),
    ("cutmix", {"alpha": 1.0, "masks": np.zeros((B, H, W + 1))}, ValueError, "`masks` must have shape"),
    ("cutmix", {"alpha": 1.0, "boxes": np.zeros((B, 1, 4))}, ValueError, "`boxes` are not supported"),
    ("cutmix", {"alpha": 1.0, "images": np.zeros((H, W, C))}, ValueError, "`images` must have rank 4"),
]


@pytest.mark.parametrize(("name", "kwargs", "error", "match"), BAD, ids=[f"{b[0]}-{b[3][:24]}" for b in BAD])
def test_bad_input_gets_a_named_error(name, kwargs, error, match):
    args = {"images": constant_images(), "labels": np.eye(B, dtype=np.float32), **kwargs}
    with pytest.raises(error, match=match):
        getattr(jaxaug, name)(jax.random.key(0), args.pop("images"), args.pop("labels"), **args)


@pytest.mark.optimized
def test_sharded_over_2_and_4_devices_is_bit_identical_without_collectives(tmp_path):
    """One subprocess with 4 forced host devices; the in-process, unsharded, 1-device result is the oracle.

    The worker wraps the functions in its own jit (alpha a compile-time constant there) while the reference
    runs them eagerly, so this also checks that jit and eager give the same bits.
    """
    images, labels, masks, ids = mixing_worker.dataset()
    out = tmp_path / "out.npz"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    subprocess.run([sys.executable, mixing_worker.__file__, out], env=env, check=True, timeout=300)
    result = np.load(out)
    key = jax.random.key(11)
    reference = {
        "mixup": mixing_worker.FUNCTIONS["mixup"](key, images, labels, example_ids=ids),
        "cutmix": mixing_worker.FUNCTIONS["cutmix"](key, images, labels, example_ids=ids, masks=masks),
    }
    for name, outs in reference.items():
        for run in ["2_Explicit", "4_Explicit"] + ["4_Auto"] * (name == "cutmix"):  # Explicit and Auto mesh axes
            assert str(result[f"{name}_{run}_collectives"]) == "", (name, run, result[f"{name}_{run}_collectives"])
            for i, expected in enumerate(outs):
                np.testing.assert_array_equal(result[f"{name}_{run}_{i}"], expected, err_msg=f"{name} {run} {i}")
                assert bool(result[f"{name}_{run}_{i}_split"]), (name, run, i)
    one_group = jax.jit(functools.partial(jaxaug.mixup, alpha=0.4, num_classes=mixing_worker.NUM_CLASSES))
    np.testing.assert_array_equal(result["one_group"], one_group(key, images, labels)[0])
    assert "all-gather" in str(result["one_group_collectives"])
