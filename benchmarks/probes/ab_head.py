"""``python -m benchmarks.probes.ab_head [--rev REV] [--dtypes ..] [--modes ..] [--orders ..] [--reps N]``.

An A/B of ``jaxaug.augment`` against an earlier revision of the library, in ONE process: the
revision's ``jaxaug/`` (``git archive``) is copied into a temporary folder as the package
``jaxaug_ab`` and imported next to the working tree's ``jaxaug``. For each dtype, fill mode
and order (the README config, a 32 x 224 x 224 x 3 batch), the two ``augment`` programs and the
naive row (``benchmarks.cases.naive_augment``) are compiled, then called in turns
(``harness.interleaved_times``), so that the ratios compare them under the same machine load.
Prints a markdown table: fastest and median milliseconds, the ratios, and whether the outputs
are identical (else the largest difference and how many values differ). Defaults: ``HEAD``,
``uint8,float32``, ``constant,nearest,reflect``, orders ``0,1``, 20 repetitions.
"""

from __future__ import annotations

import argparse
import functools
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import jax
import numpy as np

import jaxaug
from benchmarks.cases import ISSUE, NAIVE_MODES, naive_augment
from benchmarks.harness import compile_jit, cpu_model, fastest, interleaved_times

ROOT = Path(__file__).resolve().parents[2]


def import_revision(rev: str, folder: Path):
    """``rev``'s ``jaxaug`` package, imported as ``jaxaug_ab`` from a copy under ``folder``."""
    archive = subprocess.run(["git", "archive", rev, "jaxaug"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "jaxaug_ab"
    (folder / "jaxaug").rename(package)
    for path in package.rglob("*.py"):  # absolute imports of the package point at the copy
        path.write_text(re.sub(r"\bjaxaug(?=[._ \n])", "jaxaug_ab", path.read_text()))
    sys.path.insert(0, str(folder))
    import jaxaug_ab

    return jaxaug_ab


def row(old, x, dtype: str, mode: str, order: int, reps: int) -> str:
    """One table row: the revision's ``augment``, the working tree's and the naive row, timed in turns."""
    key = jax.random.key(0)
    fns = {}
    for name, lib in (("A", old), ("B", jaxaug)):
        config = lib.AugmentConfig(fill_mode=mode, interpolation_order=order, **ISSUE)
        fns[name] = compile_jit(functools.partial(lib.augment, config=config), key, x)[0]
    config = jaxaug.AugmentConfig(fill_mode=mode, interpolation_order=order, **ISSUE)
    fns["naive"] = compile_jit(functools.partial(naive_augment, config=config, mode=NAIVE_MODES[mode][0]), key, x)[0]
    diff = np.abs(np.asarray(fns["A"](key, x), np.float64) - np.asarray(fns["B"](key, x), np.float64))
    times = interleaved_times({k: functools.partial(f, key, x) for k, f in fns.items()}, reps)
    low = {k: 1e3 * fastest(v) for k, v in times.items()}
    mid = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    cells = [f"{dtype} {mode} {order}"]
    cells += [f"{low[k]:.1f} / {mid[k]:.1f}" for k in ("A", "B", "naive")]
    cells += [f"{low[k] / low['B']:.2f} / {mid[k] / mid['B']:.2f}" for k in ("A", "naive")]
    cells.append("identical" if diff.max() == 0 else f"max diff {diff.max():.3g} at {int((diff > 0).sum())} values")
    return "| " + " | ".join(cells) + " |"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--dtypes", default="uint8,float32")
    parser.add_argument("--modes", default="constant,nearest,reflect")
    parser.add_argument("--orders", default="0,1")
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        old = import_revision(args.rev, Path(tmp))
        print(f"{cpu_model()}, jax {jax.__version__}; A = {args.rev}, B = the working tree\n")
        print("| dtype mode order | A ms (min / median) | B ms | naive ms | A / B | naive / B | outputs |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for dtype in args.dtypes.split(","):
            x = jax.device_put(rng.integers(0, 256, (32, 224, 224, 3), dtype=np.uint8).astype(dtype))
            for mode in args.modes.split(","):
                for order in map(int, args.orders.split(",")):
                    print(row(old, x, dtype, mode, order, args.reps), flush=True)


if __name__ == "__main__":
    main()
