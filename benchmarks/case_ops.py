"""Benchmark cases for the operations beyond the legacy generator (issues #15, #16, #17).

* ``ops: geometry`` (issue #15): random resized crop, perspective, elastic and spline order 3,
  each with the README's affine ops, as time per image over the affine ``jaxaug.augment``
  baseline of the same dtype, timed in turns with each row (the baseline rows themselves,
  ``ops: affine baseline``, are reported once by whichever ops case runs first). Budgets:
  1.1x, 1.3x, 2x and 4x.
* ``ops: pixel`` (issue #16): colour jitter + affine (budget 1.3x) and
  ``rand_augment(num_ops=2, magnitude=9)`` (budget 2x), float32 and uint8.
* ``ops: equalize`` (issue #16): ``jaxaug.equalize`` alone, img/s and x floor.
* ``keras 3 layers vs jaxaug layers`` (issue #17): each jaxaug Keras layer against the same
  Keras 3 layer with the closest settings, both eager and jitted; the baseline is the faster
  Keras form. Target: every jaxaug row >= 10x.

Every jitted row notes XLA's compiled memory (``harness.memory_note``). The ratios and the
met / not-met verdicts are the harness's (``RATIOS["ops"]``, ``RATIOS["keras"]``, ``TARGETS``).
"""

from __future__ import annotations

import functools

import jax
import numpy as np

import jaxaug
from benchmarks.cases import AFFINE, ISSUE, _plus_one, _require_keras_jax
from benchmarks.harness import (
    SHORT,
    Context,
    Unavailable,
    case,
    compile_jit,
    memory_note,
    row,
    time_compiled,
    time_interleaved,
    time_jit,
)

DTYPES = ("float32", "uint8")
# The images' white level for the pixel ops: the benchmark's float batches hold 0-255 values.
MAX_VALUE = {"float32": 255.0, "uint8": None}
BASELINE = jaxaug.AugmentConfig(**ISSUE)  # the README config: fill 'nearest', order 1
# torchvision's ColorJitter(0.4, 0.4, 0.4, 0.1), the common ImageNet setting.
JITTER = dict(
    brightness_range=(0.6, 1.4), contrast_range=(0.6, 1.4), saturation_range=(0.6, 1.4), hue_range=(-0.1, 0.1)
)


def _jit_row(
    ctx: Context, name: str, fn, x: np.ndarray, *, key: bool = True, reps: int = 10, note: str = "", base=None, **kw
):
    """One row for jitted ``fn(key, x)`` (or ``fn(x)``): its time, compile time and compiled memory.

    ``base``: the compiled affine baseline for the same ``(key, x)`` (:func:`_baseline_program`);
    the row and the baseline are then timed in turns, and the row's ``time x affine`` uses
    that baseline time (one stretch of machine load hits both alike).
    """
    args = (jax.random.key(0), x) if key else (x,)
    compiled, compile_s = compile_jit(fn, *args)
    if base is None:
        seconds = time_compiled(compiled, *args, reps=ctx.reps(reps), min_seconds=ctx.min_seconds)
    else:
        on_device = jax.device_put(args)
        times = time_interleaved(
            {"row": lambda: compiled(*on_device), "base": lambda: base(*on_device)},
            reps=ctx.reps(reps),
            min_seconds=ctx.min_seconds,
        )
        seconds = times["row"]
        kw["given"] = {"time x affine": x.shape[0] / times["base"]}
        note = f"{note}; affine baseline timed in turns: {1e3 * times['base']:.1f} ms"
    note = "; ".join(n for n in (note, memory_note(compiled)) if n)
    return row(name, seconds, x.shape[0], dtype=x.dtype.name, compile_s=compile_s, note=note, **kw)


def _baseline_program(ctx: Context, dtype: str):
    """The affine baseline (``jaxaug.augment`` with the README config) compiled for ``ctx.images(dtype)``."""
    compiled, _ = compile_jit(functools.partial(jaxaug.augment, config=BASELINE), jax.random.key(0), ctx.images(dtype))
    return compiled


