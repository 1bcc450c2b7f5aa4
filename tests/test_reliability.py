"""Reliability: bad input, faults and concurrency. Nothing computed is lost; every error is clear.

Each fault is real: files are truncated or have bytes flipped on disk, the disk really fills up
(a small tmpfs in a private mount namespace), the folder is really read-only (a read-only mount, or
permission bits for a non-root user), the compiler is really missing, and two real processes really
share one cache. The table of every bad input and fault, with the test that covers it, is
``docs/reliability.md``; bad inputs already covered elsewhere (``tests/test_errors.py``,
``tests/test_morphology.py``) are not repeated here.
"""

from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from brian2 import Hz, cm, ms, mV, nA, nS, ohm, siemens, um

from dendrites import Cell, Model, morphology
from dendrites.errors import CacheWarning, ParameterError, PlacementError, ResultsError, SWCError
from dendrites.morphology import from_swc
from dendrites.results import checksum_path, load_dataset, save_dataset
from dendrites.stimuli import EPSCWave, Step
from dendrites.studies import load_record, run_study
from dendrites.sweep import Sweep, run_sweep

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MODEL = str(DATA / "_sweep_model.py")  # the small model of tests/test_sweep.py
PACKAGE = REPO / "dendrites"


def small_sweep(name="reliability", weights=(0.5, 1.0), sites=(0.2, 0.8)) -> Sweep:
    """The sweep of tests/test_sweep.py (same structure, so the same C++ build), but smaller."""
    return Sweep(
        name,
        {"weight_nS": list(weights), "site": list(sites)},
        make_cell=f"{MODEL}:make_cell",
        duration=30 * ms,
        record={"v": [0]},
        reduce=f"{MODEL}:peak",
    )


def small_dataset(n: int = 1000) -> xr.Dataset:
    return xr.Dataset(
        {"v": ("time", np.linspace(-70.0, 20.0, n), {"units": "mV"})},
        attrs={"schema_version": 1, "parameter_hash": "abc"},
    )


def truncate(path: Path) -> None:
    """Cut a file in half, as an interrupted copy or a full disk would."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_middle_byte(path: Path) -> None:
    """Invert one byte in the middle of a file (bit rot, a bad copy)."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def drop_checksum(path: Path) -> None:
    """Remove the checksum file (an older dendrites, or a writer killed between the renames)."""
    checksum_path(path).unlink()


CORRUPTIONS = {"truncated": truncate, "flipped": flip_middle_byte, "no checksum": drop_checksum}
CORRUPTION_MESSAGE = {
    "truncated": "checksum mismatch",
    "flipped": "checksum mismatch",
    "no checksum": "no checksum file",
}


def subprocess_env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), **extra)
    env.pop("PYTEST_CURRENT_TEST", None)
    if "DENDRITES_CACHE" in extra:  # a cache of its own: its builds too, as a new user's
        env.pop("DENDRITES_BUILD_CACHE", None)
    return env


