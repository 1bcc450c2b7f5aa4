"""The kinetic NMDA receptor (NMDA_Mg_T.mod scheme) and the alpha AMPA receptor.

The reference solution integrates the published 10-state scheme with SciPy (``solve_ivp``, all ten
states, written here from the list of transitions of the NEURON file, independently of the
package's equations). Published numbers: targets.md (peak open probability 0.215 at ~14 ms without
Mg after 1 mM glutamate for 1 ms; ~89 % Mg-bound at rest; 11-40 ms Mg unbinding), Kampa et al.
(2004, J Physiol 556:337: fast Mg unblock ~100 us), Jahr & Stevens (1990, J Neurosci 10:3178:
half block at -20.5 mV in 1 mM Mg).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from brian2 import Equations
from brian2.core.functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS
from brian2.core.namespace import DEFAULT_UNITS
from brian2.equations.equations import DIFFERENTIAL_EQUATION, SUBEXPRESSION
from brian2.equations.unitcheck import check_dimensions
from brian2.parsing.sympytools import str_to_sympy
from brian2.units import cm, mM, ms, mV, nS, ohm, second, siemens, uF, volt
from brian2.units.fundamentalunits import Quantity, get_dimensions
from scipy.integrate import solve_ivp

from dendrites import Cell, Model
from dendrites.mechanisms import (
    KINETIC_NMDA_RATES,
    ampa_alpha,
    evaluate,
    nmda,
    nmda_kinetic,
    nmda_kinetic_receptor,
)
from dendrites.morphology import Morphology, Section

# ------------------------------------------------------------------------------ the reference
#: NMDA_Mg_T.mod, in /ms and /mM/ms (the file gives binding rates per uM: 10e-3 /uM/ms = 10 /mM/ms)
PUBLISHED = {
    "Rb": 10.0,
    "Ru": 0.02016,
    "Ro": 0.0465,
    "Rc": 0.0916,
    "Rd1": 0.02266,
    "Rr1": 0.00736,
    "Rd2": 0.004429,
    "Rr2": 0.0023,
    "RbMg": 10.0,
    "RuMg": 0.06156,
    "RoMg": 0.0465,
    "RcMg": 0.0916,
    "Rd1Mg": 0.02163,
    "Rr1Mg": 0.004002,
    "Rd2Mg": 0.002678,
    "Rr2Mg": 0.001932,
    "Rmb": 0.05,
    "Rmu": 12.8,
    "Rcb": 5e-5,
    "Rcu": 0.06,
}
STATES = ["U", "Cl", "D1", "D2", "O", "UMg", "ClMg", "D1Mg", "D2Mg", "OMg"]


def _mg_rates(v_mV, mg_mM):
    """(open block, open unblock, closed block, closed unblock) in /ms: valence -2, 80 % of the
    field, 25 mV, as in the file: exp((v - 40)*-2*0.8/25) and exp(-(v - 40)*-2*0.2/25)."""
    bind = math.exp((v_mV - 40) * -2 * 0.8 / 25)
    unbind = math.exp(-(v_mV - 40) * -2 * 0.2 / 25)
    p = PUBLISHED
    return p["Rmb"] * mg_mM * bind, p["Rmu"] * unbind, p["Rcb"] * mg_mM * bind, p["Rcu"] * unbind


def _transitions(v_mV, mg_mM, glu_mM):
    p = PUBLISHED
    rmb, rmu, rcb, rcu = _mg_rates(v_mV, mg_mM)
    return [
        ("U", "Cl", p["Rb"] * glu_mM, p["Ru"]),
        ("Cl", "O", p["Ro"], p["Rc"]),
        ("Cl", "D1", p["Rd1"], p["Rr1"]),
        ("D1", "D2", p["Rd2"], p["Rr2"]),
        ("O", "OMg", rmb, rmu),
        ("UMg", "ClMg", p["RbMg"] * glu_mM, p["RuMg"]),
        ("ClMg", "OMg", p["RoMg"], p["RcMg"]),
        ("ClMg", "D1Mg", p["Rd1Mg"], p["Rr1Mg"]),
        ("D1Mg", "D2Mg", p["Rd2Mg"], p["Rr2Mg"]),
        ("U", "UMg", rcb, rcu),
        ("Cl", "ClMg", rcb, rcu),
        ("D1", "D1Mg", rcb, rcu),
        ("D2", "D2Mg", rcb, rcu),
    ]


def _rhs(v_mV, mg_mM, glu_mM):
    index = {s: k for k, s in enumerate(STATES)}
    trans = [(index[a], index[b], kf, kb) for a, b, kf, kb in _transitions(v_mV, mg_mM, glu_mM)]

    def rhs(_t, y):
        dy = np.zeros_like(y)
        for a, b, kf, kb in trans:
            flux = kf * y[a] - kb * y[b]
            dy[a] -= flux
            dy[b] += flux
        return dy

    return rhs


def _resting(v_mV, mg_mM):
    *_, rcb, rcu = _mg_rates(v_mV, mg_mM)
    y = np.zeros(len(STATES))
    y[STATES.index("UMg")] = rcb / (rcb + rcu) if mg_mM > 0 else 0.0
    y[STATES.index("U")] = 1 - y[STATES.index("UMg")]
    return y


def reference(v_mV, mg_mM, t_release=0.0, t_end=60.0, step=0.025, v_before=None):
    """States on a time grid (ms) after a 1 mM, 1 ms pulse at `t_release`, v held at `v_mV` from
    t = 0 (equilibrated at `v_before`, default `v_mV`)."""
    y = _resting(v_mV if v_before is None else v_before, mg_mM)
    grid = np.arange(0.0, t_end + step / 2, step)
    pieces = [(0.0, t_release, 0.0), (t_release, t_release + 1.0, 1.0), (t_release + 1.0, t_end, 0)]
    out = np.empty((len(grid), len(STATES)))
    for a, b, glu in pieces:
        a, b = min(a, t_end), min(b, t_end)
        if b <= a:
            continue
        inside = (grid >= a - 1e-9) & (grid <= b + 1e-9)
        sol = solve_ivp(
            _rhs(v_mV, mg_mM, glu),
            (a, b),
            y,
            method="LSODA",
            t_eval=grid[inside],
            rtol=1e-10,
            atol=1e-13,
        )
        out[inside] = sol.y.T
        y = sol.y[:, -1]
    return grid, out


# ------------------------------------------------------------------------------ formulas
def test_rate_constants_have_published_values_and_units():
    per_mM_ms = get_dimensions(1 / (mM * ms))
    for name, value in PUBLISHED.items():
        q = nmda_kinetic.parameters[name]
        binding = name in ("Rb", "RbMg", "Rmb", "Rcb")
        assert get_dimensions(q) == (per_mM_ms if binding else get_dimensions(1 / ms)), name
        unit = 1 / (mM * ms) if binding else 1 / ms
        assert float(q / unit) == pytest.approx(value, rel=1e-12), name
    assert set(KINETIC_NMDA_RATES) == set(PUBLISHED)
    assert nmda_kinetic.reversal == 5 * mV  # Erev of the file
    assert nmda_kinetic.parameters["Mg"] == 1 * mM
    assert nmda_kinetic.parameters["C_max"] == 1 * mM
    assert nmda_kinetic.parameters["T_dur"] == 1 * ms
    assert nmda_kinetic.method == "rk4"
    assert nmda_kinetic.block == "1"
    # voltage-dependent rates at a potential, against the file's formulas
    for v_mV in (-75.0, -40.0, 0.0, 40.0):
        expected = _mg_rates(v_mV, 1.0)
        for rate, value in zip(("rmb", "rmu", "rcb", "rcu"), expected, strict=True):
            got = float(evaluate(rate, v_mV * mV, nmda_kinetic) * ms)
            assert got == pytest.approx(value, rel=1e-12), (rate, v_mV)


def _sympy_rhs(receptor, glu_value):
    """The package's nine derivatives as sympy expressions of the states, with ``glu`` fixed."""
    eqs = Equations(receptor.equations)
    subs = {}
    for eq in eqs.ordered:
        if eq.type == SUBEXPRESSION and eq.varname != "glu":
            subs[eq.varname] = str_to_sympy(eq.expr.code)
    out = {}
    for eq in eqs.ordered:
        if eq.type != DIFFERENTIAL_EQUATION:
            continue
        expr = str_to_sympy(eq.expr.code)
        for _ in range(4):  # subexpressions of subexpressions
            expr = _subs_by_name(expr, subs)
        out[eq.varname] = _subs_by_name(expr, {"glu": glu_value})
    return out


