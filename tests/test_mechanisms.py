"""Formulas of the mechanisms, checked without a simulation.

Reference values are published numbers (targets.md, Brian2's Rallpack 3 test) or arithmetic done
here independently with :mod:`math`, never by calling the code under test a second time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from brian2 import Equations
from brian2.core.functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS
from brian2.core.namespace import DEFAULT_UNITS
from brian2.equations.equations import DIFFERENTIAL_EQUATION, SUBEXPRESSION
from brian2.equations.unitcheck import check_dimensions
from brian2.parsing.statements import parse_statement
from brian2.parsing.sympytools import str_to_sympy
from brian2.units import amp, cm, meter, mM, ms, msiemens, mV, nS, second, siemens, volt
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, get_dimensions
from brian2.utils.stringtools import get_identifiers

from dendrites.errors import ParameterError
from dendrites.mechanisms import (
    CHANNELS,
    MG_BLOCKS,
    RECEPTORS,
    Channel,
    Receptor,
    evaluate,
    get_mechanism,
    hh,
    nmda,
    nmda_receptor,
)
from dendrites.mechanisms.base import parameter_equations
from dendrites.mechanisms.ions import ion_dimension

ALL_MECHANISMS = {
    **CHANNELS,
    **RECEPTORS,
    **{f"nmda_{name}": nmda_receptor(name) for name in MG_BLOCKS},
}
#: The peak-normalised double exponentials (the kinetic NMDA and alpha AMPA receptors have their
#: own tests in test_kinetic_nmda.py).
DOUBLE_EXPONENTIALS = sorted(
    n for n, m in ALL_MECHANISMS.items() if isinstance(m, Receptor) and "g_r" in m.initial
)


def _b(v_mV, mg_mM=1.0, slope=0.062, k_mM=3.57):
    """Jahr-Stevens-type block, by hand."""
    return 1 / (1 + math.exp(-slope * v_mV) * mg_mM / k_mM)


# --------------------------------------------------------------------------------------------------
# NMDA Mg block


@pytest.mark.parametrize(
    ("v_mV", "published", "tolerance"),
    [
        (-80, 0.0244, 1e-4),
        (-70, 0.0445, 1e-4),
        (-60, 0.0796, 1e-4),
        (-40, 0.2302, 1e-4),
        (-20, 0.5081, 1e-4),
        (0, 0.7812, 1e-4),
        # Published with 3 decimals only; the exact value 0.92502 also agrees to 1e-4.
        (20, 0.925, 1e-4),
    ],
)
def test_jahr_stevens_block_matches_published_values(v_mV, published, tolerance):
    block = evaluate("block", v_mV * mV, nmda)
    assert float(block) == pytest.approx(published, abs=tolerance)


def test_default_nmda_uses_jahr_stevens_at_1_mM():
    assert nmda.block == MG_BLOCKS["jahr_stevens"][0]
    assert nmda.block_parameters == {"Mg": 1 * mM}


@pytest.mark.parametrize(
    ("block", "v_mV", "mg_mM", "expected"),
    [
        ("jahr_stevens", -30, 2.0, _b(-30, 2.0)),
        ("jahr_stevens", 10, 1.2, _b(10, 1.2)),
        ("poirazi", -40, 1.0, 1 / (1 + 0.33 * 1.0 * math.exp(0.06 * 40))),
        ("poirazi", -20, 2.0, 1 / (1 + 0.33 * 2.0 * math.exp(0.06 * 20))),
        ("beniaguev", -40, 1.0, _b(-40, 1.0, slope=0.08)),
        ("beniaguev", 0, 1.0, 1 / (1 + 1 / 3.57)),
    ],
)
def test_block_variants_match_hand_computation(block, v_mV, mg_mM, expected):
    receptor = nmda_receptor(block, mg=mg_mM * mM)
    assert float(evaluate("block", v_mV * mV, receptor)) == pytest.approx(expected, abs=1e-12)
    # the concentration can also be overridden at evaluation
    default = nmda_receptor(block)
    value = evaluate("block", v_mV * mV, default, Mg=mg_mM * mM)
    assert float(value) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("block", sorted(MG_BLOCKS))
def test_block_vanishes_without_magnesium(block):
    v = np.linspace(-100, 50, 31) * mV
    receptor = nmda_receptor(block)
    np.testing.assert_array_equal(evaluate("block", v, receptor, Mg=0 * mM), 1.0)
    # the limit is approached continuously: for small Mg, 1 - B is proportional to Mg
    gap_micro, gap_nano = (1 - evaluate("block", v, receptor, Mg=mg * mM) for mg in (1e-6, 1e-9))
    np.testing.assert_allclose(gap_nano / gap_micro, 1e-3, rtol=1e-3)
    np.testing.assert_allclose(evaluate("block", v, receptor, Mg=1e-12 * mM), 1.0, atol=1e-8)


@pytest.mark.parametrize("block", sorted(MG_BLOCKS))
def test_block_is_a_fraction_increasing_with_voltage(block):
    v = np.linspace(-120, 60, 181) * mV
    for mg in (0.1, 1.0, 2.0, 10.0):
        b = np.asarray(evaluate("block", v, nmda_receptor(block, mg=mg * mM)))
        assert np.all((b > 0) & (b < 1))
        assert np.all(np.diff(b) > 0)


def test_nmda_receptor_rejects_bad_input():
    with pytest.raises(ParameterError, match="did you mean 'poirazi'"):
        nmda_receptor("poirazy")
    with pytest.raises(ParameterError, match="mg"):
        nmda_receptor(mg=-1 * mM)
    with pytest.raises(ParameterError, match="mg"):
        nmda_receptor(mg=1.0)  # a plain number is not a concentration
    with pytest.raises(ParameterError, match="tau_rise"):
        nmda_receptor(tau_rise=80 * ms, tau_decay=2 * ms)


# --------------------------------------------------------------------------------------------------
# Hodgkin-Huxley


@pytest.mark.parametrize(
    ("state", "expected"),
    # equilibrium at -65 mV used by Brian2's Rallpack 3 test (brian2/tests/test_spatialneuron.py)
    [("m", 0.0529324852572), ("h", 0.596120753508), ("n", 0.317676914061)],
)
def test_hh_steady_state_at_rest(state, expected):
    assert float(evaluate(state, -65 * mV, hh)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("rate", "v_mV", "limit"),
    [("alpha_n", -65 + 10, 0.1), ("alpha_m", -65 + 25, 1.0)],  # 1/ms
)
def test_hh_rates_are_finite_at_removable_singularities(rate, v_mV, limit):
    at = evaluate(rate, v_mV * mV, hh)
    assert np.isfinite(float(at / (1 / ms)))
    assert float(at / (1 / ms)) == pytest.approx(limit, rel=1e-12)
    near = evaluate(rate, (v_mV + np.array([-1e-6, 1e-6])) * mV, hh)
    np.testing.assert_allclose(near / (1 / ms), limit, rtol=1e-6)


def _hh_rates_by_hand(v_mV):
    """Hodgkin & Huxley (1952) rate functions in 1/ms, u = v - (-65 mV)."""
    u = v_mV + 65
    return {
        "alpha_m": 0.1 * (25 - u) / (math.exp((25 - u) / 10) - 1),
        "beta_m": 4 * math.exp(-u / 18),
        "alpha_h": 0.07 * math.exp(-u / 20),
        "beta_h": 1 / (math.exp((30 - u) / 10) + 1),
        "alpha_n": 0.01 * (10 - u) / (math.exp((10 - u) / 10) - 1),
        "beta_n": 0.125 * math.exp(-u / 80),
    }


@pytest.mark.parametrize("v_mV", [-65.0, -30.0, 0.0])
def test_hh_rates_match_hand_computation(v_mV):
    for rate, expected in _hh_rates_by_hand(v_mV).items():
        value = float(evaluate(rate, v_mV * mV, hh) / (1 / ms))
        assert value == pytest.approx(expected, rel=1e-12), rate


def test_hh_temperature_factor_scales_every_rate():
    for rate in _hh_rates_by_hand(-50.0):
        ratio = evaluate(rate, -50 * mV, hh, phi=3.0) / evaluate(rate, -50 * mV, hh)
        assert float(ratio) == pytest.approx(3.0, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# Equations parse and have consistent units


def _parameters(mechanism) -> dict[str, Quantity]:
    parameters = dict(mechanism.parameters)
    if isinstance(mechanism, Receptor):
        parameters.update(mechanism.block_parameters)
    return parameters


def _variables(mechanism, eqs) -> dict:
    """Namespace for brian2's dimension checks: functions, units, parameters, states, v."""
    variables = {**DEFAULT_UNITS, **DEFAULT_CONSTANTS, **DEFAULT_FUNCTIONS}
    variables.update(_parameters(mechanism))
    # ion variables read from other mechanisms (cai, eca, ica), with their units
    variables.update(
        {n: Quantity(1, dim=ion_dimension(n)) for n in getattr(mechanism, "reads", ())}
    )
    variables.update({eq.varname: Quantity(1, dim=eq.dim) for eq in eqs.values()})
    variables.update({"v": 1 * volt, "v_post": 1 * volt, "t": 1 * second, "dt": 1 * second})
    if isinstance(mechanism, Receptor):
        variables["w"] = 1 * siemens  # the weight the backend declares on every synapse
    return variables


