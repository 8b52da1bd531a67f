"""Argument checks shared by every public entry point.

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong value) with a message that names the parameter, shows the value and says what
is allowed. None of them uses ``assert``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_bool(name: str, value: Any) -> bool:
    """Returns ``value`` as a bool; accepts Python and numpy booleans (and 0/1 ints)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise TypeError(f"`{name}` must be a bool, got {value!r} ({type(value).__name__}).")


def check_real(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Returns ``value`` as a finite float within the given bounds."""
    if not _is_real(value):
        raise TypeError(f"`{name}` must be a real number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite, got {value!r}.")
    lo_ok = minimum is None or (value >= minimum if min_inclusive else value > minimum)
    hi_ok = maximum is None or (value <= maximum if max_inclusive else value < maximum)
    if not (lo_ok and hi_ok):
        lo = "-inf" if minimum is None else repr(minimum)
        hi = "inf" if maximum is None else repr(maximum)
        bracket = ("[" if min_inclusive else "(") + f"{lo}, {hi}" + ("]" if max_inclusive else ")")
        raise ValueError(f"`{name}` must be in {bracket}, got {value!r}.")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Returns ``value`` as an int (bools rejected) no smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an int, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}, got {value!r}.")
    return value


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Returns ``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:  # unhashable or incomparable
        ok = False
    if not ok:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {allowed}; got {value!r}.")
    return value


def check_pair(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    ordered: bool = False,
) -> tuple[float, float]:
    """Returns a 2-sequence of finite reals as a tuple of floats."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not hasattr(value, "__len__"):
        raise TypeError(f"`{name}` must be a tuple or list of two numbers, got {value!r}.")
    try:
        items = list(value)
    except TypeError as err:
        raise TypeError(f"`{name}` must be a tuple or list of two numbers, got {value!r}.") from err
    if len(items) != 2:
        raise ValueError(f"`{name}` must have exactly two numbers (lower, upper), got {value!r}.")
    lo = check_real(f"{name}[0]", items[0], minimum=minimum)
    hi = check_real(f"{name}[1]", items[1], minimum=minimum)
    if ordered and lo > hi:
        raise ValueError(f"`{name}` must satisfy lower <= upper, got {value!r}.")
    return lo, hi
