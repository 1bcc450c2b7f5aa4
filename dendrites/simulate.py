"""`simulate`: one call from a cell to a labelled Dataset."""

from __future__ import annotations

import brian2 as b2
import xarray as xr

from .backend import Model
from .cell import Cell

__all__ = ["simulate"]

_LAST: dict[str, Model] = {}


def simulate(
    cell: Cell,
    duration,
    dt=0.025 * b2.ms,
    record=None,
    record_dt=None,
    backend: str = "cpp_standalone",
    **options,
) -> xr.Dataset:
    """Simulate a cell and return its recordings.

    Parameters
    ----------
    cell : Cell
        The cell, with its mechanisms, synapses and electrodes.
    duration : Quantity
        Simulated time.
    dt : Quantity
        Integration time step (default 25 us).
    record : dict, optional
        Variable -> locations, e.g. ``{"v": "all", "m_hh": "soma"}``; default: v at the soma.
    record_dt : Quantity, optional
        Sampling interval of the recordings (a multiple of `dt`).
    backend : {"cpp_standalone", "runtime"}
        Brian2 C++ standalone (compiled once per structure and reused) or runtime mode.
    **options
        Passed to :class:`dendrites.backend.Model` (``sparse_threshold``, ``openmp_threads``,
        ``runtime_target``).

    Returns
    -------
    xarray.Dataset
        Variables with dims ``(time, compartment)``; coordinates ``time`` (ms), ``compartment``
        (flat index), ``section``, ``region``, ``distance``, ``x``, ``y``, ``z``, ``diameter`` (um);
        a ``units`` attribute on each; provenance in ``attrs``.

    Examples
    --------
    >>> ds = simulate(cell, 100 * ms, record={"v": "all"})    # doctest: +SKIP
    >>> ds.v.sel(time=50, method="nearest").plot()            # doctest: +SKIP
    """
    model = Model(
        cell, duration, dt=dt, record=record, record_dt=record_dt, backend=backend, **options
    )
    previous = _LAST.get(model.key)
    if previous is not None and previous.backend == backend == "cpp_standalone":
        return previous.run(cell)
    _LAST.clear()
    _LAST[model.key] = model
    return model.run()
