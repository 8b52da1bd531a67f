"""A custom JAX training loop (plain JAX SGD, no flax/optax) with `jax.jit(jaxaug.augment)`.

Usage: python examples/custom_loop.py [--data DIR] [--epochs 5] [--size 16]

Images are decoded once into memory with jaxaug.grain.ImageFolderSource; each step
augments its batch on the device with per-example keys fold_in(fold_in(key, epoch), id),
so an example's augmentation depends on (seed, epoch, example) only.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile

import jax
import jax.numpy as jnp
import numpy as np

import jaxaug
import jaxaug.grain

CONFIG = jaxaug.AugmentConfig(rotation_range=30, width_shift_range=0.15, height_shift_range=0.15, horizontal_flip=True)


def load(directory: str, size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """All images as uint8 ``(N, size, size, 3)``, int32 labels, number of classes."""
    source = jaxaug.grain.ImageFolderSource(directory, decode=jaxaug.grain.DecodeImage(target_size=(size, size)))
    records = [source[i] for i in range(len(source))]
    return np.stack([r["image"] for r in records]), source.classes.astype(np.int32), source.num_classes


def init_params(key: jax.Array, in_features: int, hidden: int, classes: int) -> dict:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (in_features, hidden)) * jnp.sqrt(2.0 / in_features),
        "b1": jnp.zeros(hidden),
        "w2": jax.random.normal(k2, (hidden, classes)) * jnp.sqrt(1.0 / hidden),
        "b2": jnp.zeros(classes),
    }


def logits_fn(params: dict, images: jax.Array) -> jax.Array:
    x = images.reshape(images.shape[0], -1)
    h = jax.nn.relu(x @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def loss_fn(params: dict, images: jax.Array, labels: jax.Array) -> jax.Array:
    logp = jax.nn.log_softmax(logits_fn(params, images))
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


@functools.partial(jax.jit, static_argnames="lr")
def sgd_step(params: dict, images: jax.Array, labels: jax.Array, lr: float):
    loss, grads = jax.value_and_grad(loss_fn)(params, images, labels)
    return jax.tree.map(lambda p, g: p - lr * g, params, grads), loss


# The augmentation: jitted once, config static; new keys/batches of the same shape never retrace.
augment = jax.jit(functools.partial(jaxaug.augment, config=CONFIG))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with one sub-folder per class (default: generated shapes)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from shapes import write_shapes

            data = write_shapes(os.path.join(tmp, "shapes"), per_class=args.per_class, size=args.size)
        images, labels, num_classes = load(data, args.size)

    key = jax.random.key(args.seed)
    init_key, shuffle_key, augment_key = jax.random.split(key, 3)
    params = init_params(init_key, images[0].size, 64, num_classes)
    n, batch = len(images), args.batch_size
    losses = []
    for epoch in range(args.epochs):
        epoch_key = jax.random.fold_in(augment_key, epoch)
        order = np.asarray(jax.random.permutation(jax.random.fold_in(shuffle_key, epoch), n))
        total = 0.0
        for start in range(0, n - batch + 1, batch):  # drop the short last batch: one shape, one compile
            ids = order[start : start + batch]
            x = augment(epoch_key, jnp.asarray(images[ids], jnp.float32) / 255.0, example_ids=ids)
            params, loss = sgd_step(params, x, jnp.asarray(labels[ids]), args.lr)
            total += float(loss)
        losses.append(total / (n // batch))
        print(f"epoch {epoch + 1}/{args.epochs}: loss {losses[-1]:.4f}")
    predictions = jnp.argmax(logits_fn(params, jnp.asarray(images, jnp.float32) / 255.0), axis=1)
    accuracy = float(jnp.mean((predictions == jnp.asarray(labels)).astype(jnp.float32)))
    print(f"training-set accuracy (unaugmented): {accuracy:.3f}")
    return {"losses": losses, "train_accuracy": accuracy, "params": params}


if __name__ == "__main__":
    main()
