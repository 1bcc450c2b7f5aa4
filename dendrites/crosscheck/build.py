"""`to_neuron`: the package's :class:`~dendrites.Cell` built in NEURON, section by section.

Every package :class:`~dendrites.morphology.Section` becomes one NEURON section with the same 3-D
points (``pt3dadd``) and ``nseg`` equal to its number of compartments ``n``. A one-point soma (a
sphere of diameter d, area pi d^2) becomes a cylinder of length and diameter d along x, centred on
the point: the same area, and its axial resistance never counts because the soma has one segment
and its children join its middle, ``soma(0.5)``, i.e. its node (the package's soma compartment).
Other sections join their parent's distal end, ``parent(1)``. Compartment ``j`` of a section is
NEURON's segment ``j`` (its centre ``x = (j + 1/2)/n``).

Membrane: ``cm`` per segment, ``Ra`` = the cell's Ri. Every channel and receptor is built in NEURON
through NMODL generated from its own Brian2 equations (:mod:`dendrites.nmodl.export`; no
hand-written twins), compiled once into the package cache and loaded once per process
(:mod:`dendrites.nmodl.compile`). A channel is inserted in every section where it is present in
some compartment, with the package's per-compartment parameter values (SI, unchanged) set per
segment (zero densities where it is absent); its NEURON name is ``dd_<name>_<8 hex>``
(:attr:`NeuronCell.mechanisms`); a pool's ``POINTER`` to the ion's ``dica_dv_`` is set in every
segment (:attr:`dendrites.nmodl.export.Exported.pointers`). Synapses: one point process of the
receptor's generated NMODL per site and receptor, driven by a ``NetCon`` with the site's weight
(uS) whose events are queued at initialisation (``NetCon.event``; NEURON 9's wheels have no
built-in ``VecStim``) at the given spike times; spikes of one source that fall in one time step are
merged as the package merges them (see :class:`dendrites.cell.SynapseGroup`). Current clamps: a
``Step`` is an ``IClamp``; any other waveform is sampled once per step where the package samples it
(the step's start, or its middle with Crank-Nicolson) and played into an ``IClamp``
(``Vector.play``). A mechanism whose equations have no NMODL translation raises
:class:`NotInNeuronError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..cell import Cell
from ..errors import ParameterError
from ..nmodl.compile import load_mechanisms
from ..nmodl.export import Exported, ExportError, export
from ..nmodl.neuron import from_original
from ..nmodl.result import original
from ..stimuli import Step
from ._neuron import NotInNeuronError, impedance_matrix, neuron_h

__all__ = ["NeuronCell", "exports", "to_neuron"]


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
        Temperature (degC) set in NEURON before a run (None: left as it is; no generated
        mechanism reads ``celsius``, their temperatures are their own parameters).
    mechanisms : dict of str -> Exported
        Every channel and receptor of the cell by its package name: NEURON's name
        (``.name``), the NMODL text and the parameter names
        (:class:`dendrites.nmodl.export.Exported`).
    """

    h: object
    cell: Cell
    sections: dict
    celsius: float | None
    mechanisms: dict = field(default_factory=dict)
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


def exports(cell: Cell) -> dict[str, Exported]:
    """The generated NMODL of every channel present in `cell` and every receptor of its
    synapses, by package name (mechanisms writing ion variables last).

    Raises
    ------
    NotInNeuronError
        A mechanism has no NMODL translation (the message says which expression).
    """
    out: dict[str, Exported] = {}
    channels = [st.channel for st in cell.channels.values() if st.present.any()]
    channels.sort(key=lambda ch: bool(ch.writes))  # stable: writers (pools) last
    receptors = {
        rname: rec
        for group in cell.synapses.values()
        for rname, (rec, _w) in group.receptors.items()
    }
    for name, mech in [*((ch.name, ch) for ch in channels), *receptors.items()]:
        imported = original(mech)
        if imported is not None:  # imported from a .mod file: NEURON runs that file
            out[name] = from_original(imported)
            continue
        try:
            out[name] = export(mech)
        except ExportError as exc:
            raise NotInNeuronError(name, f"no NMODL translation: {exc}") from None
    return out


