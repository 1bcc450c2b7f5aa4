"""Mechanisms as data.

A mechanism is a Brian2 equation string with units, default parameter values as quantities, initial
states and a literature reference. Nothing here creates Brian2 objects: the backend reads these
descriptions, renames every mechanism-local name with the mechanism's suffix (``m`` of ``hh``
becomes ``m_hh``, through :class:`brian2.Equations` substitution, not string splicing) and
assembles them.

Two kinds exist:

* :class:`Channel` -- a membrane mechanism with densities per unit area, inserted by region.
  Its equations define gating states (functions of ``v``) and it declares the currents it carries as
  ``open conductance x (reversal - v)``. Because the open conductance does not depend on ``v``
  directly, the backend may integrate the gates in a small group over just the compartments where
  the channel is present and feed the conductance back (see :mod:`dendrites.backend`).
* :class:`Receptor` -- a synaptic receptor whose per-synapse state lives on each synapse and whose
  conductance is summed into its compartment; an optional voltage-dependent factor (the NMDA Mg
  block) multiplies the summed conductance in the membrane current.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from brian2.core.functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS
from brian2.core.namespace import DEFAULT_UNITS
from brian2.equations.equations import Equations
from brian2.parsing.rendering import NumpyNodeRenderer
from brian2.units.allunits import second, volt
from brian2.units.fundamentalunits import (
    DimensionMismatchError,
    Quantity,
    fail_for_dimension_mismatch,
    get_dimensions,
    get_unit,
)
from brian2.utils.stringtools import get_identifiers

from ..errors import ParameterError, did_you_mean
from ..quantities import display_unit
from .ions import check_ion, ion_dimension, ion_variable

__all__ = [
    "Channel",
    "Current",
    "RateTable",
    "Receptor",
    "evaluate",
    "parameter_equations",
]


@dataclass(frozen=True)
class Current:
    """One current of a channel: ohmic, ``I = g_open * (E - v)``, or a given current density.

    Parameters
    ----------
    name : str
        Name of the current (``"na"``, ``"k"``, ``"L"``); the membrane variable becomes
        ``I_<name>_<channel>``.
    conductance : str
        Expression of the open conductance per unit area in terms of the channel's states and
        parameters (e.g. ``"gnabar*m**3*h"``). Must not contain ``v``.
    reversal : str
        Name of the channel parameter holding the reversal potential.
    density : str
        For a current that is not ohmic (a phenomenological current source such as the dCaAP):
        its density in amp/meter**2, positive depolarising (inward), as an expression in the
        channel's states, parameters and ``t``. Must not contain ``v``. Give either `density` or
        both `conductance` and `reversal`.
    ion : str
        The ion the current carries (``"na"``, ``"k"``, ``"ca"``; see
        :mod:`dendrites.mechanisms.ions`), or ``""`` for a nonspecific current. A current of an
        ion counts in that ion's current density (``ica``), which concentration pools read. The
        `reversal` may then be the ion's reversal (``"eca"``), provided by the mechanism that
        writes it (a pool computing it by Nernst), instead of a parameter of the channel.
    """

    name: str
    conductance: str = ""
    reversal: str = ""
    density: str = ""
    ion: str = ""

    def __post_init__(self):
        if bool(self.conductance) != bool(self.reversal) or bool(self.density) == bool(
            self.conductance
        ):
            raise ParameterError(
                "currents",
                f"current {self.name!r}: give either a conductance and a reversal parameter "
                "(ohmic) or a density (a current source), not both or neither",
            )
        check_ion(self.ion, f"current {self.name!r}")

    @property
    def ohmic(self) -> bool:
        """Whether the current is ``g_open * (E - v)`` (else it is a given density)."""
        return not self.density

    def __str__(self) -> str:
        if self.ohmic:
            return f"I_{self.name} = {self.conductance}*({self.reversal} - v)"
        return f"I_{self.name} = {self.density}"


@dataclass(frozen=True)
class RateTable:
    """Subexpressions of a channel that may be tabulated, as NEURON's ``TABLE`` statement.

    Each named subexpression must depend only on `over` (a dimensionless subexpression, e.g.
    ``u = (v - V0)/mV``). With ``Model(rate_tables=True)`` the backend evaluates them once on the
    grid ``low, low + step, ..., high`` and looks them up at the nearest grid point (values
    outside the grid take the value at its end) instead of evaluating exponentials in every
    compartment at every step. Exact evaluation stays the default.

    Parameters
    ----------
    over : str
        Name of the dimensionless subexpression the tabulated ones depend on.
    low, high, step : float
        Grid of `over` (in its own units, e.g. mV).
    names : tuple of str
        The dimensionless subexpressions to tabulate.
    """

    over: str
    low: float
    high: float
    step: float
    names: tuple[str, ...]

    def __post_init__(self):
        if not (self.step > 0 and self.high > self.low):
            raise ParameterError("tables", "need step > 0 and high > low")

    @property
    def grid(self) -> np.ndarray:
        """The values of `over` at which the table is evaluated."""
        n = round((self.high - self.low) / self.step) + 1
        return self.low + self.step * np.arange(n)


@dataclass(frozen=True)
class Channel:
    """A membrane channel described as data.

    Parameters
    ----------
    name : str
        Short identifier, used as suffix of every local name (``hh``, ``pas``).
    equations : str
        Brian2 equations of the gating states and helper subexpressions, in terms of ``v``. May be
        empty for channels without states (the leak). Parameters are not declared here: they are
        declared by the backend from `parameters`.
    currents : tuple of Current
        The currents the channel carries.
    parameters : dict of str -> Quantity
        Default value of every parameter (densities per area, reversal potentials, temperature
        factors...). Every parameter can be set per compartment.
    densities : tuple of str
        The parameters whose value zero means "channel absent". The channel is present in a
        compartment where any of them is non-zero.
    initial : dict of str -> str
        Initial value of each state, as an expression in ``v`` and parameters (e.g. the steady state
        ``"alpha_m/(alpha_m + beta_m)"``).
    method : str
        Brian2 integration method for the states.
    reference : str
        Where the equations and default values come from.
    threshold : str
        Optional event condition (in ``v``, ``t``, states and parameters), checked after every
        time step in each compartment that has the channel: for mechanisms that fire
        all-or-none events, such as the dCaAP. Channels with a threshold are always integrated in
        their own group over the compartments that have them.
    reset : str
        Statements run in a compartment when its `threshold` condition holds (``v`` there is the
        membrane potential at the end of the step that crossed it); they may set states, not
        ``v``.
    tables : RateTable, optional
        Rate functions that ``Model(rate_tables=True)`` looks up in a table (see
        :class:`RateTable`).
    reads : tuple of str
        Ion variables the equations or a current's reversal use (``"cai"``, ``"eca"``,
        ``"ica"``; :mod:`dendrites.mechanisms.ions`): shared by the mechanisms of a
        compartment, not suffixed, provided by the mechanism that writes them.
    writes : tuple of str
        Ion variables the equations define (a concentration pool: the state ``cai`` and the
        subexpression ``eca``). A pool's presence is a density-like parameter (``present``, 1
        where inserted) that multiplies its derivatives, so its concentration stays at its
        initial value where it is absent.
    bounds : dict of str -> (float or None, float or None)
        Physical range of states, in SI units (``None``: no bound), checked every 0.1 ms of a
        run (:mod:`dendrites.guard`). By convention a dimensionless state lies in [0, 1] and a
        concentration is >= 0; entries here replace the convention (``(None, None)`` removes a
        bound).
    display_units : dict of str -> Quantity
        Unit in which messages show a parameter (``{"gbar": msiemens / cm**2}``); by default
        the unit of its dimension in :data:`dendrites.quantities.DISPLAY_UNITS`.
    """

    name: str
    equations: str
    currents: tuple[Current, ...]
    parameters: dict[str, Quantity]
    densities: tuple[str, ...]
    initial: dict[str, str] = field(default_factory=dict)
    method: str = "exponential_euler"
    reference: str = ""
    threshold: str = ""
    reset: str = ""
    tables: RateTable | None = None
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    display_units: dict[str, Quantity] = field(default_factory=dict)

    def __post_init__(self):
        if self.reset and not self.threshold:
            raise ParameterError("reset", f"channel {self.name!r} has a reset but no threshold")
        for name in (*self.reads, *self.writes):
            ion_variable(name)  # refuses an unknown ion
        for cur in self.currents:
            if cur.ohmic and cur.reversal not in self.parameters and cur.reversal not in self.reads:
                raise ParameterError(
                    "reversal",
                    f"channel {self.name!r}, current {cur.name!r}: reversal {cur.reversal!r} is "
                    "neither a parameter nor an ion variable the channel reads",
                )

    def __hash__(self) -> int:  # dict fields are unhashable; equal channels share these fields
        return hash(
            (
                self.name,
                self.equations,
                self.currents,
                self.densities,
                self.threshold,
                self.reset,
                self.tables,
            )
        )

    @property
    def states(self) -> tuple[str, ...]:
        """Names of the differential states, in order of appearance."""
        return tuple(self.initial)

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        cur = ", ".join(str(c) for c in self.currents)
        return f"Channel {self.name!r}: {cur}; defaults {params}; ref: {self.reference}"


@dataclass(frozen=True)
class Receptor:
    """A synaptic receptor described as data.

    Parameters
    ----------
    name : str
        Short identifier (``ampa``, ``nmda``, ``gabaa``); the summed compartment conductance is
        ``g_<name>`` and the current ``I_<name>``.
    equations : str
        Per-synapse Brian2 equations (clock-driven states), defining a conductance variable ``g``
        in siemens. ``v_post`` may be used (e.g. kinetic Mg block); ``v`` may not.
    on_pre : str
        Statements run when a presynaptic spike arrives; ``w`` (siemens) is the synapse's weight.
    parameters : dict of str -> Quantity
        Defaults of per-synapse parameters (time constants...).
    reversal : Quantity
        Reversal potential of the current.
    block : str
        Dimensionless factor multiplying the summed conductance in the membrane current, as an
        expression in ``v`` and the entries of `block_parameters` (``"1"`` for none). It stays in
        the membrane current so the implicit cable update treats it exactly (it must be
        differentiable in ``v``).
    block_parameters : dict of str -> Quantity
        Parameters of `block` (e.g. the Mg concentration).
    initial : dict of str -> str
        Initial values of the per-synapse states.
    method : str
        Integration method of the per-synapse states.
    reference : str
        Where the equations and default values come from.
    max_dt : callable, optional
        For states integrated with an explicit method whose stability depends on dt:
        ``max_dt(receptor, v_min, v_max) -> Quantity``, the largest stable time step while the
        membrane potential stays between `v_min` and `v_max`, with the receptor's own parameter
        values. A model refuses a larger dt when it is built (:mod:`dendrites.plan`); see
        :mod:`dendrites.mechanisms.stability` for the computation.
    bounds : dict of str -> (float or None, float or None)
        Physical range of states, in SI units (``None``: no bound), checked every 0.1 ms of a
        run (:mod:`dendrites.guard`). By convention a dimensionless state lies in [0, 1] and a
        concentration is >= 0; entries here replace the convention (``(None, None)`` removes a
        bound).
    display_units : dict of str -> Quantity
        Unit in which messages show a parameter (``{"gbar": msiemens / cm**2}``); by default
        the unit of its dimension in :data:`dendrites.quantities.DISPLAY_UNITS`.
    """

    name: str
    equations: str
    on_pre: str
    parameters: dict[str, Quantity]
    reversal: Quantity
    block: str = "1"
    block_parameters: dict[str, Quantity] = field(default_factory=dict)
    initial: dict[str, str] = field(default_factory=dict)
    method: str = "exact"
    reference: str = ""
    max_dt: Callable[[Receptor, Quantity, Quantity], Quantity] | None = None
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    display_units: dict[str, Quantity] = field(default_factory=dict)

    def __hash__(self) -> int:  # dict fields are unhashable; equal receptors share these fields
        return hash((self.name, self.equations, self.on_pre, self.block))

    def synapse_model(self) -> Equations:
        """The equations of one synapse: the receptor's states, its parameters and the weight ``w``.

        The backend's synapse groups and :func:`dendrites.vclamp.clamp_run` add to these how the
        conductance reaches the compartment.
        """
        return (
            Equations(self.equations)
            + parameter_equations(self.parameters)
            + Equations("w : siemens (constant)")
        )

    def __str__(self) -> str:
        return (
            f"Receptor {self.name!r}: I = g*{self.block}*(E - v), E = {self.reversal}; "
            f"ref: {self.reference}"
        )


# --------------------------------------------------------------------------------------------------
# Evaluating a mechanism's formulas with numpy, without a simulation


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def _evaluation_namespace() -> dict:
    """Brian2's default functions (unit-safe numpy versions), constants and units."""
    namespace = dict(DEFAULT_UNITS)
    namespace.update({name: c.value for name, c in DEFAULT_CONSTANTS.items()})
    namespace.update({name: f.pyfunc for name, f in DEFAULT_FUNCTIONS.items()})
    namespace["logical_not"] = np.logical_not  # emitted by NumpyNodeRenderer for ``not``
    from .functions import FUNCTIONS  # ifelse, for mechanisms imported from NMODL

    namespace.update({name: f.pyfunc for name, f in FUNCTIONS.items()})
    return namespace


