"""Error vs dt of the cable's time stepping: backward Euler (default) vs Crank-Nicolson.

Each case is run with both schemes at several dt and compared with a converged reference on the
same spatial grid (Crank-Nicolson at a small dt), so that only the time-stepping error counts:

* ``sealed cable``: Rall's finite sealed cable of ``tests/test_cable.py`` (d 1 um, l 300 um,
  Rm 1e4 ohm cm2, Ri 150 ohm cm, 20 compartments), 0.02 nA into x = 0 from t = 0, 20 ms;
* ``branched tree``: a spherical soma (20 um) and a binary tree of depth 3 (150 um branches, 2 um
  from the soma, Rall's 3/2 rule), passive, a 0.2 nA somatic step from 1 to 11 ms, 20 ms;
* ``synapse on cable``: the sealed cable without the electrode, an AMPA synapse (2 nS, 0.2 and
  2 ms rise and decay) at compartment 10 activated at 1 and 4 ms, 20 ms;
* ``Rallpack 1``: 1 mm, 1 um cable in 1000 compartments (Rm 4e4 ohm cm2, Ri 100 ohm cm),
  0.1 nA at x = 0 from t = 0, 250 ms (Bhalla et al. 1992), v at both ends;
* ``HH cable``: the Rallpack 3 axon (Rallpack 1 with HH channels everywhere) for 25 ms: spike
  times at both ends (0 mV upward crossings, interpolated) and v.

Errors: max over the recorded compartments and 0.2 ms samples of ``|v - v_ref|`` (mV), over the
whole run and over a late window that starts a few ms after the last switch of the input (the
sealed cable from 5 ms, the tree from 16 ms, the synapse from 9 ms, Rallpack 1 from 50 ms, the
HH cable from 5 ms); RMS over the whole run; for the HH cable also the max spike-time error (ms,
same spike count required). The order is the slope of a least-squares fit of log(error) on
log(dt), over all dts and without the coarsest.

Crank-Nicolson is A-stable but not L-stable: after a step of the input its stiffest modes (the
short-wavelength ones, time constants of microseconds) flip sign every step and decay only slowly
at coarse dt (amplification (1 - x)/(1 + x), x = dt / (2 tau_mode)). The whole-run error then
holds this ringing at the onset, which does not fall as dt^2 until dt is small enough to damp it;
the late window shows the order of the smooth part.

Usage: ``python benchmarks/time_stepping.py [--quick]`` writes ``results/time_stepping.json`` and
``results/time_stepping.md``. One C++ build per case, scheme and dt (~10-20 s each; ~36 builds in
full, ~10 min on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from brian2 import cm, mm, ms, msiemens, mV, nA, nS, ohm, siemens, uF, um

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import RESULTS, load, machine, save

from dendrites import Cell, morphology, simulate
from dendrites.morphology import Morphology, Section
from dendrites.stimuli import Step

SCHEMES = ("backward-euler", "crank-nicolson")
SAMPLE = 0.2  # ms, a multiple of every dt


def sealed_cable(clamp: bool = True) -> Cell:
    m = morphology.cable(length=300 * um, diameter=1 * um, n=20)
    cell = Cell(m, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-70 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    if clamp:
        cell.add_current_clamp(0, Step(0.02 * nA, 0 * ms))
    return cell


def branched_tree() -> Cell:
    tree = morphology.binary_tree(depth=3, length=150 * um, diameter=2 * um, n=6)
    sections = [morphology._soma(20.0)]
    for sec in tree.sections:
        points = sec.points + np.array([0.0, 10.0, 0.0, 0.0])  # from the soma's surface
        sections.append(Section(sec.name, sec.region, sec.parent or "soma", points, sec.n))
    cell = Cell(Morphology(sections), Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-65 * mV)
    cell.add_current_clamp(0, Step(0.2 * nA, 1 * ms, 10 * ms))
    return cell


def synapse_on_cable() -> Cell:
    """The sealed cable without its electrode, an AMPA synapse (2 nS) at compartment 10 activated
    at 1 and 4 ms."""
    cell = sealed_cable(clamp=False)
    cell.add_synapses("s", at=[10], receptors={"ampa": 2 * nS}, spikes=[1, 4] * ms)
    return cell


def rallpack1(hh: bool = False) -> Cell:
    m = morphology.cable(length=1 * mm, diameter=1 * um, n=1000)
    cell = Cell(m, Ri=100 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
    cell.insert("pas", g=1 / (40000 * ohm * cm**2), E=-65 * mV)
    if hh:
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


#: name -> (cell factory, duration (ms), recorded compartments, dts (ms), reference dt (ms),
#: start of the late window (ms))
CASES = {
    "sealed cable": (sealed_cable, 20, "all", [0.2, 0.1, 0.05, 0.025], 0.001, 5),
    "branched tree": (branched_tree, 20, "all", [0.2, 0.1, 0.05, 0.025], 0.001, 16),
    "synapse on cable": (synapse_on_cable, 20, "all", [0.2, 0.1, 0.05, 0.025], 0.001, 9),
    "Rallpack 1": (rallpack1, 250, [0, 999], [0.2, 0.1, 0.05, 0.025], 0.001, 50),
    "HH cable": (
        lambda: rallpack1(hh=True),
        25,
        [0, 999],
        [0.1, 0.05, 0.025, 0.0125],
        0.0005,
        5,
    ),
}
QUICK = ("sealed cable", "HH cable")


def spike_times(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Upward 0 mV crossings, linearly interpolated (ms)."""
    k = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    return t[k] + (0 - v[k]) / (v[k + 1] - v[k]) * (t[k + 1] - t[k])


