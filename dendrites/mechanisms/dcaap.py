"""The dendritic Ca action potential (dCaAP) of human layer 2/3 neurons (Gidon et al. 2020).

Gidon et al. (2020, Science 367:83) found that dCaAPs in the apical dendrites of human L2/3
pyramidal neurons are graded: largest for inputs just at threshold and damped for stronger input.
Their phenomenological model (ModelDB, accession 254217) is a current source at a dendritic site:

* an event starts when the local membrane potential is above ``vth`` (-36 mV) and the site is not
  refractory (200 ms since the last onset): the trigger is level-based, so under sustained
  suprathreshold input the dCaAP fires again every 200 ms;
* at onset, the amplitude factor is fixed from ``v`` at that step,
  ``K = min(1, exp(-(v - vth) / (vth - vrest) / D))`` with ``vrest`` -75 mV and ``D`` 0.3, so an
  event that starts well above threshold is small;
* the inward current is ``(A - B) w K``; ``A`` and ``B`` are logistic rises
  (``dX/dt = X (1 - X) / tau_X``) from 0.001, ``A`` from the onset with ``tau_A`` 3 ms and ``B``
  from 21 ms after it with ``tau_B`` 0.4 ms. ``A - B`` is a pulse of about 20 ms that ends when
  ``B`` catches up with ``A``.

Here ``A`` and ``B`` are written in closed form in the time since onset,
``X(s) = 1 / (1 + (1/X0 - 1) exp(-s / tau_X))`` for ``s >= 0`` and 0 before, which is the exact
solution of the logistic equation: integrating it with a cheap explicit scheme makes both saturate
at the wrong value and leaves a residual current after the event.

``w`` is the current density at the peak (amp per membrane area of the site). The paper states
the dCaAP by its amplitude, not by ``w``; studies calibrate it (see ``studies/xor_dendrite.py``).

The channel is inserted where the dCaAP site is (usually one compartment). Its states are
``t_on`` (onset of the last event; -1 s before any) and ``K``; the backend integrates it in a group
over the compartments that have it, with the threshold evaluated after every step in each of them.
"""

from __future__ import annotations

from brian2.units import cm, mA, ms, mV

from .base import Channel, Current

__all__ = ["dcaap", "logistic_rise"]

_EQUATIONS = """
s_A = t - t_on : second
s_B = t - t_on - delay_B : second
A = int(s_A >= 0*second) / (1 + (1/A0 - 1)*exp(-s_A/tau_A)) : 1
B = int(s_B >= 0*second) / (1 + (1/B0 - 1)*exp(-s_B/tau_B)) : 1
t_on : second
K : 1
"""


def logistic_rise(s, tau, x0: float = 0.001):
    """Closed-form solution of ``dX/dt = X (1 - X) / tau`` from ``X(0) = x0``; 0 for ``s < 0``.

    Parameters
    ----------
    s : array_like or Quantity
        Time since the rise started (same unit as `tau`).
    tau : float or Quantity
        Time constant.
    x0 : float
        Value at ``s = 0``.

    Returns
    -------
    numpy.ndarray
        ``X(s)``, dimensionless.

    Examples
    --------
    >>> round(float(logistic_rise(0.0, 3.0)), 6)
    0.001
    >>> import math
    >>> round(float(logistic_rise(3.0 * math.log(999), 3.0)), 6)  # the midpoint
    0.5
    """
    import numpy as np

    ratio = np.asarray(s / tau, dtype=float)
    with np.errstate(over="ignore"):
        return np.where(ratio >= 0, 1.0 / (1.0 + (1.0 / x0 - 1.0) * np.exp(-ratio)), 0.0)


#: The dCaAP current source of Gidon et al. (2020); ``w`` must be set where it is inserted.
dcaap = Channel(
    name="dcaap",
    equations=_EQUATIONS,
    currents=(Current("ca", density="(A - B)*w*K"),),
    parameters={
        "w": 0.0 * mA / cm**2,
        "vth": -36.0 * mV,
        "vrest": -75.0 * mV,
        "D": 0.3,
        "refractory": 200.0 * ms,
        "tau_A": 3.0 * ms,
        "tau_B": 0.4 * ms,
        "delay_B": 21.0 * ms,
        "A0": 0.001,
        "B0": 0.001,
    },
    densities=("w",),
    initial={"t_on": "-1*second", "K": "0"},
    method="exact",
    threshold="v > vth and t - t_on >= refractory",
    reset="t_on = t\nK = clip(exp(-(v - vth)/(vth - vrest)/D), 0, 1)",
    reference=(
        "Gidon A, Zolnik TA, Fidzinski P, et al. (2020) Dendritic action potentials and "
        "computation in human layer 2/3 cortical neurons. Science 367:83-87 (phenomenological "
        "model, ModelDB 254217): vth -36 mV, vrest -75 mV, D 0.3, refractory 200 ms, tau_A 3 ms, "
        "tau_B 0.4 ms, B delayed 21 ms, both rising from 0.001"
    ),
)
