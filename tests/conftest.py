"""Fixtures used by every test: a clean Brian2 state and a private cache directory.

Brian2 keeps global state (the active device and the objects it has seen, preferences, the default
clock); each test starts and ends with the runtime device, default preferences and
``defaultclock.dt = 0.1*ms``, as Brian2's own test-suite does (``brian2/conftest.py``).
"""

from __future__ import annotations

import os

import brian2
import pytest
from brian2.devices.device import reinit_devices, set_device
from brian2.units import ms

# Tests never open windows: figures are drawn with the non-interactive Agg backend.
os.environ.setdefault("MPLBACKEND", "Agg")


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
    """One cache directory for the whole session, so C++ builds are reused across tests."""
    return tmp_path_factory.mktemp("dendrites-cache")


@pytest.fixture(autouse=True)
def _private_cache(dendrites_cache, monkeypatch):
    """Point the package cache (``DENDRITES_CACHE``) away from the user's cache."""
    monkeypatch.setenv("DENDRITES_CACHE", str(dendrites_cache))