def run_script(tmp_path: Path, text: str, *args, env=None, prefix=(), timeout=300) -> dict:
    """Run a Python script in a fresh process; return the JSON it prints after ``RESULT ``."""
    script = tmp_path / f"script_{abs(hash(text)) % 10**8}.py"
    script.write_text(text)
    proc = subprocess.run(
        [*prefix, sys.executable, str(script), *map(str, args)],
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"script failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1][len("RESULT ") :])


# =============================================================================== 1. checksums
def test_saved_results_carry_a_sha256_that_sha256sum_accepts(tmp_path):
    path = save_dataset(small_dataset(), tmp_path / "r.nc")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert checksum_path(path).read_text() == f"{digest}  r.nc\n"
    assert not list(tmp_path.glob(".*.tmp"))
    if shutil.which("sha256sum"):  # the standard tool agrees
        check = subprocess.run(
            ["sha256sum", "-c", "r.nc.sha256"], cwd=tmp_path, capture_output=True, text=True
        )
        assert check.returncode == 0 and "r.nc: OK" in check.stdout
    assert load_dataset(path, require_checksum=True).v.shape == (1000,)


@pytest.mark.parametrize("kind", ["truncated", "flipped"])
def test_a_damaged_file_with_a_checksum_is_refused_naming_it(tmp_path, kind):
    path = save_dataset(small_dataset(), tmp_path / "r.nc")
    CORRUPTIONS[kind](path)
    with pytest.raises(ResultsError, match=re.escape(f"{path}: checksum mismatch")):
        load_dataset(path)  # a checksum file is checked whenever present
    drop_checksum(path)
    with pytest.raises(ResultsError, match=r"no checksum file r\.nc\.sha256"):
        load_dataset(path, require_checksum=True)  # caches require one
    checksum_path(path).write_text("not a checksum\n")
    with pytest.raises(ResultsError, match="not a sha256 checksum file"):
        load_dataset(path)


@pytest.mark.standalone
@pytest.mark.slow
def test_damaged_sweep_points_are_detected_and_recomputed(tmp_path):
    cache = tmp_path / "points"
    first = run_sweep(small_sweep(), workers=1, cache=cache)
    assert first.attrs["computed"] == 4
    files = sorted(cache.glob("*.nc"))
    assert len(files) == 4 and all(checksum_path(f).exists() for f in files)
    damaged = dict(zip(CORRUPTIONS, files[:3], strict=True))  # the 4th stays intact
    for kind, path in damaged.items():
        CORRUPTIONS[kind](path)
    with pytest.warns(CacheWarning) as caught:
        again = run_sweep(small_sweep(), workers=1, cache=cache)
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == 3
    for kind, path in damaged.items():
        assert any(str(path) in m and CORRUPTION_MESSAGE[kind] in m for m in messages), kind
    assert again.attrs["computed"] == 3  # the intact point was reused, the damaged recomputed
    np.testing.assert_array_equal(again.peak.values, first.peak.values)
    for path in files:  # every point is whole again and passes its checksum
        load_dataset(path, require_checksum=True)
    assert run_sweep(small_sweep(), workers=1, cache=cache).attrs["computed"] == 0


@pytest.fixture
def toy_env(tmp_path, monkeypatch):
    """The toy study of tests/test_cli.py (numpy only), its results and counter under tmp_path."""
    monkeypatch.setenv("DENDRITES_STUDIES", str(DATA))
    monkeypatch.setenv("TOY_COUNTER", str(tmp_path / "calls"))
    for var in ("DENDRITES_OUT", "TOY_AMPLITUDE", "TOY_FAIL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def toy_calls(tmp_path: Path) -> int:
    counter = tmp_path / "calls"
    return len(counter.read_text().splitlines()) if counter.exists() else 0


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_damaged_study_result_is_detected_and_recomputed(toy_env, kind):
    dirs = {"out_dir": toy_env / "out", "results_dir": toy_env / "results"}
    first = run_study("toy_study", quick=True, **dirs)
    CORRUPTIONS[kind](first.results_file)
    with pytest.warns(
        CacheWarning, match=re.escape(f"{first.results_file}: {CORRUPTION_MESSAGE[kind]}")
    ):
        again = run_study("toy_study", quick=True, **dirs)
    assert not again.cached and toy_calls(toy_env) == 2
    np.testing.assert_array_equal(again.dataset.v.values, first.dataset.v.values)
    third = run_study("toy_study", quick=True, **dirs)
    assert third.cached and toy_calls(toy_env) == 2


# ======================================================== 2. disk full, read-only, file in the way
def test_writing_where_a_file_stands_for_a_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file, not a folder")
    for target in (blocker / "r.nc", blocker / "sub" / "r.nc"):
        with pytest.raises(ResultsError) as info:
            save_dataset(small_dataset(), target)
        message = str(info.value)
        assert message.startswith(f"cannot write {blocker}")
        assert "part of that path is a file, not a folder" in message
        assert info.value.errno in (errno.ENOTDIR, errno.EEXIST)
    assert blocker.read_text() == "a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


READ_ONLY_SCRIPT = r"""
import json, sys
import numpy as np, xarray as xr
from dendrites.errors import ResultsError
from dendrites.results import save_dataset

ds = xr.Dataset({"v": ("time", np.zeros(5))}, attrs={"schema_version": 1})
try:
    save_dataset(ds, sys.argv[1])
    print("RESULT " + json.dumps({"written": True}))
except ResultsError as exc:
    print("RESULT " + json.dumps({"written": False, "message": str(exc), "errno": exc.errno}))
"""


def test_writing_into_a_read_only_folder_keeps_what_is_there(tmp_path):
    """A folder with mode 0o555. Root ignores permission bits, so as root the writer runs in a
    user namespace of its own (``unshare --user``), where root's override does not apply."""
    folder = tmp_path / "results"
    earlier = save_dataset(small_dataset(), folder / "earlier.nc")
    before = earlier.stat().st_mtime_ns
    prefix = ()
    if os.geteuid() == 0:
        if not shutil.which("unshare") or subprocess.run(["unshare", "--user", "true"]).returncode:
            pytest.skip("root ignores permission bits and no user namespace is available")
        prefix = ("unshare", "--user")
    folder.chmod(0o555)
    try:
        out = run_script(tmp_path, READ_ONLY_SCRIPT, folder / "new.nc", prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert not out["written"] and out["errno"] == errno.EACCES
    message = out["message"]
    assert message.startswith(f"cannot write {folder / 'new.nc'}: Permission denied (EACCES)")
    assert "not writable: make it writable, or write to another folder" in message
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".dendrites"))
    assert names == ["earlier.nc", "earlier.nc.sha256"]  # no partial or temporary file
    assert earlier.stat().st_mtime_ns == before
    assert load_dataset(earlier, require_checksum=True).v.shape == (1000,)


def test_a_study_whose_results_folder_cannot_be_written_says_where_and_how(toy_env):
    blocker = toy_env / "blocker"
    blocker.write_text("")
    with pytest.raises(ResultsError) as info:
        run_study("toy_study", quick=True, out_dir=toy_env / "out", results_dir=blocker / "r")
    message = str(info.value)
    assert message.startswith("toy_study: cannot write")
    assert str(blocker) in message and "--results" in message


DISK_SCRIPT = r"""
import json, os, subprocess, sys, warnings
from pathlib import Path
from brian2 import ms
from dendrites.errors import CacheWarning, ResultsError
from dendrites.results import load_dataset
from dendrites.sweep import Sweep, run_sweep

warnings.simplefilter("error", CacheWarning)  # no kept point may look damaged
model, folder = sys.argv[1], Path(sys.argv[2])


def sweep(weights):
    return Sweep("disk", {"weight_nS": weights, "site": [0.2, 0.8]},
                 make_cell=f"{model}:make_cell", reduce=f"{model}:peak",
                 duration=30 * ms, record={"v": [0]})


def attempt(weights):
    try:
        ds = run_sweep(sweep(weights), workers=1, cache=folder)
        return {"ok": True, "computed": int(ds.attrs["computed"]), "peak": ds.peak.values.tolist()}
    except ResultsError as exc:
        return {"ok": False, "message": str(exc), "errno": exc.errno}


def state():
    return {
        "files": sorted(p.name for p in folder.iterdir() if not p.name.startswith(".dendrites")),
        "stamps": {p.name: p.stat().st_mtime_ns for p in folder.glob("*.nc")},
    }


def fill():
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    for size in (1 << 16, 512, 1):
        try:
            while True:
                os.write(fd, b"x" * size)
        except OSError as exc:
            assert exc.errno == 28, exc
    os.close(fd)


out = {"first": attempt([0.5]), "after_first": state()}
subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
out["read_only"] = attempt([0.5, 1.0])
out["after_read_only"] = state()
subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
fill()
out["full"] = attempt([0.5, 1.0])
out["after_full"] = state()
(folder / "filler").unlink()
out["freed"] = attempt([0.5, 1.0])
out["after_freed"] = state()
for name in out["after_freed"]["files"]:
    if name.endswith(".nc"):
        load_dataset(folder / name, require_checksum=True)
print("RESULT " + json.dumps(out))
"""


def _can_mount_tmpfs(where: Path) -> str | None:
    """None if this process may mount a tmpfs in a private mount namespace, else why not."""
    if sys.platform != "linux":
        return "needs Linux mount namespaces"
    if not (shutil.which("unshare") and shutil.which("mount")):
        return "needs the unshare and mount commands"
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"mount -t tmpfs -o size=64k tmpfs '{where}'"],
        capture_output=True, text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        return f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {probe.stderr.strip()}"
    return None


