"""A mechanism under a prescribed membrane potential (an ideal voltage clamp), on Brian2's runtime.

Part of the backend (it creates Brian2 objects): used to check a mechanism's equations against a
reference, e.g. an imported ``.mod`` file against NEURON (:mod:`dendrites.nmodl.verification`),
where the cable and its time stepping must not enter. One group holds a channel's states (a
receptor's live on one synapse onto a clamped compartment, as in the backend); ``v`` is looked up
in a table of the given potentials, one value per step; ion variables the mechanism reads are
given as constants or traces; a receptor's events come from a spike generator and act through its
``on_pre``.

Runs with the runtime device and numpy code generation (no compilation: a few thousand steps of
one group), restoring the device that was active.
"""

from __future__ import annotations

import brian2 as b2
import numpy as np
from brian2.units.fundamentalunits import get_dimensions

from .errors import ParameterError
from .mechanisms.base import Channel, Receptor, parameter_equations
from .mechanisms.functions import FUNCTIONS
from .mechanisms.ions import ION_UNITS, ion_variable

__all__ = ["clamp_run"]


def _unit(name: str) -> str:
    return ION_UNITS[ion_variable(name)[1]]


def clamp_run(
    mechanism: Channel | Receptor,
    v,
    dt,
    *,
    parameters: dict | None = None,
    ions: dict | None = None,
    events=(),
    weight=None,
) -> dict[str, np.ndarray]:
    """Integrate a mechanism's states under the potentials `v`.

    Parameters
    ----------
    mechanism : Channel or Receptor
    v : brian2.Quantity, shape (n,) or (runs, n)
        Membrane potential during each of the `n` steps (step ``k`` integrates from ``k dt`` to
        ``(k + 1) dt`` with ``v[k]``); several rows run side by side (one group, one symbolic
        derivation of the state update for all).
    dt : brian2.Quantity
        Time step.
    parameters : dict of str -> Quantity, optional
        Values replacing the mechanism's defaults.
    ions : dict of str -> Quantity, optional
        Values of the ion variables the mechanism reads (``eca``, ``cai``, ``ica``): a constant or
        an array with one value per step (and per row, shaped as `v`).
    events : sequence of Quantity, optional
        Event times, for a receptor.
    weight : brian2.Quantity, optional
        The events' weight (siemens), for a receptor.

    Returns
    -------
    dict of str -> numpy.ndarray
        ``"t"`` (s) and, at the end of every step, every state and subexpression of the
        mechanism and, for a channel, every current ``I_<name>`` (A/m2, outward positive, as
        NEURON's) or, for a receptor, ``I`` (A, outward positive), in SI units; shaped as `v`.
    """
    from brian2.devices.device import all_devices, get_device

    v = np.asarray(v / b2.volt, dtype=float)
    rows = v.ndim == 2
    v = np.atleast_2d(v)
    n = v.shape[1]
    previous_device = get_device()
    previous_target = b2.prefs.codegen.target
    if previous_device is all_devices["cpp_standalone"]:
        all_devices["cpp_standalone"].reinit()
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    try:
        out = _run(mechanism, v, dt, parameters or {}, ions or {}, events, weight, n)
        return out if rows else {k: (x if k == "t" else x[0]) for k, x in out.items()}
    finally:
        b2.prefs.codegen.target = previous_target
        if previous_device is all_devices["cpp_standalone"]:
            b2.set_device("cpp_standalone", build_on_run=False)


