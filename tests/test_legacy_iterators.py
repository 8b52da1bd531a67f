"""``flow_from_directory`` / ``flow_from_dataframe`` and the iterator protocol vs the Keras oracle.

Every tree is written with PIL into ``tmp_path``: several classes, nested folders,
PNG and JPEG, RGB, RGBA and grayscale files of different sizes, a non-image file and
a file directly in the root (which Keras ignores).
"""

from __future__ import annotations

import os
import shutil
import sys

import keras.src.legacy.preprocessing.image as kimage
import numpy as np
import pandas as pd
import pytest
from PIL import Image as PIL_Image

from jaxaug._src import iterators
from jaxaug._src.files import ImageFileError
from jaxaug.preprocessing import image as jimage

# Third-party: the Keras oracle calls the deprecated scipy.ndimage.interpolation namespace.
pytestmark = pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning")

ATOL = 2e-3
AUGMENT = dict(
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=2,
    zoom_range=0.15,
    channel_shift_range=10.0,
    horizontal_flip=True,
    brightness_range=(0.8, 1.2),
)

LAYOUT = [
    # (relative path, mode, (width, height))
    ("cats/c0.png", "RGB", (14, 10)),
    ("cats/c1.jpg", "RGB", (12, 12)),
    ("cats/sub/c2.png", "RGBA", (16, 9)),
    ("cats/sub/deeper/c3.png", "L", (10, 10)),
    ("cats/c4.jpeg", "L", (11, 13)),
    ("dogs/d0.png", "RGBA", (10, 8)),
    ("dogs/d1.jpg", "RGB", (9, 15)),
    ("dogs/nested/d2.png", "RGB", (10, 8)),
    ("dogs/d3.png", "L", (13, 7)),
    ("emus/e0.png", "RGB", (10, 8)),
    ("emus/e1.jpg", "RGB", (8, 10)),
    ("emus/x/e2.png", "RGBA", (12, 12)),
]


def _write_tree(root):
    rng = np.random.default_rng(0)
    for rel, mode, (w, h) in LAYOUT:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
        # Smooth-ish content (gradients + noise) so resampling is exercised.
        yy, xx = np.mgrid[0:h, 0:w]
        base = (yy * 255 / max(h - 1, 1) * 0.6 + xx * 255 / max(w - 1, 1) * 0.4)[..., None]
        arr = np.clip(base + rng.normal(0, 30, (h, w, channels)), 0, 255).astype(np.uint8)
        img = PIL_Image.fromarray(arr[..., 0] if channels == 1 else arr, mode)
        img.save(path, quality=90) if rel.endswith(("jpg", "jpeg")) else img.save(path)
    (root / "cats" / "notes.txt").write_text("not an image")
    PIL_Image.new("RGB", (8, 8)).save(root / "root_level.png")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    _write_tree(root)
    return root


def _compare(ours, theirs, n_batches):
    for _ in range(n_batches):
        a, b = next(ours), next(theirs)
        a = a if isinstance(a, tuple) else (a,)
        b = b if isinstance(b, tuple) else (b,)
        assert len(a) == len(b)
        _assert_close_8bit(a[0], b[0])
        for u, v in zip(a[1:], b[1:], strict=True):
            if isinstance(v, list):
                for uu, vv in zip(u, v, strict=True):
                    np.testing.assert_array_equal(uu, vv)
            elif v.dtype.kind == "f" and v.shape == b[0].shape:  # class_mode="input"
                _assert_close_8bit(u, v)
            else:
                np.testing.assert_array_equal(u, v)
                assert u.dtype == v.dtype


