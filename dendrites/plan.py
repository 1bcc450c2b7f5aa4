"""What a cell needs built, and the values each run passes: pure Python, no Brian2 objects.

A :class:`Plan` is derived from a :class:`~dendrites.cell.Cell` and the run settings (duration,
dt, recordings, solver options). It decides which channels are integrated in their own small group
(*sparse* channels), numbers the presynaptic sources, lays out the electrode table and resolves the
recordings; its :attr:`Plan.key` hashes everything that needs a new build (the *structure*). Two
cells with equal keys run on one compiled project.

:func:`values` lists everything a run may change without a rebuild, as ``(object, variable) ->
array`` in SI units: capacitance, initial potential, channel parameters, synaptic weights and
receptor parameters, the packed presynaptic spike table, the electrode currents. The backend
(:mod:`dendrites.backend`) turns a plan into Brian2 objects and passes the values to them; nothing
here needs a compiler, so plans and values are checked by fast tests (``tests/test_plan.py``).

Two checks happen here, before anything is built:

* Presynaptic spikes are delivered on the time grid, one event per source and step. Two spikes of
  one source in the same step become one event: a :class:`~dendrites.errors.SpikeMergeWarning`
  names the synapse group, the source and the time.
* A receptor integrated with an explicit method may declare the largest stable step
  (:attr:`~dendrites.mechanisms.Receptor.max_dt`); a plan whose dt exceeds it over the membrane
  potentials the cell can reach (:func:`voltage_range`) is refused with a
  :class:`~dendrites.errors.ParameterError` that names dt and the bound.
* The channels' states (gates, concentration pools) are checked the same way by
  :mod:`dendrites.timesteps`: refused beyond an explicit method's stability bound, a
  :class:`~dendrites.errors.TimeStepWarning` where dt outruns a state's time constant. A plan
  also holds the checks every run makes on its states (:attr:`Plan.guard`,
  :mod:`dendrites.guard`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2.units.fundamentalunits import DIMENSIONLESS, get_unit

from .cell import Cell
from .errors import ParameterError, PlacementError, SpikeMergeWarning, did_you_mean
from .guard import Guard
from .mechanisms import ions
from .mechanisms.base import Channel, Receptor
from .plasticity import plastic_groups, plastic_values
from .quantities import as_float
from .timesteps import check_time_step

__all__ = [
    "BITS_PER_COLUMN",
    "CABLE_SOLVERS",
    "PHYSIOLOGICAL_RANGE",
    "TIME_STEPPING",
    "ChannelPlan",
    "Plan",
    "ReceptorPlan",
    "check_receptor_steps",
    "fed_name",
    "group_states",
    "n_spike_columns",
    "node_voltages",
    "values",
    "voltage_range",
]

CABLE_SOLVERS = ("hines", "brian2")
#: Time stepping of the cable: backward Euler (first order, default) or Crank-Nicolson (second
#: order, NEURON's ``secondorder``; the Hines cable step only, see :mod:`dendrites.hines`).
TIME_STEPPING = ("backward-euler", "crank-nicolson")

#: Spike sources packed into one float64 column of the spike table (exact integers < 2**52).
BITS_PER_COLUMN = 52

#: Membrane potentials (volt) assumed reachable when a cell has a current source whose sign is
#: not known in advance (a hyperpolarising electrode, a non-ohmic channel current).
PHYSIOLOGICAL_RANGE = (-0.100, 0.050)


@dataclass
class ChannelPlan:
    """How one channel is integrated: in the neuron's equations or in its own group."""

    channel: Channel
    sparse: bool
    idx: np.ndarray  # compartments where present (all compartments when not sparse)
    local: dict[str, str]  # local name -> name in the neuron (suffixed)


@dataclass
class ReceptorPlan:
    """The synapses of one receptor: presynaptic source and compartment of each."""

    receptor: Receptor
    sources: np.ndarray  # presynaptic source index per synapse
    targets: np.ndarray  # compartment per synapse
    groups: list[tuple[str, int, int]]  # (group name, first synapse, end) for weights


