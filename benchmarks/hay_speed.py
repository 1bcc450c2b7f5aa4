"""The Hay et al. (2011) cell in dendrites, NEURON and Arbor: a work-precision comparison.

The BAC protocol (``BAC_firing.hoc``: somatic 1.9 nA x 5 ms at 295 ms, EPSP-shaped current of
0.5 nA peak at 300 ms at the widest apical site 620 um from the soma, 600 ms, v_init -80 mV) run
by each tool at several settings; for each run the wall time of the run itself (building the
cell and compiling are excluded and listed apart) and its error against a converged reference:

* somatic spike times (upward -10 mV crossings, linearly interpolated): max |difference| (ms);
* dendritic voltage at 400 um and 620 um: RMS difference (mV) over 250-500 ms (the response;
  before it the cell sits near rest), weighted by the run's own sample intervals, the reference
  interpolated to the run's sample times (each run is compared at the points it computed).

Tools and settings:

* dendrites (:func:`dendrites.models.hay2011`, C++ standalone): backward Euler and
  Crank-Nicolson at dt 0.1, 0.05, 0.025, 0.0125 ms. Run time: a rerun of the compiled model
  (``Model.run(cell)``: writing the values, running the binary, reading the monitors back).
* NEURON, the original model (``L5PCtemplate.hoc`` + ``L5PCbiophys3.hoc`` + ``cell1.asc`` and the
  published mod files, driven from Python): fixed step backward Euler (``secondorder = 0``) and
  Crank-Nicolson (``secondorder = 2``) at the same dts; CVode (global variable step) at several
  absolute tolerances. Run time: ``finitialize`` + ``continuerun``.
* Arbor (``arbor.bbp_catalogue()``, which carries Hay's channels under the same names and
  parameters; ``pas`` from the default catalogue), the package's geometry (the Import3d-style
  soma cylinder and the two-compartment axon stub of the original), CV boundaries at the
  original's compartment boundaries (642 CVs with volume, plus Arbor's zero-volume CV at each
  of the 93 forks), every density painted per compartment with the value the package
  evaluated there; the EPSP current as an ``i_clamp`` whose piecewise-linear envelope samples
  ``epsp.mod``'s waveform every 0.01 ms. Arbor's cable step is first order (implicit Euler), so
  it also runs at dt 0.005 and 0.0025 ms to show it converging. Run time: ``simulation.run``.

The reference is NEURON's CVode at atol 1e-6 (checked against atol 1e-7 and against dendrites'
Crank-Nicolson at dt 0.005 ms; the agreements are in the output). Wall time: the fastest of
``--repeats`` runs (default 2). Peak memory: the compiled binary's resident high-water mark
(VmHWM) for dendrites; for NEURON and Arbor the VmHWM of a fresh worker process that builds and
runs the model, above the same process after its imports.

The NEURON files are not part of this repository and must not be committed: the folder given by
``--neuron-dir`` or ``HAY2011_NEURON_DIR`` is the ``NEURON/`` folder of ModelDB entry 139653
(also in OpenSourceBrain's ``L5bPyrCellHayEtAl2011`` repository), with ``models/``,
``morphologies/cell1.asc`` and its ``mod/`` files compiled by NEURON's ``nrnivmodl`` (the
script loads ``mod/x86_64/libnrnmech.so``). Without it the NEURON runs are skipped with a
message and the reference is dendrites' Crank-Nicolson at dt 0.005 ms.

Usage: ``python benchmarks/hay_speed.py [--quick] [--neuron-dir DIR]`` writes
``results/hay_speed.json``, ``.md`` and ``.png``. ``--quick`` runs dt 0.05 and 0.025 ms only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

import _report

T_STOP = 600.0  # ms
WINDOW = (250.0, 500.0)  # ms: the RMS window
SPIKE_MV = -10.0
SITES = ("soma", "proximal", "distal")
DTS = (0.1, 0.05, 0.025, 0.0125)
CVODE_ATOLS = (1e-2, 1e-3, 1e-4, 1e-5)
REF_ATOL = 1e-6
#: Arbor is first order in time: two more steps show it converging to the reference
ARBOR_EXTRA_DTS = (0.005, 0.0025)


# ------------------------------------------------------------------ measures
def spike_times(t, v, thr=SPIKE_MV) -> np.ndarray:
    """Upward crossings of `thr` (mV), linearly interpolated (ms)."""
    t, v = np.asarray(t), np.asarray(v)
    k = np.nonzero((v[:-1] < thr) & (v[1:] >= thr))[0]
    return t[k] + (thr - v[k]) * (t[k + 1] - t[k]) / (v[k + 1] - v[k])


def errors(run: dict, ref: dict) -> dict:
    """Spike-time max |difference| (ms; inf when the counts differ) and the time-weighted RMS
    difference (mV) at the dendritic sites, the reference interpolated to the run's times."""
    t = run["t"]
    sp, sp_ref = spike_times(t, run["soma"]), spike_times(ref["t"], ref["soma"])
    same = len(sp) == len(sp_ref)
    out = {
        "n_spikes": len(sp),
        "spike_max_ms": float(np.max(np.abs(sp - sp_ref))) if same and len(sp) else None,
    }
    sel = (t >= WINDOW[0]) & (t <= WINDOW[1])
    ts = t[sel]
    w = np.gradient(ts)
    for site in ("proximal", "distal"):
        d = run[site][sel] - np.interp(ts, ref["t"], ref[site])
        out[f"rms_{site}_mV"] = float(np.sqrt(np.sum(w * d**2) / np.sum(w)))
    out["rms_max_mV"] = max(out["rms_proximal_mV"], out["rms_distal_mV"])
    return out


