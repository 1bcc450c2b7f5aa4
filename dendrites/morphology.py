"""Neuron morphologies as plain data: sections, compartments, builders and SWC import.

Nothing here creates Brian2 objects. Public functions take `brian2` quantities (``300*um``);
internally every length is a float in micrometres (um) and every area is in um^2.

A :class:`Morphology` is a tree of :class:`Section` objects (3-D points with diameters). Each
section is split into ``n`` compartments of equal arc length; :attr:`Morphology.compartments`
describes them as flat arrays (a :class:`CompartmentTable`) in section order, proximal to distal
within a section. :meth:`Morphology.compartmentalize` chooses ``n`` with NEURON's d_lambda rule
(Hines & Carnevale, *The NEURON Book*, ch. 5; ``fixnseg.hoc``).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from brian2.units import Hz, cm, ohm, uF, um

from .errors import ParameterError, PlacementError, SWCError, did_you_mean
from .quantities import as_float

__all__ = ["REGIONS", "SWC_TYPES", "CompartmentTable", "Morphology", "Section", "cable"]
__all__ += ["ball_and_stick", "binary_tree", "d_lambda_n", "from_swc", "pyramidal", "read_swc"]
__all__ += ["y_branch"]

REGIONS = ("soma", "axon", "ais", "basal", "apical", "oblique", "tuft", "dend")
SWC_TYPES = {1: "soma", 2: "axon", 3: "basal", 4: "apical"}
_SWC_RANGE = (1e-6, 1e7)  # um: smallest SWC radius, largest |coordinate| or radius accepted


_suggest = did_you_mean


def _check_n(n, name: str = "n", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ParameterError(name, f"must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_region(region, name: str = "region") -> str:
    if region not in REGIONS:
        raise ParameterError(name, f"unknown region {region!r}{_suggest(region, REGIONS)}")
    return region


def _um(value, name: str) -> float:
    return as_float(value, um, name, sign="positive")


def _arc(points: np.ndarray) -> np.ndarray:
    """Cumulative arc length (um) at each point of a (k, 4) array, starting at 0."""
    seg = np.sqrt(np.sum(np.diff(points[:, :3], axis=0) ** 2, axis=1))
    return np.concatenate([[0.0], np.cumsum(seg)])


def _resample(points: np.ndarray, n: int) -> np.ndarray:
    arc = _arc(points)
    s = np.linspace(0.0, arc[-1], n + 1)
    out = np.column_stack([np.interp(s, arc, points[:, j]) for j in range(4)])
    out[0], out[-1] = points[0], points[-1]
    return out


def _cable_factor(Ri, Cm, frequency) -> float:
    """sqrt(4 pi f Ri Cm) with f in Hz, Ri in ohm cm and Cm in uF/cm2."""
    ri = as_float(Ri, ohm * cm, "Ri", sign="positive")
    cmem = as_float(Cm, uF / cm**2, "Cm", sign="positive")
    f = as_float(frequency, Hz, "frequency", sign="positive")
    return math.sqrt(4 * math.pi * f * ri * cmem)


def _nseg(points: np.ndarray, factor: float, d_lambda: float) -> int:
    """NEURON's rule over 3-D points: ``lam = sum(dx / sqrt(d0 + d1)) * sqrt(2) * 1e-5 * factor``
    (= L / lambda_f), ``n = int((lam / d_lambda + 0.9) / 2) * 2 + 1``."""
    d = points[:, 3]
    lam = float(np.sum(np.diff(_arc(points)) / np.sqrt(d[:-1] + d[1:]))) * math.sqrt(2) * 1e-5
    x = lam * factor / d_lambda + 0.9
    if not x < 1e9:
        raise ParameterError("d_lambda", f"the d_lambda rule asks for {x:.3g} compartments")
    return int(x / 2) * 2 + 1


def d_lambda_n(length, diameter, Ri, Cm, d_lambda=0.1, frequency=100 * Hz) -> int:
    """Number of compartments NEURON's d_lambda rule gives a cylinder (always odd).

    ``lambda_f = 1e5 * sqrt(d / (4 pi f Ri Cm))`` um (d in um, Ri in ohm cm, Cm in uF/cm2, f in
    Hz) and ``n = int((L / (d_lambda * lambda_f) + 0.9) / 2) * 2 + 1``.

    Parameters
    ----------
    length, diameter : Quantity
        Cylinder length and diameter (um).
    Ri : Quantity
        Axial resistivity (ohm cm).
    Cm : Quantity
        Specific membrane capacitance (uF/cm2).
    d_lambda : float
        Largest compartment length as a fraction of ``lambda_f`` (default 0.1).
    frequency : Quantity
        Frequency at which ``lambda_f`` is evaluated (default 100 Hz).
    """
    L, d = _um(length, "length"), _um(diameter, "diameter")
    dl = as_float(d_lambda, 1, "d_lambda", sign="positive")
    return _nseg(np.array([[0.0, 0, 0, d], [L, 0, 0, d]]), _cable_factor(Ri, Cm, frequency), dl)


@dataclass(frozen=True, eq=False)
class Section:
    """An unbranched piece of the cell (compared by identity).

    Parameters
    ----------
    name : str
        Unique name in the morphology.
    region : str
        One of :data:`REGIONS`.
    parent : str or None
        Name of the parent section; None only for the root.
    points : array (k, 4)
        x, y, z, diameter in um (stored as a read-only float copy). A soma has k == 1 (centre and
        diameter of a sphere); other sections k >= 2 and a length > 0, ``points[0]`` being where
        the section starts (its parent's last point, or a point on the soma's surface) and
        ``points[-1]`` its distal end.
    n : int
        Number of compartments (>= 1; a soma always has 1).
    """

    name: str
    region: str
    parent: str | None
    points: np.ndarray
    n: int = 1

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError("name", f"must be a non-empty string, got {self.name!r}")
        _check_region(self.region)
        bad = f"section {self.name!r}:"
        try:
            pts = np.array(self.points, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError("points", f"{bad} not an array of numbers") from None
        if pts.ndim != 2 or pts.shape[1] != 4:
            raise ParameterError("points", f"{bad} expected shape (k, 4), got {pts.shape}")
        if not np.all(np.isfinite(pts)) or np.any(pts[:, 3] <= 0):
            raise ParameterError("points", f"{bad} non-finite value or diameter <= 0")
        n = _check_n(self.n)
        if self.region == "soma" and (len(pts) != 1 or n != 1):
            raise ParameterError("points", f"{bad} a soma has exactly one point and n == 1")
        if self.region != "soma" and (len(pts) < 2 or _arc(pts)[-1] <= 0):
            raise ParameterError("points", f"{bad} needs >= 2 points and a length > 0")
        pts.flags.writeable = False
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "n", n)

    @property
    def length(self) -> float:
        """Arc length in um (a soma: its diameter)."""
        return float(self.points[0, 3] if self.region == "soma" else _arc(self.points)[-1])


@dataclass(frozen=True, eq=False)
class CompartmentTable:
    """Per-compartment arrays (read-only), in section order, proximal to distal in a section.

    Fields: ``section`` (names), ``section_index``, ``index_in_section``, ``region``; centre
    ``x``, ``y``, ``z`` and ``diameter`` (um); ``length`` (um) and ``area`` (um^2) of the frustum
    between consecutive :meth:`Morphology.resampled_points` (the soma: its diameter and the sphere
    area pi d^2); ``distance``, ``distance_start``, ``distance_end``: path distance (um) of the
    centre and the ends from the soma surface (the soma is 0) or, without soma, from the start of
    the root section; ``parent``: flat index of the parent compartment (-1 for the root).
    """

    section: np.ndarray
    section_index: np.ndarray
    index_in_section: np.ndarray
    region: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    diameter: np.ndarray
    length: np.ndarray
    area: np.ndarray
    distance: np.ndarray
    distance_start: np.ndarray
    distance_end: np.ndarray
    parent: np.ndarray

    def __len__(self) -> int:
        return len(self.section)


class Morphology:
    """A tree of :class:`Section` objects (immutable).

    Parameters
    ----------
    sections : iterable of Section
        Exactly one root (``parent=None``); every other parent must be present. They are stored
        in pre-order (parent before children, children in the order given) in ``sections``. A soma
        can only be the root; a child of the soma must start on its surface, any other child at
        its parent's last point.
    """

    def __init__(self, sections):
        secs = list(sections)
        if not secs or not all(isinstance(s, Section) for s in secs):
            raise ParameterError("sections", "expected a non-empty sequence of Section objects")
        by_name = {s.name: s for s in secs}
        if len(by_name) != len(secs):
            raise ParameterError("sections", "section names must be unique")
        roots = [s.name for s in secs if s.parent is None]
        if len(roots) != 1:
            raise ParameterError("sections", f"expected exactly one root section, got {roots}")
        kids: dict[str, list[str]] = {name: [] for name in by_name}
        for s in secs:
            if s.parent is None:
                continue
            if s.parent not in by_name:
                hint = _suggest(s.parent, by_name)
                raise ParameterError("sections", f"{s.name!r}: unknown parent {s.parent!r}{hint}")
            if s.region == "soma":
                raise ParameterError("sections", f"soma {s.name!r} must be the root section")
            self._check_junction(by_name[s.parent], s)
            kids[s.parent].append(s.name)
        order, stack = [], [roots[0]]
        while stack:
            order.append(stack.pop())
            stack.extend(reversed(kids[order[-1]]))
        if len(order) != len(secs):
            raise ParameterError("sections", "the parent links form a cycle")
        self.sections: tuple[Section, ...] = tuple(by_name[name] for name in order)
        self._index = {name: i for i, name in enumerate(order)}
        self._children = {name: tuple(by_name[k] for k in kids[name]) for name in by_name}
        self._offsets = np.concatenate([[0], np.cumsum([s.n for s in self.sections])]).astype(int)

    @staticmethod
    def _check_junction(parent: Section, child: Section) -> None:
        start, ref = child.points[0, :3], parent.points[-1, :3]
        tol = 1e-9 * max(1.0, float(np.max(np.abs(start))), float(np.max(np.abs(ref))))
        gap = float(np.linalg.norm(start - ref))
        if parent.region == "soma":
            gap = abs(gap - parent.points[0, 3] / 2)
            tol += 1e-6 * parent.points[0, 3]
        if gap > tol:
            where = "on the soma's surface" if parent.region == "soma" else "at its parent's end"
            raise ParameterError("sections", f"section {child.name!r} must start {where}")

    def __getitem__(self, name: str) -> Section:
        if name not in self._index:
            raise KeyError(f"unknown section {name!r}{_suggest(name, self._index)}")
        return self.sections[self._index[name]]

    def __contains__(self, name) -> bool:
        return name in self._index

    def __len__(self) -> int:
        return len(self.sections)

    def __iter__(self):
        return iter(self.sections)

    @property
    def root(self) -> Section:
        return self.sections[0]

    @property
    def soma(self) -> Section | None:
        """The root section if it is a soma, else None."""
        return self.root if self.root.region == "soma" else None

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions present, in the order of :data:`REGIONS`."""
        present = {s.region for s in self.sections}
        return tuple(r for r in REGIONS if r in present)

    def children(self, name: str) -> tuple[Section, ...]:
        """The child sections of ``name``, in insertion order."""
        return self._children[self[name].name]

    def terminals(self) -> tuple[str, ...]:
        """Names of the sections without children (the tips), in section order."""
        return tuple(s.name for s in self.sections if not self._children[s.name])

    @property
    def n_compartments(self) -> int:
        return int(self._offsets[-1])

    def compartment_slice(self, name: str) -> slice:
        """The flat compartment indices of a section."""
        i = self._index[self[name].name]
        return slice(int(self._offsets[i]), int(self._offsets[i + 1]))

    def resampled_points(self, name: str) -> np.ndarray:
        """The ``n + 1`` points (x, y, z, diameter; um) bounding the ``n`` compartments of a
        section, evenly spaced in arc length, coordinates and diameter linearly interpolated along
        the arc (the first and last are the section's own). A soma returns its single point."""
        s = self[name]
        return s.points.copy() if s.region == "soma" else _resample(s.points, s.n)

    def with_n(self, mapping: dict[str, int]) -> Morphology:
        """A copy with the number of compartments of the sections named in ``mapping`` replaced."""
        for name, n in mapping.items():
            if name not in self._index:
                raise ParameterError("mapping", f"no section {name!r}{_suggest(name, self._index)}")
            if _check_n(n, f"mapping[{name!r}]") != 1 and self[name].region == "soma":
                raise ParameterError(f"mapping[{name!r}]", "a soma has exactly one compartment")
        return Morphology(replace(s, n=int(mapping.get(s.name, s.n))) for s in self.sections)

    def compartmentalize(self, Ri, Cm, d_lambda=0.1, frequency=100 * Hz, max_length=None):
        """A copy with ``n`` of every section set by NEURON's d_lambda rule (``fixnseg.hoc``).

        Over a section's 3-D points ``lam = sum_i (arc_i - arc_{i-1}) / sqrt(d_{i-1} + d_i)``
        times ``sqrt(2) * 1e-5 * sqrt(4 pi f Ri Cm)`` (= L / lambda_f; um, ohm cm, uF/cm2, Hz) and
        ``n = int((lam / d_lambda + 0.9) / 2) * 2 + 1`` (odd). The soma keeps n = 1.

        Parameters
        ----------
        Ri : Quantity
            Axial resistivity (ohm cm).
        Cm : Quantity
            Specific membrane capacitance (uF/cm2).
        d_lambda : float
            Largest compartment length as a fraction of lambda_f (default 0.1).
        frequency : Quantity
            Frequency of lambda_f (default 100 Hz).
        max_length : Quantity, optional
            Also caps the compartment length (um); n is raised to the next odd number if needed.

        Returns
        -------
        Morphology
        """
        factor = _cable_factor(Ri, Cm, frequency)
        dl = as_float(d_lambda, 1, "d_lambda", sign="positive")
        cap = None if max_length is None else _um(max_length, "max_length")
        mapping = {}
        for s in self.sections[self.soma is not None :]:
            n = _nseg(s.points, factor, dl)
            if cap is not None:
                m = math.ceil(s.length / cap * (1 - 1e-12))
                n = max(n, m + 1 - m % 2)
            mapping[s.name] = n
        return self.with_n(mapping)

    @cached_property
    def compartments(self) -> CompartmentTable:
        """Per-compartment geometry, a :class:`CompartmentTable` (computed once)."""
        secs, off = self.sections, self._offsets
        cols, parent, end = [], [], np.zeros(len(secs))
        for i, s in enumerate(secs):
            p = self._index.get(s.parent, -1)
            parent.append(np.r_[off[p + 1] - 1 if p >= 0 else -1, off[i] + np.arange(s.n - 1)])
            if s.region == "soma":
                x, y, z, d = s.points[0]
                cols.append([[x, y, z, d, d, math.pi * d * d, 0.0, 0.0]])
                continue
            # Lengths follow the traced path (as NEURON does), not the chords between the
            # resampled points: curvy reconstructions keep their full length and membrane area.
            r = _resample(s.points, s.n)
            arc = _arc(s.points)
            seg = np.full(s.n, arc[-1] / s.n)
            r1, r2 = r[:-1, 3] / 2, r[1:, 3] / 2
            cum = (end[p] if p >= 0 else 0.0) + np.r_[0.0, np.cumsum(seg)]
            end[i] = cum[-1]
            area = np.pi * (r1 + r2) * np.sqrt(seg**2 + (r1 - r2) ** 2)
            half = (np.arange(s.n) + 0.5) * seg[0]
            mid = np.column_stack([np.interp(half, arc, s.points[:, j]) for j in range(3)])
            cols.append(np.column_stack([mid, r1 + r2, seg, area, cum[:-1], cum[1:]]))
        c = np.concatenate([np.asarray(a, dtype=float) for a in cols]).T.copy()
        idx = np.repeat(np.arange(len(secs)), np.diff(off))
        names = np.array([s.name for s in secs], dtype=object)
        regions = np.array([s.region for s in secs])
        arrays = [names[idx], idx, np.arange(off[-1]) - off[idx], regions[idx], *c[:6]]
        arrays += [(c[6] + c[7]) / 2, c[6], c[7], np.concatenate(parent).astype(int)]
        for a in arrays:
            a.flags.writeable = False
        return CompartmentTable(*arrays)

    def locate(self, section: str, x: float) -> int:
        """Flat index of the compartment containing the fractional position ``x`` (0 to 1) along
        ``section``; a boundary between compartments belongs to the distal one, x = 1 to the last.

        Raises
        ------
        PlacementError
            Unknown section (with a suggestion) or ``x`` not a number in [0, 1].
        """
        if section not in self._index:
            raise PlacementError(f"unknown section {section!r}{_suggest(section, self._index)}")
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0 <= x <= 1:
            raise PlacementError(f"x = {x!r} on section {section!r} must be a number in [0, 1]")
        i = self._index[section]
        n = self.sections[i].n
        return int(self._offsets[i]) + min(int(x * n), n - 1)

    def at_distance(self, distance, region=None) -> np.ndarray:
        """Indices of the compartments whose path-distance interval [start, end] contains
        ``distance`` (Quantity, um), optionally only in ``region`` (a name or list of names).

        Raises
        ------
        PlacementError
            No compartment (of that region) spans that distance.
        """
        d = as_float(distance, um, "distance", sign="nonnegative")
        t, tol = self.compartments, 1e-9 * max(1.0, d)
        mask = (t.distance_start <= d + tol) & (d <= t.distance_end + tol)
        if region is not None:
            mask &= self._region_mask(region, "region")
        if not mask.any():
            where = "" if region is None else f" in region {region!r}"
            reach = float(t.distance_end.max())
            raise PlacementError(
                f"no compartment{where} at {d:g} um (the tree reaches {reach:g} um)"
            )
        return np.flatnonzero(mask)

    def _region_mask(self, where, name: str) -> np.ndarray:
        names = [where] if isinstance(where, str) else list(where)
        for r in names:
            _check_region(r, name)
        return np.isin(self.compartments.region, names)

    def select(self, where=None) -> np.ndarray:
        """Boolean mask over the compartments.

        Parameters
        ----------
        where : None, "all", str, list of str, or callable
            None or "all": every compartment; a region name or a list/tuple of them; or a function
            of the :class:`CompartmentTable` returning a boolean array (``lambda c: c.distance >
            300``, distances in um).

        Raises
        ------
        ParameterError
            Unknown region (with a suggestion) or a function returning the wrong array.
        """
        n = self.n_compartments
        if where is None or (isinstance(where, str) and where == "all"):
            return np.ones(n, dtype=bool)
        if callable(where):
            mask = np.asarray(where(self.compartments))
            if mask.dtype != bool or mask.shape != (n,):
                got = f"{mask.dtype} {mask.shape}"
                raise ParameterError(
                    "where", f"must return a bool array of shape ({n},), got {got}"
                )
            return mask.copy()
        if isinstance(where, (str, list, tuple)):
            return self._region_mask(where, "where")
        raise ParameterError("where", f"expected region name(s) or a function, got {where!r}")

    def summary(self) -> str:
        """Sections, compartments, length (um) and membrane area (um^2), in total and per region."""
        t = self.compartments
        total = sum(s.length for s in self.sections[self.soma is not None :])
        lines = [
            f"Morphology: {len(self)} sections, {self.n_compartments} compartments, "
            f"{total:.1f} um of neurites, membrane area {t.area.sum():.1f} um^2"
        ]
        for r in self.regions:
            secs = [s for s in self.sections if s.region == r]
            m = t.region == r
            length = sum(s.length for s in secs) if r != "soma" else 0.0
            lines.append(
                f"  {r:8s}{len(secs):6d} sections{int(m.sum()):7d} compartments"
                f"{length:10.1f} um{t.area[m].sum():12.1f} um^2"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<Morphology: {len(self)} sections, {self.n_compartments} compartments>"


# -- builders -------------------------------------------------------------------------------------
def _seg(start, direction, length, d0, d1=None) -> np.ndarray:
    """A (2, 4) section from ``start`` along ``direction``."""
    start, direction = np.asarray(start, float), np.asarray(direction, float)
    end = start + length * direction / np.linalg.norm(direction)
    return np.array([[*start, d0], [*end, d0 if d1 is None else d1]])


def _dir(theta: float, phi: float = 0.0) -> np.ndarray:
    """Unit vector at ``theta`` degrees from +y, turned by ``phi`` degrees around the y axis."""
    t, p = math.radians(theta), math.radians(phi)
    return np.array([math.sin(t) * math.cos(p), math.cos(t), math.sin(t) * math.sin(p)])


def _soma(diameter: float) -> Section:
    return Section("soma", "soma", None, [[0.0, 0.0, 0.0, diameter]])


def cable(length=1000 * um, diameter=1 * um, n=1, region="dend") -> Morphology:
    """One unbranched cylinder "cable" along +x from the origin, without soma.

    Parameters
    ----------
    length, diameter : Quantity
        Length and diameter (um; defaults 1000 and 1, as Rallpack 1).
    n : int
        Number of compartments.
    region : str
        Region of the cable (default "dend").
    """
    pts = _seg((0, 0, 0), (1, 0, 0), _um(length, "length"), _um(diameter, "diameter"))
    return Morphology([Section("cable", _check_region(region), None, pts, _check_n(n))])


def binary_tree(depth=10, length=16 * um, diameter=32 * um, n=1) -> Morphology:
    """Rallpack 2's branched cable: a symmetric binary tree without soma (Bhalla et al. 1992).

    The root cylinder starts at the origin and points along +y. At each level the diameter shrinks
    by ``2**(-2/3)`` (Rall's 3/2 rule, ``d_parent**1.5 == 2 * d_child**1.5``) and the length by
    ``2**(-1/3)``, so every level has the same electrotonic length (L / sqrt(d) constant). With the
    defaults (10 levels, root 16 um long and 32 um thick) the 512 tips are 2 um long and 0.5 um
    thick, as in Rallpack 2. Sections are named ``f"b{level}_{k}"`` (``b0_0`` is the root, k from
    0 to 2**level - 1), all in region "dend"; :meth:`Morphology.terminals` lists the tips.

    Parameters
    ----------
    depth : int
        Number of levels including the root.
    length, diameter : Quantity
        Length and diameter of the root section (um).
    n : int
        Compartments per section.
    """
    depth, n = _check_n(depth, "depth"), _check_n(n)
    L, d = _um(length, "length"), _um(diameter, "diameter")
    secs = [Section("b0_0", "dend", None, _seg((0, 0, 0), _dir(0), L, d), n)]
    heading, end = {"b0_0": 0.0}, {"b0_0": secs[0].points[-1, :3]}
    for level in range(1, depth):
        Ll, dl = L * 2 ** (-level / 3), d * 2 ** (-2 * level / 3)
        for k in range(2**level):
            parent, name = f"b{level - 1}_{k // 2}", f"b{level}_{k}"
            heading[name] = heading[parent] + (40.0 if k % 2 else -40.0) / level
            pts = _seg(end[parent], _dir(heading[name]), Ll, dl)
            end[name] = pts[-1, :3]
            secs.append(Section(name, "dend", parent, pts, n))
    return Morphology(secs)


def ball_and_stick(soma_diameter=20 * um, length=700 * um, diameter=2 * um, n=None) -> Morphology:
    """A spherical soma at the origin and one cylindrical dendrite "dend" (region "dend") along +x.

    Parameters
    ----------
    soma_diameter : Quantity
        Soma diameter (um, default 20).
    length, diameter : Quantity
        Dendrite length and diameter (um, defaults 700 and 2).
    n : int or None
        Compartments of the dendrite (None: 1).
    """
    ds = _um(soma_diameter, "soma_diameter")
    pts = _seg((ds / 2, 0, 0), (1, 0, 0), _um(length, "length"), _um(diameter, "diameter"))
    n = 1 if n is None else _check_n(n)
    return Morphology([_soma(ds), Section("dend", "dend", "soma", pts, n)])


def y_branch(
    soma_diameter=20 * um,
    trunk_length=200 * um,
    trunk_diameter=2 * um,
    branch_length=150 * um,
    branch_diameter=None,
    soma=True,
    n=1,
) -> Morphology:
    """A soma, a trunk along +y and two daughters "left" and "right" (all region "dend").

    Parameters
    ----------
    soma_diameter : Quantity
        Soma diameter (um, default 20); ignored without soma.
    trunk_length, trunk_diameter : Quantity
        Trunk dimensions (um, defaults 200 and 2).
    branch_length : Quantity
        Length of each daughter (um, default 150).
    branch_diameter : Quantity or None
        Diameter of the daughters (um); None applies Rall's 3/2 rule, ``trunk_diameter *
        2**(-2/3)``.
    soma : bool
        If False, the trunk is the root and starts at the origin.
    n : int
        Compartments per dendritic section.
    """
    Lt, dt = _um(trunk_length, "trunk_length"), _um(trunk_diameter, "trunk_diameter")
    Lb = _um(branch_length, "branch_length")
    db = dt * 2 ** (-2 / 3) if branch_diameter is None else _um(branch_diameter, "branch_diameter")
    n = _check_n(n)
    secs = [_soma(_um(soma_diameter, "soma_diameter"))] if soma else []
    start = (0.0, secs[0].points[0, 3] / 2 if soma else 0.0, 0.0)
    secs.append(Section("trunk", "dend", "soma" if soma else None, _seg(start, _dir(0), Lt, dt), n))
    fork = secs[-1].points[-1, :3]
    for name, angle in (("left", -30.0), ("right", 30.0)):
        secs.append(Section(name, "dend", "trunk", _seg(fork, _dir(angle), Lb, db), n))
    return Morphology(secs)


def pyramidal(
    soma_diameter=20 * um,
    ais_length=40 * um,
    ais_diameter=1.2 * um,
    axon_length=400 * um,
    axon_diameter=1 * um,
    n_basal=4,
    basal_stem_length=50 * um,
    basal_stem_diameter=1.5 * um,
    basal_branch_length=150 * um,
    basal_branch_diameter=0.7 * um,
    trunk_length=600 * um,
    trunk_diameter_start=3.5 * um,
    trunk_diameter_end=1.5 * um,
    n_oblique=4,
    oblique_start=100 * um,
    oblique_end=350 * um,
    oblique_length=150 * um,
    oblique_diameter=0.7 * um,
    tuft_length=150 * um,
    tuft_diameter=1 * um,
    tuft_branch_length=200 * um,
    tuft_branch_diameter=0.6 * um,
    n=1,
) -> Morphology:
    """A simplified pyramidal neuron: soma at the origin, apical dendrite along +y, axon along -y.

    Dimensions are typical of rat layer 5 and CA1 pyramidal cells (e.g. Stuart & Spruston 1998,
    J Neurosci 18:3501; Larkum et al. 2001, J Physiol 533:447); this is not a reconstruction.
    Every length and diameter is a Quantity in um (the parameter names say which); ``n_basal`` and
    ``n_oblique`` are counts and ``n`` the number of compartments of every non-soma section.

    Sections (name: region):

    * ``soma``: soma, a sphere of ``soma_diameter``.
    * ``ais``: ais, the axon initial segment; ``axon``: axon, continuing it.
    * ``basal{k}``: basal, ``n_basal`` stems pointing down and out, each splitting into two thin
      branches ``basal{k}_a`` and ``basal{k}_b``.
    * ``trunk{k}``: apical, the apical trunk, ``trunk_length`` long and tapering linearly from
      ``trunk_diameter_start`` to ``trunk_diameter_end``, cut into ``n_oblique + 1`` sections at
      the oblique branch points.
    * ``oblique{k}``: oblique, leaving the end of ``trunk{k}``; their path distances from the
      soma surface are evenly spaced from ``oblique_start`` to ``oblique_end``.
    * ``tuft0``, ``tuft1``: tuft, at the end of the trunk, each splitting into ``tuft{k}_a`` and
      ``tuft{k}_b`` (``tuft_branch_length``, ``tuft_branch_diameter``).
    """
    params = dict(locals())
    v = {k: _um(val, k) for k, val in params.items() if k not in ("n_basal", "n_oblique", "n")}
    n_basal, n_oblique = _check_n(n_basal, "n_basal", 0), _check_n(n_oblique, "n_oblique", 0)
    Lt, d0, d1 = v["trunk_length"], v["trunk_diameter_start"], v["trunk_diameter_end"]
    cuts = [*np.linspace(v["oblique_start"], v["oblique_end"], n_oblique), Lt]
    if np.any(np.diff([0.0, *cuts]) <= 0):
        raise ParameterError("oblique_end", "need oblique_start < oblique_end < trunk_length")
    n, R = _check_n(n), v["soma_diameter"] / 2
    ais = _seg((0, -R, 0), (0, -1, 0), v["ais_length"], v["ais_diameter"])
    axon = _seg(ais[-1, :3], (0, -1, 0), v["axon_length"], v["axon_diameter"])
    secs = [_soma(2 * R), Section("ais", "ais", "soma", ais, n)]
    secs.append(Section("axon", "axon", "ais", axon, n))
    for k in range(n_basal):
        phi = 360.0 * k / n_basal + 45.0
        u = _dir(120, phi)
        stem = _seg(R * u, u, v["basal_stem_length"], v["basal_stem_diameter"])
        secs.append(Section(f"basal{k}", "basal", "soma", stem, n))
        L, d = v["basal_branch_length"], v["basal_branch_diameter"]
        for tag, turn in (("a", -25.0), ("b", 25.0)):
            pts = _seg(stem[-1, :3], _dir(120, phi + turn), L, d)
            secs.append(Section(f"basal{k}_{tag}", "basal", f"basal{k}", pts, n))
    pos, parent = 0.0, "soma"
    for k, cut in enumerate(cuts):
        pts = np.array([[0, R + s, 0, d0 + (d1 - d0) * s / Lt] for s in (pos, cut)])
        secs.append(Section(f"trunk{k}", "apical", parent, pts, n))
        if k < n_oblique:
            obl = _seg(pts[-1, :3], _dir(60, 90.0 * k), v["oblique_length"], v["oblique_diameter"])
            secs.append(Section(f"oblique{k}", "oblique", f"trunk{k}", obl, n))
        pos, parent = cut, f"trunk{k}"
    for k, phi in enumerate((0.0, 180.0)):
        tuft = _seg((0, R + Lt, 0), _dir(30, phi), v["tuft_length"], v["tuft_diameter"])
        secs.append(Section(f"tuft{k}", "tuft", parent, tuft, n))
        L, d = v["tuft_branch_length"], v["tuft_branch_diameter"]
        for tag, turn in (("a", -40.0), ("b", 40.0)):
            pts = _seg(tuft[-1, :3], _dir(35, phi + turn), L, d)
            secs.append(Section(f"tuft{k}_{tag}", "tuft", f"tuft{k}", pts, n))
    return Morphology(secs)


# -- SWC ------------------------------------------------------------------------------------------
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


def from_swc(
    path, *, Ri=None, Cm=None, d_lambda=0.1, frequency=100 * Hz, max_length=None, type_map=None
) -> Morphology:
    """Load a morphology from an SWC file (records in any order, ids unique).

    The soma points (type 1), which must include the root, become one sphere ``soma`` centred at
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
    ``apical12``...), numbered per region in pre-order. Without a soma, the root point starts the
    root section. SWC points are not compartments: n is 1, or set by NEURON's d_lambda rule.

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

    Raises
    ------
    SWCError
        Besides :func:`read_swc`'s checks: unknown type, missing parent, several roots, a cycle,
        soma points not joined to a soma root, or a soma-less tree whose root point does not start
        exactly one section. The message names the file and the line.
    """
    regions_of = dict(SWC_TYPES)
    for t, r in (type_map or {}).items():
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise ParameterError("type_map", f"keys must be integer SWC types, got {t!r}")
        regions_of[int(t)] = _check_region(r, "type_map")
    if (Ri is None) != (Cm is None):
        raise ParameterError("Ri" if Ri is None else "Cm", "give both Ri and Cm, or neither")
    rec = read_swc(path)
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
    xyz = np.column_stack([rec["x"], rec["y"], rec["z"]])
    P = np.column_stack([xyz, 2 * rec["radius"]])
    soma_pts, stack = [], [root] if is_soma[root] else []
    while stack:
        soma_pts.append(stack.pop())
        stack.extend(k for k in children[soma_pts[-1]] if is_soma[k])
    stray = np.flatnonzero(is_soma & ~np.isin(np.arange(N), soma_pts))
    if stray.size:
        raise SWCError(path, line[stray[0]], "soma point not joined to a soma at the root")
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
        chain, pts = np.array(chain), None
        if not attached:
            pts = np.vstack([P[pidx[h]], P[chain]])
        else:
            dist = np.linalg.norm(xyz[chain] - centre, axis=1)
            out = np.flatnonzero(dist > R)
            if out.size:
                q = chain[out[0]]
                start = centre + R * (xyz[q] - centre) / dist[out[0]]
                pts = np.vstack([[*start, P[q, 3]], P[chain[out[0] :]]])
        if pts is not None and _arc(pts)[-1] > 0:
            region = REGIONS[codes[h]]
            counters[region] = counters.get(region, -1) + 1
            secs.append(Section(f"{region}{counters[region]}", region, parent, pts))
            parent, attached = secs[-1].name, False
        stack.extend((child, parent, attached) for child in children[chain[-1]][::-1])
    if not secs or sum(s.parent is None for s in secs) != 1:
        raise SWCError(path, line[root], "the tree has no soma and no single root section")
    morph = Morphology(secs)
    return morph if Ri is None else morph.compartmentalize(Ri, Cm, d_lambda, frequency, max_length)
