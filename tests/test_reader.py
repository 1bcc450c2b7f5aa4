"""Reconstructions read as NEURON's Import3d builds them (dendrites.morphology.reader)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from brian2 import cm, ohm, uF, um
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dendrites.errors import MorphologyFileError, ParameterError, PlacementError, SWCError
from dendrites.morphology import (
    Morphology,
    Section,
    contour_to_cylinder,
    from_swc,
    load_morphology,
    soma_area,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "morphologies"
FILES = ["ca1_n120.swc", "l5pc.swc", "allen_485574832.swc", "hay_cell1.asc"]
RI, CM = 150 * ohm * cm, 1 * uF / cm**2
# NEURON 9.0.2 Import3d, measured on this machine: soma area (sum of h.area over the soma
# sections, nseg 1) and the total membrane area with the package's d_lambda nseg (um^2)
NEURON_AREAS = {
    "ca1_n120.swc": (933.965, 32493.47),  # two soma sections, soma[0] 518.30 + soma[1] 415.66
    "l5pc.swc": (1504.344, 66325.81),
    "allen_485574832.swc": (455.048, 6681.89),
    "hay_cell1.asc": (1131.389, 31179.85),
}


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not here (CI clones only the repository)")
    return path


def write(tmp_path, text, name="cell.swc"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- the four reference files ---------------------------------------------------------------------
@pytest.mark.parametrize("name", FILES)
def test_reference_files_have_neurons_soma_and_membrane_area(name):
    m = load_morphology(shared(name), Ri=RI, Cm=CM)
    soma, total = NEURON_AREAS[name]
    rep = m.import_report
    assert rep.soma_policy == "import3d" and m.soma.n == 1
    np.testing.assert_allclose(soma_area(m.soma), soma, rtol=1e-5)  # measured: <= 1.3e-6
    np.testing.assert_allclose(rep.soma_area, soma_area(m.soma))
    np.testing.assert_allclose(m.compartments.area.sum(), total, rtol=1e-5)  # measured 1.4e-7
    assert "import:" in m.summary() and rep.format in m.summary()
    # compartmentalize keeps the report
    assert m.with_n({}).import_report is rep


def test_each_neurite_has_neurons_3d_points():
    """Every section's points equal Import3d's (names map to NEURON's: basal k = dend[k])."""
    h = pytest.importorskip("neuron").h
    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")
    conv = {"basal": "dend", "apical": "apic", "axon": "axon"}
    for name in FILES:
        path = shared(name)
        for sec in list(h.allsec()):
            h.delete_section(sec=sec)
        r = h.Import3d_Neurolucida3() if name.endswith(".asc") else h.Import3d_SWC_read()
        r.quiet = 1
        r.input(str(path))
        h.Import3d_GUI(r, False).instantiate(None)
        nrn = {s.name(): s for s in h.allsec()}
        m = load_morphology(path)
        for s in m.sections[1:]:
            region = s.name.rstrip("0123456789")
            sec = nrn[f"{conv[region]}[{s.name[len(region) :]}]"]
            pts = [[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)] for i in range(sec.n3d())]
            np.testing.assert_allclose(s.points, pts, atol=1e-4)  # float32 in NEURON
        somata = [s for s in h.allsec() if "soma" in s.name()]
        a = sum(h.area(0.5, sec=s) for s in somata)
        np.testing.assert_allclose(soma_area(m.soma), a, rtol=1e-5)
        if name == "hay_cell1.asc":
            p = [[somata[0].x3d(i), somata[0].y3d(i), somata[0].diam3d(i)] for i in range(21)]
            np.testing.assert_allclose(m.soma.points[:, [0, 1, 3]], p, atol=1e-4)


