"""Input patterns over a neuron's branches: how many synapses are active on each branch.

A pattern is a vector of counts, one per branch (Poirazi, Brannon & Mel 2003: from all synapses
on a few branches, clustered, to a few on every branch, dispersed). This module draws such
patterns, measures how dispersed they are, names them for sweep grids and turns them into
presynaptic spike trains. Pure NumPy: no Brian2 objects.

==========================  ====================================================================
:func:`make_patterns`       random patterns with a total in a range, from clustered to dispersed
:func:`participation`       effective number of active branches of each pattern
:func:`label`, `unlabel`    a pattern as a string (a sweep grid value) and back
:func:`spike_trains`        regular presynaptic trains of the active sites of one pattern
:func:`arrangements`        one total spread evenly over few, half or all branches
:func:`one_branch`          k synapses on one branch alone (its input-output curve)
:func:`terminal_branches`   branches of a reconstruction to put the synapses on
==========================  ====================================================================
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError

__all__ = [
    "arrangements",
    "label",
    "make_patterns",
    "one_branch",
    "participation",
    "spike_trains",
    "terminal_branches",
    "unlabel",
]


def make_patterns(n: int, n_branches: int, capacity: int, total_range, seed: int) -> np.ndarray:
    """Random input patterns: the number of active synapses on each branch.

    Each pattern draws a total ``N`` uniformly from `total_range` (inclusive), a number of
    branches ``m`` uniformly from ``ceil(N / capacity)`` to `n_branches`, which ``m`` branches,
    and their shares from a Dirichlet distribution whose concentration (0.5, 2 or 20) is drawn
    too: from very uneven (most synapses on one or two branches) to even. The ``N`` synapses are
    then dealt one by one by these shares, never more than `capacity` on a branch. Patterns are
    drawn one after another from one generator, so the first ``k`` of ``n`` patterns are the
    ``k`` patterns drawn with the same seed (a quick run can use a prefix of a full run's).

    Parameters
    ----------
    n : int
        Number of patterns.
    n_branches : int
        Branches that can receive synapses.
    capacity : int
        Synapse sites per branch (the most that can be active on one).
    total_range : pair of int
        Smallest and largest total number of active synapses (inclusive).
    seed : int
        Seed of the random generator.

    Returns
    -------
    ndarray of int, shape (n, n_branches)

    Raises
    ------
    ParameterError
        A total range that cannot be dealt onto `n_branches` x `capacity` sites.

    Examples
    --------
    >>> make_patterns(2, 4, 10, (12, 20), seed=0).tolist()
    [[9, 4, 0, 6], [0, 9, 10, 1]]
    """
    lo, hi = (int(v) for v in total_range)
    if not 0 < lo <= hi <= n_branches * capacity:
        raise ParameterError(
            "total_range", f"{total_range} impossible with {n_branches}x{capacity} sites"
        )
    rng = np.random.default_rng(seed)
    out = np.zeros((n, n_branches), dtype=int)
    for row in out:
        total = int(rng.integers(lo, hi + 1))
        m = int(rng.integers(math.ceil(total / capacity), n_branches + 1))
        chosen = rng.choice(n_branches, m, replace=False)
        share = rng.dirichlet(np.full(m, rng.choice([0.5, 2.0, 20.0])))
        for _ in range(total):
            p = share * (row[chosen] < capacity)
            row[chosen[rng.choice(m, p=p / p.sum())]] += 1
    return out


def participation(counts) -> np.ndarray:
    """Effective number of active branches of each pattern, ``N^2 / sum_b n_b^2``.

    1 when all synapses are on one branch, the number of branches when they are spread evenly;
    0 for an empty pattern.

    Examples
    --------
    >>> participation([[48, 0, 0, 0], [12, 12, 12, 12]]).tolist()
    [1.0, 4.0]
    """
    c = np.atleast_2d(np.asarray(counts, dtype=float))
    sq = (c**2).sum(axis=1)
    return np.divide(c.sum(axis=1) ** 2, sq, out=np.zeros(len(c)), where=sq > 0)


def label(counts) -> str:
    """A pattern as a grid value: ``"12-0-7"``.

    Examples
    --------
    >>> label([12, 0, 7])
    '12-0-7'
    """
    return "-".join(str(int(c)) for c in counts)


def unlabel(text: str) -> np.ndarray:
    """The counts of a pattern label (the inverse of :func:`label`)."""
    return np.array([int(c) for c in text.split("-")], dtype=int)


def spike_trains(
    counts, capacity: int, seed: int, rate_hz: float, duration_ms: float
) -> list[np.ndarray]:
    """Presynaptic spike times (ms) of every site, branch after branch (`capacity` per branch).

    On branch b, ``counts[b]`` of its sites, drawn at random, fire regularly at `rate_hz` from a
    random phase until `duration_ms`; the others stay silent. The generator is seeded by `seed`
    and the pattern itself, so a pattern and seed always give the same trains.

    Parameters
    ----------
    counts : sequence of int
        Active sites per branch, each in ``0..capacity``.
    capacity : int
        Sites per branch.
    seed : int
        Seed (with the pattern) of the choice of active sites and of the phases.
    rate_hz : float
        Firing rate of an active site (Hz).
    duration_ms : float
        Trains end before this time (ms).

    Returns
    -------
    list of ndarray
        ``len(counts) * capacity`` arrays of spike times in ms (empty for a silent site).

    Raises
    ------
    ParameterError
        A count below 0 or above `capacity`.
    """
    counts = np.asarray(counts, dtype=int)
    if np.any(counts < 0) or np.any(counts > capacity):
        raise ParameterError("counts", f"must lie in 0..{capacity}, got {counts.tolist()}")
    rng = np.random.default_rng([int(seed), *counts.tolist()])
    period = 1000.0 / rate_hz
    trains = []
    for k in counts:
        active = set(rng.choice(capacity, int(k), replace=False).tolist())
        for site in range(capacity):
            if site in active:
                trains.append(np.arange(rng.uniform(0.0, period), duration_ms, period))
            else:
                trains.append(np.zeros(0))
    return trains


def arrangements(n_branches: int, total: int, capacity: int) -> list[np.ndarray]:
    """One total spread evenly over the fewest branches that can hold it, over half the branches
    and over all of them: clustered, intermediate and dispersed (duplicates dropped).

    Examples
    --------
    >>> [c.tolist() for c in arrangements(4, 8, 4)]
    [[4, 4, 0, 0], [2, 2, 2, 2]]
    """
    out: dict[str, np.ndarray] = {}
    for m in (math.ceil(total / capacity), n_branches // 2, n_branches):
        c = np.zeros(n_branches, dtype=int)
        for i in range(total):
            c[i % m] += 1
        out.setdefault(label(c), c)
    return list(out.values())


def one_branch(n_branches: int, branches, counts) -> list[tuple[int, int, np.ndarray]]:
    """``(branch, k, pattern)`` for every branch in `branches` and k in `counts`: k active
    synapses on that branch, none elsewhere (the branch's own input-output curve).

    Examples
    --------
    >>> [(b, k, c.tolist()) for b, k, c in one_branch(3, [1], [0, 5])]
    [(1, 0, [0, 0, 0]), (1, 5, [0, 5, 0])]
    """
    out = []
    for b in branches:
        for k in counts:
            c = np.zeros(n_branches, dtype=int)
            c[b] = k
            out.append((int(b), int(k), c))
    return out


def terminal_branches(
    morph, n: int, regions, distance_um, min_length_um: float = 60.0
) -> list[str]:
    """`n` terminal sections of a morphology to put synapses on, spread in path distance.

    Candidates: terminal sections of `regions`, at least `min_length_um` long, that start within
    `distance_um` (lowest, highest) of the soma (e.g. obliques rather than the tuft); the `n`
    chosen are evenly spaced in the candidates' order of path distance.

    Parameters
    ----------
    morph : dendrites.morphology.Morphology
        A compartmentalised morphology.
    n : int
        Number of branches wanted.
    regions : sequence of str
    distance_um : pair of float
        Path distances (um) between which a candidate must start.
    min_length_um : float
        Shortest candidate (um).

    Returns
    -------
    list of str
        Section names, nearest first.

    Raises
    ------
    ParameterError
        Fewer than `n` candidates.
    """
    table = morph.compartments
    lo, hi = distance_um
    start = {
        s: float(table.distance_start[morph.compartment_slice(s)][0]) for s in morph.terminals()
    }
    tips = [
        s
        for s in morph.terminals()
        if morph[s].region in regions and morph[s].length >= min_length_um and lo <= start[s] <= hi
    ]
    if len(tips) < n:
        raise ParameterError(
            "n",
            f"only {len(tips)} terminal branches >= {min_length_um:g} um long in "
            f"{list(regions)} start at {lo:g}-{hi:g} um, {n} wanted",
        )
    tips.sort(key=start.get)
    return [tips[round(i)] for i in np.linspace(0, len(tips) - 1, n)]
