"""Every fast path in ``augment`` gives the outputs of the plain path (and of scipy); no recompiles.

The "plain path" below is the general composition written out from the public pieces:
one matrix from ``sample_params``, ``resample_float``, a textbook ``clip(x + o, min, max)``,
brightness, ``cast_like``. ``augment`` may take any shortcut, but its outputs must equal it (bit for bit where
no arithmetic is involved, to float rounding where XLA fuses the same arithmetic differently).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.ndimage

import jaxaug
from jaxaug._src import engine, fastpath, resample, sampling
from tests.helpers import assert_close


def plain_augment(key, images, config):
    """The general path: always one resample, then the textbook colour ops."""
    keys = jaxaug.example_keys(key, jnp.arange(images.shape[0], dtype=jnp.uint32))

    def one(k, image):
        params = sampling.sample_params(k, image.shape, config)
        if config.is_geometric:
            matrix = sampling.params_to_matrix(params, image.shape)
            x = resample.resample_float(image, matrix, config.interpolation_order, config.fill_mode, config.cval)
        else:
            x = image.astype(resample.compute_dtype(image.dtype))
        if config.channel_shift_range > 0:
            x = jnp.clip(x + params.channel_shift, jnp.min(x), jnp.max(x))  # the textbook form
        if config.brightness_range is not None:
            x = x * params.brightness.astype(x.dtype)
        return x

    return resample.cast_like(jax.vmap(one)(keys, images), images.dtype)


def make_images(rng, dtype, shape=(4, 12, 16, 3)):
    if np.dtype(dtype) == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return rng.normal(0.0, 50.0, shape).astype(dtype)


def run_both(config, images, seed=0):
    fast = jax.jit(functools.partial(jaxaug.augment, config=config))
    plain = jax.jit(functools.partial(plain_augment, config=config))
    key = jax.random.key(seed)
    return np.asarray(fast(key, images)), np.asarray(plain(key, images))


# The per-example params of ``augment`` for a key, drawn by one program per config structure and image shape.
# The draws do not read the fill mode, order or cval: configs that differ only there share one draw program.
_DRAW = jax.jit(engine.draw, static_argnums=1)


def drawn(key, images, config):
    """``augment``'s params for ``key`` (its example keys), from the shared draw program."""
    keys = jaxaug.example_keys(key, jnp.arange(images.shape[0], dtype=jnp.uint32))
    return _DRAW(keys, images.shape[1:], config.replace(fill_mode="constant", interpolation_order=1, cval=0.0))


def apply_drawn(key, images, params, config):
    """``augment``'s second half on given params (``engine.apply``, as ``engine.run`` calls it), freshly jitted:
    where the warp path is under test and the draws are not, two programs then differ only in the warp."""

    def apply(x, p, c, k):
        return engine.apply(x, p, engine.plan_of(c), c.cval, token=fastpath.key_token(k), dtype=x.dtype)

    return np.asarray(jax.jit(apply)(images, params, config, key).images)


@pytest.mark.parametrize(
    "dtype,mode,order,flips",
    [
        (np.uint8, "nearest", 1, dict(horizontal_flip=True, vertical_flip=True)),
        (np.float32, "constant", 0, dict(vertical_flip=True)),
        (np.float32, "grid-wrap", 1, dict(horizontal_flip=True, vertical_flip=True)),
        (np.uint8, "reflect", 0, dict(horizontal_flip=True)),
    ],
)
def test_flip_fast_path_equals_plain_path(rng, dtype, mode, order, flips):
    config = jaxaug.AugmentConfig(fill_mode=mode, interpolation_order=order, cval=7.0, **flips)
    assert _flips_only(config)
    images = make_images(rng, dtype, (8, 10, 14, 3))
    fast, plain = run_both(config, images)
    assert fast.dtype == images.dtype
    np.testing.assert_array_equal(fast, plain)


def test_flip_fast_path_equals_scipy(rng):
    """Against the oracle: scipy.ndimage.affine_transform with the same sampled matrix."""
    config = jaxaug.AugmentConfig(horizontal_flip=True, vertical_flip=True)
    images = make_images(rng, np.float32, (8, 9, 13, 2))
    key = jax.random.key(3)
    out = np.asarray(jax.jit(functools.partial(jaxaug.augment, config=config))(key, images))
    keys = jaxaug.example_keys(key, jnp.arange(images.shape[0]))
    seen = set()
    for i, k in enumerate(keys):
        params = jaxaug.sample_params(k, images.shape[1:], config)
        seen.add((bool(params.flip_horizontal), bool(params.flip_vertical)))
        m = np.asarray(jaxaug.params_to_matrix(params, images.shape[1:]), np.float64)
        for c in range(images.shape[-1]):
            want = scipy.ndimage.affine_transform(images[i, ..., c].astype(np.float64), m, order=1, mode="nearest")
            np.testing.assert_allclose(out[i, ..., c], want, rtol=0, atol=1e-4)
    assert len(seen) >= 3, seen  # the batch exercised several flip combinations


