"""XOR in one dendrite: graded dendritic Ca action potentials (Gidon et al. 2020).

Gidon et al. (2020) found that dendritic Ca action potentials (dCaAPs) in human layer 2/3
pyramidal neurons are largest for input just at threshold and smaller for stronger input. A
dendrite with such a mechanism answers "X alone" and "Y alone" with a full dCaAP and "X and Y"
with damped ones: the exclusive OR, which no single threshold unit (perceptron) can compute.

Cell: a passive, simplified human L2/3-like pyramidal neuron (``dendrites.morphology.pyramidal``,
not a reconstruction): soma 20 um, four basal stems with two thin branches each, an apical trunk
of 800 um tapering 3 -> 1.2 um with four obliques, a small tuft; compartments of at most 20 um.
Membrane of the paper's model (targets.md): Cm 0.45 uF/cm2, Ri 100 ohm cm, Rm 37 kOhm cm2, leak
reversal -74 mV. The dCaAP (``dendrites.mechanisms.dcaap``: Gidon et al.'s phenomenological
current, with the original level-based trigger, ``K`` from ``v`` at the first step above -36 mV,
200 ms refractory period, ``A`` and ``B`` in closed form) sits in the one trunk compartment nearest
500 um from the soma. Its peak density ``w`` (0.5 mA/cm2) is not given by the paper as such; it
was set so that a full dCaAP (K = 1) depolarises the site by about 33 mV from threshold, and the
XOR result does not hinge on it:
``K`` is fixed at onset, before the dCaAP current flows (0.05 and 0.5 mA/cm2 gave the same events).

Inputs: pathways X and Y, 25 synapses each (AMPA 0.5 nS + NMDA 1 nS peak, both times a pathway
strength ``s``; double-exponential NMDA with Jahr-Stevens Mg block), at fixed random positions on
the trunk 400-600 um from the soma, each driven by an independent 20 Hz Poisson train for 1 s when
the pathway is on; background: 30 AMPA synapses (0.5 nS) over the dendrites at 5 Hz. Seeds change
every spike train, not the positions (one C++ build for all points).

Readout, defined before any run: the dCaAPs' mean amplitude factor ``K`` over all events in the
1 s stimulus (0 if none); the output is 1 when it is at least 0.5 (half a full dCaAP). Because the
trigger is level-based, the first event of a slowly rising input has ``K`` close to 1 in every
row; sustained input above threshold re-fires the dCaAP every 200 ms, and these re-fired events
are graded (targets.md). The readout therefore reports how far above threshold the dendrite sits
while the input lasts. A somatic readout is not used: the NMDA drive reaches the soma directly,
and the somatic depolarisation grows with the number of active pathways, like a point neuron's.

Controls: the point neuron of the same cell (``dendrites.electrotonic.point_neuron``: one
compartment with the soma's input resistance and time constant, every synapse on it; no dendrite,
so no dCaAP site) with its somatic depolarisation as readout; and the best perceptron on the binary
inputs, found by linear feasibility (``dendrites.ann.linear_separability``): XOR is infeasible, so
at most 3 of 4 rows, a proof rather than a fit.

Panels: (a) the graded dCaAP: ``K`` of the first and of the re-fired events against a current
step at the site, in multiples of the steady-state threshold current; (b) membrane potential at the
site for the four input rows (the first held-out seed, at the shown strength); (c) the readout
against pathway strength for each row (median and range over the calibration seeds), with the band
where the neuron computes XOR in every calibration seed, and the held-out seeds' medians at the
shown strength; (d) truth tables side by side: the target, the dendrite (rows right in how many
held-out seeds), the point neuron and the best perceptron.

Calibration (``CALIBRATION``): before this script existed, a scan of ``s`` in steps of 0.05 over
5 seeds showed XOR for s of about 0.25-0.33 and not outside it: at lower strength X alone rarely
reaches threshold in a 1 s window, at higher strength X alone already sits far enough above it that
its re-fired events are damped too. The shown strength, 0.3, was chosen as the middle of that band.
The study repeats the scan on its calibration seeds (panel c) and reports the band where every one
of them gives XOR, with its width; the headline (seeds with all 4 rows right) is scored at 0.3 on
other seeds, never used to choose it. The paper reports XOR for its own conductances; targets.md
reports a similarly narrow band (0.6-0.7x of those) on another simplified cell. The band is a
property of the phenomenological model with a level-based trigger: the dendrite computes XOR where
one pathway alone brings the site close to the dCaAP threshold.

Findings: the numbers are the claims (figures/xor_dendrite.json): the held-out seeds with all 4
rows right, the XOR band, the point neuron's and the best perceptron's rows, and the graded dCaAP
(the re-fired events' K just above the threshold current against 3x it).

References: Gidon A, Zolnik TA, Fidzinski P, et al. (2020) Science 367:83-87; Jahr & Stevens (1990)
J Neurosci 10:3178-3182.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from brian2 import Hz, cm, mA, ms, mV, nA, nS, ohm, uF, um

from dendrites import Cell, morphology
from dendrites.ann import linear_separability
from dendrites.cli import run_script
from dendrites.electrotonic import input_resistance, point_neuron
from dendrites.mechanisms import ampa, dcaap, nmda
from dendrites.stimuli import Step
from dendrites.studies import Claim
from dendrites.studykit import cached_base, passive_cell, run_sweeps
from dendrites.sweep import Sweep

TITLE = "XOR in one dendrite: graded dendritic Ca action potentials"
CAPTION = (
    "A dendrite with graded dCaAPs (Gidon et al. 2020) computes XOR of two input pathways; a "
    "point neuron and a perceptron cannot. (a) dCaAP amplitude factor K against a current step "
    "at the dCaAP site: the first event of a slow rise is full, the events re-fired under "
    "sustained input shrink as the input grows. (b) Membrane potential at the site for the four "
    "input rows (X, Y: 25 AMPA+NMDA synapses each at 20 Hz). (c) Readout (mean K of the dCaAPs "
    "during the 1 s input) against pathway strength, median and range over the calibration "
    "seeds; grey: where every calibration seed gives XOR (the band the strength was chosen in); "
    "black: the held-out seeds at the chosen strength. (d) Truth tables on the held-out seeds: "
    "target XOR, the dendrite (rows right in how many seeds), the point neuron's somatic "
    "depolarisation and the best perceptron (linear feasibility: at most 3 of 4)."
)
CALIBRATION = [
    "Pathway strength 0.3 (x 0.5 nS AMPA + 1 nS NMDA per synapse): the middle of the band where a "
    "scan in 0.05 steps over 5 seeds, before this script existed, gave XOR. The study repeats the "
    "scan on calibration seeds 0-9 (quick mode: 0-1) and reports the band; the headline is scored "
    "on seeds 10-19, never used to choose the strength.",
    "dCaAP peak density 0.5 mA/cm2: set so that a full dCaAP depolarises the site by about 33 mV "
    "from threshold (0.05 mA/cm2 gave the same events).",
]
SUMMARY = (
    "one dendrite computes XOR with graded Ca action potentials: all 4 rows right in "
    "{held-out seeds with all 4 XOR rows right (dendrite at the chosen strength, of 10):.0f} of 10 "
    "held-out seeds at pathway strength "
    "{pathway strength chosen (scored on the held-out seeds):g}, chosen on other seeds inside the "
    "band "
    "{XOR band (every calibration seed gives XOR): lowest scanned strength:g}-"
    "{XOR band (every calibration seed gives XOR): highest scanned strength:g} where each of them "
    "gives XOR, while the point neuron and the best perceptron (proved by linear programming) get "
    "{XOR rows right, point neuron (best threshold, of 4):.0f}/4 and "
    "{XOR rows right, best perceptron (linear feasibility, of 4):.0f}/4 (Gidon et al. 2020)"
)

RM, RI, CM, E_L = 37e3, 100.0, 0.45, -74.0  # ohm cm2, ohm cm, uF/cm2, mV (Gidon et al. 2020)
SITE_UM = 500.0
N_PATHWAY = 25
ROWS = ["00", "10", "01", "11"]  # (X, Y)
XOR = {"00": 0, "10": 1, "01": 1, "11": 0}
N_EVENTS = 8  # room for every event of a 1 s input (one per 200 ms refractory period)
LAYOUT_SEED = 2020  # synapse positions: fixed, part of the structure


def parameters(quick: bool) -> dict:
    """Everything the result depends on."""
    return {
        # the calibration scan: strengths x calibration seeds (those the strength was chosen on)
        "strengths": [0.25, 0.3, 0.35]
        if quick
        else [0.15, 0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35, 0.4, 0.5],
        "calibration_seeds": [0, 1] if quick else list(range(10)),
        "shown_strength": 0.3,
        # the headline: held-out seeds at the shown strength, disjoint from the calibration seeds
        "seeds": list(range(10, 20)),
        "step_multiples": [0.95, 1.02, 1.1, 1.25, 1.5, 2.0, 3.0]
        if quick
        else [0.95, 1.0, 1.02, 1.05, 1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0],
        "onset_ms": 50.0,
        "stimulus_ms": 1000.0,
        "dt_ms": 0.025,
        "record_dt_ms": 0.2,
        "w_dcaap_mA_cm2": 0.5,
        "w_ampa_nS": 0.5,
        "w_nmda_nS": 1.0,
        "rate_Hz": 20.0,
        "n_background": 30,
        "background_rate_Hz": 5.0,
        "readout_threshold": 0.5,
    }


def _morphology():
    return morphology.pyramidal(
        soma_diameter=20 * um,
        trunk_length=800 * um,
        trunk_diameter_start=3 * um,
        trunk_diameter_end=1.2 * um,
        n_oblique=4,
        oblique_start=100 * um,
        oblique_end=450 * um,
        oblique_length=150 * um,
        oblique_diameter=0.7 * um,
    ).compartmentalize(Ri=RI * ohm * cm, Cm=CM * uF / cm**2, max_length=20 * um)


@cached_base
def _base(params: dict):
    """The cell without synapses, its dCaAP site, synapse positions, point neuron and threshold
    current (built once per process; each call returns copies of the cells)."""
    morph = _morphology()
    table = morph.compartments
    apical = np.asarray(morph.select("apical"))
    site = int(np.flatnonzero(apical)[np.argmin(np.abs(table.distance[apical] - SITE_UM))])
    rng = np.random.default_rng(LAYOUT_SEED)
    near = np.flatnonzero(
        apical & (table.distance > SITE_UM - 100) & (table.distance < SITE_UM + 100)
    )
    x_sites, y_sites = rng.choice(near, N_PATHWAY), rng.choice(near, N_PATHWAY)
    dend = np.flatnonzero(np.asarray(morph.select(["basal", "apical", "oblique", "tuft"])))
    bg_sites = rng.choice(dend, params["n_background"])
    cell = passive_cell(morph, Rm_ohm_cm2=RM, Ri_ohm_cm=RI, Cm_uF_cm2=CM, E_mV=E_L)
    passive = cell.copy()
    cell.insert(
        dcaap,
        where=lambda c: np.arange(len(c.distance)) == site,
        w=params["w_dcaap_mA_cm2"] * mA / cm**2,
    )
    # steady-state current that brings the site to the dCaAP threshold (passive cell)
    r_site = float(input_resistance(passive, site) / ohm)
    i_threshold = (float(dcaap.parameters["vth"] / mV) - E_L) * 1e-3 / r_site  # amp
    return cell, site, (x_sites, y_sites, bg_sites), point_neuron(passive), i_threshold


def _inputs(cell: Cell, sites, params: dict, strength: float, row: str, seed: int) -> Cell:
    x_sites, y_sites, bg_sites = sites
    stop = (params["onset_ms"] + params["stimulus_ms"]) * ms
    on = {"X": row[0] == "1", "Y": row[1] == "1"}
    for k, (name, where) in enumerate((("X", x_sites), ("Y", y_sites))):
        cell.add_synapses(
            name,
            at=list(where),
            receptors=[
                (ampa, params["w_ampa_nS"] * strength * nS),
                (nmda, params["w_nmda_nS"] * strength * nS),
            ],
            rate=(params["rate_Hz"] if on[name] else 0.0) * Hz,
            start=params["onset_ms"] * ms,
            stop=stop,
            seed=1000 * seed + k,
        )
    cell.add_synapses(
        "background",
        at=list(bg_sites),
        receptors=[(ampa, params["w_ampa_nS"] * nS)],
        rate=params["background_rate_Hz"] * Hz,
        stop=stop,
        seed=1000 * seed + 2,
    )
    return cell


# The sweeps below name these functions by file path, so that worker processes can load them.
def xor_cell(params: dict, strength: float, row: str, seed: int, step: float = 0.0) -> Cell:
    """The dendritic cell with pathways X and Y on or off as `row` says, at `strength`; an
    electrode at the dCaAP site injects `step` times the threshold current (0 in the XOR runs)."""
    base, site, sites, _point, i_th = _base(params)
    cell = _inputs(base, sites, params, strength, row, seed)
    cell.add_current_clamp(
        site, Step(step * i_th * 1e9 * nA, params["onset_ms"] * ms, params["stimulus_ms"] * ms)
    )
    return cell


def point_cell(params: dict, strength: float, row: str, seed: int) -> Cell:
    """The point neuron with the same synapses and spike trains, all on its one compartment."""
    _base_cell, _site, sites, point, _i = _base(params)
    zeros = tuple(np.zeros_like(s) for s in sites)
    return _inputs(point, zeros, params, strength, row, seed)


def site_events(ds: xr.Dataset, **_) -> xr.Dataset:
    """Traces at the soma and the dCaAP site, and each dCaAP's onset and amplitude factor K."""
    comps = ds.compartment.values
    site = int(comps[-1])
    ton = ds.t_on_dcaap.sel(compartment=site).values
    k = ds.K_dcaap.sel(compartment=site).values
    assert ds.t_on_dcaap.attrs["units"] == "ms"
    onsets = np.full(N_EVENTS, np.nan)
    amps = np.full(N_EVENTS, np.nan)
    for j, on in enumerate(np.unique(ton[ton >= 0])[:N_EVENTS]):
        onsets[j] = on
        amps[j] = k[np.flatnonzero(ton == on)[0]]
    return xr.Dataset(
        {
            "v_soma": ds.v.sel(compartment=0, drop=True),
            "v_site": ds.v.sel(compartment=site, drop=True),
            "onset": ("event", onsets),
            "K": ("event", amps),
        }
    )


