"""``python -m benchmarks [--quick] [--only NAME ...]``: run every case, write ``benchmarks/results/``."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # before anything imports keras

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks import case_ops, cases  # noqa: E402,F401  (registers the cases; case_ops's after cases's)
from benchmarks.harness import (  # noqa: E402
    REGISTRY,
    RESULTS,
    Context,
    add_ratios,
    machine_name,
    run_cases,
    write_report,
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="jaxaug benchmarks vs peers.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and files (under 4 minutes on one GPU)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only cases whose name contains NAME")
    parser.add_argument("--name", help=f"results file stem (default: {machine_name()})")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results folder (default: {RESULTS})")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    # Smoke runs only (a tiny batch to check that cases run; the figures mean nothing): not in --help.
    parser.add_argument("--batch", type=int, default=Context.batch, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=Context.size, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.list:
        for c in REGISTRY:
            print(f"{c.group:8s} {c.name}{'' if c.quick else '  (full runs only)'}")
        return
    ctx = Context(quick=args.quick, batch=args.batch, size=args.size)
    start = time.perf_counter()
    rows = run_cases(ctx, args.only)
    add_ratios(rows)
    path = write_report(rows, ctx, time.perf_counter() - start, args.name, args.out)
    print(path.read_text())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
