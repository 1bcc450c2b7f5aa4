"""Non-physical states caught where they arise: the checks a run makes every 0.1 ms.

Pure Python, no Brian2 objects: :class:`Guard` turns a :class:`~dendrites.plan.Plan` into
Brian2 code strings (equations, an event condition, statements) that the backend installs, and
reads back what they recorded after the run (:meth:`Guard.violation`).

What is checked, every :data:`CHECK_INTERVAL` (0.1 ms; every step when dt is longer), in every
compartment:

* the membrane potential stays within :data:`V_LIMIT` (+/-200 mV): a band that contains every
  physiological reversal potential with a margin (the most extreme, Ca2+, is about +130 to
  +150 mV at 2 mM outside and 50-100 nM inside), and within which a real membrane still holds.
  One fixed rule, the same for every model: a user who drives a cell there on purpose turns the
  check off (``check_states=False``);
* state variables stay within their bounds: by convention a dimensionless state of a channel or
  receptor is a gating variable or an occupancy, within [0, 1], and a state with the dimension
  of a concentration is >= 0; a mechanism overrides or removes these with its ``bounds``
  (``{"state": (low, high)}`` in SI units, ``None`` for no bound). Tolerance
  :data:`GATE_TOLERANCE` (dimensionless) and :data:`CONCENTRATION_TOLERANCE`. States of channels
  integrated in their own group, and of receptors, reach the check as flags summed into the
  compartment at every step;
* the conductances summed into compartments (receptors, channels integrated in their own group)
  stay finite: a non-finite conductance turns v non-finite in the same step's cable update, so
  the v check catches it and the conductances' values are recorded to name the cause. The
  conductance of a channel integrated in every compartment is a product of bounded states and
  finite densities (checked when given), so its bounds imply it.

Why every 0.1 ms: the check costs a few comparisons per compartment, which next to a passive
cable step is not nothing: measured with Brian2's profiling on the benchmark cell
(``benchmarks/guard_cost.py``, 1,024 compartments, HH at the soma), its code objects take 2.8 %
of the binary's time at 0.1 ms and 7.6 % at every step (0.8 % and 2.4 % with HH everywhere); a
whole run (``Model.run``) took 1.05x (HH everywhere: 1.00x) as long as without the checks. 0.1
ms is shorter than the fastest gate where it moves (HH's m, 0.12 ms): a state that leaves its
range is caught within 0.1 ms of doing so, and the values of the check before were sane. A
compartment is flagged once, at its first bad check (a Brian2 custom event), and the run goes on
to its end (compiled code cannot be stopped from Python). The first compartment to go bad is
reported by :class:`~dendrites.errors.NonPhysicalStateError`, which also carries the recordings
before that check (``err.dataset``): nothing computed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2.equations.equations import Equations
from brian2.units.allunits import mmolar, second
from brian2.units.fundamentalunits import DIMENSIONLESS, get_unit

from .errors import NonPhysicalStateError
from .quantities import display_unit

__all__ = [
    "CONCENTRATION_TOLERANCE",
    "GATE_TOLERANCE",
    "V_LIMIT",
    "Check",
    "Guard",
    "state_bounds",
]

#: |v| above this (volt), or a non-finite v, is not physics.
V_LIMIT = 0.200
#: Interval of the checks (seconds), rounded to a whole number of steps (at least one).
CHECK_INTERVAL = 1e-4
#: How far a dimensionless state may leave [0, 1] (rounding, explicit methods near their bound).
GATE_TOLERANCE = 1e-3
#: How far below zero a concentration may go (mol/m3 = mM; 1e-6 mM = 1 nM).
CONCENTRATION_TOLERANCE = 1e-6
#: A finite-value check: |x| below this (in SI units) is finite; NaN and inf fail it.
_FINITE = 1e300
_CONCENTRATION_DIM = mmolar.dim  # mol/m3

#: Names of the variables the backend adds to the neuron.
TIME_VAR = "guard_t"  # time of the first bad check (0: none)
PREVIOUS_V = "v_prev"  # v at every check (copied before the next one)
LAST_SANE_V = "guard_vlast"  # v at the check before the first bad one


def state_bounds(mechanism) -> dict[str, tuple[float | None, float | None]]:
    """The bounds (SI, with tolerance) of a mechanism's states: by convention and declared.

    Parameters
    ----------
    mechanism : Channel or Receptor

    Returns
    -------
    dict of str -> (low or None, high or None)
        Only states with at least one bound.

    Examples
    --------
    >>> from dendrites.mechanisms import hh
    >>> state_bounds(hh)["m"]
    (-0.001, 1.001)
    """
    eqs = Equations(mechanism.equations) if mechanism.equations.strip() else None
    names = list(mechanism.initial)
    if eqs is not None:
        names += [n for n in eqs.diff_eq_names if n not in names]
    declared = dict(getattr(mechanism, "bounds", None) or {})
    out = {}
    for name in names:
        if name in declared:
            low, high = declared[name]
            tol = _tolerance(eqs, name)
            bound = (
                None if low is None else float(low) - tol,
                None if high is None else float(high) + tol,
            )
        elif eqs is None or name not in eqs.names:
            continue
        elif eqs[name].dim is DIMENSIONLESS:
            bound = (-GATE_TOLERANCE, 1 + GATE_TOLERANCE)
        elif eqs[name].dim == _CONCENTRATION_DIM:
            bound = (-CONCENTRATION_TOLERANCE, None)
        else:
            continue
        if bound != (None, None):
            out[name] = bound
    return out


def _tolerance(eqs, name: str) -> float:
    if eqs is not None and name in eqs.names and eqs[name].dim == _CONCENTRATION_DIM:
        return CONCENTRATION_TOLERANCE
    if eqs is not None and name in eqs.names and eqs[name].dim is not DIMENSIONLESS:
        return 0.0
    return GATE_TOLERANCE


def _unit_name(dim) -> str:
    return "1" if dim is DIMENSIONLESS else repr(get_unit(dim))


def _within(expr: str, low, high, unit: str) -> str:
    scale = "" if unit == "1" else f"*{unit}"
    parts = []
    if low is not None:
        parts.append(f"{expr} >= {low!r}{scale}")
    if high is not None:
        parts.append(f"{expr} <= {high!r}{scale}")
    return "(" + " and ".join(parts) + ")"


@dataclass(frozen=True)
class Check:
    """One quantity checked in every compartment of the neuron at every check.

    ``expr`` is a neuron variable; ``low``/``high`` are SI bounds (``None``: none); ``unit`` the
    Brian2 unit name of the variable; ``label`` how a message names it; ``states`` the states
    behind a flag (a sparse channel's bitmask, bit k for ``states[k]``) or a receptor's count.
    """

    label: str
    expr: str
    low: float | None
    high: float | None
    unit: str
    kind: str  # "v", "state", "finite", "channel flag", "receptor flag"
    states: tuple[str, ...] = ()

    @property
    def ok(self) -> str:
        """Brian2 condition that holds when the value is sane (False for NaN)."""
        if self.low is not None and self.high is not None and self.low == -self.high:
            return f"abs({self.expr}) <= {self.high!r}{'' if self.unit == '1' else '*' + self.unit}"
        return _within(self.expr, self.low, self.high, self.unit)


class Guard:
    """The checks of one plan, as Brian2 code strings, and the reading of their results.

    Parameters
    ----------
    plan : dendrites.plan.Plan
        Its channels (dense or sparse) and receptors decide what is checked.
    """

    def __init__(self, plan):
        #: steps between checks (every step for dt >= 0.1 ms)
        self.every = max(1, round(CHECK_INTERVAL / plan.dt))
        self.checks: list[Check] = [
            Check("v", "v", -V_LIMIT, V_LIMIT, "volt", "v"),
        ]
        #: sparse channel -> (bitmask expression over the gate group's states, with ``_pre``)
        self.channel_flags: dict[str, str] = {}
        #: receptor -> expression counting its out-of-bounds states (per synapse)
        self.receptor_flags: dict[str, str] = {}
        for cp in plan.channels:
            ch = cp.channel
            bounds = state_bounds(ch)
            eqs = Equations(ch.equations) if ch.equations.strip() else None
            if not cp.sparse:
                for state, (low, high) in bounds.items():
                    name = cp.local.get(state, state)  # ion variables (cai) keep their name
                    unit = _unit_name(eqs[state].dim)
                    self.checks.append(Check(name, name, low, high, unit, "state"))
                continue
            if bounds:
                terms = []
                for k, (state, (low, high)) in enumerate(bounds.items()):
                    unit = _unit_name(eqs[state].dim)
                    terms.append(f"{2**k}*int(not {_within(state + '_pre', low, high, unit)})")
                self.channel_flags[ch.name] = " + ".join(terms)
                self.checks.append(
                    Check(
                        f"states of {ch.name}",
                        f"guard_{ch.name}",
                        None,
                        0.5,
                        "1",
                        "channel flag",
                        tuple(
                            f"{s}_{ch.name} outside {_range(lo, hi, _unit_name(eqs[s].dim))}"
                            for s, (lo, hi) in bounds.items()
                        ),
                    )
                )
            for cur in ch.currents:
                fed = f"{'gopen' if cur.ohmic else 'idens'}_{cur.name}_{ch.name}"
                unit = "siemens/meter**2" if cur.ohmic else "amp/meter**2"
                label = f"{'conductance' if cur.ohmic else 'current density'} of {cur.name}"
                self.checks.append(
                    Check(f"{label} ({ch.name})", fed, -_FINITE, _FINITE, unit, "finite")
                )
        for rname, rp in plan.receptors.items():
            rec = rp.receptor
            bounds = state_bounds(rec)
            if bounds:
                eqs = Equations(rec.equations)
                terms = [
                    f"int(not {_within(s, low, high, _unit_name(eqs[s].dim))})"
                    for s, (low, high) in bounds.items()
                ]
                self.receptor_flags[rname] = "int(" + " + ".join(terms) + " > 0)"
                self.checks.append(
                    Check(
                        f"states of receptor {rname}",
                        f"guard_{rname}",
                        None,
                        0.5,
                        "1",
                        "receptor flag",
                        tuple(
                            f"{s} {_range(lo, hi, _unit_name(eqs[s].dim))}"
                            for s, (lo, hi) in bounds.items()
                        ),
                    )
                )
            self.checks.append(
                Check(f"g_{rname}", f"g_{rname}", -_FINITE, _FINITE, "siemens", "finite")
            )

    def key(self) -> str:
        """Everything of the guard that enters the generated code."""
        return repr((self.every, self.checks, self.channel_flags, self.receptor_flags))

    # ------------------------------------------------------------ code for the backend
    def neuron_equations(self) -> str:
        """Declarations added to the neuron's equations."""
        lines = [f"{TIME_VAR} : second", f"{PREVIOUS_V} : volt", f"{LAST_SANE_V} : volt"]
        lines += [f"guard_x{k} : {c.unit}" for k, c in enumerate(self.checks)]
        lines += [f"guard_{name} : 1" for name in self.channel_flags]
        lines += [f"guard_{name} : 1" for name in self.receptor_flags]
        return "\n".join(lines)

    def condition(self) -> str:
        """The event condition: a check fails and the compartment has not been flagged yet.

        The finite-value checks of conductances are not in it: a non-finite conductance makes v
        non-finite in the same step's cable update, which the v check catches; their values are
        recorded at the event to name the cause. The flag test comes last, so that it is read
        only where a check fails (``and`` short-circuits).
        """
        sane = " and ".join(c.ok for c in self.checks if c.kind != "finite")
        gate = f"(timestep(t, dt) + 1) % {self.every} == 0 and " if self.every > 1 else ""
        return f"{gate}not ({sane}) and {TIME_VAR} <= 0*second"

    def statements(self) -> str:
        """Run at the event: when, the last sane v, and the value of every check."""
        lines = [f"{TIME_VAR} = t + dt", f"{LAST_SANE_V} = {PREVIOUS_V}"]
        lines += [f"guard_x{k} = {c.expr}" for k, c in enumerate(self.checks)]
        return "\n".join(lines)

    def recorded(self) -> list[str]:
        """Neuron variables to read back after the run."""
        return [TIME_VAR, LAST_SANE_V] + [f"guard_x{k}" for k in range(len(self.checks))]

    # ------------------------------------------------------------ after the run
    def snapshot_interval(self, dt: float) -> float | None:
        """Seconds between copies of v (the last sane values): the check interval; None when
        checks are made at every step (the simulation's own clock)."""
        return self.every * dt if self.every > 1 else None

    def violation(self, arrays: dict[str, np.ndarray], morph, dt: float):
        """The first state that left its range, as an error (not raised), or None.

        Parameters
        ----------
        arrays : dict of str -> ndarray
            The :meth:`recorded` variables, per compartment, in SI units.
        morph : Morphology
            For the compartment's section, x and distance.
        dt : float
            Time step (seconds).
        """
        times = np.asarray(arrays[TIME_VAR], dtype=float)
        flagged = np.flatnonzero(times > 0)
        if not len(flagged):
            return None
        first = flagged[times[flagged] == times[flagged].min()]
        # among compartments flagged at the same step, the one whose v is furthest out
        vbad = np.abs(np.nan_to_num(arrays["guard_x0"][first], nan=np.inf))
        comp = int(first[np.argmax(vbad)])
        t_bad = float(times[comp])
        failed = []
        for k, check in enumerate(self.checks):
            value = float(arrays[f"guard_x{k}"][comp])
            if _fails(value, check):
                failed.append(_describe(check, value))
        v_last = float(arrays[LAST_SANE_V][comp])
        return NonPhysicalStateError(
            dt=dt * second,
            time=t_bad,
            compartment=comp,
            where=_where(morph, comp),
            what="; ".join(failed) or "a state left its range",
            last_sane=f"v = {v_last * 1e3:.6g} mV at t = {(t_bad - self.every * dt) * 1e3:.6g} ms "
            f"(the check before; checks every {self.every * dt * 1e3:g} ms)",
            n_flagged=len(flagged),
        )


def _fails(value: float, check: Check) -> bool:
    if not np.isfinite(value):
        return True
    return (check.low is not None and value < check.low) or (
        check.high is not None and value > check.high
    )


def _describe(check: Check, value: float) -> str:
    if check.kind == "v":
        return f"v = {value * 1e3:.6g} mV, outside +/-{V_LIMIT * 1e3:g} mV"
    if check.kind == "state":
        scale, unit = _display(check.unit)
        where = _range(check.low, check.high, check.unit)
        return f"{check.label} = {value * scale:.6g}{unit}, outside {where}"
    if check.kind == "channel flag":
        bits = int(value) if np.isfinite(value) else 0
        names = [s for k, s in enumerate(check.states) if bits >> k & 1] or list(check.states)
        return "; ".join(names)
    if check.kind == "receptor flag":
        return (
            f"{check.label} outside their ranges ({', '.join(check.states)}) at {value:g} "
            "synapse(s)"
        )
    return f"{check.label} = {value:g} (not finite)"


def _range(low, high, unit: str) -> str:
    """``[-0.001, 1.001]`` or ``[-1e-06, inf] mM``: a range in the unit messages show."""
    scale, shown = _display(unit)
    lo = "-inf" if low is None else f"{low * scale:g}"
    hi = "inf" if high is None else f"{high * scale:g}"
    return f"[{lo}, {hi}]{shown}"


def _display(unit: str) -> tuple[float, str]:
    """Factor from SI and the name of the unit messages show for a Brian2 unit name."""
    if unit == "1":
        return 1.0, ""
    from brian2.units import allunits

    base = getattr(allunits, unit, None)
    if base is None:
        return 1.0, f" {unit}"
    shown, name, _ = display_unit(base)
    return float(np.asarray(base / shown)), f" {name}"


def _where(morph, comp: int) -> str:
    table = morph.compartments
    section = str(table.section[comp])
    sl = morph.compartment_slice(section)
    x = (comp - sl.start + 0.5) / (sl.stop - sl.start)
    return (
        f"compartment {comp} (section {section!r}, x = {x:.3g}, region {table.region[comp]}, "
        f"{table.distance[comp]:.1f} um from the soma)"
    )
