"""Build folders (dendrites.buildcache, dendrites.paths) and the process's session state
(dendrites.session), without compiling anything."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from dendrites import paths, session
from dendrites.buildcache import BUILT, RUN_SECONDS, build_slot, recorded_build
from dendrites.errors import ParameterError


@pytest.fixture
def fresh_session():
    """An empty session for the test, closed after it (releases its build-slot locks)."""
    yield session.reset()
    session.reset()


def test_builds_go_to_dendrites_build_cache_when_set(tmp_path, monkeypatch, fresh_session):
    monkeypatch.setenv("DENDRITES_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DENDRITES_BUILD_CACHE", raising=False)
    assert paths.build_dir() == tmp_path / "cache" / "build"
    assert build_slot("k1") == tmp_path / "cache" / "build" / "k1" / "slot0"
    monkeypatch.setenv("DENDRITES_BUILD_CACHE", str(tmp_path / "kept"))
    assert paths.build_dir() == tmp_path / "kept"
    assert build_slot("k2") == tmp_path / "kept" / "k2" / "slot0"
    assert paths.cache_dir() == tmp_path / "cache"  # results stay in the cache
    assert paths.results_dir(quick=True) == tmp_path / "cache" / "results-quick"


def test_a_slot_is_held_by_one_process_and_released_by_reset(tmp_path, monkeypatch, fresh_session):
    """This process holds slot0's lock: another process gets slot1 and a copy of the finished
    build; after session.reset() the lock is free again."""
    monkeypatch.setenv("DENDRITES_BUILD_CACHE", str(tmp_path))
    slot = build_slot("key")
    assert build_slot("key") == slot  # kept for the process
    assert "key" in session.current().slots
    slot.mkdir(parents=True)
    (slot / "main.cpp").write_text("int main() {}\n")
    (slot / BUILT).touch()
    (slot / RUN_SECONDS).write_text("0.25\n")
    assert recorded_build("key") == pytest.approx(0.25)
    assert recorded_build("other") is None
    script = textwrap.dedent(
        """
        from dendrites.buildcache import build_slot
        s = build_slot("key")
        print(s.name, (s / "main.cpp").exists())
        """
    )
    env_cmd = [sys.executable, "-c", script]
    out = subprocess.run(env_cmd, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["slot1", "True"]
    session.reset()
    assert not session.current().slots
    out = subprocess.run(env_cmd, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["slot0", "True"]


def test_configure_and_reset_go_through_the_session(fresh_session):
    from dendrites.sweep import configure

    configure(workers=3, scheduler="tcp://example:8786")
    state = session.current()
    assert (state.sweep_workers, state.sweep_scheduler) == (3, "tcp://example:8786")
    with pytest.raises(ParameterError, match="workers"):
        configure(workers=0)
    new = session.reset()
    assert new is session.current() and new is not state
    assert new.sweep_workers is None and new.pool is None and new.active_model is None
