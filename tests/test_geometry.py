"""Compartment geometry from every 3-D point, compartment rules, ``(section, x)`` sites and the
analytic cable (:mod:`dendrites.morphology.geometry`, :mod:`dendrites.morphology.sites`,
:mod:`dendrites.electrotonic`): fast checks, no compiled code.

NEURON (``pytest.importorskip``) is the reference for the membrane area and axial resistance of
each segment of a section given by 3-D points (``h.pt3dadd``, ``seg.area()``, ``seg.ri()``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse.linalg
from brian2 import cm, ms, mV, nA, ohm, siemens, uF, um

from dendrites import Cell, morphology
from dendrites.electrotonic import input_resistance, system_matrices, transfer_resistance
from dendrites.errors import ParameterError, PlacementError
from dendrites.morphology import Morphology, Section
from dendrites.morphology.geometry import frustum_geometry
from dendrites.plan import Plan, values
from dendrites.stimuli import Step

MORPHOLOGIES = Path(__file__).resolve().parents[2] / "shared" / "morphologies"
RA = 150.0  # ohm cm

#: NEURON stores 3-D points in single precision: with the points rounded to float32 first, its
#: seg.area() and seg.ri() agree to 8.8e-8 and 2.5e-7 relative (random sections), 5e-8 (CA1).
NEURON_TOL = 1e-6


def neuron_segments(points: np.ndarray, n: int):
    """NEURON's seg.area() (um2) and the ri (MOhm) from each node to the next: sec(0) to the
    first centre, centre to centre, the last centre to sec(1)."""
    from neuron import h

    sec = h.Section(name="probe")
    try:
        for p in points:
            h.pt3dadd(*map(float, p), sec=sec)
        sec.Ra, sec.nseg = RA, n
        area = np.array([seg.area() for seg in sec])
        ri = np.array([seg.ri() for seg in sec] + [sec(1).ri()])
    finally:
        h.delete_section(sec=sec)
    return area, ri


def compare_with_neuron(points: np.ndarray, n: int) -> tuple[float, float]:
    pts = np.asarray(points, dtype=np.float32).astype(float)
    area, ri = neuron_segments(pts, n)
    g = frustum_geometry(pts, n)
    ra = np.r_[g["ra_proximal"][0], g["ra_distal"][:-1] + g["ra_proximal"][1:], g["ra_distal"][-1]]
    mine = ra * RA * 1e4 / 1e6  # 1/um * ohm um -> MOhm
    return float(np.max(np.abs(area / g["area"] - 1))), float(np.max(np.abs(ri / mine - 1)))


def test_area_and_ri_match_neuron_on_tapered_multipoint_sections():
    pytest.importorskip("neuron")
    rng = np.random.default_rng(3)
    worst = [0.0, 0.0]
    fixed = [[0, 0, 0, 4.0], [10, 0, 0, 2.0], [10, 5, 0, 3.0], [12, 9, 1, 0.5], [30, 9, 1, 1.5]]
    cases = [(np.array(fixed), 3), (np.array(fixed), 8)]
    for _ in range(60):
        k = int(rng.integers(2, 12))
        xyz = np.cumsum(rng.normal(0, 3, (k, 3)), axis=0)
        cases.append((np.column_stack([xyz, rng.uniform(0.2, 4, k)]), int(rng.integers(1, 9))))
    for pts, n in cases:
        worst = np.maximum(worst, compare_with_neuron(pts, n))
    print(f"\n[geometry] vs NEURON, random sections: area {worst[0]:.1e}, ri {worst[1]:.1e}")
    assert worst[0] < NEURON_TOL and worst[1] < NEURON_TOL


def test_area_and_ri_match_neuron_on_a_reconstruction():
    pytest.importorskip("neuron")
    path = MORPHOLOGIES / "ca1_n120.swc"
    if not path.exists():
        pytest.skip(f"no reconstructed morphologies here ({MORPHOLOGIES} is absent)")
    morph = morphology.from_swc(path).compartmentalize(RA * ohm * cm, 1 * uF / cm**2)
    worst = np.zeros(2)
    for sec in morph.sections:
        if sec.region != "soma":
            worst = np.maximum(worst, compare_with_neuron(sec.points, sec.n))
    print(f"\n[geometry] vs NEURON, CA1 sections: area {worst[0]:.1e}, ri {worst[1]:.1e}")
    assert worst[0] < NEURON_TOL and worst[1] < NEURON_TOL


def test_one_frustum_closed_forms_and_an_annulus():
    g = frustum_geometry(np.array([[0, 0, 0, 4.0], [100, 0, 0, 2.0]]), 4)
    lateral = math.pi * (2 + 1) * math.hypot(100, 1)
    np.testing.assert_allclose(g["area"].sum(), lateral, rtol=1e-14)
    resistance = 4 * 100 / (math.pi * 4 * 2)  # 4 L / (pi d1 d2)
    np.testing.assert_allclose(g["ra_proximal"].sum() + g["ra_distal"].sum(), resistance)
    np.testing.assert_allclose(g["diameter"], [3.75, 3.25, 2.75, 2.25])
    # a diameter step at one position adds the annulus pi |r1^2 - r2^2| (as NEURON's slant term)
    step = frustum_geometry(
        np.array([[0, 0, 0, 2.0], [5, 0, 0, 2.0], [5, 0, 0, 4.0], [10, 0, 0, 4]]), 1
    )
    expected = math.pi * 2 * 5 + math.pi * (4 - 1) + math.pi * 4 * 5
    np.testing.assert_allclose(step["area"][0], expected, rtol=1e-14)


def test_soma_and_table_fields():
    m = morphology.ball_and_stick().with_n({"dend": 5})
    t = m.compartments
    assert t.area[0] == pytest.approx(math.pi * m.soma.points[0, 3] ** 2)
    assert np.all(t.ra_proximal[1:] > 0) and np.all(t.ra_distal[1:] > 0)
    assert t.ra_proximal[0] == t.ra_distal[0] == pytest.approx(1e-4)  # the soma's link


# ------------------------------------------------------------------------ compartment rules
def test_compartment_rules():
    m = morphology.pyramidal()
    lengths = {s.name: s.length for s in m.sections if s.region != "soma"}
    hay = m.compartmentalize(rule="hay2011")
    for name, length in lengths.items():
        assert hay[name].n == 1 + 2 * int(length / 40)
    assert hay.soma.n == 1
    same = m.compartmentalize(rule=lambda L: 1 + 2 * int(L / (40 * um)))
    assert [s.n for s in same] == [s.n for s in hay]
    capped = m.compartmentalize(max_length=25 * um)  # rule "max_length"
    for name, length in lengths.items():
        assert capped[name].n % 2 == 1 and length / capped[name].n <= 25 + 1e-9
        assert length / (capped[name].n - 2) > 25 or capped[name].n == 1  # the fewest (odd)
    first = next(iter(lengths))
    assert m.compartmentalize(rule={first: 4})[first].n == 4
    default = m.compartmentalize(RA * ohm * cm, 1 * uF / cm**2)  # d_lambda
    explicit = m.compartmentalize(RA * ohm * cm, 1 * uF / cm**2, rule="d_lambda")
    assert [s.n for s in default] == [s.n for s in explicit]
    with pytest.raises(ParameterError, match="hay2011"):
        m.compartmentalize(rule="hay2010")
    with pytest.raises(ParameterError, match="Ri and Cm"):
        m.compartmentalize(rule="d_lambda")
    with pytest.raises(ParameterError, match="rule"):
        m.compartmentalize(rule=lambda L: 0)
    with pytest.raises(ParameterError, match="no section"):
        m.compartmentalize(rule={"nope": 3})


# ------------------------------------------------------------------------------ sites
def tree() -> Morphology:
    return Morphology(
        [
            Section("root", "dend", None, [[0, 0, 0, 3], [40, 0, 0, 2.5], [60, 30, 0, 2]], 5),
            Section("a", "apical", "root", [[60, 30, 0, 1.2], [70, 90, 5, 0.9]], 4),
            Section("b", "apical", "root", [[60, 30, 0, 1.0], [20, 70, 0, 0.4]], 3),
        ]
    )


def test_sites_at_section_ends():
    m = tree()
    end = m.site("root", 1.0)
    assert end.node == 0 and m.site("a", 0.0).node == 0 and m.site("b", 0).node == 0
    assert sorted(end.neighbours) == [4, 5, 9]
    np.testing.assert_allclose(end.weights.sum(), 1.0)
    t = m.compartments
    g = 1 / np.array([t.ra_distal[4], t.ra_proximal[5], t.ra_proximal[9]])
    np.testing.assert_allclose(sorted(end.weights), sorted(g / g.sum()))
    assert end.ra == pytest.approx(1 / g.sum())
    start = m.site("root", 0)  # the root's sealed start: one neighbour
    assert start.node == 3 and list(start.neighbours) == [0] and start.weights[0] == 1
    mid = m.site("a", 0.5)
    assert mid.node is None and mid.compartment == m.locate("a", 0.5)
    assert m.site("a", 1).label == "a(1)"
    soma = morphology.ball_and_stick()
    assert soma.site("dend", 0).node is None and soma.site("dend", 0).compartment == 0
    assert soma.site("soma", 1).compartment == 0
    with pytest.raises(PlacementError, match="unknown section"):
        m.site("c", 0.5)
    with pytest.raises(PlacementError, match=r"\[0, 1\]"):
        m.site("a", 1.5)


def passive(m: Morphology) -> Cell:
    cell = Cell(m, Ri=RA * ohm * cm, Cm=1 * uF / cm**2, v_init=-70 * mV)
    cell.insert("pas", g=5e-5 * siemens / cm**2, E=-70 * mV)
    return cell


def test_analytic_resistances_at_nodes_and_compartments():
    m = tree()
    cell = passive(m)
    G, C = system_matrices(cell)
    n = m.n_compartments
    assert G.shape == (n + 4, n + 4) and np.all(C[n:] == 0) and np.all(C[:n] > 0)
    for a, b in [(0, ("a", 1.0)), (("root", 1.0), ("b", 1.0)), (("root", 0.0), ("a", 0.5))]:
        rab = float(transfer_resistance(cell, a, b) / ohm)
        assert rab == pytest.approx(float(transfer_resistance(cell, b, a) / ohm), rel=1e-12)
    # the full system (nodes as unknowns) solved directly gives the same numbers
    for at in [("a", 1.0), ("root", 1.0), ("root", 0.0)]:
        k = n + m.site(*at).node
        e = np.zeros(G.shape[0])
        e[k] = 1.0
        v = scipy.sparse.linalg.spsolve(G.tocsc(), e)
        assert v[k] == pytest.approx(float(input_resistance(cell, at) / ohm), rel=1e-9)
    # a tip's end node is farther out than its last compartment (its half-compartment in series)
    assert input_resistance(cell, ("a", 1.0)) > input_resistance(cell, m.locate("a", 1.0))


def test_a_clamp_at_a_node_feeds_its_neighbours_in_proportion():
    m = tree()
    cell = passive(m)
    el = cell.add_current_clamp(("root", 1.0), Step(0.1 * nA))
    site = m.site("root", 1.0)
    assert el.site is site or el.site.node == site.node
    plan = Plan(cell, 1 * ms, 0.1 * ms, {"v": [("root", 1.0), 0]}, None, 0.5)
    assert set(plan.electrode_cols) == set(site.neighbours.tolist())
    assert set(site.neighbours.tolist()) <= set(plan.record["v"].tolist())
    assert list(plan.node_sites) == ["root(1)"]
    clamp = values(cell, plan)[("clamp_ta", "values")]
    np.testing.assert_allclose(clamp[-1, 1:].sum(), 0.1e-9, rtol=1e-14)
    for comp, w in zip(site.neighbours, site.weights, strict=True):
        assert clamp[-1, plan.electrode_cols[int(comp)]] == pytest.approx(w * 0.1e-9)


def test_sites_of_original_points():
    from dendrites.morphology.sites import site_of_id, site_of_point

    m = tree()
    assert site_of_point(m, "root", -1).node == m.site("root", 1).node
    assert site_of_point(m, "root", 0).node == m.site("root", 0).node
    inner = site_of_point(m, "root", 1)  # 40 um along a path of 40 + sqrt(20^2 + 30^2) um
    assert inner.x == pytest.approx(40 / (40 + math.hypot(20, 30)))
    with pytest.raises(PlacementError, match="no point 3"):
        site_of_point(m, "root", 3)
    with pytest.raises(PlacementError, match="point identifiers"):
        site_of_id(m, 7)
    m.point_ids = {7: ("a", 1)}  # what a reader may attach: id -> (section, point index)
    assert site_of_id(m, 7).label == "a(1)"


def test_rall_sealed_cable_at_its_end_nodes():
    """Input resistance at x = 0 of a sealed cable (targets.md: d 1 um, Rm 1e4 ohm cm2, Ri 150
    ohm cm, 300 um, 20 compartments) and the attenuation to x = 1, read at the nodes themselves
    (no extrapolation from compartment centres): Rall's ``r_a lambda coth(L)`` and ``1/cosh(L)``.
    Measured: 2.1e-4 and 2.6e-5 (second order: 8.4e-6 and 1.0e-6 with 100 compartments)."""
    d, rm, ri, length = 1e-6, 1.0, 1.5, 300e-6  # SI
    r_a, lam = 4 * ri / (math.pi * d**2), math.sqrt(rm * d / (4 * ri))
    big_l = length / lam
    m = morphology.cable(length=300 * um, diameter=1 * um, n=20)
    cell = Cell(m, Ri=150 * ohm * cm, Cm=1 * uF / cm**2)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-70 * mV)
    r_in = float(input_resistance(cell, ("cable", 0)) / ohm)
    attenuation = float(transfer_resistance(cell, ("cable", 0), ("cable", 1)) / ohm) / r_in
    assert abs(r_in / (r_a * lam / math.tanh(big_l)) - 1) < 1e-3  # targets.md's bound
    assert abs(attenuation * math.cosh(big_l) - 1) < 2e-4
