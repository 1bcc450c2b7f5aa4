"""The study runner and the ``dendrites`` command, on a toy study (no Brian2 simulation).

The toy (``tests/data/toy_study.py``) computes a sine with numpy; environment variables set its
amplitude (``TOY_AMPLITUDE``), make it count its ``compute`` calls in a file (``TOY_COUNTER``) or
raise (``TOY_FAIL``). Every test points the runner at it with ``DENDRITES_STUDIES`` and writes only
under ``tmp_path``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from dendrites import paths, plotting
from dendrites.cli import main
from dendrites.errors import CacheWarning, ParameterError
from dendrites.studies import Claim, StudyError, load_study, run_study

DATA = Path(__file__).parent / "data"
TOY = DATA / "toy_study.py"
REPO = Path(__file__).resolve().parents[1]


def calls(tmp_path) -> int:
    """How many times the toy's ``compute`` ran."""
    counter = tmp_path / "calls"
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def dirs(tmp_path) -> list[str]:
    return ["--out", str(tmp_path / "out"), "--results", str(tmp_path / "results")]


def record(tmp_path, name="toy_study") -> dict:
    return json.loads((tmp_path / "out" / f"{name}.json").read_text(encoding="utf-8"))


def repo_figures() -> set[str]:
    folder = REPO / "figures"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


