"""The two-zone (BAC) study's cells, control and analysis, without running a simulation (the study
itself runs in quick mode in tests/test_studies.py; the Hay cell in tests/test_hay2011.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from dendrites import paths
from dendrites.studies import load_study

study = load_study("two_integration_zones", paths.studies_dir())


@pytest.fixture(scope="module")
def params() -> dict:
    return json.loads(json.dumps(study.parameters(quick=True)))


def test_parameters_are_plain_json_and_quick_is_smaller():
    quick, full = study.parameters(True), study.parameters(False)
    assert json.loads(json.dumps(full)) == full
    assert len(quick["grid"]) < len(full["grid"]) and len(quick["delays_ms"]) < len(
        full["delays_ms"]
    )
    assert len(full["seeds"]) >= 2 and 0 in full["grid"]  # each zone alone and both together
    assert min(full["delays_ms"]) == -20 and max(full["delays_ms"]) == 30
    assert full["targets"]["r2_gap"] == 0.2 and full["targets"]["critical_Hz"] == [60, 200]
    assert full["pulse_nA"] == 1.9 and full["epsp_nA"] == 0.5  # BAC_firing.hoc


def test_control_is_one_compartment_with_the_soma_and_the_whole_passive_membrane(params):
    cell = study.electrode_cell(params, "cell", study._pulse(1.9), 300.0, 0.5)
    point = study.electrode_cell(params, "point", study._pulse(1.9), 300.0, 0.5)
    area = cell.morphology.compartments.area
    assert point.n_compartments == 1
    assert point.morphology.compartments.area[0] == pytest.approx(area[0], rel=1e-9)
    a = point.morphology.compartments.area[0]
    # the whole cell's capacitance and leak on the one compartment
    assert point.cm[0] * a == pytest.approx(np.sum(cell.cm * area), rel=1e-9)
    g = cell.channels["pas"].values["g"]
    assert point.channels["pas"].values["g"][0] * a == pytest.approx(np.sum(g * area), rel=1e-9)
    # the soma's channels at the soma's densities (Ih too, not the dendrites' Ih)
    for name in ("NaTa_t", "Ca_LVAst", "SK_E2", "Ih"):
        for p, arr in cell.channels[name].values.items():
            assert point.channels[name].values[p][0] == arr[0], (name, p)
    assert [e.compartment for e in point.electrodes] == [0, 0]
    assert [e.label for e in point.electrodes] == ["soma", "epsp"]
    assert point.channels["pas"].values["E"][0] == pytest.approx(-0.090)  # the cell's e_pas
    # given the cell's resting potential, the control's leak reverses and starts there
    rested = study.electrode_cell(params, "point", study._pulse(1.9), 300.0, 0.5, rest_mV=-77.1)
    assert rested.channels["pas"].values["E"][0] == pytest.approx(-0.0771)
    assert rested.v_init[0] == pytest.approx(-0.0771)


def test_the_control_counts_its_lower_aps_and_the_cell_the_hoc_files_apcount():
    t = np.arange(0, 100, 0.1)
    small = np.where((t > 50) & (t < 51), -13.0, -75.0)  # the control's AP peaks near -13 mV
    assert len(study._spikes(t, small, point=True)) == 1
    assert len(study._spikes(t, small)) == 0  # the cell's detector: -10 mV (APCount)


def test_every_grid_point_has_the_same_synapses_and_its_own_active_ones(params):
    a = study.synapse_cell(params, "cell", 0, 105, 10)
    b = study.synapse_cell(params, "cell", 210, 0, 11)
    ga, gb = a.synapses["syn"], b.synapses["syn"]
    n = params["n_sites"]
    assert len(ga.compartments) == 2 * n
    np.testing.assert_array_equal(ga.compartments, gb.compartments)
    region = np.asarray(a.morphology.compartments.region).astype(str)
    dist = a.morphology.compartments.distance
    assert set(region[ga.compartments[:n]]) == {"basal"}
    assert set(region[ga.compartments[n:]]) == {"apical"}
    assert dist[ga.compartments[n:]].min() >= params["tuft_from_um"]
    active_a = [len(s) > 0 for s in ga.spikes]
    # Poisson at 30 Hz for 200 ms: a synapse stays silent with probability exp(-6) ~ 0.25 %
    assert sum(active_a[:n]) == 0 and 100 <= sum(active_a[n:]) <= 105
    assert sum(len(s) > 0 for s in gb.spikes[n:]) == 0
    t0, t1 = params["drive_ms"]
    for train in gb.spikes:
        t = np.asarray(train / 1e-3)  # ms
        assert np.all((t >= t0) & (t <= t1))
        assert np.all(np.diff(t) > params["dead_time_ms"])  # never two spikes in one step
    p = study.synapse_cell(params, "point", 0, 105, 10)
    assert p.n_compartments == 1 and np.all(p.synapses["syn"].compartments == 0)


def _trace(t, n_spikes, start=300.0):
    """-70 mV with `n_spikes` 1 ms excursions to +20 mV, 8 ms apart from `start`."""
    v = np.full_like(t, -70.0)
    for k in range(n_spikes):
        on = (t >= start + 8 * k) & (t < start + 8 * k + 1)
        v[on] = 20.0
    return v


def _dataset(cell_counts: dict, point_counts: dict, delays, freqs=(), ca_peaks=()):
    t = np.arange(0, 450, 0.1)
    labels = list(cell_counts)
    sites = ["soma", "d400", "d620", "d830"]
    v = np.full((len(labels), len(sites), len(t)), -70.0)
    for i, lab in enumerate(labels):
        v[i, 0] = _trace(t, cell_counts[lab])
    for f, peak in zip(freqs, ca_peaks, strict=True):
        v[labels.index(f"train{f:g}"), 3, t >= 300] = peak
    vp = np.array([_trace(t, point_counts[lab]) for lab in labels])
    return xr.Dataset(
        {"v_cell": (("label", "site", "time"), v), "v_point": (("label", "time"), vp)},
        coords={
            "label": labels,
            "site": sites,
            "time": t,
            "delay": list(delays),
            "frequency": list(freqs),
        },
    )


def test_the_window_is_the_contiguous_run_of_delays_around_plus_5_ms():
    delays = [-10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0]
    counts = {"bap": 1, "epsp": 0}
    # 3 APs at 0-10 ms, 1 elsewhere; 3 again at 20 ms (outside the contiguous run)
    counts |= {f"delay{d:+g}": n for d, n in zip(delays, [1, 1, 3, 3, 3, 1, 3], strict=True)}
    point = dict.fromkeys(counts, 1) | {"epsp": 0}
    w = study.window(_dataset(counts, point, delays))
    assert (w["lo"], w["hi"]) == (0.0, 10.0)
    assert w["width"] == pytest.approx(15.0)  # 0-10 ms plus one 5 ms step
    np.testing.assert_array_equal(w["extra"], [0, 0, 2, 2, 2, 0, 2])
    assert w["point_extra"].max() == 0
    counts["delay+5"] = 2  # only one extra AP at +5 ms: no window
    assert study.window(_dataset(counts, point, delays))["width"] == 0.0


def test_the_critical_frequency_is_the_lowest_with_a_ca_spike():
    freqs = [60.0, 100.0, 150.0, 200.0]
    counts = {f"train{f:g}": 1 for f in freqs}
    ds = _dataset(counts, counts, [], freqs, [-50.0, -45.0, 0.0, 5.0])
    cf = study.critical(ds)
    assert cf["critical"] == 150.0 and cf["below"] == 100.0 and cf["all_above"]
    ds = _dataset(counts, counts, [], freqs, [-50.0, -45.0, -40.0, -35.0])
    assert np.isnan(study.critical(ds)["critical"])


def test_a_point_neuron_grid_is_one_layer_and_a_composite_sigmoid_is_not():
    """The models on hand-made grids: a rate of n_b + n_t alone (the point neuron by symmetry)
    is fitted as well by both; Shai et al.'s composite sigmoid favours the two-layer model."""
    g = np.arange(0, 211, 30)
    nb, nt = np.meshgrid(g, g, indexing="ij")

    def ds_of(rate_cell, rate_point):
        return xr.Dataset(
            {
                "rate_cell": (("nb", "nt", "seed"), np.stack([rate_cell] * 2, axis=-1)),
                "rate_point": (("nb", "nt", "seed"), np.stack([rate_point] * 2, axis=-1)),
            },
            coords={"nb": g, "nt": g, "seed": [0, 1]},
            attrs={"n_splits": 5, "test_size": 0.25},
        )

    total = 60 / (1 + np.exp(-(nb + nt - 200) / 30.0))
    # Shai et al. (2015), hay2011.md, with the counts scaled to this grid
    m = 87.0 + 68.2 / (1 + np.exp(-(nt / 1.4 - 71.7) / 10.5))
    thr = 28.5 + 164.7 / (1 + np.exp((nt / 1.4 - 65.0) / 12.6))
    shai = m / (1 + np.exp(-(nb / 1.4 - thr) / 8.0))
    fits = study.grid_fits(ds_of(shai, total))
    # measured: point 1.000 and 1.000; composite sigmoid one-layer 0.80, two-layer 0.996
    assert fits["point"]["r2_one"] > 0.98 and fits["point"]["r2_two"] > 0.98
    assert fits["cell"]["r2_two"] - fits["cell"]["r2_one"] > 0.1
