"""A single-exponential synaptic conductance, as NEURON's ``ExpSyn`` and Arbor's ``expsyn``.

A presynaptic spike of weight ``w`` (siemens) increments the conductance by ``w``; between spikes
it decays with time constant ``tau``:

    dg/dt = -g/tau,    g -> g + w at each spike,    I = g (E - v)

so one spike gives ``g(t) = w exp(-t/tau)``, peak ``w`` at the spike (an instantaneous rise). The
state is linear and integrated exactly. This is the synapse of NEURON's built-in ``ExpSyn`` point
process (``expsyn.mod``: ``g' = -g/tau``, ``NET_RECEIVE: g = g + weight``; default tau 0.1 ms
there, e 0 mV) and of Arbor's ``expsyn`` (default tau 2 ms, e 0 mV), which makes it the receptor
of choice for comparisons with those simulators (``benchmarks/compare_simulators.py``). Defaults
here: tau 2 ms, reversal 0 mV (Arbor's defaults; a fast AMPA-like decay).
"""

from __future__ import annotations

from brian2.units import ms, mV
from brian2.units.fundamentalunits import Quantity

from ..quantities import as_float
from .base import Receptor

__all__ = ["expsyn", "expsyn_receptor"]

_EQUATIONS = "dg/dt = -g/tau : siemens (clock-driven)"


def expsyn_receptor(
    tau: Quantity = 2 * ms, reversal: Quantity = 0 * mV, name: str = "expsyn"
) -> Receptor:
    """A single-exponential conductance receptor.

    Parameters
    ----------
    tau : brian2.Quantity
        Decay time constant (positive).
    reversal : brian2.Quantity
        Reversal potential.
    name : str
        Name of the receptor (``g_<name>``, ``I_<name>`` in the cell); give variants used in the
        same cell different names.

    Returns
    -------
    Receptor

    Raises
    ------
    ParameterError
        A non-positive or unit-less time constant, or a reversal potential that is not a voltage.

    Examples
    --------
    >>> from brian2 import ms
    >>> expsyn_receptor(tau=5 * ms).parameters["tau"]
    5. * msecond
    """
    tau_ms = as_float(tau, ms, "tau", sign="positive")
    e_mv = as_float(reversal, mV, "reversal")
    return Receptor(
        name=name,
        equations=_EQUATIONS,
        on_pre="g += w",
        parameters={"tau": tau_ms * ms},
        reversal=e_mv * mV,
        initial={"g": "0*siemens"},
        method="exact",
        reference="Single exponential conductance as NEURON's ExpSyn (Hines & Carnevale, The "
        "NEURON Book, 2006, ch. 10; nrn/src/nrnoc/expsyn.mod) and Arbor's expsyn (Akar et al. "
        "2019, Euromicro PDP 274-282); tau 2 ms, reversal 0 mV by default",
    )


#: Single-exponential receptor, tau 2 ms, reversal 0 mV.
expsyn = expsyn_receptor()
