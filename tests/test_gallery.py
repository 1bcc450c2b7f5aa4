"""Claims as findings or checks, the CALIBRATION and SUMMARY contract entries, the gallery page and
the README studies table (pure Python, plus the toy study of ``tests/data``; no Brian2 run)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from dendrites import gallery, studies
from dendrites.claims import KINDS, Claim, count_claims, fill_summary
from dendrites.cli import main
from dendrites.errors import ParameterError
from dendrites.gallery import (
    README_END,
    README_START,
    readme_section,
    readme_table,
    update_readme,
    write_gallery,
)
from dendrites.studies import StudyError, load_study, run_study

DATA = Path(__file__).parent / "data"
TOY = DATA / "toy_study.py"
REPO = Path(__file__).resolve().parents[1]


def toy_copy(tmp_path, old: str, new: str) -> Path:
    """A copy of the toy study with `old` replaced by `new` (which must occur once)."""
    text = TOY.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "studies" / "toy_variant.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def claim(name, holds, kind=None, value=1.0, unit="") -> dict:
    """A claim record as in a figure JSON; `kind` None leaves it out (an old record)."""
    rec = {"name": name, "value": value, "unit": unit, "target": "≥ 0", "holds": holds}
    if kind is not None:
        rec["kind"] = kind
    return rec


def record(study, claims, calibration=None, summary=None, quick=False) -> dict:
    rec = {
        "study": study,
        "title": f"Title of {study}",
        "caption": "A caption.",
        "quick": quick,
        "figure": {"png": f"{study}.png", "pdf": f"{study}.pdf"},
        "claims": claims,
        "provenance": {"study_key": "abc", "wall_seconds": 1.0},
    }
    if calibration is not None:
        rec["calibration"] = calibration
    if summary is not None:
        rec["summary"] = summary
    return rec


# ----------------------------------------------------------------------------------- claim kind
def test_every_constructor_takes_kind_and_defaults_to_finding():
    made = [
        lambda **k: Claim.at_least("a", 2, "mV", 1, **k),
        lambda **k: Claim.at_most("a", 2, "mV", 1, **k),
        lambda **k: Claim.between("a", 2, "mV", 1, 3, **k),
        lambda **k: Claim.within("a", 2, "mV", 2, 0.1, **k),
        lambda **k: Claim.report("a", 2, "mV", **k),
    ]
    for make in made:
        assert make().kind == "finding"
        assert make(kind="check").kind == "check"
        with pytest.raises(ParameterError, match="kind") as info:
            make(kind="theorem")
        assert info.value.parameter == "kind"
    assert KINDS == ("finding", "check")


def test_kind_is_keyword_only_and_checked_on_direct_construction():
    with pytest.raises(TypeError):
        Claim.at_least("a", 2, "", 1, "check")  # positional kind
    with pytest.raises(ParameterError, match="'Finding'"):
        Claim("a", 1.0, "", "reported", None, "Finding")


def test_claim_json_round_trip_keeps_kind_and_nan():
    claims = [
        Claim.between("EPSP ratio: soma/dendrite", 0.4, "", 0.1, 0.5),
        Claim.at_least("input patterns", 160, "", 100, kind="check"),
        Claim.report("a NaN", math.nan, "mV"),
    ]
    text = json.dumps([c.to_dict() for c in claims], allow_nan=False)
    back = [Claim.from_dict(d) for d in json.loads(text)]
    assert back[:2] == claims[:2]
    assert math.isnan(back[2].value) and back[2].kind == "finding" and back[2].holds is None


def test_old_records_without_kind_read_as_findings():
    old = {"name": "peak", "value": 7.2, "unit": "mV", "target": "≥ 5 mV", "holds": True}
    assert Claim.from_dict(old).kind == "finding"
    counts = count_claims([old, claim("n", True, "check"), claim("x", None)])
    assert counts == {"findings": 2, "hold": 1, "fail": 0, "reported": 1, "checks": 1}


# ---------------------------------------------------------------------------------------- SUMMARY
def test_fill_summary_by_claim_name_with_format_and_literal_braces():
    claims = [
        Claim.at_least("NMDA window: lowest (1.2 nS fails)", 1.4, "nS", 1),
        Claim.report("measured/expected", 1.8412, ""),
    ]
    text = "{{k}} up to {measured/expected:.2f}, window {NMDA window: lowest (1.2 nS fails)}"
    assert fill_summary(text, claims) == "{k} up to 1.84, window 1.4 nS"
    assert fill_summary("{NMDA window: lowest (1.2 nS fails):.1f}", claims) == "1.4 nS"
    assert fill_summary("{measured/expected}", [c.to_dict() for c in claims]) == "1.841"


def test_fill_summary_unknown_name_or_bad_spec_is_a_parameter_error():
    claims = [Claim.report("measured/expected", 1.8412, "")]
    with pytest.raises(ParameterError, match="did you mean 'measured/expected'"):
        fill_summary("{measured/expect}", claims)
    with pytest.raises(ParameterError, match="bad format"):
        fill_summary("{measured/expected:.2q}", claims)


# ------------------------------------------------------------------------- the study contract
def test_study_without_calibration_is_a_study_error_naming_it(tmp_path):
    path = toy_copy(tmp_path, "CALIBRATION = []", "NOT_CALIBRATION = []")
    with pytest.raises(StudyError, match=r"missing \['CALIBRATION'\].*CALIBRATION = \[\]"):
        load_study(path)
    assert "CALIBRATION" in studies.REQUIRED


@pytest.mark.parametrize("value", ["'tuned'", "None", "['']", "[3]"])
def test_calibration_must_be_a_list_of_sentences(tmp_path, value):
    path = toy_copy(tmp_path, "CALIBRATION = []", f"CALIBRATION = {value}")
    with pytest.raises(StudyError, match="CALIBRATION"):
        load_study(path)


def test_calibration_and_summary_reach_the_record_and_the_result(env):
    sentence = "The amplitude 1 was chosen after a first run; the peak is scored on the same run."
    path = toy_copy(env, "CALIBRATION = []", f"CALIBRATION = [{sentence!r}]")
    result = run_study(path, quick=True, out_dir=env / "out", results_dir=env / "res")
    assert result.calibration == [sentence]
    assert result.summary == "a sine of peak {peak} in {samples:.0f} samples"
    rec = json.loads(result.json.read_text(encoding="utf-8"))
    assert rec["calibration"] == [sentence]
    assert [c.kind for c in result.claims] == ["finding", "check"]
    assert [c.name for c in result.findings] == ["peak"]
    assert [c.name for c in result.checks] == ["samples"]
    assert [Claim.from_dict(c) for c in rec["claims"]] == result.claims
    assert fill_summary(rec["summary"], rec["claims"]).startswith("a sine of peak 0.99")


def test_summary_naming_no_claim_fails_the_run(env):
    path = toy_copy(env, "{samples:.0f} samples", "{sample count} samples")
    with pytest.raises(StudyError, match=r"SUMMARY.*'sample count'.*did you mean 'samples'"):
        run_study(path, quick=True, out_dir=env / "out", results_dir=env / "res")


# ------------------------------------------------------------------------------------- gallery
def test_write_gallery_is_still_importable_from_studies():
    assert studies.write_gallery is gallery.write_gallery


def test_gallery_headline_counts_only_findings(tmp_path):
    records = [
        record(
            "a_study",
            [claim("f1", True, "finding"), claim("c1", True, "check"), claim("c2", False, "check")],
            calibration=[],
        ),
        record("b_study", [claim("f2", False), claim("f3", None)], calibration=[]),
    ]
    text = write_gallery(tmp_path, records).read_text(encoding="utf-8")
    assert "**2 studies, 3 findings: 1 hold, 1 do not, 1 reported; 2 checks.**" in text
    assert "1 finding: 1 hold, 0 do not, 0 reported; 2 checks." in text
    assert "2 findings: 0 hold, 1 do not, 1 reported; 0 checks." in text
    section = text[text.index("## Title of a_study") : text.index("## Title of b_study")]
    findings = section[section.index("| finding |") : section.index("| check |")]
    assert "| f1 |" in findings and "| c1 |" not in findings
    assert "| c1 | 1 | ≥ 0 | ✔ |" in section and "| c2 | 1 | ≥ 0 | ✘ |" in section
    assert "| check |" not in text[text.index("## Title of b_study") :]


def test_gallery_prints_each_studys_calibration(tmp_path):
    records = [
        record("a_study", [claim("f", True)], calibration=["Strength 0.3 chosen from a scan."]),
        record("b_study", [claim("f", True)], calibration=[]),
        record("c_study", [claim("f", True)]),  # written before CALIBRATION existed
    ]
    text = write_gallery(tmp_path, records).read_text(encoding="utf-8")
    sections = text.split("\n## ")[1:]
    assert (
        "Calibration (values chosen after seeing results):\n\n- Strength 0.3 chosen"
        in (sections[0])
    )
    assert "Calibration: none declared." in sections[1]
    assert "Calibration: not recorded" in sections[2]


# -------------------------------------------------------------------------------- README table
def write_records(folder: Path, records) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        (folder / f"{r['study']}.json").write_text(json.dumps(r), encoding="utf-8")
    (folder / "README.md").write_text("# gallery\n", encoding="utf-8")
    return folder


def test_readme_table_fills_summaries_and_lists_calibration(tmp_path):
    figures = write_records(
        tmp_path / "figures",
        [
            record(
                "b_study",
                [claim("ratio", True, value=1.8412), claim("n", True, "check", value=160)],
                calibration=["Chose 0.3 from a scan.", "Scored on seeds 10-19."],
                summary="sums up to {ratio:.2f} over {n:.0f} patterns",
            ),
            record("a_study", [claim("x", False)], calibration=[]),
        ],
    )
    table = readme_table(figures)
    lines = table.splitlines()
    assert lines[0].startswith("**2 studies, 2 findings: 1 hold, 1 do not, 0 reported; 1 check**")
    assert lines[2] == "| study | claim | findings | calibration | figure |"
    assert lines[4] == (
        "| `a_study` | Title of a_study | 1 finding: 0 hold, 1 do not, 0 reported; 0 checks "
        "| none declared | [figures/a_study.png](figures/a_study.png) |"
    )
    assert lines[5] == (
        "| `b_study` | sums up to 1.84 over 160 patterns "
        "| 1 finding: 1 hold, 0 do not, 0 reported; 1 check "
        "| Chose 0.3 from a scan. Scored on seeds 10-19. "
        "| [figures/b_study.png](figures/b_study.png) |"
    )
    assert len(lines) == 6 and table.endswith("\n")


def test_readme_table_refuses_a_summary_that_does_not_fit_its_claims(tmp_path):
    figures = write_records(tmp_path / "f", [record("a", [claim("x", True)], [], "{y}")])
    with pytest.raises(ParameterError, match=r"a\.json: its SUMMARY"):
        readme_table(figures)


def test_update_readme_writes_between_the_markers_only(tmp_path, capsys):
    figures = write_records(tmp_path / "figures", [record("a_study", [claim("x", True)], [])])
    readme = tmp_path / "README.md"
    readme.write_text(f"# Top\n\n{README_START}\nold table\n{README_END}\n\n## Next\n")
    assert update_readme(readme, figures, check=True) is True
    assert "old table" in readme.read_text()
    assert main(["readme", "--check", "--readme", str(readme), "--figures", str(figures)]) == 1
    assert update_readme(readme, figures) is True
    text = readme.read_text()
    assert text.startswith(f"# Top\n\n{README_START}\n**1 study, 1 finding")
    assert text.endswith(f"|\n\n{README_END}\n\n## Next\n")
    assert readme_section(readme) == readme_table(figures)
    assert update_readme(readme, figures) is False
    assert main(["readme", "--check", "--readme", str(readme), "--figures", str(figures)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_update_readme_without_markers_is_a_parameter_error(tmp_path, capsys):
    figures = write_records(tmp_path / "figures", [])
    readme = tmp_path / "README.md"
    readme.write_text(f"# Top\n{README_END}\n{README_START}\n")
    with pytest.raises(ParameterError, match="studies-table:start"):
        update_readme(readme, figures)
    assert main(["readme", "--readme", str(readme), "--figures", str(figures)]) == 2
    assert "studies-table" in capsys.readouterr().err


def test_repository_readme_table_is_generated_from_the_committed_figures():
    """README.md's studies table is exactly what `dendrites readme` writes from figures/*.json."""
    assert readme_section(REPO / "README.md") == readme_table(REPO / "figures")


# ------------------------------------------------------------------------------------------ CLI
def test_cli_shows_kinds_and_counts_findings_only(env, monkeypatch, capsys):
    out_dir = ["--out", str(env / "out"), "--results", str(env / "res")]
    assert main(["run", "toy_study", "--quick", *out_dir]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert rows[0][:3] == ["claim", "kind", "value"]
    assert rows[1][:2] == ["peak", "finding"] and rows[2][:2] == ["samples", "check"]
    studies_dir = env / "studies"
    studies_dir.mkdir()
    shutil.copy(TOY, studies_dir / "toy_study.py")
    shutil.copy(TOY, studies_dir / "toy_two.py")
    monkeypatch.setenv("DENDRITES_STUDIES", str(studies_dir))
    assert main(["figures", "--quick", *out_dir]) == 0
    out = capsys.readouterr().out
    assert "2 studies: 2 ran, 0 failed; 2 findings: 2 hold, 0 do not, 0 reported; 2 checks" in out
