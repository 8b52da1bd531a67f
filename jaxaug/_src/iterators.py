"""Keras legacy iterators (``Iterator``, ``NumpyArrayIterator``, ``DirectoryIterator``,
``DataFrameIterator``) with batch-level JAX augmentation.

Behaviour follows ``keras.src.legacy.preprocessing.image`` (Keras 3.15.1): the same
length, indexing, global-RNG seeding (``np.random.seed(seed + total_batches_seen)`` per
batch), shuffling, file order, labels and validation splits. What changes is how a
batch is made:

1. files are decoded by a persistent thread pool (``files.load_images``; PIL releases
   the GIL) and stay ``uint8``: the float conversion happens on the device;
2. every image's parameters are drawn in Keras's order (``draw_batch``: one vectorised
   draw that consumes the global numpy stream exactly as Keras's per-image calls do);
3. the geometric part of the WHOLE batch (and of its paired masks, if any) runs in one
   jitted JAX call, padded to ``batch_size`` so the last short batch reuses the
   compiled program;
4. channel shift, brightness and ``standardize`` follow per image, as in Keras, and
   only when they are switched on.

When Keras is installed the iterators subclass ``keras.utils.PyDataset``, so
``model.fit(iterator)`` works on any Keras 3 backend. Importing this module imports
Keras if it is available; ``import jaxaug`` never does.
"""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np

from jaxaug._src import files, transport, validation
from jaxaug._src import masks as masks_lib

_DIRECTORY_CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
_DATAFRAME_CLASS_MODES = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)
_ON_ERROR = ("raise", "skip")
_SUBSETS = (None, "training", "validation")
DECODE_THREADS = max(1, min(8, os.cpu_count() or 1))


class _PyDatasetStandIn:
    """Minimal ``keras.utils.PyDataset`` stand-in used when Keras is not importable."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def on_epoch_begin(self):
        pass


def _pydataset_base():
    try:
        from keras.utils import PyDataset
    except Exception:  # noqa: BLE001 - no Keras, or a Keras whose backend cannot load
        return _PyDatasetStandIn
    return PyDataset


def _require_pandas():
    try:
        import pandas
    except ImportError as err:
        raise ImportError(
            'flow_from_dataframe / DataFrameIterator need pandas: pip install "jaxaug[dataframe]"'
        ) from err
    return pandas


def _check_save_args(save_to_dir, save_prefix, save_format):
    if save_to_dir is None:
        return
    if not isinstance(save_prefix, str):
        raise TypeError(f"`save_prefix` must be a str, got {save_prefix!r}.")
    seps = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    if any(sep in save_prefix for sep in seps):
        raise ValueError(f"`save_prefix` must be a file-name prefix without path separators, got {save_prefix!r}.")
    if not isinstance(save_format, str) or not save_format:
        raise TypeError(f"`save_format` must be a file extension such as 'png', got {save_format!r}.")
    if not save_format.isalnum():
        raise ValueError(
            f"`save_format` must be a plain file extension such as 'png' (letters/digits only), got {save_format!r}."
        )


def _check_masks(masks, x, data_format):
    """Validates paired label maps for ``flow(..., masks=...)``; returns them as an array."""
    masks = np.asarray(masks)
    if masks.dtype.kind not in "iuf":
        raise TypeError(f"`masks` must have an integer or floating dtype (e.g. uint8 class ids), got {masks.dtype}.")
    x_shape = np.shape(x)
    spatial = x_shape[1:3] if data_format == "channels_last" else x_shape[2:4]
    if masks.ndim == 3:
        mask_spatial = masks.shape[1:3]
    elif masks.ndim == 4:
        mask_spatial = masks.shape[1:3] if data_format == "channels_last" else masks.shape[2:4]
    else:
        mask_spatial = None
    if mask_spatial is None or len(masks) != len(x) or tuple(mask_spatial) != tuple(spatial):
        layout = "(N, H, W, K)" if data_format == "channels_last" else "(N, K, H, W)"
        raise ValueError(
            f"`masks` must have shape (N, H, W) or {layout} matching the images' N, H and W "
            f"(images: {tuple(x_shape)}, {data_format}); got {masks.shape}."
        )
    return masks


def _check_mask_fill(mask_fill, masks):
    """``mask_fill`` is None or a number the masks' dtype can hold exactly (``masks.check_mask_fill``)."""
    if mask_fill is not None and masks is None:
        raise ValueError("`mask_fill` is only used with `masks`; pass masks=... or drop mask_fill.")
    return masks_lib.check_mask_fill(mask_fill, None if masks is None else masks.dtype)


