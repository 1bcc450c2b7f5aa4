"""Channel densities (or any channel parameter) as functions of position on the cell.

``cell.insert("Ih", where="apical", gIhbar=exponential(...))``: a parameter given as a
:class:`Density` (or any function of the path distance) is evaluated in every compartment of the
region at its centre, as NEURON's ``for (x)`` loop evaluates a density at every segment centre.

Distance origin
---------------
The distance is the compartment table's ``distance`` (um): the path length from the soma's
surface, i.e. from the start of the section that leaves the soma (the soma itself is 0). That is
what NEURON's ``distance()`` gives in the Hay et al. (2011) code: its ``distribute_channels``
sets the origin with ``soma distance()`` (soma(0)), but then calls ``getLongestBranch("apic")``,
which moves the origin to ``apic[0](0)``, the start of the apical trunk; the densities and the
620 um BAC site (``locateSites``) are measured from there. With the dendrites attached at
soma(0.5), as Import3d attaches them, it is also NEURON's distance from soma(0.5). A model whose
dendrites attach at soma(1) of a cylindrical soma measures from soma(0.5) half the soma's
length more: give ``origin="soma_centre"`` (adds half the soma compartment's length).

Normalised distance
-------------------
With ``normalised=True`` the function receives ``distance / L`` (dimensionless), ``L`` being the
longest path in the region where the channel is inserted (the largest distance of a compartment
end there, as ``getLongestBranch`` takes the largest ``distance(1)`` of the region's tips), or the
given `length`.

Section ends
------------
The Hay code's ``for (x)`` loop also visits x = 1 and its assignment there sets the last segment:
the last compartment of every section gets the value at the section's far end.
``hoc_for_x=True`` reproduces that; the default evaluates every compartment at its centre.

Errors
------
A value that is negative (for a density), non-finite, a plain number, of the wrong unit or of the
wrong shape raises :class:`~dendrites.errors.ParameterError` naming the parameter, the region
and the distance (and the compartment and section).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from brian2.units import amp, cm, meter, mM, ms, mV, siemens, um
from brian2.units.fundamentalunits import (
    DimensionMismatchError,
    Quantity,
    get_dimensions,
    get_unit,
)

from .errors import ParameterError
from .quantities import as_float

__all__ = [
    "ORIGINS",
    "Density",
    "evaluate_density",
    "exponential",
    "linear",
    "sigmoid",
    "step",
]

#: Where distances are measured from (see the module docstring).
ORIGINS = ("soma_surface", "soma_centre")


@dataclass(frozen=True)
class Density:
    """A parameter value as a function of position.

    Parameters
    ----------
    function : callable
        ``function(x) -> Quantity`` array, one value per entry of `x`: the path distance (a
        Quantity in um) or, with `normalised`, the normalised distance (a float array).
    normalised : bool
        Pass ``distance / length`` instead of the distance.
    length : Quantity, optional
        The length that normalises; default the longest path in the region where it is inserted.
    hoc_for_x : bool
        The last compartment of each section takes the value at the section's far end (the Hay
        code's ``for (x)`` convention); default: every compartment at its centre.
    origin : {"soma_surface", "soma_centre"}
        Where distances start (see the module docstring).
    description : str
        Readable form, for provenance.
    """

    function: Callable
    normalised: bool = False
    length: Quantity | None = None
    hoc_for_x: bool = False
    origin: str = "soma_surface"
    description: str = ""

    def __post_init__(self):
        if not callable(self.function):
            raise ParameterError("function", f"expected a callable, got {self.function!r}")
        if self.origin not in ORIGINS:
            raise ParameterError("origin", f"unknown origin {self.origin!r}; known: {ORIGINS}")
        if self.length is not None:
            as_float(self.length, um, "length", "positive")

    def __call__(self, x):
        return self.function(x)

    def __str__(self) -> str:
        return self.description or repr(self.function)


def _check_scale(value, name: str):
    if not isinstance(value, Quantity):
        raise ParameterError(
            name, f"expected a quantity (e.g. 2e-4*siemens/cm**2), got the plain number {value!r}"
        )
    return value


def _rate(value, normalised: bool, name: str):
    """A rate or length scale: dimensionless when normalised, else per um (or um)."""
    if normalised and isinstance(value, Quantity) and not value.is_dimensionless:
        raise ParameterError(name, f"with normalised=True give a plain number, got {value!r}")
    return value


def linear(at_zero, slope, *, normalised=False, **options) -> Density:
    """``at_zero + slope * x``.

    `slope` is in units of `at_zero` per um (or, normalised, in units of `at_zero`).
    """
    _check_scale(at_zero, "at_zero")
    return Density(
        lambda x: at_zero + slope * x,
        normalised=normalised,
        description=f"linear({at_zero} + {slope} * {'x/L' if normalised else 'd'})",
        **options,
    )


def exponential(base, amplitude, rate, start=None, *, normalised=False, **options) -> Density:
    """``base + amplitude * exp(rate * (x - start))`` (Hay's type-2 distribution).

    The Hay apical Ih gradient is ``exponential(-0.8696 * g, 2.087 * g, 3.6161,
    normalised=True)`` with ``g = 2e-4 S/cm2`` (rises from 2.4e-4 at the soma to about
    1.5e-2 S/cm2 at the farthest tip). `rate` is 1/um (or a number, normalised), `start` um (or
    a number; default 0).
    """
    _check_scale(amplitude, "amplitude")
    _rate(rate, normalised, "rate")
    x0 = (0.0 if normalised else 0.0 * um) if start is None else start
    return Density(
        lambda x: base + amplitude * np.exp(rate * (x - x0)),
        normalised=normalised,
        description=f"exponential({base} + {amplitude} * exp({rate} * (x - {x0})))",
        **options,
    )


def sigmoid(base, amplitude, midpoint, width, *, normalised=False, **options) -> Density:
    """``base + amplitude / (1 + exp((x - midpoint) / width))`` (Hay's type-1 distribution:
    falls from ``base + amplitude`` to ``base`` for a positive `width`)."""
    _check_scale(amplitude, "amplitude")
    return Density(
        lambda x: base + amplitude / (1 + np.exp((x - midpoint) / width)),
        normalised=normalised,
        description=f"sigmoid({base} + {amplitude} / (1 + exp((x - {midpoint}) / {width})))",
        **options,
    )


def step(inside, outside, start, stop, *, normalised=False, **options) -> Density:
    """`inside` for ``start < x < stop`` (strictly, as Hay's type-3 distribution), else `outside`.

    The Hay calcium hot zone: ``step(0.0187 * S, 1.87e-4 * S, 685 * um, 885 * um)`` with
    ``S = siemens/cm**2`` for Ca_LVAst.
    """
    _check_scale(inside, "inside")
    _check_scale(outside, "outside")

    def window(x):
        on = np.where((x > start) & (x < stop), 1.0, 0.0)
        return on * inside + (1.0 - on) * outside

    return Density(
        window,
        normalised=normalised,
        description=f"step({inside} for {start} < x < {stop}, else {outside})",
        **options,
    )


_SHOWN = (
    (siemens / cm**2, "siemens/cm**2"),
    (amp / meter**2, "amp/meter**2"),
    (mV, "mV"),
    (ms, "ms"),
    (mM, "mM"),
)


def _unit_name(value) -> str:
    """A readable unit for messages (S/cm2 rather than m^-4 kg^-1 s^3 A^2)."""
    dim = get_dimensions(value)
    return next((n for u, n in _SHOWN if get_dimensions(u) == dim), str(get_unit(dim)))


def _shown(value_si: float, unit) -> str:
    """`value_si` (a float in SI units of `unit`) with a readable unit."""
    dim = get_dimensions(unit)
    for u, n in _SHOWN:
        if get_dimensions(u) == dim:
            return f"{value_si / float(u / get_unit(dim)):g} {n}"
    return f"{value_si:g} {get_unit(dim)}"


def _distances(density: Density, table, mask: np.ndarray) -> np.ndarray:
    """Distances (um) of the selected compartments, by the density's conventions."""
    d = np.asarray(table.distance, dtype=float).copy()
    if density.hoc_for_x:
        n_of = np.bincount(table.section_index)
        last = table.index_in_section == n_of[table.section_index] - 1
        d[last] = np.asarray(table.distance_end)[last]
        is_soma = np.asarray(table.region) == "soma"
        d[is_soma & last] = np.asarray(table.distance)[is_soma & last]
    if density.origin == "soma_centre":
        soma = np.flatnonzero(np.asarray(table.region) == "soma")
        if len(soma):
            d[np.asarray(table.region) != "soma"] += float(table.length[soma[0]]) / 2
    return d[mask]


def evaluate_density(density, table, mask: np.ndarray, name: str, unit, sign: str) -> np.ndarray:
    """Values of `density` in the compartments `mask` selects, as floats in `unit`.

    Parameters
    ----------
    density : Density or callable
        A plain callable is a function of the distance (Quantity, um).
    table : CompartmentTable
    mask : ndarray of bool
        The compartments to evaluate (where the channel is inserted).
    name : str
        The parameter, for messages.
    unit : brian2 unit
        The unit the values are stored in (that of the parameter's default).
    sign : {"any", "nonnegative"}
        ``"nonnegative"`` for densities.

    Raises
    ------
    ParameterError
        Negative (for a density), non-finite, unit-less or wrongly shaped values, naming the
        region and the distance; a normalised density over a region of length zero.
    """
    if not isinstance(density, Density):
        density = Density(density)
    shown = _unit_name(unit)
    if not mask.any():
        return np.zeros(0)
    d = _distances(density, table, mask)
    regions = np.asarray(table.region)[mask]
    where = ", ".join(sorted(set(regions.tolist())))
    if density.normalised:
        length = (
            as_float(density.length, um, "length", "positive")
            if density.length is not None
            else float(np.max(np.asarray(table.distance_end)[mask]))
        )
        if length <= 0:
            raise ParameterError(
                name, f"a normalised density needs a region with extent; {where} has length 0"
            )
        x = d / length
    else:
        x = d * um
    try:
        out = density(x)
    except DimensionMismatchError as exc:
        raise ParameterError(
            name, f"the density function failed on distances in region {where}: {exc}"
        ) from None
    if not isinstance(out, Quantity) and not np.all(np.asarray(out) == 0):
        dims = getattr(unit, "dim", None)
        if dims is not None and not dims.is_dimensionless:
            raise ParameterError(
                name,
                f"the density function for region {where} returned plain numbers; return a "
                f"quantity in units of {shown} (e.g. 1e-4*siemens/cm**2)",
            )
    if isinstance(out, Quantity) and get_dimensions(out) != get_dimensions(unit):
        raise ParameterError(
            name,
            f"the density function for region {where} returned units of "
            f"{_unit_name(out)}, expected {shown}",
        )
    try:
        vals = np.broadcast_to(np.asarray(out / unit, dtype=float), d.shape).copy()
    except ValueError:
        raise ParameterError(
            name,
            f"the density function for region {where} returned shape {np.shape(out)}, "
            f"expected one value per compartment {d.shape}",
        ) from None
    bad = ~np.isfinite(vals) | ((vals < 0) if sign == "nonnegative" else False)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        comp = int(np.flatnonzero(mask)[k])
        what = "must be finite" if not np.isfinite(vals[k]) else "must be >= 0"
        raise ParameterError(
            name,
            f"the density function gives {_shown(vals[k], unit)} in region {regions[k]} at "
            f"{d[k]:.1f} um from the soma (compartment {comp}, section "
            f"{table.section[comp]!r}): {what}",
        )
    return vals
