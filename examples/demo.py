"""`make demo`: jaxaug end to end on the JAX backend, in a few minutes on a laptop CPU.

1. Writes a preview grid of augmentations of an embedded sample image
   (examples/out/preview.png).
2. Draws a small image-classification folder (circles, squares, triangles; nothing is
   downloaded), or uses your own with --data DIR (one sub-folder per class; 20% of each
   class is held out for validation).
3. Trains the same small Keras 3 CNN twice through jaxaug.grain + jaxaug.keras, without
   and with on-device augmentation, and prints the validation accuracies side by side.
   It also writes examples/out/batch_preview.png, one augmented training batch.

The generated validation shapes sit anywhere in the frame and are rotated, while the
training shapes are upright and near the centre: augmentation has something to teach.

Usage: python examples/demo.py [--data DIR] [--epochs 15] [--out examples/out/preview.png] [--seed 0]
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"  # a JAX-backend script: set before keras is imported

import argparse  # noqa: E402
import functools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sample_image import sample_image  # noqa: E402

import jaxaug  # noqa: E402

PREVIEW_CONFIG = jaxaug.AugmentConfig(
    rotation_range=25,
    width_shift_range=0.1,
    height_shift_range=0.1,
    shear_range=10,
    zoom_range=0.2,
    horizontal_flip=True,
    brightness_range=(0.7, 1.3),
    fill_mode="reflect",
)


def save_png(array: np.ndarray, path: str, scale: int = 1) -> None:
    from PIL import Image

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image = Image.fromarray(array if array.shape[-1] != 1 else array[..., 0])
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    image.save(path)


def write_sample_preview(path: str, seed: int) -> None:
    image = sample_image()
    batch = jnp.broadcast_to(jnp.asarray(image), (15,) + image.shape)
    augment = jax.jit(functools.partial(jaxaug.augment, config=PREVIEW_CONFIG))
    out = np.asarray(augment(jax.random.key(seed), batch))
    save_png(jaxaug.preview_grid(np.concatenate([image[None], out]), columns=4), path)
    print(f"Wrote {path}: the original (top left) and 15 augmentations of it.")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "out", "preview.png"))
    parser.add_argument("--data", help="your own folder with one sub-folder per class (default: generated shapes)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--size", type=int, default=32, help="images are resized to size x size")
    parser.add_argument("--per-class", type=int, default=100, help="generated training images per class")
    parser.add_argument("--batch-size", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    write_sample_preview(args.out, args.seed)

    import jaxaug.keras

    jaxaug.keras.check_backend()  # says how to fix it if KERAS_BACKEND is not jax
    from keras_fit import AUGMENT, build_model, loaders, reset, train_and_evaluate
    from shapes import write_shapes

    out_dir = os.path.dirname(os.path.abspath(args.out))
    if args.data is None:
        data = os.path.join(out_dir, "shapes")
        train_dir, val_dir = os.path.join(data, "train"), os.path.join(data, "val")
        if not os.path.isdir(train_dir):
            val_count = max(1, args.per_class // 3)
            print(f"Drawing {3 * args.per_class} training and {3 * val_count} validation shapes into {data} ...")
            write_shapes(train_dir, per_class=args.per_class, size=args.size, seed=args.seed, spread=0.3)
            write_shapes(val_dir, per_class=val_count, size=args.size, seed=args.seed + 1, spread=1.0, rotate=True)
    else:
        train_dir, val_dir = args.data, None

    results = {}
    model = initial_state = None
    for name, augment in (("no augmentation", None), ("jaxaug augmentation", AUGMENT)):
        train, val = loaders(
            train_dir, val_dir, augment=augment, size=args.size, batch_size=args.batch_size, seed=args.seed
        )
        if model is None:
            model = build_model((args.size, args.size, train.source.decode.channels), train.num_classes, args.seed)
            initial_state = reset(model)
        else:
            reset(model, initial_state)  # same start for both runs, and no recompilation
        if augment is not None:
            images, _ = next(it := iter(train))
            it.close()
            batch = np.asarray(jnp.clip(images * 255, 0, 255).astype(jnp.uint8))
            save_png(
                jaxaug.preview_grid(batch[:24], columns=8, pad=2), os.path.join(out_dir, "batch_preview.png"), scale=3
            )
        print(f"\n== {name}: {train.samples} training / {val.samples} validation images, {train.num_classes} classes")
        results[name] = train_and_evaluate(train, val, epochs=args.epochs, model=model)

    print(f"\nValidation accuracy after {args.epochs} epochs (same model, same seed):")
    for name, result in results.items():
        print(f"  {name:<22} {result['val_accuracy']:.3f}")
    print(f"Wrote {os.path.join(out_dir, 'batch_preview.png')} (one augmented training batch).")
    print(f"Total time {time.perf_counter() - start:.0f} s.")
    return results


if __name__ == "__main__":
    main()
