"""Borough-day benchmark: the new search beside OR-Tools' default search on a real day's rules.

Usage::

    .venv/bin/python benchmarks/borough_day.py [--seed 0] [--time-limit 30] [--workers 1|2]
        [--roads straight|osm|both] [--lifts 200] [--drivers 40] [--easy]

The day (``DaySpec.real_day``, issue 12) is as hard as a real one: 40 drivers of whom only some
work each part of the day, 4-hour shifts and a 4-hour driving limit, about 15 % wheelchair users
and one car in six that takes a wheelchair, escorts, the house's maximum ride time and windows of
15 to 30 minutes. ``--easy`` uses the older, easier mix (``DaySpec()``).

``straight`` uses the straight-line travel model over Barking & Dagenham (homes drawn from the
borough's real postcodes when ``../shared/data/lbbd_postcodes.csv`` is there). ``osm`` uses the
real OSM extract in ``../shared/data`` — a *north London* sample, as no LBBD road network is
available — with homes and venues drawn from its own road nodes.

Both solvers get the same problem, matrix and time limit, one after the other, through
``solve_rota`` (the path ``flask rota plan`` runs): ``search`` is the product's default
(``SolveParams()``), ``ortools`` is OR-Tools with its default search (parallel cheapest
insertion then guided local search, no route elimination, no ruin and recreate). The table
gives legs served; legs unserved that would fit into the final plan on their own (each tried in
every driver's route, used or not, exactly); drivers; km; driving hours; riders sharing the car
with someone going to the same place; validator violations (must be 0).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.optimizer.roads import TravelMatrix  # noqa: E402
from app.optimizer.roads import TravelTimes  # noqa: E402
from app.optimizer.rota import lns  # noqa: E402
from app.optimizer.rota import solve_rota  # noqa: E402
from app.optimizer.rota import travel_matrix  # noqa: E402
from app.optimizer.rota import validate_plan  # noqa: E402
from app.optimizer.rota.generate import DaySpec  # noqa: E402
from app.optimizer.rota.generate import generate_day  # noqa: E402
from app.optimizer.rota.translate import to_model  # noqa: E402
from app.optimizer.types import LatLon  # noqa: E402
from app.optimizer.types import Problem  # noqa: E402
from app.optimizer.types import RotaResult  # noqa: E402
from app.optimizer.types import SearchParams  # noqa: E402
from app.optimizer.types import SolveParams  # noqa: E402
from app.optimizer.types import StopKind  # noqa: E402
from app.optimizer.types import UnservedReason  # noqa: E402


def shared_dir() -> Path:
    """Return ../shared (or $CONNECT_ROTA_SHARED)."""
    env = os.environ.get("CONNECT_ROTA_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared"


def lbbd_postcodes() -> list[LatLon]:
    """Return the borough's postcode centroids, or nothing when the data is absent."""
    path = shared_dir() / "data" / "lbbd_postcodes.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [
            LatLon(float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(f)
            if r["in_lbbd"] == "True"
        ]


def fits_on_its_own(problem: Problem, matrix: TravelMatrix, result: RotaResult) -> list[str]:
    """Return the unserved lifts that would fit into the final plan on their own.

    Each is tried at every position of every driver's route (used or not), timed exactly
    (windows, ride time, seats and wheelchair spaces, driving limits, who may drive whom). A
    return whose outward lift is unserved does not count: it may not be planned.
    """
    model = to_model(problem, matrix)
    srch = lns._Search(model.pdp, SearchParams(max_exact_checks=10**6), 0)
    index = {lift.id: s for s, lift in enumerate(problem.lifts)}
    driver_index = {d.id: i for i, d in enumerate(problem.drivers)}
    routes = [srch.empty(v) for v in range(len(model.pdp.vehicles))]
    for planned in result.routes:
        d = driver_index[planned.driver_id]
        start = planned.stops[0].departure_s
        v = next(
            v
            for v, di in enumerate(model.driver_of)
            if di == d
            and model.pdp.vehicles[v].time_window[0] <= start
            and start <= model.pdp.vehicles[v].time_window[1]
        )
        nodes = [
            2 * index[s.lift_id] + (0 if s.kind is StopKind.PICKUP else 1)
            for s in planned.stops[1:-1]
            if s.lift_id is not None
        ]
        built = srch.route(v, nodes)
        if built is None:
            msg = f"The final route of {planned.driver_id} does not time."
            raise RuntimeError(msg)
        routes[v] = built
    unserved = {u.lift_id for u in result.unserved}
    out = []
    for u in result.unserved:
        s = index[u.lift_id]
        lift = problem.lifts[s]
        if lift.outbound_id is not None and lift.outbound_id in unserved:
            continue
        for k in range(len(routes)):
            drive_room, dist_room = srch.caps(routes, k)
            if srch.best_insertion(routes[k], s, drive_room, dist_room)[0] < lns._INF:
                out.append(u.lift_id)
                break
    return out


