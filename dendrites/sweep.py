"""Parameter sweeps: compile once per model structure, run every point with run-time values.

A :class:`Sweep` names a grid of parameters and a function that builds the cell for one point
(``make_cell(**point) -> Cell``); every point must have the same structure (the same synapse
sites, electrodes and channel placement), so each process compiles the C++ project once and runs
every point it gets through ``run_args``. Each finished point is written at once, atomically, to
``<cache>/sweeps/<name>/<hash>.nc`` with its sha256 in ``<hash>.nc.sha256``: an interrupted sweep
(Ctrl-C, a killed process, a lost worker, a full disk) resumes where it stopped, and a point file
that is truncated or damaged, or has no checksum, is recomputed (with a
:class:`~dendrites.errors.CacheWarning`). Several processes may run the same sweep on one cache
folder at once. Points run serially, on the
local cores (processes), or on an existing Dask distributed cluster (``scheduler=ADDRESS``); all
three give identical results.

Functions are given as ``"path/to/file.py:function"`` (or an importable function), so worker
processes can load them: study scripts are files, not modules.

Examples
--------
>>> sweep = Sweep("epsp", {"weight_nS": [0.5, 1.0], "site": [0.2, 0.8]},
...               make_cell="studies/x.py:make_cell", duration=50 * ms,
...               record={"v": [0]})                                      # doctest: +SKIP
>>> ds = run_sweep(sweep, workers=2)     # dims weight_nS, site, time, compartment  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import xarray as xr

from .errors import ParameterError, ResultsError, did_you_mean
from .paths import cache_dir
from .results import ensure_folder, remove_stale_temporaries
from .session import current

__all__ = ["Sweep", "configure", "run_sweep", "sweep_points"]

# Defaults of :func:`run_sweep` (set by :func:`configure`, e.g. from the command line's
# ``--workers`` and ``--scheduler``, or from ``$DENDRITES_WORKERS``/``$DENDRITES_SCHEDULER``) live
# in the session (:mod:`dendrites.session`), as do the kept worker pool, the model a process keeps
# for its next point and the functions resolved by name.


def configure(workers: int | None = None, scheduler: str | None = None) -> None:
    """Set where sweeps run when :func:`run_sweep` is not told: local processes or a Dask
    scheduler address."""
    if workers is not None and workers < 1:
        raise ParameterError("workers", f"must be >= 1, got {workers}")
    session = current()
    session.sweep_workers = workers
    session.sweep_scheduler = scheduler


@dataclass(frozen=True)
class Sweep:
    """A grid of parameters over one model structure.

    Parameters
    ----------
    name : str
        Name of the sweep (its cache folder).
    grid : mapping of str -> sequence
        Parameter name -> values (numbers or strings); the sweep runs their Cartesian product and
        the result has one dim per parameter, in this order.
    make_cell : str or callable
        ``"file.py:function"`` or an importable function; called as ``make_cell(**point)``.
    duration, dt, record, record_dt :
        As for :func:`dendrites.simulate`.
    reduce : str or callable, optional
        ``reduce(ds, **point) -> xr.Dataset`` applied to each run's Dataset before it is stored
        (e.g. peaks instead of traces); same forms as `make_cell`.
    options : dict
        Further :class:`dendrites.Model` options (backend, sparse_threshold...).
    constants : dict
        JSON-serialisable keyword arguments passed to `make_cell` and `reduce` at every point
        (part of every point's hash, not a dim of the result).
    """

    name: str
    grid: Mapping[str, Sequence]
    make_cell: str | Callable
    duration: object
    dt: object = None
    record: dict | None = None
    record_dt: object = None
    reduce: str | Callable | None = None
    options: dict = field(default_factory=dict)
    constants: dict = field(default_factory=dict)


def sweep_points(sweep: Sweep) -> list[dict]:
    """The grid's points, in order (the last parameter varies fastest)."""
    if not sweep.grid:
        raise ParameterError("grid", "a sweep needs at least one parameter")
    for name, values in sweep.grid.items():
        if len(values) == 0:
            raise ParameterError(f"grid[{name!r}]", "has no values")
    names = list(sweep.grid)
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(list(v) for v in sweep.grid.values()))
    ]


