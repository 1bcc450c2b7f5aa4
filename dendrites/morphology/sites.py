"""Where things sit on the cable: compartments, section-end nodes and ``(section, x)`` sites.

The cable is discretised as in NEURON (see :class:`~dendrites.morphology.CompartmentTable`):

* *unknowns* ``0 .. n-1`` are the compartments (their centres, with membrane);
* unknown ``n + s`` is the *node* at the end of section ``s`` (NEURON's ``sec(1)``): no membrane,
  no capacitance; the section's last compartment and the first compartment of each child join
  there;
* when the root is not a one-compartment soma, unknown ``n + len(sections)`` is the node at the
  root's start (its ``sec(0)``), joined only to its first compartment (a sealed end).

Every link between two unknowns has the axial resistance ``Ri * ra`` (``ra`` in 1/um, from the
compartment table: half-compartments in series inside a section, one half-compartment to a node).
Nodes link only to compartments, so a node's potential follows from its neighbours' at every
instant (backward Euler or steady state alike): with ``g_k = 1 / (Ri ra_k)`` and ``G = sum g_k``,

    v_node = sum_k (g_k / G) v_k + I_node / G,

and a current ``I`` injected at the node is exactly the currents ``(g_k / G) I`` injected into
the neighbouring compartments. The weights ``g_k / G`` and ``1 / G = Ri * ra_node`` depend on the
geometry only (Ri is one constant per cell): they are :attr:`Site.weights` and :attr:`Site.ra`.

Pure numpy: no Brian2 objects.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import PlacementError, did_you_mean

__all__ = ["Site", "cable_links", "n_nodes", "site", "site_of_id", "site_of_point"]


@dataclass(frozen=True, eq=False)
class Site:
    """A ``(section, x)`` location resolved on the discretised cable.

    Attributes
    ----------
    section : str
    x : float
        Fraction of the section's length, 0 to 1.
    compartment : int
        The compartment containing ``x`` (a boundary belongs to the distal compartment, x = 1 to
        the last; see :meth:`Morphology.locate`): where a synapse at this site goes.
    node : int or None
        None when the site is a compartment (every ``0 < x < 1``, and every x on a
        one-compartment soma). Otherwise the node's number: ``s`` for the end of section number
        ``s`` (x = 1 on it, or x = 0 on one of its children), ``len(sections)`` for the start of
        a root that is not a soma; its unknown in :func:`cable_links` is ``n + node``.
    neighbours : ndarray of int
        Compartments whose potentials make the site's (the compartment itself, or the node's
        neighbours).
    weights : ndarray
        ``g_k / G`` of each neighbour (sum 1): the site's potential is ``sum weights * v`` plus
        ``Ri * ra * I`` with ``I`` the current injected at the site, and an injected current goes
        into the neighbours in these proportions.
    ra : float
        ``1 / (Ri G)`` in 1/um (0 for a compartment).
    """

    section: str
    x: float
    compartment: int
    node: int | None
    neighbours: np.ndarray
    weights: np.ndarray
    ra: float

    @property
    def label(self) -> str:
        """NEURON's notation, e.g. ``"dend[3](1)"`` or ``"dend(0.5)"``."""
        return f"{self.section}({self.x:g})"


def _is_soma(sec) -> bool:
    return sec.region == "soma" and sec.parent is None and sec.n == 1


def n_nodes(morph) -> int:
    """Number of nodes: one per section end, and the root's start unless the root is a soma."""
    return len(morph.sections) + (0 if _is_soma(morph.root) else 1)


