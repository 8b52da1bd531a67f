"""Subprocess body for tests/test_mixing.py: mixup/cutmix with the batch sharded over 2 and 4 devices.

Usage: python mixing_worker.py OUT.npz   (forces 4 host devices; meshes of 2 and 4)
"""

import functools
import os
import sys

import jax
import numpy as np

import jaxaug

GLOBAL_BATCH, NUM_SHARDS, NUM_CLASSES = 8, 4, 5
COLLECTIVES = ("all-gather", "all-reduce", "collective-permute", "all-to-all")
FUNCTIONS = {
    "mixup": functools.partial(jaxaug.mixup, alpha=0.4, num_classes=NUM_CLASSES, num_shards=NUM_SHARDS),
    "cutmix": functools.partial(jaxaug.cutmix, alpha=1.0, num_classes=NUM_CLASSES, num_shards=NUM_SHARDS),
}


def dataset():
    """uint8 images, integer labels, int32 masks and global ids (as a later batch of an epoch would have)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(GLOBAL_BATCH, 10, 12, 3), dtype=np.uint8)
    labels = rng.integers(0, NUM_CLASSES, size=GLOBAL_BATCH).astype(np.int32)
    masks = rng.integers(0, 4, size=(GLOBAL_BATCH, 10, 12), dtype=np.int32)
    return images, labels, masks, np.arange(1000, 1000 + GLOBAL_BATCH, dtype=np.uint32)


def run(name, key, images, labels, masks, ids, **options):
    """Compiles one function once, runs it, and returns (outputs, the collectives in its compiled HLO)."""
    extra = {"masks": masks} if name == "cutmix" else {}
    fn = jax.jit(lambda k, x, y, i, **kw: FUNCTIONS[name](k, x, y, example_ids=i, **options, **kw))
    compiled = fn.lower(key, images, labels, ids, **extra).compile()
    hlo = compiled.as_text()
    return compiled(key, images, labels, ids, **extra), ",".join(c for c in COLLECTIVES if c in hlo)


def main(path):
    results = {}
    data = dataset()
    explicit, auto = jax.sharding.AxisType.Explicit, jax.sharding.AxisType.Auto
    for devices, axis_type, names in ((2, explicit, FUNCTIONS), (4, explicit, FUNCTIONS), (4, auto, ["cutmix"])):
        mesh = jax.make_mesh((devices,), ("data",), axis_types=(axis_type,), devices=jax.devices()[:devices])
        sharded = jaxaug.make_global_batch(data, jaxaug.data_sharding(mesh))
        for name in names:
            tag = f"{name}_{devices}_{axis_type.name}"
            outs, results[f"{tag}_collectives"] = run(name, jax.random.key(11), *sharded)
            for i, out in enumerate(outs):
                results[f"{tag}_{i}"] = np.asarray(out)
                results[f"{tag}_{i}_split"] = len(out.addressable_shards) == devices and out.sharding.is_equivalent_to(
                    sharded[0].sharding, out.ndim
                )
    # Groups spread over devices (num_shards=1 on 4 devices), default ids: still the same bits, but the
    # program needs cross-device traffic, which shows that the collectives check can fail.
    images, labels, _, _ = jaxaug.make_global_batch(data, jaxaug.data_sharding())
    fn = jax.jit(functools.partial(jaxaug.mixup, alpha=0.4, num_classes=NUM_CLASSES))
    results["one_group"] = np.asarray(fn(jax.random.key(11), images, labels)[0])
    hlo = fn.lower(jax.random.key(11), images, labels).compile().as_text()
    results["one_group_collectives"] = ",".join(c for c in COLLECTIVES if c in hlo)
    np.savez(path, **results)


if __name__ == "__main__":
    # Device counts must be set before JAX initialises its backend (first use), never on import.
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    jax.config.update("jax_numpy_dtype_promotion", "strict")
    main(sys.argv[1])
