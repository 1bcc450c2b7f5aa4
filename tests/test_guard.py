"""No non-physical result passes silently (issue #20, parts 1-2): the state checks of every run
(`dendrites.guard`) and the time step checked against the model (`dendrites.timesteps`)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from brian2 import cm, ms, mV, nA, ohm, siemens, uF, um

from dendrites import Cell, Model, morphology, simulate
from dendrites.errors import DivergenceError, NonPhysicalStateError, ParameterError, TimeStepWarning
from dendrites.guard import GATE_TOLERANCE, V_LIMIT, state_bounds
from dendrites.mechanisms import Channel, Current, hh, nmda_kinetic, pospischil_rs
from dendrites.plan import Plan
from dendrites.stimuli import Step
from dendrites.timesteps import timescales

RI = 150 * ohm * cm
CM = 1 * uF / cm**2


def readme_cell() -> Cell:
    """The README's pyramidal cell with HH at the soma and the issue's 50 nA step."""
    morph = morphology.pyramidal().compartmentalize(Ri=RI, Cm=CM)
    cell = Cell(morph, Ri=RI, Cm=CM, v_init=-70 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    cell.insert("hh", where="soma")
    cell.add_current_clamp(0, Step(50 * nA, 0 * ms, 5 * ms))
    return cell


def small_cell() -> Cell:
    morph = morphology.ball_and_stick(length=200 * um, diameter=2 * um).with_n({"dend": 5})
    cell = Cell(morph, Ri=RI, Cm=CM, v_init=-65 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-65 * mV)
    return cell


#: A channel whose states leave their ranges at known times: the gate x grows at 1/ms from 0
#: (above 1 + tolerance after 1.001 ms), the concentration c falls at 1 mM/ms from 0.5 mM
#: (negative after 0.5 ms). No current: the membrane stays at rest.
RUNAWAY = Channel(
    name="runaway",
    equations="dx/dt = rate/ms : 1\ndc/dt = -drain*mM/ms : mmolar",
    currents=(Current("leak", "gbar*x", "E"),),
    parameters={"gbar": 0 * siemens / cm**2, "E": -65 * mV, "rate": 1.0, "drain": 1.0},
    densities=("gbar",),
    initial={"x": "0", "c": "0.5*mM"},
    reference="test mechanism",
)


# ------------------------------------------------------------------------------ the checks
def test_bounds_follow_the_convention_and_declarations():
    assert state_bounds(hh) == {s: (-GATE_TOLERANCE, 1 + GATE_TOLERANCE) for s in "mhn"}
    assert state_bounds(RUNAWAY)["c"] == (pytest.approx(-1e-6), None)  # concentrations >= 0
    assert set(state_bounds(nmda_kinetic)) == {
        "Cl", "O", "D1", "D2", "UMg", "ClMg", "OMg", "D1Mg", "D2Mg"
    }  # fmt: skip
    import dataclasses

    free = dataclasses.replace(RUNAWAY, bounds={"x": (None, None), "c": (0.1, 0.9)})
    bounds = state_bounds(free)
    assert "x" not in bounds  # removed
    assert bounds["c"] == (pytest.approx(0.1 - 1e-6), pytest.approx(0.9 + 1e-6))


def test_guard_code_covers_dense_and_sparse_states_and_receptors():
    cell = small_cell()
    cell.insert("hh", where="soma")  # sparse: checked through a flag summed from its group
    cell.insert(RUNAWAY, gbar=1e-9 * siemens / cm**2)  # everywhere: checked in the neuron
    cell.add_synapses("s", at=[("dend", 0.5)], receptors={"nmda_kinetic": 1e-9 * siemens},
                      spikes=[1] * ms)  # fmt: skip
    plan = Plan(cell, 5 * ms, 0.025 * ms, None, None, 0.5)
    guard = plan.guard
    labels = [c.label for c in guard.checks]
    assert labels[0] == "v" and {"x_runaway", "c_runaway"} <= set(labels)
    assert "hh" in guard.channel_flags and "m_pre" in guard.channel_flags["hh"]
    assert "nmda_kinetic" in guard.receptor_flags and "g_nmda_kinetic" in labels
    cond = guard.condition()
    assert cond.startswith(
        "(timestep(t, dt) + 1) % 4 == 0 and not (abs(v) <= 0.2*volt and "
    ) and cond.endswith("guard_t <= 0*second")
    assert "g_nmda_kinetic" not in cond  # non-finite conductances make v NaN in the same step
    off = Plan(cell, 5 * ms, 0.025 * ms, None, None, 0.5, check_states=False)
    assert off.guard is None and off.key != plan.key  # another build


def test_a_violation_names_the_time_the_place_and_the_last_sane_values():
    cell = small_cell()
    cell.insert("hh")
    plan = Plan(cell, 5 * ms, 0.025 * ms, None, None, 0.5)
    guard = plan.guard
    n = cell.n_compartments
    arrays = {name: np.zeros(n) for name in guard.recorded()}
    comp = 3  # a dendritic compartment, flagged first; compartment 0 later
    arrays["guard_t"][[comp, 0]] = [1.25e-3, 2e-3]
    arrays["guard_vlast"][comp] = -0.0123
    arrays["guard_x0"][:] = -0.065
    arrays["guard_x0"][comp] = np.nan
    m = next(k for k, c in enumerate(guard.checks) if c.label == "m_hh")
    arrays[f"guard_x{m}"][:] = 0.5
    arrays[f"guard_x{m}"][comp] = 1.7
    err = guard.violation(arrays, plan.morph, plan.dt)
    assert isinstance(err, NonPhysicalStateError) and isinstance(err, DivergenceError)
    assert err.compartment == comp and err.time == pytest.approx(1.25e-3)
    text = str(err)
    section = plan.morph.compartments.section[comp]
    assert "t = 1.25 ms" in text and f"compartment {comp} (section {section!r}, x = " in text
    assert "v = nan mV" in text and "m_hh = 1.7, outside [-0.001, 1.001]" in text
    # checked every 4 steps (0.1 ms at dt 25 us): the last sane values are the check's before
    assert (
        "Last sane values: v = -12.3 mV at t = 1.15 ms (the check before; checks every 0.1" in text
    )
    assert "1 other compartment(s)" in text and "check_states=False" in text
    arrays["guard_t"][:] = 0
    assert guard.violation(arrays, plan.morph, plan.dt) is None


# ------------------------------------------------------------------------------ runs
@pytest.mark.standalone
def test_the_readme_cell_diverging_at_dt_2ms_is_a_named_error_with_time_and_place():
    """Issue #20's first example: dt 2 ms returned +1,017 mV at the soma without a word. Now the
    dt check warns when the model is made (HH's m: 0.12 ms where it moves) and the run raises at
    the first step (t = 2 ms) at the soma, with the recordings before it kept."""
    with pytest.warns(TimeStepWarning, match=r"dt = 2 ms .* state 'm' of channel 'hh': 0\.12 ms"):
        model = Model(readme_cell(), 60 * ms, dt=2 * ms, record={"v": [0]})
    with pytest.raises(NonPhysicalStateError) as info:
        model.run()
    err = info.value
    text = str(err)
    assert err.compartment == 0 and err.time == pytest.approx(2e-3)
    assert "t = 2 ms in compartment 0 (section 'soma', x = 0.5" in text
    assert "outside +/-200 mV" in text and "Last sane values: v = -70 mV at t = 0 ms" in text
    assert err.dataset is not None and err.dataset.time.values.tolist() == [0.0]
    assert err.dataset.v.values[0, 0] == pytest.approx(-70)
    # the deliberate experiment: the check off, the run returns what it computed (measured:
    # +1,017 mV at the soma)
    with pytest.warns(TimeStepWarning):
        ds = simulate(readme_cell(), 60 * ms, dt=2 * ms, record={"v": [0]}, check_states=False)
    assert float(ds.v.max()) > 1000 * V_LIMIT


@pytest.mark.standalone
@pytest.mark.parametrize("where", [None, "soma"], ids=["dense", "sparse"])
def test_gates_and_concentrations_out_of_range_are_caught_at_their_step(where):
    """RUNAWAY's c goes negative after 0.5 ms (first check after that at 0.6 ms: checks every
    0.1 ms) and x leaves [0, 1] after 1.001 ms; dense (in the neuron) the value of the state is
    named, sparse (in a group at the soma) the state is named through the flag summed back into
    the neuron."""
    cell = small_cell()
    cell.insert(RUNAWAY, where=where, gbar=1e-9 * siemens / cm**2)
    with pytest.raises(NonPhysicalStateError) as info:
        simulate(cell, 3 * ms, record={"v": [0]})
    err = info.value
    assert err.time == pytest.approx(0.6e-3)
    if where is None:
        assert "c_runaway = -0.1 mM, outside [-1e-06, inf] mM" in str(err)
    else:
        assert err.compartment == 0 and "c_runaway outside [-1e-06, inf] mM" in str(err)
        assert "x_runaway" not in str(err)  # x leaves [0, 1] only after 1 ms
    assert err.dataset.time.values[-1] == pytest.approx(0.575)  # ms: kept up to that check


# ------------------------------------------------------------------------------ dt
@pytest.mark.parametrize("dt_ms", [0.5, 2.0])
def test_hh_at_a_long_step_warns_with_the_numbers(dt_ms):
    with pytest.warns(TimeStepWarning, match=r"0\.12 ms at -78 mV .* use dt <= 0\.12 ms"):
        Plan(readme_cell(), 60 * ms, dt_ms * ms, None, None, 0.5)


def test_the_packages_own_steps_do_not_warn():
    """HH (fastest where it moves: 0.120 ms) at 25 us, the RS cell (0.069 ms) at the 50 us of
    pyramidal_two_layer: no warning (warnings are errors in the tests)."""
    cell = small_cell()
    cell.insert("hh", where="soma")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Plan(cell, 10 * ms, 0.025 * ms, None, None, 0.5)
        rs = small_cell()
        rs.insert(pospischil_rs)
        Plan(rs, 10 * ms, 0.05 * ms, None, None, 0.5)
    found = {(t.channel, t.state): t.tau for t in timescales(rs)}
    assert found[("rs", "m")] == pytest.approx(0.0692e-3, rel=0.01)  # measured 0.0692 ms


def test_an_explicit_method_beyond_its_stability_bound_is_refused():
    """Forward Euler on HH's m: |rate| up to 1/(0.0357 ms) at -100 mV, bound 2 x 0.0357 ms."""
    import dataclasses

    euler_hh = dataclasses.replace(hh, name="hh_euler", method="euler", tables=None)
    cell = small_cell()
    cell.insert(euler_hh, where="soma")
    with pytest.raises(ParameterError, match=r"dt = 0\.1 ms exceeds the stability bound 0\.07"):
        Plan(cell, 10 * ms, 0.1 * ms, None, None, 0.5)
    plan = Plan(cell, 10 * ms, 0.025 * ms, None, None, 0.5)  # stable and accurate
    bound = min(t.max_stable_dt for t in plan.timescales)
    assert bound == pytest.approx(2 * 0.0357e-3, rel=0.01)


def test_a_fast_concentration_pool_warns():
    """A pool decaying with tau 0.01 ms, at dt 0.025 ms: its decay is not resolved."""
    pool = Channel(
        name="pool",
        equations="dcp/dt = (0.1*mM - cp)/tau : mmolar",
        currents=(Current("none", "gbar", "E"),),
        parameters={"gbar": 0 * siemens / cm**2, "E": 0 * mV, "tau": 0.01 * ms},
        densities=("gbar",),
        initial={"cp": "0.1*mM"},
    )
    cell = small_cell()
    cell.insert(pool, gbar=1e-9 * siemens / cm**2)
    with pytest.warns(TimeStepWarning, match=r"state 'cp' of channel 'pool': 0\.01 ms"):
        Plan(cell, 1 * ms, 0.025 * ms, None, None, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Plan(cell, 1 * ms, 0.005 * ms, None, None, 0.5)
