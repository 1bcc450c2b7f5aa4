"""Neuron morphologies as plain data: sections, compartments, builders and SWC import.

Nothing here creates Brian2 objects. Public functions take `brian2` quantities (``300*um``);
internally every length is a float in micrometres (um), areas are in um^2.

A :class:`Morphology` is a tree of :class:`Section` objects (3-D points with diameters). Each
section is split into ``n`` compartments of equal arc length; :attr:`Morphology.compartments`
describes them as flat arrays (a :class:`CompartmentTable`), in section order and proximal to
distal within a section. :meth:`Morphology.compartmentalize` chooses ``n`` with NEURON's d_lambda
rule (Hines & Carnevale, *The NEURON Book*, ch. 5; ``fixnseg.hoc``).
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from brian2.units import Hz, cm, ohm, uF, um

from .errors import ParameterError, PlacementError, SWCError
from .quantities import as_float

__all__ = [
    "REGIONS",
    "CompartmentTable",
    "Morphology",
    "Section",
    "ball_and_stick",
    "binary_tree",
    "cable",
    "d_lambda_n",
    "from_swc",
    "pyramidal",
    "read_swc",
    "y_branch",
]

REGIONS = ("soma", "axon", "ais", "basal", "apical", "oblique", "tuft", "dend")
SWC_TYPES = {1: "soma", 2: "axon", 3: "basal", 4: "apical"}
_MAX_ABS = 1e12  # um; larger SWC coordinates or radii are rejected (they overflow geometry)


def _suggest(name, options) -> str:
    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def _check_n(n, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ParameterError(name, f"number of compartments must be an integer >= 1, got {n!r}")
    return int(n)


def _check_region(region, name: str = "region") -> str:
    if region not in REGIONS:
        raise ParameterError(
            name, f"unknown region {region!r}{_suggest(region, REGIONS)} (regions: {REGIONS})"
        )
    return region


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


def _nseg(lam: float, d_lambda: float) -> int:
    """NEURON's ``int((L/(d_lambda*lambda_f) + 0.9)/2)*2 + 1`` with ``lam = L/lambda_f``."""
    x = lam / d_lambda + 0.9
    if not math.isfinite(x):
        raise ParameterError("d_lambda", f"the d_lambda rule gives a non-finite count ({x})")
    return int(x / 2) * 2 + 1


def _electrotonic(points: np.ndarray, k: float) -> float:
    """NEURON's ``L/lambda_f`` over 3-D points: sum(dx / sqrt(d0 + d1)) * sqrt(2) * 1e-5 * k."""
    dx = np.diff(_arc(points))
    d = points[:, 3]
    return float(np.sum(dx / np.sqrt(d[:-1] + d[1:]))) * math.sqrt(2) * 1e-5 * k


def _cable_factor(Ri, Cm, frequency) -> float:
    """sqrt(4 pi f Ri Cm) with f in Hz, Ri in ohm cm, Cm in uF/cm2."""
    ri = as_float(Ri, ohm * cm, "Ri", sign="positive")
    cmem = as_float(Cm, uF / cm**2, "Cm", sign="positive")
    f = as_float(frequency, Hz, "frequency", sign="positive")
    return math.sqrt(4 * math.pi * f * ri * cmem)


def d_lambda_n(length, diameter, Ri, Cm, d_lambda=0.1, frequency=100 * Hz) -> int:
    """Number of compartments NEURON's d_lambda rule gives a cylinder.

    ``lambda_f = 1e5 * sqrt(d / (4 pi f Ri Cm))`` um (d in um, Ri in ohm cm, Cm in uF/cm2, f in
    Hz) and ``n = int((L / (d_lambda * lambda_f) + 0.9) / 2) * 2 + 1`` (always odd).

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
    L = as_float(length, um, "length", sign="positive")
    d = as_float(diameter, um, "diameter", sign="positive")
    dl = as_float(d_lambda, 1, "d_lambda", sign="positive")
    pts = np.array([[0.0, 0, 0, d], [L, 0, 0, d]])
    return _nseg(_electrotonic(pts, _cable_factor(Ri, Cm, frequency)), dl)


@dataclass(frozen=True, eq=False)
class Section:
    """An unbranched piece of the cell.

    Parameters
    ----------
    name : str
        Unique name in the morphology.
    region : str
        One of :data:`REGIONS`.
    parent : str or None
        Name of the parent section; None only for the root.
    points : array (k, 4)
        x, y, z, diameter in um. A soma has k == 1 (centre and diameter of a sphere); other
        sections k >= 2, ``points[0]`` being where the section starts (the parent's last point, or a
        point on the soma sphere) and ``points[-1]`` its distal end.
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
            raise ParameterError(
                "name", f"a section name must be a non-empty string, not {self.name!r}"
            )
        _check_region(self.region)
        pts = np.array(self.points, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 4:
            raise ParameterError(
                "points", f"section {self.name!r}: expected shape (k, 4), got {pts.shape}"
            )
        if not np.all(np.isfinite(pts)) or np.any(pts[:, 3] <= 0):
            raise ParameterError(
                "points", f"section {self.name!r}: non-finite value or diameter <= 0"
            )
        n = _check_n(self.n)
        if self.region == "soma" and (len(pts) != 1 or n != 1):
            raise ParameterError("points", f"soma {self.name!r} needs exactly one point and n == 1")
        if self.region != "soma" and (len(pts) < 2 or _arc(pts)[-1] <= 0):
            raise ParameterError(
                "points", f"section {self.name!r} needs >= 2 points and length > 0"
            )
        pts.flags.writeable = False
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "n", n)

    @property
    def length(self) -> float:
        """Arc length in um (a soma: its diameter)."""
        return float(self.points[0, 3] if self.region == "soma" else _arc(self.points)[-1])


