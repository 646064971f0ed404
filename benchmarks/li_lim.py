"""Li & Lim 100-task PDPTW benchmark: our OR-Tools solver next to VROOM, in the same run.

Usage::

    .venv/bin/python benchmarks/li_lim.py [--time-limit 10] [--instances lc101,lr1] \
        [--workers 1|2] [--jobs 1|2] [--no-vroom] [--via cli|library]

``--via cli`` (the default) writes each instance in VROOM's JSON format and runs
``python -m app.optimizer solve FILE --time-limit T --workers W`` in a subprocess, with the
CLI's defaults otherwise: the path a user runs (STYLE.md rule 27). ``--via library`` calls
``solve_pdp`` with ``SolveParams`` built from the other options.

``--instances`` takes names or prefixes (``lr2`` = every lr2xx). ``--workers 2`` runs two
searches per instance (both cores); ``--jobs 2`` solves two instances at a time instead.
Objective: fewest vehicles, then distance (Euclidean, times ×1000 rounded up). The summary
counts instances at the best-known vehicle count and the mean distance gap over those.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.optimizer.instances import LiLimInstance  # noqa: E402
from app.optimizer.instances import read_li_lim  # noqa: E402
from app.optimizer.instances import route_distance  # noqa: E402
from app.optimizer.instances import to_vroom_json  # noqa: E402
from app.optimizer.instances import vroom_route_distance  # noqa: E402
from app.optimizer.rota.pdptw import tightened  # noqa: E402
from app.optimizer.rota.search import solve_pdp  # noqa: E402
from app.optimizer.rota.validate import validate_pdp  # noqa: E402
from app.optimizer.types import SolveParams  # noqa: E402


def shared_dir() -> Path:
    """Return ../shared (or $CONNECT_ROTA_SHARED)."""
    env = os.environ.get("CONNECT_ROTA_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared"


@dataclass(frozen=True)
class Row:
    """One solver's result on one instance."""

    vehicles: int
    distance: float
    unserved: int
    wall_s: float
    valid: bool


def solve_ours(inst: LiLimInstance, params: SolveParams) -> Row:
    """Solve with our library (route elimination, fewest vehicles then distance)."""
    t0 = time.monotonic()
    sol = solve_pdp(tightened(inst.pdp), params)
    wall = time.monotonic() - t0
    valid = not validate_pdp(inst.pdp, sol)
    return Row(len(sol.routes), route_distance(inst, sol), len(sol.unserved), wall, valid)


def solve_cli(inst: LiLimInstance, params: SolveParams) -> Row:
    """Solve through ``python -m app.optimizer solve`` (time limit and workers only).

    The CLI validates every solution before printing it (it exits non-zero otherwise), so a
    printed solution counts as valid.
    """
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{inst.name}.json"
        path.write_text(json.dumps(to_vroom_json(inst)))
        cmd = [sys.executable, "-m", "app.optimizer", "solve", str(path)]
        cmd += ["--time-limit", f"{params.time_limit_s:g}", "--workers", str(params.workers)]
        t0 = time.monotonic()
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
        wall = time.monotonic() - t0
    if done.returncode != 0:
        print(f"{inst.name}: the CLI failed: {done.stderr.strip()}", file=sys.stderr)
        return Row(0, math.inf, len(inst.pdp.shipments), wall, False)
    out = json.loads(done.stdout)
    unserved = int(out["summary"]["unassigned"])
    return Row(len(out["routes"]), vroom_route_distance(inst, out), unserved, wall, True)


def solve_vroom(inst: LiLimInstance, exploration: int = 5) -> Row:
    """Solve with VROOM (pyvroom), a large fixed cost per vehicle, one thread."""
    import vroom

    p = inst.pdp
    problem = vroom.Input()
    problem.set_durations_matrix("car", p.durations)
    problem.set_costs_matrix("car", p.distances)
    for v, veh in enumerate(p.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                v,
                start=0,
                end=0,
                capacity=list(veh.capacity),
                time_window=vroom.TimeWindow(*veh.time_window),
                costs=vroom.VehicleCosts(fixed=10**9),
            )
        )
    for sh in p.shipments:
        problem.add_shipment(
            vroom.ShipmentStep(
                sh.pickup,
                sh.pickup,
                default_service=sh.pickup_service,
                time_windows=[vroom.TimeWindow(*sh.pickup_windows[0])],
            ),
            vroom.ShipmentStep(
                sh.delivery,
                sh.delivery,
                default_service=sh.delivery_service,
                time_windows=[vroom.TimeWindow(*sh.delivery_windows[0])],
            ),
            amount=vroom.Amount(list(sh.amount)),
        )
    t0 = time.monotonic()
    sol = problem.solve(exploration_level=exploration, nb_threads=1)
    wall = time.monotonic() - t0
    df = sol.routes
    total, vehicles, served = 0.0, 0, 0
    for _, route in df.groupby("vehicle_id"):
        nodes = [0]
        for _, step in route.iterrows():
            if step["type"] in ("pickup", "delivery"):
                nodes.append(int(step["id"]))
                served += step["type"] == "pickup"
        nodes.append(0)
        if len(nodes) > 2:
            vehicles += 1
        for a, b in zip(nodes, nodes[1:], strict=False):
            (xa, ya), (xb, yb) = inst.xy[a], inst.xy[b]
            total += math.hypot(xa - xb, ya - yb)
    return Row(vehicles, total, len(p.shipments) - served, wall, True)


