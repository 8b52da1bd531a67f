"""Reliability of file discovery and decoding on bad input (issue #8, file side).

Every bad file is generated here in tmp_path (no committed binaries). Each case asserts what the user
sees: an ``ImageFileError`` that names the file and the reason, a Keras-identical decode for odd but
valid modes, a terminating listing for symlink loops, and with ``on_error="skip"`` a correct ok mask and
a single ``SkippedFilesWarning``. Where Keras is the reference, the real Keras modules are the oracle.

Every failure here is real when the tests run as root (as CI does): no case relies on file permissions.
Cases that could block (a FIFO, symlink loops) run in a subprocess (tests/bad_files_worker.py) with a
timeout. The module-level case tuples are also what tests/test_readme_figures.py counts for the README.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import keras.src.legacy.preprocessing.image as legacy
import keras.src.utils.image_utils as image_utils
import numpy as np
import pytest
from PIL import Image as PIL_Image
from PIL import ImageOps

from jaxaug._src import files
from tests import bad_files_worker

WORKER = str(Path(bad_files_worker.__file__))
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
SUBPROCESS_TIMEOUT = 60  # seconds; a worker that needs longer is blocked, and the test fails


def run_worker(*args, timeout=SUBPROCESS_TIMEOUT):
    """Runs bad_files_worker.py; returns its stdout. A worker still running after ``timeout`` s fails the test."""
    try:
        result = subprocess.run(
            [sys.executable, WORKER, *map(str, args)], env=ENV, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"bad_files_worker.py {' '.join(map(str, args))} was still blocked after {timeout} s")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _random_rgb(h, w, seed):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _jpeg_bytes(h=12, w=16, seed=0):
    buf = io.BytesIO()
    PIL_Image.fromarray(_random_rgb(h, w, seed)).save(buf, "JPEG")
    return buf.getvalue()


def _write(path, data: bytes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _save(path, img, **kwargs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, **kwargs)
    return path


@pytest.fixture
def corpus(tmp_path):
    """Bad files and odd-but-valid files, by case name."""
    d = str(tmp_path / "corpus")
    rgb = PIL_Image.fromarray(_random_rgb(6, 8, 1))
    exif = PIL_Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    palette = rgb.convert("P", palette=PIL_Image.Palette.ADAPTIVE, colors=8)
    la = PIL_Image.fromarray(np.random.default_rng(2).integers(0, 256, (6, 8, 2), dtype=np.uint8), "LA")
    i16 = PIL_Image.fromarray(np.random.default_rng(3).integers(0, 65536, (6, 8)).astype(np.uint16))
    jpeg = _jpeg_bytes()
    return {
        "good": _save(f"{d}/good.png", rgb),
        "truncated_jpeg": _write(f"{d}/truncated.jpg", jpeg[: len(jpeg) // 2]),
        "truncated_tail_jpeg": _write(f"{d}/truncated_tail.jpg", jpeg[:-2]),
        "zero_bytes": _write(f"{d}/zero.jpg", b""),
        "text_as_jpeg": _write(f"{d}/text.jpg", b"this is not an image\n" * 4),
        "header_only_png": _write(f"{d}/header.png", b"\x89PNG\r\n\x1a\n"),
        "cmyk_jpeg": _save(f"{d}/cmyk.jpg", rgb.convert("CMYK")),
        "palette_png": _save(f"{d}/palette.png", palette),
        "la_png": _save(f"{d}/la.png", la),
        "i16_png": _save(f"{d}/i16.png", i16),
        "exif_rotated_jpeg": _save(f"{d}/exif.jpg", rgb, exif=exif),
    }


BAD = ("truncated_jpeg", "truncated_tail_jpeg", "zero_bytes", "text_as_jpeg", "header_only_png")
ODD_BUT_VALID = ("cmyk_jpeg", "palette_png", "la_png", "i16_png", "exif_rotated_jpeg")


@pytest.mark.parametrize("case", BAD)
def test_bad_file_raises_image_file_error_naming_it(corpus, case):
    path = corpus[case]
    with pytest.raises(files.ImageFileError) as err:
        files.decode_image(path)
    assert err.value.path == path
    assert repr(path) in str(err.value) and err.value.reason in str(err.value)
    assert isinstance(err.value, ValueError) and err.value.__cause__ is not None
    with pytest.raises(files.ImageFileError, match=os.path.basename(path)):
        files.load_img(path)
    # Keras fails too (with a bare PIL/OS error that does not always name the file).
    with pytest.raises(Exception):  # noqa: B017 - any failure; the point is that the file is really bad
        image_utils.img_to_array(image_utils.load_img(path))


def test_truncated_reasons_are_specific(corpus):
    with pytest.raises(files.ImageFileError, match="truncated|Truncated"):
        files.decode_image(corpus["truncated_tail_jpeg"])
    with pytest.raises(files.ImageFileError, match="cannot identify image file"):
        files.decode_image(corpus["zero_bytes"])


@pytest.mark.parametrize("case", ODD_BUT_VALID)
@pytest.mark.parametrize("color_mode", ["grayscale", "rgb", "rgba"])
@pytest.mark.parametrize("target_size", [None, (5, 3)])
def test_odd_modes_decode_like_keras(corpus, case, color_mode, target_size):
    path = corpus[case]
    kw = dict(color_mode=color_mode, target_size=target_size, interpolation="bilinear")
    expected = image_utils.img_to_array(image_utils.load_img(path, **kw), data_format="channels_last", dtype="float64")
    got = files.decode_image(path, **kw)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.astype(np.float64), expected)
    keeps_16_bit = case == "i16_png" and color_mode == "grayscale"
    assert got.dtype == (np.uint16 if keeps_16_bit else np.uint8)
    if keeps_16_bit:
        assert got.max() > 255  # not squashed to 8 bits


def test_exif_orientation_ignored_by_default_like_keras(corpus):
    path = corpus["exif_rotated_jpeg"]
    default = files.decode_image(path)
    assert default.shape == (6, 8, 3)  # stored orientation, as Keras
    np.testing.assert_array_equal(default, np.asarray(image_utils.load_img(path)))
    turned = files.decode_image(path, exif_transpose=True)
    oracle = np.asarray(ImageOps.exif_transpose(PIL_Image.open(path)).convert("RGB"))
    assert turned.shape == (8, 6, 3)
    np.testing.assert_array_equal(turned, oracle)


# ----------------------------------------------------------------------------- decompression bombs


@pytest.fixture
def small_pixel_limit(monkeypatch):
    """PIL's bomb guard at 100 pixels (warning above 100, error above 200); monkeypatch restores it."""
    monkeypatch.setattr(PIL_Image, "MAX_IMAGE_PIXELS", 100)
    return 100