# ------------------------------------------------------------------------------ functions by name
def _reference(func) -> str | None:
    """A string that a worker process can resolve back into `func`."""
    if func is None or isinstance(func, str):
        return func
    module = sys.modules.get(func.__module__)
    path = getattr(module, "__file__", None)
    if (
        module is not None
        and importlib.util.find_spec(func.__module__) is not None
        and (func.__module__ != "__main__")
    ):
        return f"{func.__module__}::{func.__qualname__}"
    if path:
        return f"{path}:{func.__qualname__}"
    raise ParameterError(
        "make_cell",
        f"cannot refer to {func!r} from another process; give 'path/to/file.py:function'",
    )


def _resolve(ref: str | None):
    if ref is None:
        return None
    loaded = current().loaded
    if ref in loaded:
        return loaded[ref]
    if "::" in ref:
        mod, _, qual = ref.partition("::")
        obj = importlib.import_module(mod)
    else:
        path, _, qual = ref.rpartition(":")
        if not path or not Path(path).is_file():
            raise ParameterError("make_cell", f"{ref!r}: expected 'path/to/file.py:function'")
        digest = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:10]
        spec = importlib.util.spec_from_file_location(f"_dendrites_sweep_{digest}", path)
        obj = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = obj
        spec.loader.exec_module(obj)
    for part in qual.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise ParameterError(
                "make_cell", f"{ref!r}: no {part!r} there{did_you_mean(part, names)}"
            ) from None
    loaded[ref] = obj
    return obj


def _source_digest(ref: str | None) -> str:
    """Digest of the computing code of the file defining a referenced function: editing its code
    invalidates cached points, editing its prose (docstrings, comments; in a study script also its
    ``TITLE``, ``CAPTION``, ``claims``, ``plot``...) does not
    (:func:`~dendrites.provenance.source_digest`)."""
    from .provenance import source_digest

    if ref is None:
        return ""
    func = _resolve(ref)
    module = sys.modules.get(getattr(func, "__module__", ""), None)
    path = getattr(module, "__file__", None) or (ref.rpartition(":")[0] if ":" in ref else None)
    if path and Path(path).is_file():
        return source_digest(path)
    return ""


# ------------------------------------------------------------------------------ one point
def _spec(sweep: Sweep) -> dict:
    """A picklable, JSON-serialisable description of the sweep (no function objects)."""
    return {
        "name": sweep.name,
        "make_cell": _reference(sweep.make_cell),
        "reduce": _reference(sweep.reduce),
        "duration": _seconds(sweep.duration, "duration"),
        "dt": None if sweep.dt is None else _seconds(sweep.dt, "dt"),
        "record": sweep.record,
        "record_dt": None if sweep.record_dt is None else _seconds(sweep.record_dt, "record_dt"),
        "options": sweep.options,
        "constants": sweep.constants,
    }


def _seconds(value, name: str) -> float:
    """A time as a float in seconds: exact, JSON-serialisable, and the same float Brian2 uses
    (a text round trip through repr would change the last bit and so the structure key)."""
    from brian2.units import second

    from .quantities import as_float

    return as_float(value, second, name, "positive")


def _quantity(seconds: float | None):
    if seconds is None:
        return None
    from brian2.units import second

    return seconds * second


def _point_hash(spec: dict, point: dict, digests: tuple[str, str]) -> str:
    """The key of one point: the sweep, the point, the digests of its `make_cell` and `reduce`
    files and of the package's computing code (:func:`~dendrites.provenance.code_digest`)."""
    from .provenance import code_digest
    from .results import parameter_hash

    return parameter_hash(spec, point, digests, code_digest())


