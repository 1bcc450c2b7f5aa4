"""Everything `dendrites` keeps between calls in one process, in one explicit object.

The package keeps a little state so that repeated calls are cheap: the model whose compiled
project Brian2's standalone device holds, the build folders this process has locked, the last
model of :func:`~dendrites.simulate.simulate`, the model a sweep worker reuses for its next point,
the functions a sweep resolved by name, where sweeps run, and the pool of worker processes kept
between sweeps. All of it lives in one :class:`Session`, reached through :func:`current`, and
nowhere else: no other module of the package holds mutable module-level state.

:func:`reset` closes the current session (stops its worker processes, releases its build-folder
locks) and starts an empty one, e.g. between tests or after changing ``$DENDRITES_CACHE``.
Worker processes (spawned) start with their own empty session.

Examples
--------
>>> from dendrites import session
>>> session.current().sweep_workers is None
True
>>> session.reset()  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import contextlib
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Session", "current", "reset"]


@dataclass
class Session:
    """The state one process keeps between calls.

    Attributes
    ----------
    active_model : Model or None
        The model whose compiled project Brian2's standalone device holds (a rerun of it needs no
        code generation); set and read by :mod:`dendrites.backend`.
    slots : dict of str -> (Path, FileLock)
        The build folder this process uses for each structure key, with the file lock that keeps
        other processes out of it while this one lives (:func:`dendrites.buildcache.build_slot`).
    simulated : dict of str -> Model
        The model of the last :func:`~dendrites.simulate.simulate` call, by structure key (a
        call with the same structure reruns it instead of rebuilding).
    sweep_models : dict of str -> Model
        The model a process keeps for the next sweep point of the same settings
        (:mod:`dendrites.sweep`).
    loaded : dict of str -> object
        Functions that sweeps resolved from ``"file.py:function"`` references.
    sweep_workers, sweep_scheduler :
        Where sweeps run when :func:`~dendrites.sweep.run_sweep` is not told
        (:func:`~dendrites.sweep.configure`, e.g. from the command line).
    pool : concurrent.futures.Executor or None
        Worker processes kept between sweeps; `pool_key` says for which settings (number of
        workers, cache folder) it was made, `pool_warmed` whether its workers were started.
    provenance : dict
        What :mod:`dendrites.provenance` computed once for this process: the package's code
        digest and git state, and the digests of normalised source files it read or computed.
    """

    active_model: object | None = None
    slots: dict[str, tuple[Path, object]] = field(default_factory=dict)
    simulated: dict[str, object] = field(default_factory=dict)
    sweep_models: dict[str, object] = field(default_factory=dict)
    loaded: dict[str, object] = field(default_factory=dict)
    sweep_workers: int | None = None
    sweep_scheduler: str | None = None
    pool: Executor | None = None
    pool_key: tuple | None = None
    pool_warmed: bool = False
    provenance: dict[tuple, object] = field(default_factory=dict)

    def close_pool(self) -> None:
        """Stop the kept worker processes (without waiting for running points)."""
        pool = self.pool
        self.pool, self.pool_key, self.pool_warmed = None, None, False
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker pool, release the build-folder locks and forget every kept model."""
        self.close_pool()
        for _slot, lock in self.slots.values():
            with contextlib.suppress(Exception):
                lock.release()
        self.slots.clear()
        self.active_model = None
        self.simulated.clear()
        self.sweep_models.clear()
        self.loaded.clear()


_CURRENT = Session()


def current() -> Session:
    """The session of this process."""
    return _CURRENT


def reset() -> Session:
    """Close the current session and start an empty one; return the new session."""
    global _CURRENT
    _CURRENT.close()
    _CURRENT = Session()
    return _CURRENT


atexit.register(lambda: _CURRENT.close_pool())