def _affine_baseline(ctx: Context) -> list[dict]:
    """The affine baseline rows, timed on their own once per run (``[]`` once done).

    They are reported for reference; each operation row's ``time x affine`` uses the baseline
    timed in turns with it (``_jit_row(..., base=...)``).
    """

    def rows():
        fn = functools.partial(jaxaug.augment, config=BASELINE)
        return [
            _jit_row(
                ctx,
                f"jaxaug.augment {SHORT[d]} README config (baseline)",
                fn,
                ctx.images(d),
                role="affine_base",
                op=AFFINE,
                mode=BASELINE.fill_mode,
                order=BASELINE.interpolation_order,
                note="rotation 20, shifts 0.1, shear 0.2 rad, zoom 0.2, horizontal flip",
            )
            for d in DTYPES
        ]

    return ctx.once("ops: affine baseline", rows)


def _augment_row(ctx: Context, dtype: str, op: str, label: str, config: jaxaug.AugmentConfig, note: str, base) -> dict:
    return _jit_row(
        ctx,
        f"jaxaug.augment {SHORT[dtype]} {label}",
        functools.partial(jaxaug.augment, config=config),
        ctx.images(dtype),
        role="op_cost",
        op=op,
        mode=config.fill_mode,
        order=config.interpolation_order,
        note=note,
        base=base,
    )


@case("ops: geometry vs affine", group="ops")
def ops_geometry(ctx: Context):
    size = (ctx.size, ctx.size)
    variants = (
        (
            "resized_crop",
            "+ random resized crop",
            jaxaug.AugmentConfig(crop_scale=(0.08, 1.0), output_size=size, **ISSUE),
            f"crop_scale (0.08, 1), output {size[0]}x{size[1]}, + affine ops; budget 1.1x",
        ),
        (
            "perspective",
            "+ perspective 0.5",
            jaxaug.AugmentConfig(perspective_range=0.5, **ISSUE),
            "perspective_range 0.5 + affine ops; budget 1.3x",
        ),
        (
            "elastic",
            "+ elastic 34/4",
            jaxaug.AugmentConfig(elastic_alpha=34.0, elastic_sigma=4.0, **ISSUE),
            "elastic_alpha 34, elastic_sigma 4 + affine ops; budget 2x",
        ),
        (
            "order3",
            "affine order 3",
            jaxaug.AugmentConfig(interpolation_order=3, **ISSUE),
            "affine ops, interpolation_order 3 (vs the order-1 baseline); budget 4x",
        ),
    )
    rows = _affine_baseline(ctx)
    for dtype in ("float32",) if ctx.quick else DTYPES:  # --quick: f32 only (4 compiles saved)
        base = _baseline_program(ctx, dtype)
        rows += [_augment_row(ctx, dtype, op, label, config, note, base) for op, label, config, note in variants]
    return rows


@case("ops: pixel vs affine", group="ops")
def ops_pixel(ctx: Context):
    rows = _affine_baseline(ctx)
    for dtype in DTYPES:
        base = _baseline_program(ctx, dtype)
        config = jaxaug.AugmentConfig(**ISSUE, **JITTER, max_value=MAX_VALUE[dtype])
        note = "brightness, contrast, saturation (0.6, 1.4), hue (-0.1, 0.1) + affine ops; budget 1.3x"
        rows.append(_augment_row(ctx, dtype, "color_jitter", "+ colour jitter", config, note, base))
        policy = functools.partial(jaxaug.rand_augment, num_ops=2, magnitude=9, max_value=MAX_VALUE[dtype])
        rows.append(
            _jit_row(
                ctx,
                f"jaxaug.rand_augment {SHORT[dtype]} (2 ops, magnitude 9)",
                policy,
                ctx.images(dtype),
                role="op_cost",
                op="rand_augment",
                mode="grid-constant",
                order=0,
                note="per-example ops, torchvision defaults (order 0, zero fill); budget 2x the affine augment",
                base=base,
            )
        )
    return rows


