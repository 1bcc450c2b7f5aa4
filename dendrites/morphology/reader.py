"""Reconstructions from SWC, Neurolucida ASC and H5 files, with the soma NEURON's Import3d builds.

:func:`load_morphology` reads a file and returns a :class:`~dendrites.morphology.Morphology`
whose sections have the 3-D points NEURON 9 ends up with after ``Import3d`` (checked on the four
files of ``../shared/morphologies``: every neurite section's points equal NEURON's), and whose
soma is one compartment of the membrane area of Import3d's soma section(s). What the import
changed is kept in :class:`ImportReport` (``morph.import_report``, shown by ``summary()``).

Readers. ASC and H5 go through MorphIO (BlueBrain; ``morphio.Morphology``, whose ASC sections
are Import3d's: each child section starts with its parent's last point). SWC goes through this
package's checked reader (:func:`~dendrites.morphology.read_swc`, errors name the line), because
MorphIO's SWC sections differ from Import3d's in three ways that change lengths and areas
(measured with MorphIO 3.5 on l5pc.swc and ca1_n120.swc): MorphIO drops the parent's point where
a file repeats it at a section start (NEURON keeps both, a diameter step); it does not record
which soma point a neurite leaves from, so the soma point NEURON prepends cannot be added; and it
merges a parent with an only child that is not the next record, where Import3d starts a section.
MorphIO's ``Option.nrn_order`` only sorts the root sections by type, as NEURON does; it is used.

The Import3d facts reproduced (NEURON 9.0.2, ``import3d/read_swc.hoc``, ``import3d_gui.hoc``;
read for the facts, the code here is this package's):

* SWC sections: records in id order; a section ends at a point without exactly one child that is
  the next record of the same type; every section but the root starts with its parent's point. A
  soma chain continues through points with one soma child (through the root whatever its
  number); soma sections of a branched soma are joined here into one chain when they meet at the
  root's first or last point.
* One-point soma, and NeuroMorpho's three-point soma (two points beside the root at a distance of
  one radius each, all of one diameter, within 1 %): a 3-point cylinder along x of length and
  diameter d (area pi d^2, a sphere's). A neurite of several points starts at its own first point
  (a "wire" to soma(0.5)), wherever it is.
* Multi-point soma: a neurite starts with the soma point it leaves from, with the neurite's first
  diameter, unless NEURON wires it (an interior soma point, or an end point with more than one
  soma child): then it starts at its own first point. NEURON attaches it at soma(0), (0.5) or (1);
  here every child of the soma joins its one compartment (NEURON's soma(0.5)).
* ASC contour: the principal-axis cylinder (:func:`contour_to_cylinder`), neurites from their own
  first points, all attached at soma(0.5).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from brian2.units import Hz

from ..errors import MorphologyFileError, ParameterError, SWCError
from .swc import _regions_of, _sphere_swc, _swc_tree, read_swc
from .tree import REGIONS, Morphology, Section, _arc, soma_area

__all__ = ["FORMATS", "SOMA_POLICIES", "ImportReport", "contour_to_cylinder", "from_swc"]
__all__ += ["load_morphology"]

FORMATS = {".swc": "SWC", ".asc": "Neurolucida ASC", ".h5": "H5"}
SOMA_POLICIES = ("import3d", "sphere")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class ImportReport:
    """What :func:`load_morphology` did to a file (counts of points and sections).

    Attributes
    ----------
    path, format, reader : str
        The file, its format and the reader that parsed it.
    soma_policy : str
        "import3d" or "sphere".
    soma : str
        What became of the soma (kind, points in and out, area).
    soma_area : float
        Membrane area of the soma compartment (um^2).
    sections, points : int
        Sections and 3-D points of the result (the soma included).
    points_dropped_in_soma : int
        Neurite points dropped inside the soma ("sphere" policy only; Import3d keeps them).
    soma_points_prepended : int
        Neurites that start with the soma point they leave from (Import3d's rule).
    zero_length_dropped : int
        Sections of length 0 (all points at one position) removed, their children moved to their
        parent (NEURON keeps them with L = 0; they have no resistance and at most an annulus).
    unifurcations : int
        Sections that are the only child of their parent, kept as NEURON keeps them.
    warnings : tuple of str
        Reader warnings (MorphIO's, with their lines) and notes.
    """

    path: str
    format: str
    reader: str
    soma_policy: str
    soma: str
    soma_area: float
    sections: int
    points: int
    points_dropped_in_soma: int = 0
    soma_points_prepended: int = 0
    zero_length_dropped: int = 0
    unifurcations: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """A few lines for :meth:`Morphology.summary`."""
        out = [
            f"import: {Path(self.path).name} ({self.format}, {self.reader}), soma policy "
            f"{self.soma_policy!r}: {self.soma}",
            f"import: {self.sections} sections, {self.points} points; "
            f"{self.soma_points_prepended} neurites start at their soma point, "
            f"{self.points_dropped_in_soma} points dropped inside the soma, "
            f"{self.zero_length_dropped} zero-length sections dropped, "
            f"{self.unifurcations} unifurcations kept",
        ]
        out += [f"import warning: {w}" for w in self.warnings[:5]]
        if len(self.warnings) > 5:
            out.append(f"import warning: ... and {len(self.warnings) - 5} more")
        return out


def load_morphology(
    path,
    *,
    soma="import3d",
    Ri=None,
    Cm=None,
    d_lambda=0.1,
    frequency=100 * Hz,
    max_length=None,
    type_map=None,
) -> Morphology:
    """Load a reconstruction (.swc, .asc, .h5) as NEURON's Import3d builds it.

    Parameters
    ----------
    path : str or Path
        The file; its extension picks the format (:data:`FORMATS`).
    soma : {"import3d", "sphere"}
        "import3d" (default): the soma points NEURON's Import3d makes (a 3-point cylinder of
        length = diameter for a one-point soma, the chain of a multi-point soma, the principal-axis
        cylinder of a contour), one compartment of that membrane area, and the neurites' first
        points as Import3d leaves them. "sphere": one sphere of the same area at the soma's centre,
        neurites starting on its surface (points inside dropped), as :func:`from_swc` always did.
    Ri, Cm : Quantity, optional
        If both are given, the numbers of compartments follow NEURON's d_lambda rule
        (:meth:`Morphology.compartmentalize`); otherwise n = 1.
    d_lambda, frequency, max_length
        Passed to :meth:`Morphology.compartmentalize`.
    type_map : dict[int, str], optional
        SWC only: regions of other structure types than 1-4 (e.g. ``{5: "tuft"}``).

    Returns
    -------
    Morphology
        With ``import_report`` (:class:`ImportReport`). Sections are named ``f"{region}{k}"``;
        for SWC and ASC, k is NEURON's index: ``basal{k}`` is Import3d's ``dend[k]``,
        ``apical{k}`` its ``apic[k]``, ``axon{k}`` its ``axon[k]``.

    Raises
    ------
    MorphologyFileError
        (:class:`~dendrites.errors.SWCError` for SWC files) naming the file and the line, or the
        section and point: unsupported extension, unreadable or malformed file (MorphIO's errors,
        converted), no soma, several roots or a cycle (SWC), a zero, negative or non-finite
        diameter or coordinate, a degenerate soma contour.
    ParameterError
        Unknown soma policy, Ri without Cm, a bad type_map.
    """
    if soma not in SOMA_POLICIES:
        raise ParameterError("soma", f"must be one of {SOMA_POLICIES}, got {soma!r}")
    if (Ri is None) != (Cm is None):
        raise ParameterError("Ri" if Ri is None else "Cm", "give both Ri and Cm, or neither")
    ext = Path(str(path)).suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(FORMATS)
        raise MorphologyFileError(path, None, f"unsupported format {ext or '(none)'!r}: {known}")
    if ext == ".swc":
        morph = _load_swc(path, soma, _regions_of(type_map))
    else:
        if type_map is not None:
            raise ParameterError("type_map", "applies to SWC files only")
        morph = _load_morphio(path, soma, FORMATS[ext])
    return morph if Ri is None else morph.compartmentalize(Ri, Cm, d_lambda, frequency, max_length)


def from_swc(
    path,
    *,
    Ri=None,
    Cm=None,
    d_lambda=0.1,
    frequency=100 * Hz,
    max_length=None,
    type_map=None,
    soma="import3d",
) -> Morphology:
    """Load a morphology from an SWC file (records in any order, ids unique).

    By default (``soma="import3d"``) the soma and the neurites' first points are those of NEURON's
    Import3d, as :func:`~dendrites.morphology.load_morphology` builds them (see there and
    :mod:`dendrites.morphology.reader`). ``soma="sphere"`` keeps this function's former rule: the
    soma points (type 1), which must include the root, become one sphere ``soma`` centred at
    their mean, with the soma's surface: a single point is a sphere of its radius; with several
    points (a chain, a contour, the NeuroMorpho three-point soma), the sum ``A`` of the frustum
    lateral areas of the soma-to-soma segments gives the diameter ``sqrt(A / pi)`` (exactly the
    radius for the three-point soma; an outline drawn with tiny radii gives too small a soma), or
    the largest radius if ``A`` is 0. The other points form
    sections: maximal unbranched paths, cut at branch points and where the type changes; a
    section's first point is its parent's last point. A section leaving the soma starts on the
    sphere's surface, on the line from the centre to its first point outside the sphere (with that
    point's diameter); its points inside the sphere are dropped (a section wholly inside is dropped
    and its children attach to the soma the same way). Zero-length sections are dropped, their
    children attached to their parent. Sections are named ``f"{region}{k}"`` (``basal0``,
    ``apical12``...), numbered per region in pre-order. Without a soma (either policy), the root
    point starts the root section, sections are cut at branch points and type changes, and there
    is no import report. SWC points are not compartments: n is 1, or set by NEURON's d_lambda
    rule. ``morph.point_ids`` maps every record's id to its point
    (:func:`~dendrites.morphology.sites.site_of_id`).

    Parameters
    ----------
    path : str or Path
        The SWC file.
    Ri, Cm : Quantity, optional
        Axial resistivity (ohm cm) and membrane capacitance (uF/cm2). If given (both), the numbers
        of compartments are set by :meth:`Morphology.compartmentalize`; otherwise n = 1.
    d_lambda, frequency, max_length
        Passed to :meth:`Morphology.compartmentalize`.
    type_map : dict[int, str], optional
        Regions for other SWC types than 1 soma, 2 axon, 3 basal, 4 apical (e.g. ``{5: "tuft"}``).
    soma : {"import3d", "sphere"}
        "import3d" (the default): as NEURON's Import3d builds them, the same as
        :func:`~dendrites.morphology.load_morphology`; "sphere": one sphere, as above.

    Raises
    ------
    SWCError
        Besides :func:`read_swc`'s checks: unknown type, missing parent, several roots, a cycle,
        soma points not joined to a soma root, or a soma-less tree whose root point does not start
        exactly one section. The message names the file and the line.
    ParameterError
        Unknown soma policy, Ri without Cm, a bad type_map.
    """
    if soma not in SOMA_POLICIES:
        raise ParameterError("soma", f"must be one of {SOMA_POLICIES}, got {soma!r}")
    regions_of = _regions_of(type_map)
    if (Ri is None) != (Cm is None):
        raise ParameterError("Ri" if Ri is None else "Cm", "give both Ri and Cm, or neither")
    rec = read_swc(path)
    tree = _swc_tree(path, rec, regions_of)
    codes, root = tree[2:]
    if soma == "import3d" and codes[root] == 0:
        morph = _load_swc(path, soma, regions_of, parsed=(rec, tree))
    else:
        morph = _sphere_swc(path, rec, *tree)
        if morph.soma is not None:
            morph = _sphere_report(morph, path, rec, codes=None)
    return morph if Ri is None else morph.compartmentalize(Ri, Cm, d_lambda, frequency, max_length)


# -- soma shapes ----------------------------------------------------------------------------------
def _cylinder_of_sphere(centre, diameter: float) -> np.ndarray:
    """Import3d's one-point soma: 3 points along x, length and diameter d (area pi d^2)."""
    x, y, z = centre
    r = diameter / 2
    return np.array([[x - r, y, z, diameter], [x, y, z, diameter], [x + r, y, z, diameter]])


