"""`export_cell`: a package cell as files NEURON runs without the package.

The folder gets the generated ``.mod`` file of every mechanism of the cell
(:mod:`dendrites.nmodl.export`), ``cell.json`` (sections with their 3-D points, nseg and parent,
Ra, cm, v_init and every mechanism's parameter values per segment, synapses with their weights
and spike times, current clamps) and ``run_neuron.py``, a script that needs only NEURON and
numpy: it compiles the ``.mod`` files with ``nrnivmodl`` (once), builds the cell as
:func:`dendrites.crosscheck.to_neuron` does, runs it and writes the somatic voltage to
``v_soma.csv``. Everything in ``cell.json`` is in NEURON's units except mechanism parameters, which
are the package's SI values (the generated files declare them so).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..cell import Cell
from ..errors import ParameterError
from ..stimuli import Step
from .build import exports

__all__ = ["export_cell"]

_SCRIPT = r'''"""Run the cell of cell.json in NEURON (written by dendrites.crosscheck.export_cell).

    python run_neuron.py [duration_ms] [dt_ms]
"""
import json, subprocess, sys
from pathlib import Path

import numpy as np
from neuron import h

here = Path(__file__).resolve().parent
data = json.loads((here / "cell.json").read_text())


def library():
    found = [*here.glob("*/.libs/libnrnmech.so"), *here.glob("*/libnrnmech.*")]
    return found[0] if found else None


if library() is None:
    exe = Path(sys.executable).parent / "nrnivmodl"
    exe = str(exe) if exe.exists() else "nrnivmodl"
    subprocess.run([exe, *data["mod_files"]], cwd=here, check=True)
lib = library()
h.nrn_load_dll(str(lib))
h.load_file("stdrun.hoc")
secs = {}
for s in data["sections"]:
    sec = secs[s["name"]] = h.Section(name=s["name"])
    for x, y, z, d in s["points"]:
        h.pt3dadd(x, y, z, d, sec=sec)
    sec.nseg, sec.Ra = s["nseg"], data["Ra"]
    if s["parent"] is not None:
        sec.connect(secs[s["parent"]](s["parent_x"]), 0)
for s in data["sections"]:
    sec = secs[s["name"]]
    for m in s["mechanisms"]:
        sec.insert(m["name"])
    for j, seg in enumerate(sec):
        seg.cm = s["cm"][j]
        for m in s["mechanisms"]:
            mech = getattr(seg, m["name"])
            for p, values in m["values"].items():
                setattr(mech, p, values[j])
            for p, target in m["pointers"].items():
                h.setpointer(getattr(seg, "_ref_" + target), p, mech)
for name, value in data["ion_globals"].items():
    setattr(h, name, value)
keep, events = [], []
for syn in data["synapses"]:
    pp = getattr(h, syn["mechanism"])(secs[syn["section"]](syn["x"]))
    con = h.NetCon(None, pp)
    con.delay, con.weight[0] = 0.0, syn["weight_uS"]
    keep.append(pp)
    events.append((con, syn["times_ms"]))
fih = h.FInitializeHandler(lambda: [c.event(t) for c, times in events for t in times])
for cl in data["clamps"]:
    ic = h.IClamp(secs[cl["section"]](cl["x"]))
    ic.delay, ic.dur = cl["delay_ms"], cl["dur_ms"]
    if "amp_nA" in cl:
        ic.amp = cl["amp_nA"]
    else:
        vec = h.Vector(cl["samples_nA"])
        vec.play(ic._ref_amp, cl["sample_dt_ms"])
        keep.append(vec)
    keep.append(ic)
duration = float(sys.argv[1]) if len(sys.argv) > 1 else data["duration_ms"]
h.dt = float(sys.argv[2]) if len(sys.argv) > 2 else data["dt_ms"]
h.CVode().active(0)
soma = secs[data["soma"]](0.5)
v = h.Vector().record(soma._ref_v)
for s in data["sections"]:
    sec = secs[s["name"]]
    for j, seg in enumerate(sec):
        seg.v = s["v_init"][j]
    sec(0).v, sec(1).v = s["v_init"][0], s["v_init"][-1]
h.finitialize()
while h.t < duration - h.dt / 2:
    h.fadvance()
t = np.arange(len(v)) * h.dt
np.savetxt(here / "v_soma.csv", np.column_stack([t, np.asarray(v)]), delimiter=",",
           header="t_ms,v_mV", comments="")
print(f"ran {duration} ms at dt {h.dt} ms; {here / 'v_soma.csv'}")
'''


def export_cell(cell: Cell, folder, duration=None, dt=None) -> Path:
    """Write `cell` as ``.mod`` files, ``cell.json`` and ``run_neuron.py`` into `folder`.

    Parameters
    ----------
    cell : Cell
        A package cell (any channels and receptors with an NMODL translation).
    folder : str or Path
        Created if missing; existing files of the same names are replaced.
    duration, dt : Quantity, optional
        Defaults of the script (100 ms, 0.025 ms); ``dt`` also samples non-step clamp waveforms.

    Returns
    -------
    Path
        The script, run it with ``python run_neuron.py [duration_ms] [dt_ms]`` in an environment
        with NEURON (it compiles the ``.mod`` files with ``nrnivmodl`` on its first run).

    Raises
    ------
    NotInNeuronError
        A mechanism without NMODL translation.
    """
    from brian2.units import ms

    from ..quantities import as_float

    dur_ms = 100.0 if duration is None else as_float(duration, ms, "duration", "positive")
    dt_ms = 0.025 if dt is None else as_float(dt, ms, "dt", "positive")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    generated = exports(cell)
    for ex in generated.values():
        (folder / f"{ex.name}.mod").write_text(ex.text, encoding="utf-8")
    morph = cell.morphology
    sections = []
    for s in morph.sections:
        sl = morph.compartment_slice(s.name)
        idx = np.arange(sl.start, sl.stop)
        pts = np.asarray(s.points, dtype=float)
        if s.region == "soma" and len(pts) == 1:  # a sphere: a cylinder of the same area
            x, y, z, d = pts[0]
            pts = np.array([[x - d / 2, y, z, d], [x + d / 2, y, z, d]])
        parent = morph[s.parent] if s.parent is not None else None
        mechs = []
        for name, state in cell.channels.items():
            if name not in generated or not state.present[idx].any():
                continue
            ex = generated[name]
            vals = {ex.names.get(p, p): [float(a[k]) for k in idx] for p, a in state.values.items()}
            mechs.append({"name": ex.name, "values": vals, "pointers": ex.pointers})
        order = list(generated)
        mechs.sort(
            key=lambda m: order.index(next(n for n in order if generated[n].name == m["name"]))
        )
        sections.append(
            {
                "name": s.name,
                "parent": s.parent,
                "parent_x": 0.5
                if parent is not None and parent.region == "soma" and parent.parent is None
                else 1.0,
                "points": pts.tolist(),
                "nseg": int(s.n),
                "cm": [float(cell.cm[k] * 100.0) for k in idx],
                "v_init": [float(cell.v_init[k] * 1e3) for k in idx],
                "mechanisms": mechs,
            }
        )
    synapses = []
    table = morph.compartments
    for group in cell.synapses.values():
        for site, comp in enumerate(group.compartments):
            sec_name = str(table.section[int(comp)])
            x = (int(table.index_in_section[int(comp)]) + 0.5) / morph[sec_name].n
            train = np.asarray(group.spikes[site], dtype=float)
            steps = np.round(train / (dt_ms * 1e-3)).astype(np.int64)
            _, first = np.unique(steps, return_index=True)
            for rname, (_rec, weights) in group.receptors.items():
                synapses.append(
                    {
                        "mechanism": generated[rname].name,
                        "section": sec_name,
                        "x": x,
                        "weight_uS": float(weights[site]) * 1e6,
                        "times_ms": (train[np.sort(first)] * 1e3).tolist(),
                    }
                )
    clamps = []
    for el in cell.electrodes:
        node = getattr(el, "site", None)
        if node is not None and node.node is not None:
            sec_name, x = node.section, float(node.x)
        else:
            sec_name = str(table.section[int(el.compartment)])
            x = (int(table.index_in_section[int(el.compartment)]) + 0.5) / morph[sec_name].n
        wf = el.waveform
        if isinstance(wf, Step):
            dur = 1e9 if math.isinf(wf.duration) else wf.duration * 1e3
            clamps.append({"section": sec_name, "x": x, "delay_ms": wf.start * 1e3,
                           "dur_ms": dur, "amp_nA": wf.amplitude * 1e9})  # fmt: skip
        else:  # sampled at each step's start, as the package (backward Euler)
            k = np.arange(round(dur_ms / dt_ms) + 1)
            amp = np.asarray(wf.sample(k * dt_ms * 1e-3), dtype=float) * 1e9
            clamps.append({"section": sec_name, "x": x, "delay_ms": 0.0, "dur_ms": 1e9,
                           "samples_nA": amp.tolist(), "sample_dt_ms": dt_ms})  # fmt: skip
    soma = [s.name for s in morph.sections if s.parent is None]
    if not soma:  # pragma: no cover - a Morphology always has a root
        raise ParameterError("cell", "the morphology has no root section")
    ion_globals = {}
    from .build import _initial_concentrations

    class _Globals:  # collects what to_neuron sets on h
        def __setattr__(self, name, value):
            ion_globals[name] = value

    _initial_concentrations(_Globals(), cell, generated)
    data = {
        "sections": sections,
        "soma": soma[0],
        "Ra": float(cell.Ri * 100.0),
        "synapses": synapses,
        "clamps": clamps,
        "ion_globals": ion_globals,
        "mod_files": [f"{ex.name}.mod" for ex in generated.values()],
        "duration_ms": dur_ms,
        "dt_ms": dt_ms,
    }
    (folder / "cell.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    script = folder / "run_neuron.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    return script