# ------------------------------------------------------------------------------------- commands
def test_list_shows_name_and_title(env, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "toy_study" in out
    assert "A toy sine wave" in out


def test_run_quick_writes_figure_and_claims_into_out_dir(env, capsys):
    before = repo_figures()
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    for suffix in ("png", "pdf", "json"):
        assert (env / "out" / f"toy_study.{suffix}").stat().st_size > 0
    assert (env / "out" / "toy_study.png").read_bytes().startswith(b"\x89PNG")
    assert (env / "out" / "toy_study.pdf").read_bytes().startswith(b"%PDF")
    assert len(list((env / "results").glob("toy_study-quick-*.nc"))) == 1
    assert repo_figures() == before
    out = capsys.readouterr().out
    assert "peak" in out and "✔" in out


def test_quick_mode_defaults_never_to_repo_figures(env, monkeypatch):
    before = repo_figures()
    assert main(["run", "toy_study", "--quick"]) == 0
    assert (env / "cache" / "figures-quick" / "toy_study.png").is_file()
    assert list((env / "cache" / "results-quick").glob("toy_study-quick-*.nc"))
    monkeypatch.setenv("DENDRITES_OUT", str(env / "elsewhere"))
    assert main(["run", "toy_study", "--quick"]) == 0
    assert (env / "elsewhere" / "toy_study.json").is_file()
    assert repo_figures() == before
    assert paths.figures_dir(quick=True) != paths.figures_dir(quick=False)
    assert paths.figures_dir(quick=False) == paths.repo_root() / "figures"


def test_quick_mode_refuses_repo_figures_as_out_dir(env, capsys):
    before = repo_figures()
    assert main(["run", "toy_study", "--quick", "--out", str(REPO / "figures")]) == 2
    assert "quick-mode figures never go into" in capsys.readouterr().err
    with pytest.raises(ParameterError):
        run_study("toy_study", quick=True, out_dir=REPO / "figures", results_dir=env / "r")
    assert calls(env) == 0
    assert repo_figures() == before


def test_json_record_schema(env):
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    rec = record(env)
    assert {"study", "title", "quick", "claims", "provenance"} <= rec.keys()
    assert rec["study"] == "toy_study"
    assert rec["title"] == "A toy sine wave"
    assert rec["quick"] is True
    peak, samples = rec["claims"]
    assert set(peak) == {"name", "value", "unit", "target", "holds", "kind"}
    assert peak["name"] == "peak" and peak["unit"] == "mV" and peak["holds"] is True
    assert peak["kind"] == "finding"
    assert peak["value"] == pytest.approx(1.0, abs=1e-2)
    assert samples == {
        "name": "samples",
        "value": 50.0,
        "unit": "",
        "target": "reported",
        "holds": None,
        "kind": "check",
    }
    assert rec["calibration"] == []
    assert rec["summary"] == "a sine of peak {peak} in {samples:.0f} samples"
    prov = rec["provenance"]
    assert {"study_key", "parameters", "versions", "wall_seconds", "created"} <= prov.keys()
    assert prov["parameters"] == {"n_points": 50, "amplitude_mV": 1.0}
    assert {"dendrites", "brian2", "numpy", "xarray", "python"} <= prov["versions"].keys()
    assert prov["wall_seconds"] >= 0
    nc = next((env / "results").glob("*.nc"))
    assert nc.name == f"toy_study-quick-{prov['study_key']}.nc"


@pytest.mark.parametrize(("amplitude", "holds", "mark"), [("1.0", True, "✔"), ("0.2", False, "✘")])
def test_failed_claim_is_a_result_not_an_error(env, monkeypatch, capsys, amplitude, holds, mark):
    monkeypatch.setenv("TOY_AMPLITUDE", amplitude)
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert record(env)["claims"][0]["holds"] is holds
    assert mark in capsys.readouterr().out


def test_second_run_is_cached_and_force_recomputes(env, capsys):
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert calls(env) == 1
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert calls(env) == 1
    assert "cached" in capsys.readouterr().out
    prov = record(env)["provenance"]
    assert prov["wall_seconds"] is None and prov["cached"] is True
    assert main(["run", "toy_study", "--quick", "--force", *dirs(env)]) == 0
    assert calls(env) == 2
    assert record(env)["provenance"]["wall_seconds"] is not None
    assert len(list((env / "results").glob("*.nc"))) == 1


def test_other_parameters_go_to_another_cache_file(env, monkeypatch):
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    monkeypatch.setenv("TOY_AMPLITUDE", "2.0")
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert calls(env) == 2
    assert main(["run", "toy_study", *dirs(env)]) == 0  # full mode: other parameters again
    assert calls(env) == 3
    names = sorted(p.name for p in (env / "results").glob("*.nc"))
    assert len(names) == 3
    assert sum(n.startswith("toy_study-full-") for n in names) == 1
    monkeypatch.setenv("TOY_AMPLITUDE", "1.0")  # back to the first parameters: still cached
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert calls(env) == 3


def test_editing_the_study_script_invalidates_its_cache(env, monkeypatch):
    studies = env / "studies"
    studies.mkdir()
    script = studies / "toy_study.py"
    shutil.copy(TOY, script)
    monkeypatch.setenv("DENDRITES_STUDIES", str(studies))
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    script.write_text(script.read_text() + "\n# a comment does not count\n")
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert calls(env) == 1
    script.write_text(script.read_text() + "\nEDITED = True\n")  # code does
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 0
    assert calls(env) == 2


def test_unreadable_cache_file_is_recomputed(env):
    result = run_study("toy_study", quick=True, out_dir=env / "out", results_dir=env / "results")
    result.results_file.write_bytes(b"not netCDF")
    with pytest.warns(CacheWarning, match=f"{result.results_file.name}: checksum mismatch"):
        again = run_study("toy_study", quick=True, out_dir=env / "out", results_dir=env / "results")
    assert not again.cached
    assert calls(env) == 2
    third = run_study("toy_study", quick=True, out_dir=env / "out", results_dir=env / "results")
    assert third.cached
    assert third.dataset.attrs["study_key"] == third.key


def test_figures_writes_gallery(env, monkeypatch):
    monkeypatch.setenv("TOY_AMPLITUDE", "0.2")
    before = repo_figures()
    assert main(["figures", "--quick", *dirs(env)]) == 0
    readme = (env / "out" / "README.md").read_text(encoding="utf-8")
    assert "1 study, 1 finding: 0 hold, 1 do not, 0 reported; 1 check." in readme
    assert "## A toy sine wave" in readme
    assert "](toy_study.png)" in readme
    assert "A sine wave sampled on one period" in readme
    rule = "|---|---|---|:-:|\n"
    assert (
        f"| finding | value | target | holds |\n{rule}| peak | 0.1999 mV | ≥ 0.5 mV | ✘ |" in readme
    )
    assert f"| check | value | target | holds |\n{rule}| samples | 50 | reported | — |" in readme
    assert "Calibration: none declared." in readme
    assert "quick mode" in readme
    assert repo_figures() == before


BROKEN = {
    "raises": "from toy_study import *\n\ndef compute(params, progress):\n    raise OSError('x')\n",
    "import_error": "raise ImportError('no such mechanism')\n",
    "no_plot": "TITLE = CAPTION = 'x'\nparameters = compute = claims = print\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_failing_study_gives_exit_1_and_others_are_written(env, monkeypatch, capsys, kind):
    studies = env / "studies"
    studies.mkdir()
    shutil.copy(TOY, studies / "toy_study.py")
    (studies / "broken.py").write_text(BROKEN[kind])
    monkeypatch.setenv("DENDRITES_STUDIES", str(studies))
    monkeypatch.syspath_prepend(str(studies))  # `from toy_study import *`
    assert main(["figures", "--quick", *dirs(env)]) == 1
    assert (env / "out" / "toy_study.png").is_file()
    assert record(env)["claims"][0]["holds"] is True
    readme = (env / "out" / "README.md").read_text(encoding="utf-8")
    assert "## A toy sine wave" in readme
    assert "`broken`" in readme  # listed as failed
    assert "broken" in capsys.readouterr().err


def test_run_of_a_raising_study_gives_exit_1(env, monkeypatch, capsys):
    monkeypatch.setenv("TOY_FAIL", "1")
    assert main(["run", "toy_study", "--quick", *dirs(env)]) == 1
    assert "toy study asked to fail" in capsys.readouterr().err
    assert not (env / "out" / "toy_study.json").exists()


def test_figures_only_keeps_other_records_in_gallery(env, monkeypatch):
    studies = env / "studies"
    studies.mkdir()
    shutil.copy(TOY, studies / "toy_study.py")
    shutil.copy(TOY, studies / "toy_two.py")
    monkeypatch.setenv("DENDRITES_STUDIES", str(studies))
    assert main(["figures", "--quick", *dirs(env)]) == 0
    assert calls(env) == 2
    assert main(["figures", "--quick", "--only", "toy_two", "--force", *dirs(env)]) == 0
    assert calls(env) == 3
    readme = (env / "out" / "README.md").read_text(encoding="utf-8")
    assert "2 studies, 2 findings: 2 hold, 0 do not, 0 reported; 2 checks." in readme


@pytest.mark.parametrize("argv", [["run", "toy_stdy"], ["figures", "--only", "toy_stdy"]])
def test_unknown_study_is_a_usage_error_with_suggestion(env, capsys, argv):
    assert main(argv) == 2
    assert "did you mean 'toy_study'?" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["run"], ["frobnicate"], ["run", "toy_study", "--bad"]])
