"""Synaptic receptors: AMPA, NMDA (with its Mg block) and GABA_A.

Every receptor here is a peak-normalised double exponential: a presynaptic spike of weight ``w``
(siemens) adds ``w`` to a rising and a decaying state, and the conductance

    g(t) = factor * w * (exp(-t/tau_decay) - exp(-t/tau_rise))

peaks at exactly ``w`` at

    t_peak = tau_rise*tau_decay/(tau_decay - tau_rise)*log(tau_decay/tau_rise)

because ``factor = 1/(exp(-t_peak/tau_decay) - exp(-t_peak/tau_rise))``. Both are subexpressions of
the per-synapse equations, so they stay correct when the time constants are set per synapse. The
states are linear, so they are integrated exactly.

The NMDA receptor's voltage dependence is its ``block`` factor (dimensionless, in ``v`` and the Mg
concentration ``Mg``), which multiplies the summed conductance in the membrane current; three
published forms are in :data:`MG_BLOCKS`.
"""

from __future__ import annotations

from brian2.units import mM, ms, mV
from brian2.units.fundamentalunits import Quantity

from ..errors import ParameterError, did_you_mean
from ..quantities import as_float
from .base import Receptor

__all__ = ["MG_BLOCKS", "RECEPTORS", "ampa", "gabaa", "nmda", "nmda_receptor"]

_DOUBLE_EXPONENTIAL = """
t_peak = tau_rise*tau_decay/(tau_decay - tau_rise)*log(tau_decay/tau_rise) : second
factor = 1/(exp(-t_peak/tau_decay) - exp(-t_peak/tau_rise)) : 1
dg_r/dt = -g_r/tau_rise : siemens (clock-driven)
dg_d/dt = -g_d/tau_decay : siemens (clock-driven)
g = factor*(g_d - g_r) : siemens
"""
_ON_PRE = "g_r += w\ng_d += w"

#: Mg block factors of the NMDA receptor: ``name -> (expression in v and Mg, parameter defaults,
#: reference)``. ``Mg`` is the extracellular Mg concentration.
MG_BLOCKS: dict[str, tuple[str, dict[str, Quantity], str]] = {
    "jahr_stevens": (
        "1/(1 + exp(-0.062*v/mV)*Mg/(3.57*mM))",
        {"Mg": 1 * mM},
        "Jahr & Stevens (1990) J Neurosci 10:3178-3182",
    ),
    "poirazi": (
        "1/(1 + 0.33*Mg/mM*exp(-0.06*v/mV))",
        {"Mg": 1 * mM},
        "Poirazi, Brannon & Mel (2003) CA1 pyramidal cell model, Neuron 37:989-999 (and its "
        "companion paper, Neuron 37:977-987)",
    ),
    "beniaguev": (
        "1/(1 + exp(-0.08*v/mV)*Mg/(3.57*mM))",
        {"Mg": 1 * mM},
        "Jahr & Stevens (1990) form with a steeper slope of 0.08/mV, as in Beniaguev, Segev & "
        "London (2021) Neuron 109:2727-2739",
    ),
}


def _double_exponential(
    name: str,
    tau_rise: Quantity,
    tau_decay: Quantity,
    reversal: Quantity,
    reference: str,
    block: str = "1",
    block_parameters: dict[str, Quantity] | None = None,
) -> Receptor:
    rise = as_float(tau_rise, ms, "tau_rise", sign="positive")
    decay = as_float(tau_decay, ms, "tau_decay", sign="positive")
    if not rise < decay:
        raise ParameterError(
            "tau_rise", f"must be shorter than tau_decay ({tau_decay}), got {tau_rise}"
        )
    as_float(reversal, mV, "reversal")
    return Receptor(
        name=name,
        equations=_DOUBLE_EXPONENTIAL,
        on_pre=_ON_PRE,
        parameters={"tau_rise": rise * ms, "tau_decay": decay * ms},
        reversal=reversal,
        block=block,
        block_parameters=dict(block_parameters or {}),
        initial={"g_r": "0*siemens", "g_d": "0*siemens"},
        method="exact",
        reference=reference,
    )


