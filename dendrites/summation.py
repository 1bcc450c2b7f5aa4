"""How inputs sum: measured against expected (arithmetic sum) responses, and a strict sigmoid test.

Pure functions on numbers and traces (no simulation, no plotting), used by studies of synaptic
summation such as clustered against distributed input (Polsky, Mel & Schiller 2004, Nat Neurosci
7:621). The conventions:

* A *response* is a deflection from rest (mV), e.g. the somatic membrane potential minus its value
  before the input.
* The *expected* response to k coactive synapses is the arithmetic sum of the responses to each
  synapse activated alone; :func:`expected_peaks` takes the peak of the summed waveforms (inputs
  that arrive together sum their traces, not only their peaks).
* A measured/expected ratio above 1 is supralinear summation, below 1 sublinear.

The strict sigmoid test (:func:`strict_sigmoid_test`) exists because an information criterion
alone is too permissive: a four-parameter logistic fits almost any smooth monotonic curve a little
better than a line, so AICc also calls linear-ish and saturating (sublinear) input-output curves
"sigmoidal". The test asks for three things at once: the logistic's AICc beats the line's, its
steepest slope is at least ``min_slope_ratio`` (1.5) times its slope at the first data point (an
expansive, threshold-like onset), and its midpoint lies inside the range of the data (the bend is
measured, not extrapolated).

Examples
--------
>>> import numpy as np
>>> x = np.linspace(0, 10, 15)
>>> strict_sigmoid_test(x, 1 + 4 / (1 + np.exp(-(x - 5) / 0.8))).sigmoidal
True
>>> strict_sigmoid_test(x, 2 * x + 1).sigmoidal
False
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np

__all__ = [
    "SigmoidTest",
    "aicc",
    "expected_peaks",
    "linear_slope",
    "logistic",
    "peak_deflection",
    "strict_sigmoid_test",
    "window",
]


def logistic(x, base: float, amp: float, x0: float, s: float):
    """``base + amp / (1 + exp(-(x - x0)/s))``: the sigmoid of :func:`strict_sigmoid_test`.

    Its steepest slope is ``amp/(4 s)``, at the midpoint ``x0``. Evaluated without overflow.
    """
    from scipy.special import expit

    return base + amp * expit((np.asarray(x, dtype=float) - x0) / s)


def _logistic_slope(x, amp: float, x0: float, s: float):
    from scipy.special import expit

    p = expit((np.asarray(x, dtype=float) - x0) / s)
    return amp / s * p * (1 - p)


def aicc(rss: float, n: int, k: int) -> float:
    """Corrected Akaike information criterion of a least-squares fit with Gaussian errors.

    ``n ln(RSS/n) + 2k + 2k(k + 1)/(n - k - 1)``, where `k` counts every fitted parameter
    including the error variance (a line has k = 3). Lower is better; differences matter, not
    values.

    Raises
    ------
    ValueError
        If ``n <= k + 1`` (the correction is undefined) or `rss` is not positive.
    """
    if n <= k + 1:
        raise ValueError(f"AICc needs more than k + 1 = {k + 1} points, got {n}")
    if not rss > 0:
        raise ValueError(f"residual sum of squares must be > 0, got {rss}")
    return n * np.log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


@dataclasses.dataclass(frozen=True)
class SigmoidTest:
    """Outcome of :func:`strict_sigmoid_test`.

    Attributes
    ----------
    sigmoidal : bool
        All three criteria hold.
    aicc_logistic, aicc_line : float
        AICc of the logistic (5 parameters with the variance) and of the line (3).
    aicc_better : bool
        ``aicc_logistic < aicc_line``.
    steepest_slope : float
        The logistic's steepest slope within the data (units of y per unit of x): at its midpoint,
        ``amp/(4 s)``, when that lies inside the data, else at the nearer end of the data.
    initial_slope : float
        The logistic's slope at the first (smallest) x.
    slope_ratio : float
        ``steepest_slope / initial_slope`` (inf when the initial slope underflows to 0).
    slope_ok : bool
        ``slope_ratio >= min_slope_ratio``.
    midpoint : float
        The logistic's midpoint ``x0`` (units of x).
    midpoint_inside : bool
        ``min(x) < x0 < max(x)``.
    params : tuple of float
        Fitted ``(base, amp, x0, s)`` of :func:`logistic`.
    line : tuple of float
        Fitted ``(intercept, slope)`` of the line.
    """

    sigmoidal: bool
    aicc_logistic: float
    aicc_line: float
    aicc_better: bool
    steepest_slope: float
    initial_slope: float
    slope_ratio: float
    slope_ok: bool
    midpoint: float
    midpoint_inside: bool
    params: tuple[float, float, float, float]
    line: tuple[float, float]


def _fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares logistic from a grid of starting points; the best (params, RSS)."""
    from scipy.optimize import OptimizeWarning, curve_fit

    span = float(np.ptp(x))
    yspan = float(np.ptp(y)) or 1.0
    lower = [-np.inf, 0.0, x.min() - span, span * 1e-3]
    upper = [np.inf, np.inf, x.max() + span, span * 10]
    best, best_rss = None, np.inf
    for q in (0.1, 0.3, 0.5, 0.7, 0.9):
        for s0 in (0.03, 0.1, 0.3):
            p0 = [y.min(), yspan, float(np.quantile(x, q)), s0 * span]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", OptimizeWarning)
                    warnings.simplefilter("ignore", RuntimeWarning)
                    p, _ = curve_fit(logistic, x, y, p0=p0, bounds=(lower, upper), maxfev=20000)
            except (RuntimeError, ValueError):
                continue
            rss = float(np.sum((logistic(x, *p) - y) ** 2))
            if rss < best_rss:
                best, best_rss = p, rss
    if best is None:
        raise RuntimeError("the logistic fit did not converge from any starting point")
    return best, best_rss


