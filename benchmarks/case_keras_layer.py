"""Benchmark case: jaxaug's fused ``RandomAffine`` vs chaining Keras 3's own random layers.

Both run on the Keras JAX backend, on the same ``(32, 224, 224, 3)`` float32 batch, in
training mode, in the same process:

* ``jaxaug RandomAffine``: rotation + shift + zoom + horizontal flip, ONE matrix and
  ONE resample per image.
* ``keras chain``: ``RandomRotation -> RandomTranslation -> RandomZoom -> RandomFlip``
  with the same ranges (three resamples and a flip).

Each is timed two ways: ``eager`` (``layer(x, training=True)`` per batch, as when the
layers run outside a model, e.g. in a data pipeline) and ``jit`` (the layers'
``stateless_call`` inside ``jax.jit``, as in Keras's train step). Warm-up calls are not
timed, every timed call ends with ``block_until_ready()``, and the median is reported.

Usage: ``KERAS_BACKEND=jax python benchmarks/case_keras_layer.py [--quick]``
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # must happen before keras is imported

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402

BATCH, SIZE = 32, 224
ROTATION_DEG, SHIFT, ZOOM = 20.0, 0.1, 0.2


def _jaxaug_layers(seed: int):
    from jaxaug._src.keras_layers import RandomAffine

    return [
        RandomAffine(
            rotation_range=ROTATION_DEG,
            width_shift_range=SHIFT,
            height_shift_range=SHIFT,
            zoom_range=ZOOM,
            horizontal_flip=True,
            fill_mode="reflect",
            seed=seed,
        )
    ]


def _keras_layers(seed: int):
    import keras

    return [
        keras.layers.RandomRotation(ROTATION_DEG / 360.0, fill_mode="reflect", seed=seed),
        keras.layers.RandomTranslation(SHIFT, SHIFT, fill_mode="reflect", seed=seed + 1),
        keras.layers.RandomZoom(ZOOM, ZOOM, fill_mode="reflect", seed=seed + 2),
        keras.layers.RandomFlip("horizontal", seed=seed + 3),
    ]


def _eager(layers):
    def step(x):
        for layer in layers:
            x = layer(x, training=True)
        return x

    return step


def _jitted(layers):
    import keras

    model = keras.Sequential(layers)
    model.build((None, SIZE, SIZE, 3))
    state = [v.value for v in model.non_trainable_variables]

    @jax.jit
    def call(state, x):
        return model.stateless_call([], state, x, training=True)

    def step(x):
        nonlocal state
        y, state = call(state, x)
        return y

    return step


def _median_seconds(step, x, reps: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        jax.block_until_ready(step(x))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        jax.block_until_ready(step(x))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool) -> list[dict]:
    """Times both pipelines, eager and jitted; returns one row per (pipeline, mode).

    Args:
        quick: fewer repetitions (3 for the Keras chain, 5 for jaxaug) instead of 10/30.

    Returns:
        Rows ``{"case", "img_per_s", "ms_per_batch", "batch", "size", "mode", "device",
        "jax", "keras", "speedup_vs_keras_chain"}``.
    """
    import keras

    from jaxaug._src import keras_adapter

    keras_adapter.check_backend()
    x = jax.device_put(np.random.default_rng(0).uniform(0, 255, (BATCH, SIZE, SIZE, 3)).astype(np.float32))
    reps_keras, reps_ours = (3, 5) if quick else (10, 30)
    rows = []
    for mode, wrap in (("eager", _eager), ("jit", _jitted)):
        keras_s = _median_seconds(wrap(_keras_layers(0)), x, reps_keras)
        ours_s = _median_seconds(wrap(_jaxaug_layers(0)), x, reps_ours)
        for name, seconds in (("keras chain (4 layers)", keras_s), ("jaxaug RandomAffine", ours_s)):
            rows.append(
                {
                    "case": f"keras layer, {mode}: {name}",
                    "img_per_s": BATCH / seconds,
                    "ms_per_batch": 1e3 * seconds,
                    "batch": BATCH,
                    "size": SIZE,
                    "mode": mode,
                    "device": str(jax.devices()[0].device_kind),
                    "jax": jax.__version__,
                    "keras": keras.__version__,
                    "speedup_vs_keras_chain": keras_s / seconds,
                }
            )
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print(f"batch ({BATCH}, {SIZE}, {SIZE}, 3) float32, device {rows[0]['device']}, jax {rows[0]['jax']}")
    for row in rows:
        print(f"{row['case']:<45} {row['ms_per_batch']:9.1f} ms/batch {row['img_per_s']:9.0f} img/s")
    for mode in ("eager", "jit"):
        ratio = next(r for r in rows if r["mode"] == mode and "jaxaug" in r["case"])["speedup_vs_keras_chain"]
        print(f"{mode}: RandomAffine is {ratio:.1f}x the Keras chain's throughput")
    return rows


if __name__ == "__main__":
    main()
