"""Build folders of compiled C++ standalone projects: slots, file locks, logs and failures.

Builds live in ``<build dir>/<key>/slot<k>`` (:func:`dendrites.paths.build_dir`:
``$DENDRITES_BUILD_CACHE`` or ``<cache>/build``), one folder per structure key
(:attr:`dendrites.plan.Plan.key`) and per process using it at the same time. A process holds an
exclusive file lock on its slot for as long as it lives, so two processes never generate code
into, compile in or run from the same folder; a later process reuses a free slot, and a new slot
starts as a copy of a finished one, so that nothing is compiled twice.

A slot holding a finished build has the marker file ``dendrites-build-ok``; the time of one
rerun of the compiled binary is kept in ``seconds-per-run`` (sweeps use it to decide whether
worker processes repay their start-up). Compiler and binary output go to ``build.log`` and
``run.log`` in the slot (:func:`captured_output`); :func:`build_failure` turns a failed build
into a one-line message with the fix.

Nothing here imports Brian2.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from pathlib import Path

from .errors import BuildError
from .paths import build_dir
from .session import current

__all__ = [
    "BUILT",
    "RUN_SECONDS",
    "build_failure",
    "build_slot",
    "captured_output",
    "recorded_build",
]

#: Marker file of a slot that holds a finished build.
BUILT = "dendrites-build-ok"
#: File of a slot holding the seconds one rerun of its binary took.
RUN_SECONDS = "seconds-per-run"
#: Slots per structure key (processes that may use one structure at once).
MAX_SLOTS = 256


def recorded_build(key: str) -> float | None:
    """Seconds one rerun of the compiled build of structure `key` took (the fastest slot), or
    None when no slot holds a compiled, timed build."""
    best = None
    for marker in (build_dir() / key).glob("slot*/" + BUILT):
        with contextlib.suppress(OSError, ValueError):
            seconds = float((marker.parent / RUN_SECONDS).read_text())
            best = seconds if best is None else min(best, seconds)
    return best


def _seed_slot(slot: Path, base: Path) -> None:
    """Copy a completed build of the same structure into an empty slot (timestamps kept), so a
    second process compiles nothing: Brian2 rewrites only changed files and make sees the objects
    up to date."""
    if (slot / BUILT).exists():
        return
    for other in sorted(base.glob("slot*/" + BUILT)):
        try:
            shutil.copytree(
                other.parent,
                slot,
                dirs_exist_ok=True,
                copy_function=shutil.copy2,
                ignore=shutil.ignore_patterns("results", "*.log"),
            )
        except OSError:
            continue
        return


def build_slot(key: str) -> Path:
    """The C++ build folder this process uses for a model structure.

    Builds live in ``<build dir>/<key>/slot<k>``. A process holds an exclusive file lock on its
    slot for as long as it runs (the lock is kept in :func:`dendrites.session.current`), so two
    processes (two sweeps, two workers, two users of one cache) never generate code into, compile
    in or run from the same folder, while a later process reuses a free slot's compiled files (an
    unchanged project recompiles nothing).

    Raises
    ------
    BuildError
        Every slot of the structure is locked by another process.
    """
    from filelock import FileLock, Timeout

    slots = current().slots
    if key in slots:
        return slots[key][0]
    base = build_dir() / key
    base.mkdir(parents=True, exist_ok=True)
    for k in range(MAX_SLOTS):
        lock = FileLock(str(base / f"slot{k}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue
        slot = base / f"slot{k}"
        _seed_slot(slot, base)
        slots[key] = (slot, lock)
        return slot
    raise BuildError(f"all {MAX_SLOTS} build slots of {base} are locked by other processes")


@contextlib.contextmanager
def captured_output(log_path: Path):
    """Send the C++ compiler's and binary's stdout/stderr to a log file (fd level)."""
    sys.stdout.flush()
    sys.stderr.flush()
    with open(log_path, "ab") as log:
        saved = os.dup(1), os.dup(2)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def build_failure(exc: Exception, log: Path) -> str:
    """A short message for a failed C++ build: the first error line of the log and the fix."""
    if "compilation failed" not in str(exc):  # code generation, not the compiler
        return f"C++ standalone build failed ({type(exc).__name__}: {str(exc)[:200]})"
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    detail = next(
        (
            line.strip()[:160]
            for pattern in (r"not found|No such file", r"\berror\b", r"\*\*\*")
            for line in lines
            if re.search(pattern, line, re.IGNORECASE) and not line.startswith("WARNING")
        ),
        str(exc)[:120],
    )
    return (
        f"C++ compilation failed: {detail}. Install a C++ compiler (e.g. `apt-get install g++`) "
        "or set $CXX to one, or use backend='runtime'"
    )
