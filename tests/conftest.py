"""Fixtures used by every test: a clean Brian2 state, a private cache, kept C++ builds, true tiers.

Brian2 keeps global state (the active device and the objects it has seen, preferences, the default
clock); each test starts and ends with the runtime device, default preferences and
``defaultclock.dt = 0.1*ms``, as Brian2's own test-suite does (``brian2/conftest.py``).

Results caches are private to the session (a temporary folder), but C++ standalone builds are kept
across sessions, keyed by structure, in ``$DENDRITES_BUILD_CACHE``; when it is not set it is
``.pytest_cache/dendrites-builds/<python>-brian2-<version>`` in the repository, so a second
``make test`` compiles nothing it compiled before (``make clean`` removes it).

Test tiers (markers, see the README): a test that builds or runs compiled code — a C++ standalone
project, or Cython code of Brian2's runtime device — must carry ``@pytest.mark.standalone``;
a test that does so without the marker fails at teardown, so ``-m "not standalone"`` stays a tier
that needs no compiler. Seen in this process: every build or run of Brian2's standalone device and
every Cython code object. Seen in child processes (sweep workers, scripts): any slot of the build
cache whose binary, results or files changed during the test; this check is skipped while another
test session uses the same build cache, as it cannot tell whose processes changed it.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import ClassVar

import brian2
import pytest
from brian2.codegen.runtime.cython_rt.cython_rt import CythonCodeObject
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.devices.device import reinit_devices, set_device
from brian2.units import ms

# Tests never open windows: figures are drawn with the non-interactive Agg backend.
os.environ.setdefault("MPLBACKEND", "Agg")

BUILD_CACHE = "DENDRITES_BUILD_CACHE"
MARKER = "standalone"


# ------------------------------------------------------------------------------ Brian2 state
def _n_arrays() -> int:
    from brian2.devices.device import all_devices

    return sum(len(getattr(dev, "arrays", {}) or {}) for dev in all_devices.values())


def _devices_used(arrays_before: int) -> bool:
    """Whether a test created Brian2 objects (pure-Python tests skip the costly reset)."""
    from brian2.devices.device import all_devices

    if brian2.get_device() is not all_devices["runtime"]:
        return True
    return _n_arrays() != arrays_before


def _reset_brian2(reinit: bool, arrays_before: int = -1) -> None:
    if reinit and _devices_used(arrays_before):
        # Forget the objects and code of every device (runtime and standalone). It runs the
        # garbage collector (~50 ms), so it is done once per test, after it, as Brian2 does.
        reinit_devices()
    set_device("runtime")
    brian2.prefs.reset_to_defaults()  # also drops preferences read from user files
    brian2.defaultclock.dt = 0.1 * ms


@pytest.fixture(autouse=True)
def _clean_brian2():
    """Reset Brian2's device, preferences and default clock around every test."""
    _reset_brian2(reinit=False)
    before = _n_arrays()
    yield
    _reset_brian2(reinit=True, arrays_before=before)


@pytest.fixture(scope="session")
def dendrites_cache(tmp_path_factory) -> os.PathLike:
    """One results cache for the whole session (C++ builds go to ``$DENDRITES_BUILD_CACHE``)."""
    return tmp_path_factory.mktemp("dendrites-cache")


@pytest.fixture(autouse=True)
def _private_cache(dendrites_cache, monkeypatch):
    """Point the package cache (``DENDRITES_CACHE``) away from the user's cache."""
    monkeypatch.setenv("DENDRITES_CACHE", str(dendrites_cache))


