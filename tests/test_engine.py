"""The one engine: key streams, traced strengths, one draw for pixels and targets, exact integers."""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxaug
from jaxaug._src import sampling

SHAPE = (20, 24, 3)


@contextlib.contextmanager
def count_compiles():
    """Counts XLA backend compiles while the block runs (a list holding one int)."""
    count = [0]

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            count[0] += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield count
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


# ---------------------------------------------------------------- per-field key streams


def test_each_family_draws_from_its_documented_stream():
    """The contract, rebuilt from jax.random alone: family f uses fold_in(key, FIELD_IDS[f])."""
    key = jax.random.key(11)
    config = jaxaug.AugmentConfig(
        rotation_range=20,
        height_shift_range=0.1,
        width_shift_range=3,
        shear_range=10,
        zoom_range=(0.8, 1.2),
        horizontal_flip=True,
        vertical_flip=True,
        channel_shift_range=5,
        brightness_range=(0.5, 1.5),
    )
    p = jaxaug.sample_params(key, SHAPE, config)

    def stream(i):
        return jax.random.fold_in(key, i)

    f32 = jnp.float32
    assert p.theta == jnp.deg2rad(jax.random.uniform(stream(1), (), f32, -20, 20))
    assert p.dy == jax.random.uniform(stream(2), (), f32, -0.1, 0.1) * SHAPE[0]
    assert p.dx == jax.random.uniform(stream(3), (), f32, -3, 3)
    assert p.shear == jnp.deg2rad(jax.random.uniform(stream(4), (), f32, -10, 10))
    np.testing.assert_array_equal([p.zy, p.zx], jax.random.uniform(stream(5), (2,), f32, 0.8, 1.2))
    assert p.flip_horizontal == jax.random.bernoulli(stream(6))
    assert p.flip_vertical == jax.random.bernoulli(stream(7))
    np.testing.assert_array_equal(p.channel_shift, jax.random.uniform(stream(8), (3,), f32, -5, 5))
    assert p.brightness == jax.random.uniform(stream(9), (), f32, 0.5, 1.5)
    expected_ids = {
        "rotation": 1,
        "height_shift": 2,
        "width_shift": 3,
        "shear": 4,
        "zoom": 5,
        "horizontal_flip": 6,
        "vertical_flip": 7,
        "channel_shift": 8,
        "brightness": 9,
        "crop": 10,
        "perspective": 11,
        "elastic": 12,
        "rotate90": 13,
        "contrast": 20,
        "saturation": 21,
        "hue": 22,
        "gamma": 23,
        "sharpness": 24,
        "grayscale": 25,
        "autocontrast": 26,
        "equalize": 27,
        "solarize": 28,
        "posterize": 29,
        "blur": 30,
        "blur_sigma": 31,
        "noise": 32,
        "erasing": 33,
        "erasing_box": 34,
        "erasing_value": 35,
    }
    assert sampling.FIELD_IDS == expected_ids  # ids are a contract: never renumber, only add
    assert len(set(sampling.FIELD_IDS.values())) == len(sampling.FIELD_IDS)


def test_golden_values_pin_the_streams():
    """Literal values for jax.random.key(0): an accidental change of the stream contract fails here."""
    config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=(0.8, 1.2), horizontal_flip=True)
    p = jaxaug.sample_params(jax.random.key(0), SHAPE, config)
    np.testing.assert_allclose(float(np.rad2deg(p.theta)), -19.7082462310791, rtol=1e-6)
    np.testing.assert_allclose([float(p.zy), float(p.zx)], [1.095224142074585, 1.0501444339752197], rtol=1e-6)
    assert not bool(p.flip_horizontal)


