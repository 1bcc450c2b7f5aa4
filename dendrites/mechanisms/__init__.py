"""Membrane channels and synaptic receptors, described as data.

Each mechanism is an equation string with units, default parameters, initial states and a
reference (see :mod:`dendrites.mechanisms.base`). Look one up by name with :func:`get_mechanism`.
"""

from __future__ import annotations

from ..errors import ParameterError, did_you_mean
from .base import Channel, Current, Receptor, evaluate
from .cortical import rs
from .dcaap import dcaap
from .expsyn import expsyn, expsyn_receptor
from .hh import hh
from .kinetic_nmda import KINETIC_NMDA_RATES, alpha_ampa, ampa_alpha, kinetic_nmda, nmda_kinetic
from .passive import passive
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
    "alpha_ampa",
    "ampa",
    "ampa_alpha",
    "dcaap",
    "evaluate",
    "expsyn",
    "expsyn_receptor",
    "gabaa",
    "get_mechanism",
    "hh",
    "kinetic_nmda",
    "nmda",
    "nmda_kinetic",
    "nmda_receptor",
    "passive",
    "rs",
]

#: Membrane channels by name.
CHANNELS: dict[str, Channel] = {"pas": passive, "hh": hh, "rs": rs, "dcaap": dcaap}
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
