"""Clustered against distributed synaptic input: sigmoidal summation within a thin branch, linear
summation between branches (Polsky, Mel & Schiller 2004).

Polsky et al. stimulated pairs of inputs on the thin basal dendrites of layer 5 pyramidal neurons
and compared the measured somatic response with the *expected* one (the arithmetic sum of the
responses to each input alone). Inputs on one branch summed sigmoidally, through NMDA spikes, and
the supralinearity vanished under the NMDA antagonist APV; inputs on different branches summed
linearly. Here 1..N synapses (AMPA + NMDA) are activated together

* clustered: N sites within 30 um on one thin basal branch;
* distributed: one site on each of N different thin basal branches, at the same distance;

and the peak somatic depolarisation is compared with the peak of the summed single-synapse
responses. Three conditions: the full model; APV (NMDA weight 0, the AMPA component alone); the
matched point neuron (``dendrites.electrotonic.point_neuron``: same input resistance and
membrane time constant at the soma, every synapse on its one compartment), where clustered and
distributed input are the same thing and which therefore shows how much nonlinearity the NMDA
receptors produce without any dendrite. The NMDA peak conductance per synapse is swept, and the
range in which every claim holds is reported (the "NMDA window").

Cell (passive, no voltage-gated channels; the responses stay subthreshold as in Polsky's
measured-vs-expected protocol): ``dendrites.morphology.pyramidal`` with ``n_basal=10`` primary
basal dendrites (50 um, 1.5 um thick), each splitting into two thin (0.7 um, 150 um) branches,
i.e. 20 thin basal branches, enough to put each distributed synapse on its own branch (a simplified
tree: real basal trees have more, shorter terminal branches); every other dimension the package
default. Membrane and cable as in the model of Branco, Clark & Hausser (2010, Science 329:1671):
Rm 10 kOhm cm2, Ri 150 ohm cm, Cm 1 uF/cm2, rest -75 mV; spines are accounted for by doubling
Cm and the leak conductance in every dendrite (spine factor 2; Branco et al. 2010 use Cm
2 uF/cm2 in dendrites). Compartments by the d_lambda rule
(0.1 at 100 Hz, with the dendrites' Cm 2 uF/cm2), at most 10 um long: the d_lambda rule alone
(~14 um in the thin branches) moved the within-branch ratio at the NMDA-spike threshold by 0.05,
10 um is within 0.01 of 5 um compartments (and dt 25 us within 0.002 of 12.5 us). The somatic
input resistance (a claim) is in the range of layer 5 pyramidal neurons and lower than the ~160
MOhm of the simplified cell mentioned in the targets.

Synapses (``dendrites.mechanisms.synapses``): AMPA 0.5 nS peak (the unitary conductance of the
Branco et al. 2010 model), double exponential 0.2/2 ms; NMDA double exponential 2/80 ms with the
Jahr & Stevens (1990, J Neurosci 10:3178) Mg block at 1 mM (the package default, kept because it
is the measured form), nominal peak conductance 1.6 nS (the effective NMDA conductance of the
Branco et al. 2010 model, whose NMDA receptor is a kinetic scheme; here an NMDA:AMPA
peak-conductance ratio of 3.2), swept from 0.6 to 3.4 nS in 0.2 nS steps (quick mode: 0.8, 1.6,
2.4, 3.2 nS). All synapses of a run are activated at the same time (10 ms).

Analysis (``dendrites.summation``): expected(k) = peak of the sum of the k single-synapse somatic
responses (the sites added in a fixed order); measured/expected ratio per k; the within-branch
curve (measured against expected) is tested for sigmoidality by a strict test (a logistic's AICc
beats a line's AND its steepest slope is >= 1.5x its initial slope AND its midpoint lies inside
the data); the between-branch curve is compared with the point neuron at every k and by its
least-squares slope.

Findings (this model; the numbers are the claims, figures/clustered_vs_distributed.json): a
cluster of a few coactive synapses fires an NMDA spike (a local plateau lasting tens of ms, panel
b) and the within-branch curve is sigmoidal; APV turns it strongly sublinear (with AMPA alone, 20
synapses within 30 um drive the thin branch close to the AMPA reversal potential, so each adds
less current); the distributed inputs sum like the point neuron's. Every claim with a target
holds only in a window of NMDA conductance per synapse (the "NMDA window" claims, panels e and f),
computed from the same claims at every swept conductance. Below it the within-branch ratio falls
short of 1.5 (the curve may stay strictly sigmoidal but only slightly supralinear): this cell
(the input resistance is a claim; 20 thin basal branches) loads the cluster more than the ~160
MOhm cell of the targets, whose window was 0.9-1.25 nS. Above it the between-branch slope
exceeds 1.1, but the between-branch ratios still follow the point neuron's (panel f): the extra
supralinearity is the whole cell's depolarisation unblocking NMDA receptors everywhere, which a
point neuron shows as well, not a dendritic effect.

References: Polsky, Mel & Schiller (2004) Nat Neurosci 7:621-627; Schiller, Major, Koester &
Schiller (2000) Nature 404:285-289 (NMDA spikes in basal dendrites); Jahr & Stevens (1990)
J Neurosci 10:3178-3182; Branco, Clark & Hausser (2010) Science 329:1671-1675.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from brian2 import cm, ms, nS, ohm, uF, um

from dendrites import Cell, morphology
from dendrites.cli import run_script
from dendrites.electrotonic import input_resistance, point_neuron
from dendrites.studies import Claim
from dendrites.studykit import cached_base, passive_cell, run_sweeps
from dendrites.summation import (
    expected_peaks,
    linear_slope,
    peak_deflection,
    strict_sigmoid_test,
    window,
)
from dendrites.sweep import Sweep

TITLE = "Clustered inputs sum sigmoidally, distributed inputs linearly"
CAPTION = (
    "Synapses (AMPA 0.5 nS + NMDA, Jahr-Stevens Mg block) activated together on one thin basal "
    "branch (within) or one per branch on different basal branches (between) of a passive "
    "pyramidal cell with spine-corrected dendrites. (a) Measured somatic peak against the "
    "expected one (arithmetic sum of single-synapse responses) at the nominal NMDA conductance: "
    "within-branch input is sigmoidal (line: logistic fit), abolished by APV (NMDA removed: "
    "sublinear); between-branch input follows the matched point neuron (grey), where clustering "
    "cannot matter. (b) Voltage at the cluster for increasing numbers of synapses: the NMDA "
    "spike/plateau. (c) Somatic voltage for the largest number of synapses. (d) Measured/expected "
    "ratio against the number of synapses. (e), (f) Sweep of the NMDA conductance per synapse: "
    "the largest within-branch ratio and the between-branch deviation from the point neuron; "
    "shaded: the window in which every claim holds."
)
CALIBRATION = [
    "The claims are scored at NMDA 1.6 nS per synapse, fixed before any run (the effective NMDA "
    "conductance of Branco et al. 2010); all of them hold only in a window of NMDA conductance, "
    "which the study computes from the same claims at every swept conductance: 1.4-2.8 nS per "
    "synapse in full mode (0.2 nS steps; the 'NMDA window' claims).",
    "Compartments of at most 10 um: chosen after the d_lambda rule alone (~14 um in the thin "
    "branches) moved the within-branch ratio at the NMDA-spike threshold by 0.05 (10 um is "
    "within 0.01 of 5 um).",
]
SUMMARY = (
    "clustered inputs on one thin branch sum sigmoidally through NMDA spikes (measured/expected "
    "up to {within-branch peak measured/expected, largest over k, NMDA 1.6 nS/synapse:.2f}; "
    "every claim holds for NMDA conductances from "
    "{NMDA window: lowest swept conductance where every claim with a target holds:g} to "
    "{NMDA window: highest swept conductance where every claim with a target holds:g} per "
    "synapse), distributed inputs sum linearly like the point neuron (Polsky, Mel & Schiller "
    "2004)"
)

RM = 1e4  # ohm cm2 (Branco et al. 2010)
RI = 150.0  # ohm cm
CM = 1.0  # uF/cm2
SPINE_FACTOR = 2.0  # Cm and leak multiplied by this in every dendrite
DENDRITES = ["basal", "apical", "oblique", "tuft"]
E_LEAK = -75.0  # mV
W_AMPA = 0.5  # nS
NMDA_NOMINAL = 1.6  # nS
ONSET = 10.0  # ms
N_BASAL = 10
CLUSTER_BRANCH = "basal0_a"
CLUSTER_SPAN = (0.55, 0.75)  # fraction of the branch (150 um): a 30 um stretch
SITE_X = 0.65  # distributed sites: same place on each branch; also the cluster's centre
ARRANGEMENTS = ["within", "between"]

# claim targets (targets.md)
WITHIN_MIN = 1.5
APV_MAX = 0.9
BETWEEN_TOL = 0.05
SLOPE_TOL = 0.1


def parameters(quick: bool) -> dict:
    """Everything the result depends on."""
    if quick:
        ks = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20]
        sweep = [0.8, 1.6, 2.4, 3.2]
    else:
        ks = list(range(1, 21))
        sweep = [round(0.6 + 0.2 * i, 2) for i in range(15)]  # 0.6 .. 3.4
    return {
        "n_synapses": 20,
        "ks": ks,
        "nmda_sweep_nS": sweep,
        "nmda_nominal_nS": NMDA_NOMINAL,
        "w_ampa_nS": W_AMPA,
        "duration_ms": 100.0,
        "dt_ms": 0.025,
        "record_dt_ms": 0.1,
        "onset_ms": ONSET,
        "max_compartment_um": 10.0,
        "Rm_ohm_cm2": RM,
        "Ri_ohm_cm": RI,
        "Cm_uF_cm2": CM,
        "spine_factor": SPINE_FACTOR,
        "E_mV": E_LEAK,
        "n_basal": N_BASAL,
        "cluster_branch": CLUSTER_BRANCH,
        "cluster_span": list(CLUSTER_SPAN),
        "site_x": SITE_X,
        "mg_block": "jahr_stevens",
    }


def _cell(params: dict) -> Cell:
    # d_lambda rule with the dendrites' (spine-corrected) capacitance: the finer of the two
    max_len = params["max_compartment_um"]
    morph = morphology.pyramidal(n_basal=params["n_basal"]).compartmentalize(
        Ri=RI * ohm * cm,
        Cm=params["spine_factor"] * CM * uF / cm**2,
        max_length=None if max_len is None else max_len * um,
    )
    f = params["spine_factor"]  # spines: capacitance and leak times f in every dendrite
    return passive_cell(
        morph,
        Rm_ohm_cm2=params["Rm_ohm_cm2"],
        Ri_ohm_cm=RI,
        Cm_uF_cm2=CM,
        E_mV=params["E_mV"],
        dendrite_cm_factor=f,
        dendrite_leak_factor=f,
        dendrites=DENDRITES,
    )


def _sites(params: dict, morph) -> dict[str, list]:
    n = params["n_synapses"]
    lo, hi = params["cluster_span"]
    branches = [f"basal{i}_{t}" for t in "ab" for i in range(params["n_basal"])]
    if n > len(branches):
        raise ValueError(f"{n} distributed synapses need {n} thin basal branches")
    return {
        "within": [(params["cluster_branch"], float(x)) for x in np.linspace(lo, hi, n)],
        "between": [(b, params["site_x"]) for b in branches[:n]],
    }


def _variant(cell: Cell, sites: dict, w_nmda: float, w_ampa: float, active: dict) -> Cell:
    """`cell` (a copy handed out by `_base`) with both synapse groups; `active[name]`: indices of
    the firing sites."""
    for name, at in sites.items():
        on = active.get(name, ())
        trains = [[ONSET] * ms if j in on else [] * ms for j in range(len(at))]
        cell.add_synapses(
            name,
            at=at,
            receptors={"ampa": w_ampa * nS, "nmda": w_nmda * nS},
            spikes=trains,
        )
    return cell


# What fires in one run, as a grid value: "single j" (synapse j alone) or "first k" (synapses
# 0..k-1 together; "first 1" is "single 0" and is not run twice).
def _inputs(n: int, ks: list[int]) -> list[str]:
    return [f"single {j}" for j in range(n)] + [f"first {k}" for k in ks if k != 1]


def _label(k: int) -> str:
    return "single 0" if k == 1 else f"first {k}"


def _active(inputs: str) -> set[int]:
    kind, number = inputs.split()
    return {int(number)} if kind == "single" else set(range(int(number)))


@cached_base
def _base(params: dict) -> tuple[Cell, dict, Cell, dict]:
    """The cell without synapses and its synapse sites, and the same for its point neuron (every
    site on the one compartment), built once per process (each call returns copies, see
    `dendrites.studykit.cached_base`). Synapses do not change the point neuron's membrane, so
    adding them to it is the same as `point_neuron` of the cell with synapses, without solving
    for R_in and tau at every point."""
    base = _cell(params)
    sites = _sites(params, base.morphology)
    point_sites = {name: [0] * len(at) for name, at in sites.items()}
    return base, sites, point_neuron(base), point_sites


# The sweeps below name these functions by file path, so that worker processes can load them.
def summation_cell(
    params: dict, model: str, nmda_nS: float, arrangement: str, inputs: str, **_
) -> Cell:
    """The cell (or its point neuron) with both synapse groups, every synapse at AMPA
    `w_ampa_nS` and NMDA `nmda_nS`; the synapses `inputs` of group `arrangement` fire at ONSET.
    One structure for every weight, arrangement and input set."""
    base, sites, point, point_sites = _base(params)
    if model == "point":
        base, sites = point, point_sites
    return _variant(base, sites, nmda_nS, params["w_ampa_nS"], {arrangement: _active(inputs)})


def soma_and_cluster(
    ds: xr.Dataset,
    params: dict,
    model: str,
    nmda_nS: float,
    arrangement: str,
    inputs: str,
    nominal_nS: float,
    k_max: int,
) -> xr.Dataset:
    """The somatic peak depolarisation of every run, and the traces only where they are used:
    the somatic trace of single synapses (summed into the expected response) and the somatic and
    cluster traces drawn in panels (b) and (c). Runs without a trace get NaN when combined."""
    v_soma = ds.v.sel(compartment=0, drop=True)
    out = xr.Dataset({"peak": float(np.max(v_soma.values - params["E_mV"]))})
    drawn = arrangement == "within" and nmda_nS in (nominal_nS, 0.0)  # panels (b) and (c)
    if inputs.startswith("single") or drawn or (nmda_nS == nominal_nS and inputs == _label(k_max)):
        out["v_soma"] = v_soma
    if drawn and model == "cell":
        out["v_cluster"] = ds.v.isel(compartment=-1, drop=True)  # the last recorded
    return out


def compute(params: dict, progress) -> xr.Dataset:
    """Single-synapse and k-synapse runs for every NMDA weight, APV, and the point neuron,
    through the sweep engine: one compiled model per structure and process, every point cached."""
    # what a cell depends on (not the swept weights and k: quick and full mode share points)
    cell_params = {k: v for k, v in params.items() if k not in ("ks", "nmda_sweep_nS")}
    base, sites, _point, _point_sites = _base(cell_params)
    morph = base.morphology
    n = params["n_synapses"]
    ks = [int(k) for k in params["ks"]]
    weights = [float(w) for w in params["nmda_sweep_nS"]]
    nominal = float(params["nmda_nominal_nS"])
    if nominal not in weights:
        raise ValueError("the nominal NMDA weight must be one of the swept values")
    wa = float(params["w_ampa_nS"])
    centre = int(morph.locate(params["cluster_branch"], params["site_x"]))
    rest = params["E_mV"]
    inputs = _inputs(n, ks)
    point_inputs = _inputs(1, ks)  # all sites are alike on the point neuron: synapse 0 alone
    sweeps = [
        # the full cell at every swept NMDA weight
        ("cell", {"nmda_nS": weights, "arrangement": ARRANGEMENTS, "inputs": inputs}),
        # APV (NMDA weight 0): within-branch only, the between-branch APV curve is not used
        ("apv", {"nmda_nS": [0.0], "arrangement": ["within"], "inputs": inputs}),
        # the matched point neuron: every synapse on its one compartment, clustered = distributed
        ("point", {"nmda_nS": weights, "arrangement": ["within"], "inputs": point_inputs}),
    ]
    here = f"{Path(__file__).resolve()}:"
    ran = run_sweeps(
        [
            Sweep(
                f"clustered_vs_distributed-{'point' if name == 'point' else 'cell'}",
                grid,
                make_cell=here + "summation_cell",
                reduce=here + "soma_and_cluster",
                duration=params["duration_ms"] * ms,
                dt=params["dt_ms"] * ms,
                record={"v": [0] if name == "point" else [0, centre]},
                record_dt=params["record_dt_ms"] * ms,
                constants={
                    "params": cell_params,
                    "model": "point" if name == "point" else "cell",
                    "nominal_nS": nominal,
                    "k_max": ks[-1],
                },
            )
            for name, grid in sweeps
        ],
        progress,
    )
    runs = {name: ds for (name, _), ds in zip(sweeps, ran, strict=True)}

    conditions = [*weights, 0.0]
    measured = np.full((len(conditions), 2, len(ks)), np.nan)
    expected = np.full_like(measured, np.nan)
    single_peak = np.full((len(conditions), 2, n), np.nan)
    singles_of = [f"single {j}" for j in range(n)]
    k_labels = [_label(k) for k in ks]
    for c, w in enumerate(conditions):
        for a, arr in enumerate(ARRANGEMENTS):
            if w == 0.0 and arr == "between":
                continue
            curve = runs["apv" if w == 0.0 else "cell"].sel(nmda_nS=w, arrangement=arr)
            singles = curve.v_soma.sel(inputs=singles_of).values - rest
            single_peak[c, a] = peak_deflection(singles)
            expected[c, a] = expected_peaks(singles, ks)
            measured[c, a] = curve.peak.sel(inputs=k_labels).values

    within = {
        w: runs["apv" if w == 0.0 else "cell"].sel(nmda_nS=w, arrangement="within", inputs=k_labels)
        for w in (nominal, 0.0)
    }
    between = runs["cell"].sel(nmda_nS=nominal, arrangement="between", inputs=k_labels[-1])

    point = runs["point"].sel(arrangement="within")
    point_single = point.v_soma.sel(inputs="single 0").values - rest
    point_expected = np.array([expected_peaks(np.tile(s, (n, 1)), ks) for s in point_single])
    point_measured = point.peak.sel(inputs=k_labels).values
    point_trace = point.v_soma.sel(nmda_nS=nominal, inputs=k_labels[-1]).values

    table = morph.compartments
    cl_idx = [morph.locate(s, x) for s, x in sites["within"]]
    di_idx = [morph.locate(s, x) for s, x in sites["between"]]
    rin = float(input_resistance(base)) / 1e6
    dims3 = ("condition", "arrangement", "k")
    return xr.Dataset(
        {
            "measured": (
                dims3,
                measured,
                {"units": "mV", "long_name": "measured somatic peak depolarisation"},
            ),
            "expected": (
                dims3,
                expected,
                {"units": "mV", "long_name": "peak of the summed single-synapse responses"},
            ),
            "single_peak": (
                ("condition", "arrangement", "site"),
                single_peak,
                {"units": "mV", "long_name": "somatic peak of each synapse alone"},
            ),
            "point_measured": (("nmda", "k"), point_measured, {"units": "mV"}),
            "point_expected": (("nmda", "k"), point_expected, {"units": "mV"}),
            "point_single": (("nmda",), point_single.max(axis=1), {"units": "mV"}),
            "v_cluster": (
                ("k", "time"),
                within[nominal].v_cluster.values,
                {"units": "mV", "long_name": "v at cluster"},
            ),
            "v_cluster_apv": (("k", "time"), within[0.0].v_cluster.values, {"units": "mV"}),
            "v_soma_within": (("k", "time"), within[nominal].v_soma.values, {"units": "mV"}),
            "v_soma_between": (("time",), between.v_soma.values, {"units": "mV"}),
            "v_soma_point": (("time",), point_trace, {"units": "mV"}),
        },
        coords={
            "condition": (
                "condition",
                np.array(conditions),
                {"units": "nS", "long_name": "NMDA peak conductance per synapse (0: APV)"},
            ),
            "nmda": ("nmda", np.array(weights), {"units": "nS"}),
            "arrangement": ARRANGEMENTS,
            "k": ("k", np.array(ks), {"long_name": "number of coactive synapses"}),
            "site": np.arange(n),
            "cluster_distance": ("site", table.distance[cl_idx], {"units": "um"}),
            "between_distance": ("site", table.distance[di_idx], {"units": "um"}),
            "time": ("time", runs["cell"].time.values, {"units": "ms"}),
        },
        attrs={
            "nmda_nominal_nS": nominal,
            "onset_ms": params["onset_ms"],
            "E_mV": params["E_mV"],
            "w_ampa_nS": wa,
            "input_resistance_MOhm": rin,
            "cluster_compartment": centre,
            "cluster_centre_distance_um": float(table.distance[centre]),
            "n_compartments": morph.n_compartments,
            "points_computed": int(sum(r.attrs["computed"] for r in runs.values())),
        },
    )


# ----------------------------------------------------------------------------------- analysis
def _curves(ds: xr.Dataset, w: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(expected, measured) per curve at NMDA weight `w` (nS); 'apv_*' at NMDA 0."""
    out = {}
    for arr in ARRANGEMENTS:
        sel = {"condition": w, "arrangement": arr}
        out[arr] = (ds.expected.sel(sel).values, ds.measured.sel(sel).values)
    sel = {"condition": 0.0, "arrangement": "within"}
    out["apv_within"] = (ds.expected.sel(sel).values, ds.measured.sel(sel).values)
    out["point"] = (ds.point_expected.sel(nmda=w).values, ds.point_measured.sel(nmda=w).values)
    return out


