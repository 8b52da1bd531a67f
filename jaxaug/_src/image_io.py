"""Image decoding and Keras-compatible image I/O, with errors that name the file.

Two layers live here:

* The Keras 3 ``keras.utils`` image helpers (``load_img``, ``img_to_array``,
  ``array_to_img``, ``save_img``, ``smart_resize``) with Keras's signatures, defaults,
  results and error messages, re-written from the documented behaviour. The one
  deliberate difference: anything that goes wrong while reading or decoding a file
  raises :class:`ImageFileError`, which names the file and the reason.
* Batch decoding for loaders: :func:`decode_image` (one file to a channels-last numpy
  array in the file's natural integer dtype) and :func:`load_images` (a thread pool of
  those, with ``on_error="raise"`` or ``"skip"``).

PIL, Keras and JAX are imported lazily, inside the functions that need them, so
``import jaxaug`` stays light.
"""

from __future__ import annotations

import concurrent.futures
import errno
import io
import os
import pathlib
import stat
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxaug._src import validation

COLOR_MODES = ("grayscale", "rgb", "rgba")
# Keras's names for PIL's resampling filters, in Keras's order (used in its error message).
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_DATA_FORMATS = ("channels_first", "channels_last")
_MAX_NAMES_IN_WARNING = 5


class ImageFileError(ValueError):
    """An image file could not be read or decoded.

    Attributes:
        path: The offending path as given (str, bytes, ``os.PathLike`` or a file object).
        reason: A short description of what went wrong (usually the underlying
            exception's type and message).
    """

    def __init__(self, path: Any, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"Cannot load image file {_describe(path)}: {reason}")

    def __reduce__(self):  # keep the two-argument constructor picklable (thread/process pools)
        return (type(self), (self.path, self.reason))


class SkippedFilesWarning(UserWarning):
    """Emitted once per :func:`load_images` call with ``on_error="skip"`` when files were skipped."""


def _describe(path: Any) -> str:
    if isinstance(path, io.IOBase):
        return f"<in-memory file {type(path).__name__}>"
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    # repr() keeps undecodable (surrogate-escaped) and bytes names printable.
    return repr(path)


def _reason(err: BaseException) -> str:
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def image_data_format() -> str:
    """Returns Keras's global image data format, or ``"channels_last"`` without Keras.

    Keras is imported lazily; if it is not installed (or cannot be imported),
    the Keras default ``"channels_last"`` is returned.
    """
    try:
        import keras
    except ImportError:
        return "channels_last"
    return keras.config.image_data_format()


def floatx() -> str:
    """Returns Keras's global float type, or ``"float32"`` without Keras."""
    try:
        import keras
    except ImportError:
        return "float32"
    return keras.config.floatx()


def _standardize_data_format(data_format: Any) -> str:
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in _DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={value}"
        )
    return value


def _pil():
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - pillow is in every extra that needs it
        raise ImportError(
            "Reading and writing image files needs Pillow: `pip install jaxaug[image]` (or `pip install pillow`)."
        ) from err
    return Image


def _read_regular_file(path) -> bytes:
    """Reads a REGULAR file; anything else raises at once instead of blocking or never ending.

    Opening a FIFO for reading waits forever for a writer, and a device such as
    ``/dev/zero`` never ends: the file is opened non-blocking and checked with
    ``fstat`` before a byte is read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, socket or device)", path)
        with os.fdopen(fd, "rb") as f:
            fd = None
            return f.read()
    finally:
        if fd is not None:
            os.close(fd)


def _read_bytes(path: Any) -> tuple[bytes | io.IOBase, Any]:
    """Returns the file's content (or the BytesIO) and the path to name in errors."""
    if isinstance(path, io.BytesIO):
        return path, path
    if isinstance(path, (pathlib.Path, bytes, str)):
        shown = path
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        try:
            return _read_regular_file(path), shown
        except OSError as err:
            raise ImageFileError(shown, _reason(err)) from err
    raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")


