"""Composing jaxaug's grain building blocks with your own grain steps.

Usage: python examples/grain_pipeline.py [--data DIR] [--epochs 2]

The pipeline below is plain grain: jaxaug supplies the directory source, the decode
step, an epoch counter and the device-side augmentation step; the grayscale "user step"
in between is ordinary numpy code that runs in grain's threads. Augmentation runs in
THIS process after grain (after `mp_prefetch` if you add workers), keyed by
(seed, epoch, example index), so batch boundaries that cross epochs are fine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile

import grain
import numpy as np

import jaxaug
import jaxaug.grain


@dataclasses.dataclass(frozen=True)
class RandomGrayscale(grain.transforms.RandomMap):
    """A user step (numpy, host side): turns an image gray with probability ``p``."""

    p: float = 0.2

    def random_map(self, element: dict, rng: np.random.Generator) -> dict:
        if rng.random() < self.p:
            gray = element["image"].mean(axis=-1, keepdims=True).round().astype(np.uint8)
            element = {**element, "image": np.broadcast_to(gray, element["image"].shape).copy()}
        return element


def build_pipeline(directory: str, *, size: int, batch_size: int, epochs: int, seed: int):
    source = jaxaug.grain.ImageFolderSource(directory, decode=None)  # records: path, label, index
    config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True)
    host = (
        grain.MapDataset.source(source)
        .seed(seed)
        .shuffle()  # reshuffled every epoch by repeat()
        .repeat(epochs)
        .map_with_index(jaxaug.grain.AddEpoch(len(source)))  # epoch = index // len(source)
        .map(jaxaug.grain.DecodeImage(target_size=(size, size)))  # PIL, in grain threads
        .random_map(RandomGrayscale(p=0.3))  # your own step
        .batch(batch_size, drop_remainder=True)
    )
    device_step = jaxaug.grain.AugmentBatch(seed=seed, config=config, num_classes=source.num_classes, rescale=1 / 255)
    pipeline = host.to_iter_dataset(grain.ReadOptions(num_threads=2, prefetch_buffer_size=4)).map(device_step)
    return source, pipeline


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with one sub-folder per class (default: generated shapes)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from shapes import write_shapes

            data = write_shapes(os.path.join(tmp, "shapes"), per_class=args.per_class, size=args.size)
        source, pipeline = build_pipeline(
            data, size=args.size, batch_size=args.batch_size, epochs=args.epochs, seed=args.seed
        )
        iterator = iter(pipeline)
        batches = 0
        for images, labels in iterator:
            batches += 1
            last = (type(images).__name__, images.shape, str(images.dtype), labels.shape)
        state = iterator.get_state()  # checkpointable like any grain iterator
        iterator.close()
    print(f"{len(source)} images, {batches} batches; last batch {last}; iterator state {state}")
    return {"batches": batches, "last": last, "num_examples": len(source)}


if __name__ == "__main__":
    main()