def _flips_only(config):
    return engine.plan_of(config).geometry == "flips"


def test_flips_only_predicate():
    assert _flips_only(jaxaug.AugmentConfig(horizontal_flip=True, channel_shift_range=3.0))
    assert not _flips_only(jaxaug.AugmentConfig())
    assert not _flips_only(jaxaug.AugmentConfig(horizontal_flip=True, rotation_range=1.0))
    assert not _flips_only(jaxaug.AugmentConfig(vertical_flip=True, zoom_range=0.1))
    assert not _flips_only(jaxaug.AugmentConfig(vertical_flip=True, width_shift_range=2))


def test_minmax_equals_min_and_max(rng):
    for x in (
        rng.normal(size=(5, 7, 3)).astype(np.float32),
        np.array([[-np.inf, 2.0], [np.inf, 0.5]], np.float32),
        np.full((3, 3), -2.5, np.float64),
    ):
        x = jnp.asarray(x)
        lo, hi = fastpath.minmax(x)
        assert lo.dtype == x.dtype and hi.dtype == x.dtype
        x = np.asarray(x)
        assert float(lo) == x.min() and float(hi) == x.max()


def numpy_shift(x, offsets):
    x = np.asarray(x)
    return np.clip(x + np.asarray(offsets), x.min(), x.max())


def test_shift_channels_fast_equals_numpy(rng):
    x = jnp.asarray(rng.normal(0, 40, (9, 11, 3)).astype(np.float32))
    offsets = jnp.asarray([35.0, -80.0, 0.25], jnp.float32)
    want = numpy_shift(x, offsets)
    got = jax.jit(fastpath.shift_channels_float)(x, offsets)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    # Under vmap as in augment: each image clipped to its own range.
    xs = jnp.stack([x, x * 3.0 + 100.0])
    offs = jnp.stack([offsets, -offsets])
    got = jax.jit(jax.vmap(fastpath.shift_channels_float))(xs, offs)
    want = np.stack([numpy_shift(a, o) for a, o in zip(xs, offs)])
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


FULL = dict(
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=0.1,
    shear_range=11,
    zoom_range=0.2,
    horizontal_flip=True,
    channel_shift_range=30.0,
    brightness_range=(0.8, 1.2),
)


@pytest.mark.parametrize(
    "kwargs,dtype",
    [
        (FULL, np.uint8),
        (FULL, np.float32),
        (dict(FULL, fill_mode="reflect", interpolation_order=0), np.float32),
        (dict(FULL, fill_mode="constant", cval=-3.0), np.uint8),
        (dict(channel_shift_range=30.0, brightness_range=(0.5, 1.5)), np.float32),
        (dict(horizontal_flip=True, channel_shift_range=30.0, brightness_range=(0.5, 1.5)), np.uint8),
        (dict(rotation_range=30, channel_shift_range=30.0), np.float32),
    ],
    ids=["full-u8", "full-f32", "full-reflect-o0", "full-const-u8", "shift-bright", "flip-shift-bright", "rot-shift"],
)
def test_augment_equals_plain_path(rng, dtype, kwargs):
    config = jaxaug.AugmentConfig(**kwargs)
    images = make_images(rng, dtype)
    fast, plain = run_both(config, images, seed=5)
    assert fast.dtype == images.dtype and fast.shape == images.shape
    # Same operations, but XLA fuses them differently (the fast path materialises the
    # resampled image once; the plain one may recompute the blend per consumer), and a
    # fused multiply-add may round differently: allow float rounding, and for integers a
    # rare off-by-one where a value sits on a .5 rounding boundary. Anything larger is a bug.
    if np.issubdtype(dtype, np.integer):
        diff = np.abs(fast.astype(np.int64) - plain.astype(np.int64))
        assert diff.max() <= 1 and np.mean(diff > 0) <= 1e-3, (diff.max(), np.mean(diff > 0))
    else:
        assert_close(fast, plain, dtype=dtype)


# The index is the same for every dtype (resample.nearest_index); the dtypes differ in the gather's cast and fill.
ORDER_0_CASES = [(np.float32, mode) for mode in resample.MODES] + [
    (np.uint8, "constant"),
    (np.uint8, "reflect"),
    (np.int32, "constant"),
    (np.int32, "grid-constant"),
    (np.int32, "nearest"),
    (np.int32, "mirror"),
]


