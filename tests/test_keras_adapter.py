"""jaxaug.keras: a real Keras 3 fit/evaluate/predict on the JAX backend fed by jaxaug.grain."""

from __future__ import annotations

import gc
import os

import jax
import keras
import numpy as np
import pytest
from PIL import Image

import jaxaug
import jaxaug.grain
import jaxaug.keras

CONFIG = jaxaug.AugmentConfig(rotation_range=30, zoom_range=0.2, horizontal_flip=True)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """2 classes x 8 PIL-written 10x10 images."""
    root = tmp_path_factory.mktemp("kerastree")
    rng = np.random.default_rng(1)
    for name in ("cats", "dogs"):
        os.makedirs(root / name)
        for i in range(8):
            Image.fromarray(rng.integers(0, 256, (10, 10, 3), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def loaders(tree, **kwargs):
    common = dict(seed=0, target_size=(8, 8), batch_size=4, validation_split=0.25, rescale=1 / 255)
    train = jaxaug.grain.flow_from_directory(tree, subset="training", augment=CONFIG, shuffle=False, **common)
    val = jaxaug.grain.flow_from_directory(tree, subset="validation", shuffle=False, **common)
    return train, val


class RecordingModel(keras.Sequential):
    """Records every training batch exactly as the JAX trainer hands it to the train step."""

    seen: list

    def make_train_function(self, force=False):
        super().make_train_function(force)
        inner, seen = self.train_function, self.seen

        class Recorder:
            def __init__(self, iterator):
                self.iterator = iterator

            def __next__(self):
                batch = next(self.iterator)
                seen.append(batch)
                return batch

        self.train_function = lambda state, iterator: inner(state, Recorder(iterator))


def test_fit_two_epochs_gets_fresh_device_batches(tree):
    train, val = loaders(tree)
    assert len(train) == 3 and len(val) == 1  # 12 training images, 4 held out
    keras.utils.set_random_seed(0)
    layers = [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")]
    model = RecordingModel(layers)
    model.seen = []
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(**jaxaug.keras.fit_kwargs(train, validation_data=val), epochs=2, verbose=0)

    assert all(np.isfinite(history.history["loss"])) and len(history.history["val_loss"]) == 2
    assert len(model.seen) == 2 * len(train)
    for images, labels in model.seen:
        assert isinstance(images, jax.Array) and isinstance(labels, jax.Array)
    # Keras got exactly the loader's stream: epoch e of fit is epoch e of the loader.
    it = iter(train)
    expected = [next(it) for _ in range(2 * len(train))]
    it.close()
    for (x, y), (want_x, want_y) in zip(model.seen, expected):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(want_x))
        np.testing.assert_array_equal(np.asarray(y), np.asarray(want_y))
    # shuffle=False: same files in the same order, yet new augmentation in epoch 2.
    np.testing.assert_array_equal(np.asarray(model.seen[0][1]), np.asarray(model.seen[3][1]))
    assert not np.array_equal(np.asarray(model.seen[0][0]), np.asarray(model.seen[3][0]))

    loss, accuracy = model.evaluate(**jaxaug.keras.eval_kwargs(val), verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    predictions = model.predict(**jaxaug.keras.eval_kwargs(val), verbose=0)
    assert predictions.shape == (val.samples, val.num_classes)
    del it, model
    gc.collect()


def test_fit_kwargs_shapes_and_resume(tree):
    train, val = loaders(tree)
    kwargs = jaxaug.keras.fit_kwargs(train, validation_data=val)
    assert kwargs["steps_per_epoch"] == len(train) and kwargs["validation_steps"] == len(val)
    assert kwargs["shuffle"] is False and kwargs["x"] is train.dataset and kwargs["validation_data"] is val.dataset
    assert jaxaug.keras.eval_kwargs(val) == {"x": val.dataset, "steps": len(val)}
    # Resuming at epoch 1 starts with the loader's first batch of epoch 1.
    resumed = jaxaug.keras.fit_kwargs(train, initial_epoch=1)
    assert resumed["initial_epoch"] == 1
    it, full = iter(resumed["x"]), iter(train)
    want = [next(full) for _ in range(len(train) + 1)][-1]
    got = next(it)
    np.testing.assert_array_equal(np.asarray(got[0]), np.asarray(want[0]))
    it.close()
    full.close()


def test_pydataset_and_grain_datasets_pass_through():
    class Tiny(keras.utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.zeros((2, 4), np.float32), np.zeros((2,), np.float32)

    data = Tiny()
    assert jaxaug.keras.as_keras_dataset(data) is data
    assert jaxaug.keras.fit_kwargs(data) == {"x": data, "shuffle": False}
    import grain

    ds = grain.MapDataset.range(3)
    assert jaxaug.keras.as_keras_dataset(ds) is ds
    with pytest.raises(TypeError, match="jaxaug.grain loader"):
        jaxaug.keras.as_keras_dataset(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="start_epoch"):
        jaxaug.keras.as_keras_dataset(data, start_epoch=1)


def test_other_backend_is_a_clear_error(monkeypatch, tree):
    train, _ = loaders(tree)
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=jax"):
        jaxaug.keras.fit_kwargs(train)
