"""The energy study: the ANN's MAC and joule counting, the leak estimate, the rate table, budget
shares, brain scaling and the claims, on hand-made Datasets; the study itself in quick mode."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from brian2 import cm, joule, mV, ohm, siemens, uF

from dendrites import Cell, paths
from dendrites.energy import ELEMENTARY_CHARGE, HOROWITZ_PJ, ann_energy, mlp_macs
from dendrites.errors import ParameterError
from dendrites.morphology import Morphology, Section
from dendrites.studies import load_study, run_study

study = load_study("energy_of_computation", paths.studies_dir())


# ------------------------------------------------------------------------------ the ANN side
def test_mac_and_parameter_counts_of_dense_networks():
    assert mlp_macs([2, 2, 1]) == (6, 9)  # 2x2 + 2x1 MACs; 6 weights + 3 biases
    assert mlp_macs([2, 1]) == (2, 3)  # the perceptron
    assert mlp_macs([784, 100, 10]) == (79_400, 79_510)
    for bad in ([2], [2, 0, 1]):
        with pytest.raises(ParameterError, match="layers"):
            mlp_macs(bad)


def test_ann_joules_use_horowitz_figures():
    pj = {m: float(ann_energy([2, 2, 1], m) / joule) * 1e12 for m in ("none", "sram", "dram")}
    assert HOROWITZ_PJ["fp32_mult"] + HOROWITZ_PJ["fp32_add"] == pytest.approx(4.6)
    assert pj["none"] == pytest.approx(6 * 4.6)  # 27.6 pJ: arithmetic only
    assert pj["sram"] == pytest.approx(6 * 4.6 + 9 * 10.0)  # + one 8 kB SRAM read per parameter
    assert pj["dram"] == pytest.approx(6 * 4.6 + 9 * 640.0)  # + one DRAM read per parameter
    assert float(ann_energy([2, 1]) / joule) == pytest.approx(2 * 4.6e-12)
    with pytest.raises(ParameterError, match="memory"):
        ann_energy([2, 1], "cache")
    costs = study.ann_costs()
    assert costs["MLP 2-2-1", "dram"] == pytest.approx(pj["dram"] * 1e-12)
    assert len(costs) == 6


# ------------------------------------------------------------------------------ helpers
def test_leak_estimate_is_the_na_share_of_a_na_k_leak_at_rest():
    morph = Morphology([Section("soma", "soma", None, [[0, 0, 0, 20.0]])])
    cell = Cell(morph, Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-70 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    area = math.pi * 20e-6**2  # m2
    f = (-70 - -85) / (50 - -85)  # (E_L - E_K)/(E_Na - E_K) = 15/135
    expected = f * 1.0 * area * 0.120 / ELEMENTARY_CHARGE / 3  # g 1 S/m2, E_Na - E_L 120 mV
    assert study.leak_na_atp_per_s(cell) == pytest.approx(expected, rel=1e-9)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-90 * mV)  # below E_K: no Na share
    assert study.leak_na_atp_per_s(cell) == 0.0


def test_linear_fit_r2():
    a, b, r2 = study.linear_fit([0, 1, 2, 3], [1, 3, 5, 7])
    assert (a, b, r2) == pytest.approx((1.0, 2.0, 1.0))
    assert study.linear_fit([0, 1, 2, 3], [0, 1, 4, 9])[2] == pytest.approx(
        225 / 245
    )  # r = 15/sqrt(245)


def _dataset(quick: bool = False, dcaap: float = 1e7) -> xr.Dataset:
    """A Dataset shaped as compute's: 3 rates x 2 seeds, 4 AP cases, 4 XOR rows x 2 seeds, the
    BAC conditions (quick: no EPSP alone), 3 two-layer patterns x 2 seeds."""
    conditions = ["bap", "bac"] if quick else ["bap", "epsp", "bac"]
    bac = {"bap": (1.7e8, 1.6e7, 1), "epsp": (2e7, 1e7, 0), "bac": (5e8, 1.8e8, 3)}
    two = np.array([[2e8, 2.2e8], [3e8, 3e8], [4e8, 4.2e8]])
    rates = [0.0, 5.0, 10.0]
    dur = np.full((3, 2), 2.0)
    channels = np.array([[20.0, 20.0], [20.0 + 2e8, 20.0 + 2e8], [20.0 + 1e9, 20.0 + 1e9]])
    synapses = np.array([[0.0, 0.0], [1e9, 1e9], [2e9, 2e9]])
    spikes = np.array([[0, 0], [2, 2], [10, 10]], float)
    events = np.array([[0, 0], [1000, 1000], [2000, 2000]], float)
    xor_atp = np.array([[1e7, 1e7], [5e8, 5e8], [5e8, 5e8], [1e9, 1e9]])
    readout = np.array([[0.0, 0.0], [0.9, 0.9], [0.9, 0.3], [0.2, 0.2]])  # seed 11 misses 01
    ap = {
        "ratio": [13.5, 4.1, 48.9, 2.5],
        "atp_per_ap": [3.7e7, 1.1e7, 1.7e8, 1.7e8],
        "equivalent_area_um2": [3.7e7 / 13.5 / 2080, 1.1e7 / 4.1 / 2080, 1e3, 3e4],
    }
    return xr.Dataset(
        {
            **{f"ap_{k}": ("case", v) for k, v in ap.items()},
            "rate_atp_channels": (("rate", "rate_seed"), channels * 2),
            "rate_atp_synapses": (("rate", "rate_seed"), synapses * 2),
            "rate_n_spikes": (("rate", "rate_seed"), spikes * 2),
            "rate_n_events": (("rate", "rate_seed"), events * 2),
            "rate_duration_s": (("rate", "rate_seed"), dur),
            "xor_atp_total": (("row", "xor_seed"), xor_atp),
            "xor_atp_dcaap": (("row", "xor_seed"), np.full((4, 2), dcaap)),
            "xor_readout": (("row", "xor_seed"), readout),
            **{
                f"bac_{k}": ("condition", [bac[c][j] for c in conditions])
                for j, k in enumerate(("atp", "atp_ca", "n_spikes"))
            },
            "bac_atp_rest": ("condition", [1e5] * len(conditions)),
            "two_atp": (("counts", "two_seed"), two),
            "two_atp_synapses": (("counts", "two_seed"), two / 2),
            "two_n_spikes": (("counts", "two_seed"), np.ones((3, 2))),
        },
        coords={
            "case": list(study.AP_CASES),
            "rate": rates,
            "rate_seed": [0, 1],
            "row": ["00", "10", "01", "11"],
            "xor_seed": [10, 11],
            "condition": conditions,
            "counts": ["24-24-0-0-0-0-0-0", "12-12-12-12-0-0-0-0", "6-6-6-6-6-6-6-6"],
            "two_seed": [0, 1],
        },
        attrs={
            "leak_atp_per_s": 5e8,
            "xor_leak_atp_per_s": 1e8,
            "n_synapses": 100,
            "budget_rate_Hz": 10.0,
            "xor_decision_s": 1.0,
            "two_duration_s": 0.3,
            "brain_neurons": 86e9,
            "brain_W": 20.0,
            "brain_rates_Hz": [0.1, 1.0],
            "synapses_per_neuron": 8000,
            "study_mode": "quick" if quick else "full",
        },
    )


def test_rate_table_splits_resting_aps_and_synapses():
    t = study.rate_table(_dataset())
    np.testing.assert_allclose(t.resting, 20.0)  # the channels at zero input, every rate
    np.testing.assert_allclose(t.aps, [0, 2e8, 1e9])
    np.testing.assert_allclose(t.synapses, [0, 1e9, 2e9])
    np.testing.assert_allclose(t.out_rate, [0, 2, 10])
    per_ap, per_event = study.per_event_costs(_dataset())
    assert per_ap == pytest.approx(1.2e9 / 12)  # channels above rest over all spikes
    assert per_event == pytest.approx(3e9 / 3000)
    aps, syn, rest = study.budget_shares(_dataset(), with_leak=True)
    assert (aps, syn, rest) == pytest.approx(np.array([1e9, 2e9, 5e8 + 20]) / 3.5e9 * 100)


def test_brain_power_is_per_neuron_watts_times_the_neurons():
    ds = _dataset()
    per_ap, per_event = study.per_event_costs(ds)
    atp_s = 20.0 + 5e8 + 1.0 * per_ap + 8000 * 1.0 * per_event
    assert float(study.brain_power(ds, 1.0, 8000, True)) == pytest.approx(atp_s * 1e-19 * 86e9)
    rate = study.affordable_rate(ds, 8000)
    assert float(study.brain_power(ds, rate, 8000, True)) == pytest.approx(20.0)


def test_claims_mark_missed_targets_and_score_linearity_in_full_mode_only():
    claims = {c.name: c for c in study.claims(_dataset())}
    assert claims["Na+ entry ratio, squid HH 6.3 degC (target 3-4.5)"].holds is False
    assert claims["Na+ entry ratio, squid HH 18.5 degC (target 3-4.5)"].holds is True
    assert claims["Na+ entry ratio, Hay cell, whole (first AP) (target 1.1-2)"].holds is False
    r2 = claims["ATP/s against input rate: linear fit R^2"]
    assert r2.kind == "finding" and r2.holds is True  # exactly linear data: R^2 = 1
    quick = {c.name: c for c in study.claims(_dataset(quick=True))}
    assert quick["ATP/s against input rate: linear fit R^2"].holds is None
    xor = claims["XOR dendrite: energy per decision (mean over rows, synapses + dCaAP)"]
    assert xor.value == pytest.approx(np.mean([1e7, 5e8, 5e8, 1e9]) * 1e-19) and xor.unit == "J"
    assert claims["XOR dendrite: seeds with all 4 rows right"].value == 1  # seed 11 misses 01
    check = claims["ATP per AP / (ratio x 2,080 ATP/um2 x spiking area), squid HH 6.3 degC"]
    assert check.kind == "check" and check.value == pytest.approx(1.0)
    mlp = claims["2-2-1 MLP, one XOR inference, arithmetic only (Horowitz 2014)"]
    assert mlp.kind == "check" and mlp.value == pytest.approx(27.6e-12)


def test_bac_and_two_layer_costs_are_above_rest_and_per_pattern():
    bac = study.bac_costs(_dataset())
    assert bac["bac"] == pytest.approx(5e8 - 1e5)
    assert bac["extra"] == pytest.approx(5e8 - 1.7e8 - 2e7 + 1e5)  # rest counted once
    assert "extra" not in study.bac_costs(_dataset(quick=True))  # quick: no EPSP-alone run
    two = study.two_layer_costs(_dataset())
    np.testing.assert_allclose(two["per_pattern"], [2.1e8, 3e8, 4.1e8])
    assert two["atp"] == pytest.approx(3.0666e8, rel=1e-4) and two["synaptic_share"] == 0.5
    claims = {c.name: c for c in study.claims(_dataset())}
    coincidence = claims["BAC (Hay cell): energy of one coincidence detection (BAC, above rest)"]
    assert coincidence.value == pytest.approx((5e8 - 1e5) * 1e-19) and coincidence.unit == "J"
    assert claims["BAC (Hay cell): Ca2+ share of BAC's ATP"].value == pytest.approx(36.0)
    ratio = claims["BAC (Hay cell) / perceptron AND energy (arithmetic only)"].value
    assert ratio == pytest.approx((5e8 - 1e5) * 1e-19 / 9.2e-12)  # 2 MACs x 4.6 pJ
    ratio = claims["two-layer cell: ATP, 48 synapses clustered / dispersed"].value
    assert ratio == pytest.approx(2.1 / 4.1)
    assert claims["MLP 8-8-1: MACs per inference"].value == 72  # 8x8 + 8x1
    mlp = claims["two-layer cell / MLP 8-8-1 energy per inference (DRAM reads)"].value
    assert mlp == pytest.approx(3.0666e8 * 1e-19 / ((72 * 4.6 + 81 * 640) * 1e-12), rel=1e-4)
    quick = {c.name for c in study.claims(_dataset(quick=True))}
    assert "BAC (Hay cell): extra ATP of BAC over bAP + EPSP alone" not in quick


def test_parameters_hold_out_nothing_and_quick_mode_is_smaller():
    full, quick = study.parameters(False), study.parameters(True)
    assert full["rates_Hz"][0] == 0.0 and full["budget_rate_Hz"] in full["rates_Hz"]
    assert len(quick["rates_Hz"]) >= 3  # a line needs a third point to be tested
    assert quick["rate_window_ms"] < full["rate_window_ms"]
    assert quick["bac_conditions"] == ["bap", "bac"] and "epsp" in full["bac_conditions"]
    assert (
        len(full["two_layer_patterns"]) == 8
        and quick["two_layer_patterns"][:3]
        == (
            full["two_layer_patterns"][:3]  # the 3 arrangements of 48 synapses, then 5 random
        )
    )
    assert full["xor_strength"] == load_study("xor_dendrite").parameters(False)["shown_strength"]
    json.dumps(full)  # plain JSON


# ------------------------------------------------------------------------------ the study
@pytest.mark.standalone
@pytest.mark.slow
def test_study_in_quick_mode(tmp_path):
    result = run_study(
        "energy_of_computation", quick=True, out_dir=tmp_path / "f", results_dir=tmp_path / "r"
    )
    c = {claim.name: claim.value for claim in result.claims}
    # measured in quick mode: 13.47, 4.11, 48.9 and 2.48
    assert 12 < c["Na+ entry ratio, squid HH 6.3 degC (target 3-4.5)"] < 15
    assert 3 < c["Na+ entry ratio, squid HH 18.5 degC (target 3-4.5)"] < 4.5
    assert 30 < c["Na+ entry ratio, Hay soma compartment alone (target 1.1-2)"] < 70
    assert 1.5 < c["Na+ entry ratio, Hay cell, whole (first AP) (target 1.1-2)"] < 4
    assert 0.5 < c["ATP/s against input rate: linear fit R^2"] <= 1  # measured 0.95
    assert c["ATP/s at zero input (simulated channels, resting)"] < 1e6  # measured 34 ATP/s
    assert (
        1e6 < c["ATP per AP, pyramidal cell of the rate sweep (channels above rest)"] < 1e9
    )  # 2.5e7
    assert 1e5 < c["ATP per synaptic event (AMPA + NMDA)"] < 1e7  # measured 7.5e5
    # measured 5.7e-11 J per decision (quick, one seed)
    assert 5e-12 < c["XOR dendrite: energy per decision (mean over rows, synapses + dCaAP)"] < 5e-10
    assert 0 < c["XOR dendrite: dCaAP share of the decision's ATP"] < 50  # measured 2 %
    # BAC on the Hay cell (quick: bAP alone and BAC): measured 1.73e8 and 5.03e8 ATP above rest,
    # 1 and 3 somatic APs, Ca2+ 36 % of BAC's ATP
    bac = "BAC (Hay cell)"
    assert 1e8 < c[f"{bac}: ATP above rest, bAP alone"] < 4e8
    assert 2.5e8 < c[f"{bac}: ATP above rest, bAP + EPSP (BAC)"] < 2e9
    assert c[f"{bac}: somatic APs, bAP alone"] == 1 and c[f"{bac}: somatic APs, BAC"] >= 2
    assert 10 < c[f"{bac}: Ca2+ share of BAC's ATP"] < 70
    # the two-layer cell: measured 1.03e-10 J per pattern (mean of 3 arrangements of 48 synapses),
    # 74 % synaptic, clustered 0.61 x dispersed (dispersed input drives the cell hardest)
    assert 1e-11 < c["two-layer cell: energy per pattern presented (mean)"] < 1e-9
    assert 40 < c["two-layer cell: synaptic share of a pattern's ATP"] < 95
    assert 0.3 < c["two-layer cell: ATP, 48 synapses clustered / dispersed"] < 1.0
    assert (tmp_path / "f" / "energy_of_computation.png").stat().st_size > 10_000
