"""The neuron is not isopotential: voltage along a passive pyramidal cell, against its point-neuron
control.

A point neuron has one voltage. A real neuron's dendrites are cables (Rall 1967): current injected
at one place decays with distance, and a synaptic potential shrinks, slows and broadens on its
way to the soma. Panels:

(a) steady-state voltage against path distance for a current injected at the soma and at the tip
    of the apical tuft, with Rall's sealed-end cable prediction along the apical path
    (V(X)/V(0) = cosh(L - X)/cosh(L), X the electrotonic distance) overlaid, and the matched point
    neuron (one voltage for both injection sites);
(b) one AMPA synapse at increasing distance along the apical dendrite: EPSP amplitude at the synapse
    and at the soma; half-width and delay at the soma;
    The prediction treats the path as one unbranched sealed cable; the cell's oblique and tuft
    branches do not obey Rall's 3/2 rule, so the simulated profile departs from it (reported as
    a number, not tuned away);
(c) the same synapses on the matched point neuron (same input resistance and membrane time constant
    at the soma, every synapse on the one compartment): every location gives the same EPSP.
(d-f) the steady states of (a) drawn over the cell's shape (``dendrites.shapeplot.plot_shape``),
    next to the point neuron, one dot at a single voltage.

Cell: the package's simplified pyramidal cell (``dendrites.morphology.pyramidal``), passive,
Rm 10 kOhm cm2, Cm 1 uF/cm2, Ri 150 ohm cm, E -70 mV (the passive defaults of
``dendrites.mechanisms.passive``), compartments by the d_lambda rule (0.1 at 100 Hz), at most
20 um long. AMPA synapse: 1 nS peak, double exponential 0.2/2 ms (``dendrites.mechanisms.ampa``).
The model is compiled once; every synapse location and injection site is a run-time value.

References: Rall (1967) J Neurophysiol 30:1138; Stuart & Spruston (1998) J Neurosci 18:3501
(dendritic attenuation of EPSPs in pyramidal cells).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from brian2 import cm, ms, nA, nS, ohm, uF, um

from dendrites import Cell, morphology
from dendrites.analysis import epsp_features
from dendrites.cli import run_script
from dendrites.electrotonic import point_neuron
from dendrites.results import compartment_coords
from dendrites.stimuli import Step
from dendrites.studies import Claim
from dendrites.studykit import SharedProgress, cached_base, passive_cell
from dendrites.sweep import Sweep, run_sweep

TITLE = "The neuron is not isopotential"
CAPTION = (
    "Different parts of one neuron sit at different voltages. (a) Steady state along a passive "
    "pyramidal cell for 0.1 nA injected at the soma or at the apical tuft tip; dashed: Rall's "
    "sealed-end cable for the apical path alone (the tree does not obey Rall's 3/2 rule, so its "
    "side branches make the real profile deviate: the reported deviation); grey: the matched "
    "point neuron, one voltage everywhere. (b) EPSP of one 1 nS AMPA synapse placed at "
    "increasing distance along the apical dendrite, at the synapse and at the soma: attenuation. "
    "(c) The EPSP at the soma slows and broadens with distance, while the point neuron (grey) "
    "gives the same EPSP for every location. (d, e) The steady state of (a) over the cell's shape "
    "(seen 30 degrees around the apical axis; line width grows with diameter; I: injection "
    "site), on one logarithmic colour scale: from the tuft tip, the soma sees a few percent of the "
    "tip's depolarisation. (f) The point neuron is one compartment: isopotential, the same "
    "depolarisation for either injection site."
)
#: Nothing was chosen after seeing results: the cell, the synapse, the distances and the claims'
#: targets are those of the study's first version, unchanged since (git log of this file).
CALIBRATION: list[str] = []
SUMMARY = (
    "different parts of one neuron sit at different voltages: an EPSP "
    "{path distance of the most distal synapse:.0f} from the soma arrives there at "
    "{EPSP amplitude soma/synapse, most distal synapse:.1%} of its size, "
    "{EPSP peak delay synapse to soma, most distal synapse:.1f} later and "
    "{EPSP half-width soma/synapse, most distal synapse:.1f}x broader; the point-neuron control "
    "is the same everywhere"
)

RM = 1e4  # ohm cm2
RI = 150.0  # ohm cm
CM = 1.0  # uF/cm2
E_LEAK = -70.0  # mV
I_INJ = 0.1  # nA
W_AMPA = 1.0  # nS
ONSET = 10.0  # ms
APICAL_PATH = ["trunk0", "trunk1", "trunk2", "trunk3", "trunk4", "tuft0", "tuft0_a"]


def parameters(quick: bool) -> dict:
    """Everything the result depends on."""
    distances = [100.0, 300.0, 500.0, 700.0, 900.0] if quick else list(np.arange(50.0, 950.0, 50.0))
    return {
        "distances_um": distances,
        "steady_duration_ms": 150.0 if quick else 200.0,
        "epsp_duration_ms": 60.0 if quick else 80.0,
        "dt_ms": 0.025,
        "max_compartment_um": 20.0,
        "Rm_ohm_cm2": RM,
        "Ri_ohm_cm": RI,
        "Cm_uF_cm2": CM,
        "E_mV": E_LEAK,
        "I_inj_nA": I_INJ,
        "w_ampa_nS": W_AMPA,
    }


@cached_base
def _base(params: dict) -> Cell:
    """The passive cell without inputs (built once per process; every call returns a copy)."""
    morph = morphology.pyramidal().compartmentalize(
        Ri=RI * ohm * cm, Cm=CM * uF / cm**2, max_length=params["max_compartment_um"] * um
    )
    return passive_cell(morph, Rm_ohm_cm2=RM, Ri_ohm_cm=RI, Cm_uF_cm2=CM, E_mV=E_LEAK)


def _cell(max_compartment_um: float) -> Cell:
    return _base({"max_compartment_um": max_compartment_um})


def _path_compartments(morph) -> np.ndarray:
    table = morph.compartments
    on_path = np.isin(table.section.astype(str), APICAL_PATH)
    idx = np.flatnonzero(on_path)
    return idx[np.argsort(table.distance[idx])]


def _electrotonic_distance(morph, idx: np.ndarray) -> tuple[np.ndarray, float]:
    """Electrotonic distance X of each path compartment centre, and the path's length L."""
    table = morph.compartments
    lam = np.sqrt(RM * table.diameter[idx] * 1e-4 / (4 * RI)) * 1e4  # um
    start = table.distance_start[idx]
    end = table.distance_end[idx]
    seg = (end - start) / lam
    x_end = np.cumsum(seg)
    x_centre = x_end - seg / 2
    return x_centre, float(x_end[-1])


