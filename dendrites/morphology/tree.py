"""The tree of a morphology: sections, their compartments and NEURON's d_lambda rule.

:class:`Morphology` (a tree of :class:`Section` objects, split into compartments that
:attr:`Morphology.compartments` describes as a :class:`CompartmentTable`) and the compartment
rules (:func:`d_lambda_n`, :meth:`Morphology.compartmentalize`). See :mod:`dendrites.morphology`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from brian2.units import Hz, cm, ohm, uF, um

from ..errors import ParameterError, PlacementError, did_you_mean
from ..quantities import as_float
from .geometry import SOMA_LINK, frustum_geometry

__all__ = ["REGIONS", "CompartmentTable", "Morphology", "Section", "d_lambda_n", "soma_area"]

REGIONS = ("soma", "axon", "ais", "basal", "apical", "oblique", "tuft", "dend")


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
        x, y, z, diameter in um (stored as a read-only float copy). A soma (always the root and
        one compartment) has either k == 1 point, the centre and diameter of a sphere, or
        k >= 2 points and a length > 0, NEURON's soma section as Import3d builds it, whose
        membrane is the frustums between consecutive points (:func:`soma_area`). Other sections
        have k >= 2 points and a length > 0, ``points[0]`` being where the section starts (its
        parent's last point; on a one-point soma, a point on the sphere's surface; anywhere on a
        soma of several points, whose children join its one compartment as NEURON's
        ``soma(0.5)``) and ``points[-1]`` its distal end.
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
        if self.region == "soma" and n != 1:
            raise ParameterError("n", f"{bad} a soma is one compartment (n == 1), got {n}")
        if self.region == "soma" and len(pts) >= 2 and _arc(pts)[-1] <= 0:
            raise ParameterError("points", f"{bad} a soma of several points needs a length > 0")
        if self.region != "soma" and (len(pts) < 2 or _arc(pts)[-1] <= 0):
            raise ParameterError("points", f"{bad} needs >= 2 points and a length > 0")
        pts.flags.writeable = False
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "n", n)

    @property
    def length(self) -> float:
        """Arc length in um (a one-point soma: its diameter)."""
        return float(self.points[0, 3] if len(self.points) == 1 else _arc(self.points)[-1])


def soma_area(section: Section) -> float:
    """Membrane area (um^2) of a soma section, the one place that defines it.

    One point: the sphere ``pi d^2``. Several points (NEURON's soma section, e.g. Import3d's
    cylinder for a one-point or contour soma): the lateral areas of the frustums between
    consecutive points, ``sum pi (r1 + r2) sqrt(dl^2 + (r1 - r2)^2)``, as NEURON computes a
    section's area with one segment (a repeated point with a change of diameter adds the annulus).
    """
    pts = section.points
    if len(pts) == 1:
        return math.pi * float(pts[0, 3]) ** 2
    r = pts[:, 3] / 2
    dl = np.diff(_arc(pts))
    return float(np.sum(np.pi * (r[:-1] + r[1:]) * np.sqrt(dl**2 + (r[:-1] - r[1:]) ** 2)))


@dataclass(frozen=True, eq=False)
class CompartmentTable:
    """Per-compartment arrays (read-only), in section order, proximal to distal in a section.

    This is the single source of truth of the discretisation: the simulator (both cable solvers)
    and :mod:`dendrites.electrotonic` use ``area``, ``ra_proximal`` and ``ra_distal`` as they are
    (:mod:`dendrites.morphology.geometry`, NEURON's rules).

    Fields: ``section`` (names), ``section_index``, ``index_in_section``, ``region``; centre
    ``x``, ``y``, ``z`` and ``diameter`` (um, on the traced path; a one-point soma: its point);
    ``length`` (um, along the traced path; a one-point soma: its diameter); ``area`` (um^2):
    membrane area integrated over every 3-D point inside the compartment (frustums, slant
    height; a one-point soma: the sphere pi d^2); ``distance``, ``distance_start``,
    ``distance_end``: path distance (um) of the centre and the ends from the soma surface (the
    soma is 0) or, without soma, from the start of the root section; ``parent``: flat index of the
    parent compartment (-1 for the root); ``ra_proximal``, ``ra_distal`` (1/um): axial resistance
    from the centre to the proximal and to the distal end of the compartment divided by the axial
    resistivity (``R = Ri * ra``; integrated over the 3-D points, ``sum 4 dl / (pi d1 d2)``). A
    soma compartment has no internal resistance: both are
    :data:`~dendrites.morphology.geometry.SOMA_LINK` (1e-4 /um, a negligible link to the node
    where its children join).

    The cable is discretised as in NEURON: compartment centres, plus a node without membrane at
    the end of every section (its ``sec(1)``, where its children join, through their
    ``ra_proximal``); the root's start is a sealed end.
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
    ra_proximal: np.ndarray
    ra_distal: np.ndarray

    def __len__(self) -> int:
        return len(self.section)


def _is_soma_compartment(s: Section) -> bool:
    """A root soma in one compartment: one membrane area, no internal resistance."""
    return s.region == "soma" and s.parent is None and s.n == 1


def _soma_geometry(s: Section) -> tuple[float, ...]:
    """x, y, z, diameter, length and membrane area (um, um^2) of a soma compartment: its point
    and diameter, or the centre on the path between its points; the area is :func:`soma_area`."""
    pts = s.points
    if len(pts) == 1:
        x, y, z, d = pts[0]
        return x, y, z, d, d, soma_area(s)
    g = frustum_geometry(pts, 1)
    (x, y, z), d = g["centre"][0], g["diameter"][0]
    return x, y, z, d, float(g["length"][0]), soma_area(s)


class PointIds(Mapping):
    """A read-only mapping ``{identifier in the file: (section name, point index)}`` (can be
    copied and pickled, unlike ``types.MappingProxyType``)."""

    __slots__ = ("_ids",)

    def __init__(self, ids):
        self._ids = dict(ids)

    def __getitem__(self, key):
        return self._ids[key]

    def __iter__(self):
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"<PointIds: {len(self._ids)} points>"


class Morphology:
    """A tree of :class:`Section` objects (immutable).

    Parameters
    ----------
    sections : iterable of Section
        Exactly one root (``parent=None``); every other parent must be present. They are stored
        in pre-order (parent before children, children in the order given) in ``sections``. A soma
        can only be the root; a child of a one-point (spherical) soma must start on its surface, a
        child of a soma of several points anywhere (it joins the soma's one compartment, as
        NEURON's ``soma(0.5)``), any other child at its parent's last point.
    import_report : ImportReport, optional
        What a file reader changed on the way in (:mod:`dendrites.morphology.reader`); kept by
        the copies :meth:`with_n` and :meth:`compartmentalize` make, shown by :meth:`summary`.
    point_ids : mapping, optional
        Where each point of the file the reader read went: ``{identifier: (section name, point
        index)}``, the identifier being an SWC sample number, or ``(section id, point index)`` of
        an ASC or H5 file (:func:`~dendrites.morphology.load_morphology`). Kept (read-only) as
        ``morph.point_ids`` by :meth:`with_n` and :meth:`compartmentalize`; used by
        :func:`~dendrites.morphology.sites.site_of_id`. Empty for built morphologies.
    """

    def __init__(self, sections, import_report=None, point_ids=None):
        self.import_report = import_report
        self.point_ids = point_ids if isinstance(point_ids, PointIds) else PointIds(point_ids or {})
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
        if parent.region == "soma" and len(parent.points) > 1:
            return  # joins the soma's one compartment wherever it starts (NEURON's wire)
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
        secs = (replace(s, n=int(mapping.get(s.name, s.n))) for s in self.sections)
        return Morphology(secs, import_report=self.import_report, point_ids=self.point_ids)

    def compartmentalize(
        self, Ri=None, Cm=None, d_lambda=0.1, frequency=100 * Hz, max_length=None, rule=None
    ):
        """A copy with the number of compartments ``n`` of every section set by a rule.

        Rules (``rule``):

        * ``"d_lambda"`` (the default when Ri and Cm are given): NEURON's d_lambda rule
          (``fixnseg.hoc``). Over a section's 3-D points ``lam = sum_i (arc_i - arc_{i-1}) /
          sqrt(d_{i-1} + d_i)`` times ``sqrt(2) * 1e-5 * sqrt(4 pi f Ri Cm)`` (= L / lambda_f;
          um, ohm cm, uF/cm2, Hz) and ``n = int((lam / d_lambda + 0.9) / 2) * 2 + 1`` (odd).
          ``max_length`` also caps the compartment length.
        * ``"max_length"`` (the default when only ``max_length`` is given): the fewest
          compartments no longer than ``max_length``, raised to an odd number.
        * ``"hay2011"``: ``n = 1 + 2 * int(L / 40 um)`` (L the section's length), the rule of Hay
          et al. 2011 (*PLoS Comput Biol* 7:e1002107; their model code, ModelDB 139653).
        * a function of the section's length (a Quantity), returning n: ``rule=lambda L: 1 + 2 *
          int(L / (40 * um))``.
        * a mapping section name -> n: an explicit count per section; the sections it does not
          name keep theirs (as :meth:`with_n`).

        A one-compartment soma keeps n = 1 (Ri, Cm, d_lambda and frequency matter only to the
        d_lambda rule).

        Parameters
        ----------
        Ri : Quantity, optional
            Axial resistivity (ohm cm).
        Cm : Quantity, optional
            Specific membrane capacitance (uF/cm2).
        d_lambda : float
            Largest compartment length as a fraction of lambda_f (default 0.1).
        frequency : Quantity
            Frequency of lambda_f (default 100 Hz).
        max_length : Quantity, optional
            Largest compartment length (um); with the d_lambda rule, n is raised to the next odd
            number if needed.
        rule : str, callable or mapping, optional
            See above.

        Returns
        -------
        Morphology

        Raises
        ------
        ParameterError
            An unknown rule (with a suggestion), d_lambda without Ri and Cm, a rule returning
            something else than an integer >= 1, or a mapping naming an unknown section.
        """
        if isinstance(rule, dict):
            return self.with_n(rule)
        if rule is None:
            only_cap = Ri is None and Cm is None and max_length is not None
            rule = "max_length" if only_cap else "d_lambda"
        rules = ("d_lambda", "max_length", "hay2011")
        if isinstance(rule, str) and rule not in rules:
            raise ParameterError("rule", f"unknown rule {rule!r}{_suggest(rule, rules)}")
        if not isinstance(rule, str) and not callable(rule):
            raise ParameterError("rule", f"expected a name, a function or a mapping, got {rule!r}")
        cap = None if max_length is None else _um(max_length, "max_length")
        if rule == "d_lambda":
            if Ri is None or Cm is None:
                raise ParameterError("rule", "the d_lambda rule needs Ri and Cm")
            factor = _cable_factor(Ri, Cm, frequency)
            dl = as_float(d_lambda, 1, "d_lambda", sign="positive")
        elif rule == "max_length" and cap is None:
            raise ParameterError("max_length", "the max_length rule needs max_length (um)")
        mapping = {}
        for s in self.sections:
            if _is_soma_compartment(s):
                continue
            if rule == "hay2011":
                n = 1 + 2 * int(s.length / 40.0)
            elif callable(rule):
                n = _check_n(rule(s.length * um), f"rule(L) of section {s.name!r}")
            else:
                n = _nseg(s.points, factor, dl) if rule == "d_lambda" else 1
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
            if _is_soma_compartment(s):
                x, y, z, d, length, area = _soma_geometry(s)
                cols.append([[x, y, z, d, length, area, 0.0, 0.0, SOMA_LINK, SOMA_LINK]])
                continue
            # Lengths follow the traced path (as NEURON does), not the chords between the
            # resampled points: curvy reconstructions keep their full length and membrane area.
            g = frustum_geometry(s.points, s.n)
            seg = g["length"]
            cum = (end[p] if p >= 0 else 0.0) + np.r_[0.0, np.cumsum(seg)]
            end[i] = cum[-1]
            ra = [g["ra_proximal"], g["ra_distal"]]
            centre = [g["centre"], g["diameter"]]
            cols.append(np.column_stack([*centre, seg, g["area"], cum[:-1], cum[1:], *ra]))
        c = np.concatenate([np.asarray(a, dtype=float) for a in cols]).T.copy()
        idx = np.repeat(np.arange(len(secs)), np.diff(off))
        names = np.array([s.name for s in secs], dtype=object)
        regions = np.array([s.region for s in secs])
        arrays = [names[idx], idx, np.arange(off[-1]) - off[idx], regions[idx], *c[:6]]
        arrays += [(c[6] + c[7]) / 2, c[6], c[7], np.concatenate(parent).astype(int)]
        arrays += [c[8], c[9]]
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

    def site(self, section: str, x: float):
        """The :class:`~dendrites.morphology.sites.Site` at ``x`` (0 to 1) along ``section``: a
        compartment, or at x = 0 and x = 1 the node at a section's end (NEURON's ``sec(0)``,
        ``sec(1)``), with the weights that give its potential and split a current injected there.

        Raises
        ------
        PlacementError
            Unknown section (with a suggestion) or ``x`` not a number in [0, 1].
        """
        from .sites import site

        return site(self, section, x)

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
        if self.import_report is not None:
            lines += ["  " + line for line in self.import_report.lines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<Morphology: {len(self)} sections, {self.n_compartments} compartments>"
