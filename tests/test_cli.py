"""The ``jaxaug preview`` command line (``python -m jaxaug``) and the command-line examples.

Oracles: PIL-written image folders in tmp_path, PIL's own bilinear resize for the
originals, ``jaxaug.augment`` with the documented key rule for the augmented cells.
"""

import importlib.util
import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest
from PIL import Image

import jaxaug
from jaxaug._src import preview

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAD = 3


def write_folder(root, *, classes=("cats", "dogs"), per_class=2, flat=0, seed=0):
    """Writes small random PNG/JPEG files; returns their paths in jaxaug's listing order."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(flat):
        path = root / f"flat{i}.png"
        Image.fromarray(rng.integers(0, 256, (14, 18, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            path = root / name / f"{i}.png"
            # Smooth content (augmented cells clearly differ) of a size that needs resizing.
            r, c = np.mgrid[0:20, 0:26]
            img = np.stack([r * 12, c * 9, (r + c) * 5 + 40 * i], -1) % 256
            Image.fromarray(img.astype(np.uint8)).convert("RGB").save(path)
            paths.append(path)
    return paths


def pil_resized(path, size):
    """The oracle for an original cell: PIL RGB, bilinear resize to (H, W)."""
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB").resize((size[1], size[0]), Image.BILINEAR))


def cells(grid, rows, columns, size, pad=PAD):
    h, w = size
    out = np.empty((rows, columns, h, w, 3), np.uint8)
    for r in range(rows):
        for c in range(columns):
            y, x = pad + r * (h + pad), pad + c * (w + pad)
            out[r, c] = grid[y : y + h, x : x + w]
    return out


def run_cli(*args, timeout=240):
    return subprocess.run(
        [sys.executable, "-m", "jaxaug", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )


def test_preview_subprocess_writes_the_grid(tmp_path):
    paths = write_folder(tmp_path / "data")
    out = tmp_path / "out" / "grid.png"
    config = "rotation_range=40, zoom_range=[0.7, 0.9], horizontal_flip=true, fill_mode=constant, cval=255"
    proc = run_cli(
        "preview", tmp_path / "data", "--config", config, "--out", out, "--num", 3, "--samples-per-image", 2,
        "--seed", 5, "--size", "12x16", "--pad", PAD,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Wrote" in proc.stdout
    size, rows, columns = (12, 16), 3, 3
    with Image.open(out) as img:
        assert img.format == "PNG" and img.mode == "RGB"
        grid = np.asarray(img)
    assert grid.shape == (rows * (12 + PAD) + PAD, columns * (16 + PAD) + PAD, 3)
    got = cells(grid, rows, columns, size)
    chosen = [paths[0], paths[2], paths[3]]  # 3 of 4 spread evenly: linspace(0, 3, 3) -> 0, 2, 3 (rounded)
    originals = np.stack([pil_resized(p, size) for p in chosen])
    np.testing.assert_array_equal(got[:, 0], originals)
    for r in range(rows):
        for k in (1, 2):
            assert not np.array_equal(got[r, k], got[r, 0])
    # The augmented cells are jaxaug.augment's output: sample k of row i is example i * K + k.
    expected_config = jaxaug.AugmentConfig(
        rotation_range=40, zoom_range=(0.7, 0.9), horizontal_flip=True, fill_mode="constant", cval=255
    )
    expected = jaxaug.augment(jax.random.key(5), np.repeat(originals, 2, axis=0), expected_config)
    np.testing.assert_array_equal(got[:, 1:].reshape(-1, *size, 3), np.asarray(expected))


def run_main(capsys, *args):
    """Runs the CLI in-process; returns (exit status, stdout, stderr)."""
    try:
        status = preview.main([str(a) for a in args])
    except SystemExit as exc:
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_help_exits_zero_and_mentions_preview(capsys):
    status, out, _ = run_main(capsys, "--help")
    assert status == 0 and "preview" in out and out.startswith("usage: jaxaug")
    status, out, _ = run_main(capsys, "preview", "--help")
    assert status == 0
    for word in ("--config", "--samples-per-image", "--size", "examples:", "rotation_range"):
        assert word in out, word


def test_missing_folder_fails_clearly(tmp_path, capsys):
    missing = tmp_path / "nope"
    status, _, err = run_main(capsys, "preview", missing, "--config", "rotation_range=10")
    assert status == 2
    assert "does not exist" in err and str(missing) in err


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("rotation_range=-5", "`rotation_range`"),
        ("rotaton_range=5", "unknown AugmentConfig field 'rotaton_range'. Did you mean 'rotation_range'"),
        ("fill_mode=edge", "`fill_mode`"),
        ('{"zoom_range": [1.2, 0.8, 3]}', "`zoom_range`"),
        ('{"horizontal_flip": "yes"}', "`horizontal_flip`"),
        ("{not json", "invalid inline JSON"),
        ("just-a-word", "key=value"),
        ("[1, 2]", "key=value"),
    ],
)
def test_bad_config_exits_2_naming_the_parameter(tmp_path, capsys, config, message):
    write_folder(tmp_path / "data", per_class=1)
    status, out, err = run_main(capsys, "preview", tmp_path / "data", "--config", config, "--out", tmp_path / "g.png")
    assert status == 2
    assert "jaxaug preview: error: --config:" in err and message in err, err
    assert not (tmp_path / "g.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--num", "0"), "--num"),
        (("--size", "12by3"), "--size"),
        (("--samples-per-image", "x"), "--samples-per-image"),
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, args, message):
    write_folder(tmp_path / "data", per_class=1)
    status, _, err = run_main(capsys, "preview", tmp_path / "data", *args)
    assert status == 2 and message in err, err


def test_empty_folder_and_bad_file(tmp_path, capsys):
    (tmp_path / "empty" / "cls").mkdir(parents=True)
    status, _, err = run_main(capsys, "preview", tmp_path / "empty")
    assert status == 2 and "no images found" in err
    write_folder(tmp_path / "bad", per_class=1, classes=("a",))
    (tmp_path / "bad" / "a" / "broken.png").write_bytes(b"not a png")
    status, _, err = run_main(capsys, "preview", tmp_path / "bad", "--out", tmp_path / "g.png")
    assert status == 1 and "broken.png" in err, err


def test_flat_folder_json_file_config_and_merging(tmp_path, capsys):
    paths = write_folder(tmp_path / "flat", classes=(), flat=2)
    config_file = tmp_path / "aug.json"
    config_file.write_text(json.dumps({"rotation_range": 10, "brightness_range": [0.5, 0.6]}))
    out = tmp_path / "g.png"
    args = ("--config", config_file, "--config", "rotation_range=25", "--num", 5, "--samples-per-image", 1)
    status, stdout, _ = run_main(capsys, "preview", tmp_path / "flat", *args, "--size", 8, "--out", out, "--pad", 0)
    assert status == 0, stdout
    assert "rotation_range=25.0" in stdout and "brightness_range=(0.5, 0.6)" in stdout  # later --config wins
    grid = np.asarray(Image.open(out))
    assert grid.shape == (2 * 8, 2 * 8, 3)  # num > files: every file, one row each
    got = cells(grid, 2, 2, (8, 8), pad=0)
    np.testing.assert_array_equal(got[:, 0], np.stack([pil_resized(p, (8, 8)) for p in paths]))
    for r in range(2):  # rotation with edge fill keeps the value range; brightness <= 0.6 darkens it
        assert got[r, 1].max() <= 0.6 * got[r, 0].max() + 1
    assert not np.array_equal(got[:, 1], got[:, 0])


def test_parse_config_forms():
    config = preview.parse_config(["zoom_range=[0.8,1.2],rotation_range=20 horizontal_flip=True", "fill_mode=reflect"])
    assert config == jaxaug.AugmentConfig(
        zoom_range=(0.8, 1.2), rotation_range=20, horizontal_flip=True, fill_mode="reflect"
    )
    assert preview.parse_config([]) == jaxaug.AugmentConfig()
    hash(preview.parse_config(['{"brightness_range": [0.5, 1.5]}']))  # hashable: a static jit argument


def test_preview_grid_layout_and_errors():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 4, 6, 3), dtype=np.uint8)
    grid = preview.preview_grid(images, columns=2, pad=1)
    assert grid.shape == (3 * 5 + 1, 2 * 7 + 1, 3)
    got = cells(grid, 3, 2, (4, 6), pad=1).reshape(6, 4, 6, 3)
    np.testing.assert_array_equal(got[:5], images)
    assert (got[5] == 255).all() and (grid[0] == 255).all() and (grid[:, 7] == 255).all()
    with pytest.raises(TypeError, match="uint8"):
        preview.preview_grid(images.astype(np.float32), columns=2)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        preview.preview_grid(images[0], columns=2)
    with pytest.raises(ValueError, match="columns"):
        preview.preview_grid(images, columns=0)


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(ROOT, "examples", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_segmentation_example_runs(tmp_path):
    result = load_example("segmentation").main(["--size", "24", "--batch", "3", "--out", str(tmp_path / "seg.png")])
    assert (tmp_path / "seg.png").exists()
    # The example's own alignment check: every mask label sits on its own colour in the warped image.
    assert result["mask_image_agreement"] > 0.95
    assert result["mask_image_agreement"] > result["misaligned_agreement"] + 0.05  # alignment is what makes it high
    assert result["labels_kept"]


# One value per AugmentConfig field, as a user would type it on the command line (JSON values).
EVERY_FIELD = {
    "rotation_range": "10",
    "width_shift_range": "0.1",
    "height_shift_range": "2",
    "shear_range": "5",
    "zoom_range": "[0.9,1.1]",
    "horizontal_flip": "true",
    "vertical_flip": "true",
    "rotate90": "true",
    "channel_shift_range": "3",
    "brightness_range": "[0.9,1.1]",
    "fill_mode": "reflect",
    "cval": "0",
    "interpolation_order": "3",
    "contrast_range": "[0.8,1.2]",
    "saturation_range": "[0.8,1.2]",
    "hue_range": "[-0.1,0.1]",
    "gamma_range": "[0.9,1.1]",
    "sharpness_range": "[0.5,1.5]",
    "grayscale_probability": "0.1",
    "autocontrast_probability": "0.1",
    "equalize_probability": "0.1",
    "solarize_probability": "0.1",
    "solarize_threshold": "0.6",
    "posterize_bits": "[4,8]",
    "blur_sigma_range": "[0.5,1.0]",
    "blur_probability": "0.5",
    "blur_kernel_size": "5",
    "noise_std": "0.01",
    "erasing_probability": "0.2",
    "erasing_scale": "[0.02,0.2]",
    "erasing_ratio": "[0.5,2.0]",
    "erasing_value": "random",
    "max_value": "255",
    "output_size": "[6,7]",
    "crop_scale": "[0.5,1.0]",
    "crop_ratio": "[0.75,1.33]",
    "perspective_range": "0.2",
    "elastic_alpha": "1.0",
    "elastic_sigma": "2.0",
}


def test_every_config_field_works_in_config_and_policies_show(tmp_path, capsys):
    assert set(EVERY_FIELD) == set(preview.FIELDS)  # a new field must be added here (and work)
    config = preview.parse_config([",".join(f"{k}={v}" for k, v in EVERY_FIELD.items())])
    for name, text in EVERY_FIELD.items():
        value = json.loads(text) if text != "random" and text != "reflect" else text
        assert getattr(config, name) == (tuple(value) if isinstance(value, list) else value), name
    paths = write_folder(tmp_path / "d", classes=("a",), per_class=1)
    out = tmp_path / "p.png"
    args = ("--config", "output_size=[6,7],rotation_range=10", "--policy", "randaugment", "--num", 1, "--out", out)
    status, stdout, _ = run_main(capsys, "preview", tmp_path / "d", *args, "--samples-per-image", 2, "--size", 8)
    assert status == 0, stdout
    got = cells(np.asarray(Image.open(out)), 1, 3, (6, 7), pad=4)
    batch = np.repeat(pil_resized(paths[0], (8, 8))[None], 2, axis=0)
    key = jax.random.key(0)
    config = jaxaug.AugmentConfig(output_size=(6, 7), rotation_range=10)
    want = jaxaug.rand_augment(jax.random.fold_in(key, 1), jaxaug.augment(key, batch, config))
    np.testing.assert_array_equal(got[0, 1:], want)
