"""Two integration zones: the measures of coincidence detection between a pyramidal cell's
perisomatic zone and its apical Ca-spike zone (Larkum, Zhu & Sakmann 1999; Larkum, Kaiser &
Sakmann 1999; Shai et al. 2015), on recorded traces and firing rates.

==============================  ==================================================================
:func:`coincidence_window`      the delays between two inputs at which together they give at
                                least `extra` more spikes than either alone (BAC firing)
:func:`critical_frequency`      the lowest frequency of a pulse train that evokes a dendritic
                                Ca spike
:func:`depolarisation_integral` a trace's depolarisation above its value before a stimulus,
                                integrated over time (a Ca spike's size)
:func:`fit_zone_models`         one-layer (weighted sum, then a sigmoid) against two-layer (a
                                sigmoid per zone, combined) models of a rate, held out
:func:`total_only_r2`           how much of a rate the total input alone explains
:func:`point_control`           the matched isopotential cell: the soma's channels carrying the
                                whole cell's passive membrane, every input on it
==============================  ==================================================================

Pure functions of plain arrays (times in ms, potentials in mV, rates in Hz), like
:func:`dendrites.models.bac_features`, and of cells; no Brian2 objects.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError

__all__ = [
    "coincidence_window",
    "critical_frequency",
    "depolarisation_integral",
    "fit_zone_models",
    "point_control",
    "total_only_r2",
]


def coincidence_window(delays, n_spikes, n_alone: int, *, at: float = 5.0, extra: int = 2) -> dict:
    """The contiguous run of delays around `at` where two inputs together beat either alone.

    Parameters
    ----------
    delays : array_like
        Delays of the second input after the first (ms), increasing.
    n_spikes : array_like
        Spikes with both inputs at each delay.
    n_alone : int
        The larger of the two single-input spike counts.
    at : float
        The delay the run must contain (ms; the BAC protocol's +5 ms).
    extra : int
        Extra spikes that count as coincidence (Larkum et al.'s burst: 2).

    Returns
    -------
    dict
        ``extra`` (spikes minus `n_alone` per delay), ``lo`` and ``hi`` (the run's first and last
        delay, NaN without a run), ``step`` (the median delay step), ``width`` (``hi - lo`` plus
        one step: each sampled delay stands for one step; 0 without a run) and ``at_edge``
        (whether the run reaches the first or last swept delay: then the width is a lower bound).

    Examples
    --------
    >>> w = coincidence_window([-5, 0, 5, 10, 15], [1, 3, 3, 3, 1], 1)
    >>> w["lo"], w["hi"], w["width"]
    (0.0, 10.0, 15.0)
    """
    d = np.asarray(delays, dtype=float)
    more = np.asarray(n_spikes, dtype=float) - n_alone
    if d.shape != more.shape or d.ndim != 1:
        raise ParameterError("n_spikes", f"one count per delay, got {more.shape} for {d.shape}")
    inside = more >= extra
    step = float(np.median(np.diff(d))) if len(d) > 1 else 0.0
    out = {"extra": more, "lo": np.nan, "hi": np.nan, "step": step, "width": 0.0}
    out["at_edge"] = False
    k = int(np.argmin(np.abs(d - at)))
    if inside[k]:
        a = b = k
        while a > 0 and inside[a - 1]:
            a -= 1
        while b < len(d) - 1 and inside[b + 1]:
            b += 1
        out.update(lo=float(d[a]), hi=float(d[b]), width=float(d[b] - d[a] + step))
        out["at_edge"] = bool(a == 0 or b == len(d) - 1)
    return out


def critical_frequency(frequencies, ca_spike) -> dict:
    """The lowest frequency at which a train evokes a Ca spike.

    Parameters
    ----------
    frequencies : array_like
        Increasing train frequencies (Hz).
    ca_spike : array_like of bool
        Whether each train evoked a Ca spike.

    Returns
    -------
    dict
        ``critical`` (Hz; NaN if no train did), ``below`` (the highest frequency tested below it;
        NaN if none), ``all_above`` (every higher frequency evokes one too: all-or-none).

    Examples
    --------
    >>> critical_frequency([60, 100, 150, 200], [False, False, True, True])["critical"]
    150.0
    """
    f = np.asarray(frequencies, dtype=float)
    spike = np.asarray(ca_spike, dtype=bool)
    if f.shape != spike.shape:
        raise ParameterError("ca_spike", f"one value per frequency, got {spike.shape}")
    if not spike.any():
        return {"critical": np.nan, "below": np.nan, "all_above": False}
    k = int(np.argmax(spike))
    below = float(f[k - 1]) if k > 0 else np.nan
    return {"critical": float(f[k]), "below": below, "all_above": bool(spike[k:].all())}


def depolarisation_integral(time, trace, start: float) -> float:
    """The depolarisation of `trace` above its last value before `start`, integrated from
    `start` to the end (mV ms; hyperpolarisation counts negative)."""
    t, v = np.asarray(time, dtype=float), np.asarray(trace, dtype=float)
    before = v[t < start]
    if not before.size:
        raise ParameterError("start", f"no sample before {start} ms")
    keep = t >= start
    return float(np.sum(v[keep] - before[-1]) * np.median(np.diff(t)))


def fit_zone_models(X, y, n_splits: int = 5, test_size: float = 0.25) -> dict:
    """One-layer and two-layer models of a rate over zone inputs, scored held out.

    The one-layer (point-neuron) model is the better, by score, of a weighted sum of the inputs
    (linear) and the same sum through a logistic (:func:`dendrites.ann.fit_one_layer`); the
    two-layer model gives each input (zone) its own sigmoidal subunit with its own threshold and
    amplitude, summed and passed through an output logistic
    (:func:`dendrites.ann.fit_two_layer` with ``shared_subunit=False``). Each is fitted on
    `n_splits` random splits (seeds 0 .. n_splits - 1); its score is the median held-out R^2
    (:func:`dendrites.twolayer.median_split`).

    Parameters
    ----------
    X : array_like, shape (n_points, n_zones)
        Active synapses per zone.
    y : array_like, shape (n_points,)
        Rates (Hz).
    n_splits : int
        Random splits (odd).
    test_size : float
        Held-out fraction.

    Returns
    -------
    dict
        ``one`` and ``two`` (the fits of the median split), ``r2_one`` and ``r2_two``.
    """
    from .ann import fit_one_layer, fit_two_layer
    from .twolayer import median_split

    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    zones = np.arange(X.shape[1])
    linear, logistic, two = [], [], []
    for s in range(n_splits):
        kw = dict(seed=s, test_size=test_size)
        linear.append(fit_one_layer(X, y, kind="linear", **kw))
        logistic.append(fit_one_layer(X, y, **kw))
        two.append(fit_two_layer(X, zones, y, shared_subunit=False, **kw))
    one = max((linear, logistic), key=lambda m: median_split(m).r2_test)
    one, two = median_split(one), median_split(two)
    return {"one": one, "two": two, "r2_one": float(one.r2_test), "r2_two": float(two.r2_test)}


def total_only_r2(X, y) -> float:
    """R^2 of a logistic of the total input (the sum over zones), fitted to every point: an upper
    bound for any rate = f(total) model."""
    from .ann import fit_one_layer

    total = np.asarray(X, dtype=float).sum(axis=1, keepdims=True)
    return float(fit_one_layer(total, np.asarray(y, dtype=float), test_size=0).r2_train)


def point_control(cell, E_leak=None):
    """The matched isopotential cell of `cell`: one compartment, every input on it.

    A sphere with the area of `cell`'s compartment 0 (the soma) carrying the soma's channels at
    their densities (an ion pool too: its concentration follows the same currents per area) and
    the whole cell's passive membrane: its total capacitance and its total ``pas`` leak (the sum
    over compartments of density x area). The dendrites' voltage-gated channels are left out:
    they are what a point neuron lacks. Unlike :func:`dendrites.electrotonic.point_neuron` it
    needs no linearisation of the membrane, so it works for cells with ion-dependent channels
    (e.g. :func:`dendrites.models.hay2011`). Electrodes and synapses (weights, trains) are
    copied onto compartment 0 unchanged.

    Parameters
    ----------
    cell : Cell
        With ``pas`` inserted.
    E_leak : Quantity, optional
        Reversal of the lumped leak, and the initial potential. Default: those of `cell`'s soma.
        A cell whose dendritic channels hold it away from its leak reversal (Ih in a pyramidal
        cell's dendrites) rests elsewhere than a soma with its leak alone: give its resting
        potential here so that the control rests where the cell does.

    Returns
    -------
    Cell
    """
    from brian2.units import meter, ohm, volt

    from .cell import Cell, ChannelState, Electrode, SynapseGroup
    from .morphology import Morphology, Section

    if "pas" not in cell.channels:
        raise ParameterError("cell", "the control lumps the cell's 'pas' leak: insert 'pas'")
    area = np.asarray(cell.morphology.compartments.area, dtype=float)  # um2
    soma = np.array([[0.0, 0.0, 0.0, float(np.sqrt(area[0] / np.pi))]])
    point = Morphology([Section("soma", "soma", None, soma, 1)])
    a = float(point.compartments.area[0])
    out = Cell(
        point, Ri=cell.Ri * ohm * meter, v_init=cell.v_init[0] * volt, name=f"{cell.name}-point"
    )
    for name, state in cell.channels.items():
        out.channels[name] = ChannelState(
            state.channel, {p: v[[0]].copy() for p, v in state.values.items()}
        )
    out.channels["pas"].values["g"][:] = np.sum(cell.channels["pas"].values["g"] * area) / a
    out.cm[:] = np.sum(cell.cm * area) / a
    if E_leak is not None:
        from .quantities import as_float

        e = as_float(E_leak, volt, "E_leak")
        out.channels["pas"].values["E"][:] = e
        out.v_init[:] = e
    out.electrodes.extend(Electrode(0, el.waveform, el.label) for el in cell.electrodes)
    for name, g in cell.synapses.items():
        receptors = {r: (rec, w.copy()) for r, (rec, w) in g.receptors.items()}
        sites = np.zeros(len(g.compartments), dtype=int)
        out.synapses[name] = SynapseGroup(name, sites, receptors, [s.copy() for s in g.spikes])
    return out
