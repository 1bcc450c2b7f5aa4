"""The cable step of the C++ standalone build: one Hines elimination over the tree.

Brian2's own ``spatialstateupdate`` template solves three tridiagonal systems per section and a
coupling system over the branch points at every step. ``dendrites/templates/spatialstateupdate.cpp``
solves the same backward-Euler system with one elimination from the leaves to the root and one
substitution back (Hines 1984, *J Biomed Comput* 15:69-76), about half the arithmetic and memory
traffic. Only :mod:`dendrites.backend` uses this module (it creates no Brian2 objects itself).
The template is single-threaded; with OpenMP threads the backend keeps Brian2's template, whose
section loops run in parallel.

The template also offers second-order time stepping (``crank_nicolson=True``, the backend's
``time_stepping="crank-nicolson"``), NEURON's ``secondorder`` scheme (Hines & Carnevale, *The
NEURON Book*, ch. 4): the backward-Euler system over dt/2 gives v(t + dt/2), then
v(t + dt) = 2 v(t + dt/2) - v(t). The membrane current is linearised at v(t) as for backward
Euler (with a nonlinear Im this is still the implicit midpoint rule to second order). Brian2
advances the gates (exponential Euler at v(t)) before the cable step, so they sit half a step off
the voltage, as NEURON staggers them: with HH channels the combined scheme is second order
(``benchmarks/time_stepping.py``: spike times on the Rallpack 3 axon, order 2.0). Electrode
currents are sampled at the middle of each step (:func:`dendrites.plan.values`). What stays first
order: synaptic conductances, which enter a step at their value at its start (on a cable with an
AMPA synapse Crank-Nicolson is only ~1.5x closer than backward Euler and of order 1); and right
after a jump of the input, the stiffest cable modes (short wavelengths, on fine grids) alternate
in sign from step to step and decay slowly (Crank-Nicolson is A- but not L-stable), which on
Rallpack 1's 1 um compartments makes the injection site's error larger than backward Euler's for
a while.
"""

from __future__ import annotations

import numpy as np
from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

__all__ = ["HinesCodeObject", "use_hines"]


class HinesCodeObject(CPPStandaloneCodeObject):
    """C++ standalone code object whose ``spatialstateupdate`` template is the package's."""

    templater = CPPStandaloneCodeObject.templater.derive("dendrites", templates_dir="templates")


def use_hines(neuron, crank_nicolson: bool = False) -> None:
    """Make ``neuron`` (a Brian2 ``SpatialNeuron``) run its cable step with the Hines template.

    Parameters
    ----------
    neuron : brian2.SpatialNeuron
        Not yet run. Its sections must be numbered parents first (Brian2 numbers them depth
        first, so they are); anything else raises ``ValueError``.
    crank_nicolson : bool
        Second-order (Crank-Nicolson) time stepping instead of backward Euler (default).
    """
    parent_point = np.asarray(neuron.flat_morphology.morph_parent_i)
    sections = np.arange(len(parent_point))
    # section s starts at branch point parent_point[s], the end of section parent_point[s] - 1
    if len(parent_point) and (parent_point[0] != 0 or np.any(parent_point[1:] > sections[1:])):
        raise ValueError("use_hines: sections are not numbered parents first")
    neuron.diffusion_state_updater.codeobj_class = HinesCodeObject
    updater = neuron.diffusion_state_updater
    updater.template_kwds = {**updater.template_kwds, "crank_nicolson": bool(crank_nicolson)}
