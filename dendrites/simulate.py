"""`simulate`: one call from a cell to a labelled Dataset."""

from __future__ import annotations

import brian2 as b2
import xarray as xr

from .backend import Model
from .cell import Cell
from .session import current

__all__ = ["simulate", "simulate_trials"]


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
        Passed to :class:`dendrites.backend.Model` (``sparse_threshold``, ``rate_tables``,
        ``openmp_threads``, ``runtime_target``, ``cable_solver``, ``time_stepping``:
        ``"crank-nicolson"`` for second-order time stepping of the cable; ``check_states=False``
        turns off the checks that stop non-physical states, :mod:`dendrites.guard`).

    Returns
    -------
    xarray.Dataset
        Variables with dims ``(time, compartment)``; coordinates ``time`` (ms), ``compartment``
        (flat index), ``section``, ``region``, ``distance``, ``x``, ``y``, ``z``, ``diameter`` and
        the compartment's ends ``x0 .. z1`` (um; :func:`dendrites.shapeplot.plot_shape` draws from
        them); a ``units`` attribute on each; provenance in ``attrs``.

    Examples
    --------
    >>> ds = simulate(cell, 100 * ms, record={"v": "all"})    # doctest: +SKIP
    >>> ds.v.sel(time=50, method="nearest").plot()            # doctest: +SKIP
    """
    model = Model(
        cell, duration, dt=dt, record=record, record_dt=record_dt, backend=backend, **options
    )
    kept = current().simulated  # the last model, by structure key
    previous = kept.get(model.key)
    if previous is not None and previous.backend == backend == "cpp_standalone":
        return previous.run(cell)
    kept.clear()
    kept[model.key] = model
    return model.run()


def simulate_trials(
    make_cell,
    seeds,
    duration,
    dt=0.025 * b2.ms,
    record=None,
    record_dt=None,
    backend: str = "cpp_standalone",
    **options,
) -> xr.Dataset:
    """Simulate several trials of one cell structure, compiled once.

    Parameters
    ----------
    make_cell : callable
        ``make_cell(seed) -> Cell``; every trial must have the same structure (e.g. the same
        synapse sites with Poisson trains drawn from `seed`).
    seeds : sequence of int
        One trial per seed.
    duration, dt, record, record_dt, backend, **options
        As for :func:`simulate`.

    Returns
    -------
    xarray.Dataset
        As :func:`simulate`, with a leading ``trial`` dim (coordinate: the seed).
    """
    seeds = list(seeds)
    if not seeds:
        from .errors import ParameterError

        raise ParameterError("seeds", "give at least one seed")
    first = make_cell(seeds[0])
    model = Model(
        first, duration, dt=dt, record=record, record_dt=record_dt, backend=backend, **options
    )
    runs = [model.run(first)] + [model.run(make_cell(s)) for s in seeds[1:]]
    hashes = [r.attrs["parameter_hash"] for r in runs]
    out = xr.concat(runs, dim="trial", combine_attrs="drop_conflicts")
    out = out.assign_coords(trial=("trial", seeds, {"long_name": "seed"}))
    out.attrs["parameter_hash"] = ",".join(hashes)
    return out
