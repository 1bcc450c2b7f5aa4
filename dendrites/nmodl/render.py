"""SymPy formulas as Brian2 expression text.

Brian2's own printer (:func:`brian2.parsing.sympytools.sympy_to_str`) writes the arithmetic and
functions; a ``Piecewise`` (an NMODL if/else) becomes nested ``ifelse(condition, a, b)``
(:mod:`dendrites.mechanisms.functions`), a boolean ``ITE`` ``ifelse(c, int(a), int(b)) > 0.5``,
and a power with an integral float exponent an integer
power (NMODL's ``n^4`` parses as 4.0).
"""

from __future__ import annotations

import sympy as sp
from brian2.parsing.sympytools import sympy_to_str

__all__ = ["render"]

_IFELSE = sp.Function("ifelse")
_INT = sp.Function("int")


def _without_piecewise(e):
    if isinstance(e, sp.ITE):  # a condition chosen by a condition (SymPy folds Piecewise so)
        c, a, b = (_without_piecewise(x) for x in e.args)
        return sp.StrictGreaterThan(_IFELSE(c, _INT(a), _INT(b)), sp.Float(0.5))
    if isinstance(e, sp.Piecewise):
        (value, cond), *rest = e.args
        value, cond = _without_piecewise(value), _without_piecewise(cond)
        if cond == sp.true or not rest:
            return value
        otherwise = _without_piecewise(sp.Piecewise(*rest)) if rest else sp.S.Zero
        return _IFELSE(cond, value, otherwise)
    if not e.args:
        return e
    return e.func(*(_without_piecewise(a) for a in e.args))


def _integer_powers(e):
    return e.replace(
        lambda x: x.is_Pow and x.exp.is_Float and float(x.exp).is_integer(),
        lambda x: sp.Pow(x.base, sp.Integer(int(x.exp))),
    )


def render(e) -> str:
    """Brian2 text of a SymPy expression (see the module docstring)."""
    return sympy_to_str(_without_piecewise(_integer_powers(sp.sympify(e))))
