"""The dCaAP mechanism (Gidon et al. 2020): its formulas against the published values, and its
events in a simulation (level-based trigger, refractory period, graded amplitude)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from brian2 import cm, mA, ms, mV, ohm, pA, siemens, uF, um

from dendrites.backend import Model
from dendrites.cell import Cell
from dendrites.errors import ParameterError, PlacementError
from dendrites.mechanisms import Channel, Current, dcaap, evaluate
from dendrites.mechanisms.dcaap import logistic_rise
from dendrites.morphology import cable
from dendrites.stimuli import Step

VTH, VREST, D = -36.0, -75.0, 0.3


def test_published_parameters():
    p = dcaap.parameters
    assert float(p["vth"] / mV) == pytest.approx(-36)
    assert float(p["vrest"] / mV) == pytest.approx(-75)
    assert float(p["D"]) == pytest.approx(0.3)
    assert float(p["refractory"] / ms) == pytest.approx(200)
    assert float(p["tau_A"] / ms) == pytest.approx(3)
    assert float(p["tau_B"] / ms) == pytest.approx(0.4)
    assert float(p["delay_B"] / ms) == pytest.approx(21)
    assert float(p["A0"]) == float(p["B0"]) == pytest.approx(0.001)


def test_logistic_rise_is_the_exact_solution_of_the_logistic_equation():
    from scipy.integrate import solve_ivp

    s = np.linspace(0, 40, 81)
    sol = solve_ivp(
        lambda _t, x: x * (1 - x) / 3.0, (0, 40), [0.001], t_eval=s, rtol=1e-10, atol=1e-12
    )
    assert np.max(np.abs(logistic_rise(s, 3.0) - sol.y[0])) < 1e-8
    assert logistic_rise(-1.0, 3.0) == 0.0
    assert logistic_rise(3.0 * math.log(999), 3.0) == pytest.approx(0.5)


def test_A_and_B_in_closed_form_of_time_since_onset():
    s = np.array([0.0, 5.0, 10.0, 20.7, 21.0, 22.0, 25.0, 40.0]) * ms
    v = np.full(len(s), -50.0) * mV
    a = np.asarray(evaluate("A", v, dcaap, t=s, t_on=0 * ms))
    b = np.asarray(evaluate("B", v, dcaap, t=s, t_on=0 * ms))
    np.testing.assert_allclose(a, logistic_rise(np.asarray(s / ms), 3.0), rtol=1e-12)
    np.testing.assert_allclose(b, logistic_rise(np.asarray(s / ms) - 21.0, 0.4), rtol=1e-12)
    assert a[0] == pytest.approx(0.001)
    assert np.all(b[:4] == 0)  # B starts 21 ms after A
    assert b[4] == pytest.approx(0.001)
    assert a[-1] == pytest.approx(1 / (1 + 999 * math.exp(-40 / 3)), rel=1e-12)
    assert b[-1] == pytest.approx(1, abs=1e-12)  # B saturates fast: A - B turns negative


@pytest.mark.parametrize(
    ("v_on", "expected"),
    [
        (VTH, 1.0),
        (VTH - 5.0, 1.0),  # clipped at 1
        (VTH + D * (VTH - VREST), math.exp(-1)),
        (VTH + 2 * D * (VTH - VREST), math.exp(-2)),
    ],
)
def test_amplitude_factor_K_of_the_onset_potential(v_on, expected):
    k = evaluate("clip(exp(-(v - vth)/(vth - vrest)/D), 0, 1)", v_on * mV, dcaap)
    assert float(k) == pytest.approx(expected, rel=1e-12)


def test_a_current_must_be_ohmic_or_a_density():
    with pytest.raises(ParameterError, match="either a conductance and a reversal"):
        Current("x", "g", "E", density="w")
    with pytest.raises(ParameterError, match="either a conductance and a reversal"):
        Current("x", "g")
    with pytest.raises(ParameterError, match="reset but no threshold"):
        Channel("c", "", (Current("x", density="w"),), {"w": 0 * mA / cm**2}, ("w",), reset="w=0")


def _site_cell(amplitude_pA: float, w=0.002 * mA / cm**2) -> Cell:
    """One 20 x 20 um compartment: the paper's membrane (Rm 37 kOhm cm2, Cm 0.45 uF/cm2)."""
    cell = Cell(cable(length=20 * um, diameter=20 * um, n=1), Ri=100 * ohm * cm)
    cell.set_cm(0.45 * uF / cm**2)
    cell.set_v_init(-75 * mV)
    cell.insert("pas", g=1 / 37e3 * siemens / cm**2, E=-75 * mV)
    cell.insert(dcaap, w=w)
    cell.add_current_clamp(0, Step(amplitude_pA * pA, 20 * ms, 600 * ms))
    return cell


