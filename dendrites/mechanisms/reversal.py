"""A fixed reversal potential of an ion, as a mechanism that writes it.

A channel whose current's reversal is an ion variable (``eca`` for Ca_HVA and Ca_LVAst of
:mod:`dendrites.mechanisms.hay`) reads it from the mechanism that writes it: a concentration pool
computing it by Nernst (``CaDynamics_E2``), or this one, which holds it fixed (a per-compartment
parameter ``E``). Use one or the other in a cell (an ion variable has one writer).
"""

from __future__ import annotations

from brian2.units import mV

from ..errors import ParameterError
from .base import Channel
from .ions import ION_CHARGES, check_ion

__all__ = ["fixed_reversal"]


def fixed_reversal(ion: str, E=None, name: str | None = None) -> Channel:
    """A mechanism that writes ``e<ion>`` as a fixed value.

    Parameters
    ----------
    ion : {"na", "k", "ca"}
    E : Quantity, optional
        The reversal potential (default: NEURON's, ena 50, ek -77, eca 132.458 mV, measured in
        NEURON 9 in a section with the ion and nothing that writes its concentrations); settable
        per region with ``cell.insert(mech, where=..., E=...)``.
    name : str, optional
        The mechanism's name (default ``"e<ion>_fixed"``).

    Examples
    --------
    >>> eca = fixed_reversal("ca", 120 * mV)
    >>> eca.writes
    ('eca',)
    """
    check_ion(ion, "fixed_reversal")
    if ion not in ION_CHARGES:
        raise ParameterError("ion", "a fixed reversal needs an ion (na, k or ca), got ''")
    default = {"na": 50 * mV, "k": -77 * mV, "ca": 132.4579341637009 * mV}[ion]
    return Channel(
        name=name or f"e{ion}_fixed",
        equations=f"e{ion} = E : volt",
        currents=(),
        parameters={"E": default if E is None else E, "present": 1.0},
        densities=("present",),
        reference="A fixed reversal potential; defaults of NEURON 9 (ena, ek, eca of a section "
        "where nothing writes the concentrations)",
        writes=(f"e{ion}",),
    )
