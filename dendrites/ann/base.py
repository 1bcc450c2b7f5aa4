"""Input checks, the held-out split and scores, and the interface shared by the fitted models
of :mod:`dendrites.ann` (private to the package).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.optimize import least_squares
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ..errors import ParameterError

# --------------------------------------------------------------------------------------------
# Input checks


def _matrix(X, name: str = "X") -> np.ndarray:
    """`X` as a finite 2-D float array (patterns x inputs), or a ParameterError naming it."""
    try:
        a = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as err:
        raise ParameterError(name, f"expected a numeric array ({err})") from None
    if a.ndim != 2:
        hint = "; use X.reshape(-1, 1) for a single input" if a.ndim == 1 else ""
        raise ParameterError(
            name, f"expected a 2-D array (patterns x inputs), got shape {a.shape}{hint}"
        )
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise ParameterError(name, f"expected at least one pattern and one input, got {a.shape}")
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        r, c = bad[0]
        raise ParameterError(name, f"contains NaN or inf (first at row {r}, column {c})")
    return a


def _vector(y, n: int, name: str = "y") -> np.ndarray:
    """`y` as a finite 1-D float array of length `n`, or a ParameterError naming it."""
    try:
        a = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as err:
        raise ParameterError(name, f"expected a numeric array ({err})") from None
    if a.ndim != 1:
        raise ParameterError(name, f"expected a 1-D array (one value per pattern), got {a.shape}")
    if a.size != n:
        raise ParameterError(name, f"has {a.size} values but X has {n} patterns (rows)")
    bad = np.flatnonzero(~np.isfinite(a))
    if len(bad):
        raise ParameterError(name, f"contains NaN or inf (first at index {bad[0]})")
    return a


def _labels(y, n: int, name: str = "y") -> np.ndarray:
    """Binary labels as -1/+1 (the larger of the two values is +1)."""
    a = np.asarray(y)
    if a.ndim != 1:
        raise ParameterError(name, f"expected a 1-D array of labels, got shape {a.shape}")
    if a.size != n:
        raise ParameterError(name, f"has {a.size} labels but X has {n} patterns (rows)")
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        raise ParameterError(name, "contains NaN or inf")
    classes = np.unique(a)
    if len(classes) > 2:
        raise ParameterError(name, f"expected binary labels, got {len(classes)} distinct values")
    return np.where(a == classes[-1], 1.0, -1.0)


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError("seed", f"expected a non-negative integer, got {seed!r}")
    return int(seed)


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(name, f"expected a positive integer, got {value!r}")
    return int(value)


def _split(n: int, test_size, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, test) row indices; ``test_size=0`` keeps every row for training."""
    if isinstance(test_size, bool) or not isinstance(test_size, int | float | np.number):
        raise ParameterError("test_size", f"expected a fraction or a count, got {test_size!r}")
    if test_size == 0:
        return np.arange(n), np.arange(0)
    is_fraction = isinstance(test_size, float | np.floating)
    if is_fraction and not 0 < test_size < 1:
        raise ParameterError("test_size", f"a fraction must lie in (0, 1), got {test_size}")
    if not is_fraction and not 0 < test_size < n:
        raise ParameterError("test_size", f"a count must lie in [0, {n}), got {test_size}")
    n_test = math.ceil(test_size * n) if is_fraction else int(test_size)
    if n - n_test < 1:
        raise ParameterError("test_size", f"leaves no pattern of {n} for training")
    train, test = train_test_split(np.arange(n), test_size=test_size, random_state=seed)
    return np.sort(train), np.sort(test)


def _score(metric: str, y_true, predict, X) -> float:
    """R^2 or accuracy of ``predict(X)``; NaN with fewer than 2 patterns (R^2 is undefined)."""
    if len(y_true) < 2:
        return float("nan")
    y_pred = predict(X)
    if metric == "r2":
        return float(r2_score(y_true, y_pred))
    return float(accuracy_score(y_true, y_pred))


