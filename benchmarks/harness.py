"""The benchmark harness: a registry of small case functions, timing, ratios and the report.

A case is one function registered with :func:`case`. It receives the :class:`Context`
and returns rows (made with :func:`row`: at least ``name``, ``seconds`` per batch and
``images`` per batch), or raises :class:`Unavailable` (a missing peer: printed, never
fatal). Everything else (the reported time, compile times, the ratio columns, the Markdown
table, the targets summary and the PNG chart) happens here.

Ratios are data, not code: a row says what it is (``role``: ``"augment"``, ``"naive"``,
``"albumentations"``, ...) and what work it does (``op``, ``dtype``, ``mode``,
``order``); each :class:`Ratio` column divides a row's throughput by the fastest row
of its baseline ``role`` that does the same work (the fields in ``match``). A new op
(MixUp, CutMix, ...) gets its ratios by giving its rows ``op="mixup"`` and registering
a naive ``role="naive"`` row with the same ``op``.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib import metadata
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
    _done: set = dataclasses.field(default_factory=set)

    def images(self, dtype: str = "float32", batch: int | None = None, size: int | None = None) -> np.ndarray:
        """A fixed random ``(batch, size, size, 3)`` batch (uint8 values 0-255; floats the same values)."""
        shape = (batch or self.batch, size or self.size, size or self.size, 3)
        key = (np.dtype(dtype).name, shape)
        if key not in self._images:
            base = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
            self._images[key] = base.astype(dtype)
        return self._images[key]

    def once(self, name: str, rows: Callable[[], list[dict]]) -> list[dict]:
        """``rows()`` the first time ``name`` is asked for in this run, ``[]`` after: a baseline that several
        cases need is timed (and reported) once, by whichever of them runs first, ``--only`` included."""
        if name in self._done:
            return []
        self._done.add(name)
        return rows()

    def reps(self, full: int, quick: int | None = None) -> int:
        """Timed repetitions: ``full`` normally, fewer with ``--quick``."""
        return (quick if quick is not None else max(3, full // 3)) if self.quick else full

    @property
    def min_seconds(self) -> float:
        """Cheap calls (a GPU's) repeat until this much time is timed, for a stable figure."""
        return 0.2 if self.quick else 1.0


def _progress(iterable, total: int, desc: str, show: bool):
    if not show:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=f"  {desc}", leave=False, file=sys.stderr)


def fastest(times) -> float:
    """The figure reported for repeated timings of one thing: the fastest repetition.

    These machines are shared: other work only ever adds time to a repetition, so the
    minimum is the closest estimate of the undisturbed cost, for every row alike (the
    baselines included). Medians moved by 2-3x between runs whenever a burst of other
    work hit one row and not its baseline.
    """
    return min(times)


