"""SWC files: every record checked (:func:`read_swc`; a malformed file raises
:class:`~dendrites.errors.SWCError` naming its line), the tree checked, and the legacy one-sphere
soma of :func:`~dendrites.morphology.from_swc` (which lives in :mod:`.reader`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ParameterError, SWCError
from .tree import REGIONS, Morphology, Section, _arc, _check_region

__all__ = ["SWC_TYPES", "read_swc"]

SWC_TYPES = {1: "soma", 2: "axon", 3: "basal", 4: "apical"}
_SWC_RANGE = (1e-6, 1e7)  # um: smallest SWC radius, largest |coordinate| or radius accepted


_SWC_FIELDS = ["id", "type", "x", "y", "z", "radius", "parent", "line"]
_SWC_DTYPE = np.dtype(
    [(f, np.int64 if f in ("id", "type", "parent", "line") else float) for f in _SWC_FIELDS]
)


def _swc_int(v: float) -> bool:
    return math.isfinite(v) and v.is_integer() and abs(v) < 2**53


def read_swc(path) -> np.ndarray:
    """Read and check the records of an SWC file (the tree is checked by :func:`from_swc`).

    Returns
    -------
    numpy structured array
        Fields id, type, x, y, z, radius (um), parent and line (1-based line of each record), in
        file order. Comments (from ``#``) and blank lines are skipped.

    Raises
    ------
    SWCError
        Unreadable or non-UTF-8 file, no records, a line without exactly 7 numeric columns, an id,
        type or parent that is not an integer, a duplicate id, a non-finite (or beyond 1e7 um)
        coordinate, or a radius that is not > 0 (or outside 1e-6 to 1e7 um).
    """
    try:
        with open(path, encoding="utf-8-sig", errors="strict") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise SWCError(path, None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise SWCError(path, None, f"cannot read the file ({e.strerror or e})") from None
    rows, first = [], {}
    for lineno, line in enumerate(text.split("\n"), 1):
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        if len(tokens) != 7:
            msg = f"expected 7 columns (id type x y z radius parent), got {len(tokens)}"
            raise SWCError(path, lineno, msg)
        vals = []
        for tok in tokens:
            try:
                vals.append(float(tok))
            except ValueError:
                raise SWCError(path, lineno, f"non-numeric value {tok!r}") from None
        i, t, x, y, z, r, p = vals
        problem = None
        if not _swc_int(i) or i < 0:
            problem = f"id must be a non-negative integer, got {tokens[0]!r}"
        elif not _swc_int(t):
            problem = f"structure type must be an integer, got {tokens[1]!r}"
        elif not _swc_int(p) or p < -1:
            problem = f"parent must be an id or -1 (root), got {tokens[6]!r}"
        elif not all(abs(c) <= _SWC_RANGE[1] for c in (x, y, z)):  # False for NaN
            problem = f"non-finite or absurd coordinates {tokens[2:5]}"
        elif not _SWC_RANGE[0] <= r <= _SWC_RANGE[1]:
            problem = f"radius must be > 0 (and finite, plausible), got {tokens[5]!r}"
        elif int(i) in first:
            problem = f"duplicate id {int(i)} (first on line {first[int(i)]})"
        if problem:
            raise SWCError(path, lineno, problem)
        first[int(i)] = lineno
        rows.append((int(i), int(t), x, y, z, r, int(p), lineno))
    if not rows:
        raise SWCError(path, None, "no SWC records (the file is empty or only has comments)")
    return np.array(rows, dtype=_SWC_DTYPE)


def _regions_of(type_map) -> dict[int, str]:
    regions_of = dict(SWC_TYPES)
    for t, r in (type_map or {}).items():
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise ParameterError("type_map", f"keys must be integer SWC types, got {t!r}")
        regions_of[int(t)] = _check_region(r, "type_map")
    return regions_of


def _swc_tree(path, rec: np.ndarray, regions_of: dict[int, str]):
    """Check the tree of SWC records: known types, parents present, one root, no cycle, soma
    points joined to a soma root. Returns ``(pidx, children, codes, root)``: the parent's record
    index (-1 for the root), the children of each record (file order), the region index of each
    record (in :data:`REGIONS`; 0 is the soma) and the root's index."""
    N, line = len(rec), rec["line"].tolist()
    for k, t in enumerate(rec["type"].tolist()):
        if t not in regions_of:
            ok = ", ".join(f"{a} ({b})" for a, b in sorted(regions_of.items()))
            msg = f"unknown structure type {t}; accepted: {ok}; map others with type_map"
            raise SWCError(path, line[k], msg)
    index = {i: k for k, i in enumerate(rec["id"].tolist())}
    pidx = np.full(N, -1)
    for k, p in enumerate(rec["parent"].tolist()):
        if p != -1 and p not in index:
            raise SWCError(path, line[k], f"missing parent {p}: no record has that id")
        pidx[k] = index.get(p, -1)
    roots = np.flatnonzero(pidx < 0).tolist()
    if len(roots) > 1:
        raise SWCError(path, line[roots[1]], f"more than one root (also line {line[roots[0]]})")
    children: list[list[int]] = [[] for _ in range(N)]
    for k, p in enumerate(pidx.tolist()):
        if p >= 0:
            children[p].append(k)
    seen, stack = np.zeros(N, bool), list(roots)
    while stack:
        seen[stack[-1]] = True
        stack.extend(children[stack.pop()])
    if not seen.all():  # follow the parents of an unreached record until one repeats
        k, visited = int(np.flatnonzero(~seen)[0]), set()
        while k not in visited:
            visited.add(k)
            k = int(pidx[k])
        msg = f"cycle: id {rec['id'][k]} is its own ancestor (no path to the root)"
        raise SWCError(path, line[k], msg)
    root = roots[0]
    codes = np.array([REGIONS.index(regions_of[t]) for t in rec["type"].tolist()])
    is_soma = codes == 0
    soma_pts, stack = [], [root] if is_soma[root] else []
    while stack:
        soma_pts.append(stack.pop())
        stack.extend(k for k in children[soma_pts[-1]] if is_soma[k])
    stray = np.flatnonzero(is_soma & ~np.isin(np.arange(N), soma_pts))
    if stray.size:
        raise SWCError(path, line[stray[0]], "soma point not joined to a soma at the root")
    return pidx, children, codes, root


def _sphere_swc(path, rec, pidx, children, codes, root) -> Morphology:
    """The legacy "sphere" soma policy of :func:`from_swc` (see there). ``point_ids`` maps each
    record's id to its point (one inside the sphere, or in a section wholly inside it: the soma's;
    in a dropped zero-length section: its parent's last point)."""
    line, is_soma = rec["line"].tolist(), codes == 0
    rid, ids, last = rec["id"].tolist(), {}, {"soma": 0}  # last: a section's last point index
    xyz = np.column_stack([rec["x"], rec["y"], rec["z"]])
    P = np.column_stack([xyz, 2 * rec["radius"]])
    soma_pts, stack = [], [root] if is_soma[root] else []
    while stack:
        soma_pts.append(stack.pop())
        stack.extend(k for k in children[soma_pts[-1]] if is_soma[k])
    nch = np.array([len(c) for c in children])
    par = np.where(pidx < 0, root, pidx)
    is_head = is_soma[par] | (par == root) | (nch[par] != 1) | (codes != codes[par])
    secs: list[Section] = []
    if soma_pts:
        S = np.sort(soma_pts)
        centre, e = xyz[S].mean(axis=0), S[pidx[S] >= 0]
        r1, r2 = rec["radius"][e], rec["radius"][pidx[e]]
        dx = np.linalg.norm(xyz[e] - xyz[pidx[e]], axis=1)
        area = float(np.sum(np.pi * (r1 + r2) * np.sqrt(dx**2 + (r1 - r2) ** 2)))
        diameter = math.sqrt(area / math.pi) if area > 0 else 2 * float(rec["radius"][S].max())
        secs.append(Section("soma", "soma", None, [[*centre, diameter]]))
        R = diameter / 2
        heads = sorted(h for k in S for h in children[k] if not is_soma[h])  # file order
        ids.update((rid[k], ("soma", 0)) for k in S)
        stack = [(h, "soma", True) for h in heads[::-1]]
    elif len(children[root]) != 1:
        msg = f"the root is not a soma and has {len(children[root])} children instead of 1"
        raise SWCError(path, line[root], msg)
    else:
        stack = [(children[root][0], None, False)]
    counters: dict[str, int] = {}
    while stack:
        h, parent, attached = stack.pop()
        chain = [h]
        while len(children[chain[-1]]) == 1 and not is_head[children[chain[-1]][0]]:
            chain.append(children[chain[-1]][0])
        chain, pts, first = np.array(chain), None, 0
        if not attached:
            pts = np.vstack([P[pidx[h]], P[chain]])
            if parent is None:  # the root point of a soma-less tree starts the root section
                ids[rid[pidx[h]]] = (f"{REGIONS[codes[h]]}0", 0)
        else:
            dist = np.linalg.norm(xyz[chain] - centre, axis=1)
            out = np.flatnonzero(dist > R)
            if out.size:
                q = chain[out[0]]
                start = centre + R * (xyz[q] - centre) / dist[out[0]]
                pts = np.vstack([[*start, P[q, 3]], P[chain[out[0] :]]])
                first = int(out[0])
        if pts is not None and _arc(pts)[-1] > 0:
            region = REGIONS[codes[h]]
            counters[region] = counters.get(region, -1) + 1
            secs.append(Section(f"{region}{counters[region]}", region, parent, pts))
            ids.update((rid[k], ("soma", 0)) for k in chain[:first])
            ids.update((rid[k], (secs[-1].name, 1 + j)) for j, k in enumerate(chain[first:]))
            parent, attached = secs[-1].name, False
            last[parent] = len(pts) - 1
        elif parent is not None:  # dropped: inside the sphere, or of length 0 (at its parent's end)
            ids.update((rid[k], ("soma", 0) if attached else (parent, last[parent])) for k in chain)
        stack.extend((child, parent, attached) for child in children[chain[-1]][::-1])
    if not secs or sum(s.parent is None for s in secs) != 1:
        raise SWCError(path, line[root], "the tree has no soma and no single root section")
    return Morphology(secs, point_ids=ids)