def _run_point(spec: dict, point: dict, path: str, point_hash: str) -> tuple[str, xr.Dataset]:
    """Run one point in this process (compiling its structure once per process), store it, and
    return its hash and the Dataset as stored (so the caller need not read the file back)."""
    import brian2 as b2

    from .backend import Model
    from .errors import StructureError
    from .results import save_dataset

    cell = _resolve(spec["make_cell"])(**spec["constants"], **point)
    dt = _quantity(spec["dt"]) or 0.025 * b2.ms
    args = (_quantity(spec["duration"]), dt, spec["record"], _quantity(spec["record_dt"]))
    spec_key = json.dumps(
        [spec["record"], spec["duration"], spec["dt"], spec["record_dt"], spec["options"]],
        sort_keys=True,
        default=str,
    )
    kept = current().sweep_models  # the model of this process's previous point
    model = kept.get(spec_key)
    ds = None
    if model is not None:
        try:
            ds = model.run(cell)  # the kept build, if the cell has its structure
        except StructureError:
            ds = None
    if ds is None:
        kept.clear()
        model = Model(
            cell, args[0], dt=args[1], record=args[2], record_dt=args[3], **spec["options"]
        )
        kept[spec_key] = model
        ds = model.run(cell)
    reduce = _resolve(spec["reduce"])
    if reduce is not None:
        attrs = dict(ds.attrs)
        ds = reduce(ds, **spec["constants"], **point)
        ds.attrs.update({k: v for k, v in attrs.items() if k not in ds.attrs})
    ds.attrs["point_hash"] = point_hash
    ds.attrs["point"] = json.dumps(point, sort_keys=True)
    save_dataset(ds, path)
    return point_hash, ds


def _load_point(path: Path, point_hash: str) -> xr.Dataset | None:
    """The stored Dataset of a point, or None when it must be (re)computed (see
    :func:`~dendrites.results.load_cached`)."""
    from .results import load_cached

    ds = load_cached(path, "recomputing this point")
    return ds if ds is not None and ds.attrs.get("point_hash") == point_hash else None


def _kept(paths: list[Path]) -> int:
    """How many points have a stored file and its checksum file."""
    from .results import checksum_path

    return sum(1 for p in paths if p.exists() and checksum_path(p).exists())


