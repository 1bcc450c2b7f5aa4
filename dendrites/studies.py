"""Studies: one script per figure, its numbers as claims, results cached under a parameter hash.

The study contract
------------------
A study is one script in the repository's ``studies/`` folder, named after what it shows
(``studies/not_isopotential.py``). It defines at module level::

    TITLE = "The neuron is not isopotential"      # one line
    CAPTION = "..."                                # a paragraph for the gallery
    CALIBRATION = ["...", ...]                     # choices made after seeing results ([]: none)
    SUMMARY = "... {claim name} ..."               # optional: the README's claim sentence

    def parameters(quick: bool) -> dict: ...       # JSON-serialisable: all the result depends on
    def compute(params: dict, progress) -> xr.Dataset: ...   # runs the simulations
    def claims(ds: xr.Dataset) -> list[Claim]: ...  # numbers computed from the stored Dataset
    def plot(ds: xr.Dataset) -> matplotlib.figure.Figure: ...  # drawn from the stored Dataset

    if __name__ == "__main__":
        dendrites.cli.run_script(__file__)         # python studies/x.py [--quick] [--force]

``compute`` receives the parameters as they were hashed (a JSON round trip: tuples become lists).
``claims`` and ``plot`` always receive the Dataset as read back from its netCDF file, so a fresh
run and a cached one draw and measure exactly the same thing.

Each :class:`Claim` is of one of two kinds (:data:`KINDS`), given by the keyword ``kind`` of its
constructor: a ``"finding"`` (the default) is a number the simulation could have contradicted; a
``"check"`` cannot fail by construction (a parameter repeated, a theorem, an identity of the
point-neuron control). Headline counts (the gallery, the README, ``dendrites figures``) count
findings only and show checks apart.

``CALIBRATION`` (required) is a list of sentences, each saying which value was chosen after seeing
which results, and on what data the headline is scored (seeds or patterns not used for the
choice, or the same ones); an empty list declares that nothing was chosen that way, and the
gallery says "none declared". ``SUMMARY`` (optional) is the study's one-line claim for the
README's studies table; ``{NAME}`` is replaced by the value (with unit) of the claim named NAME and
``{NAME:SPEC}`` formats it with a format spec (:func:`fill_summary`). Without it the table shows the
``TITLE``. Both go into the JSON record, from which the gallery and the README table are written.

The progress protocol
---------------------
``progress`` is a plain callable, ``progress(n_done, n_total, label="")``: call it whenever some
work is finished (``n_done`` of ``n_total`` units; ``label`` says what is being done). The runner
passes one that drives a progress bar; :func:`no_progress` ignores the calls (use it when calling
``compute`` by hand); :func:`track` wraps an iterable and reports as it goes::

    for i, rate in enumerate(track(params["rates"], progress, "input rate")):
        ...

Results
-------
:func:`run_study` keys a result by what computes it (:func:`dendrites.results.parameter_hash`
of): the study's name and parameters, the computing code of its script
(:func:`dendrites.provenance.source_digest`: its syntax tree without docstrings, comments,
``TITLE``, ``CAPTION``, ``CALIBRATION``, ``SUMMARY``, ``claims`` and ``plot``, which never reach
the stored Dataset), and the package's computing code (:func:`dendrites.provenance.code_digest`:
every module but plotting and the command line, the C++ templates, and the versions of Python,
Brian2, NumPy, SciPy and scikit-learn). Editing a mechanism default, the backend or the cable
template recomputes; editing prose does not. The Dataset is stored in
``<results>/<name>-<quick|full>-<key>.nc`` and reused while the key is unchanged; its attrs and
the JSON record's provenance hold the code digest and the git commit (with a dirty flag) of the
run that computed it. It then writes
``<out>/<name>.png``, ``.pdf`` and ``.json`` (claims, calibration, summary and provenance).
:func:`~dendrites.gallery.write_gallery` writes ``<out>/README.md``, which shows every figure with
its caption, findings, checks and calibration; :func:`~dendrites.gallery.update_readme` writes the
repository README's studies table from the same records. Folders: :mod:`dendrites.paths`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import importlib.util
import json
import logging
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

from . import paths
from .claims import KINDS, Claim, duration, fill_summary, plural
from .errors import DendritesError, ParameterError, ResultsError
from .gallery import write_gallery

__all__ = [
    "KINDS",
    "REQUIRED",
    "Claim",
    "StudyError",
    "StudyFailure",
    "StudyResult",
    "discover",
    "duration",
    "fill_summary",
    "find_studies",
    "load_record",
    "load_study",
    "no_progress",
    "plural",
    "run_studies",
    "run_study",
    "track",
    "write_gallery",
]

log = logging.getLogger(__name__)

#: Module-level names every study defines.
REQUIRED = ("TITLE", "CAPTION", "CALIBRATION", "parameters", "compute", "claims", "plot")

#: The progress protocol: ``progress(n_done, n_total, label)``.
Progress = Callable[..., None]


class StudyError(DendritesError, RuntimeError):
    """A study script breaks the study contract (missing names, wrong return types)."""


# ------------------------------------------------------------------------------------- progress
def no_progress(n_done: int, n_total: int, label: str = "") -> None:
    """The progress callable that ignores every call (for calling ``compute`` by hand)."""


def track(iterable: Iterable, progress: Progress, label: str = "") -> Iterator:
    """Yield the items of `iterable`, calling ``progress(i, n, label)`` before and after each."""
    items = list(iterable)
    n = len(items)
    progress(0, n, label)
    for i, item in enumerate(items):
        yield item
        progress(i + 1, n, label)


class _Bar:
    """A progress callable drawing a tqdm bar (silent when stderr is not a terminal)."""

    def __init__(self, name: str, position: int = 0):
        self.name = name
        self.position = position
        self.bar = None

    def __call__(self, n_done: int, n_total: int, label: str = "") -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(
                total=n_total, desc=self.name, disable=None, leave=False, position=self.position
            )
        bar = self.bar
        if bar.total != n_total:
            bar.total = n_total
        bar.n = n_done
        if label:
            bar.set_postfix_str(label, refresh=False)
        bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------------------------ discovery
def find_studies(studies_dir=None) -> dict[str, Path]:
    """Study scripts by name: every ``*.py`` in the studies folder not starting with ``_``.

    Nothing is imported. `studies_dir` defaults to :func:`dendrites.paths.studies_dir`.
    """
    folder = Path(studies_dir) if studies_dir is not None else paths.studies_dir()
    if not folder.is_dir():
        raise StudyError(f"no studies folder at {folder} (set DENDRITES_STUDIES to another one)")
    return {p.stem: p for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")}


def _unknown(name: str, known: Iterable[str]) -> ParameterError:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
    elif known:
        hint = "known studies: " + ", ".join(known)
    else:
        hint = "there are no studies"
    return ParameterError("study", f"unknown study {name!r}; {hint}")


def load_study(name_or_path, studies_dir=None) -> ModuleType:
    """Import one study script (a name in the studies folder, or a path to a ``.py`` file).

    Scripts are not a package: each is imported from its file path, afresh on every call, under
    the module name ``dendrites_study_<name>``.

    Raises
    ------
    ParameterError
        No study of that name (the message suggests close names).
    StudyError
        The script lacks one of :data:`REQUIRED`.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".py"):
        path = Path(text)
        if not path.is_file():
            raise StudyError(f"no study script at {path}")
    else:
        found = find_studies(studies_dir)
        if text not in found:
            raise _unknown(text, found)
        path = found[text]
    path = path.resolve()
    modname = f"dendrites_study_{path.stem}"
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module  # dataclasses and pickling look the module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    missing = [n for n in REQUIRED if not hasattr(module, n)]
    if missing:
        hint = (
            " (CALIBRATION lists the values chosen after seeing results; write CALIBRATION = [] "
            "when there are none)"
            if "CALIBRATION" in missing
            else ""
        )
        raise StudyError(f"{path}: a study defines {', '.join(REQUIRED)}; missing {missing}{hint}")
    _calibration(module, path.stem)
    return module


