"""Passive membrane leak."""

from __future__ import annotations

from brian2.units import cm, mV, siemens

from .base import Channel, Current

__all__ = ["passive"]

#: Passive leak ``I = g (E - v)``. Defaults: Rm = 10 kOhm cm2 and E = -70 mV, typical of cortical
#: pyramidal dendrites (Stuart & Spruston 1998, J Neurosci 18:3501; Branco et al. 2010 use the same
#: Rm). Override per region with ``cell.insert("pas", g=..., E=...)``.
passive = Channel(
    name="pas",
    equations="",
    currents=(Current("L", "g", "E"),),
    parameters={"g": 1e-4 * siemens / cm**2, "E": -70 * mV},
    densities=("g",),
    initial={},
    reference="Leak conductance; Rm 10 kOhm cm2 after Stuart & Spruston (1998) J Neurosci 18:3501",
)
