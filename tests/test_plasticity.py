"""Plastic synapses (dendrites.plasticity, dendrites.backend_plasticity): the rules as data, the
STDP window against its exponentials, the Clopath rule against an independent integration and
its pairing protocol at several frequencies, hard weight bounds, run-time weights, and the
runtime and C++ standalone builds against each other."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms, mV, nA, nS, ohm, uF, um
from brian2.units import cm

from dendrites import Cell, morphology
from dendrites import plasticity as P
from dendrites.backend import Model
from dendrites.errors import ParameterError
from dendrites.plan import Plan
from dendrites.results import load_dataset, save_dataset
from dendrites.stimuli import Step

DT = 0.025  # ms, the models' default step
MORPH = morphology.ball_and_stick(length=200 * um, n=4)
SITE = ("dend", 0.1)  # compartment 1, 25 um from the soma
RUNTIME = {"backend": "runtime", "runtime_target": "numpy"}


def _cell() -> Cell:
    cell = Cell(MORPH, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-70 * mV)
    cell.insert("pas")
    cell.insert("hh", where="soma")
    return cell


def _post_pulse(cell: Cell, at_ms: float) -> None:
    """A 3 nA, 1 ms pulse at the soma ending at `at_ms`: one action potential ~0.5 ms later."""
    cell.add_current_clamp(0, Step(3 * nA, start=(at_ms - 1.0) * ms, duration=1 * ms))


# ------------------------------------------------------------------ rules as data (pure Python)
def test_rules_carry_their_published_defaults_units_and_references():
    song = P.stdp()
    assert song.parameters["A_plus"] == 0.005
    assert song.parameters["A_minus"] == pytest.approx(0.00525)  # A-/A+ = 1.05
    assert song.parameters["tau_plus"] == 20 * ms and song.parameters["tau_minus"] == 20 * ms
    assert (song.w_min, song.w_max) == (0.0, 1.0)
    clop = P.clopath()
    expected = {
        "theta_minus": -70.6 * mV,
        "theta_plus": -45.3 * mV,
        "A_LTD": 14e-5 / mV,
        "A_LTP": 8e-5 / mV**2,
        "tau_minus": 10 * ms,
        "tau_plus": 7 * ms,
        "tau_x": 15 * ms,
    }
    for name, value in expected.items():
        assert clop.parameters[name] == value, name
    assert "Song" in song.reference and "Clopath" in clop.reference
    assert "Clopath" in str(clop)


def test_parameters_are_checked_by_name_unit_and_bounds():
    assert P.stdp(tau_plus=16.8 * ms).parameters["tau_plus"] == 16.8 * ms
    with pytest.raises(ParameterError, match=r"tau_pluss.*tau_plus"):
        P.stdp(tau_pluss=10 * ms)
    with pytest.raises(ParameterError, match="A_LTP"):
        P.clopath(A_LTP=8e-5 / mV)  # per mV**2
    with pytest.raises(ParameterError, match="w_max"):
        P.stdp(w_max=float("inf"))
    with pytest.raises(ParameterError, match="w_max"):
        P.stdp(w_min=0.5, w_max=0.2)
    with pytest.raises(ParameterError, match="w_init"):
        P.stdp(w_init=1.5)
    with pytest.raises(ParameterError, match="post_threshold"):
        P.stdp(post_threshold=-20 * ms)


def test_add_synapses_makes_a_receptor_variant_scaled_by_the_plastic_weight():
    cell = _cell()
    group = cell.add_synapses(
        "s", at=[SITE], receptors={"ampa": 1 * nS}, spikes=[5] * ms, plasticity=P.stdp()
    )
    rec = group.receptors["ampa_s"][0]
    assert "(w*wp)" in rec.on_pre and "apre += A_plus" in rec.on_pre
    assert {"A_plus", "w_min", "w_max"} <= set(rec.parameters)
    assert group.weights.tolist() == [0.5]  # w_init
    # structure: a plastic group builds differently from a fixed one
    fixed = _cell()
    fixed.add_synapses("s", at=[SITE], receptors={"ampa": 1 * nS}, spikes=[5] * ms)
    assert _key(cell) != _key(fixed)
    other = _cell()
    other.add_synapses(
        "s", at=[SITE], receptors={"ampa": 1 * nS}, spikes=[5] * ms, plasticity=P.clopath()
    )
    assert _key(other) != _key(cell)
    # the initial weights are a value, not structure
    again = _cell()
    again.add_synapses(
        "s",
        at=[SITE],
        receptors={"ampa": 1 * nS},
        spikes=[5] * ms,
        plasticity=P.stdp(),
        weights=0.2,
    )
    assert _key(again) == _key(cell)


def _key(cell: Cell) -> str:
    return Plan(
        cell, 10 * ms, 0.025 * ms, None, None, 0.5, False, "brian2", "backward-euler", True
    ).key


def test_bad_plastic_synapses_are_refused_with_the_parameter_named():
    cell = _cell()
    kw = {"at": [SITE, SITE], "receptors": {"ampa": 1 * nS}, "spikes": [5] * ms}
    with pytest.raises(ParameterError, match=r"weights.*outside"):
        cell.add_synapses("a", plasticity=P.stdp(), weights=[0.5, 1.2], **kw)
    with pytest.raises(ParameterError, match=r"weights.*dimensionless"):
        cell.add_synapses("b", plasticity=P.stdp(), weights=0.5 * nS, **kw)
    with pytest.raises(ParameterError, match=r"weights.*rule"):
        cell.add_synapses("c", weights=0.5, **kw)
    with pytest.raises(ParameterError, match="plasticity"):
        cell.add_synapses("d", plasticity="stdp", **kw)
    with pytest.raises(ParameterError, match=r"name.*identifier"):
        cell.add_synapses("e-f", plasticity=P.stdp(), **kw)
    cell.add_synapses("g", plasticity=P.stdp(), **kw)
    cell.add_synapses("h", plasticity=P.clopath(post_threshold=0 * mV), **kw)
    with pytest.raises(ParameterError, match="post_threshold"):  # one somatic spike per cell
        P.post_threshold(cell)


# ------------------------------------------------------------------ STDP window
def _window(dts: np.ndarray, t_post: float, backend: dict):
    cell = _cell()
    _post_pulse(cell, 80.0)
    n = len(dts)
    cell.add_synapses(
        "win",
        at=[SITE] * n,
        receptors={"ampa": 0 * nS},  # no current: the postsynaptic spike stays where it was
        spikes=[[t] * ms for t in t_post - dts],
        plasticity=P.stdp(),
    )
    # bounds: three pre spikes just before (after) the post spike with large amplitudes
    big = P.stdp(A_plus=0.4, A_minus=0.4)
    cell.add_synapses(
        "hi",
        at=[0],
        receptors={"ampa": 0 * nS},
        spikes=[[74, 76, 78] * ms],
        plasticity=big,
        weights=0.9,
    )
    cell.add_synapses(
        "lo",
        at=[SITE],
        receptors={"ampa": 0 * nS},
        spikes=[[82, 84, 86] * ms],
        plasticity=big,
        weights=0.1,
    )
    return Model(cell, 160 * ms, record={"v": [0]}, **backend).run()


def _post_spike_time() -> float:
    """The step at whose end the soma crosses -20 mV (the rule's post_threshold)."""
    cell = _cell()
    _post_pulse(cell, 80.0)
    ds = Model(cell, 90 * ms, record={"v": [0]}, **RUNTIME).run()
    v = ds.v.values[:, 0]
    k = np.flatnonzero(v > -20)[0]  # recorded at the start of step k: the end of step k-1
    return float(ds.time.values[k - 1])


def test_stdp_window_follows_the_exponentials_of_song_miller_abbott():
    t_post = _post_spike_time()
    dts = np.array([-60, -40, -20, -10, -5, -2, 2, 5, 10, 20, 40, 60.0])
    ds = _window(dts, t_post, RUNTIME)
    dw = ds.w_final_win.values - 0.5
    expected = np.where(dts > 0, 0.005 * np.exp(-dts / 20), -0.00525 * np.exp(dts / 20))
    # measured: relative error 8e-14 (the same exponentials, at the exact spike times)
    np.testing.assert_allclose(dw, expected, rtol=1e-9)
    assert ds.w_win.dims == ("time", "win_synapse") and ds.w_win.attrs["units"] == "1"
    assert ds.win_compartment.values.tolist() == [1] * len(dts)
    # hard bounds: clipped at w_max and w_min exactly, never outside at any sample
    assert ds.w_final_hi.item() == 1.0 and ds.w_final_lo.item() == 0.0
    for name in ("w_win", "w_hi", "w_lo"):
        assert float(ds[name].min()) >= 0.0 and float(ds[name].max()) <= 1.0


# ------------------------------------------------------------------ Clopath rule
def _pairing_cell(freq: float, lag: float, n_pairs: int, stdp_too: bool = False) -> Cell:
    """`n_pairs` pairings at `freq` (Hz): a presynaptic spike and a somatic action potential
    `lag` ms later (Sjöström, Turrigiano & Nelson 2001; Clopath et al. 2010, Fig. 2)."""
    t_pre = 20.0 + 1000.0 / freq * np.arange(n_pairs) + max(0.0, -lag)
    cell = _cell()
    for tk in t_pre:
        _post_pulse(cell, tk + lag)
    cell.add_synapses(
        "s",
        at=[SITE],
        receptors={"ampa": 0.1 * nS},
        spikes=[t_pre * ms],
        plasticity=P.clopath(),
    )
    if stdp_too:
        cell.add_synapses(
            "p",
            at=[SITE, 0],
            receptors={"ampa": 0.1 * nS},
            spikes=[t_pre * ms] * 2,
            plasticity=P.stdp(),
        )
    return cell


def _clopath_reference(v: np.ndarray, pre_steps: set, rule: P.PlasticityRule, w0: float):
    """The Clopath rule integrated here from the compartment's potential `v` (volt, one sample
    per step, at its start), in the backend's order within a step: presynaptic LTD and trace,
    then the filters (exact for a potential constant over the step), then the LTP term with the
    new potential (forward Euler), clipped to [w_min, w_max]."""
    p = {k: float(val) for k, val in rule.parameters.items()}
    dt = DT * 1e-3
    u_minus = u_plus = v[0]
    x = 0.0
    w = w0
    for n in range(len(v) - 1):
        if n in pre_steps:
            x += 1 / p["tau_x"]
            w = np.clip(w - p["A_LTD"] * max(u_minus - p["theta_minus"], 0), 0, 1)
        u_minus = v[n] + (u_minus - v[n]) * np.exp(-dt / p["tau_minus"])
        u_plus = v[n] + (u_plus - v[n]) * np.exp(-dt / p["tau_plus"])
        x *= np.exp(-dt / p["tau_x"])
        ltp = x * max(v[n + 1] - p["theta_plus"], 0) * max(u_plus - p["theta_minus"], 0)
        w = np.clip(w + dt * p["A_LTP"] * ltp, 0, 1)
    return w


@pytest.fixture(scope="module")
def runtime_pairing():
    """Three post-before-pre pairings at 50 Hz, with both rules, on Brian2's numpy runtime."""
    cell = _pairing_cell(50.0, -10.0, 3, stdp_too=True)
    return cell, Model(cell, 85 * ms, record={"v": [0, 1]}, **RUNTIME).run()


def test_clopath_rule_equals_an_independent_integration_of_its_equations(runtime_pairing):
    cell, ds = runtime_pairing
    v = ds.v.sel(compartment=1).values * 1e-3  # the synapse's own compartment
    t_pre = cell.synapses["s"].spikes[0] * 1e3
    pre = set(np.round(t_pre / DT).astype(int).tolist())
    expected = _clopath_reference(v, pre, P.clopath(), 0.5)
    # measured: difference 1.1e-16; the weight moved by 0.0064
    assert abs(ds.w_final_s.item() - expected) < 1e-9
    assert abs(expected - 0.5) > 1e-3
    # the soma's spike reaches the pair-based rule on the dendrite and at the soma alike
    assert ds.w_final_p.values[0] == ds.w_final_p.values[1] != 0.5


@pytest.mark.standalone
def test_runtime_and_standalone_builds_agree(runtime_pairing):
    cell, rt = runtime_pairing
    sa = Model(cell, 85 * ms, record={"v": [0, 1]}).run()
    for name in ("w_s", "w_p", "w_final_s", "w_final_p"):
        # measured: 8e-14 (Clopath, through v), 0 (STDP)
        np.testing.assert_allclose(sa[name].values, rt[name].values, rtol=0, atol=1e-12)
    # measured: 2.4e-9 mV (the standalone build's Hines solver against Brian2's own)
    np.testing.assert_allclose(sa.v.values, rt.v.values, rtol=0, atol=1e-7)


@pytest.mark.standalone
def test_clopath_pairing_ltd_at_low_and_ltp_at_high_frequency(tmp_path):
    """Five post-before-pre pairings (-10 ms) depress at 1 and 10 Hz and potentiate at 40 and
    50 Hz, more so the higher the frequency (Clopath et al. 2010, Fig. 2b; Sjöström et al. 2001);
    every frequency runs on one build (spike times and pulses are run-time values)."""
    freqs = [1.0, 10.0, 20.0, 40.0, 50.0]
    model = None
    post_pre, pre_post = [], []
    for lag, out in ((-10.0, post_pre), (10.0, pre_post)):
        for f in freqs:
            cell = _pairing_cell(f, lag, 5)
            if model is None:
                model = Model(cell, 4300 * ms, record={"v": [0]}, record_dt=1 * ms)
                ds = model.run(cell)
                compile_seconds = model.compile_seconds
            else:
                ds = model.run(cell)
            out.append(ds.w_final_s.item() - 0.5)
    post_pre, pre_post = np.array(post_pre), np.array(pre_post)
    # measured (dw): post-pre -0.0036, -0.0036, -0.0014, +0.0089, +0.0150;
    # pre-post +0.0199, +0.0199, +0.0204, +0.0216, +0.0211
    assert post_pre[0] < -1e-3 and post_pre[1] < -1e-3
    assert post_pre[3] > 3e-3 and post_pre[4] > 5e-3
    assert np.all(np.diff(post_pre) > -1e-4)
    assert np.all(pre_post > 1e-2)
    assert pre_post[3] > pre_post[0]
    # the trained weights back as initial values: saved, loaded, run without recompiling
    path = save_dataset(ds, tmp_path / "trained.nc")
    trained = load_dataset(path).w_final_s
    cell = _pairing_cell(50.0, 10.0, 5)
    cell.synapses.clear()
    cell.add_synapses(
        "s",
        at=[SITE],
        receptors={"ampa": 0.1 * nS},
        spikes=[[20.0] * ms],
        plasticity=P.clopath(),
        weights=trained,
    )
    again = model.run(cell)
    assert model.compile_seconds == compile_seconds
    assert again.w_s.values[0, 0] == trained.item()


def test_a_rule_reading_a_variable_the_compartment_lacks_is_refused_when_built():
    bad = P.PlasticityRule(
        name="calcium",
        equations="",
        on_pre="wp = clip(wp + cai_post/mM, w_min, w_max)",
        on_post="",
        parameters={},
    )
    cell = _cell()
    cell.add_synapses("s", at=[SITE], receptors={"ampa": 1 * nS}, spikes=[5] * ms, plasticity=bad)
    with pytest.raises(ParameterError, match=r"plasticity.*'calcium'.*group 's'.*cai_post"):
        Model(cell, 1 * ms, **RUNTIME).run()