def test_sphere_policy_keeps_the_area_and_from_swc_defaults_to_import3d():
    for name in ("hay_cell1.asc", "l5pc.swc"):
        path = shared(name)
        a, b = load_morphology(path), load_morphology(path, soma="sphere")
        assert len(b.soma.points) == 1 and b.import_report.soma_policy == "sphere"
        np.testing.assert_allclose(soma_area(b.soma), soma_area(a.soma), rtol=1e-9)
    m, ref = from_swc(shared("l5pc.swc")), load_morphology(shared("l5pc.swc"))
    assert m.import_report.soma_policy == "import3d" and len(m.soma.points) > 1
    assert [s.name for s in m] == [s.name for s in ref]
    np.testing.assert_array_equal(m["apical40"].points, ref["apical40"].points)
    sphere = from_swc(shared("l5pc.swc"), soma="sphere")
    assert len(sphere.soma.points) == 1 and sphere.import_report.soma_policy == "sphere"
    with pytest.raises(ParameterError, match="soma"):
        from_swc(shared("l5pc.swc"), soma="cylinder")


# -- soma kinds on small files --------------------------------------------------------------------
def test_one_point_soma_is_a_cylinder_and_neurites_start_at_their_own_point(tmp_path):
    text = "1 1 0 0 0 5 -1\n2 3 2 0 0 1 1\n3 3 20 0 0 1 2\n4 4 0 3 0 1 1\n"  # 2 inside the soma
    m = load_morphology(write(tmp_path, text))
    np.testing.assert_allclose(m.soma.points, [[-5, 0, 0, 10], [0, 0, 0, 10], [5, 0, 0, 10]])
    np.testing.assert_allclose(soma_area(m.soma), math.pi * 100)
    np.testing.assert_allclose(m["basal0"].points[0], [2, 0, 0, 2])  # kept, inside the soma
    # a one-point neurite starts at the soma's centre, with its own diameter
    np.testing.assert_allclose(m["apical0"].points, [[0, 0, 0, 2], [0, 3, 0, 2]])


def test_neuromorpho_three_point_soma_is_one_sphere(tmp_path):
    text = "1 1 0 0 0 4 -1\n2 1 0 -4 0 4 1\n3 1 0 4 0 4 1\n4 3 0 10 0 1 1\n5 3 0 20 0 1 4\n"
    m = load_morphology(write(tmp_path, text))
    assert "3-point soma" in m.import_report.soma
    np.testing.assert_allclose(soma_area(m.soma), math.pi * 64)
    np.testing.assert_allclose(m["basal0"].points[0], [0, 10, 0, 2])


def test_multipoint_soma_chain_and_the_soma_point_neurites_start_from(tmp_path):
    # soma 1-2-3 (a chain), 4 leaves from the last soma point, 6 from the interior point 2
    text = (
        "1 1 0 0 0 3 -1\n2 1 0 5 0 4 1\n3 1 0 10 0 3 2\n4 4 0 20 0 1 3\n5 4 0 30 0 1 4\n"
        "6 3 8 5 0 0.5 2\n7 3 16 5 0 0.5 6\n"
    )
    m = load_morphology(write(tmp_path, text))
    np.testing.assert_allclose(m.soma.points[:, 1], [0, 5, 10])
    frustum = math.pi * 7 * math.hypot(5, 1) * 2  # two frustums r 3 -> 4 -> 3
    np.testing.assert_allclose(soma_area(m.soma), frustum)
    # the last soma point is prepended, with the neurite's diameter (Import3d)
    np.testing.assert_allclose(m["apical0"].points[0], [0, 10, 0, 2])
    # from an interior soma point: a wire, the neurite starts at its own first point
    np.testing.assert_allclose(m["basal0"].points[0], [8, 5, 0, 1])
    assert m.import_report.soma_points_prepended == 1
    # a soma branching at its root (as ca1_n120): one chain through the root
    text = "1 1 0 0 0 3 -1\n2 1 0 5 0 3 1\n3 1 0 -5 0 3 1\n4 3 0 15 0 1 2\n"
    m = load_morphology(write(tmp_path, text))
    np.testing.assert_allclose(m.soma.points[:, 1], [5, 0, -5])