def _subs_by_name(expr, values: dict):
    """Substitute symbols by name (Brian2's sympy symbols carry assumptions)."""
    return expr.subs({s: values[s.name] for s in expr.free_symbols if s.name in values})


@pytest.mark.parametrize(("v_mV", "glu_mM"), [(-75.0, 0.0), (-30.0, 1.0), (20.0, 1.0)])
def test_equations_are_the_published_scheme_and_conserve_probability(v_mV, glu_mM):
    """The package's equations give the reference scheme's derivatives for random occupancies
    (U = 1 - the others, so the ten occupancies always sum to one)."""
    rhs = _sympy_rhs(nmda_kinetic, glu_mM)  # SI: mM is mol/m3, the same number
    rng = np.random.default_rng(1)
    y = rng.dirichlet(np.ones(len(STATES)))
    values = {s: y[k] for k, s in enumerate(STATES) if s != "U"}
    values["v_post"] = v_mV * 1e-3
    values["mV"] = 1e-3
    for name, q in nmda_kinetic.parameters.items():
        values[name] = float(q)  # SI: mM is mol/m3, the same number
    expected = _rhs(v_mV, 1.0, glu_mM)(0.0, y)  # per ms
    assert set(rhs) == set(STATES) - {"U"}
    for state, expr in rhs.items():
        got = float(_subs_by_name(expr, values)) * 1e-3  # per second -> per ms
        assert got == pytest.approx(expected[STATES.index(state)], rel=1e-9, abs=1e-12), state
    assert float(np.sum(expected)) == pytest.approx(0.0, abs=1e-12)