def _strictly_increasing(u: list, v: list) -> None:
    """Drop, scanning from the end, every point whose position does not exceed its predecessor's
    (Import3d's way of making each side of a contour monotonic); in place."""
    j = len(u) - 1
    while j > 0:
        if u[j] <= u[j - 1]:
            del u[j], v[j]
            j += j != len(u)
        j -= 1


def contour_to_cylinder(contour, n: int = 21) -> np.ndarray:
    """The soma section Import3d makes of a closed soma contour (x, y, z in um).

    The contour is resampled at 101 evenly spaced points along its traced points, first to last
    (the length measured in the xy plane; the closing edge is not walked); their mean is the
    centre and the eigenvector of the largest eigenvalue of their scatter matrix the major axis
    (pointing to its largest component's sign), the one of the
    middle eigenvalue, projected on the xy plane, the minor axis. Both sides of the contour between
    its extreme points along the major axis are made monotonic and interpolated at ``n`` evenly
    spaced positions from the second-lowest to the second-highest position of either side; the
    diameter is the distance between the sides along the minor axis (each end the mean of its own
    and its neighbour's), the points lie on the major axis through the centre.

    Returns
    -------
    array (n, 4)
        x, y, z, diameter (um).

    Raises
    ------
    ValueError
        A degenerate contour (fewer than 3 distinct points, or no minor axis in the xy plane).
    """
    c = np.asarray(contour, dtype=float)[:, :3]
    flat = np.column_stack([c[:, :2], np.zeros(len(c))])
    s = _arc(flat)  # along the traced points in the xy plane, first to last
    if len(c) < 3 or not s[-1] > 0:
        raise ValueError("a soma contour needs at least 3 distinct points")
    t = np.linspace(0.0, s[-1], 101)
    ring = np.column_stack([np.interp(t, s, c[:, j]) for j in range(3)])
    centre = ring.mean(axis=0)
    X = ring - centre
    _, vec = np.linalg.eigh(X.T @ X)
    major, minor = vec[:, 2], vec[:, 1].copy()
    if major[np.argmax(np.abs(major))] < 0:
        major = -major
    minor[2] = 0.0
    if np.linalg.norm(minor) < 1e-6 * np.linalg.norm(major):
        raise ValueError("the soma contour has no minor axis in the xy plane")
    minor /= np.linalg.norm(minor)
    pos, rad = X @ major, X @ minor
    top = int(np.argmax(pos))
    pos, rad = np.roll(pos, -top), np.roll(rad, -top)
    low = int(np.argmin(pos))
    u1, v1 = pos[:low][::-1].tolist(), rad[:low][::-1].tolist()
    u2, v2 = pos[low:].tolist(), rad[low:].tolist()
    _strictly_increasing(u1, v1)
    _strictly_increasing(u2, v2)
    both = np.sort(np.r_[u1, u2])
    if len(both) < 4 or not both[-2] > both[1]:
        raise ValueError("the soma contour is too small to slice")
    at = np.linspace(both[1], both[-2], n)
    diam = np.abs(np.interp(at, u1, v1) - np.interp(at, u2, v2))
    diam[0], diam[-1] = (diam[0] + diam[1]) / 2, (diam[-1] + diam[-2]) / 2
    return np.column_stack([centre + np.outer(at, major), diam])


