"""What a reconstruction costs per compartment, against the branched-tree benchmark and NEURON.

Issue #12's speed target: "simulating a reconstruction of a few thousand compartments stays
within the cost per compartment of today's benchmark". The reconstruction is
``../shared/morphologies/l5pc.swc`` read by :func:`dendrites.morphology.load_morphology`
(NEURON's Import3d soma) with Ri 150 ohm cm and Cm 1 uF/cm2 (issue #12's values), its
compartments set by NEURON's d_lambda rule at 100 Hz: d_lambda 0.1 (1,918 compartments) and
0.05 (3,618). The benchmark is the branched tree of ``bench_model.py`` (a spherical soma and 3
binary trees of depth 5, 93 branches of 150 um) with ``n`` compartments per branch chosen for the
nearest size (1 + 93 n). Both cells get the membrane and input of ``bench_model.py``'s "HH at
the soma only" variant: a passive leak everywhere (1e-4 S/cm2, -65 mV), Hodgkin-Huxley at the
soma (its gnabar, gkbar, ENa, EK, 6.3 degC), 100 ExpSyn synapses (tau 2 ms, 0 mV, 15 nS) at
compartment centres drawn once (seeded; for l5pc among the dendritic compartments), each driven
by the same 5 Hz Poisson train as in ``bench_model.py``; 1 s at dt 0.025 ms, backward Euler, one
thread; the tree keeps its Ri of 100 ohm cm.

Timed, for each cell (the package, then NEURON on the same cell, in this one process):

* build: morphology (loading and compartmentalising the file, or building the tree), the
  package's ``Cell``, the package's ``Model`` and its first run (code generation and C++
  compilation; the compiler's share is listed), and NEURON's build of the same cell through
  :func:`dendrites.crosscheck.to_neuron` (same 3-D points, nseg, membrane, synapses);
* run: the median of ``--repeats`` runs. The package: ``Model.run(cell)`` with a new cell of the
  same structure (values written, binary run, the somatic trace read back, Dataset built), as
  ``compare_simulators.py`` times it; NEURON: ``finitialize`` and ``continuerun`` (exact ``hh``
  rates, ``usetable_hh = 0``, as ``to_neuron`` sets and as the package computes them).

The cost is the run time per compartment per simulated ms (ns). The target holds if the
reconstruction's cost is at most the tree's at a similar size; the tree's cost in the last
``compare_simulators.py`` results (1,024 and 9,952 compartments) is listed for reference (another
day, another load). Somatic spikes (0 mV upward crossings) of the package and NEURON are compared
as a check that both ran the same model.

Usage: ``.venv/bin/python benchmarks/reconstruction_cost.py [--repeats 3] [--quick]`` writes
``results/reconstruction_cost.json`` and ``.md`` (``--quick``: 100 ms, one repeat, nothing
written); ``--md-only`` rewrites the ``.md`` from the JSON. About 2 minutes on 2 cores, 4 C++
builds; run it when the machine is quiet (``uptime``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import bench_model as M  # noqa: E402

L5PC = HERE.parents[1] / "shared" / "morphologies" / "l5pc.swc"
RI_OHM_CM = 150.0  # issue #12's passive membrane: the d_lambda counts follow from it
D_LAMBDAS = (0.1, 0.05)
NAME = "reconstruction_cost"


# ------------------------------------------------------------------------------------ the cells
def _membrane(cell, sites, duration_ms: float, seed: int):
    """bench_model's "hh_soma" membrane and synapses on `cell`."""
    from brian2 import cm, ms, mV, nS, siemens

    from dendrites.mechanisms import expsyn

    cell.insert("pas", g=M.G_PAS_S_CM2 * siemens / cm**2, E=M.E_PAS_MV * mV)
    cell.insert(
        "hh",
        where="soma",
        gnabar=M.GNABAR_S_CM2 * siemens / cm**2,
        gkbar=M.GKBAR_S_CM2 * siemens / cm**2,
        ENa=M.ENA_MV * mV,
        EK=M.EK_MV * mV,
        V0=-65 * mV,
        phi=3 ** ((M.CELSIUS - 6.3) / 10),
    )
    trains = [t[t < duration_ms] * ms for t in M.spike_trains(seed)]
    cell.add_synapses("syn", at=sites, receptors={expsyn: M.WEIGHT_NS * nS}, spikes=trains)
    return cell


def l5pc_morphology(d_lambda: float):
    from brian2 import cm, ohm, uF

    from dendrites.morphology import load_morphology

    return load_morphology(
        L5PC, Ri=RI_OHM_CM * ohm * cm, Cm=M.CM_UF_CM2 * uF / cm**2, d_lambda=d_lambda
    )


