"""The README's example runs as written (docs that run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.standalone
def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has a Python example"
    namespace: dict = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    ds = namespace["ds"]
    assert set(ds.section.values) == {"soma", "oblique0"}
    peak = ds.v.max("time")
    # the clustered synapses depolarise their branch far more than the soma
    assert float(peak.sel(compartment=peak.compartment[1])) > float(peak.isel(compartment=0)) + 5
    assert "oblique0" in capsys.readouterr().out


def test_readme_ann_example_runs_and_shows_the_contrast(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    block = next(b for b in blocks if "dendrites.ann" in b)
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)
    assert namespace["xor"].best_rows_correct == 3 and not namespace["xor"].separable
    one, two = namespace["one"], namespace["two"]
    assert two.r2_test > 0.95 and two.r2_test > one.r2_test + 0.1
    assert capsys.readouterr().out.startswith("False 3")


@pytest.mark.standalone
def test_readme_reconstruction_and_neuron_crosscheck_run(capsys):
    pytest.importorskip("neuron")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    block = next(b for b in blocks if "crosscheck" in b)
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)
    xc = namespace["xc"]
    # the same passive Hay morphology in NEURON: measured 1.5e-6 mV and 1.5e-6 relative
    assert float(xc.v_max_abs_diff.max()) < 1e-4
    assert float(abs(xc.resistance_rel_diff).max()) < 1e-5
    assert "import3d" in capsys.readouterr().out  # the summary shows the import report
