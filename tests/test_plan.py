"""The plan of a build and the values of a run (dendrites.plan), without building anything.

Pure Python: no test here creates a Brian2 group or compiles (they run in well under a second
each, apart from the first import of Brian2).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from brian2 import Hz, cm, mM, ms, mV, nA, nS, ohm, siemens, uF, um

from dendrites import Cell, Model, morphology
from dendrites.errors import ParameterError, SpikeMergeWarning
from dendrites.mechanisms import ampa, nmda_kinetic
from dendrites.mechanisms.kinetic_nmda import (
    nmda_kinetic_max_dt,
    nmda_kinetic_rate_matrix,
    nmda_kinetic_receptor,
)
from dendrites.mechanisms.stability import max_stable_step, stability_radius
from dendrites.plan import BITS_PER_COLUMN, Plan, values, voltage_range
from dendrites.stimuli import Step

DT = 0.025 * ms


def _cell(n_dend=11, rest=-65.0) -> Cell:
    morph = morphology.ball_and_stick(length=300 * um, diameter=2 * um).with_n({"dend": n_dend})
    cell = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=rest * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=rest * mV)
    return cell


def _plan(cell, dt=DT, **kw) -> Plan:
    return Plan(cell, 20 * ms, dt, kw.pop("record", None), None, 0.5, **kw)


# ------------------------------------------------------------------------------ structure key
def test_key_follows_structure_not_values():
    a = _cell()
    a.add_synapses("s", at=[("dend", 0.5)], receptors={"ampa": 1 * nS}, spikes=[5] * ms)
    b = _cell()
    b.set_cm(2 * uF / cm**2, where="dend")  # a value
    b.add_synapses("s", at=[("dend", 0.5)], receptors={"ampa": 3 * nS}, spikes=[7, 9] * ms)
    moved = _cell()
    moved.add_synapses("s", at=[("dend", 0.9)], receptors={"ampa": 1 * nS}, spikes=[5] * ms)
    assert _plan(a).key == _plan(b).key
    assert _plan(a).key != _plan(moved).key  # another site
    assert _plan(a).key != _plan(a, dt=0.05 * ms).key  # another dt
    assert _plan(a).key != _plan(a, record={"v": "all"}).key


def test_values_are_si_arrays_of_the_cell():
    cell = _cell()
    cell.set_cm(2 * uF / cm**2, where="dend")
    cell.add_synapses("s", at=[("dend", 0.5), 0], receptors={"ampa": [1, 2] * nS}, spikes=[5] * ms)
    plan = _plan(cell)
    vals = values(cell, plan)
    np.testing.assert_allclose(vals[("neuron", "Cm")][1:], 0.02)  # F/m2
    assert vals[("neuron", "Cm")][0] == pytest.approx(0.01)
    np.testing.assert_allclose(vals[("neuron", "v0")], -0.065)
    np.testing.assert_allclose(vals[("syn_ampa", "w")], [1e-9, 2e-9])
    assert vals[("neuron", "E_ampa")] == pytest.approx(0.0)


def test_spike_table_holds_one_bit_per_source_and_step():
    """Trains of 60 sources (two columns of 52 bits) decode back to their steps."""
    cell = _cell()
    n = 60
    rng = np.random.default_rng(1)
    trains = [np.unique(rng.integers(0, 800, 5)) * 0.025 for _ in range(n)]
    cell.add_synapses(
        "s",
        at=[int(k % 11) + 1 for k in range(n)],
        receptors={"ampa": 1 * nS},
        spikes=[t * ms for t in trains],
    )
    plan = _plan(cell)
    table = values(cell, plan)[("spike_ta", "values")].astype(np.int64)
    assert table.shape == (plan.n_steps + 1, 2)
    for k, train in enumerate(trains):
        col, bit = divmod(k, BITS_PER_COLUMN)
        steps = np.flatnonzero((table[:, col] >> bit) & 1)
        np.testing.assert_array_equal(steps, np.round(train / 0.025).astype(int))


# ------------------------------------------------------------------------------ same-step spikes
def test_two_spikes_of_one_source_in_one_step_warn_with_group_source_and_time():
    cell = _cell()
    cell.add_synapses("other", at=[("dend", 0.1)], receptors={"ampa": 1 * nS}, spikes=[1] * ms)
    cell.add_synapses(
        "pathway",
        at=[("dend", 0.2), ("dend", 0.7)],
        receptors={"ampa": 1 * nS},
        spikes=[[2.0, 6.0] * ms, [3.0, 12.51, 12.5, 15.0] * ms],  # 12.51 ms rounds to 12.5 ms
    )
    plan = _plan(cell)
    with pytest.warns(SpikeMergeWarning) as caught:
        vals = values(cell, plan)
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "'pathway'" in text
    assert "source 2" in text  # sources are numbered over the groups: 'other' has source 0
    assert "site 1" in text
    assert "12.5000 ms" in text
    # delivered as one event: one bit at that step
    col = vals[("spike_ta", "values")][:, 0].astype(np.int64)
    assert (col[500] >> 2) & 1 == 1
    assert np.count_nonzero((col >> 2) & 1) == 3


def test_drawn_poisson_trains_merge_without_warning_and_are_counted():
    from dendrites.plan import merged_spikes

    cell = _cell()
    # 2 kHz for 1 s at dt 25 us: lambda = r dt = 0.05 per step, so each of the 40,000 steps loses
    # lambda - (1 - exp(-lambda)) ~ 0.00123 spikes: ~49 per site, ~98 for two (sd ~10)
    cell.add_synapses(
        "drive", at=[0, 1], receptors={"ampa": 1 * nS}, rate=2000 * Hz, stop=1000 * ms, seed=3
    )
    plan = Plan(cell, 1000 * ms, DT, None, None, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpikeMergeWarning)
        table = values(cell, plan)[("spike_ta", "values")].astype(np.int64)
    expected = 0
    for k, train in enumerate(cell.synapses["drive"].spikes):
        steps = np.round(train / plan.dt).astype(int)
        expected += len(steps) - len(np.unique(steps))
        assert np.count_nonzero((table[:, 0] >> k) & 1) == len(np.unique(steps))
    assert merged_spikes(cell, plan) == expected
    assert 60 < expected < 140


def test_spikes_one_step_apart_do_not_warn():
    cell = _cell()
    cell.add_synapses("s", at=[0], receptors={"ampa": 1 * nS}, spikes=[5.0, 5.025, 5.05] * ms)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpikeMergeWarning)
        values(cell, _plan(cell))


# ------------------------------------------------------------------------------ stability bound
def test_stability_limits_of_explicit_methods():
    """Textbook limits on the negative real axis: Euler and rk2 2, rk4 2.785; rk4 reaches
    2*sqrt(2) on the imaginary axis, where forward Euler is never stable."""
    assert max_stable_step([-1.0], "euler") == pytest.approx(2.0, rel=1e-9)
    assert max_stable_step([-1.0], "rk2") == pytest.approx(2.0, rel=1e-9)
    assert max_stable_step([-1.0], "rk4") == pytest.approx(2.785293563, rel=1e-8)
    assert stability_radius([1j], "rk4")[0] == pytest.approx(2 * np.sqrt(2), rel=1e-8)
    assert stability_radius([1j], "euler")[0] < 1e-5
    assert max_stable_step([-4.0, -0.5, 0.0], "euler") == pytest.approx(0.5, rel=1e-9)
    with pytest.raises(ParameterError, match="method"):
        max_stable_step([-1.0], "exponential_euler")


def test_kinetic_nmda_rate_matrix_is_the_jacobian_of_its_equations():
    """The matrix behind the bound equals the Jacobian of the receptor's own equations (evaluated
    with dendrites.mechanisms.evaluate at unit states), with and without glutamate."""
    from dendrites.mechanisms import evaluate
    from dendrites.mechanisms.kinetic_nmda import KINETIC_STATES

    rhs = {
        "Cl": "f_b - f_o - f_d1 - f_mCl",
        "O": "f_o - f_mO",
        "D1": "f_d1 - f_d2 - f_mD1",
        "D2": "f_d2 - f_mD2",
        "UMg": "f_mU - f_bMg",
        "ClMg": "f_bMg - f_oMg - f_d1Mg + f_mCl",
        "OMg": "f_oMg + f_mO",
        "D1Mg": "f_d1Mg - f_d2Mg + f_mD1",
        "D2Mg": "f_d2Mg + f_mD2",
    }
    n = len(KINETIC_STATES)
    # column 0: all states zero (U = 1); column 1 + j: state j = 1 (U = 0)
    unit = np.hstack([np.zeros((n, 1)), np.eye(n)])
    states = {s: unit[k][None, :] for k, s in enumerate(KINETIC_STATES)}
    v = np.array([[-90.0], [-40.0], [30.0]]) * mV
    for glu in (0 * mM, 1 * mM):
        f = np.stack(
            [
                np.asarray(evaluate(rhs[s], v, nmda_kinetic, glu=glu, **states))
                for s in KINETIC_STATES
            ],
            axis=-2,
        )  # (voltage, equation, column)
        q = nmda_kinetic_rate_matrix(nmda_kinetic.parameters, v[:, 0], glu)
        # d(state i)/dt with only state j occupied = Q[i, j] - Q[i, U]... with U = 1 - sum
        jac = f[:, :, 1:] - f[:, :, :1]
        expected = q[:, 1:, 1:] - q[:, 1:, :1]
        np.testing.assert_allclose(jac, expected, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(f[:, :, 0], q[:, 1:, 0], rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(q.sum(axis=-2), 0.0, atol=1e-6)  # probability conserved


def test_kinetic_nmda_bound_at_its_parameters():
    """rk4 bound of the scheme: ~2.785/(rmb + rmu): 34.5 us at -75 mV, 25.3 us at -80 mV, 7.13 us
    at -100 mV (1 mM Mg); without Mg the block rates vanish and the bound is far above 25 us."""
    rec = nmda_kinetic
    bound = {
        v: float(nmda_kinetic_max_dt(rec, v * mV, 50 * mV) / ms) * 1e3 for v in (-75, -80, -100)
    }
    assert bound[-75] == pytest.approx(34.51, abs=0.05)
    assert bound[-80] == pytest.approx(25.28, abs=0.05)
    assert bound[-100] == pytest.approx(7.129, abs=0.01)
    mg_free = nmda_kinetic_receptor(mg=0 * mM)
    assert float(nmda_kinetic_max_dt(mg_free, -100 * mV, 50 * mV) / ms) > 0.1


def _kinetic_cell(rest: float, receptor=nmda_kinetic) -> Cell:
    cell = _cell(rest=rest)
    cell.add_synapses("s", at=[("dend", 0.5)], receptors=[(receptor, 1 * nS)], spikes=[5] * ms)
    return cell


def test_model_refuses_a_dt_above_the_kinetic_nmda_bound():
    """A cell resting at -90 mV: the bound is 13.5 us, so dt 25 us is refused when the Model is
    made (nothing built), naming dt and the bound; dt 10 us is accepted, and so is 25 us at
    -75 mV or without Mg."""
    cell = _kinetic_cell(-90.0)
    with pytest.raises(ParameterError) as info:
        Model(cell, 20 * ms, dt=DT)
    assert info.value.parameter == "dt"
    text = str(info.value)
    assert "dt = 25 us" in text
    assert "13.46 us" in text
    assert "'nmda_kinetic'" in text
    assert "from -90 to 5 mV" in text
    Model(cell, 20 * ms, dt=0.01 * ms)
    Model(_kinetic_cell(-75.0), 20 * ms, dt=DT)
    Model(_kinetic_cell(-90.0, nmda_kinetic_receptor(mg=0 * mM)), 20 * ms, dt=DT)


def test_run_with_a_cell_that_reaches_lower_potentials_is_refused():
    """The check is repeated for every cell run on a model: another cell of the same structure
    with a lower reversal potential is refused."""
    model = Model(_kinetic_cell(-75.0), 20 * ms, dt=DT)
    colder = _kinetic_cell(-75.0)
    colder.insert("pas", g=1e-4 * siemens / cm**2, E=-95 * mV)
    with pytest.raises(ParameterError, match="dt = 25 us exceeds"):
        model.run(colder)


def test_voltage_range_is_the_hull_of_rest_and_reversal_potentials():
    cell = _cell(rest=-70.0)
    cell.add_synapses("s", at=[0], receptors={"ampa": 1 * nS}, spikes=[5] * ms)
    times = np.arange(0, 0.02, 25e-6)
    assert voltage_range(cell, times) == pytest.approx((-0.070, 0.0))
    cell.insert("hh", where="soma")  # E_K -77 mV, E_Na +50 mV
    low, high = voltage_range(cell, times)
    assert low == pytest.approx(-0.077, abs=1e-3)
    assert high == pytest.approx(0.050, abs=1e-3)
    depolarising = _cell(rest=-70.0)
    depolarising.add_current_clamp(0, Step(0.1 * nA, 2 * ms, 5 * ms))
    assert voltage_range(depolarising, times)[0] == pytest.approx(-0.070)
    hyperpolarising = _cell(rest=-70.0)
    hyperpolarising.add_current_clamp(0, Step(-0.1 * nA, 2 * ms, 5 * ms))
    assert voltage_range(hyperpolarising, times)[0] == pytest.approx(-0.100)


def test_receptors_without_a_bound_are_not_checked():
    cell = _cell(rest=-120.0)
    cell.add_synapses("s", at=[0], receptors=[(ampa, 1 * nS)], spikes=[5] * ms)
    assert ampa.max_dt is None
    Model(cell, 20 * ms, dt=0.1 * ms)
    unchecked = dataclasses.replace(nmda_kinetic, name="nmda_k_unchecked", max_dt=None)
    Model(_kinetic_cell(-120.0, unchecked), 20 * ms, dt=DT)
