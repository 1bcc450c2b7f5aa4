"""`crosscheck`: the same cell and protocol in the package and in NEURON, and their differences.

The package runs through :func:`dendrites.simulate`, NEURON through :func:`to_neuron` (fixed step,
backward Euler, the same dt, v_init and duration). The Dataset holds both traces at every
recorded site, their largest and RMS differences, the spike times of both (matched one to one)
and, where asked, the input and transfer resistances of both (the package's
:mod:`dendrites.electrotonic`; NEURON's ``Impedance`` at 0 Hz).
"""

from __future__ import annotations

import datetime as _dt
import json

import numpy as np
import xarray as xr
from brian2.units import ms, mV, ohm

from .. import electrotonic, provenance
from ..analysis import spike_times
from ..cell import Cell
from ..errors import ParameterError
from ..quantities import as_float
from ..results import SCHEMA_VERSION
from .build import to_neuron

__all__ = ["crosscheck", "match_spikes", "package_resistances", "site_label", "spike_summary"]


def site_label(site) -> str:
    """``"dend(0.9)"`` for ``("dend", 0.9)``, ``"#12"`` for compartment 12."""
    if isinstance(site, tuple):
        return f"{site[0]}({float(site[1]):g})"
    return f"#{int(site)}"


def _sites(cell: Cell, record) -> list:
    if record is None:
        return [0]
    items = [record] if isinstance(record, tuple | int | np.integer) else list(record)
    out = []
    for s in items:
        if isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str):
            cell.morphology.locate(s[0], float(s[1]))  # checks the section and x
            out.append((s[0], float(s[1])))
        elif isinstance(s, int | np.integer):
            if not 0 <= int(s) < cell.n_compartments:
                raise ParameterError("record", f"compartment {int(s)} is off the cell")
            out.append(int(s))
        else:
            raise ParameterError("record", f"give (section, x) or a compartment index, got {s!r}")
    return out


def package_resistances(cell: Cell, sites) -> np.ndarray:
    """Steady-state transfer resistances (ohm) between `sites` from the package's linearised
    cell (:func:`dendrites.electrotonic.transfer_resistance`): ``R[i, j]`` = v at site j per unit
    current at site i; compartment indices or ``(section, x)`` (x = 0, 1: section-end nodes)."""
    sites = list(sites)
    tr = electrotonic.transfer_resistance
    out = np.empty((len(sites), len(sites)))
    for i, a in enumerate(sites):
        for j, b in enumerate(sites[i:], start=i):
            out[i, j] = out[j, i] = float(tr(cell, a, b) / ohm)  # reciprocity
    return out


def match_spikes(a: np.ndarray, b: np.ndarray, window: float) -> list[tuple[int, int]]:
    """Pairs (i, j) of spikes ``a[i]``, ``b[j]`` matched one to one, closest first, at most
    `window` apart (same units)."""
    pairs = sorted(
        (abs(x - y), i, j) for i, x in enumerate(a) for j, y in enumerate(b) if abs(x - y) <= window
    )
    used_a, used_b, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return sorted(out)


def spike_summary(spk_p, spk_n, window: float, width: int | None = None):
    """Match two simulators' spikes site by site.

    Parameters
    ----------
    spk_p, spk_n : list of arrays
        Spike times (ms) per site, of the package and of NEURON.
    window : float
        Largest distance (ms) of a matched pair.
    width : int, optional
        Columns of the returned differences (default: the most spikes at a site).

    Returns
    -------
    (differences, matched, largest)
        ``differences[site, j]``: package - NEURON for NEURON's spike j when matched, else NaN;
        ``matched[site]``: matched pairs; ``largest[site]``: the largest |difference|, infinite
        when a spike of either simulator has no partner (NaN without spikes).
    """
    n_sites = len(spk_p)
    width = width or max([1, *map(len, spk_p), *map(len, spk_n)])
    dspk = np.full((n_sites, width), np.nan)
    matched = np.zeros(n_sites, dtype=int)
    for k in range(n_sites):
        for i, j in match_spikes(spk_p[k], spk_n[k], window):
            dspk[k, j] = spk_p[k][i] - spk_n[k][j]
            matched[k] += 1
    with np.errstate(all="ignore"):
        largest = np.array([np.nanmax(np.abs(r)) if np.isfinite(r).any() else np.nan for r in dspk])
    # a spike without a partner within the window is an infinite difference, not a smaller one
    unmatched = matched < np.maximum([len(s) for s in spk_p], [len(s) for s in spk_n])
    largest[unmatched] = np.inf
    return dspk, matched, largest


