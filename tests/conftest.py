"""Test-wide settings: JAX backend for Keras and strict dtype promotion.

No ``jax_default_matmul_precision`` override: the tests run at JAX's default precision (TF32 on
recent NVIDIA GPUs), as users do, so a 3x3 product that slips back to ``jnp.matmul``/``@`` shows up
as lost bits instead of being hidden by a suite-wide "highest".
"""

import os
import shutil
import tempfile
import uuid

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_dtype_promotion", "strict")


def pytest_configure(config):
    """One XLA compilation cache for the whole run, shared by the xdist workers.

    Many tests compile the same programs (the same layer, policy or config on the same small
    images), and compiles are most of the suite's time: 692 -> 572 s on 2 cores. The directory
    is named after xdist's run id, which the controller fixes here and hands to every worker;
    it is fresh per run (nothing carries over) and removed when the run ends.
    """
    if hasattr(config, "workerinput"):  # an xdist worker: the controller named the run
        run = config.workerinput["testrunuid"]
    else:
        if hasattr(config.option, "testrunuid") and config.option.testrunuid is None:
            config.option.testrunuid = uuid.uuid4().hex
        run = getattr(config.option, "testrunuid", None) or uuid.uuid4().hex
    config.xla_cache = os.path.join(tempfile.gettempdir(), f"jaxaug-xla-cache-{run}")
    jax.config.update("jax_compilation_cache_dir", config.xla_cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and hasattr(config, "xla_cache"):
        shutil.rmtree(config.xla_cache, ignore_errors=True)


@pytest.fixture(autouse=True)
def _optimized_programs(request):
    """``optimized`` tests assert that separately compiled programs agree bit for bit: they hold only
    as users compile (XLA's backend optimisations on; fused multiply-adds and vector tails differ
    from -O0), so they refuse to run under ``JAX_DISABLE_MOST_OPTIMIZATIONS`` (see the Makefile)."""
    if request.node.get_closest_marker("optimized") and jax.config.values.get("jax_disable_most_optimizations"):
        pytest.fail("`optimized` tests run with XLA's optimisations on: unset JAX_DISABLE_MOST_OPTIMIZATIONS.")


@pytest.fixture
def rng():
    """A fresh numpy Generator per test (never the global state)."""
    return np.random.default_rng(0)