@case("ops: equalize", group="ops")
def ops_equalize(ctx: Context):
    rows = []
    for dtype in DTYPES:
        x = ctx.images(dtype)
        floor_s, _ = time_jit(_plus_one, x, reps=ctx.reps(10), warmup=5, min_seconds=ctx.min_seconds)
        rows.append(
            _jit_row(
                ctx,
                f"jaxaug.equalize {SHORT[dtype]}",
                functools.partial(jaxaug.equalize, max_value=MAX_VALUE[dtype]),
                x,
                key=False,
                role="jaxaug",
                op="equalize",
                given={"x floor": x.shape[0] / floor_s},
                note="a 256-bin histogram per image and channel, PIL's LUT",
            )
        )
    return rows


# --- Keras 3 layers -----------------------------------------------------------------------------


def _keras_layer_specs(size: int):
    """``(op, Keras class name, Keras kwargs, jaxaug class name, jaxaug kwargs, differences)`` per layer.

    Settings follow the Keras layer (value_range (0, 255), bilinear, its fill) where jaxaug has the
    same knob; the last item says what still differs.
    """
    # Keras's elastic field: alpha = 0.1 * max(H, W) * s, sigma = 0.05 * min(H, W) * s for a drawn s in `scale`;
    # a fixed s with sigma 4 px at 224 (alpha 8 px) gives both layers the same alpha and sigma.
    s = min(1.0, 4.0 / (0.05 * size))
    alpha, sigma = 0.1 * size * s, 0.05 * size * s
    u8 = 255.0
    return (
        (
            "perspective",
            "RandomPerspective",
            dict(factor=(1.0, 1.0), scale=0.5),
            "RandomPerspective",
            dict(perspective_range=0.5, fill_mode="grid-constant"),
            "corner shifts up to 0.25 x side both ways; Keras keeps corner (0, 0) fixed and moves the others "
            "in or out, jaxaug moves all four inward; zero fill, bilinear",
        ),
        (
            "elastic",
            "RandomElasticTransform",
            dict(factor=(1.0, 1.0), scale=(s, s)),
            "RandomElastic",
            dict(elastic_alpha=alpha, elastic_sigma=sigma, fill_mode="reflect"),
            f"alpha {alpha:.1f}, sigma {sigma:.1f} px, 'reflect', bilinear in both; Keras blurs normal noise with "
            "a 2-D (6 sigma | 1)^2 kernel, jaxaug uniform noise with a separable one",
        ),
        (
            "color_jitter",
            "RandomColorJitter",
            dict(
                value_range=(0, 255),
                brightness_factor=0.4,
                contrast_factor=0.4,
                saturation_factor=(0.375, 0.5833),
                hue_factor=0.2,
            ),
            "RandomColorJitter",
            dict(**JITTER, max_value=u8),
            "torchvision ColorJitter(0.4, 0.4, 0.4, 0.1); Keras brightness is additive (+-0.4 x 255) where "
            "jaxaug's multiplies, Keras contrast uses each channel's mean (jaxaug the grey mean)",
        ),
        (
            "erasing",
            "RandomErasing",
            dict(factor=(1.0, 1.0), scale=(0.02, 0.33), fill_value=None, value_range=(0, 255)),
            "RandomErasing",
            dict(erasing_probability=1.0, erasing_value="random", max_value=u8),
            "every image, area 0.02-0.33; noise fill: Keras normal, jaxaug uniform; jaxaug aspect 0.3-3.3",
        ),
        (
            "rand_augment",
            "RandAugment",
            dict(value_range=(0, 255), num_ops=2, factor=0.3),
            "RandAugment",
            dict(num_ops=2, magnitude=9, order=1, mode="reflect", max_value=u8),
            "2 ops, strength 0.3 (9 of 31 bins), bilinear, 'reflect'; Keras draws its ops once per batch and "
            "computes all 11 every call, jaxaug draws per example from 14",
        ),
        (
            "augmix",
            "AugMix",
            dict(value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True),
            "AugMix",
            dict(severity=3, width=3, depth=-1, alpha=1.0, all_ops=True, order=1, mode="reflect", max_value=u8),
            "3 chains, severity 0.3, all ops, bilinear, 'reflect'; depth: Keras 0-3 per batch, jaxaug 1-3 per example",
        ),
        (
            "mixup",
            "MixUp",
            dict(alpha=0.2),
            "MixUp",
            dict(alpha=0.2),
            "alpha 0.2, {images, one-hot labels}; Keras one lambda per batch, jaxaug one per example",
        ),
        (
            "cutmix",
            "CutMix",
            dict(factor=1.0),
            "CutMix",
            dict(alpha=1.0),
            "{images, one-hot labels}; Keras draws alpha ~ U(0, 1) then Beta(alpha, alpha), jaxaug Beta(1, 1)",
        ),
    )