@pytest.mark.standalone
@pytest.mark.slow
def test_a_sweep_keeps_its_points_when_the_disk_fills_or_turns_read_only(tmp_path):
    """A real tmpfs of 256 kB, in a mount namespace of the child process only (it vanishes with
    it): two points are stored, then the mount is made read-only (EROFS), then filled (ENOSPC)."""
    folder = tmp_path / "points"
    folder.mkdir()
    why_not = _can_mount_tmpfs(folder)
    if why_not:
        pytest.skip(why_not)
    command = f'mount -t tmpfs -o size=256k tmpfs \'{folder}\' && exec "$0" "$@"'
    out = run_script(
        tmp_path,
        DISK_SCRIPT,
        MODEL,
        folder,
        prefix=("unshare", "--mount", "--propagation", "private", "sh", "-c", command),
    )
    assert not list(folder.iterdir())  # the tmpfs was private to the child
    assert out["first"]["ok"] and out["first"]["computed"] == 2
    kept = out["after_first"]
    assert len(kept["stamps"]) == 2 and len(kept["files"]) == 4  # 2 points and their checksums
    for fault, code, reason, fix in [
        ("read_only", errno.EROFS, "Read-only file system (EROFS)", "make it writable"),
        ("full", errno.ENOSPC, "No space left on device (ENOSPC)", "free some disk space"),
    ]:
        failed = out[fault]
        assert not failed["ok"], fault
        assert failed["errno"] == code
        message = failed["message"]
        assert message.startswith(f"cannot write {folder}/"), message
        assert reason in message and fix in message, message
        assert f"2 of 4 points are stored in {folder} and kept" in message
        assert "a rerun computes only the others" in message
        assert len(message) < 600, message  # short: no HDF5 error stack
        after = out[f"after_{fault}"]
        # no partial or temporary file; the earlier points untouched
        assert after["files"] == kept["files"] + (["filler"] if fault == "full" else [])
        assert after["stamps"] == kept["stamps"]
    freed = out["freed"]
    assert freed["ok"] and freed["computed"] == 2  # resumes: only the 2 missing points
    assert freed["peak"][0] == out["first"]["peak"][0]
    assert out["after_freed"]["stamps"].items() >= kept["stamps"].items()
    assert len(out["after_freed"]["stamps"]) == 4