def tree_morphology(n: int):
    from dendrites.morphology import Morphology, Section

    secs = [Section("soma", "soma", None, [[0.0, 0.0, 0.0, M.SOMA_DIAM_UM]])]
    for b in M.branches():
        secs.append(
            Section(b.name, "dend", b.parent, [[*b.start, b.diameter], [*b.end, b.diameter]], n)
        )
    return Morphology(secs)


def dendritic_sites(morph) -> list[tuple[str, float]]:
    """100 compartment centres drawn once (seeded) among the dendritic compartments."""
    t = morph.compartments
    pool = np.flatnonzero(np.isin(t.region, ["basal", "apical", "dend"]))
    pick = np.random.default_rng(M.SEED).choice(pool, M.N_SYN, replace=False)
    return [
        (str(t.section[k]), (int(t.index_in_section[k]) + 0.5) / morph[str(t.section[k])].n)
        for k in np.sort(pick)
    ]


def make_cell(morph, ri_ohm_cm: float, sites, duration_ms: float, seed: int = M.SEED + 1):
    from brian2 import cm, mV, ohm, uF

    from dendrites import Cell

    cell = Cell(
        morph, Ri=ri_ohm_cm * ohm * cm, Cm=M.CM_UF_CM2 * uF / cm**2, v_init=M.V_INIT_MV * mV
    )
    return _membrane(cell, sites, duration_ms, seed)


# ----------------------------------------------------------------------------------- measuring
def measure(label: str, morph_of, ri_ohm_cm: float, duration_ms: float, repeats: int) -> dict:
    from brian2 import ms

    from dendrites import Model
    from dendrites.crosscheck import to_neuron

    row: dict = {"cell": label, "loads": {"start": _report.load()}}
    t0 = time.perf_counter()
    morph = morph_of()
    row["morphology_s"] = time.perf_counter() - t0
    sites = dendritic_sites(morph)
    t0 = time.perf_counter()
    cell = make_cell(morph, ri_ohm_cm, sites, duration_ms)
    row["cell_s"] = time.perf_counter() - t0
    row["n_compartments"] = int(morph.n_compartments)
    row["n_sections"] = len(morph)
    t0 = time.perf_counter()
    model = Model(cell, duration_ms * ms, dt=M.DT_MS * ms, record={"v": [0]})
    ds = model.run()  # code generation, build, compile (unless cached), one run
    row["package_first_run_s"] = time.perf_counter() - t0
    row["package_compile_s"] = float(model.compile_seconds or 0.0)
    runs = []
    for k in range(repeats):
        fresh = make_cell(morph, ri_ohm_cm, sites, duration_ms, seed=M.SEED + 1)
        row["loads"][f"package run {k}"] = _report.load()
        t0 = time.perf_counter()
        ds = model.run(fresh)
        runs.append(time.perf_counter() - t0)
    row["package_run_s"] = runs
    v_pkg = ds.v.sel(compartment=0).values * 1.0
    t_pkg = ds.time.values * 1.0  # ms

    t0 = time.perf_counter()
    nc = to_neuron(cell, dt=M.DT_MS * ms)
    row["neuron_build_s"] = time.perf_counter() - t0
    h = nc.h
    h.load_file("stdrun.hoc")
    h.steps_per_ms = 1 / M.DT_MS
    v_vec = h.Vector().record(nc.segment(0)._ref_v)
    nruns = []
    for k in range(repeats):
        row["loads"][f"NEURON run {k}"] = _report.load()
        t0 = time.perf_counter()
        nc.initialize(M.DT_MS)
        h.continuerun(duration_ms)
        nruns.append(time.perf_counter() - t0)
    row["neuron_run_s"] = nruns
    row["neuron_n_segments"] = int(sum(sec.nseg for sec in nc.sections.values()))
    v_nrn = np.array(v_vec)
    t_nrn = np.arange(len(v_nrn)) * M.DT_MS
    del v_vec
    nc.close()
    s_pkg, s_nrn = M.spike_times(t_pkg, v_pkg), M.spike_times(t_nrn, v_nrn)
    row["spikes"] = {"package": len(s_pkg), "neuron": len(s_nrn)}
    if len(s_pkg) == len(s_nrn) and len(s_pkg):
        row["spikes"]["max_abs_dt_ms"] = float(np.max(np.abs(s_pkg - s_nrn)))
    n = min(len(v_pkg), len(v_nrn))
    row["rms_v_mV"] = float(np.sqrt(np.mean((v_pkg[:n] - v_nrn[:n]) ** 2)))
    pkg, nrn = statistics.median(runs), statistics.median(nruns)
    per = 1e9 / (row["n_compartments"] * duration_ms)  # s -> ns per compartment per ms
    row["package_ns_per_compartment_ms"] = pkg * per
    row["neuron_ns_per_compartment_ms"] = nrn * per
    row["ratio_to_neuron"] = pkg / nrn
    print(
        f"{label}: {row['n_compartments']} compartments, package {pkg:.3f} s "
        f"({row['package_ns_per_compartment_ms']:.0f} ns/comp/ms), NEURON {nrn:.3f} s, "
        f"ratio {pkg / nrn:.2f}; build: morphology {row['morphology_s']:.2f} s, first run "
        f"{row['package_first_run_s']:.1f} s, NEURON {row['neuron_build_s']:.2f} s; "
        f"spikes {row['spikes']}",
        flush=True,
    )
    return row