def _set_values(h, seg, ex: Exported, values: dict, k: int) -> None:
    """One segment's parameters of a channel: the package's SI values (converted to the file's
    units for a mechanism built from its original file)."""
    mech = getattr(seg, ex.name)
    for pname, arr in values.items():
        if ex.setter is not None:
            ex.setter(h, seg, mech, pname, float(arr[k]))
        else:
            setattr(mech, ex.names.get(pname, pname), float(arr[k]))


def _initial_concentrations(h, cell: Cell, mechanisms: dict) -> None:
    """NEURON's initial concentration of an ion (``cai0_ca_ion``) from the writer's initial value
    when that is one of its parameters with one value in the cell: NEURON initialises the ions
    before the mechanisms, so a reader initialised before the writer sees it."""
    from ..mechanisms.ions import ion_variable

    for name, state in cell.channels.items():
        if name not in mechanisms:
            continue
        for var in state.channel.writes:
            ion, kind = ion_variable(var)
            init = state.channel.initial.get(var, "")
            if kind == "inside" and init in state.values:
                vals = np.unique(state.values[init][state.present])
                if len(vals) == 1:
                    setattr(h, f"{var}0_{ion}_ion", float(vals[0]))


def _package_name(generated: dict, ex: Exported) -> str:
    return next(n for n, e in generated.items() if e is ex)


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
        The package cell: morphology with compartments, membrane, any channels and receptors
        (built from NMODL generated from their equations), synapses, current clamps.
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
        A channel or receptor whose equations have no NMODL translation.
    NmodlCompileError
        ``nrnivmodl`` failed on a generated file (a bug: please report it).

    Examples
    --------
    >>> nc = to_neuron(cell)                                        # doctest: +SKIP
    >>> t, v = nc.run(50.0, 0.025, sites=[0])                       # doctest: +SKIP
    """
    from brian2.units import ms

    dt_ms = 0.025 if dt is None else float(dt / ms)
    generated = exports(cell)
    h = neuron_h()
    load_mechanisms([(f"{ex.name}.mod", ex.text) for ex in generated.values()])
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
    nc = NeuronCell(h, cell, secs, None, mechanisms=generated)
    _initial_concentrations(h, cell, generated)
    # membrane, per segment; channels in the order of `generated` (writers of ions last)
    ordered = [(generated[n], cell.channels[n].values) for n in generated if n in cell.channels]
    for s in morph.sections:
        sec = secs[s.name]
        sl = morph.compartment_slice(s.name)
        idx = np.arange(sl.start, sl.stop)
        here = [
            (ex, values)
            for ex, values in ordered
            if cell.channels[_package_name(generated, ex)].present[idx].any()
        ]
        for ex, _values in here:
            sec.insert(ex.name)
        for j, seg in enumerate(sec):
            k = int(idx[j])
            seg.cm = cell.cm[k] * 100.0  # F/m2 -> uF/cm2
            for ex, values in here:  # zero densities where the channel is absent
                _set_values(h, seg, ex, values, k)
                for pname, target in ex.pointers.items():  # dica_dv_ for a pool
                    h.setpointer(getattr(seg, f"_ref_{target}"), pname, getattr(seg, ex.name))
    # synapses
    for group in cell.synapses.values():
        for site, comp in enumerate(group.compartments):
            seg = nc.segment(int(comp))
            train = np.asarray(group.spikes[site], dtype=float)
            steps = np.round(train / (dt_ms * 1e-3)).astype(np.int64)
            _, first = np.unique(steps, return_index=True)  # the package's merged events
            times_ms = train[np.sort(first)] * 1e3
            for rname, (_rec, weights) in group.receptors.items():
                pp = getattr(h, generated[rname].name)(seg)  # defaults: the receptor's, SI
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