def soma_trace(ds: xr.Dataset, **_) -> xr.Dataset:
    """The point neuron's (only) trace."""
    return xr.Dataset({"v_soma": ds.v.sel(compartment=0, drop=True)})


#: Parameters that choose which runs are made, not how a cell is built or run.
_GRID_ONLY = ("strengths", "calibration_seeds", "seeds", "shown_strength", "step_multiples")


def compute(params: dict, progress) -> xr.Dataset:
    """Steps at the site; the XOR rows at every scanned strength on the calibration seeds; the
    XOR rows of the dendrite and the point neuron at the shown strength on the held-out seeds."""
    cal, seeds = list(params["calibration_seeds"]), list(params["seeds"])
    if set(cal) & set(seeds):
        raise ValueError(f"held-out seeds {seeds} overlap the calibration seeds {cal}")
    shown = float(params["shown_strength"])
    cell_params = {k: v for k, v in params.items() if k not in _GRID_ONLY}
    _cell, site, _sites, _point, i_th = _base(cell_params)
    here = f"{Path(__file__).resolve()}:"
    record = {"v": [0, site], "K_dcaap": [site], "t_on_dcaap": [site]}

    def sweep(part, grid, make_cell, reduce, record, **constants):
        return Sweep(
            f"xor_dendrite-{part}",
            grid,
            make_cell=here + make_cell,
            reduce=here + reduce,
            duration=(params["onset_ms"] + params["stimulus_ms"] + 50.0) * ms,
            dt=params["dt_ms"] * ms,
            record=record,
            record_dt=params["record_dt_ms"] * ms,
            constants={"params": cell_params, **constants},
        )

    step_grid = {"step": [float(m) for m in params["step_multiples"]]}
    scan_grid = {"strength": [float(s) for s in params["strengths"]], "row": ROWS, "seed": cal}
    held_grid = {"strength": [shown], "row": ROWS, "seed": seeds}
    steps, scan, held, point = run_sweeps(
        [
            sweep(
                "steps",
                step_grid,
                "xor_cell",
                "site_events",
                record,
                strength=0.0,
                row="00",
                seed=0,
            ),
            sweep("rows", scan_grid, "xor_cell", "site_events", record),
            sweep("rows", held_grid, "xor_cell", "site_events", record),
            sweep("point", held_grid, "point_cell", "soma_trace", {"v": [0]}),
        ],
        progress,
    )
    held = held.sel(strength=shown)
    scan_dims = ("strength", "row", "calibration_seed", "event")
    scan = scan.rename(seed="calibration_seed")
    first = held.sel(seed=seeds[0])
    return xr.Dataset(
        {
            "step_K": (("step", "event"), steps.K.values, {"long_name": "dCaAP amplitude factor"}),
            "step_onset": (("step", "event"), steps.onset.values, {"units": "ms"}),
            "K_scan": (scan_dims, scan.K.transpose(*scan_dims).values),
            "onset_scan": (scan_dims, scan.onset.transpose(*scan_dims).values, {"units": "ms"}),
            "K": (("row", "seed", "event"), held.K.transpose("row", "seed", "event").values),
            "onset": (
                ("row", "seed", "event"),
                held.onset.transpose("row", "seed", "event").values,
                {"units": "ms"},
            ),
            "v_site": (
                ("row", "time"),
                first.v_site.transpose("row", "time").values,
                {"units": "mV", "long_name": "membrane potential at the dCaAP site"},
            ),
            "v_soma": (
                ("row", "time"),
                first.v_soma.transpose("row", "time").values,
                {"units": "mV"},
            ),
            "point_depolarisation": (
                ("row", "seed"),
                _mean_depolarisation(point.sel(strength=shown), params)
                .transpose("row", "seed")
                .values,
                {"units": "mV", "long_name": "point neuron: mean depolarisation during input"},
            ),
        },
        coords={
            "step": (
                "step",
                np.asarray(params["step_multiples"], float),
                {"long_name": "step / threshold current"},
            ),
            "strength": ("strength", np.asarray(params["strengths"], float)),
            "row": ROWS,
            "calibration_seed": (
                "calibration_seed",
                np.asarray(cal),
                {"long_name": "seeds the strength was chosen on"},
            ),
            "seed": ("seed", np.asarray(seeds), {"long_name": "held-out seeds"}),
            "time": ("time", held.time.values, {"units": "ms"}),
        },
        attrs={
            "site_distance_um": float(_cell.morphology.compartments.distance[site]),
            "threshold_current_pA": i_th * 1e12,
            "onset_ms": params["onset_ms"],
            "stimulus_ms": params["stimulus_ms"],
            "shown_strength": shown,
            "readout_threshold": params["readout_threshold"],
            "rest_mV": E_L,
            "n_compartments": _cell.morphology.n_compartments,
        },
    )