@pytest.mark.parametrize("name", sorted(ALL_MECHANISMS))
def test_equations_parse_with_declared_parameters(name):
    mechanism = ALL_MECHANISMS[name]
    declarations = parameter_equations(_parameters(mechanism), flags=())
    eqs = Equations(f"{mechanism.equations}\nv : volt") + declarations
    assert set(_parameters(mechanism)) <= set(eqs.parameter_names)
    # initial values are given for states (and for per-synapse variables such as a release time)
    assert set(mechanism.initial) <= set(eqs.diff_eq_names) | set(eqs.parameter_names)


@pytest.mark.parametrize("name", sorted(ALL_MECHANISMS))
def test_equations_have_consistent_dimensions(name):
    mechanism = ALL_MECHANISMS[name]
    eqs = Equations(mechanism.equations)
    variables = _variables(mechanism, eqs)
    for eq in eqs.ordered:
        if eq.type == SUBEXPRESSION:
            check_dimensions(eq.expr.code, eq.dim, variables)
        elif eq.type == DIFFERENTIAL_EQUATION:
            check_dimensions(eq.expr.code, eq.dim / second.dim, variables)
    for state, expression in mechanism.initial.items():
        check_dimensions(expression, eqs[state].dim, variables)


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_channel_currents_have_conductance_densities_and_reversals(name):
    channel = CHANNELS[name]
    assert isinstance(channel, Channel)
    variables = _variables(channel, Equations(channel.equations))
    for current in channel.currents:
        if current.ohmic:
            assert "v" not in get_identifiers(current.conductance)
            check_dimensions(current.conductance, (siemens / meter**2).dim, variables)
            reversal = channel.parameters.get(current.reversal)  # or an ion's (eca)
            if reversal is None:
                assert current.reversal in channel.reads
                assert ion_dimension(current.reversal) == volt.dim
            else:
                assert get_dimensions(reversal) == volt.dim
        else:  # a current source (the dCaAP): a density, not a conductance
            assert "v" not in get_identifiers(current.density)
            check_dimensions(current.density, (amp / meter**2).dim, variables)
    ohmic = all(c.ohmic for c in channel.currents)
    for density in channel.densities:
        expected = siemens / meter**2 if ohmic else amp / meter**2
        if not channel.currents:  # a concentration pool: its presence (1 where inserted)
            assert channel.writes
            expected = Quantity(1.0)
        assert get_dimensions(channel.parameters[density]) == get_dimensions(expected)