# ================================================================ 3. the C++ compiler is missing
COMPILER_SCRIPT = r"""
import json, sys
from brian2 import ms
sys.path.insert(0, sys.argv[1])
from _sweep_model import make_cell
from dendrites import Model
from dendrites.errors import BuildError

try:
    Model(make_cell(1.0, 0.5), 5 * ms).run()
    print("RESULT " + json.dumps({"built": True}))
except BuildError as exc:
    log = exc.log_path
    print("RESULT " + json.dumps({"built": False, "message": str(exc), "log": log}))
"""


def _path_without_a_compiler(tmp_path: Path) -> str:
    """A PATH with ``make`` and nothing else (so no g++, c++ or clang++)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "make").symlink_to(make)
    return str(bindir)


@pytest.mark.standalone
@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        ("CXX names a compiler that does not exist", "/nonexistent/g++: not found"),
        ("no C++ compiler on PATH", "g++: not found"),
        ("the compiler fails", "Error 1"),
    ],
)
def test_a_missing_or_failing_compiler_gives_a_short_build_error_and_keeps_the_log(
    tmp_path, fault, detail
):
    extra = {"DENDRITES_CACHE": str(tmp_path / "cache")}  # fresh: nothing compiled yet
    if fault.startswith("CXX"):
        extra["CXX"] = "/nonexistent/g++"
    elif fault.startswith("no C++"):
        extra["PATH"] = _path_without_a_compiler(tmp_path)
        extra["CXX"] = "g++"  # make's default, whatever the calling shell set
    else:
        extra["CXX"] = shutil.which("false") or "/bin/false"
    out = run_script(tmp_path, COMPILER_SCRIPT, DATA, env=subprocess_env(**extra))
    assert not out["built"]
    message = out["message"]
    assert message.startswith("C++ compilation failed: ") and detail in message
    assert "apt-get install g++" in message and "$CXX" in message
    assert "backend='runtime'" in message
    assert f"(full log: {out['log']})" in message
    assert len(message) - len(out["log"]) < 300, message  # short; the details are in the log
    log = Path(out["log"])
    assert log.is_file() and log.stat().st_size > 0
    assert detail in log.read_text()
    assert log.is_relative_to(tmp_path / "cache")


# ====================================================================== 4. two processes at once
def start_together(tmp_path: Path, text: str, *args, env: dict, n: int = 2) -> list[dict]:
    """Start `n` processes running one script at the same moment; their JSON results."""
    script = tmp_path / "together.py"
    script.write_text(text)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), *map(str, args)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr
        outs.append(json.loads(stdout.split("RESULT ", 1)[1]))
    return outs


BUILD_SCRIPT = r"""
import json, time
from brian2 import ms, um
from dendrites import Cell, Model, morphology

