"""The Brian2 backend: the only module of `dendrites` that creates Brian2 objects.

A :class:`Model` turns a backend-free :class:`~dendrites.cell.Cell` into a Brian2 network, once per
*structure* (morphology, which channels sit where, synapse connectivity, electrodes, recordings,
duration and dt), and runs it as often as needed with new *values* (densities, capacitance, weights,
spike trains, current waveforms). With the C++ standalone device the project is compiled once and
every later run passes the values as ``run_args``: nothing is recompiled.

The work is split over four modules:

===========================  ======================================================================
:mod:`dendrites.plan`        what to build (:class:`~dendrites.plan.Plan`, its structure key) and
                             the values of a run (:func:`~dendrites.plan.values`); pure Python
:mod:`dendrites.buildcache`  build folders (slots) and their file locks, compiler output and
                             build-failure messages; no Brian2
:mod:`dendrites.session`     what the process keeps between calls (the model the standalone device
                             holds, the locked slots)
this module                  device resets, equation assembly, Brian2 groups, synapses, monitors,
                             running and reading back: :class:`Model`
===========================  ======================================================================

Design points (see ``../shared/brian2-notes.md`` for the measurements behind them):

* A channel present in only a few compartments (by default in less than half of them) is not put
  into the `SpatialNeuron`'s equations, which Brian2 integrates in every compartment. Its gates
  live in a small `NeuronGroup` over the compartments that have it, with ``v`` linked to theirs,
  and its open conductance is summed back into the neuron. The gate group is scheduled in the
  ``groups`` slot at order -2, before the summed-variable update (order -1) and the cable update
  (order 0 and 1): exactly the sequence of the all-compartment formulation (gates from ``v(t)``,
  then the implicit cable step with the new conductances), so both give the same trajectories up
  to rounding.
* Presynaptic spikes come from a `TimedArray` (one column per source) read by a threshold that runs
  in the ``before_groups`` slot, and the synapses' ``on_pre`` runs right after it. An event at time
  ``t`` therefore acts on the cable update from ``t`` to ``t + dt``, as in NEURON, instead of one
  step late (Brian2's default puts thresholds and synaptic propagation after the state update).
  Spike trains (one bit per step and source, 52 sources per float64 column) and current waveforms
  are `TimedArray` values, which ``run_args`` can replace.
* Values are applied with ``device.apply_run_args()`` *before* the run starts, so that capacitance
  or axial resistivity given at run time enter the cable matrix (a silent error otherwise).
* The generated code of a structure is the same byte for byte in every process, whatever the
  process built before and whatever the values, so that a build folder compiled once is reused
  without recompiling anything (by later test runs, sweep workers, other users of the cache):
  one-element values and Ri go to every run as ``run_args`` instead of into ``main.cpp``, and
  two places where Brian2's output follows the order of a set are made deterministic
  (:func:`_connect`, :func:`_sort_clock_resets`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import time
import uuid
from pathlib import Path

import brian2 as b2
import numpy as np
from brian2.units.fundamentalunits import DIMENSIONLESS, get_unit

from . import backend_plasticity as plastic
from .buildcache import BUILT, RUN_SECONDS, build_failure, build_slot, captured_output
from .cell import Cell
from .errors import BuildError, ParameterError, StructureError, did_you_mean
from .hines import use_hines
from .mechanisms import ions
from .mechanisms.base import Channel, evaluate, parameter_equations
from .mechanisms.functions import FUNCTIONS
from .paths import build_dir, cache_dir
from .plan import BITS_PER_COLUMN, Plan, fed_name, values
from .session import current

__all__ = ["BACKENDS", "Model", "build_slot", "cache_dir"]

BACKENDS = ("cpp_standalone", "runtime")

#: Axial resistivity a standalone build is generated with (ohm*m); every run passes the cell's.
_BUILD_RI = 1.0


def _unit_str(value) -> str:
    dim = getattr(value, "dim", DIMENSIONLESS)
    if dim is DIMENSIONLESS:
        return "1"
    return repr(get_unit(dim))


def _expression_names(expr: str) -> set[str]:
    from brian2.utils.stringtools import get_identifiers

    return set(get_identifiers(expr))


# ------------------------------------------------------ generated code, same in every process
# A build is reused by a later process only if that process generates the same files byte for
# byte (Brian2 rewrites only changed files, and make recompiles what was rewritten). Two places
# where Brian2 iterates a set of objects (hashed by id, so ordered differently in every process)
# leak into the generated code; the two helpers below make them deterministic.
def _connect(syn, i, j) -> None:
    """``syn.connect(i=i, j=j)``, recording the new number of synapses on every synaptic array.

    After connecting, Brian2 records the new size of each synaptic array in the iteration order of
    a set and, in standalone mode, stops at the first array whose values it cannot read; so which
    arrays know their size differs from process to process. With one synapse that changes the
    generated code (pointers to arrays of size 1 are not declared ``__restrict``) and a later
    process recompiles. Every synaptic array holds one entry per synapse: record ``len(i)`` on all.
    """
    syn.connect(i=i, j=j)
    for var in syn._registered_variables:
        var.size = len(i)


def _sort_clock_resets(device) -> None:
    """Put the clock resets of the standalone ``main()`` in the order of the clocks' names.

    ``Network.run`` resets each clock (``timestep`` and ``t`` to the start) in the iteration order
    of a set of clocks, so with several clocks (the simulation's and the monitors') the lines of
    ``main.cpp`` come in another order in each process. Each reset writes a constant into its own
    clock's arrays, so their order does not matter: every run of consecutive
    resets is sorted by clock name (stably: the writes of one clock keep their order). Nothing
    else in the queue moves.
    """
    owner = {}
    for clock in device.clocks:
        for name in ("timestep", "t"):
            array = device.get_array_name(clock.variables[name], access_data=False)
            owner[array] = clock.name

    def clock_of(entry):
        func, args = entry
        return owner.get(args[0]) if func == "set_by_single_value" else None

    queue = device.main_queue
    start = 0
    while start < len(queue):
        end = start
        while end < len(queue) and clock_of(queue[end]) is not None:
            end += 1
        if end > start:
            queue[start:end] = sorted(queue[start:end], key=clock_of)
        start = end + 1


# ----------------------------------------------------------------------------------- devices
def _reset_standalone(directory: Path, openmp_threads: int) -> None:
    from brian2.devices.device import all_devices

    device = all_devices["cpp_standalone"]
    if b2.get_device() is not device:
        b2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
    # Reinitialised while active, the device starts from the same state whatever the process
    # did before: activated from another device, it would write that device's default-clock dt
    # into main.cpp once more (a line more, and a value from elsewhere, in the generated code).
    device.reinit()
    device.activate(build_on_run=False, directory=str(directory))
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 2}"]
    b2.prefs.devices.cpp_standalone.openmp_threads = int(openmp_threads)


def _reset_runtime(target: str) -> None:
    from brian2.devices.device import all_devices

    if b2.get_device() is all_devices["cpp_standalone"]:
        all_devices["cpp_standalone"].reinit()
    b2.set_device("runtime")
    b2.prefs.codegen.target = target
    if target == "cython":
        # compiled code, kept with the C++ builds (it depends on the generated code only)
        b2.prefs.codegen.runtime.cython.cache_dir = str(build_dir() / "cython")


# ----------------------------------------------------------------------------------- model
class Model:
    """A cell built into a Brian2 network once, run many times.

    Parameters
    ----------
    cell : Cell
        The cell whose structure is built; its values are the defaults of :meth:`run`.
    duration : Quantity
        Simulated time of every run.
    dt : Quantity
        Integration time step.
    record : dict, optional
        Variable name -> locations (``"all"``, a region name, ``(section, x)`` tuples, compartment
        indices or a mask). Default: ``{"v": 0}`` (the soma, or the root compartment). ``v`` at a
        section-end node (x = 0 or 1) comes as ``v_node`` too (:func:`~.plan.node_voltages`).
    record_dt : Quantity, optional
        Sampling interval of the recordings (a multiple of `dt`; default `dt`).
    backend : {"cpp_standalone", "runtime"}
        Brian2 C++ standalone code generation (default; compiled once per structure) or Brian2's
        runtime mode (Cython code generation; no separate build).
    runtime_target : {"cython", "numpy"}
        Code generation target of the runtime backend.
    sparse_threshold : float
        Channels present in less than this fraction of compartments get their gates integrated only
        where present (see the module docstring); 0 disables it.
    openmp_threads : int
        OpenMP threads of the standalone binary (0: none).
    rate_tables : bool
        Look up the rate functions a channel declares tabulatable (its ``tables``, e.g. the six
        HH rates) in a table computed once, instead of evaluating them in every compartment at
        every step, as NEURON does by default (see :class:`~dendrites.mechanisms.RateTable`).
        Faster where such a channel is everywhere; exact rates (False) are the default.
    cable_solver : {"hines", "brian2"}
        The cable step of the C++ standalone build: one Hines elimination over the tree
        (:mod:`dendrites.hines`, default) or Brian2's own solver (three tridiagonal solves per
        section and a branch-point system; also used whenever ``openmp_threads`` > 0, where its
        section loops run in parallel). Both solve the same linear system; the runtime backend
        always uses Brian2's.
    check_states : bool
        Check every 0.1 ms that states stay physical (:mod:`dendrites.guard`; default on).
    time_stepping : {"backward-euler", "crank-nicolson"}
        Backward Euler (first order, default) or Crank-Nicolson (second order in dt, NEURON's
        ``secondorder``; Hines solver only, see :mod:`dendrites.hines`).

    Raises
    ------
    ParameterError
        A bad option, dt, duration or recording (see :class:`dendrites.plan.Plan`), or a dt above
        the stability bound of a receptor over the potentials the cell can reach (the message
        names dt and the bound; :func:`dendrites.plan.check_receptor_steps`).

    Warns
    -----
    SpikeMergeWarning
        When run, if two spikes of one source fall in one time step (delivered as one event).
    TimeStepWarning
        dt longer than the fastest time constant of a gate or pool (:mod:`dendrites.timesteps`).

    Examples
    --------
    >>> model = Model(cell, duration=100 * ms)          # doctest: +SKIP
    >>> ds = model.run()                                 # doctest: +SKIP
    >>> ds2 = model.run(cell_with_other_weights)         # no recompilation  # doctest: +SKIP
    """

    def __init__(
        self,
        cell: Cell,
        duration,
        dt=0.025 * b2.ms,
        record=None,
        record_dt=None,
        backend: str = "cpp_standalone",
        runtime_target: str = "cython",
        sparse_threshold: float = 0.5,
        openmp_threads: int = 0,
        rate_tables: bool = False,
        cable_solver: str = "hines",
        time_stepping: str = "backward-euler",
        check_states: bool = True,
    ):
        if backend not in BACKENDS:
            hint = did_you_mean(backend, BACKENDS)
            raise ParameterError("backend", f"unknown backend {backend!r}{hint} Known: {BACKENDS}")
        if not isinstance(cell, Cell):
            raise ParameterError("cell", f"expected a Cell, got {type(cell).__name__}")
        if not cell.channels:
            raise ParameterError("cell", "no membrane mechanism inserted (insert at least 'pas')")
        self.cell = cell
        self.backend = backend
        self.runtime_target = runtime_target
        self.openmp_threads = openmp_threads
        self.sparse_threshold = sparse_threshold
        if cable_solver == "hines" and (backend != "cpp_standalone" or openmp_threads):
            cable_solver = "brian2"  # the Hines template is single-threaded C++ standalone
        self._plan_args = (
            duration,
            dt,
            record,
            record_dt,
            sparse_threshold,
            rate_tables,
            cable_solver,
            time_stepping,
            check_states,
        )
        self.plan = Plan(cell, *self._plan_args)
        self.directory: Path | None = None  # a build slot, taken when first built
        self.compile_seconds = 0.0
        self._objects = None
        self._timed = False

    @property
    def key(self) -> str:
        """Hash of the structure: equal keys share one compiled project."""
        return self.plan.key

    # ---------------------------------------------------------------- building
    def _build_objects(self, vals):
        plan = self.plan
        morph = plan.morph
        clock = b2.Clock(dt=plan.dt * b2.second, name="sim_clock")
        b2_morph = _brian_morphology(morph)
        namespace = dict(FUNCTIONS)  # functions the equations call: tables, ifelse
        neuron_eqs = self._neuron_equations(namespace) + plastic.neuron_equations(self.cell)
        spike_ta = None
        if plan.n_sources:
            spike_ta = b2.TimedArray(
                vals[("spike_ta", "values")], dt=plan.dt * b2.second, name="spike_ta"
            )
            namespace["spike_ta"] = spike_ta
        clamp_ta = None
        if plan.electrode_cols:
            clamp_ta = b2.TimedArray(
                vals[("clamp_ta", "values")] * b2.amp, dt=plan.dt * b2.second, name="clamp_ta"
            )
            namespace["clamp_ta"] = clamp_ta
        neuron = b2.SpatialNeuron(
            morphology=b2_morph,
            model=neuron_eqs,
            Cm=1 * b2.uF / b2.cm**2,
            # a standalone build takes no value that would enter the generated code (see
            # _set_values): every run passes the cell's Ri
            Ri=(self.cell.Ri if self.backend == "runtime" else _BUILD_RI) * b2.ohm * b2.meter,
            method="exponential_euler",
            clock=clock,
            name="neuron",
            namespace=namespace,
            events=plastic.neuron_events(self.cell, plan),
        )
        if plan.guard is not None:  # v at each check; the first bad check of each compartment
            every = plan.guard.snapshot_interval(plan.dt)  # None: the simulation's clock
            snap = every and b2.Clock(dt=every * b2.second, name="guard_clock")
            neuron.run_regularly("v_prev = v", None, snap, "before_groups", name="guard_snapshot")
            neuron.run_on_event("nonphysical", plan.guard.statements())
        _set_geometry(neuron, morph)
        if plan.cable_solver == "hines":
            use_hines(neuron, crank_nicolson=plan.time_stepping == "crank-nicolson")
        objects = {"neuron": neuron, "clock": clock, "spike_ta": spike_ta, "clamp_ta": clamp_ta}
        extra = []
        # sparse channel gate groups
        for cp in plan.channels:
            if not cp.sparse:
                continue
            ch = cp.channel
            eqs = (
                self._channel_equations(ch, {}, namespace)
                + parameter_equations(ch.parameters)
                + b2.Equations("v : volt (linked)")
            )
            gates = b2.NeuronGroup(
                len(cp.idx),
                eqs,
                method=ch.method,
                threshold=ch.threshold or None,
                reset=ch.reset or None,
                clock=clock,
                order=-2,
                name=f"gates_{ch.name}",
                namespace=namespace,
            )
            gates.v = b2.linked_var(neuron, "v", index=cp.idx)
            summed = []
            for cur in ch.currents:
                # summed back: the open conductance of an ohmic current, or the density itself
                expr, unit = (cur.conductance, "siemens") if cur.ohmic else (cur.density, "amp")
                pre = {nm: f"{nm}_pre" for nm in _expression_names(expr)}
                summed.append(
                    b2.Equations(
                        f"x__ = {expr} : {unit}/meter**2 (summed)",
                        x__=f"{fed_name(cur, ch)}_post",
                        **pre,
                    )
                )
            if plan.guard is not None and ch.name in plan.guard.channel_flags:
                flag = plan.guard.channel_flags[ch.name]  # bit k: state k out of bounds
                summed.append(b2.Equations(f"guard_{ch.name}_post = {flag} : 1 (summed)"))
            feed = b2.Synapses(
                gates,
                neuron,
                model=sum(summed[1:], summed[0]),
                clock=clock,
                name=f"feed_{ch.name}",
                namespace=dict(FUNCTIONS),
            )
            _connect(feed, np.arange(len(cp.idx)), cp.idx)
            objects[f"gates_{ch.name}"] = gates
            extra += [gates, feed]
        # presynaptic sources and receptors
        if plan.n_sources:
            src = b2.NeuronGroup(
                plan.n_sources,
                "",
                threshold=f"floor(spike_ta(t, i // {BITS_PER_COLUMN}) / "
                f"2.0**(i % {BITS_PER_COLUMN})) % 2 > 0.5",
                reset="",
                clock=clock,
                name="sources",
                namespace=namespace,
            )
            src.thresholder["spike"].when = "before_groups"
            src.thresholder["spike"].order = 0
            extra.append(src)
            for rname, rp in plan.receptors.items():
                rec = rp.receptor
                model = rec.synapse_model() + b2.Equations(
                    "gsum__ = g : siemens (summed)", gsum__=f"g_{rname}_post"
                )
                if plan.guard is not None and rname in plan.guard.receptor_flags:
                    flag = plan.guard.receptor_flags[rname]  # synapses with states out of bounds
                    model += b2.Equations(f"guard_{rname}_post = {flag} : 1 (summed)")
                syn = b2.Synapses(
                    src,
                    neuron,
                    model=model,
                    **plastic.synapse_pathways(self.cell, rname, rec),
                    method=rec.method,
                    clock=clock,
                    name=f"syn_{rname}",
                    namespace=dict(FUNCTIONS),
                )
                _connect(syn, rp.sources, rp.targets)
                syn.pre.when = "before_groups"
                syn.pre.order = 1
                objects[f"syn_{rname}"] = syn
                extra.append(syn)
        extra += plastic.build(self.cell, plan, objects, neuron, clock)  # plastic synapses
        # monitors
        monitors = {}
        neuron_vars = [v for v in plan.record if plan.monitor_owner(v) == "neuron"]
        if neuron_vars:
            union = np.unique(np.concatenate([plan.record[v] for v in neuron_vars]))
            monitors["neuron"] = (
                b2.StateMonitor(
                    neuron,
                    neuron_vars,
                    record=union,
                    dt=plan.record_dt * b2.second,
                    name="mon_neuron",
                ),
                union,
            )
        for cp in plan.channels:
            if not cp.sparse:
                continue
            gvars = [v for v in plan.record if plan.monitor_owner(v) == f"gates_{cp.channel.name}"]
            if gvars:
                union = np.unique(np.concatenate([plan.record[v] for v in gvars]))
                rows = np.searchsorted(cp.idx, union)
                local = [v[: -len(cp.channel.name) - 1] for v in gvars]
                mon = b2.StateMonitor(
                    objects[f"gates_{cp.channel.name}"],
                    local,
                    record=rows,
                    dt=plan.record_dt * b2.second,
                    name=f"mon_gates_{cp.channel.name}",
                )
                monitors[f"gates_{cp.channel.name}"] = (mon, union)
        objects["monitors"] = monitors
        self._built_values = self._set_values(objects, vals)
        if self.backend == "cpp_standalone":
            b2.device.apply_run_args()
        neuron.v = "v0"
        for cp in ions.initial_order(plan.channels):  # concentrations before the gates
            target = objects[f"gates_{cp.channel.name}"] if cp.sparse else neuron
            names = {} if cp.sparse else cp.local
            for state, expr in cp.channel.initial.items():
                expr_eq = b2.Equations(f"init__ = {expr} : 1", **names) if names else None
                rhs = str(expr_eq["init__"].expr) if expr_eq is not None else expr
                setattr(target, names.get(state, state), rhs)
        # receptor states that depend on the membrane potential (e.g. the Mg-bound fraction of a
        # kinetic NMDA receptor at rest) are initialised after v
        for rname in plan.receptors:
            for state, expr in plan.receptors[rname].receptor.initial.items():
                setattr(objects[f"syn_{rname}"], state, expr)
        net = b2.Network(neuron, *extra, *(m for m, _ in monitors.values()))
        objects["net"] = net
        return objects

    def _channel_equations(self, ch: Channel, local: dict, namespace: dict) -> b2.Equations:
        """The channel's equations, renamed by `local`; with rate tables on, its tabulatable
        subexpressions become lookups in a `TimedArray` (added to `namespace`)."""
        from brian2.equations.codestrings import Expression
        from brian2.equations.equations import SUBEXPRESSION, SingleEquation

        if not ch.equations.strip():
            return b2.Equations("")
        eqs = b2.Equations(ch.equations)
        table = ch.tables
        if self.plan.rate_tables and table is not None:
            name = f"rates_{ch.name}"
            if name not in namespace:
                grid = table.grid
                values = np.column_stack(
                    [
                        np.broadcast_to(
                            np.asarray(evaluate(nm, 0 * b2.mV, ch, **{table.over: grid})),
                            grid.shape,
                        )
                        for nm in table.names
                    ]
                )
                namespace[name] = b2.TimedArray(values, dt=1 * b2.second, name=name)
            index = f"(({table.over}) - ({table.low!r}))/{table.step!r}*second"
            eqs = b2.Equations(
                [
                    SingleEquation(
                        SUBEXPRESSION,
                        eq.varname,
                        dimensions=eq.dim,
                        expr=Expression(f"{name}({index}, {table.names.index(eq.varname)})"),
                    )
                    if eq.varname in table.names
                    else eq
                    for eq in eqs.ordered
                ]
            )
        return eqs.substitute(**local) if local else eqs

    def _neuron_equations(self, namespace: dict):
        plan = self.plan
        eqs = b2.Equations("v0 : volt (constant)")
        if plan.guard is not None:  # the state checks' variables (dendrites.guard)
            eqs += b2.Equations(plan.guard.neuron_equations())
        im_terms = []
        for cp in plan.channels:
            ch = cp.channel
            reversal = {c.reversal for c in ch.currents if c.ohmic}
            params = ch.parameters if not cp.sparse else {p: ch.parameters[p] for p in reversal}
            eqs += parameter_equations(params, names=cp.local)
            if not cp.sparse:
                eqs += self._channel_equations(ch, cp.local, namespace)
            for cur in ch.currents:
                iname = f"I_{cur.name}_{ch.name}"
                if cp.sparse:
                    fed = fed_name(cur, ch)
                    if cur.ohmic:
                        eqs += b2.Equations(
                            f"{fed} : siemens/meter**2\n"
                            f"{iname} = {fed}*({cp.local[cur.reversal]} - v) : amp/meter**2"
                        )
                    else:
                        eqs += b2.Equations(f"{fed} : amp/meter**2\n{iname} = {fed} : amp/meter**2")
                elif not cur.ohmic:
                    eqs += b2.Equations(
                        f"I__ = {cur.density} : amp/meter**2", I__=iname, **cp.local
                    )
                else:
                    eqs += b2.Equations(
                        f"I__ = ({cur.conductance})*(E__ - v) : amp/meter**2",
                        I__=iname,
                        E__=cp.local.get(cur.reversal, cur.reversal),  # or eca, ek...
                        **{k: val for k, val in cp.local.items() if k != cur.reversal},
                    )
                im_terms.append(iname)
        eqs += b2.Equations(f"Im = {' + '.join(im_terms)} : amp/meter**2")
        eqs += b2.Equations(ions.ion_current_equations(c.channel for c in plan.channels))
        point_terms = []
        for rname, rp in plan.receptors.items():
            rec = rp.receptor
            local = {p: f"{p}_{rname}" for p in rec.block_parameters}
            eqs += b2.Equations(f"g_{rname} : siemens\nE_{rname} : volt (constant, shared)")
            eqs += parameter_equations(rec.block_parameters, ("constant", "shared"), local)
            eqs += b2.Equations(
                f"I__ = g__*({rec.block})*(E__ - v) : amp",
                I__=f"I_{rname}",
                g__=f"g_{rname}",
                E__=f"E_{rname}",
                **local,
            )
            point_terms.append(f"I_{rname}")
        if plan.electrode_cols:
            eqs += b2.Equations("eidx : integer (constant)\nI_inj = clamp_ta(t, eidx) : amp")
            point_terms.append("I_inj")
        if point_terms:
            eqs += b2.Equations(f"I_point = {' + '.join(point_terms)} : amp (point current)")
        return eqs

    def _set_values(self, objects, vals) -> dict:
        """Set values on the objects before the run; return those set (the spike and current
        tables are set when created).

        The runtime backend sets every value. A standalone build sets only values of several
        elements, which Brian2 keeps in data files: a one-element value (a shared reversal
        potential, the weight of a lone synapse, a channel's parameters in a one-compartment
        group) would be written into the generated ``main.cpp`` as a literal, so that two builds
        of one structure with other values would differ and recompile. Those values, and Ri, are
        passed to every run instead (:meth:`_apply_values`).
        """
        plan = self.plan
        neuron = objects["neuron"]
        runtime = self.backend == "runtime"
        built = {}
        for (owner, var), arr in vals.items():
            if owner in ("spike_ta", "clamp_ta"):
                built[(owner, var)] = arr
            elif runtime or np.size(arr) > 1:
                group = objects[owner]
                setattr(group, var, arr * get_unit(group.variables[var].dim))
                built[(owner, var)] = arr
        if runtime:
            neuron.Ri = self.cell.Ri * b2.ohm * b2.meter
        if plan.electrode_cols:
            eidx = np.zeros(plan.morph.n_compartments, dtype=int)
            for comp, col in plan.electrode_cols.items():
                eidx[comp] = col
            neuron.eidx = eidx
        return built

    def _apply_values(self, objects, vals, cell: Cell) -> dict:
        """The run_args of a standalone run: `vals` (values the build did not set as they are
        now) and the axial resistivity of `cell`."""
        run_args = {}
        for (owner, var), arr in vals.items():
            if owner in ("spike_ta", "clamp_ta"):
                unit = b2.amp if owner == "clamp_ta" else 1
                run_args[objects[owner]] = arr * unit
                continue
            group = objects[owner]
            run_args[getattr(group, var)] = arr * get_unit(group.variables[var].dim)
        run_args[objects["neuron"].Ri] = cell.Ri * b2.ohm * b2.meter
        return run_args

    def _build(self, vals):
        # Brian2 names generated objects "<name>_<k>" when an object of that name is still
        # alive, so the code of one structure would depend on what the process built before
        # (and every worker would recompile it): drop the objects of the previous build first.
        session = current()
        previous = session.active_model
        if previous is not None:
            previous._objects = None
        session.active_model = None
        self._objects = None
        if self.backend == "cpp_standalone":
            self.directory = build_slot(self.plan.key)
            _reset_standalone(self.directory, self.openmp_threads)
        else:
            _reset_runtime(self.runtime_target)
        gc.collect()  # after the device reset, which held the previous code objects
        objects = self._build_objects(vals)  # sets _built_values: runs pass only other values
        objects["net"].run(self.plan.duration * b2.second, namespace=dict(FUNCTIONS))
        if self.backend == "cpp_standalone":
            _sort_clock_resets(b2.device)
            self.directory.mkdir(parents=True, exist_ok=True)
            log = self.directory / "build.log"
            t0 = time.perf_counter()
            try:
                with captured_output(log):
                    b2.device.build(
                        directory=str(self.directory), compile=True, run=False, clean=False
                    )
            except Exception as exc:  # compiler missing or failing
                raise BuildError(build_failure(exc, log), str(log)) from None
            self.compile_seconds = time.perf_counter() - t0
            (self.directory / BUILT).touch()
            session.active_model = self
        self._objects = objects

    # ---------------------------------------------------------------- running
    def run(self, cell: Cell | None = None):
        """Run the model with the values of `cell` (default: the cell it was built from).

        Parameters
        ----------
        cell : Cell, optional
            A cell with the same structure (same morphology, channel placement, synapse sites,
            electrodes); its parameter values, weights, spike trains and waveforms are used.

        Returns
        -------
        xarray.Dataset
            See :func:`dendrites.simulate.simulate`.

        Raises
        ------
        StructureError
            If `cell` has another structure (a :class:`ParameterError`).
        NonPhysicalStateError
            A state left its physical range (a :class:`DivergenceError`; :mod:`dendrites.guard`).
        """
        from .results import to_dataset

        cell = self.cell if cell is None else cell
        if cell is not self.cell:
            other = Plan(cell, *self._plan_args)
            if other.key != self.plan.key:
                raise StructureError(
                    "cell", "has another structure than the model was built for; build a new Model"
                )
        vals = values(cell, self.plan)
        if self.backend == "runtime":
            self.cell = cell
            self._build(vals)
        elif not self._is_live():
            self._build(vals)
            self._run_binary(self._apply_values(self._objects, self._unbuilt(vals), cell), cell)
        else:
            t0 = time.perf_counter()
            self._run_binary(self._apply_values(self._objects, self._unbuilt(vals), cell), cell)
            if not self._timed:  # a rerun of the compiled binary: what a sweep point costs
                self._timed = True
                with contextlib.suppress(OSError):
                    (self.directory / RUN_SECONDS).write_text(f"{time.perf_counter() - t0:.4f}\n")
        ds = to_dataset(self, cell, self._collect(cell), vals)
        if self._violation is not None:  # raised with the recordings before the bad step
            err, self._violation = self._violation, None
            err.dataset = ds.isel(time=ds.time.values < (err.time - 0.5 * self.plan.dt) * 1e3)
            raise err
        return ds

    def _unbuilt(self, vals) -> dict:
        """The values of `vals` that the compiled project does not hold as they are."""
        built = self._built_values
        return {k: v for k, v in vals.items() if k not in built or not np.array_equal(v, built[k])}

    def _is_live(self) -> bool:
        """Whether Brian2's standalone device still holds this model's compiled project (another
        model's build, or a device reset, discards it)."""
        from brian2.devices.device import all_devices

        dev = all_devices["cpp_standalone"]
        return (
            self._objects is not None
            and current().active_model is self
            and b2.get_device() is dev
            and self.directory is not None
            and getattr(dev, "project_dir", None) == str(self.directory)
        )

    def _run_binary(self, run_args, cell):
        results = Path("results") / uuid.uuid4().hex[:12]
        log = self.directory / "run.log"
        try:
            with captured_output(log):
                b2.device.run(
                    directory=str(self.directory),
                    results_directory=str(results),
                    with_output=True,
                    run_args=run_args,
                )
        except Exception as exc:
            raise BuildError(f"the compiled simulation failed to run ({exc})", str(log)) from None
        self._last_results = self.directory / results

    def _collect(self, cell: Cell) -> dict:
        """Read monitors into numpy arrays and the state checks, clean up the results folder."""
        plan = self.plan
        objs = self._objects
        guard = plan.guard
        names = guard.recorded() if guard else ()
        found = {n: np.asarray(getattr(objs["neuron"], n)[:]) for n in names}  # before rmtree
        self._violation = guard.violation(found, plan.morph, plan.dt) if guard else None
        if self._violation is None:  # the guard names the first bad check, with the time
            ions.check_run(objs["neuron"], plan)  # a negative or NaN cai: ConcentrationError
        data = {"time": None, "vars": {}}
        for owner, (mon, union) in objs["monitors"].items():
            data["time"] = np.asarray(mon.t / b2.second)
            for var in plan.record:
                if self.plan.monitor_owner(var) != owner:
                    continue
                suffix = "_" + owner.removeprefix("gates_")
                name = var if owner == "neuron" else var.removesuffix(suffix)
                vals = getattr(mon, name)
                arr = np.asarray(vals / get_unit(getattr(vals, "dim", DIMENSIONLESS))).T
                data["vars"][var] = (arr, union, _unit_str(vals))
        data["plastic"] = plastic.collect(self.cell, objs)  # weights, before the files go
        if self.backend == "cpp_standalone" and getattr(self, "_last_results", None):
            shutil.rmtree(self._last_results, ignore_errors=True)
        return data


def _brian_morphology(morph):
    """Brian2 morphology from our description (lengths along the traced path, a ``Soma`` of the
    same area); its geometry is then replaced by the compartment table's (:func:`_set_geometry`).
    """
    built = {}
    root = None
    table = morph.compartments
    for sec in morph.sections:
        sl = morph.compartment_slice(sec.name)
        if sec.region == "soma" and sec.parent is None and sec.n == 1:
            obj = b2.Soma(diameter=np.sqrt(table.area[sl.start] / np.pi) * b2.um)
        else:
            pts = morph.resampled_points(sec.name)
            obj = b2.Section(n=sec.n, diameter=pts[:, 3] * b2.um, length=table.length[sl] * b2.um)
        built[sec.name] = obj
        if sec.parent is None:
            root = obj
        else:
            built[sec.parent].children.add(sec.name, obj)
    return root


def _set_geometry(neuron, morph) -> None:
    """Give the SpatialNeuron the membrane areas and axial resistances of the compartment table
    (integrated over every 3-D point; :mod:`dendrites.morphology.geometry`), the single source of
    truth that :mod:`dendrites.electrotonic` uses too. Brian2's ``r_length_1`` (``r_length_2``)
    is the length whose ratio to Ri is the conductance from the centre to the start (end):
    ``1 / ra_proximal`` (``1 / ra_distal``); a soma's is 1 cm (``geometry.SOMA_LINK``)."""
    table = morph.compartments
    neuron.area_ = table.area * 1e-12
    neuron.r_length_1_ = 1e-6 / table.ra_proximal
    neuron.r_length_2_ = 1e-6 / table.ra_distal
