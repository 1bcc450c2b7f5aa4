"""`to_neuron`: the package's :class:`~dendrites.Cell` built in NEURON, section by section.

Every package :class:`~dendrites.morphology.Section` becomes one NEURON section with the same 3-D
points (``pt3dadd``) and ``nseg`` equal to its number of compartments ``n``. A one-point soma (a
sphere of diameter d, area pi d^2) becomes a cylinder of length and diameter d along x, centred on
the point: the same area, and its axial resistance never counts because the soma has one segment
and its children join its middle, ``soma(0.5)``, i.e. its node (the package's soma compartment).
Other sections join their parent's distal end, ``parent(1)``. Compartment ``j`` of a section is
NEURON's segment ``j`` (its centre ``x = (j + 1/2)/n``).

Membrane: ``cm`` per segment, ``Ra`` = the cell's Ri; ``pas`` (g, e) and ``hh`` (gnabar, gkbar,
ena, ek; NEURON's own leak ``gl_hh`` set to 0) per segment. The package's ``hh`` has NEURON's rate
functions (Hodgkin & Huxley 1952 in the modern convention, ``vtrap`` = the package's ``exprel``
form, see :mod:`dendrites.mechanisms.hh`) with the temperature factor ``phi = 3**((celsius -
6.3)/10)``: NEURON's ``celsius`` is set from ``phi`` (one value per cell) and its rate tables are
switched off (``usetable_hh = 0``: exact rates, as the package). Synapses: the package's
single-exponential receptor (:func:`dendrites.mechanisms.expsyn_receptor`) is NEURON's
``ExpSyn``; its peak-normalised double exponentials without a voltage block
(:mod:`dendrites.mechanisms.synapses`) are ``Exp2Syn`` (``tau1`` = rise, ``tau2`` = decay; the
same normalisation ``factor = 1/(exp(-tp/tau2) - exp(-tp/tau1))``, so the peak conductance is the
weight). Each site is driven by a ``NetCon`` with the site's weight (uS) whose events are queued at
initialisation (``NetCon.event``; NEURON 9's wheels have no built-in ``VecStim``) at the given
spike times; spikes of one source that fall in one time step are merged as the package merges them
(see :class:`dendrites.cell.SynapseGroup`). Current clamps: a ``Step`` is an ``IClamp``; any other
waveform is sampled once per step where the package samples it (the step's start, or its middle
with Crank-Nicolson) and played into an ``IClamp`` (``Vector.play``). Anything else raises
:class:`NotInNeuronError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import mechanisms as mech
from ..cell import Cell
from ..errors import ParameterError
from ..stimuli import Step
from ._neuron import NotInNeuronError, impedance_matrix, neuron_h

__all__ = ["BUILTIN_CHANNELS", "NeuronCell", "to_neuron"]


def _same_equations(a, b) -> bool:
    """Whether two channels have the same equations (parameter values may differ)."""
    return (a.equations, a.currents, a.initial) == (b.equations, b.currents, b.initial)


def _receptor_kind(rec) -> str:
    """``"ExpSyn"`` or ``"Exp2Syn"`` for the receptors NEURON has built in; else raise."""
    plain = rec.block.strip() in ("", "1")
    if rec.equations == mech.expsyn.equations and rec.on_pre == mech.expsyn.on_pre and plain:
        return "ExpSyn"
    if rec.equations == mech.ampa.equations and rec.on_pre == mech.ampa.on_pre and plain:
        return "Exp2Syn"
    why = "a voltage-dependent block" if not plain else "equations other than ExpSyn/Exp2Syn"
    raise NotInNeuronError(rec.name, f"a receptor with {why}")


@dataclass
class NeuronCell:
    """A package cell instantiated in NEURON (made by :func:`to_neuron`).

    Attributes
    ----------
    h : hoc object
        NEURON's interpreter.
    cell : Cell
        The package cell it was built from.
    sections : dict of str -> nrn.Section
        NEURON section of every package section, by name.
    celsius : float or None
        Temperature (degC) set for ``hh`` (None when the cell has no ``hh``).
    """

    h: object
    cell: Cell
    sections: dict
    celsius: float | None
    synapses: list = field(default_factory=list)
    events: list = field(default_factory=list)  # (NetCon, spike times in ms)
    clamps: list = field(default_factory=list)  # (IClamp, waveform played, or None)
    #: NEURON's ``secondorder``: 0 backward Euler (default), 2 Crank-Nicolson
    secondorder: int = 0
    _keep: list = field(default_factory=list)

    def segment(self, index: int):
        """NEURON segment of the package's flat compartment `index` (its centre)."""
        morph = self.cell.morphology
        table = morph.compartments
        if not 0 <= int(index) < len(table):
            raise ParameterError("index", f"compartment {index} is off the cell")
        name = str(table.section[int(index)])
        j, n = int(table.index_in_section[int(index)]), morph[name].n
        return self.sections[name]((j + 0.5) / n)

    def location(self, site):
        """NEURON segment of a site: a flat compartment index (its centre) or ``(section, x)``
        resolved as the package resolves it (:meth:`dendrites.morphology.Morphology.site`): a
        compartment's centre, or a section-end node (NEURON's ``sec(0)``, ``sec(1)``)."""
        if isinstance(site, tuple) and len(site) == 2 and isinstance(site[0], str):
            resolved = self.cell.morphology.site(site[0], site[1])
            if resolved.node is None:
                return self.segment(resolved.compartment)
            return self.sections[site[0]](float(site[1]))
        if isinstance(site, int | np.integer):
            return self.segment(int(site))
        raise ParameterError("site", f"give (section, x) or a compartment index, got {site!r}")

    # ------------------------------------------------------------------ running
    def initialize(self, dt_ms: float) -> None:
        """Fixed step at `dt_ms` (backward Euler unless :attr:`secondorder`), v set per node from
        the cell's v_init, states initialised there (``finitialize()`` keeps the v it finds)."""
        h = self.h
        h.CVode().active(0)
        h.secondorder = self.secondorder
        h.dt = dt_ms
        if self.celsius is not None:
            h.celsius = self.celsius
        v0 = self.cell.v_init * 1e3
        morph = self.cell.morphology
        for name, sec in self.sections.items():
            vals = v0[morph.compartment_slice(name)]
            if sec.parentseg() is None:
                sec(0).v = float(vals[0])
            for j, seg in enumerate(sec):
                seg.v = float(vals[j])
            sec(1).v = float(vals[-1])
        h.finitialize()

    def run(self, duration_ms: float, dt_ms: float, sites) -> tuple[np.ndarray, np.ndarray]:
        """Run and record v (mV) at `sites`; returns (t, v) with t = k dt, k = 0..n_steps - 1,
        and v of shape (time, site), sampled at the start of each step as the package does."""
        h = self.h
        vecs = [h.Vector().record(self.location(s)._ref_v) for s in sites]
        n_steps = round(duration_ms / dt_ms)
        played = []
        for ic, wf in self.clamps:
            if wf is not None:  # one value per step, sampled where the package samples it:
                # the step's start (backward Euler) or middle (Crank-Nicolson), see plan.values
                k = np.arange(n_steps + 1) + (0.5 if self.secondorder else 0.0)
                amp = np.asarray(wf.sample(k * dt_ms * 1e-3)) * 1e9
                played.append(h.Vector(amp))
                played[-1].play(ic._ref_amp, dt_ms)
        self.initialize(dt_ms)
        for _ in range(n_steps):
            h.fadvance()
        v = np.column_stack([np.asarray(vec)[:n_steps] for vec in vecs]) if vecs else None
        return np.arange(n_steps) * dt_ms, v

    def resistances(self, sites) -> np.ndarray:
        """Steady-state (0 Hz) transfer resistances between `sites` (ohm), ``R[i, j]`` = v at
        site j per unit current injected at site i (the diagonal: input resistances), from
        NEURON's ``Impedance`` at the initial state, gates frozen (as
        :mod:`dendrites.electrotonic` linearises)."""
        h = self.h
        self.initialize(h.dt)
        segs = [self.location(s) for s in sites]
        return impedance_matrix(h, segs)

    def close(self) -> None:
        """Delete the NEURON objects (sections, synapses, clamps) of this cell."""
        self.events.clear()
        self.clamps.clear()
        self.synapses.clear()
        self._keep.clear()
        self.sections.clear()


