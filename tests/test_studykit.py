"""The study kit (dendrites.studykit): spike detector, cached base cells, passive-cell builder and
shared progress, without running a simulation."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import cm, ms, mV, ohm, siemens, uF, um

from dendrites import Cell, ParameterError, analysis, morphology, studykit
from dendrites.studykit import SharedProgress, cached_base, passive_cell, run_sweeps, spike_times
from dendrites.sweep import Sweep


# ------------------------------------------------------------------------------ spike detector
def test_there_is_one_spike_detector():
    assert studykit.spike_times is analysis.spike_times


def test_spike_times_are_upward_crossings_interpolated_or_on_the_grid():
    t = np.arange(10.0)  # ms
    v = np.array([-70, -10, 20, -30, -70, 0, -50, -20, -19, -60.0])  # mV
    np.testing.assert_array_equal(spike_times(t, v, -20.0, interpolate=False), [1.0, 5.0, 7.0])
    # -70 -> -10 crosses -20 at 50/60 of the step; -70 -> 0 at 50/70; -50 -> -20 exactly at 7
    np.testing.assert_allclose(spike_times(t, v, -20.0), [5 / 6, 4 + 5 / 7, 7.0], rtol=1e-12)


def test_a_trace_starting_above_threshold_or_never_crossing_has_no_spike():
    t = np.linspace(0.0, 5.0, 6)
    assert spike_times(t, np.full(6, 10.0)).size == 0  # above from the start: no crossing
    assert spike_times(t, np.full(6, -70.0)).size == 0
    assert spike_times([], []).size == 0


def test_the_default_threshold_is_zero_mV():
    t = np.arange(4.0)
    np.testing.assert_allclose(spike_times(t, [-10.0, 10.0, -10.0, 10.0]), [0.5, 2.5])


def test_arguments_in_the_wrong_order_are_refused():
    """The study that had its own detector took (trace, time): that order is now an error."""
    t = np.arange(10.0)
    v = np.array([-70, -10, 20, -30, -70, 0, -50, -20, -19, -60.0])
    with pytest.raises(ParameterError, match="time") as err:
        spike_times(v, t, -20.0)
    assert err.value.parameter == "time"


def test_mismatched_or_multidimensional_input_is_refused():
    with pytest.raises(ParameterError, match="trace"):
        spike_times(np.arange(5.0), np.zeros(4))
    with pytest.raises(ParameterError, match="one-dimensional"):
        spike_times(np.arange(5.0), np.zeros((2, 5)))


# ---------------------------------------------------------------------------------- base cells
def _morph():
    return morphology.pyramidal().compartmentalize(
        Ri=150 * ohm * cm, Cm=1 * uF / cm**2, max_length=40 * um
    )


def test_cached_base_builds_once_per_parameter_set_and_hands_out_copies():
    builds = []

    @cached_base
    def base(params):
        builds.append(params)
        cell = passive_cell(_morph(), **params)
        return cell, [1, 2, 3]

    p = {"Rm_ohm_cm2": 1e4, "Ri_ohm_cm": 150.0, "Cm_uF_cm2": 1.0, "E_mV": -70.0}
    a, sites_a = base(p)
    b, sites_b = base(dict(reversed(list(p.items()))))  # same parameters, other key order
    assert len(builds) == 1
    assert isinstance(a, Cell) and a is not b  # fresh copies ...
    assert sites_a is sites_b  # ... other items shared
    a.add_synapses("x", at=[0], receptors={"ampa": 1e-9 * siemens}, spikes=[[1.0] * ms])
    c, _ = base(p)
    assert "x" not in c.synapses  # what one caller added is not in the next copy
    base(dict(p, E_mV=-75.0))
    assert len(builds) == 2
    base.cache_clear()
    base(p)
    assert len(builds) == 3


def test_cached_base_passes_the_parameters_through_json():
    seen = []

    @cached_base(maxsize=1)
    def base(params):
        seen.append(params)
        return 1.0

    assert base({"span": (0.4, 1.0)}) == 1.0
    assert seen == [{"span": [0.4, 1.0]}]  # as a sweep worker receives them
    with pytest.raises(ParameterError, match="params"):
        base({"x": object()})
    with pytest.raises(ParameterError, match="dict"):
        base([1, 2])


# -------------------------------------------------------------------------------- passive cell
def test_passive_cell_is_the_hand_built_cell_bit_for_bit():
    morph = _morph()
    kit = passive_cell(
        morph,
        Rm_ohm_cm2=3e4,
        Ri_ohm_cm=150.0,
        Cm_uF_cm2=1.0,
        E_mV=-70.0,
        dendrite_cm_factor=2.0,
        dendrite_leak_factor=2.0,
    )
    # what the studies wrote by hand before the kit
    hand = Cell(morph, Ri=150.0 * ohm * cm, Cm=1.0 * uF / cm**2, v_init=-70.0 * mV)
    g = 1.0 / 3e4
    hand.insert("pas", g=g * siemens / cm**2, E=-70.0 * mV)
    dend = list(studykit.DENDRITE_REGIONS)
    hand.set_cm(2.0 * 1.0 * uF / cm**2, where=dend)
    hand.insert("pas", where=dend, g=2.0 * g * siemens / cm**2, E=-70.0 * mV)
    np.testing.assert_array_equal(kit.cm, hand.cm)
    np.testing.assert_array_equal(kit.v_init, hand.v_init)
    for name in ("g", "E"):
        np.testing.assert_array_equal(
            kit.channels["pas"].values[name], hand.channels["pas"].values[name]
        )
    assert kit.Ri == hand.Ri


def test_passive_cell_applies_the_factors_to_the_dendrites_only():
    morph = _morph()
    cell = passive_cell(
        morph, Rm_ohm_cm2=1e4, Ri_ohm_cm=150.0, Cm_uF_cm2=1.0, E_mV=-75.0, dendrite_cm_factor=2.0
    )
    dend = np.asarray(morph.select(list(studykit.DENDRITE_REGIONS)))
    assert dend.any() and not dend.all()
    np.testing.assert_allclose(cell.cm[dend], 0.02)  # F/m2 = 2 uF/cm2
    np.testing.assert_allclose(cell.cm[~dend], 0.01)
    g = cell.channels["pas"].values["g"]
    np.testing.assert_allclose(g, 1.0)  # S/m2 = 1e-4 S/cm2: leak factor 1 leaves it uniform
    np.testing.assert_allclose(cell.v_init, -0.075)


def test_passive_cell_skips_regions_the_morphology_lacks_and_refuses_bad_values():
    morph = _morph()
    cell = passive_cell(
        morph,
        Rm_ohm_cm2=1e4,
        Ri_ohm_cm=150.0,
        Cm_uF_cm2=1.0,
        E_mV=-70.0,
        dendrite_cm_factor=3.0,
        dendrites=["basal", "no_such_region"],
    )
    basal = np.asarray(morph.select("basal"))
    np.testing.assert_allclose(cell.cm[basal], 0.03)
    with pytest.raises(ParameterError, match="Rm_ohm_cm2"):
        passive_cell(morph, Rm_ohm_cm2=0.0, Ri_ohm_cm=150.0, Cm_uF_cm2=1.0, E_mV=-70.0)
    with pytest.raises(ParameterError, match="dendrite_leak_factor"):
        passive_cell(
            morph,
            Rm_ohm_cm2=1e4,
            Ri_ohm_cm=150.0,
            Cm_uF_cm2=1.0,
            E_mV=-70.0,
            dendrite_leak_factor=-2.0,
        )


# ------------------------------------------------------------------------------------ progress
def _sweep(name: str, n: int) -> Sweep:
    return Sweep(name, {"x": list(range(n))}, make_cell="studies/none.py:f", duration=1 * ms)


def test_shared_progress_reports_every_stage_against_one_total():
    calls = []
    shared = SharedProgress(lambda *a: calls.append(a), [_sweep("a", 3), 2], labels=["A", "B"])
    assert shared.sizes == [3, 2] and shared.total == 5
    shared.stage(0)(0, 3, "cached")
    shared.stage(0)(3, 3, "x=2")
    shared.stage(1)(2, 2, "")
    assert calls == [(0, 5, "A: cached"), (3, 5, "A: x=2"), (5, 5, "B")]
    with pytest.raises(ParameterError, match="stage"):
        shared.stage(2)
    with pytest.raises(ParameterError, match="labels"):
        SharedProgress(print, [1, 2], labels=["only one"])


def test_run_sweeps_runs_each_sweep_with_one_progress_total(monkeypatch):
    import dendrites.sweep

    ran, calls = [], []

    def fake_run_sweep(sweep, progress=None, **kwargs):
        ran.append((sweep.name, kwargs))
        n = len(sweep.grid["x"])
        progress(n, n, "done")
        return sweep.name

    monkeypatch.setattr(dendrites.sweep, "run_sweep", fake_run_sweep)
    out = run_sweeps([_sweep("a", 3), _sweep("b", 4)], lambda *a: calls.append(a[:2]), workers=1)
    assert out == ["a", "b"]
    assert ran == [("a", {"workers": 1}), ("b", {"workers": 1})]
    assert calls == [(3, 7), (7, 7)]
