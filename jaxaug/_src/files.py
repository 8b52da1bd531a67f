"""Image-file discovery shared by the Keras drop-in iterators and the grain source.

:func:`list_directory` lists a class-per-folder tree exactly as Keras's legacy
``ImageDataGenerator.flow_from_directory`` does (same classes, files, order, labels and
per-class validation split), except that it never loops forever on symlink cycles and
names the directory when it does not exist. Decoding and the Keras image helpers live in
``image_io.py`` and are re-exported here, so loaders need one import.

Nothing here imports JAX; PIL is imported only when an image is actually decoded.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxaug._src import validation
from jaxaug._src.image_io import COLOR_MODES as COLOR_MODES
from jaxaug._src.image_io import INTERPOLATIONS as INTERPOLATIONS
from jaxaug._src.image_io import ImageFileError as ImageFileError
from jaxaug._src.image_io import SkippedFilesWarning as SkippedFilesWarning
from jaxaug._src.image_io import array_to_img as array_to_img
from jaxaug._src.image_io import decode_image as decode_image
from jaxaug._src.image_io import floatx as floatx
from jaxaug._src.image_io import image_data_format as image_data_format
from jaxaug._src.image_io import img_to_array as img_to_array
from jaxaug._src.image_io import load_images as load_images
from jaxaug._src.image_io import load_img as load_img
from jaxaug._src.image_io import save_img as save_img
from jaxaug._src.image_io import smart_resize as smart_resize

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
SUBSETS = (None, "training", "validation")


@dataclasses.dataclass(frozen=True, eq=False)
class FileListing:
    """The result of :func:`list_directory`.

    Attributes:
        directory: The listed directory (as a str).
        filenames: Paths relative to ``directory``, ``"class/sub/file.png"`` style, in
            Keras order (class order, then sorted walk order).
        classes: int32 class index of each file (read-only array).
        class_indices: Class name -> index.
    """

    directory: str
    filenames: tuple[str, ...]
    classes: np.ndarray
    class_indices: dict[str, int]

    @property
    def filepaths(self) -> tuple[str, ...]:
        """``directory`` joined with each filename."""
        return tuple(os.path.join(self.directory, name) for name in self.filenames)

    @property
    def samples(self) -> int:
        """Number of files."""
        return len(self.filenames)

    @property
    def num_classes(self) -> int:
        """Number of classes (including classes without files)."""
        return len(self.class_indices)


def _walk(top: str, follow_links: bool) -> list[tuple[str, list[str]]]:
    """``(root, file names)`` for every directory under ``top``, like ``os.walk``.

    Same entries as ``os.walk(top, followlinks=follow_links)`` (directories that cannot
    be read are skipped silently, as ``os.walk`` does), except that a directory is
    never entered from inside itself: with ``follow_links=True`` a symlink that points
    to one of its own ancestors is not followed, so cycles terminate. Trees without
    cycles give exactly ``os.walk``'s listing. Iterative, so depth is unbounded.
    """
    found = []
    try:
        top_id = os.stat(top)
    except OSError:
        return found
    stack = [(top, frozenset({(top_id.st_dev, top_id.st_ino)}))]
    while stack:
        root, ancestors = stack.pop()
        try:
            with os.scandir(root) as it:
                entries = list(it)
        except OSError:
            continue
        files = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(entry.name)
                continue
            if not follow_links and entry.is_symlink():
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if key not in ancestors:
                stack.append((os.path.join(root, entry.name), ancestors | {key}))
        found.append((root, files))
    return found


def _check_classes(classes: Any) -> list[str] | None:
    if classes is None:
        return None
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence):
        raise TypeError(f"`classes` must be None or a list of class folder names, got {classes!r}.")
    for name in classes:
        if not isinstance(name, str):
            raise TypeError(f"`classes` must contain only str folder names, got {name!r} in {classes!r}.")
    return list(classes)


def _check_formats(formats: Any) -> tuple[str, ...]:
    if isinstance(formats, str) or not isinstance(formats, Sequence) or not formats:
        raise TypeError(
            f"`formats` must be a non-empty tuple of file extensions such as ('png', 'jpg'), got {formats!r}."
        )
    for ext in formats:
        if not isinstance(ext, str) or not ext:
            raise TypeError(f"`formats` must contain non-empty str extensions, got {ext!r} in {formats!r}.")
    return tuple(ext.lower() for ext in formats)


def list_directory(
    directory,
    *,
    classes: Sequence[str] | None = None,
    validation_split: float = 0.0,
    subset: str | None = None,
    follow_links: bool = False,
    formats: Sequence[str] = WHITE_LIST_FORMATS,
) -> FileListing:
    """Lists a class-per-folder image tree exactly like Keras ``flow_from_directory``.

    * Classes: the sorted sub-directories of ``directory`` (hidden ones included, as in
      Keras), or the given ``classes`` in the given order (a name without a folder gets
      no files). Files directly inside ``directory`` are ignored.
    * Files: each class folder is walked recursively (into symlinked folders only with
      ``follow_links``), roots sorted as strings and names sorted within a root; a file
      is kept when its lower-cased name ends with one of ``formats`` -- without a dot
      check, as in Keras, so ``"foopng"`` matches ``"png"``.
    * Split: per class, with ``n`` files, ``"validation"`` is the first
      ``int(validation_split * n)`` files and ``"training"`` the rest; ``subset=None``
      keeps all files. ``validation_split=0`` with a subset is allowed (empty validation).

    Unlike Keras it does not print "Found N images ..." (callers do), and with
    ``follow_links=True`` a symlink back to one of its ancestors is not followed (Keras
    recurses until the OS gives up, listing files many times).

    Args:
        directory: str, bytes or ``os.PathLike``.
        classes: Optional list of class folder names (empty or None: discover).
        validation_split: 0, or a fraction strictly between 0 and 1.
        subset: None, ``"training"`` or ``"validation"``.
        follow_links: Follow symlinks to sub-directories.
        formats: Allowed file-name endings (lower case compared).

    Returns:
        A :class:`FileListing`.

    Raises:
        FileNotFoundError: ``directory`` does not exist.
        NotADirectoryError: ``directory`` is not a directory.
        TypeError, ValueError: A bad argument (named in the message).

    Examples:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ["dogs/b.png", "dogs/a.jpg", "cats/x/1.png", "cats/notes.txt"]:
        ...     (root / name).parent.mkdir(parents=True, exist_ok=True); (root / name).touch()
        >>> listing = list_directory(root)
        >>> listing.class_indices, listing.filenames, listing.classes.tolist()
        ({'cats': 0, 'dogs': 1}, ('cats/x/1.png', 'dogs/a.jpg', 'dogs/b.png'), [0, 1, 1])
    """
    if not isinstance(directory, (str, bytes, os.PathLike)):
        raise TypeError(f"`directory` must be a path (str, bytes or os.PathLike), got {directory!r}.")
    directory = os.fsdecode(os.fspath(directory))
    classes = _check_classes(classes)
    validation_split = validation.check_real(
        "validation_split", validation_split, minimum=0.0, maximum=1.0, max_inclusive=False
    )
    validation.check_choice("subset", subset, SUBSETS)
    follow_links = validation.check_bool("follow_links", follow_links)
    formats = _check_formats(formats)
    if not os.path.exists(directory):
        raise FileNotFoundError(f"`directory` {directory!r} does not exist.")
    if not os.path.isdir(directory):
        raise NotADirectoryError(f"`directory` {directory!r} is not a directory.")

    if not classes:
        classes = [name for name in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, name))]
    class_indices = {name: i for i, name in enumerate(classes)}  # duplicates: last index, as Keras
    if subset == "validation":
        split = (0.0, validation_split)
    elif subset == "training":
        split = (validation_split, 1.0)
    else:
        split = None

    filenames: list[str] = []
    labels: list[int] = []
    for name in classes:
        class_dir = os.path.join(directory, name)
        found = [
            (root, fname)
            for root, files in sorted(_walk(class_dir, follow_links), key=lambda item: item[0])
            for fname in sorted(files)
            if fname.lower().endswith(formats)
        ]
        if split is not None:
            found = found[int(split[0] * len(found)) : int(split[1] * len(found))]
        for root, fname in found:
            filenames.append(os.path.join(name, os.path.relpath(os.path.join(root, fname), class_dir)))
            labels.append(class_indices[name])
    class_array = np.asarray(labels, dtype=np.int32)
    class_array.setflags(write=False)
    return FileListing(
        directory=directory, filenames=tuple(filenames), classes=class_array, class_indices=class_indices
    )
