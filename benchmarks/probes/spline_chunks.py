"""``python -m benchmarks.probes.spline_chunks [modes] [reps]``: order-3 affine batches, vmap vs chunks of 4.

The A/B behind ``engine.SPLINE_CHUNK`` (``fastpath.map_in_chunks``): ``jaxaug.augment`` with
the README config at ``interpolation_order=3`` on a 32 x 224 x 224 x 3 batch, compiled twice in one process
(``engine.SPLINE_CHUNK`` above the batch size: one ``vmap``; 4: a ``lax.map`` over chunks)
and timed in turns next to the order-1 program. Prints a markdown table: fastest and
median milliseconds and each program's scratch (``memory_analysis().temp_size_in_bytes``).
Defaults: modes ``nearest,reflect,constant``, 15 repetitions.
"""

from __future__ import annotations

import sys
import time

import jax
import numpy as np

import jaxaug
from benchmarks.cases import ISSUE as README_CONFIG
from jaxaug._src import engine


def _compile(config, x):
    jax.clear_caches()
    compiled = jax.jit(lambda k, x: jaxaug.augment(k, x, config)).lower(jax.random.key(0), x).compile()
    return compiled, compiled.memory_analysis().temp_size_in_bytes / 1e6


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    modes = argv[0].split(",") if argv else ["nearest", "reflect", "constant"]
    reps = int(argv[1]) if len(argv) > 1 else 15
    rng = np.random.default_rng(0)
    programs = {}
    default_chunk = engine.SPLINE_CHUNK
    try:
        for dtype in ("float32", "uint8"):
            x = jax.device_put(rng.uniform(0, 255, (32, 224, 224, 3)).astype(dtype))
            programs[(dtype, "order 1 (baseline)", "-")] = (*_compile(jaxaug.AugmentConfig(**README_CONFIG), x), x)
            for mode in modes:
                config = jaxaug.AugmentConfig(interpolation_order=3, fill_mode=mode, **README_CONFIG)
                for chunk, label in ((10**6, "vmap"), (4, "chunks of 4")):
                    engine.SPLINE_CHUNK = chunk
                    programs[(dtype, f"order 3 {mode}", label)] = (*_compile(config, x), x)
    finally:
        engine.SPLINE_CHUNK = default_chunk
    times = {k: [] for k in programs}
    for rep in range(reps):
        for k, (compiled, _, x) in programs.items():
            start = time.perf_counter()
            jax.block_until_ready(compiled(jax.random.key(rep), x))
            times[k].append(time.perf_counter() - start)
    print(f"{jax.devices()[0].device_kind}, jax {jax.__version__}, {reps} repetitions in turns\n")
    print("| dtype | program | batch | min ms | median ms | scratch MB |\n|---|---|---|---:|---:|---:|")
    for k, (_, scratch, _) in programs.items():
        print(f"| {' | '.join(k)} | {1e3 * min(times[k]):.1f} | {1e3 * np.median(times[k]):.1f} | {scratch:.1f} |")


if __name__ == "__main__":
    main()
