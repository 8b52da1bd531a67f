"""Parity of jaxaug's file discovery and image I/O with Keras (the real Keras 3 modules as oracles).

Listing is compared with ``keras.src.legacy.preprocessing.image.ImageDataGenerator().flow_from_directory``;
image I/O with ``keras.src.utils.image_utils``. Every tree is written with PIL into tmp_path.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings

import keras
import keras.src.legacy.preprocessing.image as legacy
import keras.src.utils.image_utils as image_utils
import numpy as np
import pytest
from PIL import Image as PIL_Image

from jaxaug._src import files

COLOR_MODES = ("grayscale", "rgb", "rgba")
PIL_FILTERS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def write_image(path, mode="RGB", size=(9, 7), seed=0, fmt=None):
    """Writes a random image of PIL ``mode`` and ``size`` (width, height) to ``path``."""
    rng = np.random.default_rng(seed)
    w, h = size
    if mode == "I;16":
        img = PIL_Image.fromarray(rng.integers(0, 65536, (h, w)).astype(np.uint16))
    elif mode == "I":
        img = PIL_Image.fromarray(rng.integers(-(2**20), 2**20, (h, w)).astype(np.int32))
    else:
        channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "CMYK": 4}[mode]
        data = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
        img = PIL_Image.fromarray(data[:, :, 0] if channels == 1 else data, mode)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, format=fmt)
    return path


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """Several classes, nested folders, mixed formats and modes, non-images, a hidden class, an empty class."""
    root = tmp_path_factory.mktemp("tree")
    r = str(root)
    write_image(f"{r}/cats/c0.png", "RGB", (9, 7), 1)
    write_image(f"{r}/cats/c1.jpg", "RGB", (12, 8), 2)
    write_image(f"{r}/cats/deep/er/c2.bmp", "RGB", (7, 9), 3)
    write_image(f"{r}/cats/deep/c3.tif", "RGBA", (8, 8), 4)
    write_image(f"{r}/cats/Z_upper.PNG", "L", (10, 6), 5, fmt="PNG")
    write_image(f"{r}/dogs/d0.png", "RGBA", (11, 5), 6)
    write_image(f"{r}/dogs/d1.png", "I;16", (6, 9), 7)
    write_image(f"{r}/dogs/d2.jpeg", "L", (9, 9), 8)
    write_image(f"{r}/dogs/sub/d3.ppm", "RGB", (5, 11), 9)
    write_image(f"{r}/dogs/sub/d4.tiff", "RGB", (8, 6), 10)
    write_image(f"{r}/dogs/foopng", "RGB", (6, 6), 11, fmt="PNG")  # no dot: Keras still matches "png"
    write_image(f"{r}/.hidden/h0.png", "RGB", (6, 6), 12)  # hidden folders are classes in Keras
    write_image(f"{r}/birds/b0.png", "LA", (7, 7), 13)
    write_image(f"{r}/birds/b1.png", "RGB", (7, 7), 14)
    write_image(f"{r}/birds/b2.jpg", "RGB", (7, 7), 15)
    write_image(f"{r}/top_level.png", "RGB", (6, 6), 16)  # ignored: not in a class folder
    os.makedirs(f"{r}/empty_class")
    with open(f"{r}/cats/notes.txt", "w") as f:
        f.write("not an image")
    with open(f"{r}/dogs/data.csv", "w") as f:
        f.write("a,b\n")
    return r


def keras_listing(directory, *, classes=None, validation_split=0.0, subset=None, follow_links=False):
    gen = legacy.ImageDataGenerator(validation_split=validation_split)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message='Using ".tiff" files', category=UserWarning)
        return gen.flow_from_directory(
            directory, classes=classes, subset=subset, follow_links=follow_links, target_size=(4, 4), batch_size=2
        )


def assert_same_listing(ours, theirs):
    assert list(ours.filenames) == list(theirs.filenames)
    assert ours.classes.dtype == np.int32 and theirs.classes.dtype == np.int32
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    assert ours.class_indices == theirs.class_indices
    assert ours.samples == theirs.samples
    assert ours.num_classes == theirs.num_classes
    assert list(ours.filepaths) == list(theirs.filepaths)


# ----------------------------------------------------------------------------- listing


@pytest.mark.parametrize(
    "validation_split, subset",
    [
        (0.0, None),
        (0.25, None),
        (0.25, "training"),
        (0.25, "validation"),
        (0.5, "training"),
        (0.5, "validation"),
        (0.0, "training"),
        (0.0, "validation"),
        (0.3, "validation"),  # int(0.3 * n) float rounding, exactly as Keras computes it
        (0.3, "training"),
    ],
)
def test_listing_matches_keras(tree, validation_split, subset, capsys):
    ours = files.list_directory(tree, validation_split=validation_split, subset=subset)
    theirs = keras_listing(tree, validation_split=validation_split, subset=subset)
    assert_same_listing(ours, theirs)
    assert ours.directory == tree
    assert capsys.readouterr().out.count("Found") == 1  # only Keras printed


def test_listing_contents_sanity(tree):
    listing = files.list_directory(tree)
    # Independent of Keras: the facts the listing must encode.
    assert list(listing.class_indices) == [".hidden", "birds", "cats", "dogs", "empty_class"]
    assert "dogs/foopng" in listing.filenames
    assert not any(name.endswith((".txt", ".csv")) or name == "top_level.png" for name in listing.filenames)
    assert listing.filenames.index("cats/Z_upper.PNG") < listing.filenames.index("cats/c0.png")
    assert os.path.join("cats", "deep", "er", "c2.bmp") in listing.filenames
    assert listing.classes.flags.writeable is False
    for path, name in zip(listing.filepaths, listing.filenames, strict=True):
        assert path == os.path.join(tree, name) and os.path.isfile(path)


@pytest.mark.parametrize("subset", [None, "training", "validation"])
def test_classes_argument_matches_keras(tree, subset):
    classes = ["dogs", "missing", "cats"]  # given order, a class without a folder
    ours = files.list_directory(tree, classes=classes, validation_split=0.5, subset=subset)
    theirs = keras_listing(tree, classes=classes, validation_split=0.5, subset=subset)
    assert_same_listing(ours, theirs)
    assert ours.class_indices == {"dogs": 0, "missing": 1, "cats": 2}


def test_empty_classes_list_means_discover(tree):
    assert_same_listing(files.list_directory(tree, classes=[]), keras_listing(tree, classes=[]))


@pytest.mark.parametrize("follow_links", [False, True])
def test_follow_links_matches_keras(tmp_path, follow_links):
    real = tmp_path / "elsewhere"
    write_image(str(real / "r0.png"), "RGB", (6, 6), 1)
    write_image(str(real / "nested" / "r1.png"), "RGB", (6, 6), 2)
    root = tmp_path / "data"
    write_image(str(root / "a" / "a0.png"), "RGB", (6, 6), 3)
    os.symlink(real, root / "a" / "linked")  # symlinked sub-folder inside a class
    os.symlink(real, root / "b")  # a class folder that is itself a symlink
    write_image(str(real.parent / "single.png"), "RGB", (6, 6), 4)
    os.symlink(real.parent / "single.png", root / "a" / "file_link.png")  # symlinked file: always listed
    ours = files.list_directory(root, follow_links=follow_links)
    theirs = keras_listing(str(root), follow_links=follow_links)
    assert_same_listing(ours, theirs)
    linked = [n for n in ours.filenames if n.startswith(os.path.join("a", "linked"))]
    assert bool(linked) == follow_links
    assert os.path.join("a", "file_link.png") in ours.filenames
    assert os.path.join("b", "nested", "r1.png") in ours.filenames  # the class symlink itself is walked


def test_listing_accepts_pathlike_and_bytes(tree):
    import pathlib

    expected = files.list_directory(tree)
    for directory in (pathlib.Path(tree), os.fsencode(tree)):
        got = files.list_directory(directory)
        assert got.filenames == expected.filenames and got.directory == tree


def test_custom_formats(tree):
    listing = files.list_directory(tree, formats=("PNG",))
    assert listing.filenames and all(name.lower().endswith("png") for name in listing.filenames)
    assert "dogs/foopng" in listing.filenames and "cats/c1.jpg" not in listing.filenames


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"validation_split": 1.0}, ValueError, "validation_split"),
        ({"validation_split": -0.1}, ValueError, "validation_split"),
        ({"validation_split": float("nan")}, ValueError, "validation_split"),
        ({"validation_split": "0.2"}, TypeError, "validation_split"),
        ({"subset": "test"}, ValueError, "subset"),
        ({"subset": "Training"}, ValueError, "subset"),
        ({"classes": "cats"}, TypeError, "classes"),
        ({"classes": ["cats", 1]}, TypeError, "classes"),
        ({"follow_links": "yes"}, TypeError, "follow_links"),
        ({"formats": "png"}, TypeError, "formats"),
        ({"formats": ()}, TypeError, "formats"),
    ],
)
def test_listing_argument_errors(tree, kwargs, error, match):
    with pytest.raises(error, match=match):
        files.list_directory(tree, **kwargs)


def test_keras_rejects_what_we_reject(tree):
    """The Keras oracle agrees that these arguments are invalid (we just fail earlier and name them)."""
    with pytest.raises(ValueError):
        legacy.ImageDataGenerator(validation_split=1.0)
    with pytest.raises(ValueError):
        keras_listing(tree, validation_split=0.5, subset="test")


# ----------------------------------------------------------------------------- load_img / decode_image


def _image_files(tree):
    return [
        f"{tree}/cats/c1.jpg",  # RGB JPEG, non-square
        f"{tree}/dogs/d0.png",  # RGBA
        f"{tree}/cats/Z_upper.PNG",  # L
        f"{tree}/dogs/d1.png",  # I;16
        f"{tree}/birds/b0.png",  # LA
    ]


@pytest.mark.parametrize("color_mode", COLOR_MODES)
@pytest.mark.parametrize("interpolation", PIL_FILTERS)
@pytest.mark.parametrize("keep_aspect_ratio", [False, True])
def test_load_img_matches_keras(tree, color_mode, interpolation, keep_aspect_ratio):
    for path in _image_files(tree):
        for target_size in [(5, 7), (9, 4), None]:
            kw = dict(
                color_mode=color_mode,
                target_size=target_size,
                interpolation=interpolation,
                keep_aspect_ratio=keep_aspect_ratio,
            )
            theirs = image_utils.load_img(path, **kw)
            ours = files.load_img(path, **kw)
            assert ours.mode == theirs.mode and ours.size == theirs.size
            np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
            # decode_image: same values in the natural dtype, channels last.
            decoded = files.decode_image(path, **kw)
            expected = image_utils.img_to_array(theirs, data_format="channels_last", dtype="float64")
            assert decoded.shape == expected.shape
            assert decoded.dtype == (np.uint16 if ours.mode == "I;16" else np.uint8)
            np.testing.assert_array_equal(decoded.astype(np.float64), expected)


def test_decode_32bit_grayscale_matches_keras(tmp_path):
    path = write_image(str(tmp_path / "i32.tif"), "I", (7, 5), 3)
    theirs = image_utils.img_to_array(image_utils.load_img(path, color_mode="grayscale"), dtype="float64")
    ours = files.decode_image(path, color_mode="grayscale")
    assert ours.dtype == np.int32 and ours.shape == (5, 7, 1)
    assert np.abs(ours).max() > 255  # really 32-bit data
    np.testing.assert_array_equal(ours.astype(np.float64), theirs)


def test_load_img_path_types(tree):
    import pathlib

    path = f"{tree}/cats/c0.png"
    expected = np.asarray(image_utils.load_img(path))
    with open(path, "rb") as f:
        content = f.read()
    for arg in (path, os.fsencode(path), pathlib.Path(path), io.BytesIO(content)):
        np.testing.assert_array_equal(np.asarray(files.load_img(arg)), expected)
    with pytest.raises(TypeError, match="path should be path-like or io.BytesIO") as ours:
        files.load_img(123)
    with pytest.raises(TypeError) as theirs:
        image_utils.load_img(123)
    assert str(ours.value) == str(theirs.value)


def test_load_img_keras_errors_and_their_timing(tree):
    path = f"{tree}/cats/c0.png"  # 9 x 7 (w x h)
    for fn in (files.load_img, image_utils.load_img):
        with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba"'):
            fn(path, color_mode="bgr")
    # Keras checks the interpolation only when a resize is needed.
    for fn in (files.load_img, image_utils.load_img):
        assert fn(path, target_size=(7, 9), interpolation="cubic").size == (9, 7)
    msgs = []
    for fn in (files.load_img, image_utils.load_img):
        with pytest.raises(ValueError, match="Invalid interpolation method cubic") as err:
            fn(path, target_size=(3, 3), interpolation="cubic")
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"color_mode": "bgr"}, ValueError, "color_mode"),
        ({"interpolation": "cubic"}, ValueError, "interpolation"),  # checked up front, even without a resize
        ({"target_size": (0, 4)}, ValueError, "target_size"),
        ({"target_size": (4,)}, ValueError, "target_size"),
        ({"target_size": (4.0, 4)}, TypeError, "target_size"),
        ({"keep_aspect_ratio": "no"}, TypeError, "keep_aspect_ratio"),
        ({"exif_transpose": None}, TypeError, "exif_transpose"),
    ],
)
def test_decode_image_argument_errors(tmp_path, kwargs, error, match):
    missing = str(tmp_path / "never_opened.png")  # arguments are checked before the file is touched
    with pytest.raises(error, match=match):
        files.decode_image(missing, **kwargs)
    with pytest.raises(error, match=match):
        files.load_images([missing], **kwargs)


# ----------------------------------------------------------------------------- img_to_array / array_to_img / save_img


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first", "CHANNELS_LAST", None])
@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8", None])
def test_img_to_array_matches_keras(tree, data_format, dtype):
    for path in _image_files(tree):
        img = image_utils.load_img(path, color_mode="grayscale" if path.endswith("d1.png") else "rgb")
        ours = files.img_to_array(img, data_format=data_format, dtype=dtype)
        theirs = image_utils.img_to_array(img, data_format=data_format, dtype=dtype)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


def _keras_error(fn, *args, **kwargs):
    with pytest.raises(ValueError) as err:
        fn(*args, **kwargs)
    return str(err.value)


def test_image_io_error_messages_match_keras(rng):
    x = rng.random((4, 5, 3))
    for ours_fn, theirs_fn, args in [
        (files.img_to_array, image_utils.img_to_array, (x, "channels_middle")),
        (files.img_to_array, image_utils.img_to_array, (rng.random((2, 3, 4, 5)),)),
        (files.array_to_img, image_utils.array_to_img, (x, "nchw")),
        (files.array_to_img, image_utils.array_to_img, (rng.random((4, 5)),)),
        (files.array_to_img, image_utils.array_to_img, (rng.random((4, 5, 2)),)),
    ]:
        assert _keras_error(ours_fn, *args) == _keras_error(theirs_fn, *args)


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("peak", [1.0, 255.0, 1000.0])
def test_array_to_img_matches_keras(rng, channels, scale, data_format, peak):
    x = rng.random((6, 5, channels)) * peak
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    ours = files.array_to_img(x, data_format=data_format, scale=scale)
    theirs = image_utils.array_to_img(x, data_format=data_format, scale=scale)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_array_to_img_constant_image(rng):
    x = np.full((3, 4, 3), 7.0)
    np.testing.assert_array_equal(np.asarray(files.array_to_img(x)), np.asarray(image_utils.array_to_img(x)))


@pytest.mark.parametrize("suffix", ["png", "jpg", "bmp", "JPEG", "tiff"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_save_img_matches_keras(tmp_path, rng, suffix, channels):
    x = rng.random((7, 6, channels)) * 255
    ours, theirs = str(tmp_path / f"ours.{suffix}"), str(tmp_path / f"theirs.{suffix}")
    jpeg_rgba = channels == 4 and suffix.lower() in ("jpg", "jpeg")
    if jpeg_rgba:
        with pytest.warns(UserWarning, match="JPEG format does not support RGBA") as got:
            files.save_img(ours, x)
        with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
            image_utils.save_img(theirs, x)
        assert len(got) == 1
    else:
        files.save_img(ours, x)
        image_utils.save_img(theirs, x)
    a, b = PIL_Image.open(ours), PIL_Image.open(theirs)
    assert a.format == b.format and a.mode == b.mode
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_save_img_tif_suffix(tmp_path, rng):
    x = rng.random((5, 4, 3)) * 255
    with pytest.raises(KeyError):  # Keras passes "tif" to PIL, which only knows "TIFF"
        image_utils.save_img(str(tmp_path / "theirs.tif"), x)
    files.save_img(str(tmp_path / "ours.tif"), x)
    saved = PIL_Image.open(tmp_path / "ours.tif")
    assert saved.format == "TIFF"
    np.testing.assert_array_equal(np.asarray(saved), np.asarray(image_utils.array_to_img(x)))


def test_save_img_file_object_and_kwargs(rng):
    x = rng.random((8, 8, 3)) * 255
    ours, theirs = io.BytesIO(), io.BytesIO()
    files.save_img(ours, x, file_format="jpeg", quality=40)
    image_utils.save_img(theirs, x, file_format="jpeg", quality=40)
    assert ours.getvalue() == theirs.getvalue()


# ----------------------------------------------------------------------------- smart_resize


@pytest.mark.parametrize(
    "interpolation, shape, size, dtype",
    [(m, (9, 13, 3), (5, 4), "float32") for m in ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")]
    + [
        ("bilinear", (6, 4, 1), (8, 8), "float32"),  # upscale, crop along the height
        ("nearest", (2, 7, 7, 3), (3, 5), "uint8"),  # a batch, integer input
        ("bicubic", (9, 13, 3), (5, 4), "uint8"),
    ],
)
def test_smart_resize_matches_keras(rng, interpolation, shape, size, dtype):
    x = (rng.random(shape) * 255).astype(dtype)
    ours = files.smart_resize(x, size, interpolation=interpolation)
    theirs = image_utils.smart_resize(x, size, interpolation=interpolation)
    assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_smart_resize_channels_first_and_jax_input(rng):
    import jax.numpy as jnp

    x = rng.random((3, 9, 13)).astype("float32")
    ours = files.smart_resize(x, (4, 4), data_format="channels_first")
    theirs = image_utils.smart_resize(x, (4, 4), data_format="channels_first")
    np.testing.assert_array_equal(ours, theirs)
    out = files.smart_resize(jnp.asarray(x.transpose(1, 2, 0)), (4, 4))
    assert not isinstance(out, np.ndarray) and out.shape == (4, 4, 3)


def test_smart_resize_errors_match_keras(rng):
    for args, kwargs in [
        ((rng.random((4, 4, 3)), (3, 3, 3)), {}),
        ((rng.random((4, 4)), (3, 3)), {}),
    ]:
        assert _keras_error(files.smart_resize, *args, **kwargs) == _keras_error(
            image_utils.smart_resize, *args, **kwargs
        )
    with pytest.raises(ValueError, match="interpolation"):
        files.smart_resize(rng.random((4, 4, 3)), (3, 3), interpolation="area")
    with pytest.raises(ValueError, match="interpolation"):
        image_utils.smart_resize(rng.random((4, 4, 3)), (3, 3), interpolation="area")


# ----------------------------------------------------------------------------- globals, load_images, imports


def test_config_defaults_follow_keras(tree):
    assert files.image_data_format() == keras.config.image_data_format()
    assert files.floatx() == keras.config.floatx()
    old = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        assert files.image_data_format() == "channels_first"
        img = image_utils.load_img(f"{tree}/cats/c1.jpg")
        assert files.img_to_array(img).shape == (3, 8, 12) == image_utils.img_to_array(img).shape
    finally:
        keras.config.set_image_data_format(old)


@pytest.mark.parametrize("num_threads", [1, 3])
def test_load_images_equals_decode_image(tree, num_threads):
    paths = files.list_directory(tree).filepaths
    for color_mode in COLOR_MODES:
        batch, ok = files.load_images(
            paths, num_threads=num_threads, color_mode=color_mode, target_size=(6, 5), interpolation="bilinear"
        )
        assert (
            ok.dtype == bool
            and ok.all()
            and batch.shape == (len(paths), 6, 5, {"grayscale": 1}.get(color_mode, 3 if color_mode == "rgb" else 4))
        )
        expected = [
            files.decode_image(p, color_mode=color_mode, target_size=(6, 5), interpolation="bilinear") for p in paths
        ]
        # The grayscale batch holds a 16-bit file, so its dtype widens to uint16 without changing any value.
        assert batch.dtype == np.result_type(*(e.dtype for e in expected))
        assert batch.dtype == (np.uint16 if color_mode == "grayscale" else np.uint8)
        for row, e in zip(batch, expected, strict=True):
            np.testing.assert_array_equal(row, e)


def test_load_images_needs_target_size_for_mixed_sizes(tree):
    paths = [f"{tree}/cats/c0.png", f"{tree}/cats/c1.jpg"]
    with pytest.raises(ValueError, match="target_size") as err:
        files.load_images(paths)
    assert "c0.png" in str(err.value) and "c1.jpg" in str(err.value)
    batch, ok = files.load_images(paths[:1] * 3)
    assert batch.shape == (3, 7, 9, 3) and ok.all()
    empty, ok = files.load_images([], target_size=(2, 3), color_mode="rgba")
    assert empty.shape == (0, 2, 3, 4) and ok.shape == (0,)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_threads": 0}, ValueError, "num_threads"),
        ({"num_threads": 1.5}, TypeError, "num_threads"),
        ({"on_error": "ignore"}, ValueError, "on_error"),
    ],
)
def test_load_images_argument_errors(tree, kwargs, error, match):
    with pytest.raises(error, match=match):
        files.load_images([f"{tree}/cats/c0.png"], **kwargs)


def test_load_images_rejects_a_single_path(tree):
    with pytest.raises(TypeError, match="paths"):
        files.load_images(f"{tree}/cats/c0.png")


def test_import_jaxaug_stays_light():
    code = (
        "import sys, jaxaug, jaxaug._src.files, jaxaug._src.image_io\n"
        "heavy = [m for m in ('PIL', 'keras', 'grain', 'pandas', 'scipy', 'tensorflow') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"
