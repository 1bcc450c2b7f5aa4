"""Results as labelled `xarray.Dataset`s: schema, parameter hash, provenance, atomic save and load.

Every simulation returns a Dataset with dims ``time`` and ``compartment`` (``trial`` where several),
compartment coordinates (section, region, path distance, centre x, y, z, diameter, and the ends
``x0, y0, z0, x1, y1, z1`` of each compartment's piece of the path), a ``units`` attribute on every
variable and coordinate, and provenance in the Dataset's attrs: the cell's full
description, a parameter hash, dt, duration, backend, the versions of `dendrites` and Brian2, the
digest of the package code that computed it and its git commit
(:mod:`dendrites.provenance`).

Files are written atomically with a sha256 checksum next to them (``<file>.sha256``), and read only
as netCDF (never unpickled): a damaged, truncated or foreign file is refused with a
:class:`~dendrites.errors.ResultsError` naming it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import io
import json
import os
import re
import socket
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from . import provenance
from .errors import CacheWarning, ResultsError

__all__ = [
    "CHECKSUM_SUFFIX",
    "SCHEMA_VERSION",
    "checksum_path",
    "ensure_folder",
    "load_cached",
    "load_dataset",
    "parameter_hash",
    "remove_stale_temporaries",
    "save_dataset",
    "to_dataset",
]

#: Bumped whenever the layout of stored Datasets changes.
SCHEMA_VERSION = 1

_UNIT_SCALE = {
    "volt": (1e3, "mV"),
    "second": (1e3, "ms"),
    "amp": (1e9, "nA"),
    "siemens": (1e9, "nS"),
    "amp / (meter ** 2)": (100.0, "uA/cm2"),  # 1 A/m2 = 100 uA/cm2
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

    from ._version import __version__

    return {"dendrites": __version__, "brian2": brian2.__version__, "numpy": np.__version__}


def compartment_coords(morph, index: np.ndarray) -> dict:
    """Coordinates of the compartments `index` for a Dataset's ``compartment`` dim."""
    table = morph.compartments

    def c(values, units, long_name):
        return ("compartment", np.asarray(values)[index], {"units": units, "long_name": long_name})

    # Where each compartment's piece of the traced path starts and ends (a one-point soma: its
    # centre): with the centres, enough to draw a stored Dataset's cell (dendrites.shapeplot).
    ends = np.repeat(np.column_stack([table.x, table.y, table.z]), 2, axis=0).reshape(-1, 2, 3)
    for s in morph.sections:
        sl, r = morph.compartment_slice(s.name), morph.resampled_points(s.name)[:, :3]
        if len(r) == sl.stop - sl.start + 1:
            ends[sl, 0], ends[sl, 1] = r[:-1], r[1:]
    return {
        "compartment": ("compartment", np.asarray(index, dtype=int), {"long_name": "flat index"}),
        "section": c(table.section.astype(str), "", "section name"),
        "region": c(table.region.astype(str), "", "region"),
        "distance": c(table.distance, "um", "path distance from the soma"),
        "x": c(table.x, "um", "x"),
        "y": c(table.y, "um", "y"),
        "z": c(table.z, "um", "z"),
        "diameter": c(table.diameter, "um", "diameter"),
        **{
            f"{axis}{end}": c(ends[:, end, k], "um", f"{axis} at the compartment's {side} end")
            for end, side in ((0, "proximal"), (1, "distal"))
            for k, axis in enumerate("xyz")
        },
    }


def to_dataset(model, cell, data: dict, vals: dict | None = None) -> xr.Dataset:
    """Build the Dataset of one run from the arrays read by the backend (`vals`: the run's
    values, recomputed from `cell` when not given)."""
    from .plan import merged_spikes, values  # lazily: plans import Brian2

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
    plastic_vars, plastic_coords = data.get("plastic", ({}, {}))  # weights (backend_plasticity)
    variables.update(plastic_vars)
    coords.update(plastic_coords)
    if getattr(plan, "node_sites", None) and "v" in data["vars"]:
        # v at section-end nodes (sec(0), sec(1)), from their neighbours (exact; plan.py)
        from .plan import node_voltages

        arr, idx, _unit = data["vars"]["v"]
        sites = list(plan.node_sites.values())
        vn = node_voltages(cell, plan, arr, np.asarray(idx))
        variables["v_node"] = (("time", "node"), vn * 1e3, {"units": "mV"})
        coords["node"] = ("node", [s.label for s in sites], {"long_name": "section(x)"})
        coords["node_section"] = ("node", [s.section for s in sites], {"units": ""})
        coords["node_x"] = ("node", [s.x for s in sites], {"units": "", "long_name": "x"})
    vals = values(cell, plan) if vals is None else vals
    # Ri is passed apart from the values (see Model): hashed here so that it counts
    phash = parameter_hash(plan.key, float(cell.Ri), *[vals[k] for k in sorted(vals)])
    attrs = {
        "schema_version": SCHEMA_VERSION,
        "parameter_hash": phash,
        "structure_key": plan.key,
        "dt_ms": plan.dt * 1e3,
        "time_stepping": plan.time_stepping,
        "duration_ms": plan.duration * 1e3,
        "record_dt_ms": plan.record_dt * 1e3,
        "backend": model.backend,
        "parameters": json.dumps(cell.describe(), sort_keys=True, default=str),
        "versions": json.dumps(_versions(), sort_keys=True),
        # the package code that computed it, and its git commit ("null": not a git checkout)
        "code_digest": provenance.code_digest(),
        "git": json.dumps(provenance.git_state()),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sparse_channels": ",".join(cp.channel.name for cp in plan.channels if cp.sparse),
        # spikes of one source in one step, delivered as one event (see SynapseGroup.poisson)
        "merged_spikes": merged_spikes(cell, plan),
    }
    if model.backend == "cpp_standalone":
        attrs["compile_seconds"] = round(model.compile_seconds, 3)
    return xr.Dataset(variables, coords=coords, attrs=attrs)


