"""Exceptions raised by `dendrites`.

Every error the package raises on bad input derives from :class:`DendritesError`, so callers can
catch the package's own errors without catching programming errors. Each subclass names what was
wrong: the parameter, the file line, the location on the cell, or the time step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BuildError",
    "CacheWarning",
    "ConcentrationError",
    "DendritesError",
    "DendritesWarning",
    "DivergenceError",
    "ModFileError",
    "MorphologyFileError",
    "NonPhysicalStateError",
    "ParameterError",
    "PlacementError",
    "ResultsError",
    "SWCError",
    "SpikeMergeWarning",
    "StructureError",
    "TimeStepWarning",
    "did_you_mean",
]


class DendritesError(Exception):
    """Base class of all errors raised by `dendrites` on bad input or failed runs."""


class ParameterError(DendritesError, ValueError):
    """A parameter has the wrong unit, a non-physical value, or an unknown name.

    Parameters
    ----------
    parameter : str
        Name of the offending parameter, as the user passed it.
    message : str
        What is wrong and, where possible, what would be right.
    """

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


class StructureError(ParameterError):
    """A cell given to a compiled model has another structure (morphology, channel placement,
    synapse sites, electrodes) than the one the model was built for."""


def _locate(error: Exception, path, line: int | None, message: str) -> None:
    """Set ``path`` and ``line`` of a file error and its message ``path:line: message``."""
    error.path = str(path)
    error.line = line
    where = f"{error.path}:{line}" if line is not None else error.path
    Exception.__init__(error, f"{where}: {message}")


class MorphologyFileError(DendritesError, ValueError):
    """A morphology file (SWC, Neurolucida ASC, H5) that cannot be used: unreadable, malformed,
    an unsupported format, or a cell that is not a tree with a soma. The message names the file
    and the line (or, where a format has no lines, the section and point).

    Parameters
    ----------
    path : str
        The file that was read.
    line : int or None
        1-based line number of the offending record (None for whole-file problems or formats
        without lines).
    message : str
        What is wrong there.
    """

    def __init__(self, path: str, line: int | None, message: str):
        _locate(self, path, line, message)


class ModFileError(DendritesError, ValueError):
    """An NMODL ``.mod`` file that cannot be imported: it does not parse, uses a construct the
    package does not support, or declares something inconsistent (an unknown ion or unit, a
    missing USEION, a name clash). The message names the file and the line where it can.

    Parameters
    ----------
    path : str
        The file that was read (``"<string>"`` for text).
    line : int or None
        1-based line number (None when the problem concerns the whole file).
    message : str
        What is wrong there.
    """

    def __init__(self, path: str, line: int | None, message: str):
        _locate(self, path, line, message)


class SWCError(MorphologyFileError):
    """A malformed SWC file. The message names the file and the line (see
    :class:`MorphologyFileError`, which catches it too)."""


class PlacementError(DendritesError, ValueError):
    """A synapse, electrode or recording placed off the cell (unknown section, x outside [0, 1],
    distance beyond the tree)."""


class DivergenceError(DendritesError, RuntimeError):
    """The simulation produced non-finite or absurd voltages.

    Parameters
    ----------
    dt : brian2.Quantity
        The time step that was used.
    location : str
        The first compartment (section and index) where the divergence was seen.
    """

    def __init__(self, dt, location: str, message: str = ""):
        self.dt = dt
        self.location = location
        text = f"simulation diverged (dt = {dt}) at {location}"
        if message:
            text += f": {message}"
        text += "; reduce dt or check the parameters of the mechanisms there"
        super().__init__(text)


class ConcentrationError(DendritesError, RuntimeError):
    """An ion concentration (``cai``) became negative or non-finite during a run.

    Parameters
    ----------
    variable : str
        The ion variable (``"cai"``).
    location : str
        The compartment where it was found (index, section, region, distance).
    value : float
        Its value there, in mM.
    """

    def __init__(self, variable: str, location: str, value: float, message: str = ""):
        self.variable = variable
        self.location = location
        self.value = value
        text = f"{variable} became non-physical ({value:g} mM) at {location}"
        super().__init__(f"{text}: {message}" if message else text)


class NonPhysicalStateError(DivergenceError):
    """A state left its physical range during a run (:mod:`dendrites.guard`): the membrane
    potential beyond +/-200 mV, a gating variable outside [0, 1], a negative concentration, a
    non-finite conductance.

    Raised after the run; the message names the time, the compartment (section, x) and the last
    sane values.

    Attributes
    ----------
    dt : brian2.Quantity
        The time step.
    time : float
        Time (seconds) of the first check (every 0.1 ms, or every step) that found a value
        out of its range.
    compartment : int
        Flat index of the first compartment that left it.
    location : str
        The compartment's section, x, region and distance from the soma.
    dataset : xarray.Dataset or None
        The recordings before `time` (set by the backend): nothing computed is
        lost.
    """

    def __init__(
        self, dt, time: float, compartment: int, where: str, what: str, last_sane: str,
        n_flagged: int = 1,
    ):  # fmt: skip
        self.time = time
        self.compartment = compartment
        self.dataset = None
        self.dt = dt
        self.location = where
        others = (
            f"; {n_flagged - 1} other compartment(s) left their range at that check or later"
            if n_flagged > 1
            else ""
        )
        RuntimeError.__init__(
            self,
            f"non-physical state (dt = {dt}) at t = {time * 1e3:.6g} ms in {where}: {what}. "
            f"Last sane values: {last_sane}{others}. Reduce dt or check the parameters of the "
            "mechanisms there; the recordings before that time are in this error's "
            "`dataset`, and check_states=False turns the check off",
        )


class BuildError(DendritesError, RuntimeError):
    """The C++ standalone project could not be compiled or run. The full log is in `log_path`."""

    def __init__(self, message: str, log_path: str | None = None):
        self.log_path = log_path
        text = message
        if log_path:
            text += f" (full log: {log_path})"
        super().__init__(text)


class ResultsError(DendritesError, ValueError):
    """A results file cannot be used or written.

    Raised when a stored file does not match what was asked for (schema version, parameter hash),
    is not readable netCDF, fails its checksum, or cannot be written (disk full, read-only folder).
    The message names the file and, for write failures, the fix.
    """


class DendritesWarning(UserWarning):
    """Base class of all warnings issued by `dendrites` (the test-suite turns them into errors)."""


class CacheWarning(DendritesWarning):
    """A cached result file was unusable (corrupt, without a valid checksum, another schema) and
    is recomputed. The message names the file and why it was rejected."""


class SpikeMergeWarning(DendritesWarning):
    """Two presynaptic spikes of one source fall in the same time step and are delivered as one
    event (the synapse sees one weight, not two). The message names the synapse group, the source
    (its site and compartment) and the time."""


class TimeStepWarning(DendritesWarning):
    """dt is longer than the fastest time constant of a state of the model (a gate where it moves,
    a concentration pool's decay): the integration stays stable but does not resolve it. The
    message names the channel, the state, the time constant and the bound
    (:mod:`dendrites.timesteps`)."""


def did_you_mean(name, options: Iterable) -> str:
    """``"; did you mean 'x'?"`` for the known option closest to `name` (a prefix match or a close
    spelling), or ``""`` when nothing is close."""
    opts = [str(o) for o in options]
    text = str(name)
    prefix = [o for o in opts if text and o.startswith(text)]
    match = prefix[:1] or difflib.get_close_matches(text, opts, n=1)
    return f"; did you mean {match[0]!r}?" if match else ""
