"""The Hay et al. (2011) cell (:func:`dendrites.models.hay2011`): structure against the original
(``../shared/hay2011.md``, ``L5PCtemplate.hoc``, ``L5PCbiophys3.hoc``) and validation against the
published targets (experimental mean +- 2 SD), run with Crank-Nicolson at dt 0.025 ms.

Time stepping: Crank-Nicolson at 0.025 ms is the converged setting here (measured with
``benchmarks/hay_bac.py`` against Crank-Nicolson at 0.005 ms; backward Euler at 0.025 ms loses
part of the distal bAP, as NEURON's does).
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import numpy as np
import pytest
from brian2 import Hz, ms, nA, um

from dendrites import ParameterError, PlacementError, simulate
from dendrites.analysis import spike_times
from dendrites.models import (
    HAY2011_TARGETS,
    PulseTrain,
    bac_features,
    bac_protocol,
    bap_amplitude,
    hay2011,
    locate_site,
    morphology_path,
    pulse_train_protocol,
    step_protocol,
)


@pytest.fixture(scope="module")
def cell():
    return hay2011()


def _in_2sd(value, key):
    mean, sd = HAY2011_TARGETS[key]
    return abs(value - mean) <= 2 * sd


# ------------------------------------------------------------------------------ structure
def test_shipped_morphology_is_the_published_file():
    readme = (resources.files("dendrites") / "data" / "morphologies" / "README.md").read_text()
    digest = re.search(r"hay_cell1\.asc.*`([0-9a-f]{64})`", readme).group(1)
    assert hashlib.sha256(morphology_path().read_bytes()).hexdigest() == digest


def test_sections_and_compartments_are_the_originals(cell):
    """196 sections (soma 1, basal 84, apical 109, axon 2) and 642 compartments after the axon
    replacement, with nseg = 1 + 2 int(L / 40 um) (hay2011.md, measured in NEURON 9)."""
    m = cell.morphology
    counts = {r: sum(s.region == r for s in m.sections) for r in m.regions}
    assert len(m) == 196 and counts == {"soma": 1, "basal": 84, "apical": 109, "axon": 2}
    assert m.n_compartments == 642
    for s in m.sections[1:]:
        assert s.n == 1 + 2 * int(s.length / 40)
    t = m.compartments
    assert t.distance_end[t.region == "apical"].max() == pytest.approx(1300.5, abs=0.1)
    # other rules for convergence checks: one compartment per section; d_lambda (measured 752)
    assert hay2011(compartments=lambda L: 1).n_compartments == 196
    assert hay2011(compartments="d_lambda").n_compartments == 752


def test_axon_is_the_two_cylinder_stub(cell):
    """``delete_axon``: axon[0] (30 um x 1 um, nseg 1) at soma(0.5), axon[1] at axon[0](1)."""
    m = cell.morphology
    a0, a1 = m["axon0"], m["axon1"]
    assert (a0.parent, a1.parent) == ("soma", "axon0")
    for s in (a0, a1):
        assert s.length == pytest.approx(30) and s.n == 1
        assert np.all(s.points[:, 3] == 1.0)
    t = m.compartments
    axon = t.region == "axon"
    assert t.area[axon] == pytest.approx(np.pi * 1 * 30)
    traced = hay2011(axon="reconstructed").morphology
    assert len(traced) == 195 and traced["axon0"].n == 3  # the traced axon, 3 compartments


def test_passive_properties_and_uniform_densities(cell):
    t = cell.morphology.compartments
    region = np.asarray(t.region)
    for r, g in {"soma": 3.38e-5, "apical": 5.89e-5, "basal": 4.67e-5, "axon": 3.25e-5}.items():
        assert np.allclose(cell.channels["pas"].values["g"][region == r], g * 1e4)
    assert np.all(cell.channels["pas"].values["E"] == -0.090)
    assert np.allclose(cell.cm[np.isin(region, ["apical", "basal"])], 0.02)
    assert np.allclose(cell.cm[np.isin(region, ["soma", "axon"])], 0.01)
    assert cell.Ri == pytest.approx(1.0) and np.all(cell.v_init == -0.080)
    soma = region == "soma"
    assert cell.channels["NaTa_t"].values["gNaTa_tbar"][soma] == pytest.approx(2.04e4)
    assert cell.channels["SK_E2"].values["gSK_E2bar"][soma] == pytest.approx(0.0441e4)
    assert cell.channels["NaTa_t"].values["gNaTa_tbar"][region == "apical"] == pytest.approx(213)
    assert np.all(cell.channels["Im"].values["gImbar"][region != "apical"] == 0)
    pool = cell.channels["CaDynamics_E2"].values
    assert pool["decay"][soma] == pytest.approx(0.460)
    assert pool["gamma"][region == "apical"] == pytest.approx(5.09e-4)
    assert np.all(pool["present"][np.isin(region, ["basal", "axon"])] == 0)
    basal_ih = cell.channels["Ih"].values["gIhbar"][region == "basal"]
    assert basal_ih == pytest.approx(2e-4 * 1e4)


def test_ih_gradient_and_calcium_hot_zone(cell):
    """Ih = 2e-4 (-0.8696 + 2.087 exp(3.6161 d / 1300.5)); the hot zone 685 < d < 885 um; the
    last compartment of each apical section at its far end (the for (x) artefact)."""
    t = cell.morphology.compartments
    ap = np.asarray(t.region) == "apical"
    n_of = np.bincount(t.section_index)
    last = t.index_in_section == n_of[t.section_index] - 1
    d = np.where(last, t.distance_end, t.distance)[ap]
    lmax = t.distance_end[ap].max()
    ih = cell.channels["Ih"].values["gIhbar"][ap] * 1e-4
    assert ih == pytest.approx(2e-4 * (-0.8696 + 2.087 * np.exp(3.6161 * d / lmax)), rel=1e-12)
    assert ih.max() / 2.4348e-4 == pytest.approx(63.04, abs=0.01)  # "rises about 60-fold"
    lva = cell.channels["Ca_LVAst"].values["gCa_LVAstbar"][ap] * 1e-4
    hot = (d > 685) & (d < 885)
    assert np.all(lva[hot] == pytest.approx(0.0187)) and np.all(lva[~hot] == pytest.approx(1.87e-4))
    hva = cell.channels["Ca_HVA"].values["gCa_HVAbar"][ap] * 1e-4
    assert np.all(hva[hot] == pytest.approx(5.55e-4)) and np.all(
        hva[~hot] == pytest.approx(5.55e-5)
    )
    assert hot.sum() == 29  # measured
    centre = hay2011(section_ends="centre")
    ih_c = centre.channels["Ih"].values["gIhbar"][ap]
    assert np.array_equal(ih_c[~last[ap]], cell.channels["Ih"].values["gIhbar"][ap][~last[ap]])
    assert np.all(ih_c[last[ap]] < cell.channels["Ih"].values["gIhbar"][ap][last[ap]])


def test_protocol_sites_are_on_the_apical_trunk(cell):
    """``locateSites`` + widest: the 620 um site is a compartment centre at ~617 um on an apical
    trunk section, the 400 um site on the same section (hay2011.md)."""
    m = cell.morphology
    t = m.compartments
    distal = locate_site(m, 620 * um)
    proximal = locate_site(m, 400 * um)
    assert distal[0] == proximal[0] == "apical36"
    assert t.distance[m.locate(*distal)] == pytest.approx(617.35, abs=0.05)
    for d, section in ((660, "apical37"), (800, "apical37"), (830, "apical37")):
        sec, x = locate_site(m, d * um)
        k = m.locate(sec, x)
        assert sec == section and t.distance_start[k] <= d <= t.distance_end[k]
        # the widest of the apical compartments at that distance (trunk, not an oblique)
        assert t.diameter[k] == t.diameter[m.at_distance(d * um, "apical")].max()
    with pytest.raises(PlacementError):
        locate_site(m, 2000 * um)


def test_bac_protocol_electrodes():
    c = hay2011()
    sites = bac_protocol(c, "bap")
    assert set(sites) == {"soma", "proximal", "distal", "bap660", "bap800"}
    soma, dend = c.electrodes
    assert soma.waveform.amplitude == pytest.approx(1.9e-9) and soma.waveform.start == 0.295
    assert dend.waveform.amplitude == 0 and dend.compartment == c.morphology.locate(
        *sites["distal"]
    )
    c3 = hay2011()
    bac_protocol(c3, "epsp3")
    assert c3.electrodes[0].waveform.amplitude == 0
    assert c3.electrodes[1].waveform.amplitude == pytest.approx(1.5e-9)
    assert c3.electrodes[1].waveform.onset == pytest.approx(0.300)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: hay2011(axon="none"), "axon"),
        (lambda: hay2011(section_ends="x=1"), "section_ends"),
        (lambda: bac_protocol(hay2011(), "CaBurst"), "condition"),
        (lambda: step_protocol(hay2011(), 4), "step_number"),
        (lambda: PulseTrain(1 * nA, 0 * ms, 5 * ms, 100 * Hz, n=0), "n"),
    ],
)
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ParameterError, match=name):
        call()


def test_features_on_hand_made_traces():
    t = np.arange(0, 400, 0.1)
    soma = np.full_like(t, -70.0)
    for s in (300.0, 310.0, 330.0):
        soma[(t >= s) & (t < s + 1)] = 20.0
    soma[(t > 302) & (t < 309)] = -60.0
    dend = np.full_like(t, -70.0)
    dend[(t >= 301) & (t < 341)] = 0.0
    f = bac_features(t, soma, dend)
    assert f["n_spikes"] == 3 and f["first_isi_ms"] == pytest.approx(10.0)
    assert f["ahp_mV"] == -70.0 and f["ca_peak_mV"] == 0.0
    assert f["ca_width_ms"] == pytest.approx(40.0, abs=0.11)
    assert bap_amplitude(t, dend) == pytest.approx(70.0)
    wave = PulseTrain(2 * nA, 250 * ms, 5 * ms, 100 * Hz, n=3)
    s = wave.sample(np.array([0.249, 0.250, 0.2549, 0.256, 0.260, 0.275, 0.281]))
    assert np.allclose(s, [0, 2e-9, 2e-9, 0, 2e-9, 2e-9, 0])


# ------------------------------------------------------------------------------ validation
def _run(cell, sites, duration, record_dt=0.025 * ms):
    ds = simulate(
        cell, duration, dt=0.025 * ms, record={"v": list(sites.values())}, record_dt=record_dt,
        time_stepping="crank-nicolson",
    )  # fmt: skip
    m = cell.morphology
    return ds.time.values, {k: ds.v.sel(compartment=m.locate(*s)).values for k, s in sites.items()}


@pytest.fixture(scope="module")
def bac_runs():
    """The four conditions of BAC_firing.hoc (one C++ build; ~7 s per run)."""
    out = {}
    for cond in ("bac", "bap", "epsp", "epsp3"):
        c = hay2011()
        t, v = _run(c, bac_protocol(c, cond), 600 * ms)
        f = bac_features(t, v["soma"], v["distal"])
        f["bap660"], f["bap800"] = bap_amplitude(t, v["bap660"]), bap_amplitude(t, v["bap800"])
        out[cond] = f
    return out


@pytest.mark.standalone
@pytest.mark.slow
def test_bac_protocol_spike_counts(bac_runs):
    """bAP alone 1 AP; dendritic current alone 0 APs; both together 3 APs (Hay et al. 2011)."""
    assert bac_runs["bap"]["n_spikes"] == 1
    assert bac_runs["epsp"]["n_spikes"] == 0
    assert bac_runs["bac"]["n_spikes"] == 3


@pytest.mark.standalone
@pytest.mark.slow
def test_bac_first_isi_and_calcium_spike_width(bac_runs):
    """First ISI 9.9 +- 2 x 0.85 ms (measured 9.70); Ca-spike width at -55 mV at the 620 um site
    37.4 +- 2 x 1.3 ms (measured 37.7)."""
    assert _in_2sd(bac_runs["bac"]["first_isi_ms"], "bac_first_isi_ms")
    assert _in_2sd(bac_runs["bac"]["ca_width_ms"], "ca_spike_width_ms")
    # no Ca spike without the somatic AP: the 620 um site stays below -55 mV (measured -59.6)
    assert bac_runs["epsp"]["ca_width_ms"] == 0


@pytest.mark.standalone
@pytest.mark.slow
def test_bap_amplitudes_at_660_and_800_um(bac_runs):
    """bAP alone: 45 +- 2 x 10 mV at 660 um (measured 32.6), 36 +- 2 x 9.33 mV at 800 um
    (measured 23.8)."""
    assert _in_2sd(bac_runs["bap"]["bap660"], "bap_amplitude_660um_mV")
    assert _in_2sd(bac_runs["bap"]["bap800"], "bap_amplitude_800um_mV")
    assert bac_runs["bap"]["bap800"] < bac_runs["bap"]["bap660"]  # it decays with distance


# Measured with the original files (ModelDB 139653 via the OpenSourceBrain mirror, nrnivmodl)
# in NEURON 9.0.2 with CVode, the published simulations' integrator, on this machine: spikes
# (-10 mV crossings) between 700 and 2700 ms of Step_current_firing.hoc / 2 s.
NEURON_STEP_RATES_HZ = {1: 11.0, 2: 13.5, 3: 19.5}
STEP_MEASURED_HZ = {1: 11.0, 2: 13.5, 3: 19.5}  # this package, Crank-Nicolson, dt 0.025 ms


@pytest.fixture(scope="module")
def step_rates():
    """The three steps of Step_current_firing.hoc (3 s each; ~35 s per run)."""
    rates = {}
    for k in (1, 2, 3):
        c = hay2011()
        t, v = _run(c, step_protocol(c, k), 3000 * ms, record_dt=0.1 * ms)
        sp = spike_times(t, v["soma"], -10.0)
        rates[k] = ((sp >= 700) & (sp < 2700)).sum() / 2.0
    return rates


@pytest.mark.standalone
@pytest.mark.slow
def test_step_rates_are_those_of_the_original_model(step_rates):
    """The reimplementation fires as the original files do in NEURON (within one spike in 2 s)."""
    for k, rate in NEURON_STEP_RATES_HZ.items():
        assert step_rates[k] == pytest.approx(rate, abs=0.5)


def _step_case(k):
    key = f"step{k}_rate_Hz"
    mean, sd = HAY2011_TARGETS[key]
    measured = STEP_MEASURED_HZ[k]
    if abs(measured - mean) <= 2 * sd:
        return pytest.param(k, id=f"step{k}")
    reason = (
        f"step {k}: {measured} Hz measured (the original model in NEURON: "
        f"{NEURON_STEP_RATES_HZ[k]} Hz), target {mean} +- 2 x {sd} Hz"
    )
    return pytest.param(k, id=f"step{k}", marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.parametrize("k", [_step_case(k) for k in (1, 2, 3)])
def test_step_rates_against_the_published_targets(step_rates, k):
    """Mean rate within 2 SD of the experimental mean (6 +- 1.22, 8.5 +- 0.98, 17.5 +- 0.8 Hz
    at 0.619, 0.793, 1.507 nA; ``HAY2011_TARGETS``, the step targets as BluePyOpt's L5PC example
    carries them: hay2011.md lists none). Not met, by this package or by the original files in
    NEURON (both 11.0, 13.5, 19.5 Hz): strict xfails, not weakened."""
    assert _in_2sd(step_rates[k], f"step{k}_rate_Hz")


def _train(frequency, amplitude, n):
    c = hay2011()
    t, v = _run(c, pulse_train_protocol(c, frequency * Hz, amplitude * nA, n=n), 500 * ms, 0.1 * ms)
    base = v["dend"][t < 250][-1]
    after = t >= 250
    return float(v["dend"][after].max()), float(np.sum(v["dend"][after] - base) * 0.1)


@pytest.mark.standalone
@pytest.mark.slow
def test_critical_frequency_is_a_jump_between_60_and_200_hz():
    """hay2011.md's robust form: the single-pulse Ca-spike threshold at the 830 um site (a Ca
    spike: the site peaks above -20 mV), then 5 pulses at 97 % of it. Below some frequency no Ca
    spike, above it one: the dendritic voltage integral jumps between two neighbouring
    frequencies, by far more than it changes anywhere else. Measured (benchmarks/hay_bac.py):
    threshold 1.98 nA, jump between 140 and 160 Hz, 5.5x the next largest change (NEURON CVode
    with the original files: 1.966 nA, jump between 140 and 160 Hz, 5x)."""
    lo, hi = 1.5, 3.0
    for _ in range(6):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if _train(100.0, mid, 1)[0] > -20 else (mid, hi)
    assert 1.8 < hi < 2.2
    freqs = [60, 80, 100, 120, 140, 160, 200]
    runs = [_train(float(f), 0.97 * hi, 5) for f in freqs]
    peaks, integrals = np.array(runs).T
    assert peaks[0] < -20 < peaks[-1]  # no Ca spike at 60 Hz, one at 200 Hz
    jumps = np.diff(integrals)
    k = int(np.argmax(jumps))
    assert jumps[k] > 3 * np.delete(np.abs(jumps), k).max()
    assert peaks[k] < -20 < peaks[k + 1]
