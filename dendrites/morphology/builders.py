"""Morphologies built from parameters: the Rallpack cables, ball-and-stick, Y branch, pyramidal.

Each builder returns a :class:`~dendrites.morphology.Morphology`; lengths are brian2 quantities.
"""

from __future__ import annotations

import math

import numpy as np
from brian2.units import um

from ..errors import ParameterError
from .tree import Morphology, Section, _check_n, _check_region, _um

__all__ = ["ball_and_stick", "binary_tree", "cable", "pyramidal", "y_branch"]


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
