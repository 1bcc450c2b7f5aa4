"""What the state checks of `dendrites.guard` cost: the benchmark cell with and without them.

The model of ``bench_model.py`` (1,024 compartments, 100 synapses, 1 s at dt 0.025 ms, C++
standalone, 1 thread) is built twice, with ``check_states=True`` (the default: every 0.1 ms
each compartment's v, gates and summed conductances are compared with their bounds, and v is
copied once for the "last sane values") and with ``check_states=False``. Each model is then run
``--repeats`` times with a new cell of the same structure (the compiled binary is reused), in
blocks A B A B so that a change of machine load hits both; the run time is that of
``Model.run(cell)`` (values written, binary run, monitor read back, Dataset built).

The wall-clock ratio is at the mercy of the machine's load on a shared machine, so the checked
binary is also run once with Brian2's profiling (a timer around every code object, as in
``profile_run.py``): the share of the guard's own code objects (the copy of v, the event check,
the statements at the event, the summed flags) is the cost without the noise.

Writes ``benchmarks/results/guard_cost.json`` and prints the median ratio per variant.
Usage: ``.venv/bin/python benchmarks/guard_cost.py [--variants hh_soma hh_all] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import bench_model as M  # noqa: E402
from profile_run import profiled_model  # noqa: E402


def measure(n: int, variant: str, repeats: int) -> dict:
    from brian2 import ms

    from dendrites import Model

    models = {
        checked: Model(
            M.dendrites_cell(n, variant),
            M.DURATION_MS * ms,
            dt=M.DT_MS * ms,
            record={"v": [0]},
            check_states=checked,
        )
        for checked in (True, False)
    }
    times: dict[bool, list[float]] = {True: [], False: []}
    seed = M.SEED + 2
    for _round in range(2):  # A B A B: a change of machine load hits both
        for checked, model in models.items():
            # the first run after the other model's builds this one again (not timed)
            for k in range(repeats + 1):
                seed += 1
                cell = M.dendrites_cell(n, variant, seed=seed)
                t0 = time.perf_counter()
                model.run(cell)
                if k:
                    times[checked].append(time.perf_counter() - t0)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    return {
        "variant": variant,
        "n_compartments": models[True].cell.n_compartments,
        "checked_seconds": times[True],
        "unchecked_seconds": times[False],
        "median_checked": on,
        "median_unchecked": off,
        "ratio": on / off,
    }


def profile(n: int, variant: str) -> dict:
    """Seconds of each code object of the checked binary (Brian2's profiling), and the share of
    the guard's: its snapshot of v, its event check and the statements run at the event, and the
    flags summed from channel groups and receptors."""
    with profiled_model(n, variant) as (model, times):
        model.run(M.dendrites_cell(n, variant, seed=M.SEED + 1))
    guard = {k: v for k, v in times.items() if "guard" in k or "nonphysical" in k}
    return {
        "total_seconds": sum(times.values()),
        "guard_seconds": sum(guard.values()),
        "guard_objects": guard,
        "share": sum(guard.values()) / sum(times.values()),
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1000, choices=M.N_PER_BRANCH)
    p.add_argument("--variants", nargs="+", default=["hh_soma", "hh_all"], choices=M.VARIANTS)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    info = _report.machine()
    loads = [_report.load()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="dendrites-guard-") as tmp:
        os.environ["DENDRITES_CACHE"] = tmp
        os.environ.pop("DENDRITES_BUILD_CACHE", None)
        for variant in args.variants:
            r = measure(M.N_PER_BRANCH[args.size], variant, args.repeats)
            r["profile"] = profile(M.N_PER_BRANCH[args.size], variant)
            loads.append(_report.load())
            rows.append(r)
            print(
                f"{r['n_compartments']} {variant}: checked {r['median_checked']:.3f} s, "
                f"unchecked {r['median_unchecked']:.3f} s, ratio {r['ratio']:.3f} "
                f"(median of {2 * args.repeats}); profiled: the guard's code objects take "
                f"{r['profile']['guard_seconds']:.3f} s of {r['profile']['total_seconds']:.3f} s "
                f"({100 * r['profile']['share']:.1f} %)"
            )
    data = {"machine": info, "loads": loads, "rows": rows, "description": __doc__}
    print("wrote", _report.save("guard_cost", data))


if __name__ == "__main__":
    main()
