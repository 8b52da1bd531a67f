"""Docs that run: every docstring example in jaxaug, and every Python block of the README."""

import doctest
import importlib
import os
import pkgutil
import re
from pathlib import Path

import pytest

import jaxaug

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    m.name for m in pkgutil.walk_packages(jaxaug.__path__, prefix="jaxaug.") if not m.name.endswith("__main__")
)


def docstrings():
    """One case per docstring with examples (not per module: xdist then spreads a slow module's
    examples over the workers instead of running them in one 40 s test)."""
    finder = doctest.DocTestFinder()
    cases = []
    for name in MODULES:
        for test in finder.find(importlib.import_module(name)):
            if test.examples:
                cases.append(pytest.param(test, id=test.name))
    return cases


@pytest.mark.parametrize("test", docstrings())
def test_docstring_examples(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    result = runner.run(test, out=lambda text: print(text, end=""))
    assert result.failed == 0, f"{result.failed} example(s) failed in {test.name} (output above)"


def test_docstring_examples_are_found_across_the_package():
    """An empty parametrisation would skip silently: the examples come from the whole package."""
    found = {case.values[0].globs["__name__"] for case in docstrings()}
    assert {"jaxaug._src.resample", "jaxaug._src.keras_layers", "jaxaug._src.policies"} <= found
    assert len(found) >= 10, sorted(found)


def readme_blocks():
    """Python blocks of README.md, except those right after a `<!-- notest -->` marker."""
    text = (ROOT / "README.md").read_text()
    blocks = []
    for match in re.finditer(r"(<!-- notest -->\s*)?```python\n(.*?)```", text, re.S):
        if not match.group(1):
            line = text[: match.start()].count("\n") + 1
            blocks.append(pytest.param(match.group(2), id=f"README.md:{line}"))
    return blocks


@pytest.mark.parametrize("code", readme_blocks())
def test_readme_block_runs_as_written(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})


def test_readme_starts_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S).group(1)
    assert first_block.split() == ["make", "demo", "make", "test"], first_block
    assert os.path.exists(ROOT / "Makefile")