RECORD = {"v": 0, "K_dcaap": 0, "t_on_dcaap": 0, "I_ca_dcaap": 0}


@pytest.fixture(scope="module")
def runs():
    """Steps from below threshold to well above it, on one build (amplitudes are values)."""
    amplitudes = [9.0, 14.0, 16.0, 20.0, 30.0, 50.0]
    model = Model(_site_cell(amplitudes[0]), 700 * ms, record=RECORD)
    return {a: model.run(_site_cell(a)) for a in amplitudes}


def _events(ds):
    ton = ds["t_on_dcaap"].values[:, 0]
    onsets = np.unique(ton[ton >= 0])
    idx = [int(np.flatnonzero(ton == on)[0]) for on in onsets]
    assert ds["t_on_dcaap"].attrs["units"] == "ms"
    return onsets, ds["K_dcaap"].values[idx, 0], idx  # ms, K, first sample after onset


@pytest.mark.standalone
def test_no_dcaap_below_threshold(runs):
    ds = runs[9.0]  # steady state -75 + 9 pA * R_in(~795 MOhm) ~ -67.8 mV
    assert ds["v"].values.max() < VTH
    assert len(_events(ds)[0]) == 0
    assert np.all(ds["I_ca_dcaap"].values == 0)


@pytest.mark.standalone
def test_events_start_when_v_crosses_threshold_and_refire_after_the_refractory_period(runs):
    for amp in (20.0, 30.0, 50.0):
        ds = runs[amp]
        onsets, k, idx = _events(ds)
        assert len(onsets) >= 3, amp
        v = ds["v"].values[:, 0]
        # onset at the first step whose end potential is above vth (level-based trigger)
        assert v[idx[0]] > VTH and np.all(v[: idx[0]] <= VTH)
        # K from the potential at the end of the onset step
        np.testing.assert_allclose(
            k, np.minimum(1, np.exp(-(v[idx] - VTH) / (VTH - VREST) / D)), rtol=1e-9
        )
        # re-fired at exactly one refractory period when v stays above threshold
        assert np.diff(onsets)[0] == pytest.approx(200.0, abs=0.025 + 1e-9)


@pytest.mark.standalone
def test_first_event_of_a_slow_rise_is_full_and_refired_events_are_graded(runs):
    first = {a: _events(runs[a])[1][0] for a in (16.0, 20.0, 30.0, 50.0)}
    second = {a: _events(runs[a])[1][1] for a in (16.0, 20.0, 30.0, 50.0)}
    assert all(k > 0.95 for k in first.values())  # v creeps over vth: K ~ 1
    # the stronger the input, the smaller the re-fired dCaAP (Gidon et al. 2020, Fig. 3)
    ks = [second[a] for a in (16.0, 20.0, 30.0, 50.0)]
    assert all(a > b for a, b in itertools.pairwise(ks)), ks
    assert ks[0] > 2 * ks[-1]


@pytest.mark.standalone
def test_simulated_current_is_the_closed_form_pulse(runs):
    ds = runs[30.0]
    onsets, k, _idx = _events(ds)
    t = ds["time"].values
    w = 2.0  # uA/cm2, the density of _site_cell
    s = t - onsets[0]
    window = (s > 0.03) & (s < 60)
    # a summed current recorded at sample t is the one used for the step ending at t: computed
    # at t - dt (like every summed variable of Brian2). The onset is set by the threshold at the
    # end of its step, so the pulse acts from the next step on
    sw = s[window] - 0.025
    expected = (logistic_rise(sw, 3.0) - logistic_rise(sw - 21.0, 0.4)) * w * k[0]
    got = ds["I_ca_dcaap"].values[window, 0]
    assert ds["I_ca_dcaap"].attrs["units"] == "uA/cm2"
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    # inward during the rise, outward undershoot once B overtakes A (from about 25 ms)
    assert got[(sw > 5) & (sw < 20)].min() > 0
    assert got[(sw > 26) & (sw < 35)].max() < 0


def test_a_dcaap_inserted_nowhere_is_a_placement_error():
    cell = _site_cell(20.0, w=0 * mA / cm**2)
    with pytest.raises(PlacementError, match="dcaap"):
        Model(cell, 10 * ms)


@pytest.mark.standalone
@pytest.mark.slow
def test_runtime_and_standalone_give_the_same_events(runs):
    ds_rt = Model(_site_cell(30.0), 700 * ms, record=RECORD, backend="runtime").run()
    ds_sa = runs[30.0]
    np.testing.assert_allclose(ds_rt["v"].values, ds_sa["v"].values, atol=1e-6)
    np.testing.assert_array_equal(ds_rt["t_on_dcaap"].values, ds_sa["t_on_dcaap"].values)