def test_equations_have_consistent_dimensions():
    for receptor in (nmda_kinetic, ampa_alpha):
        eqs = Equations(receptor.equations)
        variables = {**DEFAULT_UNITS, **DEFAULT_CONSTANTS, **DEFAULT_FUNCTIONS}
        variables.update(receptor.parameters)
        variables.update({eq.varname: Quantity(1, dim=eq.dim) for eq in eqs.values()})
        variables.update({"v_post": 1 * volt, "t": 1 * second, "dt": 1 * second, "w": 1 * siemens})
        for eq in eqs.ordered:
            if eq.type == SUBEXPRESSION:
                check_dimensions(eq.expr.code, eq.dim, variables)
            elif eq.type == DIFFERENTIAL_EQUATION:
                check_dimensions(eq.expr.code, eq.dim / second.dim, variables)
        for state, expression in receptor.initial.items():
            check_dimensions(expression, eqs[state].dim, variables)
        assert eqs["g"].dim == siemens.dim
        assert "v" not in eqs.identifiers
        assert set(receptor.initial) <= set(eqs.diff_eq_names) | set(eqs.parameter_names)


def test_resting_state_is_mostly_mg_bound():
    """At rest (-75 mV, the study's resting potential) 89 % of receptors are unbound and
    Mg-bound: the initial ``UMg`` is the closed-state binding equilibrium."""
    umg = float(evaluate("UMg", -75 * mV, nmda_kinetic))
    *_, rcb, rcu = _mg_rates(-75.0, 1.0)
    assert umg == pytest.approx(rcb / (rcb + rcu), rel=1e-12)
    assert umg == pytest.approx(0.89, abs=0.005)
    assert float(evaluate("UMg", -75 * mV, nmda_kinetic_receptor(mg=0 * mM))) == 0.0


def test_open_probability_without_mg_peaks_at_published_value():
    t, y = reference(-75.0, 0.0, t_end=60.0)
    o = y[:, STATES.index("O")]
    k = int(np.argmax(o))
    print(f"\nMg-free peak open probability {o[k]:.4f} at {t[k]:.2f} ms")
    assert o[k] == pytest.approx(0.215, abs=0.001)
    assert t[k] == pytest.approx(14.0, abs=1.0)
    assert np.allclose(y.sum(axis=1), 1.0, atol=1e-9)  # the reference conserves probability


