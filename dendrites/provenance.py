"""What computed a result: digests of the code, and the git commit, for cache keys and provenance.

A cached result is valid only while the code that computed it is unchanged. Two digests say what
that code is, both blind to prose, so that editing a docstring or a comment never invalidates a
cache but editing one line of code always does; the git state records where it came from:

:func:`code_digest`
    The package's computing code: every ``dendrites/**/*.py`` parsed and dumped through :mod:`ast`
    with docstrings removed (comments and formatting are gone by construction), the C++ templates
    with comments and whitespace runs removed, the data files it reads (``dendrites/data``, byte for
    byte, without their READMEs), and the versions of Python (minor), Brian2, NumPy, SciPy,
    scikit-learn and MorphIO. Modules that only draw or print (:data:`PRESENTATION`) are left out.
:func:`source_digest`
    One script (a study, or the file of a sweep's ``make_cell``/``reduce``), normalised the same
    way, without the parts of the study contract that are always evaluated afresh from the stored
    Dataset (:data:`STUDY_PROSE`: ``TITLE``, ``CAPTION``, ``CALIBRATION``, ``SUMMARY``,
    ``claims``, ``plot``).
:func:`git_state`
    The commit and dirty flag of the checkout the package runs from (None when it does not run
    from a git checkout, or git is missing): recorded, never part of a key.

Each is computed once per process (kept in the session, :mod:`dendrites.session`). The digests
of normalised files are also remembered across processes, addressed by the sha256 of each file's
bytes, so that :func:`code_digest` costs a new process ~20-50 ms instead of parsing the whole
package again (~0.2-0.8 s).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from .paths import atomic_path

__all__ = [
    "PRESENTATION",
    "STUDY_PROSE",
    "code_digest",
    "git_state",
    "normalised_python",
    "normalised_template",
    "package_root",
    "provenance",
    "source_digest",
]

#: Modules of the package left out of :func:`code_digest`: they draw figures or parse command
#: lines and print, and a stored result never passes through them (a study's ``plot`` and the
#: gallery are redrawn from the stored Dataset at every run; the command line only chooses which
#: studies run and where, never a number: sweeps give identical results on any number of workers).
PRESENTATION = ("plotting.py", "shapeplot.py", "cli.py", "__main__.py", "gallery.py")

#: Top-level names of a study script that never affect its stored Dataset: its prose and the
#: functions evaluated afresh from the stored Dataset at every run.
STUDY_PROSE = ("TITLE", "CAPTION", "CALIBRATION", "SUMMARY", "claims", "plot")

#: Packages whose version is part of :func:`code_digest` (their numerics reach the results).
DEPENDENCIES = ("brian2", "numpy", "scipy", "scikit-learn", "morphio")

_IMPORT_NAMES = {"scikit-learn": "sklearn"}


def package_root() -> Path:
    """The folder of the installed ``dendrites`` package."""
    return Path(__file__).resolve().parent


# ------------------------------------------------------------------------------- normalisation
def _is_prose(stmt: ast.stmt) -> bool:
    """A statement that is only a string literal (a docstring, or a string used as a comment)."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _strip_prose(tree: ast.AST) -> ast.AST:
    """Remove every string-literal statement from every statement list of `tree` (in place)."""
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, [s for s in value if not _is_prose(s)])
    return tree


