"""The one-layer (point-neuron) and two-layer models of Poirazi, Brannon & Mel (2003, Neuron
37:989), fitted by least squares from several random starts.

See :mod:`dendrites.ann` for the conventions.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit

from ..errors import ParameterError
from .base import (
    _Fitted,
    _least_squares_multistart,
    _matrix,
    _positive_int,
    _scales,
    _seed,
    _split,
    _vector,
)

__all__ = ["OneLayerModel", "TwoLayerModel", "fit_one_layer", "fit_two_layer"]


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