def test_mg_unbinding_time_constant_remembers_voltage():
    """Mg leaves the closed receptor with a time constant of 11 ms at -75 mV and 40 ms at -40 mV
    (targets.md: 11-40 ms), and the open channel unblocks within ~0.1 ms at +40 mV (Kampa et al.
    2004: fast component ~100 us). Checked on the reference by relaxation after a voltage step."""
    taus = {}
    for v_mV in (-75.0, -40.0):
        t, y = reference(v_mV, 1.0, t_release=150.0, t_end=150.0, v_before=0.0)  # no glutamate
        umg = y[:, STATES.index("UMg")]
        *_, rcb, rcu = _mg_rates(v_mV, 1.0)
        dist = np.abs(umg - rcb / (rcb + rcu))  # distance from the new equilibrium
        fit = (dist > 1e-3 * dist[0]) & (t > 1.0)
        taus[v_mV] = -1 / np.polyfit(t[fit], np.log(dist[fit]), 1)[0]
        assert taus[v_mV] == pytest.approx(1 / (rcb + rcu), rel=1e-3)
    print(f"\nMg unbinding time constants: {taus}")
    assert taus[-75.0] == pytest.approx(11.3, abs=0.5)
    assert taus[-40.0] == pytest.approx(40.0, abs=1.0)
    rmb, rmu, *_ = _mg_rates(40.0, 1.0)
    assert 1e3 / (rmb + rmu) == pytest.approx(100.0, rel=0.5)  # us


def test_steady_state_open_channel_block_against_jahr_stevens():
    """Steady-state fraction of open channels not blocked, rmu/(rmb + rmu) = 1/(1 + [Mg]/K(v)),
    K(v) = 10.4 mM exp(v/12.5 mV): a Woodhull block (zδ = 1.6). Published Jahr & Stevens (1990)
    curve at 1 mM: half block at -20.5 mV, slope 0.062/mV. The kinetic block is half-maximal at
    -29 mV and steeper; the two differ by at most 0.17 between -80 and +20 mV."""
    v = np.arange(-80.0, 20.1, 5.0)
    kinetic = np.array([(lambda r: r[1] / (r[0] + r[1]))(_mg_rates(x, 1.0)) for x in v])
    js = np.asarray(evaluate("block", v * mV, nmda))
    half_k = float(np.interp(0.5, kinetic, v))
    half_js = float(np.interp(0.5, js, v))
    print(f"\nhalf block: kinetic {half_k:.1f} mV, Jahr-Stevens {half_js:.1f} mV")
    print("max |kinetic - JS| =", float(np.max(np.abs(kinetic - js))))
    assert half_js == pytest.approx(-20.5, abs=0.2)
    assert half_k == pytest.approx(-29.3, abs=0.5)
    assert np.max(np.abs(kinetic - js)) < 0.2
    k0 = PUBLISHED["Rmu"] / PUBLISHED["Rmb"] * math.exp(-40 * 0.08)
    assert k0 == pytest.approx(10.4, abs=0.05)  # mM


# ------------------------------------------------------------------------------ through Brian2
def _clamped_cell(v_hold, v_start, spike_ms):
    """One compartment held at `v_hold` by an enormous leak (10 S/cm2: a 1 nS synapse moves it by
    < 1 uV), starting at `v_start` (the receptors' initial states follow `v_start`)."""
    morph = Morphology([Section("soma", "soma", None, np.array([[0.0, 0.0, 0.0, 20.0]]), 1)])
    cell = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=v_start * mV)
    cell.insert("pas", g=10 * siemens / cm**2, E=v_hold * mV)
    cell.add_synapses(
        "s",
        at=[0],
        receptors=[
            (nmda_kinetic_receptor("nmda_k0", mg=0 * mM), 1 * nS),
            (nmda_kinetic_receptor("nmda_k1"), 1 * nS),
            (ampa_alpha, 1 * nS),
        ],
        spikes=[spike_ms] * ms,
    )
    return cell