# ------------------------------------------------------------------------------ the sweep
def run_sweep(
    sweep: Sweep,
    workers: int | None = None,
    scheduler: str | object | None = None,
    cache: str | os.PathLike | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> xr.Dataset:
    """Run every point of `sweep` not already computed, then gather all into one Dataset.

    Parameters
    ----------
    sweep : Sweep
    workers : int, optional
        Local processes (default: the number of cores; 1 runs in this process).
    scheduler : str or dask.distributed.Client, optional
        Address of a Dask distributed scheduler (or a Client): points run on its workers, each
        worker compiling once per structure.
    cache : path, optional
        Folder of the per-point files (default ``<cache>/sweeps/<name>``).
    progress : callable, optional
        ``progress(n_done, n_total, label)``.

    Returns
    -------
    xarray.Dataset
        The per-point Datasets combined along one dim per grid parameter. ``attrs["computed"]``
        counts the points computed by this call (the rest came from the cache).
    """
    if workers is None:
        workers = current().sweep_workers or _env_int("DENDRITES_WORKERS")
    if scheduler is None:
        scheduler = current().sweep_scheduler or os.environ.get("DENDRITES_SCHEDULER") or None
    spec = _spec(sweep)
    digests = (_source_digest(spec["make_cell"]), _source_digest(spec["reduce"]))
    folder = ensure_folder(
        Path(cache) if cache is not None else cache_dir() / "sweeps" / sweep.name
    )
    remove_stale_temporaries(folder)  # left by killed writers (never by a live one); not results
    points = sweep_points(sweep)
    hashes = [_point_hash(spec, p, digests) for p in points]
    paths = [folder / f"{h}.nc" for h in hashes]
    todo = [k for k in range(len(points)) if _load_point(paths[k], hashes[k]) is None]
    report = progress or (lambda *a: None)
    done = len(points) - len(todo)
    report(done, len(points), "cached")
    workers = workers or os.cpu_count() or 1
    fresh: dict[int, xr.Dataset] = {}  # the points computed now, as stored

    def serial(ks):
        nonlocal done
        for k in ks:
            fresh[k] = _run_point(spec, points[k], str(paths[k]), hashes[k])[1]
            done += 1
            report(done, len(points), _label(points[k]))

    try:
        if todo and scheduler is not None:
            _run_dask(scheduler, spec, points, paths, hashes, todo, report, fresh)
        elif todo and workers <= 1:
            serial(todo)
        elif todo:
            _run_pooled(workers, spec, points, paths, hashes, todo, report, fresh, serial)
    except ResultsError as exc:  # a point could not be written: disk full, read-only folder...
        err = ResultsError(
            f"{exc}. Sweep {sweep.name!r}: {_kept(paths)} of {len(points)} points are stored in "
            f"{folder} and kept; once this is fixed, a rerun computes only the others"
        )
        err.path, err.errno = getattr(exc, "path", None), getattr(exc, "errno", None)
        raise err from None
    remove_stale_temporaries(folder)
    parts = []
    for k, point in enumerate(points):
        ds = fresh[k] if k in fresh else _load_point(paths[k], hashes[k])
        if ds is None:
            raise ResultsError(f"point {point} of sweep {sweep.name!r} is missing from {folder}")
        parts.append(ds)
    out = _combine(sweep, points, parts)
    out.attrs["computed"] = len(todo)
    out.attrs["sweep"] = json.dumps(spec, sort_keys=True, default=str)
    return out


#: Rough cost of starting a worker process that reuses a compiled build (Brian2 import, code
#: generation, a no-op make), measured on a 2-core machine.
_WORKER_START_SECONDS = 5.0

#: Sweeps with at least this many points to compute start the worker processes at once, so that
#: their imports overlap this process's build and first runs.
_PREWARM_POINTS = 8


def _by_structure(spec: dict, points: list[dict], todo: list[int]) -> dict[str, list[int]]:
    """Pending points grouped by model structure key (the compiled project they need), in order."""
    import brian2 as b2

    from .backend import Model

    groups: dict[str, list[int]] = {}
    dt = _quantity(spec["dt"]) or 0.025 * b2.ms
    for k in todo:
        cell = _resolve(spec["make_cell"])(**spec["constants"], **points[k])
        key = Model(
            cell,
            _quantity(spec["duration"]),
            dt=dt,
            record=spec["record"],
            record_dt=_quantity(spec["record_dt"]),
            **spec["options"],
        ).key
        groups.setdefault(key, []).append(k)
    return groups


def _run_pooled(workers, spec, points, paths, hashes, todo, report, fresh, serial):
    """Run `todo` on the local worker pool, or here when too short to repay the workers.

    Every structure is compiled once here, and one run of it timed, before workers get its points:
    they then copy the finished build (no compiler runs twice), and a sweep too short to repay a
    worker's start-up (~5 s: Brian2 import and code generation) stays here. A structure compiled
    and timed before (its build slot records the time of a rerun) with enough points goes to the
    workers directly.
    """
    from .buildcache import recorded_build

    if len(todo) >= _PREWARM_POINTS:
        _prewarm(workers)  # workers import Brian2 while this process makes cells and builds
    futures: dict = {}
    try:
        pooled, rest, seconds_per_point = [], [], 0.0
        for key, group in _by_structure(spec, points, todo).items():
            seconds = recorded_build(key)
            if seconds is not None and len(group) * seconds > _WORKER_START_SECONDS * 2:
                pooled += group  # compiled and timed before, and long enough: workers only
                continue
            if seconds is None:
                serial(group[:1])
                t0 = time.perf_counter()
                serial(group[1:2])
                seconds = time.perf_counter() - t0
                group = group[2:]
            seconds_per_point = max(seconds_per_point, seconds)
            rest += group
        if pooled or (rest and len(rest) * seconds_per_point > _WORKER_START_SECONDS * 2):
            pooled, rest = pooled + rest, []
        # submitted structure by structure: a worker that switches structure generates code again
        for k in pooled:
            futures[_submit(workers, spec, points, paths, hashes, k)] = k
        serial(rest)
        done = len(points) - len(futures)
        for fut in as_completed(futures):
            k = futures[fut]
            fresh[k] = fut.result()[1]
            done += 1
            report(done, len(points), _label(points[k]))
    except BaseException:  # a failed point, Ctrl-C, a killed worker: do not reuse this pool
        if futures:
            close_pool()
        raise


def _env_int(name: str) -> int | None:
    text = os.environ.get(name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ParameterError(name, f"must be a whole number, got {text!r}") from None


def _label(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def _pool(workers: int) -> ProcessPoolExecutor:
    """Spawned worker processes, kept for the next sweep of this process.

    A worker's start-up (importing Brian2, generating code for its first structure) costs ~5 s;
    a study runs several sweeps and ``dendrites figures`` several studies, so the pool is kept
    and each worker keeps its last compiled model. A new pool is made when the number of workers
    or the cache folder (read by the workers at start-up) changes.
    """
    session = current()
    key = (workers, str(cache_dir()))
    if session.pool is None or session.pool_key != key:
        session.close_pool()
        ctx = get_context("spawn")  # a fresh Brian2 in every worker
        session.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        session.pool_key = key
    return session.pool


def _warm() -> int:
    """Import what a point needs (run in a new worker, before its first point): Brian2, and the
    modules that a first build and a first Dataset would import on the way (xarray imports
    dask.array when it first makes a Dataset, ~0.4 s here)."""
    import contextlib

    import brian2  # noqa: F401
    import numpy as np

    from . import backend, results  # noqa: F401

    xr.Dataset({"x": ("t", np.zeros(1))})
    for name in ("scipy.sparse", "scipy.linalg", "scipy.special", "sympy.physics.units"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return os.getpid()


def _prewarm(workers: int) -> None:
    """Start the kept pool's processes now (once per pool), importing Brian2 in each."""
    pool = _pool(workers)
    session = current()
    if not session.pool_warmed:
        session.pool_warmed = True
        for _ in range(workers):
            pool.submit(_warm)


def close_pool() -> None:
    """Stop the kept worker processes (done at exit, by :mod:`dendrites.session`; after a failure
    the pool is not reused)."""
    current().close_pool()


def _submit(workers, spec, points, paths, hashes, k):
    return _pool(workers).submit(_run_point, spec, points[k], str(paths[k]), hashes[k])


def _run_dask(scheduler, spec, points, paths, hashes, todo, report, fresh):
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = [
            client.submit(
                _run_point,
                spec,
                points[k],
                str(paths[k]),
                hashes[k],
                key=f"dendrites-{hashes[k]}",
                pure=False,
            )
            for k in todo
        ]
        where = dict(zip((f.key for f in futures), todo, strict=True))
        done = len(points) - len(todo)
        for fut in dask_completed(futures):
            k = where[fut.key]
            fresh[k] = fut.result()[1]
            done += 1
            report(done, len(points), _label(points[k]))
    finally:
        if client is not scheduler:
            client.close()


def _combine(sweep: Sweep, points: list[dict], parts: list[xr.Dataset]) -> xr.Dataset:
    names = list(sweep.grid)
    shaped = []
    for point, ds in zip(points, parts, strict=True):
        keep = {
            k: v
            for k, v in ds.attrs.items()
            if k in ("dt_ms", "duration_ms", "backend", "structure_key", "versions")
        }
        ds = ds.copy()
        ds.attrs = keep  # variables keep their own attrs (units)
        shaped.append(ds.expand_dims({n: [point[n]] for n in names}))
    # points of different structures (a cell and its point neuron) may record different
    # compartments: outer join, NaN where a point has no such compartment
    out = xr.combine_by_coords(
        shaped, combine_attrs="drop_conflicts", join="outer", compat="no_conflicts"
    )
    for n in names:
        values = list(sweep.grid[n])
        out = out.reindex({n: values})
    return out
