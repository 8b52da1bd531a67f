"""jaxaug's Keras 3 layers (RandomAffine, RandomColor) on the JAX backend.

Oracles: ``jaxaug.augment`` with the key Keras's ``SeedGenerator`` documents for the
n-th draw (its state ``[seed, n]``), Keras's own ``ops.image.affine_transform`` for the
fill-mode names, a real ``model.fit``, a real ``.keras`` save/load and a real grain map.
"""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import jaxaug
from jaxaug._src import keras_layers
from jaxaug._src.keras_layers import RandomAffine, RandomColor
from tests.helpers import assert_close

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEOMETRY = dict(rotation_range=30, width_shift_range=0.1, zoom_range=0.2, horizontal_flip=True, vertical_flip=True)
# One layer setting and its core twin, shared by the tests so the jitted functions compile once.
LAYER_KW = dict(**GEOMETRY, shear_range=10, fill_mode="constant", fill_value=7, interpolation="nearest")
CORE = jaxaug.AugmentConfig(**GEOMETRY, shear_range=10, fill_mode="grid-constant", cval=7, interpolation_order=0)
ORACLE = jax.jit(jaxaug.augment, static_argnames="config")  # the core, jitted (eager == jit is tested in the core)


def images(shape=(4, 8, 8, 3), dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, shape).astype(dtype)


def seed_key(seed: int, n: int) -> jax.Array:
    """The key Keras's SeedGenerator(seed) hands out on its n-th draw: its state [seed, n]."""
    return jnp.array([seed, n], jnp.uint32)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_identity_unless_training(dtype):
    x = images(dtype=dtype)
    layer = RandomAffine(**LAYER_KW, seed=1)
    for out in (layer(x), layer(x, training=False)):
        np.testing.assert_array_equal(np.asarray(out), x)
        assert out.dtype == dtype
    assert np.asarray(layer.seed_generator.state.value).tolist() == [1, 0]  # no key drawn


@pytest.mark.parametrize(
    ("dtype", "layer_kw", "core"),
    [
        (np.uint8, LAYER_KW, CORE),
        (np.float32, GEOMETRY, jaxaug.AugmentConfig(**GEOMETRY, fill_mode="reflect", interpolation_order=1)),
    ],
    ids=["uint8-nearest-constant", "float32-bilinear-reflect"],
)
def test_training_equals_core_augment_with_the_seed_generator_key(dtype, layer_kw, core):
    x = images(dtype=dtype)
    layer = RandomAffine(**layer_kw, seed=11)
    assert layer.augment_config == core  # the documented name mapping
    outs = []
    for n in range(3):
        out = layer(x, training=True)
        assert out.dtype == dtype and out.shape == x.shape
        assert_close(out, ORACLE(seed_key(11, n), x, config=core), dtype=dtype)
        outs.append(np.asarray(out))
    assert not np.array_equal(outs[0], outs[1])  # fresh key per call
    assert not np.array_equal(outs[0], x)


def test_single_image():
    x = images()
    layer = RandomAffine(**LAYER_KW, seed=2)
    out = layer(x[0], training=True)
    assert out.shape == x.shape[1:]
    assert_close(out, ORACLE(seed_key(2, 0), x[:1], config=CORE)[0], dtype=np.uint8)


def test_random_color_equals_core_augment():
    x = images()
    layer = RandomColor(channel_shift_range=40.0, brightness_range=(0.6, 1.4), seed=4)
    config = jaxaug.AugmentConfig(channel_shift_range=40.0, brightness_range=(0.6, 1.4))
    assert layer.augment_config == config
    out = layer(x, training=True)
    assert_close(out, ORACLE(seed_key(4, 0), x, config=config), dtype=np.uint8)
    assert not np.array_equal(np.asarray(out), x)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)


