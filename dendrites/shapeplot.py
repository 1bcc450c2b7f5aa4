"""Shape plots: the morphology in 2-D, every compartment coloured by a value, and animations of it.

:func:`plot_shape` projects the cell onto a plane and draws every compartment as its piece of the
traced 3-D path (a Matplotlib ``LineCollection``: fast for thousands of compartments), its line
width growing with the diameter, its colour a per-compartment value (a membrane potential at one
time or its peak, a channel density, a distance) with a colour bar that names the unit. A soma is
a filled circle (one point) or polygon (a soma of several points), coloured like the rest.

It draws from a :class:`~dendrites.morphology.Morphology`, a :class:`~dendrites.cell.Cell` or a
stored Dataset alone: simulated Datasets carry each compartment's centre, diameter and the ends of
its piece of the path (coordinates ``x0 .. z1``, see :func:`dendrites.results.compartment_coords`),
which is enough to draw it as a three-point path. :func:`animate_shape` writes the membrane
potential over time as a GIF (Pillow) or MP4 (ffmpeg).

This module only draws: it is left out of the code digest that keys cached results
(:data:`dendrites.provenance.PRESENTATION`).
"""

from __future__ import annotations

import os
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ParameterError

__all__ = ["REDUCTIONS", "Shape", "animate_shape", "plot_shape", "shape_of"]

#: Reductions over time accepted by ``time=`` when `values` names a Dataset variable.
REDUCTIONS = ("peak", "min", "mean", "last")

#: Readable names of the package's recorded variables (for colour-bar labels).
_LONG_NAMES = {"v": "membrane potential"}

_DATASET_ENDS = ("x0", "y0", "z0", "x1", "y1", "z1")


@dataclass(frozen=True)
class Shape:
    """What a shape plot draws, per compartment.

    Attributes
    ----------
    compartment : array of int (n,)
        Flat compartment indices.
    paths : list of arrays (k, 4)
        Each compartment's piece of the traced path, proximal to distal: x, y, z and the diameter
        at each point (um); a one-point soma is its centre alone.
    diameter : array (n,)
        Diameters (um).
    soma : array of bool (n,)
        Compartments of the soma (drawn filled, to scale).
    table : object
        What a callable `values` receives: the morphology's
        :class:`~dendrites.morphology.CompartmentTable`, or for a Dataset a namespace of its
        compartment coordinates as numpy arrays (``section``, ``region``, ``distance``, ``x``,
        ``y``, ``z``, ``diameter``; um).
    """

    compartment: np.ndarray
    paths: list
    diameter: np.ndarray
    soma: np.ndarray
    table: object

    def __len__(self) -> int:
        return len(self.compartment)


# ---------------------------------------------------------------------------------- geometry
def _morphology_shape(morph) -> Shape:
    table = morph.compartments
    paths = []
    for s in morph.sections:
        sl = morph.compartment_slice(s.name)
        pts = np.asarray(s.points, dtype=float)
        if len(pts) == 1:
            paths.extend([pts] * (sl.stop - sl.start))
            continue
        arc = np.concatenate(
            [[0.0], np.cumsum(np.linalg.norm(np.diff(pts[:, :3], axis=0), axis=1))]
        )
        # compartment boundaries along the arc, from the table (as the simulator cuts them)
        bounds = np.r_[table.distance_start[sl], table.distance_end[sl][-1]]
        bounds = bounds - bounds[0]
        if not bounds[-1] > 0 or np.any(np.diff(bounds) < 0):
            bounds = np.linspace(0.0, 1.0, sl.stop - sl.start + 1)
        bounds = bounds / bounds[-1] * arc[-1]
        ends = np.column_stack([np.interp(bounds, arc, pts[:, j]) for j in range(4)])
        for k in range(len(bounds) - 1):
            inside = (arc > bounds[k]) & (arc < bounds[k + 1])
            paths.append(np.vstack([ends[k], pts[inside], ends[k + 1]]))
    return Shape(
        compartment=np.arange(morph.n_compartments),
        paths=paths,
        diameter=np.asarray(table.diameter, dtype=float),
        soma=np.asarray(table.region) == "soma",
        table=table,
    )


