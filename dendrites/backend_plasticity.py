"""The Brian2 side of plastic synapses (:mod:`dendrites.plasticity`), called by
:mod:`dendrites.backend` while it builds a model; like it, it creates Brian2 objects.

A plastic synapse group has receptors of its own (``syn_<receptor>_<group>``), whose equations
already hold the rule's states and presynaptic statements (:func:`~.plasticity.plastic_receptor`).
What this module adds:

* postsynaptic spikes: a one-element group with ``v`` linked to the soma's (compartment 0)
  fires when it crosses the rule's ``post_threshold`` upwards (refractory while above it). Its
  ``lastspike`` is linked into every compartment of the neuron (``soma_lastspike``), and a custom
  event of the neuron, ``post_spike``, fires in every compartment in the step of a somatic spike.
  A Brian2 ``SpatialNeuron`` reports its own threshold at one compartment only, so the synapses'
  ``on_post`` pathway listens to ``post_spike`` instead: it reaches a synapse on any branch. The
  detector's threshold runs just before the neuron's (``thresholds`` slot, order -1), so the
  event comes in the same step. Built only when a rule of the cell has an ``on_post``;
* the rule's ``each_step`` statements, run after the state update (``end`` slot);
* a monitor of the plastic weights, and their values at the end of the run (:func:`collect`).
"""

from __future__ import annotations

import brian2 as b2
import numpy as np

from .errors import ParameterError, did_you_mean
from .plasticity import WEIGHT, plastic_groups, post_threshold

__all__ = ["build", "collect", "neuron_equations", "neuron_events", "synapse_pathways"]

#: The neuron's custom event of a somatic spike, seen in every compartment.
POST_EVENT = "post_spike"


def _threshold(cell) -> float | None:
    """The somatic spike threshold (volt) if a plastic group's rule has an ``on_post``."""
    if not any(g.plasticity.on_post.strip() for g in plastic_groups(cell).values()):
        return None
    return post_threshold(cell)


def neuron_equations(cell) -> b2.Equations:
    """The neuron's variable that carries the soma's last spike time (none without plasticity)."""
    if _threshold(cell) is None:
        return b2.Equations("")
    return b2.Equations("soma_lastspike : second (linked)")


def neuron_events(cell, plan) -> dict | None:
    """The neuron's custom events: the state checks' (:mod:`dendrites.guard`) and the somatic
    spike seen by plastic synapses."""
    events = {"nonphysical": plan.guard.condition()} if plan.guard else {}
    if _threshold(cell) is not None:
        events[POST_EVENT] = "soma_lastspike > t - 0.5*dt"
    return events or None


def synapse_pathways(cell, rname: str, receptor) -> dict:
    """Keyword arguments of the receptor's `Synapses`: its ``on_pre``, and for a plastic group
    the rule's ``on_post`` on the somatic-spike event."""
    group = plastic_groups(cell).get(rname)
    if group is None or not group.plasticity.on_post.strip():
        return {"on_pre": receptor.on_pre}
    return {
        "on_pre": receptor.on_pre,
        "on_post": group.plasticity.on_post,
        "on_event": {"pre": "spike", "post": POST_EVENT},
    }


def build(cell, plan, objects: dict, neuron, clock) -> list:
    """The spike detector, the rules' per-step updates and the weight monitors; returns the new
    objects (for the network) and registers the monitors in ``objects["plastic"]``."""
    objects["plastic"] = monitors = {}
    if not plastic_groups(cell):
        return []
    post_threshold(cell)  # one value per cell, or a ParameterError
    check_reads(cell, neuron)
    made = []
    threshold = _threshold(cell)
    if threshold is not None:
        made.append(_detector(neuron, threshold, plan.morph.n_compartments, clock))
    for rname, group in sorted(plastic_groups(cell).items()):
        syn = objects[f"syn_{rname}"]
        rule = group.plasticity
        if rule.each_step.strip():
            made.append(syn.run_regularly(rule.each_step, when="end", name=f"each_step_{rname}"))
        if group.name not in monitors:  # every receptor of a group holds the same weights
            mon = b2.StateMonitor(
                syn, WEIGHT, record=True, dt=plan.record_dt * b2.second, name=f"mon_w_{group.name}"
            )
            monitors[group.name] = (mon, syn)
            made.append(mon)
    return made


def _detector(neuron, threshold: float, n: int, clock):
    """The one-element group that sees the soma's spikes; its ``lastspike`` goes to every
    compartment (``soma_lastspike``)."""
    detector = b2.NeuronGroup(
        1,
        "v : volt (linked)",
        threshold="v > post_threshold",
        refractory="v > post_threshold",
        clock=clock,
        name="post_detector",
        namespace={"post_threshold": threshold * b2.volt},
    )
    detector.v = b2.linked_var(neuron, "v", index=np.array([0]))
    detector.thresholder["spike"].order = -1  # before the neuron's post_spike event
    neuron.soma_lastspike = b2.linked_var(detector, "lastspike", index=np.zeros(n, dtype=int))
    return detector


def check_reads(cell, neuron) -> None:
    """Refuse a rule that reads a compartment variable (``<name>_post``) the neuron lacks.

    Raises
    ------
    ParameterError
        Naming the rule, the synapse group and the variable, with the known ones.
    """
    from brian2.utils.stringtools import get_identifiers

    for group in {id(g): g for g in plastic_groups(cell).values()}.values():
        rule = group.plasticity
        code = "\n".join((rule.equations, rule.on_pre, rule.on_post, rule.each_step))
        for name in sorted(get_identifiers(code)):
            if name.endswith("_post") and name[:-5] not in neuron.variables:
                known = sorted(k for k in neuron.variables if not k.startswith("_"))
                hint = did_you_mean(name[:-5], known)
                raise ParameterError(
                    "plasticity",
                    f"rule {rule.name!r} of synapse group {group.name!r} reads {name!r}, but the "
                    f"compartments have no {name[:-5]!r}{hint}",
                )


def collect(cell, objects: dict) -> tuple[dict, dict]:
    """The plastic weights of a finished run as Dataset variables and coordinates: ``w_<group>``
    (time, ``<group>_synapse``) sampled like the other recordings, and ``w_final_<group>``
    (``<group>_synapse``) at the end of the run. Read before the results folder is removed."""
    variables, coords = {}, {}
    for gname, (mon, syn) in objects.get("plastic", {}).items():
        dim = f"{gname}_synapse"
        group = cell.synapses[gname]
        rule = group.plasticity
        attrs = {"units": "1", "w_min": rule.w_min, "w_max": rule.w_max, "rule": rule.name}
        trace = np.array(getattr(mon, WEIGHT), dtype=float).T  # copies: the device frees its own
        variables[f"w_{gname}"] = (("time", dim), trace, {**attrs, "long_name": "plastic weight"})
        final = np.array(getattr(syn, WEIGHT)[:], dtype=float)
        variables[f"w_final_{gname}"] = ((dim,), final, {**attrs, "long_name": "final weight"})
        coords[dim] = (dim, np.arange(len(final)), {"units": ""})
        coords[f"{gname}_compartment"] = (dim, np.asarray(group.compartments), {"units": ""})
    return variables, coords