def _celsius(cell: Cell) -> float | None:
    state = cell.channels.get("hh")
    if state is None or not state.present.any():
        return None
    phi = np.unique(state.values["phi"][state.present])
    if len(phi) != 1 or phi[0] <= 0:
        raise NotInNeuronError(
            "hh", f"phi differs between compartments ({phi}); NEURON has one celsius per model"
        )
    v0 = np.unique(state.values["V0"][state.present])
    if len(v0) != 1 or not math.isclose(v0[0], -0.065, abs_tol=1e-12):
        raise NotInNeuronError("hh", "V0 is not -65 mV (NEURON's hh is written for V0 = -65 mV)")
    return 6.3 + 10 * math.log(float(phi[0])) / math.log(3.0)


def _set_pas(seg, values: dict, k: int) -> None:
    seg.pas.g = values["g"][k] * 1e-4  # S/m2 -> S/cm2
    seg.pas.e = values["E"][k] * 1e3  # V -> mV


def _set_hh(seg, values: dict, k: int) -> None:
    seg.hh.gnabar = values["gnabar"][k] * 1e-4
    seg.hh.gkbar = values["gkbar"][k] * 1e-4
    seg.hh.gl = 0.0  # the package's hh has no leak of its own
    seg.ena = values["ENa"][k] * 1e3
    seg.ek = values["EK"][k] * 1e3


