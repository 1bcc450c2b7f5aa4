"""The two-layer study's cell, claims and analysis helpers, without running a simulation (the
study itself runs in quick mode in tests/test_studies.py; its input patterns are tested in
tests/test_patterns.py)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from dendrites import paths
from dendrites.ann import fit_two_layer
from dendrites.studies import load_study
from dendrites.twolayer import median_split, seed_reliability, steepest, subunit_of_counts

study = load_study("pyramidal_two_layer", paths.studies_dir())

B, CAP = 8, 24


# ----------------------------------------------------------------------------------- the cell
@pytest.fixture(scope="module")
def run_params() -> dict:
    import json

    params = study.parameters(quick=True)
    return json.loads(json.dumps(params))


def test_every_pattern_has_the_same_structure(run_params):
    a = study.pattern_cell(run_params, "cell", "24-24-0-0-0-0-0-0", 0)
    b = study.pattern_cell(run_params, "cell", "6-6-6-6-6-6-6-6", 1)
    ga, gb = a.synapses["syn"], b.synapses["syn"]
    assert len(ga.compartments) == B * CAP
    np.testing.assert_array_equal(ga.compartments, gb.compartments)  # same sites
    for rec in ("ampa", "nmda"):
        np.testing.assert_array_equal(ga.receptors[rec][1], gb.receptors[rec][1])  # same weights
    assert sum(len(s) > 0 for s in ga.spikes) == 48 == sum(len(s) > 0 for s in gb.spikes)
    assert ga.receptors["nmda"][0].block == "1/(1 + 0.33*Mg/mM*exp(-0.06*v/mV))"  # Poirazi
    # every site on the distal 60 % of one of the 8 obliques
    table = a.morphology.compartments
    assert set(table.section[ga.compartments]) == {f"oblique{k}" for k in range(B)}


def test_point_neuron_control_has_every_synapse_on_its_one_compartment(run_params):
    p = study.pattern_cell(run_params, "point", "24-24-0-0-0-0-0-0", 0)
    assert p.n_compartments == 1
    assert np.all(p.synapses["syn"].compartments == 0)
    assert "rs" in p.channels  # it keeps the somatic spike channels


def test_an_swc_cell_takes_its_branches_from_the_reconstruction(run_params, monkeypatch):
    """With ``swc`` set, the study picks terminal branches by ``swc_regions`` and distance (the
    simplified cell stands in for a reconstruction; the picker is tested in test_patterns.py)."""
    morph, _ = study._morphology(run_params)
    monkeypatch.setattr(study.morphology, "load_morphology", lambda path, **kw: morph)
    params = dict(run_params, n_branches=3, swc="x.swc", swc_regions=["oblique"])
    _, chosen = study._morphology(params)
    assert chosen == ["oblique0", "oblique4", "oblique7"]


# ----------------------------------------------------------------------------------- analysis
def test_steepest_tells_a_sigmoid_from_a_saturating_curve():
    x = np.linspace(0, 24, 49)
    assert steepest(x, 1 / (1 + np.exp(-(x - 8)))) == pytest.approx(8.0, abs=0.5)
    assert steepest(x, 1 - np.exp(-x / 5)) == pytest.approx(0.25)


def test_median_split_picks_the_median_score():
    models = [SimpleNamespace(r2_test=v) for v in (0.1, -50.0, 0.9, 0.5, 0.3)]
    assert median_split(models).r2_test == 0.3


def test_subunit_of_counts_is_normalised():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 25, size=(120, 3)).astype(float)
    y = (1 / (1 + np.exp(-(X - 8) / 2))).sum(axis=1) * 20
    model = fit_two_layer(X, np.arange(3), y, seed=0, per_branch_amplitude=False)
    grid = np.linspace(0, 24, 49)
    s = subunit_of_counts(model, 1, grid)
    assert s[0] == pytest.approx(0.0) and s[-1] == pytest.approx(1.0)
    assert steepest(grid, s) == pytest.approx(8.0, abs=2.0)  # the sigmoid is recovered


def test_seed_reliability():
    r = np.array([[0.0, 0.0], [10, 10], [20, 20.0]])
    assert seed_reliability(r) == pytest.approx(1.0)
    assert seed_reliability(np.array([[0.0, 10.0], [10, 0], [20, 20.0]])) == pytest.approx(0.0)
    assert math.isnan(seed_reliability(r[:, :1]))


def test_parameters_are_plain_json_and_quick_is_smaller():
    import json

    quick, full = study.parameters(True), study.parameters(False)
    assert json.loads(json.dumps(full)) == full
    assert quick["n_patterns"] < full["n_patterns"]
    assert full["n_patterns"] >= 100 and len(full["seeds"]) >= 2
    assert full["targets"]["r2_two"] == 0.9 and full["targets"]["r2_gap"] == 0.2
    assert full["swc"] is None  # the default needs no file outside the repository
    assert math.isclose(full["w_nmda_nS"], quick["w_nmda_nS"])


def test_scores_are_medians_of_an_odd_number_of_splits_and_the_best_one_layer_is_picked():
    from dendrites import ParameterError
    from dendrites.twolayer import best_one_layer, median_scores

    fits = {"a": [SimpleNamespace(r2_test=v) for v in (0.2, -330.0, 0.8)]}
    assert median_scores(fits) == {"a": 0.2}  # the wild split does not drag the score down
    with pytest.raises(ParameterError, match="odd"):
        median_split([SimpleNamespace(r2_test=v) for v in (0.1, 0.2)])
    assert best_one_layer({"one_linear": 0.07, "one_logistic": -0.33, "two": 0.95}) == (
        "one_linear",
        0.07,
    )
