"""Paired image/mask flows of the drop-in (``flow(x, masks=...)``) against the Keras oracle.

Oracle: the documented Keras recipe for segmentation, two legacy generators with the
same arguments and seed, the mask generator with ``interpolation_order=0`` (and
``fill_mode="constant", cval=fill`` when an ignore value is wanted), zipped; and, for the
colour steps, Keras's own ``get_random_transform`` + ``apply_affine_transform`` replayed
image by image. Masks are compared exactly, except for the documented float32
boundary cases (a source coordinate within ~1e-5 of a half-integer, or of the border in
``constant`` mode, can land on the other side than in scipy's float64).
"""

from __future__ import annotations

import keras.src.legacy.preprocessing.image as kimage
import numpy as np
import pytest

from jaxaug.preprocessing import image as jimage
from tests.helpers import assert_close

# Third-party: the Keras oracle calls the deprecated scipy.ndimage.interpolation namespace.
pytestmark = pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning")

ATOL = 2e-3
GEOMETRY = dict(
    rotation_range=35,
    width_shift_range=0.2,
    height_shift_range=0.15,
    shear_range=12,
    zoom_range=(0.75, 1.3),
    horizontal_flip=True,
    vertical_flip=True,
    fill_mode="reflect",
)


def _scene(n=9, height=16, width=12, seed=0):
    """Images and uint8 label maps of the same random rectangles and discs (labels 0..3)."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:height, 0:width]
    labels = np.zeros((n, height, width), np.uint8)
    for i in range(n):
        for label in (1, 2, 3):
            if label == 2:
                cy, cx, rad = rng.uniform(3, height - 3), rng.uniform(3, width - 3), rng.uniform(2, 4)
                labels[i][(r - cy) ** 2 + (c - cx) ** 2 < rad**2] = label
            else:
                r0, c0 = rng.integers(0, height - 4), rng.integers(0, width - 4)
                labels[i, r0 : r0 + rng.integers(3, 8), c0 : c0 + rng.integers(3, 6)] = label
    images = rng.uniform(0, 255, (n, height, width, 3)).astype(np.float32)
    return images, labels


def _mismatch_budget(mask):
    return max(1, mask.size // 1000)


@pytest.mark.parametrize("mask_fill", [None, 255])
def test_paired_flow_equals_the_two_generator_seed_trick(mask_fill):
    x, masks = _scene()
    ours = jimage.ImageDataGenerator(**GEOMETRY).flow(x, masks=masks, mask_fill=mask_fill, batch_size=4, seed=3)
    k_images = kimage.ImageDataGenerator(**GEOMETRY).flow(x, batch_size=4, seed=3)
    mask_kw = dict(GEOMETRY, interpolation_order=0)
    if mask_fill is not None:
        # The one fill rule (jaxaug._src.masks): the image's 'reflect' makes every pixel whose
        # nearest source pixel lies outside; scipy's 'grid-constant' at order 0 marks exactly those.
        mask_kw.update(fill_mode="grid-constant", cval=mask_fill)
    k_masks = kimage.ImageDataGenerator(**mask_kw).flow(masks[..., None].astype(np.float32), batch_size=4, seed=3)
    for _ in range(5):  # crosses an epoch boundary: both reshuffle identically
        images, labels = next(ours)
        assert labels.dtype == np.uint8 and labels.shape == (len(images), 16, 12)
        assert_close(images, next(k_images), atol=ATOL)
        expected = next(k_masks)[..., 0]
        assert int((labels != expected).sum()) <= _mismatch_budget(expected)
        allowed = {0, 1, 2, 3} | ({mask_fill} if mask_fill is not None else set())
        assert set(np.unique(labels)) <= allowed


def test_paired_flow_channels_first_one_hot_masks_and_targets():
    x, labels = _scene(n=6)
    x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    one_hot = np.moveaxis(np.eye(4, dtype=np.float32)[labels], -1, 1)  # (N, K, H, W)
    y, w = np.arange(6) % 2, np.linspace(1, 2, 6)
    config = dict(GEOMETRY, data_format="channels_first")
    ours = jimage.ImageDataGenerator(**config).flow(
        x, y, masks=one_hot, sample_weight=w, batch_size=4, seed=1, shuffle=False
    )
    k_masks = kimage.ImageDataGenerator(**config, interpolation_order=0).flow(
        one_hot, batch_size=4, seed=1, shuffle=False
    )
    images, (labels_y, masks), weights = ours[0]
    np.testing.assert_array_equal(labels_y, y[:4])
    np.testing.assert_array_equal(weights, w[:4])
    assert masks.dtype == np.float32 and masks.shape == (4, 4, 16, 12)
    expected = k_masks[0]
    assert int((masks != expected).any(axis=1).sum()) <= _mismatch_budget(expected[:, 0])
    np.testing.assert_array_equal(masks.sum(axis=1), 1.0)  # still one-hot: never blended


def test_masks_stay_aligned_with_their_images_on_synthetic_shapes():
    """With order-0 images, the label recovered from each image pixel equals the mask pixel exactly."""
    _, labels = _scene(n=8, seed=4)
    palette = np.array([0, 60, 130, 220], np.float32)
    x = np.repeat(palette[labels][..., None], 3, axis=-1)
    gen = jimage.ImageDataGenerator(**dict(GEOMETRY, fill_mode="constant", cval=0.0), interpolation_order=0)
    it = gen.flow(x, masks=labels, mask_fill=0, batch_size=4, seed=9)
    for _ in range(3):
        images, masks = next(it)
        recovered = np.searchsorted(palette, images[..., 0])
        assert np.isin(images, palette).all()
        np.testing.assert_array_equal(recovered, masks)
        assert all((m != label).any() for m in masks for label in labels)  # the geometry did move things


def test_colour_steps_and_standardize_never_touch_masks():
    """Masks equal Keras's geometry alone, replayed from Keras's own draws, while images get colour."""
    x, labels = _scene(n=4)
    config = dict(GEOMETRY, channel_shift_range=40.0, brightness_range=(0.5, 1.5))
    gen = jimage.ImageDataGenerator(**config, rescale=1 / 255.0, samplewise_center=True)
    images, masks = gen.flow(x, masks=labels, mask_fill=7, batch_size=4, seed=2, shuffle=False)[0]
    assert masks.dtype == np.uint8 and set(np.unique(masks)) <= {0, 1, 2, 3, 7}
    oracle = kimage.ImageDataGenerator(**config)
    np.random.seed(2)  # what the iterator does before its first batch
    expected = []
    for label in labels:
        p = oracle.get_random_transform(x.shape[1:])
        m = kimage.apply_affine_transform(
            label[..., None].astype(np.float32),
            p["theta"],
            p["tx"],
            p["ty"],
            p["shear"],
            p["zx"],
            p["zy"],
            row_axis=0,
            col_axis=1,
            channel_axis=2,
            fill_mode="grid-constant",  # the one fill rule for an image filled by 'reflect'
            cval=7,
            order=0,
        )[..., 0]
        if p["flip_horizontal"]:
            m = m[:, ::-1]
        if p["flip_vertical"]:
            m = m[::-1]
        expected.append(m)
    expected = np.stack(expected)
    assert int((masks != expected).sum()) <= _mismatch_budget(expected)
    assert abs(float(images.mean())) < 1e-3  # samplewise_center ran on the images


def test_paired_flow_subset_and_short_batches():
    x, labels = _scene(n=10)
    gen = jimage.ImageDataGenerator(**GEOMETRY, validation_split=0.3)
    val = gen.flow(x, masks=labels, subset="validation", batch_size=4, shuffle=False, seed=0)
    train = gen.flow(x, masks=labels, subset="training", batch_size=4, shuffle=False, seed=0)
    assert len(val) == 1 and len(train) == 2
    assert val[0][1].shape == (3, 16, 12) and train[1][1].shape == (3, 16, 12)  # 3 and 7 samples: short batches
    # Identity geometry: the subset slices masks with the images.
    plain = jimage.ImageDataGenerator(validation_split=0.3)
    images, masks = plain.flow(x, masks=labels, subset="validation", batch_size=4, shuffle=False)[0]
    np.testing.assert_array_equal(images, x[:3])
    np.testing.assert_array_equal(masks, labels[:3])


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(masks=np.zeros((9, 16, 11), np.uint8)), ValueError, "masks"),
        (dict(masks=np.zeros((8, 16, 12), np.uint8)), ValueError, "masks"),
        (dict(masks=np.zeros((9, 16), np.uint8)), ValueError, "masks"),
        (dict(masks=np.zeros((9, 16, 12), bool)), TypeError, "masks"),
        (dict(masks=np.zeros((9, 16, 12), np.uint8), mask_fill=256), ValueError, "mask_fill"),
        (dict(masks=np.zeros((9, 16, 12), np.uint8), mask_fill=1.5), ValueError, "mask_fill"),
        (dict(masks=np.zeros((9, 16, 12), np.uint8), mask_fill="ignore"), TypeError, "mask_fill"),
        (dict(mask_fill=255), ValueError, "mask_fill"),
    ],
)
def test_paired_flow_rejects_bad_masks(kwargs, exc, match):
    x, _ = _scene()
    with pytest.raises(exc, match=match):
        jimage.ImageDataGenerator().flow(x, **kwargs)


def _mask_tree(root, n=10):
    """``images/<class>/<i>.png`` (RGB) and ``masks/<class>/<i>.png`` (labels 0..3), 15x20 px."""
    from PIL import Image

    images, labels = _scene(n=n, height=20, width=15, seed=6)
    for i in range(n):
        for kind in ("images", "masks"):
            (root / kind / f"c{i % 2}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[i].astype(np.uint8)).save(root / "images" / f"c{i % 2}" / f"{i:02d}.png")
        Image.fromarray(labels[i]).save(root / "masks" / f"c{i % 2}" / f"{i:02d}.png")
    return str(root / "images"), str(root / "masks")


def test_flow_from_directory_with_mask_directory_equals_the_seed_trick(tmp_path, capsys):
    images_dir, masks_dir = _mask_tree(tmp_path)
    kw = dict(target_size=(16, 12), class_mode=None, batch_size=4, seed=4)
    ours = jimage.ImageDataGenerator(**GEOMETRY).flow_from_directory(
        images_dir, mask_directory=masks_dir, mask_fill=255, **kw
    )
    k_images = kimage.ImageDataGenerator(**GEOMETRY).flow_from_directory(images_dir, **kw)
    k_masks = kimage.ImageDataGenerator(
        **dict(GEOMETRY, fill_mode="grid-constant", cval=255), interpolation_order=0
    ).flow_from_directory(masks_dir, color_mode="grayscale", **kw)
    for _ in range(4):
        images, masks = next(ours)
        assert masks.dtype == np.uint8 and masks.shape == (len(images), 16, 12)
        assert_close(images, next(k_images), atol=ATOL)
        expected = next(k_masks)[..., 0]
        assert int((masks != expected).sum()) <= _mismatch_budget(expected)
    sparse = jimage.ImageDataGenerator().flow_from_directory(
        images_dir, mask_directory=masks_dir, **dict(kw, class_mode="sparse", seed=None), shuffle=False
    )
    images, (y, masks) = sparse[0]
    np.testing.assert_array_equal(y, sparse.classes[:4])
    assert masks.shape == (4, 16, 12)


def test_mask_directory_errors(tmp_path, capsys):
    images_dir, masks_dir = _mask_tree(tmp_path, n=4)
    gen = jimage.ImageDataGenerator()
    (tmp_path / "masks" / "c1" / "01.png").unlink()
    with pytest.raises(ValueError, match="01.png"):
        gen.flow_from_directory(images_dir, mask_directory=masks_dir)
    with pytest.raises(FileNotFoundError, match="mask_directory"):
        gen.flow_from_directory(images_dir, mask_directory=str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="mask_fill"):
        gen.flow_from_directory(images_dir, mask_fill=255)
    with pytest.raises(ValueError, match="mask_color_mode"):
        gen.flow_from_directory(images_dir, mask_directory=masks_dir, mask_color_mode="cmyk")
