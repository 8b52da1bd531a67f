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
timed, every timed call ends with ``block_until_ready()``, and the fastest is reported.
Speedups are against the FASTER Keras chain (eager or jit: which one wins depends on
the device), so no ratio rests on a handicapped baseline.

Usage: ``KERAS_BACKEND=jax python benchmarks/case_keras_layer.py [--quick]``
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # must happen before keras is imported

import argparse  # noqa: E402
import random as py_random  # noqa: E402
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


def _eager(layers, x):
    del x  # same signature as _jitted

    def step(x):
        for layer in layers:
            x = layer(x, training=True)
        return x

    return step


def _jitted(layers, x):
    """The layers' ``stateless_call`` in ``jax.jit``; ``x`` (an image batch or a dict of them) builds them."""
    import keras

    model = layers[0] if len(layers) == 1 else keras.Sequential(layers)
    jax.block_until_ready(model(x, training=False))  # builds every layer (inference mode: no augmentation)
    state = [v.value for v in model.non_trainable_variables]

    @jax.jit
    def call(state, x):
        return model.stateless_call([], state, x, training=True)

    def step(x):
        nonlocal state
        y, state = call(state, x)
        return y

    return step


def _seconds(step, x, reps: int, warmup: int = 2) -> tuple[float, float]:
    """``(seconds, first call's seconds)``: the first call (compilation included) is not timed."""
    first = None
    for _ in range(warmup):
        start = time.perf_counter()
        jax.block_until_ready(step(x))
        first = time.perf_counter() - start if first is None else first
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        jax.block_until_ready(step(x))
        times.append(time.perf_counter() - start)
    return min(times), first


MODES = (("eager", _eager), ("jit", _jitted))


def repetitions(quick: bool) -> tuple[int, int, int]:
    """``(Keras reps, jaxaug reps, warm-up calls)``: Keras is slow, so it gets fewer."""
    return (2, 5, 1) if quick else (10, 30, 2)


def time_modes(
    make_layers, x, reps: int, warmup: int, failures: dict | None = None, modes=("eager", "jit"), traces: int = 1
) -> list[tuple[str, float, float]]:
    """``[(mode, seconds, first call's seconds)]`` for fresh ``make_layers()`` called eagerly and jitted.

    ``x`` is what the layers are called on: an image batch, or a dict such as ``{"images", "labels"}``.
    With ``failures`` (a dict), a mode that raises is left out and its error kept there by mode name
    (some Keras layers cannot run under ``jax.jit``); without it the error propagates. ``modes``:
    which of ``"eager"`` and ``"jit"`` to time.

    ``traces``: how many jitted programs to build, each from fresh layers with Python's ``random``
    seeded ``0, 1, ...`` first; the ``jit`` row is the MEAN of their fastest calls. Keras's AugMix
    picks its ops with Python's ``random`` while tracing, so one compiled program repeats one
    drawn chain forever and its speed is that draw's (a lucky one read 14 ms a batch against
    147-319 ms in other runs); the mean over traces is the expected cost of a draw.
    """
    timed = []
    for mode, wrap in (m for m in MODES if m[0] in modes):
        runs = traces if mode == "jit" else 1
        state = py_random.getstate()
        try:
            per_run = []
            for t in range(runs):
                if runs > 1:
                    py_random.seed(t)
                per_run.append(_seconds(wrap(make_layers(), x), x, reps, warmup))
            timed.append((mode, *np.mean(per_run, axis=0).tolist()))
        except Exception as err:
            if failures is None:
                raise
            failures[mode] = (type(err).__name__, str(err).splitlines()[0][:160] if str(err) else "")
        finally:
            py_random.setstate(state)
    return timed


def run(quick: bool, batch: int = BATCH, size: int = SIZE) -> list[dict]:
    """Times both pipelines, eager and jitted; returns one row per (pipeline, mode).

    Args:
        quick: fewer repetitions (2 for the Keras chain, 5 for jaxaug, one warm-up call)
            instead of 10/30 and two.
        batch, size: the batch ``(batch, size, size, 3)`` (default the issue's 32 x 224).

    Returns:
        Rows ``{"case", "pipeline", "img_per_s", "ms_per_batch", "first_call_s", "batch", "size",
        "mode", "device", "jax", "keras", "speedup_vs_keras_chain", "keras_baseline"}``. The
        Keras baseline is the FASTER of the two Keras chain rows (eager or jit, named in
        ``keras_baseline``), so every speedup is against the best a Keras user gets.
    """
    import keras

    from jaxaug._src import keras_adapter

    keras_adapter.check_backend()
    x = jax.device_put(np.random.default_rng(0).uniform(0, 255, (batch, size, size, 3)).astype(np.float32))
    reps_keras, reps_ours, warmup = repetitions(quick)
    timed = [
        (name, *t)
        for name, make, reps in (
            ("keras chain (4 layers)", _keras_layers, reps_keras),
            ("jaxaug RandomAffine", _jaxaug_layers, reps_ours),
        )
        for t in time_modes(lambda make=make: make(0), x, reps, warmup)
    ]
    timed.sort(key=lambda t: t[1] != "eager")  # eager rows first (stable: Keras before jaxaug)
    keras_s, keras_mode = min((s, mode) for name, mode, s, _ in timed if name.startswith("keras"))
    return [
        {
            "case": f"keras layer, {mode}: {name}",
            "pipeline": name,
            "img_per_s": batch / seconds,
            "ms_per_batch": 1e3 * seconds,
            "first_call_s": first,
            "batch": batch,
            "size": size,
            "mode": mode,
            "device": str(jax.devices()[0].device_kind),
            "jax": jax.__version__,
            "keras": keras.__version__,
            "speedup_vs_keras_chain": keras_s / seconds,
            "keras_baseline": keras_mode,
        }
        for name, mode, seconds, first in timed
    ]


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print(f"batch ({BATCH}, {SIZE}, {SIZE}, 3) float32, device {rows[0]['device']}, jax {rows[0]['jax']}")
    for row in rows:
        print(f"{row['case']:<45} {row['ms_per_batch']:9.1f} ms/batch {row['img_per_s']:9.0f} img/s")
    for mode in ("eager", "jit"):
        r = next(r for r in rows if r["mode"] == mode and "jaxaug" in r["case"])
        ratio, baseline = r["speedup_vs_keras_chain"], r["keras_baseline"]
        print(f"{mode}: RandomAffine is {ratio:.1f}x the faster Keras chain ({baseline})")
    return rows


if __name__ == "__main__":
    main()
