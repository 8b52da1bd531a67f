"""The public surface: naming conventions, __all__, and lazy heavy imports."""

import inspect
import subprocess
import sys

import jaxaug

PUBLIC = {name: getattr(jaxaug, name) for name in jaxaug.__all__}


def test_all_is_sorted_unique_and_complete():
    assert list(jaxaug.__all__) == sorted(jaxaug.__all__)
    assert len(set(jaxaug.__all__)) == len(jaxaug.__all__)
    exported = {n for n, v in vars(jaxaug).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert exported == set(jaxaug.__all__)


def test_random_functions_take_key_first():
    keyed = [
        f for n, f in PUBLIC.items() if n.startswith("random_") or n in ("augment", "augment_image", "sample_params")
    ]
    assert len(keyed) >= 6
    for fn in keyed:
        assert next(iter(inspect.signature(fn).parameters)) == "key", fn.__name__


def test_optional_arguments_are_keyword_only():
    for name in ("affine_transform", "augment"):
        params = inspect.signature(PUBLIC[name]).parameters.values()
        for p in params:
            if p.default is not inspect.Parameter.empty:
                assert p.kind is inspect.Parameter.KEYWORD_ONLY, (name, p.name)


def test_every_public_callable_has_a_docstring():
    for name, obj in PUBLIC.items():
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name


def test_import_jaxaug_imports_no_heavy_optional_dependency():
    code = (
        "import sys, jaxaug; heavy = [m for m in ('keras', 'grain', 'PIL', 'pandas', 'scipy', 'tensorflow') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "", f"import jaxaug pulled in: {out.stdout.strip()}"


def test_version_comes_from_package_metadata():
    from importlib.metadata import version

    assert jaxaug.__version__ == version("jaxaug")
