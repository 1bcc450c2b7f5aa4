"""`dendrites.crosscheck` against NEURON 9: the same cell in both simulators (issue #12).

* A passive ball-and-stick with synapses (ExpSyn and Exp2Syn-like) and clamps (a step at the
  soma, an EPSC-shaped current at the dendrite's end node): traces and resistances agree to
  rounding.
* An HH soma with 50 AMPA synapses on the CA1 reconstruction: spike times within 0.05 ms (the
  issue's target).
* The morphology targets: input resistances and attenuations at the soma and the deepest tips of
  four reconstructions against NEURON's own Import3d, within 1 %.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from brian2 import Hz, cm, ms, mV, nA, nS, ohm, siemens, uF, um

from dendrites import Cell, morphology
from dendrites.stimuli import EPSCWave, Step

pytest.importorskip("neuron")

from dendrites.crosscheck import (
    NeuronMissingError,
    NotInNeuronError,
    compare_morphology,
    crosscheck,
    match_spikes,
    to_neuron,
)
from dendrites.crosscheck.morph import lambda_f_nseg

SHARED = Path(__file__).resolve().parents[2] / "shared" / "morphologies"
RI, CM = 150 * ohm * cm, 1 * uF / cm**2


def _ball_and_stick() -> Cell:
    cell = Cell(morphology.ball_and_stick(n=21), Ri=RI, Cm=CM, v_init=-70 * mV)
    cell.insert("pas", g=5e-5 * siemens / cm**2, E=-70 * mV)
    cell.add_current_clamp(0, Step(0.1 * nA, 5 * ms, 20 * ms))
    cell.add_current_clamp(("dend", 1), EPSCWave(0.2 * nA, 10 * ms))
    cell.add_synapses(
        "s",
        at=[("dend", 0.5)],
        receptors={"ampa": 1 * nS, "expsyn": 0.5 * nS},
        spikes=[3.1, 12.37] * ms,  # off the time grid
    )
    return cell


# ------------------------------------------------------------------------------ pure (no build)
def test_import_dendrites_does_not_import_neuron():
    code = "import sys, dendrites, dendrites.crosscheck; print('neuron' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_neuron_is_a_named_error_with_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "neuron", None)  # makes `import neuron` raise ImportError
    with pytest.raises(NeuronMissingError, match=r"pip install 'dendrites\[neuron\]'"):
        to_neuron(_ball_and_stick())


def test_mechanisms_without_nmodl_translation_are_refused_by_name():
    """Every package mechanism is built through NMODL generated from its equations
    (tests/test_nmodl_export.py); one whose equations cannot be translated is refused by name."""
    from dendrites.mechanisms import Channel, Current

    noisy = Channel(
        name="noisy",
        equations="dm/dt = (rand() - m)/ms : 1",
        currents=(Current("x", "gbar*m", "E"),),
        parameters={"gbar": 1 * siemens / cm**2, "E": 0 * mV},
        densities=("gbar",),
        initial={"m": "0"},
    )
    cell = Cell(morphology.ball_and_stick(n=3), Ri=RI, Cm=CM)
    cell.insert(noisy, where="soma")
    with pytest.raises(NotInNeuronError, match=r"'noisy'.*function 'rand'.*NMODL"):
        to_neuron(cell)


def test_to_neuron_builds_the_same_discretisation():
    cell = _ball_and_stick()
    nc = to_neuron(cell)
    try:
        soma, dend = nc.sections["soma"], nc.sections["dend"]
        assert dend.nseg == 21 and soma.nseg == 1
        assert dend.parentseg().sec == soma and dend.parentseg().x == 0.5
        # the sphere's area (pi d^2) and every compartment's, to rounding
        areas = [seg.area() for sec in (soma, dend) for seg in sec]
        np.testing.assert_allclose(areas, cell.morphology.compartments.area, rtol=1e-12)
        # the generated pas (dendrites.nmodl.export) holds the package's SI values (S/m2)
        assert getattr(dend(0.5), nc.mechanisms["pas"].name).g == pytest.approx(5e-5 * 1e4)
        assert nc.location(("dend", 1)).x == 1.0  # the end node, NEURON's dend(1)
    finally:
        nc.close()


@pytest.mark.parametrize(("celsius", "phi"), [(6.3, 1.0), (16.3, 3.0)])
def test_hh_rates_are_neurons_built_in_hh(celsius, phi):
    """The package's hh at phi = 3**((celsius - 6.3)/10) is NEURON's hh at celsius: steady
    states and time constants to rounding (measured <= 7e-16), at the removable singularities
    (-40 and -55 mV) too."""
    from neuron import h

    from dendrites.mechanisms import evaluate, hh

    sec = h.Section(name="hh_probe")
    sec.insert("hh")
    h.setdata_hh(sec(0.5))
    h.usetable_hh, h.celsius = 0, celsius
    v = np.r_[np.linspace(-100.0, 60.0, 33), -40.0, -55.0]
    for gate in "mhn":
        a = np.asarray(evaluate(f"alpha_{gate}", v * mV, hh, phi=phi))
        b = np.asarray(evaluate(f"beta_{gate}", v * mV, hh, phi=phi))
        inf, tau = [], []
        for vv in v:
            h.rates_hh(vv)
            inf.append(getattr(sec(0.5).hh, f"{gate}inf"))
            tau.append(getattr(sec(0.5).hh, f"{gate}tau"))
        np.testing.assert_allclose(a / (a + b), inf, rtol=0, atol=1e-14)
        np.testing.assert_allclose(1e3 / (a + b), tau, rtol=1e-14)


def test_exp2syn_has_the_package_normalisation():
    """NEURON's Exp2Syn gives g(t) = factor w (exp(-t/tau2) - exp(-t/tau1)) with the package's
    factor (:mod:`dendrites.mechanisms.synapses`): its conductance equals the package's closed
    form at every step (measured 4.7e-14 uS, weight 0.7 uS) and peaks at the weight."""
    from neuron import h

    from dendrites.mechanisms import ampa

    tr, td = (float(ampa.parameters[k] / ms) for k in ("tau_rise", "tau_decay"))
    tp = tr * td / (td - tr) * np.log(td / tr)
    factor = 1 / (np.exp(-tp / td) - np.exp(-tp / tr))
    sec = h.Section(name="syn_probe")
    syn = h.Exp2Syn(sec(0.5))
    syn.tau1, syn.tau2 = tr, td
    con = h.NetCon(None, syn)
    con.weight[0] = 0.7  # uS
    g, t = h.Vector().record(syn._ref_g), h.Vector().record(h._ref_t)
    fih = h.FInitializeHandler(lambda: con.event(1.0))
    h.CVode().active(0)
    h.dt, h.secondorder = 0.0025, 0
    h.finitialize(-70)
    while h.t < 10:
        h.fadvance()
    del fih
    t, g = np.asarray(t), np.asarray(g)
    s = t - t[np.flatnonzero(g > 0)[0] - 1]  # time since the step the event acted in
    expected = np.where(s > 0, 0.7 * factor * (np.exp(-s / td) - np.exp(-s / tr)), 0.0)
    print(f"Exp2Syn vs the closed form: {np.abs(g - expected).max():.1e} uS")
    np.testing.assert_allclose(g, expected, rtol=0, atol=5e-13)
    assert g.max() == pytest.approx(0.7, rel=1e-4)


def test_lambda_f_rule_matches_the_package():
    for length, diam in [(700, 2), (300, 0.4), (50, 5), (2000, 1)]:
        n = lambda_f_nseg([0, length], [diam, diam], 150, 1)
        assert n == morphology.d_lambda_n(length * um, diam * um, RI, CM)


def test_match_spikes_pairs_closest_first():
    assert match_spikes(np.array([1.0, 5.0, 9.0]), np.array([1.02, 8.9]), 0.5) == [(0, 0), (2, 1)]


# ------------------------------------------------------------------------------ simulations
@pytest.mark.standalone
@pytest.mark.parametrize("stepping", ["backward-euler", "crank-nicolson"])
def test_ball_and_stick_traces_and_resistances_agree_with_neuron(stepping):
    ds = crosscheck(
        _ball_and_stick(),
        40 * ms,
        record=[0, ("dend", 0.5), ("dend", 0.9), ("dend", 1), ("dend", 0)],
        resistances=True,
        time_stepping=stepping,  # NEURON's secondorder 0 or 2
    )
    print(
        f"ball-and-stick vs NEURON ({stepping}): max |dv| {float(ds.v_max_abs_diff.max()):.2e} mV, "
        f"resistances {float(np.abs(ds.resistance_rel_diff).max()):.2e} relative"
    )
    # measured: max |dv| 7.4e-6 mV (soma; 8.2e-6 mV with Crank-Nicolson), RMS 4e-6 mV;
    # resistances 2e-7 relative
    assert float(ds.v_max_abs_diff.max()) < 1e-4
    assert float(np.abs(ds.resistance_rel_diff).max()) < 2e-6
    # the clamp and the synapses did something
    assert float(ds.v_neuron.sel(site="dend(1)").max()) > -60
    assert ds.v_max_abs_diff.attrs["units"] == "mV"
    assert "neuron" in ds.attrs["versions"]


@pytest.mark.standalone
@pytest.mark.slow
def test_hh_soma_with_50_ampa_synapses_spikes_as_neuron():
    path = SHARED / "ca1_n120.swc"
    if not path.exists():
        pytest.skip(f"{path} not present")
    m = morphology.load_morphology(path, Ri=RI, Cm=CM)  # Import3d's soma: 12 points
    cell = Cell(m, Ri=RI, Cm=CM, v_init=-65 * mV)
    cell.insert("pas", g=5e-5 * siemens / cm**2, E=-65 * mV)
    # twice the squid gNa: with 0.12 S/cm2 the small CA1 soma does not fire against its tree
    cell.insert("hh", where="soma", gnabar=0.24 * siemens / cm**2)
    t = m.compartments
    near = np.flatnonzero(np.isin(t.region, ["basal", "apical"]) & (t.distance < 300))
    sites = [int(c) for c in np.random.default_rng(1).choice(near, 50, replace=False)]
    cell.add_synapses(
        "ampa", at=sites, receptors={"ampa": 2 * nS}, rate=20 * Hz, stop=200 * ms, seed=3
    )  # Poisson times, off the time grid
    ds = crosscheck(cell, 200 * ms, record=[0])
    n = int(ds.n_spikes_neuron[0])
    print(
        f"HH soma + 50 AMPA on CA1 vs NEURON: {n} spikes, max |dt| "
        f"{float(ds.max_spike_time_diff[0]):.2e} ms, v RMS {float(ds.v_rms_diff[0]):.2e} mV, "
        f"max {float(ds.v_max_abs_diff[0]):.2e} mV"
    )
    assert n >= 5 and int(ds.n_spikes_package[0]) == n == int(ds.n_spikes_matched[0])
    # issue #12's target is 0.05 ms; measured: 10 spikes, max |dt| 8.9e-4 ms, v RMS 5.1e-3 mV
    # (1.3e-4 ms, 1.2e-3 mV with a spherical soma). The rest is NEURON's: it keeps 3-D points in
    # single precision, which moves the areas of short compartments by up to 5e-6 here.
    assert float(ds.max_spike_time_diff[0]) < 5e-3
    assert float(ds.v_rms_diff[0]) < 0.05


# ------------------------------------------------------------------------------ morphology targets
#: file -> largest relative difference allowed (issue #12's target is 1 %). Measured (largest of
#: Rin, tip->soma, soma->tip): CA1 6.9e-4 and l5pc 2.1e-3, where NEURON's Import3d joins neurites
#: to a soma section's end (soma(0), or the ends of CA1's two soma sections) and the package to its
#: one soma compartment; Allen 7.3e-7 and Hay 1.6e-6 (NEURON's single-precision 3-D points).
FILES = {
    "ca1_n120.swc": 7e-3,
    "l5pc.swc": 1e-2,
    "allen_485574832.swc": 1e-5,
    "hay_cell1.asc": 1e-5,
}


@pytest.mark.parametrize(("name", "tolerance"), FILES.items())
def test_morphology_targets_against_import3d(name, tolerance):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    ds = compare_morphology(path)
    assert ds.sizes["location"] == 11 and float(ds.match_distance.max()) < 1e-3
    worst = {
        q: float(np.nanmax(np.abs(ds[f"{q}_rel_diff"].values)))
        for q in ("rin", "att_tip_soma", "att_soma_tip")
    }
    print(f"{name} vs Import3d, largest relative differences: {worst}")
    assert max(worst.values()) < tolerance, worst
    # the compartments are NEURON's: the same nseg in every section matched by its end points
    assert ds.attrs["sections_nseg_differs"] == 0 and ds.attrs["sections_matched"] > 80


def test_an_unmatched_spike_makes_the_largest_spike_time_difference_infinite():
    """Pure Python: a spike without a partner within the window is not a small difference (a
    Crank-Nicolson run with a calcium pool had 3 of 4 spikes matched and reported 0.014 ms)."""
    from dendrites.crosscheck.compare import spike_summary

    pkg = [np.array([22.4, 31.5, 41.3, 174.8]), np.array([5.0])]
    ref = [np.array([22.4, 31.5, 41.31, 178.2]), np.array([5.001])]
    diffs, matched, largest = spike_summary(pkg, ref, window=1.0)
    assert list(matched) == [3, 1]
    assert np.isinf(largest[0]) and abs(largest[1] - 0.001) < 1e-12
    assert np.isnan(diffs[0, 3]) and abs(diffs[0, 2] + 0.01) < 1e-12
    _, _, none = spike_summary([np.array([])], [np.array([])], window=1.0)
    assert np.isnan(none[0])
