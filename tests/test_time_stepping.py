"""Second-order (Crank-Nicolson) time stepping of the cable vs backward Euler (the default).

``simulate(..., time_stepping="crank-nicolson")`` runs NEURON's ``secondorder`` scheme in the
Hines cable step (:mod:`dendrites.hines`): the backward-Euler system over dt/2, then
``v(t + dt) = 2 v(t + dt/2) - v(t)``. Checked here:

* the option is validated and refused where Brian2's own cable solver runs (no build);
* it enters the structure key, and electrode currents are sampled at the middle of each step;
* on Rall's sealed cable and on a branched tree, the error against a converged reference on the
  same spatial grid (Crank-Nicolson at dt 1 us, so that only the time error counts) falls as
  dt^2 with Crank-Nicolson and as dt with backward Euler;
* Rallpack 1: second order at the far end, not at the injection site (see below), and within
  the Rallpack tolerances against its analytic reference;
* spike times on the HH Rallpack 3 axon: the combined scheme (gates staggered half a step, as in
  NEURON) is second order.

Crank-Nicolson is not L-stable: after a step of the injected current the stiffest
(short-wavelength) modes of the cable flip sign from one step to the next and decay slowly at
coarse dt. The order is therefore fitted on a window that starts a few ms after the last switch
of the input, and the whole-run error is compared between the schemes at dt 0.025 ms.
``benchmarks/time_stepping.py`` tabulates both over more dts, and a synapse (first order with
either scheme: a conductance enters a step at its value at the step's start). Run with
``pytest -s`` to see the measured values (one ``[time stepping] ...`` line per check). Each
scheme and dt is a separate C++ build.
"""

from __future__ import annotations

from pathlib import Path

import brian2
import numpy as np
import pytest
from brian2 import cm, mm, ms, msiemens, mV, nA, ohm, siemens, uF, um, us

from dendrites import Cell, Model, morphology, simulate
from dendrites.errors import ParameterError
from dendrites.morphology import Morphology, Section
from dendrites.plan import Plan, values
from dendrites.stimuli import EPSCWave, Step

BE, CN = "backward-euler", "crank-nicolson"
REFERENCE_DT = 1 * us
SAMPLE = 0.2 * ms  # recording interval, a multiple of every dt used


RALLPACK_DATA = Path(brian2.__file__).parent / "tests" / "rallpack_data"


def report(name: str, measured: float, bounds: str) -> None:
    """Print one measured value next to its bounds (visible with ``pytest -s``)."""
    print(f"\n[time stepping] {name}: {measured:.3g} ({bounds})", end="")