def _site_at(morph, path: np.ndarray, distance: float) -> int:
    table = morph.compartments
    hit = path[(table.distance_start[path] <= distance) & (table.distance_end[path] > distance)]
    return int(hit[0])


# The sweeps below name these functions by file path, so that worker processes can load them.
def steady_cell(model: str, injection: str, max_compartment_um: float) -> Cell:
    """The cell (or its point neuron) with 0.1 nA DC at the soma or at the tuft tip.

    Both electrodes exist in the cell at every point (one is at 0 nA): one compiled structure.
    """
    cell = _cell(max_compartment_um)
    tip = int(_path_compartments(cell.morphology)[-1])
    i_soma, i_tip = (I_INJ, 0.0) if injection == "soma" else (0.0, I_INJ)
    if model == "point":
        point = point_neuron(cell)
        point.add_current_clamp(0, Step((i_soma + i_tip) * nA, 0 * ms))
        return point
    cell.add_current_clamp(0, Step(i_soma * nA, 0 * ms), label="soma")
    cell.add_current_clamp(tip, Step(i_tip * nA, 0 * ms), label="tip")
    return cell


def steady_state(ds: xr.Dataset, **_) -> xr.Dataset:
    """Keep the last sample of every compartment."""
    return ds[["v"]].isel(time=-1, drop=True)


def epsp_cell(model: str, site_um: float, sites_um: list, max_compartment_um: float) -> Cell:
    """All synapse sites exist; only the one at `site_um` receives a spike (at ONSET)."""
    cell = _cell(max_compartment_um)
    path = _path_compartments(cell.morphology)
    sites = [_site_at(cell.morphology, path, d) for d in sites_um]
    trains = [[ONSET] * ms if d == site_um else [] * ms for d in sites_um]
    cell.add_synapses("ampa", at=sites, receptors={"ampa": W_AMPA * nS}, spikes=trains)
    return point_neuron(cell) if model == "point" else cell


