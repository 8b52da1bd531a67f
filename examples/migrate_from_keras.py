"""Migrating from Keras `ImageDataGenerator.flow_from_directory` to jaxaug, in two steps.

Usage: python examples/migrate_from_keras.py [--data DIR]

Step 1, a one-line change: import ImageDataGenerator from `jaxaug.preprocessing.image`
instead of Keras; the iterators are Keras PyDatasets, so `model.fit(iterator)` (or
`model.fit(**jaxaug.keras.fit_kwargs(iterator))`) keeps working.

Step 2, the grain loader: the augmentation arguments keep their Keras names in
`jaxaug.AugmentConfig`, the rest become `jaxaug.grain.flow_from_directory` arguments.
Both list the same files with the same labels.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"  # a JAX-backend script: set before keras is imported

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import jaxaug  # noqa: E402
import jaxaug.grain  # noqa: E402

# Arguments you used to give ImageDataGenerator: the augmentation part...
AUGMENTATION = dict(
    rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.1, horizontal_flip=True
)
# ...and the rest.
OTHER = dict(rescale=1 / 255, validation_split=0.2)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with one sub-folder per class (default: generated shapes)")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--per-class", type=int, default=10)
    args = parser.parse_args(argv)
    target_size = (args.size, args.size)

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from shapes import write_shapes

            data = write_shapes(os.path.join(tmp, "shapes"), per_class=args.per_class, size=args.size)

        # Step 1: before, `from keras.preprocessing.image import ImageDataGenerator`.
        from jaxaug.preprocessing.image import ImageDataGenerator

        generator = ImageDataGenerator(**AUGMENTATION, **OTHER)
        old = generator.flow_from_directory(
            data, target_size=target_size, batch_size=args.batch_size, subset="training", seed=0
        )
        x_old, y_old = old[0]

        # Step 2: the grain loader, augmenting on the device.
        new = jaxaug.grain.flow_from_directory(
            data,
            seed=0,
            augment=jaxaug.AugmentConfig(**AUGMENTATION),
            target_size=target_size,
            batch_size=args.batch_size,
            subset="training",
            **OTHER,
        )
        iterator = iter(new)
        x_new, y_new = next(iterator)
        iterator.close()

    same = list(old.filenames) == list(new.filenames) and list(old.classes) == list(new.classes)
    print(f"drop-in: {len(old)} batches of {x_old.shape} {x_old.dtype}, labels {y_old.shape}")
    print(f"grain:   {len(new)} batches of {x_new.shape} {x_new.dtype} ({type(x_new).__name__}), labels {y_new.shape}")
    print(f"same files and labels: {same}")
    return {"same_files": same, "old_batch": (x_old.shape, y_old.shape), "new_batch": (x_new.shape, y_new.shape)}


if __name__ == "__main__":
    main()
