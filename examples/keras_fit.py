"""Keras 3 `fit` from an image directory through jaxaug.grain (augmentation on the device).

Usage: python examples/keras_fit.py [--data DIR] [--epochs 3] [--size 32]

Without --data it draws a small shapes dataset (examples/shapes.py) into a temp folder.
Each epoch is reshuffled and re-augmented; batches reach Keras as jax.Arrays.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"  # a JAX-backend script: set before keras is imported

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

import jaxaug  # noqa: E402
import jaxaug.grain  # noqa: E402
import jaxaug.keras  # noqa: E402

AUGMENT = jaxaug.AugmentConfig(
    rotation_range=40,
    width_shift_range=0.25,
    height_shift_range=0.25,
    zoom_range=0.15,
    horizontal_flip=True,
    fill_mode="nearest",
)


def build_model(input_shape: tuple[int, int, int], num_classes: int, seed: int = 0) -> keras.Model:
    """A small CNN: three conv-batchnorm-relu-pool blocks, global pooling, softmax."""
    keras.utils.set_random_seed(seed)

    def block(filters):
        return [
            keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),  # short runs: let the statistics settle
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(),
        ]

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            *block(16),
            *block(32),
            *block(32),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def loaders(train_dir, val_dir=None, *, augment, size, batch_size=32, seed=0):
    """Training and validation loaders; without ``val_dir``, a 20% per-class split of ``train_dir``."""
    common = dict(seed=seed, target_size=(size, size), batch_size=batch_size, rescale=1 / 255)
    if val_dir is None:
        train = jaxaug.grain.flow_from_directory(
            train_dir, augment=augment, validation_split=0.2, subset="training", **common
        )
        val = jaxaug.grain.flow_from_directory(
            train_dir, shuffle=False, validation_split=0.2, subset="validation", **common
        )
    else:
        train = jaxaug.grain.flow_from_directory(train_dir, augment=augment, **common)
        val = jaxaug.grain.flow_from_directory(val_dir, shuffle=False, **common)
    return train, val


def reset(model: keras.Model, state=None):
    """Returns the model's full state (weights and optimizer); with ``state``, restores it first.

    Restoring instead of building a new model reuses the compiled train step (no recompile)
    and starts every run from exactly the same initial weights.
    """
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    variables = model.weights + model.optimizer.variables
    if state is not None:
        for variable, value in zip(variables, state):
            variable.assign(value)
    return [np.array(v.value) for v in variables]


def train_and_evaluate(train, val, *, epochs: int, seed: int = 0, model=None, verbose="auto") -> dict:
    """Fits ``model`` (default: a new ``build_model``) on ``train``, validating on ``val``; returns metrics."""
    if model is None:
        size = train.source.decode.target_size
        model = build_model(size + (train.source.decode.channels,), train.num_classes, seed)
    history = model.fit(**jaxaug.keras.fit_kwargs(train, validation_data=val), epochs=epochs, verbose=verbose)
    loss, accuracy = model.evaluate(**jaxaug.keras.eval_kwargs(val), verbose=0)
    return {"history": history.history, "val_loss": float(loss), "val_accuracy": float(accuracy)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with one sub-folder per class (default: generated shapes)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--size", type=int, default=32, help="images are resized to size x size")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--per-class", type=int, default=60, help="generated images per class")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    jaxaug.keras.check_backend()  # a clear error if KERAS_BACKEND is not jax
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from shapes import write_shapes

            data = write_shapes(os.path.join(tmp, "shapes"), per_class=args.per_class, size=args.size)
        train, val = loaders(data, augment=AUGMENT, size=args.size, batch_size=args.batch_size, seed=args.seed)
        print(f"{train.samples} training / {val.samples} validation images, classes {train.class_indices}")
        result = train_and_evaluate(train, val, epochs=args.epochs, seed=args.seed)
    print(f"validation accuracy: {result['val_accuracy']:.3f}")
    return result


if __name__ == "__main__":
    main()
