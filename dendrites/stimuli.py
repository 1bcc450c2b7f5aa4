"""Current-clamp waveforms, described as data and sampled on the simulation's time grid.

A waveform is sampled by the backend into a `TimedArray` column, so a compiled model can run with
new waveforms without recompiling. All parameters are quantities and checked when the waveform is
made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2.units import amp, ms, second

from .quantities import as_float

__all__ = ["EPSCWave", "Ramp", "Step", "Waveform"]


class Waveform:
    """Base class: a current as a function of time."""

    def sample(self, t: np.ndarray) -> np.ndarray:
        """Current in amperes at times `t` (seconds, float array)."""
        raise NotImplementedError

    def describe(self) -> dict:
        """JSON-serialisable description (for provenance)."""
        return {"type": type(self).__name__, **{k: str(v) for k, v in vars(self).items()}}


@dataclass(frozen=True, init=False)
class Step(Waveform):
    """A rectangular current step.

    Parameters
    ----------
    amplitude : Quantity
        Current (amp), positive = depolarising (injected into the cell).
    start : Quantity
        Onset time.
    duration : Quantity
        Length of the step; ``None`` means until the end of the simulation.
    """

    amplitude: float
    start: float
    duration: float

    def __init__(self, amplitude, start=0 * ms, duration=None):
        object.__setattr__(self, "amplitude", as_float(amplitude, amp, "amplitude"))
        object.__setattr__(self, "start", as_float(start, second, "start", "nonnegative"))
        dur = np.inf if duration is None else as_float(duration, second, "duration", "positive")
        object.__setattr__(self, "duration", dur)

    def sample(self, t):
        t = np.asarray(t, dtype=float)
        on = (t >= self.start - 1e-12) & (t < self.start + self.duration - 1e-12)
        return np.where(on, self.amplitude, 0.0)


@dataclass(frozen=True, init=False)
class Ramp(Waveform):
    """A linear ramp from `start_amplitude` to `end_amplitude` between `start` and
    ``start + duration``, zero outside."""

    start_amplitude: float
    end_amplitude: float
    start: float
    duration: float

    def __init__(self, start_amplitude, end_amplitude, start, duration):
        object.__setattr__(
            self, "start_amplitude", as_float(start_amplitude, amp, "start_amplitude")
        )
        object.__setattr__(self, "end_amplitude", as_float(end_amplitude, amp, "end_amplitude"))
        object.__setattr__(self, "start", as_float(start, second, "start", "nonnegative"))
        object.__setattr__(self, "duration", as_float(duration, second, "duration", "positive"))

    def sample(self, t):
        t = np.asarray(t, dtype=float)
        frac = (t - self.start) / self.duration
        on = (frac >= -1e-12) & (frac < 1 - 1e-12)
        level = self.start_amplitude + (self.end_amplitude - self.start_amplitude) * frac
        return np.where(on, level, 0.0)


@dataclass(frozen=True, init=False)
class EPSCWave(Waveform):
    """An EPSC-shaped current, a difference of exponentials normalised to its peak.

    ``I(t) = amplitude * (exp(-s/tau_decay) - exp(-s/tau_rise)) / norm`` for ``s = t - onset >= 0``,
    with `norm` the peak of the bracket, so the peak current equals `amplitude`. The same shape is
    used by Hay et al. (2011) for their apical EPSC-like current injection (tau 0.5 and 5 ms).
    """

    amplitude: float
    onset: float
    tau_rise: float
    tau_decay: float

    def __init__(self, amplitude, onset, tau_rise=0.5 * ms, tau_decay=5 * ms):
        object.__setattr__(self, "amplitude", as_float(amplitude, amp, "amplitude"))
        object.__setattr__(self, "onset", as_float(onset, second, "onset", "nonnegative"))
        tr = as_float(tau_rise, second, "tau_rise", "positive")
        td = as_float(tau_decay, second, "tau_decay", "positive")
        if tr >= td:
            from .errors import ParameterError

            raise ParameterError("tau_rise", f"must be shorter than tau_decay ({td * 1e3:g} ms)")
        object.__setattr__(self, "tau_rise", tr)
        object.__setattr__(self, "tau_decay", td)

    def sample(self, t):
        s = np.asarray(t, dtype=float) - self.onset
        tp = self.tau_rise * self.tau_decay / (self.tau_decay - self.tau_rise)
        tp *= np.log(self.tau_decay / self.tau_rise)
        norm = np.exp(-tp / self.tau_decay) - np.exp(-tp / self.tau_rise)
        sp = np.clip(s, 0, None)
        shape = (np.exp(-sp / self.tau_decay) - np.exp(-sp / self.tau_rise)) / norm
        return np.where(s >= 0, self.amplitude * shape, 0.0)