@pytest.mark.parametrize(
    "extra",
    [
        {"shear_range": 10.0},
        {"width_shift_range": 0.2, "height_shift_range": 2.0},
        {"channel_shift_range": 5.0, "brightness_range": (0.5, 1.5)},
        {"rotation_range": 0.0},
    ],
)
def test_switching_a_family_on_never_changes_the_others(extra):
    base = jaxaug.AugmentConfig(
        rotation_range=20, zoom_range=0.2, horizontal_flip=True, vertical_flip=True, brightness_range=(0.9, 1.1)
    )
    keys = jax.random.split(jax.random.key(3), 64)
    draw = jax.vmap(lambda k, c: jaxaug.sample_params(k, SHAPE, c), in_axes=(0, None))
    a, b = draw(keys, base), draw(keys, base.replace(**extra))
    for name in ("theta", "zy", "zx", "flip_horizontal", "flip_vertical", "brightness"):
        if name == "theta" and extra.get("rotation_range") == 0.0:
            continue
        if name == "brightness" and "brightness_range" in extra:
            continue
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# ---------------------------------------------------------------- static structure, traced strengths


def test_strength_schedule_never_recompiles():
    step = jax.jit(jaxaug.augment)
    images = np.zeros((2, 12, 12, 3), np.float32)
    config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, brightness_range=(0.9, 1.1), cval=0.0)
    step(jax.random.key(0), images, config).block_until_ready()
    before = step._cache_size()  # jit wrappers of one function share a cache: compare sizes
    with count_compiles() as compiles:
        for i, degrees in enumerate((21.0, 22.5, 25.0)):
            schedule = config.replace(rotation_range=degrees, zoom_range=(0.8, 1.0 + i / 10), cval=float(i))
            step(jax.random.key(i), images, schedule).block_until_ready()
    assert compiles[0] == 0
    assert step._cache_size() == before
    # Structure is static: switching an operation off is a new program (and the counter sees it).
    with count_compiles() as compiles:
        step(jax.random.key(0), images, config.replace(rotation_range=0.0)).block_until_ready()
    assert compiles[0] >= 1 and step._cache_size() == before + 1


def test_traced_strengths_take_effect():
    step = jax.jit(jaxaug.augment)
    ramp = np.tile(np.arange(12, dtype=np.float32), (1, 12, 1))[..., None]
    small = step(jax.random.key(1), ramp, jaxaug.AugmentConfig(rotation_range=1.0, fill_mode="reflect"))
    large = step(jax.random.key(1), ramp, jaxaug.AugmentConfig(rotation_range=40.0, fill_mode="reflect"))
    assert float(jnp.abs(small - ramp).max()) < float(jnp.abs(large - ramp).max())


def test_config_is_a_pytree_with_strength_leaves():
    config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True, fill_mode="reflect")
    leaves, tree = jax.tree.flatten(config)
    assert leaves == [20.0, 0.0, 0.0, 0.0, 0.9, 1.1, 0.0, 0.0]
    rebuilt = jax.tree.unflatten(tree, leaves)
    assert rebuilt == config and hash(rebuilt) == hash(config)
    assert rebuilt.ops == frozenset({"rotation", "zoom", "horizontal_flip"})


# ---------------------------------------------------------------- targets follow the same draw


def test_masks_move_exactly_like_an_order_0_image_of_large_int32_labels(rng):
    """Same draw, same matrix, values untouched: an int32 image and its masks agree bit for bit."""
    labels = rng.integers(2**24, 2**31 - 1, size=(4, 11, 13, 1)).astype(np.int32)
    config = jaxaug.AugmentConfig(
        rotation_range=30, shear_range=10, zoom_range=0.2, horizontal_flip=True, interpolation_order=0
    )
    out = jaxaug.augment_with_targets(jax.random.key(5), labels, config, masks=labels[..., 0], mask_fill=None)
    np.testing.assert_array_equal(out.masks, out.images[..., 0])
    assert set(np.unique(out.images)) <= set(np.unique(labels))  # moved, never changed


