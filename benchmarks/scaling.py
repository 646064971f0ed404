"""Scaling: real days of 100 to 1,000 legs (20 to 200 drivers) through ``solve_rota``.

Usage::

    .venv/bin/python benchmarks/scaling.py [--sizes 100,200,500,1000] [--time-limits 30]
        [--seed 0] [--workers 1]

Each size and time limit runs in a fresh process (so its peak memory is its own) on
``DaySpec.real_day(n, n // 5)`` with straight-line travel over Barking & Dagenham. Prints legs
served, drivers, driving hours, validator violations, the time to the first feasible plan (the
first solution's construction), the wall time and the peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one(n: int, limit: float, seed: int, workers: int) -> dict[str, float]:
    """Plan one day in this process; return the figures."""
    from app.optimizer.roads.straight_line import StraightLineTravelTimes
    from app.optimizer.rota import solve_rota
    from app.optimizer.rota import travel_matrix
    from app.optimizer.rota import validate_plan
    from app.optimizer.rota.generate import DaySpec
    from app.optimizer.rota.generate import generate_day
    from app.optimizer.types import SolveParams
    from benchmarks.borough_day import lbbd_postcodes

    problem = generate_day(seed, DaySpec.real_day(n, n // 5), homes=lbbd_postcodes() or None)
    matrix = travel_matrix(problem, StraightLineTravelTimes())
    t0 = time.monotonic()
    result = solve_rota(
        problem, matrix, SolveParams(time_limit_s=limit, seed=seed, workers=workers)
    )
    wall = time.monotonic() - t0
    stats = result.stats
    first = stats.get("ortools_first_s", 0.0) + stats.get("construction_s", 0.0)
    return {
        "legs": float(n),
        "served": float(n - len(result.unserved)),
        "drivers": float(len({r.driver_id for r in result.routes})),
        "drive_h": result.drive_s / 3600,
        "violations": float(len(validate_plan(problem, matrix, result))),
        "first_s": first,
        "wall_s": wall,
        "iterations": stats.get("lns_iterations", 0.0),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    """Run every size and time limit in its own process and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="100,200,500,1000")
    ap.add_argument("--time-limits", default="30")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1, choices=(1, 2))
    ap.add_argument("--one", help=argparse.SUPPRESS)  # "n,limit": run one in this process
    args = ap.parse_args()
    if args.one:
        n, limit = args.one.split(",")
        print(json.dumps(one(int(n), float(limit), args.seed, args.workers)))
        return 0
    header = "| legs | drivers | limit s | served | drivers used | drive h | violations |"
    header += " first plan s | wall s | iterations | peak MB |"
    print(header)
    print("|" + "---|" * 11)
    for n in (int(x) for x in args.sizes.split(",")):
        for limit in (float(x) for x in args.time_limits.split(",")):
            cmd = [sys.executable, __file__, "--one", f"{n},{limit}"]
            cmd += ["--seed", str(args.seed), "--workers", str(args.workers)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
            if done.returncode != 0:
                print(f"| {n} | {n // 5} | {limit:g} | failed: {done.stderr.strip()[-200:]} |")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"| {n} | {n // 5} | {limit:g} | {r['served']:.0f} | {r['drivers']:.0f}"
                f" | {r['drive_h']:.1f} | {r['violations']:.0f} | {r['first_s']:.1f}"
                f" | {r['wall_s']:.1f} | {r['iterations']:.0f} | {r['peak_mb']:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