def test_contour_cylinder_of_a_circle_has_about_a_spheres_area():
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    circle = np.column_stack([10 * np.cos(t), 10 * np.sin(t), np.zeros_like(t)])
    pts = contour_to_cylinder(circle)
    assert pts.shape == (21, 4)
    area = soma_area(Section("soma", "soma", None, pts))
    # the cylinder of a circle of radius 10 has its outline's revolution area, 4 pi r^2 = 1257
    # less the end caps it cannot have: measured 1156 um^2 (8 % below)
    assert 0.85 * 4 * math.pi * 100 < area < 4 * math.pi * 100
    with pytest.raises(ValueError):
        contour_to_cylinder([[0, 0, 0], [0, 0, 0], [0, 0, 0]])


def test_multipoint_soma_section_rules():
    soma = Section("soma", "soma", None, [[0, 0, 0, 10], [0, 10, 0, 10]])
    assert soma.length == 10 and soma.n == 1
    np.testing.assert_allclose(soma_area(soma), math.pi * 100)
    far = Section("d", "dend", "soma", [[30, 0, 0, 1], [40, 0, 0, 1]])  # anywhere: a wire
    m = Morphology([soma, far])
    assert m.children("soma") == (far,)
    sphere = Section("soma", "soma", None, [[0, 0, 0, 10]])
    with pytest.raises(ParameterError, match="surface"):  # a one-point soma keeps its check
        Morphology([sphere, far])


# -- bad input ------------------------------------------------------------------------------------
ASC_OK = (
    '("CellBody"\n (CellBody)\n (0 0 0 1)\n (4 0 0 1)\n (4 4 0 1)\n (0 4 0 1)\n)\n'
    "( (Dendrite)\n (4 2 0 1)\n (10 2 0 1)\n (20 2 0 1)\n)\n"
)


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("cell.xyz", "1 1 0 0 0 1 -1\n", None, "unsupported format '.xyz'"),
        ("cell", "1 1 0 0 0 1 -1\n", None, "unsupported format"),
        ("c.asc", "garbage (((", 1, "RawDataError"),
        ("c.asc", "( (Dendrite)\n (0 0 0 1)\n (5 0 0 1)\n", 4, "end of file"),
        ("c.asc", "", 1, "RawDataError"),
        ("c.asc", "( (Dendrite)\n (0 0 0 1)\n (5 0 0 1)\n)\n", None, "no soma"),
        ("c.asc", ASC_OK.replace("(10 2 0 1)", "(10 2 0 0)"), None, "point 1"),
        ("c.asc", ASC_OK.replace("(10 2 0 1)", "(10 2 0 -1)"), None, "diameter <= 0"),
        ("c.asc", ASC_OK.replace("(10 2 0 1)", "(1e999 2 0 1)"), None, "non-finite"),  # inf
        # (MorphIO skips a "(nan 2 0 1)" point as an unknown token: the cell loads without it)
        (
            "c.asc",
            ASC_OK.replace("(4 0 0 1)", "(0 0 0 1)")
            .replace("(4 4 0 1)", "(0 0 0 1)")
            .replace("(0 4 0 1)", "(0 0 0 1)"),
            None,
            "soma",
        ),
        ("c.h5", "not hdf5", None, "RawDataError"),
        ("c.swc", "1 3 0 0 0 1 -1\n2 3 5 0 0 1 1\n", 1, "no soma"),
        ("c.swc", "1 1 0 0 0 1 -1\n2 3 5 0 0 0 1\n", 2, "radius must be > 0"),
        ("c.swc", "1 1 0 0 0 1 -1\n2 3 5 0 0 1 3\n3 3 9 0 0 1 2\n", 2, "cycle"),
        ("c.swc", "1 1 0 0 0 1 -1\n2 3 5 0 0 1 -1\n", 2, "more than one root"),
    ],
)
def test_bad_files_are_named_errors(tmp_path, name, text, line, message):
    path = write(tmp_path, text, name)
    with pytest.raises(MorphologyFileError, match=message) as info:
        load_morphology(path)
    assert info.value.line == line and str(path) in str(info.value)