@pytest.mark.parametrize("name", sorted(set(ALL_MECHANISMS) - set(CHANNELS)))
def test_receptor_conductance_weight_and_block_units(name):
    receptor = ALL_MECHANISMS[name]
    assert isinstance(receptor, Receptor)
    eqs = Equations(receptor.equations)
    assert "v" not in get_identifiers(receptor.equations)
    assert eqs["g"].dim == siemens.dim
    assert get_dimensions(receptor.reversal) == volt.dim
    variables = {**_variables(receptor, eqs), "w": 1 * siemens}
    for line in receptor.on_pre.splitlines():
        var, _op, expr, _comment = parse_statement(line)
        check_dimensions(expr, eqs[var].dim, variables)
    check_dimensions(receptor.block, DIMENSIONLESS, variables)


@pytest.mark.parametrize("name", sorted(set(ALL_MECHANISMS) - set(CHANNELS)))
def test_receptor_block_is_differentiable_in_v(name):
    receptor = ALL_MECHANISMS[name]
    expr = str_to_sympy(receptor.block)
    symbols = {s.name: s for s in expr.free_symbols}
    derivative = sympy.diff(expr, symbols["v"]) if "v" in symbols else sympy.S.Zero
    assert not derivative.has(sympy.Derivative)
    # compare the symbolic derivative with a central difference of the numerical block (SI units)
    values = {s: float(_si(name_, receptor)) for name_, s in symbols.items() if name_ != "v"}
    slope = sympy.lambdify(symbols.get("v", sympy.Symbol("v")), derivative.subs(values), "numpy")
    for v_mV in (-70.0, -30.0, 0.0):
        h = 1e-3
        up, down = (evaluate("block", (v_mV + d) * mV, receptor) for d in (h, -h))
        numeric = float((up - down) / (2 * h * mV))  # per volt
        assert float(slope(v_mV * 1e-3)) == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def _si(name: str, receptor: Receptor):
    """SI value of a unit or parameter appearing in a block expression."""
    if name in receptor.block_parameters:
        return receptor.block_parameters[name]
    return DEFAULT_UNITS[name]


