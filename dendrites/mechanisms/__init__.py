"""Membrane channels and synaptic receptors, described as data.

Each mechanism is an equation string with units, default parameters, initial states and a
reference (see :mod:`dendrites.mechanisms.base`). Look one up by name with :func:`get_mechanism`.

Naming: a module-level *instance* is a mechanism with its default parameters, named after what it
is (``hh``, ``passive``, ``nmda``, ``nmda_kinetic``, ``ampa_alpha``, ``pospischil_rs``); its
``name`` attribute is the short key of :data:`CHANNELS` / :data:`RECEPTORS` and the suffix of its
variables in a cell (``m_rs``, ``g_nmda``). A *factory* builds a variant and is named after the
instance it generalises plus ``_receptor`` (``nmda_receptor()``, ``nmda_kinetic_receptor()``,
``ampa_alpha_receptor()``, ``expsyn_receptor()``); each instance is its factory called with the
defaults.
"""

from __future__ import annotations

from ..errors import ParameterError, did_you_mean
from .base import Channel, Current, Receptor, evaluate
from .cortical import pospischil_rs
from .dcaap import dcaap
from .expsyn import expsyn, expsyn_receptor
from .hay import HAY_CHANNELS
from .hh import hh
from .kinetic_nmda import (
    KINETIC_NMDA_RATES,
    ampa_alpha,
    ampa_alpha_receptor,
    nmda_kinetic,
    nmda_kinetic_receptor,
)
from .passive import passive
from .reversal import fixed_reversal
from .synapses import MG_BLOCKS, ampa, gabaa, nmda, nmda_receptor
from .synapses import RECEPTORS as _DOUBLE_EXPONENTIAL_RECEPTORS

__all__ = [
    "CHANNELS",
    "KINETIC_NMDA_RATES",
    "MG_BLOCKS",
    "RECEPTORS",
    "Channel",
    "Current",
    "Receptor",
    "ampa",
    "ampa_alpha",
    "ampa_alpha_receptor",
    "dcaap",
    "evaluate",
    "expsyn",
    "expsyn_receptor",
    "fixed_reversal",
    "gabaa",
    "get_mechanism",
    "hh",
    "nmda",
    "nmda_kinetic",
    "nmda_kinetic_receptor",
    "nmda_receptor",
    "passive",
    "pospischil_rs",
]

#: Membrane channels by name (the Hay et al. 2011 set under their NEURON names: ``"NaTa_t"``,
#: ``"SK_E2"``, the calcium pool ``"CaDynamics_E2"``...; :mod:`dendrites.mechanisms.hay`).
CHANNELS: dict[str, Channel] = {
    "pas": passive,
    "hh": hh,
    "rs": pospischil_rs,
    "dcaap": dcaap,
    **HAY_CHANNELS,
}
#: Synaptic receptors by name.
RECEPTORS: dict[str, Receptor] = {
    **_DOUBLE_EXPONENTIAL_RECEPTORS,
    "expsyn": expsyn,
    "nmda_kinetic": nmda_kinetic,
    "ampa_alpha": ampa_alpha,
}


def get_mechanism(name: str) -> Channel | Receptor:
    """Return the channel or receptor called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`CHANNELS` or :data:`RECEPTORS` (``"pas"``, ``"hh"``, ``"ampa"``,
        ``"nmda"``, ``"gabaa"``).

    Returns
    -------
    Channel or Receptor

    Raises
    ------
    ParameterError
        Unknown name; the message suggests the closest known name.

    Examples
    --------
    >>> get_mechanism("hh").name
    'hh'
    """
    known = {**CHANNELS, **RECEPTORS}
    if name in known:
        return known[name]
    hint = did_you_mean(name, sorted(known))
    raise ParameterError(
        "mechanism", f"unknown mechanism {name!r}{hint} Known: {', '.join(sorted(known))}"
    )
