"""dt checked against the model: the fastest time constants of its states, found when it is planned.

Pure Python, no Brian2 objects. :func:`check_time_step` is called for every
:class:`~dendrites.plan.Plan`; it evaluates the equations of every channel present in the cell
(gates, concentration pools) with numpy (:func:`~dendrites.mechanisms.base.evaluate`), at the
parameter values the cell uses, over the membrane potentials :data:`GATE_RANGE` (-100 to
+60 mV):

* each state ``x`` with ``dx/dt = f(x, v)`` relaxes at the rate ``B = f(1) - f(0)`` per unit of
  ``x`` (exact for the linear kinetics of gates and pools), time constant ``tau = -1/B``;
* **explicit methods** (``euler``, ``rk2``, ``heun``, ``rk4``) are stable only while
  ``dt |B|`` stays inside the method's stability region
  (:mod:`dendrites.mechanisms.stability`: 2 for Euler, 2.785 for ``rk4``): a larger dt is
  refused with a :class:`~dendrites.errors.ParameterError`. Receptors declare their own bound
  (:attr:`~dendrites.mechanisms.Receptor.max_dt`, checked by
  :func:`dendrites.plan.check_receptor_steps`);
* **exponential Euler** (and exact integration) is stable at any dt, so a long step is an
  accuracy problem: a :class:`~dendrites.errors.TimeStepWarning` is issued when dt exceeds the
  fastest time constant of a gate *where the gate moves* (its steady state between 1 % and 99 %;
  far from there a fast gate sits at its steady state, which the method gives exactly), or of
  any other state (a pool's decay) anywhere in the range. Beyond that bound a gate relaxes by
  more than 63 % (1 - 1/e) of the way to its steady state in one step while the membrane
  potential that sets it is held for the whole step: spikes are then distorted or, with an
  electrode, blow up (the README's cell with HH at the soma diverges at dt 0.5 ms).

Calibration (the numbers, from this module on the package's channels): HH at 6.3 degC, fastest
where it moves ``m``, 0.120 ms at -78 mV (0.036 ms at -100 mV, where m sits at its steady state
of 0.3 %); Pospischil's RS cell ``m``, 0.069 ms at +2 mV. The studies run at 0.025 and 0.05 ms:
no warning; dt 0.5 and 2 ms with HH warn.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
from brian2.equations.equations import Equations
from brian2.units.allunits import mmolar, volt
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity

from .errors import ParameterError, TimeStepWarning
from .mechanisms.base import evaluate
from .mechanisms.stability import STABILITY_POLYNOMIALS, max_stable_step

__all__ = ["ACTIVE", "GATE_RANGE", "Timescale", "check_time_step", "timescales"]

#: Membrane potentials (volt) over which time constants are evaluated (every 0.5 mV).
GATE_RANGE = (-0.100, 0.060)
#: A gate "moves" where its steady state lies in this range.
ACTIVE = (0.01, 0.99)
#: Values given to ion variables a channel reads from another mechanism (concentrations in mM,
#: reversals in volt, currents in amp/meter**2), only to evaluate its rates: resting [Ca]i
#: 1e-4 mM (the minimum of Hay et al. 2011's pool), other concentrations and currents as below.
_READ_VALUES = {"cai": 1e-4, "cao": 2.0, "nai": 10.0, "nao": 140.0, "ki": 140.0, "ko": 5.0}


@dataclass(frozen=True)
class Timescale:
    """The fastest time constant of one state of one channel in a cell.

    Attributes
    ----------
    channel, state : str
    tau : float
        Seconds; where the state moves (gates) or anywhere in :data:`GATE_RANGE` (other states).
    v : float
        Membrane potential (volt) where it is fastest.
    method : str
        The channel's integration method.
    max_stable_dt : float
        Largest stable step (seconds) of an explicit method over the whole range; inf otherwise.
    """

    channel: str
    state: str
    tau: float
    v: float
    method: str
    max_stable_dt: float


def timescales(cell) -> list[Timescale]:
    """The fastest time constant of every state of every channel present in `cell`."""
    out = []
    for st in cell.channels.values():
        present = st.present
        if not present.any() or not st.channel.equations.strip():
            continue
        ch = st.channel
        names = sorted(ch.parameters)
        rows = np.unique(np.column_stack([st.values[p][present] for p in names]), axis=0)
        out += _channel_timescales(ch, tuple(names), rows.tobytes(), rows.shape)
    return out


@functools.lru_cache(maxsize=256)
def _channel_timescales(ch, names: tuple, raw: bytes, shape: tuple) -> list[Timescale]:
    rows = np.frombuffer(raw).reshape(shape)
    params = {}
    for k, p in enumerate(names):
        default = ch.parameters[p]
        dim = getattr(default, "dim", DIMENSIONLESS)
        col = rows[None, :, k]
        params[p] = col if dim is DIMENSIONLESS else Quantity(col, dim=dim)
    for name in getattr(ch, "reads", ()):
        value = _READ_VALUES.get(name, 0.0)
        params[name] = value * mmolar if name in _READ_VALUES else _zero_of(name)
    n = round((GATE_RANGE[1] - GATE_RANGE[0]) / 0.5e-3) + 1
    v = np.linspace(*GATE_RANGE, n)[:, None] * volt
    eqs = Equations(ch.equations)
    out = []
    for state in eqs.diff_eq_names:
        unit = Quantity(1.0, dim=eqs[state].dim)
        rhs = eqs[state].expr.code
        try:
            f0 = evaluate(rhs, v, ch, **params, **{state: 0 * unit})
            f1 = evaluate(rhs, v, ch, **params, **{state: 1 * unit})
        except ParameterError:
            continue  # depends on something that cannot be evaluated alone
        rate = np.asarray((f1 - f0) / unit, dtype=float)  # 1/second
        rate = np.broadcast_to(rate, (n, rows.shape[0]))
        relaxing = rate < 0
        if not relaxing.any():
            continue
        tau = np.where(relaxing, -1.0 / np.where(relaxing, rate, -1.0), np.inf)
        if eqs[state].dim is DIMENSIONLESS:  # a gate: where it moves
            with np.errstate(divide="ignore", invalid="ignore"):
                steady = -np.asarray(f0, dtype=float) / rate
            tau_moving = np.where((steady > ACTIVE[0]) & (steady < ACTIVE[1]), tau, np.inf)
        else:
            tau_moving = tau
        stable = np.inf
        if ch.method in STABILITY_POLYNOMIALS:
            stable = max_stable_step(rate[relaxing], ch.method)
        if not np.isfinite(tau_moving).any():
            tau_moving = tau
        i, _ = np.unravel_index(np.argmin(tau_moving), tau_moving.shape)
        out.append(
            Timescale(
                ch.name,
                state,
                float(np.min(tau_moving)),
                float(v[i, 0] / volt),
                ch.method,
                float(stable),
            )
        )
    return out


def _zero_of(name: str):
    from .mechanisms.ions import ion_dimension

    return Quantity(0.0, dim=ion_dimension(name))


def check_time_step(cell, plan) -> list[Timescale]:
    """Refuse a dt that an explicit method cannot take; warn when dt outruns a state.

    Parameters
    ----------
    cell : Cell
    plan : Plan
        Its ``dt`` (seconds) is checked.

    Returns
    -------
    list of Timescale
        What was found (the fastest first).

    Raises
    ------
    ParameterError
        (``dt``) dt above the stability bound of a channel integrated with an explicit method.

    Warns
    -----
    TimeStepWarning
        dt above the fastest time constant of a state (see the module docstring); the message
        names the channel, the state, tau, the potential and the bound.
    """
    found = sorted(timescales(cell), key=lambda s: s.tau)
    dt = plan.dt
    for s in found:
        if dt > s.max_stable_dt:
            raise ParameterError(
                "dt",
                f"dt = {dt * 1e3:g} ms exceeds the stability bound {s.max_stable_dt * 1e3:.4g} ms "
                f"of state {s.state!r} of channel {s.channel!r} (method {s.method!r}) for "
                f"membrane potentials from {GATE_RANGE[0] * 1e3:g} to {GATE_RANGE[1] * 1e3:g} mV: "
                f"use dt <= {s.max_stable_dt * 1e3:.4g} ms",
            )
    slow = [s for s in found if dt > s.tau]
    if slow:
        s = slow[0]
        where = "where it moves" if _is_gate(cell, s) else "its fastest"
        more = f" ({len(slow) - 1} other state(s) too)" if len(slow) > 1 else ""
        warnings.warn(
            TimeStepWarning(
                f"dt = {dt * 1e3:g} ms is longer than the time constant of state {s.state!r} of "
                f"channel {s.channel!r}: {s.tau * 1e3:.3g} ms at {s.v * 1e3:.3g} mV ({where}, "
                f"over {GATE_RANGE[0] * 1e3:g} to {GATE_RANGE[1] * 1e3:g} mV){more}. Method "
                f"{s.method!r} does not resolve it: results may be inaccurate or blow up; use "
                f"dt <= {s.tau * 1e3:.3g} ms"
            ),
            stacklevel=4,
        )
    return found


def _is_gate(cell, s: Timescale) -> bool:
    ch = cell.channels[s.channel].channel
    return Equations(ch.equations)[s.state].dim is DIMENSIONLESS
