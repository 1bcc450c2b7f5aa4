"""Results as labelled `xarray.Dataset`s: schema, parameter hash, provenance, atomic save and load.

Every simulation returns a Dataset with dims ``time`` and ``compartment`` (``trial`` where several),
compartment coordinates (section, region, path distance, x, y, z, diameter), a ``units`` attribute
on every variable and coordinate, and provenance in the Dataset's attrs: the cell's full
description, a parameter hash, dt, duration, backend, and the versions of `dendrites` and Brian2.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .errors import ResultsError

__all__ = ["SCHEMA_VERSION", "load_dataset", "parameter_hash", "save_dataset", "to_dataset"]

#: Bumped whenever the layout of stored Datasets changes.
SCHEMA_VERSION = 1

_UNIT_SCALE = {
    "volt": (1e3, "mV"),
    "amp": (1e9, "nA"),
    "siemens": (1e9, "nS"),
    "amp / (meter ** 2)": (0.1, "uA/cm2"),
    "siemens / (meter ** 2)": (0.1, "mS/cm2"),
}


def parameter_hash(*parts) -> str:
    """Stable short hash of JSON-serialisable objects and numpy arrays."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str(part.dtype).encode() + str(part.shape).encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _versions() -> dict:
    import brian2

    from . import __version__

    return {"dendrites": __version__, "brian2": brian2.__version__, "numpy": np.__version__}


def compartment_coords(morph, index: np.ndarray) -> dict:
    """Coordinates of the compartments `index` for a Dataset's ``compartment`` dim."""
    table = morph.compartments

    def c(values, units, long_name):
        return ("compartment", np.asarray(values)[index], {"units": units, "long_name": long_name})

    return {
        "compartment": ("compartment", np.asarray(index, dtype=int), {"long_name": "flat index"}),
        "section": c(table.section.astype(str), "", "section name"),
        "region": c(table.region.astype(str), "", "region"),
        "distance": c(table.distance, "um", "path distance from the soma"),
        "x": c(table.x, "um", "x"),
        "y": c(table.y, "um", "y"),
        "z": c(table.z, "um", "z"),
        "diameter": c(table.diameter, "um", "diameter"),
    }


def to_dataset(model, cell, data: dict) -> xr.Dataset:
    """Build the Dataset of one run from the arrays read by the backend."""
    from .backend import _values

    plan = model.plan
    union = np.unique(np.concatenate([u for (_a, u, _s) in data["vars"].values()]))
    time = np.asarray(data["time"]) * 1e3
    variables = {}
    for var, (arr, idx, unit) in data["vars"].items():
        full = np.full((len(time), len(union)), np.nan)
        full[:, np.searchsorted(union, idx)] = arr
        scale, shown = _UNIT_SCALE.get(unit, (1.0, unit))
        variables[var] = (("time", "compartment"), full * scale, {"units": shown})
    coords = {"time": ("time", time, {"units": "ms", "long_name": "time"})}
    coords.update(compartment_coords(plan.morph, union))
    vals = _values(cell, plan)
    phash = parameter_hash(plan.key, *[vals[k] for k in sorted(vals)])
    attrs = {
        "schema_version": SCHEMA_VERSION,
        "parameter_hash": phash,
        "structure_key": plan.key,
        "dt_ms": plan.dt * 1e3,
        "duration_ms": plan.duration * 1e3,
        "record_dt_ms": plan.record_dt * 1e3,
        "backend": model.backend,
        "parameters": json.dumps(cell.describe(), sort_keys=True, default=str),
        "versions": json.dumps(_versions(), sort_keys=True),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sparse_channels": ",".join(cp.channel.name for cp in plan.channels if cp.sparse),
    }
    if model.backend == "cpp_standalone":
        attrs["compile_seconds"] = round(model.compile_seconds, 3)
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def save_dataset(ds: xr.Dataset, path) -> Path:
    """Write `ds` to netCDF atomically (temporary file in the same folder, then rename).

    A run interrupted while writing leaves the previous file (or none), never a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_dataset(path, expected_hash: str | None = None) -> xr.Dataset:
    """Read a stored Dataset and check its schema version (and parameter hash if given).

    Raises
    ------
    ResultsError
        The file is not a `dendrites` results file, has another schema version, or was computed
        with other parameters.
    """
    path = Path(path)
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            ds = ds.load()
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: not a readable netCDF results file ({exc})") from None
    version = ds.attrs.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: schema version {_plain(version)}, this dendrites reads {SCHEMA_VERSION}; "
            "recompute"
        )
    if expected_hash is not None and ds.attrs.get("parameter_hash") != expected_hash:
        raise ResultsError(
            f"{path}: computed with parameters {ds.attrs.get('parameter_hash')!r}, "
            f"expected {expected_hash!r}"
        )
    return ds


def _plain(value):
    """A numpy scalar read from an attribute, as a plain Python value for messages."""
    return value.item() if hasattr(value, "item") else value
