"""The XOR study's readout and truth-table scoring, on small hand-made Datasets (the simulations
themselves run in tests/test_studies.py, quick mode)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from dendrites import paths
from dendrites.studies import load_study

xor = load_study("xor_dendrite", paths.studies_dir())


def _dataset(k_by_row: dict, depol_by_row: dict, n_seeds: int = 3) -> xr.Dataset:
    """K of up to 3 events per (row, seed) at one strength; NaN = no event."""
    k = np.full((1, 4, n_seeds, 3), np.nan)
    for j, row in enumerate(xor.ROWS):
        for s in range(n_seeds):
            given = k_by_row[row]
            per_seed = bool(given) and isinstance(given[0], list)
            events = given[s] if per_seed else given
            k[0, j, s, : len(events)] = events
    dep = np.array([[depol_by_row[r]] * n_seeds for r in xor.ROWS])[None]
    return xr.Dataset(
        {
            "K": (("strength", "row", "seed", "event"), k),
            "point_depolarisation": (("strength", "row", "seed"), dep),
        },
        coords={"strength": [0.3], "row": xor.ROWS, "seed": np.arange(n_seeds)},
        attrs={"readout_threshold": 0.5},
    )


def test_readout_is_mean_K_over_events_and_zero_without_events():
    ds = _dataset(
        {"00": [], "10": [1.0, 0.6], "01": [1.0, 0.5, 0.4], "11": [1.0, 0.1, 0.1]},
        {"00": 0, "10": 30, "01": 30, "11": 55},
    )
    r = xor.readout(ds).sel(strength=0.3, seed=0)
    np.testing.assert_allclose(r.values, [0.0, 0.8, 0.6333333333, 0.4], rtol=1e-9)
    assert (xor.rows_right(ds, 0.3) == 4).all()


def test_rows_right_counts_each_seed_and_catches_a_silent_pathway():
    ds = _dataset(
        {
            "00": [[], [], []],
            "10": [[1.0], [], [1.0, 0.9]],  # seed 1: X alone never reached threshold
            "01": [[1.0], [1.0], [1.0]],
            "11": [[1.0, 0.1, 0.1], [1.0, 0.1, 0.1], [1.0, 0.9]],  # seed 2: damped too little
        },
        {"00": 0, "10": 30, "01": 30, "11": 55},
    )
    np.testing.assert_array_equal(xor.rows_right(ds, 0.3).values, [4, 3, 3])


def test_a_monotonic_point_neuron_gets_at_most_three_xor_rows():
    ds = _dataset({r: [] for r in xor.ROWS}, {"00": 1.0, "10": 30.0, "01": 31.0, "11": 55.0})
    assert xor.point_rows_right(ds, 0.3) == 3


def test_a_point_neuron_with_an_xor_shaped_response_would_score_four():
    # the scoring must be able to fail: a (non-physical) XOR-shaped response scores 4 of 4
    ds = _dataset({r: [] for r in xor.ROWS}, {"00": 1.0, "10": 30.0, "01": 31.0, "11": 2.0})
    assert xor.point_rows_right(ds, 0.3) == 4


def test_the_best_perceptron_is_proved_to_miss_one_xor_row():
    assert xor.perceptron_rows_right() == 3
    outputs = xor._perceptron_outputs()
    assert sum(outputs[r] == xor.XOR[r] for r in xor.ROWS) == 3


@pytest.mark.parametrize("quick", [True, False])
def test_parameters_meet_the_issue_minimums(quick):
    p = xor.parameters(quick)
    assert len(p["seeds"]) >= 10
    assert p["shown_strength"] in p["strengths"]
    assert p["rate_Hz"] == 20.0 and p["readout_threshold"] == 0.5
