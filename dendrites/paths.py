"""Where studies live and where their figures and results go: the single source of truth for paths.

Every other module asks this one; none builds these paths itself.

==================  ============================================================================
``repo_root()``     the checkout that holds the package (``<package>/..``) when it has a
                    ``studies/`` folder, else the current working directory
``studies_dir()``   ``$DENDRITES_STUDIES`` if set, else ``<repo root>/studies``
``figures_dir()``   full mode: ``<repo root>/figures`` (committed, so readers see the figures
                    without running anything); quick mode: ``$DENDRITES_OUT`` if set, else
                    ``<cache>/figures-quick`` -- quick runs never write into ``figures/``
``results_dir()``   full mode: ``<repo root>/results`` (git-ignored); quick mode:
                    ``<cache>/results-quick``
``cache_dir()``     ``<cache>``: ``$DENDRITES_CACHE`` if set, else ``~/.cache/dendrites``; holds
                    sweep points (``sweeps/``), quick-mode output and, by default, C++ builds
``build_dir()``     C++ standalone builds: ``$DENDRITES_BUILD_CACHE`` if set, else
                    ``<cache>/build`` (see :mod:`dendrites.buildcache`)
==================  ============================================================================

Builds depend only on a model's structure, results also on its values and on the code: keeping
builds apart (``DENDRITES_BUILD_CACHE``) lets a test suite or a CI job keep its compiled projects
across runs while each run starts with an empty results cache.
Environment variables are read when a function is called, never at import time.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "atomic_path",
    "build_dir",
    "cache_dir",
    "check_out_dir",
    "figures_dir",
    "repo_root",
    "results_dir",
    "studies_dir",
]


def repo_root() -> Path:
    """The repository checkout: the folder above the package if it has ``studies/``, else ``.``.

    An installed (non-editable) package has no ``studies/`` next to it; the current working
    directory is then taken as the project folder.
    """
    here = Path(__file__).resolve().parents[1]
    if (here / "studies").is_dir():
        return here
    return Path.cwd()


def studies_dir() -> Path:
    """Folder of the study scripts: ``$DENDRITES_STUDIES`` or ``<repo root>/studies``."""
    env = os.environ.get("DENDRITES_STUDIES")
    if env:
        return Path(env).expanduser()
    return repo_root() / "studies"


def cache_dir() -> Path:
    """Folder for cached results and, by default, C++ builds: ``$DENDRITES_CACHE`` or
    ``~/.cache/dendrites`` (created if missing)."""
    root = os.environ.get("DENDRITES_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "dendrites"
    )
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_dir() -> Path:
    """Folder of the C++ standalone builds: ``$DENDRITES_BUILD_CACHE`` or ``<cache>/build``
    (created if missing).

    Builds are keyed by structure only (:attr:`dendrites.plan.Plan.key`), so a build folder may
    outlive the results cache: a test suite points it at a folder kept between runs and compiles
    nothing it compiled before.
    """
    env = os.environ.get("DENDRITES_BUILD_CACHE")
    path = Path(env).expanduser() if env else cache_dir() / "build"
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_dir(quick: bool) -> Path:
    """Default folder for figures, claims (JSON) and the gallery page.

    Full mode writes into the repository's ``figures/``; quick mode into ``$DENDRITES_OUT`` or
    ``<cache>/figures-quick``, so a quick run can never overwrite the published figures.
    """
    if not quick:
        return repo_root() / "figures"
    env = os.environ.get("DENDRITES_OUT")
    if env:
        return Path(env).expanduser()
    return cache_dir() / "figures-quick"


def results_dir(quick: bool) -> Path:
    """Default folder for cached study results (netCDF): ``<repo>/results`` or the cache."""
    if not quick:
        return repo_root() / "results"
    return cache_dir() / "results-quick"


def check_out_dir(out_dir, quick: bool) -> Path:
    """`out_dir` as a Path, refusing the published ``figures/`` folder for quick-mode output.

    Raises
    ------
    ParameterError
        `quick` is true and `out_dir` is the repository's ``figures/``.
    """
    out_dir = Path(out_dir)
    if quick and out_dir.resolve() == figures_dir(quick=False).resolve():
        from .errors import ParameterError

        raise ParameterError(
            "out_dir", f"quick-mode figures never go into {out_dir} (the published figures)"
        )
    return out_dir


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it onto `path` (atomically).

    A run interrupted while writing leaves the previous file (or none), never a truncated one.
    The parent folder is created if needed.

    Examples
    --------
    >>> with atomic_path(out / "claims.json") as tmp:  # doctest: +SKIP
    ...     tmp.write_text(text)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; these files are meant to be read
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
