"""Ion species, concentrations and reversal potentials: names, checks and equation assembly.

Creates no Brian2 objects (:func:`check_run` reads one after a run): :mod:`dendrites.plan` and
:mod:`dendrites.backend` call the functions here. Nothing here imports the rest of the package
but its errors, so that :mod:`dendrites.mechanisms.base` can validate ion names when a mechanism
is defined.

Ion variables follow NEURON's names: for an ion ``X`` of :data:`ION_CHARGES` (``na``, ``k``,
``ca``) ``Xi`` and ``Xo`` are the inside and outside concentrations (mM), ``eX`` the reversal
potential (volt) and ``iX`` the membrane current density of that ion (amp/meter**2). They are
shared by every mechanism of a compartment, so they are not suffixed with a mechanism's name
(``cai``, not ``cai_SK_E2``).

* A :class:`~dendrites.mechanisms.base.Current` carries an ion (``Current(..., ion="ca")``) or
  none (a nonspecific current such as Ih's).
* A :class:`~dendrites.mechanisms.base.Channel` may *read* ion variables (``reads=("cai",)`` for
  SK_E2, ``reads=("eca",)`` for a Ca channel whose reversal is ``eca``) and *write* them
  (``writes=("cai", "eca")`` for a calcium pool, which defines ``cai`` as a state and ``eca`` as a
  subexpression; it reads ``ica``).
* Sign convention: ``iX`` is NEURON's, **outward positive** (``ica < 0`` while calcium flows in),
  so that a pool's equations read like the original mod files. Brian2's membrane current ``Im``
  and every ``I_<current>_<channel>`` of this package are inward positive:
  ``ica = -(I_ca_Ca_HVA + I_ca_Ca_LVAst + ...)``, the sum over every current that carries Ca
  in the compartment.

Reversal potentials, per model: a channel's reversal is either its own parameter, fixed per
compartment (hh, the Pospischil cell, and the Na, K and h channels of the Hay cell: ``ENa`` 50,
``EK`` -85, ``Eh`` -45 mV), or an ion variable (``eca``) written by one mechanism: a pool that
computes it by Nernst, ``R T / (z F) ln(Xo / Xi)``, at the pool's own ``temperature``
(``CaDynamics_E2``: NEURON's default 6.3 degC, as the Hay simulations never set ``celsius``, and
cao 2 mM), or :func:`~dendrites.mechanisms.reversal.fixed_reversal`, which holds it fixed.

Design for channels integrated in their own group (``sparse``, :mod:`dendrites.backend`): a
channel that reads or writes an ion variable, or whose current carries an ion that some
mechanism reads (``ica`` read by a pool), is always integrated in the SpatialNeuron
(:func:`dense_channels`), so every sum of ion currents and every concentration lives in one
group. The simplest correct design; in the Hay cell these channels are in more than half of the
compartments anyway.

Rules checked when a model is planned (:func:`check_ions`), each a
:class:`~dendrites.errors.ParameterError` naming the variable:

* each ion variable has at most one writer in a cell (one pool of calcium, whose parameters may
  differ per region);
* a mechanism that reads a concentration or reversal is present only where its writer is
  (the message names the first compartment without it: index, section, region, distance).
* an ion current ``iX`` may be read anywhere (it is zero where no current carries X).
"""

from __future__ import annotations

import numpy as np
from brian2.units import amp, meter, mmolar, volt

from ..errors import ConcentrationError, ParameterError, did_you_mean

__all__ = [
    "FARADAY",
    "GAS_CONSTANT",
    "ION_CHARGES",
    "ION_UNITS",
    "check_concentrations",
    "check_ion",
    "check_ions",
    "check_run",
    "dense_channels",
    "initial_order",
    "ion_current_equations",
    "ion_dimension",
    "ion_variable",
    "nernst",
    "recordable",
]

#: Valence of every ion a current may carry.
ION_CHARGES = {"na": 1, "k": 1, "ca": 2}
#: Units of the kinds of ion variable, as Brian2 unit strings.
ION_UNITS = {
    "inside": "mmolar",
    "outside": "mmolar",
    "reversal": "volt",
    "current": "amp/meter**2",
}
#: Faraday constant (C/mol) and gas constant (J/(mol K)), CODATA 2018: the values NEURON 9 uses
#: (``h.FARADAY``, ``h.R``; measured here: 96485.33212331001 and 8.31446261815324).
FARADAY = 96485.33212331001
GAS_CONSTANT = 8.31446261815324


