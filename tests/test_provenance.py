"""Cache keys follow the code that computes a result, not its prose (:mod:`dendrites.provenance`).

Edits are made in temporary copies of the package, of the toy study (``tests/data/toy_study.py``,
numpy only) and of the sweep model (``tests/data/_sweep_model.py``). The end-to-end test runs the
toy study three times in fresh processes importing a copied package: cached on the second run,
recomputed after a mechanism default changed in the copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dendrites import provenance, session
from dendrites.provenance import (
    code_digest,
    git_state,
    normalised_python,
    normalised_template,
    package_root,
    source_digest,
)

DATA = Path(__file__).parent / "data"
TOY = DATA / "toy_study.py"
SWEEP_MODEL = DATA / "_sweep_model.py"

#: The default leak conductance of the passive mechanism, as written in mechanisms/passive.py.
PASSIVE_G = '"g": 1e-4 * siemens / cm**2'
#: One line of code of the C++ cable template.
TEMPLATE_LINE = "{{_invr}}[_first] = 0;"


def copy_package(dest: Path) -> Path:
    """A copy of the installed package at ``dest/dendrites`` (its root)."""
    root = dest / "dendrites"
    shutil.copytree(package_root(), root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not (once) in {path}: update this test"
    path.write_text(text.replace(old, new), encoding="utf-8")


def as_new_process() -> None:
    """Forget what this process computed (the digests, git states and the memo it read)."""
    session.current().provenance.clear()


@pytest.fixture
def pristine(tmp_path) -> str:
    """The digest of an unedited copy (the digest does not depend on where the package is)."""
    digest = code_digest(copy_package(tmp_path / "pristine"))
    assert digest == code_digest(copy_package(tmp_path / "elsewhere" / "deeper"))
    return digest


# ------------------------------------------------------------------------------- code_digest
def test_a_mechanism_default_changes_the_code_digest(tmp_path, pristine):
    root = copy_package(tmp_path / "edited")
    edit(root / "mechanisms" / "passive.py", PASSIVE_G, PASSIVE_G.replace("1e-4", "2e-4"))
    assert code_digest(root) != pristine


def test_one_code_line_of_the_cable_template_changes_the_code_digest(tmp_path, pristine):
    root = copy_package(tmp_path / "edited")
    edit(root / "templates" / "spatialstateupdate.cpp", TEMPLATE_LINE, TEMPLATE_LINE[:-2] + "1;")
    assert code_digest(root) != pristine


def test_backend_code_and_new_modules_change_the_code_digest(tmp_path, pristine):
    root = copy_package(tmp_path / "backend")
    backend = root / "backend.py"
    backend.write_text(backend.read_text(encoding="utf-8") + "\n_EXTRA = 1\n", encoding="utf-8")
    assert code_digest(root) != pristine
    root = copy_package(tmp_path / "new_module")
    (root / "mechanisms" / "extra.py").write_text("X = 1\n", encoding="utf-8")
    assert code_digest(root) != pristine


def test_docstrings_comments_and_formatting_leave_the_code_digest(tmp_path, pristine):
    root = copy_package(tmp_path / "prose")
    passive = root / "mechanisms" / "passive.py"
    edit(passive, '"""Passive membrane leak."""', '"""Passive leak of the membrane, fixed typo."""')
    edit(passive, "#: Passive leak ", "#: The passive leak ")
    edit(passive, "passive = Channel(", "# one more comment line\npassive = Channel(")
    edit(passive, PASSIVE_G, PASSIVE_G.replace(": ", ":   "))
    edit(passive, '"E": -70 * mV},', '"E": -70  *  mV},  # at rest')
    edit(passive, "__all__", '"""A string statement used as a comment."""\n\n__all__')
    cpp = root / "templates" / "spatialstateupdate.cpp"
    edit(cpp, "// Ri is a shared variable", "/* Ri: one value for the cell */")
    edit(cpp, "Replaces Brian2's template", "Replaces the Brian2 template")  # in a {# #} comment
    edit(cpp, TEMPLATE_LINE, "\n\n        " + TEMPLATE_LINE.replace(" = ", "   =   ") + "\n")
    assert code_digest(root) == pristine


def test_modules_that_only_draw_or_parse_the_command_line_are_left_out(tmp_path, pristine):
    root = copy_package(tmp_path / "drawing")
    for name in provenance.PRESENTATION:
        if (root / name).exists():
            path = root / name
            path.write_text(path.read_text(encoding="utf-8") + "\nX = 2\n", encoding="utf-8")
    assert code_digest(root) == pristine


def test_brian2_directives_in_template_comments_count():
    template = "{# USES_VARIABLES { v, Cm } #}\n{# a remark #}\nint x = 1; // one\n"
    assert normalised_template(template) == "{# USES_VARIABLES { v, Cm } #} int x = 1;"
    assert normalised_template(template.replace("v, Cm", "v, Cm, Ri")) != normalised_template(
        template
    )
    # '//' inside a string literal or a Jinja expression is not a comment
    assert normalised_template('s = "a//b"; y = {{ n // 2 }};') == 's = "a//b"; y = {{ n // 2 }};'


def test_the_versions_of_python_brian2_and_numpy_are_part_of_the_digest(tmp_path, monkeypatch):
    root = copy_package(tmp_path / "versions")
    before = code_digest(root)
    monkeypatch.setattr(provenance, "_version", lambda dist: "0.0" if dist == "numpy" else None)
    as_new_process()
    try:
        assert code_digest(root) != before
    finally:
        as_new_process()


def test_the_code_digest_is_computed_once_per_process(tmp_path):
    root = copy_package(tmp_path / "once")
    first = code_digest(root)
    (root / "mechanisms" / "extra.py").write_text("X = 1\n", encoding="utf-8")
    assert code_digest(root) == first  # cached: a running process keeps the code it imported


def test_digests_are_remembered_by_content_across_processes(tmp_path):
    """Another process finds each file's digest in the memo, addressed by the sha256 of the
    file's bytes: an edited file never gets the digest of its former text."""
    root = copy_package(tmp_path / "memo")
    memo = provenance._memo_path()
    before = code_digest(root)
    assert len(json.loads(memo.read_text())) >= len(provenance._computing_files(root))
    edit(root / "mechanisms" / "passive.py", PASSIVE_G, PASSIVE_G.replace("1e-4", "3e-4"))
    try:
        as_new_process()
        edited = code_digest(root)
        assert edited != before
        memo.unlink()  # no memo: the same digest from scratch
        as_new_process()
        assert code_digest(root) == edited
        memo.write_text("not json")  # a damaged memo is ignored, then replaced
        as_new_process()
        assert code_digest(root) == edited
        assert json.loads(memo.read_text())
    finally:
        as_new_process()


