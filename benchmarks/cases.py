"""The benchmark cases: each is one small function registered with ``@case``.

The common workload (the issue's): a batch of 32 x 224x224x3, random rotation 20 deg,
width/height shift 0.1, shear 0.2 rad, zoom 0.2, horizontal flip, bilinear, 'nearest'.
Peers that are not installed raise ``Unavailable`` and are reported as such.
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
from benchmarks.harness import Context, Unavailable, case, row, time_calls, time_jit

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
SHORT = {"float32": "f32", "uint8": "u8"}


def _require(module: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as err:
        raise Unavailable(f"`{module}` not importable: {err}") from None


def _plus_one(x):
    """The memory-bound floor: read the batch once, write it once."""
    return x + np.ones((), x.dtype)


# --- floors -------------------------------------------------------------------------------------


@case("copy floor")
def floors(ctx: Context):
    rows = []
    for dtype in ("float32", "uint8"):
        x = ctx.images(dtype)
        # Long warm-up: the first calls of a fresh process pay page faults on new buffers, which is not
        # the memory-bound cost we compare against (the scaling sweep measures its floors later in the run).
        seconds, compile_s = time_jit(_plus_one, x, reps=ctx.reps(30), warmup=20)
        rows.append(
            row(f"jitted elementwise copy (floor), {SHORT[dtype]}", seconds, x.shape[0], dtype=dtype, key="floor")
        )
        rows[-1]["compile_s"] = compile_s
    return rows


# --- jaxaug -------------------------------------------------------------------------------------


def _augment(ctx: Context, config: jaxaug.AugmentConfig, dtype: str, name: str, note: str = "", reps: int = 15):
    x = ctx.images(dtype)
    fn = functools.partial(jaxaug.augment, config=config)
    seconds, compile_s = time_jit(fn, jax.random.key(0), x, reps=ctx.reps(reps))
    return row(name, seconds, x.shape[0], dtype=dtype, compile_s=compile_s, note=note, key="jaxaug")


@case("jaxaug.augment")
def jaxaug_augment(ctx: Context):
    variants = [(d, m, o) for d in ("float32", "uint8") for m in ("nearest", "constant", "reflect") for o in (1, 0)]
    if ctx.quick:  # compilation dominates a quick run: every mode in float32, both orders of 'nearest'
        variants = [v for v in variants if (v[0] == "float32" and v[2] == 1) or v[1] == "nearest"]
    rows = []
    for dtype, mode, order in variants:
        config = jaxaug.AugmentConfig(fill_mode=mode, interpolation_order=order, **ISSUE)
        rows.append(_augment(ctx, config, dtype, f"jaxaug.augment {SHORT[dtype]} {mode} order {order}"))
    return rows


@case("jaxaug.augment extra configs")
def jaxaug_extra(ctx: Context):
    return [
        _augment(
            ctx,
            jaxaug.AugmentConfig(**FULL),
            "float32",
            "jaxaug.augment f32 + channel shift + brightness",
            note="issue config + channel_shift_range=20, brightness (0.8, 1.2)",
        ),
        _augment(
            ctx,
            jaxaug.AugmentConfig(horizontal_flip=True, vertical_flip=True),
            "uint8",
            "jaxaug.augment u8 flips only (gather-free path)",
            note="horizontal + vertical flip, no resample",
        ),
    ]


# --- JAX baselines and peers --------------------------------------------------------------------


@case("naive map_coordinates")
def naive_map_coordinates(ctx: Context):
    """vmap over images of jax.scipy.ndimage.map_coordinates per channel, same random matrices."""
    from jax.scipy import ndimage

    config = jaxaug.AugmentConfig(**ISSUE)
    x = ctx.images("float32")
    h, w = x.shape[1:3]

    def one(key, image):
        m = jaxaug.random_affine_matrix(key, image.shape, config)
        r = jnp.arange(h, dtype=jnp.float32)[:, None]
        c = jnp.arange(w, dtype=jnp.float32)[None, :]
        rows_, cols = m[0, 0] * r + m[0, 1] * c + m[0, 2], m[1, 0] * r + m[1, 1] * c + m[1, 2]
        channels = [ndimage.map_coordinates(image[..., k], [rows_, cols], order=1, mode="nearest") for k in range(3)]
        return jnp.stack(channels, axis=-1)

    def batch(key, images):
        return jax.vmap(one)(jax.random.split(key, images.shape[0]), images)

    seconds, compile_s = time_jit(batch, jax.random.key(0), x, reps=ctx.reps(10))
    return [row("naive vmap(map_coordinates) per channel, f32", seconds, x.shape[0], compile_s=compile_s)]


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
    return [row("dm_pix.affine_transform (vmap), f32", seconds, x.shape[0], compile_s=compile_s, note="peer, batch 8")]


@case("augmax")
def augmax_case(ctx: Context):
    augmax = _require("augmax")
    x = ctx.images("float32")
    chain = augmax.Chain(augmax.Rotate((-ROTATION, ROTATION)), augmax.HorizontalFlip())

    def batch(key, images):
        return jax.vmap(chain)(jax.random.split(key, images.shape[0]), images)

    seconds, compile_s = time_jit(batch, jax.random.key(0), x, reps=ctx.reps(10))
    name = "augmax Rotate + HorizontalFlip, f32"
    return [row(name, seconds, x.shape[0], compile_s=compile_s, note="peer, rotation + flip")]


def _cv2():
    cv2 = _require("cv2")
    cv2.setNumThreads(os.cpu_count() or 1)
    return cv2


@case("albumentations")
def albumentations_case(ctx: Context):
    alb = _require("albumentations")
    cv2 = _cv2()
    pipeline = alb.Compose(
        [
            alb.Affine(
                rotate=(-ROTATION, ROTATION),
                translate_percent=(-SHIFT, SHIFT),
                shear=(-SHEAR_DEG, SHEAR_DEG),
                scale=(1 - ZOOM, 1 + ZOOM),
                interpolation=cv2.INTER_LINEAR,
                border_mode=cv2.BORDER_REPLICATE,
                p=1.0,
            ),
            alb.HorizontalFlip(p=0.5),
        ]
    )
    x = ctx.images("uint8")
    seconds, first = time_calls(lambda: [pipeline(image=im)["image"] for im in x], ctx.reps(10))
    return [row("albumentations Affine + HorizontalFlip, u8", seconds, x.shape[0], dtype="uint8", note="peer, OpenCV")]


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
    return [row("OpenCV warpAffine per image, u8", seconds, x.shape[0], dtype="uint8", note="peer")]


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
    return [row("Keras legacy ImageDataGenerator.flow, f32", seconds, x.shape[0], key="keras_legacy_flow")]


@case("keras 3 layers")
def keras3_layers(ctx: Context):
    keras = _require("keras")
    if keras.backend.backend() != "jax":
        raise Unavailable(f"KERAS_BACKEND is {keras.backend.backend()!r}, not 'jax'")
    layers = [
        keras.layers.RandomRotation(ROTATION / 360.0, fill_mode="nearest", seed=0),
        keras.layers.RandomTranslation(SHIFT, SHIFT, fill_mode="nearest", seed=1),
        keras.layers.RandomZoom(ZOOM, ZOOM, fill_mode="nearest", seed=2),
        keras.layers.RandomFlip("horizontal", seed=3),
    ]
    x = jnp.asarray(ctx.images("float32"))

    def step():
        y = x
        for layer in layers:
            y = layer(y, training=True)
        return y

    seconds, _ = time_calls(step, ctx.reps(3, 2), desc="keras 3 layers", progress=True)
    return [row("Keras 3 layers chained (eager, JAX), f32", seconds, x.shape[0], note="rotation, shift, zoom, flip")]


@case("jaxaug RandomAffine layer vs Keras chain", quick=False)
def keras_layer_case(ctx: Context):
    try:
        from benchmarks import case_keras_layer
        from jaxaug._src import keras_layers  # noqa: F401
    except ImportError as err:
        raise Unavailable(str(err)) from None
    out = []
    for r in case_keras_layer.run(ctx.quick):
        out.append(row(r["case"], r["ms_per_batch"] / 1e3, r["batch"], note="fill 'reflect', no shear"))
    return out


@case("drop-in ImageDataGenerator.flow")
def dropin_flow(ctx: Context):
    try:
        from jaxaug.preprocessing.image import ImageDataGenerator
    except ImportError as err:
        raise Unavailable(str(err)) from None
    x = ctx.images("float32")
    it = ImageDataGenerator(fill_mode="nearest", **ISSUE).flow(x, batch_size=x.shape[0], shuffle=False, seed=0)
    seconds, first = time_calls(lambda: next(it), ctx.reps(10), warmup=2)
    return [
        row(
            "jaxaug drop-in ImageDataGenerator.flow, f32",
            seconds,
            x.shape[0],
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
    return [_epoch_row("decode + resize only (PIL, 2 threads)", seconds, count, ctx.batch, key="decode_only")]


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
    return [_epoch_row("Keras legacy flow_from_directory", seconds, count, ctx.batch, key="keras_legacy_dir")]


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


@case("grain flow_from_directory", group="files")
def grain_dir(ctx: Context):
    try:
        import jaxaug.grain as jgrain
    except ImportError as err:
        raise Unavailable(str(err)) from None
    root, count = _jpeg_dir(ctx)
    epochs = 3 if ctx.quick else 8
    loader = jgrain.flow_from_directory(
        root,
        seed=0,
        augment=jaxaug.AugmentConfig(fill_mode="nearest", **ISSUE),
        target_size=(ctx.size, ctx.size),
        batch_size=ctx.batch,
        num_epochs=epochs,
        read_threads=2,
    )
    steps = len(loader)
    rss_start = _rss_mb()
    times, start = [], time.perf_counter()
    for i, batch in enumerate(loader):
        jax.block_until_ready(batch)
        if (i + 1) % steps == 0:
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
    rss_end = _rss_mb()
    seconds = float(np.median(times[1:])) if len(times) > 1 else times[0]  # epoch 0 compiles
    note = f"{epochs} epochs of {steps} batches; RSS {rss_start:,.0f} -> {rss_end:,.0f} MB"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [_epoch_row("jaxaug.grain flow_from_directory", seconds, count, ctx.batch, note=f"{note}, peak {peak:,.0f}")]


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
        seconds, compile_s = time_jit(fn, jax.random.key(0), x, reps=reps)
        floor_s, _ = time_jit(_plus_one, x, reps=reps)
        ns_per_pixel = 1e9 * seconds / (batch * size * size)
        rows.append(
            row(
                f"B={batch}, {size}x{size}",
                seconds,
                batch,
                compile_s=compile_s,
                floor_img_s=batch / floor_s,
                note=f"{ns_per_pixel:.1f} ns/pixel",
            )
        )
    return rows