def _mean_depolarisation(point: xr.Dataset, params: dict) -> xr.DataArray:
    t = point.time.values  # ms
    on = (t >= params["onset_ms"]) & (t < params["onset_ms"] + params["stimulus_ms"])
    return point.v_soma.isel(time=np.flatnonzero(on)).mean("time") - E_L


# ------------------------------------------------------------------------------ analysis
def readout(K: xr.DataArray) -> xr.DataArray:
    """Mean K of the dCaAPs during the input (0 without any): `K` without its ``event`` dim."""
    return K.mean("event", skipna=True).fillna(0.0)


def rows_right(K: xr.DataArray, threshold: float) -> xr.DataArray:
    """Rows of the XOR table the dendrite gets right (0-4), from the events' `K` (dims ``row``,
    ``event`` and any others): the output is 1 where the readout is at least `threshold`."""
    out = readout(K) >= threshold
    target = xr.DataArray([XOR[r] for r in K.row.values], coords={"row": K.row.values})
    return (out == (target == 1)).sum("row")


def xor_band(ds: xr.Dataset) -> tuple[float, float]:
    """The band of scanned strengths around the shown one in which every calibration seed gets
    all 4 rows right: (lowest, highest) strength of that contiguous run, NaN if the shown
    strength itself fails."""
    every = (rows_right(ds.K_scan, ds.attrs["readout_threshold"]) == 4).all("calibration_seed")
    strengths, ok = ds.strength.values, every.sel(strength=ds.strength.values).values
    i = int(np.flatnonzero(np.isclose(strengths, ds.attrs["shown_strength"]))[0])
    if not ok[i]:
        return float("nan"), float("nan")
    lo, hi = i, i
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < len(ok) - 1 and ok[hi + 1]:
        hi += 1
    return float(strengths[lo]), float(strengths[hi])


