"""Scale out: the grain loader's global batches on 1/2/4 devices, 0/2 workers, 2 processes, Keras DataParallel.

"The same global batch" when shards are strided: ShardByJaxProcess gives process p the
files p, p + P, p + 2P, ... (``MapDataset[p::P]``), so a 2-process global batch holds
other examples, in another order, than a 1-process batch. What must not change is every
EXAMPLE: the image of global example id i in epoch e is bit-identical to the one a single
process on one device produces for (seed, e, i), and its label is the same. So we compare
per (epoch, example id), bit for bit, and additionally (a) on one process with N devices
the whole stream equals the 1-device loader's stream batch for batch, and (b) process p's
rows of every 2-process global batch equal what ONE process loading shard p produces.

The oracles run in this (1-device) process: the plain loader iterated on one device, and a
1-device Keras SGD on the same batches for the DataParallel fits.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
from pathlib import Path

import grain
import jax
import keras
import numpy as np
import pytest
from PIL import Image

import jaxaug
import jaxaug.grain
import jaxaug.keras
from tests import multihost_worker as mw

WORKER = str(Path(mw.__file__))
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "KERAS_BACKEND": "jax"}
ENV.pop("XLA_FLAGS", None)
FILES = 17  # odd: ShardByJaxProcess(drop_remainder=True) drops file 16, batching drops one per epoch
TIMEOUT = 300
# Bit-identity across devices, workers and processes is a claim about the programs users compile.
pytestmark = pytest.mark.optimized


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """17 PIL-written png/jpg images of different sizes in 3 classes."""
    root = tmp_path_factory.mktemp("mhtree")
    rng = np.random.default_rng(2)
    for i in range(FILES):
        folder = root / f"class{i % mw.CLASSES}"
        folder.mkdir(exist_ok=True)
        h, w = rng.integers(9, 16, 2)
        image = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        image.save(folder / f"{i:02d}.{'jpg' if i % 4 == 0 else 'png'}")
    return root


def batches(dataset, n):
    it = iter(dataset)
    try:
        return [jax.tree.map(np.asarray, next(it)) for _ in range(n)]
    finally:
        it.close()
        del it
        gc.collect()


@pytest.fixture(scope="module")
def reference(tree):
    """{(epoch, id): (image, label)} from ONE process on ONE device, every file of every epoch."""
    loader = mw.make_loader(tree, drop_remainder=False)  # keeps the 17th file too
    out = {}
    for step, (x, y, ids) in enumerate(batches(loader, mw.EPOCHS * len(loader))):
        for image, label, i in zip(x, y, ids):
            out[step // len(loader), int(i)] = (image, label)
    assert len(out) == mw.EPOCHS * FILES
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_all(commands, timeout=TIMEOUT):
    """Runs the worker commands concurrently; every process is killed on any failure or timeout."""
    procs = [subprocess.Popen([sys.executable, WORKER, *map(str, c)], env=ENV) for c in commands]
    try:
        return [p.wait(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def assert_examples_match(result, reference, prefix=""):
    """Every row equals the single-process, single-device augmentation of its (epoch, id), bit for bit."""
    ids, epochs = result[prefix + "ids"], result[prefix + "epochs"]
    for image, label, i, e in zip(result[prefix + "images"], result[prefix + "labels"], ids, epochs):
        want_image, want_label = reference[int(e), int(i)]
        np.testing.assert_array_equal(image, want_image, err_msg=f"epoch {e}, example {i}")
        np.testing.assert_array_equal(label, want_label)
    return ids, epochs


def sgd_reference(global_batches):
    """The oracle for a DataParallel fit: the same SGD steps on one device, batch by batch."""
    assert keras.distribution.distribution() is None
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(mw.CLASSES)])
    model.set_weights(mw.initial_weights())
    loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    for x, y in global_batches:
        model.train_on_batch(x, y)
    kernel, bias = (np.asarray(w.value) for w in model.weights)  # get_weights() warns under numpy 2
    return kernel, bias


def assert_same_weights(result, want):
    assert np.all(np.isfinite(result["keras_loss"]))
    np.testing.assert_allclose(result["keras_kernel"], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result["keras_bias"], want[1], rtol=1e-5, atol=1e-6)
    assert not np.allclose(result["keras_kernel"], mw.initial_weights()[0], atol=1e-4)  # it did train


@pytest.mark.slow
def test_determinism_matrix_devices_and_workers(tree, reference, tmp_path):
    """1 device (this process), 2 and 4 forced devices (one subprocess each), 0 and 2 grain workers.

    Also the Keras DataParallel fit on 4 devices fed by jaxaug.keras.fit_kwargs, and its
    clear error for a per-process batch that does not split over the devices.
    """
    one_device = mw.make_loader(tree)
    want = batches(one_device.global_batches(), mw.EPOCHS * len(one_device))  # 1 device: the plain loader
    plain = batches(one_device, mw.EPOCHS * len(one_device))
    for (x, _, i), (px, _, pi) in zip(want, plain):
        np.testing.assert_array_equal(x, px)
        np.testing.assert_array_equal(i, pi)
    outs = {n: tmp_path / f"devices{n}.npz" for n in (2, 4)}
    assert run_all([("devices", n, tree, out) for n, out in outs.items()]) == [0, 0]

    want_ids = np.concatenate([i for _, _, i in want])
    for n, path in outs.items():
        result = np.load(path)
        for prefix in ("w0_", "w2_") if n == 2 else ("w0_",):
            ids, epochs = assert_examples_match(result, reference, prefix)
            # One process: the global stream IS the 1-device stream, batch for batch.
            np.testing.assert_array_equal(ids, want_ids)
            np.testing.assert_array_equal(result[prefix + "images"], np.concatenate([x for x, _, _ in want]))
            assert result[prefix + "sharded"].all()
            for e in range(mw.EPOCHS):  # 16 of 17 files per epoch, none twice
                assert len(set(ids[epochs == e])) == (epochs == e).sum() == FILES - 1
    # Keras DataParallel on 4 devices trains exactly like 1 device on the same batches.
    assert_same_weights(np.load(outs[4]), sgd_reference([(x, y) for x, y, _ in want[: len(one_device)]]))
    message = str(np.load(outs[4])["indivisible_error"])
    assert "`batch_size`=6" in message and "multiple of the 4 local devices" in message


@pytest.mark.slow
def test_two_processes_load_their_shards_into_one_global_batch(tree, reference, tmp_path):
    outs = [tmp_path / f"p{i}.npz" for i in range(2)]
    port = free_port()
    assert run_all([("distributed", i, 2, port, tree, outs[i]) for i in range(2)]) == [0, 0]
    results = [np.load(path) for path in outs]

    seen = {e: [] for e in range(mw.EPOCHS)}
    for p, result in enumerate(results):
        assert int(result["devices"]) == 4 and int(result["process"]) == p and result["sharded"].all()
        assert int(result["global_rows"]) == 2 * mw.LOADER_KW["batch_size"]  # 4 rows per process
        assert set(result["starts"]) == {p * mw.LOADER_KW["batch_size"]}  # process p holds rows 4p..4p+3
        ids, epochs = assert_examples_match(result, reference)
        assert np.all(ids % 2 == p) and np.all(ids < FILES - 1)  # strided shard p; file 16 dropped
        for e in range(mw.EPOCHS):
            seen[e] += list(ids[epochs == e])
        # Process p's rows are exactly what one process loading shard p produces.
        options = grain.sharding.ShardOptions(shard_index=p, shard_count=2, drop_remainder=True)
        single = mw.make_loader(tree, shard_options=options)
        stream = batches(single, mw.EPOCHS * len(single))
        np.testing.assert_array_equal(result["images"], np.concatenate([x for x, _, _ in stream]))
        np.testing.assert_array_equal(ids, np.concatenate([i for _, _, i in stream]))
    for e, ids in seen.items():  # every kept file exactly once per epoch across the two hosts
        assert sorted(ids) == list(range(FILES - 1)), e

    # Keras DataParallel across the 2 processes: replicated weights equal 1-device SGD on the global batches.
    np.testing.assert_array_equal(results[0]["keras_kernel"], results[1]["keras_kernel"])
    shards = [
        mw.make_loader(tree, return_ids=False, shard_options=grain.sharding.ShardOptions(p, 2, drop_remainder=True))
        for p in range(2)
    ]
    per_host = [batches(s, len(s)) for s in shards]
    global_batches = [
        (np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])) for a, b in zip(*per_host, strict=True)
    ]
    for result in results:
        assert_same_weights(result, sgd_reference(global_batches))


def test_data_parallel_errors_are_clear(tree):
    with pytest.raises(ValueError, match="drop_remainder=True"):  # 17 files, batch 4: a short last batch
        mw.make_loader(tree, drop_remainder=False).global_batches()
    uneven = grain.sharding.ShardOptions(shard_index=0, shard_count=2, drop_remainder=False)
    with pytest.raises(ValueError, match="ShardByJaxProcess"):  # 9 vs 8 files: different step counts
        mw.make_loader(tree, shard_options=uneven).global_batches()
    with pytest.raises(TypeError, match="sharding"):
        mw.make_loader(tree).global_batches("data")
    with pytest.raises(ValueError, match="local_devices"):
        mw.make_loader(tree).check_data_parallel(0)
    with pytest.raises(ValueError, match="return_ids"):  # ids would become Keras sample weights
        jaxaug.keras.fit_kwargs(mw.make_loader(tree))
    # One device: any batch divides; the global batch is the plain batch plus the ids.
    x, y, ids = batches(mw.make_loader(tree).global_batches(jaxaug.data_sharding()), 1)[0]
    assert x.shape == (4, 8, 8, 3) and y.shape == (4, mw.CLASSES) and ids.dtype == np.uint32


def test_return_ids_match_the_host_batches(tree):
    loader = mw.make_loader(tree)
    got = batches(loader, len(loader) + 1)
    for j, (_, _, ids) in enumerate(got):
        np.testing.assert_array_equal(ids, loader.batches[j]["index"])
        assert ids.dtype == np.int64
    images_only = mw.make_loader(tree, class_mode=None)
    x, ids = batches(images_only, 1)[0]
    np.testing.assert_array_equal(x, got[0][0])
    np.testing.assert_array_equal(ids, got[0][2])