class _ChildPeak:
    """Polls the resident-set high-water mark (VmHWM, reset at exec) of this process's children:
    the compiled binary's peak memory without the parent's pages a fork carries."""

    def __init__(self):
        self.peak_kb, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        me = str(os.getpid())
        while not self._stop.is_set():
            for p in Path("/proc").iterdir():
                if not p.name.isdigit():
                    continue
                try:
                    if (p / "stat").read_text().rsplit(")", 1)[1].split()[1] != me:
                        continue
                    if "python" in os.readlink(p / "exe"):
                        continue  # a fork not yet exec'd
                    for line in (p / "status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except (OSError, IndexError):
                    continue
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------ dendrites
def run_dendrites(scheme: str, dt: float, repeats: int = 1) -> dict:
    """One setting: build (compile if needed) and run once, then time `repeats` reruns."""
    import brian2
    from brian2 import ms

    from dendrites.backend import Model
    from dendrites.errors import TimeStepWarning
    from dendrites.models import bac_protocol, hay2011

    # dt 0.1 ms is longer than NaTa_t's fastest time constant (0.07 ms): the package warns,
    # and the run is kept as a point of the work-precision curve
    warnings.filterwarnings("ignore", category=TimeStepWarning)
    t0 = time.perf_counter()
    cell = hay2011()
    sites = bac_protocol(cell, "bac")
    rec = [sites[k] for k in SITES]
    model = Model(cell, T_STOP * ms, dt=dt * ms, record={"v": rec}, time_stepping=scheme)
    model.run()  # builds (or finds the build in the cache) and runs once
    t1 = time.perf_counter()
    walls, binary = [], []
    for _ in range(repeats):
        cell2 = hay2011()
        bac_protocol(cell2, "bac")
        with _ChildPeak() as peak:
            t2 = time.perf_counter()
            ds = model.run(cell2)
            walls.append(time.perf_counter() - t2)
        binary.append(getattr(brian2.get_device(), "_last_run_time", None))
    m = cell.morphology
    out = {"t": ds.time.values}
    for k in SITES:
        out[k] = ds.v.sel(compartment=m.locate(*sites[k])).values
    out.update(
        wall_s=min(walls),
        walls_s=walls,
        setup_s=t1 - t0,
        compile_s=getattr(model, "compile_seconds", None),
        binary_s=binary[int(np.argmin(walls))],
        peak_binary_MB=peak.peak_kb / 1024,
        n_compartments=cell.n_compartments,
    )
    return out


# ------------------------------------------------------------------ NEURON
class HayNeuron:
    """The original model in NEURON: L5PCtemplate + biophys3 + cell1.asc, BAC stimuli."""

    def __init__(self, folder: Path):
        from neuron import h

        self.h = h
        t0 = time.perf_counter()
        lib = folder / "mod" / "x86_64" / "libnrnmech.so"
        if not lib.exists():
            raise FileNotFoundError(
                f"{lib} is missing: the mod files of {folder}/mod are not compiled"
            )
        h.nrn_load_dll(str(lib))
        h.load_file("stdrun.hoc")
        h.load_file("import3d.hoc")
        h.load_file(str(folder / "models" / "L5PCbiophys3.hoc"))
        h.load_file(str(folder / "models" / "L5PCtemplate.hoc"))
        self.cell = h.L5PCtemplate(str(folder / "morphologies" / "cell1.asc"))
        c = self.cell
        soma = c.soma[0]
        self.st1 = h.IClamp(soma(0.5))
        self.st1.amp, self.st1.delay, self.st1.dur = 1.9, 295, 5
        self.sites = {"soma": soma(0.5)}
        for key, dist in (("distal", 620), ("proximal", 400)):
            best, widest = None, -1.0
            for vec in c.locateSites("apic", dist):
                sec, x = c.apic[int(vec.x[0])], vec.x[1]
                if sec(x).diam > widest:
                    best, widest = sec(x), sec(x).diam
            self.sites[key] = best
        self.syn = h.epsp(self.sites["distal"])
        self.syn.tau0, self.syn.tau1, self.syn.onset, self.syn.imax = 0.5, 5, 300, 0.5
        self.t = h.Vector().record(h._ref_t)
        self.v = {k: h.Vector().record(seg._ref_v) for k, seg in self.sites.items()}
        self.cvode = h.CVode()
        self.setup_s = time.perf_counter() - t0
        self.n_segments = sum(s.nseg for s in h.allsec())

    def run(self, method: str, dt: float | None = None, atol: float | None = None) -> dict:
        h = self.h
        if method == "cvode":
            self.cvode.active(1)
            self.cvode.atol(atol)
            h.secondorder = 0
        else:
            self.cvode.active(0)
            h.secondorder = {"backward-euler": 0, "crank-nicolson": 2}[method]
            h.dt = dt
            h.steps_per_ms = 1.0 / dt
        h.celsius = 6.3  # NEURON's default; the mod files fix their rates to 34 degC via qt
        h.v_init = -80
        t0 = time.perf_counter()
        h.finitialize(-80)
        h.continuerun(T_STOP)
        wall = time.perf_counter() - t0
        out = {"t": np.array(self.t)}
        for k in SITES:
            out[k] = np.array(self.v[k])
        out.update(wall_s=wall, setup_s=self.setup_s, n_compartments=self.n_segments)
        if method == "cvode":
            out["steps"] = len(out["t"]) - 1
        return out


# ------------------------------------------------------------------ Arbor
def _epsp_nA(t):
    """``epsp.mod``: imax-normalised difference of exponentials, rise 0.5 ms, decay 5 ms."""
    tau0, tau1, onset, imax = 0.5, 5.0, 300.0, 0.5
    tpeak = tau0 * tau1 * np.log(tau0 / tau1) / (tau0 - tau1)
    norm = 1.0 / (np.exp(-tpeak / tau1) - np.exp(-tpeak / tau0))
    s = np.clip(np.asarray(t) - onset, 0, None)
    return np.where(
        np.asarray(t) >= onset, imax * norm * (np.exp(-s / tau1) - np.exp(-s / tau0)), 0
    )


class HayArbor:
    """The package's cell (geometry, compartments, per-compartment densities) in Arbor.

    Each package section becomes a chain of Arbor segments through its 3-D points; children of
    the soma hang from the soma's far end (the soma is one CV, so where they join it does not
    change the circuit; Arbor allows the gap to their first point). CV boundaries are put
    exactly at the package's (= the original's, ``1 + 2 int(L/40)``) compartment boundaries
    (``cv_policy_explicit``); every mechanism is painted per compartment with the value the
    package's :func:`~dendrites.models.hay2011` evaluated there (the hoc ``for (x)`` rule
    included), from ``arbor.bbp_catalogue()`` (the BBP copies of Hay's mod files: NaTa_t,
    Nap_Et2, K_Pst, K_Tst, SKv3_1, SK_E2, Ca_HVA, Ca_LVAst, Ih, Im, CaDynamics_E2), ``pas``
    from the default catalogue. eca by Nernst at 6.3 degC (``nernst/x=ca``), ek -85 mV,
    ena 50 mV, cao 2 mM, cai0 5e-5 mM. The EPSP current is an ``i_clamp`` with a piecewise
    linear envelope through ``epsp.mod``'s waveform sampled every 0.01 ms (its error against
    the exact waveform: < 1e-4 nA).
    """

    CHANNELS = ("Ca_LVAst", "Ca_HVA", "SKv3_1", "SK_E2", "K_Tst", "K_Pst", "Nap_Et2", "NaTa_t",
                "Ih", "Im")  # fmt: skip

    def __init__(self):
        import arbor as A
        from arbor import units as U

        from dendrites.models import bac_protocol, hay2011

        t0 = time.perf_counter()
        self.A, self.U = A, U
        cell = hay2011()
        sites = bac_protocol(cell, "bac")
        m = cell.morphology
        table = m.compartments
        tree = A.segment_tree()
        segs = {}  # section -> its segment ids
        for sec in m.sections:
            pts = np.asarray(sec.points, dtype=float)
            if sec.parent is None:
                parent = A.mnpos
            else:
                parent = segs[sec.parent][-1]
            ids = []
            for a, b in itertools.pairwise(pts):
                parent = tree.append(
                    parent, A.mpoint(*a[:3], a[3] / 2), A.mpoint(*b[:3], b[3] / 2), tag=1
                )
                ids.append(parent)
            segs[sec.name] = ids
        morph = A.morphology(tree)
        # segment id -> (branch, start and end of the segment as fractions of the branch)
        where = {}
        for b in range(morph.num_branches):
            bs = morph.branch_segments(b)
            lens = np.array([_seg_len(s) for s in bs])
            cum = np.concatenate([[0], np.cumsum(lens)]) / lens.sum()
            cum[-1] = 1.0
            for k, s in enumerate(bs):
                where[_seg_key(s)] = (b, cum[k], cum[k + 1])
        where = {i: where[_seg_key(s)] for i, s in enumerate(tree.segments)}
        # the package's compartments as Arbor cables
        cables, bounds = [], set()
        for sec in m.sections:
            ids = segs[sec.name]
            b0, p0 = where[ids[0]][0], where[ids[0]][1]
            b1, p1 = where[ids[-1]][0], where[ids[-1]][2]
            if b0 != b1:
                raise RuntimeError(f"section {sec.name} spans Arbor branches {b0} and {b1}")
            sl = m.compartment_slice(sec.name)
            frac = np.concatenate([[0], np.cumsum(table.length[sl])]) / table.length[sl].sum()
            pos = np.clip(p0 + frac * (p1 - p0), 0.0, 1.0)
            pos[-1] = p1 = min(p1, 1.0)
            for k in range(len(frac) - 1):
                cables.append((b0, float(pos[k]), float(pos[k + 1])))
            bounds.update((b0, round(float(x), 12)) for x in pos)
        self.cables = cables
        d = A.decor()
        d.set_property(Vm=-80 * U.mV, rL=100 * U.Ohm * U.cm, tempK=279.45 * U.Kelvin)
        d.set_ion("ca", int_con=5e-5 * U.mM, ext_con=2 * U.mM, method="nernst/x=ca")
        d.set_ion("k", rev_pot=-85 * U.mV)
        d.set_ion("na", rev_pot=50 * U.mV)
        reg = self._region
        for cm_val, idx in _groups(cell.cm):
            d.paint(reg(idx), cm=cm_val * U.F / U.m2)
        ch = cell.channels
        pas = ch["pas"].values["g"] / 1e4  # S/m2 -> S/cm2
        for g, idx in _groups(pas):
            d.paint(reg(idx), A.density("pas/e=-90", {"g": g}))
        for name in self.CHANNELS:
            key = f"g{name}bar"
            vals = ch[name].values[key] / 1e4
            for g, idx in _groups(vals):
                if g > 0:
                    d.paint(reg(idx), A.density(name, {key: g}))
        pool = ch["CaDynamics_E2"].values
        present = pool["present"] > 0
        combo = np.where(present, pool["decay"] * 1e3 + 1e6 * pool["gamma"], -1)
        for _, idx in _groups(combo):
            k = idx[0]
            if not present[k]:
                continue
            params = {"decay": pool["decay"][k] * 1e3, "gamma": pool["gamma"][k]}
            d.paint(reg(idx), A.density("CaDynamics_E2", params))
        loc = {k: self._loc(m, s) for k, s in sites.items()}
        d.place(loc["soma"], A.i_clamp(295 * U.ms, 5 * U.ms, 1.9 * U.nA))
        tt = np.arange(299.99, T_STOP, 0.01)
        env = [(float(x) * U.ms, float(i) * U.nA) for x, i in zip(tt, _epsp_nA(tt), strict=True)]
        d.place(loc["distal"], A.i_clamp(env))
        locset = " ".join(f"(location {b} {x!r})" for b, x in sorted(bounds))
        policy = A.cv_policy_explicit(f"(join {locset})")
        self.cell = A.cable_cell(morph, d, A.label_dict(), discretization=policy)
        self.loc = loc
        cvd = A.cv_data(self.cell)
        self.n_cv = cvd.num_cv  # with a zero-volume CV at every fork (Arbor's fork nodes)
        self.n_cv_nonzero = sum(
            any(c.dist > c.prox for c in cvd.cables(i)) for i in range(cvd.num_cv)
        )
        self.setup_s = time.perf_counter() - t0

    def _region(self, idx) -> str:
        parts = " ".join(
            f"(cable {b} {p0!r} {p1!r})" for b, p0, p1 in (self.cables[i] for i in idx)
        )
        return f"(join {parts})" if len(idx) > 1 else parts

    def _loc(self, m, site) -> str:
        sec, x = site
        k = m.locate(sec, x)
        b, p0, p1 = self.cables[k]
        # the site's position inside its compartment
        sl = m.compartment_slice(sec)
        t = m.compartments
        n = sl.stop - sl.start
        rel = x * n - (k - sl.start)
        del t
        return f"(location {b} {p0 + rel * (p1 - p0)!r})"

    def run(self, dt: float) -> dict:
        A, U = self.A, self.U
        cell = self.cell
        probes = self.loc

        class Recipe(A.recipe):
            def __init__(self):
                A.recipe.__init__(self)
                self.props = A.neuron_cable_properties()
                self.props.catalogue.extend(A.bbp_catalogue(), "")

            def num_cells(self):
                return 1

            def cell_kind(self, gid):
                return A.cell_kind.cable

            def cell_description(self, gid):
                return cell

            def probes(self, gid):
                return [A.cable_probe_membrane_voltage(probes[k], k) for k in SITES]

            def global_properties(self, kind):
                return self.props

        rec = Recipe()
        sim = A.simulation(rec)
        handles = {k: sim.sample((0, k), A.regular_schedule(dt * U.ms)) for k in SITES}
        t0 = time.perf_counter()
        sim.run(T_STOP * U.ms, dt * U.ms)
        wall = time.perf_counter() - t0
        out = {}
        for k in SITES:
            data, _ = sim.samples(handles[k])[0]
            out["t"], out[k] = data[:, 0], data[:, 1]
        out.update(wall_s=wall, setup_s=self.setup_s, n_compartments=self.n_cv_nonzero)
        return out


def _seg_len(s) -> float:
    a, b = s.prox, s.dist
    return float(np.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2 + (a.z - b.z) ** 2))