def _run(mechanism, v, dt, parameters, ions, events, weight, n) -> dict:
    clock = b2.Clock(dt=dt)
    namespace = dict(FUNCTIONS)
    namespace["v_ta"] = b2.TimedArray(v.T * b2.volt, dt=dt)  # (step, row)
    if isinstance(mechanism, Receptor):
        return _run_receptor(mechanism, clock, namespace, parameters, events, weight, n, dt)
    eqs = b2.Equations(mechanism.equations) + parameter_equations(
        mechanism.parameters, flags=("constant",)
    )
    eqs += b2.Equations("v = v_ta(t, i) : volt")
    record = list(b2.Equations(mechanism.equations).names)
    for k, name in enumerate(mechanism.reads):
        value = ions.get(name)
        if value is None:
            raise ParameterError("ions", f"{mechanism.name!r} reads {name}: give its value")
        unit = b2.Quantity(1.0, dim=get_dimensions(value))
        arr = np.atleast_1d(np.asarray(value / unit))
        if arr.size > 1:
            arr = np.broadcast_to(np.atleast_2d(arr), v.shape)
            namespace[f"ion_ta{k}"] = b2.TimedArray(arr.T * unit, dt=dt)
            eqs += b2.Equations(f"{name} = ion_ta{k}(t, i) : {_unit(name)}")
        else:
            eqs += b2.Equations(f"{name} : {_unit(name)} (constant)")
    for cur in mechanism.currents:
        body = f"({cur.conductance})*(v - {cur.reversal})" if cur.ohmic else f"-({cur.density})"
        eqs += b2.Equations(f"I_{cur.name} = {body} : amp/meter**2")
        record.append(f"I_{cur.name}")
    group = b2.NeuronGroup(len(v), eqs, method=mechanism.method, clock=clock, namespace=namespace)
    _set(group, {**mechanism.parameters, **parameters}, mechanism)
    for name, value in ions.items():
        if name in group.variables and not group.variables[name].read_only:
            setattr(group, name, value)
    for state, expr in mechanism.initial.items():  # the group's namespace only, not locals
        getattr(group, state).set_item(slice(None), expr, namespace=namespace)
    monitor = b2.StateMonitor(group, record, record=True, when="end", clock=clock)
    b2.Network(group, monitor).run(n * dt, namespace={})
    return _collect(monitor, group, record)


def _set(group, values: dict, mechanism) -> None:
    for name, value in values.items():
        if name not in group.variables:
            raise ParameterError(name, f"not a parameter of {mechanism.name!r}")
        setattr(group, name, value)


def _collect(monitor, group, record) -> dict:
    out = {"t": np.asarray(monitor.t / b2.second)}
    for name in record:
        unit = b2.Quantity(1.0, dim=group.variables[name].dim)
        out[name] = np.asarray(getattr(monitor, name) / unit)
    return out


def _run_receptor(rec, clock, namespace, parameters, events, weight, n, dt) -> dict:
    """A receptor's states on one synapse onto a clamped compartment, as the backend has them."""
    post = b2.NeuronGroup(1, "v = v_ta(t, 0) : volt", clock=clock, namespace=namespace)
    times = np.asarray([float(t / b2.second) for t in events]) * b2.second
    source = b2.SpikeGeneratorGroup(1, np.zeros(len(times), int), times, clock=clock)
    model = rec.synapse_model() + b2.Equations(
        f"I = g*({rec.block})*(v_post - E_rev) : amp\nE_rev : volt (constant)"
    )
    syn = b2.Synapses(
        source,
        post,
        model=model,
        on_pre=rec.on_pre,
        method=rec.method,
        clock=clock,
        namespace=namespace,
    )
    syn.connect(i=0, j=0)
    syn.pre.when = "before_groups"
    _set(syn, {**rec.parameters, **parameters, "E_rev": rec.reversal}, rec)
    syn.w = weight if weight is not None else 0.001 * b2.usiemens
    for state, expr in rec.initial.items():
        getattr(syn, state).set_item(slice(None), expr, namespace=namespace)
    record = [*b2.Equations(rec.equations).names, "I"]
    monitor = b2.StateMonitor(syn, record, record=0, when="end", clock=clock)
    b2.Network(post, source, syn, monitor).run(n * dt, namespace={})
    return _collect(monitor, syn, record)
