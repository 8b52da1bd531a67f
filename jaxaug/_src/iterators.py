"""Keras legacy iterators (``Iterator``, ``NumpyArrayIterator``, ``DirectoryIterator``,
``DataFrameIterator``) with batch-level JAX augmentation.

Behaviour follows ``keras.src.legacy.preprocessing.image`` (Keras 3.15.1): the same
length, indexing, global-RNG seeding (``np.random.seed(seed + total_batches_seen)`` per
batch), shuffling, file order, labels and validation splits. What changes is how a
batch is made:

1. files are decoded by a thread pool (``files.load_images``; PIL releases the GIL);
2. every image's parameters are drawn with ``get_random_transform`` in Keras's order,
   so the global numpy stream is the one Keras consumes;
3. the geometric part of the WHOLE batch runs in one jitted JAX call, padded to
   ``batch_size`` so the last short batch reuses the compiled program;
4. channel shift, brightness and ``standardize`` follow per image, as in Keras.

When Keras is installed the iterators subclass ``keras.utils.PyDataset``, so
``model.fit(iterator)`` works on any Keras 3 backend. Importing this module imports
Keras if it is available; ``import jaxaug`` never does.
"""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np

from jaxaug._src import files, validation

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

    def _augment(self, batch, out_dtype):
        """Random transform + standardize of a loaded batch, as Keras does it per image."""
        gen = self.image_data_generator
        out = np.zeros(batch.shape, dtype=out_dtype)
        if not gen:
            out[...] = batch
            return out
        params = [gen.get_random_transform(batch.shape[1:]) for _ in range(len(batch))]
        images = gen.transform_batch(batch, params, pad_to=max(self.batch_size, len(batch)))
        noop = gen._standardize_is_noop()
        for i, x in enumerate(images):
            out[i] = x if noop else gen.standardize(x)
        return out

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
    ``(x, y, sample_weight)``.
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
            else:
                x, x_misc = x[split_idx:], [np.asarray(xx[split_idx:]) for xx in x_misc]
                if y is not None:
                    y = y[split_idx:]
                if sample_weight is not None:
                    sample_weight = sample_weight[split_idx:]
        self.x = np.asarray(x, dtype=self.dtype)
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
        batch_x = self._augment(self.x[index_array], self.dtype)
        self._save_batch(batch_x, index_array, 10_000)
        batch_x_miscs = [xx[index_array] for xx in self.x_misc]
        x_out = batch_x if not batch_x_miscs else [batch_x] + batch_x_miscs
        if self.y is None:
            return x_out
        if self.sample_weight is not None:
            return x_out, self.y[index_array], self.sample_weight[index_array]
        return x_out, self.y[index_array]


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
        x = batch.astype(files.floatx())
        if self.data_format == "channels_first":
            x = np.moveaxis(x, -1, 1)
        return x, index_array

    def _get_batches_of_transformed_samples(self, index_array):
        x, index_array = self._load(index_array)
        batch_x = self._augment(x, self.dtype)
        self._save_batch(batch_x, index_array, 10_000_000)
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
        elif self.class_mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Batches from a class-per-folder directory (Keras's ``DirectoryIterator``).

    Discovery (classes, file order, per-class validation split) is Keras's, via
    ``files.list_directory``. Beyond Keras: ``on_error="skip"`` drops files that fail
    to decode when their batch is built (so such a batch is shorter; labels stay
    aligned), warns once, and lists them in ``skipped_files``.
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
