"""The XOR study's readout, truth-table scoring, XOR band and calibration/held-out split, on small
hand-made Datasets (the simulations themselves run in tests/test_studies.py, quick mode)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from dendrites import paths
from dendrites.studies import load_study

xor = load_study("xor_dendrite", paths.studies_dir())

GOOD = {"00": [], "10": [1.0, 0.8], "01": [1.0, 0.9], "11": [1.0, 0.1, 0.1]}  # XOR
SILENT = {r: [] for r in xor.ROWS}  # no dCaAP at all: only 00 and 11 right


def _K(k_by_row: dict, n_seeds: int = 3, n_events: int = 3) -> np.ndarray:
    """K of up to `n_events` events per (row, seed); NaN = no event. A row's value is either a
    list of events (every seed) or a list of lists (one per seed)."""
    k = np.full((4, n_seeds, n_events), np.nan)
    for j, row in enumerate(xor.ROWS):
        for s in range(n_seeds):
            given = k_by_row[row]
            per_seed = bool(given) and isinstance(given[0], list)
            events = given[s] if per_seed else given
            k[j, s, : len(events)] = events
    return k


def _dataset(held: dict, scan: dict | None = None, depol: dict | None = None, n_seeds: int = 3):
    """A Dataset like compute's: the held-out K at the shown strength 0.3, and a scan over
    strengths 0.2-0.4 on 2 calibration seeds (`scan`: strength -> rows)."""
    strengths = [0.2, 0.25, 0.3, 0.35, 0.4]
    scan = scan or {v: GOOD for v in strengths}
    depol = depol or {"00": 0, "10": 30, "01": 30, "11": 55}
    k_scan = np.stack([_K(scan[v], n_seeds=2) for v in strengths])
    dep = np.array([[depol[r]] * n_seeds for r in xor.ROWS])
    return xr.Dataset(
        {
            "K": (("row", "seed", "event"), _K(held, n_seeds)),
            "K_scan": (("strength", "row", "calibration_seed", "event"), k_scan),
            "point_depolarisation": (("row", "seed"), dep),
        },
        coords={
            "strength": strengths,
            "row": xor.ROWS,
            "seed": np.arange(10, 10 + n_seeds),
            "calibration_seed": [0, 1],
        },
        attrs={"readout_threshold": 0.5, "shown_strength": 0.3},
    )


def test_readout_is_mean_K_over_events_and_zero_without_events():
    ds = _dataset({"00": [], "10": [1.0, 0.6], "01": [1.0, 0.5, 0.4], "11": [1.0, 0.1, 0.1]})
    r = xor.readout(ds.K).sel(seed=10)
    np.testing.assert_allclose(r.values, [0.0, 0.8, 0.6333333333, 0.4], rtol=1e-9)
    assert (xor.rows_right(ds.K, 0.5) == 4).all()


def test_rows_right_counts_each_seed_and_catches_a_silent_pathway():
    ds = _dataset(
        {
            "00": [[], [], []],
            "10": [[1.0], [], [1.0, 0.9]],  # seed 1: X alone never reached threshold
            "01": [[1.0], [1.0], [1.0]],
            "11": [[1.0, 0.1, 0.1], [1.0, 0.1, 0.1], [1.0, 0.9]],  # seed 2: damped too little
        }
    )
    np.testing.assert_array_equal(xor.rows_right(ds.K, 0.5).values, [4, 3, 3])


def test_the_xor_band_is_the_contiguous_run_around_the_shown_strength():
    scan = {0.2: SILENT, 0.25: GOOD, 0.3: GOOD, 0.35: GOOD, 0.4: SILENT}
    assert xor.xor_band(_dataset(GOOD, scan)) == (0.25, 0.35)
    # a strength outside the run that also gives XOR does not widen the band
    scan = {0.2: GOOD, 0.25: SILENT, 0.3: GOOD, 0.35: GOOD, 0.4: GOOD}
    assert xor.xor_band(_dataset(GOOD, scan)) == (0.3, 0.4)


def test_one_failing_calibration_seed_removes_a_strength_from_the_band():
    half = {"00": [], "10": [[1.0, 0.8], []], "01": [1.0, 0.9], "11": [1.0, 0.1, 0.1]}
    scan = {0.2: SILENT, 0.25: half, 0.3: GOOD, 0.35: GOOD, 0.4: SILENT}
    assert xor.xor_band(_dataset(GOOD, scan)) == (0.3, 0.35)


def test_no_band_when_the_shown_strength_fails_on_the_calibration_seeds():
    scan = {0.2: GOOD, 0.25: GOOD, 0.3: SILENT, 0.35: GOOD, 0.4: GOOD}
    lo, hi = xor.xor_band(_dataset(GOOD, scan))
    assert np.isnan(lo) and np.isnan(hi)


def test_the_headline_is_scored_on_the_held_out_seeds_only():
    """Perfect calibration seeds do not rescue failing held-out seeds, and the reverse."""
    claims = {c.name: c for c in xor.claims(_with_steps(_dataset(SILENT)))}
    head = next(c for n, c in claims.items() if n.startswith("held-out seeds with all 4"))
    assert head.value == 0 and head.holds is False and head.kind == "finding"
    cal = claims["calibration seeds with all 4 XOR rows right at the chosen strength (fraction)"]
    assert cal.value == 1.0
    scan = {v: SILENT for v in [0.2, 0.25, 0.3, 0.35, 0.4]}
    claims = {c.name: c for c in xor.claims(_with_steps(_dataset(GOOD, scan)))}
    head = next(c for n, c in claims.items() if n.startswith("held-out seeds with all 4"))
    assert head.value == 3 and head.holds is True
    assert np.isnan(claims["XOR band: width (highest - lowest strength)"].value)


def _with_steps(ds: xr.Dataset) -> xr.Dataset:
    k = np.array([[1.0, 0.9, 0.9], [1.0, 0.1, 0.1]])  # just above threshold, and at 3x
    return (
        ds.assign(step_K=(("step", "event"), k))
        .assign_coords(step=[1.02, 3.0])
        .assign_attrs(threshold_current_pA=130.0)
    )


def test_claims_kinds_the_theorem_is_a_check_the_simulated_controls_findings():
    claims = {c.name: c for c in xor.claims(_with_steps(_dataset(GOOD)))}
    assert claims["XOR rows right, best perceptron (linear feasibility, of 4)"].kind == "check"
    assert claims["XOR rows right, point neuron (best threshold, of 4)"].kind == "finding"
    assert claims["XOR band: width (highest - lowest strength)"].value == pytest.approx(0.2)
    edge = "XOR band: scan step at its edges (the larger of the two; NaN at the scan's end)"
    assert np.isnan(claims[edge].value)  # XOR everywhere: the band's edges are the scan's
    scan = {0.2: SILENT, 0.25: GOOD, 0.3: GOOD, 0.35: GOOD, 0.4: SILENT}
    claims = {c.name: c for c in xor.claims(_with_steps(_dataset(GOOD, scan)))}
    assert claims[edge].value == pytest.approx(0.05) and claims[edge].kind == "check"


def test_a_monotonic_point_neuron_gets_at_most_three_xor_rows():
    ds = _dataset(SILENT, depol={"00": 1.0, "10": 30.0, "01": 31.0, "11": 55.0})
    assert xor.point_rows_right(ds.point_depolarisation) == 3


def test_a_point_neuron_with_an_xor_shaped_response_would_score_four():
    # the scoring must be able to fail: a (non-physical) XOR-shaped response scores 4 of 4
    ds = _dataset(SILENT, depol={"00": 1.0, "10": 30.0, "01": 31.0, "11": 2.0})
    assert xor.point_rows_right(ds.point_depolarisation) == 4


def test_the_best_perceptron_is_proved_to_miss_one_xor_row():
    assert xor.perceptron_rows_right() == 3
    outputs = xor._perceptron_outputs()
    assert sum(outputs[r] == xor.XOR[r] for r in xor.ROWS) == 3


@pytest.mark.parametrize("quick", [True, False])
def test_parameters_meet_the_issue_minimums_and_hold_out_their_seeds(quick):
    p = xor.parameters(quick)
    assert len(p["seeds"]) >= 10
    assert p["shown_strength"] in p["strengths"]
    assert p["rate_Hz"] == 20.0 and p["readout_threshold"] == 0.5
    # the headline's seeds were never used to choose the strength
    assert not set(p["seeds"]) & set(p["calibration_seeds"])
    assert set(p["calibration_seeds"]) <= set(range(10))  # the seeds seen before the split
    assert min(p["strengths"]) < p["shown_strength"] < max(p["strengths"])  # a band can show


def test_compute_refuses_overlapping_seeds():
    p = xor.parameters(True)
    with pytest.raises(ValueError, match="overlap"):
        xor.compute(dict(p, seeds=[1, 10]), lambda *a: None)
