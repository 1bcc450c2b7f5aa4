"""NMODL export (issue #14, part 3): every built-in mechanism in NEURON through NMODL generated from
its own Brian2 equations, cross-checked against the package.

* Pure tests of the generator: every built-in mechanism gives text NEURON's NMODL parser reads,
  names are unique per content and the same in every process, bad input gives named errors.
* NEURON only: the generated ``hh`` against NEURON's built-in ``hh`` (an independent check of the
  generator), a compile error names the file and line.
* Package vs NEURON (:func:`dendrites.crosscheck.crosscheck`, two builds): a cortical cell with the
  regular-spiking set, the dCaAP and every receptor (double exponentials with and without Mg
  block, ExpSyn, the alpha synapse, the kinetic NMDA receptor), and a cell with the Hay channels
  and the calcium pool. Issue #14's targets: spike times within 0.05 ms, v RMS below 0.5 mV at
  every recorded site.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from brian2 import cm, mA, mM, ms, mV, nA, nS, ohm, siemens, uF

from dendrites import Cell, morphology
from dendrites.errors import ParameterError
from dendrites.mechanisms import (
    CHANNELS,
    RECEPTORS,
    Channel,
    Current,
    fixed_reversal,
    hh,
    nmda_receptor,
)
from dendrites.models.hay2011 import _SOMA
from dendrites.nmodl.export import ExportError, export, nmodl_name, to_nmodl
from dendrites.stimuli import EPSCWave, Step

S = siemens / cm**2
ALL = [*CHANNELS.values(), *RECEPTORS.values(), fixed_reversal("ca")]


# ------------------------------------------------------------------------------ pure
@pytest.mark.parametrize("mechanism", ALL, ids=lambda m: m.name)
def test_every_builtin_mechanism_gives_nmodl_neuron_parses(mechanism):
    dsl = pytest.importorskip("neuron.nmodl.dsl")
    ex = export(mechanism)
    dsl.NmodlDriver().parse_string(ex.text)  # raises on a syntax error
    kind = "POINT_PROCESS" if isinstance(mechanism, type(RECEPTORS["ampa"])) else "SUFFIX"
    assert f"{kind} {ex.name}" in ex.text and ex.name.startswith(f"dd_{mechanism.name}_")
    # the package's parameter names, holding SI values
    for p in mechanism.parameters:
        assert ex.names[p] in ex.parameters
    assert "NET_RECEIVE(weight (uS))" in ex.text or kind == "SUFFIX"


def test_names_are_unique_per_content_and_the_same_in_every_process():
    assert nmodl_name(hh) == nmodl_name(hh)
    assert nmodl_name(nmda_receptor()) != nmodl_name(nmda_receptor(mg=2 * mM))
    assert nmodl_name(nmda_receptor()) != nmodl_name(nmda_receptor(block="poirazi"))
    names = {nmodl_name(m) for m in ALL}
    assert len(names) == len(ALL)
    code = (
        "from dendrites.mechanisms import CHANNELS, RECEPTORS; from dendrites.nmodl.export import"
        " nmodl_name; print(sorted(nmodl_name(m) for m in [*CHANNELS.values(), "
        "*RECEPTORS.values()]))"
    )
    # string hashing (set order) differs between this process and one with a fixed seed
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    expected = sorted(nmodl_name(m) for m in [*CHANNELS.values(), *RECEPTORS.values()])
    assert run.stdout.strip() == str(expected)


def test_values_are_si_and_currents_neurons_convention():
    text = to_nmodl(hh)
    assert "gnabar = 1200" in text  # 120 mS/cm2 in S/m2
    assert "ENa = 0.05" in text
    # hh's currents carry their ions (as NEURON's hh.mod): inward A/m2 -> outward mA/cm2
    assert "USEION na WRITE ina" in text and "USEION k WRITE ik" in text
    assert "ina = -(" in text and ")*0.1" in text
    # a current without an ion (the leak) is nonspecific
    assert "NONSPECIFIC_CURRENT i_L" in to_nmodl(CHANNELS["pas"])
    assert "USEION na WRITE ina" in to_nmodl(CHANNELS["NaTa_t"])
    pool = to_nmodl(CHANNELS["CaDynamics_E2"])
    assert "USEION ca READ ica WRITE cai, eca" in pool
    assert "ica_si = ica*10" in pool and "eca = eca_si/0.001" in pool


def _channel(equations: str, method: str = "exponential_euler") -> Channel:
    return Channel(
        name="bad",
        equations=equations,
        currents=(Current("x", "gbar*m", "E"),),
        parameters={"gbar": 1 * S, "E": 0 * mV, "tau": 1 * ms},
        densities=("gbar",),
        initial={"m": "0"},
        method=method,
    )


@pytest.mark.parametrize(
    ("equations", "method", "match"),
    [
        ("dm/dt = (rand() - m)/tau : 1", "exponential_euler", r"'bad'.*function 'rand'"),
        ("dm/dt = (q - m)/tau : 1\nq = zz*2 : 1", "exponential_euler", r"unknown name 'zz'"),
        ("dm/dt = -m/tau : 1", "heun", r"method.*'heun'"),
    ],
)
def test_untranslatable_input_gives_a_named_error(equations, method, match):
    with pytest.raises(ExportError, match=match) as info:
        to_nmodl(_channel(equations, method))
    assert info.value.mechanism == "bad"
    with pytest.raises(ParameterError, match="expected a Channel or a Receptor"):
        to_nmodl("hh")


# ------------------------------------------------------------------------------ NEURON only
@pytest.mark.standalone  # nrnivmodl compiles C++
def test_a_compile_error_names_the_file_and_line(tmp_path):
    pytest.importorskip("neuron")
    from dendrites.nmodl.compile import NmodlCompileError, compile_mod

    text = "NEURON { SUFFIX dd_broken }\nPARAMETER { g = 1 }\nBREAKPOINT {\n  g = = 2\n}\n"
    with pytest.raises(NmodlCompileError) as info:
        compile_mod([("broken.mod", text)], folder=tmp_path)
    print(info.value)
    assert info.value.path == "broken.mod" and info.value.line == 4
    assert len(str(info.value)) < 1000  # the relevant lines, not the whole log


@pytest.mark.standalone  # nrnivmodl compiles C++
def test_generated_hh_is_neurons_built_in_hh():
    """An independent check of the generator: NEURON's own hh (exact rates, celsius 6.3, no
    leak) and the hh generated from the package's equations, on the same spiking compartment,
    agree to rounding (measured 8.2e-11 mV over 3 spikes)."""
    pytest.importorskip("neuron")
    from dendrites.crosscheck._neuron import neuron_h
    from dendrites.nmodl.compile import load_mechanisms

    ex = export(hh)
    load_mechanisms([(f"{ex.name}.mod", ex.text)])
    h = neuron_h()

    def run(builtin: bool) -> np.ndarray:
        sec = h.Section(name=f"hh_{builtin}")
        sec.L = sec.diam = 20
        sec.insert("pas")
        if builtin:
            sec.insert("hh")
            h.usetable_hh = 0
            for seg in sec:
                seg.hh.gl, seg.ena, seg.ek = 0.0, 50.0, -77.0
        else:
            sec.insert(ex.name)
        for seg in sec:
            seg.pas.g, seg.pas.e = 1e-4, -65.0
        ic = h.IClamp(sec(0.5))
        ic.delay, ic.dur, ic.amp = 5.0, 40.0, 0.1
        v = h.Vector().record(sec(0.5)._ref_v)
        h.CVode().active(0)
        h.dt, h.celsius, h.secondorder = 0.025, 6.3, 0
        h.finitialize(-65.0)
        while h.t < 50 - 1e-9:
            h.fadvance()
        return np.asarray(v)

    a, b = run(True), run(False)
    print(f"generated vs built-in hh: max |dv| {np.abs(a - b).max():.1e} mV")
    assert ((a[1:] > 0) & (a[:-1] <= 0)).sum() >= 3
    assert np.abs(a - b).max() < 1e-8


@pytest.mark.standalone  # nrnivmodl compiles C++
def test_export_cell_writes_a_script_neuron_runs_without_the_package(tmp_path):
    """export_cell's script (NEURON and numpy only) gives the trace of to_neuron (measured:
    identical, 0 mV)."""
    pytest.importorskip("neuron")
    from dendrites.crosscheck import export_cell, to_neuron

    cell = Cell(morphology.ball_and_stick(n=5), Ri=150 * ohm * cm, Cm=1 * uF / cm**2)
    cell.insert("pas", g=1e-4 * S, E=-65 * mV)
    cell.insert("hh", where="soma")
    cell.add_current_clamp(0, Step(0.3 * nA, 2 * ms, 10 * ms))
    cell.add_current_clamp(("dend", 1), EPSCWave(0.1 * nA, 3 * ms))
    cell.add_synapses("s", at=[("dend", 0.5)], receptors={"nmda": 2 * nS}, spikes=[1.01] * ms)
    script = export_cell(cell, tmp_path / "cell", duration=20 * ms)
    assert sorted(p.suffix for p in script.parent.iterdir()).count(".mod") == 3
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, timeout=300)
    _t, v = np.loadtxt(script.parent / "v_soma.csv", delimiter=",", skiprows=1).T
    nc = to_neuron(cell)
    try:
        _, ref = nc.run(20.0, 0.025, sites=[0])
    finally:
        nc.close()
    assert v.max() > 0  # the hh soma spiked
    np.testing.assert_allclose(v[: len(ref)], ref[:, 0], rtol=0, atol=1e-9)


# ------------------------------------------------------------------------------ package vs NEURON
def cortical_cell() -> tuple[Cell, int]:
    """A y-shaped cell: regular-spiking soma (Pospischil et al. 2008) driven by a step, the dCaAP
    on the trunk, every receptor on the two branches."""
    m = morphology.y_branch(n=9)
    cell = Cell(m, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-68 * mV)
    cell.insert("pas", g=5e-5 * S, E=-68 * mV)
    cell.insert("rs", where=lambda c: c.distance < 1)
    site = int(np.flatnonzero(np.asarray(m.compartments.section) == "trunk")[-2])
    cell.insert("dcaap", where=lambda c: np.arange(len(c.distance)) == site, w=0.3 * mA / cm**2)
    cell.add_current_clamp(0, Step(0.15 * nA, 10 * ms, 60 * ms))
    cell.add_synapses(
        "a",
        at=[("left", 0.5)],
        receptors={"ampa": 1 * nS, "nmda": 1 * nS, "gabaa": 0.5 * nS, "expsyn": 0.5 * nS},
        spikes=[5.3, 20.01, 41.7] * ms,
    )
    cell.add_synapses(
        "b",
        at=[("right", 0.9)],
        receptors={"nmda_kinetic": 2 * nS, "ampa_alpha": 1 * nS},
        spikes=[8.12, 30.0] * ms,
    )
    return cell, site


#: Hay et al. (2011) biophys3 densities (S/cm2; ``L5PCbiophys3.hoc``, as in
#: :mod:`dendrites.models.hay2011`): soma, and apical values on the branches (plus the Ca
#: channels of the Ca hot zone, to exercise the pool there).
HAY_SOMA = _SOMA
HAY_DEND = {
    "SK_E2": 0.0012,
    "SKv3_1": 0.000261,
    "NaTa_t": 0.0213,
    "Im": 0.0000675,
    "Ih": 0.0002,
    "Ca_HVA": 0.000555,
    "Ca_LVAst": 0.0187,
}


def hay_cell() -> Cell:
    """Every Hay channel and the calcium pool (two regions with their own pool parameters) on a
    y-shaped cell, a somatic step and a dendritic EPSC."""
    cell = Cell(morphology.y_branch(n=7), Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-75 * mV)
    cell.insert("pas", g=3.38e-5 * S, E=-90 * mV)

    def soma(c):
        return c.distance < 1

    def dend(c):
        return c.distance >= 1

    for name, g in HAY_SOMA.items():
        cell.insert(name, where=soma, **{f"g{name}bar": g * S})
    for name, g in HAY_DEND.items():
        cell.insert(name, where=dend, **{f"g{name}bar": g * S})
    cell.insert("CaDynamics_E2", where=soma, gamma=0.000501, decay=460 * ms)
    cell.insert("CaDynamics_E2", where=dend, gamma=0.000509, decay=122 * ms)
    cell.add_current_clamp(0, Step(0.8 * nA, 20 * ms, 80 * ms))
    cell.add_current_clamp(("left", 1), EPSCWave(0.3 * nA, 60 * ms))
    return cell


def _report(name, ds):
    print(
        f"{name}: spikes {ds.n_spikes_package.values} / NEURON {ds.n_spikes_neuron.values}, "
        f"max |dt| {np.nanmax(ds.max_spike_time_diff.values):.2e} ms, v RMS "
        f"{[f'{x:.1e}' for x in ds.v_rms_diff.values]} mV, max "
        f"{[f'{x:.1e}' for x in ds.v_max_abs_diff.values]} mV"
    )


@pytest.mark.standalone
@pytest.mark.slow
def test_cortical_cell_with_every_receptor_and_the_dcaap_as_neuron():
    pytest.importorskip("neuron")
    from dendrites.crosscheck import crosscheck, to_neuron

    cell, site = cortical_cell()
    # dt 5 us: the kinetic NMDA receptor's rk4 bound for this cell (dendrites.plan)
    ds = crosscheck(cell, 100 * ms, dt=0.005 * ms, record=[0, site, ("left", 0.5), ("right", 0.9)])
    _report("cortical cell", ds)
    n = int(ds.n_spikes_neuron[0])
    assert n >= 10 and int(ds.n_spikes_package[0]) == n == int(ds.n_spikes_matched[0])
    # the dCaAP fired (once: 200 ms refractory) at 13.665 ms, the NMDA synapses depolarised
    nc = to_neuron(cell)
    try:
        nc.run(100.0, 0.005, sites=[site])
        dcaap = getattr(nc.segment(site), nc.mechanisms["dcaap"].name)
        assert 0.01 < dcaap.t_on < 0.02 and dcaap.K > 0.5  # SI: seconds
    finally:
        nc.close()
    # measured: 17 spikes, max |dt| 6.4e-6 ms; v RMS 1.9e-4 mV (soma), 6.6e-5 (dCaAP site),
    # 5.0e-5 and 4.8e-5 mV (synapses); max |dv| 1.5e-3 mV (issue #14's targets: 0.05 ms, 0.5 mV)
    assert float(np.nanmax(ds.max_spike_time_diff.values)) < 5e-5
    assert float(ds.v_rms_diff.max()) < 2e-3


@pytest.mark.standalone
@pytest.mark.slow
def test_hay_channels_and_calcium_pool_as_neuron():
    pytest.importorskip("neuron")
    from dendrites.crosscheck import crosscheck

    ds = crosscheck(hay_cell(), 150 * ms, record=[0, ("trunk", 0.5), ("left", 1)])
    _report("Hay channels", ds)
    n = int(ds.n_spikes_neuron[0])
    assert n >= 3 and int(ds.n_spikes_package[0]) == n == int(ds.n_spikes_matched[0])
    # measured: 6 somatic spikes, max |dt| 6.6e-3 ms; v RMS 0.17 mV (soma), 0.060 (trunk), 0.024
    # mV (branch end). Until the dendritic EPSC (60 ms) the RMS is 0.011 mV at the soma (median
    # |dv| 1.2e-4 mV); the burst the EPSC starts has a spike near threshold, which amplifies the
    # difference. Issue #14's targets: 0.05 ms, 0.5 mV.
    assert float(np.nanmax(ds.max_spike_time_diff.values)) < 0.05
    assert float(ds.v_rms_diff.max()) < 0.5
    early = (ds.v_package - ds.v_neuron).sel(time=slice(0, 59))
    assert float(np.sqrt((early**2).mean("time")).max()) < 0.1