def run_one(args: tuple[str, SolveParams, bool, str]) -> tuple[str, Row, Row | None]:
    """Solve one instance with both solvers."""
    path, params, vroom_too, via = args
    inst = read_li_lim(path)
    ours = solve_cli(inst, params) if via == "cli" else solve_ours(inst, params)
    theirs = solve_vroom(inst) if vroom_too else None
    return inst.name, ours, theirs


def main() -> int:
    """Run the benchmark and print the table and the summary."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--instances", default="", help="comma-separated names or prefixes")
    ap.add_argument("--workers", type=int, default=1, choices=(1, 2))
    ap.add_argument("--jobs", type=int, default=1, choices=(1, 2))
    ap.add_argument("--no-vroom", action="store_true")
    ap.add_argument("--metaheuristic", default="guided_local_search")
    ap.add_argument("--first-solution", default="parallel_cheapest_insertion")
    ap.add_argument("--no-elimination", action="store_true")
    ap.add_argument("--set", default="pdp_100", choices=("pdp_100", "pdp_200"))
    ap.add_argument("--via", default="cli", choices=("cli", "library"))
    args = ap.parse_args()
    root = shared_dir() / "benchmarks" / "li_lim"
    if not root.is_dir():
        print(f"no Li & Lim data in {root}", file=sys.stderr)
        return 2
    bks = {}
    with open(root / "bks.csv", newline="") as f:
        for row in csv.DictReader(f):
            bks[row["instance"].lower()] = (int(row["vehicles"]), float(row["distance"]))
    wanted = [w for w in args.instances.split(",") if w]
    paths = sorted(
        p
        for p in (root / args.set).glob("*.txt")
        if not wanted or any(p.stem.startswith(w) for w in wanted)
    )
    params = SolveParams(
        time_limit_s=args.time_limit,
        workers=args.workers,
        metaheuristic=args.metaheuristic,
        first_solution=args.first_solution,
        route_elimination=not args.no_elimination,
    )
    print(
        f"# Li & Lim {args.set}: {len(paths)} instances, {args.time_limit:g} s,"
        f" workers={args.workers}, jobs={args.jobs}, via {args.via}"
        + (
            ""
            if args.via == "cli"
            else f", {params.metaheuristic}, elimination={params.route_elimination}"
        )
    )
    header = (
        f"{'instance':9} {'bks_v':>5} {'bks_dist':>9} | {'v':>3} {'dist':>9} {'gap%':>6}"
        f" {'s':>5} {'ok':>3}"
        f" | {'vroom_v':>7} {'dist':>9} {'gap%':>6} {'s':>5}"
    )
    print(header)
    work = [(str(p), params, not args.no_vroom, args.via) for p in paths]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(run_one, work))
    else:
        results = []
        for w in work:
            results.append(run_one(w))
            _print_row(results[-1], bks)
    if args.jobs > 1:
        for r in results:
            _print_row(r, bks)
    _summary("ours", [(n, o) for n, o, _ in results], bks)
    if not args.no_vroom:
        _summary("vroom", [(n, v) for n, _, v in results if v is not None], bks)
    return 0


def _gap(d: float, best: float) -> float:
    return 100.0 * (d - best) / best


def _print_row(r: tuple[str, Row, Row | None], bks: dict[str, tuple[int, float]]) -> None:
    name, o, v = r
    bv, bd = bks[name]
    line = (
        f"{name:9} {bv:5d} {bd:9.2f} | {o.vehicles:3d} {o.distance:9.2f}"
        f" {_gap(o.distance, bd):6.2f} {o.wall_s:5.1f}"
        f" {'yes' if o.valid and not o.unserved else 'NO':>3}"
    )
    if v is not None:
        line += f" | {v.vehicles:7d} {v.distance:9.2f} {_gap(v.distance, bd):6.2f} {v.wall_s:5.1f}"
    print(line, flush=True)


def _summary(label: str, rows: list[tuple[str, Row]], bks: dict[str, tuple[int, float]]) -> None:
    at = [(n, r) for n, r in rows if r.vehicles <= bks[n][0] and not r.unserved]
    gaps = [_gap(r.distance, bks[n][1]) for n, r in at]
    mean = sum(gaps) / len(gaps) if gaps else float("nan")
    extra = sum(r.vehicles - bks[n][0] for n, r in rows if r.vehicles > bks[n][0])
    invalid = sum(1 for _, r in rows if not r.valid or r.unserved)
    print(
        f"{label:6}: at best-known vehicles on {len(at)} of {len(rows)}; mean distance gap over "
        f"those {mean:.2f} %; extra vehicles elsewhere {extra}; invalid/unserved {invalid}; "
        f"mean time {sum(r.wall_s for _, r in rows) / max(1, len(rows)):.1f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