def crosscheck(
    cell: Cell,
    duration,
    dt=0.025 * ms,
    record=None,
    resistances: bool = False,
    threshold=0 * mV,
    match_window=1 * ms,
    **options,
) -> xr.Dataset:
    """Run `cell` in the package and in NEURON and return their differences.

    Parameters
    ----------
    cell : Cell
        The cell with its mechanisms, synapses and electrodes (see :func:`to_neuron` for what
        NEURON can build).
    duration, dt : Quantity
        Simulated time and time step (the same in both; fixed step, backward Euler unless
        ``time_stepping`` is given).
    record : site or list of sites, optional
        Where v is compared: ``(section, x)`` tuples or compartment indices (default: compartment
        0, the soma).
    resistances : bool
        Also compare the input and transfer resistances between the recorded sites.
    threshold : Quantity
        Spike detection threshold (upward crossings, linearly interpolated).
    match_window : Quantity
        Spikes of the two simulators further apart than this are not matched.
    **options
        Passed to :func:`dendrites.simulate` (``backend``, ``rate_tables``...);
        ``time_stepping="crank-nicolson"`` runs NEURON with ``secondorder = 2``.

    Returns
    -------
    xarray.Dataset
        ``v_package``, ``v_neuron`` (time, site; mV); ``v_max_abs_diff``, ``v_rms_diff`` (site;
        mV); ``spikes_package``, ``spikes_neuron`` (site, spike; ms, NaN-padded),
        ``spike_time_diff`` (site, spike; package - NEURON for matched pairs, in NEURON's spike
        order), ``n_spikes_package``, ``n_spikes_neuron``, ``n_spikes_matched`` and
        ``max_spike_time_diff`` (site; infinite when a spike of either has no partner within
        `match_window`); with `resistances`: ``resistance_package``,
        ``resistance_neuron`` (site_in, site_out; MOhm) and ``resistance_rel_diff``.
        Units on every variable; provenance in attrs as other Datasets (parameters, code digest,
        git, versions including NEURON's, dt, duration, celsius).

    Raises
    ------
    NeuronMissingError, NotInNeuronError
        NEURON is missing, or the cell has a mechanism NEURON has not built in.
    """
    from ..simulate import simulate

    dt_ms = as_float(dt, ms, "dt", "positive")
    dur_ms = as_float(duration, ms, "duration", "positive")
    thr = as_float(threshold, mV, "threshold")
    window = as_float(match_window, ms, "match_window", "positive")
    sites = _sites(cell, record)
    stepping = options.get("time_stepping", "backward-euler")
    nc = to_neuron(cell, dt=dt)  # raises before the (slower) package run if NEURON cannot
    nc.secondorder = order = 2 if stepping == "crank-nicolson" else 0
    try:
        t_n, v_n = nc.run(dur_ms, dt_ms, sites)
        r_n = nc.resistances(sites) if resistances else None
        neuron_version = nc.h.nrnversion(5)
        celsius = nc.celsius
    finally:
        nc.close()
    ds_p = simulate(cell, duration, dt=dt, record={"v": list(sites)}, **options)
    v_p = np.column_stack([_package_trace(cell, ds_p, s) for s in sites])
    every = round(float(ds_p.attrs.get("record_dt_ms", dt_ms)) / dt_ms)  # record_dt option
    t_n, v_n = t_n[::every], v_n[::every]
    n = min(len(t_n), v_p.shape[0])
    t, v_n, v_p = t_n[:n], v_n[:n], v_p[:n]
    if not np.allclose(t, ds_p.time.values[:n], rtol=0, atol=1e-6 * dt_ms):
        raise ParameterError("dt", "the package's and NEURON's sample times differ")
    diff = v_p - v_n
    labels = [site_label(s) for s in sites]
    spk_p = [spike_times(t, v_p[:, k], thr) for k in range(len(sites))]
    spk_n = [spike_times(t, v_n[:, k], thr) for k in range(len(sites))]
    width = max([1, *map(len, spk_p), *map(len, spk_n)])

    def pad(rows):
        out = np.full((len(rows), width), np.nan)
        for k, r in enumerate(rows):
            out[k, : len(r)] = r
        return out

    dspk, matched, max_dspk = spike_summary(spk_p, spk_n, window, width)
    data = {
        "v_package": (("time", "site"), v_p, {"units": "mV", "long_name": "v, dendrites"}),
        "v_neuron": (("time", "site"), v_n, {"units": "mV", "long_name": "v, NEURON"}),
        "v_max_abs_diff": (("site",), np.abs(diff).max(axis=0), {"units": "mV"}),
        "v_rms_diff": (("site",), np.sqrt(np.mean(diff**2, axis=0)), {"units": "mV"}),
        "spikes_package": (("site", "spike"), pad(spk_p), {"units": "ms"}),
        "spikes_neuron": (("site", "spike"), pad(spk_n), {"units": "ms"}),
        "spike_time_diff": (
            ("site", "spike"),
            dspk,
            {"units": "ms", "long_name": "package - NEURON, matched pairs, NEURON's order"},
        ),
        "n_spikes_package": (("site",), np.array([len(s) for s in spk_p]), {"units": ""}),
        "n_spikes_neuron": (("site",), np.array([len(s) for s in spk_n]), {"units": ""}),
        "n_spikes_matched": (("site",), matched, {"units": ""}),
        "max_spike_time_diff": (
            ("site",),
            max_dspk,
            {
                "units": "ms",
                "long_name": "largest |difference| of matched spikes; inf if any "
                "spike is unmatched",
            },
        ),
    }
    coords = {
        "time": ("time", t, {"units": "ms"}),
        "site": ("site", labels, {"long_name": "recorded site"}),
        "section": (
            "site",
            [
                str(s[0]) if isinstance(s, tuple) else str(cell.morphology.compartments.section[s])
                for s in sites
            ],
            {"units": ""},
        ),
    }
    if resistances:
        r_p = package_resistances(cell, sites)
        dims = ("site_in", "site_out")
        data["resistance_package"] = (dims, r_p * 1e-6, {"units": "MOhm"})
        data["resistance_neuron"] = (dims, r_n * 1e-6, {"units": "MOhm"})
        data["resistance_rel_diff"] = (dims, r_p / r_n - 1, {"units": "1"})
        coords["site_in"] = ("site_in", labels)
        coords["site_out"] = ("site_out", labels)
    attrs = {
        "schema_version": SCHEMA_VERSION,
        "description": "dendrites vs NEURON on the same cell and protocol (dendrites.crosscheck)",
        "dt_ms": dt_ms,
        "duration_ms": dur_ms,
        "threshold_mV": thr,
        "match_window_ms": window,
        "celsius": "none" if celsius is None else celsius,
        "method": f"fixed step, {stepping} (NEURON secondorder {order})",
        "parameters": json.dumps(cell.describe(), sort_keys=True, default=str),
        "package_parameter_hash": ds_p.attrs.get("parameter_hash", ""),
        "versions": json.dumps({**json.loads(ds_p.attrs["versions"]), "neuron": neuron_version}),
        "code_digest": provenance.code_digest(),
        "git": json.dumps(provenance.git_state()),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _package_trace(cell: Cell, ds: xr.Dataset, site) -> np.ndarray:
    """The package's v trace (mV) at one recorded site."""
    if isinstance(site, tuple):
        resolved = cell.morphology.site(site[0], site[1])
        if resolved.node is not None:
            return ds.v_node.sel(node=resolved.label).values
        site = resolved.compartment
    return ds.v.sel(compartment=int(site)).values