# --------------------------------------------------------------------------------------------------
# Receptor kinetics


def _response(receptor: Receptor, t: np.ndarray, w=1 * nS):
    """Conductance after one spike of weight `w` at t = 0, from the closed-form solution of the
    receptor's linear states (each decays exponentially from `w`)."""
    tau_r = receptor.parameters["tau_rise"]
    tau_d = receptor.parameters["tau_decay"]
    states = {"g_r": w * np.exp(-t / tau_r), "g_d": w * np.exp(-t / tau_d)}
    return evaluate("g", 0 * mV, receptor, **states)


@pytest.mark.parametrize("name", DOUBLE_EXPONENTIALS)
def test_spike_increments_both_states_by_the_weight(name):
    receptor = ALL_MECHANISMS[name]
    statements = {}
    for line in receptor.on_pre.splitlines():
        var, op, expr, _comment = parse_statement(line)
        statements[var] = (op, expr.strip())
    assert statements == {"g_r": ("+=", "w"), "g_d": ("+=", "w")}
    eqs = Equations(receptor.equations)
    assert eqs["g_r"].expr.code.replace(" ", "") == "-g_r/tau_rise"
    assert eqs["g_d"].expr.code.replace(" ", "") == "-g_d/tau_decay"


@pytest.mark.parametrize("name", DOUBLE_EXPONENTIALS)
def test_double_exponential_peaks_at_the_weight(name):
    assert len(DOUBLE_EXPONENTIALS) >= 3 + len(MG_BLOCKS)
    receptor = ALL_MECHANISMS[name]
    tau_r = float(receptor.parameters["tau_rise"] / ms)
    tau_d = float(receptor.parameters["tau_decay"] / ms)
    t_peak = tau_r * tau_d / (tau_d - tau_r) * math.log(tau_d / tau_r)
    step = 1e-4  # ms
    t = np.arange(0, 5 * t_peak, step) * ms
    g = np.asarray(_response(receptor, t, w=2.5 * nS) / (2.5 * nS))
    assert g.max() == pytest.approx(1.0, abs=1e-6)
    assert float(t[np.argmax(g)] / ms) == pytest.approx(t_peak, abs=step)
    assert g[0] == 0.0


@pytest.mark.parametrize(
    ("name", "tau_r", "tau_d"), [("ampa", 0.2, 2.0), ("nmda", 2.0, 80.0), ("gabaa", 0.5, 10.0)]
)
def test_normalisation_factor_in_closed_form(name, tau_r, tau_d):
    receptor = RECEPTORS[name]
    assert receptor.parameters["tau_rise"] == tau_r * ms
    assert receptor.parameters["tau_decay"] == tau_d * ms
    t_peak = tau_r * tau_d / (tau_d - tau_r) * math.log(tau_d / tau_r)
    factor = 1 / (math.exp(-t_peak / tau_d) - math.exp(-t_peak / tau_r))
    assert float(evaluate("t_peak", 0 * mV, receptor) / ms) == pytest.approx(t_peak, rel=1e-12)
    assert float(evaluate("factor", 0 * mV, receptor)) == pytest.approx(factor, rel=1e-12)
    # per-synapse time constants keep the peak normalised
    other = evaluate("factor", 0 * mV, receptor, tau_rise=1 * ms, tau_decay=3 * ms)
    t_other = 1.5 * math.log(3)
    assert float(other) == pytest.approx(
        1 / (math.exp(-t_other / 3) - math.exp(-t_other)), rel=1e-12
    )


