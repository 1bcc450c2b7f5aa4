"""The analytic route (:mod:`dendrites.electrotonic`) and the simulator solve one and the same
discretisation: compartments integrated over every 3-D point, nodes without membrane at the
section ends (NEURON's ``sec(1)``), and the links of the compartment table.

Checked by simulation (C++ standalone; each case compiles one project): two current clamps (one
at a dendritic tip's end node, x = 1, one at the soma or the root), recordings at compartments and
at section-end nodes, on the CA1 reconstruction (``../shared/morphologies/ca1_n120.swc``) and on a
hand-built soma-less tree with tapered, bent multi-point sections:

* the steady state equals the superposition of :func:`transfer_resistance`;
* the first step equals one backward-Euler solve of :func:`system_matrices` (with its nodes).

Run with ``pytest -s`` to see the measured differences.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg
from brian2 import cm, ms, mV, nA, ohm, siemens, uF

from dendrites import Cell, morphology, simulate
from dendrites.electrotonic import system_matrices, transfer_resistance
from dendrites.morphology import Morphology, Section
from dendrites.stimuli import Step

pytestmark = pytest.mark.standalone

MORPHOLOGIES = Path(__file__).resolve().parents[2] / "shared" / "morphologies"
RI, CM, RM, E = 150 * ohm * cm, 1 * uF / cm**2, 20000, -70 * mV
I_TIP, I_ROOT = 0.05, -0.02  # nA

#: |v_sim - v_analytic| / |v_analytic - E| at steady state (500 ms = 25 tau from rest, so the
#: remaining transient is ~1e-11). Measured: Hines solver 3.6e-11 (CA1), 1.6e-11 (tree); Brian2's
#: solver 1.5e-9 (CA1: its branch-point system loses digits at the soma's link), 1.6e-11 (tree,
#: no soma, OpenMP).
STEADY_TOL = {"hines": 2e-10, "brian2": 1e-8}
#: The first step vs a direct solve of the system with nodes, relative to the step's largest
#: change. Measured: Hines 3.7e-14 (CA1), 1.8e-15 (tree); Brian2's solver 1.0e-11, 8.9e-15.
STEP_TOL = {"hines": 1e-12, "brian2": 1e-10}


def hand_built_tree() -> Morphology:
    """A soma-less tree: a bent, tapered 4-point root, two multi-point children, a grandchild and
    a one-compartment twig (sec(0) and sec(1) of it are both nodes)."""
    secs = [
        Section(
            "root",
            "dend",
            None,
            [[0, 0, 0, 3], [40, 0, 0, 2.5], [60, 30, 0, 2], [60, 80, 5, 1.8]],
            7,
        ),
        Section("a", "apical", "root", [[60, 80, 5, 1.2], [70, 140, 5, 0.9], [75, 200, 9, 0.6]], 9),
        Section("b", "apical", "root", [[60, 80, 5, 1.0], [20, 120, 0, 1.0], [0, 160, 0, 0.4]], 5),
        Section("a1", "tuft", "a", [[75, 200, 9, 0.5], [90, 260, 9, 0.3], [95, 300, 9, 0.3]], 3),
        Section("twig", "tuft", "a", [[75, 200, 9, 0.4], [60, 215, 9, 0.4]], 1),
    ]
    return Morphology(secs)


def ca1() -> Morphology:
    path = MORPHOLOGIES / "ca1_n120.swc"
    if not path.exists():
        pytest.skip(f"no reconstructed morphologies here ({MORPHOLOGIES} is absent)")
    return morphology.from_swc(path).compartmentalize(RI, CM)


def passive(morph: Morphology) -> Cell:
    cell = Cell(morph, Ri=RI, Cm=CM, v_init=E)
    cell.insert("pas", g=1 / RM * siemens / cm**2, E=E)
    return cell


@pytest.mark.parametrize(
    ("which", "options"),
    [
        ("ca1", {"cable_solver": "hines"}),
        ("ca1", {"cable_solver": "brian2"}),
        ("tree", {"cable_solver": "hines"}),
        ("tree", {"openmp_threads": 2}),  # Brian2's solver, its OpenMP code
    ],
    ids=["ca1-hines", "ca1-brian2", "tree-hines", "tree-brian2-openmp"],
)
def test_simulated_steady_state_and_first_step_equal_the_analytic_ones(which, options):
    morph = ca1() if which == "ca1" else hand_built_tree()
    solver = "hines" if options.get("cable_solver") == "hines" else "brian2"
    tips = morph.terminals()
    tip = tips[len(tips) // 2]
    inner = next(s.name for s in morph.sections[1:] if morph.children(s.name))
    child = morph.children(inner)[0].name
    cell = passive(morph)
    cell.add_current_clamp((tip, 1.0), Step(I_TIP * nA))
    cell.add_current_clamp(0, Step(I_ROOT * nA))
    sites = [0, (tip, 1.0), (tip, 0.5), (inner, 1.0), (child, 0.0), (tips[0], 1.0)]
    sites += [(morph.root.name, 0.0)] if morph.soma is None else []
    ds = simulate(cell, 500 * ms, dt=0.1 * ms, record={"v": sites}, **options)
    e = float(E / mV) * 1e-3

    def simulated(at, k):
        if isinstance(at, tuple) and morph.site(*at).node is not None:
            return float(ds.v_node.sel(node=morph.site(*at).label).isel(time=k)) * 1e-3
        comp = at if isinstance(at, int) else morph.locate(*at)
        return float(ds.v.sel(compartment=comp).isel(time=k)) * 1e-3

    # steady state: superposition of the two clamps
    worst = 0.0
    for at in sites:
        r_tip = float(transfer_resistance(cell, (tip, 1.0), at) / ohm)
        r_root = float(transfer_resistance(cell, 0, at) / ohm)
        dv = (I_TIP * r_tip + I_ROOT * r_root) * 1e-9
        worst = max(worst, abs(simulated(at, -1) - e - dv) / abs(dv))
    print(f"\n[electrotonic] {which} {solver}: steady state, max relative difference {worst:.1e}")
    assert worst < STEADY_TOL[solver]
    # the first step: one backward-Euler solve of the full system (compartments and nodes)
    G, C = system_matrices(cell)
    n = morph.n_compartments
    b = np.zeros(G.shape[0])
    b[0] += I_ROOT * 1e-9
    b[n + morph.site(tip, 1.0).node] += I_TIP * 1e-9
    A = (G + scipy.sparse.diags(C / 1e-4)).tocsc()
    step = scipy.sparse.linalg.spsolve(A, b)
    step += scipy.sparse.linalg.spsolve(A, b - A @ step)  # one refinement
    scale = float(np.max(np.abs(step)))
    worst = 0.0
    for at in sites:
        s = at if isinstance(at, tuple) else None
        k = n + morph.site(*s).node if s and morph.site(*s).node is not None else None
        k = k if k is not None else (at if isinstance(at, int) else morph.locate(*at))
        worst = max(worst, abs(simulated(at, 1) - e - step[k]) / scale)
    print(f"[electrotonic] {which} {solver}: first step, max relative difference {worst:.1e}")
    assert worst < STEP_TOL[solver]
