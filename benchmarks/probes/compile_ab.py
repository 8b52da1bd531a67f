"""``python -m benchmarks.probes.compile_ab [--rev REV] [--reps N] [--batch B]``: XLA compile seconds, A/B.

Compile time is what a user waits for on the first call of a program (and what most of the
test suite's time is, see the README's Development section). For each public entry point below,
the revision's program (``ab_head.import_revision``: ``git archive`` of ``jaxaug/`` imported as
``jaxaug_ab``) and the working tree's are lowered and compiled in turns, ``reps`` times each, a
fresh ``jax.jit`` every time (no persistent cache), on a ``(B, 16, 16, 3)`` uint8 batch (compile
time hardly depends on the image size). Prints a markdown table: fastest and median seconds of
each, their ratio, and whether the two programs give identical outputs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import jax
import numpy as np

import jaxaug
from benchmarks.cases import ISSUE
from benchmarks.harness import compile_jit, cpu_model
from benchmarks.probes.ab_head import import_revision

ENTRY_POINTS = {
    "augment (README config)": lambda lib: lambda k, x: lib.augment(k, x, lib.AugmentConfig(**ISSUE)),
    "rand_augment (defaults)": lambda lib: lambda k, x: lib.rand_augment(k, x),
    "trivial_augment (defaults)": lambda lib: lambda k, x: lib.trivial_augment(k, x),
    "augmix (defaults)": lambda lib: lambda k, x: lib.augmix(k, x),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args(argv)
    x = np.random.default_rng(0).integers(0, 256, (args.batch, 16, 16, 3), dtype=np.uint8)
    key = jax.random.key(0)
    with tempfile.TemporaryDirectory() as tmp:
        old = import_revision(args.rev, Path(tmp))
        print(f"Compile seconds, {args.rev} (A) against the working tree (B), in turns, {args.reps} each; batch")
        versions = f"jax {jax.__version__}, Python {sys.version.split()[0]}"
        print(f"({args.batch}, 16, 16, 3) uint8; {cpu_model()}, {versions}.\n")
        print("| program | A fastest / median s | B fastest / median s | A / B (fastest) | outputs |")
        print("|---|---:|---:|---:|---|")
        for name, make in ENTRY_POINTS.items():
            fns = {"A": make(old), "B": make(jaxaug)}
            times = {"A": [], "B": []}
            for _ in range(args.reps):
                for k, fn in fns.items():
                    # a fresh function each time: nothing cached in memory
                    times[k].append(compile_jit(lambda *a, fn=fn: fn(*a), key, x)[1])
            same = np.array_equal(np.asarray(jax.jit(fns["A"])(key, x)), np.asarray(jax.jit(fns["B"])(key, x)))
            low = {k: min(v) for k, v in times.items()}
            cells = [name] + [f"{low[k]:.2f} / {float(np.median(times[k])):.2f}" for k in ("A", "B")]
            cells += [f"{low['A'] / low['B']:.2f}", "identical" if same else "DIFFERENT"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
