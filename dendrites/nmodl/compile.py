"""Compile NMODL files with NEURON's ``nrnivmodl`` into a cache, and load them once per process.

API
---
* :func:`compile_mod` -- ``.mod`` files (paths or texts) -> the path of the compiled library,
  built once into ``<builds>/nmodl/<key>`` where the key is the SHA-256 of the files' names and
  contents and of NEURON's version (``<builds>``: :func:`dendrites.paths.build_dir`,
  ``$DENDRITES_BUILD_CACHE`` or ``<cache>/build``, kept as the C++ builds are).
* :func:`load_mechanisms` -- compile if needed and load into this process's NEURON
  (``h.nrn_load_dll``); a library already loaded is not loaded again, and mechanisms NEURON
  already has (same name) are left out before compiling, so that two libraries never define the
  same mechanism (NEURON refuses that).
* :func:`mechanism_names` -- the ``SUFFIX``/``POINT_PROCESS`` names a text declares.

A failed ``nrnivmodl`` raises :class:`NmodlCompileError` naming the ``.mod`` file and line and
quoting the relevant lines of its message; the whole log stays in the build folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import DendritesError
from ..paths import build_dir

__all__ = [
    "NmodlCompileError",
    "compile_mod",
    "load_mechanisms",
    "loaded_mechanisms",
    "mechanism_names",
    "neuron_h",
    "nrnivmodl",
]

#: Libraries loaded into this process (their paths), and the mechanism names they brought.
_LOADED: dict[str, tuple[str, ...]] = {}


class NmodlCompileError(DendritesError, RuntimeError):
    """``nrnivmodl`` failed (or is missing). Names the ``.mod`` file and line where known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None, log=None):
        self.path, self.line, self.log_path = path, line, log
        where = f"{path}" + (f", line {line}" if line else "") if path else ""
        text = f"{where}: {message}" if where else message
        if log:
            text += f" (full log: {log})"
        super().__init__(text)


def nrnivmodl() -> Path:
    """The ``nrnivmodl`` of this Python's NEURON: next to ``sys.executable`` (a venv's bin), in
    the ``neuron`` package's ``.data/bin``, or on ``PATH``.

    Raises
    ------
    NmodlCompileError
        None found.
    """
    candidates = [Path(sys.executable).parent / "nrnivmodl"]
    try:
        import importlib.util

        spec = importlib.util.find_spec("neuron")
        if spec and spec.origin:
            candidates.append(Path(spec.origin).parent / ".data" / "bin" / "nrnivmodl")
    except (ImportError, ValueError):  # pragma: no cover
        pass
    found = shutil.which("nrnivmodl")
    if found:
        candidates.append(Path(found))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise NmodlCompileError(
        "nrnivmodl not found next to the Python executable nor on PATH: install NEURON "
        "(pip install 'dendrites[neuron]')"
    )


def mechanism_names(text: str) -> list[str]:
    """Names declared by ``SUFFIX`` and ``POINT_PROCESS`` (and ``ARTIFICIAL_CELL``) in `text`."""
    return re.findall(r"^\s*(?:SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+(\w+)", text, re.MULTILINE)


def _as_files(mods) -> list[tuple[str, str]]:
    """(file name, text) of every entry: a path to a ``.mod`` file, or a text (named after the
    mechanism it declares)."""
    if isinstance(mods, str | os.PathLike):
        mods = [mods]
    out: list[tuple[str, str]] = []
    for item in mods:
        if isinstance(item, tuple) and len(item) == 2:  # (file name, text)
            out.append((str(item[0]), str(item[1])))
        elif isinstance(item, os.PathLike) or (
            isinstance(item, str) and "\n" not in item and item.endswith(".mod")
        ):
            path = Path(item)
            if not path.is_file():
                raise NmodlCompileError("no such .mod file", str(path))
            out.append((path.name, path.read_text(encoding="utf-8", errors="replace")))
        elif isinstance(item, str):
            names = mechanism_names(item)
            if not names:
                raise NmodlCompileError(
                    "a text given to compile has no SUFFIX or POINT_PROCESS (or is not a path "
                    f"ending in .mod): {item[:60]!r}"
                )
            out.append((f"{names[0]}.mod", item))
        else:
            raise NmodlCompileError(
                f"expected .mod paths or NMODL texts, got {type(item).__name__}"
            )
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise NmodlCompileError(f"two files named {dup[0]!r} in one compilation")
    return out


