"""Reconstructions as NEURON's Import3d builds them, and the package's geometry compared with it.

:func:`import3d` is the reference route: NEURON's own ``Import3d_SWC_read`` (SWC) or
``Import3d_Neurolucida3`` (ASC) and ``Import3d_GUI(reader, False).instantiate(None)``, a uniform
passive membrane and the d_lambda rule over each section's 3-D points. :func:`compare_morphology`
loads the same file with the package and compares, at the soma and at the deepest dendritic tips
(at the tip, x = 1), the input resistances and the two voltage attenuations at steady state (issue
#12's targets). Tips are matched between the two by their 3-D end points, so that the comparison
does not depend on the order of sections.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from brian2.units import Hz, cm, kohm, mV, ohm, siemens, uF

from .. import morphology as morph_mod
from ..cell import Cell
from ..errors import ParameterError
from ._neuron import impedance_matrix, neuron_h
from .compare import package_resistances

__all__ = ["Import3dCell", "compare_morphology", "import3d", "lambda_f_nseg"]

#: Issue #12's passive membrane: Rm (kOhm cm2), Ri (ohm cm), Cm (uF/cm2), E (mV).
TARGET_MEMBRANE = {"Rm": 20.0, "Ri": 150.0, "Cm": 1.0, "E": -70.0}
#: NEURON's section name prefixes (Import3d) -> the package's regions.
NEURON_REGIONS = {"soma": "soma", "axon": "axon", "dend": "basal", "apic": "apical"}


def lambda_f_nseg(arc, diam, Ri: float, Cm: float, d_lambda: float = 0.1, f: float = 100.0):
    """NEURON's d_lambda rule (``fixnseg.hoc``), written from its formula.

    Over a section's 3-D points (arc length ``arc`` and diameters ``diam``, um), ``L/lambda_f =
    sum_i (arc_i - arc_{i-1}) / sqrt(d_{i-1} + d_i) * sqrt(2) * 1e-5 * sqrt(4 pi f Ri Cm)`` (Ri in
    ohm cm, Cm in uF/cm2, f in Hz) and ``nseg = int((L / (d_lambda lambda_f) + 0.9) / 2) * 2 +
    1`` (odd). The same rule as :func:`dendrites.morphology.d_lambda_n`, on plain numbers in
    these units (it runs on NEURON's section data).
    """
    arc, diam = np.asarray(arc, float), np.asarray(diam, float)
    factor = math.sqrt(4 * math.pi * f * Ri * Cm)
    if len(arc) < 2:
        raise ParameterError("arc", "a section needs at least two 3-D points")
    lam = float(np.sum(np.diff(arc) / np.sqrt(diam[:-1] + diam[1:]))) * math.sqrt(2) * 1e-5
    return int((lam * factor / d_lambda + 0.9) / 2) * 2 + 1


@dataclass
class Import3dCell:
    """A reconstruction instantiated by NEURON's Import3d (made by :func:`import3d`).

    Attributes
    ----------
    h : hoc object
    path : Path
    sections : list of nrn.Section
        Every section Import3d made (``soma[0]``, ``dend[3]``...).
    soma : nrn.Section
        The first soma section; the soma site is ``soma(0.5)``.
    seconds : float
        Wall time of reading, instantiating and setting nseg.
    """

    h: object
    path: Path
    sections: list
    soma: object
    seconds: float
    _closed: bool = field(default=False, repr=False)

    def region(self, sec) -> str:
        """The package region of a NEURON section (``dend`` is basal, ``apic`` apical)."""
        return NEURON_REGIONS.get(sec.name().split("[")[0].split(".")[-1], "dend")

    def tips(self, region: str, count: int = 5) -> list:
        """The `count` terminal sections of `region` farthest (path distance to their x = 1)
        from ``soma(0.5)``, deepest first."""
        h = self.h
        h.distance(0, 0.5, sec=self.soma)
        found = [
            (h.distance(1.0, sec=s), s)
            for s in self.sections
            if self.region(s) == region and len(s.children()) == 0
        ]
        found.sort(key=lambda p: -p[0])
        return [s for _d, s in found[:count]]

    def end_point(self, sec) -> np.ndarray:
        k = int(sec.n3d()) - 1
        return np.array([sec.x3d(k), sec.y3d(k), sec.z3d(k)])

    def resistances(self, segs) -> np.ndarray:
        """Transfer resistances (ohm) between NEURON segments at rest, Impedance at 0 Hz."""
        h = self.h
        h.finitialize(TARGET_MEMBRANE["E"])
        return impedance_matrix(h, segs)

    @property
    def n_segments(self) -> int:
        return int(sum(s.nseg for s in self.sections))

    def close(self) -> None:
        """Delete the sections (NEURON keeps hoc-made sections until deleted)."""
        if not self._closed:
            for s in self.sections:
                self.h.delete_section(sec=s)
            self.sections = []
            self._closed = True


def import3d(
    path,
    Rm=20 * kohm * cm**2,
    Ri=150 * ohm * cm,
    Cm=1 * uF / cm**2,
    d_lambda=0.1,
    frequency=100 * Hz,
    E=-70 * mV,
) -> Import3dCell:
    """Load a morphology with NEURON's own Import3d and give it a uniform passive membrane.

    Parameters
    ----------
    path : str or Path
        An SWC (``Import3d_SWC_read``) or Neurolucida ASC (``Import3d_Neurolucida3``) file.
    Rm, Ri, Cm : Quantity
        Specific membrane resistance, axial resistivity and capacitance (defaults: issue #12's
        20 kOhm cm2, 150 ohm cm, 1 uF/cm2); ``pas`` with ``g = 1/Rm`` reversing at `E`.
    d_lambda, frequency :
        The d_lambda rule (:func:`lambda_f_nseg`) at this frequency (default 0.1 at 100 Hz).

    Returns
    -------
    Import3dCell
        Close it (:meth:`Import3dCell.close`) to delete its sections. Import3d makes top-level
        section arrays (``soma[0]``, ``dend[k]``...): keep one such cell at a time.

    Raises
    ------
    ParameterError
        An unknown file type or a missing file.
    """
    from ..quantities import as_float

    path = Path(path)
    if not path.is_file():
        raise ParameterError("path", f"no file {path}")
    rm = as_float(Rm, kohm * cm**2, "Rm", "positive") * 1e3  # ohm cm2
    ri = as_float(Ri, ohm * cm, "Ri", "positive")
    cmem = as_float(Cm, uF / cm**2, "Cm", "positive")
    f = as_float(frequency, Hz, "frequency", "positive")
    e = as_float(E, mV, "E")
    h = neuron_h()
    before = set(h.allsec())  # by identity: earlier sections may have the same names
    t0 = time.perf_counter()
    suffix = path.suffix.lower()
    if suffix == ".swc":
        reader = h.Import3d_SWC_read()
    elif suffix == ".asc":
        reader = h.Import3d_Neurolucida3()
    else:
        raise ParameterError("path", f"{path}: Import3d reads .swc and .asc here, not {suffix!r}")
    reader.quiet = 1
    reader.input(str(path))
    h.Import3d_GUI(reader, False).instantiate(None)
    secs = [s for s in h.allsec() if s not in before]
    for s in secs:
        s.Ra, s.cm = ri, cmem
        n3d = int(s.n3d())
        arc = [s.arc3d(i) for i in range(n3d)]
        diam = [s.diam3d(i) for i in range(n3d)]
        s.nseg = lambda_f_nseg(arc, diam, ri, cmem, d_lambda, f) if n3d >= 2 else 1
    seconds = time.perf_counter() - t0
    for s in secs:
        s.insert("pas")
        for seg in s:
            seg.pas.g, seg.pas.e = 1.0 / rm, e
    soma = [s for s in secs if s.name().startswith("soma")]
    if not soma:
        raise ParameterError("path", f"{path}: Import3d made no soma section")
    return Import3dCell(h, path, secs, soma[0], seconds)


def package_cell(path, d_lambda=0.1, frequency=100 * Hz, soma="import3d") -> tuple[Cell, float]:
    """The package's cell of a file (:func:`dendrites.morphology.load_morphology` with the soma
    policy `soma`) with issue #12's passive membrane, and the wall time (s) of loading and
    compartmentalising it."""
    m = TARGET_MEMBRANE
    t0 = time.perf_counter()
    path = Path(path)
    morph = morph_mod.load_morphology(
        path,
        soma=soma,
        Ri=m["Ri"] * ohm * cm,
        Cm=m["Cm"] * uF / cm**2,
        d_lambda=d_lambda,
        frequency=frequency,
    )
    seconds = time.perf_counter() - t0
    cell = Cell(morph, Ri=m["Ri"] * ohm * cm, Cm=m["Cm"] * uF / cm**2, v_init=m["E"] * mV)
    cell.insert("pas", g=1 / (m["Rm"] * 1e3) * siemens / cm**2, E=m["E"] * mV)
    return cell, seconds


def _match_ends(points: np.ndarray, names: list[str], target: np.ndarray) -> tuple[str, float]:
    d = np.linalg.norm(points - target, axis=1)
    k = int(np.argmin(d))
    return names[k], float(d[k])


def compare_morphology(
    path, n_tips: int = 5, d_lambda=0.1, frequency=100 * Hz, soma="import3d"
) -> xr.Dataset:
    """Issue #12's targets on one file: the package against NEURON's Import3d.

    Both get the passive membrane of :data:`TARGET_MEMBRANE` (Rm 20 kOhm cm2, Ri 150 ohm cm, Cm
    1 uF/cm2) and the d_lambda rule (0.1 at 100 Hz), each over its own 3-D points. At the soma
    (NEURON's ``soma(0.5)``, the package's soma compartment) and at the `n_tips` deepest apical
    and basal tips (at x = 1; chosen in NEURON by path distance, matched to the package's
    terminal sections by their end points): input resistances, and the steady-state attenuations
    ``tip -> soma`` (inject at the tip, v_soma / v_tip) and ``soma -> tip`` (inject at the soma,
    v_tip / v_soma).

    Returns
    -------
    xarray.Dataset
        Dim ``location`` (soma, then the tips); for each quantity ``*_package``, ``*_neuron`` and
        ``*_rel_diff`` (package / NEURON - 1): ``rin`` (MOhm), ``att_tip_soma``,
        ``att_soma_tip``; coords ``region``, ``section_package``, ``section_neuron``,
        ``path_distance`` (um, NEURON), ``match_distance`` (um between the matched end points);
        attrs: file, compartments on both sides, sections whose nseg differs, load times.
    """
    path = Path(path)
    ref = import3d(path, d_lambda=d_lambda, frequency=frequency)
    try:
        cell, t_package = package_cell(path, d_lambda, frequency, soma)
        morph = cell.morphology
        terms = [s for s in morph.sections if not morph.children(s.name) and s.region != "soma"]
        ends = np.array([s.points[-1, :3] for s in terms])
        names = [s.name for s in terms]
        rows = [("soma", "soma", ref.soma.name(), 0, ref.soma(0.5), 0.0)]
        h = ref.h
        h.distance(0, 0.5, sec=ref.soma)
        for region in ("apical", "basal"):
            for sec in ref.tips(region, n_tips):
                name, gap = _match_ends(ends, names, ref.end_point(sec))
                rows.append((region, name, sec.name(), (name, 1.0), sec(1.0), gap))
        r_n = ref.resistances([r[4] for r in rows])
        r_p = package_resistances(cell, [r[3] for r in rows])
        dist = [h.distance(r[4].x, sec=r[4].sec) for r in rows]
        mismatched, total = _nseg_mismatch(ref, morph)
        n_neuron = ref.n_segments
    finally:
        ref.close()
    data = {}
    for side, r in (("package", r_p), ("neuron", r_n)):
        rin = np.diag(r)
        data[f"rin_{side}"] = ("location", rin * 1e-6, {"units": "MOhm"})
        att_ts = r[:, 0] / rin  # inject at the tip (row), read at the soma
        att_st = r[0, :] / rin[0]  # inject at the soma, read at the tip
        att_ts[0] = att_st[0] = np.nan  # the soma to itself: 1 by definition
        data[f"att_tip_soma_{side}"] = ("location", att_ts, {"units": "1"})
        data[f"att_soma_tip_{side}"] = ("location", att_st, {"units": "1"})
    for q in ("rin", "att_tip_soma", "att_soma_tip"):
        rel = data[f"{q}_package"][1] / data[f"{q}_neuron"][1] - 1
        data[f"{q}_rel_diff"] = ("location", rel, {"units": "1"})
    labels = ["soma"] + [f"{r[0]}{k}" for k, r in enumerate(rows[1:])]
    coords = {
        "location": ("location", labels),
        "region": ("location", [r[0] for r in rows]),
        "section_package": ("location", [r[1] for r in rows]),
        "section_neuron": ("location", [r[2] for r in rows]),
        "path_distance": ("location", np.array(dist), {"units": "um"}),
        "match_distance": ("location", np.array([r[5] for r in rows]), {"units": "um"}),
    }
    attrs = {
        "file": path.name,
        "n_compartments_package": int(cell.n_compartments),
        "n_segments_neuron": n_neuron,
        "sections_nseg_differs": mismatched,
        "sections_matched": total,
        "load_seconds_package": t_package,
        "load_seconds_neuron": ref.seconds,
        "membrane": str(TARGET_MEMBRANE),
        "d_lambda": float(d_lambda),
        "soma_policy": soma,
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _nseg_mismatch(ref: Import3dCell, morph) -> tuple[int, int]:
    """How many NEURON sections, matched to package sections by their end points (within 1e-3
    um), have another number of compartments; and how many were matched."""
    secs = [s for s in morph.sections if s.region != "soma"]
    ends = np.array([s.points[-1, :3] for s in secs])
    starts = np.array([s.points[0, :3] for s in secs])
    bad = total = 0
    for sec in ref.sections:
        if ref.region(sec) == "soma":
            continue
        end, start = ref.end_point(sec), np.array([sec.x3d(0), sec.y3d(0), sec.z3d(0)])
        d = np.linalg.norm(ends - end, axis=1) + np.linalg.norm(starts - start, axis=1)
        k = int(np.argmin(d))
        if d[k] > 1e-3:
            continue
        total += 1
        bad += int(secs[k].n != int(sec.nseg))
    return bad, total
