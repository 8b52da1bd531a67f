"""Every script in examples/ runs on tiny data, so the examples never rot."""

from __future__ import annotations

import gc
import importlib.util
import os
import sys

import numpy as np
import pytest
from PIL import Image

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load(name: str):
    """Imports examples/<name>.py under a private module name."""
    if EXAMPLES not in sys.path:
        sys.path.insert(0, EXAMPLES)  # the examples import their siblings (shapes, keras_fit)
    spec = importlib.util.spec_from_file_location(f"jaxaug_example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_shapes_writes_a_class_per_folder_tree(tmp_path):
    shapes = load("shapes")
    root = shapes.write_shapes(str(tmp_path / "s"), per_class=2, size=12, seed=5)
    for kind in shapes.CLASSES:
        names = sorted(os.listdir(os.path.join(root, kind)))
        assert names == ["0000.png", "0001.png"]
        with Image.open(os.path.join(root, kind, names[0])) as file:
            image = np.asarray(file)
        assert image.shape == (12, 12, 3) and image.dtype == np.uint8
    again = shapes.write_shapes(str(tmp_path / "t"), per_class=2, size=12, seed=5)
    first, second = (os.path.join(folder, "circle", "0001.png") for folder in (root, again))
    with Image.open(first) as a, Image.open(second) as b:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_custom_loop_trains():
    result = load("custom_loop").main(["--epochs", "3", "--per-class", "8", "--size", "8", "--batch-size", "8"])
    assert len(result["losses"]) == 3 and all(np.isfinite(result["losses"]))
    assert 0.0 <= result["train_accuracy"] <= 1.0


def test_grain_pipeline_composes_user_steps():
    result = load("grain_pipeline").main(["--per-class", "4", "--size", "8", "--batch-size", "4", "--epochs", "2"])
    assert result["num_examples"] == 12 and result["batches"] == 2 * 12 // 4
    assert result["last"] == ("ArrayImpl", (4, 8, 8, 3), "float32", (4, 3))


def test_keras_fit_and_demo(tmp_path):
    # One test for both Keras scripts: the demo reuses keras_fit's model and loaders.
    result = load("keras_fit").main(["--epochs", "1", "--per-class", "5", "--size", "8", "--batch-size", "4"])
    assert 0.0 <= result["val_accuracy"] <= 1.0 and np.isfinite(result["val_loss"])
    out = tmp_path / "out" / "preview.png"
    demo = load("demo").main(
        ["--out", str(out), "--epochs", "1", "--per-class", "6", "--size", "8", "--batch-size", "6"]
    )
    assert set(demo) == {"no augmentation", "jaxaug augmentation"}
    for name in ("preview.png", "batch_preview.png"):
        with Image.open(tmp_path / "out" / name) as image:
            assert image.size[0] > 0
    assert sorted(os.listdir(tmp_path / "out" / "shapes")) == ["train", "val"]
    gc.collect()


def test_migration_from_image_data_generator():
    result = load("migrate_from_keras").main(["--per-class", "5", "--size", "8", "--batch-size", "4"])
    assert result["same_files"]
    assert result["new_batch"] == ((4, 8, 8, 3), (4, 3))


def test_modern_recipe_trains_with_crop_randaugment_and_cutmix():
    result = load("modern_recipe").main(["--epochs", "1", "--per-class", "5", "--size", "8", "--batch-size", "4"])
    assert 0.0 <= result["val_accuracy"] <= 1.0 and result["val_loss"] == result["val_loss"]  # finite, not NaN


def test_make_previews_writes_one_grid_per_operation(tmp_path):
    # One of each kind of row (an AugmentConfig, a policy, a mixing); `make previews` draws all twelve, and
    # every operation's own tests live beside it (compiling all twelve here would cost ~45 s of the suite).
    module = load("make_previews")
    only = ["perspective", "trivial_augment", "cutmix"]
    written = module.main(["--out", str(tmp_path), "--size", "12x16", "--samples", "2", "--only", ",".join(only)])
    assert [os.path.basename(p) for p in written] == [f"{name}.png" for name in only]
    assert len(module.CONFIGS) + len(module.POLICIES) + 2 == 12
    with pytest.raises(SystemExit):
        module.main(["--out", str(tmp_path), "--only", "affine,nonsense"])
    for path in written:
        grid = np.asarray(Image.open(path))
        assert grid.shape == (12 + 8, 3 * (16 + 4) + 4, 3)  # one row: the original and 2 samples
