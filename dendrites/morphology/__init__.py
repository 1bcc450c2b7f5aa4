"""Neuron morphologies as plain data: sections, compartments, builders and SWC import.

Nothing here creates Brian2 objects. Public functions take `brian2` quantities (``300*um``);
internally every length is a float in micrometres (um) and every area is in um^2.

A :class:`Morphology` is a tree of :class:`Section` objects (3-D points with diameters). Each
section is split into ``n`` compartments of equal arc length; :attr:`Morphology.compartments`
describes them as flat arrays (a :class:`CompartmentTable`) in section order, proximal to distal
within a section; their membrane area and axial resistance are integrated over every 3-D point
(:mod:`.geometry`, NEURON's rules). :meth:`Morphology.compartmentalize` chooses ``n`` with
NEURON's d_lambda rule (Hines & Carnevale, *The NEURON Book*, ch. 5; ``fixnseg.hoc``), a maximum
length, Hay et al. 2011's rule, a function or a count per section. :meth:`Morphology.site`
resolves ``(section, x)`` to a compartment or a section-end node (:mod:`.sites`).
"""

from __future__ import annotations

from .builders import _soma as _soma  # a soma section (used by the tests' hand-built cells)
from .builders import ball_and_stick, binary_tree, cable, pyramidal, y_branch
from .reader import ImportReport, contour_to_cylinder, from_swc, load_morphology
from .sites import Site
from .swc import SWC_TYPES, read_swc
from .tree import REGIONS, CompartmentTable, Morphology, Section, d_lambda_n, soma_area

__all__ = ["REGIONS", "SWC_TYPES", "CompartmentTable", "Morphology", "Section", "cable"]
__all__ += ["ball_and_stick", "binary_tree", "d_lambda_n", "from_swc", "pyramidal", "read_swc"]
__all__ += ["Site", "y_branch"]
__all__ += ["ImportReport", "contour_to_cylinder", "load_morphology", "soma_area"]
