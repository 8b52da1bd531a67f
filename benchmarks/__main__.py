"""``python -m benchmarks [--quick] [--only NAME ...]``: run every case, write ``benchmarks/results/``."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # before anything imports keras

import argparse  # noqa: E402
import time  # noqa: E402

from benchmarks import cases  # noqa: E402,F401  (registers the cases)
from benchmarks.harness import REGISTRY, Context, add_ratios, machine_name, run_cases, write_report  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="jaxaug benchmarks vs peers.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and files (about 3 minutes)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only cases whose name contains NAME")
    parser.add_argument("--name", help=f"results file stem (default: {machine_name()})")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.list:
        for c in REGISTRY:
            print(f"{c.group:8s} {c.name}{'' if c.quick else '  (full runs only)'}")
        return
    ctx = Context(quick=args.quick)
    start = time.perf_counter()
    rows = run_cases(ctx, args.only)
    add_ratios(rows)
    path = write_report(rows, ctx, time.perf_counter() - start, args.name)
    print(path.read_text())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
