"""Re-plan after one driver declines: how fast, and how much of the published plan moves.

Usage::

    .venv/bin/python benchmarks/replan.py [--seed 0] [--lifts 200] [--drivers 40]
        [--plan-s 20] [--replan-s 5]

Plans a real day (``DaySpec.real_day``) with the default search for ``--plan-s`` seconds and
treats it as published; then the driver with the most lifts declines and the day is planned
again in ``--replan-s`` seconds (warm start from the published plan, as ``plan_day`` does:
every lift carries its published driver and pickup time). Prints lifts served before and after,
lifts of the other drivers moved to another driver, pickups shifted by more than 10 minutes,
validator violations and the re-plan's wall time, beside OR-Tools' default search.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.optimizer.roads.straight_line import StraightLineTravelTimes  # noqa: E402
from app.optimizer.rota import solve_rota  # noqa: E402
from app.optimizer.rota import travel_matrix  # noqa: E402
from app.optimizer.rota import validate_plan  # noqa: E402
from app.optimizer.rota.generate import DaySpec  # noqa: E402
from app.optimizer.rota.generate import generate_day  # noqa: E402
from app.optimizer.types import Problem  # noqa: E402
from app.optimizer.types import RotaResult  # noqa: E402
from app.optimizer.types import SolveParams  # noqa: E402
from app.optimizer.types import StopKind  # noqa: E402
from benchmarks.borough_day import lbbd_postcodes  # noqa: E402


def published(result: RotaResult) -> dict[str, tuple[str, int]]:
    """Map lift id -> (driver, pickup time) of a plan."""
    return {
        s.lift_id: (r.driver_id, s.service_start_s)
        for r in result.routes
        for s in r.stops
        if s.kind is StopKind.PICKUP and s.lift_id is not None
    }


def after_decline(problem: Problem, told: dict[str, tuple[str, int]], gone: str) -> Problem:
    """Return the day without driver ``gone``, every lift carrying what it was told."""
    lifts = []
    for lift in problem.lifts:
        driver, pickup = told.get(lift.id, (None, None))
        lifts.append(
            replace(
                lift,
                published_driver_id=None if driver == gone else driver,
                published_pickup_s=pickup,
                pinned_driver_id=None if lift.pinned_driver_id == gone else lift.pinned_driver_id,
            )
        )
    drivers = tuple(d for d in problem.drivers if d.id != gone)
    return replace(problem, lifts=tuple(lifts), drivers=drivers)


def main() -> int:
    """Plan, decline, re-plan; print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lifts", type=int, default=200)
    ap.add_argument("--drivers", type=int, default=40)
    ap.add_argument("--plan-s", type=float, default=20.0)
    ap.add_argument("--replan-s", type=float, default=5.0)
    args = ap.parse_args()
    problem = generate_day(
        args.seed, DaySpec.real_day(args.lifts, args.drivers), homes=lbbd_postcodes() or None
    )
    matrix = travel_matrix(problem, StraightLineTravelTimes())
    first = solve_rota(problem, matrix, SolveParams(time_limit_s=args.plan_s, seed=args.seed))
    told = published(first)
    gone = Counter(d for d, _ in told.values()).most_common(1)[0][0]
    again = after_decline(problem, told, gone)
    matrix = travel_matrix(again, StraightLineTravelTimes())  # one home fewer
    theirs = sum(1 for d, _ in told.values() if d == gone)
    print(
        f"# Re-plan: {len(problem.lifts)} legs; published plan serves {len(told)} "
        f"({args.plan_s:g} s); driver {gone} declines, {theirs} of their lifts to re-place"
    )
    rows = []
    for label, params in (
        ("search (warm start)", SolveParams(time_limit_s=args.replan_s, seed=args.seed)),
        (
            "OR-Tools default",
            SolveParams(
                time_limit_s=args.replan_s,
                engine="ortools",
                route_elimination=False,
                ruin_recreate=False,
            ),
        ),
    ):
        t0 = time.monotonic()
        result = solve_rota(again, matrix, params)
        wall = time.monotonic() - t0
        now = published(result)
        moved = sum(
            1 for lid, (d, _) in told.items() if d != gone and lid in now and now[lid][0] != d
        )
        dropped = sum(1 for lid, (d, _) in told.items() if d != gone and lid not in now)
        shifted = sum(
            1
            for lid, (d, t) in told.items()
            if d != gone and lid in now and abs(now[lid][1] - t) > 600
        )
        of_gone = sum(1 for lid, (d, _) in told.items() if d == gone and lid in now)
        violations = validate_plan(again, matrix, result)
        rows.append(
            [
                label,
                str(len(now)),
                f"{of_gone}/{theirs}",
                str(moved),
                str(dropped),
                str(shifted),
                str(len(violations)),
                f"{wall:.1f}",
            ]
        )
    header = [
        "solver",
        "served",
        "declined driver's re-placed",
        "others moved",
        "others dropped",
        "others shifted >10 min",
        "violations",
        "wall s",
    ]
    print("\n| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