cell = Cell(morphology.cable(length=100 * um, diameter=1 * um))
cell.insert("pas")
model = Model(cell, 5 * ms)
start = time.time()
ds = model.run()  # generates the code, compiles it and runs it
print("RESULT " + json.dumps({
    "start": start, "end": time.time(), "compile_seconds": model.compile_seconds,
    "slot": str(model.directory), "v": ds.v.values.ravel().tolist(),
}))
"""


@pytest.mark.slow
@pytest.mark.standalone
def test_two_processes_build_one_structure_at_once_in_separate_slots(tmp_path):
    env = subprocess_env(DENDRITES_CACHE=str(tmp_path / "cache"))  # fresh: both must compile
    a, b = start_together(tmp_path, BUILD_SCRIPT, env=env)
    assert a["start"] < b["end"] and b["start"] < a["end"]  # the builds overlapped in time
    assert a["compile_seconds"] > 0 and b["compile_seconds"] > 0
    assert a["slot"] != b["slot"]  # never one build folder for two processes
    for out in (a, b):
        slot = Path(out["slot"])
        assert slot.parent.parent == tmp_path / "cache" / "build"
        assert (slot / "dendrites-build-ok").exists()
    assert a["v"] == b["v"]
    (serial,) = start_together(tmp_path, BUILD_SCRIPT, env=env, n=1)  # alone, afterwards
    assert serial["slot"] in (a["slot"], b["slot"])  # a free slot is reused
    assert serial["v"] == a["v"]


SWEEP_TOGETHER_SCRIPT = r"""
import json, sys, time, warnings
from brian2 import ms
from dendrites import session
from dendrites.errors import CacheWarning
from dendrites.sweep import Sweep, run_sweep

warnings.simplefilter("error", CacheWarning)  # the other process's writes must never look damaged
model, folder = sys.argv[1], sys.argv[2]
start = time.time()
sweep = Sweep("together", {"weight_nS": [0.5, 1.0, 2.0], "site": [0.2, 0.8]},
              make_cell=f"{model}:make_cell", reduce=f"{model}:peak",
              duration=30 * ms, record={"v": [0]})
ds = run_sweep(sweep, workers=1, cache=folder)
print("RESULT " + json.dumps({
    "start": start, "end": time.time(), "peak": ds.peak.values.tolist(),
    "computed": int(ds.attrs["computed"]),
    "slots": [str(slot) for slot, _lock in session.current().slots.values()],
}))
"""


@pytest.mark.slow
@pytest.mark.standalone
def test_two_processes_run_one_sweep_into_one_cache_at_once(tmp_path):
    # a fresh build cache, compiled once by the serial run, so that neither process compiles
    env = subprocess_env(DENDRITES_CACHE=str(tmp_path / "cache"))
    (serial,) = start_together(
        tmp_path, SWEEP_TOGETHER_SCRIPT, MODEL, tmp_path / "serial", env=env, n=1
    )
    assert serial["computed"] == 6
    shared = tmp_path / "points"
    a, b = start_together(tmp_path, SWEEP_TOGETHER_SCRIPT, MODEL, shared, env=env)
    assert a["start"] < b["end"] and b["start"] < a["end"]  # they ran at the same time
    assert a["computed"] + b["computed"] >= 6  # points written by both, into the same files
    for out in (a, b):
        assert out["peak"] == serial["peak"]
    (slot_a,), (slot_b,) = a["slots"], b["slots"]
    assert slot_a != slot_b  # never one build folder for two processes
    # the shared cache is consistent: 6 points, each whole and with its checksum, no leftovers
    files = sorted(shared.glob("*.nc"))
    assert len(files) == 6
    for path in files:
        load_dataset(path, require_checksum=True)
    assert list(shared.glob(".*.tmp")) == []
    assert sorted(p.name for p in shared.glob("*.sha256")) == [f.name + ".sha256" for f in files]
    again = run_sweep(small_sweep("together", weights=(0.5, 1.0, 2.0)), workers=1, cache=shared)
    assert again.attrs["computed"] == 0
    np.testing.assert_array_equal(again.peak.values, np.array(serial["peak"]))


STRESS_SCRIPT = r"""
import json, sys, time
import numpy as np, xarray as xr
from dendrites.errors import ResultsError
from dendrites.results import load_dataset, save_dataset

role, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
xr.Dataset({"v": ("t", np.zeros(2))})  # warm-up: xarray's first Dataset imports dask (~1 s)
# at least 10 operations each, and for `seconds` after the warm-up (a count, not a rate: a loaded
# machine takes longer but checks the same)
end, n, errors = time.time() + seconds, 0, []
while time.time() < end or n < 10:
    if role == "writer":  # new content every time, so every file has another checksum
        ds = xr.Dataset({"v": ("t", np.random.rand(50))}, attrs={"schema_version": 1})
        save_dataset(ds, path)
    else:
        try:
            load_dataset(path, require_checksum=True)
        except ResultsError as exc:
            errors.append(str(exc))
    n += 1
print("RESULT " + json.dumps({"role": role, "n": n, "errors": errors[:3], "n_errors": len(errors)}))
"""


def test_a_reader_never_sees_a_half_replaced_result_while_two_processes_rewrite_it(tmp_path):
    """Two processes rewrite one file as fast as they can while a third reads it. Without the
    folder lock that pairs a file with its checksum, the reader fails on most reads (tried)."""
    path = save_dataset(small_dataset(50), tmp_path / "point.nc")
    script = tmp_path / "stress.py"
    script.write_text(STRESS_SCRIPT)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), role, str(path), "2"],
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in ("writer", "writer", "reader")
    ]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        outs.append(json.loads(stdout.split("RESULT ", 1)[1]))
    writes = sum(o["n"] for o in outs if o["role"] == "writer")
    (reader,) = [o for o in outs if o["role"] == "reader"]
    assert writes >= 10 and reader["n"] >= 10, outs
    assert reader["n_errors"] == 0, reader["errors"]
    load_dataset(path, require_checksum=True)
    assert list(tmp_path.glob(".*.tmp")) == []


def test_a_live_writers_temporary_file_is_never_removed_but_a_dead_ones_is(tmp_path):
    from dendrites.results import _host, remove_stale_temporaries

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        names = {pid: f".p.nc.{pid}@{_host()}.abc123.tmp" for pid in (live.pid, dead.pid)}
        for name in names.values():
            (tmp_path / name).write_bytes(b"partial")
        assert remove_stale_temporaries(tmp_path) == 1
        assert sorted(p.name for p in tmp_path.iterdir()) == [names[live.pid]]
    finally:
        live.kill()
        live.wait()


# ===================================================== 5. untrusted files are never unpickled
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve",
                     "marshal", "jsonpickle", "yaml"}  # fmt: skip
#: The one ``eval`` of the package: mechanism expressions (Python code of the mechanism
#: definitions, parsed by Brian2 and re-rendered as arithmetic), with no builtins; never file data.
EVAL_ALLOWED = {("dendrites/mechanisms/base.py", "compute")}


def _calls(tree: ast.AST):
    """(enclosing function, call node) for every call in a module."""
    stack = [(tree, "<module>")]
    while stack:
        node, func = stack.pop()
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else func
            if isinstance(child, ast.Call):
                yield name, child
            stack.append((child, name))


def test_the_package_never_unpickles_evaluates_or_executes_file_content():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    problems, evals = [], set()
    for path in sources:
        rel = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                bad = {n.split(".")[0] for n in names} & FORBIDDEN_MODULES
                if bad:
                    problems.append(f"{rel}:{node.lineno}: imports {sorted(bad)}")
        for func, call in _calls(tree):
            callee = call.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            keywords = {k.arg: k.value for k in call.keywords}
            if name in ("eval", "exec") and isinstance(callee, ast.Name):
                evals.add((rel, func))
                if (rel, func) not in EVAL_ALLOWED:
                    problems.append(f"{rel}:{call.lineno}: {name}() in {func}()")
                else:  # the allowed eval runs without builtins
                    glob = call.args[1] if len(call.args) > 1 else None
                    assert isinstance(glob, ast.Dict)
                    entry = {
                        ast.literal_eval(k): v
                        for k, v in zip(glob.keys, glob.values, strict=True)
                        if k is not None
                    }
                    assert isinstance(entry["__builtins__"], ast.Dict)
                    assert not entry["__builtins__"].keys
            module = getattr(callee.value, "id", "") if isinstance(callee, ast.Attribute) else ""
            if name in ("load", "loads") and module in ("np", "numpy"):
                pickled = keywords.get("allow_pickle")
                if not (isinstance(pickled, ast.Constant) and pickled.value is False):
                    problems.append(f"{rel}:{call.lineno}: numpy load without allow_pickle=False")
            if name in ("open_dataset", "open_mfdataset", "load_dataset", "open_dataarray"):
                engine = keywords.get("engine")
                if isinstance(callee, ast.Attribute) and not (
                    isinstance(engine, ast.Constant) and engine.value == "h5netcdf"
                ):
                    problems.append(f"{rel}:{call.lineno}: {name} without engine='h5netcdf'")
            if name in ("read_pickle", "from_pickle", "load_pickle"):
                problems.append(f"{rel}:{call.lineno}: {name}()")
    assert problems == []
    assert evals == EVAL_ALLOWED  # the allow-list is not stale


class _Payload:
    """Unpickling this creates a folder: proof that a file was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_pickle_disguised_as_a_results_swc_or_json_file_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_Payload(marker))
    fake = tmp_path / "result.nc"
    fake.write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()
    checksum_path(fake).write_text(f"{digest}  result.nc\n")  # even a valid checksum
    with pytest.raises(ResultsError, match="not a readable netCDF results file"):
        load_dataset(fake, require_checksum=True)
    (tmp_path / "cell.swc").write_bytes(payload)
    with pytest.raises(SWCError):
        from_swc(tmp_path / "cell.swc")
    (tmp_path / "toy_study.json").write_bytes(payload)
    assert load_record(tmp_path, "toy_study") is None
    # bytes inside a real results file come back as bytes
    ds = small_dataset().assign(blob=("byte", np.frombuffer(payload, np.uint8)))
    load = load_dataset(save_dataset(ds, tmp_path / "real.nc"), require_checksum=True)
    assert load.blob.values.tobytes() == payload
    assert not marker.exists()
    pickle.loads(payload)  # the payload is live: unpickling it does create the folder
    assert marker.is_dir()


