"""Test-wide settings: JAX backend for Keras, strict dtype promotion, full-precision matmuls."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_default_matmul_precision", "highest")


@pytest.fixture
def rng():
    """A fresh numpy Generator per test (never the global state)."""
    return np.random.default_rng(0)