# ------------------------------------------------------------------------ parallel workers
#: Files whose tests pytest-xdist shares out one by one among its workers (``make test`` runs
#: ``-n auto --dist loadgroup``): the studies' quick runs, the longest tests. Every other file
#: runs whole in one worker, so that its module fixtures (a Hay-cell run...) are computed once.
SPREAD = {"test_studies.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(item.path.name))


# ------------------------------------------------------------------------------ kept builds
def pytest_configure(config):
    """Keep C++ builds across sessions unless the user chose a build cache."""
    if not os.environ.get(BUILD_CACHE):
        tag = f"py{sys.version_info[0]}.{sys.version_info[1]}-brian2-{brian2.__version__}"
        folder = config.rootpath / ".pytest_cache" / "dendrites-builds" / tag
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[BUILD_CACHE] = str(folder)  # inherited by workers and scripts
    _Tiers.start(Path(os.environ[BUILD_CACHE]).expanduser())


def pytest_report_header(config):
    return f"C++ builds kept in {os.environ.get(BUILD_CACHE)} (${BUILD_CACHE})"


# ------------------------------------------------------------------------------ tier check
class _Tiers:
    """Compiled-code activity of this process and of the build cache, per test."""

    uses = 0  # builds and runs of the standalone device, Cython code objects (this process)
    root: Path | None = None
    lock = None  # this session's lock in <root>.sessions, telling other sessions it is alive
    shared = False  # another live session used the build cache during this session
    unused: ClassVar[list[str]] = []  # tests marked standalone that compiled and ran nothing

    @classmethod
    def start(cls, root: Path) -> None:
        from filelock import FileLock

        cls.root = root
        sessions = root.parent / f"{root.name}.sessions"
        sessions.mkdir(parents=True, exist_ok=True)
        cls.lock = FileLock(str(sessions / f"{os.getpid()}.lock"))
        cls.lock.acquire()
        for method in (CPPStandaloneDevice.build, CPPStandaloneDevice.run):
            setattr(CPPStandaloneDevice, method.__name__, cls._counted(method))
        CythonCodeObject.__init__ = cls._counted(CythonCodeObject.__init__)

    @classmethod
    def _counted(cls, method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            cls.uses += 1
            return method(*args, **kwargs)

        return wrapper

    @classmethod
    def other_session_alive(cls) -> bool:
        """Whether another test session holds its lock on this build cache."""
        from filelock import FileLock, Timeout

        for path in cls.root.parent.glob(f"{cls.root.name}.sessions/*.lock"):
            if path.name == f"{os.getpid()}.lock":
                continue
            lock = FileLock(str(path))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return True
            lock.release()  # a session that ended without removing its file
        return False

    @classmethod
    def snapshot(cls) -> dict[str, int]:
        """Modification times of what a build or a run of a slot changes."""
        times = {}
        for slot in cls.root.glob("*/slot*"):
            for path in (slot, slot / "results", slot / "main"):
                try:
                    times[str(path)] = path.stat().st_mtime_ns
                except OSError:
                    pass
        return times


_START = pytest.StashKey[tuple]()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_START] = (_Tiers.uses, _Tiers.snapshot(), _Tiers.other_session_alive())
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "teardown" or _START not in item.stash:
        return
    uses, before, shared = item.stash[_START]
    here = _Tiers.uses > uses
    shared = shared or _Tiers.other_session_alive()
    _Tiers.shared |= shared
    children = (
        [] if shared else sorted(p for p, t in _Tiers.snapshot().items() if before.get(p) != t)
    )
    marked = item.get_closest_marker(MARKER) is not None
    if marked and not here and not children and not shared:
        _Tiers.unused.append(item.nodeid)
    if marked or not (here or children) or report.failed:
        return
    where = "in this process" if here else f"in a child process ({Path(children[0]).parent})"
    report.outcome = "failed"
    report.longrepr = (
        f"{item.nodeid} built or ran compiled code ({where}) without "
        f"@pytest.mark.{MARKER}: add the marker (per test, or `pytestmark` for a module) so "
        f'that `-m "not {MARKER}"` stays the tier that needs no C++ compiler'
    )


def pytest_terminal_summary(terminalreporter, config):
    if _Tiers.shared:
        terminalreporter.write_line(
            f"tier check: another test session used {_Tiers.root} at the same time; builds in "
            "child processes were not checked"
        )
    if _Tiers.unused and config.option.verbose > 0:  # a hint, not a rule: see below
        terminalreporter.write_line(
            f"tier check: no compiled code seen in {len(_Tiers.unused)} test(s) marked {MARKER} "
            "(builds in a cache folder of their own are not seen; the others may belong to the "
            "pure tier):"
        )
        for nodeid in _Tiers.unused:
            terminalreporter.write_line(f"  {nodeid}")


def pytest_unconfigure(config):
    if _Tiers.lock is not None:
        _Tiers.lock.release()
        Path(_Tiers.lock.lock_file).unlink(missing_ok=True)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """The test studies of ``tests/data`` (the toy study), with the cache, the outputs and the toy
    study's compute counter (``TOY_COUNTER``) under `tmp_path`."""
    monkeypatch.setenv("DENDRITES_STUDIES", str(Path(__file__).parent / "data"))
    monkeypatch.setenv("DENDRITES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TOY_COUNTER", str(tmp_path / "calls"))
    for var in ("DENDRITES_OUT", "TOY_AMPLITUDE", "TOY_FAIL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path
