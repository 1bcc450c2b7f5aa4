"""Tests of dendrites.morphology: builders, d_lambda rule, compartments, placement, SWC import."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from brian2.units import Hz, cm, mV, ohm, uF, um
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dendrites.errors import ParameterError, PlacementError, SWCError
from dendrites.morphology import (
    REGIONS,
    Morphology,
    Section,
    ball_and_stick,
    binary_tree,
    cable,
    d_lambda_n,
    from_swc,
    pyramidal,
    read_swc,
    y_branch,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "morphologies"
RI, CM = 150 * ohm * cm, 1 * uF / cm**2


def frustum(r1, r2, length):
    return math.pi * (r1 + r2) * math.sqrt(length**2 + (r1 - r2) ** 2)


def check_table(m: Morphology):
    """Invariants every compartment table must satisfy."""
    t = m.compartments
    assert len(t) == m.n_compartments == sum(s.n for s in m)
    assert t.parent[0] == -1 and np.all(t.parent[1:] < np.arange(1, len(t)))
    assert np.all(t.length > 0) and np.all(t.area > 0)
    np.testing.assert_allclose(
        t.distance_end - t.distance_start,
        np.where(t.region == "soma", 0.0, t.length),
        rtol=1e-9,
        atol=1e-9,
    )
    for s in m:
        sl = m.compartment_slice(s.name)
        assert list(t.index_in_section[sl]) == list(range(s.n))
        assert set(t.section[sl]) == {s.name}
        if s.region == "soma":
            assert t.distance[sl][0] == 0
            continue
        d = t.distance[sl]
        assert np.all(np.diff(d) > 0), s.name  # monotone along every section
        np.testing.assert_allclose(t.distance_start[sl][1:], t.distance_end[sl][:-1])
        parent = m[s.parent] if s.parent else None
        if parent is None or parent.region == "soma":
            assert t.distance_start[sl][0] == 0
            np.testing.assert_allclose(d[0], t.length[sl][0] / 2)
        else:
            ps = m.compartment_slice(parent.name)
            assert t.parent[sl][0] == ps.stop - 1
            np.testing.assert_allclose(t.distance_start[sl][0], t.distance_end[ps][-1])
        r = m.resampled_points(s.name)
        assert r.shape == (s.n + 1, 4)
        np.testing.assert_array_equal(r[0], s.points[0])
        np.testing.assert_array_equal(r[-1], s.points[-1])
        arc = np.r_[0, np.cumsum(np.linalg.norm(np.diff(s.points[:, :3], axis=0), axis=1))]
        np.testing.assert_allclose(t.length[sl], arc[-1] / s.n)  # traced length, not chords
        centre_arc = (np.arange(s.n) + 0.5) * arc[-1] / s.n
        np.testing.assert_allclose(t.x[sl], np.interp(centre_arc, arc, s.points[:, 0]))
        # the diameter at the centre, on the traced path (not the mean of the two ends)
        np.testing.assert_allclose(t.diameter[sl], np.interp(centre_arc, arc, s.points[:, 3]))


# -- builders -------------------------------------------------------------------------------------
def test_cable():
    m = cable(1000 * um, 1 * um, n=5)
    assert len(m) == 1 and m.soma is None and m.root.name == "cable" and m.regions == ("dend",)
    t = m.compartments
    np.testing.assert_allclose(t.area.sum(), math.pi * 1 * 1000)
    np.testing.assert_allclose(t.distance, [100, 300, 500, 700, 900])
    np.testing.assert_allclose(t.x, [100, 300, 500, 700, 900])
    assert list(t.parent) == [-1, 0, 1, 2, 3]
    assert cable(10 * um, 1 * um, region="axon").regions == ("axon",)
    check_table(m)


def test_binary_tree_rallpack2():
    m = binary_tree()  # depth 10, root 16 um x 32 um
    assert len(m) == 1023 and len(m.terminals()) == 512 and m.soma is None
    for tip in m.terminals():
        np.testing.assert_allclose([m[tip].length, m[tip].points[0, 3]], [2.0, 0.5])
    for s in m:
        kids = m.children(s.name)
        assert len(kids) in (0, 2)
        if kids:  # Rall's 3/2 rule and constant electrotonic length
            d = s.points[0, 3]
            np.testing.assert_allclose(sum(k.points[0, 3] ** 1.5 for k in kids), d**1.5)
            for k in kids:
                np.testing.assert_allclose(
                    k.length / math.sqrt(k.points[0, 3]), s.length / math.sqrt(d)
                )
    expected = sum(2**level * 16 * 2 ** (-level / 3) for level in range(10))
    np.testing.assert_allclose(sum(s.length for s in m), expected)
    check_table(binary_tree(depth=3, n=3))


def test_ball_and_stick():
    m = ball_and_stick()
    assert [s.name for s in m] == ["soma", "dend"] and m.n_compartments == 2
    t = m.compartments
    np.testing.assert_allclose(t.area, [math.pi * 20**2, math.pi * 2 * 700])
    np.testing.assert_allclose(np.linalg.norm(m["dend"].points[0, :3]), 10)
    check_table(ball_and_stick(n=7))


def test_y_branch_rall_rule():
    m = y_branch()
    assert [s.name for s in m] == ["soma", "trunk", "left", "right"]
    dt, dl, dr = (m[k].points[0, 3] for k in ("trunk", "left", "right"))
    np.testing.assert_allclose(dl**1.5 + dr**1.5, dt**1.5)
    np.testing.assert_allclose(sum(s.length for s in m if s.region != "soma"), 500)
    no_soma = y_branch(soma=False, branch_diameter=1 * um, n=3)
    assert no_soma.soma is None and no_soma.root.name == "trunk"
    assert no_soma["left"].points[0, 3] == 1.0
    check_table(no_soma)


def test_pyramidal():
    m = pyramidal()
    assert len(m) == 30 and m.soma.points[0, 3] == 20
    assert set(m.regions) == {"soma", "axon", "ais", "basal", "apical", "oblique", "tuft"}
    count = {r: sum(s.region == r for s in m) for r in m.regions}
    assert count == dict(soma=1, axon=1, ais=1, basal=12, apical=5, oblique=4, tuft=6)
    assert m["ais"].parent == "soma" and m["axon"].parent == "ais"
    assert {c.name for c in m.children("basal0")} == {"basal0_a", "basal0_b"}
    assert {c.name for c in m.children("tuft1")} == {"tuft1_a", "tuft1_b"}
    trunk = [m[f"trunk{k}"] for k in range(5)]
    np.testing.assert_allclose(sum(s.length for s in trunk), 600)
    np.testing.assert_allclose([trunk[0].points[0, 3], trunk[-1].points[-1, 3]], [3.5, 1.5])
    t = m.compartments
    oblique_at = [t.distance_start[m.compartment_slice(f"oblique{k}")][0] for k in range(4)]
    np.testing.assert_allclose(oblique_at, np.linspace(100, 350, 4))
    total = 40 + 400 + 4 * (50 + 2 * 150) + 600 + 4 * 150 + 2 * (150 + 2 * 200)
    np.testing.assert_allclose(sum(s.length for s in m if s.region != "soma"), total)
    assert "oblique" not in pyramidal(n_oblique=0).regions
    check_table(pyramidal(n=3))
    assert "sections" in str(m) and "tuft" in m.summary()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: cable(300, 1 * um), "length"),
        (lambda: cable(300 * um, -1 * um), "diameter"),
        (lambda: cable(300 * um, 1 * um, region="bsal"), "region"),
        (lambda: cable(300 * um, 1 * um, n=0), "n"),
        (lambda: ball_and_stick(soma_diameter=20 * mV), "soma_diameter"),
        (lambda: pyramidal(tuft_diameter=1), "tuft_diameter"),
        (lambda: pyramidal(oblique_end=700 * um), "oblique_end"),
        (lambda: binary_tree(depth=0), "depth"),
    ],
)
def test_builders_reject_bad_parameters(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == name


def test_section_and_morphology_validation():
    line = np.array([[0, 0, 0, 1], [10, 0, 0, 1]])
    with pytest.raises(ParameterError):
        Section("a", "dend", None, [[0, 0, 0, 1], [0, 0, 0, 1]])  # zero length
    with pytest.raises(ParameterError, match="one compartment"):
        Section("s", "soma", None, line, n=3)  # a soma of several points is one compartment
    with pytest.raises(ParameterError, match="length > 0"):
        Section("s", "soma", None, [[0, 0, 0, 1], [0, 0, 0, 2]])
    with pytest.raises(ParameterError, match="did you mean 'basal'"):
        Section("a", "basl", None, line)
    a, after = Section("a", "dend", None, line), line + np.array([10.0, 0, 0, 0])
    with pytest.raises(ParameterError, match="did you mean 'a'"):
        Morphology([a, Section("b", "dend", "aa", after)])
    with pytest.raises(ParameterError, match="must start"):
        Morphology([a, Section("b", "dend", "a", line)])
    with pytest.raises(ParameterError, match="root"):
        Morphology([a, Section("b", "dend", None, line)])
    m = Morphology([Section("b", "dend", "a", after), a])  # child given first
    assert [s.name for s in m] == ["a", "b"] and m.terminals() == ("b",)
    with pytest.raises(KeyError):
        m["c"]


# -- compartments ---------------------------------------------------------------------------------
def test_d_lambda_n_matches_neuron_by_hand():
    # lambda_f = 1e5 * sqrt(1 / (4 pi 100 * 100 * 1)) = 282.09 um; 1000 / 28.209 = 35.45;
    # int((35.45 + 0.9) / 2) * 2 + 1 = 37
    assert d_lambda_n(1000 * um, 1 * um, 100 * ohm * cm, 1 * uF / cm**2) == 37
    # d = 2 um, Ri = 150: lambda_f = 325.73 um; 700 / 32.573 = 21.49 -> int(11.19) * 2 + 1 = 23
    assert d_lambda_n(700 * um, 2 * um, RI, CM) == 23
    # 10 um: 0.35 + 0.9 = 1.25 -> int(0.63) * 2 + 1 = 1; d_lambda 0.01 -> 35.45 -> 35
    assert d_lambda_n(10 * um, 1 * um, 100 * ohm * cm, CM) == 1
    assert d_lambda_n(100 * um, 1 * um, 100 * ohm * cm, CM, d_lambda=0.01) == 37
    assert d_lambda_n(1000 * um, 1 * um, 100 * ohm * cm, CM, frequency=400 * Hz) == 71
    with pytest.raises(ParameterError) as info:
        d_lambda_n(1000 * um, 1 * um, 100 * ohm, CM)
    assert info.value.parameter == "Ri"


def test_compartmentalize_pyramidal():
    m = pyramidal().compartmentalize(RI, CM)
    assert m.soma.n == 1 and all(s.n % 2 == 1 for s in m)
    # axon 400 um x 1 um: lambda_f = 1e5 sqrt(1 / (4 pi 100 150)) = 230.33 um; 17.37 -> 19
    assert m["axon"].n == 19
    # tapering trunk0 (100 um, 3.5 -> 3.1667 um), NEURON's 3-D form by hand:
    lam = 100 / math.sqrt(3.5 + 3.5 - 200 / 600) * math.sqrt(2) * 1e-5
    lam *= math.sqrt(4 * math.pi * 100 * 150 * 1)
    assert m["trunk0"].n == int((lam / 0.1 + 0.9) / 2) * 2 + 1 == 3
    capped = pyramidal().compartmentalize(RI, CM, max_length=10 * um)
    assert capped["axon"].n == 41 and capped["ais"].n == 5 and capped.soma.n == 1
    assert max(capped.compartments.length[1:]) <= 10 + 1e-9
    check_table(m)


def test_table_of_a_cone_and_a_bent_section():
    cone = Morphology([Section("c", "dend", None, [[0, 0, 0, 4], [100, 0, 0, 2]], n=4)])
    t = cone.compartments
    np.testing.assert_allclose(t.area.sum(), frustum(2, 1, 100))
    np.testing.assert_allclose(t.x, [12.5, 37.5, 62.5, 87.5])
    np.testing.assert_allclose(t.diameter, [3.75, 3.25, 2.75, 2.25])
    bent_pts = [[0, 0, 0, 1], [30, 0, 0, 1], [30, 40, 0, 3]]  # arc length 70 um
    bent = Morphology([Section("b", "dend", None, bent_pts, n=7)])
    r = bent.resampled_points("b")
    np.testing.assert_allclose(r[:, 0], [0, 10, 20, 30, 30, 30, 30, 30])
    np.testing.assert_allclose(r[:, 1], [0, 0, 0, 0, 10, 20, 30, 40])
    np.testing.assert_allclose(r[:, 3], [1, 1, 1, 1, 1.5, 2, 2.5, 3])
    np.testing.assert_allclose(bent.compartments.length, 10)
    four = bent.with_n({"b": 4})  # a compartment across the bend keeps the traced length
    np.testing.assert_allclose(four.compartments.length, 17.5)
    # centres lie on the traced path: 26.25 um along it (before the bend), 43.75 um (after it)
    np.testing.assert_allclose([four.compartments.x[1], four.compartments.y[1]], [26.25, 0])
    np.testing.assert_allclose([four.compartments.x[2], four.compartments.y[2]], [30, 13.75])
    check_table(four)
    folded = Morphology([Section("f", "dend", None, [[0, 0, 0, 1], [10, 0, 0, 1], [0, 0, 0, 1]])])
    np.testing.assert_allclose(folded.compartments.length, [20])  # a fold keeps its membrane
    np.testing.assert_allclose(folded.with_n({"f": 2}).compartments.length, [10, 10])


def test_with_n():
    m = ball_and_stick().with_n({"dend": 9})
    assert m["dend"].n == 9 and m.n_compartments == 10
    with pytest.raises(ParameterError, match="did you mean 'dend'"):
        m.with_n({"dnd": 3})
    with pytest.raises(ParameterError):
        m.with_n({"soma": 3})
    with pytest.raises(ParameterError):
        m.with_n({"dend": 2.5})


# -- placement ------------------------------------------------------------------------------------
def test_locate():
    m = ball_and_stick(n=5)
    assert [m.locate("dend", x) for x in (0, 0.1, 0.2, 0.5, 0.99, 1)] == [1, 1, 2, 3, 5, 5]
    assert m.locate("soma", 0.5) == 0
    with pytest.raises(PlacementError, match="did you mean 'dend'"):
        m.locate("dned", 0.5)
    for bad in (1.5, -0.1, float("nan"), "0.5", True):
        with pytest.raises(PlacementError, match="dend"):
            m.locate("dend", bad)


def test_at_distance():
    m = ball_and_stick(n=5)  # compartments of 140 um
    assert list(m.at_distance(350 * um)) == [3]
    assert list(m.at_distance(140 * um)) == [1, 2]
    assert list(m.at_distance(0 * um)) == [0, 1]
    assert list(m.at_distance(0 * um, region="dend")) == [1]
    assert list(m.at_distance(700 * um)) == [5]
    with pytest.raises(PlacementError, match="700"):
        m.at_distance(701 * um)
    with pytest.raises(PlacementError):
        m.at_distance(350 * um, region="axon")
    with pytest.raises(ParameterError):
        m.at_distance(350)
    with pytest.raises(ParameterError, match="did you mean 'dend'"):
        m.at_distance(350 * um, region="dnd")
    p = pyramidal(n=5)
    hits = p.at_distance(520 * um)
    assert set(p.compartments.section[hits]) == {"trunk4"}
    assert len(p.at_distance(120 * um, region=["basal", "oblique"])) == 8 + 1  # + oblique0


def test_select():
    m = pyramidal(n=3)
    n = m.n_compartments
    assert m.select().sum() == n and m.select("all").sum() == n
    assert m.select("oblique").sum() == 12 and m.select(["ais", "axon"]).sum() == 6
    far = m.select(lambda c: c.distance > 300)
    assert far.sum() == (m.compartments.distance > 300).sum() > 0
    with pytest.raises(ParameterError, match="did you mean 'apical'") as info:
        m.select("apcial")
    assert info.value.parameter == "where"
    with pytest.raises(ParameterError):
        m.select(lambda c: c.distance)  # not a boolean array
    with pytest.raises(ParameterError):
        m.select(3)
    assert not m.select("dend").any()


# -- SWC ------------------------------------------------------------------------------------------
def write(tmp_path, text, name="cell.swc"):
    path = tmp_path / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


GOOD = """# a small cell
1 1 0 0 0 5 -1
2 3 0 -8 0 1 1
3 3 0 -20 0 1 2
4 3 5 -30 0 0.5 3
5 3 -5 -30 0 0.5 3
6 4 0 10 0 1.5 1
7 4 0 60 0 1 6
"""


def test_swc_good_file(tmp_path):
    m = from_swc(write(tmp_path, GOOD), soma="sphere")  # the legacy sphere's geometry
    assert [s.name for s in m] == ["soma", "basal0", "basal1", "basal2", "apical0"]
    assert m["basal1"].parent == m["basal2"].parent == "basal0"
    np.testing.assert_allclose(m.soma.points, [[0, 0, 0, 10]])
    np.testing.assert_allclose(m["basal0"].points[:, :3], [[0, -5, 0], [0, -8, 0], [0, -20, 0]])
    np.testing.assert_allclose(m["apical0"].points[0], [0, 5, 0, 3])
    np.testing.assert_allclose(m["basal1"].points[0], [0, -20, 0, 2])
    assert all(s.n == 1 for s in m)
    check_table(m)
    records = read_swc(write(tmp_path, GOOD))
    assert list(records["id"]) == list(range(1, 8)) and records["line"][0] == 2
    shuffled = "\n".join(reversed(GOOD.strip().split("\n")[1:]))  # children before parents
    again = from_swc(write(tmp_path, shuffled), soma="sphere")
    assert sorted((s.region, s.parent is None, round(s.length, 9)) for s in again) == sorted(
        (s.region, s.parent is None, round(s.length, 9)) for s in m
    )
    d = from_swc(write(tmp_path, GOOD), Ri=RI, Cm=CM, d_lambda=0.001, soma="sphere")
    assert all(s.n % 2 for s in d) and d.n_compartments > m.n_compartments


def test_swc_soma_rules(tmp_path):
    """The legacy "sphere" policy (the default "import3d" is tested in test_reader.py)."""

    def sphere(path):
        return from_swc(path, soma="sphere")

    three = "1 1 1 2 3 4 -1\n2 1 1 -2 3 4 1\n3 1 1 6 3 4 1\n4 3 20 2 3 1 1\n"
    m = sphere(write(tmp_path, three))  # NeuroMorpho 3-point soma: sphere of radius 4
    np.testing.assert_allclose(m.soma.points, [[1, 2, 3, 8]])
    np.testing.assert_allclose(m["basal0"].points[0, :3], [5, 2, 3])
    chain = "1 1 0 0 0 2 -1\n2 1 0 4 0 3 1\n3 1 0 10 0 1 2\n4 4 0 30 0 1 3\n"
    m = sphere(write(tmp_path, chain))
    area = frustum(2, 3, 4) + frustum(3, 1, 6)
    np.testing.assert_allclose(m.soma.points[0], [0, 14 / 3, 0, math.sqrt(area / math.pi)])
    R = m.soma.points[0, 3] / 2
    np.testing.assert_allclose(m["apical0"].length, 30 - 14 / 3 - R)
    inside = "1 1 0 0 0 10 -1\n2 3 3 0 0 1 1\n3 3 6 0 0 1 2\n4 3 20 0 0 1 3\n5 3 30 0 0 1 4\n"
    m = sphere(write(tmp_path, inside))  # points 2 and 3 lie inside the soma: dropped
    np.testing.assert_allclose(m["basal0"].points[:, 0], [10, 20, 30])
    branch_inside = "1 1 0 0 0 10 -1\n2 3 3 0 0 1 1\n3 3 0 20 0 1 2\n4 3 0 -20 0 1 2\n"
    m = sphere(write(tmp_path, branch_inside))  # a section wholly inside: children on soma
    assert [s.parent for s in m][1:] == ["soma", "soma"]
    np.testing.assert_allclose(m["basal0"].points[0, :3], [0, 10, 0])
    zero = "1 1 0 0 0 1 -1\n2 3 5 0 0 1 1\n3 3 5 0 0 1 2\n4 3 9 0 0 1 3\n5 3 5 9 0 1 3\n"
    m = sphere(write(tmp_path, zero))  # 3 coincides with 2: zero-length section dropped
    assert [s.parent for s in m] == [None, "soma", "basal0", "basal0"]


def test_swc_without_soma_and_type_changes(tmp_path):
    m = from_swc(write(tmp_path, "1 3 0 0 0 1 -1\n2 3 10 0 0 1 1\n3 4 20 0 0 1 2\n"))
    assert m.soma is None and [s.name for s in m] == ["basal0", "apical0"]
    np.testing.assert_allclose(m.root.points[0], [0, 0, 0, 2])
    assert m["apical0"].parent == "basal0"
    custom = "1 1 0 0 0 1 -1\n2 7 0 5 0 1 1\n"
    assert from_swc(write(tmp_path, custom), type_map={7: "tuft"}).regions == ("soma", "tuft")
    with pytest.raises(ParameterError):
        from_swc(write(tmp_path, custom), type_map={7: "tfut"})
    with pytest.raises(ParameterError):
        from_swc(write(tmp_path, GOOD), Ri=RI)


BAD_SWC = [
    ("", None, "no SWC records"),
    ("# only a comment\n\n", None, "no SWC records"),
    (b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00garbage", None, "UTF-8"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 1\n", 2, "7 columns"),
    ("1 1 0 0 0 5 -1\n# c\n2 3 0 5 zero 1 1\n", 3, "non-numeric value 'zero'"),
    ("1 1 0 0 0 5 -1\n2.5 3 0 5 0 1 1\n", 2, "id"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 1 1\n2 3 0 9 0 1 1\n", 3, "duplicate id 2"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 1 1\n3 3 0 9 0 1 17\n", 3, "missing parent 17"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 1 1\n3 3 0 9 0 1 -1\n", 3, "more than one root"),
    ("1 1 0 0 0 5 -1\n4 3 0 5 0 1 2\n2 3 0 9 0 1 3\n3 3 0 9 0 1 2\n", 3, "cycle"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 1 2\n", 2, "cycle"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 0 1\n", 2, "radius"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 -1 1\n", 2, "radius"),
    ("1 1 0 0 0 5 -1\n2 3 0 nan 0 1 1\n", 2, "coordinate"),
    ("1 1 0 0 0 5 -1\n2 3 inf 0 0 1 1\n", 2, "coordinate"),
    ("1 1 0 0 0 5 -1\n2 0 0 5 0 1 1\n", 2, "unknown structure type 0"),
    ("1 1 0 0 0 5 -1\n2 3 0 5 0 1 1\n3 7 0 9 0 1 2\n", 3, r"4 \(apical\)"),
    ("1 1 0 0 0 5 -1\n2 3 0 9 0 1 1\n3 1 0 9 0 1 2\n", 3, "soma"),
    ("1 3 0 0 0 5 -1\n2 3 0 9 0 1 1\n3 3 0 -9 0 1 1\n", 1, "root"),
    ("1 3 0 0 0 5 -1\n", 1, "root"),
]


@pytest.mark.parametrize("text, line, message", BAD_SWC)
def test_swc_errors(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(SWCError, match=message) as info:
        from_swc(path)
    assert info.value.line == line
    assert str(info.value).startswith(str(path) + (f":{line}:" if line else ":"))


def test_swc_missing_file(tmp_path):
    with pytest.raises(SWCError, match="cannot read"):
        from_swc(tmp_path / "absent.swc")


_token = st.one_of(
    st.integers(-3, 12).map(str),
    st.floats(-50, 50, allow_nan=False).map(lambda v: f"{v:.3g}"),
    st.sampled_from(["nan", "inf", "x", "1.5", "-1", "0", "1e30", "#", "\t"]),
)
_garbage = st.lists(st.lists(_token, min_size=5, max_size=8).map(" ".join), max_size=6)


@st.composite
def _tree_swc(draw):
    """Mostly valid SWC trees (somata, chains, branches, type changes), sometimes corrupted."""
    records = draw(
        st.lists(
            st.tuples(
                st.sampled_from([1, 1, 2, 3, 3, 4]),
                st.lists(st.integers(-6, 6), min_size=3, max_size=3),
                st.sampled_from([0.5, 1, 3, 6]),
                st.integers(1, 3),
            ),
            min_size=1,
            max_size=14,
        )
    )
    lines = [
        f"{i + 1} {t} {x} {y} {z} {r} {max(i + 1 - back, 1) if i else -1}"
        for i, (t, (x, y, z), r, back) in enumerate(records)
    ]
    if draw(st.booleans()):
        lines.reverse()
    if draw(st.integers(0, 3)) == 0:
        row, col = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, 6))
        tokens = lines[row].split()
        tokens[col] = draw(_token)
        lines[row] = " ".join(tokens)
    return "\n".join(lines + draw(_garbage if draw(st.integers(0, 5)) == 0 else st.just([])))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.one_of(st.binary(max_size=200), _tree_swc()))
def test_swc_fuzz_raises_only_swcerror(tmp_path_factory, content):
    path = tmp_path_factory.getbasetemp() / "fuzz.swc"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    try:
        m = from_swc(path)
    except SWCError:
        return
    assert isinstance(m, Morphology)
    check_table(m)


# -- real reconstructions -------------------------------------------------------------------------
def expected_neurite_length(data: np.ndarray) -> tuple[float, float]:
    """Total neurite length implied by the documented rules, computed independently."""
    ids = {int(i): k for k, i in enumerate(data[:, 0])}
    xyz, r, types = data[:, 2:5], data[:, 5], data[:, 1].astype(int)
    parent = np.array([ids.get(int(p), -1) for p in data[:, 6]])
    assert np.all(parent < np.arange(len(data)))  # these files list parents first
    soma = np.flatnonzero(types == 1)
    centre = xyz[soma].mean(axis=0)
    area = sum(
        frustum(r[k], r[parent[k]], np.linalg.norm(xyz[k] - xyz[parent[k]]))
        for k in soma
        if parent[k] >= 0
    )
    R = math.sqrt(area / math.pi) / 2 if area > 0 else r[soma].max()
    dropped = np.zeros(len(data), bool)
    total = 0.0
    for k in np.flatnonzero(types != 1):
        p = parent[k]
        if types[p] == 1 or dropped[p]:
            out = np.linalg.norm(xyz[k] - centre)
            dropped[k] = out <= R
            total += 0.0 if dropped[k] else out - R
        else:
            total += np.linalg.norm(xyz[k] - xyz[p])
    return total, 2 * R


@pytest.mark.parametrize("name", ["ca1_n120.swc", "l5pc.swc", "allen_485574832.swc"])
def test_real_reconstructions(name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    m = from_swc(path, Ri=RI, Cm=CM, soma="sphere")  # the rules expected_neurite_length follows
    table = m.compartments
    data = np.loadtxt(path)
    assert len(m) > 10 and len(m) <= m.n_compartments < len(data) / 2
    assert all(s.n % 2 == 1 for s in m)
    swc_regions = {1: "soma", 2: "axon", 3: "basal", 4: "apical"}
    assert set(m.regions) == {swc_regions[t] for t in np.unique(data[:, 1]).astype(int)}
    length, soma_diameter = expected_neurite_length(data)
    np.testing.assert_allclose(m.soma.points[0, 3], soma_diameter, rtol=1e-12)
    got = sum(s.length for s in m if s.region != "soma")
    assert abs(got - length) <= 1e-9 * length
    assert len(table) == m.n_compartments
    check_table(m)
    print(f"{name}: {len(data)} points, {len(m)} sections, {m.n_compartments} compartments")
    assert set(REGIONS) >= set(m.regions)