@pytest.mark.parametrize("dtype, mode", ORDER_0_CASES)
def test_order_0_moves_values_as_scipy_does(rng, dtype, mode):
    """Order 0: one materialised tap index per output pixel, then one gather (``engine._nearest``).

    Against scipy's ``map_coordinates`` at the engine's own coordinates, exactly, per image
    and channel: float32 with inf / NaN pixels beside the border, int32 values above 2**24
    (not float32 numbers) under a perspective, uint8 with a pixel op after the warp (the
    taps then go through the compute dtype).
    """
    geometric = {k: v for k, v in FULL.items() if k not in ("channel_shift_range", "brightness_range")}
    geometric.update(rotation_range=40, zoom_range=(0.4, 2.5))
    extra = {np.int32: dict(perspective_range=0.3), np.uint8: dict(brightness_range=(1.0, 1.0))}.get(dtype, {})
    cval = 3.0 if dtype == np.uint8 else -3.0
    config = jaxaug.AugmentConfig(**geometric, **extra, fill_mode=mode, interpolation_order=0, cval=cval)
    images = make_images(rng, dtype, (3, 11, 13, 2))
    if dtype == np.int32:
        images = (images.astype(np.int64) + 2**24 + 1).astype(np.int32)
    elif dtype == np.float32:
        images[:, 0, :, 0], images[:, :, 0, 1], images[:, -1, -1] = np.inf, np.nan, -np.inf

    def apply_and_coordinates(x, params, config, key):  # one program: the output and the engine's coordinate maps
        plan = engine.plan_of(config)
        run = engine.apply(x, params, plan, config.cval, token=fastpath.key_token(key), dtype=x.dtype)
        return run.images, *engine.coordinate_maps(run, plan, x.shape[1:])

    key = jax.random.key(2)
    # augment is draw + apply (engine.run); the draws are not under test: one draw program for all modes.
    out, u, v = jax.jit(apply_and_coordinates)(images, drawn(key, images, config), config, key)
    out = np.asarray(out)
    assert out.dtype == dtype
    for i in range(images.shape[0]):
        coords = [np.asarray(u[i], np.float64), np.asarray(v[i], np.float64)]
        for c in range(images.shape[-1]):
            want = scipy.ndimage.map_coordinates(images[i, ..., c], coords, order=0, mode=mode, cval=cval)
            np.testing.assert_array_equal(out[i, ..., c], want)
    if mode in resample.FILL_MODES:
        assert 0.02 < np.mean(out == cval) < 0.5  # both kinds of pixel present


@pytest.mark.parametrize("dtype, cvals", [(np.uint8, (-3.2, 300.6, 127.5)), (np.int16, (40000.4, -7.5))])
def test_constant_order_1_small_integers_cast_the_fill_first(rng, dtype, cvals):
    """8- and 16-bit images in ``constant`` at order 1 cut to the fill already cast to their dtype.

    ``engine.apply`` does, so that the cast back needs no clip. The plain path cuts to the float
    fill, then rounds and clips every pixel: the same values, fills out of range and at .5 included.
    """
    geometric = dict(rotation_range=40, zoom_range=(0.7, 1.4), width_shift_range=0.3)
    images = make_images(rng, dtype, (3, 11, 13, 2))
    fast = jax.jit(jaxaug.augment)  # the config's cval is traced: one program for every fill
    key = jax.random.key(7)
    for cval in cvals:
        config = jaxaug.AugmentConfig(**geometric, fill_mode="constant", interpolation_order=1, cval=cval)
        out = np.asarray(fast(key, images, config))
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, np.asarray(jax.jit(plain_augment, static_argnums=2)(key, images, config)))
        assert 0.02 < np.mean(out == resample.native_fill(cval, dtype)) < 0.6  # both kinds of pixel present


@pytest.mark.parametrize(
    "kwargs", [FULL, dict(horizontal_flip=True), dict(channel_shift_range=10.0)], ids=["full", "flip", "shift"]
)
def test_no_recompile_over_100_batches(rng, kwargs):
    config = jaxaug.AugmentConfig(**kwargs)
    fn = jax.jit(functools.partial(jaxaug.augment, config=config))
    base = jax.random.key(0)
    for step in range(100):
        images = jnp.asarray(make_images(rng, np.uint8, (2, 8, 8, 3)))
        ids = jnp.arange(2 * step, 2 * step + 2, dtype=jnp.uint32)
        fn(jax.random.fold_in(base, step), images, example_ids=ids).block_until_ready()
        assert fn._cache_size() == 1, f"recompiled at batch {step}"