def _png(path, w, h):
    return _save(path, PIL_Image.new("RGB", (w, h), (1, 2, 3)))


def test_decompression_bomb_error_is_image_file_error(tmp_path, small_pixel_limit):
    path = _png(str(tmp_path / "huge.png"), 20, 20)  # 400 > 2 * limit: PIL raises
    with pytest.raises(files.ImageFileError, match="decompression bomb") as err:
        files.decode_image(path)
    assert err.value.path == path
    assert isinstance(err.value.__cause__, PIL_Image.DecompressionBombError)


@pytest.mark.parametrize("warning_filter", ["error", "ignore", "always"])
def test_decompression_bomb_warning_never_passes_silently(tmp_path, small_pixel_limit, warning_filter):
    path = _png(str(tmp_path / "big.png"), 12, 10)  # 120 pixels: PIL only warns
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter(warning_filter, PIL_Image.DecompressionBombWarning)
        with pytest.raises(files.ImageFileError, match="decompression bomb") as err:
            files.decode_image(path)
    assert err.value.path == path
    assert all(issubclass(w.category, PIL_Image.DecompressionBombWarning) for w in seen)
    # Keras (with the warning ignored) would quietly decode it: the behaviour jaxaug refuses.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PIL_Image.DecompressionBombWarning)
        assert np.asarray(image_utils.load_img(path)).shape == (10, 12, 3)


def test_pixel_limit_none_disables_the_guard(tmp_path, monkeypatch):
    path = _png(str(tmp_path / "big.png"), 12, 10)
    monkeypatch.setattr(PIL_Image, "MAX_IMAGE_PIXELS", None)
    assert files.decode_image(path).shape == (10, 12, 3)


# ----------------------------------------------------------------------------- names and paths


