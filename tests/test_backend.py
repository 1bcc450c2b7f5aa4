"""The Brian2 backend: channel placement, event timing, compile once / run many, point neuron."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, cm, ms, mV, nA, nS, ohm, siemens, uF, um

from dendrites import Cell, Model, morphology, simulate
from dendrites.analysis import spike_times
from dendrites.electrotonic import input_resistance, membrane_time_constant, point_neuron
from dendrites.errors import DivergenceError, ParameterError, PlacementError
from dendrites.stimuli import Step

RI = 150 * ohm * cm
CM = 1 * uF / cm**2
DT = 0.025  # ms


def ball_and_stick(n_dend=201, hh=True) -> Cell:
    morph = morphology.ball_and_stick(length=700 * um, diameter=2 * um).with_n({"dend": n_dend})
    cell = Cell(morph, Ri=RI, Cm=CM, v_init=-65 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-65 * mV)
    if hh:
        cell.insert("hh", where="soma")
    return cell


@pytest.mark.standalone
def test_soma_only_channel_is_integrated_only_at_the_soma_with_identical_spikes():
    """HH at the soma of a 202-compartment cell: gates in a one-compartment group (sparse) give the
    same trajectory as the formulation that integrates the gates in every compartment."""
    cell = ball_and_stick()
    cell.add_current_clamp(0, Step(0.5 * nA, 5 * ms, 40 * ms))
    record = {"v": [0, 100], "m_hh": [0]}
    sparse = simulate(cell, 50 * ms, record=record, sparse_threshold=0.5)
    dense = simulate(cell, 50 * ms, record=record, sparse_threshold=0.0)
    assert sparse.attrs["sparse_channels"] == "hh"
    assert dense.attrs["sparse_channels"] == ""
    t = sparse.time.values
    s_sparse = spike_times(t, sparse.v.sel(compartment=0).values)
    s_dense = spike_times(t, dense.v.sel(compartment=0).values)
    assert len(s_dense) >= 3  # the step makes it fire repeatedly
    assert len(s_sparse) == len(s_dense)
    assert np.max(np.abs(s_sparse - s_dense)) < DT  # within one time step (the bar)
    # in fact the two formulations are the same computation, up to rounding (measured 2.4e-12 mV)
    np.testing.assert_allclose(sparse.v.values, dense.v.values, atol=3e-11)
    m_sparse, m_dense = (d.m_hh.sel(compartment=0).values for d in (sparse, dense))
    np.testing.assert_allclose(m_sparse, m_dense, atol=3e-13)  # measured 2.4e-14


@pytest.mark.standalone
def test_synaptic_event_acts_on_the_step_that_starts_at_its_time():
    """A spike at t0 changes the conductance from t0 on: with a double-exponential receptor (g = 0
    at t0) the voltage first moves in the sample at t0 + 2 dt, as in NEURON's fixed-step scheme
    (event delivered at t0, currents of the step t0 -> t0 + dt use g(t0))."""
    cell = ball_and_stick(n_dend=21, hh=False)
    t0 = 5.0
    cell.add_synapses("s", at=[("dend", 0.5)], receptors={"ampa": 1 * nS}, spikes=[t0] * ms)
    site = cell.synapses["s"].compartments[0]
    ds = simulate(cell, 10 * ms, record={"v": [site]})
    v = ds.v.sel(compartment=site).values
    first = int(np.flatnonzero(np.abs(v - v[0]) > 1e-6)[0])  # 1 nV: above rounding noise
    assert first == round(t0 / DT) + 2


@pytest.mark.standalone
def test_run_time_values_equal_a_fresh_build():
    """Compile once, run with other values: capacitance, densities, weights and spike times given
    at run time give exactly what a fresh build with those values gives (Brian2 applies run_args
    after building the cable matrix unless told otherwise: this guards against that trap)."""
    base = ball_and_stick(n_dend=31)
    base.add_synapses(
        "s",
        at=[("dend", 0.3), ("dend", 0.9)],
        receptors={"ampa": 1 * nS, "nmda": 1 * nS},
        spikes=[2] * ms,
    )
    model = Model(base, 30 * ms, record={"v": [0, 20]})
    model.run()
    first_compile = model.compile_seconds
    other = base.copy()
    other.set_cm(2 * uF / cm**2, where="dend")
    other.insert("hh", where="soma", gnabar=150 * 1e-3 * siemens / cm**2)
    other.synapses["s"].receptors["nmda"][1][:] = 3e-9
    other.synapses["s"].spikes[1] = np.array([4e-3])
    rerun = model.run(other)
    unchanged = model.run(base)
    assert model.compile_seconds == first_compile  # no new build
    assert np.max(np.abs(unchanged.v.values - rerun.v.values)) > 0.1  # the values mattered
    fresh = Model(other, 30 * ms, record={"v": [0, 20]}, sparse_threshold=0.49).run()
    assert fresh.attrs["structure_key"] != rerun.attrs["structure_key"]  # really another build
    np.testing.assert_allclose(rerun.v.values, fresh.v.values, atol=1e-12)  # measured 0 mV


def test_other_structure_is_refused_by_a_compiled_model():
    cell = ball_and_stick(n_dend=11, hh=False)
    model = Model(cell, 5 * ms)
    other = cell.copy()
    other.insert("hh", where="dend")
    with pytest.raises(ParameterError, match="another structure"):
        model.run(other)


@pytest.mark.standalone
def test_point_neuron_matches_input_resistance_and_time_constant():
    cell = ball_and_stick(n_dend=101)
    r_full, tau_full = input_resistance(cell), membrane_time_constant(cell)
    point = point_neuron(cell)
    assert point.n_compartments == 1
    assert abs(float(input_resistance(point) / r_full) - 1) < 1e-9
    assert abs(float(membrane_time_constant(point) / tau_full) - 1) < 1e-9
    # the matrix R_in is what the simulator produces (passive cell, small step, steady state)
    passive = ball_and_stick(n_dend=101, hh=False)
    passive.add_current_clamp(0, Step(0.01 * nA, 0 * ms))
    ds = simulate(passive, 150 * ms, record={"v": 0}, record_dt=1 * ms)
    r_sim = (ds.v.values[-1, 0] + 65) / 0.01  # MOhm
    r_mat = float(input_resistance(passive) / (1e6 * ohm))
    assert abs(r_sim / r_mat - 1) < 3e-6  # measured 2.6e-7: exp(-15) of the step still to settle
    # and the point neuron's simulated deflection is the same
    pds = simulate(point_neuron(passive), 150 * ms, record={"v": 0}, record_dt=1 * ms)
    assert abs((pds.v.values[-1, 0] + 65) / 0.01 / r_mat - 1) < 4e-6  # measured 3.4e-7


def test_point_neuron_carries_every_synapse_on_its_one_compartment():
    cell = ball_and_stick(n_dend=21, hh=False)
    cell.add_synapses(
        "s",
        at=[("dend", 0.1), ("dend", 0.9)],
        receptors={"ampa": 1 * nS},
        spikes=[[2] * ms, [2] * ms],
    )
    point = point_neuron(cell)
    assert list(point.synapses["s"].compartments) == [0, 0]
    np.testing.assert_array_equal(point.synapses["s"].spikes[1], cell.synapses["s"].spikes[1])


@pytest.mark.standalone
def test_divergence_is_reported_with_dt_and_location():
    cell = ball_and_stick(n_dend=11, hh=False)
    cell.insert("pas", where="dend", E=5000 * mV)  # drives v far beyond anything physical
    with pytest.raises(DivergenceError, match=r"dt = 25\. us.*compartment \d+ \(section 'dend'"):
        simulate(cell, 20 * ms)


def test_recording_a_channel_state_where_the_channel_is_absent_is_refused():
    cell = ball_and_stick(n_dend=11)
    with pytest.raises(PlacementError, match="absent"):
        Model(cell, 5 * ms, record={"m_hh": [5]})
    with pytest.raises(ParameterError, match="did you mean 'm_hh'"):
        Model(cell, 5 * ms, record={"m_h": [0]})


@pytest.mark.standalone
def test_trials_share_one_build_and_differ_by_their_poisson_trains():
    from dendrites.simulate import simulate_trials

    def make(seed):
        cell = ball_and_stick(n_dend=11, hh=False)
        cell.add_synapses(
            "bg",
            at=[("dend", 0.5), ("dend", 0.9)],
            receptors={"ampa": 1 * nS},
            rate=50 * Hz,
            stop=40 * ms,
            seed=seed,
        )
        return cell

    ds = simulate_trials(make, [1, 2, 3], 40 * ms, record={"v": [0], "g_ampa": [6]})
    assert ds.v.dims == ("trial", "time", "compartment")
    assert list(ds.trial.values) == [1, 2, 3]
    assert ds.g_ampa.attrs["units"] == "nS"
    assert len(set(ds.attrs["parameter_hash"].split(","))) == 3
    assert float(np.abs(ds.v.sel(trial=1) - ds.v.sel(trial=2)).max()) > 0.01
    again = simulate_trials(make, [1], 40 * ms, record={"v": [0], "g_ampa": [6]})
    np.testing.assert_array_equal(again.v.sel(trial=1).values, ds.v.sel(trial=1).values)


@pytest.mark.standalone
def test_receptor_parameters_are_run_time_values():
    """A receptor variant with other time constants and Mg runs on the same build and gives what
    a fresh build gives (they are values, not structure)."""
    from brian2 import mM

    from dendrites.mechanisms import nmda_receptor

    def make(receptor):
        cell = ball_and_stick(n_dend=11, hh=False)
        cell.add_synapses("s", at=[("dend", 0.5)], receptors=[(receptor, 3 * nS)], spikes=[2] * ms)
        return cell

    slow, fast = make(nmda_receptor()), make(nmda_receptor(tau_decay=10 * ms, mg=2 * mM))
    model = Model(slow, 40 * ms, record={"v": [0]})
    assert Model(fast, 40 * ms, record={"v": [0]}).key == model.key
    a, b = model.run(), model.run(fast)
    assert float(np.abs(a.v - b.v).max()) > 0.05  # the variant differs...
    fresh = Model(fast, 40 * ms, record={"v": [0]}, sparse_threshold=0.3).run()
    np.testing.assert_allclose(b.v.values, fresh.v.values, atol=1e-12)  # ...as built anew (0 mV)


@pytest.mark.standalone
def test_rate_tables_hold_the_exact_rates_and_change_spike_times_by_far_less_than_neurons():
    """``rate_tables=True`` looks up the six HH rates on a 0.01 mV grid (NEURON's default: 1 mV,
    interpolated). Against exact rates, with HH in all 202 compartments and a current step: the
    same spikes, within 0.02 ms (NEURON's own tables differ from exact rates by up to 0.16 ms on
    the benchmark model), on a build of its own (the structure key differs)."""
    from dendrites.mechanisms import evaluate, hh

    table = hh.tables
    grid = table.grid
    assert grid[0] == table.low and grid[-1] == pytest.approx(table.high)
    assert np.allclose(np.diff(grid), table.step)
    # the tabulated functions of u are the exact rate functions: alpha_m = phi * am / ms
    u = np.array([-20.0, 0.0, 10.0, 25.0, 60.0])
    am = np.asarray(evaluate("am", 0 * mV, hh, u=u))
    np.testing.assert_allclose(am, np.asarray(evaluate("alpha_m", (u - 65) * mV, hh) * ms))

    cell = ball_and_stick(hh=False)
    cell.insert("hh")  # everywhere: dense, in the SpatialNeuron
    cell.add_current_clamp(0, Step(0.5 * nA, 5 * ms, 40 * ms))
    exact = Model(cell, 50 * ms, record={"v": [0, 150]})
    tab = Model(cell, 50 * ms, record={"v": [0, 150]}, rate_tables=True)
    assert exact.key != tab.key
    a, b = exact.run(), tab.run()
    t = a.time.values
    sa = spike_times(t, a.v.sel(compartment=0).values)
    sb = spike_times(t, b.v.sel(compartment=0).values)
    assert len(sa) >= 3 and len(sa) == len(sb)
    assert np.max(np.abs(sa - sb)) < 0.02
    assert not np.array_equal(a.v.values, b.v.values)  # the tables are really used
    # HH at the soma only: the gates' own group looks them up too
    soma = ball_and_stick()
    soma.add_current_clamp(0, Step(0.5 * nA, 5 * ms, 40 * ms))
    c = simulate(soma, 50 * ms, rate_tables=True)
    d = simulate(soma, 50 * ms)
    assert c.attrs["sparse_channels"] == "hh"
    sc, sd = (spike_times(t, x.v.sel(compartment=0).values) for x in (c, d))
    assert len(sd) >= 3 and len(sc) == len(sd)
    assert 0 < np.max(np.abs(sc - sd)) < 0.02


@pytest.mark.standalone
@pytest.mark.slow
def test_generated_code_does_not_depend_on_what_the_process_built_before(tmp_path, monkeypatch):
    """Brian2 suffixes a generated object's name while an object of that name is alive, and
    activating the standalone device from another device writes that device's default-clock dt
    into main.cpp; a build must inherit neither from what the process did before, or a worker
    that built another structure first would recompile a structure already compiled elsewhere."""
    import hashlib

    def sources(cache, first_other: bool):
        monkeypatch.setenv("DENDRITES_CACHE", str(tmp_path / cache))
        monkeypatch.delenv("DENDRITES_BUILD_CACHE", raising=False)  # builds under that cache
        if first_other:
            Model(ball_and_stick(n_dend=5, hh=False), 2 * ms).run()
        model = Model(ball_and_stick(n_dend=7), 2 * ms)
        model.run()
        return {
            str(p.relative_to(model.directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(model.directory.rglob("*"))
            if p.suffix in (".cpp", ".h")
        }

    alone = sources("alone", first_other=False)
    after = sources("after", first_other=True)
    assert any(n.startswith("code_objects/") for n in alone)
    assert sorted(after) == sorted(alone)  # the same files (names)
    assert [f for f in alone if after[f] != alone[f]] == []  # with the same contents


def test_clock_resets_and_synapse_sizes_do_not_depend_on_set_order(tmp_path):
    """Two places where Brian2 iterates a set of objects (ordered differently in every process)
    reach the generated code; the backend makes both deterministic: the clock resets of `main()`
    come sorted by clock name (nothing else moves), and every synaptic array records the number
    of synapses (one synapse: no ``__restrict`` on any of its pointers, in every process)."""
    import brian2 as b2

    from dendrites.backend import _connect, _sort_clock_resets

    b2.set_device("cpp_standalone", directory=str(tmp_path), build_on_run=False)
    group = b2.NeuronGroup(2, "v : 1", threshold="v > 1", reset="v = 0", name="g")
    syn = b2.Synapses(group, group, "w : 1", on_pre="v += w", name="s")
    _connect(syn, np.array([0]), np.array([1]))
    assert len(syn._registered_variables) >= 3
    assert {var.size for var in syn._registered_variables} == {1}
    monitors = [
        b2.StateMonitor(group, "v", record=0, dt=k * 0.1 * ms, name=f"mon{k}") for k in (3, 1, 2)
    ]
    b2.Network(group, syn, *monitors).run(1 * ms, namespace={})
    before = list(b2.device.main_queue)
    _sort_clock_resets(b2.device)
    after = b2.device.main_queue

    def array(entry):
        func, args = entry
        return args[0] if func == "set_by_single_value" else ""

    # the resets: timestep and t of the default clock and the three monitor clocks, in one block
    # (t is written only there; a clock's creation writes its timestep and dt)
    t_rows = [k for k, entry in enumerate(after) if array(entry).endswith("clock_t")]
    resets = range(t_rows[0] - 1, t_rows[-1] + 1)
    assert len(t_rows) == 4 and len(resets) == 2 * 4
    names = [array(after[k]) for k in resets]
    assert all(name.endswith(("clock_timestep", "clock_t")) for name in names)
    clocks = [name.removesuffix("_timestep").removesuffix("_t") for name in names]
    assert clocks == sorted(clocks)
    assert sorted(map(repr, after)) == sorted(map(repr, before))  # the same entries
    assert [e for k, e in enumerate(after) if k not in resets] == [
        e for k, e in enumerate(before) if k not in resets
    ]


_TWO_PROCESS_BUILD = """
from brian2 import cm, mV, ms, nS, ohm, siemens, uF, um
from dendrites import Cell, Model, morphology