def _evaluate(ds: xr.Dataset, w: float) -> dict:
    """Every number the claims need, at NMDA weight `w`."""
    c = _curves(ds, w)
    ratio = {name: m / e for name, (e, m) in c.items()}
    dev = np.abs(ratio["between"] - ratio["point"])
    return {
        "ratio": ratio,
        "within_max": float(ratio["within"].max()),
        "within_k_max": int(ds.k.values[int(np.argmax(ratio["within"]))]),
        "sigmoid": strict_sigmoid_test(*c["within"]),
        "between_dev": float(dev.max()),
        "between_slope": linear_slope(*c["between"]),
        "apv_last": float(ratio["apv_within"][-1]),
        "between_test": strict_sigmoid_test(*c["between"]),
        "apv_test": strict_sigmoid_test(*c["apv_within"]),
    }


def claims_at(ds: xr.Dataset, w: float) -> list[Claim]:
    """The claims at NMDA conductance `w` (nS per synapse). Those with a target are the study's
    result at the nominal conductance and decide the NMDA window (:func:`nmda_window`) at every
    swept one; the others are reported only."""
    ev = _evaluate(ds, w)
    t = ev["sigmoid"]
    kmax = int(ds.k.values[-1])
    at = f"NMDA {w:g} nS/synapse"
    e_within = ds.expected.sel(condition=w, arrangement="within").values
    e_lo, e_hi = float(e_within.min()), float(e_within.max())
    return [
        Claim.at_least(
            f"within-branch peak measured/expected, largest over k, {at}",
            ev["within_max"],
            "",
            WITHIN_MIN,
        ),
        Claim.report(f"  k at the largest within-branch ratio, {at}", ev["within_k_max"], ""),
        Claim.at_least(
            f"within-branch curve strictly sigmoidal, {at} (1 yes, 0 no)",
            float(t.sigmoidal),
            "",
            1.0,
        ),
        Claim.report(
            "  its AICc(logistic) - AICc(line) (negative: logistic better)",
            t.aicc_logistic - t.aicc_line,
            "",
        ),
        Claim.report(
            "  its steepest/initial slope of the logistic (needs >= 1.5)", t.slope_ratio, ""
        ),
        Claim.report(
            f"  its logistic midpoint, as expected somatic peak (data: {e_lo:.2f}-{e_hi:.2f} mV)",
            t.midpoint,
            "mV",
        ),
        Claim.at_most(
            f"between-branch ratio: largest |ratio - point-neuron ratio| over k, {at}",
            ev["between_dev"],
            "",
            BETWEEN_TOL,
        ),
        Claim.within(
            f"between-branch slope of measured vs expected, {at}",
            ev["between_slope"],
            "",
            1.0,
            SLOPE_TOL,
        ),
        Claim.at_most(
            f"between-branch curve strictly sigmoidal, {at} (1 yes, 0 no)",
            float(ev["between_test"].sigmoidal),
            "",
            0.0,
        ),
        Claim.at_most(
            f"within-branch measured/expected with APV (NMDA 0), k = {kmax}",
            ev["apv_last"],
            "",
            APV_MAX,
        ),
        Claim.at_most(
            "APV within-branch curve strictly sigmoidal (1 yes, 0 no)",
            float(ev["apv_test"].sigmoidal),
            "",
            0.0,
        ),
    ]