def test_receptor_reversals():
    assert RECEPTORS["ampa"].reversal == 0 * mV
    assert RECEPTORS["nmda"].reversal == 0 * mV
    assert RECEPTORS["gabaa"].reversal == -70 * mV
    assert RECEPTORS["ampa"].block == "1"
    assert RECEPTORS["gabaa"].block == "1"


# --------------------------------------------------------------------------------------------------
# Look-up and evaluate's own checks


def test_get_mechanism_returns_known_mechanisms():
    for name, mechanism in {**CHANNELS, **RECEPTORS}.items():
        assert get_mechanism(name) is mechanism


def test_get_mechanism_suggests_the_closest_name():
    with pytest.raises(ParameterError, match="did you mean 'hh'") as info:
        get_mechanism("hhh")
    assert info.value.parameter == "mechanism"
    assert "unknown mechanism 'hhh'" in str(info.value)
    assert "Known: " in str(info.value)


def test_evaluate_checks_its_input():
    with pytest.raises(ParameterError, match="v"):
        evaluate("m", -65.0, hh)
    with pytest.raises(ParameterError, match="did you mean 'gnabar'"):
        evaluate("m", -65 * mV, hh, gnabr=1 * siemens / meter**2)
    with pytest.raises(ParameterError, match="gnabar"):
        evaluate("m", -65 * mV, hh, gnabar=1 * mV)
    with pytest.raises(ParameterError, match="unknown name 'x'"):
        evaluate("m + x", -65 * mV, hh)


def test_evaluate_broadcasts_and_keeps_units():
    v = np.array([-70.0, -60.0, -50.0]) * mV
    g_na = evaluate("gnabar*m**3*h", v, hh)
    assert g_na.shape == (3,)
    assert get_dimensions(g_na) == (siemens / meter**2).dim
    # a state given explicitly replaces its steady state
    np.testing.assert_allclose(evaluate("m", v, hh, m=0.5), 0.5)
    assert evaluate("gnabar", v, hh).shape == (3,)


def test_regular_spiking_channel_rates_are_those_of_pospischil_2008():
    """Rates of the RS cell (Pospischil et al. 2008, eqs. 2-5, table 1), written here in the
    paper's singular form at points away from the singularities, in 1/ms with V in mV."""
    from dendrites.mechanisms import pospischil_rs as rs

    V = np.array([-80.0, -60.0, -41.0, -20.0, 10.0])
    VT = -56.2
    x = V - VT
    paper = {
        "alpha_m": -0.32 * (x - 13) / (np.exp(-(x - 13) / 4) - 1),
        "beta_m": 0.28 * (x - 40) / (np.exp((x - 40) / 5) - 1),
        "alpha_h": 0.128 * np.exp(-(x - 17) / 18),
        "beta_h": 4 / (1 + np.exp(-(x - 40) / 5)),
        "alpha_n": -0.032 * (x - 15) / (np.exp(-(x - 15) / 5) - 1),
        "beta_n": 0.5 * np.exp(-(x - 10) / 40),
    }
    for name, expected in paper.items():
        got = np.asarray(evaluate(name, V * mV, rs) * ms)
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=name)
    # removable singularities (V - VT = 13, 40, 15 mV) evaluate to their limits
    assert float(evaluate("alpha_m", (VT + 13) * mV, rs) * ms) == pytest.approx(0.32 * 4)
    assert float(evaluate("beta_m", (VT + 40) * mV, rs) * ms) == pytest.approx(0.28 * 5)
    assert float(evaluate("alpha_n", (VT + 15) * mV, rs) * ms) == pytest.approx(0.032 * 5)
    # M current: half-activated at -35 mV, where tau_p = tau_max / 4.3
    assert float(evaluate("p_inf", -35 * mV, rs)) == pytest.approx(0.5)
    assert float(evaluate("tau_p", -35 * mV, rs) / ms) == pytest.approx(608 / 4.3)
    table1 = {"gnabar": 56, "gkbar": 6, "gmbar": 0.075}  # mS/cm2
    for name, value in table1.items():
        assert float(rs.parameters[name] / (msiemens / cm**2)) == pytest.approx(value)