def sealed_cable() -> Cell:
    """Rall's sealed cable of ``tests/test_cable.py``: d 1 um, l 300 um (0.73 lambda), Rm 1e4
    ohm cm2, Ri 150 ohm cm, tau 10 ms, 20 compartments, 0.02 nA into x = 0 from t = 0."""
    m = morphology.cable(length=300 * um, diameter=1 * um, n=20)
    cell = Cell(m, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-70 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    cell.add_current_clamp(0, Step(0.02 * nA, 0 * ms))
    return cell


def branched_tree() -> Cell:
    """A spherical soma (20 um) and a binary tree of depth 3 (7 sections of 150 um, 6
    compartments each, 2 um from the soma, Rall's 3/2 rule), passive, a 0.2 nA somatic step from
    1 to 11 ms."""
    tree = morphology.binary_tree(depth=3, length=150 * um, diameter=2 * um, n=6)
    sections = [morphology._soma(20.0)]
    for sec in tree.sections:
        points = sec.points + np.array([0.0, 10.0, 0.0, 0.0])  # from the soma's surface
        sections.append(Section(sec.name, sec.region, sec.parent or "soma", points, sec.n))
    cell = Cell(Morphology(sections), Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-65 * mV)
    cell.add_current_clamp(0, Step(0.2 * nA, 1 * ms, 10 * ms))
    return cell


# ------------------------------------------------------------------------ options, no build
def test_unknown_time_stepping_is_named():
    with pytest.raises(ParameterError, match=r"time_stepping.*'crank-nicholson'.*crank-nicolson"):
        Model(sealed_cable(), 5 * ms, time_stepping="crank-nicholson")


@pytest.mark.parametrize(
    "options",
    [{"cable_solver": "brian2"}, {"backend": "runtime"}, {"openmp_threads": 2}],
    ids=["brian2-solver", "runtime", "openmp"],
)
def test_crank_nicolson_is_refused_where_brian2s_solver_runs(options):
    """Brian2's own cable solver (asked for, or used by the runtime backend and with OpenMP
    threads) steps by backward Euler only: Crank-Nicolson is refused, naming the option."""
    with pytest.raises(ParameterError, match=r"time_stepping.*Hines"):
        Model(sealed_cable(), 5 * ms, time_stepping=CN, **options)
    Model(sealed_cable(), 5 * ms, time_stepping=BE, **options)  # backward Euler is accepted


def test_time_stepping_enters_the_key_and_centres_electrode_samples():
    """The scheme changes the generated code (a new key); Crank-Nicolson samples electrode
    currents at the middle of each step (second order for a smooth waveform), which leaves a
    step current that switches on the time grid unchanged."""
    dt = 0.1 * ms
    cell = sealed_cable()
    cell.add_current_clamp(5, EPSCWave(0.1 * nA, 1 * ms))
    be = Plan(cell, 5 * ms, dt, None, None, 0.5, time_stepping=BE)
    cn = Plan(cell, 5 * ms, dt, None, None, 0.5, time_stepping=CN)
    assert be.key != cn.key
    assert be.key == Plan(cell, 5 * ms, dt, None, None, 0.5).key  # the default
    clamp_be, clamp_cn = (
        values(cell, be)[("clamp_ta", "values")],
        values(cell, cn)[("clamp_ta", "values")],
    )
    k = np.arange(be.n_steps + 1)
    wave = cell.electrodes[1].waveform
    col_step, col_wave = be.electrode_cols[0], be.electrode_cols[5]
    np.testing.assert_array_equal(clamp_be[:, col_wave], wave.sample(k * 1e-4))
    np.testing.assert_array_equal(clamp_cn[:, col_wave], wave.sample((k + 0.5) * 1e-4))
    np.testing.assert_array_equal(clamp_cn[:, col_step], clamp_be[:, col_step])


# ---------------------------------------------------------------------- convergence in dt
def errors(make, duration, late, runs) -> dict[tuple[str, float], tuple[float, float]]:
    """Max |v - v_ref| (mV) over every compartment and 0.2 ms sample, over the whole run and from
    `late` (ms) on, for each ``(scheme, dt in ms)`` of `runs`; the reference is Crank-Nicolson at
    :data:`REFERENCE_DT` on the same grid."""
    kwargs = {"record": {"v": "all"}, "record_dt": SAMPLE}
    ref = simulate(make(), duration, dt=REFERENCE_DT, time_stepping=CN, **kwargs)
    window = ref.time.values >= late - 1e-9
    out = {}
    for scheme, dt in runs:
        ds = simulate(make(), duration, dt=dt * ms, time_stepping=scheme, **kwargs)
        assert ds.attrs["time_stepping"] == scheme
        diff = np.abs(ds.v.values - ref.v.values)
        out[scheme, dt] = float(diff.max()), float(diff[window].max())
        print(
            f"\n[time stepping] {scheme} dt {dt} ms: max |dv| {out[scheme, dt][0]:.3e} mV, "
            f"from {late} ms {out[scheme, dt][1]:.3e} mV",
            end="",
        )
    return out


def order(errs, scheme, dts, which=1) -> float:
    """Slope of log(error) on log(dt) (``which``: 0 whole run, 1 late window)."""
    e = [errs[scheme, dt][which] for dt in dts]
    return float(np.polyfit(np.log(dts), np.log(e), 1)[0])


#: Fitted orders (late window). Measured on the sealed cable: Crank-Nicolson 2.04 over dt 0.1,
#: 0.05, 0.025 ms (6.8e-5, 1.6e-5, 4.1e-6 mV), backward Euler 1.00 over 0.1 and 0.025 ms.
CN_ORDER = (1.8, 2.2)
BE_ORDER = (0.9, 1.1)


@pytest.mark.standalone
@pytest.mark.slow
def test_crank_nicolson_is_second_order_on_a_sealed_cable():
    """Rall's sealed cable: the late error (from 5 ms, i.e. 5 ms after the current switched on)
    falls as dt^2 with Crank-Nicolson and as dt with backward Euler; over the whole run, onset
    included, Crank-Nicolson at 0.025 ms is more than 10x closer to the reference than backward
    Euler (measured 1.2e-3 vs 3.9e-2 mV, 34x)."""
    dts = [0.1, 0.05, 0.025]
    runs = [(CN, dt) for dt in dts] + [(BE, 0.1), (BE, 0.025)]
    errs = errors(sealed_cable, 20 * ms, 5, runs)
    cn, be = order(errs, CN, dts), order(errs, BE, [0.1, 0.025])
    report("sealed cable: Crank-Nicolson order (late)", cn, f"within {CN_ORDER}")
    report("sealed cable: backward Euler order (late)", be, f"within {BE_ORDER}")
    assert CN_ORDER[0] < cn < CN_ORDER[1]
    assert BE_ORDER[0] < be < BE_ORDER[1]
    ratio = errs[BE, 0.025][0] / errs[CN, 0.025][0]
    report("sealed cable, dt 0.025 ms: whole-run error BE / CN", ratio, "> 10")
    assert ratio > 10


@pytest.mark.standalone
@pytest.mark.slow
def test_crank_nicolson_is_second_order_on_a_branched_tree():
    """The soma and binary tree, a somatic step from 1 to 11 ms: from 16 ms on (5 ms after the
    step ended) the error falls as dt^2 with Crank-Nicolson (measured 2.00 over dt 0.1, 0.05,
    0.025 ms: 6.3e-5, 1.6e-5, 4.0e-6 mV). Over the whole run, at 0.025 ms, Crank-Nicolson's error
    is 9.0e-4 mV, backward Euler's 0.052 mV (``benchmarks/time_stepping.py``)."""
    dts = [0.1, 0.05, 0.025]
    errs = errors(branched_tree, 20 * ms, 16, [(CN, dt) for dt in dts])
    cn = order(errs, CN, dts)
    report("branched tree: Crank-Nicolson order (late)", cn, f"within {CN_ORDER}")
    assert CN_ORDER[0] < cn < CN_ORDER[1]


@pytest.mark.standalone
@pytest.mark.slow
def test_rallpack1_with_crank_nicolson():
    """Rallpack 1 (``tests/test_cable.py``: 1 mm, 1 um cable in 1000 compartments of 1 um, 0.1 nA
    into x = 0 from t = 0, 250 ms) with Crank-Nicolson at dt 0.1, 0.05, 0.025 ms.

    * Against the converged reference (Crank-Nicolson at 1 us) at the far end, x = 1 mm, the
      error falls as dt^2 (measured 2.0).
    * At the injection site, x = 0, it does not: the 1 um compartments make the cable's
      short-wavelength modes so stiff (time constants ~10 ns) that Crank-Nicolson's amplification
      factor for them is ~-1; the current step at t = 0 excites them and they ring for many
      steps (NEURON's ``secondorder`` does the same). Measured max |dv| at x = 0: 1.09, 0.55,
      0.25 mV (order ~1.1), where backward Euler gives 0.61, 0.31, 0.16 mV; from 50 ms on,
      Crank-Nicolson's is 3.2e-2, 4.9e-3, 9.0e-5 mV, backward Euler's 5.7e-2, 2.8e-2, 1.4e-2.
    * At dt 0.05 ms it meets the Rallpack tolerances of the backward-Euler test against the
      analytic reference (relative RMS 0.1 %, max 0.5 % of the range; every fourth sample).
    """
    dts = [0.1, 0.05, 0.025]
    duration, where = 250 * ms, [0, 999]

    def make() -> Cell:  # as tests/test_cable.py's Rallpack 1
        m = morphology.cable(length=1 * mm, diameter=1 * um, n=1000)
        cell = Cell(m, Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
        cell.insert("pas", g=1 / (40000 * ohm * cm**2), E=-65 * mV)
        cell.add_current_clamp(0, Step(0.1 * nA, 0 * ms))
        return cell

    kwargs = {"record": {"v": where}, "record_dt": SAMPLE}
    ref = simulate(make(), duration, dt=REFERENCE_DT, time_stepping=CN, **kwargs)
    far, near, runs = [], [], {}
    for dt in dts:
        ds = simulate(make(), duration, dt=dt * ms, time_stepping=CN, **kwargs)
        runs[dt] = ds
        diff = np.abs(ds.v.values - ref.v.values).max(axis=0)
        near.append(diff[0])
        far.append(diff[1])
        print(
            f"\n[time stepping] Rallpack 1, dt {dt} ms: max |dv| at x = 0 {diff[0]:.3e} mV, "
            f"at x = 1 mm {diff[1]:.3e} mV",
            end="",
        )
    slope_far = float(np.polyfit(np.log(dts), np.log(far), 1)[0])
    slope_near = float(np.polyfit(np.log(dts), np.log(near), 1)[0])
    report("Rallpack 1: Crank-Nicolson order at x = 1 mm", slope_far, f"within {CN_ORDER}")
    report("Rallpack 1: Crank-Nicolson order at x = 0 (not asserted)", slope_near, "measured 1.1")
    assert CN_ORDER[0] < slope_far < CN_ORDER[1]
    ds = runs[0.05]
    for comp, fname in [(0, "ref_cable.0"), (999, "ref_cable.x")]:
        ref_trace = np.loadtxt(RALLPACK_DATA / fname)[::4][: len(ds.time)]
        np.testing.assert_allclose(ds.time.values * 1e-3, ref_trace[:, 0], rtol=0, atol=1e-12)
        v = ds.v.sel(compartment=comp).values * 1e-3
        diff = v - ref_trace[:, 1]  # relative to the reference's range, as Brian2's test
        rms = np.sqrt(np.mean(diff**2)) / np.ptp(ref_trace[:, 1])
        mx = np.max(np.abs(diff)) / np.ptp(ref_trace[:, 1])
        report(f"Rallpack 1 (CN, dt 0.05 ms) {fname} relative RMS", 100 * rms, "< 0.1 %")
        report(f"Rallpack 1 (CN, dt 0.05 ms) {fname} relative max", 100 * mx, "< 0.5 %")
        assert 100 * rms < 0.1
        assert 100 * mx < 0.5


def spike_times(time: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Upward 0 mV crossings, linearly interpolated (ms)."""
    k = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    return time[k] + (0 - v[k]) / (v[k + 1] - v[k]) * (time[k + 1] - time[k])


@pytest.mark.standalone
@pytest.mark.slow
def test_crank_nicolson_with_hh_gates_is_second_order():
    """The Rallpack 3 axon (Rallpack 1 with HH everywhere) for 25 ms: the membrane current is
    linearised at v(t) and the gates are advanced (exponential Euler at v(t)) before the cable
    step, i.e. staggered half a step from v as in NEURON; the combined scheme is second order.
    Spike times at both ends against Crank-Nicolson at 0.5 us: errors (ms) 0.0179, 0.00443,
    0.00111 at dt 0.05, 0.025, 0.0125 ms (order 2.01); backward Euler at 0.025 ms: 0.132 ms."""
    duration, where = 25 * ms, [0, 999]

    def make() -> Cell:
        m = morphology.cable(length=1 * mm, diameter=1 * um, n=1000)
        cell = Cell(m, Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
        cell.insert("pas", g=1 / (40000 * ohm * cm**2), E=-65 * mV)
        cell.insert(
            "hh",
            gnabar=120 * msiemens / cm**2,
            gkbar=36 * msiemens / cm**2,
            ENa=50 * mV,
            EK=-77 * mV,
            V0=-65 * mV,
        )
        cell.add_current_clamp(0, Step(0.1 * nA, 0 * ms))
        return cell

    def spikes(scheme, dt) -> list[np.ndarray]:
        ds = simulate(
            make(), duration, dt=dt, record={"v": where}, record_dt=SAMPLE, time_stepping=scheme
        )
        return [spike_times(ds.time.values, ds.v.values[:, j]) for j in range(len(where))]

    ref = spikes(CN, 0.5 * us)
    assert [len(s) for s in ref] == [2, 2]

    def error(scheme, dt) -> float:
        got = spikes(scheme, dt * ms)
        assert [len(s) for s in got] == [len(s) for s in ref]
        err = max(float(np.max(np.abs(g - r))) for g, r in zip(got, ref, strict=True))
        print(
            f"\n[time stepping] HH cable {scheme} dt {dt} ms: max spike-time error {err:.3e} ms",
            end="",
        )
        return err

    dts = [0.05, 0.025, 0.0125]
    errs = [error(CN, dt) for dt in dts]
    cn = float(np.polyfit(np.log(dts), np.log(errs), 1)[0])
    report("HH cable: Crank-Nicolson order (spike times)", cn, f"within {CN_ORDER}")
    assert CN_ORDER[0] < cn < CN_ORDER[1]
    ratio = error(BE, 0.025) / errs[1]
    report("HH cable, dt 0.025 ms: spike-time error BE / CN", ratio, "> 10 (measured 30)")
    assert ratio > 10