def discover(studies_dir=None) -> dict[str, ModuleType]:
    """Import every study script; return the modules by name (sorted).

    A script that fails to import raises here; :func:`run_studies` instead imports each study
    separately so that one broken script does not stop the others.
    """
    return {name: load_study(path) for name, path in find_studies(studies_dir).items()}


def _name(module: ModuleType) -> str:
    return Path(module.__file__).stem


# ------------------------------------------------------------------------------------- running
@dataclasses.dataclass
class StudyResult:
    """What :func:`run_study` produced: the Dataset, the claims and the files written."""

    name: str
    title: str
    caption: str
    quick: bool
    key: str
    dataset: object  # xarray.Dataset (read back from `results_file`)
    claims: list[Claim]
    cached: bool
    results_file: Path
    png: Path
    pdf: Path
    json: Path
    provenance: dict
    #: The study's ``CALIBRATION``: choices made after seeing results (empty: none).
    calibration: list[str] = dataclasses.field(default_factory=list)
    #: The study's ``SUMMARY`` template (None: the README shows the title).
    summary: str | None = None

    @property
    def record(self) -> dict:
        """The JSON record written to ``<out>/<name>.json``."""
        return {
            "study": self.name,
            "title": self.title,
            "caption": self.caption,
            "summary": self.summary,
            "calibration": list(self.calibration),
            "quick": self.quick,
            "figure": {"png": self.png.name, "pdf": self.pdf.name},
            "claims": [c.to_dict() for c in self.claims],
            "provenance": self.provenance,
        }

    @property
    def findings(self) -> list[Claim]:
        """The claims of kind ``"finding"`` (the ones the headline counts)."""
        return [c for c in self.claims if c.kind == "finding"]

    @property
    def checks(self) -> list[Claim]:
        """The claims of kind ``"check"`` (cannot fail by construction)."""
        return [c for c in self.claims if c.kind == "check"]

    @property
    def all_hold(self) -> bool:
        """No claim fails (reported-only claims do not count)."""
        return all(c.holds is not False for c in self.claims)