def point_rows_right(depolarisation: xr.DataArray) -> int:
    """Most XOR rows any threshold on the point neuron's median depolarisation (over ``seed``)
    gets right."""
    values = depolarisation.median("seed").values
    target = np.array([XOR[r] for r in depolarisation.row.values])
    best = 0
    for theta in np.concatenate([[-np.inf], np.sort(values) + 1e-9]):
        for sign in (1, -1):  # output 1 above (or below) the threshold
            out = (sign * (values - theta) > 0).astype(int)
            best = max(best, int(np.sum(out == target)))
    return best


def perceptron_rows_right() -> int:
    """Most XOR rows a single threshold unit gets right (linear programming, exact)."""
    X = [[int(r[0]), int(r[1])] for r in ROWS]
    return linear_separability(X, [XOR[r] for r in ROWS]).best_rows_correct


def _edge_step(scanned: np.ndarray, lo: float, hi: float) -> float:
    """How far the band's edges are from the next scanned strengths (where XOR fails): the
    larger of the two gaps, NaN when an edge is the end of the scan or there is no band."""
    below, above = scanned[scanned < lo], scanned[scanned > hi]
    if not (below.size and above.size):
        return float("nan")
    return round(float(max(lo - below.max(), above.min() - hi)), 9)


def claims(ds: xr.Dataset) -> list[Claim]:
    """The headline on the held-out seeds, the XOR band on the calibration seeds, the controls
    and the graded dCaAP."""
    s, thr = float(ds.attrs["shown_strength"]), float(ds.attrs["readout_threshold"])
    right = rows_right(ds.K, thr).values
    n_seeds = len(right)
    calibration = rows_right(ds.K_scan.sel(strength=s), thr).values
    lo, hi = xor_band(ds)
    scanned = np.sort(ds.strength.values)
    k_steps = ds.step_K.isel(event=slice(1, None)).mean("event", skipna=True)
    near = float(k_steps.sel(step=ds.step.values[ds.step.values >= 1.0].min()))
    strong = float(k_steps.sel(step=ds.step.values.max()))
    band = "XOR band (every calibration seed gives XOR)"
    return [
        Claim.at_least(
            f"held-out seeds with all 4 XOR rows right (dendrite at the chosen strength, of "
            f"{n_seeds})",
            int(np.sum(right == 4)),
            "",
            int(np.ceil(0.9 * n_seeds)),
        ),
        Claim.report(
            "XOR rows right per held-out seed, fewest over seeds (of 4)", int(right.min()), ""
        ),
        Claim.report(
            "calibration seeds with all 4 XOR rows right at the chosen strength (fraction)",
            float(np.mean(calibration == 4)),
            "",
        ),
        Claim.report(f"{band}: lowest scanned strength", lo, ""),
        Claim.report(f"{band}: highest scanned strength", hi, ""),
        Claim.report("XOR band: width (highest - lowest strength)", round(hi - lo, 9), ""),
        # what was chosen and how finely: parameters, not findings
        Claim.report("pathway strength chosen (scored on the held-out seeds)", s, "", kind="check"),
        Claim.report(
            "XOR band: scan step at its edges (the larger of the two; NaN at the scan's end)",
            _edge_step(scanned, lo, hi),
            "",
            kind="check",
        ),
        Claim.at_most(
            "XOR rows right, point neuron (best threshold, of 4)",
            point_rows_right(ds.point_depolarisation),
            "",
            3,
        ),
        # a theorem (XOR is not linearly separable), computed without any simulation
        Claim.at_most(
            "XOR rows right, best perceptron (linear feasibility, of 4)",
            perceptron_rows_right(),
            "",
            3,
            kind="check",
        ),
        Claim.at_least(
            "re-fired dCaAP K just above threshold / at 3x threshold current",
            near / strong,
            "",
            2.0,
        ),
        Claim.report("re-fired dCaAP K just above threshold", near, ""),
        Claim.report("re-fired dCaAP K at 3x threshold current", strong, ""),
        Claim.report("threshold current at the site", ds.attrs["threshold_current_pA"], "pA"),
    ]


