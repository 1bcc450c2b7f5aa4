"""The two-layer study's input patterns, spike trains, cell and analysis helpers, without running
a simulation (the study itself runs in quick mode in tests/test_studies.py)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from dendrites import paths
from dendrites.ann import fit_two_layer
from dendrites.studies import load_study

study = load_study("pyramidal_two_layer", paths.studies_dir())

B, CAP, TOTAL = 8, 24, (32, 63)


@pytest.fixture(scope="module")
def patterns() -> np.ndarray:
    return study.make_patterns(300, B, CAP, TOTAL, seed=2003)


# ---------------------------------------------------------------------------------- patterns
def test_patterns_have_the_papers_totals_and_respect_the_branch_capacity(patterns):
    assert patterns.shape == (300, B)
    assert patterns.dtype.kind == "i"
    total = patterns.sum(axis=1)
    assert total.min() >= TOTAL[0] and total.max() <= TOTAL[1]
    assert patterns.min() >= 0 and patterns.max() <= CAP
    # every total in the range occurs (uniform draw over 32 values, 300 patterns)
    assert len(np.unique(total)) >= 28


def test_patterns_range_from_clustered_to_dispersed(patterns):
    active = (patterns > 0).sum(axis=1)
    # never fewer branches than the capacity allows, up to all of them
    assert np.all(active >= np.ceil(patterns.sum(axis=1) / CAP))
    assert active.max() == B
    pr = study.participation(patterns)
    assert pr.min() < 2.5  # most synapses on one or two branches
    assert pr.max() > 7.0  # spread almost evenly over all eight
    # and the arrangement is not tied to the total (else a one-layer model could not fail)
    assert abs(np.corrcoef(pr, patterns.sum(axis=1))[0, 1]) < 0.3


def test_patterns_are_reproducible_and_quick_mode_is_a_prefix(patterns):
    again = study.make_patterns(300, B, CAP, TOTAL, seed=2003)
    np.testing.assert_array_equal(again, patterns)
    np.testing.assert_array_equal(study.make_patterns(48, B, CAP, TOTAL, seed=2003), patterns[:48])
    other = study.make_patterns(48, B, CAP, TOTAL, seed=1)
    assert not np.array_equal(other, patterns[:48])


def test_impossible_totals_are_refused():
    with pytest.raises(ValueError, match="impossible"):
        study.make_patterns(3, 2, 10, (32, 63), seed=0)


def test_participation_counts_effective_branches():
    np.testing.assert_allclose(
        study.participation([[48, 0, 0, 0], [24, 24, 0, 0], [12, 12, 12, 12], [0, 0, 0, 0]]),
        [1.0, 2.0, 4.0, 0.0],
    )


def test_labels_round_trip(patterns):
    for c in patterns[:20]:
        np.testing.assert_array_equal(study.unlabel(study.label(c)), c)
    assert study.label([12, 0, 7]) == "12-0-7"


def test_example_and_io_patterns():
    params = study.parameters(quick=False)
    ex = [study.unlabel(e) for e in study._examples(params)]
    assert [int(e.sum()) for e in ex] == [params["example_total"]] * 3
    assert [int((e > 0).sum()) for e in ex] == [2, 4, 8]  # clustered to dispersed
    io = study._io_patterns(params)
    assert len(io) == len(params["io_branches"]) * len(params["io_counts"])
    for b, k, lab in io:
        c = study.unlabel(lab)
        assert c[b] == k and c.sum() == k


# ------------------------------------------------------------------------------- spike trains
def test_spike_trains_activate_exactly_the_counts_at_50_hz():
    counts = np.array([24, 0, 3, 11, 0, 1, 7, 2])
    trains = study.spike_trains(counts, CAP, seed=0, rate_hz=50.0, duration_ms=300.0)
    assert len(trains) == B * CAP
    firing = np.array([len(t) > 0 for t in trains]).reshape(B, CAP)
    np.testing.assert_array_equal(firing.sum(axis=1), counts)
    for t in trains:
        if len(t):
            assert 0 <= t[0] < 20.0 and t[-1] < 300.0
            np.testing.assert_allclose(np.diff(t), 20.0)  # regular, 50 Hz
            assert len(t) == 15


def test_spike_trains_depend_on_the_seed_and_only_on_it():
    counts = np.array([6, 6, 6, 6, 6, 6, 6, 6])
    a = study.spike_trains(counts, CAP, 0, 50.0, 300.0)
    b = study.spike_trains(counts, CAP, 0, 50.0, 300.0)
    c = study.spike_trains(counts, CAP, 1, 50.0, 300.0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    sites = lambda trains: [len(t) > 0 for t in trains]  # noqa: E731
    assert sites(a) != sites(c)  # another seed: other positions within the branches


def test_spike_trains_refuse_counts_beyond_the_sites():
    with pytest.raises(ValueError, match="counts"):
        study.spike_trains([25, 0], CAP, 0, 50.0, 300.0)


def test_spike_times_are_upward_crossings():
    t = np.arange(10.0)
    v = np.array([-70, -10, 20, -30, -70, 0, -50, -20, -19, -60.0])
    np.testing.assert_array_equal(study.spike_times(v, t, -20.0), [1.0, 5.0, 7.0])


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


def test_swc_branch_choice_spreads_over_distance(run_params):
    """The SWC branch picker on the simplified cell (obliques stand in for SWC terminals)."""
    morph, _ = study._morphology(run_params)
    params = dict(run_params, n_branches=3, swc="x.swc", swc_regions=["oblique"])
    chosen = study._swc_branches(morph, params)
    assert chosen == ["oblique0", "oblique4", "oblique7"]  # nearest, middle, farthest
    with pytest.raises(ValueError, match="terminal branches"):
        study._swc_branches(morph, dict(params, n_branches=9))


# ----------------------------------------------------------------------------------- analysis
def test_steepest_tells_a_sigmoid_from_a_saturating_curve():
    x = np.linspace(0, 24, 49)
    assert study.steepest(x, 1 / (1 + np.exp(-(x - 8)))) == pytest.approx(8.0, abs=0.5)
    assert study.steepest(x, 1 - np.exp(-x / 5)) == pytest.approx(0.25)


def test_median_split_picks_the_median_score():
    models = [SimpleNamespace(r2_test=v) for v in (0.1, -50.0, 0.9, 0.5, 0.3)]
    assert study.median_split(models).r2_test == 0.3


def test_subunit_of_counts_is_normalised():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 25, size=(120, 3)).astype(float)
    y = (1 / (1 + np.exp(-(X - 8) / 2))).sum(axis=1) * 20
    model = fit_two_layer(X, np.arange(3), y, seed=0, per_branch_amplitude=False)
    grid = np.linspace(0, 24, 49)
    s = study.subunit_of_counts(model, 1, grid)
    assert s[0] == pytest.approx(0.0) and s[-1] == pytest.approx(1.0)
    assert study.steepest(grid, s) == pytest.approx(8.0, abs=2.0)  # the sigmoid is recovered


def test_seed_reliability():
    r = np.array([[0.0, 0.0], [10, 10], [20, 20.0]])
    ds = SimpleNamespace(rate=SimpleNamespace(values=r))
    assert study.seed_reliability(ds) == pytest.approx(1.0)


def test_parameters_are_plain_json_and_quick_is_smaller():
    import json

    quick, full = study.parameters(True), study.parameters(False)
    assert json.loads(json.dumps(full)) == full
    assert quick["n_patterns"] < full["n_patterns"]
    assert full["n_patterns"] >= 100 and len(full["seeds"]) >= 2
    assert full["targets"]["r2_two"] == 0.9 and full["targets"]["r2_gap"] == 0.2
    assert full["swc"] is None  # the default needs no file outside the repository
    assert math.isclose(full["w_nmda_nS"], quick["w_nmda_nS"])
