"""Shape plots (dendrites.shapeplot): what is drawn, the colour bar's units, bad values, GIFs.

Pure Python: Datasets are built by hand with the coordinates simulated Datasets carry
(:func:`dendrites.results.compartment_coords`), so no Brian2 object is created.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import xarray as xr
from brian2 import cm, ms, mV, ohm, siemens, uF, um

from dendrites import morphology
from dendrites.errors import ParameterError
from dendrites.results import compartment_coords
from dendrites.shapeplot import animate_shape, plot_shape, shape_of

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MORPHOLOGIES = Path(__file__).resolve().parents[2] / "shared" / "morphologies"


@pytest.fixture
def morph():
    return morphology.pyramidal().compartmentalize(
        Ri=150 * ohm * cm, Cm=1 * uF / cm**2, max_length=50 * um
    )


def _dataset(morph, n_times=4, index=None) -> xr.Dataset:
    """A Dataset laid out as simulate() writes it: v over time and compartments, in mV."""
    index = np.arange(morph.n_compartments) if index is None else np.asarray(index)
    rng = np.random.default_rng(0)
    v = -70 + 20 * rng.random((n_times, len(index)))
    return xr.Dataset(
        {"v": (("time", "compartment"), v, {"units": "mV"})},
        coords={
            "time": ("time", np.arange(n_times) * 10.0, {"units": "ms"}),
            **compartment_coords(morph, index),
        },
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _drawn(ax) -> tuple[int, list]:
    """Number of coloured pieces (neurite lines + soma patches) and their colour arrays."""
    from matplotlib.collections import LineCollection, PatchCollection

    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    soma = [c for c in ax.collections if isinstance(c, PatchCollection)]
    arrays = [c.get_array() for c in lines + soma]
    return sum(len(c.get_paths()) for c in lines + soma), arrays


def _bar_label(ax) -> str:
    cbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert len(cbar_axes) == 1
    return cbar_axes[0].get_ylabel()


# ------------------------------------------------------------------------- what is drawn
def test_every_compartment_is_one_coloured_piece(morph):
    n = morph.n_compartments
    ax = plot_shape(morph, lambda c: c.distance * um)
    pieces, arrays = _drawn(ax)
    assert pieces == n  # one soma circle + one line per neurite compartment
    assert sum(len(a) for a in arrays) == n
    # the colours are the distances, in the table's order (soma: 0 um)
    lines, soma = arrays
    np.testing.assert_allclose(lines, morph.compartments.distance[1:])
    np.testing.assert_allclose(soma, [0.0])


def test_pieces_follow_the_traced_path_between_compartment_boundaries(morph):
    shape = shape_of(morph)
    for s in morph.sections[1:]:
        sl = morph.compartment_slice(s.name)
        bounds = morph.resampled_points(s.name)  # x, y, z, diameter
        pieces = shape.paths[sl]
        np.testing.assert_allclose([p[0] for p in pieces], bounds[:-1], atol=1e-9)
        np.testing.assert_allclose([p[-1] for p in pieces], bounds[1:], atol=1e-9)


def test_a_bent_section_keeps_its_inner_points():
    pts = [[10, 0, 0, 1], [60, 0, 0, 1], [60, 50, 0, 1], [110, 50, 0, 1]]  # 150 um, two bends
    morph = morphology.Morphology(
        [morphology._soma(20.0), morphology.Section("d", "dend", "soma", pts, 3)]
    )
    paths = shape_of(morph).paths[1:]
    # boundaries at 50 and 100 um of arc are the two bends: each piece is one straight 50 um line
    assert [len(p) for p in paths] == [2, 2, 2]
    two = shape_of(morph.with_n({"d": 2})).paths[
        1:
    ]  # boundary at 75 um: each piece keeps the bend inside it
    assert [len(p) for p in two] == [3, 3]
    np.testing.assert_allclose(two[0][1], [60, 0, 0, 1])


def test_a_dataset_draws_alone_after_a_netcdf_round_trip(morph, tmp_path):
    ds = _dataset(morph)
    ds.to_netcdf(tmp_path / "run.nc")
    stored = xr.load_dataset(tmp_path / "run.nc")
    ax = plot_shape(stored, "v", time="peak")
    pieces, arrays = _drawn(ax)
    assert pieces == morph.n_compartments
    np.testing.assert_allclose(np.concatenate(arrays[::-1]), ds.v.max("time").values)
    assert _bar_label(ax) == "peak membrane potential (mV)"


def test_a_dataset_of_some_compartments_draws_those(morph):
    some = np.arange(5, 25)
    ax = plot_shape(_dataset(morph, index=some), "v", time=20 * ms)
    assert _drawn(ax)[0] == len(some)
    assert _bar_label(ax) == "membrane potential at 20 ms (mV)"


def test_a_dataarray_is_aligned_by_compartment_and_missing_ones_are_grey(morph):
    some = [0, 3, 7]
    da = _dataset(morph, index=some).v.isel(time=1)
    ax = plot_shape(morph, da)
    lines, soma = _drawn(ax)[1]
    values = np.concatenate([soma, lines])
    assert np.isnan(values).sum() == morph.n_compartments - len(some)
    np.testing.assert_allclose(values[some], da.values)


def test_the_soma_is_a_filled_circle_of_its_diameter(morph):
    from matplotlib.collections import PatchCollection

    ax = plot_shape(morph)
    (soma,) = [c for c in ax.collections if isinstance(c, PatchCollection)]
    (path,) = soma.get_paths()  # in data units (um): the pyramidal soma is 20 um wide
    np.testing.assert_allclose(np.ptp(path.vertices, axis=0), [20.0, 20.0], rtol=1e-6)
    centre = (path.vertices.min(axis=0) + path.vertices.max(axis=0)) / 2
    np.testing.assert_allclose(centre, [0.0, 0.0], atol=1e-9)


def test_a_soma_of_several_points_is_its_outline():
    from matplotlib.collections import PatchCollection

    # a NeuroMorpho-style 3-point soma: a cylinder 20 um long and 20 um wide along y, then wider
    soma = morphology.Section(
        "soma", "soma", None, [[0, -10, 0, 20], [0, 0, 0, 20], [0, 10, 0, 30]]
    )
    dend = morphology.Section("d", "dend", "soma", [[0, 10, 0, 2], [0, 110, 0, 2]], 3)
    ax = plot_shape(morphology.Morphology([soma, dend]))
    (patches,) = [c for c in ax.collections if isinstance(c, PatchCollection)]
    (outline,) = patches.get_paths()
    lo, hi = outline.vertices.min(axis=0), outline.vertices.max(axis=0)
    np.testing.assert_allclose([lo, hi], [[-15, -10], [15, 10]], atol=1e-9)


def test_line_width_grows_with_diameter_down_to_a_minimum(morph):
    from matplotlib.collections import LineCollection

    ax = plot_shape(morph, width_scale=1.0, min_width=0.8)
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    widths = np.asarray(lines.get_linewidths())
    d = morph.compartments.diameter[1:]
    np.testing.assert_allclose(widths, np.maximum(0.8, d))
    assert widths.max() == pytest.approx(d.max()) and widths.min() == 0.8


def test_projections_and_their_axis_labels(morph):
    assert plot_shape(morph, projection="zy").get_xlabel() == "z (um)"
    turn = np.radians(30)
    ax = plot_shape(morph, projection=[[np.cos(turn), 0, np.sin(turn)], [0, 1, 0]])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("0.87 x + 0.5 z (um)", "y (um)")
    for bad in ("xx", "xw", "xyz", [[1, 0, 0], [1, 0, 0]], [[2, 0, 0], [0, 1, 0]]):
        with pytest.raises(ParameterError, match="projection"):
            plot_shape(morph, projection=bad)


def test_dataset_coordinates_hold_each_compartments_ends(morph):
    coords = compartment_coords(morph, np.arange(morph.n_compartments))
    ends = {k: coords[k][1] for k in ("x0", "y0", "z0", "x1", "y1", "z1")}
    assert all(coords[k][2]["units"] == "um" for k in ends)
    start = np.column_stack([ends["x0"], ends["y0"], ends["z0"]])
    end = np.column_stack([ends["x1"], ends["y1"], ends["z1"]])
    np.testing.assert_allclose(start[0], end[0])  # the soma: its centre
    np.testing.assert_allclose(start[0], morph.soma.points[0, :3])
    for s in morph.sections[1:]:
        sl = morph.compartment_slice(s.name)
        np.testing.assert_allclose(start[sl][0], s.points[0, :3], atol=1e-9)
        np.testing.assert_allclose(end[sl][-1], s.points[-1, :3], atol=1e-9)
        np.testing.assert_allclose(start[sl][1:], end[sl][:-1], atol=1e-9)  # contiguous


@pytest.mark.standalone
def test_a_simulated_dataset_draws_alone(tmp_path):
    from brian2 import nA

    from dendrites import Cell, simulate
    from dendrites.results import load_dataset, save_dataset
    from dendrites.stimuli import Step

    morph = morphology.ball_and_stick(n=5)
    cell = Cell(morph)
    cell.insert("pas")
    cell.add_current_clamp(0, Step(0.1 * nA, 1 * ms, 4 * ms))
    ds = simulate(cell, 5 * ms, record={"v": "all"}, record_dt=1 * ms)
    save_dataset(ds, tmp_path / "run.nc")
    stored = load_dataset(tmp_path / "run.nc")
    ax = plot_shape(stored, "v", time="peak")
    assert _drawn(ax)[0] == morph.n_compartments == 6
    assert _bar_label(ax) == "peak membrane potential (mV)"
    frames = animate_shape(stored, path=tmp_path / "v.gif")
    from PIL import Image

    with Image.open(frames) as gif:
        assert gif.n_frames == stored.sizes["time"]


# ------------------------------------------------------------------------ colour bar units
@pytest.mark.parametrize(
    ("values", "kwargs", "label"),
    [
        (lambda n: np.linspace(-70, -50, n) * mV, {}, "value (mV)"),
        (lambda n: np.full(n, 1e-3) * siemens / cm**2, {"label": "gNa"}, "gNa (mS/cm2)"),
        (
            lambda n: np.full(n, 1e-3) * siemens / cm**2,
            {"unit": siemens / cm**2},
            "value (S/(cm^2))",
        ),
        (lambda n: np.full(n, 2.0) * um, {"label": "diameter", "unit": "um"}, "diameter (um)"),
        (lambda n: np.arange(n, dtype=float), {"label": "rank", "unit": "1"}, "rank (1)"),
        (lambda n: np.arange(n, dtype=float), {"label": "rank"}, "rank"),  # no unit: none shown
    ],
)
def test_the_colour_bar_names_the_unit(morph, values, kwargs, label):
    ax = plot_shape(morph, values(morph.n_compartments), **kwargs)
    assert _bar_label(ax) == label


def test_quantity_values_and_limits_are_shown_in_the_units_of_the_bar(morph):
    from brian2 import volt

    ax = plot_shape(morph, np.full(morph.n_compartments, -0.065) * volt)
    assert _bar_label(ax) == "value (mV)"
    np.testing.assert_allclose(np.concatenate(_drawn(ax)[1]), -65.0)
    ax = plot_shape(morph, lambda c: c.distance * um, vmin=0 * um, vmax=0.5 * 1e-3 * 1e6 * um)
    lines = ax.collections[0]
    assert (lines.norm.vmin, lines.norm.vmax) == pytest.approx((0.0, 500.0))


# ------------------------------------------------------------------------------ bad values
@pytest.mark.parametrize("change", ["empty", "one", "one less", "one more"])
def test_values_of_the_wrong_length_name_the_parameter(morph, change):
    m = morph.n_compartments
    n = {"empty": 0, "one": 1, "one less": m - 1, "one more": m + 1}[change]
    with pytest.raises(ParameterError, match=r"values: .* for a shape of \d+ compartments") as err:
        plot_shape(morph, np.zeros(n))
    assert err.value.parameter == "values"


def test_bad_variables_times_and_units_are_named(morph):
    ds = _dataset(morph)
    with pytest.raises(ParameterError, match="time: 'v' has 4 time samples"):
        plot_shape(ds, "v")
    with pytest.raises(ParameterError, match="unknown reduction 'max'"):
        plot_shape(ds, "v", time="max")
    with pytest.raises(ParameterError, match="no variable 'vm'"):
        plot_shape(ds, "vm", time="peak")
    with pytest.raises(ParameterError, match=r"values: 'v' has dims \['injection'\]"):
        plot_shape(ds, ds.v.isel(time=0).expand_dims(injection=["soma", "tip"]))
    with pytest.raises(ParameterError, match="time: 'v' has no time dimension"):
        plot_shape(ds, ds.v.isel(time=0), time=10 * ms)
    with pytest.raises(ParameterError, match="names a Dataset variable"):
        plot_shape(morph, "v", time="peak")
    with pytest.raises(ParameterError, match="unit: values is in V, not in um"):
        plot_shape(morph, np.zeros(morph.n_compartments) * mV, unit=um)
    with pytest.raises(ParameterError, match="cmap: unknown colour map 'viridi'"):
        plot_shape(morph, np.zeros(morph.n_compartments), cmap="viridi")
    with pytest.raises(ParameterError, match="cell_or_dataset"):
        plot_shape(np.zeros(3))
    with pytest.raises(ParameterError, match="lacks the compartment coordinates"):
        plot_shape(ds.drop_vars(["x0", "y1"]), "v", time="peak")


# ------------------------------------------------------------------------------ animation
def test_animation_writes_a_gif_with_one_frame_per_sample(morph, tmp_path):
    from PIL import Image

    ds = _dataset(morph, n_times=6)  # samples at 0, 10, ..., 50 ms
    path = animate_shape(ds, "v", tmp_path / "v.gif", fps=5, time=slice(10 * ms, 40 * ms))
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 4  # 10, 20, 30, 40 ms
    every = animate_shape(ds, "v", tmp_path / "w.gif", every=2)
    with Image.open(every) as gif:
        assert gif.n_frames == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.gif", "w.gif"]  # no temporary left


def test_animation_refuses_mp4_without_ffmpeg_and_unknown_formats(morph, tmp_path, monkeypatch):
    from matplotlib import animation

    ds = _dataset(morph)
    monkeypatch.setattr(animation.FFMpegWriter, "isAvailable", classmethod(lambda cls: False))
    with pytest.raises(ParameterError, match="MP4 needs ffmpeg"):
        animate_shape(ds, "v", tmp_path / "v.mp4")
    with pytest.raises(ParameterError, match=r"use \.gif or \.mp4"):
        animate_shape(ds, "v", tmp_path / "v.avi")
    with pytest.raises(ParameterError, match="selects no samples"):
        animate_shape(ds, "v", tmp_path / "v.gif", time=slice(100 * ms, 200 * ms))
    assert not any(tmp_path.iterdir())


# ------------------------------------------------------------------------ reconstructions
@pytest.mark.parametrize(
    "name", ["ca1_n120.swc", "l5pc.swc", "allen_485574832.swc", "hay_cell1.asc"]
)
def test_reconstructions_draw_every_compartment(name):
    path = MORPHOLOGIES / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    morph = morphology.load_morphology(path, Ri=150 * ohm * cm, Cm=1 * uF / cm**2)
    fig, ax = plt.subplots()
    start = time.perf_counter()
    plot_shape(morph, lambda c: c.distance * um, ax=ax, label="path distance")
    fig.canvas.draw()
    seconds = time.perf_counter() - start
    # measured (2 shared cores, Agg, plot + draw, the first plot of the process paying for fonts
    # and imports): ca1_n120 0.14-0.41 s, l5pc 0.20-0.61 s, allen 0.12-0.35 s, hay_cell1
    # 0.27-0.51 s (the spread: other processes on the cores);
    # speed is not asserted (benchmarks/)
    print(f"{name}: {morph.n_compartments} compartments drawn in {seconds:.3f} s")
    assert _drawn(ax)[0] == morph.n_compartments
    assert _bar_label(ax) == "path distance (um)"
