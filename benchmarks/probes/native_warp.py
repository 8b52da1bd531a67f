"""``python -m benchmarks.probes.native_warp``: the native-kernel probe of issue #18, measured.

Builds ``native_warp.cc`` with the system C++ compiler against the XLA FFI headers jaxlib
ships, registers it with ``jax.ffi``, and times it against the engine's XLA resample
(``jaxaug._src.engine.warp``, what ``augment`` runs) on the benchmark's work: batch 32 x
224 x 224 x 3, the README config's matrices, float32 -> float32 and uint8 -> uint8, fill
constant / nearest / reflect, orders 0 and 1. Both sides are jitted and interleaved in one
process (min of the repetitions); the result's max difference from the XLA path is printed
beside each ratio, and one float32 case is checked bit for bit against a numpy float32
evaluation of the same formulas (no fused multiply-adds).

The library does not use the kernel: issue #18 allows one only if it beats the XLA path
by 2x on the worst row, and this probe shows it does not (README, "Performance and
benchmarks"). Needs a C++17 compiler (``$CXX``, else ``c++``); about 10 s to build.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxaug
from jaxaug._src import engine, resample

SOURCE = Path(__file__).with_name("native_warp.cc")
TARGET = "jaxaug_probe_warp"
SHAPE = (32, 224, 224, 3)
CONFIG = dict(
    rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, shear_range=0.2, zoom_range=0.2
)  # the README config (no flip: a flip only changes the matrix)


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


def native_warp(images, mats, *, mode: str, order: int, out_dtype):
    result = jax.ShapeDtypeStruct(images.shape, out_dtype)
    call = jax.ffi.ffi_call(TARGET, result, vmap_method="sequential")
    cval = jnp.zeros((1,), jnp.float32)
    return call(images, mats, cval, mode=np.int64(resample.MODES.index(mode)), order=np.int64(order), projective=False)


def xla_warp(images, mats, *, mode: str, order: int, out_dtype):
    """The engine's resample and its one cast, as ``augment`` runs them (the XLA path)."""
    plan = engine.Plan(order=order, mode=mode, geometry="affine")
    return engine.to_dtype(engine.warp(images, mats, plan, 0.0), out_dtype)


def numpy_bilinear(image, m):
    """Order 1, mode 'nearest', in float32 numpy: the formulas of resample.py, one rounding each."""
    h, w, _ = image.shape
    f32 = np.float32
    r = np.arange(h, dtype=f32)[:, None]
    c = np.arange(w, dtype=f32)[None, :]
    u = np.clip((m[0, 0] * r + m[0, 1] * c) + m[0, 2], f32(0), f32(h - 1))
    v = np.clip((m[1, 0] * r + m[1, 1] * c) + m[1, 2], f32(0), f32(w - 1))
    r0, c0 = np.floor(u), np.floor(v)
    fr, fc = (u - r0)[..., None], (v - c0)[..., None]
    r0, c0 = r0.astype(int), c0.astype(int)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    top = image[r0, c0] * (f32(1) - fc) + image[r0, c1] * fc
    bottom = image[r1, c0] * (f32(1) - fc) + image[r1, c1] * fc
    return top * (f32(1) - fr) + bottom * fr


def timed(fn, args, reps):
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probes.native_warp", description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        library = ctypes.CDLL(str(build(Path(tmp))))
        jax.ffi.register_ffi_target(TARGET, jax.ffi.pycapsule(library.JaxaugWarp), platform="cpu")

        rng = np.random.default_rng(0)
        batches = {
            "f32": jnp.asarray(rng.uniform(0, 255, SHAPE).astype(np.float32)),
            "u8": jnp.asarray(rng.integers(0, 256, SHAPE, dtype=np.uint8)),
        }
        config = jaxaug.AugmentConfig(**CONFIG)
        keys = jaxaug.example_keys(jax.random.key(0), jnp.arange(SHAPE[0]))
        params = engine.draw(keys, SHAPE[1:], config)
        mats = engine.geometry_matrices(params, SHAPE[1:], None, engine.plan_of(config)).astype(jnp.float32)

        image, m = np.asarray(batches["f32"][0]), np.asarray(mats[0])
        got = native_warp(batches["f32"][:1], mats[:1], mode="nearest", order=1, out_dtype=jnp.float32)
        exact = np.array_equal(np.asarray(got)[0], numpy_bilinear(image, m))
        print(f"device: {jax.devices()[0].device_kind}, {os.cpu_count()} cores; jax {jax.__version__}")
        print(f"native == numpy float32 formulas, bit for bit (f32 nearest order 1): {exact}\n")
        print("| dtype | mode | order | native ms | XLA ms | XLA / native | max diff |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for name, images in batches.items():
            for mode in ("constant", "nearest", "reflect"):
                for order in (1, 0):
                    kw = dict(mode=mode, order=order, out_dtype=images.dtype)
                    native = jax.jit(functools.partial(native_warp, **kw))
                    xla = jax.jit(functools.partial(xla_warp, **kw))
                    diff = np.abs(np.asarray(native(images, mats), np.float64) - np.asarray(xla(images, mats)))
                    t_native = t_xla = float("inf")
                    for _ in range(args.reps):  # interleaved: both see the same machine load
                        t_native = min(t_native, timed(native, (images, mats), 1))
                        t_xla = min(t_xla, timed(xla, (images, mats), 1))
                    print(
                        f"| {name} | {mode} | {order} | {t_native * 1e3:.2f} | {t_xla * 1e3:.2f} "
                        f"| {t_xla / t_native:.2f} | {diff.max():.3g} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
