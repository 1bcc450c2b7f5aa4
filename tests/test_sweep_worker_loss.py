"""A Dask worker lost mid-sweep: the sweep finishes, nothing is lost (issue #20, part 6).

A local Dask cluster of two worker processes runs a sweep of the small sweep model
(``tests/data/_sweep_model.py``) with Brian2's runtime device and numpy target (nothing is
compiled). One point's ``make_cell`` kills its own worker process with SIGKILL the first time it
runs: Dask's nanny restarts the worker and the scheduler runs the point again elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from brian2 import ms

from dendrites.sweep import Sweep, run_sweep

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

MODEL = '''
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, {data!r})
from _sweep_model import make_cell as _make_cell, peak  # noqa: E402

MARK = Path({mark!r})


def make_cell(weight_nS, site):
    """The sweep model, but the point (2 nS, 0.5) kills its worker the first time it runs."""
    if weight_nS == 2.0 and site == 0.5 and not MARK.exists():
        MARK.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return _make_cell(weight_nS, site)
'''


def make_sweep(model) -> Sweep:
    return Sweep(
        "worker_loss",
        {"weight_nS": [1.0, 2.0], "site": [0.2, 0.5, 0.8]},
        make_cell=f"{model}:make_cell",
        reduce=f"{model}:peak",
        duration=10 * ms,
        options={"backend": "runtime", "runtime_target": "numpy"},
    )


def test_a_worker_killed_mid_sweep_loses_nothing(tmp_path):
    mark = tmp_path / "killed"
    model = tmp_path / "model.py"
    model.write_text(
        MODEL.format(data=str(Path(__file__).parent / "data"), mark=str(mark)), encoding="utf-8"
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_sweep(
            make_sweep(model), scheduler=cluster.scheduler_address, cache=tmp_path / "dask"
        )
    assert int(mark.read_text()) != os.getpid()  # a worker process really died mid-sweep
    assert remote.attrs["computed"] == 6
    assert not np.isnan(remote.peak.values).any()
    assert len(list((tmp_path / "dask").glob("*.nc"))) == 6
    assert not list((tmp_path / "dask").glob(".*.tmp"))  # no partial file left by the dead one
    serial = run_sweep(make_sweep(model), workers=1, cache=tmp_path / "serial")
    np.testing.assert_array_equal(remote.peak.values, serial.peak.values)