# Keras layers whose jitted program depends on Python-`random` draws made while tracing (timed over several traces).
_DRAWN_WHILE_TRACING = ("augmix",)


@case("keras 3 layers vs jaxaug layers (new ops)", group="keras")
def keras_op_layers(ctx: Context):
    """Each jaxaug layer vs the same Keras 3 layer (helpers of ``case_keras_layer``).

    Keras is timed eager AND jitted (the faster is the baseline); jaxaug likewise in full runs,
    jitted only with ``--quick`` (the form ``fit`` uses; compiles dominate a quick run).
    """
    keras = _require_keras_jax()
    try:
        import jaxaug.keras as jkeras
        from benchmarks import case_keras_layer
    except ImportError as err:
        raise Unavailable(str(err)) from None
    images = jax.device_put(ctx.images("float32"))
    labels = jax.device_put(np.eye(10, dtype=np.float32)[np.arange(images.shape[0]) % 10])
    reps_keras, reps_ours, warmup = case_keras_layer.repetitions(ctx.quick)
    our_modes = ("jit",) if ctx.quick else ("eager", "jit")
    rows = []
    for op, keras_name, keras_kw, ours_name, ours_kw, differences in _keras_layer_specs(ctx.size):
        if not hasattr(keras.layers, keras_name):
            print(f"  keras.layers.{keras_name}: not available in Keras {keras.__version__}", flush=True)
            continue
        x = {"images": images, "labels": labels} if op in ("mixup", "cutmix") else images
        keras_cls, ours_cls = getattr(keras.layers, keras_name), getattr(jkeras, ours_name)
        failed = {}
        traces = (2 if ctx.quick else 5) if op in _DRAWN_WHILE_TRACING else 1
        theirs = case_keras_layer.time_modes(
            lambda c=keras_cls, kw=keras_kw: [c(**kw, seed=0)], x, reps_keras, warmup, failures=failed, traces=traces
        )
        ours = case_keras_layer.time_modes(
            lambda c=ours_cls, kw=ours_kw: [c(**kw, seed=0)], x, reps_ours, warmup, modes=our_modes
        )
        fastest = min(theirs, key=lambda t: t[1])[0] if theirs else None
        for mode, (kind, message) in failed.items():
            print(f"  keras.layers.{keras_name}, {mode}: failed ({kind}: {message})", flush=True)
        for prefix, role, timed, extra in (
            (f"Keras 3 {keras_name}", "keras3_layer", theirs, failed),
            (f"jaxaug.keras.{ours_name}", "keras_op_layer", ours, {}),
        ):
            for mode, seconds, first in timed:
                note = differences if role == "keras_op_layer" else ""
                if role == "keras3_layer" and mode == fastest:
                    note = "the faster Keras form (baseline)"
                if role == "keras3_layer" and mode == "jit" and traces > 1:
                    note += f"; mean of {traces} traces (Keras draws the ops with Python's random while tracing)"
                note += "".join(f"; Keras {m} form fails ({kind})" for m, (kind, _) in extra.items())
                rows.append(
                    row(
                        f"{prefix}, {mode}, f32",
                        seconds,
                        images.shape[0],
                        role=role,
                        op=op,
                        compile_s=first - seconds if mode == "jit" else None,
                        note=note.lstrip("; "),
                    )
                )
    return rows
