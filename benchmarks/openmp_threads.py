"""Benchmark: one large cell on one thread (Hines solver) vs Brian2's OpenMP code on 2 threads.

The model of ``bench_model.py`` at a given size and variant, run by one compiled `Model` per
setting: the default single-threaded build (this package's Hines cable step), the same with
Brian2's own cable solver (``cable_solver="brian2"``), and ``openmp_threads=2`` (Brian2's solver,
sections in parallel, parallel state updates). Prints the median of 3 reruns of each (1 s of
simulated time; compile time excluded).

Usage: ``.venv/bin/python benchmarks/openmp_threads.py [--size 10000] [--variant passive]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_model as M

SETTINGS = {
    "1 thread, Hines solver (default)": {},
    "1 thread, Brian2 solver": {"cable_solver": "brian2"},
    "2 OpenMP threads (Brian2 solver)": {"openmp_threads": 2},
}


def main(argv=None) -> None:
    from brian2 import ms

    from dendrites import Model

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=10000, choices=M.N_PER_BRANCH)
    p.add_argument("--variant", default="passive", choices=M.VARIANTS)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    print(f"| setting ({args.size} compartments, {args.variant}) | run s (median) |")
    print("|---|---|")
    for label, options in SETTINGS.items():
        cell = M.make_cell(n=M.N_PER_BRANCH[args.size], variant=args.variant)
        model = Model(cell, M.DURATION_MS * ms, dt=M.DT_MS * ms, record={"v": [0]}, **options)
        model.run()  # builds
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            model.run()
            times.append(time.perf_counter() - t0)
        print(f"| {label} | {np.median(times):.2f} |", flush=True)


if __name__ == "__main__":
    main()
