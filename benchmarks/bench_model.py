"""The benchmark model, built identically in `dendrites`, NEURON and Arbor.

A soma (sphere of 20 um diameter; a 20 um x 20 um cylinder in NEURON and Arbor, same membrane
area) and 3 primary dendrites, each a binary tree of depth 5 (31 branches, 93 in total) of 150 um
branches whose diameters follow Rall's 3/2 rule from 2 um (``d_child = d_parent * 2**(-2/3)``;
0.31 um at the tips). Every branch has the same number ``n`` of compartments (11 gives 1,024
compartments, 107 gives 9,952). Passive parameters are the same everywhere: Ri 100 ohm cm, Cm
1 uF/cm2, leak 1e-4 S/cm2 reversing at -65 mV, v_init -65 mV. Hodgkin-Huxley Na/K channels
(gnabar 0.12 S/cm2, gkbar 0.036 S/cm2, ENa 50 mV, EK -77 mV, 6.3 degC) are added at the soma or
everywhere depending on the variant; the HH leak is replaced by the common leak (NEURON's
``gl_hh`` and Arbor's ``hh/gl`` set to 0).

100 single-exponential synapses (tau 2 ms, reversal 0 mV: NEURON's ``ExpSyn``, Arbor's
``expsyn``, :mod:`dendrites.mechanisms.expsyn`) sit at compartment centres of branches drawn at
random, each driven by its own 5 Hz Poisson train over 1 s. The spike times are drawn once with
numpy and fed to all three simulators. They are placed a quarter step after a grid point,
``t = (k + 1/4) dt``, where the three event-delivery rules choose the same step k: NEURON
(fixed step) and `dendrites` deliver an event in the step nearest to it, Arbor in the step whose
interval contains it; with unrounded times Arbor would act on about half of the events one step
before the other two.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

DT_MS = 0.025
DURATION_MS = 1000.0
SOMA_DIAM_UM = 20.0
BRANCH_LENGTH_UM = 150.0
ROOT_DIAM_UM = 2.0
N_TREES = 3
DEPTH = 5
RI_OHM_CM = 100.0
CM_UF_CM2 = 1.0
G_PAS_S_CM2 = 1e-4
E_PAS_MV = -65.0
V_INIT_MV = -65.0
GNABAR_S_CM2 = 0.12
GKBAR_S_CM2 = 0.036
ENA_MV = 50.0
EK_MV = -77.0
CELSIUS = 6.3
N_SYN = 100
RATE_HZ = 5.0
TAU_SYN_MS = 2.0
E_SYN_MV = 0.0
WEIGHT_NS = 15.0  # peak conductance per event
SEED = 20240601

VARIANTS = ("passive", "hh_soma", "hh_all")
VARIANT_LABELS = {
    "passive": "passive (no HH)",
    "hh_soma": "HH at the soma only",
    "hh_all": "HH everywhere",
}
#: compartments per branch for a target size (1 + 93 n compartments)
N_PER_BRANCH = {1000: 11, 10000: 107}


@dataclass(frozen=True)
class Branch:
    name: str
    parent: str  # "soma" for the primary dendrites
    level: int
    diameter: float  # um
    start: tuple[float, float, float]
    end: tuple[float, float, float]


def branches() -> list[Branch]:
    """The 93 dendritic branches in pre-order (parent before children)."""
    out: list[Branch] = []

    def grow(name, parent, level, heading, start):
        d = ROOT_DIAM_UM * 2 ** (-2 * level / 3)
        end = (
            start[0] + BRANCH_LENGTH_UM * math.cos(heading),
            start[1] + BRANCH_LENGTH_UM * math.sin(heading),
            0.0,
        )
        out.append(Branch(name, parent, level, d, start, end))
        if level + 1 < DEPTH:
            spread = math.radians(40.0) / (level + 1)
            for k, sign in enumerate((-1, 1)):
                grow(f"{name}_{k}", name, level + 1, heading + sign * spread, end)

    r = SOMA_DIAM_UM / 2
    for t in range(N_TREES):
        heading = 2 * math.pi * t / N_TREES
        grow(f"d{t}", "soma", 0, heading, (r * math.cos(heading), r * math.sin(heading), 0.0))
    return out


def n_compartments(n: int) -> int:
    return 1 + len(branches()) * n


def synapse_sites(n: int) -> list[tuple[str, float]]:
    """(branch name, x) of each synapse; x is the centre of a compartment for `n` per branch.

    Branches and positions are drawn once (seeded); for another `n` the same positions move to
    the centre of the compartment that contains them."""
    rng = np.random.default_rng(SEED)
    names = [b.name for b in branches()]
    which = rng.integers(0, len(names), N_SYN)
    pos = rng.uniform(0.0, 1.0, N_SYN)
    return [(names[w], (min(int(p * n), n - 1) + 0.5) / n) for w, p in zip(which, pos, strict=True)]


def spike_trains(seed: int = SEED + 1) -> list[np.ndarray]:
    """One 5 Hz Poisson train (ms) per synapse over the run, at (k + 1/4) dt.

    With the environment variable ``BENCH_RAW_TIMES=1`` the drawn times are used as they are
    (``compare_simulators.py --raw-times``: a check of event timing)."""
    rng = np.random.default_rng(seed)
    n_steps = round(DURATION_MS / DT_MS)
    trains = []
    for _ in range(N_SYN):
        t = np.sort(rng.uniform(0.0, DURATION_MS, rng.poisson(RATE_HZ * DURATION_MS / 1000)))
        if os.environ.get("BENCH_RAW_TIMES") == "1":
            trains.append(t[t < DURATION_MS - DT_MS])
            continue
        k = np.minimum(np.floor(t / DT_MS).astype(int), n_steps - 1)
        trains.append((np.unique(k) + 0.25) * DT_MS)
    return trains


def spike_times(time, trace, threshold: float = 0.0) -> np.ndarray:
    """Times (ms) of upward crossings of `threshold` (mV), linearly interpolated (the same
    function as :func:`dendrites.analysis.spike_times`, here so that the NEURON and Arbor workers
    do not import Brian2)."""
    time, trace = np.asarray(time, float), np.asarray(trace, float)
    up = np.flatnonzero((trace[:-1] < threshold) & (trace[1:] >= threshold))
    frac = (threshold - trace[up]) / (trace[up + 1] - trace[up])
    return time[up] + frac * (time[up + 1] - time[up])


# ------------------------------------------------------------------------------------ dendrites
def dendrites_cell(n: int, variant: str, weight_nS: float = WEIGHT_NS, seed: int = SEED + 1):
    """The model as a `dendrites.Cell`."""
    from brian2 import cm, ms, mV, nS, ohm, siemens, uF

    from dendrites import Cell
    from dendrites.mechanisms import expsyn
    from dendrites.morphology import Morphology, Section

    secs = [Section("soma", "soma", None, [[0.0, 0.0, 0.0, SOMA_DIAM_UM]])]
    for b in branches():
        pts = [[*b.start, b.diameter], [*b.end, b.diameter]]
        secs.append(Section(b.name, "dend", b.parent, pts, n))
    cell = Cell(
        Morphology(secs),
        Ri=RI_OHM_CM * ohm * cm,
        Cm=CM_UF_CM2 * uF / cm**2,
        v_init=V_INIT_MV * mV,
    )
    cell.insert("pas", g=G_PAS_S_CM2 * siemens / cm**2, E=E_PAS_MV * mV)
    if variant != "passive":
        cell.insert(
            "hh",
            where=None if variant == "hh_all" else "soma",
            gnabar=GNABAR_S_CM2 * siemens / cm**2,
            gkbar=GKBAR_S_CM2 * siemens / cm**2,
            ENa=ENA_MV * mV,
            EK=EK_MV * mV,
            V0=-65 * mV,
            phi=3 ** ((CELSIUS - 6.3) / 10),
        )
    cell.add_synapses(
        "syn",
        at=synapse_sites(n),
        receptors={expsyn: weight_nS * nS},
        spikes=[t * ms for t in spike_trains(seed)],
    )
    return cell


def make_cell(n: int = 11, variant: str = "hh_soma", weight_nS: float = WEIGHT_NS):
    """Sweep entry point (``benchmarks/bench_model.py:make_cell``)."""
    return dendrites_cell(int(n), variant, float(weight_nS))


# ------------------------------------------------------------------------------------ NEURON
def neuron_model(n: int, variant: str, weight_nS: float = WEIGHT_NS, seed: int = SEED + 1):
    """The model in NEURON: returns (h, objects to keep alive, soma v Vector, t Vector, netcons).

    Fixed step, backward (implicit) Euler (``h.secondorder = 0``, NEURON's default), dt 0.025 ms.
    The dendrites connect to the middle of the one-segment soma, i.e. to its node, as in Brian2
    where the soma is an isopotential compartment. Events are given with ``NetCon.event`` from an
    ``FInitializeHandler`` (no compiled VecStim needed)."""
    from neuron import h

    h.load_file("stdrun.hoc")
    h.celsius = CELSIUS
    h.dt = DT_MS
    h.steps_per_ms = 1 / DT_MS
    h.secondorder = 0
    h.tstop = DURATION_MS
    soma = h.Section(name="soma")
    soma.L = soma.diam = SOMA_DIAM_UM
    soma.nseg = 1
    secs = {"soma": soma}
    for b in branches():
        s = h.Section(name=b.name)
        s.L, s.diam, s.nseg = BRANCH_LENGTH_UM, b.diameter, n
        s.connect(secs[b.parent](0.5) if b.parent == "soma" else secs[b.parent](1.0))
        secs[b.name] = s
    for s in secs.values():
        s.Ra, s.cm = RI_OHM_CM, CM_UF_CM2
        s.insert("pas")
        for seg in s:
            seg.pas.g, seg.pas.e = G_PAS_S_CM2, E_PAS_MV
        if variant == "hh_all" or (variant == "hh_soma" and s is soma):
            s.insert("hh")
            s.ena, s.ek = ENA_MV, EK_MV
            for seg in s:
                seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl = GNABAR_S_CM2, GKBAR_S_CM2, 0.0
    syns, ncs = [], []
    for (name, x), train in zip(synapse_sites(n), spike_trains(seed), strict=True):
        syn = h.ExpSyn(secs[name](x))
        syn.tau, syn.e = TAU_SYN_MS, E_SYN_MV
        nc = h.NetCon(None, syn)
        nc.delay, nc.weight[0] = 0.0, weight_nS * 1e-3  # uS
        syns.append(syn)
        ncs.append((nc, train))

    def queue():
        for nc, train in ncs:
            for t in train:
                nc.event(float(t))

    fih = h.FInitializeHandler(queue)
    v = h.Vector().record(soma(0.5)._ref_v)
    t = h.Vector().record(h._ref_t)
    keep = (secs, syns, ncs, fih)
    return h, keep, v, t


def neuron_run(h) -> None:
    h.finitialize(V_INIT_MV)
    h.continuerun(DURATION_MS)


# ------------------------------------------------------------------------------------ Arbor
def arbor_model(n: int, variant: str, weight_nS: float = WEIGHT_NS, seed: int = SEED + 1):
    """The model in Arbor 0.12 (default solver, one thread): one CV per compartment
    (``fixed-per-branch n`` on the dendrites, one CV for the soma). The dendrites start at the
    soma cylinder's distal end (Arbor joins children to a segment's end). Returns
    (simulation, sampler handle, number of CVs)."""
    import arbor as A
    from arbor import units as U

    tree = A.segment_tree()
    r = SOMA_DIAM_UM / 2
    seg_of = {"soma": tree.append(A.mnpos, A.mpoint(-r, 0, 0, r), A.mpoint(r, 0, 0, r), tag=1)}
    end_of = {"soma": (r, 0.0, 0.0)}
    for b in branches():
        start = end_of[b.parent]
        end = tuple(float(v) for v in np.add(start, np.subtract(b.end, b.start)))
        rb = b.diameter / 2
        seg_of[b.name] = tree.append(seg_of[b.parent], A.mpoint(*start, rb), A.mpoint(*end, rb), 3)
        end_of[b.name] = end
    decor = A.decor()
    decor.set_property(
        Vm=V_INIT_MV * U.mV,
        cm=CM_UF_CM2 * 1e-2 * U.F / U.m2,
        rL=RI_OHM_CM * U.Ohm * U.cm,
        tempK=(CELSIUS + 273.15) * U.Kelvin,
    )
    decor.set_ion("na", rev_pot=ENA_MV * U.mV)
    decor.set_ion("k", rev_pot=EK_MV * U.mV)
    decor.paint("(all)", A.density(f"pas/e={E_PAS_MV}", {"g": G_PAS_S_CM2}))
    hh = A.density("hh", {"gnabar": GNABAR_S_CM2, "gkbar": GKBAR_S_CM2, "gl": 0.0})
    if variant == "hh_all":
        decor.paint("(all)", hh)
    elif variant == "hh_soma":
        decor.paint("(tag 1)", hh)
    for k, (name, x) in enumerate(synapse_sites(n)):
        decor.place(
            f"(on-components {x!r} (segment {seg_of[name]}))",
            A.synapse("expsyn", {"tau": TAU_SYN_MS, "e": E_SYN_MV}),
            f"syn{k}",
        )
    policy = A.cv_policy(f"(join (fixed-per-branch {n} (tag 3)) (single (tag 1)))")
    cell = A.cable_cell(A.morphology(tree), decor, A.label_dict(), policy)
    trains = spike_trains(seed)
    weight_uS = weight_nS * 1e-3

    class Recipe(A.recipe):
        def __init__(self):
            super().__init__()
            self.props = A.neuron_cable_properties()

        def num_cells(self):
            return 1

        def cell_kind(self, gid):
            return A.cell_kind.cable

        def cell_description(self, gid):
            return cell

        def global_properties(self, kind):
            return self.props

        def probes(self, gid):
            return [A.cable_probe_membrane_voltage("(location 0 0.5)", "Um")]

        def event_generators(self, gid):
            return [
                A.event_generator(
                    f"syn{k}", weight_uS, A.explicit_schedule([float(x) * U.ms for x in tr])
                )
                for k, tr in enumerate(trains)
                if len(tr)
            ]

    recipe = Recipe()
    ctx = A.context(threads=1)
    sim = A.simulation(recipe, ctx)
    handle = sim.sample((0, "Um"), A.regular_schedule(DT_MS * U.ms))
    return sim, handle, A.cv_data(cell).num_cv, recipe


def arbor_run(sim, handle):
    """Run; returns (t ms, v mV) at the soma."""
    from arbor import units as U

    sim.run(DURATION_MS * U.ms, DT_MS * U.ms)
    data, _meta = sim.samples(handle)[0]
    return np.asarray(data[:, 0]), np.asarray(data[:, 1])