def epsp_traces(
    ds: xr.Dataset, model: str, site_um: float, sites_um: list, max_compartment_um: float
) -> xr.Dataset:
    """Somatic trace and the trace at the active synapse (the soma for the point neuron)."""
    cell = _cell(max_compartment_um)
    site = 0
    if model == "cell":
        site = _site_at(cell.morphology, _path_compartments(cell.morphology), site_um)
    return xr.Dataset(
        {
            "v_soma": ds.v.sel(compartment=0, drop=True),
            "v_synapse": ds.v.sel(compartment=site, drop=True),
        }
    )


def compute(params: dict, progress) -> xr.Dataset:
    """Run the steady-state and EPSP protocols on the cell and its point-neuron control through
    the sweep engine: one compiled model per structure and process, every point cached."""
    dt = params["dt_ms"] * ms
    here = f"{Path(__file__).resolve()}:"
    constants = {"max_compartment_um": params["max_compartment_um"]}
    distances = [float(d) for d in params["distances_um"]]
    sweeps = [
        Sweep(
            "not_isopotential-steady",
            {"model": ["cell", "point"], "injection": ["soma", "distal"]},
            make_cell=here + "steady_cell",
            reduce=here + "steady_state",
            duration=params["steady_duration_ms"] * ms,
            dt=dt,
            record={"v": "all"},
            record_dt=10 * ms,
            constants=constants,
        ),
        Sweep(
            "not_isopotential-epsp",
            {"model": ["cell", "point"], "site_um": distances},
            make_cell=here + "epsp_cell",
            reduce=here + "epsp_traces",
            duration=params["epsp_duration_ms"] * ms,
            dt=dt,
            record={"v": [0, "apical", "tuft"]},
            constants={**constants, "sites_um": distances},
        ),
    ]
    shared = SharedProgress(progress, sweeps, labels=["steady state", "EPSPs"])
    steady = run_sweep(sweeps[0], workers=1, progress=shared.stage(0))
    epsp = run_sweep(sweeps[1], progress=shared.stage(1))
    morph = _cell(params["max_compartment_um"]).morphology
    table = morph.compartments
    path = _path_compartments(morph)
    sites = np.array([_site_at(morph, path, d) for d in distances])
    x_path, L = _electrotonic_distance(morph, path)
    cell_v = steady.v.sel(model="cell")
    v0 = float(cell_v.sel(injection="soma", compartment=0)) - E_LEAK
    rall = E_LEAK + v0 * np.cosh(L - x_path) / np.cosh(L)
    return xr.Dataset(
        {
            "steady_v": (
                ("injection", "compartment"),
                cell_v.sel(injection=["soma", "distal"]).values,
                {"units": "mV", "long_name": "steady-state membrane potential"},
            ),
            "steady_point_v": (
                ("injection",),
                steady.v.sel(model="point", compartment=0).values,
                {"units": "mV", "long_name": "point neuron steady state"},
            ),
            "rall_v": (
                ("path",),
                rall,
                {"units": "mV", "long_name": "Rall sealed-end cable, somatic injection"},
            ),
            "v_synapse": (
                ("site", "time"),
                epsp.v_synapse.sel(model="cell").values,
                {"units": "mV"},
            ),
            "v_soma": (("site", "time"), epsp.v_soma.sel(model="cell").values, {"units": "mV"}),
            "v_point": (("site", "time"), epsp.v_soma.sel(model="point").values, {"units": "mV"}),
        },
        coords={
            "injection": ["soma", "distal"],
            # compartment, section, region, distance and where each compartment lies (x, y, z,
            # diameter, ends x0 .. z1): enough to draw the cell (dendrites.shapeplot)
            **compartment_coords(morph, np.arange(morph.n_compartments)),
            "path": path,
            "path_distance": ("path", table.distance[path], {"units": "um"}),
            "path_X": ("path", x_path, {"units": "1", "long_name": "electrotonic distance"}),
            "site": sites,
            "site_distance": ("site", table.distance[sites], {"units": "um"}),
            "time": ("time", epsp.time.values, {"units": "ms"}),
        },
        attrs={
            "electrotonic_length_L": L,
            "tip_compartment": int(path[-1]),
            "onset_ms": ONSET,
            "n_compartments": morph.n_compartments,
            "points_computed": int(steady.attrs["computed"] + epsp.attrs["computed"]),
        },
    )


