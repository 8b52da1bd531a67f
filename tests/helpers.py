"""Small shared test utilities: one tolerance policy for every comparison."""

from __future__ import annotations

import numpy as np


def tolerance(dtype) -> float:
    """Absolute tolerance per unit of value range: 100 eps for floats, 0 for integers."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        return 0.0
    if dtype == np.dtype("bfloat16") if hasattr(np, "bfloat16") else False:
        return 1e-2
    return 100 * float(np.finfo(dtype).eps)


def assert_close(actual, expected, *, dtype=None, scale=None, atol=None, max_mismatch=0):
    """Asserts ``actual`` matches ``expected`` under the shared tolerance policy.

    Args:
        actual, expected: arrays of the same shape.
        dtype: the dtype ``actual`` must have (checked) and whose tolerance applies.
        scale: value range the tolerance is relative to (default: max |expected|, >= 1).
        atol: explicit absolute tolerance, overrides the policy.
        max_mismatch: number of elements allowed outside tolerance (documented uses only).
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if dtype is not None:
        assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)
    if scale is None:
        scale = max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)
    if atol is None:
        atol = tolerance(actual.dtype) * scale
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    bad = diff > atol
    assert int(bad.sum()) <= max_mismatch, (
        f"{int(bad.sum())} of {bad.size} elements differ by more than {atol:g} "
        f"(max diff {diff.max():g}; allowed mismatches {max_mismatch})"
    )
