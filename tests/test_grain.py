"""jaxaug.grain: discovery vs Keras legacy, determinism, epochs, checkpoints, workers, sharding, errors."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import grain
import jax
import numpy as np
import pytest
from PIL import Image

import jaxaug
import jaxaug.grain
from jaxaug._src import files
from tests.helpers import assert_close

CONFIG = jaxaug.AugmentConfig(
    rotation_range=40, width_shift_range=0.2, zoom_range=0.2, horizontal_flip=True, brightness_range=(0.8, 1.2)
)
SIZE = (8, 8)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """21 PIL-written images of different sizes in 3 classes (one nested folder, png and jpg), plus non-images."""
    root = tmp_path_factory.mktemp("tree")
    rng = np.random.default_rng(0)
    layout = {"a": 6, "b": 3, os.path.join("b", "sub"): 4, "c": 8}
    for folder, count in layout.items():
        os.makedirs(root / folder, exist_ok=True)
        for i in range(count):
            h, w = rng.integers(9, 15, 2)
            ext = "png" if i % 3 else "jpg"
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(root / folder / f"img{i}.{ext}")
    (root / "a" / "notes.txt").write_text("not an image")
    Image.new("RGB", (4, 4)).save(root / "top_level_ignored.png")
    return root


def take(loader_or_dataset, n):
    """First ``n`` batches as numpy (closing the iterator)."""
    it = iter(loader_or_dataset)
    out = [jax.tree.map(np.asarray, next(it)) for _ in range(n)]
    it.close()
    del it
    gc.collect()
    return out


def loader(tree, **kwargs):
    args = dict(seed=3, augment=CONFIG, target_size=SIZE, batch_size=7)  # 21 images: 3 full batches
    args.update(kwargs)
    return jaxaug.grain.flow_from_directory(tree, **args)


def per_example(ld, epochs):
    """{(epoch, index): augmented image} over ``epochs`` epochs, via the host batches' ids."""
    steps = len(ld) * epochs
    out = {}
    for j, (images, _) in enumerate(take(ld, steps)):
        host = ld.batches[j]
        for image, epoch, index in zip(images, host["epoch"], host["index"]):
            out[int(epoch), int(index)] = image
    return out


@pytest.mark.parametrize(
    "subset, class_mode, rescale, interpolation",
    [
        (None, "categorical", None, "nearest"),
        ("training", "sparse", 1 / 255, "bilinear"),
        ("validation", "binary", None, "nearest"),
        (None, "input", None, "nearest"),
        (None, None, 0.5, "nearest"),
    ],
)
def test_matches_keras_legacy_flow_from_directory(tree, subset, class_mode, rescale, interpolation):
    from keras.src.legacy.preprocessing.image import ImageDataGenerator

    split = 0.3 if subset else 0.0
    oracle = ImageDataGenerator(validation_split=split, rescale=rescale).flow_from_directory(
        str(tree),
        target_size=SIZE,
        class_mode=class_mode,
        batch_size=5,
        shuffle=False,
        subset=subset,
        interpolation=interpolation,
    )
    ours = loader(
        tree,
        augment=None,
        class_mode=class_mode,
        batch_size=5,
        shuffle=False,
        validation_split=split,
        subset=subset,
        interpolation=interpolation,
        rescale=rescale,
        num_epochs=1,
    )
    assert ours.filenames == tuple(oracle.filenames)
    np.testing.assert_array_equal(ours.classes, oracle.classes)
    assert ours.class_indices == oracle.class_indices
    assert len(ours) == len(oracle) and ours.samples == oracle.samples
    batches = take(ours, len(ours))
    for i, got in enumerate(batches):
        want = oracle[i]
        if class_mode is None:
            got, want = (got,), (want,)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_augmentation_depends_only_on_seed_epoch_and_example(tree):
    shuffled = loader(tree, shuffle=True)
    ordered = loader(tree, shuffle=False, read_threads=0)
    n = shuffled.samples
    a, b = per_example(shuffled, 2), per_example(ordered, 2)
    # Every example exactly once per epoch, in both.
    assert sorted(a) == sorted(b) == [(e, i) for e in range(2) for i in range(n)]
    for key in a:  # the same whatever the batch size, position or shuffle (separately compiled programs)
        assert_close(a[key], b[key], dtype=np.float32)
    # Fresh augmentation every epoch.
    assert all(not np.array_equal(a[0, i], a[1, i]) for i in range(n))
    # Oracle: the documented key rule, through jaxaug.augment on the decoded batch.
    host = ordered.batches[len(ordered)]  # first batch of epoch 1
    assert set(host["epoch"].tolist()) == {1}
    want = jax.jit(jaxaug.augment, static_argnums=2)(
        jax.random.fold_in(jax.random.key(3), 1),
        host["image"].astype(np.float32),
        CONFIG,
        example_ids=host["index"].astype(np.uint32),
    )
    for image, index in zip(np.asarray(want), host["index"]):
        assert_close(b[1, int(index)], image, dtype=np.float32)