def test_keypoints_and_boxes_follow_flips_exactly(rng):
    config = jaxaug.AugmentConfig(horizontal_flip=True, vertical_flip=True)
    images = rng.uniform(size=(8, 10, 14, 1)).astype(np.float32)
    points = np.tile(np.array([[0.5, 0.5], [3.0, 7.25], [13.5, 9.5]], np.float32), (8, 1, 1))
    boxes = np.tile(np.array([[1.0, 2.0, 5.0, 9.0]], np.float32), (8, 1, 1))
    out = jaxaug.augment_with_targets(jax.random.key(2), images, config, keypoints=points, boxes=boxes)
    params = jax.vmap(lambda k: jaxaug.sample_params(k, images.shape[1:], config))(
        jaxaug.example_keys(jax.random.key(2), np.arange(8))
    )
    for i in range(8):
        fh, fv = bool(params.flip_horizontal[i]), bool(params.flip_vertical[i])
        x, y = points[i, :, 0], points[i, :, 1]
        expected = np.stack([14 - x if fh else x, 10 - y if fv else y], -1)
        np.testing.assert_array_equal(out.keypoints[i], expected)
        x0, y0, x1, y1 = boxes[i, 0]
        box = [14 - x1 if fh else x0, 10 - y1 if fv else y0, 14 - x0 if fh else x1, 10 - y0 if fv else y1]
        np.testing.assert_array_equal(out.boxes[i, 0], box)
        image = images[i][:, ::-1] if fh else images[i]
        np.testing.assert_array_equal(out.images[i], image[::-1] if fv else image)


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "grid-constant"])
def test_a_pixel_that_is_fill_in_the_image_is_mask_fill_in_the_mask(fill_mode):
    """The defect of 0.1.0: 588 of 15,360 pixels were fill in the image and kept a label in the mask."""
    config = jaxaug.AugmentConfig(
        rotation_range=30,
        width_shift_range=0.2,
        height_shift_range=0.2,
        zoom_range=(0.7, 1.3),
        fill_mode=fill_mode,
        cval=-1.0,
        interpolation_order=0,
    )
    images = np.ones((32, 20, 24, 1), np.float32)
    masks = np.ones((32, 20, 24), np.uint8)
    out = jaxaug.augment_with_targets(jax.random.key(9), images, config, masks=masks, mask_fill=255)
    assert (out.masks == 255).any() and (out.masks == 1).any()
    if fill_mode in ("constant", "grid-constant"):  # the fill is visible in the image: compare directly
        np.testing.assert_array_equal(out.images[..., 0] == -1.0, out.masks == 255)


def test_mask_fill_must_fit_the_masks_dtype():
    images = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match=r"`mask_fill`=300 does not fit masks of dtype uint8"):
        jaxaug.augment_with_targets(
            jax.random.key(0), images, jaxaug.AugmentConfig(), masks=np.zeros((1, 4, 4), np.uint8), mask_fill=300
        )


# ---------------------------------------------------------------- dtypes and bad input


def test_order_0_moves_large_int32_values_untouched():
    image = np.full((1, 5, 6, 1), 16_777_217, np.int32)
    image[0, 2, 3, 0] = 2**31 - 1
    config = jaxaug.AugmentConfig(rotation_range=1e-4, interpolation_order=0)
    np.testing.assert_array_equal(jaxaug.augment(jax.random.key(0), image, config), image)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint16, np.int8])
def test_every_integer_dtype_keeps_its_dtype_and_extremes(dtype):
    info = np.iinfo(dtype)
    image = np.array([info.min, info.max, 0, info.max // 2], dtype).reshape(1, 2, 2, 1)
    for order in (0, 1):
        config = jaxaug.AugmentConfig(horizontal_flip=True, rotation_range=1e-4, interpolation_order=order)
        out = np.asarray(jaxaug.augment(jax.random.key(1), image, config))
        assert out.dtype == dtype
        if order == 0:
            assert sorted(out.ravel()) == sorted(image.ravel())


def test_float64_without_x64_warns():
    with pytest.warns(UserWarning, match="float64 but JAX runs without x64"):
        out = jaxaug.augment(jax.random.key(0), np.zeros((1, 4, 4, 1)), jaxaug.AugmentConfig(rotation_range=5))
    assert out.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"zoom_range": (1.2, 0.8)}, r"`zoom_range` must satisfy lower <= upper"),
        ({"brightness_range": (1.5, 0.5)}, r"`brightness_range` must satisfy lower <= upper"),
    ],
)
def test_reversed_ranges_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        jaxaug.AugmentConfig(**kwargs)