def nmda_window(ds: xr.Dataset) -> tuple[np.ndarray, float, float, bool]:
    """Where every claim of :func:`claims_at` that has a target holds, over the swept NMDA
    conductances: (holds per swept conductance, lowest and highest such conductance in nS (NaN
    if none), whether they form one contiguous run)."""
    wn = ds.nmda.values
    holds = np.array(
        [all(c.holds is not False for c in claims_at(ds, float(w))) for w in wn], dtype=bool
    )
    lo, hi, contiguous = window(wn, holds)
    return holds, lo, hi, contiguous


def claims(ds: xr.Dataset) -> list[Claim]:
    """The claims at the nominal NMDA conductance, and the NMDA window, from the stored Dataset."""
    w = float(ds.attrs["nmda_nominal_nS"])
    at = f"NMDA {w:g} nS/synapse"
    wn = ds.nmda.values
    _holds, lo, hi, contiguous = nmda_window(ds)
    lower, upper = wn[wn < lo], wn[wn > hi]
    window_text = "NMDA window: {} swept conductance where every claim with a target holds"
    return [
        Claim.report("somatic input resistance", ds.attrs["input_resistance_MOhm"], "MOhm"),
        Claim.report(
            f"somatic EPSP of one synapse on the cluster branch, {at}",
            float(ds.single_peak.sel(condition=w, arrangement="within").mean()),
            "mV",
        ),
        *claims_at(ds, w),
        Claim.report(window_text.format("lowest"), lo, "nS"),
        Claim.report(window_text.format("highest"), hi, "nS"),
        Claim.report(
            "NMDA window: swept conductance just below it, where a claim fails (NaN: none)",
            lower.max() if lower.size else np.nan,
            "nS",
        ),
        Claim.report(
            "NMDA window: swept conductance just above it, where a claim fails (NaN: none)",
            upper.min() if upper.size else np.nan,
            "nS",
        ),
        Claim.report(
            "NMDA window contiguous over the swept conductances (1 yes, 0 no)",
            float(contiguous),
            "",
        ),
        Claim.report("NMDA sweep: lowest conductance", float(wn.min()), "nS", kind="check"),
        Claim.report("NMDA sweep: highest conductance", float(wn.max()), "nS", kind="check"),
    ]