def shared_riders(problem: Problem, result: RotaResult) -> int:
    """Count riders aboard at the same time as someone going to (or back from) the same place.

    The model's definition (``pdptw.shared_riders``): an outward lift's activity is where it
    goes, a return's is where it comes from.
    """
    lifts = {lift.id: lift for lift in problem.lifts}

    def activity(lid: str) -> tuple[str, LatLon]:
        lift = lifts[lid]
        if lift.outbound_id is not None:
            return "from", LatLon(*lift.pickup)
        return "to", LatLon(*lift.dropoff)

    count = 0
    for route in result.routes:
        aboard: dict[tuple[str, LatLon], set[str]] = {}
        shared: set[str] = set()
        for stop in route.stops:
            if stop.lift_id is None:
                continue
            group = aboard.setdefault(activity(stop.lift_id), set())
            if stop.kind is StopKind.PICKUP:
                if group:
                    shared.add(stop.lift_id)
                    shared.update(group)
                group.add(stop.lift_id)
            else:
                group.discard(stop.lift_id)
        count += len(shared)
    return count


def run(label: str, problem: Problem, matrix: TravelMatrix, params: SolveParams) -> list[str]:
    """Plan the day with ``params``; return the table row's cells."""
    t0 = time.monotonic()
    result = solve_rota(problem, matrix, params)
    wall = time.monotonic() - t0
    violations = validate_plan(problem, matrix, result)
    fit = fits_on_its_own(problem, matrix, result)
    served = len(problem.lifts) - len(result.unserved)
    drivers = len({r.driver_id for r in result.routes})
    km = sum(r.distance_m for r in result.routes) / 1000
    reasons = Counter(u.reason.value for u in result.unserved)
    busy = reasons.get(UnservedReason.DRIVERS_BUSY.value, 0)
    return [
        label,
        f"{served}/{len(problem.lifts)}",
        str(len(fit)),
        str(busy),
        str(drivers),
        f"{km:.0f}",
        f"{result.drive_s / 3600:.1f}",
        str(shared_riders(problem, result)),
        str(len(violations)),
        f"{wall:.1f}",
    ]


HEADER = [
    "solver",
    "served",
    "fit alone",
    "busy",
    "drivers",
    "km",
    "drive h",
    "shared",
    "violations",
    "wall s",
]


def print_table(title: str, rows: list[list[str]]) -> None:
    """Print a Markdown table."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" for _ in HEADER) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |", flush=True)


def compare(title: str, problem: Problem, travel: TravelTimes, args: argparse.Namespace) -> bool:
    """Plan the day with both solvers and print the table; return whether both are valid."""
    t0 = time.monotonic()
    matrix = travel_matrix(problem, travel)
    print(
        f"\n{title}: matrix over {len(matrix.duration_s)} places in {time.monotonic() - t0:.1f} s"
    )
    ours = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
    ortools = SolveParams(
        time_limit_s=args.time_limit,
        seed=args.seed,
        engine="ortools",
        route_elimination=False,
        ruin_recreate=False,
    )
    rows = [
        run(f"search (workers={args.workers})", problem, matrix, ours),
        run("OR-Tools default", problem, matrix, ortools),
    ]
    print_table(f"{title}, {args.time_limit:g} s", rows)
    return all(r[-2] == "0" for r in rows)


def main() -> int:
    """Generate the day(s), plan them with both solvers, and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1, choices=(1, 2))
    ap.add_argument("--roads", default="straight", choices=("straight", "osm", "both"))
    ap.add_argument("--lifts", type=int, default=200)
    ap.add_argument("--drivers", type=int, default=40)
    ap.add_argument("--easy", action="store_true", help="the older, easier day")
    args = ap.parse_args()
    spec = (
        DaySpec(n_lifts=args.lifts, n_drivers=args.drivers)
        if args.easy
        else DaySpec.real_day(args.lifts, args.drivers)
    )
    kind = "easy day" if args.easy else "real day"
    ok = True
    if args.roads in ("straight", "both"):
        from app.optimizer.roads.straight_line import StraightLineTravelTimes

        homes = lbbd_postcodes() or None
        problem = generate_day(args.seed, spec, homes=homes)
        title = f"LBBD {kind}, {args.lifts} legs, {args.drivers} drivers, straight-line travel"
        ok &= compare(title, problem, StraightLineTravelTimes(), args)
    if args.roads in ("osm", "both"):
        osm_file = shared_dir() / "data" / "osm_sample_north_london_NOT_LBBD.osm.bz2"
        if not osm_file.is_file():
            print(f"== OSM: skipped, no extract at {osm_file}")
        else:
            from app.optimizer.roads.osm import OsmTravelTimes
            from app.optimizer.roads.osm import load_network

            net = load_network(str(osm_file), cache_dir=None, allow_download=False)
            nodes = [LatLon(float(a), float(b)) for a, b in zip(net.lat, net.lon, strict=True)]
            problem = generate_day(args.seed, spec, homes=nodes, venues=nodes)
            title = f"north London OSM sample {kind}, {args.lifts} legs, road travel"
            ok &= compare(title, problem, OsmTravelTimes(net), args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