#: Suffix of the checksum file written next to every saved Dataset (``sha256sum`` format).
CHECKSUM_SUFFIX = ".sha256"

#: Seconds a reader or writer waits for another process's rename of the same folder.
_LOCK_TIMEOUT = 120.0

#: Name of the lock file that pairs a data file with its checksum file (see :func:`save_dataset`).
_LOCK_NAME = ".dendrites.lock"


def checksum_path(path) -> Path:
    """The checksum file of a results file: ``<path>.sha256``."""
    path = Path(path)
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


#: Temporary files are named ``.<name>.<pid>@<host>.<random>.tmp``, so that a sweep can tell the
#: files of a killed writer from those of a live one (two sweeps may share a folder).
_TEMPORARY = re.compile(r"\.(\d+)@([A-Za-z0-9-]+)\.[^.]+\.tmp$")


def _temporary(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}@{_host()}.", suffix=".tmp", dir=path.parent
    )
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; results are meant to be read
    return Path(tmp)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to another user
        return True
    return True


def remove_stale_temporaries(folder, max_age: float = 86400.0) -> int:
    """Delete the temporary files that killed writers left in `folder`.

    A temporary file of a writer on this machine is removed when that process no longer exists;
    one of another machine (a shared folder) or of an unknown name only when older than `max_age`
    seconds. Files of live writers are never touched.

    Returns
    -------
    int
        The number of files removed.
    """
    removed = 0
    now = time.time()
    for tmp in Path(folder).glob(".*.tmp"):
        match = _TEMPORARY.search(tmp.name)
        try:
            age = now - tmp.stat().st_mtime
        except OSError:  # removed meanwhile
            continue
        if match and match.group(2) == _host() and os.name == "posix":
            stale = not _alive(int(match.group(1)))
        else:
            stale = age > max_age
        if stale:
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
    return removed


@contextlib.contextmanager
def _folder_lock(folder: Path, write: bool):
    """Hold the folder's lock, which makes a data file and its checksum file change together.

    A reader in a folder where the lock file cannot be created (a read-only folder, where no one
    can be writing) reads without it.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(folder / _LOCK_NAME), timeout=_LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        raise ResultsError(
            f"{folder}: {_LOCK_NAME} has been held by another process for {_LOCK_TIMEOUT:g} s"
        ) from None
    except OSError:
        if write:
            raise
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _fsync(path: Path, directory: bool = False) -> None:
    if directory and os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_DISK_FULL = "free some disk space, or write to another folder"
_READ_ONLY = "the folder is not writable: make it writable, or write to another folder"
_FILE_IN_THE_WAY = "part of that path is a file, not a folder: move it, or write to another folder"
_FIXES = {
    getattr(errno, name): fix
    for name, fix in [
        ("ENOSPC", _DISK_FULL),
        ("EDQUOT", _DISK_FULL),
        ("EFBIG", "the file is larger than this file system or process allows; write elsewhere"),
        ("EROFS", _READ_ONLY),
        ("EACCES", _READ_ONLY),
        ("EPERM", _READ_ONLY),
        ("ENOTDIR", _FILE_IN_THE_WAY),
        ("EEXIST", _FILE_IN_THE_WAY),
    ]
    if hasattr(errno, name)
}


def _errno(exc: BaseException) -> int | None:
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return code
    found = re.search(r"errno = (\d+)", str(exc))  # HDF5 errors raised as RuntimeError
    return int(found.group(1)) if found else None


def _write_error(path: Path, exc: BaseException, tail: str = "") -> ResultsError:
    """A short :class:`ResultsError` for a failed write: the path, the reason and the fix."""
    code = _errno(exc)
    if code is not None:
        reason = f"{os.strerror(code)} ({errno.errorcode.get(code, code)})"
    else:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    fix = _FIXES.get(code, "check that the folder exists and is writable, or write elsewhere")
    err = ResultsError(f"cannot write {path}: {reason}; {fix}{tail}")
    err.path = str(path)
    err.errno = code
    return err


def ensure_folder(folder) -> Path:
    """Create `folder` (and its parents) for results.

    Raises
    ------
    ResultsError
        The folder cannot be created (a file in the way, a read-only parent); the message names the
        folder and the fix.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(folder, exc) from None
    return folder


