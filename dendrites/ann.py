"""Point-neuron ANN baselines: what a weighted sum and a sigmoid can and cannot compute.

The controls against which a multi-compartment neuron is compared. All are pure functions on
arrays (no simulation, no plotting), fitted with scipy or scikit-learn, with a held-out split and
fixed seeds:

* :func:`linear_separability`: whether binary labels can be produced by a single threshold unit
  (perceptron), decided exactly by linear programming, and if not, the most rows any threshold
  unit gets right (XOR: 3 of 4).
* :func:`fit_one_layer`: the one-layer (point-neuron) model of Poirazi, Brannon & Mel (2003,
  Neuron 37:989): ``y = offset + amplitude * f(w . x - threshold)``, f a logistic (or the
  identity, for linear regression).
* :func:`fit_two_layer`: Poirazi's two-layer model: one sigmoidal subunit per dendritic branch,
  the subunit outputs summed and passed through an output sigmoid.
* :func:`fit_mlp`: a small multi-layer perceptron (scikit-learn), regressor or classifier.

Units: inputs and outputs are plain floats. Firing rates are in Hz by the package's convention
(e.g. presynaptic rates as inputs, the somatic rate as the target); weights then have units of
1/Hz, subunit drives and subunit outputs are dimensionless, and the output offset and amplitude
have the units of the target. Any other consistent units work the same way.

Every fitted model has ``predict(X)``, ``score(X, y)``, ``score_train``, ``score_test`` (held-out),
``metric`` (``"r2"`` or ``"accuracy"``), ``r2_train``/``r2_test`` for regressors, the split used
(``train_index``, ``test_index`` into the rows of `X`, from
``sklearn.model_selection.train_test_split(random_state=seed)``), ``seed`` and ``converged``.
The same seed gives the same split and the same fit.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
>>> linear_separability(X, [0, 1, 1, 0])  # XOR
LinearFeasibility(separable=False, best_rows_correct=3 of 4)
>>> linear_separability(X, [0, 0, 0, 1]).separable  # AND
True
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy.optimize import least_squares, linprog
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from .errors import ParameterError, did_you_mean

__all__ = [
    "LinearFeasibility",
    "MLPModel",
    "OneLayerModel",
    "TwoLayerModel",
    "fit_mlp",
    "fit_one_layer",
    "fit_two_layer",
    "linear_separability",
]


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


# --------------------------------------------------------------------------------------------
# One-layer (point neuron) model


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class OneLayerModel(_Fitted):
    """The point-neuron model ``y = offset + amplitude * f(weights . x - threshold)``.

    ``f`` is the logistic ``1/(1 + exp(-z))`` (``kind="logistic"``) or the identity
    (``kind="linear"``, with ``amplitude = 1`` and ``threshold = 0``). The logistic's gain is the
    scale of `weights` (a separate gain would be redundant with it).

    Attributes
    ----------
    kind : str
        ``"logistic"`` or ``"linear"``.
    weights : ndarray, shape (n_inputs,)
        Synaptic weights (units: 1/units of x, e.g. 1/Hz).
    threshold : float
        Where the logistic is at half its amplitude (dimensionless drive).
    amplitude, offset : float
        Output range and baseline (units of y, e.g. Hz).

    Also the split, scores and fit status of every fitted model: `seed`, `test_size`,
    `train_index`, `test_index`, `score_train`, `score_test` (R^2), `r2_train`, `r2_test`,
    `converged` (always True for the linear model), `n_params`, `metric`.
    """

    kind: str
    weights: np.ndarray
    threshold: float
    amplitude: float
    offset: float

    def predict(self, X) -> np.ndarray:
        """Output (units of y) for patterns X, shape (n_patterns, n_inputs)."""
        X = _matrix(X)
        if X.shape[1] != self.weights.size:
            raise ParameterError("X", f"expected {self.weights.size} inputs, got {X.shape[1]}")
        z = X @ self.weights - self.threshold
        f = expit(z) if self.kind == "logistic" else z
        return self.offset + self.amplitude * f

    def __str__(self) -> str:
        return f"OneLayerModel({self.kind}, {self.weights.size} inputs; {self._summary()})"

    __repr__ = __str__


def fit_one_layer(
    X, y, *, kind: str = "logistic", seed: int = 0, test_size: float = 0.25, n_starts: int = 4
) -> OneLayerModel:
    """Fit the one-layer (point-neuron) model of Poirazi et al. (2003) and evaluate it held out.

    ``y = offset + amplitude * logistic(weights . x - threshold)``: a weighted sum of the inputs
    through a sigmoidal output nonlinearity with fitted gain (the scale of the weights),
    threshold, amplitude and offset; fitted by ``scipy.optimize.least_squares`` (trust-region,
    analytic Jacobian, ``amplitude >= 0``) from `n_starts` seeded starting points, keeping the
    least training cost. ``kind="linear"`` fits ``y = offset + weights . x`` instead
    (``sklearn.linear_model.LinearRegression``).

    Parameters
    ----------
    X : array_like, shape (n_patterns, n_inputs)
        Inputs, e.g. presynaptic rates (Hz, plain floats) or synapse activation per pattern.
    y : array_like, shape (n_patterns,)
        Target, e.g. the somatic firing rate (Hz).
    kind : {"logistic", "linear"}
        Output nonlinearity.
    seed : int
        Seeds the train/test split (``train_test_split(random_state=seed)``) and the starts.
    test_size : float or int
        Held-out fraction in (0, 1) or count of patterns; 0 trains on all (``score_test`` NaN).
    n_starts : int
        Starting points of the logistic fit (the first from the linear fit, the rest random).

    Returns
    -------
    OneLayerModel

    Raises
    ------
    ParameterError
        Bad shapes, NaN/inf, unknown `kind`, bad `seed`, `test_size` or `n_starts`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(0, 50, size=(200, 5))  # presynaptic rates (Hz)
    >>> y = 2 + 30 * (1 / (1 + np.exp(-(X @ [0.05, 0.02, -0.03, 0.04, 0.01] - 1.5))))
    >>> m = fit_one_layer(X, y, seed=0)
    >>> m.r2_test > 0.999, m.train_index.size, m.test_index.size
    (True, 150, 50)
    """
    X = _matrix(X)
    n, d = X.shape
    y = _vector(y, n)
    seed = _seed(seed)
    if kind not in ("logistic", "linear"):
        raise ParameterError("kind", f"expected 'logistic' or 'linear', got {kind!r}")
    n_starts = _positive_int(n_starts, "n_starts")
    train, test = _split(n, test_size, seed)
    Xt, yt = X[train], y[train]

    if kind == "linear":
        from sklearn.linear_model import LinearRegression

        lin = LinearRegression().fit(Xt, yt)
        params = dict(weights=lin.coef_.copy(), threshold=0.0, amplitude=1.0)
        params["offset"] = float(lin.intercept_)
        converged, n_params = True, d + 1
    else:
        xscale, ymu, ysd = _scales(Xt, yt)
        xs, ys = Xt / xscale, (yt - ymu) / ysd

        def model(p):
            z = xs @ p[:d] - p[d]
            return z, expit(z)

        def fun(p):
            return p[d + 2] + p[d + 1] * model(p)[1] - ys

        def jac(p):
            _, sig = model(p)
            dsig = p[d + 1] * sig * (1 - sig)
            return np.column_stack([dsig[:, None] * xs, -dsig, sig, np.ones_like(sig)])

        rng = np.random.default_rng(seed)
        w_lin = np.linalg.lstsq(np.column_stack([xs, np.ones(len(xs))]), ys, rcond=None)[0][:d]
        starts = []
        for i in range(n_starts):
            w = w_lin if i == 0 else rng.normal(0, 1, d)
            u = xs @ w
            w = w / (np.std(u) or 1.0) * (1.0 if i == 0 else rng.uniform(0.5, 3))
            u = xs @ w
            theta = float(np.median(u))
            span = float(np.ptp(ys)) or 1.0
            starts.append(np.concatenate([w, [theta, 1.5 * span, float(ys.min()) - 0.25 * span]]))
        lower = np.full(d + 3, -np.inf)
        lower[d + 1] = 0.0
        res = _least_squares_multistart(fun, jac, starts, (lower, np.full(d + 3, np.inf)))
        p = res.x
        params = dict(
            weights=p[:d] / xscale,
            threshold=float(p[d]),
            amplitude=float(ysd * p[d + 1]),
            offset=float(ymu + ysd * p[d + 2]),
        )
        converged, n_params = bool(res.status > 0), d + 3

    split = dict(seed=seed, test_size=test_size, train_index=train, test_index=test)
    model = OneLayerModel(kind=kind, **params, **split, converged=converged, n_params=n_params)
    return model._scored(X, y)


# --------------------------------------------------------------------------------------------
# Two-layer model (Poirazi, Brannon & Mel 2003)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class TwoLayerModel(_Fitted):
    """Poirazi's two-layer model: sigmoidal branch subunits, summed, through an output sigmoid.

    For branch b with inputs i in b::

        drive_b  = sum_{i in b} weights_i x_i                              (dimensionless)
        s_b      = subunit_amplitude_b * logistic(drive_b - subunit_threshold_b)
        y        = offset + amplitude * logistic(sum_b s_b - output_threshold)

    The subunit's slope is the scale of the branch's weights. With a shared subunit all branches
    have one threshold (one shape); with one amplitude per branch, branches may differ in how
    much they contribute (e.g. their distance to the soma).

    Attributes
    ----------
    branches : ndarray
        Branch labels, in the order of the per-branch arrays (sorted, as ``np.unique``).
    branch_index : ndarray of int, shape (n_inputs,)
        Position in `branches` of each input's branch.
    weights : ndarray, shape (n_inputs,)
        Synaptic weights (units: 1/units of x, e.g. 1/Hz).
    subunit_threshold, subunit_amplitude : ndarray, shape (n_branches,)
        Per-branch subunit parameters (repeated values when shared).
    output_threshold : float
        Output sigmoid's midpoint (in units of summed subunit output, dimensionless).
    amplitude, offset : float
        Output range and baseline (units of y, e.g. Hz).
    shared_subunit, per_branch_amplitude : bool
        The model variant.
    drive_range : ndarray, shape (n_branches, 2)
        Least and greatest drive of each branch over the training patterns.

    Also the split, scores and fit status, as in :class:`OneLayerModel`.
    """

    branches: np.ndarray
    branch_index: np.ndarray
    weights: np.ndarray
    subunit_threshold: np.ndarray
    subunit_amplitude: np.ndarray
    output_threshold: float
    amplitude: float
    offset: float
    shared_subunit: bool
    per_branch_amplitude: bool
    drive_range: np.ndarray

    def branch_drive(self, X) -> np.ndarray:
        """Each branch's weighted input sum, shape (n_patterns, n_branches), dimensionless."""
        X = _matrix(X)
        if X.shape[1] != self.weights.size:
            raise ParameterError("X", f"expected {self.weights.size} inputs, got {X.shape[1]}")
        onehot = np.eye(len(self.branches))[self.branch_index]
        return (X * self.weights) @ onehot

    def branch_output(self, X) -> np.ndarray:
        """Each subunit's output ``s_b``, shape (n_patterns, n_branches), dimensionless."""
        return self.subunit_amplitude * expit(self.branch_drive(X) - self.subunit_threshold)

    def predict(self, X) -> np.ndarray:
        """Output (units of y) for patterns X, shape (n_patterns, n_inputs)."""
        v = self.branch_output(X).sum(axis=1)
        return self.offset + self.amplitude * expit(v - self.output_threshold)

    def subunit_curve(self, branch, drive=None, n: int = 101) -> tuple[np.ndarray, np.ndarray]:
        """The fitted subunit nonlinearity of one branch on a grid of drives.

        For a figure of the fitted subunit beside the branch's measured input-output curve:
        compute the measured patterns' drives with :meth:`branch_drive` to place them on the same
        axis.

        Parameters
        ----------
        branch
            A label from `branches`.
        drive : array_like, optional
            Drives to evaluate at (dimensionless); by default `n` points spanning the branch's
            drives over the training patterns (`drive_range`).
        n : int
            Number of grid points when `drive` is not given.

        Returns
        -------
        drive, output : ndarray
            The grid and ``s_b(drive)`` (both dimensionless).
        """
        hit = [i for i, label in enumerate(self.branches.tolist()) if label == branch]
        if not hit:
            known = self.branches.tolist()
            raise ParameterError("branch", f"unknown branch {branch!r}; known: {known}")
        b = hit[0]
        if drive is None:
            drive = np.linspace(*self.drive_range[b], n)
        else:
            drive = np.asarray(drive, dtype=float)
        return drive, self.subunit_amplitude[b] * expit(drive - self.subunit_threshold[b])

    def __str__(self) -> str:
        shape = "shared subunit" if self.shared_subunit else "per-branch subunit"
        amp = "per-branch amplitude" if self.per_branch_amplitude else "one amplitude"
        return (
            f"TwoLayerModel({len(self.branches)} branches, {self.weights.size} inputs, {shape}, "
            f"{amp}; {self._summary()})"
        )

    __repr__ = __str__


