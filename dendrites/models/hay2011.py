"""The layer-5b pyramidal cell of Hay et al. (2011), model "biophys3" on ``cell1.asc``.

Hay, Hill, Schürmann, Markram & Segev (2011) *Models of neocortical layer 5b pyramidal cells
capturing a wide range of dendritic and perisomatic active properties*, PLoS Comput Biol
7:e1002107; ModelDB entry 139653. Every number below comes from the published NEURON files
(read in the OpenSourceBrain mirror ``L5bPyrCellHayEtAl2011``, folder ``NEURON/``; no code
copied): ``models/L5PCbiophys3.hoc`` (densities), ``models/L5PCtemplate.hoc`` (compartments,
axon stub, ``locateSites``), ``simulationcode/BAC_firing.hoc``, ``Step_current_firing.hoc`` and
``critical_frequency.hoc`` (protocols). The channels are :mod:`dendrites.mechanisms.hay`.

Pure Python (no Brian2 objects): :func:`hay2011` returns a :class:`~dendrites.Cell`; the
protocol functions add electrodes to it and return the recording sites; the feature functions
work on recorded traces (ms, mV).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
from brian2.units import amp, cm, ms, mV, nA, ohm, second, siemens, uF, um

from ..analysis import spike_times
from ..cell import Cell
from ..densities import exponential, step
from ..errors import ParameterError
from ..mechanisms import hay
from ..morphology import Morphology, Section, load_morphology
from ..quantities import as_float
from ..stimuli import Step, Waveform

__all__ = [
    "HAY2011_TARGETS",
    "PulseTrain",
    "bac_features",
    "bac_protocol",
    "bap_amplitude",
    "hay2011",
    "locate_site",
    "morphology_path",
    "pulse_train_protocol",
    "step_protocol",
]

_S = siemens / cm**2

#: Uniform densities of biophys3 (S/cm2) per region (``L5PCbiophys3.hoc``).
_SOMA = {
    "Ca_LVAst": 0.00343,
    "Ca_HVA": 0.000992,
    "SKv3_1": 0.693,
    "SK_E2": 0.0441,
    "K_Tst": 0.0812,
    "K_Pst": 0.00223,
    "Nap_Et2": 0.00172,
    "NaTa_t": 2.04,
    "Ih": 0.0002,
}
_APICAL = {"SK_E2": 0.0012, "SKv3_1": 0.000261, "NaTa_t": 0.0213, "Im": 0.0000675}
_G_PAS = {"soma": 0.0000338, "apical": 0.0000589, "basal": 0.0000467, "axon": 0.0000325}
#: The pools: decay (ms) and gamma per region.
_POOL = {"soma": (460.0, 0.000501), "apical": (122.0, 0.000509)}

#: Published targets (experimental mean, SD) the model was fitted to, and where they come from.
#: BAC and bAP: Hay et al. (2011) (``../shared/hay2011.md``); step-current firing rates at the
#: three amplitudes of ``Step_current_firing.hoc``: the "mean_frequency" targets of Hay et al.'s
#: step features as BluePyOpt's L5PC example carries them (``examples/l5pc/config/
#: features.json``: Step1 6 +- 1.22, Step2 8.5 +- 0.98, Step3 17.5 +- 0.8 Hz).
HAY2011_TARGETS: dict[str, tuple[float, float]] = {
    "bac_first_isi_ms": (9.9, 0.85),
    "bac_ahp_mV": (-65.0, 4.0),
    "ca_spike_peak_mV": (6.7, 2.5),
    "ca_spike_width_ms": (37.4, 1.3),
    "bap_amplitude_660um_mV": (45.0, 10.0),
    "bap_amplitude_800um_mV": (36.0, 9.33),
    "step1_rate_Hz": (6.0, 1.2222),
    "step2_rate_Hz": (8.5, 0.9796),
    "step3_rate_Hz": (17.5, 0.8),
}

#: The three step amplitudes of ``Step_current_firing.hoc`` (nA): 700 ms delay, 2 s long, 3 s run.
STEP_AMPLITUDES_nA = (0.619, 0.793, 1.507)
#: Spike detection threshold at the soma (mV): the APCount of ``Step_current_firing.hoc``.
SPIKE_THRESHOLD_mV = -10.0
AXON_CHOICES = ("stub", "reconstructed")
SECTION_ENDS = ("hoc", "centre")
BAC_CONDITIONS = {"bac": (1, 1), "bap": (1, 0), "epsp": (0, 1), "epsp3": (0, 3)}


def morphology_path():
    """The shipped ``hay_cell1.asc`` (``dendrites/data/morphologies``, provenance in its README):
    a :class:`importlib.resources` traversable; use it through ``resources.as_file``."""
    return resources.files("dendrites") / "data" / "morphologies" / "hay_cell1.asc"


def _with_axon_stub(morph: Morphology) -> Morphology:
    """The reconstruction with its axon replaced by ``L5PCtemplate.hoc``'s ``delete_axon``: two
    30 um x 1 um cylinders in a chain, ``axon[0](0)`` at ``soma(0.5)`` (straight, along -y from
    the soma's centre: NEURON's stub has no 3-D points, only L and diam)."""
    soma = morph.soma
    centre = soma.points[len(soma.points) // 2, :3]
    down = np.array([0.0, -1.0, 0.0])
    secs = [s for s in morph.sections if s.region != "axon"]
    for k in range(2):
        a = centre + 30.0 * k * down
        b = a + 30.0 * down
        pts = [[*a, 1.0], [*b, 1.0]]
        secs.append(Section(f"axon{k}", "axon", "soma" if k == 0 else "axon0", pts))
    return Morphology(secs, import_report=morph.import_report)


def hay2011(
    *, axon: str = "stub", compartments="hay2011", section_ends: str = "hoc", name="hay2011"
) -> Cell:
    """The Hay et al. (2011) L5b pyramidal cell, biophys3 on cell1, as a :class:`~dendrites.Cell`.

    Hay, Hill, Schürmann, Markram & Segev (2011) PLoS Comput Biol 7:e1002107, ModelDB 139653.
    Cite it when you use this cell. Morphology ``cell1.asc`` shipped with the package
    (:func:`morphology_path`), imported as NEURON's Import3d does (contour soma as a principal-axis
    cylinder, every neurite at soma(0.5)); channels :mod:`dendrites.mechanisms.hay`; densities of
    ``L5PCbiophys3.hoc``: pas everywhere (e_pas -90 mV; g_pas 3.38e-5 soma, 5.89e-5 apical,
    4.67e-5 basal, 3.25e-5 axon, S/cm2), Ra 100 ohm cm, cm 1 uF/cm2 (2 in apical and basal),
    the somatic and apical channels and pools of ``../shared/hay2011.md``, the apical Ih gradient
    ``2e-4 (-0.8696 + 2.087 exp(3.6161 d / Lmax))`` S/cm2 (Lmax the longest apical path,
    1300.5 um) and the Ca hot zone 685 < d < 885 um (Ca_LVAst 0.0187 inside, 1.87e-4 outside;
    Ca_HVA 5.55e-4, 5.55e-5), basal Ih 2e-4; v_init -80 mV. Structure with the defaults: 196
    sections (soma 1, basal 84, apical 109, axon 2), 642 compartments, as the original.

    Parameters
    ----------
    axon : {"stub", "reconstructed"}
        "stub" (the original): the traced axon replaced by two 30 um x 1 um passive cylinders
        (one compartment each, as ``nseg = 1 + 2 int(30/40)``). "reconstructed": keep the traced
        axon, with the stub's passive properties (not the published model).
    compartments : str, callable or mapping
        The compartment rule (:meth:`~dendrites.morphology.Morphology.compartmentalize`):
        "hay2011" (the original's ``nseg = 1 + 2 int(L / 40 um)``), "d_lambda" (at Ri 100 ohm cm,
        cm 1 uF/cm2), or any rule it accepts, for convergence checks.
    section_ends : {"hoc", "centre"}
        Where the distance-dependent densities are evaluated. "hoc" (default, the original's
        behaviour): at every compartment centre, except the last compartment of each apical
        section, which takes the value at the section's far end (the ``for (x)`` loop of
        ``distribute_channels`` visits x = 1 last). "centre": every compartment at its centre.
    name : str

    Returns
    -------
    Cell
        No electrodes; add a protocol with :func:`bac_protocol`, :func:`step_protocol` or
        :func:`pulse_train_protocol`.

    Notes
    -----
    Deviations from the original, all of them (``../shared/hay2011.md`` for the facts):

    1. Time stepping: the published simulations use NEURON's variable-step integrator (CVode);
       this package steps at a fixed dt. Backward Euler at dt 0.025 ms loses about a quarter of
       the distal bAP on this cell (as NEURON does); run it with
       ``time_stepping="crank-nicolson"`` (NEURON's ``secondorder = 2``) or a small dt.
    2. Soma-to-children link: the soma is one compartment and its children join it through a
       fixed link of ``1e-4 / um`` x Ri = 100 ohm (NEURON connects them to the soma's node with
       no resistance); 100 ohm against the >= 1 MOhm of the first neurite half-compartments.
    3. Removable singularities of the rate functions (NaTa_t, Nap_Et2, Ca_HVA, Ih) are evaluated
       exactly (``exprel``); the mod files shift v by 1e-4 mV there.
    4. The axon stub is given straight 3-D points (NEURON's has only L and diam): the same
       cylinders, electrically identical.
    5. ``locateSites`` picks the widest candidate section by NEURON's segment diameter (the
       length-averaged diameter of the segment); :func:`locate_site` by the diameter at the
       compartment's centre, the first of equals. On cell1 both pick the same sites at 400, 620
       (apic[36]), 660 and 800 um (apic[37]); at 830 um (``critical_frequency.hoc``) two
       candidates have the same diameter, 1.29 um, and NEURON 9 takes apic[51] (835.6 um,
       decided by the last bits of its diameter averaging), this package apical37 (828.8 um),
       both in the Ca hot zone.
    6. The EPSP-shaped current of ``epsp.mod`` (a point process) is an electrode waveform
       (:func:`~dendrites.mechanisms.hay.epsp`): the same current at the same compartment.

    Conventions kept from the original (not deviations): the calcium reversal is Nernst at
    NEURON's default 6.3 degC (``celsius`` is never set; cao 2 mM), the rates are fixed to
    34 degC by the mod files' ``qt``; cai starts at NEURON's 5e-5 mM and relaxes to 1e-4 mM
    (the cell is still settling when the stimuli come at 250-300 ms); distances are path lengths
    from apic[0](0) = soma(0.5); the ``for (x)`` artefact (``section_ends="hoc"``).
    """
    if axon not in AXON_CHOICES:
        raise ParameterError("axon", f"must be one of {AXON_CHOICES}, got {axon!r}")
    if section_ends not in SECTION_ENDS:
        raise ParameterError("section_ends", f"must be one of {SECTION_ENDS}, got {section_ends!r}")
    Ri, Cm = 100 * ohm * cm, 1 * uF / cm**2
    with resources.as_file(morphology_path()) as path:
        morph = load_morphology(path, soma="import3d")
    if axon == "stub":
        morph = _with_axon_stub(morph)
    morph = morph.compartmentalize(Ri, Cm, rule=compartments)
    cell = Cell(morph, Ri=Ri, Cm=Cm, v_init=-80 * mV, name=name)
    cell.set_cm(2 * uF / cm**2, where=["apical", "basal"])
    for region, g in _G_PAS.items():
        cell.insert("pas", where=region, g=g * _S, E=-90 * mV)
    for channel, g in _SOMA.items():
        cell.insert(hay.HAY_CHANNELS[channel], where="soma", **{f"g{channel}bar": g * _S})
    for channel, g in _APICAL.items():
        cell.insert(hay.HAY_CHANNELS[channel], where="apical", **{f"g{channel}bar": g * _S})
    hoc = section_ends == "hoc"
    g_h = 0.0002 * _S
    ih = exponential(-0.8696 * g_h, 2.087 * g_h, 3.6161, normalised=True, hoc_for_x=hoc)
    cell.insert(hay.Ih, where="apical", gIhbar=ih)
    lva = step(0.0187 * _S, 0.0187 * 0.01 * _S, 685 * um, 885 * um, hoc_for_x=hoc)
    hva = step(0.000555 * _S, 0.000555 * 0.1 * _S, 685 * um, 885 * um, hoc_for_x=hoc)
    cell.insert(hay.Ca_LVAst, where="apical", gCa_LVAstbar=lva)
    cell.insert(hay.Ca_HVA, where="apical", gCa_HVAbar=hva)
    for region, (decay, gamma) in _POOL.items():
        cell.insert(hay.CaDynamics_E2, where=region, decay=decay * ms, gamma=gamma)
    cell.insert(hay.Ih, where="basal", gIhbar=g_h)
    return cell


def locate_site(morph: Morphology, distance, region: str = "apical") -> tuple[str, float]:
    """``L5PCtemplate.hoc``'s ``locateSites`` followed by the protocols' choice of the widest.

    Every section of `region` whose path-distance interval [start, end] contains `distance`
    is a candidate at ``x = (distance - start) / (end - start)``; the one whose compartment at
    x is widest is returned (the first of equals, in section order).

    Returns
    -------
    (section, x)

    Raises
    ------
    PlacementError
        No section of the region spans that distance.
    """
    d = as_float(distance, um, "distance", "nonnegative")
    t = morph.compartments
    morph.at_distance(distance, region)  # raises a PlacementError when nothing spans d
    best, widest = None, -1.0
    for s in morph.sections:
        if s.region != region:
            continue
        sl = morph.compartment_slice(s.name)
        d0, d1 = float(t.distance_start[sl][0]), float(t.distance_end[sl][-1])
        if d0 <= d <= d1 and d1 > d0:
            x = (d - d0) / (d1 - d0)
            diam = float(t.diameter[morph.locate(s.name, x)])
            if diam > widest:
                best, widest = (s.name, x), diam
    return best


def _soma_site() -> tuple[str, float]:
    return ("soma", 0.5)


def bac_protocol(cell: Cell, condition: str = "bac") -> dict[str, tuple[str, float]]:
    """Add the electrodes of ``BAC_firing.hoc`` and return its recording sites.

    Somatic pulse 1.9 nA for 5 ms at 295 ms; EPSP-shaped current (rise 0.5 ms, decay 5 ms, peak
    0.5 nA, onset 300 ms) at the widest apical site 620 um from the soma; run 600 ms. Both
    electrodes are always added (amplitude 0 when off, as the hoc file sets ``EPSPamp = 0``), so
    the four conditions share one compiled model.

    Parameters
    ----------
    cell : Cell
        From :func:`hay2011`.
    condition : {"bac", "bap", "epsp", "epsp3"}
        Both; the somatic pulse alone; the dendritic current alone; 3x the dendritic current
        alone (the hoc file's "CaBurst").

    Returns
    -------
    dict
        ``soma``, ``proximal`` (400 um), ``distal`` (620 um, the EPSP site), ``bap660`` and
        ``bap800`` (the sites of the bAP-amplitude targets): ``(section, x)`` to record.
    """
    if condition not in BAC_CONDITIONS:
        known = ", ".join(BAC_CONDITIONS)
        raise ParameterError("condition", f"unknown condition {condition!r}; known: {known}")
    soma_on, epsp_scale = BAC_CONDITIONS[condition]
    morph = cell.morphology
    sites = {"soma": _soma_site()}
    for key, d in (("proximal", 400), ("distal", 620), ("bap660", 660), ("bap800", 800)):
        sites[key] = locate_site(morph, d * um, "apical")
    cell.add_current_clamp(sites["soma"], Step(1.9 * nA * soma_on, 295 * ms, 5 * ms), "soma")
    wave = hay.epsp(amplitude=0.5 * nA * epsp_scale, onset=300 * ms)
    cell.add_current_clamp(sites["distal"], wave, "epsp")
    return sites


def step_protocol(cell: Cell, step_number: int) -> dict[str, tuple[str, float]]:
    """Add the somatic step of ``Step_current_firing.hoc``: 0.619, 0.793 or 1.507 nA (steps 1-3)
    from 700 ms for 2 s (run 3 s). Returns the recording site ``soma``."""
    if step_number not in (1, 2, 3):
        raise ParameterError("step_number", f"must be 1, 2 or 3, got {step_number!r}")
    amplitude = STEP_AMPLITUDES_nA[step_number - 1] * nA
    cell.add_current_clamp(_soma_site(), Step(amplitude, 700 * ms, 2000 * ms), "step")
    return {"soma": _soma_site()}


@dataclass(frozen=True, init=False)
class PulseTrain(Waveform):
    """`n` rectangular pulses of `amplitude` and `duration` at `frequency` from `start`."""

    amplitude: float
    start: float
    duration: float
    frequency: float
    n: int

    def __init__(self, amplitude, start, duration, frequency, n=5):
        from brian2.units import Hz

        object.__setattr__(self, "amplitude", as_float(amplitude, amp, "amplitude"))
        object.__setattr__(self, "start", as_float(start, second, "start", "nonnegative"))
        object.__setattr__(self, "duration", as_float(duration, second, "duration", "positive"))
        object.__setattr__(self, "frequency", as_float(frequency, Hz, "frequency", "positive"))
        if not isinstance(n, int) or n < 1:
            raise ParameterError("n", f"must be an integer >= 1, got {n!r}")
        object.__setattr__(self, "n", n)

    def sample(self, t):
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for k in range(self.n):
            t0 = self.start + k / self.frequency
            out[(t >= t0) & (t < t0 + self.duration)] = self.amplitude
        return out


def pulse_train_protocol(
    cell: Cell, frequency, amplitude=1.99 * nA, n: int = 5, distance=830 * um
) -> dict[str, tuple[str, float]]:
    """Add the somatic pulse train of ``critical_frequency.hoc``: `n` pulses of 5 ms from 250 ms
    at `frequency` (the original: 5 x 1.99 nA); returns ``soma`` and ``dend`` (the widest apical
    site at `distance`, 830 um in the original)."""
    wave = PulseTrain(amplitude, 250 * ms, 5 * ms, frequency, n)
    cell.add_current_clamp(_soma_site(), wave, "train")
    return {"soma": _soma_site(), "dend": locate_site(cell.morphology, distance, "apical")}


def bap_amplitude(time, trace, stimulus=295.0) -> float:
    """Peak depolarisation (mV) of `trace` after `stimulus` (ms) above its value just before it
    (the bAP amplitude "from voltage base")."""
    time, trace = np.asarray(time, float), np.asarray(trace, float)
    before = trace[time < stimulus]
    base = float(before[-1]) if before.size else float(trace[0])
    return float(trace[time >= stimulus].max() - base)


def _width_above(time, trace, level, after) -> float:
    """Duration (ms) of the longest run of `trace` above `level` after `after` (ms)."""
    keep = time >= after
    t, above = time[keep], trace[keep] > level
    if not above.any():
        return 0.0
    edges = np.diff(np.r_[0, above.astype(int), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    dt = np.median(np.diff(t)) if len(t) > 1 else 0.0
    return float(max(t[b] - t[a] + dt for a, b in zip(starts, stops, strict=True)))


def bac_features(time, v_soma, v_distal, stimulus=295.0) -> dict[str, float]:
    """Features of one BAC-protocol run (times in ms, potentials in mV).

    Returns
    -------
    dict
        ``n_spikes`` (somatic crossings of -10 mV), ``first_isi_ms`` (nan with < 2 spikes),
        ``ahp_mV`` (somatic minimum between the first and the last spike; nan with < 2),
        ``ca_peak_mV`` (maximum at the distal site after the stimulus), ``ca_width_ms`` (longest
        time the distal site stays above -55 mV after the stimulus), ``distal_base_mV``.
    """
    time, vs, vd = (np.asarray(a, float) for a in (time, v_soma, v_distal))
    spikes = spike_times(time, vs, SPIKE_THRESHOLD_mV)
    out = {"n_spikes": float(len(spikes)), "first_isi_ms": np.nan, "ahp_mV": np.nan}
    if len(spikes) >= 2:
        out["first_isi_ms"] = float(spikes[1] - spikes[0])
        between = (time > spikes[0]) & (time < spikes[-1])
        out["ahp_mV"] = float(vs[between].min())
    after = time >= stimulus
    out["ca_peak_mV"] = float(vd[after].max())
    out["ca_width_ms"] = _width_above(time, vd, -55.0, stimulus)
    out["distal_base_mV"] = float(vd[time < stimulus][-1])
    return out