@dataclasses.dataclass
class StudyFailure:
    """A study that raised: its name, the exception and the formatted traceback."""

    name: str
    error: BaseException
    traceback: str

    @property
    def message(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


def _versions() -> dict:
    import brian2
    import matplotlib
    import numpy
    import xarray

    from ._version import __version__

    return {
        "dendrites": __version__,
        "brian2": brian2.__version__,
        "numpy": numpy.__version__,
        "xarray": xarray.__version__,
        "matplotlib": matplotlib.__version__,
        "python": platform.python_version(),
    }


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _parameters(module: ModuleType, name: str, quick: bool) -> dict:
    params = module.parameters(quick)
    if not isinstance(params, dict):
        raise StudyError(f"{name}.parameters() returned {type(params).__name__}, not a dict")
    try:
        text = json.dumps(params, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StudyError(
            f"{name}.parameters() is not plain JSON ({exc}); use numbers in stated units, "
            "strings, lists and dicts"
        ) from None
    return json.loads(text)


def _load_cached(path: Path, key: str):
    """The stored result at `path`, or None when it must be computed (see
    :func:`~dendrites.results.load_cached`; a result stored under another study key too)."""
    from .results import load_cached

    ds = load_cached(path)
    if ds is not None and ds.attrs.get("study_key") != key:
        log.warning("%s: stored under another study key; recomputing", path.name)
        return None
    return ds


def _compute(
    module, name: str, params: dict, key: str, quick: bool, path: Path, position: int, source: str
):
    import xarray as xr

    from .provenance import code_digest, git_state
    from .results import SCHEMA_VERSION, save_dataset

    bar = _Bar(name, position)
    start = time.perf_counter()
    try:
        ds = module.compute(params, bar)
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    if not isinstance(ds, xr.Dataset):
        raise StudyError(f"{name}.compute() returned {type(ds).__name__}, not an xarray.Dataset")
    ds = ds.copy()  # attrs are ours to add to, not the study's
    ds.attrs.update(
        schema_version=SCHEMA_VERSION,
        study=name,
        study_key=key,
        study_mode="quick" if quick else "full",
        study_parameters=json.dumps(params, sort_keys=True),
        study_versions=json.dumps(_versions(), sort_keys=True),
        study_created=_now(),
        study_compute_seconds=round(seconds, 3),
        study_code_digest=code_digest(),
        study_source_digest=source,
        study_git=json.dumps(git_state()),  # "null" when not run from a git checkout
    )
    try:
        save_dataset(ds, path)
    except ResultsError as exc:
        raise ResultsError(
            f"{name}: {exc} (choose another results folder with --results or results_dir=)"
        ) from None
    return seconds


def _calibration(module: ModuleType, name: str) -> list[str]:
    value = module.CALIBRATION
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise StudyError(
            f"{name}: CALIBRATION must be a list of sentences (an empty list when no value was "
            f"chosen after seeing results), got {type(value).__name__}"
        )
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        raise StudyError(
            f"{name}: every CALIBRATION entry must be a non-empty string; got {bad[0]!r}"
        )
    return [v.strip() for v in value]


def _summary(module: ModuleType, name: str, claims: list[Claim]) -> str | None:
    template = getattr(module, "SUMMARY", None)
    if template is None:
        return None
    if not isinstance(template, str) or not template.strip():
        raise StudyError(f"{name}: SUMMARY must be a non-empty string, got {template!r}")
    try:
        fill_summary(template, claims)
    except ParameterError as exc:
        raise StudyError(f"{name}: SUMMARY: {exc}") from None
    return template.strip()


def _check_claims(name: str, claims) -> list[Claim]:
    claims = list(claims)
    bad = [c for c in claims if not isinstance(c, Claim)]
    if bad:
        raise StudyError(f"{name}.claims() must return Claim objects, got {bad[0]!r}")
    names = [c.name for c in claims]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise StudyError(f"{name}.claims(): claim names must be unique; repeated {dupes}")
    return claims


def _draw(module, name: str, ds, out_dir: Path) -> tuple[Path, Path]:
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from . import plotting

    with matplotlib.rc_context():
        plotting.use_style()
        fig = module.plot(ds)
        try:
            if not isinstance(fig, Figure):
                raise StudyError(f"{name}.plot() returned {type(fig).__name__}, not a Figure")
            return plotting.savefig(fig, out_dir / name)
        finally:
            if isinstance(fig, Figure):
                plt.close(fig)


def _write_json(path: Path, record: dict) -> None:
    text = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with paths.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def run_study(
    name_or_module,
    quick: bool = False,
    out_dir=None,
    results_dir=None,
    force: bool = False,
    *,
    studies_dir=None,
    _position: int = 0,
) -> StudyResult:
    """Run one study (or reuse its stored result), then write its figure and claims.

    Parameters
    ----------
    name_or_module : str, Path or module
        A study name (looked up in `studies_dir`), a path to a study script, or a loaded study.
    quick : bool
        The study's quick mode (small, for CI) instead of the full one (publication figures).
    out_dir, results_dir : path, optional
        Where figures and claims go, and where results are cached. Defaults:
        :func:`dendrites.paths.figures_dir` and :func:`dendrites.paths.results_dir`.
    force : bool
        Recompute even if a stored result with the same key exists.

    Returns
    -------
    StudyResult

    Raises
    ------
    ParameterError
        Unknown study name; quick-mode output directed into ``figures/``.
    StudyError
        The study breaks the contract. Whatever the study's own code raises is passed on.
    """
    module = (
        name_or_module
        if isinstance(name_or_module, ModuleType)
        else load_study(name_or_module, studies_dir)
    )
    name = _name(module)
    from .provenance import code_digest, source_digest
    from .results import parameter_hash

    params = _parameters(module, name, quick)
    # what computes the result: the study's computing code (not its prose, claims or plot) and
    # the package's (code, templates, versions of Python, Brian2, NumPy...)
    source = source_digest(module.__file__)
    key = parameter_hash(name, params, source, code_digest())
    mode = "quick" if quick else "full"
    out_dir = paths.check_out_dir(
        out_dir if out_dir is not None else paths.figures_dir(quick), quick
    )
    results_dir = Path(results_dir) if results_dir is not None else paths.results_dir(quick)
    nc = results_dir / f"{name}-{mode}-{key}.nc"

    ds = None if force else _load_cached(nc, key)
    cached = ds is not None
    wall = None
    if cached:
        log.info("%s (%s): cached result %s", name, mode, nc)
    else:
        log.info("%s (%s): computing", name, mode)
        wall = _compute(module, name, params, key, quick, nc, _position, source)
        log.info("%s (%s): computed in %s, stored in %s", name, mode, duration(wall), nc)
        ds = _load_cached(nc, key)  # claims and plot see exactly what is stored
        if ds is None:
            raise StudyError(f"{name}: the result just written to {nc} cannot be read back")

    claims = _check_claims(name, module.claims(ds))
    calibration = _calibration(module, name)
    summary = _summary(module, name, claims)
    png, pdf = _draw(module, name, ds, out_dir)
    provenance = {
        "study_key": key,
        "parameters": params,
        "versions": json.loads(ds.attrs.get("study_versions", "{}")),
        "wall_seconds": None if wall is None else round(wall, 3),
        "compute_seconds": ds.attrs.get("study_compute_seconds"),
        "cached": cached,
        "created": ds.attrs.get("study_created"),
        "results_file": nc.name,
        # of the run that computed the stored result (equal to this run's but for git)
        "code_digest": ds.attrs.get("study_code_digest", code_digest()),
        "source_digest": ds.attrs.get("study_source_digest", source),
        "git": json.loads(ds.attrs.get("study_git", "null")),
    }
    if provenance["compute_seconds"] is not None:
        provenance["compute_seconds"] = float(provenance["compute_seconds"])
    result = StudyResult(
        name=name,
        title=str(module.TITLE),
        caption=str(module.CAPTION),
        quick=quick,
        key=key,
        dataset=ds,
        claims=claims,
        cached=cached,
        results_file=nc,
        png=png,
        pdf=pdf,
        json=out_dir / f"{name}.json",
        provenance=provenance,
        calibration=calibration,
        summary=summary,
    )
    _write_json(result.json, result.record)
    return result


def run_studies(
    names: Sequence[str] | None = None,
    quick: bool = False,
    out_dir=None,
    results_dir=None,
    force: bool = False,
    *,
    studies_dir=None,
    gallery: bool = True,
) -> tuple[list[StudyResult], list[StudyFailure]]:
    """Run several studies (all by default); one failing does not stop or lose the others.

    Unknown names raise :class:`~dendrites.errors.ParameterError` before anything runs. The
    gallery (:func:`write_gallery`) lists the studies run now and, for the others, the records
    already in `out_dir` from earlier runs.
    """
    from tqdm import tqdm

    found = find_studies(studies_dir)
    selected = list(found) if not names else list(dict.fromkeys(names))
    for n in selected:
        if n not in found:
            raise _unknown(n, found)
    out_dir = paths.check_out_dir(
        out_dir if out_dir is not None else paths.figures_dir(quick), quick
    )
    results: list[StudyResult] = []
    failures: list[StudyFailure] = []
    with tqdm(selected, desc="studies", unit="study", disable=None) as bar:
        for n in bar:
            bar.set_postfix_str(n)
            try:
                results.append(run_study(found[n], quick, out_dir, results_dir, force, _position=1))
            except Exception as exc:
                log.error("%s failed: %s: %s", n, type(exc).__name__, exc)
                failures.append(StudyFailure(n, exc, traceback.format_exc()))
    if gallery:
        done = {r.name for r in results} | {f.name for f in failures}
        records = [r.record for r in results]
        for n in found:
            if n not in done and (rec := load_record(out_dir, n)) is not None:
                records.append(rec)
        write_gallery(out_dir, records, failures)
    return results, failures


def load_record(out_dir, name: str) -> dict | None:
    """The JSON record of study `name` in `out_dir` (None if absent or unreadable)."""
    path = Path(out_dir) / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
