"""`dendrites.crosscheck`: the same cell in NEURON, the field's reference simulator.

* :func:`to_neuron` builds a package :class:`~dendrites.Cell` in NEURON (same 3-D points,
  compartments, membrane, synapses and current clamps; every channel and receptor through NMODL
  generated from its own equations, :mod:`dendrites.nmodl.export`);
* :func:`export_cell` writes a cell as ``.mod`` files, ``cell.json`` and a script that runs it in
  NEURON without the package;
* :func:`crosscheck` runs both on the same protocol and returns an :class:`xarray.Dataset` of
  their differences (traces, spike times, input and transfer resistances);
* :func:`import3d` loads a morphology file with NEURON's own Import3d (the reference route) and
  :func:`compare_morphology` compares the package's input resistances and attenuations with it at
  the soma and the deepest dendritic tips.

NEURON is imported only when one of these runs (``pip install 'dendrites[neuron]'``).
"""

from __future__ import annotations

from ._neuron import NeuronMissingError, NotInNeuronError
from .build import NeuronCell, to_neuron
from .compare import crosscheck, match_spikes, package_resistances
from .morph import Import3dCell, compare_morphology, import3d
from .script import export_cell

__all__ = [
    "Import3dCell",
    "NeuronCell",
    "NeuronMissingError",
    "NotInNeuronError",
    "compare_morphology",
    "crosscheck",
    "export_cell",
    "import3d",
    "match_spikes",
    "package_resistances",
    "to_neuron",
]
