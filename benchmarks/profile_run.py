"""Benchmark diagnostics: where the time of one `dendrites` run goes.

Builds the model of ``bench_model.py`` (C++ standalone, 1 thread) with Brian2's profiling switched
on, then runs it once more with a new cell, with the same values (as ``compare_simulators.py``
does: only what differs from the compiled values is passed to the binary) or with new
presynaptic spike trains (the first variant), and reports

* the Python side of ``Model.run`` (cProfile): writing the run-time values, Brian2's
  ``device.run`` (which hashes and writes the value files, then waits for the binary), reading the
  monitor back, building the Dataset;
* the binary's own time per code object (Brian2's profiling: ``profiling_info.txt``).

Profiling adds timers around every code object, so the binary is slightly slower than in
``compare_simulators.py``. Writes ``benchmarks/results/profile.json`` and the README.
Usage: ``.venv/bin/python benchmarks/profile_run.py [--size 1000] [--variants hh_soma hh_all]``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import bench_model as M  # noqa: E402


@contextlib.contextmanager
def profiled_model(n: int, variant: str):
    """The benchmark cell built into a `Model` whose binary runs with Brian2's profiling.

    Yields ``(model, seconds)``: the model, built and compiled, and a dict that every later
    ``model.run(cell)`` fills with the seconds of each code object (``profiling_info.txt``).
    """
    import brian2 as b2
    from brian2 import ms

    import dendrites.backend as backend
    from dendrites import Model

    reset = backend._reset_standalone

    def reset_with_profiling(directory, openmp_threads):
        reset(directory, openmp_threads)
        b2.get_device().build_options["profile"] = True

    backend._reset_standalone = reset_with_profiling
    try:
        model = Model(M.dendrites_cell(n, variant), M.DURATION_MS * ms, dt=M.DT_MS * ms)
        model.run()  # build and compile
        seconds: dict[str, float] = {}
        run_binary = model._run_binary

        def keep_profile(*args, **kw):
            out = run_binary(*args, **kw)
            path = model._last_results / "profiling_info.txt"
            if path.exists():
                for line in path.read_text().splitlines():
                    name, _, secs = line.rpartition("\t")
                    if name:
                        seconds[name.strip()] = float(secs)
            return out

        model._run_binary = keep_profile
        yield model, seconds
    finally:
        backend._reset_standalone = reset


def profile_variant(n: int, variant: str, new_trains: bool = False) -> dict:
    with profiled_model(n, variant) as (model, profiling):
        # a new cell: the same values (only what differs from the build is passed to the
        # binary), or new presynaptic spike trains (the whole spike table is passed)
        cell = M.dendrites_cell(n, variant, seed=M.SEED + 2 if new_trains else M.SEED + 1)
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        model.run(cell)
        prof.disable()
        total = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    wanted = {
        "wait for the binary (subprocess)": ("subprocess.py", "_try_wait"),
        "write value files (ndarray.tofile)": ("~", "<method 'tofile' of 'numpy.ndarray' objects>"),
        "hash value files (md5, Brian2 run_args)": ("~", "<built-in method _hashlib.openssl_md5>"),
        "values -> run_args (Model._apply_values)": ("backend.py", "_apply_values"),
        "values of the cell (_values)": ("plan.py", "values"),
        "structure check of the new cell (_Plan)": ("plan.py", "__init__"),
        "Dataset (results.to_dataset)": ("results.py", "to_dataset"),
    }
    python = {}
    for label, (file, func) in wanted.items():
        cum = 0.0
        for (f, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if fn == func and f.endswith(file):
                cum += ct
        python[label] = cum
    binary_total = sum(profiling.values())
    top = dict(sorted(profiling.items(), key=lambda kv: -kv[1])[:8])
    return {
        "variant": variant + (", new spike trains" if new_trains else ", same values"),
        "n_compartments": model.cell.n_compartments,
        "run_seconds": total,
        "python": python,
        "binary_profile_total": binary_total,
        "binary_top": top,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1000, choices=M.N_PER_BRANCH)
    p.add_argument("--variants", nargs="+", default=["hh_soma", "hh_all"], choices=M.VARIANTS)
    p.add_argument("--no-readme", action="store_true")
    args = p.parse_args(argv)
    info = _report.machine()
    loads = [_report.load()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="dendrites-profile-") as tmp:
        os.environ["DENDRITES_CACHE"] = tmp
        os.environ.pop("DENDRITES_BUILD_CACHE", None)  # builds in that cache too
        cases = [(v, False) for v in args.variants] + [(args.variants[0], True)]
        for variant, new_trains in cases:
            r = profile_variant(M.N_PER_BRANCH[args.size], variant, new_trains)
            loads.append(_report.load())
            rows.append(r)
            print(f"{r['n_compartments']} {r['variant']}: run {r['run_seconds']:.3f} s")
            for k, v in r["python"].items():
                print(f"   {k:45s} {v:7.3f} s")
            print(f"   binary code objects (profiled) total {r['binary_profile_total']:.3f} s:")
            for k, v in r["binary_top"].items():
                print(f"      {k:50s} {v:7.3f} s")
    data = {"machine": info, "loads": loads, "rows": rows, "description": __doc__}
    print("wrote", _report.save("profile", data))
    if not args.no_readme:
        print("wrote", _report.write_readme())


if __name__ == "__main__":
    main()