def _dataset_shape(ds) -> Shape:
    if "compartment" not in ds.dims:
        raise ParameterError("cell_or_dataset", "the Dataset has no 'compartment' dimension")
    missing = [c for c in ("x", "y", "z", "diameter", *_DATASET_ENDS) if c not in ds.coords]
    if missing:
        raise ParameterError(
            "cell_or_dataset",
            f"the Dataset lacks the compartment coordinates {missing} (stored before they were "
            "added, or built by hand): draw from the cell's Morphology instead, "
            "plot_shape(morph, values)",
        )

    def col(name):
        return np.asarray(ds[name].values, dtype=float)

    start = np.column_stack([col("x0"), col("y0"), col("z0")])
    mid = np.column_stack([col("x"), col("y"), col("z")])
    end = np.column_stack([col("x1"), col("y1"), col("z1")])
    n = len(mid)
    diameter = col("diameter")
    start, mid, end = (np.column_stack([a, diameter]) for a in (start, mid, end))
    region = np.asarray(ds["region"].values).astype(str) if "region" in ds.coords else None
    soma = region == "soma" if region is not None else np.zeros(n, dtype=bool)
    point = np.all(start == end, axis=1) & np.all(start == mid, axis=1)
    paths = [
        mid[i : i + 1] if point[i] else np.vstack([start[i], mid[i], end[i]]) for i in range(n)
    ]
    fields = {
        name: np.asarray(ds[name].values)
        for name in ("section", "region", "distance", "x", "y", "z", "diameter")
        if name in ds.coords
    }
    comp = np.asarray(ds["compartment"].values, dtype=int)
    return Shape(comp, paths, diameter, soma, types.SimpleNamespace(**fields))


def shape_of(cell_or_dataset) -> Shape:
    """The :class:`Shape` of a Morphology, a Cell or a Dataset with compartment coordinates.

    Raises
    ------
    ParameterError
        Anything else, or a Dataset without the coordinates ``x, y, z, diameter, x0 .. z1``.
    """
    import xarray as xr

    from .morphology import Morphology

    obj = cell_or_dataset
    if isinstance(obj, Shape):
        return obj
    if isinstance(obj, xr.DataArray):
        obj = obj.coords.to_dataset()
    if isinstance(obj, xr.Dataset):
        return _dataset_shape(obj)
    morph = getattr(obj, "morphology", obj)
    if isinstance(morph, Morphology):
        return _morphology_shape(morph)
    raise ParameterError(
        "cell_or_dataset", f"expected a Morphology, Cell or Dataset, got {type(obj).__name__}"
    )


# ------------------------------------------------------------------------------------ values
def _display_units() -> dict:
    """Units shown by default, by their text (the first of a dimension is its default)."""
    from brian2.units import Mohm, cm, mS, ms, mV, nA, nS, ohm, uA, uF, um

    return {
        "mV": mV,
        "ms": ms,
        "um": um,
        "nA": nA,
        "nS": nS,
        "mS/cm2": mS / cm**2,
        "uA/cm2": uA / cm**2,
        "uF/cm2": uF / cm**2,
        "ohm cm": ohm * cm,
        "MOhm": Mohm,
    }


def _quantity_to_float(q, unit, name: str) -> tuple[np.ndarray, str]:
    """The numbers of a brian2 Quantity in `unit` (a brian2 unit, the text of one of
    :func:`_display_units` or of a brian2 unit name, or None: the default of its dimension), and
    the unit's text."""
    import brian2
    from brian2.units.fundamentalunits import Quantity, get_unit

    known = _display_units()
    if unit is None:
        text = next((t for t, u in known.items() if u.dim == q.dim), None)
        unit_q = known[text] if text else get_unit(q.dim)
        text = text or str(unit_q)
    elif isinstance(unit, str):
        unit_q, text = known.get(unit, getattr(brian2.units, unit, None)), unit
        if not isinstance(unit_q, Quantity):
            raise ParameterError("unit", f"unknown unit {unit!r} for {name}; pass a brian2 unit")
    elif isinstance(unit, Quantity):
        unit_q, text = unit, str(unit)
    else:
        raise ParameterError("unit", f"expected a brian2 unit or its text, got {unit!r}")
    if unit_q.dim != q.dim:
        raise ParameterError("unit", f"{name} is in {get_unit(q.dim)!s}, not in {text}")
    return np.asarray(q / unit_q, dtype=float), text