#: AMPA receptor: rise 0.2 ms, decay 2 ms, reversal 0 mV. The time constants are typical of fast
#: glutamatergic EPSCs in cortical and hippocampal pyramidal neurons (e.g. Hestrin et al. 1990,
#: J Physiol 422:203); they are round values, not a fit to one data set.
ampa = _double_exponential(
    "ampa",
    tau_rise=0.2 * ms,
    tau_decay=2 * ms,
    reversal=0 * mV,
    reference="Peak-normalised double exponential; kinetics typical of cortical AMPA receptors "
    "(Hestrin, Nicoll, Perkel & Sah 1990, J Physiol 422:203-225)",
)


def nmda_receptor(
    block: str = "jahr_stevens",
    mg: Quantity = 1 * mM,
    tau_rise: Quantity = 2 * ms,
    tau_decay: Quantity = 80 * ms,
    name: str = "nmda",
) -> Receptor:
    """An NMDA receptor with a chosen Mg block.

    Parameters
    ----------
    block : {"jahr_stevens", "poirazi", "beniaguev"}
        Which form of the Mg block to use (see :data:`MG_BLOCKS`).
    mg : brian2.Quantity
        Extracellular Mg concentration, the default of the block parameter ``Mg``.
    tau_rise, tau_decay : brian2.Quantity
        Rise and decay time constants of the conductance (``tau_rise < tau_decay``).
    name : str
        Name of the receptor (``g_<name>``, ``I_<name>`` in the cell); give variants used in the
        same cell different names.

    Returns
    -------
    Receptor
        Peak-normalised double exponential with reversal 0 mV.

    Raises
    ------
    ParameterError
        Unknown block name, a negative Mg concentration or invalid time constants.

    Examples
    --------
    >>> from brian2 import mM
    >>> nmda_receptor("poirazi", mg=1.2 * mM).block_parameters["Mg"]
    1.2 * mmolar
    """
    if block not in MG_BLOCKS:
        hint = did_you_mean(block, sorted(MG_BLOCKS))
        raise ParameterError(
            "block", f"unknown Mg block {block!r}{hint} Known: {', '.join(sorted(MG_BLOCKS))}"
        )
    expression, defaults, block_reference = MG_BLOCKS[block]
    block_parameters = dict(defaults)
    block_parameters["Mg"] = as_float(mg, mM, "mg", sign="nonnegative") * mM
    return _double_exponential(
        name,
        tau_rise=tau_rise,
        tau_decay=tau_decay,
        reversal=0 * mV,
        block=expression,
        block_parameters=block_parameters,
        reference="Peak-normalised double exponential, rise 2 ms and decay 80 ms by default "
        "(round values typical of the slow, NMDA receptor-mediated EPSC component, cf. Hestrin et "
        f"al. 1990, J Physiol 422:203; not a fit to one data set); Mg block: {block_reference}",
    )


#: NMDA receptor with the Jahr & Stevens (1990) block at 1 mM Mg.
nmda = nmda_receptor()

#: GABA_A receptor: rise 0.5 ms, decay 10 ms, reversal -70 mV. Typical values for dendritic
#: GABA_A IPSCs in cortical pyramidal neurons; round values, not a fit to one data set.
gabaa = _double_exponential(
    "gabaa",
    tau_rise=0.5 * ms,
    tau_decay=10 * ms,
    reversal=-70 * mV,
    reference="Peak-normalised double exponential; typical GABA_A kinetics (round values, not "
    "fitted), reversal -70 mV",
)

#: Receptors by name.
RECEPTORS: dict[str, Receptor] = {"ampa": ampa, "nmda": nmda, "gabaa": gabaa}