# ------------------------------------------------------------------------------ figure
def plot(ds: xr.Dataset):
    """Graded dCaAP, four traces, readout vs strength, truth tables."""
    import matplotlib.pyplot as plt

    from dendrites.plotting import COLORS, panel_label, use_style

    use_style()
    row_colors = {"00": "0.6", "10": COLORS["dendrite"], "01": COLORS["ampa"], "11": COLORS["nmda"]}
    row_names = {"00": "neither", "10": "X only", "01": "Y only", "11": "X and Y"}
    s = float(ds.attrs["shown_strength"])
    thr = ds.attrs["readout_threshold"]
    fig, axes = plt.subplots(2, 2, figsize=(12.5, 9), constrained_layout=True)

    ax = axes[0, 0]
    x = ds.step.values
    ax.plot(x, ds.step_K.isel(event=0), "o--", color="0.5", label="first event (slow rise)")
    refired = ds.step_K.isel(event=slice(1, None))
    ax.plot(
        x,
        refired.mean("event", skipna=True),
        "o-",
        color=COLORS["dendrite"],
        lw=2,
        label="re-fired events (mean)",
    )
    ax.axvline(1.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel(
        f"current step at the site / threshold current ({ds.attrs['threshold_current_pA']:.0f} pA)"
    )
    ax.set_ylabel("dCaAP amplitude factor K")
    ax.set_ylim(0, 1.08)
    ax.set_title(f"graded dCaAP ({ds.attrs['site_distance_um']:.0f} um from the soma)")
    ax.legend(fontsize=8, loc="center right")
    panel_label(ax, "a")

    ax = axes[0, 1]
    t = ds.time.values - ds.attrs["onset_ms"]
    for r in ROWS:
        ax.plot(
            t,
            ds.v_site.sel(row=r),
            color=row_colors[r],
            lw=1.0 if r == "00" else 1.2,
            label=f"{row_names[r]} (X={r[0]}, Y={r[1]})",
        )
    ax.axhline(
        float(dcaap.parameters["vth"] / mV),
        color=COLORS["theory"],
        ls=":",
        lw=1,
        label="dCaAP threshold",
    )
    ax.axvspan(0, ds.attrs["stimulus_ms"], color="0.95", zorder=0)
    ax.set_xlabel("time after input onset (ms)")
    ax.set_ylabel("membrane potential at the site (mV)")
    ax.set_title(f"four input rows (strength {s:g}, held-out seed {int(ds.seed.values[0])})")
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    panel_label(ax, "b")

    ax = axes[1, 0]
    r_out = readout(ds.K_scan)
    held = readout(ds.K).median("seed")
    strengths = ds.strength.values
    for r in ROWS:
        vals = r_out.sel(row=r)
        lo, hi = vals.min("calibration_seed"), vals.max("calibration_seed")
        median = vals.median("calibration_seed")
        ax.plot(strengths, median, "o-", color=row_colors[r], label=row_names[r])
        ax.fill_between(strengths, lo, hi, color=row_colors[r], alpha=0.18, lw=0)
        edge = dict(mec="black", mew=1.2, ms=8, zorder=5)
        ax.plot([s], [float(held.sel(row=r))], "o", color=row_colors[r], **edge)
    ax.plot([], [], "o", mfc="white", mec="black", label="held-out seeds (median)")
    every = (rows_right(ds.K_scan, thr) == 4).all("calibration_seed").values
    mids = (strengths[1:] + strengths[:-1]) / 2
    gap = np.diff(strengths).min() / 2 if len(strengths) > 1 else 0.025
    left = np.concatenate([[strengths[0] - gap], mids])
    right = np.concatenate([mids, [strengths[-1] + gap]])
    for a, b, good in zip(left, right, every, strict=True):
        if good:
            ax.axvspan(a, b, color="0.85", zorder=0)
    ax.axhline(thr, color=COLORS["theory"], ls=":", lw=1, label=f"readout threshold ({thr:g})")
    ax.axvline(s, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("pathway strength (x 0.5 nS AMPA + 1 nS NMDA per synapse)")
    ax.set_ylabel("readout: mean dCaAP K during input")
    ax.set_ylim(-0.03, 1.05)
    n_cal = ds.sizes["calibration_seed"]
    ax.set_title(f"XOR band (grey: XOR in all {n_cal} calibration seeds)")
    ax.legend(fontsize=8, loc="upper right")
    panel_label(ax, "c")

    ax = axes[1, 1]
    ax.axis("off")
    right = rows_right(ds.K, thr)
    out = readout(ds.K)
    dep = ds.point_depolarisation.median("seed")
    n = len(ds.seed)
    header = [
        "X",
        "Y",
        "XOR",
        "dendrite\n(seeds right, K)",
        "point neuron\ndepol. (mV)",
        "best\nperceptron",
    ]
    percep = _perceptron_outputs()
    cells = []
    for r in ROWS:
        frac = int(((out.sel(row=r) >= thr) == bool(XOR[r])).sum())
        k_med = float(out.sel(row=r).median())
        cells.append(
            [
                r[0],
                r[1],
                str(XOR[r]),
                f"{frac}/{n}  (K {k_med:.2f})",
                f"{float(dep.sel(row=r)):.1f}",
                str(percep[r]),
            ]
        )
    cells.append(
        [
            "",
            "",
            "rows right",
            f"4/4 in {int((right == 4).sum())}/{n} seeds",
            f"best {point_rows_right(ds.point_depolarisation)}/4",
            f"{perceptron_rows_right()}/4",
        ]
    )
    table = ax.table(
        cellText=cells,
        colLabels=header,
        loc="center",
        cellLoc="center",
        colWidths=[0.07, 0.07, 0.14, 0.28, 0.22, 0.16],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 2.2)
    for (i, j), cell in table.get_celld().items():
        if i == 0:
            cell.set_text_props(weight="bold")
            cell.set_height(cell.get_height() * 1.6)
        if j == 4 and 0 < i <= 4:
            cell.set_facecolor("#eeeeee")
    ax.set_title(f"truth tables, {n} held-out seeds: only the dendrite computes XOR")
    panel_label(ax, "d")
    return fig


def _perceptron_outputs() -> dict:
    """Outputs of the best threshold unit found by linear feasibility (3 of 4 XOR rows; which
    row it misses is one of several equally good choices)."""
    X = np.array([[int(r[0]), int(r[1])] for r in ROWS], float)
    unit = linear_separability(X, [XOR[r] for r in ROWS])
    return dict(zip(ROWS, (X @ unit.weights + unit.bias > 0).astype(int).tolist(), strict=True))


if __name__ == "__main__":
    run_script(__file__)
