"""The sweep engine: compile once per process, cache every point, resume, run on a Dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from brian2 import ms

from dendrites.sweep import Sweep, run_sweep, sweep_points

MODEL = str(Path(__file__).parent / "data" / "_sweep_model.py")  # "_": not a study


def make_sweep(weights=(0.5, 1.0, 2.0), sites=(0.2, 0.5, 0.8), reduce=True) -> Sweep:
    return Sweep(
        "test",
        {"weight_nS": list(weights), "site": list(sites)},
        make_cell=f"{MODEL}:make_cell",
        duration=30 * ms,
        record={"v": [0]},
        reduce=f"{MODEL}:peak" if reduce else None,
    )


def test_grid_points_and_bad_grids():
    sweep = make_sweep(weights=(1.0, 2.0), sites=(0.2, 0.8))
    assert sweep_points(sweep) == [
        {"weight_nS": 1.0, "site": 0.2},
        {"weight_nS": 1.0, "site": 0.8},
        {"weight_nS": 2.0, "site": 0.2},
        {"weight_nS": 2.0, "site": 0.8},
    ]
    from dendrites.errors import ParameterError

    with pytest.raises(ParameterError, match="grid\\['site'\\]: has no values"):
        sweep_points(make_sweep(sites=()))


@pytest.mark.standalone
@pytest.mark.slow
def test_serial_and_two_processes_agree_and_a_rerun_recomputes_nothing(tmp_path, monkeypatch):
    import dendrites.sweep

    monkeypatch.setattr(dendrites.sweep, "_WORKER_START_SECONDS", 0.0)  # always use the pool
    serial = run_sweep(make_sweep(), workers=1, cache=tmp_path / "serial")
    assert serial.peak.dims == ("weight_nS", "site")
    assert serial.attrs["computed"] == 9
    # bigger weights, bigger EPSPs; farther sites, smaller somatic EPSPs
    assert np.all(np.diff(serial.peak.values, axis=0) > 0)
    assert np.all(np.diff(serial.peak.values, axis=1) < 0)
    parallel = run_sweep(make_sweep(), workers=2, cache=tmp_path / "parallel")
    np.testing.assert_array_equal(parallel.peak.values, serial.peak.values)
    again = run_sweep(make_sweep(), workers=2, cache=tmp_path / "parallel")
    assert again.attrs["computed"] == 0
    np.testing.assert_array_equal(again.peak.values, serial.peak.values)
    # points computed now come back from the workers, cached ones from their files: the same
    xr.testing.assert_identical(again.drop_attrs(), parallel.drop_attrs())
    assert {k: v for k, v in again.attrs.items() if k != "computed"} == {
        k: v for k, v in parallel.attrs.items() if k != "computed"
    }
    for name in again.data_vars:
        assert again[name].attrs == parallel[name].attrs


@pytest.mark.standalone
@pytest.mark.slow
def test_a_killed_sweep_resumes_without_recomputing_finished_points(tmp_path):
    cache = tmp_path / "killed"
    script = tmp_path / "long_sweep.py"
    script.write_text(
        "import sys\n"
        "from brian2 import ms\n"
        "from dendrites.sweep import Sweep, run_sweep\n"
        "s = Sweep('test', {'weight_nS': [float(w) for w in range(1, 31)], 'site': [0.2]},\n"
        "          make_cell=sys.argv[1], duration=200 * ms, record={'v': [0]},\n"
        "          reduce=sys.argv[2])\n"
        "run_sweep(s, workers=1, cache=sys.argv[3])\n"
    )
    args = [f"{MODEL}:make_cell", f"{MODEL}:peak", str(cache)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
    proc = subprocess.Popen([sys.executable, str(script), *args], env=env)
    deadline = time.time() + 300
    while time.time() < deadline and len(list(cache.glob("*.nc"))) < 3:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in cache.glob("*.nc")}
    assert 3 <= len(finished) < 30
    sweep = Sweep(
        "test",
        {"weight_nS": [float(w) for w in range(1, 31)], "site": [0.2]},
        make_cell=f"{MODEL}:make_cell",
        duration=200 * ms,
        record={"v": [0]},
        reduce=f"{MODEL}:peak",
    )
    resumed = run_sweep(sweep, workers=1, cache=cache)
    assert resumed.attrs["computed"] == 30 - len(finished)
    assert all(p.stat().st_mtime_ns == t for p, t in finished.items())  # not rewritten
    assert not list(cache.glob(".*.tmp"))  # no partial file survives
    assert np.all(np.diff(resumed.peak.sel(site=0.2).values) > 0)


@pytest.mark.standalone
@pytest.mark.slow
def test_dask_cluster_gives_the_serial_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = run_sweep(make_sweep(weights=(1.0, 2.0)), workers=1, cache=tmp_path / "s")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_sweep(
            make_sweep(weights=(1.0, 2.0)),
            scheduler=cluster.scheduler_address,
            cache=tmp_path / "d",
        )
    np.testing.assert_array_equal(remote.peak.values, serial.peak.values)
    assert remote.attrs["computed"] == 6


@pytest.mark.standalone
@pytest.mark.slow
def test_unreduced_points_keep_their_traces(tmp_path):
    ds = run_sweep(
        make_sweep(weights=(1.0,), sites=(0.2, 0.8), reduce=False),
        workers=1,
        cache=tmp_path / "traces",
    )
    assert ds.v.dims == ("weight_nS", "site", "time", "compartment")
    assert ds.v.attrs["units"] == "mV"
