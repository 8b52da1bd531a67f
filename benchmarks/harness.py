"""The benchmark harness: a registry of small case functions, timing, ratios and the report.

A case is one function registered with :func:`case`. It receives the :class:`Context`
and returns rows (dicts with at least ``name``, ``seconds`` per batch and ``images``
per batch), or raises :class:`Unavailable` (a missing peer: printed, never fatal).
Everything else (medians, compile times, ratios to Keras legacy and to the copy floor,
the Markdown table and the PNG chart) happens here.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import jax
import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


class Unavailable(Exception):
    """Raised by a case whose peer library (or jaxaug feature) is not installed."""


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    fn: Callable
    group: str
    quick: bool


REGISTRY: list[Case] = []


def case(name: str, *, group: str = "main", quick: bool = True):
    """Registers ``fn(ctx) -> list[dict]`` as a benchmark case (``quick=False``: full runs only)."""

    def register(fn):
        REGISTRY.append(Case(name, fn, group, quick))
        return fn

    return register


@dataclasses.dataclass
class Context:
    """What every case gets: the sizes, the mode and cached input batches."""

    quick: bool
    batch: int = 32
    size: int = 224
    workdir: Path = dataclasses.field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jaxaug-bench-")))
    _images: dict = dataclasses.field(default_factory=dict)

    def images(self, dtype: str = "float32", batch: int | None = None, size: int | None = None) -> np.ndarray:
        """A fixed random ``(batch, size, size, 3)`` batch (uint8 values 0-255; floats the same values)."""
        shape = (batch or self.batch, size or self.size, size or self.size, 3)
        key = (np.dtype(dtype).name, shape)
        if key not in self._images:
            base = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
            self._images[key] = base.astype(dtype)
        return self._images[key]

    def reps(self, full: int, quick: int | None = None) -> int:
        """Timed repetitions: ``full`` normally, fewer with ``--quick``."""
        return (quick if quick is not None else max(3, full // 3)) if self.quick else full


def _progress(iterable, total: int, desc: str, show: bool):
    if not show:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=f"  {desc}", leave=False, file=sys.stderr)


def time_calls(step: Callable[[], object], reps: int, *, warmup: int = 1, desc: str = "", progress: bool = False):
    """Median wall seconds of ``step()`` (each call ends with ``block_until_ready``).

    Returns:
        ``(median_seconds, first_call_seconds)``; the first call (warm-up) includes any
        compilation and is never in the median.
    """
    first = None
    for _ in range(max(1, warmup)):
        start = time.perf_counter()
        jax.block_until_ready(step())
        first = time.perf_counter() - start if first is None else first
    times = []
    for _ in _progress(range(reps), reps, desc, progress):
        start = time.perf_counter()
        jax.block_until_ready(step())
        times.append(time.perf_counter() - start)
    return statistics.median(times), first


def time_jit(fn: Callable, *args, reps: int, warmup: int = 2, static_argnames=()):
    """Compiles ``jax.jit(fn)`` ahead of time, then times the compiled call.

    Returns:
        ``(median_seconds, compile_seconds)``.
    """
    start = time.perf_counter()
    compiled = jax.jit(fn, static_argnames=static_argnames).lower(*args).compile()
    compile_s = time.perf_counter() - start
    args = jax.device_put(args)
    seconds, _ = time_calls(lambda: compiled(*args), reps, warmup=warmup)
    return seconds, compile_s


def row(name: str, seconds: float, images: int, *, dtype: str = "float32", compile_s=None, note: str = "", **extra):
    """One result row; ``seconds`` is per batch of ``images`` images."""
    return dict(name=name, seconds=seconds, images=images, dtype=dtype, compile_s=compile_s, note=note, **extra)


def machine_name() -> str:
    device = jax.devices()[0]
    kind = re.sub(r"[^a-z0-9]+", "-", str(device.device_kind).lower()).strip("-")
    if device.platform == "cpu":
        return f"cpu-{os.cpu_count()}cores"
    return f"{device.platform}-{kind}"


def _versions() -> dict:
    out = {"jax": jax.__version__, "device": f"{jax.devices()[0].platform}: {jax.devices()[0].device_kind}"}
    try:
        import keras

        out["keras"] = keras.__version__
    except ImportError:
        out["keras"] = "not installed"
    return out


def run_cases(ctx: Context, only: list[str] | None = None) -> list[dict]:
    """Runs every registered case (or those whose name contains one of ``only``)."""
    rows = []
    selected = [c for c in REGISTRY if (c.quick or not ctx.quick) and (not only or any(o in c.name for o in only))]
    for i, c in enumerate(selected, 1):
        start = time.perf_counter()
        try:
            got = c.fn(ctx)
        except Unavailable as err:
            print(f"[{i}/{len(selected)}] {c.name}: not installed ({err})", flush=True)
            continue
        except Exception as err:  # a broken peer must not stop the run
            print(f"[{i}/{len(selected)}] {c.name}: FAILED {type(err).__name__}: {err}", flush=True)
            traceback.print_exc(limit=3)
            continue
        for r in got:
            r.setdefault("group", c.group)
            rows.append(r)
        names = ", ".join(f"{r['name']} {r['images'] / r['seconds']:,.0f} img/s" for r in got)
        print(f"[{i}/{len(selected)}] {c.name} ({time.perf_counter() - start:.1f}s): {names}", flush=True)
    return rows


def add_ratios(rows: list[dict]) -> None:
    """Adds img/s, ms/batch, ratio to Keras legacy ``flow`` and to the same-dtype copy floor."""
    for r in rows:
        r["img_s"] = r["images"] / r["seconds"]
        r["ms"] = 1e3 * r["seconds"]
    baselines = {  # group -> (key of the Keras baseline row, key of the floor rows)
        "main": ("keras_legacy_flow", "floor"),
        "files": ("keras_legacy_dir", "decode_only"),
        "scaling": (None, None),
    }
    for group, (legacy_key, floor_key) in baselines.items():
        sel = [r for r in rows if r["group"] == group]
        legacy = next((r["img_s"] for r in sel if legacy_key and r.get("key") == legacy_key), None)
        floors = {r["dtype"]: r["img_s"] for r in sel if floor_key and r.get("key") == floor_key}
        for r in sel:
            r["vs_legacy"] = r["img_s"] / legacy if legacy else None
            floor = r.get("floor_img_s") or floors.get(r["dtype"]) or floors.get("float32")
            r["vs_floor"] = r["img_s"] / floor if floor else None


def _fmt(value, spec: str, empty: str = "") -> str:
    return empty if value is None else format(value, spec)


def markdown(rows: list[dict], ctx: Context, wall_s: float, chart: str | None) -> str:
    info = _versions()
    lines = [
        f"# jaxaug benchmarks: {machine_name()}",
        "",
        f"Device {info['device']}, {os.cpu_count()} CPU cores, {platform.platform()}, Python "
        f"{platform.python_version()}, jax {info['jax']}, keras {info['keras']}. Batch {ctx.batch} x "
        f"{ctx.size}x{ctx.size}x3 unless stated. Medians over repetitions after warm-up; compile time "
        f"separate. {'Quick run (`--quick`: fewer repetitions, fewer files)' if ctx.quick else 'Full run'}, "
        f"{wall_s:.0f} s in all. Generated by `python -m benchmarks{' --quick' if ctx.quick else ''}`; "
        "absolute figures drift between runs on a shared machine, the ratios within one run are the result.",
        "",
    ]
    groups = (
        ("main", "One batch in memory (floor: jitted elementwise copy of the same dtype)"),
        ("files", "From a directory of JPEGs (floor: decode + resize only; Keras: legacy flow_from_directory)"),
        ("scaling", "Scaling: jaxaug.augment, float32, bilinear, 'nearest', issue config"),
    )
    for group, title in groups:
        sel = [r for r in rows if r["group"] == group]
        if not sel:
            continue
        lines += [f"## {title}", ""]
        lines += [
            "| case | img/s | ms/batch | x Keras legacy | x floor | compile s | notes |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for r in sel:
            lines.append(
                f"| {r['name']} | {r['img_s']:,.0f} | {r['ms']:,.1f} | {_fmt(r['vs_legacy'], '.1f')} | "
                f"{_fmt(r['vs_floor'], '.3f')} | {_fmt(r['compile_s'], '.2f')} | {r['note']} |"
            )
        lines.append("")
    if chart:
        lines += [f"![throughput]({chart})", ""]
    return "\n".join(lines)


def bar_chart(rows: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no chart", flush=True)
        return False
    sel = [r for r in rows if r["group"] == "main"]
    if not sel:  # e.g. `--only` a directory case: nothing to chart
        return False
    names = [r["name"] for r in sel]
    values = [r["img_s"] for r in sel]
    colors = [
        "#1f77b4" if r["name"].startswith("jaxaug") else "#7f7f7f" if "floor" in r["name"] else "#ff7f0e" for r in sel
    ]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(sel) + 1.2))
    ax.barh(range(len(sel)), values, color=colors)
    ax.set_yticks(range(len(sel)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("images / s (log scale; higher is better)")
    ax.set_title(f"jaxaug vs peers, {machine_name()}, jax {jax.__version__}", fontsize=9)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,.0f}", va="center", fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(rows: list[dict], ctx: Context, wall_s: float, name: str | None = None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stem = name or machine_name()
    png = RESULTS / f"{stem}.png"
    chart = png.name if bar_chart(rows, png) else None
    md = RESULTS / f"{stem}.md"
    md.write_text(markdown(rows, ctx, wall_s, chart))
    return md