def ion_variable(name: str) -> tuple[str, str]:
    """The ion and the kind of an ion variable name.

    Parameters
    ----------
    name : str
        ``"cai"``, ``"cao"``, ``"eca"``, ``"ica"`` (and the same for ``na`` and ``k``).

    Returns
    -------
    (ion, kind)
        `kind` is one of ``"inside"``, ``"outside"``, ``"reversal"``, ``"current"``.

    Raises
    ------
    ParameterError
        Not the name of a variable of a known ion.

    Examples
    --------
    >>> ion_variable("cai")
    ('ca', 'inside')
    >>> ion_variable("ek")
    ('k', 'reversal')
    """
    for ion in ION_CHARGES:
        for kind, spelled in (
            ("current", f"i{ion}"),
            ("reversal", f"e{ion}"),
            ("inside", f"{ion}i"),
            ("outside", f"{ion}o"),
        ):
            if name == spelled:
                return ion, kind
    known = ", ".join(ION_CHARGES)
    raise ParameterError(
        "ion",
        f"unknown ion variable {name!r}: the known ions are {known}, with variables "
        "<ion>i, <ion>o (mM), e<ion> (volt) and i<ion> (amp/meter**2), e.g. 'cai', 'eca', 'ica'",
    )


def ion_dimension(name: str):
    """The physical dimension of an ion variable (mM, volt or amp/meter**2)."""
    kind = ion_variable(name)[1]
    unit = {"current": amp / meter**2, "reversal": volt}.get(kind, mmolar)
    return unit.dim


def check_ion(ion: str, what: str) -> None:
    """Refuse an ion a current may not carry (``""`` means a nonspecific current)."""
    if ion not in ("", *ION_CHARGES):
        hint = did_you_mean(str(ion).lower(), ION_CHARGES)
        raise ParameterError(
            "ion",
            f"{what}: unknown ion {ion!r}{hint} Known: {', '.join(ION_CHARGES)} "
            "(or '' for a nonspecific current)",
        )


def nernst(inside, outside, charge: int, temperature_kelvin: float):
    """Nernst potential in volt: ``R T / (z F) * ln(outside / inside)`` (concentrations in any
    one unit, as floats or arrays)."""
    rt = GAS_CONSTANT * temperature_kelvin / (charge * FARADAY)
    return rt * np.log(np.asarray(outside, dtype=float) / np.asarray(inside, dtype=float))


# ------------------------------------------------------------------------------ plan-time checks
def _where(table, comp: int) -> str:
    return (
        f"compartment {comp} (section {table.section[comp]!r}, region {table.region[comp]}, "
        f"{table.distance[comp]:.1f} um from the soma)"
    )


def check_ions(channel_states, table) -> None:
    """Refuse ion variables that are read where nothing provides them, or written twice.

    Parameters
    ----------
    channel_states : iterable of ChannelState
        The inserted mechanisms (:attr:`dendrites.cell.Cell.channels` values): each has
        ``channel`` and ``present`` (a mask over the compartments).
    table : CompartmentTable
        For the messages.

    Raises
    ------
    ParameterError
        (parameter: the variable) an ion variable written by two mechanisms, or read by a
        mechanism in a compartment where its writer is absent.
    """
    writers: dict[str, object] = {}
    for state in channel_states:
        for name in state.channel.writes:
            if name in writers:
                raise ParameterError(
                    name,
                    f"written by two mechanisms, {writers[name].channel.name!r} and "
                    f"{state.channel.name!r}: a cell has one mechanism per ion variable (set "
                    "its parameters per region instead)",
                )
            writers[name] = state
    for state in channel_states:
        present = state.present
        for name in state.channel.reads:
            ion, kind = ion_variable(name)
            if kind == "current":
                continue  # the sum of the currents of that ion: zero where none is present
            writer = writers.get(name)
            missing = present.copy() if writer is None else present & ~writer.present
            if missing.any():
                comp = int(np.flatnonzero(missing)[0])
                provider = (
                    f"the writer of {name}, {writer.channel.name!r}, is absent there"
                    if writer is not None
                    else f"no inserted mechanism provides {name}"
                )
                raise ParameterError(
                    name,
                    f"mechanism {state.channel.name!r} reads {name} in {_where(table, comp)}, "
                    f"but {provider}; insert a mechanism that writes {name} there (for "
                    f"{ion}: a concentration pool such as 'CaDynamics_E2')",
                )