# ============================================================= 6. bad inputs not covered elsewhere
def _tree_swc(n: int, branch: float = 0.02, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = ["1 1 0 0 0 5 -1"]
    parents = np.arange(1, n)
    jump = rng.random(n - 1) < branch
    parents[jump] = [rng.integers(1, i + 1) for i in np.flatnonzero(jump) + 1]
    for i, p in enumerate(parents, start=2):
        lines.append(f"{i} 3 {i * 0.5:.2f} {np.sin(i) * 3:.2f} 0 0.5 {p}")
    return "\n".join(lines) + "\n"


def test_a_very_large_swc_file_loads_or_fails_at_its_line(tmp_path):
    text = _tree_swc(200_000)
    path = tmp_path / "big.swc"
    path.write_text(text)
    m = from_swc(path)  # its load time is measured in benchmarks, not asserted here
    assert m.n_compartments >= len(m) > 1000  # a real tree of thousands of sections
    chain = "\n".join(
        ["1 1 0 0 0 5 -1", *(f"{i} 3 {i * 0.5:.1f} 0 0 0.5 {i - 1}" for i in range(2, 200_001))]
    )
    (tmp_path / "chain.swc").write_text(chain)  # one section of 200000 points: no recursion limit
    assert len(from_swc(tmp_path / "chain.swc")) == 2
    (tmp_path / "bad.swc").write_text(text + "200001 3 0 0 0 0.5 999999\n")
    with pytest.raises(SWCError, match="missing parent 999999") as info:
        from_swc(tmp_path / "bad.swc")
    assert info.value.line == 200_001


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (os.urandom(2_000_000), "not UTF-8"),  # 2 MB of random bytes
        (b"\0" * 1_000_000, "expected 7 columns"),  # valid UTF-8, but no SWC
        (b"1 1 0 0 0 5 -1\n" + b"\xff\xfe" * 1000, "not UTF-8"),  # garbage after a good line
    ],
    ids=["random-bytes", "nul-bytes", "good-line-then-garbage"],
)
def test_large_binary_garbage_is_an_swc_error(tmp_path, content, message):
    path = tmp_path / "garbage.swc"
    path.write_bytes(content)
    with pytest.raises(SWCError, match=message) as info:
        from_swc(path)
    assert str(info.value).startswith(str(path))