# Largest array ``flow`` copies into 64-byte-aligned memory so that the jitted warp can
# read batches straight from it (CPU backend only; see NumpyArrayIterator).
DEVICE_VIEW_MAX_COPY_BYTES = 1 << 30


def _wants_device_view(x: np.ndarray, *, copied: bool) -> bool:
    """Whether ``flow`` should serve batches from a zero-copy JAX view of ``x``.

    On the CPU backend, when ``x`` is already importable, when ``np.asarray`` copied it
    anyway (dtype conversion: the aligned copy costs nothing extra), or when an extra
    copy is at most :data:`DEVICE_VIEW_MAX_COPY_BYTES`.
    """
    import jax

    if jax.default_backend() != "cpu" or x.dtype.kind not in "iuf" or x.size == 0:
        return False
    if jax.dtypes.canonicalize_dtype(x.dtype) != x.dtype:
        return False
    return copied or x.nbytes <= DEVICE_VIEW_MAX_COPY_BYTES or (x.flags.c_contiguous and x.ctypes.data % 64 == 0)


class Iterator(_pydataset_base()):
    """Base class of the image iterators (Keras's legacy ``Iterator``).

    Args:
        n: number of samples.
        batch_size: samples per batch (the last batch may be shorter).
        shuffle: reshuffle the order at the start of every epoch.
        seed: if set, ``np.random.seed(seed + total_batches_seen)`` before every batch
            (the GLOBAL numpy state, exactly as Keras does).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` for
            ``keras.utils.PyDataset``.
    """

    white_list_formats = files.WHITE_LIST_FORMATS

    def __init__(self, n, batch_size, shuffle, seed, **kwargs):
        super().__init__(**kwargs)
        self.n = validation.check_int("n", n, minimum=0)
        self.batch_size = validation.check_int("batch_size", batch_size, minimum=0)
        self.seed = seed if seed is None else validation.check_int("seed", seed)
        self.shuffle = validation.check_bool("shuffle", shuffle)
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        if self.batch_size == 0:
            return 0
        return (self.n + self.batch_size - 1) // self.batch_size

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current : current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def next(self):
        """``next(self)``; kept for tf.keras-era scripts (Keras 3 removed it)."""
        return self.__next__()

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    # -- shared batch machinery ------------------------------------------------------

    def _augment(self, batch, out_dtype, work_dtype=None, masks=None, mask_fill=None):
        """Random transform + standardize of a loaded batch (see ``ImageDataGenerator.augment_batch``).

        ``work_dtype`` is the dtype Keras's images have before the transform (a decoded
        ``uint8`` batch is warped as its float values, converted on the device).
        """
        gen = self.image_data_generator
        if not gen:
            if work_dtype is not None:
                batch = batch.astype(work_dtype, copy=False)
            return batch.astype(out_dtype), masks
        return gen.augment_batch(
            batch,
            dtype=out_dtype,
            work_dtype=work_dtype,
            pad_to=max(self.batch_size, len(batch)),
            masks=masks,
            mask_fill=mask_fill,
        )

    def _save_batch(self, batch_x, index_array, hash_high):
        if not self.save_to_dir:
            return
        for i, j in enumerate(index_array):
            img = files.array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{np.random.randint(hash_high)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches from in-memory arrays (Keras's ``NumpyArrayIterator``; used by ``flow``).

    ``x`` may be an image array or ``(images, misc)`` with ``misc`` one array or a list
    of arrays that are sliced alongside. Batches are ``x``, ``(x, y)`` or
    ``(x, y, sample_weight)``; with ``masks`` (beyond Keras, see
    ``ImageDataGenerator.flow``) ``(x, masks)`` or ``(x, (y, masks))``, plus
    ``sample_weight``.

    Speed (CPU backend): the jitted warp reads each batch's rows straight from the
    image array through a zero-copy JAX view, instead of gathering the batch on the
    host and copying it. That needs the array in 64-byte-aligned memory, so ``x`` is
    copied into such memory when it is not already there and either its conversion to
    ``dtype`` copies it anyway or it is at most ``DEVICE_VIEW_MAX_COPY_BYTES`` (1 GiB).
    The one difference this makes: when ``x`` already had ``dtype`` (Keras then keeps
    a reference, not a copy), later in-place changes to the caller's ``x`` are not
    seen by the iterator. Larger arrays and other backends use the host gather.
    """

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        ignore_class_split=False,
        dtype=None,
        *,
        masks=None,
        mask_fill=None,
    ):
        if data_format is None:
            data_format = files.image_data_format()
        validation.check_choice("data_format", data_format, ("channels_last", "channels_first"))
        if dtype is None:
            dtype = files.floatx()
        self.dtype = dtype
        if isinstance(x, (tuple, list)):
            if not isinstance(x[1], list):
                x_misc = [np.asarray(x[1])]
            else:
                x_misc = [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. "
                        f"Found a pair with: len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}"
                    )
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if masks is not None:
            masks = _check_masks(masks, x, data_format)
        mask_fill = _check_mask_fill(mask_fill, masks)
        if subset is not None:
            validation.check_choice("subset", subset, ("training", "validation"))
            split_idx = int(len(x) * image_data_generator._validation_split)
            if (
                y is not None
                and not ignore_class_split
                and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:]))
            ):
                raise ValueError(
                    "Training and validation subsets have different number of classes after the split. "
                    "If your numpy arrays are sorted by the label, you might want to shuffle them "
                    "(or pass `ignore_class_split=True`)."
                )
            if subset == "validation":
                x, x_misc = x[:split_idx], [np.asarray(xx[:split_idx]) for xx in x_misc]
                if y is not None:
                    y = y[:split_idx]
                if sample_weight is not None:
                    sample_weight = sample_weight[:split_idx]
                if masks is not None:
                    masks = masks[:split_idx]
            else:
                x, x_misc = x[split_idx:], [np.asarray(xx[split_idx:]) for xx in x_misc]
                if y is not None:
                    y = y[split_idx:]
                if sample_weight is not None:
                    sample_weight = sample_weight[split_idx:]
                if masks is not None:
                    masks = masks[split_idx:]
        given = np.asarray(x)
        self.x = np.asarray(given, dtype=self.dtype)
        self._device_x = None
        if self.x.ndim == 4 and image_data_generator and _wants_device_view(self.x, copied=self.x is not given):
            if transport.device_view(self.x) is None:
                # Convert straight into aligned memory (one copy, not a conversion plus a copy).
                self.x = None
                self.x = transport.aligned_copy(given, dtype=self.dtype)
            self._device_x = transport.device_view(self.x)
        self.masks = masks
        self.mask_fill = mask_fill
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with shape {self.x.shape}"
            )
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" (channels on axis '
                f"{channels_axis}), i.e. expected either 1, 3, or 4 channels on axis {channels_axis}. However, it "
                f"was passed an array with shape {self.x.shape} ({self.x.shape[channels_axis]} channels).",
                stacklevel=2,
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        _check_save_args(save_to_dir, save_prefix, save_format)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        masks = None if self.masks is None else self.masks[index_array]
        if self._device_x is not None:
            batch = transport.Rows(self.x, self._device_x, index_array)
        else:
            batch = self.x[index_array]
        batch_x, masks = self._augment(batch, self.dtype, masks=masks, mask_fill=self.mask_fill)
        self._save_batch(batch_x, index_array, 10_000)
        batch_x_miscs = [xx[index_array] for xx in self.x_misc]
        x_out = batch_x if not batch_x_miscs else [batch_x] + batch_x_miscs
        if masks is not None:
            target = masks if self.y is None else (self.y[index_array], masks)
        elif self.y is None:
            return x_out
        else:
            target = self.y[index_array]
        if self.sample_weight is not None:
            return x_out, target, self.sample_weight[index_array]
        return x_out, target


class BatchFromFilesMixin:
    """File decoding, labels and saving shared by the directory and dataframe iterators."""

    def set_processing_attrs(
        self,
        image_data_generator,
        target_size,
        color_mode,
        data_format,
        save_to_dir,
        save_prefix,
        save_format,
        subset,
        interpolation,
        keep_aspect_ratio,
        on_error="raise",
    ):
        self.image_data_generator = image_data_generator
        if (
            not isinstance(target_size, (tuple, list))
            or len(target_size) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in target_size)
        ):
            raise ValueError(f"`target_size` must be a pair of positive ints (height, width), got {target_size!r}.")
        self.target_size = tuple(int(v) for v in target_size)
        self.keep_aspect_ratio = validation.check_bool("keep_aspect_ratio", keep_aspect_ratio)
        validation.check_choice("color_mode", color_mode, files.COLOR_MODES)
        self.color_mode = color_mode
        validation.check_choice("data_format", data_format, ("channels_last", "channels_first"))
        self.data_format = data_format
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        if data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        _check_save_args(save_to_dir, save_prefix, save_format)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        validation.check_choice("interpolation", interpolation, files.INTERPOLATIONS)
        self.interpolation = interpolation
        validation.check_choice("subset", subset, _SUBSETS)
        if subset is not None:
            split = image_data_generator._validation_split if image_data_generator else 0.0
            self.split = (0, split) if subset == "validation" else (split, 1)
        else:
            self.split = None
        self.subset = subset
        validation.check_choice("on_error", on_error, _ON_ERROR)
        self.on_error = on_error
        self.skipped_files: list[str] = []
        self._skip_warned = False

    def _load(self, index_array):
        """Decodes the batch's files with threads; drops undecodable ones if skipping."""
        paths = [self.filepaths[j] for j in index_array]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", files.SkippedFilesWarning)
            batch, ok = files.load_images(
                paths,
                num_threads=DECODE_THREADS,
                on_error=self.on_error,
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
        if not ok.all():
            bad = [p for p, good in zip(paths, ok, strict=True) if not good]
            self.skipped_files.extend(bad)
            if not self._skip_warned:
                self._skip_warned = True
                warnings.warn(
                    files.SkippedFilesWarning(
                        f"{len(bad)} image file(s) could not be decoded and were skipped (first: {bad[0]!r}); "
                        "their batches are shorter. This warning is shown once per iterator; the full list "
                        "is in `.skipped_files`."
                    ),
                    stacklevel=3,
                )
            batch, index_array = batch[ok], np.asarray(index_array)[ok]
        # Decoded integers stay integers here: the float conversion Keras does on the host
        # (img_to_array, floatx) happens on the device, after a 4x smaller transfer.
        if self.data_format == "channels_first":
            batch = np.moveaxis(batch, -1, 1)
        return batch, index_array

    def _load_masks(self, index_array):
        """Decodes the batch's paired mask files (nearest-neighbour resize: labels are never blended)."""
        paths = [self.mask_filepaths[j] for j in index_array]
        masks, _ = files.load_images(
            paths,
            num_threads=DECODE_THREADS,
            color_mode=self.mask_color_mode,
            target_size=self.target_size,
            interpolation="nearest",
            keep_aspect_ratio=self.keep_aspect_ratio,
        )
        masks_lib.check_mask_fill(self.mask_fill, masks.dtype)  # the decoded dtype is known only now
        if self.mask_color_mode == "grayscale":
            return masks[..., 0]
        return np.moveaxis(masks, -1, 1) if self.data_format == "channels_first" else masks

    def _get_batches_of_transformed_samples(self, index_array):
        x, index_array = self._load(index_array)
        masks = self._load_masks(index_array) if getattr(self, "mask_filepaths", None) is not None else None
        batch_x, masks = self._augment(x, self.dtype, work_dtype=files.floatx(), masks=masks, mask_fill=self.mask_fill)
        self._save_batch(batch_x, index_array, 10_000_000)
        if masks is not None:
            if self.class_mode is None:
                return batch_x, masks
            return batch_x, (self._targets_for(batch_x, index_array), masks)
        if self.class_mode is None:
            return batch_x
        batch_y = self._targets_for(batch_x, index_array)
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]

    def _targets_for(self, batch_x, index_array):
        """The batch's labels for ``class_mode`` (not None), as Keras builds them."""
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in {"binary", "sparse"}:
            batch_y = np.empty(len(batch_x), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i] = self.classes[j]
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0
        elif self.class_mode == "multi_output":
            batch_y = [output[index_array] for output in self.labels]
        else:  # raw
            batch_y = self.labels[index_array]
        return batch_y


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Batches from a class-per-folder directory (Keras's ``DirectoryIterator``).

    Discovery (classes, file order, per-class validation split) is Keras's, via
    ``files.list_directory``. Beyond Keras: ``on_error="skip"`` drops files that fail
    to decode when their batch is built (so such a batch is shorter; labels stay
    aligned), warns once, and lists them in ``skipped_files``.

    Paired masks (opt-in): with ``mask_directory``, the mask of ``directory/REL`` is
    the file of ``mask_directory`` with the same relative folder and file stem (any
    white-listed extension, e.g. ``images/cats/1.jpg`` -> ``masks/cats/1.png``);
    every image must have exactly one, checked at construction. Masks are decoded
    with ``mask_color_mode`` (default ``"grayscale"``: ``(B, H, W)`` batches),
    resized with ``"nearest"``, warped with the image's matrix at order 0, and
    yielded as ``(x, masks)`` (``class_mode=None``) or ``(x, (y, masks))``; a mask
    file that cannot be decoded raises an error naming it. ``mask_fill`` (an int >= 0
    or None) is as in ``flow(..., mask_fill=...)``.
    """

    allowed_class_modes = set(_DIRECTORY_CLASS_MODES)

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype=None,
        *,
        on_error="raise",
        mask_directory=None,
        mask_color_mode="grayscale",
        mask_fill=None,
    ):
        if data_format is None:
            data_format = files.image_data_format()
        if dtype is None:
            dtype = files.floatx()
        self.set_processing_attrs(
            image_data_generator,
            target_size,
            color_mode,
            data_format,
            save_to_dir,
            save_prefix,
            save_format,
            subset,
            interpolation,
            keep_aspect_ratio,
            on_error,
        )
        validation.check_choice("class_mode", class_mode, _DIRECTORY_CLASS_MODES)
        self.class_mode = class_mode
        self.dtype = dtype
        self.directory = directory
        listing = files.list_directory(
            directory,
            classes=classes,
            validation_split=image_data_generator._validation_split if (subset and image_data_generator) else 0.0,
            subset=subset,
            follow_links=follow_links,
        )
        if any(name.lower().endswith(".tiff") for name in listing.filenames):
            warnings.warn(
                'Using ".tiff" files with multiple bands will cause distortion. Please verify your output.',
                stacklevel=2,
            )
        self.num_classes = listing.num_classes
        self.class_indices = dict(listing.class_indices)
        self.filenames = list(listing.filenames)
        self.classes = np.array(listing.classes, dtype=np.int32)
        self.samples = listing.samples
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, name) for name in self.filenames]
        validation.check_choice("mask_color_mode", mask_color_mode, files.COLOR_MODES)
        self.mask_color_mode = mask_color_mode
        if mask_fill is not None:
            if mask_directory is None:
                raise ValueError("`mask_fill` is only used with `mask_directory`; pass both or neither.")
            masks_lib.check_mask_fill(mask_fill, "int64")  # a whole number; the decoded dtype is checked later
        self.mask_fill = mask_fill
        self.mask_directory = mask_directory
        self.mask_filepaths = None if mask_directory is None else _mask_paths(mask_directory, self.filenames)
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """Paths of every file (``directory`` joined with ``filenames``)."""
        return self._filepaths

    @property
    def labels(self):
        """Class index of every file (same as ``classes``)."""
        return self.classes

    @property
    def sample_weight(self):
        """Always None for directories."""
        return None


def _validate_filename(filename, white_list_formats):
    return filename.lower().endswith(tuple(white_list_formats)) and os.path.isfile(filename)


def _mask_paths(mask_directory, filenames) -> list[str]:
    """The paired mask file of each image: same relative folder and stem, any white-listed extension."""
    if not isinstance(mask_directory, (str, bytes, os.PathLike)):
        raise TypeError(f"`mask_directory` must be a path, got {mask_directory!r}.")
    mask_directory = os.fsdecode(os.fspath(mask_directory))
    if not os.path.isdir(mask_directory):
        raise FileNotFoundError(f"`mask_directory` {mask_directory!r} does not exist or is not a directory.")
    listings: dict[str, dict[str, list[str]]] = {}
    paths = []
    for rel in filenames:
        folder, name = os.path.split(rel)
        if folder not in listings:
            by_stem: dict[str, list[str]] = {}
            try:
                entries = sorted(os.listdir(os.path.join(mask_directory, folder)))
            except OSError:
                entries = []
            for entry in entries:
                stem, ext = os.path.splitext(entry)
                if ext[1:].lower() in files.WHITE_LIST_FORMATS:
                    by_stem.setdefault(stem, []).append(entry)
            listings[folder] = by_stem
        candidates = listings[folder].get(os.path.splitext(name)[0], [])
        if name in candidates:
            candidates = [name]
        if len(candidates) != 1:
            found = "none" if not candidates else ", ".join(candidates)
            raise ValueError(
                f"Image {rel!r} needs exactly one mask file named {os.path.splitext(name)[0]!r}.<image extension> "
                f"in {os.path.join(mask_directory, folder)!r}; found {found}."
            )
        paths.append(os.path.join(mask_directory, folder, candidates[0]))
    return paths


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Batches from a pandas DataFrame of file names (Keras's ``DataFrameIterator``).

    Works without a generator (``image_data_generator=None``: no augmentation). Needs
    pandas (``pip install "jaxaug[dataframe]"``).
    """

    allowed_class_modes = set(_DATAFRAME_CLASS_MODES)

    def __init__(
        self,
        dataframe,
        directory=None,
        image_data_generator=None,
        x_col="filename",
        y_col="class",
        weight_col=None,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format="channels_last",
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype="float32",
        validate_filenames=True,
        *,
        on_error="raise",
    ):
        _require_pandas()
        self.set_processing_attrs(
            image_data_generator,
            target_size,
            color_mode,
            data_format,
            save_to_dir,
            save_prefix,
            save_format,
            subset,
            interpolation,
            keep_aspect_ratio,
            on_error,
        )
        df = dataframe.copy()
        self.directory = os.fspath(directory) if directory else ""
        self.class_mode = class_mode
        self.dtype = dtype
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        num_classes = 0
        if class_mode not in ("input", "multi_output", "raw", None):
            df, classes = self._filter_classes(df, y_col, classes)
            num_classes = len(classes)
            self.class_indices = {c: i for i, c in enumerate(classes)}
        if self.split:
            start, stop = int(self.split[0] * len(df)), int(self.split[1] * len(df))
            df = df.iloc[start:stop, :]
        if class_mode not in ("input", "multi_output", "raw", None):
            self.classes = self._get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        if class_mode in ("input", "multi_output", "raw", None):
            print(f"Found {self.samples} {validated} image filenames.")
        else:
            print(f"Found {self.samples} {validated} image filenames belonging to {num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        self.mask_filepaths = None
        self.mask_fill = None
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_params(self, df, x_col, y_col, weight_col, classes):
        if self.class_mode not in _DATAFRAME_CLASS_MODES:
            raise ValueError(
                f"Invalid class_mode: {self.class_mode!r}; expected one of: "
                f"{', '.join(repr(m) for m in _DATAFRAME_CLASS_MODES)}"
            )
        if self.class_mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(
                f'If class_mode="{self.class_mode}", y_col must be a list. Received {type(y_col).__name__}.'
            )
        if not all(df[x_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        if self.class_mode in {"binary", "sparse"} and not all(df[y_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f'If class_mode="{self.class_mode}", y_col="{y_col}" column values must be strings.')
        if self.class_mode == "binary":
            if classes:
                if len(set(classes)) != 2:
                    raise ValueError(
                        f'If class_mode="binary" there must be 2 classes. {len(set(classes))} class/es were given.'
                    )
            elif df[y_col].nunique() != 2:
                raise ValueError(
                    f'If class_mode="binary" there must be 2 classes. Found {df[y_col].nunique()} classes.'
                )
        if self.class_mode == "categorical" and not all(df[y_col].apply(lambda v: isinstance(v, (str, list, tuple)))):
            raise TypeError(
                f'If class_mode="{self.class_mode}", y_col="{y_col}" column values must be type string, list or tuple.'
            )
        if classes and self.class_mode in {"input", "multi_output", "raw", None}:
            warnings.warn(f'`classes` will be ignored given the class_mode="{self.class_mode}"', stacklevel=3)
        if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")

    def _get_classes(self, df, y_col):
        labels = []
        for label in df[y_col]:
            if isinstance(label, (list, tuple)):
                labels.append([self.class_indices[v] for v in label])
            else:
                labels.append(self.class_indices[label])
        return labels

    @staticmethod
    def _filter_classes(df, y_col, classes):
        df = df.copy()

        def keep(labels):
            if isinstance(labels, (list, tuple)):
                return [c for c in labels if c in classes] or None
            if isinstance(labels, str):
                return labels if labels in classes else None
            raise TypeError(f"Expect string, list or tuple but found {type(labels)} in {y_col} column ")

        if classes:
            classes = list(dict.fromkeys(classes))
            df[y_col] = df[y_col].apply(keep)
        else:
            found = set()
            for v in df[y_col]:
                if isinstance(v, (list, tuple)):
                    found.update(v)
                else:
                    found.add(v)
            classes = sorted(found)
        return df.dropna(subset=[y_col]), classes

    def _filter_valid_filepaths(self, df, x_col):
        paths = df[x_col].map(lambda fname: os.path.join(self.directory, fname))
        mask = paths.apply(_validate_filename, args=(self.white_list_formats,))
        n_invalid = int((~mask).sum())
        if n_invalid:
            warnings.warn(
                f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". These filename(s) will be ignored.',
                stacklevel=3,
            )
        return df[mask]

    @property
    def filepaths(self):
        """``directory`` joined with each ``x_col`` value."""
        return self._filepaths

    @property
    def labels(self):
        """Targets: the raw/multi_output columns, else the class indices."""
        if self.class_mode in {"multi_output", "raw"}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        """Values of ``weight_col`` (None without one)."""
        return self._sample_weight