def test_unicode_and_non_utf8_names(tmp_path):
    root = tmp_path / "data"
    unicode_path = _save(str(root / "gatos" / "ñandú 猫 🐈.png"), PIL_Image.fromarray(_random_rgb(4, 5, 1)))
    raw_dir = os.path.join(os.fsencode(str(root)), b"bytes_class")
    os.makedirs(raw_dir)
    raw_name = os.path.join(raw_dir, b"caf\xe9_latin1.png")  # not valid UTF-8
    try:
        PIL_Image.fromarray(_random_rgb(4, 5, 2)).save(raw_name, format="PNG")
    except OSError:  # pragma: no cover - filesystems that refuse non-UTF-8 names
        pytest.skip("filesystem does not accept non-UTF-8 file names")
    _write(os.fsdecode(os.path.join(raw_dir, b"bad_\xff.jpg")), b"junk")

    ours = files.list_directory(root)
    theirs = legacy.ImageDataGenerator().flow_from_directory(str(root), target_size=(4, 4))
    assert list(ours.filenames) == theirs.filenames and list(ours.filepaths) == theirs.filepaths
    assert os.path.join("gatos", "ñandú 猫 🐈.png") in ours.filenames
    assert os.fsdecode(os.path.join(b"bytes_class", b"caf\xe9_latin1.png")) in ours.filenames

    for path in ours.filepaths[1:]:
        assert files.decode_image(path).shape == (4, 5, 3)
    np.testing.assert_array_equal(files.decode_image(raw_name), files.decode_image(os.fsdecode(raw_name)))
    np.testing.assert_array_equal(files.decode_image(unicode_path), _random_rgb(4, 5, 1))

    bad = ours.filepaths[0]
    assert bad.endswith(".jpg")
    with pytest.raises(files.ImageFileError) as err:
        files.decode_image(bad)
    message = str(err.value)
    message.encode("utf-8")  # printable even though the name is not valid UTF-8
    assert "bad_" in message and err.value.path == bad


# Paths that are not a readable regular file; every one is a real failure for root too.
BAD_PATHS = ("missing", "removed_after_listing", "directory", "directory_named_like_image", "fifo_named_like_image")
MAY_BLOCK = {"fifo_named_like_image"}  # opening a FIFO for reading waits for a writer: decode in a subprocess
BAD_PATH_REASONS = {
    "missing": "FileNotFoundError",
    "removed_after_listing": "FileNotFoundError",
    "directory": "IsADirectoryError",
    "directory_named_like_image": "IsADirectoryError",
    "fifo_named_like_image": "",  # any reason, as long as it is an ImageFileError naming the file
}


def _bad_path(root, case):
    """Builds ``case`` in the class folder ``root/cls`` (next to a good ``ok.png``); returns its path."""
    cls = root / "cls"
    _save(str(cls / "ok.png"), PIL_Image.new("RGB", (3, 3)))
    if case == "missing":
        return str(cls / "nope.png")
    if case == "removed_after_listing":
        path = _save(str(cls / "gone.png"), PIL_Image.new("RGB", (3, 3)))
        assert path in files.list_directory(root).filepaths
        os.remove(path)  # e.g. another process cleaning up between the listing and the batch
        return path
    if case == "directory":
        return str(cls)
    if case == "directory_named_like_image":
        os.makedirs(cls / "cat.png")
        return str(cls / "cat.png")
    os.mkfifo(cls / "pipe.png")
    return str(cls / "pipe.png")


@pytest.mark.parametrize("case", BAD_PATHS)
def test_bad_path_is_an_image_file_error_naming_it(tmp_path, case):
    root = tmp_path / "data"
    path = _bad_path(root, case)
    listed = files.list_directory(root).filepaths  # never opens a file, so it cannot block
    if case in ("directory_named_like_image", "removed_after_listing"):
        theirs = legacy.ImageDataGenerator().flow_from_directory(str(root), target_size=(3, 3))
        assert list(listed) == theirs.filepaths == [str(root / "cls" / "ok.png")]  # not listed, as in Keras
    if case == "fifo_named_like_image":
        assert path in listed  # a loader reaches the decoder with it
    if case in MAY_BLOCK:
        outcomes = json.loads(run_worker("decode", path))
    else:
        outcomes = []
        for call in (files.decode_image, lambda p: files.load_images([p])):
            with pytest.raises(files.ImageFileError) as err:
                call(path)
            outcomes.append({"error": "ImageFileError", "path": err.value.path, "reason": str(err.value)})
    for outcome in outcomes:  # decode_image, then load_images
        assert outcome["error"] == "ImageFileError" and outcome["path"] == path, outcome
        assert repr(path) in outcome["reason"] and BAD_PATH_REASONS[case] in outcome["reason"]


def test_not_a_path_is_a_type_error():
    with pytest.raises(TypeError, match="path should be path-like"):
        files.decode_image(3.5)


def test_image_file_error_pickles_and_is_value_error():
    err = files.ImageFileError("/x/y.png", "OSError: broken")
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, ValueError) and again.path == "/x/y.png" and str(again) == str(err)
    assert str(err) == "Cannot load image file '/x/y.png': OSError: broken"