def save_dataset(ds: xr.Dataset, path) -> Path:
    """Write `ds` to netCDF atomically, with its sha256 in ``<path>.sha256``.

    The Dataset and its checksum are written to temporary files in the same folder and flushed to
    disk; then, holding the folder's lock, the data file and the checksum file are renamed into
    place. A run interrupted while writing (killed, disk full) leaves the previous file (or none),
    never a truncated one, and :func:`load_dataset` can tell a damaged file from a good one.

    Returns
    -------
    Path
        `path`.

    Raises
    ------
    ResultsError
        The file cannot be written (disk full, read-only folder, a file where a folder should be);
        the message names the path and the fix, and nothing is left at `path`.
    """
    path = Path(path)
    ensure_folder(path.parent)
    sidecar = checksum_path(path)
    temporaries: list[Path] = []
    try:
        temporaries.append(_temporary(path))
        ds.to_netcdf(temporaries[0], engine="h5netcdf")
        _fsync(temporaries[0])  # a disk full at flush time fails here, before any rename
        digest = _sha256(temporaries[0])
        temporaries.append(_temporary(sidecar))
        with open(temporaries[1], "w", encoding="ascii") as f:
            f.write(f"{digest}  {path.name}\n")
            f.flush()
            os.fsync(f.fileno())
        with _folder_lock(path.parent, write=True):
            sidecar.unlink(missing_ok=True)  # a data file without a checksum counts as missing
            os.replace(temporaries[0], path)
            os.replace(temporaries[1], sidecar)
        with contextlib.suppress(OSError):
            _fsync(path.parent, directory=True)
    except (OSError, RuntimeError) as exc:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, RuntimeError) and _errno(exc) is None:
            raise  # not an I/O failure
        raise _write_error(path, exc, f" (nothing was written to {path.name})") from None
    except BaseException:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)
        raise
    return path


def _read_verified(path: Path, require_checksum: bool) -> bytes:
    """The bytes of `path`, checked against its checksum file."""
    sidecar = checksum_path(path)
    locked = require_checksum or sidecar.exists()
    try:
        with _folder_lock(path.parent, write=False) if locked else contextlib.nullcontext():
            data = path.read_bytes()
            try:
                stored = sidecar.read_bytes()
            except FileNotFoundError:
                stored = None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if stored is None:
        if require_checksum:
            raise ResultsError(
                f"{path}: no checksum file {sidecar.name} (written by an older dendrites, or its "
                "writer was interrupted), so it cannot be verified"
            )
        return data
    expected = stored.split(b" ", 1)[0].strip().decode("ascii", "replace").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise ResultsError(f"{sidecar}: not a sha256 checksum file")
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ResultsError(
            f"{path}: checksum mismatch, the file is corrupt or was changed after it was written "
            f"(sha256 {actual[:12]}…, {sidecar.name} says {expected[:12]}…)"
        )
    return data


def load_dataset(path, expected_hash: str | None = None, require_checksum: bool = False):
    """Read a stored Dataset and check its checksum, schema version and parameter hash.

    Parameters
    ----------
    path : path
        A netCDF file written by :func:`save_dataset`.
    expected_hash : str, optional
        The parameter hash the file must have been computed with.
    require_checksum : bool
        Refuse a file without a checksum file (caches); otherwise a checksum file is checked when
        present. Only netCDF is read (no pickle, whatever the file contains).

    Raises
    ------
    ResultsError
        The file cannot be read, fails its checksum, is not a `dendrites` results file, has another
        schema version, or was computed with other parameters.
    """
    path = Path(path)
    data = _read_verified(path, require_checksum)
    try:
        with xr.open_dataset(io.BytesIO(data), engine="h5netcdf") as ds:
            ds = ds.load()
    except Exception as exc:  # anything the netCDF/HDF5 parser says about a damaged file
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise ResultsError(
            f"{path}: not a readable netCDF results file ({type(exc).__name__}: {reason})"
        ) from None
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


def load_cached(path, recompute: str = "recomputing") -> xr.Dataset | None:
    """A cached result, or None when it must be (re)computed.

    A missing file is None. A file that fails its checksum (truncated, damaged), has no checksum
    file, cannot be read or has another schema is None too, with a
    :class:`~dendrites.errors.CacheWarning` naming it and ending in `recompute`.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        return load_dataset(path, require_checksum=True)
    except ResultsError as exc:
        # stacklevel: past this function and the sweep's or study's loader, to its caller
        warnings.warn(f"{exc}; {recompute}", CacheWarning, stacklevel=4)
        return None


def _plain(value):
    """A numpy scalar read from an attribute, as a plain Python value for messages."""
    return value.item() if hasattr(value, "item") else value