def _neuron_version() -> str:
    try:
        import importlib.metadata

        return importlib.metadata.version("neuron")
    except Exception:  # pragma: no cover
        return "unknown"


def _library(folder: Path) -> Path | None:
    for cand in (
        "x86_64/.libs/libnrnmech.so",
        "x86_64/libnrnmech.so",
        "arm64/.libs/libnrnmech.so",
        "arm64/libnrnmech.so",
        "aarch64/.libs/libnrnmech.so",
        "aarch64/libnrnmech.so",
        "arm64/libnrnmech.dylib",
        "x86_64/libnrnmech.dylib",
    ):
        if (folder / cand).is_file():
            return folder / cand
    found = sorted(folder.glob("*/**/libnrnmech.*"))
    return found[0] if found else None


_LOCATION = re.compile(r"(?:at line|line:?)\s+(\d+)\s+in file\s+(\S+?\.mod)|(\S+?\.mod):(\d+)")


def _failure(log: str, files: list[tuple[str, str]], log_path: Path) -> NmodlCompileError:
    """The relevant part of nrnivmodl's output: nocmodl's message and location, or the first
    C compiler error."""
    lines = log.splitlines()
    path = line = None
    for text in lines:
        m = _LOCATION.search(text)
        if m:
            path = m.group(2) or m.group(3)
            line = int(m.group(1) or m.group(4))
            break
    first = next((i for i, t in enumerate(lines) if re.match(r"\s*Error:", t)), None)
    if first is not None:  # nocmodl: its message, then the offending line and a caret
        tail = [t.rstrip() for t in lines[first + 1 : first + 3] if not t.startswith("make")]
        detail = "\n".join([lines[first].strip(), *tail])
    else:  # the C++ compiler
        relevant = [t.strip() for t in lines if re.search(r"\berror\b", t) and "make" not in t]
        detail = "; ".join(dict.fromkeys(relevant[:3])) or (lines[-1] if lines else "no output")
    if path is None:  # the C++ compiler: the generated file is named after the .mod file
        m = re.search(r"(\w+)\.cpp:(\d+):\d+: error", log)
        if m and f"{m.group(1)}.mod" in {n for n, _ in files}:
            path = f"{m.group(1)}.mod"
            detail = f"the C++ code generated from it does not compile: {detail}"
    if path is None:
        for name, _text in files:
            if name in log:
                path = name
                break
    return NmodlCompileError(f"nrnivmodl failed: {detail[:600]}", path, line, log_path)


