"""Sequence and direction selectivity of one thin dendrite (Branco, Clark & Häusser 2010).

Nine synapses (AMPA + NMDA) sit evenly spaced along one thin basal branch. They are activated one
after the other, either towards the soma (IN: the most distal first) or away from it (OUT), with
0-10 ms between neighbours. A point neuron sums its inputs: the order cannot matter. A dendrite
can tell the two orders apart: the input impedance rises towards the branch's sealed tip, so
distal synapses depolarise the branch most, and NMDA receptors opened early by the distal inputs
are then unblocked further by the proximal ones that follow (IN), while in the OUT order the
distal inputs arrive last, on receptors that had no glutamate yet when the branch was depolarised.
This is the seed's "recognising change over time (a moving object)": the direction of a stimulus
moving across a neuron's inputs.

Panels: (a) somatic voltage for IN and OUT at the kinetic model's best interval, with AMPA only
and the point-neuron control; (b) IN/OUT ratio of the peak somatic depolarisation against the
interval ("velocity tuning") for four models: kinetic NMDA (Kampa et al. 2004 gating with kinetic
Mg block, ``dendrites.mechanisms.nmda_kinetic``), the double-exponential NMDA with instantaneous
Jahr-Stevens block (``dendrites.mechanisms.nmda``), AMPA only, and the point neuron (the kinetic
model with every synapse on one compartment, ``dendrites.electrotonic.point_neuron``);
(c) the peak depolarisations themselves.

Cell: a passive, simplified layer 2/3 pyramidal neuron (``dendrites.morphology.pyramidal`` with
L2/3-sized apical dendrite, not a reconstruction): soma 20 um; four basal stems (50 um, 1.5 um)
each forking into two 100 um branches of 0.6 um (the thin 0.5-1 um branch of the paper); an apical
trunk of 250 um tapering 2.5 -> 1.2 um with three 100 um obliques (0.6 um) and a small tuft. The
synapses sit on ``basal0_a`` at (k + 1/2)/9 of its length (56-144 um path distance from the soma),
one compartment each (27 compartments of 3.7 um). Branco-like settings (targets.md): Rm 10 kOhm
cm2, Ri 150 ohm cm, Cm 1 uF/cm2 at soma and axon and 2 uF/cm2 in the dendrites (spines), leak
reversal and rest -75 mV, dt 25 us. AMPA: alpha function, tau 2 ms, 0.5 nS peak
(``dendrites.mechanisms.ampa_alpha``). Kinetic NMDA: gmax 7.5 nS (peak open probability 0.215
without Mg, so 1.6 nS peak conductance), 1 mM Mg, Erev +5 mV as in NMDA_Mg_T.mod. Double-exponential
NMDA: 1.6 nS peak (the kinetic receptor's Mg-free peak), rise 2 ms, decay 80 ms, 1 mM Mg.

One C++ build for the dendritic cell (all three receptors at every site; the configurations are
weights, so AMPA only is both NMDA weights zero) and one for the point neuron; every interval and
direction is a run-time value (spike times on the dt grid), so IN and OUT runs differ only in which
synapse gets which time, and the point neuron's IN and OUT runs are the same sum in another order.

Ranges explored (within the published ranges of targets.md; nothing else was varied), best IN/OUT
ratio over intervals 2-10 ms (2 ms steps) and its interval, kinetic NMDA vs AMPA only:

=========  ==================  ==================  ==================  ==================  =========
diameter   gmax 5 nS           gmax 7.5 nS         gmax 10 nS          gmax 15 nS          AMPA only
=========  ==================  ==================  ==================  ==================  =========
0.5 um     1.26 (6 ms)         1.36 (8 ms)         1.43 (10 ms)        1.41 (10 ms)        1.18
0.6 um     1.16 (4 ms)         1.27 (6 ms, shown)  1.36 (8 ms)         1.42 (10 ms)        1.14
0.8 um     1.08 (2 ms)         1.11 (2 ms)         1.17 (4 ms)         1.34 (8 ms)         1.09
1.0 um     1.04 (2 ms)         1.05 (2 ms)         1.05 (2 ms)         1.17 (4 ms)         1.07
=========  ==================  ==================  ==================  ==================  =========

The kinetic receptor beats AMPA only by >= 0.05 only where the IN sequence fires a local NMDA
spike that the OUT sequence does not: the best interval is the longest at which IN still reaches
that threshold, so it moves to longer intervals (slower sequences) with more NMDA conductance or a
thinner branch (the paper: 2-5 ms), and just beyond it the ratio can drop below 1 (the OUT order,
ending on the high-impedance tip, then crosses the threshold late while IN no longer does: e.g.
0.6 um, 7.5 nS, 8-10 ms). On thicker branches (0.8-1 um) at 5-10 nS, NMDA adds nothing to the
AMPA-only asymmetry. The shown values (0.6 um, 7.5 nS: the paper's "~1.6 nS effective") are
the middle of the published ranges, chosen before these runs, not the best of them.

References: Branco, Clark & Häusser (2010) Science 329:1671-1675; Kampa, Clements, Jonas & Stuart
(2004) J Physiol 556:337-345; Vargas-Caballero & Robinson (2003) J Neurophysiol 89:2778; Jahr &
Stevens (1990) J Neurosci 10:3178-3182.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import xarray as xr
from brian2 import cm, ms, mV, nS, ohm, siemens, uF, um

from dendrites import Cell, morphology
from dendrites.electrotonic import point_neuron
from dendrites.mechanisms import ampa_alpha, nmda, nmda_kinetic
from dendrites.studies import Claim, main
from dendrites.sweep import Sweep, run_sweep

TITLE = "A dendrite tells the direction of an input sequence"
CAPTION = (
    "Recognising change over time (a moving object): nine synapses (AMPA + NMDA) along one thin "
    "basal branch of a passive layer 2/3-like pyramidal cell are activated in sequence towards "
    "the soma (IN) or away from it (OUT). (a) Somatic voltage at the interval where the kinetic "
    "NMDA model discriminates best: IN gives the larger response; with AMPA only the difference "
    "is small; the point neuron (every synapse on one compartment, grey) gives the same response "
    "for both orders. (b) IN/OUT ratio of the peak somatic depolarisation against the interval "
    "between neighbouring synapses (velocity tuning), for the kinetic NMDA receptor with kinetic "
    "Mg unblock (Kampa et al. 2004, as in Branco et al. 2010), a double-exponential NMDA "
    "receptor with instantaneous Jahr-Stevens block, AMPA only, and the point neuron. (c) The "
    "peak depolarisations behind the ratios."
)

RM = 1e4  # ohm cm2
RI = 150.0  # ohm cm
CM_SOMA = 1.0  # uF/cm2
CM_DEND = 2.0  # uF/cm2, spines
E_REST = -75.0  # mV
N_SYN = 9
BRANCH = "basal0_a"
N_BRANCH = 27  # compartments on the branch: synapse k at the centre of compartment 3k + 1
ONSET = 10.0  # ms, first activation
DENDRITES = ("basal", "apical", "oblique", "tuft")
#: Receptor configurations: weights in nS of (AMPA alpha, kinetic NMDA, double-exponential NMDA).
CONFIGS = {
    "kinetic": "kinetic NMDA + AMPA",
    "double_exp": "double-exp. NMDA + AMPA",
    "ampa": "AMPA only",
}


def parameters(quick: bool) -> dict:
    """Everything the result depends on."""
    intervals = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0] if quick else [float(k) for k in range(11)]
    return {
        "intervals_ms": intervals,
        "duration_ms": 250.0,
        "dt_ms": 0.025,
        "record_dt_ms": 0.1,
        "Rm_ohm_cm2": RM,
        "Ri_ohm_cm": RI,
        "Cm_soma_uF_cm2": CM_SOMA,
        "Cm_dend_uF_cm2": CM_DEND,
        "E_rest_mV": E_REST,
        "branch_diameter_um": 0.6,
        "branch_length_um": 100.0,
        "w_ampa_nS": 0.5,
        "gmax_kinetic_nS": 7.5,
        "w_nmda_double_exp_nS": 1.6,
    }


def _morphology(params: dict):
    morph = morphology.pyramidal(
        soma_diameter=20 * um,
        n_basal=4,
        basal_stem_length=50 * um,
        basal_stem_diameter=1.5 * um,
        basal_branch_length=params["branch_length_um"] * um,
        basal_branch_diameter=params["branch_diameter_um"] * um,
        trunk_length=250 * um,
        trunk_diameter_start=2.5 * um,
        trunk_diameter_end=1.2 * um,
        n_oblique=3,
        oblique_start=50 * um,
        oblique_end=150 * um,
        oblique_length=100 * um,
        oblique_diameter=0.6 * um,
        tuft_length=50 * um,
        tuft_diameter=1.0 * um,
        tuft_branch_length=100 * um,
        tuft_branch_diameter=0.6 * um,
    ).compartmentalize(Ri=RI * ohm * cm, Cm=CM_DEND * uF / cm**2, max_length=20 * um)
    return morph.with_n({BRANCH: N_BRANCH})


def _cell(params: dict) -> tuple[Cell, np.ndarray]:
    morph = _morphology(params)
    cell = Cell(morph, Ri=RI * ohm * cm, Cm=CM_SOMA * uF / cm**2, v_init=E_REST * mV)
    cell.set_cm(CM_DEND * uF / cm**2, where=list(DENDRITES))
    cell.insert("pas", g=(1.0 / RM) * siemens / cm**2, E=E_REST * mV)
    sites = np.array([morph.locate(BRANCH, (k + 0.5) / N_SYN) for k in range(N_SYN)])
    return cell, sites


def _weights(params: dict, config: str) -> tuple[float, float, float]:
    ampa = params["w_ampa_nS"]
    if config == "kinetic":
        return ampa, params["gmax_kinetic_nS"], 0.0
    if config == "double_exp":
        return ampa, 0.0, params["w_nmda_double_exp_nS"]
    return ampa, 0.0, 0.0


def _times(interval: float, direction: str) -> list:
    """Spike time of each synapse (ordered proximal to distal), on the dt grid (whole 0.1 ms)."""
    order = np.arange(N_SYN) if direction == "OUT" else np.arange(N_SYN)[::-1]
    times = np.empty(N_SYN)
    times[order] = ONSET + interval * np.arange(N_SYN)
    return [np.array([round(t, 6)]) * ms for t in times]


def _with_inputs(base: Cell, sites, params: dict, config: str, interval: float, direction: str):
    cell = base.copy()
    w_ampa, w_kin, w_dexp = _weights(params, config)
    cell.add_synapses(
        "sequence",
        at=list(sites),
        receptors=[
            (ampa_alpha, w_ampa * nS),
            (nmda_kinetic, w_kin * nS),
            (nmda, w_dexp * nS),
        ],
        spikes=_times(interval, direction),
    )
    return cell


@functools.lru_cache(maxsize=2)
def _base(params_json: str) -> tuple[Cell, np.ndarray, Cell]:
    """`_cell` and its point neuron, both without synapses, built once per process and never
    modified (`_with_inputs` copies them). Synapses do not change the point neuron's membrane, so
    adding them to it is the same as `point_neuron` of the cell with synapses, without solving for
    R_in and tau at every point."""
    cell, sites = _cell(json.loads(params_json))
    return cell, sites, point_neuron(cell)


# The sweeps below name these functions by file path, so that worker processes can load them.
def sequence_cell(params: dict, model: str, interval: float, direction: str) -> Cell:
    """The dendritic cell with receptor configuration `model` (or, for ``"point"``, the point
    neuron of the kinetic configuration), its nine synapses activated at `interval` in
    `direction`. Every configuration has all three receptors at every site: one structure."""
    base, sites, point = _base(json.dumps(params, sort_keys=True))
    if model == "point":  # every synapse on the one compartment
        return _with_inputs(point, np.zeros_like(sites), params, "kinetic", interval, direction)
    return _with_inputs(base, sites, params, model, interval, direction)


def soma_and_distal(ds: xr.Dataset, **_) -> xr.Dataset:
    """The somatic trace and the trace at the most distal synapse (the last recorded compartment;
    the soma for the point neuron)."""
    return xr.Dataset(
        {
            "v_soma": ds.v.sel(compartment=0, drop=True),
            "v_distal": ds.v.isel(compartment=-1, drop=True),
        }
    )


def compute(params: dict, progress) -> xr.Dataset:
    """Every configuration, interval and direction on the dendritic cell and the point neuron,
    through the sweep engine: one compiled model per structure and process, every point cached."""
    base, sites = _cell(params)
    intervals = [float(i) for i in params["intervals_ms"]]
    directions = ["IN", "OUT"]
    models = [*CONFIGS, "point"]
    distal = int(sites[-1])
    here = f"{Path(__file__).resolve()}:"
    # what the cell depends on (not the swept intervals: quick and full mode share points)
    cell_params = {k: v for k, v in params.items() if k != "intervals_ms"}
    n_cell = len(CONFIGS) * len(intervals) * len(directions)
    n_total = n_cell + len(intervals) * len(directions)

    def sweep(name: str, kinds: list, record: dict) -> xr.Dataset:
        offset = 0 if name == "cell" else n_cell
        return run_sweep(
            Sweep(
                f"sequence_direction-{name}",
                {"model": kinds, "interval": intervals, "direction": directions},
                make_cell=here + "sequence_cell",
                reduce=here + "soma_and_distal",
                duration=params["duration_ms"] * ms,
                dt=params["dt_ms"] * ms,
                record=record,
                record_dt=params["record_dt_ms"] * ms,
                constants={"params": cell_params},
            ),
            progress=lambda n, t, label: progress(offset + n, n_total, label),
        )

    # two structures, two sweeps: the point neuron has no distal compartment to record
    cell = sweep("cell", list(CONFIGS), {"v": [0, distal]})
    point = sweep("point", ["point"], {"v": [0]})
    runs = xr.concat([cell, point], "model", join="exact").sel(
        model=models, interval=intervals, direction=directions
    )
    table = base.morphology.compartments
    return xr.Dataset(
        {
            "v_soma": (
                ("model", "interval", "direction", "time"),
                runs.v_soma.transpose("model", "interval", "direction", "time").values,
                {"units": "mV", "long_name": "somatic membrane potential"},
            ),
            "v_distal": (
                ("model", "interval", "direction", "time"),
                runs.v_distal.transpose("model", "interval", "direction", "time").values,
                {"units": "mV", "long_name": "membrane potential at the most distal synapse"},
            ),
        },
        coords={
            "model": models,
            "interval": ("interval", np.array(intervals), {"units": "ms"}),
            "direction": directions,
            "time": ("time", runs.time.values, {"units": "ms"}),
            "synapse_distance": ("synapse", table.distance[sites], {"units": "um"}),
        },
        attrs={
            "onset_ms": ONSET,
            "rest_mV": E_REST,
            "n_compartments": base.morphology.n_compartments,
            "points_computed": int(cell.attrs["computed"] + point.attrs["computed"]),
        },
    )


def _peaks(ds: xr.Dataset) -> xr.DataArray:
    """Peak somatic depolarisation (mV above the value at t = 0, the resting potential)."""
    v = ds.v_soma
    return (v - v.isel(time=0)).max("time")


def _ratios(ds: xr.Dataset) -> xr.DataArray:
    peaks = _peaks(ds)
    return peaks.sel(direction="IN") / peaks.sel(direction="OUT")


def _best(ratio: xr.DataArray, model: str) -> tuple[float, float]:
    r = ratio.sel(model=model)
    k = int(np.argmax(r.values))
    return float(r.values[k]), float(r.interval.values[k])


def claims(ds: xr.Dataset) -> list[Claim]:
    """Best IN/OUT ratio of each model and the point-neuron control."""
    ratio = _ratios(ds)
    kin, kin_at = _best(ratio, "kinetic")
    dexp, dexp_at = _best(ratio, "double_exp")
    ampa, ampa_at = _best(ratio, "ampa")
    point = ratio.sel(model="point").values
    worst_point = float(point[np.argmax(np.abs(point - 1.0))])
    return [
        Claim.at_least(f"IN/OUT peak ratio, kinetic NMDA (best, at {kin_at:g} ms)", kin, "", 1.2),
        Claim.at_least("kinetic NMDA best ratio minus AMPA-only best ratio", kin - ampa, "", 0.05),
        Claim.report("best interval, kinetic NMDA", kin_at, "ms"),
        Claim.report(f"IN/OUT peak ratio, double-exp. NMDA (best, at {dexp_at:g} ms)", dexp, ""),
        Claim.report(f"IN/OUT peak ratio, AMPA only (best, at {ampa_at:g} ms)", ampa, ""),
        Claim.within(
            "IN/OUT peak ratio, point neuron (kinetic NMDA; farthest from 1 over intervals)",
            worst_point,
            "",
            1.0,
            0.001,
        ),
    ]


def plot(ds: xr.Dataset):
    """Traces at the best interval, velocity tuning, and peak amplitudes."""
    import matplotlib.pyplot as plt

    from dendrites.plotting import COLORS, panel_label, use_style

    use_style()
    colors = {
        "kinetic": COLORS["nmda"],
        "double_exp": COLORS["dendrite"],
        "ampa": COLORS["ampa"],
        "point": COLORS["point"],
    }
    labels = {**CONFIGS, "point": "point neuron (kinetic NMDA + AMPA)"}
    ratio = _ratios(ds)
    peaks = _peaks(ds)
    best, best_at = _best(ratio, "kinetic")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4), constrained_layout=True)

    ax = axes[0]
    t = ds.time.values - ds.attrs["onset_ms"]
    keep = (t >= -5) & (t <= 8 * best_at + 120)
    rest = ds.attrs["rest_mV"]
    for model, lw in (("kinetic", 2.0), ("ampa", 1.4), ("point", 1.4)):
        for direction, ls in (("IN", "-"), ("OUT", "--")):
            v = ds.v_soma.sel(model=model, interval=best_at, direction=direction).values
            ax.plot(
                t[keep],
                v[keep] - rest,
                color=colors[model],
                ls=ls,
                lw=lw,
                label=f"{labels[model].split(' (')[0]}, {direction}"
                + (" (same as IN)" if model == "point" and direction == "OUT" else ""),
            )
    ax.axvspan(0, 8 * best_at, color="0.92", zorder=0)
    ax.set_xlabel("time after first input (ms)")
    ax.set_ylabel("somatic depolarisation (mV)")
    ax.set_title(f"sequence with {best_at:g} ms between synapses (shaded)")
    ax.legend(fontsize=8, loc="upper right")
    panel_label(ax, "a")

    ax = axes[1]
    x = ds.interval.values
    for model in ("kinetic", "double_exp", "ampa", "point"):
        style = dict(marker="s", ls="--") if model == "point" else dict(marker="o", ls="-")
        ax.plot(x, ratio.sel(model=model), color=colors[model], label=labels[model], **style)
    ax.axhline(1.0, color="0.7", lw=0.8, zorder=0)
    ax.axhline(1.2, color=COLORS["theory"], ls=":", lw=1, label="target for kinetic NMDA (1.2)")
    ax.annotate(
        f"{best:.2f}",
        (best_at, best),
        textcoords="offset points",
        xytext=(0, 6),
        ha="center",
        color=colors["kinetic"],
        fontsize=9,
    )
    ax.set_xlabel("interval between neighbouring synapses (ms)")
    ax.set_ylabel("IN / OUT peak somatic depolarisation")
    ax.set_title("direction selectivity vs velocity")
    ax.legend(fontsize=8, loc="lower left")
    panel_label(ax, "b")

    ax = axes[2]
    for model in ("kinetic", "double_exp", "ampa", "point"):
        for direction, ls, mk in (("IN", "-", "o"), ("OUT", "--", "^")):
            ax.plot(
                x,
                peaks.sel(model=model, direction=direction),
                color=colors[model],
                ls=ls,
                marker=mk,
                ms=4,
            )
    handles = [
        plt.Line2D([], [], color="k", ls="-", marker="o", ms=4, label="IN (towards the soma)"),
        plt.Line2D([], [], color="k", ls="--", marker="^", ms=4, label="OUT (away from it)"),
    ]
    ax.legend(handles=handles, fontsize=8, loc="lower left", title="colours as in (b)")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("interval between neighbouring synapses (ms)")
    ax.set_ylabel("peak somatic depolarisation (mV)")
    ax.set_title("peak responses")
    panel_label(ax, "c")
    return fig


if __name__ == "__main__":
    main(__file__)
