"""Input patterns over branches (dendrites.patterns), as the two-layer study uses them: totals,
capacity, dispersion, labels, spike trains and the choice of branches (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import cm, ohm, uF, um

from dendrites import ParameterError, morphology
from dendrites.patterns import (
    arrangements,
    label,
    make_patterns,
    one_branch,
    participation,
    spike_trains,
    terminal_branches,
    unlabel,
)

B, CAP, TOTAL = 8, 24, (32, 63)


@pytest.fixture(scope="module")
def patterns() -> np.ndarray:
    return make_patterns(300, B, CAP, TOTAL, seed=2003)


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
    pr = participation(patterns)
    assert pr.min() < 2.5  # most synapses on one or two branches
    assert pr.max() > 7.0  # spread almost evenly over all eight
    # and the arrangement is not tied to the total (else a one-layer model could not fail)
    assert abs(np.corrcoef(pr, patterns.sum(axis=1))[0, 1]) < 0.3


def test_patterns_are_reproducible_and_a_shorter_run_is_a_prefix(patterns):
    again = make_patterns(300, B, CAP, TOTAL, seed=2003)
    np.testing.assert_array_equal(again, patterns)
    np.testing.assert_array_equal(make_patterns(48, B, CAP, TOTAL, seed=2003), patterns[:48])
    other = make_patterns(48, B, CAP, TOTAL, seed=1)
    assert not np.array_equal(other, patterns[:48])


def test_impossible_totals_are_refused():
    with pytest.raises(ParameterError, match="impossible"):
        make_patterns(3, 2, 10, (32, 63), seed=0)


def test_participation_counts_effective_branches():
    np.testing.assert_allclose(
        participation([[48, 0, 0, 0], [24, 24, 0, 0], [12, 12, 12, 12], [0, 0, 0, 0]]),
        [1.0, 2.0, 4.0, 0.0],
    )


def test_labels_round_trip(patterns):
    for c in patterns[:20]:
        np.testing.assert_array_equal(unlabel(label(c)), c)
    assert label([12, 0, 7]) == "12-0-7"


def test_arrangements_spread_one_total_from_clustered_to_dispersed():
    ex = arrangements(B, 48, CAP)
    assert [int(e.sum()) for e in ex] == [48, 48, 48]
    assert [int((e > 0).sum()) for e in ex] == [2, 4, 8]
    assert [int(e.max()) for e in ex] == [24, 12, 6]
    # a total that only the dispersed spread can hold twice: duplicates are dropped
    assert len(arrangements(2, 4, 4)) == 2


def test_one_branch_patterns_activate_one_branch_only():
    io = one_branch(B, [0, 7], range(0, 25, 2))
    assert len(io) == 2 * 13
    for b, k, c in io:
        assert c[b] == k and c.sum() == k


# ------------------------------------------------------------------------------- spike trains
def test_spike_trains_activate_exactly_the_counts_at_50_hz():
    counts = np.array([24, 0, 3, 11, 0, 1, 7, 2])
    trains = spike_trains(counts, CAP, seed=0, rate_hz=50.0, duration_ms=300.0)
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
    a = spike_trains(counts, CAP, 0, 50.0, 300.0)
    b = spike_trains(counts, CAP, 0, 50.0, 300.0)
    c = spike_trains(counts, CAP, 1, 50.0, 300.0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    sites = lambda trains: [len(t) > 0 for t in trains]  # noqa: E731
    assert sites(a) != sites(c)  # another seed: other positions within the branches


def test_spike_trains_refuse_counts_beyond_the_sites():
    with pytest.raises(ParameterError, match="counts"):
        spike_trains([25, 0], CAP, 0, 50.0, 300.0)


# ---------------------------------------------------------------------------- branch choice
def test_terminal_branches_spread_over_distance():
    """On the simplified cell the obliques stand in for a reconstruction's terminal branches."""
    morph = morphology.pyramidal(n_oblique=8, oblique_length=150 * um).compartmentalize(
        Ri=150 * ohm * cm, Cm=2 * uF / cm**2, max_length=10 * um
    )
    chosen = terminal_branches(morph, 3, ["oblique"], (0.0, 500.0))
    assert chosen == ["oblique0", "oblique4", "oblique7"]  # nearest, middle, farthest
    assert terminal_branches(morph, 8, ["oblique"], (0.0, 500.0)) == [
        f"oblique{k}" for k in range(8)
    ]
    with pytest.raises(ParameterError, match="terminal branches"):
        terminal_branches(morph, 9, ["oblique"], (0.0, 500.0))
    with pytest.raises(ParameterError, match="terminal branches"):
        terminal_branches(morph, 1, ["oblique"], (0.0, 500.0), min_length_um=200.0)
