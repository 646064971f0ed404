"""A dial-a-ride set of our own: Li & Lim instances with a maximum ride time, both solvers.

Usage::

    .venv/bin/python benchmarks/dial_a_ride.py [--time-limit 10] [--ride-factor 1.5]
        [--instances lc101,lr1]

Each Li & Lim 100-task instance (``../shared/benchmarks/li_lim/pdp_100``) gets, for every
request, a maximum ride time of ``ride-factor`` × its direct drive (rounded up; from the end of
boarding to the start of the drop-off), the rule the bureau uses. Nothing else changes and
nothing is random, so the set is the same on every machine. The default sample is two instances
of each class (``*01`` and ``*05``).

Both solvers get the same problem and time limit through the library (``solve_pdp``):
``search`` is the default ``SolveParams()``; ``ortools`` is OR-Tools with its default search
(parallel cheapest insertion then guided local search, no route elimination). Columns: requests
served (beside how many some vehicle could serve alone: a tight ride limit makes many Li & Lim
requests impossible with their windows; only those are posed, as ``solve_rota``'s prechecks
do), vehicles, distance, validator violations; totals.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.optimizer.instances import LiLimInstance  # noqa: E402
from app.optimizer.instances import read_li_lim  # noqa: E402
from app.optimizer.instances import route_distance  # noqa: E402
from app.optimizer.rota.pdptw import tightened  # noqa: E402
from app.optimizer.rota.search import solve_pdp  # noqa: E402
from app.optimizer.rota.timing import RouteTimer  # noqa: E402
from app.optimizer.rota.timing import alone_feasible  # noqa: E402
from app.optimizer.rota.validate import validate_pdp  # noqa: E402
from app.optimizer.types import SolveParams  # noqa: E402
from benchmarks.li_lim import shared_dir  # noqa: E402

SAMPLE = "lc101,lc105,lc201,lc205,lr101,lr105,lr201,lr205,lrc101,lrc105,lrc201,lrc205"


def with_ride_limits(inst: LiLimInstance, factor: float) -> LiLimInstance:
    """Return the instance with a maximum ride time of ``factor`` × each direct drive."""
    p = inst.pdp
    ships = tuple(
        replace(sh, max_ride_time=math.ceil(factor * int(p.durations[sh.pickup, sh.delivery])))
        for sh in p.shipments
    )
    return replace(inst, pdp=replace(p, shipments=ships))


def main() -> int:
    """Solve the set with both solvers and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--ride-factor", type=float, default=1.5)
    ap.add_argument("--instances", default=SAMPLE)
    args = ap.parse_args()
    root = shared_dir() / "benchmarks" / "li_lim" / "pdp_100"
    wanted = [w for w in args.instances.split(",") if w]
    paths = sorted(p for p in root.glob("*.txt") if any(p.stem.startswith(w) for w in wanted))
    solvers = {
        "search": SolveParams(time_limit_s=args.time_limit),
        "ortools": SolveParams(
            time_limit_s=args.time_limit,
            engine="ortools",
            route_elimination=False,
            ruin_recreate=False,
        ),
    }
    print(
        f"# Dial-a-ride: {len(paths)} Li & Lim instances, max ride {args.ride_factor:g} × direct,"
        f" {args.time_limit:g} s each\n"
    )
    cols = [f"{n} {c}" for n in solvers for c in ("served", "veh", "dist", "viol")]
    print("| instance | servable alone | " + " | ".join(cols) + " |")
    print("|---|---|" + "|".join("---" for _ in cols) + "|")
    totals = {n: [0, 0, 0.0, 0] for n in solvers}
    alone_total = 0
    for path in paths:
        inst = with_ride_limits(read_li_lim(path), args.ride_factor)
        timer = RouteTimer(inst.pdp)
        servable = tuple(
            sh for s, sh in enumerate(inst.pdp.shipments) if alone_feasible(inst.pdp, s, 0, timer)
        )
        # Like solve_rota's prechecks: only requests some vehicle could serve alone are posed.
        inst = replace(inst, pdp=replace(inst.pdp, shipments=servable))
        alone = len(servable)
        alone_total += alone
        cells = [str(alone)]
        for name, params in solvers.items():
            sol = solve_pdp(tightened(inst.pdp), params)
            served = len(inst.pdp.shipments) - len(sol.unserved)
            dist = route_distance(inst, sol)
            viol = len(validate_pdp(inst.pdp, sol))
            cells += [str(served), str(len(sol.routes)), f"{dist:.1f}", str(viol)]
            t = totals[name]
            t[0] += served
            t[1] += len(sol.routes)
            t[2] += dist
            t[3] += viol
        print(f"| {inst.name} | " + " | ".join(cells) + " |", flush=True)
    cells = [str(alone_total)]
    for t in totals.values():
        cells += [str(t[0]), str(t[1]), f"{t[2]:.1f}", str(t[3])]
    print("| **total** | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
