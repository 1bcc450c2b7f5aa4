"""Learning rules as data: plastic synapses.

A :class:`PlasticityRule` is described like a receptor (:mod:`dendrites.mechanisms`): Brian2
equations with units, parameters with default quantities, statements run at pre- and postsynaptic
spikes, and a reference. Nothing here creates Brian2 objects; :meth:`dendrites.Cell.add_synapses`
takes a rule (``plasticity=``) and :mod:`dendrites.backend_plasticity` builds it.

The plastic weight ``wp`` is dimensionless and scales the peak conductance of every receptor of
the synapse: a receptor of weight ``w`` (siemens) opens ``w * wp`` at a presynaptic spike, so ``w``
is the conductance at ``wp = 1`` (``g_max`` of Song, Miller & Abbott 2000). ``wp`` has hard bounds,
``w_min <= wp <= w_max``: every statement that changes it clips it (``clip(...)``).

What a rule may read:

* ``v_post``: the membrane potential of the synapse's own compartment (voltage-based rules,
  Clopath et al. 2010);
* presynaptic spikes (``on_pre``) and postsynaptic spikes (``on_post``). A postsynaptic spike is a
  somatic action potential: the soma's potential (compartment 0) crossing ``post_threshold``
  upwards. It reaches every plastic synapse of the cell in the step where it is detected, wherever
  the synapse sits (the backpropagating-AP signal of a pair-based rule);
* ``each_step``: statements run at every time step after the state update, for rules whose weight
  changes continuously (Clopath's LTP term), integrated by forward Euler and clipped.

Branch-level variables (a branch strength shared by the synapses of one branch, Legenstein &
Maass 2011) are not built yet; they fit this description as variables of the compartments (one
value per branch, shared by its compartments) that ``on_post`` and ``each_step`` read as
``<name>_post`` and write through the branch's synapses.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from brian2.units import ms, mV
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, have_same_dimensions

from .errors import ParameterError, did_you_mean

__all__ = ["PlasticityRule", "clopath", "plastic_receptor", "plastic_values", "stdp"]

#: Names a rule's statements use that are not its own states or parameters.
WEIGHT = "wp"
_RESERVED = {WEIGHT, "w", "g", "v", "v_post", "t", "dt", "i", "j", "lastspike"}


@dataclass(frozen=True)
class PlasticityRule:
    """A synaptic learning rule described as data.

    Parameters
    ----------
    name : str
        Short identifier (``stdp``, ``clopath``).
    equations : str
        Per-synapse Brian2 equations of the rule's states (traces, filtered voltages), with units;
        ``(event-driven)`` or ``(clock-driven)``. ``v_post`` is the compartment's potential.
    on_pre : str
        Statements run at a presynaptic spike (after the receptor's own ``on_pre``).
    on_post : str
        Statements run at a postsynaptic (somatic) spike.
    parameters : dict of str -> Quantity
        Defaults of the rule's parameters, with their units (dimensionless: plain floats).
    w_min, w_max : float
        Hard bounds of the plastic weight ``wp`` (finite, ``w_min < w_max``).
    w_init : float
        Default initial weight.
    initial : dict of str -> str
        Initial values of the rule's states (expressions; ``v_post`` may be used).
    each_step : str
        Statements run at every time step (continuous weight changes), or ``""``.
    post_threshold : Quantity
        A postsynaptic spike is the soma's potential crossing this upwards.
    reference : str
        Where the rule and its default values come from.
    """

    name: str
    equations: str
    on_pre: str
    on_post: str
    parameters: dict[str, Quantity]
    w_min: float = 0.0
    w_max: float = 1.0
    w_init: float = 0.5
    initial: dict[str, str] = field(default_factory=dict)
    each_step: str = ""
    post_threshold: Quantity = field(default_factory=lambda: -20 * mV)
    reference: str = ""

    def __post_init__(self):
        for bound in ("w_min", "w_max", "w_init"):
            value = getattr(self, bound)
            if not isinstance(value, int | float | np.floating) or not math.isfinite(value):
                raise ParameterError(bound, f"must be a finite number, got {value!r}")
        if not self.w_min < self.w_max:
            raise ParameterError("w_max", f"must exceed w_min ({self.w_min}), got {self.w_max}")
        if not self.w_min <= self.w_init <= self.w_max:
            raise ParameterError(
                "w_init", f"must lie in [w_min, w_max] = [{self.w_min}, {self.w_max}]"
            )
        if not isinstance(self.post_threshold, Quantity) or not have_same_dimensions(
            self.post_threshold, mV
        ):
            raise ParameterError(
                "post_threshold", f"must be a voltage, got {self.post_threshold!r}"
            )
        clash = _RESERVED & set(self.parameters)
        if clash:
            raise ParameterError(sorted(clash)[0], "is reserved: give the parameter another name")

    def __hash__(self) -> int:
        return hash((self.name, self.equations, self.on_pre, self.on_post, self.each_step))

    @property
    def states(self) -> list[str]:
        """The rule's per-synapse states (its differential equations)."""
        from brian2 import Equations

        return list(Equations(self.equations).diff_eq_names) if self.equations.strip() else []

    def with_parameters(self, **values) -> PlasticityRule:
        """A copy with other parameter values (or bounds ``w_min``, ``w_max``, ``w_init``).

        Raises
        ------
        ParameterError
            An unknown parameter (named, with a suggestion), a value in the wrong unit, or bounds
            that are not finite or not ordered.
        """
        params = dict(self.parameters)
        bounds = {}
        for pname, value in values.items():
            if pname in ("w_min", "w_max", "w_init"):
                if isinstance(value, Quantity) and not value.is_dimensionless:
                    raise ParameterError(pname, f"is dimensionless, got {value!r}")
                bounds[pname] = _scalar(pname, value)
                continue
            if pname == "post_threshold":
                bounds[pname] = value
                continue
            if pname not in params:
                hint = did_you_mean(pname, params)
                raise ParameterError(
                    pname,
                    f"unknown parameter of rule {self.name!r}{hint} Known: {', '.join(params)}",
                )
            default = params[pname]
            dim = getattr(default, "dim", DIMENSIONLESS)
            if not have_same_dimensions(getattr(value, "dim", DIMENSIONLESS), dim):
                raise ParameterError(
                    pname, f"expected a value with the unit of {default!r}, got {value!r}"
                )
            number = _scalar(pname, value)
            if not np.isfinite(number) or (pname.startswith("tau") and number <= 0):
                raise ParameterError(pname, f"must be finite (a time constant > 0), got {value!r}")
            params[pname] = value
        return dataclasses.replace(self, parameters=params, **bounds)

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items())
        return (
            f"PlasticityRule {self.name} ({shown}; wp in [{self.w_min}, {self.w_max}])\n"
            f"  {self.reference}"
        )