# ----------------------------------------------------------------------------- source_digest
def toy_copy(tmp_path: Path) -> Path:
    path = tmp_path / "toy_study.py"
    shutil.copy(TOY, path)
    return path


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"""A toy study', '"""A toy study, docstring edited,'),
        ('CAPTION = "A sine wave', 'CAPTION = "A sampled sine wave'),
        ('TITLE = "A toy sine wave"', 'TITLE = "A toy sine"'),
        ("CALIBRATION = []", 'CALIBRATION = ["the bound 0.5 was chosen after a first run"]'),
        ('ax.set_xlabel("time (ms)")', 'ax.set_xlabel("t (ms)")'),  # plot
        ('"mV", 0.5)', '"mV", 0.6)'),  # claims
        ("    progress(0, 1,", "    # a comment in compute\n    progress(0, 1,"),
    ],
)
def test_prose_claims_and_plot_leave_a_study_source_digest(tmp_path, old, new):
    path = toy_copy(tmp_path)
    before = source_digest(path)
    edit(path, old, new)
    assert source_digest(path) == before


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"n_points": 50 if quick', '"n_points": 60 if quick'),  # parameters
        ("2 * np.pi * t", "np.pi * t"),  # compute
        ("import os\n", "import os\n\nHELPER = 1\n"),  # anything else at top level
    ],
)
def test_parameters_and_compute_change_a_study_source_digest(tmp_path, old, new):
    path = toy_copy(tmp_path)
    before = source_digest(path)
    edit(path, old, new)
    assert source_digest(path) != before