def _select_time(da, time, name: str):
    """Reduce the ``time`` dim of `da` by `time` (a Quantity, ms, or one of :data:`REDUCTIONS`);
    also return the label's prefix and suffix."""
    if "time" not in da.dims:
        if time is not None:
            raise ParameterError("time", f"{name} has no time dimension")
        return da, "", ""
    if time is None:
        if da.sizes["time"] == 1:
            return da.isel(time=0), "", ""
        raise ParameterError(
            "time",
            f"{name} has {da.sizes['time']} time samples: choose one (time=20*ms) or a "
            f"reduction, one of {list(REDUCTIONS)}",
        )
    if isinstance(time, str):
        if time not in REDUCTIONS:
            raise ParameterError("time", f"unknown reduction {time!r}; one of {list(REDUCTIONS)}")
        if time == "last":
            return da.isel(time=-1), "", f" at {float(da.time[-1]):g} ms"
        out = {"peak": da.max, "min": da.min, "mean": da.mean}[time]("time", keep_attrs=True)
        return out, {"peak": "peak ", "min": "minimum ", "mean": "mean "}[time], ""
    from brian2.units import ms

    from .quantities import as_float

    t = as_float(time, ms, "time") if hasattr(time, "dim") else float(time)
    picked = da.sel(time=t, method="nearest")
    return picked, "", f" at {float(picked.time):g} ms"


def _align(shape: Shape, da) -> np.ndarray:
    """The values of a DataArray (compartment last) at the shape's compartments; NaN where the
    DataArray has none."""
    arr = np.asarray(da.values, dtype=float)
    if "compartment" not in da.coords:
        return arr
    where = {int(c): k for k, c in enumerate(da["compartment"].values)}
    pick = np.array([where.get(int(c), -1) for c in shape.compartment], dtype=int)
    if not np.any(pick >= 0):
        raise ParameterError("values", "none of its compartments is in the shape")
    return np.where(pick >= 0, arr[..., np.maximum(pick, 0)], np.nan)


def _resolve(shape: Shape, values, source, time, unit, label):
    """Per-compartment floats (NaN where unknown), the colour-bar label and the unit's text."""
    import xarray as xr
    from brian2.units.fundamentalunits import Quantity, is_dimensionless

    n = len(shape)
    name, prefix, suffix = "value", "", ""
    text = unit if isinstance(unit, str) else None
    if isinstance(values, str):
        if not isinstance(source, xr.Dataset):
            raise ParameterError("values", f"{values!r} names a Dataset variable: pass a Dataset")
        if values not in source.data_vars:
            from .errors import did_you_mean

            hint = did_you_mean(values, list(source.data_vars))
            raise ParameterError("values", f"the Dataset has no variable {values!r}{hint}")
        values = source[values]
    elif callable(values):
        values = values(shape.table)
    if isinstance(values, xr.DataArray):
        called = repr(values.name) if values.name is not None else "the DataArray"
        name = values.attrs.get("long_name") or _LONG_NAMES.get(values.name, values.name) or name
        values, prefix, suffix = _select_time(values, time, called)
        other = [d for d in values.dims if d != "compartment"]
        if other:
            raise ParameterError(
                "values", f"{called} has dims {other} besides 'compartment': select (.sel(...))"
            )
        text = text or values.attrs.get("units") or None
        values = _align(shape, values)
    elif time is not None:
        raise ParameterError("time", "only for a Dataset variable or a DataArray with a time dim")
    if isinstance(values, Quantity) and not is_dimensionless(values):
        values, text = _quantity_to_float(values, unit, "values")
    elif unit is not None and text is None:
        text = str(unit)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        kind = type(values).__name__
        raise ParameterError("values", f"expected numbers per compartment, got a {kind}") from None
    if arr.shape != (n,):
        raise ParameterError(
            "values", f"{arr.size} value(s) of shape {arr.shape} for a shape of {n} compartments"
        )
    label = f"{prefix}{name}{suffix}" if label is None else label
    return arr, (f"{label} ({text})" if text else label), text


