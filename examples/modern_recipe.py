"""A modern recipe through grain + Keras 3: random resized crop, RandAugment and CutMix, all on the device.

Usage: python examples/modern_recipe.py [--data DIR] [--epochs 3] [--size 32]

Without --data it draws a small shapes dataset (examples/shapes.py) into a temp folder. The
loader crops and resizes each image (one resample, with a flip), runs RandAugment per example
(its own two ops), rescales, then CutMix with one-hot labels; Keras trains on it through
``jaxaug.keras.fit_kwargs`` and the script prints the validation accuracy.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"  # a JAX-backend script: set before keras is imported

import argparse  # noqa: E402
import functools  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import jaxaug  # noqa: E402
import jaxaug.grain  # noqa: E402
import jaxaug.keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_fit import build_model  # noqa: E402
from shapes import write_shapes  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with one sub-folder per class (default: generated shapes)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--size", type=int, default=32, help="training images are size x size crops")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--per-class", type=int, default=60, help="generated images per class")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    jaxaug.keras.check_backend()
    size = (args.size, args.size)
    crop = jaxaug.AugmentConfig(crop_scale=(0.35, 1.0), output_size=size, horizontal_flip=True)
    common = dict(seed=args.seed, batch_size=args.batch_size, rescale=1 / 255, validation_split=0.2)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or write_shapes(os.path.join(tmp, "shapes"), per_class=args.per_class, size=args.size + 8)
        train = jaxaug.grain.flow_from_directory(
            data,
            subset="training",
            target_size=(args.size + 8, args.size + 8),  # decoded a little larger: the crop picks a region
            augment=crop,
            policy=functools.partial(jaxaug.rand_augment, num_ops=2, magnitude=5),
            cutmix_alpha=1.0,
            mix_probability=0.5,
            **common,
        )
        val = jaxaug.grain.flow_from_directory(data, subset="validation", target_size=size, shuffle=False, **common)
        print(f"{train.samples} training / {val.samples} validation images, classes {train.class_indices}")
        model = build_model(size + (3,), train.num_classes, args.seed)
        model.fit(**jaxaug.keras.fit_kwargs(train, validation_data=val), epochs=args.epochs, verbose=2)
        loss, accuracy = model.evaluate(**jaxaug.keras.eval_kwargs(val), verbose=0)
    print(f"validation accuracy: {accuracy:.3f}")
    return {"val_loss": float(loss), "val_accuracy": float(accuracy)}


if __name__ == "__main__":
    main()