morph = morphology.ball_and_stick(length=700 * um, diameter=2 * um).with_n({"dend": 5})
cell = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
cell.insert("pas", g=1e-4 * siemens / cm**2, E=-65 * mV)
cell.insert("hh", where="soma")  # sparse: gates fed back through one synapse
receptors = {"ampa": 1 * nS, "nmda": 1 * nS}
cell.add_synapses("s", at=[("dend", 0.5)], receptors=receptors, spikes=[1] * ms)
model = Model(cell, 2 * ms, record={"v": [0, 3]}, record_dt=0.1 * ms)  # three clocks
model.run()
print(model.directory)
"""


@pytest.mark.standalone
@pytest.mark.slow
def test_a_second_process_generates_the_same_code_and_compiles_nothing(tmp_path):
    """A build is reused across processes (a second `make test`, sweep workers) only if every
    process generates the same files: Brian2 rewrites changed files and make recompiles them.
    The structure has three clocks and three one-synapse `Synapses` (where Brian2's set order
    used to leak into ``main.cpp`` and the ``__restrict`` of pointers)."""
    import hashlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "DENDRITES_BUILD_CACHE": str(tmp_path / "builds"),
        "DENDRITES_CACHE": str(tmp_path / "cache"),
    }

    def build():
        done = subprocess.run(
            [sys.executable, "-c", _TWO_PROCESS_BUILD], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        slot = Path(done.stdout.strip().splitlines()[-1])
        files = sorted(p for p in slot.rglob("*") if p.is_file())
        sources = {
            str(p.relative_to(slot)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files
            if p.suffix in (".cpp", ".h")
        }
        compiled = {
            str(p.relative_to(slot)): p.stat().st_mtime_ns
            for p in files
            if p.suffix == ".o" or p.name == "main"
        }
        return slot, sources, compiled

    slot, sources, compiled = build()
    again, sources2, compiled2 = build()
    assert again == slot  # the free slot of the first process is reused
    assert len(compiled) > 20 and "main" in compiled
    assert [f for f in sources if sources2.get(f) != sources[f]] == []
    assert sources2.keys() == sources.keys()
    assert [f for f in compiled if compiled2.get(f) != compiled[f]] == []  # nothing recompiled