def _open_checked(path: Any):
    """Opens and fully decodes ``path`` with PIL; every failure becomes ImageFileError."""
    Image = _pil()
    data, shown = _read_bytes(path)
    try:
        img = Image.open(data if isinstance(data, io.BytesIO) else io.BytesIO(data))
        # PIL only *warns* between MAX_IMAGE_PIXELS and twice that: make it an error here,
        # whatever the warning filters say (the warning itself is PIL's and may also show).
        limit = Image.MAX_IMAGE_PIXELS
        if limit is not None and img.size[0] * img.size[1] > limit:
            raise Image.DecompressionBombError(
                f"image size {img.size[0]}x{img.size[1]} = {img.size[0] * img.size[1]} pixels exceeds "
                f"PIL.Image.MAX_IMAGE_PIXELS = {limit} (possible decompression bomb; raise the limit if the "
                "file is trusted)"
            )
        img.load()
    except ImageFileError:
        raise
    except Exception as err:  # noqa: BLE001 - any decoder failure is a bad file
        raise ImageFileError(shown, _reason(err)) from err
    return img, shown


def _resize_box(width: int, height: int, target_w: int, target_h: int) -> tuple[int, int, int, int]:
    """Keras's centred crop box (integer arithmetic) with the target aspect ratio."""
    crop_h = min(height, (width * target_h) // target_w)
    crop_w = min(width, (height * target_w) // target_h)
    top = (height - crop_h) // 2
    left = (width - crop_w) // 2
    return (left, top, left + crop_w, top + crop_h)


def _load_pil(path, color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose=False):
    """The single implementation behind ``load_img`` and ``decode_image``."""
    Image = _pil()
    img, shown = _open_checked(path)
    if color_mode not in COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    try:
        if exif_transpose:
            from PIL import ImageOps

            img = ImageOps.exif_transpose(img)
        if color_mode == "grayscale":
            if img.mode not in ("L", "I;16", "I"):
                img = img.convert("L")
        elif color_mode == "rgba":
            if img.mode != "RGBA":
                img = img.convert("RGBA")
        elif img.mode != "RGB":
            img = img.convert("RGB")
    except Exception as err:  # noqa: BLE001
        raise ImageFileError(shown, _reason(err)) from err
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Invalid interpolation method {interpolation} specified. Supported methods are {', '.join(INTERPOLATIONS)}"
        )
    resample = getattr(Image.Resampling, interpolation.upper())
    box = _resize_box(*img.size, *size) if keep_aspect_ratio else None
    try:
        return img.resize(size, resample, box=box)
    except Exception as err:  # noqa: BLE001 - e.g. a mode PIL cannot resample
        raise ImageFileError(shown, _reason(err)) from err


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file into a PIL image, like ``keras.utils.load_img``.

    Args:
        path: str, bytes, ``pathlib.Path`` or ``io.BytesIO``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``. Grayscale keeps 16- and
            32-bit grayscale (PIL modes ``I;16`` and ``I``); everything else converts with
            PIL (alpha is dropped without compositing for ``"rgb"``).
        target_size: ``None`` or ``(height, width)``.
        interpolation: PIL filter used when a resize is needed: ``"nearest"``,
            ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: Centre-crop to the target aspect ratio before resizing.

    Returns:
        A fully loaded ``PIL.Image.Image``.

    Raises:
        ImageFileError: The file is missing, unreadable, not an image, truncated,
            larger than ``PIL.Image.MAX_IMAGE_PIXELS`` or otherwise undecodable.
            (Keras raises the underlying PIL/OS error instead; PIL's decompression-bomb
            *warning* is an error here.)
        TypeError: ``path`` has an unsupported type.
        ValueError: Bad ``color_mode``, or bad ``interpolation`` when a resize is needed
            (Keras's messages and timing).
    """
    return _load_pil(path, color_mode, target_size, interpolation, keep_aspect_ratio)


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image to a rank-3 numpy array, like ``keras.utils.img_to_array``.

    Args:
        img: A PIL image (or anything ``np.asarray`` accepts).
        data_format: ``"channels_last"``/``"channels_first"``; ``None`` means
            :func:`image_data_format`.
        dtype: Output dtype; ``None`` means :func:`floatx`.

    Returns:
        ``(H, W, C)`` or ``(C, H, W)`` array; 2-D images gain a channel axis.
    """
    data_format = _standardize_data_format(data_format)
    if dtype is None:
        dtype = floatx()
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1, *x.shape) if data_format == "channels_first" else (*x.shape, 1))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a rank-3 array to a PIL image, like ``keras.utils.array_to_img``.

    With ``scale=True`` values are min-max rescaled to [0, 255]. 4 channels give RGBA,
    3 give RGB, 1 gives ``L`` (or 32-bit ``I`` when the maximum exceeds 255).
    """
    data_format = _standardize_data_format(data_format)
    if dtype is None:
        dtype = floatx()
    Image = _pil()
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGBA" if channels == 4 else "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves a rank-3 array as an image file, like ``keras.utils.save_img``.

    The format comes from ``file_format`` or the path's suffix (``jpg`` means JPEG and,
    unlike Keras, which fails there, ``tif`` means TIFF);
    RGBA saved as JPEG is converted to RGB with a warning, as in Keras. Extra keyword
    arguments go to ``PIL.Image.Image.save``.
    """
    data_format = _standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    if file_format and file_format.lower() == "tif":  # PIL knows only "TIFF" (Keras fails with KeyError: 'TIF')
        file_format = "tiff"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Centre-crops to the target aspect ratio, then resizes; like Keras ``smart_resize``.

    The resize is ``jax.image.resize`` without antialiasing, which is what Keras 3
    uses on the JAX backend, so results match Keras (JAX backend) exactly. No
    TensorFlow is involved.

    Args:
        x: ``(H, W, C)`` or ``(B, H, W, C)`` image(s) (channels first with
            ``data_format="channels_first"``), numpy or JAX.
        size: ``(height, width)``.
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"lanczos3"`` or
            ``"lanczos5"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        The resized image(s); a numpy array for numpy input, else a ``jax.Array``.
    """
    import jax
    import jax.numpy as jnp

    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    methods = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
    if interpolation not in methods:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {methods}. "
            f"Received: interpolation={interpolation}"
        )
    data_format = _standardize_data_format(data_format)
    img = jnp.asarray(x)
    if img.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, width, "
            f"channels)`, but got input with incorrect rank, of shape {img.shape}."
        )
    row_axis = img.ndim - 3 if data_format == "channels_last" else img.ndim - 2
    height, width = img.shape[row_axis], img.shape[row_axis + 1]
    target_h, target_w = size
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    top = int(float(height - crop_h) / 2)
    left = int(float(width - crop_w) / 2)
    index = [slice(None)] * img.ndim
    index[row_axis] = slice(top, top + crop_h)
    index[row_axis + 1] = slice(left, left + crop_w)
    img = img[tuple(index)]
    shape = list(img.shape)
    shape[row_axis], shape[row_axis + 1] = target_h, target_w
    out = jax.image.resize(img, tuple(shape), method=interpolation, antialias=False)
    return np.array(out) if isinstance(x, np.ndarray) else out


# ----------------------------------------------------------------------------- batch decoding


def _check_decode_args(color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose):
    validation.check_choice("color_mode", color_mode, COLOR_MODES)
    if target_size is not None:
        if isinstance(target_size, (str, bytes)) or not isinstance(target_size, Sequence) or len(target_size) != 2:
            raise ValueError(f"`target_size` must be None or a (height, width) pair of ints, got {target_size!r}.")
        target_size = (
            validation.check_int("target_size[0]", target_size[0], minimum=1),
            validation.check_int("target_size[1]", target_size[1], minimum=1),
        )
    validation.check_choice("interpolation", interpolation, INTERPOLATIONS)
    keep_aspect_ratio = validation.check_bool("keep_aspect_ratio", keep_aspect_ratio)
    exif_transpose = validation.check_bool("exif_transpose", exif_transpose)
    return color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose


def _to_hwc(img) -> np.ndarray:
    x = np.asarray(img)
    return x[:, :, None] if x.ndim == 2 else x


def _decode(path, color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose) -> np.ndarray:
    """Decodes one file (arguments already validated); any failure is an ImageFileError."""
    try:
        img = _load_pil(path, color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose)
        return _to_hwc(img)
    except (ImageFileError, TypeError):
        raise
    except Exception as err:  # noqa: BLE001 - e.g. MemoryError on a huge but allowed image
        raise ImageFileError(path, _reason(err)) from err


def decode_image(
    path,
    *,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
    exif_transpose: bool = False,
) -> np.ndarray:
    """Decodes one image file to a channels-last numpy array in its natural dtype.

    The values equal ``img_to_array(load_img(path, ...))`` (Keras's loader) exactly;
    only the dtype differs: ``uint8`` for 8-bit images, ``uint16`` for 16-bit
    grayscale (PIL ``I;16``) and ``int32`` for 32-bit grayscale (PIL ``I``), the
    latter two only with ``color_mode="grayscale"``.

    Args:
        path: str, bytes, ``pathlib.Path`` or ``io.BytesIO``.
        color_mode: ``"grayscale"`` (1 channel), ``"rgb"`` (3) or ``"rgba"`` (4).
        target_size: ``None`` (keep the file's size) or ``(height, width)``.
        interpolation: PIL filter for resizing (see :func:`load_img`).
        keep_aspect_ratio: Centre-crop to the target aspect ratio before resizing.
        exif_transpose: Apply the EXIF orientation tag first. Off by default because
            Keras ignores it.

    Returns:
        ``(H, W, C)`` numpy array.

    Raises:
        ImageFileError: On any failure to read or decode the file (names the file).
        TypeError, ValueError: Bad arguments (checked before the file is touched).

    Examples:
        >>> import io, numpy as np
        >>> from PIL import Image
        >>> buf = io.BytesIO(); Image.new("RGB", (4, 2), (255, 0, 0)).save(buf, "PNG")
        >>> decode_image(buf, target_size=(2, 2)).shape
        (2, 2, 3)
    """
    args = _check_decode_args(color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose)
    return _decode(path, *args)


_POOLS: dict[int, concurrent.futures.ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()
_POOL_PREFIX = "jaxaug-decode"


def _decode_pool(num_threads: int) -> concurrent.futures.ThreadPoolExecutor:
    """A process-wide decoder pool with ``num_threads`` threads, created on first use.

    Loaders call :func:`load_images` once per batch; reusing the threads saves creating
    and joining ``num_threads`` threads per batch. Idle pool threads cost nothing and
    ``concurrent.futures`` joins them at interpreter exit.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(num_threads)
        if pool is None:
            pool = concurrent.futures.ThreadPoolExecutor(max_workers=num_threads, thread_name_prefix=_POOL_PREFIX)
            _POOLS[num_threads] = pool
        return pool


def load_images(
    paths,
    *,
    num_threads: int = 2,
    on_error: str = "raise",
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
    exif_transpose: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Decodes many files with a thread pool into one ``(N, H, W, C)`` batch.

    PIL releases the GIL while decoding, so threads (never processes) give real
    parallelism and stay safe with JAX running in the same process. The threads
    belong to a process-wide pool per ``num_threads`` that is reused across calls.

    Args:
        paths: Sequence of paths (see :func:`decode_image`).
        num_threads: Decoder threads (>= 1; 1 decodes in the calling thread).
        on_error: ``"raise"``: raise the :class:`ImageFileError` of the first bad file
            in ``paths`` order. ``"skip"``: a bad file's row is zero-filled and its
            ``ok`` entry is False; one :class:`SkippedFilesWarning` per call gives the
            count and the first few names.
        color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose:
            As in :func:`decode_image`.

    Returns:
        ``(batch, ok)``: ``batch`` has one dtype (the widest of the decoded images',
        ``uint8`` for ordinary files); ``ok`` is a bool ``(N,)`` mask. If no file
        decodes and ``target_size`` is None, ``batch`` has shape ``(N, 0, 0, C)``.

    Raises:
        ImageFileError: ``on_error="raise"`` and a file is bad.
        ValueError: Images differ in size and ``target_size`` is None, or bad arguments.
    """
    args = _check_decode_args(color_mode, target_size, interpolation, keep_aspect_ratio, exif_transpose)
    num_threads = validation.check_int("num_threads", num_threads, minimum=1)
    validation.check_choice("on_error", on_error, ("raise", "skip"))
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError(f"`paths` must be a sequence of paths, not a single path ({paths!r}).")
    paths = list(paths)
    n = len(paths)
    images: list[np.ndarray | None] = [None] * n
    errors: list[ImageFileError | None] = [None] * n

    def work(i: int) -> None:
        try:
            images[i] = _decode(paths[i], *args)
        except ImageFileError as err:
            errors[i] = err

    # Inside a pool thread (a nested call) decode inline: waiting on the pool could deadlock.
    if num_threads == 1 or n <= 1 or threading.current_thread().name.startswith(_POOL_PREFIX):
        for i in range(n):
            work(i)
            if errors[i] is not None and on_error == "raise":
                raise errors[i]
    else:
        futures = [_decode_pool(num_threads).submit(work, i) for i in range(n)]
        try:
            for i, future in enumerate(futures):
                future.result()  # re-raises TypeError for a bad path type
                if errors[i] is not None and on_error == "raise":
                    raise errors[i]
        finally:
            # On an error, drop the files not started yet and wait for the running ones, so
            # nothing of this call outlives it (the pool itself is shared and stays up).
            for future in futures:
                future.cancel()
            concurrent.futures.wait(futures)

    ok = np.array([img is not None for img in images], dtype=bool)
    good = [img for img in images if img is not None]
    channels = _CHANNELS[args[0]]
    if good:
        shapes = {img.shape for img in good}
        if len(shapes) > 1:
            first = next(i for i in range(n) if ok[i])
            other = next(i for i in range(n) if ok[i] and images[i].shape != images[first].shape)
            raise ValueError(
                f"Images differ in size: {_describe(paths[first])} is {images[first].shape} but "
                f"{_describe(paths[other])} is {images[other].shape}; pass `target_size=(height, width)` "
                "to load them into one batch."
            )
        shape, dtype = good[0].shape, np.result_type(*(img.dtype for img in good))
    else:
        shape = (*args[1], channels) if args[1] is not None else (0, 0, channels)
        dtype = np.dtype(np.uint8)
    batch = np.zeros((n, *shape), dtype=dtype)
    for i, img in enumerate(images):
        if img is not None:
            batch[i] = img
    if not ok.all():
        bad = [errors[i] for i in range(n) if not ok[i]]
        shown = "; ".join(f"{_describe(e.path)} ({e.reason})" for e in bad[:_MAX_NAMES_IN_WARNING])
        more = f"; and {len(bad) - _MAX_NAMES_IN_WARNING} more" if len(bad) > _MAX_NAMES_IN_WARNING else ""
        warnings.warn(
            SkippedFilesWarning(f"Skipped {len(bad)} of {n} image files that could not be loaded: {shown}{more}"),
            stacklevel=2,
        )
    return batch, ok
