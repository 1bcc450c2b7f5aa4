"""Benchmark: what a channel present only at the soma costs, sparse vs all-compartment gates.

Brian2's SpatialNeuron integrates one equation set in every compartment, so HH at the soma of a
1,000-compartment cell costs as much as HH everywhere. `dendrites` integrates the gates of a channel
present in few compartments in a small group over just those compartments (see
`dendrites.backend`). This script runs the same cell both ways in one process (C++ standalone,
1 thread) and prints run time per second of biological time and the ratio, median of 3 runs;
compile time is reported separately. Usage: ``python benchmarks/soma_only_channels.py``.
"""

from __future__ import annotations

import statistics
import time

from brian2 import cm, ms, mV, nA, ohm, second, siemens, uF, um

from dendrites import Cell, Model, morphology
from dendrites.analysis import spike_times
from dendrites.stimuli import Step


def make_cell(n_dend: int = 999) -> Cell:
    morph = morphology.ball_and_stick(length=2000 * um, diameter=2 * um).with_n({"dend": n_dend})
    cell = Cell(morph, Ri=150 * ohm * cm, Cm=1 * uF / cm**2, v_init=-65 * mV)
    cell.insert("pas", g=1e-4 * siemens / cm**2, E=-65 * mV)
    cell.insert("hh", where="soma")
    cell.add_current_clamp(0, Step(0.8 * nA, 10 * ms))
    return cell


def main(duration=1 * second, repeats: int = 3) -> None:
    cell = make_cell()
    rows = {}
    for label, threshold in [("gates everywhere", 0.0), ("gates at the soma only", 0.5)]:
        model = Model(cell, duration, record={"v": [0]}, sparse_threshold=threshold)
        ds = model.run()  # builds and compiles
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            ds = model.run()
            times.append(time.perf_counter() - t0)
        spikes = spike_times(ds.time.values, ds.v.sel(compartment=0).values)
        rows[label] = (statistics.median(times), model.compile_seconds, spikes)
    print(f"{cell.n_compartments} compartments, HH at the soma only, {duration} simulated")
    for label, (run, comp, spikes) in rows.items():
        print(
            f"  {label:24s} run {run:6.2f} s (median of {repeats})  compile {comp:5.1f} s  "
            f"{len(spikes)} spikes"
        )
    (a, _, sa), (b, _, sb) = rows.values()
    print(
        f"  ratio sparse/everywhere: {b / a:.2f}; max spike-time difference: "
        f"{max(abs(x - y) for x, y in zip(sa, sb, strict=True)):.2e} ms"
    )


if __name__ == "__main__":
    main()
