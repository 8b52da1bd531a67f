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


def uniform_levels(key, shape, lo, hi):
    """The documented per-pixel field draw, rebuilt in numpy from ``jax.random.bits`` alone.

    Value ``i`` is ``lo + (hi - lo) * (k + 0.5) / 65536`` with ``k`` the low (even ``i``) or high
    (odd ``i``) 16 bits of 32-bit word ``i // 2`` (the contract in ``jaxaug._src.sampling``).
    """
    import jax  # the helpers module stays importable without jax

    size = int(np.prod(shape))
    words = np.asarray(jax.random.bits(key, ((size + 1) // 2,), np.uint32)).astype(np.uint64)
    halves = np.stack([words & 0xFFFF, words >> 16], axis=-1).reshape(-1)[:size]
    unit = (halves.astype(np.float64) + 0.5) / 65536.0
    return (lo + (hi - lo) * unit).reshape(shape)