@pytest.mark.parametrize("mode", ["reflect", "grid-mirror", "mirror", "grid-wrap"])
@pytest.mark.parametrize("n", [2, 3, 7])
def test_index_fold_equals_periodic_extension(mode, n):
    """The resampler's one-fold tap mapping equals scipy's periodic extension wherever taps can fall."""
    i = np.arange(-n, 2 * n - 1)
    if mode in ("reflect", "grid-mirror"):  # ... c b a | a b c | c b a ...
        p = np.mod(i, 2 * n)
        want = np.where(p >= n, 2 * n - 1 - p, p)
    elif mode == "mirror":  # ... c b | a b c | b a ...
        p = np.mod(i, 2 * n - 2)
        want = np.where(p >= n, 2 * n - 2 - p, p)
    else:  # grid-wrap: ... b c | a b c | a b ...
        want = np.mod(i, n)
    got = resample._map_index(jnp.asarray(i, jnp.int32), n, mode)
    np.testing.assert_array_equal(np.asarray(got), want)


# ----------------------------------------------------------------------------- fusion barriers


# scipy's name -> numpy.pad's name for the same extension.
NUMPY_PAD = {"reflect": "symmetric", "grid-mirror": "symmetric", "mirror": "reflect", "grid-wrap": "wrap"}


@pytest.mark.parametrize("mode", resample.FOLDED_MODES + ("grid-constant",))
def test_bordered_view_is_the_image_padded_by_numpy(rng, mode):
    for height, width in [(5, 7), (2, 3), (1, 4)]:
        image = rng.integers(0, 256, (height, width, 2), dtype=np.uint8)
        if mode == "grid-constant":  # two pixels of the fill before and after each axis
            want = np.pad(image, ((2, 2), (2, 2), (0, 0)), constant_values=9)
        else:
            want = np.pad(image, ((1, 2), (1, 2), (0, 0)), mode=NUMPY_PAD[mode])
        got = resample.bordered_view(jnp.asarray(image), mode, fill=9)
        np.testing.assert_array_equal(np.asarray(got), want.reshape(-1, 2))


@pytest.mark.parametrize("mode", resample.FOLDED_MODES)
def test_folded_modes_sample_a_bordered_view_bit_for_bit(rng, monkeypatch, mode):
    """Order 1 in reflect / mirror / grid-wrap reads one border view (``resample.resample_bordered``).

    Small integer images do (``engine._small_integers``). Against the engine that folds every
    tap index (the path before it, and still float images' path), both jitted: bit for bit,
    uint8 plain and with a pixel op after the warp, int16 over its whole range with a
    perspective.
    """
    geometric = dict(rotation_range=40, zoom_range=(0.4, 2.5), width_shift_range=0.4, shear_range=15)
    cases = [
        (np.uint8, jaxaug.AugmentConfig(**geometric, fill_mode=mode, interpolation_order=1)),
        (
            np.uint8,
            jaxaug.AugmentConfig(**geometric, fill_mode=mode, interpolation_order=1, brightness_range=(0.5, 1.5)),
        ),
        (
            np.int16,
            jaxaug.AugmentConfig(**geometric, fill_mode=mode, interpolation_order=1, perspective_range=0.3),
        ),
    ]
    key = jax.random.key(5)
    for dtype, config in cases:
        info = np.iinfo(dtype)
        images = rng.integers(info.min, info.max, (3, 9, 13, 2), endpoint=True).astype(dtype)
        params = drawn(key, images, config)  # the draws are not under test: one draw program for every mode
        out = apply_drawn(key, images, params, config)
        with monkeypatch.context() as patch:
            patch.setattr(resample, "FOLDED_MODES", ())
            want = apply_drawn(key, images, params, config)  # traced afresh: the engine that folds every tap
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, want)


def test_compute_once_is_fn_of_x_with_and_without_a_token():
    x = jnp.asarray(np.random.default_rng(0).normal(size=(3, 5, 4, 2)).astype(np.float32))
    x = x.at[0, 0, 0, 0].set(jnp.nan)  # the data predicate must still take fn, whatever the first value
    for token in (None, fastpath.key_token(jax.random.key(5)), fastpath.key_token(jax.random.PRNGKey(0))):
        out = jax.jit(lambda v, t=token: fastpath.compute_once(lambda a: a * 2 + 1, v, t))(x)
        np.testing.assert_array_equal(np.asarray(out), np.asarray(x * 2 + 1))
    assert fastpath.compute_once(lambda a: a + 1, jnp.zeros((0, 3))).shape == (0, 3)