def fit_two_layer(
    X,
    branch_of_input,
    y,
    *,
    seed: int = 0,
    test_size: float = 0.25,
    shared_subunit: bool = True,
    per_branch_amplitude: bool = True,
    n_starts: int = 8,
) -> TwoLayerModel:
    """Fit Poirazi's two-layer model and evaluate it held out.

    Branch b's subunit computes ``a_b * logistic(sum_{i in b} w_i x_i - theta_b)``; the subunit
    outputs are summed and passed through an output logistic with fitted threshold, amplitude
    and offset (:class:`TwoLayerModel`). Fitted by ``scipy.optimize.least_squares``
    (trust-region with bounds ``a_b >= 0`` and ``amplitude >= 0``, analytic Jacobian) from
    `n_starts` seeded starting points, keeping the least training cost.

    Poirazi, Brannon & Mel (2003, Neuron 37:989) found such a model predicts a CA1 cell's rate
    (R^2 ~ 0.94) far better than a one-layer model. On a simplified cell, a shared subunit alone
    fell short while a shared shape with one amplitude per branch reached R^2 0.95-0.97: both
    variants are offered.

    Parameters
    ----------
    X : array_like, shape (n_patterns, n_inputs)
        Inputs, e.g. rates of the synapses (Hz, plain floats) or their activation.
    branch_of_input : array_like, shape (n_inputs,)
        The branch of each input (any labels: ints, names).
    y : array_like, shape (n_patterns,)
        Target, e.g. the somatic rate (Hz).
    seed : int
        Seeds the split (``train_test_split(random_state=seed)``) and the random starts.
    test_size : float or int
        Held-out fraction in (0, 1) or count; 0 trains on all (``score_test`` NaN).
    shared_subunit : bool
        One subunit threshold for all branches (True) or one per branch (False).
    per_branch_amplitude : bool
        One subunit amplitude per branch (True) or a single one (False).
    n_starts : int
        Starting points: the first with equal weights within a branch, the rest random.

    Returns
    -------
    TwoLayerModel

    Raises
    ------
    ParameterError
        Bad shapes, NaN/inf, `branch_of_input` not one label per input, bad `seed`,
        `test_size` or `n_starts`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> branch = np.repeat([0, 1, 2], 4)  # 3 branches of 4 synapses
    >>> level = rng.uniform(0, 1, size=(300, 3))  # how active each branch is
    >>> X = 20.0 * (rng.uniform(size=(300, 12)) < level[:, branch])  # rates (Hz)
    >>> drive = (0.1 * X).reshape(300, 3, 4).sum(axis=2)  # per branch
    >>> s = 1 / (1 + np.exp(-(drive - 5)))  # sigmoidal subunits
    >>> y = 40 / (1 + np.exp(-4 * (s.sum(1) - 1)))  # 0-40 Hz
    >>> m = fit_two_layer(X, branch, y, seed=0)
    >>> bool(m.r2_test > 0.99)
    True
    >>> drive, out = m.subunit_curve(branch=1)
    """
    X = _matrix(X)
    n, d = X.shape
    y = _vector(y, n)
    seed = _seed(seed)
    n_starts = _positive_int(n_starts, "n_starts")
    lab = np.asarray(branch_of_input)
    if lab.ndim != 1 or lab.size != d:
        raise ParameterError(
            "branch_of_input", f"expected one label per input ({d}), got shape {lab.shape}"
        )
    if lab.dtype.kind in "fc" and not np.all(np.isfinite(lab)):
        raise ParameterError("branch_of_input", "contains NaN or inf")
    branches, bidx = np.unique(lab, return_inverse=True)
    B = len(branches)
    onehot = np.eye(B)[bidx]  # (d, B)
    train, test = _split(n, test_size, seed)
    Xt, yt = X[train], y[train]
    xscale, ymu, ysd = _scales(Xt, yt)
    xs, ys = Xt / xscale, (yt - ymu) / ysd

    # Parameter vector: w (d), theta (1 or B), a (B or 1), theta_out, A, c.
    nt = 1 if shared_subunit else B
    na = B if per_branch_amplitude else 1
    i_t, i_a = d, d + nt
    i_o = i_a + na
    n_params = i_o + 3

    def parts(p):
        u = (xs * p[:d]) @ onehot  # (n, B)
        sig = expit(u - p[i_t:i_a])  # broadcasts a shared threshold
        a = np.broadcast_to(p[i_a:i_o], (B,))
        z = sig @ a - p[i_o]
        return sig, a, expit(z)

    def fun(p):
        return p[i_o + 2] + p[i_o + 1] * parts(p)[2] - ys

    def jac(p):
        sig, a, out = parts(p)
        dout = p[i_o + 1] * out * (1 - out)  # (n,)
        dsig = sig * (1 - sig) * a  # d s_b / d u_b, (n, B)
        g_u = dout[:, None] * dsig  # d y / d u_b
        J_w = g_u[:, bidx] * xs
        J_t = -g_u.sum(axis=1, keepdims=True) if shared_subunit else -g_u
        J_a = dout[:, None] * sig
        if not per_branch_amplitude:
            J_a = J_a.sum(axis=1, keepdims=True)
        return np.column_stack([J_w, J_t, J_a, -dout, out, np.ones_like(out)])

    rng = np.random.default_rng(seed)
    span = float(np.ptp(ys)) or 1.0
    k_b = onehot.sum(axis=0)
    starts = []
    for i in range(n_starts):
        if i == 0:
            w = 1.0 / k_b[bidx]
            gain = np.full(B, 2.0)
        else:
            w = rng.lognormal(0.0, 0.5, d) / k_b[bidx]
            gain = rng.uniform(0.5, 4.0, B)
        u = (xs * w) @ onehot
        w = w * (gain / np.where(u.std(axis=0) > 0, u.std(axis=0), 1.0))[bidx]
        u = (xs * w) @ onehot
        theta = np.median(u, axis=0)
        theta = np.array([np.median(theta)]) if shared_subunit else theta
        a = np.ones(na)
        v = expit(u - theta) @ np.broadcast_to(a, (B,))
        v_sd = float(np.std(v)) or 1.0
        a = a * 2.0 / v_sd  # output sigmoid's argument spans a few units
        theta_o = float(np.median(v)) * 2.0 / v_sd
        starts.append(
            np.concatenate([w, theta, a, [theta_o, 1.5 * span, float(ys.min()) - 0.25 * span]])
        )
    lower = np.full(n_params, -np.inf)
    lower[i_a:i_o] = 0.0
    lower[i_o + 1] = 0.0
    res = _least_squares_multistart(fun, jac, starts, (lower, np.full(n_params, np.inf)))
    p = res.x
    fields = dict(
        branches=branches,
        branch_index=bidx,
        weights=p[:d] / xscale,
        subunit_threshold=np.broadcast_to(p[i_t:i_a], (B,)).copy(),
        subunit_amplitude=np.broadcast_to(p[i_a:i_o], (B,)).copy(),
        output_threshold=float(p[i_o]),
        amplitude=float(ysd * p[i_o + 1]),
        offset=float(ymu + ysd * p[i_o + 2]),
        shared_subunit=bool(shared_subunit),
        per_branch_amplitude=bool(per_branch_amplitude),
        drive_range=np.zeros((B, 2)),
        seed=seed,
        test_size=test_size,
        train_index=train,
        test_index=test,
        converged=bool(res.status > 0),
        n_params=n_params,
    )
    model = TwoLayerModel(**fields)
    u = model.branch_drive(Xt)
    model = dataclasses.replace(model, drive_range=np.column_stack([u.min(0), u.max(0)]))
    return model._scored(X, y)


