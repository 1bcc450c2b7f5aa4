"""Benchmark: wall time of ``dendrites figures --quick`` and of the full ``dendrites figures``.

Runs the command with ``--force`` into a temporary folder (``--out`` and ``--results`` there),
never over the repository's ``figures/``, twice per mode: first with an empty
``DENDRITES_CACHE`` (every C++ build compiled, as on a fresh checkout), then again with the
builds compiled (the cached sweep points are deleted and ``--force`` recomputes every result).
The time per study is read from the ``compute_seconds`` of each study's JSON record
(provenance); the command's wall time covers everything (start-up, compilation, figures,
gallery).
Targets: quick < 2 min and full < 15 min for all studies.

Usage: ``.venv/bin/python benchmarks/figures_wall_time.py [--modes quick full] [--workers N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _report  # noqa: E402

TARGETS = {"quick": 120.0, "full": 900.0}


def run_mode(mode: str, tmp: Path, env: dict, workers: int | None, tag: str) -> dict:
    out, results = tmp / f"out-{mode}-{tag}", tmp / f"results-{mode}-{tag}"
    cmd = [sys.executable, "-m", "dendrites", "figures", "--force"]
    cmd += ["--out", str(out), "--results", str(results)]
    if mode == "quick":
        cmd.append("--quick")
    if workers:
        cmd += ["--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=HERE.parent)
    wall = time.perf_counter() - t0
    studies = {}
    for path in sorted(out.glob("*.json")):
        try:
            rec = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        prov = rec.get("provenance") or {}
        if "compute_seconds" in prov:
            studies[rec.get("study", path.stem)] = prov["compute_seconds"]
    tail = [ln for ln in proc.stdout.strip().splitlines() if "stud" in ln][-1:]
    if proc.returncode:
        tail += proc.stderr.strip().splitlines()[-3:]
    return {
        "wall_seconds": wall,
        "target_seconds": TARGETS[mode],
        "met": wall < TARGETS[mode] and proc.returncode == 0,
        "returncode": proc.returncode,
        "studies": studies,
        "summary": tail,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--modes", nargs="+", default=["quick", "full"], choices=list(TARGETS))
    p.add_argument("--workers", type=int, help="passed to `dendrites figures --workers`")
    p.add_argument("--no-readme", action="store_true")
    args = p.parse_args(argv)
    info = _report.machine()
    loads = [_report.load()]
    modes = {}
    with tempfile.TemporaryDirectory(prefix="dendrites-figures-") as tmp:
        env = dict(os.environ, DENDRITES_CACHE=str(Path(tmp) / "cache"))
        env.pop("DENDRITES_OUT", None)
        env.pop("DENDRITES_BUILD_CACHE", None)  # builds in that cache too
        for mode, tag in [(m, t) for m in args.modes for t in ("cold", "compiled")]:
            loads.append(_report.load())
            key = f"{mode}, {'empty build cache' if tag == 'cold' else 'builds compiled'}"
            if tag == "compiled":  # keep the C++ builds, drop every cached sweep point
                shutil.rmtree(Path(tmp) / "cache" / "sweeps", ignore_errors=True)
            modes[key] = run_mode(mode, Path(tmp), env, args.workers, tag)
            loads.append(_report.load())
            r = modes[key]
            print(
                f"{key}: {r['wall_seconds']:.1f} s (target {r['target_seconds']:.0f} s, "
                f"exit {r['returncode']}); per study: "
                + ", ".join(f"{k} {v:.1f} s" for k, v in r["studies"].items()),
                flush=True,
            )
            for line in r["summary"]:
                print("   ", line)
    prev = _report.RESULTS / "figures_wall_time.json"
    if prev.exists():  # keep a mode not rerun
        old = json.loads(prev.read_text()).get("modes", {})
        modes = {**{k: v for k, v in old.items() if k not in modes}, **modes}
    data = {
        "description": (__doc__ or "").split("\n\n")[1].strip(),
        "machine": info,
        "loads": loads,
        "modes": modes,
        "notes": [
            f"{mode}: {', '.join(r['summary'])}" for mode, r in modes.items() if r["summary"]
        ],
    }
    print("wrote", _report.save("figures_wall_time", data))
    if not args.no_readme:
        print("wrote", _report.write_readme())


if __name__ == "__main__":
    main()
