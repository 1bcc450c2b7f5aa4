"""A toy study for the tests of the study runner (pure numpy, no simulation).

It follows the study contract of :mod:`dendrites.studies`. Environment variables let the tests
steer it without editing the file:

``TOY_AMPLITUDE``  amplitude of the sine (default 1); below 0.5 its first claim does not hold
``TOY_COUNTER``    a file to which ``compute`` appends one line per call
``TOY_FAIL``       if set, ``compute`` raises
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import dendrites.cli
from dendrites.plotting import line_style
from dendrites.studies import Claim

TITLE = "A toy sine wave"
CAPTION = "A sine wave sampled on one period; its peak is compared with a bound."
CALIBRATION = []  # no value here was chosen after seeing results
SUMMARY = "a sine of peak {peak} in {samples:.0f} samples"


def parameters(quick: bool) -> dict:
    return {
        "n_points": 50 if quick else 200,
        "amplitude_mV": float(os.environ.get("TOY_AMPLITUDE", "1.0")),
    }


def compute(params: dict, progress) -> xr.Dataset:
    counter = os.environ.get("TOY_COUNTER")
    if counter:
        with open(counter, "a") as f:
            f.write("compute\n")
    if os.environ.get("TOY_FAIL"):
        raise RuntimeError("toy study asked to fail")
    t = np.linspace(0.0, 1.0, params["n_points"])
    progress(0, 1, "sine")
    v = params["amplitude_mV"] * np.sin(2 * np.pi * t)
    progress(1, 1, "sine")
    return xr.Dataset(
        {"v": ("time", v, {"units": "mV"})},
        coords={"time": ("time", t, {"units": "ms"})},
    )


def claims(ds: xr.Dataset) -> list[Claim]:
    return [
        Claim.at_least("peak", ds.v.max(), "mV", 0.5),
        Claim.report("samples", ds.sizes["time"], "", kind="check"),  # a parameter repeated
    ]


def plot(ds: xr.Dataset):
    fig, ax = plt.subplots()
    ax.plot(ds.time, ds.v, **line_style("dendrite"))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    return fig


if __name__ == "__main__":
    dendrites.cli.run_script(__file__)
