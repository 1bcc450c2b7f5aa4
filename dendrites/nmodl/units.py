"""NMODL unit strings as Brian2 units.

NMODL declares a unit for every variable (``gbar = 0.12 (S/cm2)``, ``v (mV)``) and holds the
*number* in that unit: ``v`` is 10 when the membrane is at 10 mV. The importer keeps that
arithmetic: in a translated formula a package variable ``X`` (a Brian2 quantity, SI) enters as
``(X/(U))`` with ``U`` the Brian2 expression of its declared unit, so every NMODL formula computes
what NEURON computes, and results are converted back to SI through the same units.

Unit names are resolved through Brian2's own unit table (prefixes and all: ``mV``, ``uS``,
``mA``, ``cm``...), after NEURON's long names and aliases (``millivolt``, ``mho``, ``micron``,
``degC``...) and a file's own ``UNITS`` definitions. NEURON writes exponents as trailing digits
(``cm2``) and products with ``-``; concentrations are ``(milli/liter)`` = mM (NEURON counts
moles implicitly there). Temperatures in ``degC`` are kept as numbers of degrees Celsius (an
offset is not a scale): a variable declared ``(degC)`` becomes a dimensionless parameter.

Physical constants of the ``UNITS`` block (``FARADAY = (faraday) (coulomb)``, ``R = (k-mole)
(joule/degC)``) take the CODATA 2018 values NEURON 9 uses (:mod:`dendrites.mechanisms.ions`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from brian2.core.namespace import DEFAULT_UNITS
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, get_dimensions

from ..mechanisms.ions import FARADAY, GAS_CONSTANT

__all__ = ["ModUnit", "UnitTable", "UnknownUnitError"]

_AVOGADRO = 6.02214076e23
_ELEMENTARY_CHARGE = 1.602176634e-19

#: NEURON's spellings that are not Brian2 unit names, as Brian2 expressions.
_ALIASES = {
    "volt": "volt",
    "volts": "volt",
    "V": "volt",
    "mV": "mvolt",
    "A": "amp",
    "mA": "mamp",
    "uA": "uamp",
    "nA": "namp",
    "pA": "pamp",
    "uS": "usiemens",
    "nS": "nsiemens",
    "pS": "psiemens",
    "mS": "msiemens",
    "millivolt": "mvolt",
    "amp": "amp",
    "ampere": "amp",
    "milliamp": "mamp",
    "microamp": "uamp",
    "nanoamp": "namp",
    "picoamp": "pamp",
    "siemens": "siemens",
    "S": "siemens",
    "mho": "siemens",
    "mmho": "msiemens",
    "umho": "usiemens",
    "micromho": "usiemens",
    "microsiemens": "usiemens",
    "nanosiemens": "nsiemens",
    "picosiemens": "psiemens",
    "s": "second",
    "sec": "second",
    "second": "second",
    "seconds": "second",
    "ms": "msecond",
    "msec": "msecond",
    "millisecond": "msecond",
    "us": "usecond",
    "micron": "umetre",
    "microns": "umetre",
    "um": "umetre",
    "micrometer": "umetre",
    "meter": "metre",
    "metre": "metre",
    "m": "metre",
    "cm": "cm",
    "centimeter": "cm",
    "mm": "mmetre",
    "nm": "nmetre",
    "liter": "liter",
    "litre": "liter",
    "l": "liter",
    "L": "liter",
    "ml": "mliter",
    "M": "molar",
    "molar": "molar",
    "millimolar": "mmolar",
    "micromolar": "umolar",
    "nanomolar": "nmolar",
    "mmol": "mmole",
    "mM": "mmolar",
    "uM": "umolar",
    "nM": "nmolar",
    "mol": "mole",
    "mole": "mole",
    "coulomb": "coulomb",
    "coul": "coulomb",
    "C": "coulomb",
    "joule": "joule",
    "J": "joule",
    "ohm": "ohm",
    "megohm": "Mohm",
    "kelvin": "kelvin",
    "K": "kelvin",
    "degC": "kelvin",  # inside a compound unit (joule/degC) a degree is a kelvin
    "farad": "farad",
    "uF": "ufarad",
    "microfarad": "ufarad",
    "Hz": "hertz",
    "hertz": "hertz",
}

#: Pure numbers NEURON's unit table knows (prefixes written alone, as in ``(milli/liter)``).
_NUMBERS = {
    "milli": 1e-3,
    "micro": 1e-6,
    "nano": 1e-9,
    "pico": 1e-12,
    "kilo": 1e3,
    "mega": 1e6,
    "centi": 1e-2,
    "1": 1.0,
    "percent": 1e-2,
    "pi": math.pi,
    "PI": math.pi,
}

#: Named physical constants of NEURON's unit table, as Brian2 quantities (CODATA 2018).
_CONSTANTS = {
    "faraday": FARADAY * DEFAULT_UNITS["coulomb"] / DEFAULT_UNITS["mole"],
    "k-mole": GAS_CONSTANT
    * DEFAULT_UNITS["joule"]
    / DEFAULT_UNITS["kelvin"]
    / DEFAULT_UNITS["mole"],
    "R": GAS_CONSTANT * DEFAULT_UNITS["joule"] / DEFAULT_UNITS["kelvin"] / DEFAULT_UNITS["mole"],
    "e": _ELEMENTARY_CHARGE * DEFAULT_UNITS["coulomb"],
    "avogadro": _AVOGADRO / DEFAULT_UNITS["mole"],
}


class UnknownUnitError(ValueError):
    """A unit name neither Brian2, NEURON's spellings nor the file's UNITS block defines."""


@dataclass(frozen=True)
class ModUnit:
    """A declared NMODL unit: its value in SI and the Brian2 expression that gives it.

    Attributes
    ----------
    text : str
        The unit as written in the file (``"S/cm2"``; ``""`` for none).
    quantity : brian2.Quantity
        One of that unit, in SI (``1 mS/cm2`` = ``10 S/m2``).
    expression : str
        A Brian2 expression of `quantity` (``"(siemens/cmetre**2)"``), used in translated
        formulas.
    celsius : bool
        Declared ``degC``: kept as a number of degrees Celsius (dimensionless).
    """

    text: str
    quantity: Quantity
    expression: str
    celsius: bool = False

    @property
    def dim(self):
        """Brian2 dimensions of the unit."""
        return get_dimensions(self.quantity)

    @property
    def dimensionless(self) -> bool:
        """Whether the unit carries no dimension (a pure number, or degC)."""
        return self.dim is DIMENSIONLESS


_ONE = ModUnit("", Quantity(1.0), "1")
_FACTOR = re.compile(r"^([A-Za-z_][A-Za-z_\-]*?)(-?\d+)?$")


class UnitTable:
    """Resolves unit strings of one file: Brian2's units, NEURON's names and the file's own
    ``UNITS`` definitions (``(mV) = (millivolt)``)."""

    def __init__(self):
        self._defined: dict[str, ModUnit] = {}

    def define(self, name: str, definition: str) -> None:
        """Add a ``UNITS`` block definition ``(name) = (definition)``."""
        self._defined[name.strip()] = self.parse(definition)

    def factor(self, unit_from: str, unit_to: str) -> float:
        """How many `unit_to` make one `unit_from` (``FARADAY = (faraday) (coulomb)``).

        Raises
        ------
        UnknownUnitError
            The two units have different dimensions, or a name is unknown.
        """
        a, b = self.parse(unit_from), self.parse(unit_to)
        ratio = a.quantity / b.quantity
        dim = get_dimensions(ratio)
        exponents = list(dim._dims) if dim is not DIMENSIONLESS else []
        # NEURON counts moles implicitly: (faraday) in (coulomb) is 96485.3
        if any(p for k, p in enumerate(exponents) if k != 5):
            raise UnknownUnitError(f"({unit_from}) cannot be expressed in ({unit_to})")
        return float(np.asarray(ratio))

    def parse(self, text: str | None) -> ModUnit:
        """The :class:`ModUnit` of a unit string (``"S/cm2"``, ``"/ms"``, ``"milli/liter"``)."""
        text = (text or "").strip().strip("()").strip()
        if not text or text == "1":
            return _ONE
        if text in self._defined:
            return self._defined[text]
        if text in ("degC", "celsius", "degree_celsius"):
            return ModUnit(text, Quantity(1.0), "1", celsius=True)
        parts = text.split("/")
        numerator, denominators = parts[0], parts[1:]
        value = Quantity(1.0)
        pieces_num, pieces_den = [], []
        for part, sign, pieces in [(numerator, 1, pieces_num)] + [
            (d, -1, pieces_den) for d in denominators
        ]:
            for factor in self._factors(part, text):
                q, expr = self._factor(factor, text)
                value = value * q if sign > 0 else value / q
                if expr != "1":
                    pieces.append(expr)
        # NEURON's implicit mole: (milli/liter) is a concentration, mM
        if get_dimensions(value) == get_dimensions(1 / DEFAULT_UNITS["liter"]) and not any(
            "liter" in p and "mole" in p for p in pieces_num
        ):
            if all(f in _NUMBERS for f in self._factors(numerator, text)):
                value = value * DEFAULT_UNITS["mole"]
                pieces_num.append("mole")
                for name in ("mmolar", "umolar", "nmolar", "molar"):  # a readable spelling
                    if math.isclose(float(value / DEFAULT_UNITS[name]), 1.0, rel_tol=1e-12):
                        return ModUnit(text, value, f"({name})")
        expression = "*".join(pieces_num) or "1"
        if pieces_den:
            expression = f"{expression}/({'*'.join(pieces_den)})"
        return ModUnit(text, value, f"({expression})")

    @staticmethod
    def _factors(part: str, whole: str) -> list[str]:
        part = part.strip()
        if not part or part == "1":
            return []
        if part in _CONSTANTS or part in _ALIASES:
            return [part]
        return [f for f in re.split(r"[\s.*]+|-(?=[A-Za-z])", part) if f]

    def _factor(self, factor: str, whole: str) -> tuple[Quantity, str]:
        if factor in self._defined:
            u = self._defined[factor]
            return u.quantity, u.expression
        if factor in _NUMBERS:
            return Quantity(_NUMBERS[factor]), repr(_NUMBERS[factor])
        try:
            return Quantity(float(factor)), repr(float(factor))
        except ValueError:
            pass
        if factor in _CONSTANTS:
            q = _CONSTANTS[factor]
            return q, f"({float(q / _si(q))!r}*{_si_expression(q)})"
        match = _FACTOR.match(factor)
        if not match:
            raise UnknownUnitError(f"unknown unit {factor!r} in ({whole})")
        name, power = match.group(1), int(match.group(2) or 1)
        brian = _ALIASES.get(name, name)
        if brian not in DEFAULT_UNITS and name.endswith("s"):  # NEURON accepts plurals
            brian = _ALIASES.get(name[:-1], name[:-1])
        unit = DEFAULT_UNITS.get(brian)
        if unit is None:
            raise UnknownUnitError(f"unknown unit {name!r} in ({whole})")
        expr = brian if power == 1 else f"{brian}**{power}"
        return unit**power, expr


def _si(q: Quantity) -> Quantity:
    """The SI unit of a quantity's dimensions, as a quantity of value 1."""
    return Quantity(1.0, dim=get_dimensions(q))


def _si_expression(q: Quantity) -> str:
    dim = get_dimensions(q)
    if dim is DIMENSIONLESS:
        return "1"
    names = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candle")
    return "*".join(
        n if p == 1 else f"{n}**{p:g}" for n, p in zip(names, dim._dims, strict=True) if p
    )
