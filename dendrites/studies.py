"""Studies: one script per figure, its numbers as claims, results cached under a parameter hash.

The study contract
------------------
A study is one script in the repository's ``studies/`` folder, named after what it shows
(``studies/not_isopotential.py``). It defines at module level::

    TITLE = "The neuron is not isopotential"      # one line
    CAPTION = "..."                                # a paragraph for the gallery

    def parameters(quick: bool) -> dict: ...       # JSON-serialisable: all the result depends on
    def compute(params: dict, progress) -> xr.Dataset: ...   # runs the simulations
    def claims(ds: xr.Dataset) -> list[Claim]: ...  # numbers computed from the stored Dataset
    def plot(ds: xr.Dataset) -> matplotlib.figure.Figure: ...  # drawn from the stored Dataset

    if __name__ == "__main__":
        dendrites.studies.main(__file__)           # python studies/x.py [--quick] [--force]

``compute`` receives the parameters as they were hashed (a JSON round trip: tuples become lists).
``claims`` and ``plot`` always receive the Dataset as read back from its netCDF file, so a fresh
run and a cached one draw and measure exactly the same thing.

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
:func:`run_study` hashes the study's name, its parameters, the text of its script and the
``dendrites`` version (:func:`dendrites.results.parameter_hash`); the Dataset is stored in
``<results>/<name>-<quick|full>-<key>.nc`` and reused while the key is unchanged. It then writes
``<out>/<name>.png``, ``.pdf`` and ``.json`` (claims and provenance). :func:`write_gallery` writes
``<out>/README.md``, which shows every figure with its caption and claims. Folders:
:mod:`dendrites.paths`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import hashlib
import importlib.util
import json
import logging
import math
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

from . import paths
from .errors import DendritesError, ParameterError, ResultsError

__all__ = [
    "REQUIRED",
    "Claim",
    "StudyError",
    "StudyFailure",
    "StudyResult",
    "discover",
    "duration",
    "find_studies",
    "load_record",
    "load_study",
    "main",
    "no_progress",
    "plural",
    "run_studies",
    "run_study",
    "track",
    "write_gallery",
]

log = logging.getLogger(__name__)

#: Module-level names every study defines.
REQUIRED = ("TITLE", "CAPTION", "parameters", "compute", "claims", "plot")

#: The progress protocol: ``progress(n_done, n_total, label)``.
Progress = Callable[..., None]


class StudyError(DendritesError, RuntimeError):
    """A study script breaks the study contract (missing names, wrong return types)."""


# --------------------------------------------------------------------------------------- claims
def _fmt(x: float) -> str:
    return f"{x:.4g}"


def duration(seconds: float) -> str:
    """A wall time for people: ``"0.01 s"``, ``"41.3 s"``, ``"12 min 5 s"``."""
    if seconds < 60:
        return f"{seconds:.{2 if seconds < 10 else 1}f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 study"``, ``"2 studies"``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


@dataclasses.dataclass(frozen=True)
class Claim:
    """A number a study states about its result, with the target it is meant to meet.

    Build claims with the constructors, which compute `holds` from the value, never by hand:
    :meth:`at_least`, :meth:`at_most`, :meth:`between`, :meth:`within` and :meth:`report`
    (a number shown without a target; ``holds`` is None). A NaN value never holds.

    Attributes
    ----------
    name : str
        What is measured, e.g. ``"soma/dendrite attenuation"``.
    value : float
        The measured number, in `unit`.
    unit : str
        Unit of `value` (``""`` for dimensionless numbers).
    target : str
        The target in words, e.g. ``"≥ 1.5"``; ``"reported"`` for reported-only numbers.
    holds : bool or None
        Whether `value` meets the target; None for reported-only numbers.

    Examples
    --------
    >>> Claim.at_least("peak depolarisation", 7.2, "mV", 5)
    Claim(name='peak depolarisation', value=7.2, unit='mV', target='≥ 5 mV', holds=True)
    """

    name: str
    value: float
    unit: str
    target: str
    holds: bool | None

    @staticmethod
    def _number(name: str, value) -> float:
        if not getattr(value, "is_dimensionless", True):  # a Brian2 quantity with a unit
            raise ParameterError(
                "value", f"claim {name!r}: {value!r} has units; pass value / unit as a number"
            )
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ParameterError(
                "value", f"claim {name!r}: {value!r} is not a plain number (convert units first)"
            ) from None

    @classmethod
    def at_least(cls, name: str, value, unit: str, bound: float) -> Claim:
        """Holds when ``value >= bound``."""
        v = cls._number(name, value)
        return cls(name, v, unit, _with_unit(f"≥ {_fmt(bound)}", unit), bool(v >= bound))

    @classmethod
    def at_most(cls, name: str, value, unit: str, bound: float) -> Claim:
        """Holds when ``value <= bound``."""
        v = cls._number(name, value)
        return cls(name, v, unit, _with_unit(f"≤ {_fmt(bound)}", unit), bool(v <= bound))

    @classmethod
    def between(cls, name: str, value, unit: str, lo: float, hi: float) -> Claim:
        """Holds when ``lo <= value <= hi``."""
        if not lo <= hi:
            raise ParameterError("lo", f"claim {name!r}: lower bound {lo} above upper bound {hi}")
        v = cls._number(name, value)
        target = _with_unit(f"{_fmt(lo)} – {_fmt(hi)}", unit)
        return cls(name, v, unit, target, bool(lo <= v <= hi))

    @classmethod
    def within(cls, name: str, value, unit: str, target: float, tol: float) -> Claim:
        """Holds when ``|value - target| <= tol`` (`tol` is absolute, in `unit`)."""
        if not tol >= 0:
            raise ParameterError("tol", f"claim {name!r}: tolerance {tol} must be >= 0")
        v = cls._number(name, value)
        text = _with_unit(f"{_fmt(target)} ± {_fmt(tol)}", unit)
        return cls(name, v, unit, text, bool(abs(v - target) <= tol))

    @classmethod
    def report(cls, name: str, value, unit: str) -> Claim:
        """A number shown without a target (``holds`` is None)."""
        return cls(name, cls._number(name, value), unit, "reported", None)

    @property
    def value_text(self) -> str:
        """The value with its unit, to 4 significant digits: ``"7.2 mV"``."""
        return _with_unit(_fmt(self.value), self.unit)

    def to_dict(self) -> dict:
        """JSON-ready: a non-finite value becomes null."""
        value = self.value if math.isfinite(self.value) else None
        return {
            "name": self.name,
            "value": value,
            "unit": self.unit,
            "target": self.target,
            "holds": self.holds,
        }


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
        raise StudyError(f"{path}: a study defines {', '.join(REQUIRED)}; missing {missing}")
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

    @property
    def record(self) -> dict:
        """The JSON record written to ``<out>/<name>.json``."""
        return {
            "study": self.name,
            "title": self.title,
            "caption": self.caption,
            "quick": self.quick,
            "figure": {"png": self.png.name, "pdf": self.pdf.name},
            "claims": [c.to_dict() for c in self.claims],
            "provenance": self.provenance,
        }

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

    from . import __version__

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


def _compute(module, name: str, params: dict, key: str, quick: bool, path: Path, position: int):
    import xarray as xr

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
    )
    try:
        save_dataset(ds, path)
    except ResultsError as exc:
        raise ResultsError(
            f"{name}: {exc} (choose another results folder with --results or results_dir=)"
        ) from None
    return seconds


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
    from . import __version__
    from .results import parameter_hash

    params = _parameters(module, name, quick)
    source = hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()
    key = parameter_hash(name, params, source, __version__)
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
        wall = _compute(module, name, params, key, quick, nc, _position)
        log.info("%s (%s): computed in %s, stored in %s", name, mode, duration(wall), nc)
        ds = _load_cached(nc, key)  # claims and plot see exactly what is stored
        if ds is None:
            raise StudyError(f"{name}: the result just written to {nc} cannot be read back")

    claims = _check_claims(name, module.claims(ds))
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


# -------------------------------------------------------------------------------------- gallery
_MARK = {True: "✔", False: "✘", None: "—"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _value(c: dict) -> str:
    v = "n/a" if c["value"] is None else _fmt(c["value"])
    return _with_unit(v, c["unit"])


def _seconds(prov: dict) -> str:
    wall, computed = prov.get("wall_seconds"), prov.get("compute_seconds")
    if wall is not None:
        return f"computed in {duration(wall)}"
    if computed is not None:
        return f"cached (computed in {duration(computed)})"
    return "cached"


def write_gallery(
    out_dir, results: Iterable[StudyResult | dict], failures: Iterable[StudyFailure] = ()
) -> Path:
    """Write ``<out_dir>/README.md``: one section per study with its figure, caption and claims.

    Parameters
    ----------
    out_dir : path
        The folder holding the figures; the page links them relatively.
    results : iterable of StudyResult or dict
        Results, or their JSON records (as in ``<name>.json``); shown sorted by study name.
    failures : iterable of StudyFailure
        Studies that raised; listed at the top with their error.
    """
    out_dir = Path(out_dir)
    records = [r.record if isinstance(r, StudyResult) else r for r in results]
    records.sort(key=lambda r: r["study"])
    failures = list(failures)
    claims = [c for r in records for c in r["claims"]]
    n_hold = sum(c["holds"] is True for c in claims)
    n_fail = sum(c["holds"] is False for c in claims)
    n_rep = sum(c["holds"] is None for c in claims)
    modes = sorted({"quick" if r["quick"] else "full" for r in records})

    lines = [
        "# Figures",
        "",
        "Generated by `dendrites figures` from the scripts in `studies/`; do not edit by hand.",
        "",
        f"**{plural(len(claims), 'claim')} in {plural(len(records), 'study', 'studies')}: "
        f"{n_hold} hold, {n_fail} do not, {n_rep} reported only.**"
        + (f" Mode: {', '.join(modes)}." if modes else ""),
        "",
    ]
    if "quick" in modes:
        lines += ["> Quick-mode figures: small runs for checking, not for publication.", ""]
    if failures:
        lines += ["## Failed in the last run", ""]
        lines += [f"- `{f.name}`: {_cell(f.message)}" for f in failures]
        lines += [""]
    if not records and not failures:
        lines += ["No studies yet.", ""]
    for r in records:
        prov = r.get("provenance", {})
        png = r.get("figure", {}).get("png", f"{r['study']}.png")
        lines += [
            f"## {r['title']}",
            "",
            f"![{_cell(r['title'])}]({png})",
            "",
            r.get("caption", ""),
            "",
            "| claim | value | target | holds |",
            "|---|---|---|:-:|",
        ]
        lines += [
            f"| {_cell(c['name'])} | {_cell(_value(c))} | {_cell(c['target'])} "
            f"| {_MARK[c['holds']]} |"
            for c in r["claims"]
        ]
        mode = "quick" if r["quick"] else "full"
        lines += [
            "",
            f"Study `studies/{r['study']}.py`, {mode} mode, {_seconds(prov)}; "
            f"key `{prov.get('study_key', '?')}`.",
            "",
        ]
    path = out_dir / "README.md"
    with paths.atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------- script entry
def main(path, argv: Sequence[str] | None = None) -> None:
    """Run the study script at `path` from the command line: ``python studies/x.py [--quick]``.

    Accepts the options of ``dendrites run`` (``--quick --out --results --force``) and exits with
    its exit code.
    """
    from .cli import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    raise SystemExit(cli_main(["run", str(Path(path).resolve()), *args]))