def _features(ds: xr.Dataset, var: str) -> dict[str, np.ndarray]:
    feats = [epsp_features(ds.time.values, tr, ds.attrs["onset_ms"]) for tr in ds[var].values]
    return {k: np.array([f[k] for f in feats]) for k in feats[0]}


def claims(ds: xr.Dataset) -> list[Claim]:
    """Headline numbers, computed from the stored Dataset."""
    loc, som, pnt = (_features(ds, v) for v in ("v_synapse", "v_soma", "v_point"))
    far = -1
    ratio = som["amplitude"][far] / loc["amplitude"][far]
    point_ratio = pnt["amplitude"][far] / pnt["amplitude"][0]
    delay = som["peak_time"][far] - loc["peak_time"][far]
    broadening = som["half_width"][far] / loc["half_width"][far]
    path_v = ds.steady_v.sel(injection="soma", compartment=ds.path.values)
    v0 = float(ds.steady_v.sel(injection="soma", compartment=0)) - E_LEAK
    deviation = float(np.max(np.abs(path_v.values - ds.rall_v.values)) / v0)
    tip = int(ds.attrs["tip_compartment"])
    distal = ds.steady_v.sel(injection="distal")
    ss_att = float((distal.sel(compartment=0) - E_LEAK) / (distal.sel(compartment=tip) - E_LEAK))
    d = float(ds.site_distance.values[far])
    return [
        Claim.report("path distance of the most distal synapse", d, "um", kind="check"),
        Claim.at_most("EPSP amplitude soma/synapse, most distal synapse", ratio, "", 0.5),
        # every synapse of the point neuron sits on its one compartment: 1 by construction
        Claim.within(
            "same ratio in the point neuron (every location)",
            point_ratio,
            "",
            1.0,
            0.001,
            kind="check",
        ),
        Claim.at_least("EPSP peak delay synapse to soma, most distal synapse", delay, "ms", 1.0),
        Claim.at_least("EPSP half-width soma/synapse, most distal synapse", broadening, "", 1.5),
        Claim.report("steady-state V soma/tip, current injected at the tip", ss_att, ""),
        Claim.report(
            "max deviation from Rall's sealed cable along the apical path "
            "(fraction of somatic deflection)",
            deviation,
            "",
        ),
    ]


def plot(ds: xr.Dataset):
    """Three panels drawn from the stored Dataset."""
    import matplotlib.pyplot as plt

    from dendrites.plotting import COLORS, panel_label, use_style

    use_style()
    fig = plt.figure(figsize=(13, 9.6), constrained_layout=True)
    top, bottom = fig.subfigures(2, 1, height_ratios=[4.2, 5.4])
    axes = top.subplots(1, 3)
    ax = axes[0]
    dist = ds.distance.values
    for inj, color, label in [
        ("soma", COLORS["soma"], "injected at soma"),
        ("distal", COLORS["dendrite"], "injected at tuft tip"),
    ]:
        ax.scatter(dist, ds.steady_v.sel(injection=inj) - E_LEAK, s=6, color=color, label=label)
    ax.plot(
        ds.path_distance,
        ds.rall_v - E_LEAK,
        "--",
        color=COLORS["theory"],
        label="Rall sealed cable, apical path",
    )
    ax.axhline(
        float(ds.steady_point_v[0]) - E_LEAK,
        color=COLORS["point"],
        lw=1.5,
        label="point neuron (either site)",
    )
    ax.set_yscale("log")
    ax.set_xlabel("path distance from soma (um)")
    ax.set_ylabel("steady-state depolarisation (mV)")
    ax.set_title(f"{I_INJ:g} nA DC, passive cell")
    ax.legend(fontsize=8, loc="upper left")
    panel_label(ax, "a")

    loc, som, pnt = (_features(ds, v) for v in ("v_synapse", "v_soma", "v_point"))
    sd = ds.site_distance.values
    ax = axes[1]
    ax.semilogy(sd, loc["amplitude"], "o-", color=COLORS["dendrite"], label="at the synapse")
    ax.semilogy(sd, som["amplitude"], "o-", color=COLORS["soma"], label="at the soma")
    ax.semilogy(sd, pnt["amplitude"], "s--", color=COLORS["point"], label="point neuron")
    ax.set_xlabel("synapse distance from soma (um)")
    ax.set_ylabel("EPSP amplitude (mV)")
    ax.set_title(f"one {W_AMPA:g} nS AMPA synapse")
    ax.legend(fontsize=8)
    panel_label(ax, "b")

    ax = axes[2]
    t = ds.time.values - ds.attrs["onset_ms"]
    keep = (t >= -2) & (t <= 40)
    cmap = plt.get_cmap("viridis")
    norm = plt.Normalize(sd.min(), sd.max())
    for k in range(len(sd)):
        ax.plot(
            t[keep],
            ds.v_soma.values[k, keep] - ds.v_soma.values[k, 0],
            color=cmap(norm(sd[k])),
            lw=1.2,
        )
    ax.plot(
        t[keep],
        ds.v_point.values[0, keep] - ds.v_point.values[0, 0],
        color=COLORS["point"],
        lw=2,
        ls="--",
        label="point neuron (any site)",
    )
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="synapse distance (um)")
    ax.set_xlabel("time after input (ms)")
    ax.set_ylabel("somatic EPSP (mV)")
    ax.set_title("at the soma: smaller, later, broader")
    ax.legend(fontsize=8)
    panel_label(ax, "c")
    _plot_shapes(ds, bottom)
    return fig


