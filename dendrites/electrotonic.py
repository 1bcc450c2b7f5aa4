"""Linear (small-signal) electrotonic properties of a cell, and its matched point neuron.

The cell is linearised at its initial potential: every channel contributes its resting open
conductance (gates at their initial, steady-state values), the cable contributes axial conductances
between neighbouring compartment centres (frustum halves, ``R = 4 Ri l / (pi d_a d_b)``; the soma
sphere has no internal resistance). This is the same second-order, cell-centred discretisation as
the simulator's, so input resistance and the slowest time constant computed here agree with
simulated ones to discretisation error. Pure numpy/scipy: no Brian2 objects.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
from brian2.units import meter, mV, ohm, second

from .cell import Cell
from .mechanisms.base import evaluate
from .morphology import Morphology, Section

__all__ = ["input_resistance", "membrane_time_constant", "point_neuron", "system_matrices"]


def _membrane_conductance(cell: Cell) -> np.ndarray:
    """Resting membrane conductance per unit area (S/m2) of every compartment (ohmic currents;
    current sources such as the dCaAP are not conductances)."""
    g = np.zeros(cell.n_compartments)
    for state in cell.channels.values():
        ch = state.channel
        present = state.present
        if not present.any():
            continue
        idx = np.flatnonzero(present)
        for cur in ch.currents:
            if not cur.ohmic:  # a current source (the dCaAP) adds no conductance
                continue
            params = {p: state.values[p][idx] * _unit(ch.parameters[p]) for p in ch.parameters}
            value = evaluate(cur.conductance, cell.v_init[idx] * 1e3 * mV, ch, **params)
            g[idx] += np.asarray(value, dtype=float)
    return g


def _unit(default):
    from brian2.units.fundamentalunits import DIMENSIONLESS, get_unit

    dim = getattr(default, "dim", DIMENSIONLESS)
    return 1.0 if dim is DIMENSIONLESS else get_unit(dim)


def system_matrices(cell: Cell):
    """Conductance matrix and capacitances of the linearised cell.

    Returns
    -------
    G : scipy.sparse.csr_matrix
        Symmetric conductance matrix (siemens): membrane conductances on the diagonal plus axial
        coupling.
    C : ndarray
        Capacitance of every compartment (farad).
    """
    morph = cell.morphology
    table = morph.compartments
    area = table.area * 1e-12  # m2
    gm = _membrane_conductance(cell) * area
    half = _half_resistances(morph, cell.Ri)
    rows, cols, vals = [], [], []
    for i, p in enumerate(table.parent):
        if p < 0:
            continue
        g_ax = 1.0 / (half[i][0] + half[p][1])
        rows += [i, p, i, p]
        cols += [p, i, i, p]
        vals += [-g_ax, -g_ax, g_ax, g_ax]
    n = len(table)
    G = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    G = G + scipy.sparse.diags(gm)
    return G.tocsr(), cell.cm * area


def _half_resistances(morph: Morphology, Ri: float) -> list[tuple[float, float]]:
    """Axial resistance (ohm) from each compartment's centre to its proximal and distal end."""
    out: list[tuple[float, float]] = []
    table = morph.compartments
    for sec in morph.sections:
        if _is_soma(sec):
            out.append((0.0, 0.0))
            continue
        d = morph.resampled_points(sec.name)[:, 3] * 1e-6
        seg = table.length[morph.compartment_slice(sec.name)] * 1e-6
        for k in range(sec.n):
            dc = 0.5 * (d[k] + d[k + 1])
            lh = 0.5 * seg[k]
            out.append((4 * Ri * lh / (np.pi * d[k] * dc), 4 * Ri * lh / (np.pi * dc * d[k + 1])))
    return out


def _is_soma(sec: Section) -> bool:
    return sec.region == "soma" and sec.parent is None


def input_resistance(cell: Cell, at: int = 0):
    """Input resistance at compartment `at` (default: the soma), as a quantity (ohm)."""
    G, _ = system_matrices(cell)
    e = np.zeros(G.shape[0])
    e[at] = 1.0
    v = scipy.sparse.linalg.spsolve(G.tocsc(), e)
    return float(v[at]) * ohm


def membrane_time_constant(cell: Cell):
    """Slowest time constant tau_0 of the linearised cell (Rall 1969), as a quantity (second).

    For a uniform passive membrane with sealed ends it equals Rm*Cm.
    """
    G, C = system_matrices(cell)
    s = 1.0 / np.sqrt(C)
    A = scipy.sparse.diags(s) @ G @ scipy.sparse.diags(s)
    if A.shape[0] <= 400:
        lam = scipy.linalg.eigvalsh(A.toarray(), subset_by_index=[0, 0])[0]
    else:
        lam = scipy.sparse.linalg.eigsh(  # fixed start vector: deterministic to the last bit
            A.tocsc(),
            k=1,
            sigma=0,
            which="LM",
            return_eigenvectors=False,
            v0=np.ones(A.shape[0]),
        )[0]
    return float(1.0 / lam) * second


def point_neuron(cell: Cell, at: int = 0) -> Cell:
    """The isopotential control of `cell`: one compartment with the same input resistance and
    slowest membrane time constant at compartment `at` (the soma), every synapse and electrode moved
    onto it.

    The compartment is a sphere with the area of the original soma (20 um diameter if there is no
    soma); its leak and capacitance are set so that ``R_in = 1/(g A)`` and ``tau = C/(g A)``. Active
    channels present at `at` keep their densities there; their resting conductance is part of the
    matched R_in (the leak makes up the rest). Synaptic weights, spike trains and electrode
    waveforms are copied unchanged.

    Parameters
    ----------
    cell : Cell
    at : int
        Compartment whose input resistance and time constant are matched.

    Returns
    -------
    Cell
    """
    from . import morphology as morph_mod
    from .cell import ChannelState, Electrode, SynapseGroup

    r_in = float(input_resistance(cell, at) / ohm)
    tau = float(membrane_time_constant(cell) / second)
    soma = cell.morphology.soma
    diameter = soma.points[0, 3] if soma is not None else 20.0
    point = morph_mod.Morphology(
        [Section("soma", "soma", None, np.array([[0.0, 0.0, 0.0, diameter]]), 1)]
    )
    area = point.compartments.area[0] * 1e-12
    out = Cell(point, Ri=cell.Ri * ohm * meter, name=f"{cell.name}-point")
    out.v_init[:] = cell.v_init[at]
    g_total = 1.0 / r_in
    for name, state in cell.channels.items():
        values = {p: arr[[at]].copy() for p, arr in state.values.items()}
        out.channels[name] = ChannelState(state.channel, values)
    if "pas" not in out.channels:
        out.insert("pas")
    g_active = _membrane_conductance(out) * area - out.channels["pas"].values["g"] * area
    g_leak = g_total - g_active[0]
    if g_leak <= 0:
        from .errors import ParameterError

        raise ParameterError("cell", "active resting conductance at the soma exceeds 1/R_in")
    out.channels["pas"].values["g"][:] = g_leak / area
    out.cm[:] = tau * g_total / area
    for name, group in cell.synapses.items():
        out.synapses[name] = SynapseGroup(
            name,
            np.zeros(len(group.compartments), dtype=int),
            {r: (rec, w.copy()) for r, (rec, w) in group.receptors.items()},
            [s.copy() for s in group.spikes],
        )
    for el in cell.electrodes:
        out.electrodes.append(Electrode(0, el.waveform, el.label))
    return out
