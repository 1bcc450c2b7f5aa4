"""An imported .mod mechanism against the same model written as package data: run time.

The benchmark model of ``bench_model.py`` (1,024 compartments, 100 synapses, 1 s at dt 0.025 ms,
C++ standalone, 1 thread) with Hodgkin-Huxley channels everywhere, built twice: with the
package's own ``hh`` (:mod:`dendrites.mechanisms.hh`) and with ``tests/data/nmodl/hhtab.mod``
imported by :func:`dendrites.nmodl.load` (the same rate functions written in NMODL, with its
nonspecific leak set to 0 so the common ``pas`` leak is the only one). Each model is built once
and run ``--repeats`` times in blocks A B A B (a change of machine load hits both); the run time
is that of ``Model.run(cell)``. The two models compute the same thing, so their somatic
potentials are also compared (the difference is the formulas' rounding).

Writes ``benchmarks/results/nmodl_import_speed.{json,md}``.
Usage: ``.venv/bin/python benchmarks/nmodl_import_speed.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import bench_model as M  # noqa: E402

MOD = HERE.parent / "tests" / "data" / "nmodl" / "hhtab.mod"


def imported_cell(seed: int):
    """The benchmark cell with the imported HH instead of the package's."""
    from brian2 import cm, mV, siemens

    from dendrites import nmodl

    cell = M.dendrites_cell(11, "passive", seed=seed)
    hh = nmodl.load(MOD).mechanism
    cell.insert(
        hh,
        gnabar=M.GNABAR_S_CM2 * siemens / cm**2,
        gkbar=M.GKBAR_S_CM2 * siemens / cm**2,
        gl=0 * siemens / cm**2,
        ena=M.ENA_MV * mV,
        ek=M.EK_MV * mV,
        celsius=M.CELSIUS,
    )
    return cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from brian2 import ms

    from dendrites import Model

    makers = {
        "package hh": lambda seed: M.dendrites_cell(11, "hh_all", seed=seed),
        "imported hhtab.mod": imported_cell,
    }
    models, build = {}, {}
    for name, make in makers.items():
        t0 = time.perf_counter()
        models[name] = Model(
            make(M.SEED + 1), M.DURATION_MS * ms, dt=M.DT_MS * ms, record={"v": [0]}
        )
        build[name] = time.perf_counter() - t0
    times: dict[str, list[float]] = {name: [] for name in models}
    traces = {}
    for _round in range(2):
        for name, model in models.items():
            for k in range(args.repeats + 1):  # the first run after the other's is not timed
                cell = makers[name](M.SEED + 1)
                t0 = time.perf_counter()
                ds = model.run(cell)
                if k:
                    times[name].append(time.perf_counter() - t0)
                traces[name] = ds["v"].values[:, 0]
    a, b = traces.values()
    medians = {name: statistics.median(t) for name, t in times.items()}
    result = {
        "n_compartments": models["package hh"].cell.n_compartments,
        "build_seconds": build,
        "run_seconds": times,
        "median_run_seconds": medians,
        "ratio_imported_over_package": medians["imported hhtab.mod"] / medians["package hh"],
        "v_soma_max_abs_diff_mV": float(np.max(np.abs(a - b)) * 1e3),
        "machine": _report.machine(),
    }
    _report.save("nmodl_import_speed", result)
    lines = [
        "### Imported .mod against package data (`nmodl_import_speed.py`)",
        "",
        f"Benchmark cell ({result['n_compartments']} compartments, HH everywhere, 100 synapses, "
        "1 s at 0.025 ms, one thread). Median of "
        f"{2 * args.repeats} runs of the built model (the C++ build happens in the first, "
        "untimed run).",
        "",
        "| model | Model() set-up (s) | run (s) |",
        "|---|---|---|",
    ]
    lines += [f"| {n} | {build[n]:.1f} | {medians[n]:.2f} |" for n in models]
    lines += [
        "",
        f"Imported / package run time: **{result['ratio_imported_over_package']:.2f}**. "
        f"Largest difference of the somatic potential between the two: "
        f"{result['v_soma_max_abs_diff_mV']:.2g} mV.",
        "",
    ]
    (_report.RESULTS / "nmodl_import_speed.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