@pytest.mark.parametrize("keras_mode", sorted(keras_layers.KERAS_FILL_MODES))
def test_fill_mode_names_mean_what_they_mean_in_keras(keras_mode):
    # Oracle: Keras 3's own affine_transform (what RandomRotation & co. run) with the same matrix.
    x = images(shape=(7, 9, 3), dtype=np.float32)
    m = jaxaug.center_matrix(
        jaxaug.compose(jaxaug.rotation_matrix(0.5), jaxaug.zoom_matrix(1.4, 1.3), jaxaug.translation_matrix(2.0, -3.0)),
        x.shape,
    )
    m = np.asarray(m, np.float64)
    # Keras's transform maps output (x=col, y=row) to input (x, y): [a0, a1, a2, b0, b1, b2, 0, 0].
    transform = np.array([m[1, 1], m[1, 0], m[1, 2], m[0, 1], m[0, 0], m[0, 2], 0, 0], np.float32)
    with jax.numpy_dtype_promotion("standard"):  # Keras's own einsum mixes int32 and float32
        expected = keras.ops.image.affine_transform(
            x, transform, interpolation="bilinear", fill_mode=keras_mode, fill_value=5.0, data_format="channels_last"
        )
    mode = keras_layers.KERAS_FILL_MODES[keras_mode]
    actual = jaxaug.affine_transform(x, m.astype(np.float32), order=1, mode=mode, cval=5.0)
    assert_close(actual, expected, atol=1e-3)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="channels_last"):
        RandomAffine(data_format="channels_first")
    with pytest.raises(ValueError, match="interpolation.*bicubic"):
        RandomAffine(interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode.*edge"):
        RandomAffine(fill_mode="edge")
    with pytest.raises(ValueError, match="rotation_range"):
        RandomAffine(rotation_range=-1)
    with pytest.raises(TypeError, match="seed"):
        RandomAffine(seed=1.5)
    with pytest.raises(ValueError, match="brightness_range"):
        RandomColor(brightness_range=(2.0, 1.0))
    with pytest.raises(ValueError, match=r"\(H, W, C\) or \(B, H, W, C\).*\(4, 5\)"):
        RandomAffine(rotation_range=10)(np.zeros((4, 5), np.float32), training=True)


def test_channels_first_global_setting_is_refused():
    previous = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_last"):
            RandomAffine()
    finally:
        keras.config.set_image_data_format(previous)


def test_non_jax_backend_gets_a_clear_error():
    code = "from jaxaug._src.keras_layers import RandomAffine\nRandomAffine()"
    env = {**os.environ, "KERAS_BACKEND": "numpy"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "RuntimeError" in proc.stderr and "KERAS_BACKEND=jax" in proc.stderr, proc.stderr[-2000:]


# Keras 3.15's Variable.numpy() calls np.array(self) on a class whose __array__ lacks numpy 2's `copy` keyword.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_functional_uint8_model_save_and_load_round_trip(tmp_path):
    inputs = keras.Input((8, 8, 3), dtype="uint8")
    affine = RandomAffine(**LAYER_KW, seed=7)
    color = RandomColor(brightness_range=(0.8, 1.2), seed=8)
    augmented = color(affine(inputs))
    assert augmented.dtype == "uint8"  # symbolic dtype follows the input
    x = keras.layers.Rescaling(1 / 255)(augmented)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    got = {type(layer).__name__: layer for layer in loaded.layers}
    new_affine, new_color = got["RandomAffine"], got["RandomColor"]
    assert new_affine.get_config() == affine.get_config()
    assert new_color.get_config() == color.get_config()
    assert new_affine.augment_config == affine.augment_config == CORE
    assert new_color.augment_config == color.augment_config
    data = images()
    np.testing.assert_allclose(loaded(data, training=False), model(data, training=False), rtol=1e-6)

    # The reloaded layer draws [seed, 0] first: the core's output with that key.
    assert_close(new_affine(data, training=True), ORACLE(seed_key(7, 0), data, config=CORE), dtype=np.uint8)


def test_in_a_grain_map_outside_the_model():
    import grain

    x = images(shape=(8, 8, 8, 3))
    layer = RandomAffine(**LAYER_KW, seed=9)
    ds = grain.MapDataset.source(x).batch(4).map(lambda batch: np.asarray(layer(batch, training=True)))
    batches = [ds[i] for i in range(len(ds))]  # sequential access: the n-th batch draws key [9, n]
    for n, batch in enumerate(batches):
        assert isinstance(batch, np.ndarray) and batch.dtype == np.uint8
        assert_close(batch, ORACLE(seed_key(9, n), x[4 * n : 4 * n + 4], config=CORE), dtype=np.uint8)


# The example saves and reloads its model: same Keras 3.15 / numpy 2 DeprecationWarning as above.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_keras_layer_example_runs():
    import importlib.util

    path = os.path.join(ROOT, "examples", "keras_layer.py")
    spec = importlib.util.spec_from_file_location("example_keras_layer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # A Sequential model with RandomAffine -> RandomColor -> CNN, fit for 1 epoch of 2 steps on uint8 input.
    result = module.main(["--epochs", "1", "--size", "12", "--samples", "64"])
    assert np.isfinite(result["loss"][0])
    assert result["outside_model_dtype"] == np.uint8 and result["reloaded_same"]
    model, x_val = result["model"], result["x_val"]
    affine, color = model.layers[0], model.layers[1]
    assert isinstance(affine, RandomAffine) and isinstance(color, RandomColor)
    # Each of the 2 jitted train steps drew its own key (the state is threaded through jit);
    # the example's one call outside the model drew one more for RandomAffine.
    assert np.asarray(affine.seed_generator.state.value).tolist() == [0, 3]
    assert np.asarray(color.seed_generator.state.value).tolist() == [1, 2]
    # Inference (predict) skips both layers: the same as the layers after them on the raw input.
    tail = keras.Sequential(model.layers[2:])
    np.testing.assert_allclose(model.predict(x_val, verbose=0), tail(x_val), rtol=1e-5, atol=1e-6)
