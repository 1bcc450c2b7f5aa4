"""The README's example runs as written (docs that run)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


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