# ----------------------------------------------------------------------------------- figure
def plot(ds: xr.Dataset):
    """Six panels drawn from the stored Dataset."""
    import matplotlib.pyplot as plt

    from dendrites.plotting import COLORS, panel_label, use_style
    from dendrites.summation import logistic

    use_style()
    w = float(ds.attrs["nmda_nominal_nS"])
    ev = _evaluate(ds, w)
    c = _curves(ds, w)
    ks = ds.k.values
    style = {
        "within": dict(color=COLORS["nmda"], marker="o", ms=5, label="within branch (clustered)"),
        "between": dict(color=COLORS["dendrite"], marker="s", ms=5, label="between branches"),
        "apv_within": dict(color=COLORS["ampa"], marker="^", ms=5, label="within branch, APV"),
        "point": dict(color=COLORS["point"], marker="D", ms=4, label="point neuron"),
    }
    fig, axes = plt.subplots(2, 3, figsize=(14, 8.4), constrained_layout=True)

    ax = axes[0, 0]
    top = max(float(np.max(e)) for e, _ in c.values())
    top = max(top, max(float(np.max(m)) for _, m in c.values()))
    ax.plot(
        [0, top],
        [0, top],
        **{"color": COLORS["theory"], "ls": "--", "lw": 1},
        label="measured = expected",
    )
    for name, st in style.items():
        e, m = c[name]
        ax.plot(e, m, lw=1.2, **st)
    t = ev["sigmoid"]
    e = np.linspace(c["within"][0].min(), c["within"][0].max(), 200)
    ax.plot(
        e,
        logistic(e, *t.params),
        color=COLORS["nmda"],
        lw=0.8,
        alpha=0.6,
        label="logistic fit (within)",
    )
    ax.set_xlabel("expected somatic peak (mV)\n(sum of single-synapse responses)")
    ax.set_ylabel("measured somatic peak (mV)")
    ax.set_title(f"NMDA {w:g} nS, AMPA {ds.attrs['w_ampa_nS']:g} nS per synapse")
    ax.legend(fontsize=8, loc="upper left")
    panel_label(ax, "a")

    ax = axes[0, 1]
    time = ds.time.values - ds.attrs["onset_ms"]
    keep = time >= -5
    cmap = plt.get_cmap("viridis")
    norm = plt.Normalize(ks.min(), ks.max())
    for i, k in enumerate(ks):
        ax.plot(time[keep], ds.v_cluster.values[i, keep], color=cmap(norm(k)), lw=1.1)
    ax.plot(
        time[keep],
        ds.v_cluster_apv.values[-1, keep],
        color=COLORS["ampa"],
        ls="--",
        lw=1.5,
        label=f"APV, k = {ks[-1]}",
    )
    fig.colorbar(
        plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="number of clustered synapses k"
    )
    ax.set_xlabel("time after input (ms)")
    ax.set_ylabel("membrane potential at the cluster (mV)")
    ax.set_title(
        f"at the cluster ({ds.attrs['cluster_centre_distance_um']:.0f} um from the soma), "
        f"NMDA {w:g} nS"
    )
    ax.legend(fontsize=8, loc="upper right")
    panel_label(ax, "b")

    ax = axes[0, 2]
    kmax = int(ks[-1])
    rest = ds.attrs["E_mV"]
    soma = [
        (ds.v_soma_within.values[-1], COLORS["nmda"], f"{kmax} synapses within one branch"),
        (ds.v_soma_between.values, COLORS["dendrite"], f"{kmax} synapses on {kmax} branches"),
        (ds.v_soma_point.values, COLORS["point"], f"point neuron, {kmax} synapses"),
        (ds.v_soma_within.values[0], COLORS["soma"], "one synapse (within)"),
    ]
    for v, color, label in soma:
        ax.plot(time[keep], v[keep] - rest, color=color, label=label)
    ax.set_ylim(-0.2, 1.6 * max(float(np.max(v - rest)) for v, _, _ in soma))
    ax.set_xlabel("time after input (ms)")
    ax.set_ylabel(f"somatic depolarisation from {rest:g} mV (mV)")
    ax.set_title(f"at the soma, NMDA {w:g} nS")
    ax.legend(fontsize=8, loc="upper right")
    panel_label(ax, "c")

    ax = axes[1, 0]
    ax.axhline(1.0, color=COLORS["theory"], ls="--", lw=1)
    ax.axhline(WITHIN_MIN, color=COLORS["nmda"], ls=":", lw=1, label=f"target {WITHIN_MIN:g}")
    for name, st in style.items():
        ax.plot(ks, ev["ratio"][name], lw=1.2, **st)
    ax.set_xlabel("number of coactive synapses k")
    ax.set_ylabel("measured / expected somatic peak")
    lo_r = min(float(np.min(r)) for r in ev["ratio"].values())
    hi_r = max(float(np.max(r)) for r in ev["ratio"].values())
    ax.set_ylim(lo_r - 0.05, hi_r + 0.45 * (hi_r - lo_r))  # room for the legend
    ax.set_title(f"summation, NMDA {w:g} nS")
    ax.legend(fontsize=8, loc="upper right")
    panel_label(ax, "d")

    sweep = [_evaluate(ds, float(v)) for v in ds.nmda.values]
    wn = ds.nmda.values
    _holds, lo, hi, _ = nmda_window(ds)

    def shade(ax):
        if np.isfinite(lo):
            ax.axvspan(lo, hi, color="#E4E4E4", lw=0, zorder=0)

    ax = axes[1, 1]
    shade(ax)
    within = np.array([s["within_max"] for s in sweep])
    sig = np.array([s["sigmoid"].sigmoidal for s in sweep])
    ax.plot(wn, within, color=COLORS["nmda"], lw=1.2)
    ax.plot(wn[sig], within[sig], "o", color=COLORS["nmda"], label="within, strictly sigmoidal")
    ax.plot(
        wn[~sig],
        within[~sig],
        "o",
        mfc="white",
        color=COLORS["nmda"],
        label="within, not sigmoidal",
    )
    ax.plot(
        wn,
        [s["ratio"]["between"].max() for s in sweep],
        "s-",
        color=COLORS["dendrite"],
        label="between branches",
    )
    ax.plot(
        wn,
        [s["ratio"]["point"].max() for s in sweep],
        "D-",
        ms=4,
        color=COLORS["point"],
        label="point neuron",
    )
    ax.axhline(WITHIN_MIN, color=COLORS["nmda"], ls=":", lw=1)
    ax.axvline(w, color="#999999", lw=0.8, ls="-.")
    ax.set_xlabel("NMDA peak conductance per synapse (nS)")
    ax.set_ylabel("largest measured/expected over k")
    title = (
        f"all claims hold: {lo:g}-{hi:g} nS (shaded)"
        if np.isfinite(lo)
        else "all claims hold nowhere in the sweep"
    )
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    panel_label(ax, "e")

    ax = axes[1, 2]
    shade(ax)
    ax.plot(
        wn,
        [s["between_dev"] for s in sweep],
        "s-",
        color=COLORS["dendrite"],
        label="max |between - point neuron| ratio",
    )
    ax.plot(
        wn,
        [abs(s["between_slope"] - 1) for s in sweep],
        "v-",
        color=COLORS["soma"],
        label="|between slope - 1|",
    )
    ax.axhline(
        BETWEEN_TOL, color=COLORS["dendrite"], ls=":", lw=1, label=f"tolerance {BETWEEN_TOL:g}"
    )
    ax.axhline(SLOPE_TOL, color=COLORS["soma"], ls=":", lw=1, label=f"tolerance {SLOPE_TOL:g}")
    ax.axvline(w, color="#999999", lw=0.8, ls="-.", label=f"nominal {w:g} nS")
    ax.set_xlabel("NMDA peak conductance per synapse (nS)")
    ax.set_ylabel("deviation from linear / point-neuron summation")
    ax.set_title("between branches vs point neuron")
    ax.legend(fontsize=8, loc="upper left")
    panel_label(ax, "f")
    return fig


if __name__ == "__main__":
    run_script(__file__)