def compile_mod(mods, folder=None) -> Path:
    """Compile ``.mod`` files with ``nrnivmodl`` into a cache folder keyed by their content.

    Parameters
    ----------
    mods : path, text, or list of them
        ``.mod`` file paths, NMODL texts (each is written to ``<its first mechanism>.mod``) or
        ``(file name, text)`` pairs. Mechanisms are registered, and their states advanced at
        every step, in the order given.
    folder : path, optional
        Where the build folders live (default ``<builds>/nmodl``).

    Returns
    -------
    Path
        The compiled library (``.../libnrnmech.so``); compiled once, reused by later calls and
        processes.

    Raises
    ------
    NmodlCompileError
        ``nrnivmodl`` missing or failed: the message names the ``.mod`` file and line and
        quotes nocmodl's or the C compiler's error.
    """
    files = _as_files(mods)
    h = hashlib.sha256(_neuron_version().encode())
    for name, text in files:  # in order: it is the registration order
        h.update(name.encode() + b"\0" + text.encode() + b"\0")
    key = h.hexdigest()[:16]
    base = Path(folder) if folder is not None else build_dir() / "nmodl"
    target = base / key
    lib = _library(target)
    if lib is not None and (target / "done").is_file():
        return lib
    work = base / f"{key}.tmp{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name, text in files:
        (work / name).write_text(text, encoding="utf-8")
    log_path = work / "nrnivmodl.log"
    exe = nrnivmodl()
    env = dict(os.environ)
    env["PATH"] = f"{exe.parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        [str(exe), *[name for name, _ in files]],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
    )
    log_path.write_text(proc.stdout + "\n" + proc.stderr, encoding="utf-8")
    lib = _library(work)
    if proc.returncode != 0 or lib is None:
        failed = base / f"{key}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        work.rename(failed)
        raise _failure(proc.stdout + "\n" + proc.stderr, files, failed / "nrnivmodl.log")
    (work / "done").write_text("ok\n")
    try:
        work.rename(target)  # atomic; another process may have won the race
    except OSError:
        shutil.rmtree(work, ignore_errors=True)
        if _library(target) is None:  # pragma: no cover
            raise NmodlCompileError(f"could not place the build in {target}") from None
    return _library(target)


def neuron_h():
    """NEURON's ``h`` with the standard run system (imported when called: NEURON is optional;
    this module imports nothing else of the package but its errors and paths, so that
    :mod:`dendrites.crosscheck` and :mod:`dendrites.nmodl` can both use it without a cycle).

    Raises
    ------
    NmodlCompileError
        NEURON is not installed.
    """
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    try:
        from neuron import h
    except ImportError as exc:
        raise NmodlCompileError(
            f"loading mechanisms needs NEURON (pip install 'dendrites[neuron]'): {exc}"
        ) from None
    h.load_file("stdrun.hoc")
    return h


def loaded_mechanisms() -> set[str]:
    """Names of the mechanisms (density and point) NEURON knows in this process."""
    h = neuron_h()
    names = set()
    for kind in (0, 1):
        mt = h.MechanismType(kind)
        s = h.ref("")
        for k in range(int(mt.count())):
            mt.select(k)
            mt.selected(s)
            names.add(s[0])
    return names


def load_mechanisms(mods, folder=None) -> list[str]:
    """Compile (if needed) and load ``.mod`` files into this process's NEURON.

    Files whose mechanisms NEURON already has (loaded by an earlier call: the generated names are
    unique per content) are left out; the rest are compiled together (:func:`compile_mod`) and
    the library is loaded with ``h.nrn_load_dll``, once per process.

    Parameters
    ----------
    mods : path, text, or list of them
    folder : path, optional
        Cache folder of the builds (default ``<builds>/nmodl``).

    Returns
    -------
    list of str
        The mechanism names of `mods`, all available in NEURON afterwards.

    Raises
    ------
    NmodlCompileError
        Compilation or loading failed.
    """
    files = _as_files(mods)
    h = neuron_h()
    present = loaded_mechanisms()
    wanted: list[str] = []
    todo = []
    for name, text in files:
        names = mechanism_names(text)
        wanted += names
        if not names or not set(names) <= present:
            todo.append((name, text))
    if todo:
        lib = compile_mod(todo, folder)
        if str(lib) not in _LOADED:
            clash = {n for _, t in todo for n in mechanism_names(t)} & present
            if clash:
                raise NmodlCompileError(
                    f"NEURON already has mechanism(s) {sorted(clash)} from another library; "
                    "a library cannot redefine them (rename them or load them in a new process)"
                )
            if not h.nrn_load_dll(str(lib)):
                raise NmodlCompileError(f"h.nrn_load_dll could not load {lib}")
            _LOADED[str(lib)] = tuple(n for _, t in todo for n in mechanism_names(t))
    return wanted