def today() -> list[dict]:
    """The tree's cost in the last compare_simulators.py results ("HH at the soma only")."""
    d = _report._read("compare_simulators")
    if not d:
        return []
    out = []
    for r in d["rows"]:
        if r["variant"] == "hh_soma":
            per = 1e9 / (r["n_compartments"] * M.DURATION_MS)
            out.append(
                {
                    "n_compartments": r["n_compartments"],
                    "package_ns_per_compartment_ms": r["times"]["dendrites"] * per,
                    "neuron_ns_per_compartment_ms": r["times"]["neuron_exact"] * per,
                    "date": d["machine"]["date"],
                }
            )
    return out


# ------------------------------------------------------------------------------------ reporting
def notes(d: dict) -> list[str]:
    """What the numbers say beyond the tables: the runs' spread, the cost per unknown of the cable
    (compartments + section-end nodes) and the agreement with NEURON."""
    rows = {r["cell"]: r for r in d["rows"]}

    def per_unknown(r):
        return statistics.median(r["package_run_s"]) / (r["n_compartments"] + r["n_sections"])

    def spread(r):
        runs = r["package_run_s"]
        return (max(runs) - min(runs)) / statistics.median(runs)

    out = []
    for p in d["pairs"]:
        a, b = rows[p["reconstruction"]], rows[p["tree"]]
        out.append(
            f"{p['reconstruction']} vs {p['tree']}: the package's cost per compartment is "
            f"{p['package_cost_ratio']:.2f}x the tree's; the spread of the runs themselves "
            f"(largest max-min of the {d['repeats']} runs of either cell) is "
            f"{max(spread(a), spread(b)):.0%} of its median. The reconstruction has more sections "
            f"({a['n_sections']} vs {b['n_sections']}), so more section-end nodes that the cable "
            f"solver also eliminates: per unknown (compartments + sections) its cost is "
            f"{per_unknown(a) / per_unknown(b):.2f}x the tree's."
        )
    spikes = [(r["cell"], r["spikes"]) for r in d["rows"]]
    out.append(
        "Somatic spikes (package / NEURON): "
        + "; ".join(f"{c} {s['package']} / {s['neuron']}" for c, s in spikes)
        + f". Somatic v agrees with NEURON's within "
        f"{max(r['rms_v_mV'] for r in d['rows']):.1g} mV RMS on every cell."
    )
    return out


