"""Pure functions on recorded traces and Datasets (no simulation, no plotting)."""

from __future__ import annotations

import numpy as np

from .errors import ParameterError

__all__ = ["epsp_features", "spike_times"]


def epsp_features(time: np.ndarray, trace: np.ndarray, onset: float) -> dict[str, float]:
    """Amplitude, peak time and half-width of a postsynaptic potential.

    Parameters
    ----------
    time : ndarray
        Sample times (ms).
    trace : ndarray
        Membrane potential (mV) at those times.
    onset : float
        Time of the input (ms); the baseline is the value at the last sample before it.

    Returns
    -------
    dict
        ``amplitude`` (mV, peak minus baseline), ``peak_time`` (ms after onset), ``half_width``
        (ms the response stays above half its amplitude, edges linearly interpolated).
    """
    time = np.asarray(time, dtype=float)
    trace = np.asarray(trace, dtype=float)
    before = np.flatnonzero(time < onset)
    base = trace[before[-1]] if len(before) else trace[0]
    after = time >= onset
    dv = trace[after] - base
    t = time[after]
    k = int(np.argmax(dv))
    amp = float(dv[k])
    half = amp / 2
    above = dv >= half
    if amp <= 0 or not above.any():
        return {"amplitude": amp, "peak_time": float(t[k] - onset), "half_width": float("nan")}
    first = int(np.argmax(above))
    last = len(above) - 1 - int(np.argmax(above[::-1]))

    def cross(i0, i1):
        if i0 < 0 or i1 >= len(dv):
            return t[max(min(i0, i1), 0)]
        return t[i0] + (half - dv[i0]) * (t[i1] - t[i0]) / (dv[i1] - dv[i0])

    t_up = cross(first - 1, first) if first > 0 else t[0]
    t_down = cross(last, last + 1) if last + 1 < len(dv) else t[-1]
    return {"amplitude": amp, "peak_time": float(t[k] - onset), "half_width": float(t_down - t_up)}


def spike_times(
    time: np.ndarray, trace: np.ndarray, threshold: float = 0.0, *, interpolate: bool = True
) -> np.ndarray:
    """Spike times of a recorded trace: its upward crossings of `threshold`.

    The package's one spike detector (:mod:`dendrites.studykit` exports it to the studies). A
    crossing is a pair of samples ``trace[k] < threshold <= trace[k + 1]``.

    Parameters
    ----------
    time : array_like, shape (n,)
        Sample times (ms), strictly increasing. Times come first: a trace passed here instead is
        refused, since a membrane potential is not increasing.
    trace : array_like, shape (n,)
        Membrane potential (mV) at those times.
    threshold : float
        Threshold (mV); default 0 mV.
    interpolate : bool
        True (default): the crossing time, linearly interpolated between the two samples.
        False: the time of the first sample at or above `threshold` (``time[k + 1]``, on the
        recording grid).

    Returns
    -------
    ndarray of float
        The crossing times (ms), ascending; empty if the trace never crosses.

    Raises
    ------
    ParameterError
        `time` or `trace` is not one-dimensional, their lengths differ, or `time` does not
        strictly increase.

    Examples
    --------
    >>> spike_times([0.0, 1.0, 2.0, 3.0], [-70.0, 10.0, -70.0, -70.0])
    array([0.875])
    >>> spike_times([0.0, 1.0, 2.0, 3.0], [-70.0, 10.0, -70.0, -70.0], interpolate=False)
    array([1.])
    """
    time = np.asarray(time, dtype=float)
    trace = np.asarray(trace, dtype=float)
    for name, arr in (("time", time), ("trace", trace)):
        if arr.ndim != 1:
            raise ParameterError(name, f"must be one-dimensional, got shape {arr.shape}")
    if time.shape != trace.shape:
        raise ParameterError(
            "trace", f"has {trace.size} samples but time has {time.size}; pass one trace"
        )
    if time.size > 1 and not np.all(np.diff(time) > 0):
        raise ParameterError(
            "time", "must strictly increase (sample times in ms come first, then the trace)"
        )
    up = np.flatnonzero((trace[:-1] < threshold) & (trace[1:] >= threshold))
    if not interpolate:
        return time[up + 1]
    frac = (threshold - trace[up]) / (trace[up + 1] - trace[up])
    return time[up] + frac * (time[up + 1] - time[up])