@dataclass(frozen=True, eq=False)
class CompartmentTable:
    """Flat per-compartment arrays (section order, proximal to distal within a section).

    Lengths and coordinates are in um, areas in um^2. ``length``, ``area`` and the distances use the
    straight frusta between the resampled points (:meth:`Morphology.resampled_points`), exactly
    what a simulator receives. ``distance`` is the path distance from the soma surface (the soma is
    0) or, without a soma, from the start of the root section, to the compartment centre.
    ``parent`` is the flat index of the parent compartment (-1 for the root compartment).
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
    """A tree of :class:`Section` objects.

    Parameters
    ----------
    sections : iterable of Section
        Exactly one root (``parent=None``); every other parent must be present. Sections are stored
        in pre-order (parent before children, children in the order given). A soma may only be the
        root; a child of a soma must start on the soma's surface, any other child at its parent's
        last point.
    """

    def __init__(self, sections):
        secs = list(sections)
        if not secs or not all(isinstance(s, Section) for s in secs):
            raise ParameterError("sections", "expected a non-empty sequence of Section objects")
        by_name: dict[str, Section] = {}
        for s in secs:
            if s.name in by_name:
                raise ParameterError("sections", f"duplicate section name {s.name!r}")
            by_name[s.name] = s
        roots = [s.name for s in secs if s.parent is None]
        if len(roots) != 1:
            raise ParameterError("sections", f"expected exactly one root section, got {roots}")
        kids: dict[str, list[str]] = {name: [] for name in by_name}
        for s in secs:
            if s.parent is None:
                continue
            if s.parent not in by_name:
                raise ParameterError(
                    "sections",
                    f"section {s.name!r}: unknown parent {s.parent!r}{_suggest(s.parent, by_name)}",
                )
            if by_name[s.parent].region != "soma" and s.region == "soma":
                raise ParameterError("sections", f"soma {s.name!r} must be the root section")
            kids[s.parent].append(s.name)
        order, stack = [], [roots[0]]
        while stack:
            name = stack.pop()
            order.append(name)
            stack.extend(reversed(kids[name]))
        if len(order) != len(secs):
            raise ParameterError("sections", "the parent links form a cycle")
        for s in secs:
            if s.parent is not None:
                self._check_junction(by_name[s.parent], s)
        self.sections: tuple[Section, ...] = tuple(by_name[name] for name in order)
        self._index = {name: i for i, name in enumerate(order)}
        self._children = {name: tuple(by_name[k] for k in kids[name]) for name in by_name}
        n = np.array([s.n for s in self.sections], dtype=int)
        self._offsets = np.concatenate([[0], np.cumsum(n)])

    @staticmethod
    def _check_junction(parent: Section, child: Section) -> None:
        start = child.points[0, :3]
        scale = max(1.0, float(np.max(np.abs(start))), float(np.max(np.abs(parent.points[:, :3]))))
        if parent.region == "soma":
            r = float(np.linalg.norm(start - parent.points[0, :3]))
            if abs(r - parent.points[0, 3] / 2) > 1e-6 * max(1.0, r) + 1e-9 * scale:
                raise ParameterError(
                    "sections", f"section {child.name!r} must start on the surface of the soma"
                )
        elif np.linalg.norm(start - parent.points[-1, :3]) > 1e-9 * scale:
            raise ParameterError(
                "sections",
                f"section {child.name!r} must start at the last point of {parent.name!r}",
            )

    # -- structure -------------------------------------------------------------------------
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
        self[name]
        return self._children[name]

    def terminals(self) -> tuple[str, ...]:
        """Names of the sections without children (tips), in section order."""
        return tuple(s.name for s in self.sections if not self._children[s.name])

    @property
    def n_compartments(self) -> int:
        return int(self._offsets[-1])

    def compartment_slice(self, name: str) -> slice:
        """Flat compartment indices of a section, as a slice."""
        i = self._index[self[name].name]
        return slice(int(self._offsets[i]), int(self._offsets[i + 1]))

    def resampled_points(self, name: str) -> np.ndarray:
        """The ``n + 1`` points (x, y, z, diameter in um) bounding the compartments of a section.

        Evenly spaced in arc length along the section's points, coordinates and diameter linearly
        interpolated. A soma returns its single point.
        """
        s = self[name]
        return s.points.copy() if s.region == "soma" else _resample(s.points, s.n)

    # -- compartments -----------------------------------------------------------------------
    def with_n(self, mapping: dict[str, int]) -> Morphology:
        """A copy with the number of compartments of the named sections replaced."""
        for name, n in mapping.items():
            if name not in self._index:
                raise ParameterError(
                    "mapping", f"unknown section {name!r}{_suggest(name, self._index)}"
                )
            if _check_n(n, f"mapping[{name!r}]") != 1 and self[name].region == "soma":
                raise ParameterError(f"mapping[{name!r}]", "a soma has exactly one compartment")
        return Morphology(replace(s, n=int(mapping.get(s.name, s.n))) for s in self.sections)

    def compartmentalize(
        self, Ri, Cm, d_lambda=0.1, frequency=100 * Hz, max_length=None
    ) -> Morphology:
        """A copy with ``n`` of every section set by NEURON's d_lambda rule.

        For each section ``lam = sum_i (arc_i - arc_{i-1}) / sqrt(d_{i-1} + d_i)`` over its 3-D
        points, times ``sqrt(2) * 1e-5 * sqrt(4 pi f Ri Cm)`` (= L/lambda_f), and
        ``n = int((lam / d_lambda + 0.9) / 2) * 2 + 1``. The soma keeps n = 1.

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
            Also cap the compartment length (um); n is raised to the next odd number if needed.
        """
        k = _cable_factor(Ri, Cm, frequency)
        dl = as_float(d_lambda, 1, "d_lambda", sign="positive")
        cap = (
            None if max_length is None else as_float(max_length, um, "max_length", sign="positive")
        )
        mapping = {}
        for s in self.sections:
            if s.region == "soma":
                continue
            n = _nseg(_electrotonic(s.points, k), dl)
            if cap is not None:
                m = math.ceil(s.length / cap * (1 - 1e-12))
                n = max(n, m + 1 - m % 2)
            mapping[s.name] = n
        return self.with_n(mapping)

    @cached_property
    def compartments(self) -> CompartmentTable:
        """Per-compartment geometry (:class:`CompartmentTable`), computed once."""
        parts: dict[str, list] = {k: [] for k in ("xyz", "diam", "len", "area", "ds", "de", "par")}
        end_dist = np.zeros(len(self.sections))
        for i, s in enumerate(self.sections):
            off, n = int(self._offsets[i]), s.n
            pi = self._index[s.parent] if s.parent is not None else -1
            first_parent = -1 if pi < 0 else int(self._offsets[pi + 1]) - 1
            if s.region == "soma":
                d = s.points[0, 3]
                parts["xyz"].append(s.points[:, :3])
                parts["diam"].append([d])
                parts["len"].append([d])
                parts["area"].append([math.pi * d * d])
                parts["ds"].append([0.0])
                parts["de"].append([0.0])
                parts["par"].append([first_parent])
                continue
            r = _resample(s.points, n)
            seg = np.sqrt(np.sum(np.diff(r[:, :3], axis=0) ** 2, axis=1))
            r1, r2 = r[:-1, 3] / 2, r[1:, 3] / 2
            base = 0.0 if pi < 0 else end_dist[pi]
            cum = base + np.concatenate([[0.0], np.cumsum(seg)])
            end_dist[i] = cum[-1]
            parts["xyz"].append((r[:-1, :3] + r[1:, :3]) / 2)
            parts["diam"].append(r1 + r2)
            parts["len"].append(seg)
            parts["area"].append(np.pi * (r1 + r2) * np.sqrt(seg**2 + (r1 - r2) ** 2))
            parts["ds"].append(cum[:-1])
            parts["de"].append(cum[1:])
            parts["par"].append(np.concatenate([[first_parent], off + np.arange(n - 1)]))
        cat = {
            k: np.concatenate([np.asarray(v, dtype=float) for v in vals])
            for k, vals in parts.items()
        }
        n_per = np.diff(self._offsets)
        names = np.empty(len(self.sections), dtype=object)
        names[:] = [s.name for s in self.sections]
        sec_index = np.repeat(np.arange(len(self.sections)), n_per)
        arrays = dict(
            section=names[sec_index],
            section_index=sec_index,
            index_in_section=np.arange(self.n_compartments) - self._offsets[sec_index],
            region=np.array([s.region for s in self.sections])[sec_index],
            x=cat["xyz"][:, 0].copy(),
            y=cat["xyz"][:, 1].copy(),
            z=cat["xyz"][:, 2].copy(),
            diameter=cat["diam"],
            length=cat["len"],
            area=cat["area"],
            distance=(cat["ds"] + cat["de"]) / 2,
            distance_start=cat["ds"],
            distance_end=cat["de"],
            parent=cat["par"].astype(int),
        )
        for a in arrays.values():
            a.flags.writeable = False
        return CompartmentTable(**arrays)

    # -- placement --------------------------------------------------------------------------
    def locate(self, section: str, x: float) -> int:
        """Flat index of the compartment containing fractional position ``x`` (0 to 1) of a section.

        Raises
        ------
        PlacementError
            Unknown section (with a suggestion) or ``x`` outside [0, 1].
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
        ``distance`` (Quantity, um), optionally only in ``region`` (a name or a list of names).

        Raises
        ------
        PlacementError
            No compartment (of that region) spans that distance.
        """
        d = as_float(distance, um, "distance", sign="nonnegative")
        t = self.compartments
        tol = 1e-9 * max(1.0, d)
        mask = (t.distance_start <= d + tol) & (d <= t.distance_end + tol)
        if region is not None:
            mask &= self._region_mask(region, "region")
        if not mask.any():
            where = "" if region is None else f" in region {region!r}"
            raise PlacementError(
                f"no compartment{where} at {d:g} um from the soma "
                f"(the tree reaches {float(t.distance_end.max()):g} um)"
            )
        return np.flatnonzero(mask)

    def _region_mask(self, where, name: str) -> np.ndarray:
        names = [where] if isinstance(where, str) else list(where)
        for r in names:
            _check_region(r, name)
        return np.isin(self.compartments.region, names)

    def select(self, where=None) -> np.ndarray:
        """Boolean mask over compartments.

        Parameters
        ----------
        where : None, "all", str, list of str, or callable
            None or "all": every compartment; a region name or a list of them; or a function of the
            :class:`CompartmentTable` returning a boolean array (``lambda c: c.distance > 300``).
        """
        n = self.n_compartments
        if where is None or (isinstance(where, str) and where == "all"):
            return np.ones(n, dtype=bool)
        if callable(where):
            mask = np.asarray(where(self.compartments))
            if mask.dtype != bool or mask.shape != (n,):
                raise ParameterError(
                    "where",
                    f"the function must return a boolean array of shape ({n},), got "
                    f"{mask.dtype} {mask.shape}",
                )
            return mask.copy()
        if isinstance(where, (str, list, tuple)):
            return self._region_mask(where, "where")
        raise ParameterError(
            "where", f"expected None, 'all', region name(s) or a function, got {where!r}"
        )

    # -- text -------------------------------------------------------------------------------
    def summary(self) -> str:
        """Sections, compartments, length (um) and membrane area (um^2) per region."""
        t = self.compartments
        total_len = sum(s.length for s in self.sections if s.region != "soma")
        lines = [
            f"Morphology: {len(self)} sections, {self.n_compartments} compartments, "
            f"dendritic/axonal length {total_len:.1f} um, membrane area {t.area.sum():.1f} um^2"
        ]
        for r in self.regions:
            secs = [s for s in self.sections if s.region == r]
            m = t.region == r
            length = sum(s.length for s in secs) if r != "soma" else 0.0
            lines.append(
                f"  {r:8s} {len(secs):5d} sections {int(m.sum()):6d} compartments "
                f"{length:9.1f} um {t.area[m].sum():11.1f} um^2"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<Morphology: {len(self)} sections, {self.n_compartments} compartments>"


# -- builders -------------------------------------------------------------------------------------
def _seg(start, direction, length, d0, d1=None) -> np.ndarray:
    """Two points from ``start`` along unit ``direction``: (2, 4) array."""
    start, direction = np.asarray(start, float), np.asarray(direction, float)
    end = start + length * direction / np.linalg.norm(direction)
    return np.array([[*start, d0], [*end, d0 if d1 is None else d1]])


def _dir(theta_deg: float, phi_deg: float = 0.0) -> np.ndarray:
    """Unit vector at angle theta from +y, rotated by phi around the y axis."""
    t, p = math.radians(theta_deg), math.radians(phi_deg)
    return np.array([math.sin(t) * math.cos(p), math.cos(t), math.sin(t) * math.sin(p)])


def _soma(diameter) -> Section:
    return Section("soma", "soma", None, [[0.0, 0.0, 0.0, diameter]])


def cable(length=1000 * um, diameter=1 * um, n=1, region="dend") -> Morphology:
    """One unbranched cylinder along +x from the origin, no soma; the section is named "cable".

    Parameters
    ----------
    length, diameter : Quantity
        Cable length and diameter (um; defaults 1000 um and 1 um, Rallpack 1).
    n : int
        Number of compartments.
    region : str
        Region of the cable (default "dend").
    """
    L = as_float(length, um, "length", sign="positive")
    d = as_float(diameter, um, "diameter", sign="positive")
    return Morphology(
        [
            Section(
                "cable", _check_region(region), None, _seg((0, 0, 0), (1, 0, 0), L, d), _check_n(n)
            )
        ]
    )


def binary_tree(depth=10, length=16 * um, diameter=32 * um, n=1) -> Morphology:
    """Rallpack 2 branched cable: a symmetric binary tree without soma (Bhalla et al. 1992).

    The root cylinder starts at the origin. At each level the diameter shrinks by ``2**(-2/3)``
    (Rall's 3/2 rule: ``d_parent**1.5 == 2 * d_child**1.5``) and the length by ``2**(-1/3)``, so
    every level has the same electrotonic length (L/sqrt(d) constant). With the defaults (10
    levels, root 32 um x 16 um) the 512 tips are 0.5 um thick and 2 um long, as in Rallpack 2.
    Sections are named ``f"b{level}_{k}"`` (``b0_0`` is the root, k = 0 .. 2**level - 1), all
    region "dend"; :meth:`Morphology.terminals` gives the tips.

    Parameters
    ----------
    depth : int
        Number of levels including the root.
    length, diameter : Quantity
        Root section length and diameter (um).
    n : int
        Compartments per section.
    """
    depth = _check_n(depth, "depth")
    L = as_float(length, um, "length", sign="positive")
    d = as_float(diameter, um, "diameter", sign="positive")
    n = _check_n(n)
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
    """A spherical soma with one cylindrical dendrite "dend" (region "dend") along +x.

    Parameters
    ----------
    soma_diameter : Quantity
        Soma diameter (um, default 20).
    length, diameter : Quantity
        Dendrite length and diameter (um, defaults 700 and 2).
    n : int or None
        Compartments of the dendrite (None: 1).
    """
    ds = as_float(soma_diameter, um, "soma_diameter", sign="positive")
    L = as_float(length, um, "length", sign="positive")
    d = as_float(diameter, um, "diameter", sign="positive")
    n = 1 if n is None else _check_n(n)
    return Morphology(
        [_soma(ds), Section("dend", "dend", "soma", _seg((ds / 2, 0, 0), (1, 0, 0), L, d), n)]
    )


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
        Soma diameter (um, default 20); ignored when ``soma`` is False.
    trunk_length, trunk_diameter : Quantity
        Trunk dimensions (um, defaults 200 and 2).
    branch_length : Quantity
        Length of each daughter (um, default 150).
    branch_diameter : Quantity or None
        Daughter diameter (um); None applies Rall's 3/2 rule, ``trunk_diameter * 2**(-2/3)``.
    soma : bool
        Without a soma the trunk is the root and starts at the origin.
    n : int
        Compartments per dendritic section.
    """
    Lt = as_float(trunk_length, um, "trunk_length", sign="positive")
    dt = as_float(trunk_diameter, um, "trunk_diameter", sign="positive")
    Lb = as_float(branch_length, um, "branch_length", sign="positive")
    if branch_diameter is None:
        db = dt * 2 ** (-2 / 3)
    else:
        db = as_float(branch_diameter, um, "branch_diameter", sign="positive")
    n = _check_n(n)
    secs = []
    start = (0.0, 0.0, 0.0)
    if soma:
        ds = as_float(soma_diameter, um, "soma_diameter", sign="positive")
        secs.append(_soma(ds))
        start = (0.0, ds / 2, 0.0)
    trunk = Section("trunk", "dend", "soma" if soma else None, _seg(start, _dir(0), Lt, dt), n)
    fork = trunk.points[-1, :3]
    secs += [trunk] + [
        Section(name, "dend", "trunk", _seg(fork, _dir(angle), Lb, db), n)
        for name, angle in (("left", -30.0), ("right", 30.0))
    ]
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
    """A simplified pyramidal neuron (soma at the origin, apical dendrite along +y).

    Dimensions are typical of rat layer 5 and CA1 pyramidal cells (e.g. Stuart & Spruston 1998,
    J Neurosci 18:3501; Larkum et al. 2001, J Physiol 533:447); this is not a reconstruction.
    All lengths and diameters are Quantities in um.

    Sections (name: region):

    * ``soma``: sphere of ``soma_diameter``.
    * ``ais``: ais, axon initial segment along -y; ``axon``: axon, continuing it.
    * ``basal{k}``: basal, ``n_basal`` stems pointing down and out, each splitting into
      ``basal{k}_a`` and ``basal{k}_b``.
    * ``trunk{k}``: apical, the apical trunk, ``trunk_length`` long and tapering linearly from
      ``trunk_diameter_start`` to ``trunk_diameter_end``, cut into ``n_oblique + 1`` sections at
      the oblique branch points.
    * ``oblique{k}``: oblique, ``n_oblique`` branches leaving the trunk at path distances evenly
      spaced from ``oblique_start`` to ``oblique_end`` (measured from the soma surface), at the end
      of ``trunk{k}``.
    * ``tuft0``, ``tuft1``: tuft, at the end of the trunk, each splitting into ``tuft{k}_a`` and
      ``tuft{k}_b`` (``tuft_branch_length``, ``tuft_branch_diameter``).

    ``n`` is the number of compartments of every non-soma section.
    """
    q = {k: v for k, v in locals().items() if k not in ("n_basal", "n_oblique", "n")}
    v = {k: as_float(val, um, k, sign="positive") for k, val in q.items()}
    n_basal = _check_n(n_basal, "n_basal")
    if isinstance(n_oblique, bool) or not isinstance(n_oblique, numbers.Integral) or n_oblique < 0:
        raise ParameterError("n_oblique", f"must be an integer >= 0, got {n_oblique!r}")
    if n_oblique and not v["oblique_start"] <= v["oblique_end"] < v["trunk_length"]:
        raise ParameterError("oblique_end", "need oblique_start <= oblique_end < trunk_length")
    n = _check_n(n)
    R = v["soma_diameter"] / 2
    secs = [_soma(v["soma_diameter"])]
    ais = Section(
        "ais", "ais", "soma", _seg((0, -R, 0), (0, -1, 0), v["ais_length"], v["ais_diameter"]), n
    )
    axon_pts = _seg(ais.points[-1, :3], (0, -1, 0), v["axon_length"], v["axon_diameter"])
    secs += [ais, Section("axon", "axon", "ais", axon_pts, n)]
    for k in range(n_basal):
        phi = 360.0 * k / n_basal + 45.0
        stem = _seg(
            R * _dir(120, phi), _dir(120, phi), v["basal_stem_length"], v["basal_stem_diameter"]
        )
        secs.append(Section(f"basal{k}", "basal", "soma", stem, n))
        for tag, dphi in (("a", -25.0), ("b", 25.0)):
            pts = _seg(
                stem[-1, :3],
                _dir(120, phi + dphi),
                v["basal_branch_length"],
                v["basal_branch_diameter"],
            )
            secs.append(Section(f"basal{k}_{tag}", "basal", f"basal{k}", pts, n))
    Lt, d0, d1 = v["trunk_length"], v["trunk_diameter_start"], v["trunk_diameter_end"]
    cuts = list(np.linspace(v["oblique_start"], v["oblique_end"], n_oblique)) + [Lt]
    pos, parent = 0.0, "soma"
    for k, cut in enumerate(cuts):
        pts = np.array(
            [[0, R + pos, 0, d0 + (d1 - d0) * pos / Lt], [0, R + cut, 0, d0 + (d1 - d0) * cut / Lt]]
        )
        secs.append(Section(f"trunk{k}", "apical", parent, pts, n))
        if k < n_oblique:
            side = _dir(60, 90.0 * k)
            pts = _seg(pts[-1, :3], side, v["oblique_length"], v["oblique_diameter"])
            secs.append(Section(f"oblique{k}", "oblique", f"trunk{k}", pts, n))
        pos, parent = cut, f"trunk{k}"
    top = secs[-1].points[-1, :3] if n_oblique == 0 else np.array([0, R + Lt, 0])
    for k, phi in enumerate((0.0, 180.0)):
        pts = _seg(top, _dir(30, phi), v["tuft_length"], v["tuft_diameter"])
        secs.append(Section(f"tuft{k}", "tuft", parent, pts, n))
        for tag, dphi in (("a", -40.0), ("b", 40.0)):
            bp = _seg(
                pts[-1, :3],
                _dir(35, phi + dphi),
                v["tuft_branch_length"],
                v["tuft_branch_diameter"],
            )
            secs.append(Section(f"tuft{k}_{tag}", "tuft", f"tuft{k}", bp, n))
    return Morphology(secs)


# -- SWC ------------------------------------------------------------------------------------------
_SWC_DTYPE = np.dtype(
    [
        ("id", np.int64),
        ("type", np.int64),
        ("x", float),
        ("y", float),
        ("z", float),
        ("radius", float),
        ("parent", np.int64),
        ("line", np.int64),
    ]
)


def _swc_int(v: float) -> bool:
    return math.isfinite(v) and v.is_integer() and abs(v) < 2**53


def read_swc(path) -> np.ndarray:
    """Read and check the records of an SWC file (no tree checks).

    Returns a structured array with fields id, type, x, y, z, radius (um), parent and line (the
    1-based line number of each record). Comments (``#``) and blank lines are skipped.

    Raises
    ------
    SWCError
        Unreadable or non-UTF-8 file, no records, a line without exactly 7 numeric columns, an id,
        type or parent that is not an integer, a duplicate id, a non-finite (or beyond 1e12 um)
        coordinate, or a radius that is not > 0.
    """
    try:
        with open(path, encoding="utf-8-sig", errors="strict") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise SWCError(
            path, None, f"not a UTF-8 text file ({e.reason} at byte {e.start})"
        ) from None
    except OSError as e:
        raise SWCError(path, None, f"cannot read the file ({e.strerror or e})") from None
    rows, first_line = [], {}
    for lineno, line in enumerate(text.split("\n"), 1):
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        if len(tokens) != 7:
            raise SWCError(
                path, lineno, f"expected 7 columns (id type x y z radius parent), got {len(tokens)}"
            )
        try:
            vals = [float(t) for t in tokens]
        except ValueError:
            bad = next(t for t in tokens if not _is_float(t))
            raise SWCError(path, lineno, f"non-numeric value {bad!r}") from None
        i, t, x, y, z, r, p = vals
        if not _swc_int(i) or i < 0:
            raise SWCError(path, lineno, f"id must be a non-negative integer, got {tokens[0]!r}")
        if not _swc_int(t):
            raise SWCError(path, lineno, f"structure type must be an integer, got {tokens[1]!r}")
        if not _swc_int(p) or p < -1:
            raise SWCError(path, lineno, f"parent must be an id or -1 (root), got {tokens[6]!r}")
        if not all(math.isfinite(c) and abs(c) <= _MAX_ABS for c in (x, y, z)):
            raise SWCError(path, lineno, f"non-finite or absurd coordinate ({x}, {y}, {z})")
        if not (math.isfinite(r) and 0 < r <= _MAX_ABS):
            raise SWCError(path, lineno, f"radius must be finite and > 0, got {tokens[5]!r}")
        if int(i) in first_line:
            raise SWCError(
                path, lineno, f"duplicate id {int(i)} (first on line {first_line[int(i)]})"
            )
        first_line[int(i)] = lineno
        rows.append((int(i), int(t), x, y, z, r, int(p), lineno))
    if not rows:
        raise SWCError(path, None, "no SWC records (the file is empty or only has comments)")
    return np.array(rows, dtype=_SWC_DTYPE)


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def from_swc(
    path, *, Ri=None, Cm=None, d_lambda=0.1, frequency=100 * Hz, max_length=None, type_map=None
) -> Morphology:
    """Load a morphology from an SWC file.

    The soma points (type 1) become one sphere ``soma`` centred at their mean. Its diameter gives
    the same surface as the soma: a single point is a sphere of that radius; with several points,
    the sum of the frustum lateral areas of the soma-to-soma segments ``A`` gives ``d =
    sqrt(A / pi)`` (the NeuroMorpho three-point soma so gives exactly its radius); if ``A`` is 0,
    the largest radius is used. Other points form sections: maximal unbranched paths, cut at every
    branch point and wherever the type changes; a section's first point is its parent's last
    point. A section leaving the soma starts on the sphere's surface, on the line from the centre
    to its first point outside the sphere; its points inside the sphere are dropped (if a whole
    section lies inside, its children attach to the soma in the same way). Zero-length sections are
    dropped, their children attached to their parent. Sections are named ``f"{region}{k}"``
    (``basal0``, ``apical12``...), numbered per region in pre-order.

    Parameters
    ----------
    path : str or Path
        The SWC file.
    Ri, Cm : Quantity, optional
        Axial resistivity (ohm cm) and membrane capacitance (uF/cm2). Given both, the number of
        compartments is set by :meth:`Morphology.compartmentalize` (else n = 1 everywhere).
    d_lambda, frequency, max_length
        Passed to :meth:`Morphology.compartmentalize`.
    type_map : dict[int, str], optional
        Regions for SWC types besides 1 soma, 2 axon, 3 basal, 4 apical (e.g. ``{5: "tuft"}``).

    Raises
    ------
    SWCError
        Besides :func:`read_swc`'s checks: unknown type, missing parent, several roots, a cycle,
        soma points not joined to a soma root, or a soma-less tree whose root point does not start
        exactly one section. The message names the line.
    """
    regions_of = dict(SWC_TYPES)
    for t, r in (type_map or {}).items():
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise ParameterError("type_map", f"keys must be integer SWC types, got {t!r}")
        regions_of[int(t)] = _check_region(r, "type_map")
    if (Ri is None) != (Cm is None):
        raise ParameterError("Ri" if Ri is None else "Cm", "give both Ri and Cm, or neither")
    rec = read_swc(path)
    N, line = len(rec), rec["line"]
    for k, t in enumerate(rec["type"].tolist()):
        if t not in regions_of:
            accepted = ", ".join(f"{a} ({b})" for a, b in sorted(regions_of.items()))
            raise SWCError(
                path,
                int(line[k]),
                f"unknown structure type {t}; accepted: {accepted}; "
                f"map others with type_map={{{t}: 'dend'}}",
            )
    index = {i: k for k, i in enumerate(rec["id"].tolist())}
    pidx = np.full(N, -1)
    for k, p in enumerate(rec["parent"].tolist()):
        if p != -1:
            if p not in index:
                raise SWCError(path, int(line[k]), f"missing parent {p}: no record has that id")
            pidx[k] = index[p]
    roots = np.flatnonzero(pidx < 0)
    if len(roots) > 1:
        raise SWCError(
            path, int(line[roots[1]]), f"more than one root (parent -1): also line {line[roots[0]]}"
        )
    children: list[list[int]] = [[] for _ in range(N)]
    for k, p in enumerate(pidx.tolist()):
        if p >= 0:
            children[p].append(k)
    seen = np.zeros(N, bool)
    stack = list(roots)
    while stack:
        k = stack.pop()
        seen[k] = True
        stack.extend(children[k])
    if not seen.all():  # follow parents from an unreached record until a record repeats
        k, visited = int(np.flatnonzero(~seen)[0]), set()
        while k not in visited:
            visited.add(k)
            k = int(pidx[k])
        raise SWCError(
            path, int(line[k]), f"cycle: id {rec['id'][k]} is its own ancestor (no path to a root)"
        )
    root = int(roots[0])
    codes = np.array([REGIONS.index(regions_of[t]) for t in rec["type"].tolist()])
    is_soma = codes == 0
    xyz = np.column_stack([rec["x"], rec["y"], rec["z"]])
    P = np.column_stack([xyz, 2 * rec["radius"]])
    soma_pts = []
    if is_soma[root]:
        stack = [root]
        while stack:
            k = stack.pop()
            soma_pts.append(k)
            stack.extend(c for c in children[k] if is_soma[c])
    stray = np.flatnonzero(is_soma & ~np.isin(np.arange(N), soma_pts))
    if stray.size:
        raise SWCError(path, int(line[stray[0]]), "soma point not connected to a soma at the root")
    nch = np.array([len(c) for c in children])
    par = np.where(pidx < 0, root, pidx)
    is_head = is_soma[par] | (par == root) | (nch[par] != 1) | (codes != codes[par])
    secs: list[Section] = []
    if soma_pts:
        S = np.sort(soma_pts)
        c = xyz[S].mean(axis=0)
        e = S[pidx[S] >= 0]
        r1, r2 = rec["radius"][e], rec["radius"][pidx[e]]
        length = np.linalg.norm(xyz[e] - xyz[pidx[e]], axis=1)
        area = float(np.sum(np.pi * (r1 + r2) * np.sqrt(length**2 + (r1 - r2) ** 2)))
        diameter = math.sqrt(area / math.pi) if area > 0 else 2 * float(rec["radius"][S].max())
        secs.append(Section("soma", "soma", None, [[*c, diameter]]))
        R = diameter / 2
        stack = [(h, "soma", True) for s in S[::-1] for h in children[s][::-1] if not is_soma[h]]
    elif len(children[root]) != 1:
        raise SWCError(
            path,
            int(line[root]),
            f"the root is not a soma and has {len(children[root])} "
            "children; a tree without soma must start with one unbranched section",
        )
    else:
        stack = [(children[root][0], None, False)]
    counters: dict[str, int] = {}
    while stack:
        h, parent, attached = stack.pop()
        chain = [h]
        while len(children[chain[-1]]) == 1 and not is_head[children[chain[-1]][0]]:
            chain.append(children[chain[-1]][0])
        chain = np.array(chain)
        pts = None
        if not attached:
            pts = np.vstack([P[pidx[h]], P[chain]])
        else:
            dist = np.linalg.norm(xyz[chain] - c, axis=1)
            out = np.flatnonzero(dist > R)
            if out.size:
                q = chain[out[0]]
                start = c + R * (xyz[q] - c) / dist[out[0]]
                pts = np.vstack([[*start, P[q, 3]], P[chain[out[0] :]]])
        if pts is not None and _arc(pts)[-1] > 0:
            region = REGIONS[codes[h]]
            k = counters.get(region, 0)
            counters[region] = k + 1
            secs.append(Section(f"{region}{k}", region, parent, pts))
            parent, attached = secs[-1].name, False
        stack.extend((ch, parent, attached) for ch in children[chain[-1]][::-1])
    if sum(s.parent is None for s in secs) != 1:
        raise SWCError(path, int(line[root]), "the tree has no soma and no single root section")
    morph = Morphology(secs)
    if Ri is not None:
        morph = morph.compartmentalize(Ri, Cm, d_lambda, frequency, max_length)
    return morph