# ----------------------------------------------------------------------------- directories


# Symlink cycles under follow_links=True. Expected listings follow the rule "follow a link unless it leads to
# one of its own ancestors" (worked out by hand from the trees, not by running the code).
j = os.path.join
SYMLINK_LOOPS = {
    "link_to_ancestor": (  # cls/sub/loop -> cls
        [("cls/sub/loop", "cls")],
        [j("cls", "a.png"), j("cls", "sub", "b.png"), j("other", "o.png")],
    ),
    "two_folders_linking_each_other": (  # cls/x -> other and other/y -> cls
        [("cls/x", "other"), ("other/y", "cls")],
        [
            j("cls", "a.png"),
            j("cls", "sub", "b.png"),
            j("cls", "x", "o.png"),
            j("other", "o.png"),
            j("other", "y", "a.png"),
            j("other", "y", "sub", "b.png"),
        ],
    ),
    "link_to_the_listed_directory": (  # cls/sub/up -> the root: its "cls" is an ancestor, its "other" is not
        [("cls/sub/up", ".")],
        [j("cls", "a.png"), j("cls", "sub", "b.png"), j("cls", "sub", "up", "other", "o.png"), j("other", "o.png")],
    ),
}


@pytest.fixture(scope="module")
def loop_listings(tmp_path_factory):
    """{case: (root, listing with follow_links=True)}: every tree listed in ONE subprocess with a timeout."""
    roots = {}
    for case, (links, _) in SYMLINK_LOOPS.items():
        root = tmp_path_factory.mktemp(case) / "data"
        for name in ("cls/a.png", "cls/sub/b.png", "other/o.png"):
            _save(str(root / name), PIL_Image.new("RGB", (3, 3)))
        for link, target in links:
            os.symlink(root / target, root / link)
        roots[case] = root
    listings = json.loads(run_worker("list", *roots.values()))
    return {case: (roots[case], listing) for case, listing in zip(roots, listings)}


@pytest.mark.parametrize("case", list(SYMLINK_LOOPS))
def test_symlink_loops_terminate_and_list_each_real_file_once_per_path(loop_listings, case):
    root, (filenames, classes) = loop_listings[case]
    expected = SYMLINK_LOOPS[case][1]
    assert filenames == expected
    assert classes == [0 if name.startswith("cls") else 1 for name in expected]
    # Without following links there is no loop, and Keras is the oracle.
    plain = files.list_directory(root, follow_links=False)
    theirs = legacy.ImageDataGenerator().flow_from_directory(str(root), target_size=(3, 3))
    real_files = [j("cls", "a.png"), j("cls", "sub", "b.png"), j("other", "o.png")]
    assert list(plain.filenames) == theirs.filenames == real_files


def test_empty_class_folders_and_empty_directory_match_keras(tmp_path):
    root = tmp_path / "data"
    os.makedirs(root / "empty_a")
    os.makedirs(root / "full")
    os.makedirs(root / "zz_only_text")
    (root / "zz_only_text" / "readme.txt").write_text("x")
    _save(str(root / "full" / "f.png"), PIL_Image.new("RGB", (3, 3)))
    for directory in (root, root / "empty_a"):
        ours = files.list_directory(directory, validation_split=0.5, subset="validation")
        theirs = legacy.ImageDataGenerator(validation_split=0.5).flow_from_directory(
            str(directory), target_size=(3, 3), subset="validation"
        )
        assert list(ours.filenames) == theirs.filenames
        assert ours.class_indices == theirs.class_indices and ours.num_classes == theirs.num_classes
    assert files.list_directory(root).class_indices == {"empty_a": 0, "full": 1, "zz_only_text": 2}
    empty = files.list_directory(root / "empty_a")
    assert empty.samples == 0 and empty.num_classes == 0 and empty.classes.shape == (0,)
    assert empty.classes.dtype == np.int32


# Bad `directory` arguments: (what is passed, error, pattern the message must contain).
BAD_DIRECTORIES = {
    "missing": (dict(directory="no_such_dir"), FileNotFoundError, "no_such_dir"),
    "missing_with_classes": (  # Keras would silently list 0 files here
        dict(directory="no_such_dir", classes=["a"]),
        FileNotFoundError,
        "`directory` .*no_such_dir",
    ),
    "a_file": (dict(directory="f.png"), NotADirectoryError, "f.png"),
    "not_a_path": (dict(directory=None), TypeError, "directory"),
}


