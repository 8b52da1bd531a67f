"""Test-wide settings: JAX backend for Keras and strict dtype promotion.

No ``jax_default_matmul_precision`` override: the tests run at JAX's default precision (TF32 on
recent NVIDIA GPUs), as users do, so a 3x3 product that slips back to ``jnp.matmul``/``@`` shows up
as lost bits instead of being hidden by a suite-wide "highest".
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_dtype_promotion", "strict")


@pytest.fixture
def rng():
    """A fresh numpy Generator per test (never the global state)."""
    return np.random.default_rng(0)