def test_bad_arguments_and_missing_files(tmp_path):
    with pytest.raises(ParameterError, match="soma"):
        load_morphology(write(tmp_path, ASC_OK, "c.asc"), soma="cylinder")
    with pytest.raises(ParameterError, match="Cm"):
        load_morphology(write(tmp_path, ASC_OK, "c.asc"), Ri=RI)
    with pytest.raises(MorphologyFileError, match="cannot read"):
        load_morphology(tmp_path / "absent.asc")
    with pytest.raises(SWCError, match="cannot read"):
        load_morphology(tmp_path / "absent.swc")
    m = load_morphology(write(tmp_path, ASC_OK, "c.asc"), soma="sphere")
    assert len(m.soma.points) == 1 and m.import_report.points_dropped_in_soma == 1


# -- fuzz -----------------------------------------------------------------------------------------
def _mutate(draw, text: str) -> str:
    kind = draw(st.sampled_from(["truncate", "delete", "insert", "swap", "replace"]))
    i = draw(st.integers(0, len(text)))
    if kind == "truncate":
        return text[:i]
    if kind == "delete":
        return text[:i] + text[i + draw(st.integers(1, 20)) :]
    if kind == "insert":
        return text[:i] + draw(st.text('()0123456789.-e |;\n"abcnNaI', max_size=12)) + text[i:]
    if kind == "swap":
        lines = text.split("\n")
        a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[a], lines[b] = lines[b], lines[a]
        return "\n".join(lines)
    tokens = text.split(" ")
    k = draw(st.integers(0, len(tokens) - 1))
    tokens[k] = draw(st.sampled_from(["0", "-1", "nan", "inf", "1e30", "(", ")", "", "x", "-0"]))
    return " ".join(tokens)


SWC_OK = (
    "1 1 0 0 0 4 -1\n2 1 0 4 0 4 1\n3 1 0 -4 0 4 1\n4 3 5 0 0 1 1\n5 3 15 0 0 1 4\n"
    "6 3 20 5 0 0.5 5\n7 3 20 -5 0 0.5 5\n8 4 0 10 0 2 2\n9 4 0 30 0 1 8\n"
)
FUZZ = {"count": 0}


@st.composite
def _files(draw):
    ext = draw(st.sampled_from([".swc", ".asc"]))
    if draw(st.integers(0, 9)) == 0:
        return ext, draw(st.binary(max_size=300))
    text = SWC_OK if ext == ".swc" else ASC_OK
    for _ in range(draw(st.integers(1, 3))):
        text = _mutate(draw, text)
    return ext, text.encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_files())
def test_fuzzed_files_give_a_morphology_or_a_morphology_file_error(tmp_path_factory, case):
    ext, content = case
    FUZZ["count"] += 1  # 300 files per run (hypothesis's max_examples)
    path = tmp_path_factory.getbasetemp() / f"fuzz{ext}"
    path.write_bytes(content)
    for policy in ("import3d", "sphere"):
        try:
            m = load_morphology(path, soma=policy)
        except MorphologyFileError as e:
            assert str(path) in str(e)
            continue
        assert isinstance(m, Morphology) and m.soma is not None
        assert np.isfinite(m.compartments.area).all() and soma_area(m.soma) > 0


def test_h5_files_load_as_their_asc_or_swc_source(tmp_path):
    import morphio

    asc = shared("hay_cell1.asc")
    morphio.mut.Morphology(str(asc)).write(str(tmp_path / "hay.h5"))
    a, b = load_morphology(asc), load_morphology(tmp_path / "hay.h5")
    assert b.import_report.format == "H5" and [s.name for s in a] == [s.name for s in b]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x.points, y.points)
    # an SWC soma chain saved as H5 by MorphIO is stored as a "contour" of width 0: read as a
    # chain, with the SWC's soma area (1504.344 um^2)
    morphio.mut.Morphology(str(shared("l5pc.swc"))).write(str(tmp_path / "l5pc.h5"))
    c = load_morphology(tmp_path / "l5pc.h5")
    np.testing.assert_allclose(soma_area(c.soma), 1504.344, rtol=1e-5)
    assert any("no width" in w for w in c.import_report.warnings)