@pytest.mark.parametrize("case", list(BAD_DIRECTORIES))
def test_bad_directory_is_a_clear_error(tmp_path, case):
    kwargs, error, match = BAD_DIRECTORIES[case]
    _write(str(tmp_path / "f.png"), b"x")
    if kwargs["directory"] is not None:
        kwargs = {**kwargs, "directory": tmp_path / kwargs["directory"]}
    with pytest.raises(error, match=match):
        files.list_directory(**kwargs)


# ----------------------------------------------------------------------------- load_images on_error


def _mixed_paths(corpus):
    order = [
        "good",
        "text_as_jpeg",
        "cmyk_jpeg",
        "zero_bytes",
        "palette_png",
        "truncated_jpeg",
        "la_png",
        "header_only_png",
        "truncated_tail_jpeg",
        "good",
    ]
    return [corpus[name] for name in order], np.array([name not in BAD for name in order])


@pytest.mark.parametrize("num_threads", [1, 4])
def test_on_error_skip_mask_rows_and_one_warning(corpus, num_threads):
    paths, expected_ok = _mixed_paths(corpus)
    with pytest.warns(files.SkippedFilesWarning) as record:
        batch, ok = files.load_images(paths, on_error="skip", num_threads=num_threads, target_size=(4, 6))
    skipped = [w for w in record if issubclass(w.category, files.SkippedFilesWarning)]
    assert len(skipped) == 1
    message = str(skipped[0].message)
    assert "Skipped 5 of 10" in message and "and 0 more" not in message
    for name in ("text.jpg", "zero.jpg", "truncated.jpg", "header.png", "truncated_tail.jpg"):
        assert name in message
    np.testing.assert_array_equal(ok, expected_ok)
    assert batch.shape == (10, 4, 6, 3) and batch.dtype == np.uint8
    for i, path in enumerate(paths):
        if ok[i]:
            np.testing.assert_array_equal(batch[i], files.decode_image(path, target_size=(4, 6)))
        else:
            assert not batch[i].any()
    # Callers drop bad rows and keep labels aligned:
    labels = np.arange(10)
    assert labels[ok].tolist() == [i for i in range(10) if expected_ok[i]]


def test_on_error_skip_names_at_most_five(corpus):
    paths = [corpus["zero_bytes"]] * 7 + [corpus["good"]]
    with pytest.warns(files.SkippedFilesWarning, match="Skipped 7 of 8.*and 2 more"):
        batch, ok = files.load_images(paths, on_error="skip")
    assert ok.tolist() == [False] * 7 + [True] and batch.shape == (8, 6, 8, 3)


def test_on_error_skip_without_any_good_file(corpus):
    with pytest.warns(files.SkippedFilesWarning, match="Skipped 2 of 2"):
        batch, ok = files.load_images([corpus["zero_bytes"], corpus["text_as_jpeg"]], on_error="skip")
    assert batch.shape == (2, 0, 0, 3) and not ok.any()
    with pytest.warns(files.SkippedFilesWarning):
        batch, _ = files.load_images([corpus["zero_bytes"]], on_error="skip", target_size=(2, 3), color_mode="rgba")
    assert batch.shape == (1, 2, 3, 4) and batch.dtype == np.uint8


def test_no_warning_when_nothing_skipped(corpus):
    batch, ok = files.load_images([corpus["good"]] * 3, on_error="skip", num_threads=2)
    assert ok.all() and batch.shape == (3, 6, 8, 3)  # filterwarnings=error would fail on any warning


@pytest.mark.parametrize("num_threads", [1, 4])
def test_on_error_raise_reports_the_first_bad_file_in_order(corpus, num_threads):
    paths, _ = _mixed_paths(corpus)
    with pytest.raises(files.ImageFileError) as err:
        files.load_images(paths, num_threads=num_threads, target_size=(4, 6))
    assert err.value.path == corpus["text_as_jpeg"]


def test_bomb_is_skipped_too(tmp_path, small_pixel_limit):
    huge = _png(str(tmp_path / "huge.png"), 20, 20)
    fine = _png(str(tmp_path / "fine.png"), 5, 5)
    with pytest.warns(files.SkippedFilesWarning, match="huge.png"):
        _, ok = files.load_images([fine, huge], on_error="skip")
    assert ok.tolist() == [True, False]


# ----------------------------------------------------------------------------- nothing hangs


def test_bad_corpus_and_loops_never_hang(tmp_path):
    assert run_worker("corpus", tmp_path / "root", timeout=120).split() == ["4", "1", "1"]
