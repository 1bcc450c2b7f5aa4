"""Pure functions on recorded traces and Datasets (no simulation, no plotting)."""

from __future__ import annotations

import numpy as np

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


def spike_times(time: np.ndarray, trace: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Times (ms) of upward crossings of `threshold` (mV), linearly interpolated."""
    time = np.asarray(time, dtype=float)
    trace = np.asarray(trace, dtype=float)
    up = np.flatnonzero((trace[:-1] < threshold) & (trace[1:] >= threshold))
    frac = (threshold - trace[up]) / (trace[up + 1] - trace[up])
    return time[up] + frac * (time[up + 1] - time[up])
