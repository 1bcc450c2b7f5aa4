"""The Hay et al. (2011) cell: validation against the published targets, and its cost.

Builds :func:`dendrites.models.hay2011` from the files the package ships (what a fresh clone
has) and measures:

* wall time of the cell's construction, of the first BAC run (C++ build included) and of a
  second BAC run of the compiled model (600 ms, dt 0.025 ms, Crank-Nicolson);
* the BAC protocol (``BAC_firing.hoc``) in its four conditions: somatic APs, first ISI, AHP,
  dendritic Ca-spike peak and width at -55 mV (620 um site), bAP amplitudes at 660 and 800 um
  (somatic pulse alone);
* time-step convergence of those features: Crank-Nicolson at 0.025 ms against Crank-Nicolson at
  0.005 ms (the reference) and backward Euler at 0.025 ms;
* step-current firing rates at the three amplitudes of ``Step_current_firing.hoc`` (spikes
  between 700 and 2700 ms / 2 s);
* the critical frequency in its robust form (``../shared/hay2011.md``): the single-pulse
  Ca-spike threshold amplitude at the 830 um site (bisection), then 5 pulses at 97 % of it at
  60-200 Hz; the dendritic voltage integral (mV ms above the pre-stimulus value, 250-500 ms)
  per frequency and the largest jump between neighbouring frequencies.

Usage: ``python benchmarks/hay_bac.py [--quick]`` writes ``results/hay2011_validation.json``
and ``.md``. Full: ~25 C++-run minutes on a shared 2-core machine (the step protocol is 3 x 3 s
of simulated time); ``--quick`` skips the steps, the backward-Euler run and the reference.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from brian2 import Hz, ms, nA

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _report

from dendrites import simulate
from dendrites.analysis import spike_times
from dendrites.models import (
    HAY2011_TARGETS,
    bac_features,
    bac_protocol,
    bap_amplitude,
    hay2011,
    pulse_train_protocol,
    step_protocol,
)

CONDITIONS = ("bac", "bap", "epsp", "epsp3")


def _traces(cell, ds, sites):
    m = cell.morphology
    return {k: ds.v.sel(compartment=m.locate(*s)).values for k, s in sites.items()}


def bac_runs(dt_ms=0.025, scheme="crank-nicolson") -> dict:
    """The four BAC conditions at one setting; wall times of the first (with build) and later."""
    out, walls = {}, []
    for cond in CONDITIONS:
        t0 = time.perf_counter()
        cell = hay2011()
        sites = bac_protocol(cell, cond)
        t1 = time.perf_counter()
        ds = simulate(
            cell, 600 * ms, dt=dt_ms * ms, record={"v": list(sites.values())},
            record_dt=max(dt_ms, 0.025) * ms, time_stepping=scheme,
        )  # fmt: skip
        t2 = time.perf_counter()
        walls.append({"cell_s": t1 - t0, "simulate_s": t2 - t1})
        v = _traces(cell, ds, sites)
        t = ds.time.values
        f = bac_features(t, v["soma"], v["distal"])
        f["bap660_mV"] = bap_amplitude(t, v["bap660"])
        f["bap800_mV"] = bap_amplitude(t, v["bap800"])
        out[cond] = f
        print(f"  {scheme} dt {dt_ms} {cond}: {f} ({t2 - t1:.1f} s)", flush=True)
    return {"features": out, "wall": walls, "n_compartments": cell.n_compartments}


def step_rates(dt_ms=0.025) -> dict:
    rates = {}
    for k in (1, 2, 3):
        cell = hay2011()
        sites = step_protocol(cell, k)
        ds = simulate(
            cell, 3000 * ms, dt=dt_ms * ms, record={"v": [sites["soma"]]}, record_dt=0.1 * ms,
            time_stepping="crank-nicolson",
        )  # fmt: skip
        v = ds.v.isel(compartment=0).values
        sp = spike_times(ds.time.values, v, -10.0)
        n = int(((sp >= 700) & (sp < 2700)).sum())
        rates[f"step{k}"] = {"n_spikes": n, "rate_Hz": n / 2.0, "first_ms": float(sp[0] - 700)}
        print(f"  step {k}: {rates[f'step{k}']}", flush=True)
    return rates


def _train(frequency, amplitude, n, dt_ms=0.025):
    cell = hay2011()
    sites = pulse_train_protocol(cell, frequency * Hz, amplitude * nA, n=n)
    ds = simulate(
        cell, 500 * ms, dt=dt_ms * ms, record={"v": list(sites.values())}, record_dt=0.1 * ms,
        time_stepping="crank-nicolson",
    )  # fmt: skip
    v = _traces(cell, ds, sites)
    t = ds.time.values
    base = v["dend"][t < 250][-1]
    after = t >= 250
    integral = float(np.sum(v["dend"][after] - base) * 0.1)
    return {"peak_mV": float(v["dend"][after].max()), "integral_mV_ms": integral}


def critical_frequency(dt_ms=0.025) -> dict:
    """Single-pulse threshold by bisection between 1.5 and 3 nA (a Ca spike: the 830 um site
    peaks above -20 mV; a bAP alone peaks near -50 mV there), then 5 pulses at 97 % of it."""
    lo, hi = 1.5, 3.0  # nA
    probes = []
    for _ in range(7):
        mid = (lo + hi) / 2
        r = _train(100.0, mid, 1, dt_ms)
        spike = r["peak_mV"] > -20.0
        probes.append({"amplitude_nA": mid, **r, "ca_spike": spike})
        lo, hi = (lo, mid) if spike else (mid, hi)
    threshold = hi
    amp = 0.97 * threshold
    freqs = [60, 70, 80, 90, 100, 110, 120, 140, 160, 200]
    sweep = {f: _train(float(f), amp, 5, dt_ms) for f in freqs}
    integ = np.array([sweep[f]["integral_mV_ms"] for f in freqs])
    jumps = np.diff(integ)
    k = int(np.argmax(jumps))
    print(f"  threshold {threshold:.4f} nA; integrals {integ.round(0)}", flush=True)
    return {
        "threshold_nA": threshold,
        "amplitude_nA": amp,
        "probes": probes,
        "sweep": {str(f): sweep[f] for f in freqs},
        "jump_between_Hz": [freqs[k], freqs[k + 1]],
        "jump_mV_ms": float(jumps[k]),
        "jump_over_other_max": float(jumps[k] / max(np.delete(np.abs(jumps), k).max(), 1e-9)),
    }


def _row(name, target, value, ok, note=""):
    shown = "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else value
    if isinstance(shown, float):
        shown = f"{shown:.2f}"
    return f"| {name} | {target} | {shown} | {'pass' if ok else 'FAIL'} | {note} |"


def _within(key, value, targets):
    mean, sd = targets[key]
    return value is not None and abs(value - mean) <= 2 * sd, f"{mean} +- 2 x {sd}"


def write_md(result: dict) -> Path:
    """``results/hay2011_validation.md``: the validation table and the cost, from the JSON."""
    T = result["targets"]
    f = result["cn_0.025"]["features"]
    rows = ["| quantity | target | measured | pass | note |", "|---|---|---|---|---|"]
    for cond, n in (("bap", 1), ("epsp", 0), ("bac", 3)):
        rows.append(_row(f"somatic APs, {cond}", n, int(f[cond]["n_spikes"]),
                         f[cond]["n_spikes"] == n))  # fmt: skip
    for key, feat, cond in (
        ("bac_first_isi_ms", "first_isi_ms", "bac"),
        ("ca_spike_width_ms", "ca_width_ms", "bac"),
        ("bap_amplitude_660um_mV", "bap660_mV", "bap"),
        ("bap_amplitude_800um_mV", "bap800_mV", "bap"),
        ("bac_ahp_mV", "ahp_mV", "bac"),
        ("ca_spike_peak_mV", "ca_peak_mV", "bac"),
    ):  # fmt: skip
        ok, target = _within(key, f[cond][feat], T)
        rows.append(_row(key, target, f[cond][feat], ok, f"{cond} condition"))
    for k in (1, 2, 3):
        if "steps" in result:
            rate = result["steps"][f"step{k}"]["rate_Hz"]
            ok, target = _within(f"step{k}_rate_Hz", rate, T)
            rows.append(_row(f"step {k} rate (Hz)", target, rate, ok, "2 s step"))
    cf = result["critical_frequency"]
    lo, hi = cf["jump_between_Hz"]
    ok = 60 <= lo and hi <= 200 and cf["jump_over_other_max"] > 3
    rows.append(_row("critical frequency (Hz)", "a jump in 60-200", f"{lo}-{hi}", ok,
                     f"5 pulses at {cf['amplitude_nA']:.3f} nA (97 % of the single-pulse "
                     f"threshold {cf['threshold_nA']:.3f} nA); jump "
                     f"{cf['jump_over_other_max']:.1f}x the next largest change"))  # fmt: skip
    conv = [
        "| feature | CN 0.025 ms | CN 0.005 ms (reference) | BE 0.025 ms |",
        "|---|---|---|---|",
    ]
    if "cn_0.005" in result:
        ref, be = result["cn_0.005"]["features"], result["be_0.025"]["features"]
        for cond, feat in (("bac", "first_isi_ms"), ("bac", "ca_width_ms"), ("bac", "ca_peak_mV"),
                           ("bap", "bap660_mV"), ("bap", "bap800_mV")):  # fmt: skip
            conv.append(f"| {cond} {feat} | {f[cond][feat]:.3f} | {ref[cond][feat]:.3f} | "
                        f"{be[cond][feat]:.3f} |")  # fmt: skip
    w = result["cn_0.025"]["wall"]
    cost = [
        f"- compartments: {result['cn_0.025']['n_compartments']}",
        f"- building the cell (morphology import, densities): {w[1]['cell_s']:.2f} s",
        f"- first BAC run: {w[0]['simulate_s']:.1f} s (with the C++ build, ~40 s on this "
        "machine, unless the build cache already held it)",
        "- a BAC run of the compiled model (600 ms, dt 0.025 ms, Crank-Nicolson), per condition: "
        + ", ".join(f"{x['simulate_s']:.1f}" for x in w[1:])
        + " s",
        f"- 1-min load averages during the run: {result['loads']}",
    ]
    text = "\n".join(
        ["# Hay et al. (2011) cell: validation (`benchmarks/hay_bac.py`)", "",
         f"Run {result['machine']['date']}, total {result['total_s']:.0f} s. Targets: "
         "experimental mean +- 2 SD (`dendrites.models.HAY2011_TARGETS`). Crank-Nicolson, "
         "dt 0.025 ms.", "", *rows, "", "## Time step", "", *conv, "", "## Cost", "", *cost, ""]
    )  # fmt: skip
    path = _report.RESULTS / "hay2011_validation.md"
    path.write_text(text)
    return path


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--md-only", action="store_true", help="rewrite the .md from the JSON")
    args = p.parse_args(argv)
    if args.md_only:
        print(write_md(_report._read("hay2011_validation")))
        return
    os.environ.setdefault("DENDRITES_CACHE", tempfile.mkdtemp(prefix="hay_bac_"))
    loads = [_report.load()]
    t0 = time.perf_counter()
    result = {"machine": _report.machine(), "targets": HAY2011_TARGETS}
    result["cn_0.025"] = bac_runs(0.025, "crank-nicolson")
    loads.append(_report.load())
    if not args.quick:
        result["be_0.025"] = bac_runs(0.025, "backward-euler")
        result["cn_0.005"] = bac_runs(0.005, "crank-nicolson")
        loads.append(_report.load())
        result["steps"] = step_rates()
        loads.append(_report.load())
    result["critical_frequency"] = critical_frequency()
    loads.append(_report.load())
    result["loads"] = loads
    result["total_s"] = time.perf_counter() - t0
    path = _report.save("hay2011_validation", result)
    print(f"wrote {path} and {write_md(result)}")


if __name__ == "__main__":
    main()
