"""The protocols of :func:`dendrites.nmodl.verification.verify`: NEURON's side, the package's
side, and the comparison (see that module's docstring for what is compared and how steps are
aligned)."""

from __future__ import annotations

import re

import numpy as np
from brian2.units import cm, ms, mV, nA, ohm, uF, um, usiemens

from ..mechanisms.base import Receptor
from .result import Comparison

#: The compartment of every protocol: a 10 um x 10 um cylinder (area 314.16 um2).
LENGTH_UM = DIAMETER_UM = 10.0
#: SEClamp series resistance (MOhm): the membrane follows the command to ~1e-9 mV.
RS_MOHM = 1e-9


def _neuron(texts):
    from .compile import load_mechanisms, neuron_h

    load_mechanisms([(f"{new}.mod", text) for text, new in texts])
    return neuron_h()


def _section(h, texts, celsius):
    sec = h.Section(name="verify")
    sec.L, sec.diam, sec.nseg, sec.cm, sec.Ra = LENGTH_UM, DIAMETER_UM, 1, 1.0, 100.0
    for text, new in texts:
        if not re.search(rf"\bPOINT_PROCESS\s+{new}\b", text):  # a density mechanism
            sec.insert(new)
        table = f"usetable_{new}"
        if hasattr(h, table):
            setattr(h, table, 0)
    h.celsius = celsius
    return sec


def _records(h, imported, new, seg, target):
    """NEURON references of the states, currents and ion variables to record."""
    info = imported.info
    refs = {"t": h._ref_t, "v": seg._ref_v}
    owner = target if target is not None else seg
    suffix = "" if target is not None else f"_{new}"
    for s in info["states"]:
        ion_state = s in info["writes"] if "writes" in info else s == "cai"
        refs[s] = seg._ref_cai if ion_state else getattr(owner, f"_ref_{s}{suffix}")
    for var in info["currents"]:
        ionic = var in {f"i{ion}" for ion in info["ions"]}
        refs[var] = (
            getattr(seg, f"_ref_{var}")
            if ionic and target is None
            else getattr(owner, f"_ref_{var}{suffix}")
        )
    for name in info["reads"]:
        refs[name] = getattr(seg, f"_ref_{name}")
    return refs


def _run(h, refs, tstop, dt, v0, events=(), netcon=None):
    vectors = {k: h.Vector().record(r) for k, r in refs.items()}
    h.CVode().active(0)
    h.secondorder = 0
    h.dt = dt
    h.finitialize(v0)
    for t in events:
        netcon.event(t)
    while h.t < tstop - dt / 2:
        h.fadvance()
    return {k: np.array(vec) for k, vec in vectors.items()}


def neuron_vclamp(imported, texts, partners, holding, vstep, dt, celsius):
    """NEURON: the mechanism (and partners) under SEClamp steps; recorded traces (file units)."""
    h = _neuron(texts)
    sec = _section(h, texts, celsius)
    seg = sec(0.5)
    clamp = h.SEClamp(seg)
    clamp.rs = RS_MOHM
    hold, test = float(holding / mV), float(vstep / mV)
    clamp.dur1, clamp.amp1, clamp.dur2, clamp.amp2, clamp.dur3, clamp.amp3 = (
        10,
        hold,
        20,
        test,
        20,
        hold,
    )
    refs = _records(h, imported, texts[0][1], seg, None)
    out = _run(h, refs, 50.0, float(dt / ms), hold)
    del clamp, sec
    return out


def neuron_events(imported, texts, holding, times, weight, dt, celsius):
    """NEURON: the point process under a clamp at `holding`, driven by events."""
    h = _neuron(texts)
    sec = _section(h, texts, celsius)
    seg = sec(0.5)
    clamp = h.SEClamp(seg)
    clamp.rs, clamp.dur1, clamp.amp1 = RS_MOHM, 1e9, float(holding / mV)
    pp = getattr(h, texts[0][1])(seg)
    netcon = h.NetCon(None, pp)
    netcon.weight[0] = float(weight / usiemens)
    refs = _records(h, imported, texts[0][1], seg, pp)
    tstop = max(float(t / ms) for t in times) + 30.0
    out = _run(
        h, refs, tstop, float(dt / ms), float(holding / mV), [float(t / ms) for t in times], netcon
    )
    del netcon, pp, clamp, sec
    return out