def strict_sigmoid_test(x, y, min_slope_ratio: float = 1.5) -> SigmoidTest:
    """Whether y(x) is sigmoidal by a strict test, not by an information criterion alone.

    Fits a logistic (:func:`logistic`, ``scipy.optimize.curve_fit`` from several starting points)
    and a straight line, and calls the curve sigmoidal only if all of:

    1. the logistic's AICc is lower than the line's (:func:`aicc`; 5 and 3 parameters with the
       error variance);
    2. the logistic's steepest slope within the data (at its midpoint if that is inside) is at
       least `min_slope_ratio` times its slope at the smallest x: an expansive onset, which a
       saturating curve lacks;
    3. its midpoint lies strictly inside ``(min(x), max(x))``: the bend is in the data.

    A linear curve fails 1 (or 2: a logistic stretched into a line has the same slope
    everywhere); a saturating, sublinear curve fails 2 or 3 (its steepest part is at or before
    the first point). Residual sums are floored at ``n (1e-9 ptp(y))^2`` so that exact
    synthetic data do not compare rounding noise.

    Parameters
    ----------
    x, y : array_like
        At least 7 points (the AICc of a 5-parameter model needs n > 6); e.g. the expected and the
        measured peak responses.
    min_slope_ratio : float
        Criterion 2's factor (default 1.5).

    Returns
    -------
    SigmoidTest

    Raises
    ------
    ValueError
        Fewer than 7 points, non-finite values, or x without spread.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({x.size} and {y.size})")
    if x.size < 7:
        raise ValueError(f"the strict sigmoid test needs at least 7 points, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    if not np.ptp(x) > 0:
        raise ValueError("x has no spread")
    order = np.argsort(x)
    x, y = x[order], y[order]
    n = x.size
    floor = n * (1e-9 * (float(np.ptp(y)) or 1.0)) ** 2
    slope, intercept = np.polyfit(x, y, 1)
    rss_line = max(float(np.sum((intercept + slope * x - y) ** 2)), floor)
    p, rss_log = _fit_logistic(x, y)
    rss_log = max(rss_log, floor)
    a_log, a_line = aicc(rss_log, n, 5), aicc(rss_line, n, 3)
    base, amp, x0, s = (float(v) for v in p)
    steepest = float(_logistic_slope(min(max(x0, x[0]), x[-1]), amp, x0, s))
    initial = float(_logistic_slope(x[0], amp, x0, s))
    ratio = steepest / initial if initial > 0 else np.inf
    inside = bool(x[0] < x0 < x[-1])
    better = bool(a_log < a_line)
    slope_ok = bool(ratio >= min_slope_ratio)
    return SigmoidTest(
        sigmoidal=better and slope_ok and inside,
        aicc_logistic=float(a_log),
        aicc_line=float(a_line),
        aicc_better=better,
        steepest_slope=float(steepest),
        initial_slope=initial,
        slope_ratio=float(ratio),
        slope_ok=slope_ok,
        midpoint=x0,
        midpoint_inside=inside,
        params=(base, amp, x0, s),
        line=(float(intercept), float(slope)),
    )


def peak_deflection(traces, rest=None, axis: int = -1):
    """Peak of ``traces - rest`` along `axis` (the time axis).

    `rest` defaults to each trace's first sample (a trace that starts at rest, before the input).
    """
    traces = np.asarray(traces, dtype=float)
    if rest is None:
        rest = np.take(traces, [0], axis=axis)
    return np.max(traces - rest, axis=axis)


def expected_peaks(singles, ks: Sequence[int], order: Sequence[int] | None = None) -> np.ndarray:
    """Peak of the arithmetic sum of single-synapse responses, for k = each of `ks` synapses.

    Parameters
    ----------
    singles : array_like, shape (n_sites, n_time)
        Response (deflection from rest, mV) to each synapse activated alone.
    ks : sequence of int
        Numbers of coactive synapses; the first k sites of `order` are active.
    order : sequence of int, optional
        The order in which sites are added (default: as given).

    Returns
    -------
    ndarray, shape (len(ks),)
        ``max_t sum_{j < k} singles[order[j], t]`` for each k.
    """
    singles = np.asarray(singles, dtype=float)
    if singles.ndim != 2:
        raise ValueError(f"singles must be (site, time), got shape {singles.shape}")
    order = np.arange(len(singles)) if order is None else np.asarray(order, dtype=int)
    cum = np.cumsum(singles[order], axis=0)
    out = []
    for k in ks:
        if not 1 <= int(k) <= len(order):
            raise ValueError(f"k = {k} outside 1..{len(order)}")
        out.append(cum[int(k) - 1].max())
    return np.array(out)


def linear_slope(expected, measured) -> float:
    """Ordinary least-squares slope of measured against expected (1 for linear summation)."""
    return float(np.polyfit(np.asarray(expected, float), np.asarray(measured, float), 1)[0])


def window(values, holds) -> tuple[float, float, bool]:
    """Lowest and highest of `values` where `holds` is true, and whether they are contiguous.

    Returns ``(nan, nan, False)`` when it holds nowhere. ``contiguous`` is True when every value
    between the two (in sorted order) holds too.

    Examples
    --------
    >>> window([0.4, 0.8, 1.2, 1.6], [False, True, True, False])
    (0.8, 1.2, True)
    """
    values = np.asarray(values, dtype=float)
    holds = np.asarray(holds, dtype=bool)
    order = np.argsort(values)
    values, holds = values[order], holds[order]
    idx = np.flatnonzero(holds)
    if idx.size == 0:
        return float("nan"), float("nan"), False
    lo, hi = int(idx[0]), int(idx[-1])
    return float(values[lo]), float(values[hi]), bool(holds[lo : hi + 1].all())
