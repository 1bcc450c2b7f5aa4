"""Benchmark: a 100-point parameter sweep of the 1,000-compartment model, dendrites vs NEURON.

The model of ``bench_model.py`` (1,024 compartments, HH at the soma only, 100 synapses, 1 s at
dt 0.025 ms); the sweep varies the synaptic weight over 100 values (5 to 25 nS), recording the
somatic voltage of every run. What is timed is what a user would run, as a whole process (Python
start-up and imports included):

* NEURON: one process running the 100 simulations one after the other, changing the NetCon
  weights between runs (NEURON's default ``hh`` rate tables; ``--neuron-exact`` adds a second
  NEURON process with exact rates);
* `dendrites`: ``run_sweep(Sweep(...), workers=2)`` on both cores, (a) with an empty build cache
  (the sweep compiles the C++ project once, then the workers copy the build) and (b) with the
  project already compiled (a second sweep under another name);
* `dendrites`: one `Model` reused for the 100 runs in one process (1 core).

Target: <= 0.5x NEURON's time. Writes ``benchmarks/results/sweep.json`` and the README.
Usage: ``.venv/bin/python benchmarks/sweep_vs_neuron.py [--points 100] [--neuron-exact]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import bench_model as M  # noqa: E402

N = M.N_PER_BRANCH[1000]
VARIANT = "hh_soma"


def weights(points: int) -> list[float]:
    return [round(float(w), 6) for w in np.linspace(5.0, 25.0, points)]


# ------------------------------------------------------------------------------ modes (workers)
def mode_neuron(points: int, exact: bool) -> dict:
    h, keep, v, t = M.neuron_model(N, VARIANT)
    if exact:
        h.usetable_hh = 0
    ncs = [nc for nc, _train in keep[2]]
    counts = []
    for w in weights(points):
        for nc in ncs:
            nc.weight[0] = w * 1e-3
        M.neuron_run(h)
        trace = np.array(v)
        counts.append(len(M.spike_times(np.array(t), trace)))
    return {"spike_counts": counts}


def mode_sweep(points: int, name: str) -> dict:
    from brian2 import ms

    from dendrites.sweep import Sweep, run_sweep

    sweep = Sweep(
        name,
        {"weight_nS": weights(points)},
        make_cell=f"{HERE / 'bench_model.py'}:make_cell",
        duration=M.DURATION_MS * ms,
        dt=M.DT_MS * ms,
        record={"v": [0]},
    )
    ds = run_sweep(sweep, workers=2)
    v = ds.v.sel(compartment=0).transpose("weight_nS", "time").values
    tt = ds.time.values
    return {"spike_counts": [len(M.spike_times(tt, row)) for row in v]}


def mode_model(points: int) -> dict:
    from brian2 import ms

    from dendrites import Model

    model = Model(M.make_cell(N, VARIANT), M.DURATION_MS * ms, dt=M.DT_MS * ms, record={"v": [0]})
    counts = []
    for w in weights(points):
        ds = model.run(M.make_cell(N, VARIANT, w))
        counts.append(len(M.spike_times(ds.time.values, ds.v.sel(compartment=0).values)))
    return {"spike_counts": counts}


def worker(args) -> None:
    t0 = time.perf_counter()
    if args.worker == "neuron":
        out = mode_neuron(args.points, exact=False)
    elif args.worker == "neuron_exact":
        out = mode_neuron(args.points, exact=True)
    elif args.worker.startswith("sweep:"):
        out = mode_sweep(args.points, args.worker.split(":", 1)[1])
    elif args.worker == "model":
        out = mode_model(args.points)
    else:
        raise SystemExit(f"unknown mode {args.worker}")
    out["inner_seconds"] = time.perf_counter() - t0
    print("RESULT " + json.dumps(out))


def _spawn(mode: str, points: int, env: dict) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode]
    cmd += ["--points", str(points)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    out = json.loads(lines[-1][len("RESULT ") :])
    out["seconds"] = wall
    return out


def sweep_notes(rows: list[dict], points: int) -> list[str]:
    """Spike-count agreement of every mode with both NEURON configurations."""
    counts = {r["mode"]: np.array(r["spike_counts"]) for r in rows}
    notes = []
    for ref in ("neuron", "neuron_exact"):
        if ref not in counts:
            continue
        same = {m: int(np.sum(c == counts[ref])) for m, c in counts.items() if m != ref}
        notes.append(
            f"Points (of {points}) with the same somatic spike count as {ref}: "
            + ", ".join(f"{m} {k}" for m, k in same.items())
            + f" ({ref}: {int(counts[ref].min())} to {int(counts[ref].max())} spikes)."
        )
    notes.append(
        "Wall times are of the whole process (interpreter start, imports, set-up, runs); the "
        "sweep also writes one netCDF file per point. Where the time of the compiled sweep goes "
        "(measured with a progress callback): ~1 s imports, ~4-5 s until the workers' first "
        "points (their Brian2 import and code generation; the parent makes the 100 cells "
        "meanwhile), then ~0.21 s per point on two workers, of which the binary is 0.18 s "
        "(0.36 s per run). The loads listed are 1-min averages, raised by the benchmark's own "
        "processes."
    )
    return notes


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=int, default=100)
    p.add_argument("--neuron-exact", action="store_true", help="also time NEURON, exact rates")
    p.add_argument("--no-readme", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args)
        return
    info = _report.machine()
    loads = [_report.load()]
    modes = [("neuron", f"NEURON, {args.points} runs in one process (1 core)")]
    if args.neuron_exact:
        modes.append(("neuron_exact", f"NEURON exact hh rates, {args.points} runs (1 core)"))
    modes += [
        ("sweep:bench_cold", "dendrites run_sweep, workers=2, empty build cache (compiles once)"),
        ("sweep:bench_warm", "dendrites run_sweep, workers=2, project already compiled"),
        ("model", f"dendrites, one Model reused for {args.points} runs (1 core, compiled)"),
    ]
    rows, res = [], {}
    with tempfile.TemporaryDirectory(prefix="dendrites-sweep-") as tmp:
        env = dict(os.environ, DENDRITES_CACHE=str(Path(tmp) / "cache"))
        env.pop("DENDRITES_BUILD_CACHE", None)  # builds in that cache too
        for mode, label in modes:
            loads.append(_report.load())
            res[mode] = _spawn(mode, args.points, env)
            print(f"{label}: {res[mode]['seconds']:.1f} s (load {loads[-1]:.2f})", flush=True)
            rows.append({"mode": mode, "label": label, "seconds": res[mode]["seconds"]})
    loads.append(_report.load())
    for row in rows:
        row["ratio_neuron"] = row["seconds"] / res["neuron"]["seconds"]
        if "neuron_exact" in res:
            row["ratio_neuron_exact"] = row["seconds"] / res["neuron_exact"]["seconds"]
        row["spike_counts"] = res[row["mode"]]["spike_counts"]
        row["inner_seconds"] = res[row["mode"]]["inner_seconds"]
    notes = sweep_notes(rows, args.points)
    data = {
        "description": (__doc__ or "").split("\n\n", 1)[1].rsplit("Target:", 1)[0].strip(),
        "machine": info,
        "loads": loads,
        "rows": rows,
        "notes": notes,
    }
    print("wrote", _report.save("sweep", data))
    if not args.no_readme:
        print("wrote", _report.write_readme())


if __name__ == "__main__":
    main()
