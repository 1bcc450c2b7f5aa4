"""Every study runs in quick mode and its claims hold (CI runs these; full mode makes figures)."""

from __future__ import annotations

import json

import pytest

from dendrites import paths
from dendrites.studies import find_studies, run_study

STUDIES = sorted(find_studies(paths.studies_dir()))
#: Claims a study states knowing the model misses them (targets it does not reach; the study's
#: docstring and figure say why): they are computed and allowed not to hold, by name prefix.
KNOWN_MISSED = {
    "energy_of_computation": (
        "Na+ entry ratio, squid HH 6.3 degC",  # 13.5: the classic ~4 is at ~18 degC
        "Na+ entry ratio, Hay soma compartment alone",  # 49
        "Na+ entry ratio, Hay cell, whole",  # 2.5
    ),
}


def test_the_studies_folder_is_found():
    assert "not_isopotential" in STUDIES


@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.parametrize("name", STUDIES)
def test_study_runs_in_quick_mode_and_its_claims_hold(name, tmp_path):
    result = run_study(name, quick=True, out_dir=tmp_path / "fig", results_dir=tmp_path / "res")
    record = json.loads((tmp_path / "fig" / f"{name}.json").read_text())
    assert record["quick"] is True
    assert (tmp_path / "fig" / f"{name}.png").stat().st_size > 10_000
    assert (tmp_path / "fig" / f"{name}.pdf").exists()
    missed = KNOWN_MISSED.get(name, ())
    failing = [
        c for c in record["claims"] if c["holds"] is False and not c["name"].startswith(missed)
    ]
    assert not failing, f"claims that do not hold in quick mode: {failing}"
    assert record["claims"], "a study must state claims"
    assert result is not None
