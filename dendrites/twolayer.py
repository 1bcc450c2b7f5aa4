"""One-layer (point-neuron) against two-layer (dendritic subunit) models of a neuron's firing rate,
scored on held-out splits (Poirazi, Brannon & Mel 2003).

The models are those of :mod:`dendrites.ann`; this module fits all of them on several random
train/test splits of the same data and reads the result robustly:

==========================  ====================================================================
:data:`MODELS`              the models compared, by name
:func:`fit_over_splits`     every model fitted on every split
:func:`median_split`        the fit whose held-out R^2 is the median over the splits
:func:`median_scores`       each model's score: its median held-out R^2
:func:`best_one_layer`      the better of the two one-layer models
:func:`seed_reliability`    R^2 of one seed's rates from another's: the ceiling noise leaves
:func:`subunit_of_counts`   a fitted subunit as a function of the branch's active synapses
:func:`steepest`            where a sampled curve rises fastest (sigmoid or saturating)
==========================  ====================================================================

A median over an odd number of splits is used rather than a mean because one split can make an
over-steep logistic extrapolate wildly (held-out R^2 of -300 and less): the mean would report
that split, not the model.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError

__all__ = [
    "MODELS",
    "best_one_layer",
    "fit_over_splits",
    "median_scores",
    "median_split",
    "seed_reliability",
    "steepest",
    "subunit_of_counts",
]

#: The models fitted, by name, with a label. ``"two"`` has a shared subunit threshold and one
#: subunit amplitude for all branches (13 parameters for 8 branches, against the one-layer
#: logistic's 11); ``"two_per_branch"`` one amplitude per branch.
MODELS = {
    "one_linear": "one-layer, linear",
    "one_logistic": "one-layer, logistic",
    "two": "two-layer, one subunit amplitude",
    "two_per_branch": "two-layer, one amplitude per branch",
}


def fit_over_splits(X: np.ndarray, y: np.ndarray, n_splits: int, test_size: float) -> dict:
    """Every model of :data:`MODELS` fitted on every split.

    Parameters
    ----------
    X : ndarray, shape (n_patterns, n_branches)
        Inputs: the number of active synapses on each branch (one branch per subunit).
    y : ndarray, shape (n_patterns,)
        Measured rates (Hz).
    n_splits : int
        Random splits, seeded 0 .. n_splits - 1 (``train_test_split`` seeds).
    test_size : float
        Fraction of the patterns held out in each split.

    Returns
    -------
    dict
        ``{name: [fitted model of split 0, split 1, ...]}``.
    """
    from .ann import fit_one_layer, fit_two_layer

    if n_splits < 1:
        raise ParameterError("n_splits", f"must be >= 1, got {n_splits}")
    branch = np.arange(X.shape[1])
    out = {name: [] for name in MODELS}
    for s in range(n_splits):
        kw = dict(seed=s, test_size=test_size)
        out["one_linear"].append(fit_one_layer(X, y, kind="linear", **kw))
        out["one_logistic"].append(fit_one_layer(X, y, **kw))
        out["two"].append(fit_two_layer(X, branch, y, per_branch_amplitude=False, **kw))
        out["two_per_branch"].append(fit_two_layer(X, branch, y, **kw))
    return out


def median_split(models: list):
    """The fitted model whose held-out R^2 is the median over the splits (an odd number)."""
    if len(models) % 2 == 0:
        raise ParameterError("models", f"need an odd number of splits, got {len(models)}")
    order = np.argsort([m.r2_test for m in models])
    return models[order[len(models) // 2]]


def median_scores(fits: dict) -> dict[str, float]:
    """Each model's score, the median held-out R^2 over its splits: ``{name: score}``."""
    return {name: float(median_split(models).r2_test) for name, models in fits.items()}


def best_one_layer(scores: dict[str, float]) -> tuple[str, float]:
    """The better one-layer model by score: ``(name, score)`` (the logistic one on a tie)."""
    name = max(("one_logistic", "one_linear"), key=lambda n: scores[n])
    return name, scores[name]


def seed_reliability(rates) -> float:
    """R^2 of the rates of seed 1 predicted by those of seed 0 (the ceiling noise leaves a model).

    Parameters
    ----------
    rates : array_like, shape (n_patterns, n_seeds)

    Returns
    -------
    float
        NaN with fewer than two seeds.
    """
    r = np.asarray(rates, dtype=float)
    if r.ndim != 2:
        raise ParameterError("rates", f"must be (patterns, seeds), got shape {r.shape}")
    if r.shape[1] < 2:
        return float("nan")
    a, b = r[:, 0], r[:, 1]
    return float(1 - np.sum((a - b) ** 2) / np.sum((a - a.mean()) ** 2))


def subunit_of_counts(model, b: int, counts) -> np.ndarray:
    """The fitted subunit of branch `b` of a two-layer model as a function of its number of
    active synapses, normalised to 0 at no synapse and 1 at the most in `counts`."""
    drive = model.weights[b] * np.asarray(counts, dtype=float)
    _, s = model.subunit_curve(model.branches[b], drive=drive)
    return (s - s[0]) / (s[-1] - s[0]) if s[-1] != s[0] else np.zeros_like(s)


def steepest(x, y) -> float:
    """Where a sampled curve rises fastest: the middle of its steepest interval (units of x).

    At the first interval for a concave (saturating) curve; further on for a sigmoid.

    Examples
    --------
    >>> steepest([0, 1, 2, 3], [0.0, 0.5, 0.8, 0.9])
    0.5
    >>> steepest([0, 1, 2, 3], [0.0, 0.1, 0.9, 1.0])
    1.5
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    i = int(np.argmax(np.diff(y) / np.diff(x)))
    return float((x[i] + x[i + 1]) / 2)
