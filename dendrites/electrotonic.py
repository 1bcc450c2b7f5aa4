"""Linear (small-signal) electrotonic properties of a cell, and its matched point neuron.

The cell is linearised at its initial potential: every channel contributes its resting open
conductance (gates at their initial, steady-state values). The cable is the simulator's, exactly:
the compartments and the nodes without membrane at the section ends (NEURON's ``sec(1)``), joined
by the axial resistances of the compartment table (``Ri * ra_proximal``, ``Ri * ra_distal``;
integrated over every 3-D point, :mod:`dendrites.morphology.geometry`), the links the simulator's
cable solvers are given (:func:`dendrites.backend._set_geometry`). Input and transfer
resistances computed here equal the simulated steady state (measured: 4e-11 relative with the
Hines solver, 1.5e-9 with Brian2's; ``tests/test_electrotonic.py``), at compartments and at
section-end nodes (:meth:`~dendrites.morphology.Morphology.site`). Pure numpy/scipy: no Brian2
objects.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
from brian2.units import meter, mV, ohm, second

from .cell import Cell
from .errors import PlacementError
from .mechanisms.base import evaluate
from .morphology import Section
from .morphology.sites import Site, _links, n_nodes

__all__ = [
    "input_resistance",
    "membrane_time_constant",
    "point_neuron",
    "system_matrices",
    "transfer_resistance",
]


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
    """Conductance matrix and capacitances of the linearised cell, on the simulator's
    discretisation (NEURON's): compartments, then the nodes without membrane at the section ends.

    Unknowns ``0 .. n-1`` are the compartments; ``n + s`` the node at the end of section number
    ``s`` (where its children join); ``n + len(sections)`` the start of a root that is not a soma
    (see :mod:`dendrites.morphology.sites`). Axial links have the conductance ``1 / (Ri ra)``
    (``ra`` from the compartment table: the same coefficients the simulator is given).

    Returns
    -------
    G : scipy.sparse.csr_matrix
        Symmetric conductance matrix (siemens): membrane conductances on the diagonal (zero at the
        nodes) plus axial coupling.
    C : ndarray
        Capacitance of every unknown (farad; zero at the nodes).
    """
    morph = cell.morphology
    i, j, g, gm = _conductances(cell)
    size = morph.n_compartments + n_nodes(morph)
    diag = np.zeros(size)
    diag[: len(gm)] = gm
    G = _laplacian(i, j, g, diag)
    C = np.zeros(size)
    C[: len(gm)] = cell.cm * morph.compartments.area * 1e-12
    return G, C


def _conductances(cell: Cell):
    """Links (i, j, conductance in siemens) and the membrane conductance of every compartment."""
    morph = cell.morphology
    i, j, ra = _links(morph)
    g = 1.0 / (cell.Ri * 1e6 * ra)  # Ri in ohm m, ra in 1/um
    gm = _membrane_conductance(cell) * morph.compartments.area * 1e-12
    return i, j, g, gm


def _laplacian(i, j, g, diag) -> scipy.sparse.csr_matrix:
    n = len(diag)
    off = scipy.sparse.coo_matrix((np.r_[-g, -g], (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    row = np.bincount(i, g, n) + np.bincount(j, g, n)
    return (off + scipy.sparse.diags(diag + row)).tocsr()


def _reduced(cell: Cell):
    """The nodes eliminated: links between compartments only (a node whose neighbours have the
    conductances g_k, G = sum g_k, becomes the links g_a g_b / G between every pair; exact, as
    the nodes have no membrane), and the membrane conductances."""
    i, j, g, gm = _conductances(cell)
    n = len(gm)
    inner = j < n
    ii, jj, gg = [i[inner]], [j[inner]], [g[inner]]
    node = j[~inner]
    order = np.argsort(node, kind="stable")
    ks, gs, node = i[~inner][order], g[~inner][order], node[order]
    bounds = np.flatnonzero(np.diff(np.r_[-1, node, -1]))
    for a, b in itertools.pairwise(bounds):
        k, gk = ks[a:b], gs[a:b]
        p, q = np.triu_indices(len(k), 1)
        ii.append(k[p])
        jj.append(k[q])
        gg.append(gk[p] * gk[q] / gk.sum())
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(gg), gm


def _solve(links, d, b) -> np.ndarray:
    """Solve ``(Laplacian of the links + diag(d)) x = b``, refined twice with the residual
    computed link by link (``g (x_i - x_j)``: differences of nearly equal potentials, exact), as
    links of ~1 S (the soma's) next to nS membranes cost the direct solve digits."""
    i, j, g = links
    lu = scipy.sparse.linalg.splu(_laplacian(i, j, g, d).tocsc())
    x = lu.solve(b)
    for _ in range(2):
        flow = g * (x[i] - x[j])
        r = b - d * x
        np.add.at(r, i, -flow)
        np.add.at(r, j, flow)
        x = x + lu.solve(r)
    return x


def _site(cell: Cell, at) -> Site:
    """A compartment index, a ``(section, x)`` pair or a Site, as a Site."""
    morph = cell.morphology
    if isinstance(at, Site):
        return at
    if isinstance(at, tuple) and len(at) == 2 and isinstance(at[0], str):
        return morph.site(at[0], at[1])
    if isinstance(at, int | np.integer) and not isinstance(at, bool):
        if not 0 <= int(at) < morph.n_compartments:
            raise PlacementError(
                f"at: compartment index {int(at)} is off the cell (0..{morph.n_compartments - 1})"
            )
        t = morph.compartments
        name = str(t.section[at])
        x = (t.index_in_section[at] + 0.5) / morph[name].n
        return Site(name, float(x), int(at), None, np.array([int(at)]), np.ones(1), 0.0)
    raise PlacementError(f"at: cannot read location {at!r}; use (section, x) or an index")


def transfer_resistance(cell: Cell, a, b):
    """Steady-state potential change at `b` per unit current injected at `a` (ohm).

    Parameters
    ----------
    cell : Cell
    a, b : int, (section, x) or Site
        Compartment indices or ``(section, x)`` locations; x = 0 and 1 are the nodes at section
        ends (NEURON's ``sec(0)``, ``sec(1)``; see :meth:`Morphology.site`).

    Returns
    -------
    Quantity
        Symmetric in `a` and `b` (reciprocity).
    """
    sa, sb = _site(cell, a), _site(cell, b)
    i, j, g, gm = _reduced(cell)
    rhs = np.zeros(len(gm))
    np.add.at(rhs, sa.neighbours, sa.weights)
    v = _solve((i, j, g), gm, rhs)
    out = float(np.dot(sb.weights, v[sb.neighbours]))
    if sa.node is not None and sa.node == sb.node:
        out += cell.Ri * 1e6 * sa.ra  # the injected current's own drop into the neighbours
    return out * ohm


def input_resistance(cell: Cell, at=0):
    """Input resistance (ohm) at `at`: a compartment index (default 0, the soma), a
    ``(section, x)`` location (x = 0 or 1: a section-end node) or a Site."""
    return transfer_resistance(cell, at, at)


def membrane_time_constant(cell: Cell):
    """Slowest time constant tau_0 of the linearised cell (Rall 1969), as a quantity (second).

    For a uniform passive membrane with sealed ends it equals Rm*Cm.
    """
    i, j, g, gm = _reduced(cell)
    G = _laplacian(i, j, g, gm)
    C = cell.cm * cell.morphology.compartments.area * 1e-12
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
    # a sphere of the soma compartment's membrane area (also for a soma of several points)
    diameter = np.sqrt(cell.morphology.compartments.area[0] / np.pi) if soma is not None else 20.0
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