def _defined_names(stmt: ast.stmt) -> set[str]:
    """The names a top-level statement defines (functions, classes, plain assignments)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Assign):
        return {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return {stmt.target.id}
    return set()


def _is_study(tree: ast.Module) -> bool:
    names = set().union(*(_defined_names(s) for s in tree.body)) if tree.body else set()
    return {"parameters", "compute"} <= names


def normalised_python(source: str | bytes, exclude: Iterable[str] | None = ()) -> str:
    """Python source reduced to what it computes: its syntax tree without docstrings, as text.

    Comments, blank lines, formatting and string-literal statements (docstrings) leave no trace;
    any other change does (a default value, an operator, a name).

    Parameters
    ----------
    source : str or bytes
        Python source code.
    exclude : iterable of str, or None
        Top-level names whose definitions (``def``, ``class``, plain assignment) are left out.
        None: :data:`STUDY_PROSE` if the source is a study script (defines ``parameters`` and
        ``compute``), nothing otherwise.

    Raises
    ------
    SyntaxError
        `source` is not valid Python.
    """
    tree = ast.parse(source)
    if exclude is None:
        exclude = STUDY_PROSE if _is_study(tree) else ()
    exclude = set(exclude)
    if exclude:
        tree.body = [
            s for s in tree.body if not (_defined_names(s) and _defined_names(s) <= exclude)
        ]
    _strip_prose(tree)
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


# A Jinja comment, a Jinja expression or statement, a C string or character literal, a C comment.
_TEMPLATE_TOKENS = re.compile(
    r"""(?P<jcomment>\{\#.*?\#\})
      | (?P<jinja>\{\{.*?\}\}|\{%.*?%\})
      | (?P<string>"(?:\\.|[^"\\\n])*")
      | (?P<char>'(?:\\.|[^'\\\n])*')
      | (?P<comment>/\*.*?\*/|//[^\n]*)
    """,
    re.DOTALL | re.VERBOSE,
)

#: A Jinja comment that Brian2 reads (``{# USES_VARIABLES { ... } #}`` and its kin) is code.
_BRIAN_DIRECTIVE = re.compile(r"\{\#\s*[A-Z][A-Z_]+\b")


def normalised_template(text: str) -> str:
    """A C++/Jinja template without comments, and with every whitespace run made one space.

    C comments (``//``, ``/* */``) and Jinja comments (``{# #}``) are removed, except the Jinja
    comments Brian2 reads as directives (``{# USES_VARIABLES {...} #}``); string literals and
    Jinja expressions are kept whole (a ``//`` in them is not a comment).
    """

    def keep(match: re.Match) -> str:
        kind = match.lastgroup
        if kind == "comment" or (kind == "jcomment" and not _BRIAN_DIRECTIVE.match(match[0])):
            return " "
        return match[0]

    return " ".join(_TEMPLATE_TOKENS.sub(keep, text).split())


#: Template files read as C/C++ (their comments are stripped); other templates count byte for byte.
_C_SUFFIXES = (".cpp", ".c", ".h", ".hpp")

#: Bumped whenever :func:`normalised_python` or :func:`normalised_template` change their output.
_NORMALISATION = 1


def _normalised_digest(suffix: str, data: bytes, exclude: Iterable[str] | None) -> str:
    if suffix == ".py":
        try:
            data = normalised_python(data, exclude).encode()
        except (SyntaxError, ValueError):  # not parseable here: its bytes, then
            pass
    elif suffix in _C_SUFFIXES:
        data = normalised_template(data.decode("utf-8", "replace")).encode()
    return hashlib.sha256(data).hexdigest()[:32]


# Normalising the package's sources takes ~0.2-0.8 s (parsing and dumping ~7,000 lines); every
# process would pay it. The digests of normalised files are therefore kept in a small JSON file
# addressed by the sha256 of each file's bytes (so it cannot go stale), one per Python minor
# version (syntax trees differ between versions). A process reads it once; only files it has
# never seen are parsed. It lives in the package cache folder (:func:`dendrites.paths.cache_dir`);
# when that folder cannot be read or written, digests are simply computed every time.
_MEMO_SIZE = 4000


def _kept() -> dict:
    """What this process computed once (kept in the session, :mod:`dendrites.session`)."""
    from .session import current

    return current().provenance


def _memo_path() -> Path | None:
    from .paths import cache_dir

    try:
        folder = cache_dir()
    except OSError:  # cannot be created: no memo
        return None
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return folder / f"source-digests-py{version}-v{_NORMALISATION}.json"


def _memo(path: Path | None) -> dict[str, str]:
    kept = _kept()
    memo = kept.get(("memo", str(path)))
    if memo is None:
        try:
            memo = json.loads(path.read_text(encoding="utf-8")) if path else {}
            if not isinstance(memo, dict):
                memo = {}
        except (OSError, ValueError):
            memo = {}
        kept["memo", str(path)] = memo
    return memo


def _save_memo(path: Path | None, new: dict[str, str]) -> None:
    """Add `new` to the memo file (merged with what other processes wrote meanwhile)."""
    if not new or path is None:
        return
    memo = _memo(path)
    with contextlib.suppress(OSError, ValueError):
        on_disk = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(on_disk, dict):
            memo.update({k: v for k, v in on_disk.items() if k not in memo})
    memo.update(new)
    keep = dict(list(memo.items())[-_MEMO_SIZE:])
    with contextlib.suppress(OSError), atomic_path(path) as tmp:
        tmp.write_text(json.dumps(keep, separators=(",", ":")), encoding="utf-8")


def _file_digests(files: list[Path], exclude: Iterable[str] | None) -> list[str]:
    """The normalised digest of each file (through the memo)."""
    memo_path = _memo_path()
    memo = _memo(memo_path)
    tag = "*" if exclude is None else ",".join(sorted(exclude))
    new: dict[str, str] = {}
    digests = []
    for path in files:
        data = path.read_bytes()
        key = f"{hashlib.sha256(data).hexdigest()}{path.suffix}:{tag}"
        digest = memo.get(key) or new.get(key)
        if digest is None:
            digest = new[key] = _normalised_digest(path.suffix, data, exclude)
        digests.append(digest)
    _save_memo(memo_path, new)
    return digests


# ------------------------------------------------------------------------------------ digests
def _version(dist: str) -> str | None:
    module = sys.modules.get(_IMPORT_NAMES.get(dist, dist))
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _computing_files(root: Path) -> list[Path]:
    files = [
        p
        for p in root.rglob("*.py")
        if not any(part.startswith((".", "__pycache__")) for part in p.relative_to(root).parts)
        and not (p.parent == root and p.name in PRESENTATION)
    ]
    files += [p for p in (root / "templates").glob("*") if p.is_file() and p.suffix != ".py"]
    # data the computing code reads (the shipped morphologies), byte for byte; their READMEs
    # are prose
    files += [p for p in (root / "data").rglob("*") if p.is_file() and p.suffix != ".md"]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def _code_digest(root: Path) -> str:
    kept = _kept()
    if ("code", root) in kept:
        return kept["code", root]
    h = hashlib.sha256()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    h.update(repr(("python", python, *((d, _version(d)) for d in DEPENDENCIES))).encode())
    files = _computing_files(root)
    for path, digest in zip(files, _file_digests(files, ()), strict=True):
        h.update(f"\0{path.relative_to(root).as_posix()}\0{digest}".encode())
    kept["code", root] = h.hexdigest()[:16]
    return kept["code", root]


def code_digest(root=None) -> str:
    """Digest of the package's computing code and the versions its numbers depend on.

    Covers every ``*.py`` of the package (but :data:`PRESENTATION`) through
    :func:`normalised_python`, the files in ``templates/`` (C++ through
    :func:`normalised_template`), the Python minor version and the versions of
    :data:`DEPENDENCIES`. Computed once per process and root: ~20 ms when the package's files
    were digested before (by any process), ~0.2-0.8 s otherwise.

    Parameters
    ----------
    root : path, optional
        The package folder (default: the installed package, :func:`package_root`).

    Returns
    -------
    str
        16 hex digits.
    """
    return _code_digest(Path(root).resolve() if root is not None else package_root())


def source_digest(path, exclude: Iterable[str] | None = None) -> str:
    """Digest of what a script computes (a study, or a sweep's ``make_cell``/``reduce`` file).

    The script's syntax tree without docstrings (:func:`normalised_python`) and without the
    top-level definitions in `exclude`: editing prose, comments, a study's ``TITLE``,
    ``CAPTION``, ``CALIBRATION``, ``SUMMARY``, ``claims`` or ``plot`` leaves it unchanged;
    editing its parameters, ``compute`` or any helper changes it. The file is read at every call.

    Parameters
    ----------
    path : path
        A Python file.
    exclude : iterable of str, optional
        Top-level names left out. Default: :data:`STUDY_PROSE` when the file is a study script
        (it defines ``parameters`` and ``compute``), nothing otherwise.

    Returns
    -------
    str
        16 hex digits.
    """
    return _file_digests([Path(path)], exclude)[0][:16]


# ---------------------------------------------------------------------------------------- git
def _git(folder: Path, *args: str) -> str:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")  # status takes no index lock
    done = subprocess.run(
        ["git", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
        env=env,
    )
    return done.stdout


def _git_state(root: Path) -> dict | None:
    kept = _kept()
    if ("git", root) not in kept:
        kept["git", root] = _ask_git(root)
    state = kept["git", root]
    return None if state is None else dict(state)


def _ask_git(root: Path) -> dict | None:
    try:
        if not _git(root, "ls-files", "--", "__init__.py").strip():
            return None  # in a work tree but not part of it (e.g. installed in a venv there)
        commit = _git(root, "rev-parse", "HEAD").strip()
        watched = [str(root)]
        if (root.parent / "studies").is_dir():
            watched.append(str(root.parent / "studies"))
        status = _git(root, "status", "--porcelain", "--", *watched)
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return None  # no git, not a checkout, no commit yet, too slow...
    return {"commit": commit, "dirty": bool(status.strip())}


def git_state(root=None) -> dict | None:
    """The git commit the package runs from, and whether the package or studies differ from it.

    Parameters
    ----------
    root : path, optional
        The package folder (default: the installed package).

    Returns
    -------
    dict or None
        ``{"commit": "<40 hex digits>", "dirty": bool}``; `dirty` is true when files in the
        package or in the ``studies/`` folder next to it are modified or untracked. None when the
        package is not part of a git checkout, git is not installed or fails. Computed once per
        process.
    """
    return _git_state(Path(root).resolve() if root is not None else package_root())


def provenance(root=None) -> dict:
    """``{"code_digest": ..., "git": ...}`` for the package (see :func:`code_digest` and
    :func:`git_state`)."""
    return {"code_digest": code_digest(root), "git": git_state(root)}
