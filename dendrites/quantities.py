"""Checking physical quantities at the package's public boundary.

All public functions take `brian2` quantities (``300*um``, ``-70*mV``). These helpers turn a
quantity into a float in a stated unit after checking its dimension, finiteness and sign, and raise
a :class:`~dendrites.errors.ParameterError` naming the parameter otherwise.
"""

from __future__ import annotations

import numpy as np
from brian2.units.fundamentalunits import (
    DimensionMismatchError,
    Quantity,
    fail_for_dimension_mismatch,
    get_unit,
)

from .errors import ParameterError

__all__ = ["as_array", "as_float", "unit_name"]


def unit_name(unit) -> str:
    """A readable name for a unit (``um``, ``mV``, ``nS``...)."""
    return str(unit)


def _check_dim(name: str, value, unit):
    if not isinstance(value, Quantity) and not np.all(np.asarray(value) == 0):
        dim = getattr(unit, "dim", None)
        if dim is not None and not getattr(dim, "is_dimensionless", False):
            raise ParameterError(
                name,
                f"expected a quantity in units of {unit_name(unit)} (e.g. 1*{unit_name(unit)}), "
                f"got the plain number {value!r}",
            )
    try:
        fail_for_dimension_mismatch(value, unit)
    except DimensionMismatchError:
        got = get_unit(getattr(value, "dim", None)) if isinstance(value, Quantity) else "1"
        raise ParameterError(
            name, f"expected units of {unit_name(unit)}, got {value!r} (units of {got})"
        ) from None


def _check_values(name: str, arr: np.ndarray, unit, sign: str):
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, "must be finite (got NaN or infinity)")
    if sign == "positive" and np.any(arr <= 0):
        raise ParameterError(name, f"must be > 0 {unit_name(unit)}, got {arr.min():g}")
    if sign == "nonnegative" and np.any(arr < 0):
        raise ParameterError(name, f"must be >= 0 {unit_name(unit)}, got {arr.min():g}")


def as_float(value, unit, name: str, sign: str = "any") -> float:
    """Return ``value / unit`` as a float after checking it.

    Parameters
    ----------
    value : brian2.Quantity
        The quantity given by the user.
    unit : brian2.Unit
        The unit to express it in; its dimension is required.
    name : str
        The parameter's name, used in error messages.
    sign : {"any", "positive", "nonnegative"}
        Constraint on the value.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        Wrong dimension, a plain number where a unit is needed, NaN/inf, or a forbidden sign.

    Examples
    --------
    >>> from brian2 import um, mV
    >>> as_float(300 * um, um, "length", sign="positive")
    300.0
    """
    _check_dim(name, value, unit)
    arr = np.asarray(value / unit, dtype=float)
    if arr.ndim != 0:
        raise ParameterError(name, f"expected a single value, got an array of shape {arr.shape}")
    _check_values(name, arr, unit, sign)
    out = float(arr)
    return out


def as_array(value, unit, name: str, sign: str = "any") -> np.ndarray:
    """Like :func:`as_float` for an array-valued quantity; returns a float ndarray."""
    _check_dim(name, value, unit)
    arr = np.atleast_1d(np.asarray(value / unit, dtype=float))
    _check_values(name, arr, unit, sign)
    return arr
