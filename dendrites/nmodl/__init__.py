"""NEURON's mechanism files (NMODL ``.mod``) in the package, and back.

* :func:`load` imports a ``.mod`` file as package mechanism data (a
  :class:`~dendrites.mechanisms.base.Channel` for a SUFFIX mechanism or a concentration pool, a
  :class:`~dendrites.mechanisms.base.Receptor` for a POINT_PROCESS with NET_RECEIVE), with a
  report of what it rewrote, ignored and assumed (:mod:`dendrites.nmodl.importer`). The parser and
  the rewriting visitors are NEURON's own NMODL framework (``neuron.nmodl``).
* :func:`verify` runs the original file in NEURON and the import in the package on one
  compartment and compares every state and current (:mod:`dendrites.nmodl.verification`).
* :mod:`dendrites.nmodl.export` writes NMODL from a package mechanism's equations, and
  :mod:`dendrites.nmodl.compile` compiles and loads files with ``nrnivmodl`` (used by
  :mod:`dendrites.crosscheck` to build package cells in NEURON).

Example
-------
>>> from dendrites import nmodl                                  # doctest: +SKIP
>>> kv = nmodl.load("kv.mod", verify=True)                        # doctest: +SKIP
>>> print(kv.verification)                                        # doctest: +SKIP
>>> cell.insert(kv.mechanism, gbar=0.01 * siemens / cm**2)        # doctest: +SKIP
"""

from __future__ import annotations

from ..errors import ModFileError
from .importer import ImportReport, ModMechanism, load, original
from .verification import Comparison, Verification, verify

__all__ = [
    "Comparison",
    "ImportReport",
    "ModFileError",
    "ModMechanism",
    "Verification",
    "load",
    "original",
    "verify",
]
