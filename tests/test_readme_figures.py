"""The figures at the end of README's "Reliability" section are recounted from the test suite.

Each figure is the number of test cases (parametrized cases counted one by one, as pytest collects
them) of the tests listed for it in ``FIGURES``. Renaming, removing or re-parametrizing one of those
tests, or editing a number in the README, fails here until the two agree again.
"""

from __future__ import annotations

import importlib
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# README wording after the bold number -> the tests whose cases it counts ("module::function").
FIGURES = {
    "test cases of bad image files and paths": (
        "tests.test_bad_files::test_bad_file_raises_image_file_error_naming_it",
        "tests.test_bad_files::test_bad_path_is_an_image_file_error_naming_it",
        "tests.test_bad_files::test_decompression_bomb_error_is_image_file_error",
        "tests.test_bad_files::test_decompression_bomb_warning_never_passes_silently",
        "tests.test_reliability::test_a_bad_file_in_a_grain_worker_names_the_file",
    ),
    "of bad directories and symlink loops": (
        "tests.test_bad_files::test_bad_directory_is_a_clear_error",
        "tests.test_bad_files::test_symlink_loops_terminate_and_list_each_real_file_once_per_path",
        "tests.test_bad_files::test_empty_class_folders_and_empty_directory_match_keras",
        "tests.test_bad_files::test_bad_corpus_and_loops_never_hang",
    ),
    "of bad loader/drop-in arguments": (
        "tests.test_grain::test_bad_arguments_are_named",
        "tests.test_legacy_transforms::test_invalid_constructor_arguments",
        "tests.test_reliability::test_save_prefix_with_path_separators_is_rejected",
        "tests.test_reliability::test_save_format_with_path_separators_is_rejected",
    ),
    "killed processes": (
        "tests.test_reliability::test_sigkill_mid_epoch_then_resume_sees_every_example_exactly_once",
        "tests.test_reliability::test_a_dying_grain_worker_is_an_error_not_a_hang",
    ),
}


def count_cases(ref: str) -> int:
    """Number of test cases pytest collects for ``ref`` = "module::function" (product of its parametrizations)."""
    module, name = ref.split("::")
    fn = getattr(importlib.import_module(module), name, None)
    assert callable(fn), f"README figure counts {ref}, which does not exist: update FIGURES and the README"
    marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
    return math.prod(len(m.args[1]) for m in marks)


def figures_paragraph() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Reliability\n", 1)[1].split("\n## ", 1)[0]
    paragraphs = [p for p in section.split("\n\n") if p.startswith("Figures from the test suite")]
    assert len(paragraphs) == 1, "README's Reliability section needs one paragraph 'Figures from the test suite ...'"
    return " ".join(paragraphs[0].split())  # one line: figures may wrap anywhere


def test_the_counter_counts_parametrized_cases():
    assert count_cases("tests.test_bad_files::test_bad_corpus_and_loops_never_hang") == 1
    assert count_cases("tests.test_bad_files::test_bad_path_is_an_image_file_error_naming_it") == len(
        importlib.import_module("tests.test_bad_files").BAD_PATHS
    )
    odd = importlib.import_module("tests.test_bad_files").test_odd_modes_decode_like_keras  # 3 stacked lists
    assert count_cases("tests.test_bad_files::test_odd_modes_decode_like_keras") == 5 * 3 * 2
    assert len([m for m in odd.pytestmark if m.name == "parametrize"]) == 3


def test_readme_reliability_figures_are_the_test_suites():
    paragraph = figures_paragraph()
    checked = 0
    for words, tests in FIGURES.items():
        found = re.findall(rf"\*\*(\d+)\*\* {re.escape(words)}", paragraph)
        assert len(found) == 1, f"README figure '**N** {words}' not found (once) in: {paragraph}"
        assert int(found[0]) == sum(map(count_cases, tests)), words
        checked += 1
    files = importlib.import_module("tests.test_reliability").FILES
    assert re.findall(r"kill-and-resume: \*\*0\*\* of \*\*(\d+)\*\*", paragraph) == [str(files)]
    checked += 2
    timeout = re.findall(r"^timeout = (\d+)$", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(timeout) == 1 and re.findall(r"after \*\*(\d+)\*\* s", paragraph) == timeout
    checked += 1
    assert len(re.findall(r"\*\*\d+\*\*", paragraph)) == checked, "a bold number in the paragraph is not checked"
