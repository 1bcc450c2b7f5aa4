"""Membrane channels and synaptic receptors, described as data.

Each mechanism is an equation string with units, default parameters, initial states and a
reference (see :mod:`dendrites.mechanisms.base`). Look one up by name with :func:`get_mechanism`.
"""

from __future__ import annotations

from ..errors import ParameterError, did_you_mean
from .base import Channel, Current, Receptor, evaluate
from .hh import hh
from .passive import passive
from .synapses import MG_BLOCKS, RECEPTORS, ampa, gabaa, nmda, nmda_receptor

__all__ = [
    "CHANNELS",
    "MG_BLOCKS",
    "RECEPTORS",
    "Channel",
    "Current",
    "Receptor",
    "ampa",
    "evaluate",
    "gabaa",
    "get_mechanism",
    "hh",
    "nmda",
    "nmda_receptor",
    "passive",
]

#: Membrane channels by name.
CHANNELS: dict[str, Channel] = {"pas": passive, "hh": hh}


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
