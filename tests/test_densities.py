"""Densities as functions of position (dendrites.densities): values per compartment against hand
computation, the distance origin against NEURON's distance(), and bad density functions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from brian2 import cm, mV, siemens, um

from dendrites import Cell
from dendrites.densities import Density, exponential, linear, sigmoid, step
from dendrites.errors import ParameterError
from dendrites.morphology import ball_and_stick, y_branch

S = siemens / cm**2


def _cell(n=9, length=700):
    return Cell(ball_and_stick(length=length * um, n=n))


def _g(cell, channel, param):
    """Per-compartment values in S/cm2."""
    return cell.channels[channel].values[param] * 1e-4


def test_hay_ih_gradient_by_hand():
    cell = _cell()
    g0 = 2e-4
    cell.insert(
        "Ih",
        where="dend",
        gIhbar=exponential(-0.8696 * g0 * S, 2.087 * g0 * S, 3.6161, normalised=True),
    )
    t = cell.morphology.compartments
    x = t.distance / 700.0  # the longest path of the region is the dendrite's length
    expected = np.where(t.region == "dend", g0 * (-0.8696 + 2.087 * np.exp(3.6161 * x)), 0.0)
    np.testing.assert_allclose(_g(cell, "Ih", "gIhbar"), expected, rtol=1e-12)
    # Hay's numbers: 2.43e-4 S/cm2 at the soma end, 1.54e-2 at the farthest tip (~60-fold)
    at = exponential(-0.8696 * g0 * S, 2.087 * g0 * S, 3.6161, normalised=True)
    assert float(at(0.0) / S) == pytest.approx(2.4348e-4, rel=1e-4)
    assert float(at(1.0) / S) == pytest.approx(g0 * (-0.8696 + 2.087 * np.exp(3.6161)), rel=1e-12)


def test_calcium_hot_zone_step_is_strict_and_absolute():
    cell = _cell(n=35)  # 20 um compartments
    cell.insert(
        "Ca_LVAst", where="dend", gCa_LVAstbar=step(0.0187 * S, 1.87e-4 * S, 410 * um, 610 * um)
    )
    t = cell.morphology.compartments
    inside = (t.distance > 410) & (t.distance < 610)
    expected = np.where(t.region == "dend", np.where(inside, 0.0187, 1.87e-4), 0.0)
    np.testing.assert_allclose(_g(cell, "Ca_LVAst", "gCa_LVAstbar"), expected, rtol=1e-12)
    assert inside.sum() == 9  # centres at 430..590 um: those at 410 and 610 are not inside


def test_linear_and_sigmoid_by_hand():
    cell = _cell()
    cell.insert("pas", g=linear(1e-4 * S, 1e-7 * S / um), E=-70 * mV)
    d = cell.morphology.compartments.distance
    np.testing.assert_allclose(_g(cell, "pas", "g"), 1e-4 + 1e-7 * d, rtol=1e-12)
    cell.insert("Ih", gIhbar=sigmoid(1e-5 * S, 2e-4 * S, 350 * um, 50 * um))
    np.testing.assert_allclose(
        _g(cell, "Ih", "gIhbar"), 1e-5 + 2e-4 / (1 + np.exp((d - 350) / 50)), rtol=1e-12
    )
    # normalised, over a region given explicitly, and a plain function of the distance
    cell.insert(
        "Im", where="dend", gImbar=linear(0 * S, 1e-4 * S, normalised=True, length=1400 * um)
    )
    np.testing.assert_allclose(_g(cell, "Im", "gImbar")[1:], 1e-4 * d[1:] / 1400, rtol=1e-12)
    cell.insert("SKv3_1", gSKv3_1bar=lambda dist: 1e-4 * S * np.exp(-dist / (100 * um)))
    np.testing.assert_allclose(
        _g(cell, "SKv3_1", "gSKv3_1bar"), 1e-4 * np.exp(-d / 100), rtol=1e-12
    )


def test_hoc_for_x_gives_the_last_compartment_its_section_end_value():
    morph = y_branch()
    cell = Cell(morph)
    cell.insert("pas", g=linear(1e-4 * S, 1e-6 * S / um, hoc_for_x=True))
    t = morph.compartments
    last = np.r_[t.section_index[1:] != t.section_index[:-1], True]
    d = np.where(last & (t.region != "soma"), t.distance_end, t.distance)
    np.testing.assert_allclose(_g(cell, "pas", "g"), 1e-4 + 1e-6 * d, rtol=1e-12)
    assert np.any(last & (t.region != "soma") & (t.distance_end != t.distance))


def test_distance_origin_is_neurons_from_soma_centre():
    """NEURON's distance from soma(0.5) at segment centres equals the table's distance when the
    dendrite is attached at soma(0.5) (Import3d, the Hay cell), and with origin="soma_centre"
    when it is attached at soma(1) of a cylinder as long as the soma is wide."""
    neuron = pytest.importorskip("neuron")
    h = neuron.h
    n, length, soma_d = 7, 350.0, 20.0
    morph = ball_and_stick(soma_diameter=soma_d * um, length=length * um, n=n)
    dend_idx = np.flatnonzero(morph.compartments.region == "dend")
    for attach, origin in ((0.5, "soma_surface"), (1.0, "soma_centre")):
        soma = h.Section(name=f"soma{attach}")
        soma.L = soma.diam = soma_d
        dend = h.Section(name=f"dend{attach}")
        dend.L, dend.diam, dend.nseg = length, 2, n
        dend.connect(soma(attach))
        h.distance(0, soma(0.5))
        nrn = np.array([h.distance(seg) for seg in dend])
        cell = Cell(morph)
        cell.insert("pas", g=linear(0 * S, 1e-6 * S / um, origin=origin))
        ours = _g(cell, "pas", "g")[dend_idx] / 1e-6
        np.testing.assert_allclose(ours, nrn, rtol=1e-12)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (
            linear(1e-4 * S, -1e-6 * S / um),
            r"gIhbar: .* gives -1\.\d+e-05 siemens/cm\*\*2 in region dend at 116\.7 um",
        ),
        (lambda d: np.where(d > 300 * um, np.nan, 1.0) * 1e-4 * S, "must be finite"),
        (lambda d: d / um * 1e-4, "plain numbers"),
        (lambda d: d * 0 + 1 * mV, "units"),
        (lambda d: np.ones_like(d / um) * mV, "returned units of mV, expected siemens/cm"),
        (lambda d: np.ones(3) * S, "shape"),
    ],
)
def test_bad_density_functions_name_the_region_and_distance(value, match):
    cell = _cell()
    with pytest.raises(ParameterError, match=match):
        cell.insert("Ih", where="dend", gIhbar=value)


def test_bad_density_arguments():
    with pytest.raises(ParameterError, match="origin"):
        linear(0 * S, 1 * S / um, origin="soma(0.5)")
    with pytest.raises(ParameterError, match="amplitude"):
        exponential(0 * S, 2.0, 3.6)  # a plain number where a density is needed
    with pytest.raises(ParameterError, match="rate"):
        exponential(0 * S, 1 * S, 3.6 / um, normalised=True)
    with pytest.raises(ParameterError, match="function"):
        Density(3.0)
    cell = Cell(ball_and_stick(n=3))
    with pytest.raises(ParameterError, match="length 0"):
        cell.insert("Ih", where="soma", gIhbar=linear(1 * S, 1 * S, normalised=True))


HAY_CELL1 = Path(__file__).resolve().parents[2] / "shared" / "morphologies" / "hay_cell1.asc"


@pytest.mark.skipif(not HAY_CELL1.exists(), reason="../shared/morphologies/hay_cell1.asc absent")
def test_hay_apical_densities_equal_neurons_distribute_channels():
    """The Ih gradient and the Ca hot zone of biophys3 on hay_cell1.asc with the original's
    compartments (nseg = 1 + 2 int(L/40 um)), against NEURON doing what L5PCtemplate.hoc's
    distribute_channels does: distance origin apic[0](0) (getLongestBranch's side effect), Lmax
    the largest distance(1) of the apical tips, values assigned at every x of ``for (x)``
    (``allseg``), x = 0 and 1 included. Measured: equal to 1e-13 relative; Lmax 1300.53 um."""
    neuron = pytest.importorskip("neuron")
    from dendrites.morphology import load_morphology

    h = neuron.h
    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")
    reader = h.Import3d_Neurolucida3()
    reader.quiet = 1
    reader.input(str(HAY_CELL1))
    h.Import3d_GUI(reader, 0).instantiate(None)
    apic = [s for s in h.allsec() if s.name().startswith("apic")]
    for sec in apic:
        sec.nseg = 1 + 2 * int(sec.L / 40)
    h.distance(0, apic[0](0))
    lmax = max(h.distance(s(1)) for s in apic if len(s.children()) == 0)
    g0 = 2e-4
    expected_ih, expected_ca = [], []
    for sec in apic:
        sec.insert("pas")
        for seg in sec.allseg():  # Ih: exponential of the normalised distance
            sec(seg.x).g_pas = g0 * (-0.8696 + 2.087 * np.exp(3.6161 * h.distance(seg) / lmax))
        expected_ih += [seg.g_pas for seg in sec]
        for seg in sec.allseg():  # Ca_LVAst: the hot zone, strictly inside (685, 885) um
            d = h.distance(seg)
            sec(seg.x).g_pas = 0.0187 if 685 < d < 885 else 1.87e-4
        expected_ca += [seg.g_pas for seg in sec]
    assert lmax == pytest.approx(1300.5, abs=0.1)  # hay2011.md

    morph = load_morphology(HAY_CELL1)
    morph = morph.with_n({s.name: 1 + 2 * int(s.length / 40) for s in morph.sections[1:]})
    apical = morph.compartments.region == "apical"
    assert [s.name for s in morph.sections if s.region == "apical"][:2] == ["apical0", "apical1"]
    cell = Cell(morph)
    ih = exponential(-0.8696 * g0 * S, 2.087 * g0 * S, 3.6161, normalised=True, hoc_for_x=True)
    cell.insert("Ih", where="apical", gIhbar=ih)
    zone = step(0.0187 * S, 1.87e-4 * S, 685 * um, 885 * um, hoc_for_x=True)
    cell.insert("Ca_LVAst", where="apical", gCa_LVAstbar=zone)
    np.testing.assert_allclose(_g(cell, "Ih", "gIhbar")[apical], expected_ih, rtol=1e-9)
    ca = _g(cell, "Ca_LVAst", "gCa_LVAstbar")[apical]
    np.testing.assert_allclose(ca, expected_ca, rtol=1e-12)
    assert np.sum(ca > 1e-3) > 5  # the zone is not empty