def evaluate(expression: str, v, mechanism: Channel | Receptor, **overrides) -> Quantity:
    """Evaluate a formula of a mechanism at membrane potential(s) `v`, with numpy.

    No Brian2 object is created: the mechanism's equations are parsed with
    :class:`brian2.Equations` and the formula is evaluated with Brian2's unit-safe numpy functions
    (``exp``, ``exprel``...), its units and the mechanism's default parameters. It exists so that
    formulas (rate functions, steady states, the Mg block) can be checked without a simulation.

    Parameters
    ----------
    expression : str
        What to evaluate: the name of a subexpression or state of the mechanism's equations
        (``"alpha_m"``, ``"g"``), ``"block"`` for the voltage-dependent factor of a
        :class:`Receptor`, or any Brian2 expression in those names, ``v`` and the parameters
        (``"gnabar*m**3*h"``).
    v : brian2.Quantity
        Membrane potential(s), scalar or array. ``v_post`` in receptor equations means `v`.
    mechanism : Channel or Receptor
        The mechanism whose equations and defaults are used.
    **overrides : brian2.Quantity
        Values replacing parameter defaults, by the parameter's name (``Mg=2*mM`` for the NMDA
        block), or giving states (``m=0.5``). States not given take their initial value
        (for :data:`~dendrites.mechanisms.hh.hh` the steady state at `v`), or zero if the mechanism
        does not define one. Arrays broadcast against `v`. ``t`` (a time) may be given for
        formulas that use it.

    Returns
    -------
    brian2.Quantity
        The value(s), with the shape of `v` broadcast against the overrides (dimensionless values
        are returned as a dimensionless Quantity).

    Raises
    ------
    ParameterError
        `v` is not a voltage, an override has an unknown name or the wrong unit, or the expression
        uses a name that is not defined.

    Examples
    --------
    >>> from brian2 import mV
    >>> from dendrites.mechanisms.hh import hh
    >>> m_inf = evaluate("m", -65 * mV, hh)
    >>> round(float(m_inf), 6)
    0.052932
    """
    try:
        fail_for_dimension_mismatch(v, volt)
    except DimensionMismatchError:
        raise ParameterError("v", f"expected a membrane potential in volt, got {v!r}") from None
    eqs = Equations(mechanism.equations)
    parameters = dict(mechanism.parameters)
    if isinstance(mechanism, Receptor):
        parameters.update(mechanism.block_parameters)
    reads = {n: ion_dimension(n) for n in getattr(mechanism, "reads", ())}
    known = set(parameters) | set(eqs.names) | set(reads)
    for name, value in overrides.items():
        if name in parameters:
            expected = get_dimensions(parameters[name])
        elif name in eqs.names:
            expected = eqs[name].dim
        elif name in reads:  # an ion variable provided by another mechanism (cai, eca, ica)
            expected = reads[name]
        elif name == "t":  # time, for mechanisms whose formulas depend on it (the dCaAP)
            expected = second.dim
        else:
            hint = did_you_mean(name, sorted(known))
            raise ParameterError(
                name, f"not a parameter or state of {mechanism.name!r}{hint} Known: {sorted(known)}"
            )
        try:
            fail_for_dimension_mismatch(value, expected)
        except DimensionMismatchError:
            raise ParameterError(
                name,
                f"expected units of {display_unit(get_unit(expected))[1]}, got {value!r}",
            ) from None

    base_namespace = _evaluation_namespace()
    values: dict[str, object] = {"v": v, "v_post": v, **parameters, **overrides}
    pending: list[str] = []  # names being computed, to report circular definitions

    def resolve(name: str):
        if name in values:
            return values[name]
        if name in pending:
            raise ParameterError("expression", f"circular definition: {' -> '.join(pending)}")
        if name in eqs.subexpr_names:
            code = eqs[name].expr.code
        elif name in eqs.diff_eq_names:
            code = mechanism.initial.get(name)
        elif name in base_namespace:
            return base_namespace[name]
        elif name in reads:
            raise ParameterError(
                name,
                f"{mechanism.name!r} reads the ion variable {name}: give its value ({name}=...)",
            )
        else:
            raise ParameterError(
                "expression", f"unknown name {name!r} for mechanism {mechanism.name!r}"
            )
        pending.append(name)
        if code is None:  # a state without initial value starts at zero
            value = Quantity(0.0, dim=eqs[name].dim)
        else:
            value = compute(code)
        pending.pop()
        fail_for_dimension_mismatch(
            value, eqs[name].dim, f"{name!r} of {mechanism.name!r} has the wrong unit"
        )
        values[name] = value
        return value

    def compute(code: str):
        namespace = {name: resolve(name) for name in get_identifiers(code)}
        rendered = NumpyNodeRenderer().render_expr(code)
        # both branches of an ifelse are evaluated; the one not taken may divide by zero
        quiet = np.errstate(divide="ignore", invalid="ignore") if "ifelse" in code else _nothing()
        with quiet:
            return eval(rendered, {"__builtins__": {}, **base_namespace}, namespace)

    if isinstance(mechanism, Receptor) and expression == "block" and "block" not in eqs.names:
        expression = mechanism.block
    result = resolve(expression) if expression in eqs.names else compute(expression)
    shape = np.broadcast_shapes(np.shape(v), *(np.shape(o) for o in overrides.values()))
    return Quantity(
        np.broadcast_to(np.asarray(result, dtype=float), shape).copy(),
        dim=get_dimensions(result),
    )


def parameter_equations(params: dict, flags=("constant",), names: dict | None = None):
    """Brian2 declarations of parameters with the dimensions of their default values.

    Parameters
    ----------
    params : dict of str -> Quantity
        Parameter defaults (their dimensions are used, not their values).
    flags : sequence of str
        Brian2 flags of every declaration (``"constant"``, ``"shared"``).
    names : dict of str -> str, optional
        New names (e.g. suffixed with the mechanism's name).

    Returns
    -------
    brian2.Equations
    """
    from brian2.equations.equations import PARAMETER, SingleEquation
    from brian2.units.fundamentalunits import DIMENSIONLESS

    names = names or {}
    return Equations(
        [
            SingleEquation(
                PARAMETER,
                names.get(p, p),
                dimensions=getattr(d, "dim", DIMENSIONLESS),
                flags=list(flags),
            )
            for p, d in params.items()
        ]
    )
