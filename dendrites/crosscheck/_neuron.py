"""Lazy access to NEURON, and the errors of :mod:`dendrites.crosscheck`.

NEURON is an optional dependency: nothing imports it until a function of this package runs, so
``import dendrites`` never needs it.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import DendritesError

__all__ = ["NeuronMissingError", "NotInNeuronError", "impedance_matrix", "neuron_h"]


class NeuronMissingError(DendritesError, ImportError):
    """NEURON (the ``neuron`` Python package, >= 9) is not installed."""

    def __init__(self, detail: str = ""):
        text = (
            "dendrites.crosscheck needs NEURON (>= 9): install it with "
            "pip install 'dendrites[neuron]'"
        )
        super().__init__(text + (f" ({detail})" if detail else ""))


class NotInNeuronError(DendritesError, ValueError):
    """A mechanism of the cell cannot be built in NEURON (no NMODL translation).

    Parameters
    ----------
    mechanism : str
        The channel or receptor name.
    message : str
        Why it cannot be built (which expression or construct has no translation).
    """

    def __init__(self, mechanism: str, message: str):
        self.mechanism = mechanism
        super().__init__(
            f"mechanism {mechanism!r}: {message}. It cannot be built in NEURON through NMODL "
            "generated from its equations (dendrites.nmodl.export, issue #14)"
        )


def neuron_h():
    """NEURON's ``h`` with the standard run system and Import3d loaded.

    Raises
    ------
    NeuronMissingError
        NEURON is not installed (or too old).
    """
    # without a display NEURON prints a warning on import; no GUI is ever used here
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    try:
        import neuron
        from neuron import h
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NeuronMissingError(str(exc)) from None
    major = int(str(getattr(neuron, "__version__", "0")).split(".")[0] or 0)
    if major < 9:  # pragma: no cover
        raise NeuronMissingError(f"found NEURON {neuron.__version__}")
    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")
    return h


def impedance_matrix(h, segs) -> np.ndarray:
    """Input (diagonal) and transfer resistances (ohm) between NEURON segments, from NEURON's
    ``Impedance`` at 0 Hz at the present state (gates frozen): ``out[i, j]`` is the voltage at
    ``segs[j]`` per unit current injected at ``segs[i]``."""
    imp = h.Impedance()
    out = np.empty((len(segs), len(segs)))
    for i, a in enumerate(segs):
        imp.loc(a.x, sec=a.sec)
        imp.compute(0)
        for j, b in enumerate(segs):
            out[i, j] = imp.transfer(b.x, sec=b.sec) * 1e6  # MOhm -> ohm
        out[i, i] = imp.input(a.x, sec=a.sec) * 1e6
    return out