def _plot_shapes(ds: xr.Dataset, fig) -> None:
    """(d, e) the steady state of (a) over the cell's shape, (f) the point neuron: one dot."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from dendrites.plotting import COLORS, panel_label
    from dendrites.shapeplot import plot_shape

    axes = fig.subplots(1, 3, width_ratios=[1, 1, 0.8])
    dep = ds.steady_v - E_LEAK
    point = float(ds.steady_point_v[0]) - E_LEAK  # the same for either injection site
    norm = LogNorm(min(float(dep.min()), point), max(float(dep.max()), point))
    # seen from 30 degrees around the apical axis (y): in the x-y plane the two branches of each
    # tuft would lie on top of each other (they differ only in z)
    turn = np.radians(30.0)
    view = [[np.cos(turn), 0.0, np.sin(turn)], [0.0, 1.0, 0.0]]
    style = {"norm": norm, "colorbar": False, "width_scale": 1.5, "min_width": 2.0}
    style["projection"] = view
    tip = ds.sel(compartment=int(ds.attrs["tip_compartment"]))
    tip_xy = np.array(view) @ [float(tip.x1), float(tip.y1), float(tip.z1)]
    sites = {"soma": (0.0, 0.0), "distal": tuple(tip_xy)}
    for ax, inj, title, letter in [
        (axes[0], "soma", f"{I_INJ:g} nA at the soma", "d"),
        (axes[1], "distal", f"{I_INJ:g} nA at the tuft tip", "e"),
    ]:
        plot_shape(ds, dep.sel(injection=inj), ax, **style)
        x, y = sites[inj]
        ax.annotate(
            "I",
            (x, y),
            xytext=(14, 14),
            textcoords="offset points",
            arrowprops={"arrowstyle": "->", "color": COLORS["theory"]},
            fontweight="bold",
        )
        ax.set_title(f"cell, {title}")
        panel_label(ax, letter)
    # the point neuron is a sphere with the cell's soma diameter at its place (point_neuron):
    # the soma compartment's coordinates are its shape
    ax = axes[2]
    soma = ds.isel(compartment=[0])
    plot_shape(soma, np.array([point]), ax, **style)
    r = float(soma.diameter[0])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlim(-4 * r, 4 * r)
    ax.set_ylim(-4 * r, 4 * r)
    ax.text(
        0.5,
        0.93,
        f"isopotential:\n{point:.1f} mV everywhere,\nfor either injection site",
        transform=ax.transAxes,
        ha="center",
        va="top",
    )
    ax.set_title("point neuron")
    panel_label(ax, "f")
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=plt.get_cmap())
    bar = fig.colorbar(
        mappable, ax=list(axes), label="steady-state depolarisation (mV)", shrink=0.8
    )
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200) if norm.vmin <= t <= norm.vmax]
    bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])


if __name__ == "__main__":
    run_script(__file__)