def run(make, duration, where, dt, scheme) -> tuple[np.ndarray, np.ndarray, float]:
    ds = simulate(
        make(),
        duration * ms,
        dt=dt * ms,
        record={"v": where},
        record_dt=SAMPLE * ms,
        time_stepping=scheme,
    )
    assert ds.attrs["time_stepping"] == scheme
    return ds.time.values, ds.v.values, float(ds.attrs.get("compile_seconds", 0.0))


def slope(dts, errors) -> float:
    return float(np.polyfit(np.log(dts), np.log(errors), 1)[0])


def study(name: str) -> dict:
    make, duration, where, dts, ref_dt, late = CASES[name]
    t_ref, v_ref, _ = run(make, duration, where, ref_dt, "crank-nicolson")
    out = {"duration_ms": duration, "reference_dt_ms": ref_dt, "dt_ms": dts, "late_ms": late}
    window = t_ref >= late - 1e-9
    hh = name == "HH cable"
    if hh:
        ref_spikes = [spike_times(t_ref, v_ref[:, j]) for j in range(v_ref.shape[1])]
        out["reference_spikes_ms"] = [s.tolist() for s in ref_spikes]
    for scheme in SCHEMES:
        rows = []
        for dt in dts:
            t, v, build = run(make, duration, where, dt, scheme)
            assert v.shape == v_ref.shape
            row = {"dt_ms": dt, "max_abs_dv_mV": float(np.max(np.abs(v - v_ref)))}
            row["late_max_abs_dv_mV"] = float(np.max(np.abs(v - v_ref)[window]))
            row["rms_dv_mV"] = float(np.sqrt(np.mean((v - v_ref) ** 2)))
            if where != "all":  # per recorded compartment (Rallpack 1: x = 0 and x = 1 mm)
                row["max_abs_dv_by_compartment_mV"] = dict(
                    zip(map(str, where), np.max(np.abs(v - v_ref), axis=0).tolist(), strict=True)
                )
                row["late_max_abs_dv_by_compartment_mV"] = dict(
                    zip(
                        map(str, where),
                        np.max(np.abs(v - v_ref)[window], axis=0).tolist(),
                        strict=True,
                    )
                )
            if hh:
                spikes = [spike_times(t, v[:, j]) for j in range(v.shape[1])]
                counts = [len(s) for s in spikes]
                row["spike_counts"] = counts
                if counts == [len(s) for s in ref_spikes]:
                    row["max_spike_dt_ms"] = float(
                        max(np.max(np.abs(s - r)) for s, r in zip(spikes, ref_spikes, strict=True))
                    )
            row["compile_seconds"] = build
            rows.append(row)
            print(f"{name:14s} {scheme:15s} dt {dt:<7g} {row}", flush=True)
        fit = {"max_abs_dv": slope(dts, [r["max_abs_dv_mV"] for r in rows])}
        fit["late_max_abs_dv"] = slope(dts, [r["late_max_abs_dv_mV"] for r in rows])
        fit["rms_dv"] = slope(dts, [r["rms_dv_mV"] for r in rows])
        if hh and all("max_spike_dt_ms" in r for r in rows):
            fit["max_spike_dt"] = slope(dts, [r["max_spike_dt_ms"] for r in rows])
        # the same fits without the coarsest dt (Crank-Nicolson's ringing dominates there)
        fine = {
            k: slope(
                dts[1:],
                [r[f"{k}_mV" if k != "max_spike_dt" else "max_spike_dt_ms"] for r in rows[1:]],
            )
            for k in fit
        }
        out[scheme] = {"rows": rows, "order": fit, "order_without_coarsest": fine}
        print(f"{name:14s} {scheme:15s} fitted order {fit}", flush=True)
    return out