def test_epochs_reshuffle_and_stay_deterministic(tree):
    ld = loader(tree)
    steps = len(ld)
    ids = [ld.batches[j]["index"] for j in range(2 * steps)]
    epoch0, epoch1 = np.concatenate(ids[:steps]), np.concatenate(ids[steps:])
    assert sorted(epoch0) == sorted(epoch1) == list(range(ld.samples))
    assert not np.array_equal(epoch0, epoch1)
    # Same seed: same stream, whatever the read threads; other seed: another stream.
    first = take(ld, steps + 2)
    threaded = take(loader(tree, read_threads=3), steps + 2)
    for x, y in zip(first, threaded):
        np.testing.assert_array_equal(x[0], y[0])
        np.testing.assert_array_equal(x[1], y[1])
    other = take(loader(tree, seed=4), 1)
    assert not np.array_equal(first[0][0], other[0][0])


def test_checkpoint_resume_is_exactly_once(tree, tmp_path):
    from etils import epath

    args = dict(num_epochs=2)
    whole = take(loader(tree, **args), 6)
    assert len(loader(tree, **args)) == 3
    it = iter(loader(tree, **args))
    head = [jax.tree.map(np.asarray, next(it)) for _ in range(4)]  # into the middle of epoch 1
    state = it.get_state()
    (tmp_path / "ckpt").mkdir()
    grain.checkpoint.CheckpointHandler().save(epath.Path(tmp_path / "ckpt"), item=it)
    it.close()
    resumed = iter(loader(tree, **args))  # a new pipeline, as after a restart
    resumed.set_state(state)
    restored = grain.checkpoint.CheckpointHandler().restore(
        epath.Path(tmp_path / "ckpt"), item=iter(loader(tree, **args))
    )
    for stream in (resumed, restored):
        tail = [jax.tree.map(np.asarray, batch) for batch in stream]  # num_epochs=2: ends after epoch 1
        assert len(tail) == 2
        for got, want in zip(head + tail, whole):
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])
        stream.close()
    del it, resumed, restored
    gc.collect()


@pytest.mark.optimized
def test_worker_processes_give_the_same_batches(tree, tmp_path):
    """One multiprocessing test (spawning workers costs seconds): also covers the absl-flag workaround."""
    from absl import flags

    name = "grain_enable_multiprocess_worker_profiling"
    if not flags.FLAGS.is_parsed() and not flags.FLAGS[name].present:
        # The grain bug jaxaug works around: reading the flag fails in a non-absl program.
        with pytest.raises(flags.UnparsedFlagAccessError):
            getattr(flags.FLAGS, name)
    # Worker processes run in a subprocess with a timeout (its own session, killed as a group),
    # so a hang fails the test instead of stalling the suite.
    from tests.test_reliability import Worker

    runs = {}
    for workers in (0, 2):
        out = tmp_path / f"batches_{workers}.npz"
        code, stdout, stderr, left = Worker("batches", tree, out, workers).finish(timeout=180)
        assert code == 0 and "DONE" in stdout, stderr[-2000:]
        assert left == []  # no grain worker outlives its loader
        runs[workers] = dict(np.load(out))
    for name in ("images", "labels", "ids"):
        np.testing.assert_array_equal(runs[2][name], runs[0][name])
    assert len(runs[0]["ids"]) == len(files.list_directory(tree).filenames)


def test_sharding_splits_examples_and_keeps_their_augmentation(tree):
    full = per_example(loader(tree), 1)
    seen = []
    for index in range(2):
        options = grain.sharding.ShardOptions(shard_index=index, shard_count=2, drop_remainder=True)
        shard = loader(tree, shard_options=options, drop_remainder=True)
        assert shard.samples == 21 // 2 and len(shard) == 1  # 10 per shard: one batch of 7
        part = per_example(shard, 1)
        seen += [i for _, i in part]
        for key, image in part.items():
            assert_close(image, full[key], dtype=np.float32)
    assert len(seen) == len(set(seen)) == 2 * 7
    single = loader(tree, shard_options=grain.sharding.ShardByJaxProcess())  # one process: everything
    assert single.samples == 21