def markdown(d: dict) -> str:
    lines = [
        "# Cost of a reconstruction per compartment (`benchmarks/reconstruction_cost.py`)",
        "",
        d["description"],
        "",
        f"Run {d['machine']['date']}, {d['duration_ms']:.0f} ms simulated, median of "
        f"{d['repeats']} runs; 1-min load average {min(d['loads']):.2f} to {max(d['loads']):.2f} "
        f"(2 cores, shared). Versions: brian2 {d['machine']['versions']['brian2']}, NEURON "
        f"{d['machine']['versions']['neuron']}.",
        "",
        "| cell | compartments | package run s | NEURON run s | ratio to NEURON | package ns per "
        "compartment per ms | NEURON ns per compartment per ms | somatic spikes package / "
        "NEURON (max abs dt) | RMS somatic v difference (mV) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in d["rows"]:
        sp = r["spikes"]
        dt = sp.get("max_abs_dt_ms")
        lines.append(
            f"| {r['cell']} | {r['n_compartments']} | {statistics.median(r['package_run_s']):.3f} "
            f"| {statistics.median(r['neuron_run_s']):.3f} | **{r['ratio_to_neuron']:.2f}** | "
            f"{r['package_ns_per_compartment_ms']:.0f} | {r['neuron_ns_per_compartment_ms']:.0f} "
            f"| {sp['package']} / {sp['neuron']}"
            + (f" ({dt:.2g} ms)" if dt is not None else "")
            + f" | {r['rms_v_mV']:.2g} |"
        )
    lines += [
        "",
        "Target (issue #12): the reconstruction's cost per compartment at most the branched "
        "tree's at a similar size (ratio <= 1).",
        "",
        "| reconstruction | tree | cost ratio reconstruction / tree (package) | same, NEURON | "
        "target |",
        "|---|---|---|---|---|",
    ]
    for p in d["pairs"]:
        ok = "met" if p["package_cost_ratio"] <= 1.0 else "MISSED"
        lines.append(
            f"| {p['reconstruction']} | {p['tree']} | **{p['package_cost_ratio']:.2f}** | "
            f"{p['neuron_cost_ratio']:.2f} | {ok} |"
        )
    lines += [
        "",
        "Build (s): morphology = loading and compartmentalising the file (or building the tree); "
        "first run = the package's code generation, C++ build and one run (compiler in "
        "brackets); NEURON = `to_neuron` of the same cell.",
        "",
        "| cell | morphology | package Cell | package first run (compile) | NEURON build |",
        "|---|---|---|---|---|",
    ]
    for r in d["rows"]:
        lines.append(
            f"| {r['cell']} | {r['morphology_s']:.3f} | {r['cell_s']:.3f} | "
            f"{r['package_first_run_s']:.1f} ({r['package_compile_s']:.1f}) | "
            f"{r['neuron_build_s']:.2f} |"
        )
    if d.get("today"):
        lines += [
            "",
            "For reference, the tree in the last `compare_simulators.py` results (HH at the soma, "
            "NEURON with exact rates; another run, another load):",
            "",
            "| compartments | package ns per compartment per ms | NEURON ns | run |",
            "|---|---|---|---|",
        ]
        for r in d["today"]:
            lines.append(
                f"| {r['n_compartments']} | {r['package_ns_per_compartment_ms']:.0f} | "
                f"{r['neuron_ns_per_compartment_ms']:.0f} | {r['date']} |"
            )
    notes = d.get("notes") or []
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def description() -> str:
    return (
        "l5pc.swc (`load_morphology`, Import3d soma, Ri 150 ohm cm, d_lambda rule at 100 Hz) "
        "against `bench_model.py`'s branched tree (Ri 100 ohm cm) at the nearest size, both with "
        'its "HH at the soma only" membrane and 100 ExpSyn synapses on 5 Hz Poisson trains '
        "(l5pc: on dendritic compartments drawn once), 1 s at dt 0.025 ms, backward Euler, one "
        "thread. Run time: the package's `Model.run(cell)` with a new cell of the same structure "
        "(values in, binary, trace out, Dataset), NEURON's `finitialize` + `continuerun` on the "
        "same cell built by `dendrites.crosscheck.to_neuron` (exact hh rates), in the same "
        "process. Cost = run time / (compartments x simulated ms)."
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="100 ms, one repeat, nothing written")
    p.add_argument("--md-only", action="store_true", help="rewrite the .md from the JSON")
    args = p.parse_args()
    if args.md_only:
        path = _report.RESULTS / f"{NAME}.md"
        path.write_text(markdown(json.loads((_report.RESULTS / f"{NAME}.json").read_text())))
        print("wrote", path)
        return
    if not L5PC.exists():
        sys.exit(f"{L5PC} is not here")
    duration = 100.0 if args.quick else M.DURATION_MS
    repeats = 1 if args.quick else args.repeats
    info, loads = _report.machine(), [_report.load()]
    rows, pairs = [], []
    for dl in D_LAMBDAS:
        label = f"l5pc.swc, d_lambda {dl:g}"
        rec = measure(label, lambda dl=dl: l5pc_morphology(dl), RI_OHM_CM, duration, repeats)
        loads.append(_report.load())
        n = round((rec["n_compartments"] - 1) / len(M.branches()))
        tree = measure(
            f"branched tree, n = {n}",
            lambda n=n: tree_morphology(n),
            M.RI_OHM_CM,
            duration,
            repeats,
        )
        loads.append(_report.load())
        rows += [rec, tree]
        pairs.append(
            {
                "reconstruction": rec["cell"],
                "tree": tree["cell"],
                "package_cost_ratio": rec["package_ns_per_compartment_ms"]
                / tree["package_ns_per_compartment_ms"],
                "neuron_cost_ratio": rec["neuron_ns_per_compartment_ms"]
                / tree["neuron_ns_per_compartment_ms"],
            }
        )
        print(f"cost ratio {pairs[-1]}", flush=True)
    data = {
        "machine": info,
        "description": description(),
        "duration_ms": duration,
        "dt_ms": M.DT_MS,
        "repeats": repeats,
        "loads": loads,
        "rows": rows,
        "pairs": pairs,
        "today": today(),
    }
    data["notes"] = notes(data)
    if args.quick:
        print(markdown(data))
        return
    print("wrote", _report.save(NAME, data))
    path = _report.RESULTS / f"{NAME}.md"
    path.write_text(markdown(data))
    print("wrote", path)


if __name__ == "__main__":
    main()
