"""A small multi-layer perceptron (scikit-learn), regressor or classifier.

See :mod:`dendrites.ann` for the conventions.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ..errors import ParameterError, did_you_mean
from .base import (
    _Fitted,
    _matrix,
    _positive_int,
    _seed,
    _split,
    _vector,
)

__all__ = ["MLPModel", "fit_mlp"]


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
