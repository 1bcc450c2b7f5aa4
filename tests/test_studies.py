"""Every study runs in quick mode and its claims hold (CI runs these; full mode makes figures)."""

from __future__ import annotations

import json

import pytest

from dendrites import paths
from dendrites.studies import find_studies, run_study

STUDIES = sorted(find_studies(paths.studies_dir()))


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
    failing = [c for c in record["claims"] if c["holds"] is False]
    assert not failing, f"claims that do not hold in quick mode: {failing}"
    assert record["claims"], "a study must state claims"
    assert result is not None