#: The package channels NEURON has built in: name -> (the package's channel, NEURON's suffix,
#: the setter of one segment's parameters from the package's values at compartment k). Other
#: channels come with NMODL export (issue #14), which can add entries here.
BUILTIN_CHANNELS = {
    "pas": (mech.passive, "pas", _set_pas),
    "hh": (mech.hh, "hh", _set_hh),
}


def _check_channels(cell: Cell) -> None:
    for name, state in cell.channels.items():
        if not state.present.any():
            continue
        known = BUILTIN_CHANNELS.get(name)
        if known is None or not _same_equations(state.channel, known[0]):
            raise NotInNeuronError(name, "a channel other than the package's pas and hh")


def _add_points(h, sec, section) -> None:
    pts = np.asarray(section.points, dtype=float)
    if section.region == "soma" and len(pts) == 1:
        x, y, z, d = pts[0]
        pts = np.array([[x - d / 2, y, z, d], [x + d / 2, y, z, d]])
    h.pt3dclear(sec=sec)
    for x, y, z, d in pts:
        h.pt3dadd(float(x), float(y), float(z), float(d), sec=sec)


def to_neuron(cell: Cell, dt=None) -> NeuronCell:
    """Build `cell` in NEURON.

    Parameters
    ----------
    cell : Cell
        The package cell: morphology with compartments, membrane, ``pas``/``hh``, ExpSyn- and
        Exp2Syn-like synapses, current clamps.
    dt : Quantity, optional
        Time step on which non-step clamp waveforms are sampled (default 0.025 ms).

    Returns
    -------
    NeuronCell
        Sections, synapses and clamps; :meth:`NeuronCell.run` simulates it.

    Raises
    ------
    NeuronMissingError
        NEURON is not installed.
    NotInNeuronError
        A channel or receptor NEURON does not have built in (they come with NMODL export).

    Examples
    --------
    >>> nc = to_neuron(cell)                                        # doctest: +SKIP
    >>> t, v = nc.run(50.0, 0.025, sites=[0])                       # doctest: +SKIP
    """
    from brian2.units import ms

    dt_ms = 0.025 if dt is None else float(dt / ms)
    _check_channels(cell)
    receptor_kinds = {
        rname: _receptor_kind(rec)
        for group in cell.synapses.values()
        for rname, (rec, _w) in group.receptors.items()
    }
    celsius = _celsius(cell)
    h = neuron_h()
    morph = cell.morphology
    secs: dict = {}
    for s in morph.sections:
        sec = h.Section(name=s.name)
        _add_points(h, sec, s)
        sec.nseg = int(s.n)
        sec.Ra = cell.Ri * 100.0  # ohm m -> ohm cm
        if s.parent is not None:
            parent = morph[s.parent]
            x = 0.5 if parent.region == "soma" and parent.parent is None else 1.0
            sec.connect(secs[s.parent](x), 0)
        secs[s.name] = sec
    nc = NeuronCell(h, cell, secs, celsius)
    if celsius is not None:
        h.usetable_hh = 0
    # membrane, per segment
    for s in morph.sections:
        sec = secs[s.name]
        sl = morph.compartment_slice(s.name)
        idx = np.arange(sl.start, sl.stop)
        here = [
            (BUILTIN_CHANNELS[name], state.values)
            for name, state in cell.channels.items()
            if state.present[idx].any()
        ]
        for (_channel, suffix, _setter), _values in here:
            sec.insert(suffix)
        for j, seg in enumerate(sec):
            k = int(idx[j])
            seg.cm = cell.cm[k] * 100.0  # F/m2 -> uF/cm2
            for (_channel, _suffix, setter), values in here:
                setter(seg, values, k)  # zero densities where the channel is absent
    # synapses
    for group in cell.synapses.values():
        for site, comp in enumerate(group.compartments):
            seg = nc.segment(int(comp))
            train = np.asarray(group.spikes[site], dtype=float)
            steps = np.round(train / (dt_ms * 1e-3)).astype(np.int64)
            _, first = np.unique(steps, return_index=True)  # the package's merged events
            times_ms = train[np.sort(first)] * 1e3
            for rname, (rec, weights) in group.receptors.items():
                kind = receptor_kinds[rname]
                pp = getattr(h, kind)(seg)
                if kind == "ExpSyn":
                    pp.tau = float(rec.parameters["tau"] / ms)
                else:
                    pp.tau1 = float(rec.parameters["tau_rise"] / ms)
                    pp.tau2 = float(rec.parameters["tau_decay"] / ms)
                pp.e = float(np.asarray(rec.reversal) * 1e3)
                con = h.NetCon(None, pp)
                con.delay = 0.0
                con.weight[0] = float(weights[site]) * 1e6  # S -> uS
                nc.synapses.append(pp)
                nc.events.append((con, times_ms))
    if nc.events:

        def queue():
            for con, times in nc.events:
                for t in times:
                    con.event(float(t))

        nc._keep.append(h.FInitializeHandler(queue))
    # current clamps
    for el in cell.electrodes:
        node = getattr(el, "site", None)
        at = node if node is not None and node.node is not None else None
        ic = h.IClamp(nc.location((at.section, at.x)) if at else nc.segment(el.compartment))
        wf = el.waveform
        if isinstance(wf, Step):
            ic.delay = wf.start * 1e3
            ic.dur = 1e9 if math.isinf(wf.duration) else wf.duration * 1e3
            ic.amp = wf.amplitude * 1e9  # A -> nA
            nc.clamps.append((ic, None))
            continue
        ic.delay, ic.dur = 0.0, 1e9  # amp played at run time (NeuronCell.run)
        nc.clamps.append((ic, wf))
    return nc