# -- lookup by original point ---------------------------------------------------------------------
def position(m, site) -> np.ndarray:
    """x, y, z (um) of a site: its fraction x of the section's traced path."""
    from dendrites.morphology.geometry import arc_length

    pts = m[site.section].points
    arc = arc_length(pts)
    return np.array([np.interp(site.x * arc[-1], arc, pts[:, j]) for j in range(3)])


SMALL = """# soma, a basal chain that branches at 4, an apical from the soma; 2 lies inside the soma
1 1 0 0 0 5 -1
2 3 2 0 0 1 1
3 3 20 0 0 1 2
4 3 30 0 0 1 3
5 3 40 10 0 0.5 4
6 3 40 -10 0 0.5 4
7 4 0 20 0 1 1
8 4 0 35 5 0.8 7
"""


@pytest.mark.parametrize("policy", ["import3d", "sphere"])
def test_site_of_an_swc_id_is_at_that_points_position(tmp_path, policy):
    from dendrites.morphology.sites import site_of_id

    m = from_swc(write(tmp_path, SMALL), soma=policy, Ri=RI, Cm=CM, max_length=3 * um)
    assert m.n_compartments > 20 and sorted(m.point_ids) == list(range(1, 9))
    records = np.loadtxt(write(tmp_path, SMALL), ndmin=2)
    inside = {1} if policy == "import3d" else {1, 2}  # the sphere drops point 2 (inside it)
    for rid, _, x, y, z, _, _ in records:
        s = site_of_id(m, int(rid))
        if rid in inside:
            assert s.section == "soma" and s.compartment == 0
        else:
            np.testing.assert_allclose(position(m, s), [x, y, z], atol=1e-9)  # measured 0
    # the branch point is the node at its section's end, where both children start
    at4 = site_of_id(m, 4)
    assert at4.x == 1 and at4.node == m.site("basal1", 0).node == m.site("basal2", 0).node
    assert site_of_id(m, 8).label == "apical0(1)"  # a tip, NEURON's sec(1)
    assert 0 < site_of_id(m, 3).x < 1 and site_of_id(m, 3).node is None
    # kept by the copies the rules make; read-only
    assert m.with_n({"basal0": 5}).point_ids == m.point_ids
    with pytest.raises(TypeError):
        m.point_ids[99] = ("soma", 0)
    with pytest.raises(PlacementError, match="no point with identifier 99"):
        site_of_id(m, 99)


@pytest.mark.parametrize("policy", ["import3d", "sphere"])
def test_every_id_of_ca1_n120_is_found_at_its_position(policy):
    from dendrites.morphology.sites import site_of_id

    path = shared("ca1_n120.swc")
    m = load_morphology(path, soma=policy, Ri=RI, Cm=CM)
    records = np.loadtxt(path)
    assert len(m.point_ids) == len(records)
    worst, on_soma = 0.0, 0
    for rid, typ, x, y, z, _, _ in records:
        s = site_of_id(m, int(rid))
        if s.section == "soma":
            on_soma += 1
            assert typ == 1 or policy == "sphere"  # a neurite point inside the sphere
            continue
        worst = max(worst, float(np.linalg.norm(position(m, s) - [x, y, z])))
    assert worst < 1e-9  # measured 2.8e-14 um (rounding of the arc lengths)
    assert on_soma == (records[:, 1] == 1).sum() + (policy == "sphere")  # measured 12, 13


def test_points_of_an_asc_file_by_section_and_index():
    import morphio

    from dendrites.morphology.sites import site_of_id

    path = shared("hay_cell1.asc")
    m = load_morphology(path)
    raw = morphio.Morphology(str(path), morphio.Option.nrn_order)
    n = 0
    for sec in raw.iter():
        for k, p in enumerate(sec.points):
            s = site_of_id(m, (sec.id, k))
            np.testing.assert_allclose(position(m, s), p, atol=1e-4)  # float32 file values
            n += 1
    assert len(m.point_ids) == n + len(raw.soma.points)  # every neurite point and soma point
    assert site_of_id(m, ("soma", 0)).section == "soma"