def markdown(data: dict) -> str:
    lines = [
        "# Time stepping: error vs dt (`benchmarks/time_stepping.py`)",
        "",
        "Max |v - v_ref| (mV) over the recorded compartments and 0.2 ms samples (whole run, and "
        "late: from the case's late_ms on), against Crank-Nicolson at the reference dt on the same "
        "grid; HH cable: also the max spike-time error (ms). Order: slope of log(error) on "
        "log(dt) over all dts (in brackets: without the coarsest).",
        "",
        f"Run {data['machine']['date']}, load {data['load']}, {data['seconds']:.0f} s.",
        "",
        "| case | scheme | dt (ms) | max abs dv (mV) | late max abs dv (mV) | RMS dv (mV) "
        "| spike dt (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, case in data["cases"].items():
        for scheme in SCHEMES:
            for r in case[scheme]["rows"]:
                spike = r.get("max_spike_dt_ms")
                lines.append(
                    f"| {name} | {scheme} | {r['dt_ms']:g} | {r['max_abs_dv_mV']:.3g} | "
                    f"{r['late_max_abs_dv_mV']:.3g} | {r['rms_dv_mV']:.3g} | "
                    f"{'-' if spike is None else f'{spike:.3g}'} |"
                )
            o = case[scheme]["order"]
            f = case[scheme]["order_without_coarsest"]
            orders = ", ".join(f"{k} {v:.2f} ({f[k]:.2f})" for k, v in o.items())
            lines.append(f"| {name} | {scheme} | order | {orders} | | | |")
    lines += [
        "",
        "Per recorded compartment (max |v - v_ref| in mV, whole run / late window; order fitted "
        "on each):",
        "",
    ]
    for name, case in data["cases"].items():
        rows = {s: case[s]["rows"] for s in SCHEMES}
        if "max_abs_dv_by_compartment_mV" not in rows[SCHEMES[0]][0]:
            continue
        dts = [r["dt_ms"] for r in rows[SCHEMES[0]]]
        lines.append(
            "| case | scheme | compartment | "
            + " | ".join(f"dt {dt:g} ms" for dt in dts)
            + " | order |"
        )
        lines.append("|---" * (4 + len(dts)) + "|")
        for scheme in SCHEMES:
            for comp in rows[scheme][0]["max_abs_dv_by_compartment_mV"]:
                whole = [r["max_abs_dv_by_compartment_mV"][comp] for r in rows[scheme]]
                late = [r["late_max_abs_dv_by_compartment_mV"][comp] for r in rows[scheme]]
                cells = " | ".join(f"{w:.3g} / {x:.3g}" for w, x in zip(whole, late, strict=True))
                fits = f"{slope(dts, whole):.2f} / {slope(dts, late):.2f}"
                lines.append(f"| {name} | {scheme} | {comp} | {cells} | {fits} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument("--cases", nargs="*", default=None, help="case names (default: all)")
    args = parser.parse_args()
    names = args.cases or (list(QUICK) if args.quick else list(CASES))
    start, loads = time.time(), [load()]
    cases = {}
    for name in names:
        cases[name] = study(name)
        loads.append(load())
    data = {
        "machine": machine(),
        "load": [min(loads), max(loads)],
        "seconds": time.time() - start,
        "cases": cases,
    }
    save("time_stepping", data)
    (RESULTS / "time_stepping.md").write_text(markdown(data))
    print(markdown(data))


if __name__ == "__main__":
    main()
