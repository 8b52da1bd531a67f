"""jaxaug's fused Keras 3 layers inside a small model (JAX backend).

``RandomAffine`` does rotation + shift + zoom + flips with ONE resample per image (the
Keras chain ``RandomRotation -> RandomTranslation -> RandomZoom -> RandomFlip`` does
three), and ``RandomColor`` adds brightness / channel shift without a resample. Both
augment only in training mode: ``fit`` re-randomises them every step (their seed
generator state lives in the jitted train step), ``predict``/``evaluate`` skip them.

The script trains a tiny CNN on synthetic bars (horizontal vs vertical) fed as uint8,
then shows the same layer called on a plain numpy batch outside the model (what
"dataset.map" means on the JAX backend), and saves and reloads the model.

Usage: KERAS_BACKEND=jax python examples/keras_layer.py [--epochs 3] [--size 24] [--samples 256]
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # must happen before keras is imported

import argparse  # noqa: E402
import tempfile  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

import jaxaug.keras  # noqa: E402
from jaxaug.keras import RandomAffine, RandomColor  # noqa: E402  (also registers them for load_model)


def bars(samples: int, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 ``(N, S, S, 3)`` images of one bright bar; label 0 = horizontal, 1 = vertical."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, (samples, size, size, 3), dtype=np.uint8)
    labels = rng.integers(0, 2, samples)
    for i, label in enumerate(labels):
        at = rng.integers(size // 4, 3 * size // 4)
        length = slice(size // 6, size - size // 6)
        if label == 0:
            images[i, at - 1 : at + 1, length] = 230
        else:
            images[i, length, at - 1 : at + 1] = 230
    return images, labels


def build_model(size: int, seed: int = 0) -> keras.Model:
    """uint8 images in; the two jaxaug layers first, then a tiny CNN."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((size, size, 3), dtype="uint8"),
            RandomAffine(
                rotation_range=15,  # degrees: a bar stays horizontal or vertical enough to keep its label
                width_shift_range=0.15,
                height_shift_range=0.15,
                zoom_range=0.1,
                horizontal_flip=True,
                vertical_flip=True,
                fill_mode="reflect",
                seed=seed,
            ),  # still uint8: one fused resample, rounded back
            RandomColor(brightness_range=(0.7, 1.3), seed=seed + 1),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(8, 5, activation="relu"),  # a bar detector is enough here
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    jaxaug.keras.check_backend()  # says how to fix it if KERAS_BACKEND is not jax

    x, y = bars(args.samples, args.size, args.seed)
    x_val, y_val = bars(max(8, args.samples // 4), args.size, args.seed + 1)
    model = build_model(args.size, args.seed)
    history = model.fit(x, y, batch_size=32, epochs=args.epochs, validation_data=(x_val, y_val), verbose=2)

    # Outside the model (e.g. in a data pipeline): call the layer on a numpy batch with training=True.
    affine = next(layer for layer in model.layers if isinstance(layer, RandomAffine))
    augmented = np.asarray(affine(x[:8], training=True))
    changed = not np.array_equal(augmented, x[:8])
    print(f"Layer on a numpy batch: {augmented.shape} {augmented.dtype}, changed: {changed}")

    # Save and reload: the layers serialise with their settings.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
    same = np.allclose(loaded(x_val, training=False), model(x_val, training=False), atol=1e-6)
    print(f"Reloaded model predicts the same: {same}")
    return {
        "model": model,
        "x_val": x_val,
        "loss": history.history["loss"],
        "val_accuracy": history.history["val_accuracy"][-1],
        "outside_model_dtype": augmented.dtype,
        "reloaded_same": same,
    }


if __name__ == "__main__":
    main()