def time_calls(
    step: Callable[[], object],
    reps: int,
    *,
    warmup: int = 1,
    min_seconds: float = 0.0,
    desc: str = "",
    progress: bool = False,
):
    """Wall seconds of ``step()``, the fastest of the timed calls (each ends with ``block_until_ready``).

    Runs ``reps`` timed calls, then more (up to ``100 * reps``) while less than
    ``min_seconds`` has been timed in all: sub-millisecond calls get enough samples.

    Returns:
        ``(seconds, first_call_seconds)``: :func:`fastest` of the timed calls; the first call
        (warm-up) includes any compilation and is never timed with them.
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
    while sum(times) < min_seconds and len(times) < 100 * reps:
        start = time.perf_counter()
        jax.block_until_ready(step())
        times.append(time.perf_counter() - start)
    return fastest(times), first


def interleaved_times(
    steps: dict[str, Callable[[], object]], reps: int, *, warmup: int = 2, min_seconds: float = 0.0
) -> dict[str, list[float]]:
    """Every timed call's seconds of each step, timed in turns (A, B, A, B, ...).

    For a row and its baseline: a burst of other work on the shared machine then hits both
    alike, instead of whichever block of repetitions it fell in. Like :func:`time_calls`,
    rounds go on (up to ``100 * reps``) until every step has ``min_seconds`` timed.
    """
    for step in steps.values():
        for _ in range(max(1, warmup)):
            jax.block_until_ready(step())
    times: dict[str, list[float]] = {name: [] for name in steps}
    rounds = 0
    while rounds < reps or (min(map(sum, times.values())) < min_seconds and rounds < 100 * reps):
        rounds += 1
        for name, step in steps.items():
            start = time.perf_counter()
            jax.block_until_ready(step())
            times[name].append(time.perf_counter() - start)
    return times


def time_interleaved(
    steps: dict[str, Callable[[], object]], reps: int, *, warmup: int = 2, min_seconds: float = 0.0
) -> dict[str, float]:
    """:func:`fastest` seconds of each step of :func:`interleaved_times`."""
    times = interleaved_times(steps, reps, warmup=warmup, min_seconds=min_seconds)
    return {name: fastest(t) for name, t in times.items()}


def compile_jit(fn: Callable, *args, static_argnames=()):
    """``(compiled, compile_seconds)``: ``jax.jit(fn)`` lowered and compiled ahead of time for ``args``."""
    start = time.perf_counter()
    compiled = jax.jit(fn, static_argnames=static_argnames).lower(*args).compile()
    return compiled, time.perf_counter() - start


def time_compiled(compiled, *args, reps: int, warmup: int = 2, min_seconds: float = 0.0) -> float:
    """Seconds of a compiled call on ``args`` (put on the device first): :func:`fastest` of the reps."""
    args = jax.device_put(args)
    seconds, _ = time_calls(lambda: compiled(*args), reps, warmup=warmup, min_seconds=min_seconds)
    return seconds


def time_jit(fn: Callable, *args, reps: int, warmup: int = 2, min_seconds: float = 0.0, static_argnames=()):
    """Compiles ``jax.jit(fn)`` ahead of time, then times the compiled call.

    Returns:
        ``(seconds, compile_seconds)``.
    """
    compiled, compile_s = compile_jit(fn, *args, static_argnames=static_argnames)
    return time_compiled(compiled, *args, reps=reps, warmup=warmup, min_seconds=min_seconds), compile_s


def memory_note(compiled) -> str:
    """The compiled program's device memory, from XLA's ``memory_analysis()`` (its buffer assignment).

    ``temp`` is the scratch the program allocates beyond its arguments and outputs (e.g. a dense
    coordinate map or a displacement field), also as a multiple of the output size; ``total`` is
    arguments + outputs + temp (less aliased buffers): an upper bound on what is live at once.
    Empty when the backend gives no analysis.
    """
    try:
        stats = compiled.memory_analysis()
    except Exception:  # not every backend implements it
        return ""
    if stats is None:
        return ""
    mb = 2.0**-20
    temp, out = stats.temp_size_in_bytes, stats.output_size_in_bytes
    total = stats.argument_size_in_bytes + out + temp - stats.alias_size_in_bytes
    ratio = f" ({temp / out:.1f}x output)" if out else ""
    return f"memory: temp {temp * mb:,.1f} MB{ratio}, total {total * mb:,.1f} MB"


def row(
    name: str,
    seconds: float,
    images: int,
    *,
    dtype: str = "float32",
    role: str = "",
    op: str | None = None,
    mode: str | None = None,
    order: int | None = None,
    compile_s=None,
    note: str = "",
    **extra,
):
    """One result row; ``seconds`` is per batch of ``images`` images.

    Args:
        role: what the row is to the ratio columns (``"augment"``, ``"naive"``, ``"floor"``,
            ``"albumentations"``, ``"keras_legacy"``, ``"keras3_chain"``, ...).
        op, mode, order: the work done (``op="affine"``: one affine resample per image with
            this fill ``mode`` and interpolation ``order``); ratios that ``match`` on them
            compare only rows doing the same work. ``None``: matches nothing.
        **extra: kept in the row (e.g. ``given={"x floor": img_s}`` to supply a baseline).
    """
    return dict(
        name=name,
        seconds=seconds,
        images=images,
        dtype=dtype,
        role=role,
        op=op,
        mode=mode,
        order=order,
        compile_s=compile_s,
        note=note,
        **extra,
    )


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


# --- ratios ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Ratio:
    """A ratio column: a row's img/s over the FASTEST row of ``role`` agreeing on every field in ``match``.

    ``cost=True`` inverts it: the row's time per image over the baseline's (a budget such as "at most 1.3x
    the affine augment" reads directly; lower is better).
    """

    column: str
    role: str
    match: tuple[str, ...] = ()
    explain: str = ""
    cost: bool = False
    # Only rows of ``for_role`` and ``dtype`` get the column, against baselines of ``baseline_dtype``.
    for_role: str | None = None
    dtype: str | None = None
    baseline_dtype: str | None = None


RATIOS: dict[str, tuple[Ratio, ...]] = {
    "main": (
        Ratio(
            "x naive (same order)",
            "naive",
            ("op", "dtype", "mode", "order"),
            "naive jitted `vmap(map_coordinates)` row of the same dtype, fill mode and order",
        ),
        Ratio("x floor", "floor", ("dtype",), "jitted elementwise copy of the same dtype"),
        Ratio(
            "x albumentations u8",
            "albumentations",
            ("op", "mode", "order"),
            "albumentations uint8 row of the same fill mode and order (`jaxaug.augment` rows: albumentations timed in "
            "turns with the row, its time in the row's note)",
        ),
        Ratio("x Keras legacy", "keras_legacy", (), "Keras legacy `ImageDataGenerator.flow`"),
        Ratio("x Keras 3 chain", "keras3_chain", (), "the faster Keras 3 chain row, eager or jit"),
        Ratio(
            "u8 x f32",
            "augment",
            ("op", "mode", "order"),
            "uint8 `jaxaug.augment` rows only: the float32 `jaxaug.augment` row of the same fill mode and order",
            for_role="augment",
            dtype="uint8",
            baseline_dtype="float32",
        ),
    ),
    "files": (
        Ratio("x floor", "decode_only", (), "decode + resize only"),
        Ratio("x Keras legacy", "keras_legacy_dir", (), "Keras legacy `flow_from_directory`"),
        Ratio(
            "time x grain epoch",
            "grain_epoch",
            (),
            "epoch time over the plain `jaxaug.grain` epoch (same files, same augment, timed in the same case); "
            "lower is better",
            cost=True,
        ),
    ),
    "scaling": (Ratio("x floor", "floor", (), "jitted elementwise copy of the same batch, timed beside it"),),
    "ops": (
        Ratio(
            "time x affine",
            "affine_base",
            ("dtype",),
            "time per image over `jaxaug.augment` with the README config (rotation 20, shifts 0.1, shear 0.2 rad, "
            "zoom 0.2, horizontal flip; fill 'nearest', order 1) on the same dtype, timed in turns with the row "
            "(its time is in the row's note; the baseline rows are timed on their own); lower is better",
            cost=True,
        ),
        Ratio("x floor", "floor", ("dtype",), "jitted elementwise copy of the same dtype, timed beside it"),
    ),
    "keras": (
        Ratio(
            "x Keras 3 layer",
            "keras3_layer",
            ("op",),
            "the faster (eager or jit) Keras 3 row of the same operation, timed in this run",
        ),
    ),
}

GROUP_TITLES = {
    "main": "One batch in memory",
    "files": "From a directory of JPEGs",
    "scaling": "Scaling: jaxaug.augment, float32, bilinear, 'nearest', issue config",
    "ops": "New operations vs the affine augment (issues #15, #16)",
    "keras": "Keras 3 layers: each jaxaug layer vs the same Keras 3 layer (issue #17), f32, training=True",
}


def _baseline(r: dict, ratio: Ratio, candidates: list[dict]) -> dict | None:
    if (ratio.for_role is not None and r["role"] != ratio.for_role) or (
        ratio.dtype is not None and r.get("dtype") != ratio.dtype
    ):
        return None
    if ratio.baseline_dtype is not None:
        candidates = [c for c in candidates if c.get("dtype") == ratio.baseline_dtype]
    same = [c for c in candidates if all(r.get(f) is not None and c.get(f) == r.get(f) for f in ratio.match)]
    return max(same, key=lambda c: c["img_s"], default=None)


def add_ratios(rows: list[dict]) -> None:
    """Adds ``img_s``, ``ms`` and one entry per ratio column to ``r["ratios"]`` (None: no baseline)."""
    for r in rows:
        r["img_s"] = r["images"] / r["seconds"]
        r["ms"] = 1e3 * r["seconds"]
    for group, ratios in RATIOS.items():
        sel = [r for r in rows if r["group"] == group]
        for r in sel:
            r["ratios"], r["baselines"] = {}, {}
            for ratio in ratios:
                given = r.get("given", {}).get(ratio.column)
                base = _baseline(r, ratio, [c for c in sel if c["role"] == ratio.role])
                img_s = given or (base["img_s"] if base else None)
                value = r["img_s"] / img_s if img_s else None
                r["ratios"][ratio.column] = 1 / value if value and ratio.cost else value
                r["baselines"][ratio.column] = None if given or not base else base["name"]


# --- targets ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    """A goal judged on the WORST row of ``role`` (and of ``op``, when given).

    Met when every row's ``column`` is ``>= at_least`` (a speed-up) or ``<= at_most`` (a cost budget).
    """

    what: str
    kind: str
    role: str
    column: str
    at_least: float | None = None
    at_most: float | None = None
    op: str | None = None
    dtype: str | None = None

    def judged(self, rows: list[dict]) -> list[dict]:
        return [
            r
            for r in rows
            if r["role"] == self.role
            and (self.op is None or r["op"] == self.op)
            and (self.dtype is None or r["dtype"] == self.dtype)
        ]

    def worst_best(self, values: list[tuple[float, str]]):
        ordered = sorted(values, reverse=self.at_least is None)  # worst first
        return ordered[0], ordered[-1]

    def met(self, value: float) -> bool:
        return value >= self.at_least if self.at_least is not None else value <= self.at_most


TARGETS = (
    Target("augment >= 1x naive (same order)", "must", "augment", "x naive (same order)", 1.0),
    Target("augment >= 1x albumentations u8", "must", "augment", "x albumentations u8", 1.0),
    Target("augment >= 2x naive (same order)", "moonshot", "augment", "x naive (same order)", 2.0),
    Target("augment >= 5x albumentations u8", "moonshot", "augment", "x albumentations u8", 5.0),
    Target("augment >= 60x Keras legacy", "moonshot", "augment", "x Keras legacy", 60.0),
    Target("augment u8 >= 1x f32 (same order and mode)", "issue #18", "augment", "u8 x f32", 1.0, dtype="uint8"),
    Target("Keras layer >= 50x the faster Keras 3 chain", "README", "keras_layer", "x Keras 3 chain", 50.0),
    *(
        Target(f"{what} <= {budget}x affine augment time", issue, "op_cost", "time x affine", at_most=budget, op=op)
        for what, op, budget, issue in (
            ("random resized crop + affine", "resized_crop", 1.1, "issue #15"),
            ("perspective 0.5 + affine", "perspective", 1.3, "issue #15"),
            ("elastic 34/4 + affine", "elastic", 2.0, "issue #15"),
            ("order 3 affine (vs order 1)", "order3", 4.0, "issue #15"),
            ("colour jitter + affine", "color_jitter", 1.3, "issue #16"),
            ("rand_augment(2, 9)", "rand_augment", 2.0, "issue #16"),
        )
    ),
    Target("jaxaug layer >= 10x the same Keras 3 layer", "issue #17", "keras_op_layer", "x Keras 3 layer", 10.0),
    Target("grain + MixUp/CutMix <= 1.1x plain epoch", "issue #17", "grain_mix", "time x grain epoch", at_most=1.1),
)


def _summary(rows: list[dict]) -> list[str]:
    targets = [t for t in TARGETS if t.judged(rows)]
    if not targets:
        return []
    lines = ["## Targets (the worst row decides)", ""]
    judged = [r for r in rows if r["role"] == "augment"]
    if judged:
        dtypes = ", ".join(sorted({SHORT.get(r["dtype"], r["dtype"]) for r in judged}))
        modes = ", ".join(sorted({str(r["mode"]) for r in judged}))
        orders = ", ".join(sorted({str(r["order"]) for r in judged}))
        lines += [
            f"`augment` targets are judged on the worst of the {len(judged)} `jaxaug.augment` rows of this run "
            f"(dtypes {dtypes}; fill {modes}; orders {orders}), each against its baseline doing the same work "
            "(same fill mode and order; naive: also the same dtype).",
            "",
        ]
    if any(r["role"] == "keras_layer" for r in rows):
        lines += ["Keras layer target: the worst `RandomAffine` row (eager or jit) vs the faster Keras 3 chain.", ""]
    if any(r["role"] == "op_cost" for r in rows):
        lines += [
            "Operation budgets (issues #15, #16): time per image over the affine `jaxaug.augment` baseline of the "
            "same dtype in this run (lower is better); the worst row of each operation decides (f32 and u8; the "
            "geometry rows are f32 only with `--quick`).",
            "",
        ]
    if any(r["role"] == "keras_op_layer" for r in rows):
        lines += [
            "Keras 3 layers (issue #17): the worst jaxaug layer row (any layer; eager and jit, jit only with "
            "`--quick`) vs the faster Keras 3 row (eager or jit) of the same layer.",
            "",
        ]
    lines += ["| target | kind | worst row | worst | best | |", "|---|---|---|---:|---:|---|"]
    for t in targets:
        values = [(r["ratios"].get(t.column), r["name"]) for r in t.judged(rows)]
        measured = [(v, n) for v, n in values if v is not None]
        if len(measured) < len(values):
            missing = f"{len(values) - len(measured)} of {len(values)} rows lack a baseline"
            lines.append(f"| {t.what} | {t.kind} | | | | not measured ({missing}) |")
            continue
        worst, best = t.worst_best(measured)
        verdict = "met" if t.met(worst[0]) else "not met"
        lines.append(f"| {t.what} | {t.kind} | {worst[1]} | {worst[0]:.2f}x | {best[0]:.2f}x | {verdict} |")
    return lines + [""]


# --- report -----------------------------------------------------------------------------------------

SHORT = {"float32": "f32", "uint8": "u8"}


def machine_name() -> str:
    device = jax.devices()[0]
    kind = re.sub(r"[^a-z0-9]+", "-", str(device.device_kind).lower()).strip("-")
    if device.platform == "cpu":
        return f"cpu-{os.cpu_count()}cores"
    return f"{device.platform}-{kind}"


def cpu_model() -> str:
    """The host CPU's model name and widest x86 vector extension (``/proc/cpuinfo``), or what the OS says.

    Results files name it: the same program ran at very different speed ratios on the
    machines this project is lent (on an AMD EPYC with AVX2 a uint8 ``reflect`` warp
    took 2.1-2.4x as long as ``nearest``, where an earlier machine took the same time).
    """
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine() or "unknown"
    name = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
    model = name.group(1).strip() if name else (platform.processor() or platform.machine() or "unknown")
    have = set(flags.group(1).split()) if flags else set()
    simd = next((f for f in ("avx512f", "avx2", "avx", "sse4_2") if f in have), None)
    return f"{model} ({simd})" if simd else model


def _version(*distributions: str) -> str:
    for dist in distributions:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def _versions() -> dict:
    devices = jax.devices()
    return {
        "device": f"{devices[0].platform}: {devices[0].device_kind} (x{len(devices)})",
        "cpu": cpu_model(),
        "jax": jax.__version__,
        "jaxlib": _version("jaxlib"),
        "numpy": np.__version__,
        "keras": _version("keras"),
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "unset"),
        # The allocator's settings move every program with over 32 MB of scratch (results/ab-cpu-2cores.md).
        "GLIBC_TUNABLES": os.environ.get("GLIBC_TUNABLES") or "unset",
        "grain": _version("grain", "grain-nightly"),
        "pillow": _version("pillow"),
        "albumentations": _version("albumentations"),
        "opencv": _version("opencv-python-headless", "opencv-python", "opencv-contrib-python"),
        "dm-pix": _version("dm-pix"),
        "augmax": _version("augmax"),
    }


def _fmt(value, spec: str, empty: str = "") -> str:
    return empty if value is None else format(value, spec)


def _table(sel: list[dict], ratios: tuple[Ratio, ...]) -> list[str]:
    columns = [x for x in ratios if any(r["ratios"].get(x.column) is not None for r in sel)]
    lines = [
        "| case | img/s | ms/batch | " + " | ".join(x.column for x in columns) + " | compile s | notes |",
        "|---|---:|---:|" + "---:|" * len(columns) + "---:|---|",
    ]
    for r in sel:
        cells = [_fmt(r["ratios"][x.column], ".3f" if x.column == "x floor" else ".2f") for x in columns]
        lines.append(
            f"| {r['name']} | {r['img_s']:,.0f} | {r['ms']:,.1f} | {' | '.join(cells)} | "
            f"{_fmt(r['compile_s'], '.2f')} | {r['note']} |"
        )
    kinds = "throughput / baseline throughput"
    if any(x.cost for x in columns):
        kinds += "; `time x` columns: time per image / the baseline's"
    lines += ["", f"Ratio columns ({kinds}, measured in this run):", ""]
    for x in columns:
        used = sorted({r["baselines"][x.column] for r in sel if r["baselines"].get(x.column)})
        which = f" (here: {used[0]})" if len(used) == 1 else ""
        lines.append(f"- {x.column}: {x.explain}{which}.")
    return lines + [""]


def markdown(rows: list[dict], ctx: Context, wall_s: float, chart: str | None) -> str:
    info = _versions()
    versions = ", ".join(f"{k} {v}" for k, v in info.items() if k not in ("device", "cpu"))
    lines = [
        f"# jaxaug benchmarks: {machine_name()}",
        "",
        f"Device {info['device']}, {os.cpu_count()} CPU cores ({info['cpu']}), {platform.platform()}, Python "
        f"{platform.python_version()}. Versions: {versions}. Batch {ctx.batch} x {ctx.size}x{ctx.size}x3 unless "
        f"stated. Fastest of the repetitions after warm-up (a shared machine: `harness.fastest`); compile time "
        f"separate. "
        f"{'Quick run (`--quick`: fewer repetitions, fewer files)' if ctx.quick else 'Full run'}, "
        f"{wall_s:.0f} s in all. Generated by `python -m benchmarks{' --quick' if ctx.quick else ''}`; "
        "absolute figures drift between runs on a shared machine, the ratios within one run are the result.",
        "",
    ]
    lines += _summary(rows)
    for group, ratios in RATIOS.items():
        sel = [r for r in rows if r["group"] == group]
        if sel:
            lines += [f"## {GROUP_TITLES[group]}", ""] + _table(sel, ratios)
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
        "#1f77b4" if r["name"].startswith("jaxaug") else "#7f7f7f" if r["role"] == "floor" else "#ff7f0e" for r in sel
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


def write_report(rows: list[dict], ctx: Context, wall_s: float, name: str | None = None, out: Path = RESULTS) -> Path:
    """Writes ``out/<name>.md`` (and ``.png``; name defaults to :func:`machine_name`)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = name or machine_name()
    png = out / f"{stem}.png"
    chart = png.name if bar_chart(rows, png) else None
    md = out / f"{stem}.md"
    md.write_text(markdown(rows, ctx, wall_s, chart))
    return md