# ----------------------------------------------------------------------------------- drawing
def _projection(projection) -> tuple[np.ndarray, str, str]:
    """The (2, 3) matrix that maps x, y, z (um) onto the plot, and the two axis labels."""
    if isinstance(projection, str):
        if len(projection) != 2 or not set(projection) <= set("xyz") or len(set(projection)) < 2:
            raise ParameterError(
                "projection",
                f"two of 'x', 'y', 'z' (e.g. 'xy') or a (2, 3) array, got {projection!r}",
            )
        matrix = np.eye(3)[["xyz".index(c) for c in projection]]
        return matrix, f"{projection[0]} (um)", f"{projection[1]} (um)"
    try:
        matrix = np.array(projection, dtype=float)
    except (TypeError, ValueError):
        matrix = np.zeros(0)
    norms = np.linalg.norm(matrix, axis=-1) if matrix.shape == (2, 3) else None
    if norms is None or not np.allclose(norms, 1) or abs(float(matrix[0] @ matrix[1])) > 1e-9:
        raise ParameterError(
            "projection", "a (2, 3) array needs two orthogonal unit rows (horizontal, vertical)"
        )

    def label(row):
        text = ""
        for c, axis in zip(row, "xyz", strict=True):
            if abs(c) > 1e-12:
                size = "" if np.isclose(abs(c), 1) else f"{abs(c):.2g} "
                sign = ("-" if c < 0 else "") if not text else (" - " if c < 0 else " + ")
                text += f"{sign}{size}{axis}"
        return f"{text} (um)"

    return matrix, label(matrix[0]), label(matrix[1])


def _soma_patch(path: np.ndarray, matrix: np.ndarray):
    """A soma compartment, filled and to scale (um): a circle for one point, else the outline of
    its path widened by the diameter at each point (a contour soma keeps its shape)."""
    from matplotlib.patches import Circle, Polygon

    p = path[:, :3] @ matrix.T
    step = np.diff(p, axis=0)
    length = np.hypot(step[:, 0], step[:, 1])
    keep = np.r_[True, length > 1e-9 * max(1.0, float(np.abs(p).max()))]
    p, d = p[keep], path[keep, 3]
    if len(p) == 1:
        return Circle(tuple(p[0]), float(path[:, 3].max()) / 2)
    step = np.diff(p, axis=0)
    unit = step / np.hypot(step[:, 0], step[:, 1])[:, None]
    tangent = np.vstack([unit[:1], unit[:-1] + unit[1:], unit[-1:]])
    tangent /= np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-12)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) * (d / 2)[:, None]
    return Polygon(np.vstack([p + normal, (p - normal)[::-1]]), closed=True)


@dataclass
class _Drawn:
    lines: object  # LineCollection of the neurites, or None
    soma: object  # PatchCollection of the soma, or None
    is_line: np.ndarray  # compartments drawn as lines
    soma_owner: np.ndarray  # compartment (position in the shape) of each soma patch
    mappable: object

    def set_values(self, values: np.ndarray) -> None:
        if self.lines is not None:
            self.lines.set_array(values[self.is_line])
        if self.soma is not None:
            self.soma.set_array(values[self.soma_owner])


def _draw(ax, shape, values, projection, cmap, norm, width_scale, min_width, color) -> _Drawn:
    import matplotlib as mpl
    from matplotlib.collections import LineCollection, PatchCollection

    from .plotting import COLORS

    matrix, xlabel, ylabel = _projection(projection)
    is_line = ~shape.soma
    widths = np.maximum(min_width, width_scale * shape.diameter[is_line])
    lines = soma = None
    if values is not None:
        if not isinstance(cmap, mpl.colors.Colormap):
            name = cmap or mpl.rcParams["image.cmap"]
            if name not in mpl.colormaps:
                raise ParameterError("cmap", f"unknown colour map {name!r}")
            cmap = mpl.colormaps[name]
        cmap = cmap.with_extremes(bad="#c8c8c8")  # compartments without a value
    segs = [p[:, :3] @ matrix.T for p, keep in zip(shape.paths, is_line, strict=True) if keep]
    if segs:
        lines = LineCollection(segs, linewidths=widths, capstyle="round", joinstyle="round")
        if values is None:
            lines.set_color(color or COLORS["dendrite"])
        else:
            lines.set_cmap(cmap)
            lines.set_norm(norm)
            lines.set_array(values[is_line])
        ax.add_collection(lines, autolim=True)
    patches, owner = [], []
    for k in np.flatnonzero(shape.soma):
        patches.append(_soma_patch(shape.paths[k], matrix))
        owner.append(k)
    if patches:
        soma = PatchCollection(patches, edgecolor="#333333", linewidths=0.6, zorder=3)
        if values is None:
            soma.set_facecolor(color or COLORS["soma"])
        else:
            soma.set_cmap(cmap)
            soma.set_norm(norm)
            soma.set_array(values[np.array(owner, dtype=int)])
        ax.add_collection(soma, autolim=True)
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _Drawn(lines, soma, is_line, np.array(owner, dtype=int), lines or soma)


