"""The package's layout: no import cycles among its modules, no module over 800 lines.

Pure Python: the modules are parsed (:mod:`ast`), never imported. Every import statement counts,
at module level or inside a function (a function-level import only hides a cycle until the
function runs). Run this file as a script to print the import graph and its cycles.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dendrites"

#: Longest module, in lines (the project's style guide).
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that module `name` imports, anywhere in its body.

    ``from .a.b import x`` depends on ``a.b`` and, when ``x`` is a module, on ``a.b.x``; importing
    ``a.b`` also runs the packages above it (``a``), except those that contain the importer (they
    are being imported already). ``from . import x`` where ``x`` is not a module (``__version__``)
    depends on the package's ``__init__``.
    """
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str, explicit: bool) -> None:
        if target not in known:
            return
        own = set(_ancestors(name))
        if explicit or target not in own:
            found.add(target)
        for anc in _ancestors(target):
            if anc not in own:
                found.add(anc)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, explicit=False)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                if sub in known:
                    add(sub, explicit=False)
                else:  # a name defined in `mod` (its __init__ when a package)
                    add(mod, explicit=True)
    found.discard(name)
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _example_cycle(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """One closed path through a strongly connected component, for the failure message."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return [*reversed(path), start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def test_the_graph_sees_function_level_imports_and_cycles():
    """The checker itself: a function-level import makes an edge, and a cycle is found."""
    graph = import_graph()
    assert "dendrites.plan" in graph["dendrites.results"]  # imported inside to_dataset
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(
        " -> ".join(_example_cycle(graph, comp)) for comp in found
    )


def test_only_the_backend_creates_brian2_objects():
    """Brian2 groups, monitors, networks and devices are made in dendrites.backend only (and in
    the cable-solver template hook it installs, dendrites.hines, its plastic-synapse assembly,
    dendrites.backend_plasticity, and its voltage-clamp runner for checking mechanisms,
    dendrites.vclamp)."""
    makers = {
        "SpatialNeuron",
        "NeuronGroup",
        "Synapses",
        "StateMonitor",
        "SpikeMonitor",
        "Network",
        "TimedArray",
        "set_device",
        "SpikeGeneratorGroup",
        "PoissonGroup",
    }
    allowed = {
        "dendrites.backend",
        "dendrites.backend_plasticity",  # plastic synapses, built from the backend
        "dendrites.hines",
        "dendrites.vclamp",
    }
    offenders = []
    for name, path in modules().items():
        if name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in makers:
                    offenders.append(f"{name}:{node.lineno} {called}(...)")
    assert not offenders, offenders


def test_no_module_over_800_lines():
    """Kept short enough to read; lists every offender (other splits may still be under way)."""
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


if __name__ == "__main__":
    graph = import_graph()
    for mod in sorted(graph):
        print(f"{mod}: {', '.join(sorted(graph[mod])) or '-'}")
    found = cycles(graph)
    print("\ncycles:", "; ".join(" -> ".join(_example_cycle(graph, c)) for c in found) or "none")
    if "--strict" in sys.argv:
        raise SystemExit(1 if found else 0)
