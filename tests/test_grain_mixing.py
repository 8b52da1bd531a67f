"""MixUp / CutMix in the grain loader: one-hot labels, the (seed, epoch, example) rule, named errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import jaxaug
import jaxaug.grain


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("mix")
    rng = np.random.default_rng(0)
    for i in range(10):
        folder = root / ("a", "b", "c")[i % 3]
        folder.mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    return root


def _loader(tree, **kwargs):
    kwargs = dict(
        dict(
            seed=5,
            augment=jaxaug.AugmentConfig(rotation_range=10),
            target_size=(8, 10),
            batch_size=4,
            num_epochs=2,
            read_threads=0,
            return_ids=True,
        ),
        **kwargs,
    )
    return jaxaug.grain.flow_from_directory(tree, **kwargs)


@pytest.mark.parametrize(
    "kind", [dict(mixup_alpha=0.4), dict(cutmix_alpha=1.0), dict(mixup_alpha=0.4, cutmix_alpha=1.0)]
)
def test_mixed_batches_have_mixed_one_hot_labels_and_are_reproducible(tree, kind):
    batches = list(_loader(tree, **kind))
    again = list(_loader(tree, read_threads=2, **kind))  # threads never change the draws
    plain = list(_loader(tree))
    mixed_any = False
    for (x, y, ids), (x2, y2, ids2), (xp, yp, _) in zip(batches, again, plain):
        y = np.asarray(y)
        np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_array_equal(np.asarray(x), np.asarray(x2))
        np.testing.assert_array_equal(y, np.asarray(y2))
        np.testing.assert_array_equal(ids, ids2)
        mixed_any |= bool((y.max(axis=1) < 1).any())
        assert not np.array_equal(np.asarray(xp), np.asarray(x)) or not np.array_equal(np.asarray(yp), y)
    assert mixed_any


def test_mix_probability_zero_leaves_batches_unmixed(tree):
    for (x, y, _), (xp, yp, _) in zip(_loader(tree, mixup_alpha=0.4, mix_probability=0.0), _loader(tree)):
        # Another program around the same augmentation: XLA may round a last bit differently.
        np.testing.assert_allclose(np.asarray(x), np.asarray(xp), rtol=1e-6, atol=1e-4)
        np.testing.assert_array_equal(np.asarray(y), np.asarray(yp))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(mixup_alpha=0.0), ValueError, r"`mixup_alpha` must be in \(0.0, inf\]"),
        (dict(cutmix_alpha=-1.0), ValueError, r"`cutmix_alpha` must be in \(0.0, inf\]"),
        (dict(mixup_alpha=0.2, mix_probability=1.5), ValueError, r"`mix_probability` must be in \[0.0, 1.0\]"),
        (dict(mixup_alpha=0.2, class_mode="sparse"), ValueError, "need class_mode='categorical'"),
    ],
)
def test_bad_mixing_arguments_are_named(tree, kwargs, error, match):
    with pytest.raises(error, match=match):
        _loader(tree, **kwargs)


def test_a_policy_after_augment_is_keyed_by_epoch_and_example(tree):
    import functools

    policy = functools.partial(jaxaug.rand_augment, num_ops=2, magnitude=9)

    def by_id(batch_size):
        loader = _loader(tree, policy=policy, batch_size=batch_size)
        return {(e, int(i)): np.asarray(x) for e, batch in enumerate(_epochs(loader)) for x, i in batch}

    small, large = by_id(3), by_id(5)
    assert small.keys() == large.keys() and len(small) == 20
    for k in small:
        np.testing.assert_array_equal(small[k], large[k])  # batch size never changes an example's policy
    plain = {k: v for k, v in zip(small, by_id_plain(tree))}
    assert any(not np.array_equal(small[k], plain[k]) for k in small)


def _epochs(loader):
    """Per epoch, the (image, id) pairs of every batch."""
    steps = len(loader)
    batches = list(loader)
    return [
        [(x, i) for images, _, ids in batches[e * steps : (e + 1) * steps] for x, i in zip(images, ids)]
        for e in range(len(batches) // steps)
    ]


def by_id_plain(tree):
    return [np.asarray(x) for epoch in _epochs(_loader(tree, batch_size=3)) for x, _ in epoch]


def test_a_policy_must_be_callable(tree):
    with pytest.raises(TypeError, match="`policy` must be None or a callable"):
        _loader(tree, policy="randaugment")
