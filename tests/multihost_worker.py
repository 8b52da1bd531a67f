"""Subprocess body for tests/test_multihost.py (needs its own XLA_FLAGS / jax.distributed).

Usage:
  python multihost_worker.py devices N TREE OUT.npz
      one process, N forced CPU devices: ``loader.global_batches()`` for 2 epochs with 0
      grain workers (and 2 workers when N == 2), plus (N == 4) a Keras DataParallel fit.
  python multihost_worker.py distributed PROCESS_ID NUM_PROCESSES PORT TREE OUT.npz
      one of NUM_PROCESSES jax.distributed processes with 2 forced CPU devices each: its
      ShardByJaxProcess shard through ``global_batches()``, and a Keras DataParallel fit.

Everything the parent checks is written to OUT.npz; the parent holds the oracles.
"""

import os
import sys

import numpy as np

CONFIG_KW = dict(rotation_range=30, width_shift_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode="reflect")
LOADER_KW = dict(seed=5, target_size=(8, 8), batch_size=4, drop_remainder=True, return_ids=True, rescale=1 / 255)
EPOCHS = 2
CLASSES = 3


def make_loader(tree, **kwargs):
    import jaxaug
    import jaxaug.grain

    args = dict(LOADER_KW, augment=jaxaug.AugmentConfig(**CONFIG_KW))
    args.update(kwargs)
    return jaxaug.grain.flow_from_directory(tree, **args)


def local_rows(x):
    """This process's rows of a (possibly global) array, in global row order, and the first row's index."""
    shards = {s.index[0].start or 0: np.asarray(s.data) for s in x.addressable_shards}
    starts = sorted(shards)
    return np.concatenate([shards[s] for s in starts]), starts[0]


def run_global(loader, epochs=EPOCHS):
    """Iterates ``global_batches`` for ``epochs`` epochs; returns this process's rows of every batch."""
    import gc

    import jax

    import jaxaug

    images, labels, ids, epoch_of, starts, sharded = [], [], [], [], [], []
    it = iter(loader.global_batches())
    try:
        for step in range(epochs * len(loader)):
            x, y, gid = next(it)
            assert x.sharding.is_equivalent_to(gid.sharding, 1) and x.sharding.is_equivalent_to(y.sharding, 2)
            # Split over every local device along the batch, like jaxaug.data_sharding().
            sharded.append(
                x.sharding.is_equivalent_to(jaxaug.data_sharding(), 4)
                and len(x.addressable_shards) == jax.local_device_count()
            )
            rows, start = local_rows(x)
            images.append(rows)
            labels.append(local_rows(y)[0])
            ids.append(local_rows(gid)[0])
            epoch_of.append(np.full(len(rows), step // len(loader)))
            starts.append(start)
    finally:
        it.close()
        del it
        gc.collect()  # grain workers: drop the iterator before exit (else a shared-memory warning)
    return dict(
        images=np.concatenate(images),
        labels=np.concatenate(labels),
        ids=np.concatenate(ids).astype(np.int64),
        epochs=np.concatenate(epoch_of),
        starts=np.array(starts),
        global_rows=x.shape[0],
        sharded=np.array(sharded),
    )


def keras_fit(loader, initial_weights):
    """One epoch of SGD under keras.distribution.DataParallel(auto_shard_dataset=False); returns the weights."""
    import keras

    import jaxaug.keras

    keras.distribution.set_distribution(keras.distribution.DataParallel(auto_shard_dataset=False))
    keras.utils.set_random_seed(0)  # multi-process: initial values must agree on every process
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(CLASSES)])
    model.set_weights(initial_weights)
    loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    history = model.fit(**jaxaug.keras.fit_kwargs(loader), epochs=1, verbose=0)
    kernel, bias = (np.asarray(w.value) for w in model.weights)
    return dict(kernel=kernel, bias=bias, loss=np.array(history.history["loss"]))


def initial_weights():
    rng = np.random.default_rng(0)
    return [rng.normal(0, 0.05, (8 * 8 * 3, CLASSES)).astype(np.float32), np.zeros(CLASSES, np.float32)]


def devices_main(n, tree, out):
    import jax

    assert jax.device_count() == n
    result = {f"w0_{k}": v for k, v in run_global(make_loader(tree)).items()}
    if n == 2:  # grain worker processes cost ~2 s to start: one device count is enough
        result.update({f"w2_{k}": v for k, v in run_global(make_loader(tree, worker_count=2)).items()})
    if n == 4:
        weights = keras_fit(make_loader(tree, return_ids=False), initial_weights())
        result.update({f"keras_{k}": v for k, v in weights.items()})
        import jaxaug.keras

        try:  # 6 per process does not split over 4 devices: a clear error before fit starts
            jaxaug.keras.fit_kwargs(make_loader(tree, return_ids=False, batch_size=6))
            result["indivisible_error"] = ""
        except ValueError as err:
            result["indivisible_error"] = str(err)
    np.savez(out, **result)


def distributed_main(pid, nproc, port, tree, out):
    import grain
    import jax

    jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=nproc, process_id=pid, initialization_timeout=60)
    try:
        assert jax.process_count() == nproc and jax.local_device_count() == 2
        shard = grain.sharding.ShardByJaxProcess(drop_remainder=True)  # after initialize: reads process_index
        result = run_global(make_loader(tree, shard_options=shard))
        # Keras 3.15.1 DataParallel runs multi-process on CPU (gloo collectives): every process
        # feeds its per-host shard, Keras assembles the global batch and all-reduces gradients.
        weights = keras_fit(make_loader(tree, shard_options=shard, return_ids=False), initial_weights())
        result.update({f"keras_{k}": v for k, v in weights.items()})
        result.update(devices=jax.device_count(), process=jax.process_index())
        np.savez(out, **result)
    finally:
        jax.distributed.shutdown()


if __name__ == "__main__":  # spawned grain workers import this file as __mp_main__: nothing runs there
    mode = sys.argv[1]
    devices = sys.argv[2] if mode == "devices" else "2"
    # Device counts must be set before JAX initialises its backend (first use), never on import.
    os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if mode == "devices":
        devices_main(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        distributed_main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
