"""The analysis helpers of `dendrites.summation` on synthetic data (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from dendrites.summation import (
    aicc,
    expected_peaks,
    linear_slope,
    logistic,
    peak_deflection,
    strict_sigmoid_test,
    window,
)

X = np.linspace(0.25, 5.0, 20)  # e.g. expected somatic peaks (mV) for k = 1..20


def _noisy(y, sd, seed=0):
    return y + np.random.default_rng(seed).normal(0, sd, y.shape)


@pytest.mark.parametrize("sd", [0.0, 0.05])
def test_a_clear_sigmoid_passes(sd):
    y = _noisy(0.2 + 4.5 / (1 + np.exp(-(X - 2.0) / 0.3)), sd)
    t = strict_sigmoid_test(X, y)
    assert t.sigmoidal
    assert t.aicc_better and t.slope_ok and t.midpoint_inside
    assert t.midpoint == pytest.approx(2.0, abs=0.1)
    assert t.slope_ratio > 10


def test_a_sigmoid_with_a_linear_start_passes():
    """Like a within-branch curve: linear below the NMDA threshold, a jump, then saturation."""
    y = X + 2.5 / (1 + np.exp(-(X - 2.0) / 0.2))
    assert strict_sigmoid_test(X, y).sigmoidal


@pytest.mark.parametrize("sd", [0.0, 0.02, 0.2])
def test_a_line_fails(sd):
    t = strict_sigmoid_test(X, _noisy(1.02 * X + 0.01, sd, seed=1))
    assert not t.sigmoidal
    assert t.line[1] == pytest.approx(1.02, abs=0.1)


@pytest.mark.parametrize("sd", [0.0, 0.02])
def test_a_saturating_curve_fails(sd):
    """Sublinear summation (e.g. AMPA alone, driving-force loss): no expansive onset."""
    t = strict_sigmoid_test(X, _noisy(2.0 * (1 - np.exp(-X / 2.0)), sd, seed=2))
    assert not t.sigmoidal
    assert not (t.slope_ok and t.midpoint_inside)


def test_a_slightly_supralinear_curve_fails():
    """Gentle NMDA unblock in a point neuron: AICc may prefer the logistic, the test must not."""
    t = strict_sigmoid_test(X, X * (1 + 0.02 * X))
    assert not t.sigmoidal


def test_an_expansive_curve_without_saturation_fails():
    t = strict_sigmoid_test(X, np.exp(X / 1.5))
    assert not t.sigmoidal
    assert not t.midpoint_inside


def test_the_order_of_the_points_does_not_matter():
    y = 0.2 + 4.5 / (1 + np.exp(-(X - 2.0) / 0.3))
    perm = np.random.default_rng(3).permutation(X.size)
    a, b = strict_sigmoid_test(X, y), strict_sigmoid_test(X[perm], y[perm])
    assert a.sigmoidal == b.sigmoidal
    assert a.midpoint == pytest.approx(b.midpoint, rel=1e-6)


def test_the_sigmoid_test_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 7"):
        strict_sigmoid_test(X[:6], X[:6])
    with pytest.raises(ValueError, match="finite"):
        strict_sigmoid_test(X, np.where(X > 2, np.nan, X))
    with pytest.raises(ValueError, match="spread"):
        strict_sigmoid_test(np.ones(8), np.arange(8.0))
    with pytest.raises(ValueError, match="differ"):
        strict_sigmoid_test(X, X[:-1])


def test_logistic_is_finite_far_from_its_midpoint():
    y = logistic(np.array([-1e6, 0.0, 1e6]), 1.0, 2.0, 0.0, 1e-3)
    assert np.allclose(y, [1.0, 2.0, 3.0])


def test_aicc_matches_its_formula_and_checks_n():
    assert aicc(2.0, 10, 3) == pytest.approx(10 * np.log(0.2) + 6 + 24 / 6)
    with pytest.raises(ValueError):
        aicc(1.0, 4, 3)
    with pytest.raises(ValueError):
        aicc(0.0, 10, 3)


def test_expected_peaks_is_the_peak_of_the_summed_traces():
    t = np.linspace(0, 10, 101)
    early = np.exp(-((t - 2) ** 2))  # peaks at t = 2
    late = np.exp(-((t - 6) ** 2))  # peaks at t = 6: sums to a peak of ~1, not 2
    singles = np.array([early, early, late])
    got = expected_peaks(singles, [1, 2, 3])
    assert got[:2] == pytest.approx([1.0, 2.0])
    assert got[2] == pytest.approx(2.0, abs=1e-3)
    assert expected_peaks(singles, [2], order=[0, 2])[0] == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ValueError):
        expected_peaks(singles, [4])


def test_peak_deflection_uses_the_first_sample_as_rest():
    v = np.array([[-75.0, -74.0, -70.0, -72.0], [-70.0, -70.0, -69.5, -70.0]])
    assert peak_deflection(v) == pytest.approx([5.0, 0.5])
    assert peak_deflection(v[0], rest=-76.0) == pytest.approx(6.0)


def test_linear_slope_of_an_exact_line():
    assert linear_slope(X, 1.1 * X + 0.3) == pytest.approx(1.1)


def test_window_reports_edges_and_gaps():
    assert window([1.6, 0.4, 0.8, 1.2], [False, False, True, True]) == (0.8, 1.2, True)
    lo, hi, contiguous = window([0.4, 0.8, 1.2, 1.6], [True, False, True, False])
    assert (lo, hi, contiguous) == (0.4, 1.2, False)
    lo, hi, contiguous = window([0.4, 0.8], [False, False])
    assert np.isnan(lo) and np.isnan(hi) and not contiguous
