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

__all__ = ["DISPLAY_UNITS", "as_array", "as_float", "display_unit", "unit_name"]


def _display_table() -> dict:
    from brian2.units import (
        Hz,
        Mohm,
        amp,
        cm,
        kelvin,
        mA,
        mM,
        ms,
        mV,
        nA,
        nS,
        ohm,
        pF,
        siemens,
        uF,
        um,
    )

    rows = [
        # (unit, how a message writes it, an example a user would type)
        (mV, "mV", "-70*mV"),
        (ms, "ms", "0.025*ms"),
        (um, "um", "300*um"),
        (um**2, "um²", "100*um**2"),
        (nS, "nS", "1*nS"),
        (nA, "nA", "0.1*nA"),
        (pF, "pF", "100*pF"),
        (Mohm, "Mohm", "100*Mohm"),
        (siemens / cm**2, "S/cm²", "1e-4*siemens/cm**2"),
        (uF / cm**2, "uF/cm²", "1*uF/cm**2"),
        (ohm * cm, "ohm cm", "150*ohm*cm"),
        (ohm * cm**2, "ohm cm²", "10000*ohm*cm**2"),
        (mA / cm**2, "mA/cm²", "0.5*mA/cm**2"),
        (mM, "mM", "1*mM"),
        (Hz, "Hz", "5*Hz"),
        (1 / (mM * ms), "/(mM ms)", "10/(mM*ms)"),
        (cm * Hz, "cm/s", "5e-4*cm/second"),
        (mM / ms, "mM/ms", "1*mM/ms"),
        (mM / (mA / cm**2 * ms), "mM cm²/(mA ms)", "1*mM*cm**2/(mA*ms)"),
        (kelvin, "K", "310*kelvin"),
        (amp / mM, "A/mM", "1*amp/mM"),
    ]
    return {u.dim: (u, text, example) for u, text, example in rows}


#: Dimension -> (unit, its name in messages, an example value): the units neuroscientists write
#: (S/cm² for a density, not m^-4 kg^-1 s^3 A^2). Messages of :func:`as_float`/:func:`as_array`
#: use them unless the caller names another (a mechanism's ``display_units``).
DISPLAY_UNITS = _display_table()


def display_unit(unit, display=None):
    """The unit, its name and an example for messages about a quantity in `unit`.

    Parameters
    ----------
    unit : brian2.Unit or Quantity
        The unit asked for (its dimension is what matters).
    display : brian2.Unit or Quantity, optional
        A unit to show instead (of the same dimension), e.g. a mechanism's ``display_units``.

    Returns
    -------
    (Quantity, str, str)
        The display unit, its name (``"S/cm²"``) and an example (``"1e-4*siemens/cm**2"``).

    Examples
    --------
    >>> from brian2 import siemens, meter
    >>> display_unit(siemens / meter**2)[1]
    'S/cm²'
    """
    dim = getattr(unit, "dim", None)
    if display is not None and getattr(display, "dim", None) == dim:
        name = unit_name(display).replace("^2", "²").replace("(", "").replace(")", "")
        return display, name, f"1*{_python_name(display)}"
    if dim is not None and dim in DISPLAY_UNITS:
        return DISPLAY_UNITS[dim]
    if dim is None or getattr(dim, "is_dimensionless", False):
        return Quantity(1.0), "1 (a plain number)", "1"
    return unit, unit_name(unit), f"1*{unit_name(unit)}"


def _python_name(unit) -> str:
    """``msiemens/cm**2`` style text for a composite unit (from Brian2's ``mS/(cm^2)``)."""
    text = unit_name(unit)
    for short, long in (("mS", "msiemens"), ("uS", "usiemens"), ("S", "siemens")):
        text = text.replace(short + "/", long + "/")
    return text.replace("^", "**").replace(" ", "*")


def _shown(arr, unit, display) -> str:
    """A value in the display unit, e.g. ``-1 S/cm²``."""
    shown, name, _ = display_unit(unit, display)
    factor = float(np.asarray(unit / shown)) if isinstance(unit, Quantity) else 1.0
    value = float(np.min(arr)) * factor
    return f"{value:g}" if name.startswith("1 ") else f"{value:g} {name}"


def unit_name(unit) -> str:
    """A readable name for a unit (``um``, ``mV``, ``nS``...)."""
    return str(unit)


def _check_dim(name: str, value, unit, display=None):
    _, shown, example = display_unit(unit, display)
    if not isinstance(value, Quantity) and not np.all(np.asarray(value) == 0):
        dim = getattr(unit, "dim", None)
        if dim is not None and not getattr(dim, "is_dimensionless", False):
            raise ParameterError(
                name,
                f"expected a quantity in {shown} (e.g. {example}), got the plain number {value!r}",
            )
    try:
        fail_for_dimension_mismatch(value, unit)
    except DimensionMismatchError:
        got = "a plain number"
        if isinstance(value, Quantity):
            got = f"units of {display_unit(get_unit(value.dim))[1]}"
        wanted = (
            "a plain number (dimensionless)"
            if shown.startswith("1 ")
            else f"units of {shown} (e.g. {example})"
        )
        raise ParameterError(name, f"expected {wanted}, got {value!r} ({got})") from None


def _check_values(name: str, arr: np.ndarray, unit, sign: str, display=None):
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, "must be finite (got NaN or infinity)")
    if sign == "positive" and np.any(arr <= 0):
        zero = _shown([0.0], unit, display)
        raise ParameterError(name, f"must be > {zero}, got {_shown(arr, unit, display)}")
    if sign == "nonnegative" and np.any(arr < 0):
        zero = _shown([0.0], unit, display)
        raise ParameterError(name, f"must be >= {zero}, got {_shown(arr, unit, display)}")


def as_float(value, unit, name: str, sign: str = "any", display=None) -> float:
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
    display : brian2.Unit, optional
        The unit messages show (default: the one of `unit`'s dimension in
        :data:`DISPLAY_UNITS`, e.g. S/cm² for any conductance density).

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
    _check_dim(name, value, unit, display)
    arr = np.asarray(value / unit, dtype=float)
    if arr.ndim != 0:
        raise ParameterError(name, f"expected a single value, got an array of shape {arr.shape}")
    _check_values(name, arr, unit, sign, display)
    out = float(arr)
    return out


def as_array(value, unit, name: str, sign: str = "any", display=None) -> np.ndarray:
    """Like :func:`as_float` for an array-valued quantity; returns a float ndarray."""
    _check_dim(name, value, unit, display)
    arr = np.atleast_1d(np.asarray(value / unit, dtype=float))
    _check_values(name, arr, unit, sign, display)
    return arr
