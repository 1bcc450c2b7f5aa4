"""The cable step of the C++ standalone build: one Hines elimination over the tree.

Brian2's own ``spatialstateupdate`` template solves three tridiagonal systems per section and a
coupling system over the branch points at every step. ``dendrites/templates/spatialstateupdate.cpp``
solves the same backward-Euler system with one elimination from the leaves to the root and one
substitution back (Hines 1984, *J Biomed Comput* 15:69-76), about half the arithmetic and memory
traffic. Only :mod:`dendrites.backend` uses this module (it creates no Brian2 objects itself).
The template is single-threaded; with OpenMP threads the backend keeps Brian2's template, whose
section loops run in parallel.
"""

from __future__ import annotations

import numpy as np
from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

__all__ = ["HinesCodeObject", "use_hines"]


class HinesCodeObject(CPPStandaloneCodeObject):
    """C++ standalone code object whose ``spatialstateupdate`` template is the package's."""

    templater = CPPStandaloneCodeObject.templater.derive("dendrites", templates_dir="templates")


def use_hines(neuron) -> None:
    """Make ``neuron`` (a Brian2 ``SpatialNeuron``) run its cable step with the Hines template.

    Parameters
    ----------
    neuron : brian2.SpatialNeuron
        Not yet run. Its sections must be numbered parents first (Brian2 numbers them depth
        first, so they are); anything else raises ``ValueError``.
    """
    parent_point = np.asarray(neuron.flat_morphology.morph_parent_i)
    sections = np.arange(len(parent_point))
    # section s starts at branch point parent_point[s], the end of section parent_point[s] - 1
    if len(parent_point) and (parent_point[0] != 0 or np.any(parent_point[1:] > sections[1:])):
        raise ValueError("use_hines: sections are not numbered parents first")
    neuron.diffusion_state_updater.codeobj_class = HinesCodeObject