def cable_links(morph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The axial links of the discretised cable (see the module docstring).

    Returns
    -------
    i, j : ndarray of int
        The unknowns each link joins (``i`` a compartment; ``j`` a compartment or ``n + node``).
    ra : ndarray
        The link's axial resistance divided by Ri (1/um): the conductance is ``1 / (Ri ra)``.
    """
    t = morph.compartments
    n = len(t)
    index = {s.name: k for k, s in enumerate(morph.sections)}
    ii, jj, rr = [], [], []
    for k, sec in enumerate(morph.sections):
        sl = morph.compartment_slice(sec.name)
        inner = np.arange(sl.start + 1, sl.stop)
        ii.append(inner - 1)
        jj.append(inner)
        rr.append(t.ra_distal[inner - 1] + t.ra_proximal[inner])
        ii.append([sl.stop - 1])
        jj.append([n + k])
        rr.append([t.ra_distal[sl.stop - 1]])
        if sec.parent is not None:
            ii.append([sl.start])
            jj.append([n + index[sec.parent]])
            rr.append([t.ra_proximal[sl.start]])
        elif not _is_soma(sec):
            ii.append([sl.start])
            jj.append([n + len(morph.sections)])
            rr.append([t.ra_proximal[sl.start]])
    cat = np.concatenate
    return cat(ii).astype(int), cat(jj).astype(int), cat(rr).astype(float)


def site(morph, section: str, x) -> Site:
    """Resolve ``(section, x)`` to a :class:`Site` (a compartment or a section-end node).

    x = 1 is the node at the section's end (NEURON's ``sec(1)``); x = 0 the node at its parent's
    end (``sec(0)`` is the parent's ``sec(1)``), or the root's start. A child of a one-compartment
    soma starts at the soma compartment (NEURON joins it to ``soma(0.5)``), and every x on such a
    soma is that compartment. Any other x is the compartment containing it.

    Raises
    ------
    PlacementError
        Unknown section (with a suggestion) or ``x`` not a number in [0, 1].
    """
    if section not in morph:
        names = [s.name for s in morph.sections]
        raise PlacementError(f"unknown section {section!r}{did_you_mean(section, names)}")
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0 <= x <= 1:
        raise PlacementError(f"x = {x!r} on section {section!r} must be a number in [0, 1]")
    x = float(x)
    sec = morph[section]
    comp = morph.locate(section, x)
    secs = morph.sections
    node = None
    if not _is_soma(sec):
        if x == 1:
            node = secs.index(sec)
        elif x == 0 and sec.parent is None:
            node = len(secs)
        elif x == 0 and not _is_soma(morph[sec.parent]):
            node = secs.index(morph[sec.parent])
        elif x == 0:
            comp = morph.compartment_slice(sec.parent).start
    if node is None:
        return Site(section, x, comp, None, np.array([comp]), np.array([1.0]), 0.0)
    i, j, ra = _links(morph)
    at = j == len(morph.compartments) + node
    g = 1.0 / ra[at]
    return Site(section, x, comp, node, i[at].copy(), g / g.sum(), float(1.0 / g.sum()))


def site_of_point(morph, section: str, index: int) -> Site:
    """The site of 3-D point number ``index`` of ``section`` (0 its first point, -1 its last):
    ``x`` is the point's arc length over the section's (so the first and last points are the
    section-end nodes).

    Raises
    ------
    PlacementError
        Unknown section or a point index off the section.
    """
    from .geometry import arc_length

    if section not in morph:
        names = [s.name for s in morph.sections]
        raise PlacementError(f"unknown section {section!r}{did_you_mean(section, names)}")
    pts = morph[section].points
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise PlacementError(f"point index {index!r} of section {section!r} is not an integer")
    if not -len(pts) <= index < len(pts):
        raise PlacementError(f"section {section!r} has {len(pts)} points, no point {index}")
    arc = arc_length(pts)
    return site(morph, section, float(arc[index] / arc[-1]) if arc[-1] > 0 else 0.5)


def site_of_id(morph, point_id: int) -> Site:
    """The site of the point with identifier ``point_id`` in the file the morphology was read from,
    through ``morph.point_ids``, the mapping ``id -> (section name, point index)`` that
    :func:`~dendrites.morphology.load_morphology` and :func:`~dendrites.morphology.from_swc`
    attach: an SWC sample number, or for ASC and H5 ``(section id, point index)`` with MorphIO's
    section ids (``morphio.Morphology(path, morphio.Option.nrn_order)``) and ``("soma", k)`` for
    the soma's points. A point the import dropped (inside a spherical soma, in a zero-length
    section) gives the site where it went: the soma, or its parent section's end.

    Raises
    ------
    PlacementError
        The morphology keeps no point identifiers, or not this one.
    """
    ids = getattr(morph, "point_ids", None)
    if not ids:
        raise PlacementError("this morphology keeps no point identifiers (point_ids)")
    if point_id not in ids:
        raise PlacementError(f"no point with identifier {point_id!r} in this morphology")
    section, index = ids[point_id]
    return site_of_point(morph, section, index)


def _links(morph):
    """:func:`cable_links`, computed once per morphology (morphologies are immutable)."""
    cached = morph.__dict__.get("_cable_links")
    if cached is None:
        cached = cable_links(morph)
        morph.__dict__["_cable_links"] = cached
    return cached