def test_a_plot_function_of_a_file_that_is_not_a_study_counts():
    source = "def plot(x):\n    return x + 1\n"
    assert normalised_python(source) != normalised_python(source.replace("+ 1", "+ 2"))
    assert normalised_python(source, exclude=["plot"]) == normalised_python("")


# ---------------------------------------------------------------------------- study key, sweeps
def test_a_study_key_ignores_prose_and_follows_compute(tmp_path, monkeypatch):
    from dendrites.studies import run_study

    monkeypatch.setenv("TOY_COUNTER", str(tmp_path / "calls"))
    monkeypatch.delenv("TOY_AMPLITUDE", raising=False)
    path = toy_copy(tmp_path)
    dirs = {"out_dir": tmp_path / "out", "results_dir": tmp_path / "res"}
    first = run_study(path, quick=True, **dirs)
    edit(path, 'CAPTION = "A sine wave', 'CAPTION = "A sampled sine wave')
    edit(path, 'ax.set_ylabel("V (mV)")', 'ax.set_ylabel("v (mV)")')
    second = run_study(path, quick=True, **dirs)
    assert second.cached and second.key == first.key
    assert second.caption.startswith("A sampled")  # the new caption is shown all the same
    edit(path, "2 * np.pi * t", "2.0 * np.pi * t")  # the same numbers, but other code
    third = run_study(path, quick=True, **dirs)
    assert not third.cached and third.key != first.key
    assert len((tmp_path / "calls").read_text().splitlines()) == 2
    # provenance: in the stored Dataset and the JSON record
    attrs = third.dataset.attrs
    assert attrs["study_code_digest"] == code_digest()
    assert attrs["study_source_digest"] == source_digest(path)
    assert json.loads(attrs["study_git"]) == git_state()
    record = json.loads(third.json.read_text(encoding="utf-8"))["provenance"]
    assert record["code_digest"] == code_digest()
    assert record["source_digest"] == source_digest(path)
    assert record["git"] == git_state()


def test_a_sweep_point_hash_follows_the_package_and_the_model_code(tmp_path, monkeypatch):
    from brian2 import ms

    from dendrites.sweep import Sweep, _point_hash, _source_digest, _spec

    model = tmp_path / "model.py"
    shutil.copy(SWEEP_MODEL, model)
    sweep = Sweep("t", {"weight_nS": [1.0]}, make_cell=f"{model}:make_cell", duration=5 * ms)
    point = {"weight_nS": 1.0, "site": 0.5}

    def point_hash() -> str:
        spec = _spec(sweep)
        return _point_hash(spec, point, (_source_digest(spec["make_cell"]), ""))

    pristine = point_hash()
    edit(model, '"""A small model', '"""A tiny model')  # prose
    edit(model, "SITES = (0.2, 0.5, 0.8)", "SITES = (0.2, 0.5, 0.8)  # sites")
    assert point_hash() == pristine
    edit(model, "diameter=1 * um", "diameter=1.5 * um")  # the model's code
    edited_model = point_hash()
    assert edited_model != pristine

    root = copy_package(tmp_path / "pkg")  # the same model, run by an edited package
    monkeypatch.setattr(provenance, "package_root", lambda: root)
    assert point_hash() == edited_model
    edit(root / "mechanisms" / "passive.py", PASSIVE_G, PASSIVE_G.replace("1e-4", "2e-4"))
    as_new_process()
    try:
        assert point_hash() != edited_model
    finally:
        as_new_process()


