"""What a simulated computation costs: Na+ and Ca2+ entry, ATP and joules from a Dataset.

A neuron pays for signalling by pumping back the ions that entered: the Na/K ATPase extrudes
3 Na+ per ATP, Ca2+ extrusion costs about 1 ATP per Ca2+ (Attwell & Laughlin 2001, J Cereb Blood
Flow Metab 21:1133-1145; the package's targets, ``../shared/targets.md``, "Energy"). This module
integrates the Na+ and Ca2+ currents recorded by :func:`dendrites.simulate` and converts them:

* :func:`atp_budget` -- ions moved, ATP and joules per source, compartment and region, with
  per-second, per-spike, per-synaptic-event and per-input-pattern normalisations;
* :func:`na_entry_ratio` -- the Na+ charge of one action potential over the capacitive minimum
  ``C dV`` of the same membrane;
* :func:`sources` -- which recorded variable carries which ion, from the cell's mechanisms.

Which variable carries which ion
--------------------------------
A channel current ``I_<current>_<channel>`` carries the ion its
:class:`~dendrites.mechanisms.base.Current` declares (``Current(..., ion="na")``; ``hh``, the
cortical and the Hay channels do). A current that declares none but is named ``"na"`` or ``"ca"``
(a user's channel) is refused unless `ions` says what it carries (``ions={"I_na_X": "na"}``),
so that a cell never silently costs nothing. `ions` may also name any other recorded current
(``I_inj``, for checks) or give ``""`` to leave one out.

Synaptic receptors (mixed cation channels) are counted through :class:`ReceptorIons`: the Na+
current of a receptor of open conductance ``G = g * block(v)`` and reversal ``E_rev`` is, in the
chord-conductance (parallel-conductance) model of a channel passing Na+ and K+ only, each with
its own reversal (this module's convention; the study can check it against Attwell & Laughlin
2001's ~2.1e5 Na+ per NMDA vesicle, targets.md),

    I_Na = f_Na * G * (E_Na - v),   f_Na = (E_rev - E_K) / (E_Na - E_K),

the share ``f_Na`` of the conductance that makes a Na/K channel reverse at ``E_rev``. Its Ca2+
current is a fraction ``P_f`` (the fractional Ca2+ current) of its inward net current,
``I_Ca = P_f * max(G * (E_rev - v), 0)``: about 10 % for NMDA receptors (Schneggenburger, Zhou,
Konnerth & Neher 1993, Neuron 11:133-143; Burnashev, Zhou, Neher & Sakmann 1995, J Physiol
485:403-418), zero for the (GluA2-containing, Ca2+-impermeable) AMPA receptors of pyramidal
cells. GABA_A receptors pass Cl-, which costs no Na+ or Ca2+ entry here.

Sign convention
---------------
Every ``I_<current>_<channel>``, ``I_<receptor>``, ``I_inj`` and ``Im`` of the package is
**inward positive** (``I = g (E - v)``: Na+ entering is positive). The ion variables ``ina``,
``ica`` follow NEURON: **outward positive**, so they are negated. Only entering charge counts:
each current is clipped at zero sample by sample before it is integrated (a Na+ current above
``E_Na`` is Na+ leaving, which the pump does not pay for). Integration is the left Riemann sum
over the recording grid, ``sum_k I(t_k) dt_rec``: the charge a simulator applies when the
current of a sample holds over its step (exact for an injected step current).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr
from brian2.units import joule, mV, second
from brian2.units.fundamentalunits import Quantity

from .analysis import spike_times
from .errors import ParameterError
from .mechanisms.base import Receptor, evaluate
from .mechanisms.ions import ION_CHARGES
from .quantities import as_float

__all__ = [
    "ANN_MEMORY",
    "ATP_ENERGY",
    "ATP_ENERGY_RANGE",
    "CA_PER_ATP",
    "ELEMENTARY_CHARGE",
    "E_K",
    "E_NA",
    "HOROWITZ_PJ",
    "NA_PER_ATP",
    "RECEPTOR_IONS",
    "ReceptorIons",
    "Source",
    "ann_energy",
    "atp_budget",
    "mlp_macs",
    "na_entry_ratio",
    "sources",
]

#: Na+ extruded per ATP by the Na/K ATPase (3 Na+ out, 2 K+ in per ATP hydrolysed; Attwell &
#: Laughlin 2001, J Cereb Blood Flow Metab 21:1133; targets.md "Energy": "1 ATP per 3 Na+").
NA_PER_ATP = 3
#: Ca2+ extruded per ATP (plasma-membrane Ca-ATPase, 1 Ca2+ per ATP; the Na/Ca exchanger's
#: 3 Na+ per Ca2+ costs the same 1 ATP; Attwell & Laughlin 2001; targets.md: "~1 ATP per Ca2+").
CA_PER_ATP = 1
#: Free energy of ATP hydrolysis in the cytosol, per molecule: ~1e-19 J (targets.md "Energy":
#: "ATP hydrolysis ~1e-19 J (50-60 kJ/mol)").
ATP_ENERGY = 1e-19 * joule
#: 50-60 kJ/mol over Avogadro's number (6.02214076e23/mol, SI 2019): 0.83e-19 to 0.996e-19 J
#: (the round :data:`ATP_ENERGY` is its upper end).
ATP_ENERGY_RANGE = (50e3 / 6.02214076e23 * joule, 60e3 / 6.02214076e23 * joule)
#: Elementary charge (C), exact in the SI since 2019.
ELEMENTARY_CHARGE = 1.602176634e-19
#: Na+ and K+ reversal potentials used for the Na+ share of synaptic currents: those of the Hay
#: et al. (2011) cell (``ENa`` 50 mV, ``EK`` -85 mV, :mod:`dendrites.mechanisms.hay`).
E_NA = 50 * mV
E_K = -85 * mV

#: Scale of the units a Dataset stores (:mod:`dendrites.results`) to SI.
_TO_SI = {"uA/cm2": 1e-2, "nA": 1e-9, "nS": 1e-9, "mV": 1e-3, "ms": 1e-3}


@dataclass(frozen=True)
class ReceptorIons:
    """How a synaptic receptor's current splits into Na+ and Ca2+ (see the module's notes).

    Parameters
    ----------
    ca_fraction : float
        Fractional Ca2+ current ``P_f``: the share of the inward net current carried by Ca2+.
    na : bool
        Whether the receptor passes Na+ (a Na/K cation channel); False for a Cl- channel.
    reference : str
        Where `ca_fraction` comes from.
    """

    ca_fraction: float = 0.0
    na: bool = True
    reference: str = ""

    def na_share(self, reversal: Quantity, e_na: Quantity = E_NA, e_k: Quantity = E_K) -> float:
        """``f_Na = (E_rev - E_K) / (E_Na - E_K)``: the Na+ share of the open conductance."""
        if not self.na:
            return 0.0
        e_rev, ena, ek = (float(x / mV) for x in (reversal, e_na, e_k))
        if not ek < e_rev <= ena:
            raise ParameterError(
                "receptors",
                f"reversal {e_rev:g} mV is not between E_K ({ek:g} mV) and E_Na ({ena:g} mV): "
                "not a Na/K cation channel; give ReceptorIons(na=False) for it",
            )
        return (e_rev - ek) / (ena - ek)


_PF = "Schneggenburger et al. 1993 (Neuron 11:133); Burnashev et al. 1995 (J Physiol 485:403)"
#: The package's receptors by name: AMPA-type pass Na+ and K+ only; NMDA-type ~10 % Ca2+.
RECEPTOR_IONS: dict[str, ReceptorIons] = {
    "ampa": ReceptorIons(0.0, reference="GluA2-containing AMPA receptors: Ca2+-impermeable"),
    "ampa_alpha": ReceptorIons(0.0, reference="as ampa"),
    "expsyn": ReceptorIons(0.0, reference="an AMPA-like excitatory synapse (reversal 0 mV)"),
    "nmda": ReceptorIons(0.10, reference=_PF),
    "nmda_kinetic": ReceptorIons(0.10, reference=_PF),
    "gabaa": ReceptorIons(0.0, na=False, reference="Cl- channel: no Na+ or Ca2+ entry"),
}


@dataclass(frozen=True)
class Source:
    """One recorded variable that carries Na+ or Ca2+ into the cell.

    Attributes
    ----------
    variable : str
        Name of the variable to record (``"I_na_NaTa_t"``, ``"g_nmda"``, ``"ica"``).
    ion : str
        ``"na"`` or ``"ca"``.
    kind : str
        ``"channel"`` (a current density, inward positive), ``"ion"`` (``ina``/``ica``, outward
        positive), ``"point"`` (a current in amp, inward positive) or ``"receptor"`` (computed
        from the receptor's conductance ``g_<name>`` and ``v``).
    present : ndarray of bool
        The compartments where the source can be non-zero.
    receptor : Receptor, optional
        For ``kind == "receptor"``.
    share : float
        For receptors: ``f_Na`` (Na+) or ``P_f`` (Ca2+).
    """

    variable: str
    ion: str
    kind: str
    present: np.ndarray
    receptor: Receptor | None = None
    share: float = 1.0

    @property
    def label(self) -> str:
        """Name of the source in results (``"nmda:ca"`` for the Ca2+ share of a receptor)."""
        return f"{self.receptor.name}:{self.ion}" if self.receptor is not None else self.variable

    @property
    def needs(self) -> tuple[str, ...]:
        """The recorded variables the source is computed from."""
        return (self.variable, "v") if self.kind == "receptor" else (self.variable,)


def sources(cell, ions: Mapping[str, str] | None = None, receptors=None) -> list[Source]:
    """The recorded variables that carry Na+ or Ca2+ into `cell`.

    Parameters
    ----------
    cell : Cell
        The simulated cell.
    ions : mapping of str -> str, optional
        Variable -> ion (``"na"``, ``"ca"``, or ``""`` to leave it out), overriding what the
        mechanisms declare: ``{"I_na_X": "na"}``; ``{"I_inj": "na"}`` counts an injected current.
    receptors : mapping of str -> ReceptorIons, optional
        Receptor name -> its ion shares, added to (or replacing) :data:`RECEPTOR_IONS`.

    Returns
    -------
    list of Source

    Raises
    ------
    ParameterError
        A channel current named ``na``/``ca`` declares no ion and `ions` does not say; an unknown
        ion; a receptor without ion shares.
    """
    ions = dict(ions or {})
    for var, ion in ions.items():
        if ion not in ("", *ION_CHARGES):
            raise ParameterError("ions", f"{var}: unknown ion {ion!r}; give 'na', 'ca' or ''")
    shares = {**RECEPTOR_IONS, **dict(receptors or {})}
    n = cell.n_compartments
    out: list[Source] = []
    for state in cell.channels.values():
        ch = state.channel
        for cur in ch.currents:
            var = f"I_{cur.name}_{ch.name}"
            if var in ions:
                ion = ions.pop(var)
            elif not cur.ion and cur.name in ("na", "ca"):
                raise ParameterError(
                    "ions",
                    f"channel {ch.name!r}: current {cur.name!r} declares no ion (Current.ion), so "
                    f"its charge cannot be counted; say what it carries: ions={{{var!r}: "
                    f"{cur.name!r}}} (or {{{var!r}: ''}} to leave it out)",
                )
            else:
                ion = cur.ion
            if ion in ("na", "ca"):
                out.append(Source(var, ion, "channel", state.present.copy()))
    for var, ion in ions.items():  # currents that are not a channel's: I_inj, ina, ica
        if ion not in ("na", "ca"):
            continue
        if var in ("ina", "ica"):
            kind, present = "ion", np.ones(n, dtype=bool)
        elif var == "I_inj":
            kind, present = "point", np.zeros(n, dtype=bool)
            for e in cell.electrodes:
                present[[k for k, _w in e.split]] = True
        else:
            raise ParameterError(
                "ions", f"{var!r} is neither a current of the cell's channels nor I_inj/ina/ica"
            )
        out.append(Source(var, ion, kind, present))
    found: dict[str, tuple[Receptor, np.ndarray]] = {}
    for group in cell.synapses.values():
        for rname, (rec, _w) in group.receptors.items():
            mask = found.get(rname, (rec, np.zeros(n, dtype=bool)))[1]
            mask[group.compartments] = True
            found[rname] = (rec, mask)
    for rname, (rec, mask) in found.items():
        if rname not in shares:
            raise ParameterError(
                "receptors",
                f"receptor {rname!r}: its Na+/Ca2+ shares are unknown; give receptors="
                f"{{{rname!r}: ReceptorIons(ca_fraction=...)}} (ReceptorIons(na=False) for a "
                "Cl- channel)",
            )
        spec = shares[rname]
        if spec.na:
            out.append(
                Source(f"g_{rname}", "na", "receptor", mask, rec, spec.na_share(rec.reversal))
            )
        if spec.ca_fraction > 0:
            out.append(Source(f"g_{rname}", "ca", "receptor", mask, rec, spec.ca_fraction))
    return out


# ------------------------------------------------------------------------------ the accounting
def _selected(ds: xr.Dataset, cell, where) -> np.ndarray:
    """Compartments of the Dataset selected by `where` (None: all it holds)."""
    comps = np.asarray(ds.compartment.values, dtype=int)
    if where is None:
        return comps
    if isinstance(where, (int, np.integer)) or (
        isinstance(where, (list, tuple, np.ndarray))
        and len(where)
        and all(isinstance(w, (int, np.integer)) for w in where)
    ):
        wanted = np.atleast_1d(np.asarray(where, dtype=int))
    else:
        wanted = np.flatnonzero(cell.morphology.select(where))
    missing = np.setdiff1d(wanted, comps)
    if len(missing):
        raise ParameterError(
            "where", f"compartment {int(missing[0])} is not in the Dataset (record it)"
        )
    return wanted


def _record_hint(cell, mask: np.ndarray) -> str:
    regions = sorted(set(cell.morphology.compartments.region[mask].astype(str)))
    if mask.all():
        return '"all"'
    idx = np.flatnonzero(mask)
    if len(idx) <= 3:
        return repr([int(k) for k in idx])
    return repr(regions[0]) if len(regions) == 1 else repr(regions)


def _check_recorded(ds: xr.Dataset, cell, found: list[Source], comps: np.ndarray) -> None:
    """Refuse a Dataset that lacks a variable some source needs where it is present."""
    missing: dict[str, np.ndarray] = {}
    for src in found:
        inside = np.zeros(cell.n_compartments, dtype=bool)
        inside[comps] = True
        need = src.present & inside
        if not need.any():
            continue
        for var in src.needs:
            if var in ds:
                held = ds[var].isel(time=0, drop=True)
                held = held.isel({d: 0 for d in held.dims if d != "compartment"})
                ok = np.zeros(cell.n_compartments, dtype=bool)
                ok[np.asarray(ds.compartment.values, dtype=int)] = np.isfinite(held.values)
                lacking = need & ~ok
            else:
                lacking = need
            if lacking.any():
                missing[var] = missing.get(var, np.zeros_like(lacking)) | lacking
    if missing:
        names = ", ".join(
            f"{v} (in {int(m.sum())} compartment{'s' if m.sum() > 1 else ''}, first "
            f"{int(np.argmax(m))})"
            for v, m in missing.items()
        )
        entry = ", ".join(f'"{v}": {_record_hint(cell, m)}' for v, m in missing.items())
        raise ParameterError(
            "ds",
            f"the Dataset lacks the recorded currents the energy needs: {names}; simulate with "
            f"record={{{entry}, ...}}",
        )


def _to_si(da: xr.DataArray) -> xr.DataArray:
    unit = da.attrs.get("units", "")
    if unit not in _TO_SI:
        raise ParameterError(
            "ds",
            f"{da.name}: units {unit!r}, expected one of {', '.join(sorted(_TO_SI))} (the units "
            "dendrites.simulate stores)",
        )
    return da * _TO_SI[unit]


def _inward(ds: xr.Dataset, src: Source, cell, comps: np.ndarray) -> xr.DataArray:
    """The entering current of `src` (amp, clipped at zero) at `comps`, dims as in `ds`."""
    sel = {"compartment": comps}
    if src.kind == "receptor":
        g = _to_si(ds[src.variable].sel(sel))
        v = _to_si(ds["v"].sel(sel))
        block = evaluate("block", np.asarray(v.values) * 1e3 * mV, src.receptor)
        G = g * np.asarray(block)
        e_rev = float(src.receptor.reversal / mV) * 1e-3
        if src.ion == "na":
            current = src.share * G * (float(E_NA / mV) * 1e-3 - v)
        else:
            current = src.share * G * (e_rev - v)
        return current.clip(min=0).fillna(0.0)
    current = _to_si(ds[src.variable].sel(sel))
    if src.kind == "ion":
        current = -current
    current = current.clip(min=0).fillna(0.0)
    if src.kind in ("channel", "ion"):  # a density: times the membrane area
        area = cell.morphology.compartments.area[comps] * 1e-12  # um2 -> m2
        current = current * xr.DataArray(area, dims="compartment", coords={"compartment": comps})
    return current


def _window(ds: xr.Dataset, window) -> xr.Dataset:
    if window is None:
        return ds
    t0, t1 = (as_float(w, second, "window") * 1e3 for w in window)
    if not t1 > t0:
        raise ParameterError("window", f"needs start < stop, got {window}")
    return ds.sel(time=slice(t0, t1))


def _record_step(ds: xr.Dataset) -> float:
    """Sampling interval (s) of the recordings."""
    if "record_dt_ms" in ds.attrs:
        return float(ds.attrs["record_dt_ms"]) * 1e-3
    t = np.asarray(ds.time.values, dtype=float)
    if len(t) < 2:
        raise ParameterError("ds", "needs at least two time samples")
    return float(np.median(np.diff(t))) * 1e-3


def _charges(ds, cell, found, comps) -> xr.DataArray:
    """Entering charge (C) per source and compartment: dims (source, compartment, ...)."""
    step = _record_step(ds)
    per = [(_inward(ds, s, cell, comps).sum("time") * step) for s in found]
    if not per:
        zero = xr.zeros_like(
            ds["v" if "v" in ds else next(iter(ds.data_vars))]
            .sel(compartment=comps)
            .isel(time=0, drop=True)
        )
        zero = zero.expand_dims(source=[]).astype(float)
        return zero.assign_coords(ion=("source", []), kind=("source", []))
    return xr.concat(per, dim="source").assign_coords(
        source=("source", [s.label for s in found]),
        ion=("source", [s.ion for s in found]),
        kind=("source", [s.kind for s in found]),
    )


def _count_spikes(ds, spike_at, threshold) -> xr.DataArray | None:
    if spike_at is None or "v" not in ds:
        return None
    v = ds["v"].sel(compartment=spike_at)
    if bool(v.isnull().any()):
        return None
    t = np.asarray(ds.time.values, dtype=float)
    return xr.apply_ufunc(
        lambda tr: float(len(spike_times(t, tr, threshold))),
        v,
        input_core_dims=[["time"]],
        vectorize=True,
    )


def _count_events(cell, t0: float, t1: float) -> int:
    """Presynaptic spikes delivered in [t0, t1) (s), each counted once per synapse site."""
    n = 0
    for group in cell.synapses.values():
        for train in group.spikes:
            train = np.asarray(train, dtype=float)
            n += int(np.count_nonzero((train >= t0) & (train < t1)))
    return n


def atp_budget(
    ds: xr.Dataset,
    cell,
    *,
    where=None,
    window=None,
    ions: Mapping[str, str] | None = None,
    receptors: Mapping[str, ReceptorIons] | None = None,
    spike_at=0,
    threshold=0 * mV,
    patterns: int | None = None,
) -> xr.Dataset:
    """Ions moved, ATP and joules of a simulated run, from its recorded Na+ and Ca2+ currents.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`dendrites.simulate` (dims ``time``, ``compartment``; a ``trial`` dim is
        kept) holding every source's variables (:func:`sources`: e.g. ``I_na_NaTa_t``,
        ``I_ca_Ca_HVA``, and for receptors ``g_<receptor>`` and ``v``) in the compartments
        counted.
    cell : Cell
        The simulated cell: its mechanisms say which variable carries which ion, its morphology
        gives the membrane areas and its synapses the number of events.
    where : None, int, sequence of int, str or callable
        Compartments counted: None, every compartment of the Dataset; else indices or a region
        selection as :meth:`Morphology.select`.
    window : (Quantity, Quantity), optional
        Time interval counted (default: the whole run).
    ions, receptors
        As for :func:`sources`.
    spike_at : int or None
        Compartment whose ``v`` upward crossings of `threshold` are the spikes (default the
        soma's, 0); without ``v`` recorded there, no per-spike values.
    threshold : Quantity
        Spike threshold (default 0 mV).
    patterns : int, optional
        Number of input patterns presented in the window: gives per-pattern values.

    Returns
    -------
    xarray.Dataset
        Dims ``source`` (coordinates ``ion``, ``kind``), ``compartment`` (with the Dataset's
        ``section``, ``region``, ``distance``) and ``by_region`` (the region names). Variables
        (``units`` attribute): ``charge`` (pC), ``ions`` and ``atp`` (counts) per source and
        compartment; ``atp_region`` per region (dim ``by_region``); totals ``na_ions``,
        ``ca_ions``, ``atp_total``, ``energy``
        (J, with :data:`ATP_ENERGY`; ``energy_low``/``energy_high`` over
        :data:`ATP_ENERGY_RANGE`), ``duration`` (s), ``atp_per_second``, ``power`` (W); where
        countable ``n_spikes``, ``atp_per_spike``; ``n_events``, ``atp_synaptic``,
        ``atp_per_event``; ``atp_per_pattern``, ``energy_per_pattern``. Constants and their
        sources in ``attrs``.

    Raises
    ------
    ParameterError
        (parameter ``ds``) the Dataset lacks a variable some source needs: the message names the
        variables and the ``record=`` entry that would provide them; bad `where`, `window`,
        `ions` or `receptors`.

    Examples
    --------
    >>> ds = simulate(cell, 100 * ms, record={"v": 0, "I_na_NaTa_t": "soma"})  # doctest: +SKIP
    >>> float(atp_budget(ds, cell, where="soma").atp_per_spike)            # doctest: +SKIP
    """
    comps = _selected(ds, cell, where)
    found = sources(cell, ions, receptors)
    _check_recorded(ds, cell, found, comps)
    part = _window(ds, window)
    step = _record_step(ds)
    charge = _charges(part, cell, found, comps)
    z = xr.DataArray([ION_CHARGES[i] for i in charge.ion.values], dims="source")
    per_atp = xr.DataArray(
        [NA_PER_ATP if i == "na" else CA_PER_ATP for i in charge.ion.values], dims="source"
    )
    n_ions = charge / (z * ELEMENTARY_CHARGE)
    atp = n_ions / per_atp
    table = cell.morphology.compartments
    comp_coords = {
        "compartment": comps,
        "section": ("compartment", table.section[comps].astype(str)),
        "region": ("compartment", table.region[comps].astype(str)),
        "distance": ("compartment", table.distance[comps], {"units": "um"}),
    }
    atp = atp.assign_coords(comp_coords)
    is_na = (charge.ion == "na").astype(float)
    total = atp.sum(["source", "compartment"])
    duration = len(part.time) * step
    out = xr.Dataset(
        {
            "charge": (charge * 1e12).assign_attrs(units="pC", long_name="entering charge"),
            "ions": n_ions.assign_attrs(units="1", long_name="ions entered"),
            "atp": atp.assign_attrs(units="1", long_name="ATP to pump them out"),
            "atp_region": atp.sum("source")
            .groupby("region")
            .sum()
            .rename(region="by_region")
            .assign_attrs(units="1", long_name="ATP per region"),
            "na_ions": (n_ions * is_na).sum(["source", "compartment"]).assign_attrs(units="1"),
            "ca_ions": (n_ions * (1 - is_na))
            .sum(["source", "compartment"])
            .assign_attrs(units="1"),
            "atp_total": total.assign_attrs(units="1"),
            "energy": (total * float(ATP_ENERGY / joule)).assign_attrs(units="J"),
            "energy_low": (total * float(ATP_ENERGY_RANGE[0] / joule)).assign_attrs(units="J"),
            "energy_high": (total * float(ATP_ENERGY_RANGE[1] / joule)).assign_attrs(units="J"),
            "duration": xr.DataArray(duration, attrs={"units": "s"}),
            "atp_per_second": (total / duration).assign_attrs(units="1/s"),
            "power": (total * float(ATP_ENERGY / joule) / duration).assign_attrs(units="W"),
        }
    ).assign_coords(comp_coords)
    spikes = _count_spikes(part, spike_at, as_float(threshold, mV, "threshold"))
    if spikes is not None:
        out["n_spikes"] = spikes.assign_attrs(units="1")
        out["atp_per_spike"] = (total / spikes.where(spikes > 0)).assign_attrs(units="1")
    t0 = float(part.time.values[0]) * 1e-3
    events = _count_events(cell, t0, t0 + duration)
    synaptic = atp.where(atp.kind == "receptor", 0.0).sum(["source", "compartment"])
    out["n_events"] = xr.DataArray(events, attrs={"units": "1"})
    out["atp_synaptic"] = synaptic.assign_attrs(units="1")
    if events:
        out["atp_per_event"] = (synaptic / events).assign_attrs(units="1")
    if patterns is not None:
        if not (isinstance(patterns, (int, np.integer)) and patterns > 0):
            raise ParameterError("patterns", f"must be a positive count, got {patterns!r}")
        out["atp_per_pattern"] = (total / patterns).assign_attrs(units="1")
        out["energy_per_pattern"] = (out.energy / patterns).assign_attrs(units="J")
    out.attrs.update(
        na_per_atp=NA_PER_ATP,
        ca_per_atp=CA_PER_ATP,
        atp_energy_J=float(ATP_ENERGY / joule),
        e_na_mV=float(E_NA / mV),
        e_k_mV=float(E_K / mV),
        sources=(
            "3 Na+ and 1 Ca2+ per ATP, ATP ~1e-19 J (50-60 kJ/mol): Attwell & Laughlin 2001 "
            "J Cereb Blood Flow Metab 21:1133; synaptic Na+ share f_Na = (E_rev - E_K)/(E_Na - "
            "E_K); NMDA fractional Ca2+ current 0.1: " + _PF
        ),
        sign="currents inward positive (ina/ica negated); only entering charge counted",
    )
    return out


def na_entry_ratio(
    ds: xr.Dataset,
    cell,
    where=0,
    window=None,
    *,
    ions: Mapping[str, str] | None = None,
    threshold=0 * mV,
) -> xr.Dataset:
    """The Na+ charge of one action potential over the capacitive minimum ``C dV``.

    Definition, over the membrane of the compartments `where` and the time `window` (which must
    hold at most one upward crossing of `threshold` at each):

    * ``Q_Na = sum_i A_i sum_k max(I_Na,i(t_k), 0) dt_rec``: the entering Na+ charge (every Na+
      source of :func:`sources` that is not a receptor);
    * ``dV_i = v_peak,i - v_trough,i``, the peak of ``v`` in the window and its minimum between
      the window's start and the peak (the rest or the preceding trough);
    * ``Q_min = sum_i C_i A_i dV_i``: the charge that would depolarise the membrane capacitance
      by the same amount with no overlapping K+ current;
    * ``ratio = Q_Na / Q_min`` (Carter & Bean 2009's "Na+ entry ratio": 1.2-2 in mammalian
      neurons; ~4 for the squid AP, Attwell & Laughlin 2001). Measured here on one compartment
      with a 0.5 ms pulse: the HH membrane AP 13.5 at 6.3 degC and 4.1 at 18.5 degC (~4 at
      18 degC, Yu, Hill & McCormick 2012, PLoS Comput Biol 8:e1002456); the isolated Hay soma
      ~49 (``tests/test_energy.py``).

    Parameters
    ----------
    ds : xarray.Dataset
        A run with ``v`` and the Na+ currents recorded at `where`.
    cell : Cell
        The simulated cell (areas, capacitances, which currents carry Na+).
    where : int, sequence of int, str or callable
        The membrane (default: compartment 0, the soma).
    window : (Quantity, Quantity), optional
        Interval holding the one action potential (default the whole run).
    ions : mapping, optional
        As for :func:`sources` (``{"I_na_X": "na"}``).
    threshold : Quantity
        Spike threshold used to refuse windows with several spikes (default 0 mV).

    Returns
    -------
    xarray.Dataset
        ``ratio`` (1), ``na_charge`` and ``min_charge`` (pC), and per compartment ``dv``,
        ``v_peak``, ``v_trough`` (mV), ``na_charge_density`` (nC/cm2).

    Raises
    ------
    ParameterError
        Missing ``v`` or Na+ currents (naming the ``record=`` entry), several spikes in the
        window, no Na+ source, or no depolarisation.
    """
    comps = _selected(ds, cell, where)
    found = [s for s in sources(cell, ions) if s.ion == "na" and s.kind != "receptor"]
    if not found:
        raise ParameterError(
            "ions", "no Na+ current in the cell: declare one (Current.ion) or pass ions=..."
        )
    v_src = Source("v", "na", "point", np.ones(cell.n_compartments, dtype=bool))
    _check_recorded(ds, cell, [*found, v_src], comps)
    part = _window(ds, window)
    v = part["v"].sel(compartment=comps)
    t = np.asarray(part.time.values, dtype=float)
    thr = as_float(threshold, mV, "threshold")
    for k, c in enumerate(comps):
        trace = np.asarray(v.isel(compartment=k).values)
        if trace.ndim == 1 and len(spike_times(t, trace, thr)) > 1:
            raise ParameterError(
                "window",
                f"holds {len(spike_times(t, trace, thr))} spikes at compartment {int(c)}; "
                "give a window around one action potential",
            )
    ipeak = v.argmax("time")
    v_peak = v.isel(time=ipeak)
    before = v.where(xr.DataArray(np.arange(len(t)), dims="time") <= ipeak)
    v_trough = before.min("time")
    dv = (v_peak - v_trough) * 1e-3  # V
    if not bool((dv > 0).any()):  # (dv is 0 where v only falls: such membrane needs nothing)
        raise ParameterError("window", "v does not rise in the window: no action potential")
    table = cell.morphology.compartments
    area = xr.DataArray(
        table.area[comps] * 1e-12, dims="compartment", coords={"compartment": comps}
    )
    cm = xr.DataArray(cell.cm[comps], dims="compartment", coords={"compartment": comps})
    charge = _charges(part, cell, found, comps).sum("source")  # C per compartment
    q_min = cm * area * dv
    ratio = charge.sum("compartment") / q_min.sum("compartment")
    return xr.Dataset(
        {
            "ratio": ratio.assign_attrs(units="1", long_name="Na+ entry ratio"),
            "na_charge": (charge.sum("compartment") * 1e12).assign_attrs(units="pC"),
            "min_charge": (q_min.sum("compartment") * 1e12).assign_attrs(units="pC"),
            "na_charge_density": (charge / area * 1e5).assign_attrs(units="nC/cm2"),
            "dv": (dv * 1e3).assign_attrs(units="mV"),
            "v_peak": v_peak.drop_vars("time").assign_attrs(units="mV"),
            "v_trough": v_trough.assign_attrs(units="mV"),
        },
        attrs={"definition": "Q_Na / sum(C A (v_peak - min(v before the peak)))"},
    )


# ------------------------------------------------------------------------------ the ANN's side
#: Energy of digital operations, 45 nm CMOS at 0.9 V (Horowitz 2014, "Computing's energy
#: problem", ISSCC Dig Tech Papers 10-14; targets.md "Energy"), in pJ: a 32-bit floating-point
#: multiply and add, a 64-bit read from an 8 kB SRAM, a 32-bit DRAM read.
HOROWITZ_PJ = {"fp32_mult": 3.7, "fp32_add": 0.9, "sram_8kB_read": 10.0, "dram_read": 640.0}
#: Where an ANN's weights come from: nothing counted (arithmetic only), an 8 kB SRAM, or DRAM;
#: one read per parameter (weight or bias) per inference.
ANN_MEMORY = {"none": 0.0, "sram": HOROWITZ_PJ["sram_8kB_read"], "dram": HOROWITZ_PJ["dram_read"]}


def mlp_macs(layers) -> tuple[int, int]:
    """Multiply-accumulates and parameters of one inference of a dense network.

    Parameters
    ----------
    layers : sequence of int
        Units per layer, inputs first (``[2, 2, 1]``: the 2-2-1 MLP that computes XOR; ``[2, 1]``:
        a perceptron).

    Returns
    -------
    (int, int)
        ``sum n_in * n_out`` MACs (a bias is an add that the accumulate absorbs: it is counted as
        a parameter read, not a MAC) and ``sum (n_in + 1) * n_out`` parameters. Activation
        functions (a comparison or max per unit) are not counted.

    Examples
    --------
    >>> mlp_macs([2, 2, 1])
    (6, 9)
    """
    sizes = [int(n) for n in layers]
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise ParameterError("layers", f"needs >= 2 layers of >= 1 unit, got {list(layers)}")
    pairs = list(itertools.pairwise(sizes))
    return sum(a * b for a, b in pairs), sum((a + 1) * b for a, b in pairs)


def ann_energy(layers, memory: str = "none") -> Quantity:
    """Energy of one inference of a dense network: MACs x (fp32 multiply + add), plus one
    memory read per parameter (:data:`ANN_MEMORY`), with Horowitz's (2014) 45 nm figures.

    Parameters
    ----------
    layers : sequence of int
        As for :func:`mlp_macs`.
    memory : {"none", "sram", "dram"}
        Where the parameters are read from at every inference.

    Returns
    -------
    Quantity
        Joules per inference.

    Examples
    --------
    >>> float(ann_energy([2, 2, 1]) / joule) * 1e12  # 6 MACs x 4.6 pJ   # doctest: +ELLIPSIS
    27.6...
    """
    if memory not in ANN_MEMORY:
        raise ParameterError("memory", f"must be one of {sorted(ANN_MEMORY)}, got {memory!r}")
    macs, params = mlp_macs(layers)
    pj = macs * (HOROWITZ_PJ["fp32_mult"] + HOROWITZ_PJ["fp32_add"]) + params * ANN_MEMORY[memory]
    return pj * 1e-12 * joule