def _norm(values, vmin, vmax, norm, unit):
    import matplotlib as mpl

    if norm is not None:
        if vmin is not None or vmax is not None:
            raise ParameterError("norm", "give either norm or vmin/vmax, not both")
        return norm
    lim = []
    for name, v in (("vmin", vmin), ("vmax", vmax)):
        if v is not None and hasattr(v, "dim"):
            v = _quantity_to_float(v, unit, name)[0]
        lim.append(None if v is None else float(v))
    finite = values[np.isfinite(values)] if values is not None else np.array([])
    lo = lim[0] if lim[0] is not None else (float(finite.min()) if finite.size else 0.0)
    hi = lim[1] if lim[1] is not None else (float(finite.max()) if finite.size else 1.0)
    return mpl.colors.Normalize(lo, hi)


def plot_shape(
    cell_or_dataset,
    values=None,
    ax=None,
    *,
    time=None,
    projection: str = "xy",
    cmap=None,
    vmin=None,
    vmax=None,
    norm=None,
    colorbar: bool = True,
    label: str | None = None,
    unit=None,
    width_scale: float = 0.6,
    min_width: float = 0.6,
    color=None,
):
    """Draw the cell projected on a plane, each compartment coloured by a value.

    Every compartment is its piece of the traced path (a ``LineCollection``), its width
    ``max(min_width, width_scale * diameter)`` points; the soma is filled and to scale (a circle,
    or polygons for a soma of several points). Axes are in um, with equal aspect.

    Parameters
    ----------
    cell_or_dataset : Morphology, Cell or xarray.Dataset
        What to draw. A Dataset needs the compartment coordinates that simulated Datasets carry
        (``x, y, z, diameter, x0 .. z1``, :func:`dendrites.results.compartment_coords`); only its
        compartments are drawn (e.g. the recorded ones).
    values : None, array, Quantity, DataArray, str or callable
        One value per compartment of the shape: a numpy array; a brian2 Quantity array (the colour
        bar shows its unit); a DataArray over ``compartment`` (aligned by compartment index,
        compartments it lacks drawn grey; its ``units`` attribute labels the bar); the name of a
        variable of the Dataset (with `time`); or a function of :attr:`Shape.table` (e.g.
        ``lambda c: c.distance``). None: plain colours, no colour bar.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    time : Quantity, float (ms) or str, optional
        For a variable with a time dimension: the sample nearest to this time, or a reduction over
        time, one of :data:`REDUCTIONS` (``"peak"``: the maximum).
    projection : str
        Which coordinates are the horizontal and vertical axes: ``"xy"`` (default), ``"xz"``,
        ``"zy"`` ...
    cmap : str or Colormap, optional
        Colour map (default: the style's, viridis); NaN values are grey.
    vmin, vmax : float or Quantity, optional
        Colour range (default: the values' range); a Quantity is converted to the bar's unit.
    norm : matplotlib.colors.Normalize, optional
        A norm instead of vmin/vmax (e.g. ``LogNorm``; shared between panels).
    colorbar : bool
        Draw a colour bar next to `ax` (only with `values`).
    label : str, optional
        Colour bar label without the unit (default: from the variable, e.g. ``"peak membrane
        potential"``).
    unit : brian2 unit or str, optional
        A Quantity is shown in this unit (default: mV, nS, mS/cm2, um ... by dimension); for
        anything else, the unit's text for the label (default: the ``units`` attribute).
    width_scale, min_width : float
        Line width in points per um of diameter, and the least line width (points).
    color : colour, optional
        Colour of neurites and soma without `values` (default: the package's dendrite and soma
        colours).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        Values of the wrong length or kind, an unknown variable, a missing or unknown `time`,
        an unknown projection, or a Dataset without the compartment coordinates.

    Examples
    --------
    >>> ax = plot_shape(morph, lambda c: c.distance, unit="um")  # doctest: +SKIP
    >>> ax = plot_shape(ds, "v", time="peak")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    shape = shape_of(cell_or_dataset)
    _projection(projection)
    arr = text = None
    if values is not None:
        arr, bar_label, text = _resolve(shape, values, cell_or_dataset, time, unit, label)
    elif time is not None:
        raise ParameterError("time", "needs values")
    if ax is None:
        _, ax = plt.subplots()
    norm = _norm(arr, vmin, vmax, norm, text) if arr is not None else None
    drawn = _draw(ax, shape, arr, projection, cmap, norm, width_scale, min_width, color)
    if arr is not None and colorbar:
        ax.figure.colorbar(drawn.mappable, ax=ax, label=bar_label)
    return ax


def animate_shape(
    dataset,
    variable: str = "v",
    path="shape.gif",
    *,
    fps: float = 10,
    time=None,
    every: int = 1,
    projection: str = "xy",
    cmap=None,
    vmin=None,
    vmax=None,
    norm=None,
    label: str | None = None,
    width_scale: float = 0.6,
    min_width: float = 0.6,
    figsize=(4.0, 5.0),
    dpi: int = 100,
) -> Path:
    """Write an animation of a Dataset variable over the cell, one frame per time sample.

    Parameters
    ----------
    dataset : xarray.Dataset
        With a ``time`` dim and the compartment coordinates (see :func:`plot_shape`).
    variable : str
        The variable (default ``"v"``); dims ``time`` and ``compartment``.
    path : str or Path
        ``.gif`` (Pillow) or ``.mp4`` (needs ffmpeg). Written atomically.
    fps : float
        Frames per second of the file.
    time : slice, optional
        Times to show: ``slice(start, stop)`` in ms or as Quantities (inclusive, as ``.sel``).
    every : int
        Keep every `every`-th sample.
    projection, cmap, vmin, vmax, norm, label, width_scale, min_width
        As for :func:`plot_shape`; the colour range defaults to the range over all frames.
    figsize, dpi
        Size of a frame (inches) and its resolution.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ParameterError
        An unknown suffix, an MP4 without ffmpeg, an empty time selection, or anything
        :func:`plot_shape` refuses.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gif":
        writer = animation.PillowWriter(fps=fps)
    elif suffix == ".mp4":
        if not animation.FFMpegWriter.isAvailable():
            raise ParameterError(
                "path", f"{path}: writing MP4 needs ffmpeg on the PATH, none found; write a .gif"
            )
        writer = animation.FFMpegWriter(fps=fps)
    else:
        raise ParameterError("path", f"{path}: unknown animation format; use .gif or .mp4")
    if variable not in dataset.data_vars:
        raise ParameterError("variable", f"the Dataset has no variable {variable!r}")
    da = dataset[variable]
    if "time" not in da.dims:
        raise ParameterError("variable", f"{variable!r} has no time dimension")
    if time is not None:
        if not isinstance(time, slice):
            raise ParameterError("time", f"expected a slice of times, got {time!r}")
        from brian2.units import ms

        from .quantities import as_float

        def ms_of(t):
            return None if t is None else (as_float(t, ms, "time") if hasattr(t, "dim") else t)

        da = da.sel(time=slice(ms_of(time.start), ms_of(time.stop)))
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ParameterError("every", f"must be an integer >= 1, got {every!r}")
    da = da.isel(time=slice(None, None, every))
    if da.sizes["time"] == 0:
        raise ParameterError("time", "selects no samples")
    shape = shape_of(dataset)
    other = [d for d in da.dims if d not in ("time", "compartment")]
    if other:
        raise ParameterError("variable", f"{variable!r} has dims {other}: select one first")
    stack = _align(shape, da.transpose("time", "compartment"))
    first, bar_label, text = _resolve(shape, stack[0], None, None, da.attrs.get("units"), label)
    if label is None:
        name = _LONG_NAMES.get(variable, da.attrs.get("long_name", variable))
        bar_label = f"{name} ({text})" if text else name
    if norm is None and vmin is None and vmax is None:
        finite = stack[np.isfinite(stack)]
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm = _norm(first, vmin, vmax, norm, text)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    try:
        drawn = _draw(ax, shape, first, projection, cmap, norm, width_scale, min_width, None)
        fig.colorbar(drawn.mappable, ax=ax, label=bar_label)
        title = ax.set_title("")
        times = np.asarray(da.time.values, dtype=float)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with writer.saving(fig, str(tmp), dpi):
                for k, vals in enumerate(stack):
                    drawn.set_values(vals)
                    title.set_text(f"t = {times[k]:g} ms")
                    writer.grab_frame()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        plt.close(fig)
    return path
