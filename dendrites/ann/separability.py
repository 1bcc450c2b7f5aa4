"""Linear separability (a perceptron's reach), decided exactly by linear programming.

See :mod:`dendrites.ann` for the conventions.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
from scipy.optimize import linprog

from ..errors import ParameterError
from .base import _labels, _matrix

__all__ = ["LinearFeasibility", "linear_separability"]


# --------------------------------------------------------------------------------------------
# Linear separability (perceptron), exactly


@dataclasses.dataclass(frozen=True, repr=False)
class LinearFeasibility:
    """Outcome of :func:`linear_separability`.

    Attributes
    ----------
    separable : bool
        Some threshold unit ``sign(w . x + b)`` reproduces every label.
    weights : ndarray
        ``w`` of the returned unit (units: 1/units of x). For separable labels it has the least
        L1 norm among those with ``y_i (w . x_i + b) >= 1``, i.e. the largest margin in the
        max-norm; otherwise it is a unit that gets `best_rows_correct` rows right.
    bias : float
        ``b`` of the returned unit.
    margin : float
        Euclidean distance from the returned hyperplane to the nearest pattern (units of x);
        ``inf`` if all labels are equal (``w = 0``), NaN when not separable.
    best_rows_correct : int
        The most rows a single threshold unit can get right: all of them when separable.
    n_rows : int
        Number of patterns.
    correct : ndarray of bool
        Which rows the returned unit gets right (strictly on the correct side).
    """

    separable: bool
    weights: np.ndarray
    bias: float
    margin: float
    best_rows_correct: int
    n_rows: int
    correct: np.ndarray

    def __repr__(self) -> str:
        return (
            f"LinearFeasibility(separable={self.separable}, "
            f"best_rows_correct={self.best_rows_correct} of {self.n_rows})"
        )


def _feasible_unit(X: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, float] | None:
    """A unit (w, b) with ``s_i (w . x_i + b) >= 1`` for all rows and least ``|w|_1``, or None.

    Linear program in ``(w+, w-, b)`` with ``w = w+ - w-`` and ``w+, w- >= 0``; infeasibility is
    reported by the HiGHS solver (status 2), not inferred from a failed fit.
    """
    n, d = X.shape
    sx = s[:, None] * X
    A_ub = -np.hstack([sx, -sx, s[:, None]])
    c = np.concatenate([np.ones(2 * d), [0.0]])
    bounds = [(0, None)] * (2 * d) + [(None, None)]
    res = linprog(c, A_ub=A_ub, b_ub=-np.ones(n), bounds=bounds, method="highs")
    if res.status == 2:
        return None
    if res.status != 0:
        raise RuntimeError(f"linear program failed ({res.status}): {res.message}")
    return res.x[:d] - res.x[d : 2 * d], float(res.x[-1])


def linear_separability(X, y, max_programs: int = 100_000) -> LinearFeasibility:
    """Whether binary labels are linearly separable, decided exactly by linear programming.

    Solves the feasibility problem ``y_i (w . x_i + b) >= 1`` for all rows (labels mapped to
    -1/+1) with ``scipy.optimize.linprog`` (HiGHS): feasible exactly when a perceptron (a single
    threshold unit) can produce every label. This is a proof, not a fit: no training can do better
    when the program is infeasible.

    When the labels are not separable, the most rows a single threshold unit can get right is
    found exactly too: subsets of rows are tested with the same program, from the largest down,
    and the first feasible size is the answer (any subset of a feasible set is feasible). This is
    meant for small pattern sets such as truth tables; the number of programs grows as
    ``C(n, k)`` and is capped by `max_programs`.

    Parameters
    ----------
    X : array_like, shape (n_patterns, n_inputs)
        Input patterns (e.g. binary activation of pathways, or rates in Hz as plain floats).
    y : array_like, shape (n_patterns,)
        Binary labels, any two values (0/1, -1/+1, bool, strings); the larger is the positive
        class. A single class is trivially separable.
    max_programs : int
        Most linear programs the best-subset search may solve.

    Returns
    -------
    LinearFeasibility

    Raises
    ------
    ParameterError
        If `X` is not a finite 2-D array, `y` is not binary or differs in length, or the subset
        search would need more than `max_programs` programs (named ``max_programs``).

    Examples
    --------
    >>> X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    >>> xor = linear_separability(X, [0, 1, 1, 0])
    >>> xor.separable, xor.best_rows_correct
    (False, 3)
    >>> orr = linear_separability(X, [0, 1, 1, 1])
    >>> orr.separable, orr.best_rows_correct, round(orr.margin, 3)
    (True, 4, 0.354)
    """
    X = _matrix(X)
    n = X.shape[0]
    s = _labels(y, n)
    unit = _feasible_unit(X, s)
    if unit is not None:
        w, b = unit
        norm = float(np.linalg.norm(w))
        margin = float(np.min(s * (X @ w + b)) / norm) if norm > 0 else math.inf
        return LinearFeasibility(True, w, b, margin, n, n, np.ones(n, dtype=bool))
    used = 1
    for k in range(n - 1, 0, -1):
        need = math.comb(n, k)
        if used + need > max_programs:
            raise ParameterError(
                "max_programs",
                f"finding the best subset of {n} rows needs more than {max_programs} linear "
                f"programs (size {k}: {need} subsets); raise max_programs or use fewer rows",
            )
        used += need
        for rows in itertools.combinations(range(n), k):
            rows = list(rows)
            unit = _feasible_unit(X[rows], s[rows])
            if unit is not None:
                w, b = unit
                correct = s * (X @ w + b) > 0
                return LinearFeasibility(False, w, b, math.nan, k, n, correct)
    raise AssertionError("a single row is always separable")  # pragma: no cover
