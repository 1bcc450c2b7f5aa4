"""A small model for the sweep tests: one synapse whose weight and site are run-time values."""

from __future__ import annotations

import xarray as xr
from brian2 import cm, ms, mV, nS, ohm, siemens, uF, um

from dendrites import Cell, morphology

SITES = (0.2, 0.5, 0.8)


def make_cell(weight_nS: float, site: float) -> Cell:
    """All three synapse sites exist; only the one at `site` receives the spike."""
    morph = morphology.ball_and_stick(length=500 * um, diameter=1 * um).with_n({"dend": 25})
    cell = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-70 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    trains = [[5] * ms if x == site else [] * ms for x in SITES]
    cell.add_synapses(
        "s",
        at=[("dend", x) for x in SITES],
        receptors={"ampa": weight_nS * nS, "nmda": weight_nS * nS},
        spikes=trains,
    )
    return cell


def peak(ds: xr.Dataset, weight_nS: float, site: float) -> xr.Dataset:
    """Reduce a run to the somatic EPSP peak (mV)."""
    v = ds.v.sel(compartment=0)
    return xr.Dataset({"peak": ((), float(v.max() - v.isel(time=0)), {"units": "mV"})})
