"""The benchmark cases: each is one small function registered with ``@case``.

The common workload (the issue's): a batch of 32 x 224x224x3, random rotation 20 deg,
width/height shift 0.1, shear 0.2 rad, zoom 0.2, horizontal flip. ``jaxaug.augment`` runs
it in every (dtype, fill mode, order) of :data:`VARIANTS`; the naive JAX baseline and
albumentations run the same variants, so each ratio compares the same work (see
``harness.RATIOS``). Peers that are not installed raise ``Unavailable`` and are reported
as such.
"""

from __future__ import annotations

import functools
import math
import os
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxaug
from benchmarks.harness import (
    SHORT,
    Context,
    Unavailable,
    case,
    compile_jit,
    fastest,
    row,
    time_calls,
    time_interleaved,
    time_jit,
)

ROTATION, SHIFT, ZOOM = 20.0, 0.1, 0.2
SHEAR_DEG = math.degrees(0.2)  # Keras's shear_range is in degrees
ISSUE = dict(
    rotation_range=ROTATION,
    width_shift_range=SHIFT,
    height_shift_range=SHIFT,
    shear_range=SHEAR_DEG,
    zoom_range=ZOOM,
    horizontal_flip=True,
)
FULL = dict(ISSUE, channel_shift_range=20.0, brightness_range=(0.8, 1.2))
AFFINE = "affine"  # the ``op`` of rows doing one affine resample per image

# Every (dtype, fill mode, order) the augment targets are judged on; quick runs keep them all (the
# targets summary needs every one) and save time on repetitions instead.
VARIANTS = tuple((d, m, o) for d in ("float32", "uint8") for m in ("nearest", "constant", "reflect") for o in (1, 0))

# jaxaug fill mode (scipy's names) -> the closest jax.scipy.ndimage.map_coordinates mode, and why.
# JAX's 'constant' and 'wrap' are scipy's 'grid-constant' and 'grid-wrap'.
NAIVE_MODES = {
    "nearest": ("nearest", "same mode"),
    "reflect": ("reflect", "same mode"),
    "mirror": ("mirror", "same mode"),
    "grid-mirror": ("reflect", "scipy 'grid-mirror' = 'reflect'"),
    "grid-constant": ("constant", "jax 'constant' = scipy 'grid-constant'"),
    "grid-wrap": ("wrap", "jax 'wrap' = scipy 'grid-wrap'"),
    "constant": ("constant", "jax 'constant' (scipy 'grid-constant'; differs within 1 px of the border)"),
    "wrap": ("wrap", "jax 'wrap' (scipy 'grid-wrap'; differs within 1 px of the border)"),
}