def _seg_key(s) -> tuple:
    a, b = s.prox, s.dist
    return (a.x, a.y, a.z, a.radius, b.x, b.y, b.z, b.radius)


def _groups(values):
    """(value, indices) for every distinct value of an array."""
    vals = np.asarray(values, dtype=float)
    uniq, inv = np.unique(vals, return_inverse=True)
    return [(float(u), np.nonzero(inv == j)[0]) for j, u in enumerate(uniq)]


# ------------------------------------------------------------------ memory
def memory_worker(tool: str, folder: str | None) -> None:
    """One run (NEURON: CVode atol 1e-4; Arbor: dt 0.025 ms) in this fresh process; prints the
    resident set after the imports and the process's peak (MB) as JSON."""
    import arbor  # noqa: F401
    import neuron  # noqa: F401  (both imported in both workers: the same baseline)

    import dendrites.models  # noqa: F401  (the Arbor model is built from the package's cell)

    def status(key):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024

    base = status("VmRSS:")
    if tool == "neuron":
        m = HayNeuron(Path(folder))
        m.run("cvode", atol=1e-4)
        n = m.n_segments
    else:
        m = HayArbor()
        m.run(0.025)
        n = m.n_cv_nonzero
    # VmHWM, not ru_maxrss: Linux's ru_maxrss keeps the high-water mark of the forked parent's
    # pages from before exec (the benchmark's own ~300 MB)
    peak = status("VmHWM:")
    print(json.dumps({"base_MB": base, "peak_MB": peak, "n_compartments": n}))


