"""A backend-free description of a cell: morphology, membrane properties, channels, synapses,
electrodes.

Nothing here creates Brian2 objects. A :class:`Cell` holds plain arrays (SI floats, one value per
compartment or per synapse) that the backend turns into a network. Everything a user passes is a
quantity and is checked here, so errors name the parameter before any code is generated.

Examples
--------
>>> from brian2 import um, nS, ms, nA, ohm, cm, uF
>>> from dendrites import Cell, morphology, mechanisms
>>> morph = morphology.ball_and_stick()
>>> cell = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2)
>>> _ = cell.insert("pas")
>>> _ = cell.insert("hh", where="soma")
>>> _ = cell.add_synapses("s", at=[("dend", 0.9)], receptors={"ampa": 1 * nS}, spikes=[[5] * ms])
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from brian2.units import Hz, cm, mV, ohm, second, siemens, uF
from brian2.units.fundamentalunits import Quantity, get_unit

from . import mechanisms as mech
from .densities import evaluate_density
from .errors import ParameterError, PlacementError, did_you_mean
from .mechanisms.base import Channel, Receptor
from .morphology import Morphology, Site
from .plasticity import PlasticityRule, check_weights, plastic_receptor
from .plasticity import describe as describe_rule
from .quantities import as_array, as_float
from .stimuli import Waveform

__all__ = ["Cell", "Electrode", "SynapseGroup"]


def _unit_of(default) -> Quantity:
    """The unit in which a mechanism parameter is stored (SI base unit of its default)."""
    if isinstance(default, Quantity):
        return get_unit(default.dim)
    return Quantity(1.0)


@dataclass
class ChannelState:
    """A channel inserted in a cell: its description and per-compartment parameter values (SI)."""

    channel: Channel
    values: dict[str, np.ndarray]

    @property
    def present(self) -> np.ndarray:
        """Boolean mask of the compartments where the channel is present."""
        mask = np.zeros(len(next(iter(self.values.values()))), dtype=bool)
        for d in self.channel.densities:
            mask |= self.values[d] != 0
        return mask


@dataclass
class SynapseGroup:
    """Synapses sharing a name: one site per entry of `compartments`, each site with every receptor.

    Attributes
    ----------
    name : str
    compartments : ndarray of int
        Flat compartment index of each synapse site.
    receptors : dict of str -> (Receptor, ndarray)
        Receptor and the weight (peak conductance, siemens) of each site.
    spikes : list of ndarray
        Presynaptic spike times (seconds) of each site.
    poisson : bool
        Whether the trains were drawn by the package (``rate=``). A Poisson train has no dead
        time, so two spikes of one source can fall in one simulation step; they are delivered as
        one event. For drawn trains this is expected and counted (the Dataset attribute
        ``merged_spikes``); for trains given by the user it also raises a
        :class:`~dendrites.errors.SpikeMergeWarning`.
    plasticity : PlasticityRule or None
        The learning rule of the group (:mod:`dendrites.plasticity`), None for fixed weights.
    weights : ndarray or None
        Initial plastic weight ``wp`` of each site (dimensionless), None without plasticity.
    """

    name: str
    compartments: np.ndarray
    receptors: dict[str, tuple[Receptor, np.ndarray]]
    spikes: list[np.ndarray]
    poisson: bool = False
    plasticity: PlasticityRule | None = None
    weights: np.ndarray | None = None


@dataclass
class Electrode:
    """A current clamp at one compartment, or at a section-end node.

    Attributes
    ----------
    compartment : int
        The compartment it injects into (at a node: the one containing the location).
    waveform : Waveform
    label : str
    site : Site or None
        At a section-end node (``(section, 0)`` or ``(section, 1)``), the node: its current goes
        into the node's neighbouring compartments in the proportions ``site.weights``, which is
        exact (the node has no membrane; see :mod:`dendrites.morphology.sites`). None otherwise.
    """

    compartment: int
    waveform: Waveform
    label: str = ""
    site: Site | None = None

    @property
    def split(self) -> list[tuple[int, float]]:
        """``(compartment, fraction of the current)`` pairs."""
        if self.site is None or self.site.node is None:
            return [(int(self.compartment), 1.0)]
        pairs = zip(self.site.neighbours, self.site.weights, strict=True)
        return [(int(k), float(w)) for k, w in pairs]


def _locations(morph: Morphology, at, name: str = "at") -> np.ndarray:
    """Resolve locations to flat compartment indices.

    `at` may be a ``(section, x)`` tuple, a flat index, a region name, a boolean mask, or a
    sequence of those.
    """
    n = morph.n_compartments
    if isinstance(at, tuple) and len(at) == 2 and isinstance(at[0], str):
        return np.array([morph.locate(at[0], float(at[1]))], dtype=int)
    arr = np.asarray(at, dtype=object) if not isinstance(at, np.ndarray) else at
    if isinstance(at, np.ndarray) and at.dtype == bool:
        if at.shape != (n,):
            raise PlacementError(f"{name}: boolean mask must have one entry per compartment ({n})")
        return np.flatnonzero(at)
    if np.ndim(arr) == 0:
        items = [at]
    else:
        items = list(at)
    out = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            out.append(morph.locate(item[0], float(item[1])))
        elif isinstance(item, str):
            out.extend(np.flatnonzero(morph.select(item)).tolist())
        elif isinstance(item, int | np.integer):
            if not 0 <= int(item) < n:
                raise PlacementError(
                    f"{name}: compartment index {int(item)} is off the cell (0..{n - 1})"
                )
            out.append(int(item))
        else:
            raise PlacementError(
                f"{name}: cannot read location {item!r}; use (section, x) with x in [0, 1], "
                "a compartment index, or a boolean mask"
            )
    return np.array(out, dtype=int)


class Cell:
    """A neuron described as data.

    Parameters
    ----------
    morphology : Morphology
        Geometry with compartments set (see :meth:`Morphology.compartmentalize`).
    Ri : Quantity
        Axial resistivity (ohm*cm); one value for the cell (a Brian2 restriction).
    Cm : Quantity
        Specific membrane capacitance (uF/cm**2); change it per region with :meth:`set_cm`.
    v_init : Quantity
        Initial membrane potential everywhere.
    name : str
        Label used in provenance.
    """

    def __init__(
        self,
        morphology: Morphology,
        Ri=150 * ohm * cm,
        Cm=1 * uF / cm**2,
        v_init=-70 * mV,
        name: str = "cell",
    ):
        if not isinstance(morphology, Morphology):
            raise ParameterError("morphology", f"expected a Morphology, got {type(morphology)}")
        self.morphology = morphology
        self.name = name
        self.Ri = as_float(Ri, ohm * cm, "Ri", "positive") * 0.01  # ohm*m
        n = morphology.n_compartments
        self.cm = np.full(n, as_float(Cm, uF / cm**2, "Cm", "positive") * 0.01)  # F/m2
        self.v_init = np.full(n, as_float(v_init, mV, "v_init") * 1e-3)  # V
        self.channels: dict[str, ChannelState] = {}
        self.synapses: dict[str, SynapseGroup] = {}
        self.electrodes: list[Electrode] = []

    # ------------------------------------------------------------------ membrane
    @property
    def n_compartments(self) -> int:
        return self.morphology.n_compartments

    def _mask(self, where) -> np.ndarray:
        return self.morphology.select(where)

    def set_cm(self, value, where=None) -> Cell:
        """Set the specific capacitance in a region (e.g. doubled in spiny dendrites)."""
        self.cm[self._mask(where)] = as_float(value, uF / cm**2, "Cm", "positive") * 0.01
        return self

    def set_v_init(self, value, where=None) -> Cell:
        """Set the initial membrane potential in a region."""
        self.v_init[self._mask(where)] = as_float(value, mV, "v_init") * 1e-3
        return self

    def insert(self, channel: Channel | str, where=None, **params) -> Cell:
        """Insert a channel in the compartments selected by `where`, with parameter values.

        Parameters
        ----------
        channel : Channel or str
            The mechanism or its name (``"pas"``, ``"hh"``).
        where : None, str, sequence of str, or callable
            Region(s) or a predicate on the compartment table (e.g.
            ``lambda c: c.distance > 300``); None means everywhere.
        **params : Quantity or callable
            Parameter values in the selected compartments; unspecified ones keep their defaults.
            Densities are zero (channel absent) outside every region it was inserted in. A
            value may be a function of position (:mod:`dendrites.densities`: ``exponential``,
            ``step``, ``linear``, ``sigmoid``, or any function of the path distance from the
            soma in um), evaluated at every selected compartment's centre.

        Returns
        -------
        Cell
            This cell, for chaining.
        """
        if isinstance(channel, str):
            channel = mech.get_mechanism(channel)
        if not isinstance(channel, Channel):
            raise ParameterError("channel", f"{channel!r} is not a membrane channel")
        mask = self._mask(where)
        state = self.channels.get(channel.name)
        n = self.n_compartments
        if state is None:
            values = {}
            for pname, default in channel.parameters.items():
                base = float(np.asarray(default / _unit_of(default)))
                values[pname] = np.full(n, 0.0 if pname in channel.densities else base)
            state = ChannelState(channel, values)
            self.channels[channel.name] = state
        elif state.channel is not channel and state.channel != channel:
            raise ParameterError(
                "channel", f"a different channel named {channel.name!r} is already inserted"
            )
        for pname in params:
            if pname not in channel.parameters:
                hint = did_you_mean(pname, channel.parameters)
                raise ParameterError(
                    pname,
                    f"unknown parameter of channel {channel.name!r}{hint} "
                    f"Known: {', '.join(channel.parameters)}",
                )
        for pname, default in channel.parameters.items():
            unit = _unit_of(default)
            if pname in params:
                sign = "nonnegative" if pname in channel.densities else "any"
                shown = getattr(channel, "display_units", {}).get(pname)
                if callable(params[pname]):  # a function of position (dendrites.densities)
                    table = self.morphology.compartments
                    val = evaluate_density(params[pname], table, mask, pname, unit, sign)
                else:
                    val = as_float(params[pname], unit, pname, sign, display=shown)
            elif pname in channel.densities:
                val = float(np.asarray(default / unit))
            else:
                continue
            state.values[pname][mask] = val
        return self

    # ------------------------------------------------------------------ synapses
    def add_synapses(
        self,
        name: str,
        at,
        receptors: Mapping | Sequence,
        spikes=None,
        rate=None,
        start=0 * second,
        stop=None,
        seed: int | None = None,
        plasticity: PlasticityRule | None = None,
        weights=None,
    ) -> SynapseGroup:
        """Place synapses and give them presynaptic spike trains.

        Parameters
        ----------
        name : str
            Name of the group (unique in the cell).
        at : location or sequence of locations
            ``(section, x)`` tuples, compartment indices, or a boolean mask (see
            :meth:`Morphology.locate`, :meth:`Morphology.at_distance`). A synapse needs
            membrane: at x = 0 or 1 (a section-end node) it goes to the compartment containing
            x (:meth:`Morphology.locate`), half a compartment from the node.
        receptors : mapping or sequence of pairs
            Receptor (or its name) -> weight (peak conductance, siemens; a scalar or one per site).
        spikes : Quantity array, or list of Quantity arrays
            Spike times shared by all sites, or one array per site.
        rate : Quantity
            Instead of `spikes`: independent Poisson trains at this rate (Hz) between `start` and
            `stop` (the simulation's end if None; needs `stop` here), drawn with `seed`.
        plasticity : PlasticityRule, optional
            A learning rule (:func:`dendrites.plasticity.stdp`,
            :func:`~dendrites.plasticity.clopath`).
            Each receptor's peak conductance is then scaled by the site's plastic weight ``wp``;
            the group's receptors become variants of their own, named ``<receptor>_<name>``
            (conductance ``g_<receptor>_<name>``), and a run records ``wp`` over time
            (``w_<name>``) and at the end (``w_final_<name>``; see :mod:`dendrites.plasticity`).
        weights : array_like, optional
            Initial plastic weights (one, or one per site; dimensionless, within the rule's
            bounds), e.g. ``ds["w_final_<name>"]`` of a trained model: a value, not structure, so
            a built model runs with them without recompiling. Default: the rule's ``w_init``.

        Returns
        -------
        SynapseGroup
        """
        if name in self.synapses:
            raise ParameterError("name", f"a synapse group named {name!r} exists already")
        comps = _locations(self.morphology, at, "at")
        if len(comps) == 0:
            raise PlacementError(f"synapse group {name!r}: no location given")
        if plasticity is None and weights is not None:
            raise ParameterError("weights", "plastic weights need a rule (`plasticity=`)")
        pairs = receptors.items() if isinstance(receptors, Mapping) else receptors
        recs: dict[str, tuple[Receptor, np.ndarray]] = {}
        for rec, weight in pairs:
            if isinstance(rec, str):
                rec = mech.get_mechanism(rec)
            if not isinstance(rec, Receptor):
                raise ParameterError("receptors", f"{rec!r} is not a synaptic receptor")
            if plasticity is not None:  # a variant of its own, with the rule's states
                rec = plastic_receptor(rec, plasticity, name)
            self._check_receptor(rec)
            w = as_array(weight, siemens, f"weight of {rec.name}", "nonnegative")
            if w.size not in (1, len(comps)):
                raise ParameterError(
                    f"weight of {rec.name}", f"give 1 or {len(comps)} values, got {w.size}"
                )
            recs[rec.name] = (rec, np.broadcast_to(w, len(comps)).astype(float).copy())
        if not recs:
            raise ParameterError("receptors", "at least one receptor is needed")
        trains = self._trains(len(comps), spikes, rate, start, stop, seed)
        group = SynapseGroup(name, comps, recs, trains, poisson=rate is not None)
        if plasticity is not None:
            group.plasticity = plasticity
            group.weights = check_weights(weights, plasticity, len(comps))
        self.synapses[name] = group
        return group

    def _check_receptor(self, rec: Receptor) -> None:
        for group in self.synapses.values():
            if rec.name in group.receptors and group.receptors[rec.name][0] != rec:
                raise ParameterError(
                    "receptors",
                    f"receptor name {rec.name!r} is used with another definition in group "
                    f"{group.name!r}; give the variant its own name",
                )

    @staticmethod
    def _trains(n, spikes, rate, start, stop, seed) -> list[np.ndarray]:
        if (spikes is None) == (rate is None):
            raise ParameterError("spikes", "give exactly one of `spikes` or `rate`")
        if spikes is not None:
            if isinstance(spikes, Quantity) or (
                len(spikes) > 0 and not isinstance(spikes[0], Quantity | list | np.ndarray)
            ):
                one = np.sort(as_array(spikes, second, "spikes", "nonnegative"))
                return [one.copy() for _ in range(n)]
            if len(spikes) != n:
                raise ParameterError("spikes", f"give one train per site ({n}), got {len(spikes)}")
            return [np.sort(as_array(s, second, "spikes", "nonnegative")) for s in spikes]
        r = as_float(rate, Hz, "rate", "nonnegative")
        t0 = as_float(start, second, "start", "nonnegative")
        if stop is None:
            raise ParameterError("stop", "Poisson trains need a stop time")
        t1 = as_float(stop, second, "stop", "positive")
        rng = np.random.default_rng(seed)
        trains = []
        for _ in range(n):
            count = rng.poisson(r * max(t1 - t0, 0.0))
            trains.append(np.sort(rng.uniform(t0, t1, count)))
        return trains

    # ------------------------------------------------------------------ electrodes
    def add_current_clamp(self, at, waveform: Waveform, label: str = "") -> Electrode:
        """Inject a current (a :mod:`dendrites.stimuli` waveform) at one location: a compartment,
        or ``(section, x)``; x = 0 and x = 1 are the nodes at the section's ends (NEURON's
        ``sec(0)``, ``sec(1)``; :meth:`Morphology.site`)."""
        if not isinstance(waveform, Waveform):
            raise ParameterError("waveform", f"expected a Step, Ramp or EPSCWave, got {waveform!r}")
        site = None
        if isinstance(at, tuple) and len(at) == 2 and isinstance(at[0], str):
            site = self.morphology.site(at[0], at[1])
        comps = _locations(self.morphology, at, "at")
        if len(comps) != 1:
            raise PlacementError("a current clamp sits at exactly one location")
        label = label or f"electrode{len(self.electrodes)}"
        node = site if site is not None and site.node is not None else None
        el = Electrode(int(comps[0]) if node is None else site.compartment, waveform, label, node)
        self.electrodes.append(el)
        return el

    # ------------------------------------------------------------------ derived
    def copy(self) -> Cell:
        """A deep copy (to vary parameters for a sweep)."""
        return copy.deepcopy(self)

    def describe(self) -> dict:
        """A JSON-serialisable description of everything that defines this cell."""
        morph = self.morphology
        return {
            "name": self.name,
            "morphology": morph.summary(),
            "n_compartments": morph.n_compartments,
            "Ri_ohm_cm": self.Ri * 100,
            "Cm_uF_cm2": sorted(set(np.round(self.cm * 100, 12).tolist())),
            "v_init_mV": sorted(set(np.round(self.v_init * 1e3, 9).tolist())),
            "channels": {
                name: {
                    "reference": st.channel.reference,
                    "n_present": int(st.present.sum()),
                    "values": {p: _summarise(v) for p, v in st.values.items()},
                }
                for name, st in self.channels.items()
            },
            "synapses": {
                name: {
                    "n": len(g.compartments),
                    "receptors": {
                        r: {"reference": rec.reference, "weight_nS": _summarise(w * 1e9)}
                        for r, (rec, w) in g.receptors.items()
                    },
                    "n_spikes": int(sum(len(s) for s in g.spikes)),
                }
                | ({"plasticity": describe_rule(g.plasticity)} if g.plasticity else {})
                for name, g in self.synapses.items()
            },
            "electrodes": [
                {"compartment": e.compartment, **e.waveform.describe()}
                | ({"site": e.site.label} if e.site is not None else {})
                for e in self.electrodes
            ],
        }


def _summarise(arr: np.ndarray) -> dict | float:
    vals = np.unique(np.round(arr, 15))
    if len(vals) == 1:
        return float(vals[0])
    return {"min": float(vals.min()), "max": float(vals.max()), "n_distinct": len(vals)}