def _require(module: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as err:
        raise Unavailable(f"`{module}` not importable: {err}") from None


def _require_keras_jax():
    """Keras, on the JAX backend (the only backend jaxaug's layers run on)."""
    keras = _require("keras")
    if keras.backend.backend() != "jax":
        raise Unavailable(f"KERAS_BACKEND is {keras.backend.backend()!r}, not 'jax'")
    return keras


def _plus_one(x):
    """The memory-bound floor: read the batch once, write it once."""
    return x + np.ones((), x.dtype)


def _time_floor(x: np.ndarray, reps: int, min_seconds: float, warmup: int = 2) -> tuple[float, float]:
    """``(seconds, compile_seconds)`` of :func:`_plus_one` on ``x``, into a reused output buffer.

    The call reads ``x`` and writes a buffer of its own, as a resample does, but that buffer is
    donated back each call (the previous output), so no call allocates: a fresh 19 MB float32
    output came as new pages on some runs and not others (glibc's per-thread arenas), and the
    floor read 5.4 ms in one run and 0.6 ms in the next. (Written in place, the batch stays in
    the last-level cache and the floor read 2.7x faster than this out-of-place pass.)
    """
    start = time.perf_counter()
    compiled = jax.jit(lambda a, _out: _plus_one(a), donate_argnums=1).lower(x, x).compile()
    compile_s = time.perf_counter() - start
    source = jax.device_put(x)
    state = [jax.device_put(np.zeros_like(x))]

    def step():
        state[0] = compiled(source, state[0])
        return state[0]

    seconds, _ = time_calls(step, reps, warmup=warmup, min_seconds=min_seconds)
    return seconds, compile_s


def _variant_name(prefix: str, dtype: str, mode: str, order: int) -> str:
    return f"{prefix} {SHORT[dtype]} {mode} order {order}"


# --- floors -------------------------------------------------------------------------------------


@case("copy floor")
def floors(ctx: Context):
    rows = []
    for dtype in ("float32", "uint8"):
        x = ctx.images(dtype)
        seconds, compile_s = _time_floor(x, ctx.reps(30), ctx.min_seconds, warmup=20)
        name = f"jitted elementwise copy (floor), {SHORT[dtype]}"
        rows.append(row(name, seconds, x.shape[0], dtype=dtype, role="floor", compile_s=compile_s))
    return rows


# --- jaxaug -------------------------------------------------------------------------------------


def _augment(ctx: Context, config: jaxaug.AugmentConfig, dtype: str, name: str, reps: int = 15, **kw):
    x = ctx.images(dtype)
    fn = functools.partial(jaxaug.augment, config=config)
    seconds, compile_s = time_jit(fn, jax.random.key(0), x, reps=ctx.reps(reps), min_seconds=ctx.min_seconds)
    return row(name, seconds, x.shape[0], dtype=dtype, compile_s=compile_s, **kw)


@case("jaxaug.augment extra configs")
def jaxaug_extra(ctx: Context):
    return [
        _augment(
            ctx,
            jaxaug.AugmentConfig(**FULL),
            "float32",
            "jaxaug.augment f32 + channel shift + brightness",
            role="jaxaug",
            op=AFFINE,
            mode="nearest",
            order=1,
            note="issue config + channel_shift_range=20, brightness (0.8, 1.2)",
        ),
        _augment(
            ctx,
            jaxaug.AugmentConfig(horizontal_flip=True, vertical_flip=True),
            "uint8",
            "jaxaug.augment u8 flips only (gather-free path)",
            role="jaxaug",
            note="horizontal + vertical flip, no resample",
        ),
    ]


# --- JAX baselines and peers --------------------------------------------------------------------


def naive_augment(key, images, *, config: jaxaug.AugmentConfig, mode: str):
    """The same augmentation as a user would write it in plain JAX.

    Each image's matrix is ``jaxaug.augment``'s own (same per-example keys, same draws);
    the resample is ``jax.scipy.ndimage.map_coordinates`` with the config's order and cval,
    vmapped over channels and over the batch, on the images' own dtype.
    """
    from jax.scipy import ndimage

    h, w = images.shape[1:3]
    keys = jaxaug.example_keys(key, jnp.arange(images.shape[0], dtype=jnp.uint32))
    r, c = jnp.meshgrid(jnp.arange(h, dtype=jnp.float32), jnp.arange(w, dtype=jnp.float32), indexing="ij")

    def one(k, image):
        m = jaxaug.random_affine_matrix(k, image.shape, config)
        coords = [m[0, 0] * r + m[0, 1] * c + m[0, 2], m[1, 0] * r + m[1, 1] * c + m[1, 2]]

        def channel(plane):
            return ndimage.map_coordinates(plane, coords, order=config.interpolation_order, mode=mode, cval=config.cval)

        return jax.vmap(channel, in_axes=2, out_axes=2)(image)

    return jax.vmap(one)(keys, images)


@case("jaxaug.augment and naive map_coordinates")
def jaxaug_augment_and_naive(ctx: Context):
    """Each ``jaxaug.augment`` variant and its naive row (same dtype, order, closest jax fill mode), timed in turns.

    The two compiled calls alternate call by call (``time_interleaved``), so that the
    ``x naive`` ratio compares them under the same machine load. Where albumentations is
    installed, its batch of the same fill mode and order (uint8) takes its turn too, and the
    row's ``x albumentations u8`` comes from that time (its note gives it): the standalone
    albumentations rows were timed minutes away, and one run read 0.82x where the next read 1.31x.
    """
    ours, naive = [], []
    key = jax.random.key(0)
    for dtype, mode, order in VARIANTS:
        config = jaxaug.AugmentConfig(fill_mode=mode, interpolation_order=order, **ISSUE)
        jax_mode, why = NAIVE_MODES[mode]
        x = ctx.images(dtype)
        ours_fn, ours_compile = compile_jit(functools.partial(jaxaug.augment, config=config), key, x)
        naive_fn, naive_compile = compile_jit(functools.partial(naive_augment, config=config, mode=jax_mode), key, x)
        args = jax.device_put((key, x))
        steps = {"ours": lambda f=ours_fn, a=args: f(*a), "naive": lambda f=naive_fn, a=args: f(*a)}
        try:  # the peer in the same turns, on the uint8 batch (its dtype) of the same size
            steps["albumentations"] = _albumentations_batch(mode, order, ctx.images("uint8"))
        except Unavailable:
            pass
        seconds = time_interleaved(steps, reps=ctx.reps(15), min_seconds=ctx.min_seconds)
        work = dict(dtype=dtype, op=AFFINE, mode=mode, order=order)
        peer = {}
        if "albumentations" in seconds:
            peer = dict(
                given={"x albumentations u8": x.shape[0] / seconds["albumentations"]},
                note=f"albumentations timed in turns: {1e3 * seconds['albumentations']:.1f} ms",
            )
        ours.append(
            row(
                _variant_name("jaxaug.augment", dtype, mode, order),
                seconds["ours"],
                x.shape[0],
                role="augment",
                compile_s=ours_compile,
                **peer,
                **work,
            )
        )
        naive.append(
            row(
                _variant_name("naive vmap(map_coordinates)", dtype, mode, order),
                seconds["naive"],
                x.shape[0],
                role="naive",
                compile_s=naive_compile,
                note=f"jit, vmap over images and channels, jaxaug's matrices; mode={jax_mode!r}: {why}",
                **work,
            )
        )
    return ours + naive


@case("dm_pix")
def dm_pix_case(ctx: Context):
    pix = _require("dm_pix")
    config = jaxaug.AugmentConfig(**ISSUE)
    x = ctx.images("float32", batch=8)  # dm_pix is slow: 8 images per call

    def one(key, image):
        m = jaxaug.random_affine_matrix(key, image.shape, config)
        m3 = jnp.array([[m[0, 0], m[0, 1], 0.0], [m[1, 0], m[1, 1], 0.0], [0.0, 0.0, 1.0]])
        offset = jnp.stack([m[0, 2], m[1, 2], jnp.zeros(())])
        return pix.affine_transform(image, m3, offset=offset, order=1, mode="nearest")

    def batch(key, images):
        return jax.vmap(one)(jax.random.split(key, images.shape[0]), images)

    seconds, compile_s = time_jit(batch, jax.random.key(0), x, reps=ctx.reps(5, 2), warmup=1)
    name = "dm_pix.affine_transform (vmap), f32"
    return [
        row(
            name,
            seconds,
            x.shape[0],
            role="peer",
            op=AFFINE,
            mode="nearest",
            order=1,
            compile_s=compile_s,
            note="peer, batch 8",
        )
    ]


@case("augmax")
def augmax_case(ctx: Context):
    augmax = _require("augmax")
    x = ctx.images("float32")
    chain = augmax.Chain(augmax.Rotate((-ROTATION, ROTATION)), augmax.HorizontalFlip())

    def batch(key, images):
        return jax.vmap(chain)(jax.random.split(key, images.shape[0]), images)

    seconds, compile_s = time_jit(batch, jax.random.key(0), x, reps=ctx.reps(10), min_seconds=ctx.min_seconds)
    name = "augmax Rotate + HorizontalFlip, f32"
    return [row(name, seconds, x.shape[0], role="peer", compile_s=compile_s, note="peer, rotation + flip")]


def _cv2():
    cv2 = _require("cv2")
    cv2.setNumThreads(os.cpu_count() or 1)
    return cv2


# scipy fill mode -> OpenCV border (scipy 'reflect', "dcba|abcd", is OpenCV's BORDER_REFLECT); order -> interpolation.
CV2_BORDERS = {"nearest": "BORDER_REPLICATE", "constant": "BORDER_CONSTANT", "reflect": "BORDER_REFLECT"}
CV2_INTERPOLATIONS = {0: "INTER_NEAREST", 1: "INTER_LINEAR"}


def _albumentations_batch(mode: str, order: int, images: np.ndarray):
    """``step()``: albumentations' Affine + HorizontalFlip over ``images`` (uint8), image by image.

    The README config in albumentations' terms, OpenCV's interpolation and border of ``mode``
    and ``order``. Raises :class:`Unavailable` when albumentations or OpenCV is missing.
    """
    alb = _require("albumentations")
    cv2 = _cv2()
    pipeline = alb.Compose(
        [
            alb.Affine(
                rotate=(-ROTATION, ROTATION),
                translate_percent=(-SHIFT, SHIFT),
                shear=(-SHEAR_DEG, SHEAR_DEG),
                scale=(1 - ZOOM, 1 + ZOOM),
                interpolation=getattr(cv2, CV2_INTERPOLATIONS[order]),
                border_mode=getattr(cv2, CV2_BORDERS[mode]),
                p=1.0,
            ),
            alb.HorizontalFlip(p=0.5),
        ]
    )
    return lambda: [pipeline(image=im)["image"] for im in images]


@case("albumentations")
def albumentations_case(ctx: Context):
    """albumentations on uint8 (its native dtype), one row per fill mode and order of VARIANTS."""
    x = ctx.images("uint8")
    rows = []
    for mode, order in dict.fromkeys((m, o) for _, m, o in VARIANTS):
        interpolation, border = CV2_INTERPOLATIONS[order], CV2_BORDERS[mode]
        seconds, _ = time_calls(_albumentations_batch(mode, order, x), ctx.reps(10))
        rows.append(
            row(
                _variant_name("albumentations Affine + HorizontalFlip,", "uint8", mode, order),
                seconds,
                x.shape[0],
                dtype="uint8",
                role="albumentations",
                op=AFFINE,
                mode=mode,
                order=order,
                note=f"peer, OpenCV {interpolation}, {border}",
            )
        )
    return rows


@case("opencv")
def opencv_case(ctx: Context):
    cv2 = _cv2()
    x = ctx.images("uint8")
    h, w = x.shape[1:3]
    rng = np.random.default_rng(0)

    def one(im):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-ROTATION, ROTATION), rng.uniform(1 - ZOOM, 1 + ZOOM))
        m[:, 2] += rng.uniform(-SHIFT, SHIFT, 2) * (w, h)
        return cv2.warpAffine(im, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    seconds, _ = time_calls(lambda: [one(im) for im in x], ctx.reps(10))
    name = "OpenCV warpAffine per image, u8"
    return [row(name, seconds, x.shape[0], dtype="uint8", role="peer", op=AFFINE, mode="nearest", order=1, note="peer")]


# --- Keras --------------------------------------------------------------------------------------


def _legacy_generator():
    try:
        from keras.src.legacy.preprocessing.image import ImageDataGenerator
    except ImportError as err:
        raise Unavailable(f"keras legacy preprocessing: {err}") from None
    return ImageDataGenerator(fill_mode="nearest", **ISSUE)


@case("keras legacy flow")
def keras_legacy_flow(ctx: Context):
    x = ctx.images("float32")
    it = _legacy_generator().flow(x, batch_size=x.shape[0], shuffle=False, seed=0)
    seconds, _ = time_calls(lambda: next(it), ctx.reps(5, 2), desc="keras legacy flow", progress=True)
    name = "Keras legacy ImageDataGenerator.flow, f32"
    return [row(name, seconds, x.shape[0], role="keras_legacy", op=AFFINE, mode="nearest", order=1, note="numpy")]


@case("keras 3 layers vs RandomAffine")
def keras3_layers(ctx: Context):
    """Keras 3's chained random layers, eager AND jitted; jaxaug's RandomAffine likewise (case_keras_layer)."""
    _require_keras_jax()
    try:
        from benchmarks import case_keras_layer
        from jaxaug._src import keras_layers  # noqa: F401
    except ImportError as err:
        raise Unavailable(str(err)) from None
    out = []
    for r in case_keras_layer.run(ctx.quick, ctx.batch, ctx.size):
        seconds = r["ms_per_batch"] / 1e3
        if r["pipeline"].startswith("keras"):
            name, role = f"Keras 3 chain (4 layers), {r['mode']}, f32", "keras3_chain"
            note = "RandomRotation, RandomTranslation, RandomZoom, RandomFlip"
            note += "; the faster Keras 3 form (baseline)" if r["mode"] == r["keras_baseline"] else ""
        else:
            name, role = f"jaxaug.keras.RandomAffine, {r['mode']}, f32", "keras_layer"
            note = "one fused resample"
        compile_s = r["first_call_s"] - seconds if r["mode"] == "jit" else None
        out.append(
            row(
                name,
                seconds,
                r["batch"],
                role=role,
                op=AFFINE,
                mode="reflect",
                order=1,
                compile_s=compile_s,
                note=f"{note}; fill 'reflect', no shear",
            )
        )
    return out


@case("drop-in ImageDataGenerator.flow")
def dropin_flow(ctx: Context):
    try:
        from jaxaug.preprocessing.image import ImageDataGenerator
    except ImportError as err:
        raise Unavailable(str(err)) from None
    x = ctx.images("float32")
    it = ImageDataGenerator(fill_mode="nearest", **ISSUE).flow(x, batch_size=x.shape[0], shuffle=False, seed=0)
    seconds, first = time_calls(lambda: next(it), ctx.reps(10), warmup=2, min_seconds=ctx.min_seconds)
    return [
        row(
            "jaxaug drop-in ImageDataGenerator.flow, f32",
            seconds,
            x.shape[0],
            role="dropin",
            op=AFFINE,
            mode="nearest",
            order=1,
            compile_s=first - seconds,
            note="numpy in, numpy out, Keras-exact",
        )
    ]


# --- from a directory of JPEGs ------------------------------------------------------------------


def _jpeg_dir(ctx: Context) -> tuple[Path, int]:
    from PIL import Image

    count = 96 if ctx.quick else 500
    root = ctx.workdir / f"jpegs{count}"
    if not root.exists():
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[0:256, 0:256]
        for i in range(count):
            folder = root / f"class_{i % 2}"
            folder.mkdir(parents=True, exist_ok=True)
            phase = rng.uniform(0, 6.28, 3)
            freq = rng.uniform(0.01, 0.08, 3)
            img = np.stack([127 + 120 * np.sin(freq[k] * (xx + k * yy) + phase[k]) for k in range(3)], -1)
            img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
            Image.fromarray(img).save(folder / f"{i:04d}.jpg", quality=90)
    return root, count


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _epoch_row(name, seconds, count, batch, **kw):
    batches = math.ceil(count / batch)
    return row(name, seconds / batches, count / batches, **kw)


@case("decode + resize only", group="files")
def decode_only(ctx: Context):
    from PIL import Image

    root, count = _jpeg_dir(ctx)
    files = sorted(root.glob("*/*.jpg"))
    size = (ctx.size, ctx.size)

    def load(path):
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB").resize(size, Image.NEAREST), np.float32)

    def epoch():
        with ThreadPoolExecutor(2) as pool:
            arrays = list(pool.map(load, files))
        return [np.stack(arrays[i : i + ctx.batch]) for i in range(0, len(arrays), ctx.batch)]

    seconds, _ = time_calls(epoch, ctx.reps(3, 1))
    return [_epoch_row("decode + resize only (PIL, 2 threads)", seconds, count, ctx.batch, role="decode_only")]


def _epoch_seconds(make_iterator, steps: int, reps: int) -> float:
    def epoch():
        it = make_iterator()
        for _ in range(steps):
            next(it)

    seconds, _ = time_calls(epoch, reps)
    return seconds


@case("keras legacy flow_from_directory", group="files")
def keras_legacy_dir(ctx: Context):
    root, count = _jpeg_dir(ctx)
    gen = _legacy_generator()
    steps = math.ceil(count / ctx.batch)
    size = (ctx.size, ctx.size)

    def make():
        return iter(gen.flow_from_directory(root, target_size=size, batch_size=ctx.batch, seed=0))

    seconds = _epoch_seconds(make, steps, ctx.reps(2, 1))
    return [_epoch_row("Keras legacy flow_from_directory", seconds, count, ctx.batch, role="keras_legacy_dir")]


@case("drop-in flow_from_directory", group="files")
def dropin_dir(ctx: Context):
    try:
        from jaxaug.preprocessing.image import ImageDataGenerator
    except ImportError as err:
        raise Unavailable(str(err)) from None
    root, count = _jpeg_dir(ctx)
    gen = ImageDataGenerator(fill_mode="nearest", **ISSUE)
    steps = math.ceil(count / ctx.batch)
    size = (ctx.size, ctx.size)

    def make():
        return iter(gen.flow_from_directory(root, target_size=size, batch_size=ctx.batch, seed=0))

    seconds = _epoch_seconds(make, steps, ctx.reps(2, 1))
    return [_epoch_row("jaxaug drop-in flow_from_directory", seconds, count, ctx.batch)]


def _grain_epoch_seconds(ctx: Context, root: Path, epochs: int, **mixing) -> tuple[float, int]:
    """``(fastest epoch seconds after the first, batches per epoch)`` of a ``jaxaug.grain`` directory loader."""
    import jaxaug.grain as jgrain

    loader = jgrain.flow_from_directory(
        root,
        seed=0,
        augment=jaxaug.AugmentConfig(fill_mode="nearest", **ISSUE),
        target_size=(ctx.size, ctx.size),
        batch_size=ctx.batch,
        num_epochs=epochs,
        read_threads=2,
        **mixing,
    )
    steps = len(loader)
    times, start = [], time.perf_counter()
    for i, batch in enumerate(loader):
        jax.block_until_ready(batch)
        if (i + 1) % steps == 0:
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
    return (fastest(times[1:]) if len(times) > 1 else times[0]), steps  # epoch 0 compiles


# The grain epoch with batch mixing on (categorical labels, mixed one-hot out), vs the plain epoch above it.
GRAIN_MIXING = (
    ("+ CutMix (alpha 1)", dict(cutmix_alpha=1.0)),
    ("+ MixUp (alpha 0.2)", dict(mixup_alpha=0.2)),
)


@case("grain flow_from_directory", group="files")
def grain_dir(ctx: Context):
    """The plain grain epoch, then the same epoch with CutMix and with MixUp (issue #17: at most +10%)."""
    try:
        import jaxaug.grain  # noqa: F401
    except ImportError as err:
        raise Unavailable(str(err)) from None
    root, count = _jpeg_dir(ctx)
    epochs = 3 if ctx.quick else 8
    rss_start = _rss_mb()
    seconds, steps = _grain_epoch_seconds(ctx, root, epochs)
    rss_end = _rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    note = f"{epochs} epochs of {steps} batches; RSS {rss_start:,.0f} -> {rss_end:,.0f} MB, peak {peak:,.0f}"
    name = "jaxaug.grain flow_from_directory"
    rows = [_epoch_row(name, seconds, count, ctx.batch, role="grain_epoch", note=note)]
    for label, mixing in GRAIN_MIXING:
        seconds, _ = _grain_epoch_seconds(ctx, root, epochs, **mixing)
        note = f"{epochs} epochs, {', '.join(f'{k}={v}' for k, v in mixing.items())}; budget 1.1x the plain epoch"
        rows.append(_epoch_row(f"{name} {label}", seconds, count, ctx.batch, role="grain_mix", note=note))
    return rows


@case("grain memory over 1,000 batches", group="files")
def grain_memory(ctx: Context):
    """RSS of a long directory run: it must stay flat (no growth per batch or per epoch)."""
    try:
        import jaxaug.grain as jgrain
    except ImportError as err:
        raise Unavailable(str(err)) from None
    root, count = _jpeg_dir(ctx)
    batches, batch = (200 if ctx.quick else 1000), 8
    loader = jgrain.flow_from_directory(
        root,
        seed=0,
        augment=jaxaug.AugmentConfig(fill_mode="nearest", **ISSUE),
        target_size=(ctx.size, ctx.size),  # same size as the decode-only floor, so the ratios compare
        batch_size=batch,
        read_threads=2,
    )
    it = iter(loader)
    warm = 50  # after compilation and the first pass through the decode pool
    start = time.perf_counter()
    for i in range(batches):
        jax.block_until_ready(next(it))
        if i + 1 == warm:
            rss_warm, start = _rss_mb(), time.perf_counter()
    seconds = time.perf_counter() - start
    rss_end = _rss_mb()
    it.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    epochs = batches * batch / max(count, 1)
    note = (
        f"{batches} batches of {batch} (~{epochs:.0f} epochs); RSS after {warm} batches {rss_warm:,.0f} MB, "
        f"after {batches} {rss_end:,.0f} MB ({rss_end - rss_warm:+,.0f}), process peak {peak:,.0f}"
    )
    return [_epoch_row("jaxaug.grain long run (memory)", seconds, (batches - warm) * batch, batch, note=note)]


# --- scaling ------------------------------------------------------------------------------------


@case("scaling sweep", group="scaling")
def scaling(ctx: Context):
    config = jaxaug.AugmentConfig(**ISSUE)
    fn = functools.partial(jaxaug.augment, config=config)
    shapes = [(1, 224), (8, 224), (32, 224), (128, 224), (32, 64), (32, 512)]
    if ctx.quick:
        shapes = [(8, 224), (128, 224), (32, 64)]
    rows = []
    for batch, size in shapes:
        x = ctx.images("float32", batch=batch, size=size)
        reps = ctx.reps(10, 3)
        seconds, compile_s = time_jit(fn, jax.random.key(0), x, reps=reps, min_seconds=ctx.min_seconds)
        floor_s, _ = _time_floor(x, reps, ctx.min_seconds)
        ns_per_pixel = 1e9 * seconds / (batch * size * size)
        rows.append(
            row(
                f"B={batch}, {size}x{size}",
                seconds,
                batch,
                role="scaling",
                compile_s=compile_s,
                given={"x floor": batch / floor_s},
                note=f"{ns_per_pixel:.1f} ns/pixel",
            )
        )
    return rows