# ----------------------------------------------------------------------------------- end to end
def run_toy(src: Path, tmp_path: Path) -> dict:
    """Run the toy study of `src` in a fresh process importing the package copy in `src`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TOY_", "DENDRITES_", "PYTEST_"))
    }
    env.update(
        PYTHONPATH=str(src),
        DENDRITES_CACHE=str(tmp_path / "cache"),
        TOY_COUNTER=str(tmp_path / "calls"),
        MPLBACKEND="Agg",
    )
    out, res = tmp_path / "out", tmp_path / "res"
    args = ["run", str(src / "studies" / "toy_study.py"), "--quick", "--out", out, "--results", res]
    proc = subprocess.run(
        [sys.executable, "-m", "dendrites", *map(str, args)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "toy_study.json").read_text(encoding="utf-8"))["provenance"]


def test_a_mechanism_default_edited_in_a_copy_makes_the_next_run_recompute(tmp_path):
    src = tmp_path / "src"
    root = copy_package(src)
    (src / "studies").mkdir()
    shutil.copy(TOY, src / "studies" / "toy_study.py")

    def n_computed() -> int:
        return len((tmp_path / "calls").read_text().splitlines())

    first = run_toy(src, tmp_path)
    assert first["cached"] is False and n_computed() == 1
    assert first["code_digest"] == code_digest(root)  # the copy ran, not the installed package
    assert first["git"] is None  # the copy is not a git checkout
    second = run_toy(src, tmp_path)
    assert second["cached"] is True and n_computed() == 1
    assert second["study_key"] == first["study_key"]

    edit(root / "mechanisms" / "passive.py", PASSIVE_G, PASSIVE_G.replace("1e-4", "2e-4"))
    third = run_toy(src, tmp_path)
    assert third["cached"] is False and n_computed() == 2
    assert third["study_key"] != first["study_key"]
    assert third["code_digest"] != first["code_digest"]


# ------------------------------------------------------------------------------------------ git
def git(folder: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(folder), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A git checkout holding a package copy, a studies folder and a README, all committed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    root = copy_package(repo)
    (repo / "studies").mkdir()
    shutil.copy(TOY, repo / "studies" / "toy_study.py")
    (repo / "README.md").write_text("readme\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    as_new_process()
    yield root
    as_new_process()


def test_git_state_gives_the_commit_and_a_dirty_flag_for_package_and_studies(checkout):
    repo = checkout.parent
    head = git(repo, "rev-parse", "HEAD").strip()
    assert git_state(checkout) == {"commit": head, "dirty": False}
    (repo / "README.md").write_text("edited\n")  # outside the package and the studies
    as_new_process()
    assert git_state(checkout) == {"commit": head, "dirty": False}
    (repo / "studies" / "new_study.py").write_text("X = 1\n")  # untracked counts
    as_new_process()
    assert git_state(checkout) == {"commit": head, "dirty": True}
    (repo / "studies" / "new_study.py").unlink()
    edit(checkout / "mechanisms" / "passive.py", PASSIVE_G, PASSIVE_G.replace("1e-4", "2e-4"))
    as_new_process()
    assert git_state(checkout) == {"commit": head, "dirty": True}


def test_git_state_is_none_outside_a_checkout_or_without_git(tmp_path, checkout, monkeypatch):
    assert git_state(copy_package(tmp_path / "plain")) is None  # not a checkout
    untracked = checkout.parent / "venv" / "site-packages"  # installed inside someone's tree
    assert git_state(copy_package(untracked)) is None
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-folder"))  # no git at all
    assert git_state(checkout) is None


def test_git_state_of_this_package(monkeypatch):
    state = git_state()
    repo_git = package_root().parent / ".git"
    if shutil.which("git") is None or not repo_git.exists():
        assert state is None
    else:
        assert len(state["commit"]) == 40 and isinstance(state["dirty"], bool)


# ------------------------------------------------------------------------- simulated Datasets
def test_a_simulated_dataset_records_the_code_digest_and_git_state():
    from brian2 import cm, ms, mV, ohm, siemens, uF, um

    from dendrites import Cell, morphology, simulate

    cell = Cell(
        morphology.ball_and_stick(length=100 * um, diameter=1 * um).with_n({"dend": 3}),
        Ri=150 * ohm * cm,
        Cm=1 * uF / cm**2,
        v_init=-70 * mV,
    )
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    ds = simulate(cell, 1 * ms, record={"v": [0]}, backend="runtime", runtime_target="numpy")
    assert ds.attrs["code_digest"] == code_digest()
    assert json.loads(ds.attrs["git"]) == git_state()
