"""The catalogue's Keras layers: thin doors over the engine, policies and mixing, saved and loaded."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import jaxaug
from jaxaug._src.keras_layers import (
    AugMix,
    CutMix,
    MixUp,
    RandAugment,
    RandomAugment,
    RandomColorJitter,
    RandomElastic,
    RandomErasing,
    RandomPerspective,
    RandomResizedCrop,
    TrivialAugment,
)

ENGINE = jax.jit(jaxaug.augment)
CONFIG = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True, brightness_range=(0.8, 1.2))


def images(shape=(4, 8, 8, 3), dtype=np.uint8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(dtype)


def seed_key(seed: int, n: int) -> jax.Array:
    """The key Keras's SeedGenerator(seed) hands out on its n-th draw: its state [seed, n]."""
    return jnp.array([seed, n], jnp.uint32)


def test_random_augment_is_the_engine_with_the_seed_generator_key():
    layer = RandomAugment(CONFIG, seed=3)
    x = images()
    np.testing.assert_array_equal(layer(x, training=True), jaxaug.augment(seed_key(3, 0), x, CONFIG))
    np.testing.assert_array_equal(layer(x, training=True), jaxaug.augment(seed_key(3, 1), x, CONFIG))
    np.testing.assert_array_equal(layer(x), x)  # identity at inference
    assert RandomAugment(**{"rotation_range": 20, "zoom_range": 0.1}, seed=0).augment_config.zoom_range == (0.9, 1.1)


def test_mixing_layers_equal_the_functions_and_keep_dtypes():
    x = images()
    labels = np.eye(4, dtype=np.float32)
    out = MixUp(alpha=0.4, seed=5)({"images": x, "labels": labels}, training=True)
    want_x, want_y = jaxaug.mixup(seed_key(5, 0), x, labels, alpha=0.4)
    np.testing.assert_array_equal(out["images"], want_x)
    np.testing.assert_array_equal(out["labels"], want_y)
    assert out["images"].dtype == np.uint8
    cut = CutMix(alpha=1.0, seed=6)(x, training=True)
    np.testing.assert_array_equal(cut, jaxaug.cutmix(seed_key(6, 0), x, np.zeros((4, 1), np.float32), alpha=1.0)[0])
    assert cut.dtype == np.uint8
    np.testing.assert_array_equal(MixUp(alpha=0.4)(x), x)


def _every_layer():
    return [
        RandomResizedCrop(output_size=(8, 8), crop_scale=(0.3, 1.0), seed=1),
        RandomPerspective(perspective_range=0.3, seed=2),
        RandomElastic(elastic_alpha=2.0, elastic_sigma=2.0, seed=3),
        RandomColorJitter(contrast_range=(0.6, 1.4), hue_range=(-0.1, 0.1), seed=4),
        RandomErasing(erasing_probability=0.5, seed=5),
        RandAugment(num_ops=2, magnitude=9, seed=6),
        TrivialAugment(seed=7),
        AugMix(severity=2, width=2, seed=8),
        RandomAugment(CONFIG, seed=9),
        MixUp(alpha=0.2, seed=10),
        CutMix(alpha=1.0, probability=0.5, seed=11),
    ]


def test_preset_layers_are_the_engine_with_their_config():
    x = images((4, 10, 12, 3))
    for layer, config in [
        (RandomPerspective(perspective_range=0.3, seed=2), jaxaug.AugmentConfig(perspective_range=0.3)),
        (RandomColorJitter(hue_range=(-0.1, 0.1), seed=4), jaxaug.AugmentConfig(hue_range=(-0.1, 0.1))),
        (RandomErasing(erasing_probability=0.5, seed=5), jaxaug.AugmentConfig(erasing_probability=0.5)),
    ]:
        assert layer.augment_config == config
        # The layer runs the jitted engine: compare with the same program (eager rounds a last bit differently).
        np.testing.assert_array_equal(layer(x, training=True), ENGINE(seed_key(layer.seed, 0), x, config))
        np.testing.assert_array_equal(layer(x), x)


def test_policy_layers_draw_per_example_and_keep_dtypes():
    x = images((4, 10, 12, 3))
    for layer, fn in [
        (RandAugment(num_ops=2, magnitude=9, seed=6), lambda k: jaxaug.rand_augment(k, x, num_ops=2, magnitude=9)),
        (TrivialAugment(seed=7), lambda k: jaxaug.trivial_augment(k, x)),
        (AugMix(severity=2, width=2, seed=8), lambda k: jaxaug.augmix(k, x, severity=2, width=2)),
    ]:
        out = layer(x, training=True)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, fn(seed_key(layer.seed, 0)))
        np.testing.assert_array_equal(layer(x), x)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: AugMix(severity=11), ValueError, r"`severity` must be an int in \[1, 10\], got 11"),
        (lambda: RandAugment(ops=["rotate", "bogus"]), ValueError, "ops.*bogus"),
        (lambda: TrivialAugment(mode="edge"), ValueError, "mode.*edge"),
    ],
)
def test_policy_layers_reject_bad_arguments_at_construction_without_compiling(make, error, match):
    compiled = []

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiled.append(kwargs.get("fun_name", "?"))

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        with pytest.raises(error, match=match):
            make()
        AugMix(severity=2, width=2, seed=0)  # a valid layer: its arguments are checked by tracing, not compiling
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    policies = ("_augmix", "_rand_augment", "_trivial_augment")
    assert not [name for name in compiled if any(p in name for p in policies)], compiled  # a policy takes 2-6 s


def test_resized_crop_layer_resizes_at_inference():
    layer = RandomResizedCrop(output_size=(6, 5), seed=0)
    x = images((2, 12, 10, 3)).astype(np.float32)
    np.testing.assert_allclose(layer(x), jax.vmap(lambda i: jaxaug.resize(i, (6, 5)))(x), atol=1e-4)
    assert layer(x, training=True).shape == (2, 6, 5, 3)


# Keras 3.15's Variable.numpy() calls np.array(self) on a class whose __array__ lacks numpy 2's `copy` keyword.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_model_with_every_layer_saves_and_loads(tmp_path):
    inputs = keras.Input((10, 12, 3), dtype="uint8")
    layers = _every_layer()
    x = inputs
    for layer in layers:
        x = layer(x)
    assert x.dtype == "uint8" and tuple(x.shape) == (None, 8, 8, 3)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(x)))
    model = keras.Model(inputs, outputs)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    data = images((4, 10, 12, 3))
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    by_name = {type(layer).__name__: layer for layer in loaded.layers}
    for layer in layers:
        assert by_name[type(layer).__name__].get_config() == layer.get_config(), type(layer).__name__
    assert by_name["RandomAugment"].augment_config == CONFIG
    # The reloaded layers train like the originals: same seeds, same draws.
    for layer in layers[:9]:
        reloaded = by_name[type(layer).__name__]
        np.testing.assert_array_equal(reloaded(data, training=True), layer(data, training=True))