class Plan:
    """What must be built for a cell: derived from it, with the key that identifies a build.

    Parameters
    ----------
    cell : Cell
        The cell; only its structure enters the key (its values are read by :func:`values`).
    duration, dt : Quantity
        Simulated time and integration step.
    record : dict or None
        Variable name -> locations (see :class:`dendrites.backend.Model`).
    record_dt : Quantity or None
        Sampling interval of the recordings (a multiple of `dt`; None: `dt`).
    sparse_threshold : float
        Channels present in less than this fraction of compartments get their own group.
    rate_tables : bool
        Whether tabulatable rate functions are looked up in tables.
    cable_solver : {"hines", "brian2"}
        The cable step of a C++ standalone build.
    time_stepping : {"backward-euler", "crank-nicolson"}
        Time stepping of the cable (Crank-Nicolson needs ``cable_solver="hines"``).
    check_states : bool
        Check every 0.1 ms that the membrane potential, gates, concentrations and summed
        conductances stay physical (:mod:`dendrites.guard`; the checks are :attr:`guard`, None
        when off).

    Raises
    ------
    ParameterError
        An unknown solver or time stepping, Crank-Nicolson without the Hines solver, a bad dt,
        duration or record_dt, an unknown recorded variable, or a dt
        above the stability bound of a receptor (see :func:`check_receptor_steps`) or of a
        channel integrated with an explicit method (:func:`dendrites.timesteps.check_time_step`).
    PlacementError
        A channel with events inserted nowhere, or a recording where a sparse channel is absent.

    Warns
    -----
    TimeStepWarning
        dt longer than the fastest time constant of a gate where it moves, or of a pool.
    """

    def __init__(
        self,
        cell: Cell,
        duration,
        dt,
        record,
        record_dt,
        sparse_threshold: float,
        rate_tables: bool = False,
        cable_solver: str = "hines",
        time_stepping: str = "backward-euler",
        check_states: bool = True,
    ):
        self.rate_tables = bool(rate_tables)
        if cable_solver not in CABLE_SOLVERS:
            hint = did_you_mean(cable_solver, CABLE_SOLVERS)
            known = f"Known: {CABLE_SOLVERS}"
            raise ParameterError("cable_solver", f"unknown {cable_solver!r}{hint} {known}")
        self.cable_solver = cable_solver
        if time_stepping not in TIME_STEPPING:
            hint = did_you_mean(time_stepping, TIME_STEPPING)
            known = f"Known: {TIME_STEPPING}"
            raise ParameterError("time_stepping", f"unknown {time_stepping!r}{hint} {known}")
        if time_stepping == "crank-nicolson" and cable_solver != "hines":
            raise ParameterError(
                "time_stepping",
                "'crank-nicolson' needs the package's Hines cable step (backend "
                "'cpp_standalone', openmp_threads=0, cable_solver='hines'); Brian2's own cable "
                "solver, used otherwise, steps by backward Euler only",
            )
        self.time_stepping = time_stepping
        self.dt = as_float(dt, b2.second, "dt", "positive")
        self.duration = as_float(duration, b2.second, "duration", "positive")
        if self.dt > self.duration:
            raise ParameterError("dt", f"dt ({dt}) is longer than the duration ({duration})")
        self.n_steps = round(self.duration / self.dt)
        rdt = (
            self.dt
            if record_dt is None
            else as_float(record_dt, b2.second, "record_dt", "positive")
        )
        ratio = rdt / self.dt
        if abs(ratio - round(ratio)) > 1e-6 or round(ratio) < 1:
            raise ParameterError("record_dt", f"must be a multiple of dt ({dt}), got {record_dt}")
        self.record_dt = round(ratio) * self.dt
        self.morph = cell.morphology
        n = self.morph.n_compartments
        # channels
        self.channels: list[ChannelPlan] = []
        ions.check_ions(cell.channels.values(), self.morph.compartments)
        # ion-coupled channels stay in the neuron, where the ion's sums and pools live
        dense = ions.dense_channels(s.channel for s in cell.channels.values())
        for state in cell.channels.values():
            present = state.present
            frac = present.mean() if n else 0.0
            # a channel with events (threshold) always lives in its own group
            sparse = bool(0 < frac < sparse_threshold) or bool(state.channel.threshold and frac)
            sparse = sparse and state.channel.name not in dense
            if state.channel.threshold and not frac:
                raise PlacementError(
                    f"channel {state.channel.name!r} fires events (it has a threshold) but its "
                    f"densities ({', '.join(state.channel.densities)}) are zero everywhere: insert "
                    "it where it acts with a non-zero density"
                )
            local = self._local_names(state.channel)
            idx = np.flatnonzero(present) if sparse else np.arange(n)
            self.channels.append(ChannelPlan(state.channel, sparse, idx, local))
            if frac == 0:
                # present nowhere: still declared (values may switch it on in a sweep) but dense
                self.channels[-1].sparse = False
        # synapses: one source per site per group
        self.n_sources = 0
        self.receptors: dict[str, ReceptorPlan] = {}
        self.source_of_group: dict[str, np.ndarray] = {}
        for gname, group in cell.synapses.items():
            src = np.arange(self.n_sources, self.n_sources + len(group.compartments))
            self.source_of_group[gname] = src
            self.n_sources += len(src)
            for rname, (rec, _w) in group.receptors.items():
                plan = self.receptors.setdefault(
                    rname, ReceptorPlan(rec, np.zeros(0, int), np.zeros(0, int), [])
                )
                start = len(plan.sources)
                plan.sources = np.concatenate([plan.sources, src])
                plan.targets = np.concatenate([plan.targets, group.compartments])
                plan.groups.append((gname, start, len(plan.sources)))
        # electrodes: one TimedArray column per distinct compartment (column 0 = no electrode)
        self.electrode_cols: dict[int, int] = {}
        for el in cell.electrodes:  # an electrode at a node feeds its neighbours
            for comp, _w in el.split:
                self.electrode_cols.setdefault(comp, len(self.electrode_cols) + 1)
        # recordings; v at section-end nodes (``(section, 0 or 1)``) is derived after the run
        self.node_sites: dict = {}  # label -> Site
        self.record = self._record_spec(cell, record)
        self.guard = Guard(self) if check_states else None
        self.key = self._key(cell, sparse_threshold)
        check_receptor_steps(cell, self)
        self.timescales = check_time_step(cell, self)  # refuses or warns (dendrites.timesteps)

    @staticmethod
    def _local_names(ch: Channel) -> dict[str, str]:
        names = set(ch.parameters)
        if ch.equations.strip():
            names |= set(b2.Equations(ch.equations).names)
        names.discard("v")
        names.discard("t")
        names -= {*ch.reads, *ch.writes}  # ion variables are shared, not suffixed
        return {nm: f"{nm}_{ch.name}" for nm in sorted(names)}

    def monitor_owner(self, var: str) -> str:
        """The object that holds recorded variable `var`: ``"neuron"`` or a sparse channel's
        ``"gates_<channel>"``."""
        for cp in self.channels:
            if cp.sparse and var in group_states(cp.channel):
                return f"gates_{cp.channel.name}"
        return "neuron"

    def _record_spec(self, cell: Cell, record) -> dict[str, np.ndarray]:
        from .cell import _locations

        if record is None:
            record = {"v": 0}
        if not isinstance(record, dict):
            raise ParameterError("record", "give a dict: variable name -> locations")
        known = {"v", "Im"}
        for cp in self.channels:
            known |= {cp.local.get(s, s) for s in cp.channel.states}
            known |= {f"I_{c.name}_{cp.channel.name}" for c in cp.channel.currents}
        known |= ions.recordable(cp.channel for cp in self.channels)
        for rname in self.receptors:
            known |= {f"g_{rname}", f"I_{rname}"}
        if self.electrode_cols:
            known.add("I_inj")
        out = {}
        for var, where in record.items():
            if var not in known:
                hint = did_you_mean(var, sorted(known))
                raise ParameterError(
                    "record", f"cannot record {var!r}{hint} Known: {', '.join(sorted(known))}"
                )
            if isinstance(where, str):
                idx = np.flatnonzero(self.morph.select(where))
            else:
                idx = _locations(self.morph, where, f"record[{var!r}]")
            if var == "v":  # section-end nodes: their neighbours are recorded (see node_voltages)
                for site in _node_sites(self.morph, where):
                    self.node_sites.setdefault(site.label, site)
                    idx = np.union1d(idx, site.neighbours)
            for cp in self.channels:
                if cp.sparse and var in group_states(cp.channel):
                    missing = np.setdiff1d(idx, cp.idx)
                    if len(missing):
                        raise PlacementError(
                            f"record[{var!r}]: channel {cp.channel.name!r} is absent from "
                            f"compartment {int(missing[0])}"
                        )
            out[var] = np.unique(idx)
        return out

    def _key(self, cell: Cell, sparse_threshold: float) -> str:
        h = hashlib.sha256()
        morph = self.morph
        for sec in morph.sections:
            h.update(json.dumps([sec.name, sec.region, sec.parent, sec.n]).encode())
            h.update(np.ascontiguousarray(morph.resampled_points(sec.name)).tobytes())
        table = morph.compartments  # the geometry the build holds (every 3-D point counts)
        for arr in (table.area, table.ra_proximal, table.ra_distal):
            h.update(np.ascontiguousarray(arr).tobytes())
        for cp in self.channels:
            ch = cp.channel
            h.update(
                repr(
                    (
                        ch.name,
                        ch.equations,
                        ch.currents,
                        sorted(ch.parameters),
                        ch.method,
                        ch.initial,
                        ch.threshold,
                        ch.reset,
                        ch.tables if self.rate_tables else None,
                        cp.sparse,
                        ch.reads,
                        ch.writes,
                    )
                ).encode()
            )
            h.update(cp.idx.tobytes())
        for rname, rp in self.receptors.items():
            rec = rp.receptor
            h.update(
                repr(
                    (
                        rname,
                        rec.equations,
                        rec.on_pre,
                        sorted(rec.parameters),
                        rec.block,
                        sorted(rec.block_parameters),
                        rec.initial,
                        rec.method,
                    )
                ).encode()
            )
            h.update(rp.sources.tobytes() + rp.targets.tobytes())
        for rname, group in sorted(plastic_groups(cell).items()):  # what receptors do not hold
            rule = group.plasticity
            key = (rname, rule.on_post, rule.each_step, float(rule.post_threshold))
            h.update(repr(key).encode())
        h.update(
            repr(
                (
                    self.n_sources,
                    sorted(self.electrode_cols.items()),
                    self.dt,
                    self.n_steps,
                    self.record_dt,
                    sparse_threshold,
                    self.cable_solver,
                    self.time_stepping,
                )
            ).encode()
        )
        h.update(self.guard.key().encode() if self.guard is not None else b"unguarded")
        for var, idx in sorted(self.record.items()):
            h.update(var.encode() + idx.tobytes())
        h.update(b2.__version__.encode())
        return h.hexdigest()[:16]


