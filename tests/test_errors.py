"""Bad input raises the package's own, named errors before any code is generated."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, cm, ms, mV, nA, nS, ohm, siemens, uF, um

from dendrites import Cell, Model, morphology, simulate
from dendrites.errors import DendritesError, ParameterError, PlacementError, ResultsError
from dendrites.results import load_dataset, save_dataset
from dendrites.stimuli import EPSCWave, Step


@pytest.fixture
def cell() -> Cell:
    c = Cell(morphology.ball_and_stick().with_n({"dend": 11}), Ri=150 * ohm * cm)
    c.insert("pas")
    return c


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"Ri": -150 * ohm * cm}, "Ri: must be > 0 ohm cm, got -150 ohm cm"),
        ({"Ri": 150}, r"Ri: expected a quantity in ohm cm \(e\.g\. 150\*ohm\*cm\)"),
        ({"Ri": 150 * mV}, r"Ri: expected units of ohm cm .*\(units of mV\)"),
        ({"Cm": 0 * uF / cm**2}, "Cm: must be > 0 uF/cm², got 0 uF/cm²"),
        ({"Cm": float("nan") * uF / cm**2}, "Cm: must be finite"),
        ({"v_init": -70}, r"v_init: expected a quantity in mV \(e\.g\. -70\*mV\)"),
    ],
)
def test_nonphysical_cell_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        Cell(morphology.ball_and_stick(), **kwargs)


@pytest.mark.parametrize(
    ("builder", "kwargs", "match"),
    [
        (morphology.cable, {"diameter": 0 * um}, "diameter"),
        (morphology.cable, {"length": -5 * um}, "length"),
        (morphology.ball_and_stick, {"soma_diameter": 20}, "soma_diameter"),
    ],
)
def test_nonphysical_geometry(builder, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        builder(**kwargs)


def test_unknown_mechanism_and_parameter_suggest_the_right_name(cell):
    with pytest.raises(ParameterError, match="did you mean 'hh'"):
        cell.insert("hhh")
    with pytest.raises(ParameterError, match="did you mean 'gnabar'"):
        cell.insert("hh", gnabr=0.1 * siemens / cm**2)
    with pytest.raises(ParameterError, match="gnabar: expected units of S/cm²"):
        cell.insert("hh", gnabar=0.1 * mV)
    with pytest.raises(ParameterError, match="gkbar: must be >= 0 S/cm², got -1 S/cm²"):
        cell.insert("hh", gkbar=-1 * siemens / cm**2)
    with pytest.raises(ParameterError, match="did you mean 'soma'"):
        cell.insert("hh", where="sma")


def test_synapses_and_electrodes_off_the_cell(cell):
    with pytest.raises(PlacementError, match="did you mean 'dend'"):
        cell.add_synapses("s", at=[("dnd", 0.5)], receptors={"ampa": 1 * nS}, spikes=[1] * ms)
    with pytest.raises(PlacementError, match=r"x = 1.5 .* must be a number in \[0, 1\]"):
        cell.add_synapses("s", at=[("dend", 1.5)], receptors={"ampa": 1 * nS}, spikes=[1] * ms)
    with pytest.raises(PlacementError, match="off the cell"):
        cell.add_current_clamp(500, Step(1 * nA))
    with pytest.raises(PlacementError):
        cell.morphology.at_distance(5000 * um)
    with pytest.raises(ParameterError, match="did you mean 'nmda'"):
        cell.add_synapses("s", at=[("dend", 0.5)], receptors={"nmdaa": 1 * nS}, spikes=[1] * ms)
    with pytest.raises(ParameterError, match="weight of ampa: expected units of"):
        cell.add_synapses("s", at=[("dend", 0.5)], receptors={"ampa": 1 * mV}, spikes=[1] * ms)
    with pytest.raises(ParameterError, match="exactly one of"):
        cell.add_synapses("s", at=[("dend", 0.5)], receptors={"ampa": 1 * nS})
    with pytest.raises(ParameterError, match="stop"):
        cell.add_synapses("s", at=[("dend", 0.5)], receptors={"ampa": 1 * nS}, rate=5 * Hz)


def test_bad_waveforms():
    with pytest.raises(ParameterError, match="amplitude: expected units of"):
        Step(1 * mV)
    with pytest.raises(ParameterError, match="duration: must be > 0"):
        Step(1 * nA, 0 * ms, 0 * ms)
    with pytest.raises(ParameterError, match="tau_rise: must be shorter"):
        EPSCWave(1 * nA, 5 * ms, tau_rise=5 * ms, tau_decay=1 * ms)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dt": 0 * ms}, "dt: must be > 0"),
        ({"dt": -0.1 * ms}, "dt: must be > 0"),
        ({"dt": 0.1}, "dt: expected a quantity"),
        ({"dt": 20 * ms}, "dt: dt .* is longer than the duration"),
        ({"record_dt": 0.03 * ms}, "record_dt: must be a multiple of dt"),
        ({"backend": "cpp"}, "did you mean 'cpp_standalone'"),
        ({"record": {"vv": 0}}, "did you mean 'v'"),
    ],
)
def test_bad_simulation_arguments_fail_before_building(cell, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        Model(cell, 10 * ms, **kwargs)


def test_a_cell_without_membrane_mechanisms_is_refused():
    bare = Cell(morphology.ball_and_stick())
    with pytest.raises(ParameterError, match="no membrane mechanism"):
        simulate(bare, 1 * ms)


def test_all_errors_are_the_packages_own(cell):
    with pytest.raises(DendritesError):
        cell.insert("nope")
    with pytest.raises(ValueError):  # and also standard exception types
        cell.insert("nope")


def test_results_files_from_another_schema_or_other_parameters(tmp_path):
    import xarray as xr

    ds = xr.Dataset(
        {"v": ("time", np.zeros(3))}, attrs={"schema_version": 1, "parameter_hash": "abc"}
    )
    path = save_dataset(ds, tmp_path / "r.nc")
    assert load_dataset(path, expected_hash="abc").v.shape == (3,)
    with pytest.raises(ResultsError, match="computed with parameters 'abc'"):
        load_dataset(path, expected_hash="def")
    old = ds.assign_attrs(schema_version=0)
    save_dataset(old, tmp_path / "old.nc")
    with pytest.raises(ResultsError, match="schema version 0"):
        load_dataset(tmp_path / "old.nc")
    (tmp_path / "junk.nc").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ResultsError, match="not a readable netCDF"):
        load_dataset(tmp_path / "junk.nc")
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files


@pytest.mark.standalone
def test_units_of_every_dataset_variable(cell):
    cell.add_current_clamp(0, Step(0.1 * nA, 1 * ms))
    ds = simulate(cell, 5 * ms, record={"v": "all"}, record_dt=1 * ms)
    assert ds.v.attrs["units"] == "mV"
    assert ds.time.attrs["units"] == "ms"
    assert ds.distance.attrs["units"] == "um"
    assert ds.attrs["dt_ms"] == pytest.approx(0.025)
    assert len(ds.attrs["parameter_hash"]) == 16
    assert "brian2" in ds.attrs["versions"]
    assert np.all(np.isfinite(ds.v.values))
    assert float(ds.v.isel(time=-1, compartment=0)) > -70 + 1  # depolarised by the step (mV)
