"""Subprocess body for tests/test_sharding.py (needs its own XLA_FLAGS / jax.distributed).

Usage:
  python sharding_worker.py devices N OUT.npz
  python sharding_worker.py distributed PROCESS_ID NUM_PROCESSES PORT OUT.npz
"""

import functools
import os
import sys

import jax
import numpy as np

import jaxaug

CONFIG = jaxaug.AugmentConfig(
    rotation_range=25,
    width_shift_range=0.1,
    height_shift_range=0.2,
    shear_range=10,
    zoom_range=0.2,
    horizontal_flip=True,
    vertical_flip=True,
    channel_shift_range=0.3,
    brightness_range=(0.8, 1.2),
    fill_mode="reflect",
)
# Everything the engine does since 0.2.0, at once: crop + output size, perspective, elastic, quarter
# turns, a spline order, and the pixel chain (gathers, scans, histograms, per-pixel draws).
CATALOGUE = jaxaug.AugmentConfig(
    rotation_range=10,
    crop_scale=(0.4, 1.0),
    output_size=(10, 9),
    perspective_range=0.3,
    elastic_alpha=1.5,
    rotate90=True,
    interpolation_order=3,
    contrast_range=(0.7, 1.3),
    hue_range=(-0.1, 0.1),
    equalize_probability=0.5,
    blur_sigma_range=(0.5, 1.0),
    noise_std=0.05,
    erasing_probability=0.5,
)
GLOBAL_BATCH = 8


def dataset():
    images = np.random.default_rng(0).uniform(size=(GLOBAL_BATCH, 12, 14, 3)).astype(np.float32)
    return images, np.arange(1000, 1000 + GLOBAL_BATCH, dtype=np.uint32)


def main(mode):
    augment = jax.jit(functools.partial(jaxaug.augment, config=CONFIG))
    images, ids = dataset()
    if mode == "devices":
        sharding = jaxaug.data_sharding()
        batch, gids = jaxaug.make_global_batch((images, ids), sharding)
        out = augment(jax.random.key(7), batch, example_ids=gids)
        hlo = augment.lower(jax.random.key(7), batch, example_ids=gids).compile().as_text()
        collectives = [c for c in ("all-gather", "all-reduce", "collective-permute", "all-to-all") if c in hlo]
        try:
            jaxaug.make_global_batch(np.zeros((jax.device_count() + 1, 2)), sharding)
            indivisible_error = jax.device_count() == 1  # nothing to reject on one device
        except ValueError as err:
            indivisible_error = "must be divisible by the number of local devices" in str(err)
        catalogue = jax.jit(functools.partial(jaxaug.augment, config=CATALOGUE))
        out_catalogue = catalogue(jax.random.key(7), batch, example_ids=gids)
        hlo += catalogue.lower(jax.random.key(7), batch, example_ids=gids).compile().as_text()
        collectives = [c for c in ("all-gather", "all-reduce", "collective-permute", "all-to-all") if c in hlo]
        np.savez(
            sys.argv[3],
            out=np.asarray(out),
            catalogue=np.asarray(out_catalogue),
            same_sharding=out.sharding.is_equivalent_to(batch.sharding, 4),
            shards=len(out.addressable_shards),
            collectives=",".join(collectives),
            indivisible_error=indivisible_error,
        )
        return
    pid, nproc, port, path = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=nproc, process_id=pid, initialization_timeout=60)
    try:
        sharding = jaxaug.data_sharding()
        per_host = GLOBAL_BATCH // nproc
        rows = slice(pid * per_host, (pid + 1) * per_host)  # this host's contiguous shard
        batch, gids = jaxaug.make_global_batch((images[rows], ids[rows]), sharding)
        out = augment(jax.random.key(7), batch, example_ids=gids)
        local = {s.index[0].start: np.asarray(s.data) for s in out.addressable_shards}
        starts = sorted(local)
        np.savez(path, out=np.concatenate([local[s] for s in starts]), start=starts[0], devices=jax.device_count())
    finally:
        jax.distributed.shutdown()


if __name__ == "__main__":
    # Device counts must be set before JAX initialises its backend (first use), never on import.
    devices = sys.argv[2] if sys.argv[1] == "devices" else "2"
    os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    main(sys.argv[1])