# --------------------------------------------------------------------------------------------
# Multi-layer perceptron (scikit-learn)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class MLPModel(_Fitted):
    """A fitted scikit-learn multi-layer perceptron (inputs standardised first).

    Attributes
    ----------
    task : str
        ``"regression"`` (``metric = "r2"``) or ``"classification"`` (``metric = "accuracy"``).
    hidden : tuple of int
        Units per hidden layer.
    estimator : sklearn.pipeline.Pipeline
        The fitted ``StandardScaler`` + ``MLPRegressor``/``MLPClassifier`` (for regression the
        target is standardised too, by ``TransformedTargetRegressor``).

    Also the split, scores (``metric`` ``"r2"`` or ``"accuracy"``) and fit status, as in
    :class:`OneLayerModel`; ``converged`` is False if L-BFGS ran out of iterations.
    """

    task: str
    hidden: tuple[int, ...]
    estimator: object

    def predict(self, X) -> np.ndarray:
        """Predicted output (regression, units of y) or label (classification)."""
        return self.estimator.predict(_matrix(X))

    def __str__(self) -> str:
        return f"MLPModel({self.task}, hidden={self.hidden}; {self._summary()})"

    __repr__ = __str__


def fit_mlp(
    X,
    y,
    hidden: Sequence[int] = (8,),
    *,
    seed: int = 0,
    test_size: float = 0.25,
    task: str = "regression",
    activation: str = "tanh",
    alpha: float = 1e-4,
    max_iter: int = 5000,
) -> MLPModel:
    """Fit a small multi-layer perceptron (scikit-learn) and evaluate it held out.

    ``sklearn.neural_network.MLPRegressor`` or ``MLPClassifier`` with the L-BFGS solver (suited
    to the few hundred patterns of a study), inputs standardised by ``StandardScaler``, weights
    initialised from `seed`. A hidden layer lets it compute what a single unit cannot, e.g. XOR.

    Parameters
    ----------
    X : array_like, shape (n_patterns, n_inputs)
        Inputs (e.g. rates in Hz as plain floats, or binary pathway activation).
    y : array_like, shape (n_patterns,)
        Target (regression, e.g. rate in Hz) or labels (classification).
    hidden : sequence of int
        Units per hidden layer.
    seed : int
        Seeds the split and the network's initial weights.
    test_size : float or int
        Held-out fraction in (0, 1) or count; 0 trains on all (``score_test`` NaN), as for a
        4-row truth table that has no pattern to spare.
    task : {"regression", "classification"}
        Scored by R^2 or by accuracy.
    activation : str
        Hidden units' nonlinearity (``"tanh"``, ``"logistic"``, ``"relu"``, ``"identity"``).
    alpha : float
        L2 penalty.
    max_iter : int
        Most L-BFGS iterations; ``converged`` is False if they ran out (the warning scikit-learn
        issues is recorded there instead).

    Returns
    -------
    MLPModel

    Raises
    ------
    ParameterError
        Bad shapes, NaN/inf, unknown `task`, bad `hidden`, `seed` or `test_size`.

    Examples
    --------
    >>> X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    >>> m = fit_mlp(X, [0, 1, 1, 0], hidden=(8,), task="classification", test_size=0)
    >>> m.predict(X).tolist(), m.score_train
    ([0, 1, 1, 0], 1.0)
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _matrix(X)
    n = X.shape[0]
    seed = _seed(seed)
    if task not in ("regression", "classification"):
        raise ParameterError("task", f"expected 'regression' or 'classification', got {task!r}")
    try:
        hidden = tuple(_positive_int(h, "hidden") for h in hidden)
    except TypeError:
        raise ParameterError("hidden", f"expected a sequence of integers, got {hidden!r}") from None
    if not hidden:
        raise ParameterError("hidden", "expected at least one hidden layer")
    known = ("identity", "logistic", "tanh", "relu")
    if activation not in known:
        hint = did_you_mean(activation, known)
        raise ParameterError("activation", f"unknown {activation!r}{hint} (known: {known})")
    if not alpha >= 0:
        raise ParameterError("alpha", f"expected a penalty >= 0, got {alpha!r}")
    max_iter = _positive_int(max_iter, "max_iter")
    options = dict(
        hidden_layer_sizes=hidden, activation=activation, solver="lbfgs", alpha=alpha,
        max_iter=max_iter, random_state=seed,
    )  # fmt: skip
    if task == "classification":
        y = np.asarray(y)
        if y.ndim != 1 or y.size != n:
            raise ParameterError("y", f"expected {n} labels (1-D), got shape {y.shape}")
        if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
            raise ParameterError("y", "contains NaN or inf")
        net = MLPClassifier(**options)
        estimator = make_pipeline(StandardScaler(), net)
        metric = "accuracy"
    else:
        y = _vector(y, n)
        net = MLPRegressor(**options)
        estimator = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), net), transformer=StandardScaler()
        )
        metric = "r2"
    train, test = _split(n, test_size, seed)
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(X[train], y[train])
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:  # anything else is passed on
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    fitted = estimator.regressor_[-1] if task == "regression" else estimator[-1]
    n_params = sum(c.size for c in fitted.coefs_) + sum(b.size for b in fitted.intercepts_)
    split = dict(seed=seed, test_size=test_size, train_index=train, test_index=test)
    model = MLPModel(
        task=task, hidden=hidden, estimator=estimator, **split, converged=converged,
        n_params=n_params, metric=metric,
    )  # fmt: skip
    return model._scored(X, y)