def package_clamp(imported, recs, dt, celsius, *, events=None, weight=None):
    """The package: the imported mechanism under NEURON's recorded potentials (one row per
    protocol run, shifted one step: see :mod:`dendrites.nmodl.verification`)."""
    from ..vclamp import clamp_run

    mech = imported.mechanism
    info = imported.info
    params = {"celsius": celsius} if "celsius" in mech.parameters else {}
    ions = {}
    for name in info["reads"]:
        unit = info["units"][name]
        ions[name] = np.stack([rec[name][1:] for rec in recs]) * unit.quantity
    v = np.stack([rec["v"][1:] for rec in recs]) * mV
    return clamp_run(mech, v, dt, parameters=params, ions=ions, events=events or (), weight=weight)


def compare(result, protocol, imported, rec, ours):
    """Append the comparisons of every state and current to `result`."""
    info = imported.info
    units = info["units"]
    point = isinstance(imported.mechanism, Receptor)
    # a channel's states: NEURON's value at step n+1 is the package's at the end of its step n
    # (both after the same update); a point process's: the same index (NEURON applies an event
    # at t_k to the states it records at t_k, the package to those at the end of step k)
    lag = 0 if point else 1
    for s in info["states"]:
        name = info["names"].get(s, s)
        if name not in ours:
            continue
        unit = units[s]
        theirs = rec[s][lag:]
        mine = ours[name] / float(np.asarray(unit.quantity))
        result.comparisons.append(_comparison(protocol, s, unit.text or "1", mine, theirs, False))
    for var in info["currents"]:
        unit = units[var]
        # NEURON's current recorded at n+1 is computed at the start of step n+1 from v and the
        # states at n+1 (after their update): one step after the states
        theirs = rec[var][lag + 1 :]
        key = "I" if point else f"I_{_current_name(var)}"
        mine = ours[key][:-1] / float(np.asarray(unit.quantity))
        result.comparisons.append(_comparison(protocol, var, unit.text or "", mine, theirs, True))


def _current_name(var: str) -> str:
    return var[1:] if var.startswith("i") and len(var) > 1 else var


def _comparison(protocol, variable, unit, mine, theirs, is_current) -> Comparison:
    n = min(len(mine), len(theirs))
    diff = np.abs(np.asarray(mine[:n]) - np.asarray(theirs[:n]))
    return Comparison(
        protocol=protocol,
        variable=variable,
        unit=unit,
        max_difference=float(np.max(diff)) if n else float("nan"),
        scale=float(np.max(np.abs(theirs[:n]))) if n else 0.0,
        is_current=is_current,
    )


def current_clamp(result, imported, texts, amplitude, dt, celsius):
    """The whole package path (a compiled one-compartment cell) against NEURON's IClamp."""
    from .. import Cell, morphology, simulate
    from ..analysis import spike_times
    from ..stimuli import Step

    h = _neuron(texts)
    sec = _section(h, texts, celsius)
    seg = sec(0.5)
    stim = h.IClamp(seg)
    stim.delay, stim.dur, stim.amp = 5.0, 40.0, float(amplitude / nA)
    out = _run(h, {"v": seg._ref_v}, 50.0, float(dt / ms), -65.0)
    del stim, sec
    Ri, Cm = 100 * ohm * cm, 1 * uF / cm**2
    morph = morphology.cable(LENGTH_UM * um, DIAMETER_UM * um, n=1).compartmentalize(Ri=Ri, Cm=Cm)
    cell = Cell(morph, Ri=Ri, Cm=Cm, v_init=-65 * mV)
    params = {"celsius": celsius} if "celsius" in imported.mechanism.parameters else {}
    cell.insert(imported.mechanism, **params)
    cell.add_current_clamp(0, Step(amplitude, 5 * ms, 40 * ms))
    ds = simulate(cell, 50 * ms, dt=dt, record={"v": [0]})
    mine = ds["v"].values.ravel()
    theirs = out["v"][: len(mine)]
    result.comparisons.append(_comparison("current clamp", "v", "mV", mine, theirs, False))
    t = np.arange(len(mine)) * float(dt / ms)
    a, b = spike_times(t, mine), spike_times(t, theirs)
    if len(a) == len(b) and len(a):
        result.notes.append(
            f"current clamp: {len(a)} spikes in both; largest spike-time difference "
            f"{np.max(np.abs(np.asarray(a) - np.asarray(b))):.3g} ms; v RMS "
            f"{np.sqrt(np.mean((mine - theirs) ** 2)):.3g} mV"
        )
    else:
        result.notes.append(f"current clamp: {len(a)} spikes in the package, {len(b)} in NEURON")