def _cell() -> Cell:
    c = Cell(morphology.ball_and_stick().with_n({"dend": 11}), Ri=150 * ohm * cm)
    c.insert("pas")
    return c


NAN, INF = float("nan"), float("inf")
NON_FINITE = {
    "Ri=inf": lambda: Cell(morphology.ball_and_stick(), Ri=INF * ohm * cm),
    "v_init=nan": lambda: Cell(morphology.ball_and_stick(), v_init=NAN * mV),
    "pas g=nan": lambda: _cell().insert("pas", g=NAN * siemens / cm**2),
    "pas E=inf": lambda: _cell().insert("pas", E=INF * mV),
    "hh gnabar=-inf": lambda: _cell().insert("hh", gnabar=-INF * siemens / cm**2),
    "synaptic weight=nan": lambda: _cell().add_synapses(
        "s", at=[("dend", 0.5)], receptors={"ampa": NAN * nS}, spikes=[1] * ms
    ),
    "spike time=nan": lambda: _cell().add_synapses(
        "s", at=[("dend", 0.5)], receptors={"ampa": 1 * nS}, spikes=[NAN] * ms
    ),
    "Poisson rate=inf": lambda: _cell().add_synapses(
        "s", at=[("dend", 0.5)], receptors={"ampa": 1 * nS}, rate=INF * Hz, stop=10 * ms
    ),
    "Step amplitude=inf": lambda: Step(INF * nA),
    "EPSC tau_rise=nan": lambda: EPSCWave(1 * nA, 5 * ms, tau_rise=NAN * ms, tau_decay=1 * ms),
    "dt=inf": lambda: Model(_cell(), 10 * ms, dt=INF * ms),
    "dt=nan": lambda: Model(_cell(), 10 * ms, dt=NAN * ms),
    "duration=inf": lambda: Model(_cell(), INF * ms),
    "record_dt=nan": lambda: Model(_cell(), 10 * ms, record_dt=NAN * ms),
    "cable length=nan": lambda: morphology.cable(length=NAN * um),
    "cable diameter=inf": lambda: morphology.cable(diameter=INF * um),
}


@pytest.mark.parametrize("case", sorted(NON_FINITE))
def test_nan_and_infinite_parameters_are_refused_by_name(case):
    name = case.split("=")[0].split()[-1]
    name = {"weight": "weight of ampa", "time": "spikes", "rate": "rate"}.get(name, name)
    with pytest.raises(ParameterError, match=f"{name}: must be finite"):
        NON_FINITE[case]()


@pytest.mark.parametrize(
    "make", [lambda c: c.add_synapses("s", at=[("dend", NAN)], receptors={"ampa": 1 * nS},
                                      spikes=[1] * ms),
             lambda c: c.add_current_clamp(NAN, Step(1 * nA))],
    ids=["synapse at x=nan", "clamp at nan"],
)  # fmt: skip
def test_nan_locations_are_placement_errors(make):
    with pytest.raises(PlacementError, match="nan"):
        make(_cell())


def test_sweep_functions_named_wrongly_are_parameter_errors(tmp_path):
    for ref, match in [
        (f"{MODEL}:make_cel", "no 'make_cel' there; did you mean 'make_cell'"),
        ("/no/such/file.py:make_cell", "expected 'path/to/file.py:function'"),
        (MODEL, "expected 'path/to/file.py:function'"),
    ]:
        sweep = Sweep("bad", {"weight_nS": [1.0]}, make_cell=ref, duration=10 * ms)
        with pytest.raises(ParameterError, match=match):
            run_sweep(sweep, workers=1, cache=tmp_path / "bad")


def test_a_reconstruction_in_an_unsupported_format_or_damaged_asc_is_a_named_error(tmp_path):
    from dendrites.errors import MorphologyFileError
    from dendrites.morphology import load_morphology

    (tmp_path / "cell.nml").write_text("<neuroml/>")
    with pytest.raises(MorphologyFileError, match=r"unsupported format '\.nml'"):
        load_morphology(tmp_path / "cell.nml")
    (tmp_path / "cell.asc").write_bytes(b'("CellBody"\n (CellBody)\n (0 0 0 1)\n' + b"\xff" * 999)
    with pytest.raises(MorphologyFileError, match=r"cell\.asc"):
        load_morphology(tmp_path / "cell.asc")  # MorphIO's RawDataError, converted
