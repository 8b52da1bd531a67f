"""``python -m benchmarks.probes.native_warp``: issue #18's native-kernel probe, measured.

Builds ``native_warp.cc`` (a C++ resampler behind ``jax.ffi``: affine warps of float32
and uint8 RGB batches at orders 0 and 1 in ``constant``, ``nearest`` and ``reflect``)
with the system C++ compiler against the XLA FFI headers jaxlib ships, and times it
against the engine's XLA resample (``engine.warp`` and its one cast, what ``augment``
runs) on the benchmark's work: batch 32 x 224 x 224 x 3, the README config's matrices.
Both sides are jitted and timed call by call in turns in one process (fastest and
median); ``identical`` says whether the two outputs are equal bit for bit.

The library does not use the kernel: issue #18 admits one only at 2x the XLA path on
the worst row, and it does not get there (``benchmarks/results/native-probe-cpu-2cores.md``,
README "Performance and benchmarks"). Needs a C++17 compiler (``$CXX``, else ``c++``).
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxaug
from benchmarks.cases import ISSUE
from benchmarks.harness import cpu_model, interleaved_times
from jaxaug._src import engine, resample

SOURCE = Path(__file__).with_name("native_warp.cc")
TARGET = "jaxaug_probe_warp"
SHAPE = (32, 224, 224, 3)


def build(directory: Path) -> Path:
    compiler = os.environ.get("CXX") or "c++"
    if shutil.which(compiler) is None:
        raise SystemExit(f"no C++ compiler ({compiler!r}); set CXX")
    flags = ["-O3", "-std=c++17", "-shared", "-fPIC", "-w", "-ffp-contract=off", "-fno-math-errno"]
    if platform.machine().lower() in ("x86_64", "amd64"):
        flags.append("-march=native")
    library = directory / "native_warp.so"
    command = [compiler, *flags, f"-I{jax.ffi.include_dir()}", str(SOURCE), "-o", str(library)]
    subprocess.run(command, check=True, timeout=600)
    return library


def native_warp(images, mats, *, mode: str, order: int):
    call = jax.ffi.ffi_call(TARGET, jax.ShapeDtypeStruct(images.shape, images.dtype), vmap_method="sequential")
    cval = jnp.zeros((), jnp.float32)
    return call(images, mats, cval, mode=np.int64(resample.MODES.index(mode)), order=np.int64(order))


def xla_warp(images, mats, *, mode: str, order: int):
    """The engine's resample and its one cast, as ``augment`` runs them (the XLA path)."""
    plan = engine.Plan(order=order, mode=mode, geometry="affine")
    return engine.to_dtype(engine.warp(images, mats, plan, 0.0), images.dtype)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probes.native_warp", description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        library = ctypes.CDLL(str(build(Path(tmp))))
    jax.ffi.register_ffi_target(TARGET, jax.ffi.pycapsule(library.JaxaugWarp), platform="cpu")
    rng = np.random.default_rng(0)
    batches = {
        "f32": jnp.asarray(rng.uniform(0, 255, SHAPE).astype(np.float32)),
        "u8": jnp.asarray(rng.integers(0, 256, SHAPE, dtype=np.uint8)),
    }
    config = jaxaug.AugmentConfig(**{k: v for k, v in ISSUE.items() if k != "horizontal_flip"})
    keys = jaxaug.example_keys(jax.random.key(0), jnp.arange(SHAPE[0]))
    params = engine.draw(keys, SHAPE[1:], config)
    mats = engine.geometry_matrices(params, SHAPE[1:], None, engine.plan_of(config)).astype(jnp.float32)
    device = f"{jax.devices()[0].device_kind}, {os.cpu_count()} cores, {cpu_model()}"
    print(f"device: {device}; jax {jax.__version__}; batch {SHAPE}")
    print(f"GLIBC_TUNABLES: {os.environ.get('GLIBC_TUNABLES', 'unset')}")
    print("\n| dtype | mode | order | native ms (min / median) | XLA ms (min / median) | XLA / native (min) ", end="")
    print("| identical |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, images in batches.items():
        for mode in ("constant", "nearest", "reflect"):
            for order in (1, 0):
                kw = dict(mode=mode, order=order)
                fast = jax.jit(functools.partial(native_warp, **kw))
                slow = jax.jit(functools.partial(xla_warp, **kw))
                same = np.array_equal(np.asarray(fast(images, mats)), np.asarray(slow(images, mats)))
                steps = {"native": functools.partial(fast, images, mats), "xla": functools.partial(slow, images, mats)}
                times = interleaved_times(steps, args.reps)
                n, x = times["native"], times["xla"]
                print(
                    f"| {name} | {mode} | {order} | {min(n) * 1e3:.2f} / {statistics.median(n) * 1e3:.2f} "
                    f"| {min(x) * 1e3:.2f} / {statistics.median(x) * 1e3:.2f} | {min(x) / min(n):.2f} | {same} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