@pytest.mark.parametrize("shape", [(1, 0, 5, 3), (1, 5, 0, 3), (1, 5, 5, 0)])
def test_empty_images_are_rejected(shape):
    with pytest.raises(ValueError, match=r"non-empty height, width and channels"):
        jaxaug.augment(jax.random.key(0), np.zeros(shape, np.float32), jaxaug.AugmentConfig(rotation_range=5))


# ---------------------------------------------------------------- batch-size invariance


@pytest.mark.optimized
@pytest.mark.parametrize("order, perspective", [(1, 0.0), (3, 0.0), (2, 0.3)])
def test_per_example_results_do_not_depend_on_the_batch_size(rng, order, perspective):
    """Spline orders on CPU prefilter 4 images per loop step (scratch per chunk), then sample the batch
    in one vmap: a batch of 1 takes the plain vmap, 7 a chunk and a remainder, 32 eight chunks; every
    image must come out the same, affine or perspective (whose coordinates are computed per batch)."""
    config = jaxaug.AugmentConfig(
        rotation_range=25,
        zoom_range=0.2,
        horizontal_flip=True,
        channel_shift_range=0.1,
        fill_mode="reflect",
        interpolation_order=order,
        perspective_range=perspective,
    )
    images = rng.uniform(size=(32, 9, 11, 3)).astype(np.float32)
    ids = np.arange(100, 132)
    step = jax.jit(jaxaug.augment)
    full = np.asarray(step(jax.random.key(4), images, config, example_ids=ids))
    for size in (1, 7):
        for start in range(0, 32 - size + 1, 9):
            part = step(jax.random.key(4), images[start : start + size], config, example_ids=ids[start : start + size])
            np.testing.assert_array_equal(np.asarray(part), full[start : start + size])


# ---------------------------------------------------------------- the grain door


def _write_pngs(root, count, size=(9, 11)):
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / ("a" if i % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(folder / f"{i:03d}.png")


def test_grain_loader_compiles_once_across_epochs_with_a_short_last_batch(tmp_path):
    import jaxaug.grain

    _write_pngs(tmp_path, 10)
    config = jaxaug.AugmentConfig(rotation_range=15, horizontal_flip=True)
    loader = jaxaug.grain.flow_from_directory(
        tmp_path, seed=1, augment=config, target_size=(9, 11), batch_size=4, num_epochs=2, read_threads=0
    )
    batches = iter(loader)
    first = next(batches)
    with count_compiles() as compiles:
        rest = list(batches)
    assert [len(b[0]) for b in [first, *rest]] == [4, 4, 2, 4, 4, 2]
    assert compiles[0] == 0


@pytest.mark.optimized
def test_grain_batches_give_each_example_the_same_result_at_any_batch_size(tmp_path):
    import jaxaug.grain

    _write_pngs(tmp_path, 7)
    config = jaxaug.AugmentConfig(rotation_range=15, zoom_range=0.1, horizontal_flip=True)

    def by_id(batch_size):
        loader = jaxaug.grain.flow_from_directory(
            tmp_path,
            seed=3,
            augment=config,
            target_size=(9, 11),
            batch_size=batch_size,
            num_epochs=1,
            read_threads=0,
            return_ids=True,
        )
        return {int(i): np.asarray(x) for images, _, ids in loader for x, i in zip(images, ids)}

    one, three, seven = by_id(1), by_id(3), by_id(7)
    assert sorted(one) == list(range(7))
    for i in range(7):
        np.testing.assert_array_equal(three[i], one[i])
        np.testing.assert_array_equal(seven[i], one[i])