def test_building_blocks(tree):
    source = jaxaug.grain.ImageFolderSource(tree, decode=jaxaug.grain.DecodeImage(target_size=(5, 6)))
    listing = files.list_directory(tree)
    assert len(source) == listing.samples and source.filenames == listing.filenames
    record = source[7]
    expected = files.decode_image(listing.filepaths[7], target_size=(5, 6))
    np.testing.assert_array_equal(record["image"], expected)
    assert int(record["label"]) == listing.classes[7] and int(record["index"]) == 7
    assert jaxaug.grain.ImageFolderSource(listing, decode=None)[7]["path"] == listing.filepaths[7]
    step = jaxaug.grain.AugmentBatch(seed=1, config=None, class_mode="sparse", dtype="uint8")
    batch = jaxaug.grain.stack_records([source[i] for i in range(3)])
    images, labels = step(batch)
    assert isinstance(images, jax.Array) and images.dtype == np.uint8 and labels.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(images), batch["image"])
    with pytest.raises(IndexError, match="out of range"):
        source[len(source)]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "uint8"])
def test_dtypes_and_grayscale(tree, dtype):
    ld = loader(tree, augment=None, dtype=dtype, color_mode="grayscale", class_mode="binary", shuffle=False)
    (images, labels), host = take(ld, 1)[0], ld.batches[0]
    assert images.dtype == np.dtype(dtype) and images.shape == (7, 8, 8, 1)
    assert labels.dtype == np.dtype("float32" if dtype == "uint8" else dtype) and labels.shape == (7,)
    np.testing.assert_array_equal(images, host["image"].astype(dtype))  # exact: pixel values fit every dtype
    np.testing.assert_array_equal(labels, host["label"])


def test_bad_file_is_named(tmp_path):
    for name in ("a/ok.png", "b/ok.png"):
        os.makedirs(tmp_path / os.path.dirname(name), exist_ok=True)
        Image.new("RGB", (4, 4)).save(tmp_path / name)
    (tmp_path / "b" / "broken.png").write_bytes(b"not a png")
    ld = loader(tmp_path, shuffle=False, batch_size=3)
    with pytest.raises(files.ImageFileError, match="broken.png"):
        take(ld, 1)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed=2**32), ValueError, "seed"),
        (dict(seed="0"), TypeError, "seed"),
        (dict(augment={"rotation_range": 10}), TypeError, "augment"),
        (dict(target_size=(0, 8)), ValueError, "target_size"),
        (dict(target_size=8), ValueError, "target_size"),
        (dict(color_mode="cmyk"), ValueError, "color_mode"),
        (dict(class_mode="output"), ValueError, "class_mode"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(shuffle="yes"), TypeError, "shuffle"),
        (dict(validation_split=1.0), ValueError, "validation_split"),
        (dict(subset="test"), ValueError, "subset"),
        (dict(interpolation="cubic"), ValueError, "interpolation"),
        (dict(num_epochs=0), ValueError, "num_epochs"),
        (dict(worker_count=-1), ValueError, "worker_count"),
        (dict(read_threads=1.5), TypeError, "read_threads"),
        (dict(dtype="int8"), ValueError, "dtype"),
        (dict(dtype="uint8", rescale=0.5), ValueError, "rescale"),
        (dict(rescale="1/255"), TypeError, "rescale"),
        (dict(shard_options=(0, 2)), TypeError, "shard_options"),
        (dict(drop_remainder=True, batch_size=50), ValueError, "batch_size"),
        (dict(keep_aspect_ratio=None), TypeError, "keep_aspect_ratio"),
        (dict(follow_links="no"), TypeError, "follow_links"),
        (dict(classes="abc"), TypeError, "classes"),
    ],
)
def test_bad_arguments_are_named(tree, kwargs, error, match):
    with pytest.raises(error, match=match):
        loader(tree, **kwargs)


def test_missing_or_empty_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        loader(tmp_path / "nope")
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="Found no images"):
        loader(tmp_path)


def test_integrations_import_only_what_they_need():
    # jaxaug.keras imports keras (its layers must be registered for load_model) but never grain;
    # jaxaug.grain imports grain but never keras.
    for module, banned in [("jaxaug.keras", "grain"), ("jaxaug.grain", "keras")]:
        code = f"import sys, {module}; print('{banned}' in sys.modules)"
        env = {**os.environ, "KERAS_BACKEND": "jax"}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, timeout=120
        )
        assert out.stdout.strip() == "False", (module, banned)