def test_bad_command_line_gives_exit_2(env, capsys, argv):
    assert main(argv) == 2


def test_load_study_unknown_name_raises_parameter_error(env):
    with pytest.raises(ParameterError, match="did you mean 'toy_study'"):
        load_study("toy_studdy")


def test_study_script_runs_as_a_script(env):
    """``python tests/data/toy_study.py --quick`` and ``python -m dendrites`` in a subprocess."""
    environ = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(TOY), "--quick", *dirs(env)],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "peak" in done.stdout
    assert record(env)["quick"] is True
    done = subprocess.run(
        [sys.executable, "-m", "dendrites", "list"],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "toy_study" in done.stdout


# --------------------------------------------------------------------------------------- claims
def test_claim_constructors_compute_holds():
    assert Claim.at_least("a", 2, "mV", 1.5).holds is True
    assert Claim.at_least("a", 1, "mV", 1.5).holds is False
    assert Claim.at_most("a", 1, "", 1.5).holds is True
    assert Claim.between("a", 3, "ms", 1, 2).holds is False
    assert Claim.between("a", 1.5, "ms", 1, 2).target == "1 – 2 ms"
    assert Claim.within("a", 10.4, "mV", 10, 0.5).holds is True
    assert Claim.within("a", 9.4, "mV", 10, 0.5).holds is False
    assert Claim.at_least("a", 2, "mV", 1.5).target == "≥ 1.5 mV"
    report = Claim.report("a", 3.5, "Hz")
    assert (report.target, report.holds) == ("reported", None)


def test_claim_nan_never_holds_and_is_null_in_json():
    import numpy as np

    claim = Claim.at_most("a", np.nan, "", 1)
    assert claim.holds is False
    assert claim.to_dict()["value"] is None
    assert type(Claim.at_least("a", np.float64(2), "", 1).holds) is bool
    assert math.isnan(Claim.report("a", np.nan, "").value)


def test_claim_rejects_quantities_and_bad_bounds():
    from brian2 import mV

    with pytest.raises(ParameterError, match="has units"):
        Claim.at_least("a", 3 * mV, "mV", 1)
    with pytest.raises(ParameterError):
        Claim.between("a", 1, "", 2, 1)
    with pytest.raises(ParameterError):
        Claim.within("a", 1, "", 2, -1)


def test_study_missing_a_function_is_a_study_error(tmp_path):
    script = tmp_path / "half.py"
    script.write_text("TITLE = 'half a study'\n")
    with pytest.raises(StudyError, match="missing"):
        load_study(script)


# ------------------------------------------------------------------------------------- plotting
def test_savefig_writes_png_and_pdf_reproducibly(tmp_path):
    def draw():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], **plotting.line_style("theory"))
        plotting.panel_label(ax, "a")
        return fig

    import matplotlib

    with matplotlib.rc_context():
        plotting.use_style()
        assert matplotlib.rcParams["axes.spines.top"] is False
        fig = draw()
        png, pdf = plotting.savefig(fig, tmp_path / "fig")
        first = (png.read_bytes(), pdf.read_bytes())
        plotting.savefig(fig, tmp_path / "fig")
        plt.close(fig)
    assert (png.name, pdf.name) == ("fig.png", "fig.pdf")
    assert (png.read_bytes(), pdf.read_bytes()) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.pdf", "fig.png"]  # no temporaries


def test_colors_have_fixed_meanings():
    assert {"dendrite", "soma", "point", "theory", "nmda", "ampa"} <= plotting.COLORS.keys()
    assert plotting.line_style("theory")["linestyle"] == "--"
    assert plotting.STYLE_FILE.is_file()
    with pytest.raises(ParameterError):
        plotting.line_style("axon hillock")
