"""dendrites: multi-compartment neurons on Brian2's C++ code generation.

Describe a cell (:mod:`dendrites.morphology`, :class:`Cell`), put mechanisms, synapses and
electrodes on it, and :func:`simulate` it into a labelled :class:`xarray.Dataset`.
"""

__version__ = "0.1.0"

from . import mechanisms, morphology, stimuli  # noqa: E402
from .backend import Model  # noqa: E402
from .cell import Cell  # noqa: E402
from .errors import (  # noqa: E402
    BuildError,
    DendritesError,
    DivergenceError,
    ParameterError,
    PlacementError,
    ResultsError,
    SWCError,
)
from .simulate import simulate  # noqa: E402

__all__ = [
    "BuildError",
    "Cell",
    "DendritesError",
    "DivergenceError",
    "Model",
    "ParameterError",
    "PlacementError",
    "ResultsError",
    "SWCError",
    "__version__",
    "mechanisms",
    "morphology",
    "simulate",
    "stimuli",
]
