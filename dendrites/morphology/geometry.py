"""Membrane area and axial resistance of compartments, integrated over every 3-D point.

This is the package's one discretisation of a section, NEURON's (Hines & Carnevale, *The NEURON
Book*, ch. 5 and 6): a section of arc length ``L`` split into ``n`` compartments of length ``L/n``
along the traced path; the diameter varies linearly in arc length between consecutive 3-D points.
Each compartment is cut at its centre into two halves, and each half is integrated over all the
3-D points inside it (conical frustums between consecutive points, the compartment boundaries and
centre inserted as points with interpolated diameters):

* membrane area: ``sum pi (r1 + r2) sqrt(dl^2 + (r1 - r2)^2)`` (the lateral area, with the slant
  height; no end discs), in um^2;
* axial resistance of each half, divided by the resistivity Ri: ``sum 4 dl / (pi d1 d2)`` (the exact
  resistance of a frustum, ``integral 4 Ri dx / (pi d(x)^2)``), in 1/um: ``R = Ri * ra`` (ohm
  with Ri in ohm um; 150 ohm cm = 1.5e6 ohm um).

Checked against NEURON 9 (``h.pt3dadd``, ``seg.area()``, ``seg.ri()``): NEURON's area uses the slant
height and its ``seg.ri()`` is the resistance from the previous node (the previous compartment's
centre, or ``sec(0)``) to this centre, the sum of the two halves here. Measured agreement to
rounding (``tests/test_geometry.py``).

Pure numpy; every length in um.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SOMA_LINK", "arc_length", "frustum_geometry", "sphere_area"]

#: Axial resistance over Ri (1/um) between a soma compartment and the node where its children
#: join: 150 ohm with Ri = 150 ohm cm (Brian2's ``r_length`` of 1 cm). NEURON joins them with no
#: resistance (its ``soma(0.5)``); 150 ohm in series with a dendritic tree of > 10 MOhm changes
#: input resistances and attenuations by < 1e-5. A smaller link costs Brian2's cable solver
#: digits: with its own ``Soma`` value (1 m, 1.5 ohm) the steady state at the soma was off by
#: 4e-6 relative, with this one by 7e-9 (the package's Hines solver: 6e-12 either way). The
#: simulator and :mod:`dendrites.electrotonic` both use this value: they solve the same system.
SOMA_LINK = 1e-4


def arc_length(points: np.ndarray) -> np.ndarray:
    """Cumulative arc length (um) at each point of a (k, >=3) array, starting at 0."""
    seg = np.sqrt(np.sum(np.diff(points[:, :3], axis=0) ** 2, axis=1))
    return np.concatenate([[0.0], np.cumsum(seg)])


def sphere_area(diameter: float) -> float:
    """Membrane area (um^2) of a one-point (spherical) soma: ``pi d^2``."""
    return math.pi * diameter * diameter


def frustum_geometry(points: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Geometry of the ``n`` equal-length compartments of a section with 3-D points ``points``.

    Parameters
    ----------
    points : array (k, 4)
        x, y, z, diameter (um), k >= 2, the arc length > 0. Repeated points are kept: a diameter
        change at one position adds the annulus ``pi |r1^2 - r2^2|`` to the area, as in NEURON.
    n : int
        Number of compartments.

    Returns
    -------
    dict of ndarray
        ``area`` (n,) um^2; ``ra_proximal``, ``ra_distal`` (n,) 1/um: axial resistance over Ri
        from the centre to the proximal and to the distal end of each compartment; ``length``
        (n,) um (all ``L/n``); ``centre`` (n, 3) um and ``diameter`` (n,) um at the centre (on the
        traced path); ``boundaries`` (n + 1, 4): the points at the compartment ends.
    """
    pts = np.asarray(points, dtype=float)
    arc = arc_length(pts)
    total = float(arc[-1])
    # compartment ends and centres: 2n + 1 cut positions
    cuts = np.linspace(0.0, total, 2 * n + 1)
    cuts[-1] = total
    # the original points and the cut points (inside the section) merged in arc order; a stable
    # sort keeps repeated original points in their order
    inner = cuts[1:-1]
    pos = np.concatenate([arc, inner])
    diam = np.concatenate([pts[:, 3], _interp(inner, arc, pts[:, 3])])
    order = np.argsort(pos, kind="stable")
    pos, diam = pos[order], diam[order]
    dl = np.diff(pos)
    d1, d2 = diam[:-1], diam[1:]
    r1, r2 = d1 / 2, d2 / 2
    area = math.pi * (r1 + r2) * np.sqrt(dl * dl + (r1 - r2) ** 2)
    res = 4.0 * dl / (math.pi * d1 * d2)
    # half-compartment of each piece, from its midpoint (zero-length pieces: their position)
    half = np.searchsorted(cuts, (pos[:-1] + pos[1:]) / 2, side="right") - 1
    half = np.clip(half, 0, 2 * n - 1)
    area_h = np.bincount(half, weights=area, minlength=2 * n)
    res_h = np.bincount(half, weights=res, minlength=2 * n)
    centres = cuts[1::2]
    centre = np.column_stack([np.interp(centres, arc, pts[:, j]) for j in range(3)])
    ends = cuts[::2]
    bounds = np.column_stack([_interp(ends, arc, pts[:, j]) for j in range(4)])
    bounds[0], bounds[-1] = pts[0], pts[-1]
    return {
        "area": area_h[0::2] + area_h[1::2],
        "ra_proximal": res_h[0::2],
        "ra_distal": res_h[1::2],
        "length": np.full(n, total / n),
        "centre": centre,
        "diameter": _interp(centres, arc, pts[:, 3]),
        "boundaries": bounds,
    }


def _interp(x: np.ndarray, arc: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear interpolation in arc length; at a repeated position, the value of the later point
    (``np.interp`` is undefined there)."""
    i = np.clip(np.searchsorted(arc, x, side="right"), 1, len(arc) - 1)
    a0, a1 = arc[i - 1], arc[i]
    span = a1 - a0
    t = np.divide(x - a0, span, out=np.zeros_like(x), where=span > 0)
    return values[i - 1] + t * (values[i] - values[i - 1])