def _node_sites(morph, where) -> list:
    """The section-end nodes among the ``(section, x)`` items of a location spec."""
    items = [where] if isinstance(where, tuple) else where
    if isinstance(where, str | np.ndarray) or not isinstance(items, list | tuple):
        return []
    out = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            site = morph.site(item[0], item[1])
            if site.node is not None:
                out.append(site)
    return out


def node_voltages(cell: Cell, plan: Plan, v: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The membrane potential at the recorded section-end nodes (``plan.node_sites``).

    A node has no membrane, so at the end of every step ``v_node = sum_k w_k v_k + Ri ra I``
    (:mod:`dendrites.morphology.sites`), ``I`` being the current the electrodes at that node
    injected during the step (backward Euler). With Crank-Nicolson, ``v(t + dt) = 2 v(t + dt/2) -
    v(t)`` makes that term ``J_{k+1} = 2 I_k - J_k`` (J = 0 at the start). Exact, not
    interpolated.

    Parameters
    ----------
    v : ndarray (samples, len(idx))
        Recorded potentials (volt) of compartments `idx` (the nodes' neighbours among them).

    Returns
    -------
    ndarray (samples, len(plan.node_sites))
        Volt.
    """
    step = round(plan.record_dt / plan.dt)
    steps = np.arange(plan.n_steps + 1)
    cn = getattr(plan, "time_stepping", "backward-euler") == "crank-nicolson"
    t = (steps + (0.5 if cn else 0.0)) * plan.dt
    out = np.zeros((v.shape[0], len(plan.node_sites)))
    for c, site in enumerate(plan.node_sites.values()):
        cols = np.searchsorted(idx, site.neighbours)
        out[:, c] = v[:, cols] @ site.weights
        current = np.zeros(len(steps))
        for el in cell.electrodes:
            if el.site is not None and el.site.node == site.node:
                current += el.waveform.sample(t)
        if not current.any():
            continue
        drop = np.zeros(len(steps))  # the term at the end of step k - 1, i.e. at sample k
        if cn:
            for k in range(1, len(steps)):
                drop[k] = 2 * current[k - 1] - drop[k - 1]
        else:
            drop[1:] = current[:-1]
        drop = drop[::step][: v.shape[0]]
        out[: len(drop), c] += cell.Ri * 1e6 * site.ra * drop
    return out


def n_spike_columns(n_sources: int) -> int:
    """Columns of the packed spike table for `n_sources` presynaptic sources."""
    return -(-n_sources // BITS_PER_COLUMN)


def group_states(ch: Channel) -> set[str]:
    """Recordable names that live in a channel's own group when it is integrated there."""
    return {f"{s}_{ch.name}" for s in ch.states}


def fed_name(cur, ch: Channel) -> str:
    """Neuron variable a channel group sums its current into (conductance or density)."""
    return f"{'gopen' if cur.ohmic else 'idens'}_{cur.name}_{ch.name}"


# ----------------------------------------------------------------------------------- values
def values(cell: Cell, plan: Plan) -> dict[tuple[str, str], np.ndarray]:
    """All run-time values of a cell: ``(object, variable) -> array`` in SI units.

    Objects are named as the backend names them: ``"neuron"``, ``"gates_<channel>"``,
    ``"syn_<receptor>"``, and the tables ``"spike_ta"`` (presynaptic spikes, one bit per step and
    source, 52 sources per float64 column) and ``"clamp_ta"`` (electrode currents in amperes, one
    column per electrode compartment after an all-zero column 0).

    Warns
    -----
    SpikeMergeWarning
        Two spikes of one source fall in the same time step (they are delivered as one event).
    """
    vals: dict[tuple[str, str], np.ndarray] = {
        ("neuron", "Cm"): cell.cm.copy(),
        ("neuron", "v0"): cell.v_init.copy(),
    }
    for cp in plan.channels:
        state = cell.channels[cp.channel.name]
        reversal = {c.reversal for c in cp.channel.currents if c.ohmic}
        for pname, arr in state.values.items():
            if not cp.sparse or pname in reversal:
                vals[("neuron", cp.local[pname])] = arr.copy()
            if cp.sparse:
                vals[(f"gates_{cp.channel.name}", pname)] = arr[cp.idx].copy()
    for rname, rp in plan.receptors.items():
        w = np.zeros(len(rp.sources))
        for gname, a, b in rp.groups:
            w[a:b] = cell.synapses[gname].receptors[rname][1]
        vals[(f"syn_{rname}", "w")] = w
        # the receptor's own parameters are values too: a variant with other time constants or
        # another Mg concentration runs on the same build (the cell's definition is used)
        rec = receptor_of(cell, rname)
        for p, d in rec.parameters.items():
            vals[(f"syn_{rname}", p)] = np.full(len(rp.sources), si(d))
        vals[("neuron", f"E_{rname}")] = np.asarray(si(rec.reversal))
        for p, d in rec.block_parameters.items():
            vals[("neuron", f"{p}_{rname}")] = np.asarray(si(d))
    vals.update(plastic_values(cell, plan))  # the plastic weights' initial values
    if plan.n_sources:
        vals[("spike_ta", "values")] = _spike_table(cell, plan)
    if plan.electrode_cols:
        # sampled where each step's linear system is centred: its start (backward Euler) or its
        # middle (Crank-Nicolson; the same values for steps that switch on the time grid)
        offset = 0.5 if plan.time_stepping == "crank-nicolson" else 0.0
        t = (np.arange(plan.n_steps + 1) + offset) * plan.dt
        clamp = np.zeros((plan.n_steps + 1, len(plan.electrode_cols) + 1))
        for el in cell.electrodes:
            wave = el.waveform.sample(t)
            for comp, w in el.split:
                clamp[:, plan.electrode_cols[comp]] += w * wave
        vals[("clamp_ta", "values")] = clamp
    return vals


def _spike_table(cell: Cell, plan: Plan) -> np.ndarray:
    """One bit per step and source: source i is bit i % 52 of column i // 52, each column a
    float64 holding an exact integer below 2**52 (52x smaller than a float per source, for Brian2
    to write and hash at every run). Warns once per synapse group whose trains have two spikes of
    one source in one step."""
    bits = np.zeros((plan.n_steps + 1, n_spike_columns(plan.n_sources)), dtype=np.int64)
    for gname, group in cell.synapses.items():
        src = plan.source_of_group[gname]
        merged = []  # (site, time in seconds, spikes in that step)
        for k, train in enumerate(group.spikes):
            steps, counts = np.unique(
                np.round(np.asarray(train) / plan.dt).astype(np.int64), return_counts=True
            )
            keep = steps <= plan.n_steps
            steps, counts = steps[keep], counts[keep]
            if np.any(counts > 1):
                first = int(np.argmax(counts > 1))
                merged.append((k, steps[first] * plan.dt, int(counts[first]), counts))
            col, bit = divmod(int(src[k]), BITS_PER_COLUMN)
            bits[steps, col] |= np.int64(1) << bit
        if merged and not group.poisson:  # drawn Poisson trains: counted, see merged_spikes
            _warn_merged(group, src, merged, plan.dt)
    return bits.astype(np.float64)


def merged_spikes(cell: Cell, plan: Plan) -> int:
    """How many presynaptic spikes of `cell` are not delivered as events of their own because
    another spike of the same source falls in the same step (recorded in every Dataset)."""
    lost = 0
    for group in cell.synapses.values():
        for train in group.spikes:
            steps = np.round(np.asarray(train) / plan.dt).astype(np.int64)
            steps = steps[steps <= plan.n_steps]
            lost += len(steps) - len(np.unique(steps))
    return lost


def _warn_merged(group, src, merged, dt: float) -> None:
    k, t, count, _ = merged[0]
    lost = sum(int(np.sum(c[c > 1] - 1)) for *_, c in merged)
    more = (
        f"; in all, {lost} spikes of {len(merged)} sources of this group are merged"
        if lost > count - 1
        else ""
    )
    warnings.warn(
        SpikeMergeWarning(
            f"synapse group {group.name!r}: {count} spikes of source {int(src[k])} (site {k}, "
            f"compartment {int(group.compartments[k])}) fall in the step at t = {t * 1e3:.4f} ms "
            f"(dt = {dt * 1e3:g} ms) and are delivered as one event{more}. Use a smaller dt, or "
            "trains with at most one spike per step"
        ),
        stacklevel=5,  # the caller of Model.run
    )


def receptor_of(cell: Cell, rname: str) -> Receptor:
    """The definition of receptor `rname` that the cell's synapses use."""
    for group in cell.synapses.values():
        if rname in group.receptors:
            return group.receptors[rname][0]
    raise ParameterError("cell", f"no synapse group uses receptor {rname!r}")


def si(value) -> float:
    """A quantity (or plain number) as a float in SI base units."""
    return float(np.asarray(value / get_unit(getattr(value, "dim", DIMENSIONLESS))))


# ----------------------------------------------------------------------------------- stability
def voltage_range(cell: Cell, times: np.ndarray | None = None) -> tuple[float, float]:
    """Lowest and highest membrane potential (volt) the cell can reach.

    `times` (seconds) are the steps at which electrode currents are sampled (default: none, i.e.
    every electrode counts as possibly hyperpolarising).

    Where every current is ohmic (channels and receptors, with positive conductances) and every
    electrode injects depolarising (non-negative) current, the membrane potential stays between
    the lowest and highest of the initial potentials and the reversal potentials in use (a maximum
    principle: below all of them every current depolarises). A hyperpolarising electrode or a
    non-ohmic channel current can push it anywhere: the range is then widened to
    :data:`PHYSIOLOGICAL_RANGE` (-100 to +50 mV).
    """
    levels = [cell.v_init.min(), cell.v_init.max()]
    bounded = True
    for state in cell.channels.values():
        present = state.present
        if not present.any():
            continue
        for cur in state.channel.currents:
            if cur.ohmic and cur.reversal in state.values:
                e = state.values[cur.reversal][present]
                levels += [e.min(), e.max()]
            else:  # a current source, or a reversal that moves (Nernst)
                bounded = False
    for group in cell.synapses.values():
        for rec, _w in group.receptors.values():
            levels.append(si(rec.reversal))
    for el in cell.electrodes:
        if times is None or np.min(el.waveform.sample(times)) < 0:
            bounded = False
    low, high = float(min(levels)), float(max(levels))
    if not bounded:
        low, high = min(low, PHYSIOLOGICAL_RANGE[0]), max(high, PHYSIOLOGICAL_RANGE[1])
    return low, high


def check_receptor_steps(cell: Cell, plan: Plan) -> None:
    """Refuse a time step above the stability bound that a receptor declares.

    Receptors integrated with an explicit method (``rk4``, ``euler``) are stable only while dt
    times their fastest rate stays inside the method's stability region; a receptor may declare
    that bound (:attr:`~dendrites.mechanisms.Receptor.max_dt`) as a function of the membrane
    potentials it sees. It is evaluated over :func:`voltage_range` of the cell.

    Raises
    ------
    ParameterError
        (parameter ``dt``) dt exceeds the bound; the message names dt, the bound, the receptor and
        the voltage range.
    """
    checked = set()
    for rname in plan.receptors:
        rec = receptor_of(cell, rname)
        if rec.max_dt is None or rname in checked:
            continue
        checked.add(rname)
        low, high = voltage_range(cell, np.arange(plan.n_steps + 1) * plan.dt)
        bound = float(rec.max_dt(rec, low * b2.volt, high * b2.volt) / b2.second)
        if plan.dt > bound:
            raise ParameterError(
                "dt",
                f"dt = {plan.dt * 1e6:g} us exceeds the stability bound {bound * 1e6:.2f} us of "
                f"receptor {rname!r} (method {rec.method!r}) for membrane potentials from "
                f"{low * 1e3:g} to {high * 1e3:g} mV (the lowest initial or reversal potential "
                f"of the cell, or -100 mV with hyperpolarising current sources): use dt <= "
                f"{bound * 1e6:.2f} us",
            )