def _hlo(config, dtype=np.uint8):
    images = jnp.zeros((2, 16, 16, 3), dtype)
    return jax.jit(jaxaug.augment).lower(jax.random.key(0), images, config).compile().as_text()


@pytest.mark.parametrize(
    "config, barriers",
    [
        (jaxaug.AugmentConfig(rotation_range=10), 0),  # nothing reads a resampled pixel twice
        (jaxaug.AugmentConfig(rotation_range=10, fill_mode="constant", interpolation_order=0), 1),  # fill pixel
        (jaxaug.AugmentConfig(rotation_range=10, fill_mode="constant", interpolation_order=1), 0),
        (jaxaug.AugmentConfig(saturation_range=(0.5, 1.5)), 0),  # no resample to protect
        (jaxaug.AugmentConfig(rotation_range=10, saturation_range=(0.5, 1.5)), 1),  # resample -> chain
        (jaxaug.AugmentConfig(blur_sigma_range=(0.5, 1.0)), 1),  # first blur pass -> second
        (jaxaug.AugmentConfig(elastic_alpha=2.0, elastic_sigma=1.0), 2),  # field blur + field -> resample
    ],
)
def test_the_cpu_program_has_a_barrier_exactly_where_a_producer_is_read_many_times(config, barriers):
    """The XLA:CPU fusion barrier is a conditional (``fastpath.compute_once``); with it the resample is
    computed once before the pixel chain reads it (3-6x faster measured, ``benchmarks/``)."""
    assert _hlo(config).count(" conditional(") == barriers


def test_the_engine_smooths_elastic_noise_as_sample_params_does():
    """The engine blurs the batch's noise outside vmap; ``sample_params`` blurs one example's: same field."""
    config = jaxaug.AugmentConfig(elastic_alpha=3.0, elastic_sigma=2.0)
    keys = jaxaug.example_keys(jax.random.key(1), jnp.arange(3, dtype=jnp.uint32))
    batched = engine.draw(keys, (12, 10, 3), config, fastpath.key_token(jax.random.key(1))).elastic
    one_by_one = jax.vmap(lambda k: jaxaug.sample_params(k, (12, 10, 3), config).elastic)(keys)
    assert float(jnp.max(jnp.abs(batched))) > 0.1  # a real field
    np.testing.assert_allclose(np.asarray(batched), np.asarray(one_by_one), rtol=0, atol=1e-6)


@pytest.mark.parametrize("mix", [jaxaug.mixup, jaxaug.cutmix])
def test_mixing_reads_an_augmented_batch_computed_once(mix):
    """MixUp and CutMix read every image twice (itself and as a partner): one barrier before them."""
    config = jaxaug.AugmentConfig(rotation_range=10)
    labels = jnp.arange(2) % 2

    def step(key, images):
        return mix(key, jaxaug.augment(key, images, config), labels, alpha=1.0, num_classes=2)[0]

    hlo = jax.jit(step).lower(jax.random.key(0), jnp.zeros((2, 16, 16, 3), jnp.uint8)).compile().as_text()
    assert hlo.count(" conditional(") == 1


def _primitives(jaxpr, inside_scan=False, found=None):
    """``{(primitive name, inside a scan body)}`` over a jaxpr and every jaxpr nested in it."""
    found = set() if found is None else found
    for eqn in jaxpr.eqns:
        found.add((eqn.primitive.name, inside_scan))
        for value in eqn.params.values():
            for sub in value if isinstance(value, (tuple, list)) else (value,):
                sub = getattr(sub, "jaxpr", sub)  # ClosedJaxpr -> Jaxpr
                if hasattr(sub, "eqns"):
                    _primitives(sub, inside_scan or eqn.primitive.name == "scan", found)
    return found


@pytest.mark.parametrize("perspective", [0.0, 0.3])
def test_spline_sampling_stays_out_of_the_prefilter_loop(perspective):
    """On one CPU device a spline batch is prefiltered a few images per loop step, and sampled (the
    gathers) in one vmap after the loop: XLA:CPU runs a loop body's last fusion on one thread."""
    config = jaxaug.AugmentConfig(rotation_range=10, interpolation_order=3, perspective_range=perspective)
    images = jnp.zeros((2 * engine.SPLINE_CHUNK, 16, 16, 3), jnp.float32)
    found = _primitives(jax.make_jaxpr(jaxaug.augment)(jax.random.key(0), images, config).jaxpr)
    assert ("scan", False) in found  # the prefilter loop
    assert ("gather", False) in found and ("gather", True) not in found