# -- SWC ------------------------------------------------------------------------------------------
def _load_swc(path, policy: str, regions_of: dict[int, str], parsed=None) -> Morphology:
    """An SWC file as Import3d reads it (``parsed``: the records and the :func:`_swc_tree` of the
    file, if already read)."""
    if parsed is None:
        rec = read_swc(path)
        parsed = (rec, _swc_tree(path, rec, regions_of))
    rec, (pidx, children, codes, root) = parsed
    line = rec["line"]
    if codes[root] != 0:
        raise SWCError(path, int(line[root]), "no soma: the root is not a soma point (type 1)")
    if policy == "sphere":
        return _sphere_report(_sphere_swc(path, rec, pidx, children, codes, root), path, rec, codes)
    # Import3d works in id order (it requires parent id < id): rank records by id, parents first
    order = np.argsort(rec["id"], kind="stable")
    rank = np.empty(len(rec), dtype=int)
    rank[order] = np.arange(len(rec))
    if np.any(rank[pidx[order][1:]] >= np.arange(1, len(rec))) or order[0] != root:
        order = _preorder(root, children)  # not Import3d's order: keep parents first
        rank[order] = np.arange(len(rec))
    par = np.where(pidx[order] >= 0, rank[pidx[order]], -1)
    P = np.column_stack([rec["x"], rec["y"], rec["z"], 2 * rec["radius"]])[order]
    typ, ln, N = codes[order], line[order], len(order)
    kids: list[list[int]] = [[] for _ in range(N)]
    for i in range(1, N):
        kids[par[i]].append(i)
    soma = typ == 0
    nsoma_kids = np.array([sum(soma[k] for k in ks) for ks in kids])
    # NeuroMorpho's three-point soma (Import3d's rule): one sphere
    three = (
        soma.sum() == 3 and N >= 3 and soma[1] and soma[2] and par[1] == 0 and par[2] == 0
        and not kids[1] and not kids[2] and P[1, 3] == P[0, 3] == P[2, 3]
        and abs((np.linalg.norm(P[1, :3] - P[0, :3]) + np.linalg.norm(P[2, :3] - P[0, :3]))
                / P[0, 3] - 1) < 0.01
    )  # fmt: skip
    cont = np.zeros(N, dtype=bool)  # the section goes on from point i to point i + 1
    prox = np.zeros(N, dtype=bool)  # a branch from a wired dendrite's first point (to the soma)
    for i in range(N - 1):
        j = i + 1
        if par[j] != i or typ[j] != typ[i]:
            continue
        if soma[i]:
            cont[i] = i == 0 or nsoma_kids[i] <= 1
        elif len(kids[i]) == 1:
            cont[i] = True
        elif i > 1 and soma[par[i]]:  # Import3d's connect2prox: other children go to the soma
            cont[i] = True
            prox[[k for k in kids[i] if k != j]] = True
    if three:
        cont[0] = False
    starts = np.r_[0, np.flatnonzero(~cont[:-1]) + 1]
    ends = np.r_[starts[1:] - 1, N - 1]
    sec_of = np.repeat(np.arange(len(starts)), ends - starts + 1)
    # the soma: its sections joined into one chain (Import3d's soma[0], soma[1], ...)
    soma_runs = [k for k, a in enumerate(starts) if soma[a] and not (three and a in (1, 2))]
    single = three or (len(soma_runs) == 1 and ends[0] == 0)
    notes: list[str] = []
    if single:
        pts = _cylinder_of_sphere(P[0, :3], P[0, 3])
        kind = "NeuroMorpho 3-point soma" if three else "one-point soma"
        what = f"{kind} -> 3-point cylinder of length = diameter = {P[0, 3]:.4g} um"
    else:
        pts = _soma_chain(P, starts, ends, par, soma_runs, notes)
        n_in = int(soma.sum())
        what = f"{n_in}-point soma in {len(soma_runs)} section(s) -> {len(pts)}-point section"
    secs = [Section("soma", "soma", None, pts)]
    rid = rec["id"][order].tolist()
    ids = {rid[i]: ("soma", _index_in(pts, P[i])) for i in np.flatnonzero(soma)}
    last = {"soma": len(pts) // 2}  # where a point of a dropped section goes: its parent's end
    names, counters = {k: "soma" for k in soma_runs}, {}
    prepended = zero = unif = 0
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if k in soma_runs or (three and a in (1, 2)):
            continue
        p = par[a]
        own = P[a : b + 1]
        region = REGIONS[typ[a]]
        counters[region] = counters.get(region, -1) + 1
        name = f"{region}{counters[region]}"
        parent = names[sec_of[p]]
        if prox[a]:
            parent, pts = "soma", np.vstack([P[p], own])
        elif soma[p]:
            wire = _wired(p, a, b, single, starts, ends, sec_of, nsoma_kids)
            pts = own if wire else np.vstack([[*P[p, :3], P[a, 3]], own])
            prepended += not wire
        else:
            pts = np.vstack([P[p], own])
            unif += len(kids[p]) == 1
        if len(pts) < 2 or _arc(pts)[-1] <= 0:
            zero += 1
            names[k] = parent  # its children join its parent
            ids.update((rid[i], (parent, last[parent])) for i in range(a, b + 1))
            continue
        names[k] = name
        secs.append(Section(name, region, parent, pts))
        first, last[name] = len(pts) - (b - a + 1), len(pts) - 1
        ids.update((rid[i], (name, first + i - a)) for i in range(a, b + 1))
    try:
        morph = Morphology(secs, point_ids=ids)
    except ParameterError as e:  # a junction that cannot be (e.g. after a dropped section)
        raise SWCError(path, int(ln[0]), str(e)) from None
    report = dict(soma_points_prepended=prepended, zero_length_dropped=zero, unifurcations=unif)
    return _with_report(
        morph, path, "SWC", "dendrites.read_swc", policy, what, rec, notes=notes, **report
    )


def _index_in(points: np.ndarray, point) -> int:
    """The index of the first of ``points`` at ``point``'s position (the middle one if none)."""
    at = np.flatnonzero(np.all(points[:, :3] == point[:3], axis=1))
    return int(at[0]) if at.size else len(points) // 2


def _preorder(root: int, children) -> np.ndarray:
    out, stack = [], [root]
    while stack:
        out.append(stack.pop())
        stack.extend(sorted(children[out[-1]], reverse=True))
    return np.array(out, dtype=int)


def _wired(p, a, b, single, starts, ends, sec_of, nsoma_kids) -> bool:
    """Import3d's rule: does the neurite [a..b] leaving soma point p start at its own first point
    (a wire to the soma) rather than at p?"""
    several = b > a
    if single:
        return several
    k = sec_of[p]
    if p == 0:
        return nsoma_kids[0] > 1
    if p < ends[k]:  # interior point of its soma section
        return several
    return several and nsoma_kids[p] > 1


def _soma_chain(P, starts, ends, par, soma_runs, notes) -> np.ndarray:
    """The points of Import3d's soma sections as one chain: the root section, reversed, then a
    section that leaves from its first point; or followed by one that leaves from its last."""
    root = P[starts[0] : ends[0] + 1]
    rest = [k for k in soma_runs if k != soma_runs[0]]
    first = [k for k in rest if par[starts[k]] == 0]
    last = [k for k in rest if par[starts[k]] == ends[0]]
    if not rest:
        chain = root
    elif len(rest) == 1 and first:
        chain = np.vstack([root[::-1], P[starts[first[0]] : ends[first[0]] + 1]])
    elif len(rest) == 1 and last:
        chain = np.vstack([root, P[starts[last[0]] : ends[last[0]] + 1]])
    else:  # a soma that branches more: one cylinder of the same total area, at the root point
        area = soma_area(Section("s", "soma", None, root))
        for k in rest:
            seg = np.vstack([P[par[starts[k]]], P[starts[k] : ends[k] + 1]])
            area += soma_area(Section("s", "soma", None, seg)) if _arc(seg)[-1] > 0 else 0.0
        notes.append(f"soma of {len(soma_runs)} sections: one cylinder of their total area")
        chain = _cylinder_of_sphere(P[0, :3], math.sqrt(area / math.pi))
    if _arc(chain)[-1] <= 0:  # all soma points at one position: a sphere of the largest
        notes.append("soma points all at one position: a sphere of the largest diameter")
        chain = _cylinder_of_sphere(P[0, :3], float(chain[:, 3].max()))
    return chain


# -- MorphIO (ASC, H5) ----------------------------------------------------------------------------
def _morphio_error(path, e: Exception) -> MorphologyFileError:
    text = _ANSI.sub("", str(e)).strip()
    m = re.search(r":(\d+):(?:error|warning)", text)
    line = int(m.group(1)) if m else None
    text = re.sub(r"^.*?:\d+:(error|warning)\s*", "", text, flags=re.S).strip() or text
    text = " ".join(text.split())
    return MorphologyFileError(path, line, f"{type(e).__name__}: {text}")


def _load_morphio(path, policy: str, fmt: str) -> Morphology:
    import morphio

    if not Path(str(path)).is_file():
        raise MorphologyFileError(path, None, "cannot read the file (no such file)")
    handler = morphio.WarningHandlerCollector()
    try:
        m = morphio.Morphology(str(path), morphio.Option.nrn_order, handler)
        raw = [(s.type, s.points, s.diameters, s.parent.id if not s.is_root else -1, s.id)
               for s in m.iter()]  # fmt: skip
        soma_type, soma_pts = m.soma_type, np.asarray(m.soma.points, dtype=float)
        soma_d = np.asarray(m.soma.diameters, dtype=float)
    except Exception as e:  # MorphIO's own errors (and anything its parser lets through)
        raise _morphio_error(path, e) from None
    warnings = []
    for w in handler.get_all():
        wl, where = w.warning, ""
        if getattr(wl, "line_number", None) is not None:
            where = f"line {wl.line_number}: "
        warnings.append(f"{where}{type(wl).__name__}")
    if len(soma_pts) == 0:
        raise MorphologyFileError(path, None, "no soma (no CellBody contour or soma points)")
    _check_points(path, "soma", 0, np.column_stack([soma_pts, soma_d]), contour=True)
    ST = morphio.SomaType
    centre = soma_pts.mean(axis=0)
    contour = None
    if soma_type == ST.SOMA_SIMPLE_CONTOUR and len(soma_pts) >= 3:
        try:
            contour = contour_to_cylinder(soma_pts)
        except ValueError:
            contour = None
        if contour is not None and not np.all(contour[:, 3] > 1e-6 * _arc(contour)[-1]):
            contour = None  # points on a line (an SWC soma chain saved as H5 by MorphIO)
        if contour is None and len(soma_pts) > 3 and np.all(soma_d > 0):
            warnings.append("the soma 'contour' has no width: read as a chain of soma points")
            soma_type = ST.SOMA_CYLINDERS
    try:
        if contour is not None:
            pts = contour
            what = f"contour of {len(soma_pts)} points -> {len(pts)}-point principal-axis cylinder"
            centre = pts[len(pts) // 2, :3]
        elif soma_type == ST.SOMA_SIMPLE_CONTOUR:
            raise ValueError("a contour without width (all its points on a line)")
        elif len(soma_pts) == 1 or soma_type == ST.SOMA_NEUROMORPHO_THREE_POINT_CYLINDERS:
            pts = _cylinder_of_sphere(soma_pts[0], float(soma_d[0]))
            what = f"{len(soma_pts)}-point soma -> 3-point cylinder, length = diameter"
        else:
            pts = np.column_stack([soma_pts, soma_d])
            what = f"{len(soma_pts)}-point soma kept as a chain"
        soma = Section("soma", "soma", None, pts)
    except (ValueError, ParameterError) as e:
        raise MorphologyFileError(path, None, f"unusable soma ({soma_type.name}): {e}") from None
    secs, names, counters, zero = [soma], {}, {}, 0
    ids = {("soma", k): ("soma", _index_in(pts, q)) for k, q in enumerate(soma_pts)}
    last = {"soma": len(pts) // 2}
    regions = {2: "axon", 3: "basal", 4: "apical"}
    for stype, p, d, parent_id, sid in raw:
        region = regions.get(int(stype), "dend")
        pts = np.column_stack([np.asarray(p, float), np.asarray(d, float)])
        _check_points(path, region, sid, pts)
        counters[region] = counters.get(region, -1) + 1
        parent = "soma" if parent_id < 0 else names[parent_id]
        if len(pts) < 2 or _arc(pts)[-1] <= 0:
            zero += 1
            names[sid] = parent
            ids.update(((sid, k), (parent, last[parent])) for k in range(len(pts)))
            continue
        names[sid] = f"{region}{counters[region]}"
        secs.append(Section(names[sid], region, parent, pts))
        last[names[sid]] = len(pts) - 1
        ids.update(((sid, k), (names[sid], k)) for k in range(len(pts)))
    morph = Morphology(secs, point_ids=ids)
    if policy == "sphere":
        morph, dropped = _as_sphere(morph, centre)
    else:
        dropped = 0
    reader = f"MorphIO {morphio.version}"
    return _with_report(
        morph, path, fmt, reader, policy,
        what if policy == "import3d" else f"{what}, as one sphere", None,
        warnings=warnings, zero_length_dropped=zero, points_dropped_in_soma=dropped,
    )  # fmt: skip


def _check_points(path, region, sid, pts, contour=False) -> None:
    bad = ~np.all(np.isfinite(pts), axis=1)
    if not contour:
        bad |= pts[:, 3] <= 0
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        msg = f"{region} section {sid}, point {k}: non-finite value or diameter <= 0 {pts[k]}"
        raise MorphologyFileError(path, None, msg)


def _as_sphere(morph: Morphology, centre) -> tuple[Morphology, int]:
    """One sphere of the soma's area at ``centre``; its children start on the surface, their
    points inside it dropped (a section wholly inside: its children join the soma)."""
    d = math.sqrt(soma_area(morph.soma) / math.pi)
    R, centre = d / 2, np.asarray(centre, float)
    secs, dropped = [Section("soma", "soma", None, [[*centre, d]])], 0
    shift = {}  # section -> its first point kept (point i is now 1 + i - shift; before: the soma)
    stack = [(s, "soma") for s in reversed(morph.children("soma"))]
    while stack:
        s, parent = stack.pop()
        pts = s.points
        if parent == "soma":
            dist = np.linalg.norm(pts[:, :3] - centre, axis=1)
            out = np.flatnonzero(dist > R)
            dropped += len(pts) - (len(pts) - out[0] if out.size else 0)
            if not out.size:
                stack.extend((c, "soma") for c in reversed(morph.children(s.name)))
                continue
            q = out[0]
            start = centre + R * (pts[q, :3] - centre) / dist[q]
            pts = np.vstack([[*start, pts[q, 3]], pts[q:]])
            if _arc(pts)[-1] <= 0:
                stack.extend((c, "soma") for c in reversed(morph.children(s.name)))
                continue
            shift[s.name] = int(q) - 1
        secs.append(Section(s.name, s.region, parent, pts))
        stack.extend((c, s.name) for c in reversed(morph.children(s.name)))
    kept = {s.name for s in secs[1:]}
    ids = {}
    for key, (name, i) in morph.point_ids.items():
        j = i - shift.get(name, 0)
        ids[key] = (name, j) if name in kept and j >= 1 - (name not in shift) else ("soma", 0)
    return Morphology(secs, point_ids=ids), dropped


def _sphere_report(morph, path, rec, codes) -> Morphology:
    """The report of the legacy sphere: SWC neurite records not kept as points (inside the sphere,
    or in zero-length sections)."""
    soma = rec["type"] == 1 if codes is None else codes == 0
    kept = sum(len(s.points) - 1 for s in morph.sections[1:])
    d = morph.soma.points[0, 3]
    what = f"{int(soma.sum())} soma points -> one sphere of diameter {d:.4g} um"
    dropped = max(int((~soma).sum()) - kept, 0)
    return _with_report(
        morph,
        path,
        "SWC",
        "dendrites.read_swc",
        "sphere",
        what,
        rec,
        points_dropped_in_soma=dropped,
    )


def _with_report(morph, path, fmt, reader, policy, what, rec, notes=(), warnings=(), **counts):
    soma = morph.soma
    area = soma_area(soma)
    text = f"{what}; area {area:.1f} um^2"
    report = ImportReport(
        path=str(path), format=fmt, reader=reader, soma_policy=policy, soma=text, soma_area=area,
        sections=len(morph), points=int(sum(len(s.points) for s in morph)),
        warnings=tuple(warnings) + tuple(notes), **counts,
    )  # fmt: skip
    return Morphology(morph.sections, import_report=report, point_ids=morph.point_ids)
