"""The Hay et al. (2011) channel set: steady states and time constants against values computed here
by hand with numpy from the published equations (``../shared/hay2011.md``, the mod files of
ModelDB 139653), at several voltages including the removable singularities; the calcium pool's
Nernst potential; the EPSP-shaped current of the BAC protocol."""

from __future__ import annotations

import math

import numpy as np
import pytest
from brian2 import mM, ms, mV, nA, second
from brian2.units.fundamentalunits import get_dimensions

from dendrites.mechanisms import CHANNELS, evaluate, get_mechanism
from dendrites.mechanisms import hay as H

QT = 2.3 ** ((34 - 21) / 10)
#: Voltages (mV) of the checks: a grid, and every removable singularity of the originals.
SINGULAR = [-154.9, -66.0, -64.4, -38.0, -27.0, -17.0]
VOLTAGES = [-120.0, -90.0, -80.0, -70.0, -50.0, -30.0, -10.0, 0.0, 20.0, 45.0, *SINGULAR]


def trap(x, k):
    """``x / (1 - exp(-x/k))``, with its limit ``k`` at x = 0 (by hand: series to 2nd order)."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-7
    safe = np.where(small, 1.0, x)
    return np.where(small, k + x / 2, safe / (1 - np.exp(-safe / k)))


def gates_by_hand(name, v):
    """{gate: (inf, tau in ms)} of channel `name` at v (mV), from the published equations."""
    if name in ("NaTa_t", "Nap_Et2"):
        am = 0.182 * trap(v + 38, 6)  # 0.182(v+38)/(1-exp(-(v+38)/6))
        bm = 0.124 * trap(-v - 38, 6)  # 0.124(-v-38)/(1-exp(-(-v-38)/6))
        if name == "NaTa_t":
            ah = 0.015 * trap(-v - 66, 6)  # -0.015(v+66)/(1-exp((v+66)/6))
            bh = 0.015 * trap(v + 66, 6)  # -0.015(-v-66)/(1-exp((-v-66)/6))
            return {
                "m": (am / (am + bm), 1 / (am + bm) / QT),
                "h": (ah / (ah + bh), 1 / (ah + bh) / QT),
            }
        ah = 2.88e-6 * trap(-(v + 17), 4.63)  # -2.88e-6(v+17)/(1-exp((v+17)/4.63))
        bh = 6.94e-6 * trap(v + 64.4, 2.63)  # 6.94e-6(v+64.4)/(1-exp(-(v+64.4)/2.63))
        return {
            "m": (1 / (1 + np.exp(-(v + 52.6) / 4.6)), 6 / (am + bm) / QT),
            "h": (1 / (1 + np.exp((v + 48.8) / 10)), 1 / (ah + bh) / QT),
        }
    if name == "K_Pst":
        u = v + 10
        mtau = np.where(u < -50, 1.25 + 175.03 * np.exp(0.026 * u), 1.25 + 13 * np.exp(-0.026 * u))
        htau = 360 + (1010 + 24 * (u + 55)) * np.exp(-(((u + 75) / 48) ** 2))
        return {
            "m": (1 / (1 + np.exp(-(u + 1) / 12)), mtau / QT),
            "h": (1 / (1 + np.exp((u + 54) / 11)), htau / QT),
        }
    if name == "K_Tst":
        u = v + 10
        return {
            "m": (1 / (1 + np.exp(-u / 19)), (0.34 + 0.92 * np.exp(-(((u + 71) / 59) ** 2))) / QT),
            "h": (1 / (1 + np.exp((u + 66) / 10)), (8 + 49 * np.exp(-(((u + 73) / 23) ** 2))) / QT),
        }
    if name == "SKv3_1":
        return {"m": (1 / (1 + np.exp(-(v - 18.7) / 9.7)), 4 / (1 + np.exp(-(v + 46.56) / 44.14)))}
    if name == "Ca_HVA":
        am = _hva_alpha(v)
        bm = 0.94 * np.exp((-75 - v) / 17)
        ah = 4.57e-4 * np.exp((-13 - v) / 50)
        bh = 0.0065 / (np.exp((-v - 15) / 28) + 1)
        return {"m": (am / (am + bm), 1 / (am + bm)), "h": (ah / (ah + bh), 1 / (ah + bh))}
    if name == "Ca_LVAst":
        u = v + 10
        return {
            "m": (1 / (1 + np.exp(-(u + 30) / 6)), (5 + 20 / (1 + np.exp((u + 25) / 5))) / QT),
            "h": (1 / (1 + np.exp((u + 80) / 6.4)), (20 + 50 / (1 + np.exp((u + 40) / 7))) / QT),
        }
    if name == "Ih":
        x = v + 154.9  # 0.00643 x/(exp(x/11.9)-1) = 0.00643 * trap(-x, 11.9)
        a = 0.00643 * trap(-x, 11.9)
        b = 0.193 * np.exp(v / 33.1)
        return {"m": (a / (a + b), 1 / (a + b))}
    if name == "Im":
        a = 3.3e-3 * np.exp(0.1 * (v + 35))
        b = 3.3e-3 * np.exp(-0.1 * (v + 35))
        return {"m": (a / (a + b), 1 / (a + b) / QT)}
    raise KeyError(name)


def _hva_alpha(v):
    """0.055(-27-v)/(exp((-27-v)/3.8) - 1): with y = -27 - v, y/(exp(y/k) - 1) = trap(-y, k)."""
    return 0.055 * trap(27 + v, 3.8)


GATED = ["NaTa_t", "Nap_Et2", "K_Pst", "K_Tst", "SKv3_1", "Ca_HVA", "Ca_LVAst", "Ih", "Im"]


@pytest.mark.parametrize("name", GATED)
def test_steady_states_and_time_constants_match_the_published_equations(name):
    channel = get_mechanism(name)
    v = np.array(VOLTAGES)
    for gate, (inf, tau) in gates_by_hand(name, v).items():
        got_inf = np.asarray(evaluate(f"{gate}_inf", v * mV, channel))
        got_tau = evaluate(f"tau_{gate}", v * mV, channel)
        assert get_dimensions(got_tau) == second.dim
        # exprel and the hand-written series agree to rounding (measured < 1e-13 relative)
        np.testing.assert_allclose(got_inf, inf, rtol=1e-10, err_msg=f"{name}.{gate}_inf")
        np.testing.assert_allclose(np.asarray(got_tau / ms), tau, rtol=1e-10, err_msg=f"{name}")
        assert np.all(np.isfinite(got_inf)) and np.all((got_inf >= 0) & (got_inf <= 1))


@pytest.mark.parametrize(
    ("name", "rate", "v_mV", "limit"),
    [  # x/(1 - exp(-x/k)) -> k: the rate at the singular point, in 1/ms
        ("NaTa_t", "alpha_m", -38.0, 0.182 * 6),
        ("NaTa_t", "beta_m", -38.0, 0.124 * 6),
        ("NaTa_t", "alpha_h", -66.0, 0.015 * 6),
        ("NaTa_t", "beta_h", -66.0, 0.015 * 6),
        ("Nap_Et2", "alpha_h", -17.0, 2.88e-6 * 4.63),
        ("Nap_Et2", "beta_h", -64.4, 6.94e-6 * 2.63),
        ("Ca_HVA", "alpha_m", -27.0, 0.055 * 3.8),
        ("Ih", "alpha_m", -154.9, 0.00643 * 11.9),
    ],
)
def test_rates_at_the_removable_singularities(name, rate, v_mV, limit):
    channel = get_mechanism(name)
    exact = float(evaluate(rate, v_mV * mV, channel) * ms)
    assert exact == pytest.approx(limit, rel=1e-12)
    # the originals step over the point by shifting v by 1e-4 mV: the same to ~1e-5 relative
    shifted = float(evaluate(rate, (v_mV + 1e-4) * mV, channel) * ms)
    assert shifted == pytest.approx(limit, rel=2e-5)


def test_temperature_factor_and_which_channels_have_it():
    assert H.QT == pytest.approx(2.952882641412121, rel=1e-14)
    with_qt = {n for n, ch in H.HAY_CHANNELS.items() if "qt" in ch.parameters}
    assert with_qt == {"NaTa_t", "Nap_Et2", "K_Pst", "K_Tst", "Ca_LVAst", "Im"}
    # qt divides every time constant: doubling it halves them
    v = np.array([-70.0, -20.0]) * mV
    for name in with_qt:
        ch = H.HAY_CHANNELS[name]
        for gate in ch.states:
            ratio = evaluate(f"tau_{gate}", v, ch, qt=2 * H.QT) / evaluate(f"tau_{gate}", v, ch)
            np.testing.assert_allclose(np.asarray(ratio), 0.5, rtol=1e-12)


@pytest.mark.parametrize("cai_mM", [1e-9, 5e-8, 1e-7, 5e-5, 1e-4, 4.3e-4, 1e-3, 1e-2])
def test_sk_steady_state_is_a_hill_function_of_cai(cai_mM):
    ca = cai_mM + 1e-7 if cai_mM < 1e-7 else cai_mM  # the mod file's guard
    expected = 1 / (1 + (0.00043 / ca) ** 4.8)
    got = float(evaluate("z_inf", -70 * mV, H.SK_E2, cai=cai_mM * mM))
    assert got == pytest.approx(expected, rel=1e-12)
    assert float(evaluate("z_inf", 0 * mV, H.SK_E2, cai=4.3e-4 * mM)) == pytest.approx(0.5)


def test_sk_needs_a_calcium_concentration_to_be_evaluated():
    from dendrites.errors import ParameterError

    with pytest.raises(ParameterError, match="cai"):
        evaluate("z_inf", -70 * mV, H.SK_E2)


@pytest.mark.parametrize(
    ("cai_mM", "expected_mV"),
    # R T/(2F) ln(2/cai) at 6.3 degC; NEURON 9's h.nernst(cai, 2, 2) gave 119.24362423187573 and
    # 127.58951061761749 mV on this machine
    [(1e-4, 119.24362423187573), (5e-5, 127.58951061761749)],
)
def test_calcium_reversal_is_nernst_at_neurons_default_temperature(cai_mM, expected_mV):
    by_hand = 8.31446261815324 * (273.15 + 6.3) / (2 * 96485.33212331001) * math.log(2 / cai_mM)
    assert by_hand * 1e3 == pytest.approx(expected_mV, rel=1e-12)
    got = float(evaluate("eca", -70 * mV, H.CaDynamics_E2, cai=cai_mM * mM) / mV)
    assert got == pytest.approx(expected_mV, rel=1e-10)


def test_pool_equation_and_its_sign_convention():
    """dcai/dt = -ica gamma / (2 F depth) - (cai - minCai)/decay with ica outward positive: an
    inward current (ica < 0) raises cai. -1 uA/cm2 = -0.01 A/m2 with gamma 0.05, depth 0.1 um:
    +0.01 * 0.05 / (2 * 96485.33 * 1e-7) mol/m3/s = 25.91 mM/s."""
    from brian2 import amp, meter

    pool = H.CaDynamics_E2
    expected = 0.01 * 0.05 / (2 * 96485.33212331001 * 1e-7)  # mM/s at cai = minCai
    rhs = "-ica*gamma/(2*F*depth) - (cai - minCai)/decay"
    got = evaluate(rhs, -70 * mV, pool, ica=-0.01 * amp / meter**2, cai=1e-4 * mM)
    assert float(got / (mM / second)) == pytest.approx(expected, rel=1e-12)
    # decay alone, 80 ms default: (2e-4 - 1e-4) mM / 80 ms = -1.25e-3 mM/s
    got = evaluate(rhs, -70 * mV, pool, ica=0 * amp / meter**2, cai=2e-4 * mM)
    assert float(got / (mM / second)) == pytest.approx(-1e-4 / 0.080, rel=1e-12)
    assert pool.initial == {"cai": "cai0"} and float(pool.parameters["cai0"] / mM) == 5e-5


def test_registered_under_their_neuron_names():
    for name in (*GATED, "SK_E2", "CaDynamics_E2"):
        assert CHANNELS[name] is H.HAY_CHANNELS[name]
    ions = {n: {c.ion for c in ch.currents} for n, ch in H.HAY_CHANNELS.items()}
    assert ions["NaTa_t"] == ions["Nap_Et2"] == {"na"}
    assert ions["K_Pst"] == ions["K_Tst"] == ions["SKv3_1"] == ions["SK_E2"] == ions["Im"] == {"k"}
    assert ions["Ca_HVA"] == ions["Ca_LVAst"] == {"ca"}
    assert ions["Ih"] == {""}
    assert H.SK_E2.reads == ("cai",) and H.Ca_HVA.reads == ("eca",)
    assert H.CaDynamics_E2.writes == ("cai", "eca")


def test_epsp_current_is_that_of_epsp_mod():
    """epsp.mod: i = -imax*adjust*((1 - exp(-s/tau0)) - (1 - exp(-s/tau1))) (outward positive),
    adjust normalising the peak at tpeak = tau0 tau1 ln(tau0/tau1)/(tau0 - tau1)."""
    wave = H.epsp()
    tau0, tau1, onset, imax = 0.5, 5.0, 300.0, 0.5  # ms, nA (BAC_firing.hoc)
    tpeak = tau0 * tau1 * math.log(tau0 / tau1) / (tau0 - tau1)
    adjust = 1 / ((1 - math.exp(-tpeak / tau0)) - (1 - math.exp(-tpeak / tau1)))
    t = np.array([0.0, 299.0, 300.0, 300.3, onset + tpeak, 302.0, 310.0, 340.0])
    s = np.clip(t - onset, 0, None)
    i_mod = np.where(
        t >= onset, -imax * adjust * ((1 - np.exp(-s / tau0)) - (1 - np.exp(-s / tau1))), 0.0
    )
    injected = wave.sample(t * 1e-3) / float(nA)  # inward positive, nA
    np.testing.assert_allclose(injected, -i_mod, rtol=1e-12, atol=1e-15)
    assert injected.max() == pytest.approx(0.5, rel=1e-12)
    assert wave.onset == pytest.approx(0.3)