def dense_channels(channels) -> set[str]:
    """Names of the channels that must be integrated in the SpatialNeuron (never sparse).

    `channels` are :class:`~dendrites.mechanisms.base.Channel` objects: those that read or write
    an ion variable, and those with a current of an ion whose current density some channel reads.
    """
    channels = list(channels)
    read_currents = {
        ion_variable(n)[0] for ch in channels for n in ch.reads if ion_variable(n)[1] == "current"
    }
    return {
        ch.name
        for ch in channels
        if ch.reads or ch.writes or any(c.ion in read_currents for c in ch.currents)
    }


# ------------------------------------------------------------------------------ assembly
def ion_current_equations(channels) -> str:
    """Brian2 equations of the ion currents that some channel reads, in NEURON's outward-positive
    convention: ``ica = -(I_ca_Ca_HVA + ...) : amp/meter**2``.

    `channels` are the channels in the SpatialNeuron's equations (their currents are named
    ``I_<current>_<channel>`` there, inward positive). A current nobody carries is zero. The
    sums are ``(constant over dt)``: evaluated once at the start of a step, as NEURON's
    ``BREAKPOINT`` assigns ``ica`` before the states are integrated (and so that a pool's
    equation stays linear in its concentration for the exponential Euler step, although the
    Nernst reversal in ``ica`` depends on it).
    """
    channels = list(channels)
    read = sorted({n for ch in channels for n in ch.reads if ion_variable(n)[1] == "current"})
    lines = []
    for name in read:
        ion = ion_variable(name)[0]
        terms = [f"I_{c.name}_{ch.name}" for ch in channels for c in ch.currents if c.ion == ion]
        total = f"-({' + '.join(terms)})" if terms else "0*amp/meter**2"
        lines.append(f"{name} = {total} : amp/meter**2 (constant over dt)")
    return "\n".join(lines)


def initial_order(channels) -> list:
    """`channels` (objects with a ``channel`` attribute, or channels) with the writers of ion
    variables first, so that a concentration is set before the gates that depend on it (the SK
    gate's steady state at the initial ``cai``)."""
    items = list(channels)

    def writes(item) -> bool:
        return bool(getattr(item, "channel", item).writes)

    return [c for c in items if writes(c)] + [c for c in items if not writes(c)]


def recordable(channels) -> set[str]:
    """The ion variables a run can record: those read or written by `channels`."""
    return {n for ch in channels for n in (*ch.reads, *ch.writes)}


def check_concentrations(final: dict, table) -> None:
    """Raise :class:`ConcentrationError` if a concentration is negative or non-finite.

    Parameters
    ----------
    final : dict of str -> ndarray
        Concentration variable (``"cai"``) -> its values (mM) in every compartment, e.g. at the
        end of a run (or over a recorded trace, compartments last).
    table : CompartmentTable
        For the message.
    """
    for name, values in sorted(final.items()):
        arr = np.asarray(values, dtype=float)
        arr = arr.reshape(-1, arr.shape[-1]) if arr.ndim > 1 else arr[None, :]
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            comp = int(np.flatnonzero(bad.any(axis=0))[0])
            col = arr[:, comp]
            value = float(col[~np.isfinite(col) | (col < 0)][0])
            raise ConcentrationError(
                name,
                _where(table, comp),
                value,
                "check the parameters of the pool that writes it (a negative resting level, a "
                "current leaving through a fixed reversal) or reduce dt",
            )


def check_run(neuron, plan) -> None:
    """After a run: :func:`check_concentrations` on the final value, in every compartment, of
    each concentration some mechanism of `plan` writes (read from the Brian2 `neuron`, in SI
    mol/m3, i.e. mM). A concentration that went negative makes a Nernst reversal NaN, and then
    the whole cell: this names the concentration before the state checks name the voltage."""
    names = [
        n
        for cp in plan.channels
        for n in cp.channel.writes
        if ion_variable(n)[1] in ("inside", "outside")
    ]
    final = {n: np.asarray(neuron.variables[n].get_value(), dtype=float) for n in names}
    check_concentrations(final, plan.morph.compartments)