def _scales(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Per-input RMS (no centring: it would mix branches' thresholds), target mean and SD."""
    xscale = np.sqrt(np.mean(X**2, axis=0))
    xscale[xscale == 0] = 1.0
    ysd = float(np.std(y)) or 1.0
    return xscale, float(np.mean(y)), ysd


# --------------------------------------------------------------------------------------------
# Shared interface of fitted models


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class _Fitted:
    """Fields and methods shared by the fitted models.

    Attributes
    ----------
    seed : int
        Seed of the split and of the fit's random starts.
    test_size : float or int
        As passed (0: no held-out set).
    train_index, test_index : ndarray of int
        The split used: rows of the fitted `X` (sorted).
    score_train, score_test : float
        R^2 or accuracy (see `metric`) on the training and the held-out patterns (NaN for fewer
        than 2 patterns).
    converged : bool
        The optimiser reported convergence.
    n_params : int
        Number of fitted parameters.
    metric : str
        ``"r2"`` (``sklearn.metrics.r2_score``) or ``"accuracy"``.
    """

    seed: int
    test_size: float
    train_index: np.ndarray
    test_index: np.ndarray
    converged: bool
    n_params: int
    score_train: float = math.nan
    score_test: float = math.nan
    metric: str = "r2"

    def predict(self, X) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def score(self, X, y) -> float:
        """R^2 (regressors) or accuracy (classifiers) of ``predict(X)`` against `y`."""
        X = _matrix(X)
        if self.metric == "accuracy":
            y = np.asarray(y)
            if y.shape != (X.shape[0],):
                raise ParameterError("y", f"expected {X.shape[0]} labels, got shape {y.shape}")
        else:
            y = _vector(y, X.shape[0])
        return _score(self.metric, y, self.predict, X)

    @property
    def r2_train(self) -> float:
        """R^2 on the training patterns (regressors only)."""
        self._require_r2()
        return self.score_train

    @property
    def r2_test(self) -> float:
        """Held-out R^2 on the test patterns (regressors only; NaN without a test set)."""
        self._require_r2()
        return self.score_test

    def _require_r2(self) -> None:
        if self.metric != "r2":
            raise AttributeError(
                f"a classifier is scored by {self.metric}: use score_train / score_test"
            )

    def _scored(self, X: np.ndarray, y: np.ndarray):
        """A copy with `score_train` and `score_test` computed on the split of (X, y)."""
        tr, te = self.train_index, self.test_index
        return dataclasses.replace(
            self,
            score_train=_score(self.metric, y[tr], self.predict, X[tr]),
            score_test=_score(self.metric, y[te], self.predict, X[te]),
        )

    def _summary(self) -> str:
        n_test = len(self.test_index)
        held = f"held-out {self.score_test:.3f} (n={n_test})" if n_test else "no held-out set"
        tail = "" if self.converged else ", NOT converged"
        return f"{self.metric} train {self.score_train:.3f}, {held}, seed {self.seed}{tail}"


def _least_squares_multistart(fun, jac, starts, bounds, screen_nfev: int = 200):
    """The best ``least_squares`` solution over several starting points (trust-region, bounds).

    Each start gets at most `screen_nfev` evaluations (good starts converge in a few dozen; bad
    ones crawl along saturated sigmoids for thousands); the best is then run to convergence.
    BLAS runs single-threaded here: the matrices are small, and threads waiting for busy cores
    made these fits 25 times slower on a loaded machine.
    """
    options = dict(jac=jac, bounds=bounds, method="trf", x_scale="jac")
    with threadpool_limits(limits=1, user_api="blas"):
        screened = [least_squares(fun, p0, max_nfev=screen_nfev, **options) for p0 in starts]
        best = min(screened, key=lambda r: r.cost)
        if best.status == 0:  # the evaluation budget ran out: continue from there
            best = least_squares(fun, best.x, **options)
    return best
