"""The Hay et al. (2011) cell on the BAC protocol, in the package and in NEURON (issue #13, part 5).

``dendrites.models.hay2011()`` with ``bac_protocol(cell, "bac")``, 600 ms, run by
:func:`dendrites.crosscheck.crosscheck`: the package simulates it, and NEURON runs the same
sections, compartments and electrodes with every channel and the calcium pool built from NMODL
generated out of the package's own equations (:mod:`dendrites.nmodl.export`). Both use the same
dt and the same time stepping (Crank-Nicolson, NEURON's ``secondorder = 2``, by default; backward
Euler with ``--backward-euler``). Compared: somatic spike times, and the membrane potential at the
soma, 400 um and 620 um (RMS and largest difference). Targets (issue #13): spike times within
0.1 ms, dendritic RMS within 1 mV at 400 and 620 um.

Writes ``benchmarks/results/hay_bac_vs_neuron.{json,md}``.
Usage: ``.venv/bin/python benchmarks/hay_bac_vs_neuron.py [--dt-us 25] [--backward-euler]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402


def _times(values) -> str:
    return ", ".join(f"{t:.3f}" for t in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dt-us", type=float, default=25.0)
    parser.add_argument("--backward-euler", action="store_true")
    args = parser.parse_args()
    from brian2 import ms, us

    from dendrites.crosscheck import crosscheck
    from dendrites.models import bac_protocol, hay2011

    stepping = "backward-euler" if args.backward_euler else "crank-nicolson"
    cell = hay2011()
    sites = bac_protocol(cell, "bac")
    names = ("soma", "proximal", "distal")
    t0 = time.perf_counter()
    xc = crosscheck(
        cell,
        600 * ms,
        dt=args.dt_us * us,
        record=[sites[k] for k in names],
        time_stepping=stepping,
    )
    seconds = time.perf_counter() - t0
    rms = [float(x) for x in xc.v_rms_diff.values]
    vmax = [float(x) for x in xc.v_max_abs_diff.values]
    spikes_p = xc.spikes_package.values[0]
    spikes_n = xc.spikes_neuron.values[0]
    result = {
        "dt_us": args.dt_us,
        "time_stepping": stepping,
        "sites": {k: list(map(str, sites[k])) for k in names},
        "v_rms_diff_mV": dict(zip(names, rms, strict=True)),
        "v_max_abs_diff_mV": dict(zip(names, vmax, strict=True)),
        "somatic_spikes_package_ms": [float(x) for x in spikes_p if np.isfinite(x)],
        "somatic_spikes_neuron_ms": [float(x) for x in spikes_n if np.isfinite(x)],
        "n_matched": int(xc.n_spikes_matched.values[0]),
        "max_spike_time_diff_ms": float(xc.max_spike_time_diff.values[0]),
        "wall_seconds_both": seconds,
        "machine": _report.machine(),
    }
    runs = {}
    previous = _report._read("hay_bac_vs_neuron") or {}
    for old in previous.get("runs", []):  # earlier runs at other time steps or schemes
        runs[(old["dt_us"], old["time_stepping"])] = old
    runs[(args.dt_us, stepping)] = result
    ordered = sorted(runs.values(), key=lambda r: (r["time_stepping"], -r["dt_us"]))
    _report.save("hay_bac_vs_neuron", {"runs": ordered, "machine": _report.machine()})
    render(ordered)


def render(ordered: list) -> None:
    """Write ``results/hay_bac_vs_neuron.md`` from the stored runs."""
    lines = [
        "### Hay cell, BAC protocol: package against NEURON (`hay_bac_vs_neuron.py`)",
        "",
        "`hay2011()` + `bac_protocol(cell, 'bac')`, 600 ms; the same dt and time stepping in "
        "both; NEURON runs NMODL generated from the package's channel equations. Targets "
        "(issue #13): somatic spike times within 0.1 ms; v RMS within 1 mV at 400 and 620 um.",
        "",
        "| dt (us), stepping | somatic spikes, package (ms) | NEURON (ms) | largest spike-time "
        "difference (ms) | v RMS soma / 400 um / 620 um (mV) |",
        "|---|---|---|---|---|",
    ]
    for r in ordered:
        rms = r["v_rms_diff_mV"]
        lines.append(
            f"| {r['dt_us']:g}, {r['time_stepping']} | {_times(r['somatic_spikes_package_ms'])} "
            f"| {_times(r['somatic_spikes_neuron_ms'])} | {r['max_spike_time_diff_ms']:.3g} "
            f"({'met' if r['max_spike_time_diff_ms'] <= 0.1 else 'missed'}) | "
            f"{rms['soma']:.3g} / {rms['proximal']:.3g} / {rms['distal']:.3g} |"
        )
    lines.append("")
    (_report.RESULTS / "hay_bac_vs_neuron.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