def _scalar(name: str, value) -> float:
    """`value` as one real number (a Quantity's value in SI), or a ParameterError naming it."""
    if isinstance(value, bool | str | bytes | complex) or value is None:
        raise ParameterError(name, f"expected one real number or quantity, got {value!r}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, f"expected one real number or quantity, got {value!r}") from None
    if array.shape != ():
        raise ParameterError(name, f"expected one value, got an array of shape {array.shape}")
    return float(array)


def stdp(**values) -> PlasticityRule:
    """Pair-based additive STDP with exponential traces (all-to-all pairing).

    A presynaptic spike before a postsynaptic one (``dt = t_post - t_pre > 0``) changes the weight
    by ``A_plus * exp(-dt / tau_plus)``, after it by ``-A_minus * exp(dt / tau_minus)``. Defaults
    of Song, Miller & Abbott (2000): ``A_plus`` 0.005, ``A_minus / A_plus`` 1.05,
    ``tau_plus = tau_minus = 20 ms``, weights in [0, 1] in units of the peak conductance. For the
    window fitted to Bi & Poo's (1998) data use ``tau_plus=16.8*ms, tau_minus=33.7*ms`` (Bi &
    Poo 2001; the values Legenstein & Maass 2011 use, with ``A_plus`` 0.02, ``A_minus`` 0.01).

    Parameters
    ----------
    **values
        Parameter values or bounds replacing the defaults (:meth:`PlasticityRule.with_parameters`).
    """
    rule = PlasticityRule(
        name="stdp",
        equations=(
            "dapre/dt = -apre/tau_plus : 1 (event-driven)\n"
            "dapost/dt = -apost/tau_minus : 1 (event-driven)"
        ),
        on_pre=f"apre += A_plus\n{WEIGHT} = clip({WEIGHT} + apost, w_min, w_max)",
        on_post=f"apost -= A_minus\n{WEIGHT} = clip({WEIGHT} + apre, w_min, w_max)",
        parameters={
            "A_plus": 0.005,
            "A_minus": 0.005 * 1.05,
            "tau_plus": 20 * ms,
            "tau_minus": 20 * ms,
        },
        reference="Song, Miller & Abbott (2000) Nat Neurosci 3:919-926 (additive STDP, Fig. 1 "
        "and Methods); window shape of Bi & Poo (1998) J Neurosci 18:10464-10472",
    )
    return rule.with_parameters(**values) if values else rule


def clopath(**values) -> PlasticityRule:
    """The voltage-based rule of Clopath, Büsing, Vasilaki & Gerstner (2010).

    LTD at a presynaptic spike, ``-A_LTD [u_minus - theta_minus]_+``; LTP continuously,
    ``dwp/dt = A_LTP x [v - theta_plus]_+ [u_plus - theta_minus]_+``, where ``v`` is the potential
    of the synapse's compartment, ``u_minus`` and ``u_plus`` are ``v`` low-pass filtered with
    ``tau_minus`` and ``tau_plus``, and ``x`` is the presynaptic trace (``tau_x``; each spike adds
    ``1/tau_x``). Defaults: their fit to visual-cortex data (Table 1 of the paper; Sjöström et
    al. 2001): theta_minus -70.6 mV, theta_plus -45.3 mV, A_LTD 14e-5 /mV, A_LTP 8e-5 /mV**2,
    tau_minus 10 ms, tau_plus 7 ms, tau_x 15 ms. The homeostatic scaling of A_LTD by the mean
    depolarisation is left out (A_LTD fixed, as in their fit at the reference potential).

    Parameters
    ----------
    **values
        Parameter values or bounds replacing the defaults (:meth:`PlasticityRule.with_parameters`).
    """
    rect_ltd = "int(u_minus > theta_minus)*(u_minus - theta_minus)"
    ltp = (
        "dt*A_LTP*x_trace*int(v_post > theta_plus)*(v_post - theta_plus)"
        "*int(u_plus > theta_minus)*(u_plus - theta_minus)"
    )
    rule = PlasticityRule(
        name="clopath",
        equations=(
            "du_minus/dt = (v_post - u_minus)/tau_minus : volt (clock-driven)\n"
            "du_plus/dt = (v_post - u_plus)/tau_plus : volt (clock-driven)\n"
            "dx_trace/dt = -x_trace/tau_x : Hz (clock-driven)"
        ),
        on_pre=f"x_trace += 1/tau_x\n{WEIGHT} = clip({WEIGHT} - A_LTD*{rect_ltd}, w_min, w_max)",
        on_post="",
        each_step=f"{WEIGHT} = clip({WEIGHT} + {ltp}, w_min, w_max)",
        parameters={
            "theta_minus": -70.6 * mV,
            "theta_plus": -45.3 * mV,
            "A_LTD": 14e-5 / mV,
            "A_LTP": 8e-5 / mV**2,
            "tau_minus": 10 * ms,
            "tau_plus": 7 * ms,
            "tau_x": 15 * ms,
        },
        initial={"u_minus": "v_post", "u_plus": "v_post", "x_trace": "0*Hz"},
        reference="Clopath, Büsing, Vasilaki & Gerstner (2010) Nat Neurosci 13:344-352, Table 1 "
        "(visual cortex fit)",
    )
    return rule.with_parameters(**values) if values else rule


# ------------------------------------------------------------------ assembly (pure Python)
def plastic_receptor(receptor, rule: PlasticityRule, group: str):
    """The receptor of a plastic synapse group: its own variant named ``<receptor>_<group>``
    (its own Brian2 synapses and summed conductance), with the rule's states, parameters and
    presynaptic statements added and the weight scaled by ``wp``.

    Raises
    ------
    ParameterError
        A rule parameter or state with the name of one of the receptor's.
    """
    from brian2 import Equations
    from brian2.utils.stringtools import word_substitute

    if not isinstance(rule, PlasticityRule):
        raise ParameterError("plasticity", f"expected a PlasticityRule, got {rule!r}")
    if not group.isidentifier():
        raise ParameterError("name", f"a plastic synapse group needs an identifier, got {group!r}")

    own = set(receptor.parameters) | set(Equations(receptor.equations).names)
    clash = own & (set(rule.parameters) | set(rule.states))
    if clash:
        raise ParameterError(
            "plasticity",
            f"rule {rule.name!r} and receptor {receptor.name!r} both define {sorted(clash)}",
        )
    on_pre = word_substitute(receptor.on_pre, {"w": f"(w*{WEIGHT})"})
    return dataclasses.replace(
        receptor,
        name=f"{receptor.name}_{group}",
        equations=f"{receptor.equations}\n{rule.equations}\n{WEIGHT} : 1",
        on_pre=f"{on_pre}\n{rule.on_pre}" if rule.on_pre else on_pre,
        parameters={
            **receptor.parameters,
            **rule.parameters,
            "w_min": rule.w_min,
            "w_max": rule.w_max,
        },
        initial={**receptor.initial, **rule.initial},
        bounds={**receptor.bounds, **{s: (None, None) for s in rule.states}},
        reference=f"{receptor.reference}; plasticity: {rule.reference}",
    )


def check_weights(weights, rule: PlasticityRule, n: int) -> np.ndarray:
    """Initial plastic weights: `weights` (one, or one per site; dimensionless, e.g. the final
    weights of a Dataset) or the rule's ``w_init``; refused outside ``[w_min, w_max]``."""
    if weights is None:
        return np.full(n, rule.w_init)
    if isinstance(weights, Quantity) and not weights.is_dimensionless:
        raise ParameterError("weights", f"plastic weights are dimensionless, got {weights!r}")
    values = getattr(weights, "values", weights)  # a DataArray of final weights
    if isinstance(values, str | bytes | complex) or np.iscomplexobj(values):
        raise ParameterError("weights", f"expected real numbers, got {weights!r}")
    try:
        w = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError("weights", f"expected real numbers, got {weights!r}") from None
    if w.size not in (1, n):
        raise ParameterError("weights", f"give 1 or {n} values, got {w.size}")
    bad = ~np.isfinite(w) | (w < rule.w_min) | (w > rule.w_max)
    if bad.any():
        raise ParameterError(
            "weights",
            f"{int(bad.sum())} value(s) outside [w_min, w_max] = [{rule.w_min}, {rule.w_max}] "
            f"(first: {w[bad][0]!r})",
        )
    return np.broadcast_to(w, n).astype(float).copy()


def plastic_groups(cell) -> dict[str, object]:
    """Receptor name -> its plastic synapse group (every receptor of a plastic group is its own)."""
    return {
        rname: group
        for group in cell.synapses.values()
        if getattr(group, "plasticity", None) is not None
        for rname in group.receptors
    }


def post_threshold(cell) -> float | None:
    """The somatic spike threshold (volt) of the cell's plastic synapses, None without any.

    Raises
    ------
    ParameterError
        Rules of one cell with different thresholds.
    """
    found = {float(g.plasticity.post_threshold) for g in plastic_groups(cell).values()}
    if len(found) > 1:
        raise ParameterError("post_threshold", f"one value per cell, got {sorted(found)}")
    return found.pop() if found else None


def plastic_values(cell, plan) -> dict[tuple[str, str], np.ndarray]:
    """The run-time values of the plastic weights: ``("syn_<receptor>", "wp") -> array``."""
    out = {}
    for rname, group in plastic_groups(cell).items():
        if rname in plan.receptors:
            out[(f"syn_{rname}", WEIGHT)] = np.asarray(group.weights, dtype=float).copy()
    return out


def describe(rule: PlasticityRule) -> dict:
    """A JSON-serialisable summary (for provenance)."""
    return {
        "rule": rule.name,
        "parameters": {k: str(v) for k, v in rule.parameters.items()},
        "bounds": [rule.w_min, rule.w_max],
        "post_threshold": str(rule.post_threshold),
        "reference": rule.reference,
    }
