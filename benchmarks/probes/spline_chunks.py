"""``python -m benchmarks.probes.spline_chunks [modes] [reps]``: order-3 affine batches, three loop layouts.

The A/B behind ``engine.SPLINE_CHUNK`` and ``engine._spline_warp``: ``jaxaug.augment`` with the
README config at ``interpolation_order=3`` on a 32 x 224 x 224 x 3 batch, compiled three ways
in one process and timed in turns next to the order-1 program:

* ``vmap``: prefilter and sampling in one ``vmap`` over the batch;
* ``all in chunks``: the whole resample 4 images per ``lax.map`` step (jaxaug 7th session);
* ``prefilter in chunks``: the prefilter 4 images per step, the sampling in one ``vmap``
  (what ``engine._spline_warp`` does on CPU).

Prints a markdown table: fastest and median milliseconds and each program's scratch
(``memory_analysis().temp_size_in_bytes``), and checks that the three agree bit for bit.
Defaults: modes ``nearest,reflect,constant``, 15 repetitions.
"""

from __future__ import annotations

import functools
import sys

import jax
import numpy as np

import jaxaug
from benchmarks.cases import ISSUE as README_CONFIG
from benchmarks.harness import cpu_model, interleaved_times
from jaxaug._src import engine, fastpath, resample


def _all_in_chunks(images, mats, plan, cval, field, out_shape):
    """The 7th session's layout: each chunk prefiltered AND sampled inside the loop (affine plans)."""
    one = functools.partial(
        resample.resample_float, order=plan.order, mode=plan.mode, cval=cval, output_shape=out_shape
    )
    return fastpath.map_in_chunks(one, images, mats, chunk=engine.SPLINE_CHUNK)


def _compile(config, x, chunk, warp=None):
    default_chunk, default_warp = engine.SPLINE_CHUNK, engine._spline_warp
    engine.SPLINE_CHUNK, engine._spline_warp = chunk, warp or default_warp
    try:
        jax.clear_caches()
        compiled = jax.jit(lambda k, x: jaxaug.augment(k, x, config)).lower(jax.random.key(0), x).compile()
    finally:
        engine.SPLINE_CHUNK, engine._spline_warp = default_chunk, default_warp
    return compiled, compiled.memory_analysis().temp_size_in_bytes / 1e6


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    modes = argv[0].split(",") if argv else ["nearest", "reflect", "constant"]
    reps = int(argv[1]) if len(argv) > 1 else 15
    rng = np.random.default_rng(0)
    programs = {}
    for dtype in ("float32", "uint8"):
        x = jax.device_put(rng.uniform(0, 255, (32, 224, 224, 3)).astype(dtype))
        base = jaxaug.AugmentConfig(**README_CONFIG)
        programs[(dtype, "order 1 (baseline)", "-")] = (*_compile(base, x, engine.SPLINE_CHUNK), x)
        for mode in modes:
            config = jaxaug.AugmentConfig(interpolation_order=3, fill_mode=mode, **README_CONFIG)
            for label, chunk, warp in (
                ("vmap", 10**6, None),
                ("all in chunks", 4, _all_in_chunks),
                ("prefilter in chunks", 4, None),
            ):
                programs[(dtype, f"order 3 {mode}", label)] = (*_compile(config, x, chunk, warp), x)
    outputs = {}
    for (dtype, program, _), (compiled, _, x) in programs.items():
        out = np.asarray(compiled(jax.random.key(1), x))
        if not np.array_equal(outputs.setdefault((dtype, program), out), out):
            raise AssertionError(f"{dtype} {program}: the layouts disagree")
    key = jax.random.key(1)
    times = interleaved_times({k: functools.partial(c, key, x) for k, (c, _, x) in programs.items()}, reps)
    print(
        f"{jax.devices()[0].device_kind} ({cpu_model()}), jax {jax.__version__}, {reps} repetitions in turns; "
        "outputs bit-identical\n"
    )
    print("| dtype | program | layout | min ms | median ms | scratch MB |\n|---|---|---|---:|---:|---:|")
    for k, (_, scratch, _) in programs.items():
        print(f"| {' | '.join(k)} | {1e3 * min(times[k]):.1f} | {1e3 * np.median(times[k]):.1f} | {scratch:.1f} |")


if __name__ == "__main__":
    main()