def _assert_close_8bit(actual, expected):
    """Float32 tolerance; brightness's 8-bit truncation may flip a level on rare pixels."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    diff = np.abs(actual.astype(np.float64) - expected)
    assert diff.max() <= 2.0, diff.max()
    assert int((diff > ATOL).sum()) <= max(2, expected.size // 1000), int((diff > ATOL).sum())


ATTRS = ("class_indices", "filenames", "filepaths", "samples", "n", "num_classes", "image_shape", "sample_weight")


def _same_attributes(ours, theirs):
    for attr in ATTRS:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    np.testing.assert_array_equal(ours.labels, theirs.labels)
    assert ours.classes.dtype == theirs.classes.dtype


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(class_mode="categorical", color_mode="rgb", interpolation="nearest"),
        dict(class_mode="binary", color_mode="grayscale", interpolation="bilinear", classes=["dogs", "cats"]),
        dict(class_mode="sparse", color_mode="rgba", interpolation="bicubic"),
        dict(class_mode="input", color_mode="rgb", interpolation="lanczos"),
        dict(class_mode=None, color_mode="grayscale", interpolation="box"),
        dict(class_mode="categorical", color_mode="rgb", interpolation="hamming", keep_aspect_ratio=True),
    ],
)
def test_flow_from_directory_matches_keras(tree, kwargs, capsys):
    common = dict(target_size=(8, 10), batch_size=5, seed=7, **kwargs)
    ours = jimage.ImageDataGenerator(**AUGMENT).flow_from_directory(str(tree), **common)
    theirs = kimage.ImageDataGenerator(**AUGMENT).flow_from_directory(str(tree), **common)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1] and out[0].startswith("Found ")
    _same_attributes(ours, theirs)
    _compare(ours, theirs, 4)  # 12 files -> batches of 5, 5, 2 then a reshuffled epoch


@pytest.mark.parametrize("subset", ["training", "validation"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flow_from_directory_subsets_match_keras(tree, subset, data_format, capsys):
    config = dict(rotation_range=15, zoom_range=0.2, validation_split=0.4, data_format=data_format)
    common = dict(target_size=(9, 7), batch_size=4, seed=3, subset=subset)
    ours = jimage.ImageDataGenerator(**config).flow_from_directory(tree, **common)
    theirs = kimage.ImageDataGenerator(**config).flow_from_directory(str(tree), **common)
    _same_attributes_except_paths(ours, theirs)
    for idx in range(len(theirs)):
        a, b = ours[idx], theirs[idx]
        _assert_close_8bit(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def _same_attributes_except_paths(ours, theirs):
    for attr in ("class_indices", "filenames", "samples", "num_classes", "image_shape"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    np.testing.assert_array_equal(ours.classes, theirs.classes)


def test_directory_iterator_protocol(tree, capsys):
    gen = jimage.ImageDataGenerator()
    it = gen.flow_from_directory(str(tree), target_size=(6, 6), batch_size=5, shuffle=True, seed=1)
    assert capsys.readouterr().out.strip() == "Found 12 images belonging to 3 classes."
    assert len(it) == 3
    assert it[2][0].shape == (2, 6, 6, 3)
    with pytest.raises(ValueError, match="Asked to retrieve element 3"):
        it[3]
    first = it.index_array.copy()
    it.on_epoch_end()
    assert not np.array_equal(first, it.index_array) and sorted(it.index_array) == list(range(12))
    # next() is infinite and walks epochs; reset() restarts the epoch.
    sizes = [next(it)[0].shape[0] for _ in range(7)]
    assert sizes == [5, 5, 2, 5, 5, 2, 5]
    it.reset()
    assert it.batch_index == 0
    assert it.next()[0].shape[0] == 5
    # Upstream: preprocessing_function sees one (H, W, C) image; class_mode='input' is a copy.
    seen = []
    gen = jimage.ImageDataGenerator(preprocessing_function=lambda x: seen.append(x.shape) or np.zeros_like(x))
    x, y = gen.flow_from_directory(str(tree), target_size=(6, 6), class_mode="input", batch_size=3)[0]
    assert seen == [(6, 6, 3)] * 3 and not x.any()
    y[:] = 1
    assert not x.any()


@pytest.mark.parametrize("batch_size", [0, 32])
def test_iterator_empty(batch_size):
    it = jimage.Iterator(0, batch_size, False, 0)
    assert len(next(it.index_generator)) == 0


@pytest.mark.parametrize("split", [0.25, 0.5, 0.75, 0.0])
def test_directory_validation_split_is_per_class(tree, split, capsys):
    # Per class (5, 4, 3 files): validation is the first int(split * n_c) files of each class.
    train = sum(n - int(split * n) for n in (5, 4, 3))
    kwargs = {"validation_split": split} if split else {}
    gen = jimage.ImageDataGenerator(**kwargs)
    training = gen.flow_from_directory(str(tree), subset="training")
    validation = gen.flow_from_directory(str(tree), subset="validation")
    assert training.samples == train and validation.samples == 12 - train
    assert set(training.filenames) | set(validation.filenames) == {rel for rel, _, _ in LAYOUT}


def test_directory_iterator_errors(tree):
    gen = jimage.ImageDataGenerator()
    with pytest.raises(ValueError, match="color_mode.*grayscale"):
        gen.flow_from_directory(str(tree), color_mode="cmyk")
    with pytest.raises(ValueError, match="class_mode.*categorical"):
        gen.flow_from_directory(str(tree), class_mode="output")
    with pytest.raises(ValueError, match="interpolation.*bilinear"):
        gen.flow_from_directory(str(tree), interpolation="cubic")
    with pytest.raises(ValueError, match="subset.*training"):
        jimage.ImageDataGenerator(validation_split=0.5).flow_from_directory(str(tree), subset="foo")
    with pytest.raises(ValueError, match="save_prefix"):
        gen.flow_from_directory(str(tree), save_to_dir=str(tree), save_prefix=os.path.join("a", "b"))
    with pytest.raises(FileNotFoundError, match="missing"):
        gen.flow_from_directory(str(tree / "missing"))


def test_directory_bad_file_raise_and_skip(tree, tmp_path, capsys):
    root = tmp_path / "bad"
    shutil.copytree(tree, root)
    (root / "dogs" / "broken.png").write_bytes(b"definitely not a png")
    gen = jimage.ImageDataGenerator()
    it = gen.flow_from_directory(str(root), target_size=(5, 5), batch_size=13, shuffle=False)
    with pytest.raises(ImageFileError, match="broken.png"):
        it[0]
    it = gen.flow_from_directory(str(root), target_size=(5, 5), batch_size=13, shuffle=False, on_error="skip")
    with pytest.warns(UserWarning, match="1 image file"):
        x, y = it[0]
    assert x.shape[0] == 12 and y.shape == (12, 3)
    keep = [i for i, name in enumerate(it.filenames) if "broken" not in name]
    np.testing.assert_array_equal(y.argmax(1), it.classes[keep])
    assert [os.path.basename(p) for p in it.skipped_files] == ["broken.png"]


def test_directory_save_to_dir_matches_keras_names(tree, tmp_path, capsys):
    # File names carry the sample index and a hash drawn from the global RNG after the
    # batch's augmentation draws: equal names mean the RNG streams stay aligned.
    names = []
    for mod, sub in ((jimage, "ours"), (kimage, "theirs")):
        out = tmp_path / sub
        out.mkdir()
        it = mod.ImageDataGenerator(**AUGMENT).flow_from_directory(
            str(tree), target_size=(6, 6), batch_size=3, save_to_dir=str(out), seed=0
        )
        next(it)
        next(it)
        names.append(sorted(os.listdir(out)))
    assert len(names[0]) == 6 and all(n.startswith("_") and n.endswith(".png") for n in names[0])
    assert names[0] == names[1]


def test_batched_decode_uses_threads(tree, monkeypatch):
    calls = {}
    real = iterators.files.load_images

    def spy(paths, **kwargs):
        calls.update(kwargs)
        return real(paths, **kwargs)

    monkeypatch.setattr(iterators.files, "load_images", spy)
    jimage.ImageDataGenerator().flow_from_directory(str(tree), target_size=(4, 4), batch_size=4)[0]
    assert calls["num_threads"] >= 1 and calls["target_size"] == (4, 4)


# -- flow_from_dataframe ---------------------------------------------------------------------


def _frame(tree):
    rel = [rel for rel, _, _ in LAYOUT]
    return pd.DataFrame(
        {
            "filename": rel,
            "class": [r.split("/")[0] for r in rel],
            "pair": [r.split("/")[0] in ("cats", "emus") and "a" or "b" for r in rel],
            "value": np.arange(len(rel), dtype=np.float64) / 2,
            "other": np.arange(len(rel)) % 4,
            "weight": np.linspace(1, 2, len(rel)),
            "tags": [["b", "a"], "b", ["c"], "a", ("a", "c"), "c", ["b"], "a", "b", ["c", "b", "a"], "a", "c"],
        }
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(class_mode="categorical"),
        dict(class_mode="binary", y_col="pair", weight_col="weight"),
        dict(class_mode="sparse", classes=["emus", "cats"]),
        dict(class_mode="categorical", y_col="tags"),  # multi-label -> multi-hot
        dict(class_mode="categorical", y_col="tags", classes=["c", "a"]),
        dict(class_mode="raw", y_col="value"),
        dict(class_mode="raw", y_col=["value", "other"]),
        dict(class_mode="multi_output", y_col=["value", "other"]),
        dict(class_mode="input", y_col=None, weight_col="weight"),
        dict(class_mode=None, color_mode="rgba", interpolation="bilinear"),
    ],
)
def test_flow_from_dataframe_matches_keras(tree, kwargs, capsys):
    df = _frame(tree)
    common = dict(target_size=(7, 9), batch_size=5, seed=2, **kwargs)
    ours = jimage.ImageDataGenerator(**AUGMENT).flow_from_dataframe(df, str(tree), **common)
    theirs = kimage.ImageDataGenerator(**AUGMENT).flow_from_dataframe(df, str(tree), **common)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1]
    assert ours.filenames == theirs.filenames and ours.filepaths == theirs.filepaths
    assert getattr(ours, "class_indices", None) == getattr(theirs, "class_indices", None)
    _compare(ours, theirs, 3)


def test_flow_from_dataframe_absolute_paths_validation_and_subset(tree, capsys):
    df = _frame(tree)
    df["filename"] = [str(tree / f) for f in df["filename"]]
    df = pd.concat(
        [
            df,
            pd.DataFrame({"filename": [str(tree / "missing.png"), str(tree / "cats" / "notes.txt")], "class": "cats"}),
        ],
        ignore_index=True,
    )
    for subset in (None, "training", "validation"):
        common = dict(target_size=(6, 6), batch_size=4, shuffle=False, subset=subset, class_mode="sparse")
        with pytest.warns(UserWarning, match="2 invalid image filename"):
            ours = jimage.ImageDataGenerator(validation_split=0.25).flow_from_dataframe(df, None, **common)
        with pytest.warns(UserWarning, match="2 invalid image filename"):
            theirs = kimage.ImageDataGenerator(validation_split=0.25).flow_from_dataframe(df, None, **common)
        assert ours.filenames == theirs.filenames and ours.classes == theirs.classes
        _compare(ours, theirs, 1)
    ours = jimage.ImageDataGenerator().flow_from_dataframe(df, None, class_mode="input", validate_filenames=False)
    assert len(ours.filenames) == len(df)
    assert "non-validated" in capsys.readouterr().out


def test_dataframe_custom_index_gives_same_batches(tree, capsys):
    df = _frame(tree)
    batches = []
    for index in (None, np.arange(len(df)) + 7, [f"r{i}" for i in range(len(df))]):
        frame = df if index is None else df.set_axis(index)
        it = jimage.ImageDataGenerator(**AUGMENT).flow_from_dataframe(frame, str(tree), target_size=(5, 5), seed=1)
        batches.append(next(it))
    for x, y in batches[1:]:
        np.testing.assert_array_equal(x, batches[0][0])
        np.testing.assert_array_equal(y, batches[0][1])


def test_dataframe_iterator_without_generator_and_errors(tree):
    df = _frame(tree)
    it = jimage.DataFrameIterator(df, str(tree), target_size=(5, 5), class_mode="sparse", shuffle=False, batch_size=3)
    x, y = next(it)
    assert x.shape == (3, 5, 5, 3)
    np.testing.assert_array_equal(y, [0, 0, 0])
    assert len(it) == 4
    with pytest.raises(ValueError, match="Asked to retrieve element 4"):
        it[4]
    gen = jimage.ImageDataGenerator()
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_dataframe(df, str(tree), class_mode="bogus")
    with pytest.raises(ValueError, match="color_mode"):
        gen.flow_from_dataframe(df, str(tree), color_mode="cmyk")
    with pytest.raises(TypeError, match="must be a list"):
        gen.flow_from_dataframe(df, str(tree), class_mode="multi_output", y_col="value")
    with pytest.raises(TypeError, match="must be numeric"):
        gen.flow_from_dataframe(df, str(tree), weight_col="class")
    with pytest.raises(TypeError, match="must be strings"):
        gen.flow_from_dataframe(df, str(tree), class_mode="sparse", y_col="other")
    with pytest.raises(ValueError, match="2 classes"):
        gen.flow_from_dataframe(df, str(tree), class_mode="binary")
    with pytest.warns(DeprecationWarning, match="has_ext"):
        gen.flow_from_dataframe(df, str(tree), has_ext=True)


def test_flow_from_dataframe_needs_pandas(monkeypatch, tree):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"jaxaug\[dataframe\]"):
        jimage.ImageDataGenerator().flow_from_dataframe(object(), str(tree))
