"""Functions that mechanism equations may call beyond Brian2's own.

``ifelse(condition, a, b)``: `a` where `condition` holds, else `b` (C's ``c ? a : b``). Brian2
has no conditional expression; mechanisms translated from NMODL (:mod:`dendrites.nmodl`) need
one for their if/else. Both branches are evaluated and the unused one discarded, so a branch that
divides by zero where it is not taken (a removable singularity's guarded form) does no harm.
Arguments and result are dimensionless (the translated formulas work on numbers in the file's
units).

The backend passes :data:`FUNCTIONS` in the namespace of every group;
:func:`dendrites.mechanisms.base.evaluate` knows them too.
"""

from __future__ import annotations

import numpy as np
from brian2.core.functions import Function

__all__ = ["FUNCTIONS", "ifelse"]


def _ifelse(condition, a, b):
    with np.errstate(all="ignore"):
        return np.where(np.asarray(condition, dtype=bool), a, b)


ifelse = Function(
    _ifelse,
    arg_units=[1, 1, 1],
    arg_names=["condition", "a", "b"],
    return_unit=1,
    arg_types=["boolean", "any", "any"],
    return_type="float",
    stateless=True,
)
ifelse.implementations.add_implementation(
    "cpp",
    code="static inline double _ifelse(const bool c, const double a, const double b)"
    " { return c ? a : b; }",
    name="_ifelse",
)
ifelse.implementations.add_implementation(
    "cython",
    code="cdef double _ifelse(bint c, double a, double b):\n    return a if c else b",
    name="_ifelse",
)

#: Extra functions by name, for the namespaces of Brian2 groups.
FUNCTIONS = {"ifelse": ifelse}