@pytest.mark.standalone
def test_conductance_through_the_package_matches_the_reference():
    """A voltage-held compartment: the kinetic conductance (1 nS weight, so g in nS = O) without
    and with Mg matches the SciPy solution; starting at -75 mV and holding at -40 mV, a pulse 15 ms
    later opens fewer channels than at equilibrium (Mg still bound: the receptor remembers the
    voltage) by the amount the reference predicts. The recorded summed conductance at sample t is
    the one used for the step ending at t (g(t - dt)): compared one sample shifted."""
    t_rel, dur = 5.0, 60.0
    cell = _clamped_cell(-40.0, -40.0, t_rel)
    model = Model(
        cell, dur * ms, record={"v": 0, "g_nmda_k0": 0, "g_nmda_k1": 0, "g_ampa_alpha": 0}
    )
    ds = model.run(cell)
    assert np.ptp(ds.v.values) < 1e-3  # mV: clamped
    t = ds.time.values
    for var, mg in (("g_nmda_k0", 0.0), ("g_nmda_k1", 1.0)):
        g = ds[var].sel(compartment=0).values  # nS
        tr, yr = reference(-40.0, mg, t_release=t_rel, t_end=dur)
        o = np.interp(t, tr, yr[:, STATES.index("O")])
        err = np.max(np.abs(g[1:] - o[:-1])) / o.max()
        print(f"\n{var}: peak {g.max():.5f} nS, reference {o.max():.5f}, max error {err:.1e}")
        assert err < 1e-3
    ga = ds["g_ampa_alpha"].sel(compartment=0).values
    assert ga.max() == pytest.approx(1.0, rel=1e-9)  # peak-normalised alpha
    assert t[np.argmax(ga)] - ds.attrs["dt_ms"] == pytest.approx(t_rel + 2.0, abs=1e-9)

    # voltage memory: equilibrated at -75 mV, held at -40 mV from t = 0, glutamate at 15 ms
    t_mem = 15.0
    moved = _clamped_cell(-40.0, -75.0, t_mem)
    g = model.run(moved)["g_nmda_k1"].sel(compartment=0).values
    tr, yr = reference(-40.0, 1.0, t_release=t_mem, t_end=dur, v_before=-75.0)
    o = np.interp(t, tr, yr[:, STATES.index("O")])
    _, settled = reference(-40.0, 1.0, t_release=t_mem, t_end=dur)
    memory = o.max() / settled[:, STATES.index("O")].max()
    print(f"peak after 15 ms at -40 mV from -75 mV: {memory:.3f} of the equilibrated peak")
    assert np.max(np.abs(g[1:] - o[:-1])) / o.max() < 1e-3
    assert memory < 0.97


# ------------------------------------------------------------------------------ the dt bound
@pytest.mark.slow
@pytest.mark.standalone
def test_the_declared_dt_bound_separates_stable_from_unstable_steps():
    """The bound that Model enforces (13.46 us at -90 mV, 1 mM Mg) is where rk4 really breaks:
    with the check switched off, a compartment held at -90 mV keeps the open probability in
    [0, 1] at dt 12.5 us, while at 15 us (11 % above the bound) the open-state/Mg-block mode grows
    at every step and O (g/w) leaves [0, 1] within 20 ms (measured: 248): a
    NonPhysicalStateError, or with the state checks off too, the runaway itself."""
    import dataclasses

    from dendrites.errors import ParameterError

    receptor = nmda_kinetic_receptor()
    unchecked = dataclasses.replace(receptor, max_dt=None)
    bound = float(receptor.max_dt(receptor, -90 * mV, 5 * mV) / ms)
    assert 0.0125 < bound < 0.015

    def cell(rec):
        morph = Morphology([Section("soma", "soma", None, np.array([[0.0, 0.0, 0.0, 20.0]]), 1)])
        c = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-90 * mV)
        c.insert("pas", g=1 * siemens / cm**2, E=-90 * mV)
        c.add_synapses("s", at=[0], receptors=[(rec, 1 * nS)], spikes=[2] * ms)
        return c

    with pytest.raises(ParameterError, match=r"dt = 15 us exceeds the stability bound 13\.46 us"):
        Model(cell(receptor), 20 * ms, dt=0.015 * ms)
    record = {"v": 0, "g_nmda_kinetic": 0}
    stable = Model(cell(unchecked), 20 * ms, dt=0.0125 * ms, record=record).run()
    # the state checks catch the runaway where it starts (dendrites.guard), the first time
    # the receptor's states leave [0, 1]; switched off, the run returns it
    from dendrites.errors import NonPhysicalStateError

    with pytest.raises(NonPhysicalStateError, match="states of receptor nmda_kinetic"):
        Model(cell(unchecked), 20 * ms, dt=0.015 * ms, record=record).run()
    unstable = Model(
        cell(unchecked), 20 * ms, dt=0.015 * ms, record=record, check_states=False
    ).run()
    g_stable = stable.g_nmda_kinetic.values  # nS, = O with w = 1 nS
    g_unstable = unstable.g_nmda_kinetic.values
    peaks = np.abs(g_stable).max(), np.abs(g_unstable).max()
    print(f"\nmax |O|: {peaks[0]:.3g} at dt 12.5 us, {peaks[1]:.3g} at 15 us")
    assert np.all(np.isfinite(g_stable)) and g_stable.min() >= -1e-9 and g_stable.max() < 0.01
    assert np.nanmax(np.abs(g_unstable)) > 10