def measure_memory(tool: str, folder: Path | None) -> dict | None:
    cmd = [sys.executable, __file__, "--memory-worker", tool]
    if folder is not None:
        cmd += ["--neuron-dir", str(folder)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    try:
        return json.loads(res.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        print(f"memory worker {tool} failed: {res.stderr[-2000:]}")
        return None


# ------------------------------------------------------------------ work-precision
def frontier(points):
    """The Pareto front of (error, wall) points: sorted by error, wall strictly decreasing."""
    pts = sorted((e, w) for e, w in points if e is not None and np.isfinite(e) and e > 0)
    front = []
    for e, w in pts:
        if not front or w < front[-1][1]:
            front.append((e, w))
    return front


def time_at(front, level):
    """Wall time needed for error <= `level`, log-log interpolated along the front; None if the
    front never reaches `level`."""
    if not front or level < front[0][0]:
        return None
    if level >= front[-1][0]:
        return front[-1][1]
    for (e0, w0), (e1, w1) in itertools.pairwise(front):
        if e0 <= level <= e1:
            f = np.log(level / e0) / np.log(e1 / e0)
            return float(np.exp(np.log(w0) + f * (np.log(w1) - np.log(w0))))
    return None


TOOLS = {"dendrites": "dendrites", "neuron": "NEURON", "arbor": "Arbor"}
LEVELS = {"rms_max_mV": (1.0, 0.3, 0.1, 0.03), "spike_max_ms": (1.0, 0.3, 0.1, 0.03)}


def ratios(rows) -> dict:
    out = {}
    for metric, levels in LEVELS.items():
        fronts = {
            tool: frontier([(r[metric], r["wall_s"]) for r in rows if r["tool"] == tool])
            for tool in TOOLS
        }
        out[metric] = []
        for lv in levels:
            t = {tool: time_at(f, lv) for tool, f in fronts.items()}
            row = {"level": lv, **{f"{k}_s": v for k, v in t.items()}}
            for peer in ("neuron", "arbor"):
                ok = t["dendrites"] is not None and t[peer] is not None
                row[f"ratio_{peer}"] = t["dendrites"] / t[peer] if ok else None
            out[metric].append(row)
    return out


def plot(rows, path: Path, ref_label: str) -> None:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    style = {
        ("dendrites", "backward-euler"): ("C0", "o", "--"),
        ("dendrites", "crank-nicolson"): ("C0", "s", "-"),
        ("neuron", "backward-euler"): ("C1", "o", "--"),
        ("neuron", "crank-nicolson"): ("C1", "s", "-"),
        ("neuron", "cvode"): ("C1", "^", ":"),
        ("arbor", "fixed"): ("C2", "D", "-"),
    }
    for ax, metric, label in (
        (axes[0], "rms_max_mV", "dendritic voltage RMS error, max of 400 and 620 um (mV)"),
        (axes[1], "spike_max_ms", "somatic spike time error, max over the 3 spikes (ms)"),
    ):
        for (tool, method), (c, mk, ls) in style.items():
            pts = [r for r in rows if r["tool"] == tool and r["method"] == method]
            pts = [r for r in pts if r[metric] is not None and r[metric] > 0]
            if not pts:
                continue
            pts.sort(key=lambda r: r["wall_s"])
            ax.plot([r["wall_s"] for r in pts], [r[metric] for r in pts], color=c, marker=mk,
                    ls=ls, label=f"{TOOLS[tool]} {method}")  # fmt: skip
            for r in pts:
                ax.annotate(r["setting"], (r["wall_s"], r[metric]), fontsize=6,
                            xytext=(3, 3), textcoords="offset points")  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("wall time of the 600 ms run (s)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(
        f"Hay 2011 cell, BAC protocol: error against {ref_label} vs wall time", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


# ------------------------------------------------------------------ driver
def neuron_dir(arg: str | None) -> Path | None:
    d = arg or os.environ.get("HAY2011_NEURON_DIR")
    if not d:
        print(
            "NEURON skipped: give the folder of the original model (NEURON/ of ModelDB 139653, "
            "mod files compiled) with --neuron-dir or HAY2011_NEURON_DIR (see the docstring)"
        )
        return None
    if not (Path(d) / "models" / "L5PCtemplate.hoc").exists():
        print(f"NEURON skipped: {d} has no models/L5PCtemplate.hoc (see the docstring)")
        return None
    return Path(d)


def _timed(fn, repeats):
    """Run `fn` `repeats` times; keep the traces of the last and the fastest wall time."""
    runs = [fn() for _ in range(repeats)]
    out = runs[-1]
    out["walls_s"] = [r["wall_s"] for r in runs]
    out["wall_s"] = min(out["walls_s"])
    return out


def _fmt(x, f="{:.3g}"):
    return "n/a" if x is None else f.format(x)


def _notes(result: dict) -> list[str]:
    """Conclusions read off the JSON: the issue's targets, met or not."""
    out = []
    ag = result["agreement"]
    a = ag.get("dendrites CN dt 0.025 vs NEURON CVode atol 1e-6")
    if a:
        ok = (a["spike_max_ms"] or np.inf) <= 0.1 and max(
            a["rms_proximal_mV"], a["rms_distal_mV"]
        ) <= 1.0
        out.append(
            f"Issue 13 agreement targets (dendrites CN 0.025 ms vs NEURON CVode): spike times "
            f"{_fmt(a['spike_max_ms'])} ms (target <= 0.1), RMS {a['rms_proximal_mV']:.3g} mV "
            f"at 400 um and {a['rms_distal_mV']:.3g} mV at 620 um (target <= 1): "
            + ("met." if ok else "NOT met.")
        )
    rn = [x["ratio_neuron"] for m in result["ratios"].values() for x in m if x["ratio_neuron"]]
    ra = [x["ratio_arbor"] for m in result["ratios"].values() for x in m if x["ratio_arbor"]]
    if rn:
        out.append(
            f"Speed goal (<= 0.5x NEURON, <= 1.0x Arbor at equal accuracy): ratio to NEURON "
            f"{min(rn):.1f}-{max(rn):.1f}"
            + (f", to Arbor {min(ra):.1f}-{max(ra):.1f}" if ra else "")
            + " over the accuracy levels both reach: "
            + ("met." if max(rn) <= 0.5 and (not ra or max(ra) <= 1.0) else "NOT met.")
            + " NEURON's fastest runs at every accuracy are its CVode runs."
        )
    a = ag.get("Arbor dt 0.0025 vs NEURON CVode atol 1e-6")
    if a:
        out.append(
            f"Arbor does not converge to the reference: at dt 0.0025 ms it is still "
            f"{_fmt(a['spike_max_ms'])} ms and {a['rms_proximal_mV']:.2g} / "
            f"{a['rms_distal_mV']:.2g} mV (400 / 620 um) away, as far as at dt 0.005 ms: a "
            "model difference (the bbp catalogue's copies of the channels, or Arbor's CV "
            "geometry), not a time-step error; its runs never reach the smaller errors, hence "
            "the n/a ratios."
        )
    lo = result["loads"]
    out.append(
        "Loads: the machine is shared; the 1-min load before/after each tool's runs is in the "
        "header (here " + ", ".join(f"{k} {v[0]}" for k, v in lo.items()) + "). A load above "
        "2 on 2 cores slows the runs made under it."
    )
    return out


def write_md(result: dict, name: str = "hay_speed") -> Path:
    """``results/<name>.md`` from the JSON."""
    rows = result["rows"]
    L = ["# Hay et al. (2011) cell: dendrites vs NEURON vs Arbor (`benchmarks/hay_speed.py`)", ""]
    m = result["machine"]
    L += [
        f"Run {m['date']} on {m['cpu']} ({m['cores']} cores), `{m['command']}`; versions "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + ". Load averages (1, 5, 15 min): "
        + "; ".join(f"{k} {v}" for k, v in result["loads"].items())
        + f". Total {result['total_s']:.0f} s.",
        "",
        f"BAC protocol (600 ms). Reference: **{result['reference']}**. Errors: max |difference| "
        f"of the somatic spike times (crossings of {result['spike_threshold_mV']} mV; `-` when "
        f"the spike count differs), RMS of the voltage difference at the 400 um and 620 um "
        f"apical sites over {result['window_ms'][0]:.0f}-{result['window_ms'][1]:.0f} ms "
        "(time-weighted, at the run's own sample times). Wall time: the run alone, fastest of "
        "the repeats (dendrites: `Model.run` of the compiled model, i.e. writing values, the "
        "binary, reading the monitors; its binary's own time in brackets; NEURON: "
        "`finitialize` + `continuerun`; Arbor: `simulation.run`). Building the cell, compiling "
        "and (Arbor) building the simulation are not included.",
        "",
        "| tool | method | setting | compartments | wall s (binary s) | spikes | spike max err ms "
        "| RMS 400 um mV | RMS 620 um mV | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        binary = f" ({r['binary_s']:.2f})" if r.get("binary_s") else ""
        note = "reference" if r["reference"] else ""
        if r.get("steps"):
            note += f" {r['steps']} steps"
        L.append(
            f"| {TOOLS[r['tool']]} | {r['method']} | {r['setting']} | {r['n_compartments']} | "
            f"{r['wall_s']:.3f}{binary} | {r['n_spikes']} | {_fmt(r['spike_max_ms'])} | "
            f"{_fmt(r['rms_proximal_mV'])} | {_fmt(r['rms_distal_mV'])} | {note.strip()} |"
        )
    L += ["", "## Time at equal accuracy", "",
          "Each tool's Pareto front (its fastest run reaching each error, over all its methods), "
          "log-log interpolated; ratio = dendrites time / peer time (goal: <= 0.5 against "
          "NEURON, <= 1.0 against Arbor). `n/a`: the tool's runs never reach that error.", "",
          "| error | level | dendrites s | NEURON s | Arbor s | ratio to NEURON | ratio to Arbor |",
          "|---|---|---|---|---|---|---|"]  # fmt: skip
    for metric, unit in (("rms_max_mV", "mV RMS (max of 400, 620 um)"),
                         ("spike_max_ms", "ms spike time")):  # fmt: skip
        for x in result["ratios"][metric]:
            L.append(
                f"| {unit} | {x['level']:g} | {_fmt(x['dendrites_s'])} | {_fmt(x['neuron_s'])} | "
                f"{_fmt(x['arbor_s'])} | **{_fmt(x['ratio_neuron'], '{:.2f}')}** | "
                f"**{_fmt(x['ratio_arbor'], '{:.2f}')}** |"
            )
    L += ["", "## Agreement", "", "| pair | spikes | spike max diff ms | RMS 400 um mV | "
          "RMS 620 um mV |", "|---|---|---|---|---|"]  # fmt: skip
    for k, e in result["agreement"].items():
        L.append(f"| {k} | {e['n_spikes']} | {_fmt(e['spike_max_ms'])} | "
                 f"{_fmt(e['rms_proximal_mV'])} | {_fmt(e['rms_distal_mV'])} |")  # fmt: skip
    L += ["", "## Set-up and memory", ""]
    for r in rows:
        if r["tool"] == "dendrites" and r.get("compile_s"):
            L.append(
                f"- dendrites {r['method']} {r['setting']}: cell + first run "
                f"{r['setup_s']:.1f} s, of which C++ compile {r['compile_s']:.1f} s"
            )
    for tool, meta in result["meta"].items():
        L.append(f"- {TOOLS[tool]} set-up: " + ", ".join(f"{k} {v:.3g}" for k, v in meta.items()))
    for tool, mem in result["memory"].items():
        if not mem:
            continue
        n = mem["n_compartments"]
        extra = (f" (process peak; {mem['peak_MB'] - mem['base_MB']:.1f} MB above the "
                 f"interpreter with neuron, arbor and dendrites imported, {mem['base_MB']:.0f} MB)"
                 if "base_MB" in mem else f" ({mem['what']})")  # fmt: skip
        inc = mem["peak_MB"] - mem.get("base_MB", 0)
        L.append(f"- peak memory {TOOLS[tool]}: {mem['peak_MB']:.1f} MB{extra}; "
                 f"{inc * 1024 / n:.1f} kB per compartment ({n} compartments)")  # fmt: skip
    L += ["", "## Notes", "", *[f"- {n}" for n in _notes(result)]]
    path = _report.RESULTS / f"{name}.md"
    path.write_text("\n".join(L) + "\n")
    return path


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--neuron-dir", default=None)
    p.add_argument("--repeats", type=int, default=2, help="wall time: the fastest of this many")
    p.add_argument("--only", default="dendrites,neuron,arbor")
    p.add_argument("--memory-worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--md-only", action="store_true", help="rewrite the .md and .png from the JSON")
    args = p.parse_args(argv)
    if args.memory_worker:
        memory_worker(args.memory_worker, args.neuron_dir)
        return
    if args.md_only:
        result = _report._read("hay_speed")
        plot(result["rows"], _report.RESULTS / "hay_speed.png", result["reference"])
        print(write_md(result))
        return
    os.environ.setdefault("DENDRITES_CACHE", tempfile.mkdtemp(prefix="hay_speed_"))
    only = args.only.split(",")
    dts = (0.05, 0.025) if args.quick else DTS
    atols = (1e-3, 1e-4) if args.quick else CVODE_ATOLS
    rep = args.repeats
    loads = {"start": os.getloadavg()}
    t_start = time.perf_counter()
    runs, meta = {}, {}
    folder = neuron_dir(args.neuron_dir) if "neuron" in only else None
    if folder is not None:
        nrn = HayNeuron(folder)
        meta["neuron"] = {"setup_s": nrn.setup_s, "n_compartments": nrn.n_segments}
        runs[("neuron", "cvode", f"atol {REF_ATOL:g}")] = nrn.run("cvode", atol=REF_ATOL)
        runs[("neuron", "cvode", "atol 1e-07")] = nrn.run("cvode", atol=1e-7)
        for a in atols:
            runs[("neuron", "cvode", f"atol {a:g}")] = _timed(
                lambda a=a: nrn.run("cvode", atol=a), rep
            )
        for scheme in ("backward-euler", "crank-nicolson"):
            for dt in dts:
                runs[("neuron", scheme, f"dt {dt}")] = _timed(
                    lambda s=scheme, d=dt: nrn.run(s, dt=d), rep
                )
        loads["after NEURON"] = os.getloadavg()
        print("NEURON done", flush=True)
    if "arbor" in only:
        arb = HayArbor()
        meta["arbor"] = {"setup_s": arb.setup_s, "n_cv": arb.n_cv,
                         "n_cv_nonzero": arb.n_cv_nonzero}  # fmt: skip
        for dt in (*dts, *ARBOR_EXTRA_DTS):
            runs[("arbor", "fixed", f"dt {dt}")] = _timed(lambda d=dt: arb.run(d), rep)
        loads["after Arbor"] = os.getloadavg()
        print("Arbor done", flush=True)
    if "dendrites" in only:
        for scheme in ("backward-euler", "crank-nicolson"):
            for dt in dts:
                r = run_dendrites(scheme, dt, rep)
                runs[("dendrites", scheme, f"dt {dt}")] = r
                print(
                    f"dendrites {scheme} {dt}: {r['walls_s']} s (compile {r['compile_s']})",
                    flush=True,
                )
        runs[("dendrites", "crank-nicolson", "dt 0.005")] = run_dendrites(
            "crank-nicolson", 0.005, 1
        )
        loads["after dendrites"] = os.getloadavg()
    ref_key = ("neuron", "cvode", f"atol {REF_ATOL:g}")
    if ref_key in runs:
        ref_label = f"NEURON CVode atol {REF_ATOL:g}"
    else:
        ref_key = ("dendrites", "crank-nicolson", "dt 0.005")
        ref_label = "dendrites Crank-Nicolson dt 0.005 ms"
    ref = runs[ref_key]
    rows = []
    for (tool, method, setting), r in runs.items():
        e = errors(r, ref)
        row = {"tool": tool, "method": method, "setting": setting, **e,
               "wall_s": r["wall_s"], "walls_s": r.get("walls_s", [r["wall_s"]]),
               "n_compartments": r["n_compartments"]}  # fmt: skip
        for k in ("steps", "compile_s", "setup_s", "binary_s", "peak_binary_MB"):
            if k in r:
                row[k] = r[k]
        row["reference"] = (tool, method, setting) == ref_key
        row["on_curve"] = not row["reference"] and setting not in ("atol 1e-07",)
        rows.append(row)
        print(tool, method, setting, {k: v for k, v in row.items() if k in e or k == "wall_s"})
    curve = [r for r in rows if r["on_curve"]]
    result = {
        "machine": _report.machine(),
        "reference": ref_label,
        "window_ms": WINDOW,
        "spike_threshold_mV": SPIKE_MV,
        "rows": rows,
        "ratios": ratios(curve),
        "meta": meta,
    }
    # the agreement targets: dendrites CN 0.025 against NEURON CVode (reference)
    # and the two references against each other
    pairs = {
        "dendrites CN dt 0.025 vs NEURON CVode atol 1e-6": (
            ("dendrites", "crank-nicolson", "dt 0.025"), ("neuron", "cvode", "atol 1e-06")),
        "dendrites CN dt 0.005 vs NEURON CVode atol 1e-6": (
            ("dendrites", "crank-nicolson", "dt 0.005"), ("neuron", "cvode", "atol 1e-06")),
        "NEURON CVode atol 1e-7 vs atol 1e-6": (
            ("neuron", "cvode", "atol 1e-07"), ("neuron", "cvode", "atol 1e-06")),
        "Arbor dt 0.0025 vs NEURON CVode atol 1e-6": (
            ("arbor", "fixed", "dt 0.0025"), ("neuron", "cvode", "atol 1e-06")),
        "Arbor dt 0.0025 vs dendrites CN dt 0.005": (
            ("arbor", "fixed", "dt 0.0025"), ("dendrites", "crank-nicolson", "dt 0.005")),
    }  # fmt: skip
    result["agreement"] = {
        k: errors(runs[a], runs[b]) for k, (a, b) in pairs.items() if a in runs and b in runs
    }
    mem = {}
    d_runs = [r for k, r in runs.items() if k[0] == "dendrites" and r.get("peak_binary_MB")]
    if d_runs:
        mem["dendrites"] = {
            "peak_MB": max(r["peak_binary_MB"] for r in d_runs),
            "n_compartments": d_runs[0]["n_compartments"],
            "what": "VmHWM of the compiled binary, the largest over the runs",
        }
    loads["before memory"] = os.getloadavg()
    if folder is not None:
        mem["neuron"] = measure_memory("neuron", folder)
    if "arbor" in only:
        mem["arbor"] = measure_memory("arbor", folder)
    result["memory"] = mem
    loads["end"] = os.getloadavg()
    result["loads"] = {k: [round(x, 2) for x in v] for k, v in loads.items()}
    result["total_s"] = time.perf_counter() - t_start
    name = "hay_speed_quick" if args.quick else "hay_speed"
    path = _report.save(name, result)
    png = _report.RESULTS / f"{name}.png"
    plot(curve, png, ref_label)
    print(f"wrote {path}, {png} and {write_md(result, name)}")


if __name__ == "__main__":
    main()
