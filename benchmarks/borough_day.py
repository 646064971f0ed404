"""Borough-day benchmark: plan a realistic day of 200 lifts and 40 drivers, and check it.

Usage::

    .venv/bin/python benchmarks/borough_day.py [--seed 0] [--time-limit 20] [--workers 1|2]
        [--roads straight|osm|both] [--lifts 200] [--drivers 40]

``straight`` uses the straight-line travel model over Barking & Dagenham (homes drawn from the
borough's real postcodes when ``../shared/data/lbbd_postcodes.csv`` is there). ``osm`` uses the
real OSM extract in ``../shared/data`` — a *north London* sample, as no LBBD road network is
available — with homes and venues drawn from its own road nodes. Prints planning time, lifts
served, drivers used, driving time, the unserved reasons, and whether the validator is clean
and every lift that could be served alone was served.
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

from app.optimizer.roads import TravelTimes  # noqa: E402
from app.optimizer.rota import solve_rota  # noqa: E402
from app.optimizer.rota import travel_matrix  # noqa: E402
from app.optimizer.rota import validate_plan  # noqa: E402
from app.optimizer.rota.generate import DaySpec  # noqa: E402
from app.optimizer.rota.generate import generate_day  # noqa: E402
from app.optimizer.types import LatLon  # noqa: E402
from app.optimizer.types import Problem  # noqa: E402
from app.optimizer.types import SolveParams  # noqa: E402
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


def run(label: str, problem: Problem, travel: TravelTimes, params: SolveParams) -> bool:
    """Plan the day, print the figures, return whether every check passed."""
    t0 = time.monotonic()
    matrix = travel_matrix(problem, travel)
    t_matrix = time.monotonic() - t0
    result = solve_rota(problem, matrix, params)
    t_total = time.monotonic() - t0
    violations = validate_plan(problem, matrix, result)
    reasons = Counter(u.reason.value for u in result.unserved)
    busy = reasons.get(UnservedReason.DRIVERS_BUSY.value, 0)
    served = len(problem.lifts) - len(result.unserved)
    drivers_used = len({r.driver_id for r in result.routes})
    longest = max((r.drive_s for r in result.routes), default=0)
    print(f"== {label}: {len(problem.lifts)} lifts, {len(problem.drivers)} drivers")
    print(
        f"planning time     {t_total:6.1f} s"
        f" (matrix {t_matrix:.1f} s, {len(matrix.duration_s)} places)"
    )
    print(f"lifts served      {served} of {len(problem.lifts)}")
    print(f"drivers used      {drivers_used} ({len(result.routes)} routes)")
    print(
        f"driving time      {result.drive_s / 3600:.1f} h in total, longest route "
        f"{longest / 60:.0f} min, mean {result.drive_s / max(1, len(result.routes)) / 60:.0f} min"
    )
    print(f"unserved reasons  {dict(reasons) or 'none'}")
    print(f"validator         {'clean' if not violations else violations[:3]}")
    print(f"servable alone but unserved (drivers_busy): {busy}")
    return not violations and busy == 0


def main() -> int:
    """Generate the day(s), plan them, and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=1, choices=(1, 2))
    ap.add_argument("--roads", default="both", choices=("straight", "osm", "both"))
    ap.add_argument("--lifts", type=int, default=200)
    ap.add_argument("--drivers", type=int, default=40)
    args = ap.parse_args()
    spec = DaySpec(n_lifts=args.lifts, n_drivers=args.drivers)
    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
    ok = True
    if args.roads in ("straight", "both"):
        from app.optimizer.roads.straight_line import StraightLineTravelTimes

        homes = lbbd_postcodes() or None
        problem = generate_day(args.seed, spec, homes=homes)
        ok &= run("LBBD, straight-line travel", problem, StraightLineTravelTimes(), params)
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
            ok &= run("north London OSM sample, road travel", problem, OsmTravelTimes(net), params)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
