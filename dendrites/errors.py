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
    "DendritesError",
    "DendritesWarning",
    "DivergenceError",
    "ParameterError",
    "PlacementError",
    "ResultsError",
    "SWCError",
    "SpikeMergeWarning",
    "StructureError",
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


class SWCError(DendritesError, ValueError):
    """A malformed SWC file. The message names the file and the line.

    Parameters
    ----------
    path : str
        The file that was read.
    line : int or None
        1-based line number of the offending record (None for whole-file problems).
    message : str
        What is wrong with that line.
    """

    def __init__(self, path: str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


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


def did_you_mean(name, options: Iterable) -> str:
    """``"; did you mean 'x'?"`` for the known option closest to `name` (a prefix match or a close
    spelling), or ``""`` when nothing is close."""
    opts = [str(o) for o in options]
    text = str(name)
    prefix = [o for o in opts if text and o.startswith(text)]
    match = prefix[:1] or difflib.get_close_matches(text, opts, n=1)
    return f"; did you mean {match[0]!r}?" if match else ""
