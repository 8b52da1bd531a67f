"""A grain pipeline over an image directory, with augmentation on the accelerator.

The pieces, in data-flow order (each is usable on its own inside a user's grain pipeline):

* :class:`ImageFolderSource`: random access over a ``flow_from_directory``-style tree
  (discovery by ``files.list_directory``, so it lists exactly what Keras lists). Item
  ``i`` is ``{"image": uint8 (H, W, C), "label": int32, "index": int64 i}``.
* :class:`DecodeImage`: the PIL decode + resize step (``files.decode_image``) as a grain
  ``Map``; the source applies it unless told not to.
* :class:`AddEpoch`: a grain ``MapWithIndex`` that records ``index // epoch_length``, so
  after ``.seed(s).shuffle().repeat()`` every example knows its epoch.
* :class:`AugmentBatch`: the device step. Runs jitted ``jaxaug`` augmentation on a
  batch IN THE MAIN PROCESS (put it after ``mp_prefetch``; grain workers stay numpy/PIL
  only), with per-example keys ``fold_in(fold_in(key(seed), epoch), index)``, then
  casts, rescales and builds Keras-style labels.
* :func:`flow_from_directory`: all of the above as one :class:`DirectoryLoader`.

Results depend only on (seed, epoch, example): never on the batch an example lands in,
the number of read threads or worker processes, the host it is sharded to, or where an
iterator was resumed.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import os
import sys
from typing import Any, NamedTuple

import grain
import jax
import jax.numpy as jnp
import numpy as np

from jaxaug._src import engine, fastpath, files, validation
from jaxaug._src.augment import example_keys
from jaxaug._src.mixing import cutmix, mixup
from jaxaug._src.sampling import AugmentConfig
from jaxaug._src.sharding import data_sharding, make_global_batch

CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
DTYPES = ("float32", "float16", "bfloat16", "uint8")
MAX_SEED = 2**32 - 1
# The absl flag grain reads when it starts worker processes (see enable_multiprocessing).
_PROFILING_FLAG = "grain_enable_multiprocess_worker_profiling"


def enable_multiprocessing() -> None:
    """Lets grain start worker processes in programs that never parsed absl flags.

    grain 0.2.x with a recent jaxlib reads the absl flag
    ``--grain_enable_multiprocess_worker_profiling`` when it starts workers
    (``mp_prefetch``, ``DataLoader(worker_count>0)``) and raises
    ``UnparsedFlagAccessError`` unless ``absl.app.run`` parsed the flags first
    (google/grain#1355). If flags are not parsed, this marks that one flag as given, so
    its default is used; parsed flags (an ``absl.app`` program) are left alone.
    jaxaug calls it only when workers are requested.
    """
    from absl import flags

    if flags.FLAGS.is_parsed():
        return
    if _PROFILING_FLAG in flags.FLAGS:
        flags.FLAGS[_PROFILING_FLAG].present = True


# ----------------------------------------------------------------------------- host side (grain)


def _check_target_size(target_size: Any) -> tuple[int, int]:
    if isinstance(target_size, (str, bytes)) or not hasattr(target_size, "__len__") or len(target_size) != 2:
        raise ValueError(f"`target_size` must be a (height, width) pair of ints, got {target_size!r}.")
    return (
        validation.check_int("target_size[0]", target_size[0], minimum=1),
        validation.check_int("target_size[1]", target_size[1], minimum=1),
    )


@dataclasses.dataclass(frozen=True)
class DecodeImage(grain.transforms.Map):
    """Decodes ``record["path"]`` into ``record["image"]``, a uint8 ``(H, W, C)`` array.

    Pixel-identical to Keras ``img_to_array(load_img(path, ...))`` (values; 16/32-bit
    grayscale files keep their wider integer dtype). Runs in grain threads or workers: no
    JAX. A file that cannot be read raises ``files.ImageFileError`` naming it.

    Args:
        target_size: ``(height, width)`` to resize to (Keras ``flow_from_directory``
            default ``(256, 256)``).
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"`` (3, 4 or 1 channels).
        interpolation: PIL filter name, Keras vocabulary (default ``"nearest"``).
        keep_aspect_ratio: Centre-crop to the target aspect ratio before resizing.

    Examples:
        >>> import io
        >>> from PIL import Image
        >>> buf = io.BytesIO(); Image.new("RGB", (6, 4), (9, 8, 7)).save(buf, "PNG")
        >>> out = DecodeImage(target_size=(2, 3)).map({"path": buf, "label": 0})
        >>> out["image"].shape, out["image"].dtype, sorted(out)
        ((2, 3, 3), dtype('uint8'), ['image', 'label'])
    """

    target_size: tuple[int, int] = (256, 256)
    color_mode: str = "rgb"
    interpolation: str = "nearest"
    keep_aspect_ratio: bool = False

    def __post_init__(self):
        object.__setattr__(self, "target_size", _check_target_size(self.target_size))
        validation.check_choice("color_mode", self.color_mode, files.COLOR_MODES)
        validation.check_choice("interpolation", self.interpolation, files.INTERPOLATIONS)
        keep = validation.check_bool("keep_aspect_ratio", self.keep_aspect_ratio)
        object.__setattr__(self, "keep_aspect_ratio", keep)

    @property
    def channels(self) -> int:
        """Channels of the decoded images (1, 3 or 4)."""
        return {"grayscale": 1, "rgb": 3, "rgba": 4}[self.color_mode]

    def map(self, element: dict) -> dict:
        """Returns a new dict: ``element`` without ``"path"``, plus ``"image"``."""
        image = files.decode_image(
            element["path"],
            color_mode=self.color_mode,
            target_size=self.target_size,
            interpolation=self.interpolation,
            keep_aspect_ratio=self.keep_aspect_ratio,
        )
        out = {key: value for key, value in element.items() if key != "path"}
        out["image"] = image
        return out


class ImageFolderSource:
    """Random-access grain source over a class-per-folder image tree.

    File discovery is ``flow_from_directory``'s (``files.list_directory``): sorted class
    folders (or ``classes`` in the given order), files walked recursively in sorted
    order, the per-class ``validation_split`` with ``subset``. Item ``i`` is
    ``{"image": uint8 (H, W, C), "label": np.int32, "index": np.int64(i)}``, or
    ``{"path": str, "label", "index"}`` with ``decode=None`` (decode later, e.g. after a
    filter, with :class:`DecodeImage`). ``index`` is the example's global id: keep it
    through your pipeline, it keys the augmentation.

    Args:
        directory: The root folder (str or ``os.PathLike``), or a ``files.FileListing``.
        classes: Optional list of class folder names (defines the label order).
        validation_split: Fraction held out per class, in ``[0, 1)``.
        subset: ``None``, ``"training"`` or ``"validation"``.
        follow_links: Follow symlinked sub-folders.
        decode: A :class:`DecodeImage`, or ``None`` to return paths.

    Examples:
        >>> import tempfile, pathlib
        >>> from PIL import Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ["cat/a.png", "cat/b.png", "dog/c.png"]:
        ...     (root / name).parent.mkdir(exist_ok=True)
        ...     Image.new("RGB", (5, 4)).save(root / name)
        >>> source = ImageFolderSource(root, decode=DecodeImage(target_size=(8, 8)))
        >>> len(source), source.class_indices, source[2]["image"].shape, int(source[2]["label"])
        (3, {'cat': 0, 'dog': 1}, (8, 8, 3), 1)
    """

    def __init__(
        self,
        directory,
        *,
        classes=None,
        validation_split: float = 0.0,
        subset: str | None = None,
        follow_links: bool = False,
        decode: DecodeImage | None = DecodeImage(),
    ):
        if isinstance(directory, files.FileListing):
            if classes is not None or validation_split != 0.0 or subset is not None or follow_links:
                raise ValueError(
                    "`classes`, `validation_split`, `subset` and `follow_links` apply to a directory; "
                    "a FileListing is already listed."
                )
            listing = directory
        else:
            listing = files.list_directory(
                directory,
                classes=classes,
                validation_split=validation_split,
                subset=subset,
                follow_links=follow_links,
            )
        if decode is not None and not isinstance(decode, DecodeImage):
            raise TypeError(f"`decode` must be a jaxaug DecodeImage or None, got {decode!r}.")
        self.listing = listing
        self.decode = decode
        self._paths = listing.filepaths

    @property
    def directory(self) -> str:
        return self.listing.directory

    @property
    def class_indices(self) -> dict[str, int]:
        """Class name -> label."""
        return dict(self.listing.class_indices)

    @property
    def classes(self) -> np.ndarray:
        """int32 label of every file, in source order."""
        return self.listing.classes

    @property
    def filenames(self) -> tuple[str, ...]:
        """Paths relative to the directory, ``"class/sub/file.png"`` style."""
        return self.listing.filenames

    @property
    def filepaths(self) -> tuple[str, ...]:
        return self.listing.filepaths

    @property
    def num_classes(self) -> int:
        return self.listing.num_classes

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index) -> dict:
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"ImageFolderSource index must be an int, got {index!r}.")
        index = int(index)
        if not 0 <= index < len(self._paths):
            raise IndexError(f"ImageFolderSource index {index} out of range for {len(self._paths)} files.")
        record = {"path": self._paths[index], "label": self.listing.classes[index], "index": np.int64(index)}
        return record if self.decode is None else self.decode.map(record)

    def __repr__(self) -> str:  # grain puts this in DataLoader checkpoints: keep it stable
        return f"ImageFolderSource(directory={self.directory!r}, files={len(self)}, decode={self.decode!r})"


@dataclasses.dataclass(frozen=True)
class AddEpoch(grain.transforms.MapWithIndex):
    """Adds ``"epoch": index // epoch_length`` to each (dict) record.

    Put it right after ``.repeat()``: grain's repeat gives epoch ``e`` the indices
    ``e * N ... (e + 1) * N - 1`` (reshuffled per epoch), so the epoch is recoverable
    from the index.
    """

    epoch_length: int

    def __post_init__(self):
        validation.check_int("epoch_length", self.epoch_length, minimum=1)

    def map_with_index(self, index: int, element: dict) -> dict:
        out = dict(element)
        out["epoch"] = np.int64(index // self.epoch_length)
        return out


def stack_records(records: list[dict]) -> dict:
    """Stacks a list of same-keyed dict records into one dict of numpy arrays."""
    return {key: np.stack([np.asarray(r[key]) for r in records]) for key in records[0]}


@dataclasses.dataclass(frozen=True)
class _EpochBatch(grain.transforms.Map):
    """Global batch number -> stacked records of one batch that never straddles epochs.

    Batch ``j`` is step ``j % steps_per_epoch`` of epoch ``j // steps_per_epoch``; it
    reads elements ``epoch * epoch_length + step * batch_size ...`` of ``elements``
    (which carries the per-epoch shuffle). The last batch of an epoch is short unless
    ``steps_per_epoch`` drops it.

    Why not grain's own ``.batch()``: shuffling, repeat and seeding are grain's
    (``MapDataset.seed().shuffle().repeat()``), but grain's ``batch`` on the repeated
    dataset would let a batch straddle two epochs (mixing epoch numbers, which key the
    augmentation, and breaking Keras's ``steps_per_epoch``), and batching each epoch
    separately would need a dataset per epoch. Mapping batch numbers to element ranges
    keeps random access, so ``get_state``/``set_state`` resume exactly.
    """

    elements: Any  # grain.MapDataset of records, infinite
    epoch_length: int
    batch_size: int
    steps_per_epoch: int

    def map(self, element) -> dict:
        epoch, step = divmod(int(element), self.steps_per_epoch)
        start = epoch * self.epoch_length + step * self.batch_size
        stop = min(start + self.batch_size, (epoch + 1) * self.epoch_length)
        return stack_records([self.elements[k] for k in range(start, stop)])


# ----------------------------------------------------------------------------- device side (JAX)


def _pad_rows(x: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([x, np.zeros((size - len(x),) + x.shape[1:], x.dtype)])


def _label_dtype(dtype: str) -> str:
    return dtype if dtype != "uint8" else "float32"


# The augmentation folds the EPOCH into key(seed); the side streams fold in ids >= 2**31, which no
# epoch number reaches, then the epoch: fold_in(fold_in(key(seed), STREAM), epoch). Never a shared key.
POLICY_STREAM = 2**31 + 70
MIX_STREAM = 2**31 + 80


class Mixing(NamedTuple):
    """Static MixUp / CutMix settings of the device step (see :class:`AugmentBatch`)."""

    mixup_alpha: float | None = None
    cutmix_alpha: float | None = None
    probability: float = 1.0
    num_shards: int = 1

    @property
    def on(self) -> bool:
        return self.mixup_alpha is not None or self.cutmix_alpha is not None


def _mix(key, x, y, ids, epoch, mixing: Mixing):
    """MixUp and/or CutMix of an augmented batch; with both, each example picks one (50/50)."""
    key = jax.random.fold_in(jax.random.fold_in(key, MIX_STREAM), epoch)
    k_mixup, k_cutmix, k_choice = (jax.random.fold_in(key, i) for i in range(3))
    common = dict(probability=mixing.probability, example_ids=ids, num_shards=mixing.num_shards)
    outs = []
    if mixing.mixup_alpha is not None:
        outs.append(mixup(k_mixup, x, y, alpha=mixing.mixup_alpha, **common))
    if mixing.cutmix_alpha is not None:
        outs.append(cutmix(k_cutmix, x, y, alpha=mixing.cutmix_alpha, **common))
    if len(outs) == 1:
        return outs[0]
    (xa, ya), (xb, yb) = outs
    pick = jax.vmap(jax.random.bernoulli)(example_keys(k_choice, ids))
    return jnp.where(pick[:, None, None, None], xb, xa), jnp.where(pick[:, None], yb, ya).astype(y.dtype)


@functools.partial(jax.jit, static_argnames=("dtype", "rescale", "class_mode", "num_classes", "mixing", "policy"))
def _device_step(key, images, labels, ids, epochs, config, *, dtype, rescale, class_mode, num_classes, mixing, policy):
    # Float outputs augment the float values, as Keras does (it augments img_to_array's
    # float32); uint8 output augments the uint8 images and rounds. ``config`` is a pytree
    # argument: its strengths are traced, so a schedule never recompiles the step.
    x = images.astype(jnp.dtype(dtype))
    if config is not None:
        keys = jax.vmap(lambda e, i: example_keys(jax.random.fold_in(key, e), i))(epochs, ids)
        x = engine.run(keys, x, config, token=fastpath.key_token(key), dtype=x.dtype).images
    if policy is not None:  # batches never straddle epochs: one epoch per batch
        x = policy(jax.random.fold_in(jax.random.fold_in(key, POLICY_STREAM), epochs[0]), x, example_ids=ids)
    if rescale is not None:
        x = x * jnp.asarray(rescale, x.dtype)
    if class_mode == "categorical":
        y = jax.nn.one_hot(labels, num_classes, dtype=jnp.dtype(_label_dtype(dtype)))
        if mixing.on:  # batches never straddle epochs: one epoch per batch
            x, y = _mix(key, x, y, ids, epochs[0], mixing)
    elif class_mode in ("binary", "sparse"):
        y = labels.astype(jnp.dtype(_label_dtype(dtype)))
    elif class_mode == "input":
        y = x
    else:
        y = None
    return x, y


@dataclasses.dataclass(frozen=True)
class AugmentBatch(grain.transforms.Map):
    """The device step: a batch of records -> ``(images, labels)`` of ``jax.Array``.

    Call it (or ``.map`` it onto an ``IterDataset`` AFTER ``mp_prefetch``) in the main
    process. Example ``k`` of the batch is augmented with the key
    ``example_keys(fold_in(key(seed), epoch[k]), index[k])``: the same as
    ``jaxaug.augment(fold_in(key(seed), epoch), images, config, example_ids=index)``
    for a batch of one epoch. Images are cast to ``dtype`` on the device first (uint8
    travels host-to-device), augmented, then multiplied by ``rescale`` (Keras order).

    Args:
        seed: Base seed, an int in ``[0, 2**32)``.
        config: An ``AugmentConfig``, or ``None`` for no augmentation.
        class_mode: Label format as in Keras: ``"categorical"`` (one-hot, float),
            ``"binary"``/``"sparse"`` (float class index, shape ``(B,)``), ``"input"``
            (the images), ``None`` (images only; the step returns just the images).
        num_classes: Number of classes (for ``"categorical"``).
        dtype: Output image dtype: ``"float32"``, ``"float16"``, ``"bfloat16"`` or
            ``"uint8"``; labels use it too (float32 for uint8).
        rescale: Optional factor applied after augmentation (float dtypes only).
        pad_to: Fixed batch size: shorter host batches (an epoch's last) are padded to
            it before the device step and sliced after, so they reuse the compiled step.
        policy: Optional ``(key, images, *, example_ids) -> images`` run after the
            augmentation, e.g. ``functools.partial(jaxaug.rand_augment, num_ops=2)``
            (its key: ``fold_in(fold_in(key(seed), POLICY_STREAM), epoch)``; per-example
            draws come from the example ids).
        mixing: :class:`Mixing` settings (MixUp and/or CutMix after augmentation and
            ``rescale``; ``class_mode="categorical"`` only). Each example's draws come
            from ``fold_in(fold_in(key(seed), 80), epoch)`` and its id, partners from
            the same batch (within ``num_shards`` groups), so resume, read threads and
            worker count never change them.

    The batch is a dict with ``"image"`` (B, H, W, C), ``"index"`` (B,) global example
    ids, ``"label"`` (B,) int labels (unless ``class_mode`` is ``"input"`` or
    ``None``) and optionally ``"epoch"`` (B,) (default 0).
    """

    seed: int
    config: AugmentConfig | None = None
    class_mode: str | None = "categorical"
    num_classes: int = 0
    dtype: str = "float32"
    rescale: float | None = None
    pad_to: int = 0
    mixing: Mixing = Mixing()
    policy: Any = None

    def __post_init__(self):
        validation.check_int("pad_to", self.pad_to, minimum=0)
        if self.policy is not None and not callable(self.policy):
            raise TypeError(
                "`policy` must be None or a callable (key, images, *, example_ids) -> images, e.g. "
                f"functools.partial(jaxaug.rand_augment, num_ops=2), got {self.policy!r}."
            )
        m = self.mixing
        if not isinstance(m, Mixing):
            raise TypeError(f"`mixing` must be a jaxaug.grain.Mixing, got {m!r}.")
        for name in ("mixup_alpha", "cutmix_alpha"):
            if getattr(m, name) is not None:
                validation.check_real(name, getattr(m, name), minimum=0.0, min_inclusive=False)
        validation.check_real("mix_probability", m.probability, minimum=0.0, maximum=1.0)
        validation.check_int("num_shards", m.num_shards, minimum=1)
        if m.on and self.class_mode != "categorical":
            raise ValueError(
                "MixUp/CutMix mix one-hot labels: they need class_mode='categorical', "
                f"got class_mode={self.class_mode!r}."
            )
        seed = validation.check_int("seed", self.seed, minimum=0)
        if seed > MAX_SEED:
            raise ValueError(f"`seed` must be an int in [0, 2**32 - 1], got {seed!r}.")
        object.__setattr__(self, "seed", seed)
        if self.config is not None and not isinstance(self.config, AugmentConfig):
            raise TypeError(f"`augment` must be a jaxaug.AugmentConfig or None, got {self.config!r}.")
        validation.check_choice("class_mode", self.class_mode, CLASS_MODES)
        num_classes = validation.check_int("num_classes", self.num_classes, minimum=0)
        if self.class_mode == "categorical" and num_classes < 1:
            raise ValueError(f"`num_classes` must be >= 1 for class_mode='categorical', got {num_classes}.")
        object.__setattr__(self, "num_classes", num_classes)
        validation.check_choice("dtype", self.dtype, DTYPES)
        if self.rescale is not None:
            if self.dtype == "uint8":
                raise ValueError("`rescale` needs a float `dtype` ('float32', 'float16', 'bfloat16'), got 'uint8'.")
            object.__setattr__(self, "rescale", validation.check_real("rescale", self.rescale))

    @functools.cached_property
    def key(self) -> jax.Array:
        """``jax.random.key(seed)``, the base key (created on first use)."""
        return jax.random.key(self.seed)

    def host_arrays(self, element: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Checks a batch dict; returns numpy ``(images, labels, ids, epochs)`` in device dtypes.

        ``ids`` and ``epochs`` are uint32, ``labels`` int32 (zeros when the class mode
        needs none). This is the host half of :meth:`map`; :meth:`device_step` is the rest.
        """
        if not isinstance(element, dict) or "image" not in element or "index" not in element:
            raise TypeError(
                "AugmentBatch expects a batch dict with 'image' and 'index' (and 'label', optional 'epoch'), "
                f"got {type(element).__name__}."
            )
        images = np.asarray(element["image"])
        if images.ndim != 4:
            raise ValueError(f"AugmentBatch expects 'image' of shape (B, H, W, C), got {images.shape}.")
        batch = images.shape[:1]
        ids = np.asarray(element["index"]).astype(np.uint32)
        epochs = np.asarray(element.get("epoch", np.zeros(batch, np.int64))).astype(np.uint32)
        needs_labels = self.class_mode in ("categorical", "binary", "sparse")
        if needs_labels and "label" not in element:
            raise TypeError(f"AugmentBatch with class_mode={self.class_mode!r} needs a 'label' entry in the batch.")
        labels = np.asarray(element["label"]).astype(np.int32) if needs_labels else np.zeros(batch, np.int32)
        return images, labels, ids, epochs

    def device_step(self, images, labels, ids, epochs):
        """The jitted device half of :meth:`map` on (possibly sharded) arrays from :meth:`host_arrays`.

        Elementwise over the batch: sharded inputs give outputs with the same sharding
        and no collectives.
        """
        n = images.shape[0]
        # Padded rows would become mixing partners: with mixing, a short batch compiles once instead.
        short = isinstance(images, np.ndarray) and n < self.pad_to and not self.mixing.on
        if short:  # pad the host arrays to the fixed batch shape: the compiled step is reused
            images, labels, ids, epochs = (_pad_rows(a, self.pad_to) for a in (images, labels, ids, epochs))
        x, y = _device_step(
            self.key,
            images,
            labels,
            ids,
            epochs,
            self.config,
            dtype=self.dtype,
            rescale=self.rescale,
            class_mode=self.class_mode,
            num_classes=self.num_classes,
            mixing=self.mixing,
            policy=self.policy,
        )
        if short:
            # Slice on the host and put back: an eager device slice would compile a
            # program for the new shape (once per epoch end on a fresh process).
            x, y = (None if a is None else jax.device_put(np.asarray(a)[:n]) for a in (x, y))
        return x if self.class_mode is None else (x, y)

    def map(self, element: dict):
        """Returns ``(images, labels)``, or just the images for ``class_mode=None``."""
        return self.device_step(*self.host_arrays(element))

    def __call__(self, element: dict):
        return self.map(element)


@dataclasses.dataclass(frozen=True)
class _FinishBatch(grain.transforms.Map):
    """Host batch -> final batch: optional global assembly, the device step, optional ids.

    With ``sharding``, this process's host arrays become global ``jax.Array``s
    (``make_global_batch``) BEFORE the device step, which then runs sharded. With
    ``return_ids``, the batch's global example ids are appended to the output tuple.
    """

    augment_batch: AugmentBatch
    sharding: Any = None
    return_ids: bool = False

    def map(self, element: dict):
        arrays = self.augment_batch.host_arrays(element)
        if self.sharding is not None:
            arrays = make_global_batch(arrays, self.sharding)
        out = self.augment_batch.device_step(*arrays)
        if not self.return_ids:
            return out
        ids = arrays[2] if self.sharding is not None else np.asarray(element["index"], np.int64)
        return (*out, ids) if isinstance(out, tuple) else (out, ids)


# ----------------------------------------------------------------------------- the one-call loader


def _no_images_message(source: ImageFolderSource, where: str = "") -> str:
    return (
        f"Found no images in {where}{source.directory!r} (classes {list(source.class_indices)}); "
        f"put images with extensions {files.WHITE_LIST_FORMATS} in one sub-folder per class."
    )


class DirectoryLoader:
    """Batches from an image directory, augmented on the device; made by :func:`flow_from_directory`.

    Iterate it for ``(images, labels)`` batches of ``jax.Array`` (images only for
    ``class_mode=None``). ``iter(loader)`` is a grain ``DatasetIterator``: it has
    ``get_state()``/``set_state()`` and works with ``grain.checkpoint.CheckpointHandler``.
    Every epoch is reshuffled and re-augmented; batches never straddle epochs, so
    ``len(loader)`` (= ``steps_per_epoch``) batches are exactly one epoch. With
    ``num_epochs=None`` iteration never ends.

    Building blocks, for your own grain steps: ``source`` (:class:`ImageFolderSource`),
    ``elements`` (per-example ``MapDataset``: sharded, shuffled, repeated, with
    ``"epoch"``), ``batches`` (``MapDataset`` of host batches: dicts of numpy arrays)
    and ``augment_batch`` (the :class:`AugmentBatch` device step).
    """

    def __init__(
        self,
        *,
        source: ImageFolderSource,
        augment_batch: AugmentBatch,
        batch_size: int,
        shuffle: bool,
        seed: int,
        num_epochs: int | None,
        drop_remainder: bool,
        worker_count: int,
        read_threads: int,
        shard_options,
        return_ids: bool = False,
    ):
        self.source = source
        self.augment_batch = augment_batch
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.num_epochs = num_epochs
        self.drop_remainder = drop_remainder
        self.worker_count = worker_count
        self.read_threads = read_threads
        self.shard_options = shard_options
        self.return_ids = return_ids

        count, index = shard_options.shard_count, shard_options.shard_index
        shard = grain.MapDataset.source(source)[index::count]
        samples = len(shard)
        if shard_options.drop_remainder:
            samples = len(source) // count
            shard = shard[:samples]
        if samples == 0:
            raise ValueError(_no_images_message(source, f"shard {index} of {count} of " if count > 1 else ""))
        steps, rest = divmod(samples, batch_size)
        if not drop_remainder and rest:
            steps += 1
        if steps == 0:
            raise ValueError(
                f"`batch_size`={batch_size} is larger than the {samples} images with drop_remainder=True: "
                "no batch would ever be produced."
            )
        self.samples = samples
        self.steps_per_epoch = steps
        elements = shard.seed(seed)
        if shuffle:
            elements = elements.shuffle()
        self.elements = elements.repeat(None).map_with_index(AddEpoch(samples))
        total = sys.maxsize if num_epochs is None else steps * num_epochs
        self.batches = grain.MapDataset.range(total).map(_EpochBatch(self.elements, samples, batch_size, steps))
        if worker_count > 0:
            enable_multiprocessing()
        self.dataset = self.iter_dataset()

    # Keras-style attributes
    @property
    def class_indices(self) -> dict[str, int]:
        return self.source.class_indices

    @property
    def classes(self) -> np.ndarray:
        return self.source.classes

    @property
    def filenames(self) -> tuple[str, ...]:
        return self.source.filenames

    @property
    def filepaths(self) -> tuple[str, ...]:
        return self.source.filepaths

    @property
    def num_classes(self) -> int:
        return self.source.num_classes

    @property
    def class_mode(self) -> str | None:
        return self.augment_batch.class_mode

    def iter_dataset(self, start_epoch: int = 0) -> grain.IterDataset:
        """The pipeline as a grain ``IterDataset`` of final batches, starting at ``start_epoch``.

        ``read_threads`` decode batches in parallel; ``worker_count > 0`` adds
        ``mp_prefetch`` worker processes; the device step runs after them, in this
        process. Output order and values never depend on threads or workers.
        """
        final = _FinishBatch(self.augment_batch, return_ids=True) if self.return_ids else self.augment_batch
        return self._pipeline(start_epoch, final)

    def global_batches(self, sharding=None, *, start_epoch: int = 0) -> grain.IterDataset:
        """Like :meth:`iter_dataset`, but every batch is a GLOBAL ``jax.Array`` batch for data parallelism.

        Each process (``jax.distributed``) builds its loader with
        ``shard_options=grain.sharding.ShardByJaxProcess(drop_remainder=True)`` and
        ``drop_remainder=True``; this process's host batch (``batch_size`` rows) is
        assembled with ``jaxaug.make_global_batch`` into arrays of
        ``batch_size * process_count`` rows sharded by ``sharding``, then augmented
        sharded, with no collectives. Row ``r`` of a global batch is row
        ``r % batch_size`` of process ``r // batch_size``'s host batch; every example is
        augmented exactly as the single-process loader augments it (same seed, epoch
        and example id), bit for bit. Iterator state (``get_state``) is per process.

        Args:
            sharding: A ``jax.sharding.Sharding`` of the batch dimension; default
                ``jaxaug.data_sharding()`` (all devices of all processes).
            start_epoch: The epoch to start from.

        Returns:
            A grain ``IterDataset`` of ``(images, labels)`` global arrays (images only
            for ``class_mode=None``; plus global ``uint32`` ids with ``return_ids``).

        Raises:
            ValueError: ``batch_size`` is not a multiple of this process's device
                count, an epoch would end with a short batch (set
                ``drop_remainder=True``), or shards would differ in size.
        """
        if sharding is None:
            sharding = data_sharding()
        elif not isinstance(sharding, jax.sharding.Sharding):
            raise TypeError(
                f"`sharding` must be a jax.sharding.Sharding (e.g. jaxaug.data_sharding()), got {sharding!r}."
            )
        self.check_data_parallel(len(sharding.addressable_devices))
        step = self.augment_batch
        if step.mixing.on:  # partners within each device's rows: no cross-device traffic
            step = dataclasses.replace(step, mixing=step.mixing._replace(num_shards=len(sharding.device_set)))
        return self._pipeline(start_epoch, _FinishBatch(step, sharding, self.return_ids))

    def check_data_parallel(self, local_devices: int) -> None:
        """Raises ``ValueError`` unless every batch splits evenly over ``local_devices``.

        Data parallelism (``global_batches``, Keras ``DataParallel``) needs each
        per-process batch to be a multiple of the local device count, no short last
        batch, and (several processes) shards of equal size, or processes would run
        different step counts and wait for each other forever.
        """
        local_devices = validation.check_int("local_devices", local_devices, minimum=1)
        if self.batch_size % local_devices:
            raise ValueError(
                f"`batch_size`={self.batch_size} (per process) must be a multiple of the {local_devices} local "
                "devices for data parallelism."
            )
        if self.samples % self.batch_size and not self.drop_remainder:
            raise ValueError(
                f"The last batch of each epoch would be short ({self.samples} examples per process, "
                f"`batch_size`={self.batch_size}); build the loader with drop_remainder=True for data parallelism."
            )
        count = self.shard_options.shard_count
        if count > 1 and len(self.source) % count and not self.shard_options.drop_remainder:
            raise ValueError(
                f"{len(self.source)} examples do not split evenly over {count} shards, so processes would run "
                "different step counts; use shard_options=grain.sharding.ShardByJaxProcess(drop_remainder=True)."
            )

    def _pipeline(self, start_epoch: int, final) -> grain.IterDataset:
        start_epoch = validation.check_int("start_epoch", start_epoch, minimum=0)
        batches = self.batches[start_epoch * self.steps_per_epoch :] if start_epoch else self.batches
        threads = self.read_threads
        ds = batches.to_iter_dataset(grain.ReadOptions(num_threads=threads, prefetch_buffer_size=max(2, threads)))
        if self.worker_count > 0:
            ds = ds.mp_prefetch(grain.MultiprocessingOptions(num_workers=self.worker_count, per_worker_buffer_size=2))
        return ds.map(final)

    def __len__(self) -> int:
        return self.steps_per_epoch

    def __iter__(self):
        return iter(self.dataset)

    def __repr__(self) -> str:
        return (
            f"DirectoryLoader({self.source.directory!r}, samples={self.samples}, classes={self.num_classes}, "
            f"batch_size={self.batch_size}, steps_per_epoch={self.steps_per_epoch}, num_epochs={self.num_epochs})"
        )


def flow_from_directory(
    directory,
    *,
    seed: int,
    augment: AugmentConfig | None = None,
    target_size: tuple[int, int] = (256, 256),
    color_mode: str = "rgb",
    classes=None,
    class_mode: str | None = "categorical",
    batch_size: int = 32,
    shuffle: bool = True,
    validation_split: float = 0.0,
    subset: str | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
    follow_links: bool = False,
    num_epochs: int | None = None,
    drop_remainder: bool = False,
    worker_count: int = 0,
    read_threads: int = 2,
    dtype: str = "float32",
    rescale: float | None = None,
    shard_options=None,
    return_ids: bool = False,
    mixup_alpha: float | None = None,
    cutmix_alpha: float | None = None,
    mix_probability: float = 1.0,
    policy=None,
) -> DirectoryLoader:
    """Keras ``flow_from_directory`` as a grain pipeline with augmentation on the device.

    Lists the same files with the same labels as Keras (``ImageDataGenerator(
    validation_split=...).flow_from_directory(...)``), decodes them with PIL in grain
    threads (or worker processes), batches them per epoch and augments each batch with
    jitted ``jaxaug.augment`` in this process. Every epoch is reshuffled (``shuffle``)
    and re-augmented; an example's augmentation depends only on (``seed``, epoch, its
    index in ``filenames``).

    Args:
        directory: Root folder with one sub-folder per class.
        seed: Seeds the shuffle and the augmentation (required: runs are reproducible).
        augment: An ``AugmentConfig``, or ``None`` for no augmentation.
        target_size: ``(height, width)`` every image is resized to.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        classes: Optional list of class folder names (fixes the label order).
        class_mode: ``"categorical"``, ``"binary"``, ``"sparse"``, ``"input"`` or ``None``.
        batch_size: Examples per batch.
        shuffle: Reshuffle the examples every epoch.
        validation_split: Fraction of each class held out, in ``[0, 1)``.
        subset: ``None``, ``"training"`` or ``"validation"``.
        interpolation: PIL resize filter (``"nearest"``, ``"bilinear"``, ...).
        keep_aspect_ratio: Centre-crop to the target aspect ratio before resizing.
        follow_links: Follow symlinked sub-folders.
        num_epochs: Epochs to produce, or ``None`` for endless iteration.
        drop_remainder: Drop each epoch's last short batch (needed for multi-device
            data parallelism; then a few examples per epoch are skipped).
        worker_count: grain worker processes (0: decode in threads of this process).
        read_threads: Decode threads (per worker); 0 decodes synchronously.
        dtype: Image dtype out (``"float32"``, ``"float16"``, ``"bfloat16"``, ``"uint8"``).
        rescale: Factor applied after augmentation, e.g. ``1 / 255``.
        shard_options: ``grain.sharding.ShardOptions`` (e.g. ``ShardByJaxProcess()``):
            this process reads files ``shard_index::shard_count``; ``drop_remainder``
            there gives every shard the same size.
        return_ids: Append each batch's global example ids (int64 numpy, indices into
            ``filenames``) to the batch tuple: ``(images, labels, ids)`` (or
            ``(images, ids)`` for ``class_mode=None``). For exactly-once bookkeeping
            (checkpoints, logs); not for Keras ``fit``, which would read them as
            sample weights.
        mixup_alpha: MixUp's Beta(alpha, alpha) after augmentation (None: off).
        cutmix_alpha: CutMix's alpha (None: off). With both, each example gets one of
            the two (50/50). Mixing needs ``class_mode="categorical"``; labels come back
            mixed one-hot. Partners come from the same batch.
        mix_probability: chance that an example is mixed.
        policy: a per-example policy after ``augment``, e.g.
            ``functools.partial(jaxaug.rand_augment, num_ops=2, magnitude=9)`` (any
            ``(key, images, *, example_ids) -> images``); then rescale, then mixing.

    Returns:
        A :class:`DirectoryLoader`.

    Raises:
        TypeError, ValueError: A bad argument (named in the message), or no images.
        FileNotFoundError, NotADirectoryError: ``directory`` is missing.

    Examples:
        >>> import tempfile, pathlib, jaxaug, jaxaug.grain
        >>> from PIL import Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ["cat/a.png", "cat/b.png", "dog/c.png"]:
        ...     (root / name).parent.mkdir(exist_ok=True)
        ...     Image.new("RGB", (5, 4)).save(root / name)
        >>> loader = jaxaug.grain.flow_from_directory(
        ...     root, seed=0, augment=jaxaug.AugmentConfig(rotation_range=10), target_size=(8, 8), batch_size=2)
        >>> it = iter(loader)
        >>> images, labels = next(it)
        >>> len(loader), images.shape, labels.shape
        (2, (2, 8, 8, 3), (2, 2))
        >>> it.close()
    """
    seed = validation.check_int("seed", seed, minimum=0)
    if seed > MAX_SEED:
        raise ValueError(f"`seed` must be an int in [0, 2**32 - 1], got {seed!r}.")
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"`directory` must be a path (str or os.PathLike), got {directory!r}.")
    decode = DecodeImage(
        target_size=target_size,
        color_mode=color_mode,
        interpolation=interpolation,
        keep_aspect_ratio=keep_aspect_ratio,
    )
    validation.check_choice("class_mode", class_mode, CLASS_MODES)
    batch_size = validation.check_int("batch_size", batch_size, minimum=1)
    shuffle = validation.check_bool("shuffle", shuffle)
    drop_remainder = validation.check_bool("drop_remainder", drop_remainder)
    if num_epochs is not None:
        num_epochs = validation.check_int("num_epochs", num_epochs, minimum=1)
    worker_count = validation.check_int("worker_count", worker_count, minimum=0)
    read_threads = validation.check_int("read_threads", read_threads, minimum=0)
    return_ids = validation.check_bool("return_ids", return_ids)
    if shard_options is None:
        shard_options = grain.sharding.NoSharding()
    elif not isinstance(shard_options, grain.sharding.ShardOptions):
        raise TypeError(
            "`shard_options` must be None or a grain.sharding.ShardOptions (e.g. ShardByJaxProcess()), "
            f"got {shard_options!r}."
        )
    # Validate the device-step arguments before touching the file system.
    mixing = Mixing(mixup_alpha, cutmix_alpha, mix_probability)
    step = AugmentBatch(
        seed=seed,
        config=augment,
        class_mode=class_mode,
        num_classes=1,
        dtype=dtype,
        rescale=rescale,
        mixing=mixing,
        policy=policy,
    )
    source = ImageFolderSource(
        directory,
        classes=classes,
        validation_split=validation_split,
        subset=subset,
        follow_links=follow_links,
        decode=decode,
    )
    if len(source) == 0:
        raise ValueError(_no_images_message(source))
    return DirectoryLoader(
        source=source,
        augment_batch=dataclasses.replace(step, num_classes=source.num_classes, pad_to=batch_size),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        num_epochs=num_epochs,
        drop_remainder=drop_remainder,
        worker_count=worker_count,
        read_threads=read_threads,
        shard_options=shard_options,
        return_ids=return_ids,
    )
