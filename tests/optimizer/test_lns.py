"""The pure-Python ruin-and-recreate search (app.optimizer.rota.lns)."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np

from app.optimizer.rota import lns
from app.optimizer.rota.ortools_model import solution_key
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpShipment
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpVehicle
from app.optimizer.rota.pdptw import RouteStop
from app.optimizer.rota.pdptw import schedule_route
from app.optimizer.rota.validate import validate_pdp


def random_problem(seed: int, n: int = 12, vehicles: int = 4, cap: int = 3) -> PdpProblem:
    """Return a random Li & Lim-like problem (one depot, windows, loads)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(2 * n + 1, 2))
    d = np.ceil(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))).astype(np.int64)
    shipments = []
    for s in range(n):
        early = int(rng.integers(0, 300))
        width = int(rng.integers(60, 400))
        direct = int(d[2 * s + 1, 2 * s + 2])
        shipments.append(
            PdpShipment(
                pickup=2 * s + 1,
                delivery=2 * s + 2,
                amount=(int(rng.integers(1, cap + 1)),),
                pickup_service=5,
                delivery_service=5,
                pickup_windows=((early, early + width),),
                delivery_windows=((early + direct + 5, early + width + direct + 200),),
            )
        )
    fleet = tuple(PdpVehicle(0, 0, (cap,), time_window=(0, 1500)) for _ in range(vehicles))
    return PdpProblem(d, d, fleet, tuple(shipments), costs=d)


def test_supports_only_the_rules_it_models() -> None:
    """Li & Lim-like problems are supported; a ride-time limit sends them back to OR-Tools."""
    p = random_problem(1)
    assert lns.supports(p)
    ride = replace(p.shipments[0], max_ride_time=100)
    assert not lns.supports(replace(p, shipments=(ride, *p.shipments[1:])))


def _brute_best(srch: lns._Search, p: PdpProblem, stops: list[int], v: int, s: int) -> int:
    best = lns._INF
    cap = p.vehicles[v].capacity[0]
    for i, j in itertools.combinations_with_replacement(range(len(stops) + 1), 2):
        seq = stops[:j] + [2 * s + 1] + stops[j:]
        seq = seq[:i] + [2 * s] + seq[i:]
        route: list[RouteStop] = [(x // 2, x % 2 == 0) for x in seq]
        loads = np.cumsum([srch.dem[x] for x in seq])
        if loads.max(initial=0) > cap or schedule_route(p, v, route) is None:
            continue
        best = min(best, srch.route(v, seq).cost - srch.route(v, stops).cost)
    return best


def test_best_insertion_matches_brute_force() -> None:
    """The O(1)-per-position insertion check finds the same cheapest cost as trying them all."""
    for seed in range(6):
        p = random_problem(seed, n=8)
        srch = lns._Search(p, seed)
        # a feasible route: greedy insertion of the first shipments into vehicle 0
        route = srch.route(0, [])
        for s in range(5):
            delta, i, j = srch.best_insertion(route, s)
            if delta < lns._INF:
                route = srch.insert(route, s, i, j)
        assert srch.feasible(route)
        stops = route.seq[1:-1]
        for s in range(5, 8):
            delta, _, _ = srch.best_insertion(route, s)
            assert delta == _brute_best(srch, p, stops, 0, s)


def test_improve_returns_a_valid_solution_no_worse_than_its_start() -> None:
    """Starting from one request per vehicle, the search returns a valid, better solution."""
    p = random_problem(3, n=10, vehicles=10)
    start = PdpSolution(routes=(), unserved=tuple(range(10)))
    result = lns.improve(p, start, time.monotonic() + 0.5, seed=1)
    assert result is not None
    sol, stats = result
    assert validate_pdp(p, sol) == []
    assert stats["lns_iterations"] > 10
    assert solution_key(p, sol) < solution_key(p, start)
