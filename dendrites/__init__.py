"""dendrites: multi-compartment neurons on Brian2's C++ code generation.

Describe a cell (:mod:`dendrites.morphology`, :class:`Cell`), put mechanisms, synapses and
electrodes on it, and :func:`simulate` it into a labelled :class:`xarray.Dataset`.
"""

from . import mechanisms, morphology, plasticity, stimuli
from ._version import __version__
from .backend import Model
from .cell import Cell
from .errors import (
    BuildError,
    DendritesError,
    DivergenceError,
    NonPhysicalStateError,
    ParameterError,
    PlacementError,
    ResultsError,
    SWCError,
    TimeStepWarning,
)
from .simulate import simulate

__all__ = [
    "BuildError",
    "Cell",
    "DendritesError",
    "DivergenceError",
    "Model",
    "NonPhysicalStateError",
    "ParameterError",
    "PlacementError",
    "ResultsError",
    "SWCError",
    "TimeStepWarning",
    "__version__",
    "mechanisms",
    "morphology",
    "plasticity",
    "simulate",
    "stimuli",
]
