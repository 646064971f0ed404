"""The ruin-and-recreate search (app.optimizer.rota.lns) and the route timing it relies on."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np

from app.optimizer.rota import lns
from app.optimizer.rota.lns import solution_key
from app.optimizer.rota.pdptw import PdpObjective
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpRoute
from app.optimizer.rota.pdptw import PdpShipment
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpStopTime
from app.optimizer.rota.pdptw import PdpVehicle
from app.optimizer.rota.timing import RouteTimer
from app.optimizer.rota.validate import ViolationCause
from app.optimizer.rota.validate import validate_pdp
from app.optimizer.types import SearchParams

EXHAUSTIVE = SearchParams(max_exact_checks=10**6)


def random_problem(
    seed: int,
    n: int = 12,
    vehicles: int = 4,
    cap: int = 3,
    *,
    ride: float | None = None,
    duration: int | None = None,
    dims: int = 1,
) -> PdpProblem:
    """Return a random Li & Lim-like problem (one depot, windows, loads).

    ``ride`` adds a maximum ride time of ``ride`` × the direct drive; ``duration`` a route
    duration limit; ``dims=2`` a second capacity (a "wheelchair" on every third request).
    """
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(2 * n + 1, 2))
    d = np.ceil(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))).astype(np.int64)
    shipments = []
    for s in range(n):
        early = int(rng.integers(0, 300))
        width = int(rng.integers(60, 400))
        direct = int(d[2 * s + 1, 2 * s + 2])
        amount = (int(rng.integers(1, cap + 1)),)
        if dims == 2:
            amount = (0, 1) if s % 3 == 0 else (amount[0], 0)
        shipments.append(
            PdpShipment(
                pickup=2 * s + 1,
                delivery=2 * s + 2,
                amount=amount,
                pickup_service=5,
                delivery_service=5,
                pickup_windows=((early, early + width),),
                delivery_windows=((early + direct + 5, early + width + direct + 200),),
                max_ride_time=None if ride is None else math.ceil(ride * direct) + 10,
            )
        )
    capacity = (cap,) if dims == 1 else (cap, 1)
    fleet = tuple(
        PdpVehicle(0, 0, capacity, time_window=(0, 1500), max_route_duration=duration)
        for _ in range(vehicles)
    )
    return PdpProblem(d, d, fleet, tuple(shipments), costs=d)


def _bellman_ford_feasible(timer: RouteTimer, seq: list[int]) -> bool:
    """Decide a route's timing by Bellman-Ford on its simple temporal network (reference)."""
    n = len(seq)
    z = n
    edges: list[tuple[int, int, int]] = []
    for k, node in enumerate(seq):
        edges += [(z, k, timer.lt[node]), (k, z, -timer.e[node])]
    for k in range(n - 1):
        a, b = seq[k], seq[k + 1]
        edges.append((k + 1, k, -(timer.svc[a] + timer.T[timer.loc[a]][timer.loc[b]])))
    where = {node: k for k, node in enumerate(seq)}
    for k, node in enumerate(seq):
        if node < 2 * timer.ns and node % 2 == 1 and timer.ride[node] >= 0:
            edges.append((where[node - 1], k, timer.ride[node]))
    limit = timer.duration_limit[(seq[0] - 2 * timer.ns) // 2]
    if limit is not None:
        edges.append((0, n - 1, limit))
    dist = [math.inf] * (n + 1)
    dist[z] = 0
    for _ in range(n + 1):
        changed = False
        for i, j, w in edges:
            if dist[i] + w < dist[j]:
                dist[j] = dist[i] + w
                changed = True
        if not changed:
            return True
    return False


def test_route_timing_agrees_with_bellman_ford_on_random_sequences() -> None:
    """The least-schedule iteration decides feasibility exactly (ride and duration limits)."""
    rng = np.random.default_rng(7)
    for seed in range(30):
        p = random_problem(seed, n=5, ride=1.3, duration=int(rng.integers(200, 900)))
        timer = RouteTimer(p)
        for _ in range(20):
            order = [int(s) for s in rng.permutation(5)[: int(rng.integers(1, 4))]]
            nodes = [2 * s for s in order] + [2 * s + 1 for s in order]
            rng.shuffle(nodes)
            for s in order:  # each pickup before its delivery
                a, b = nodes.index(2 * s), nodes.index(2 * s + 1)
                if b < a:
                    nodes[a], nodes[b] = nodes[b], nodes[a]
            seq = [2 * 5, *nodes, 2 * 5 + 1]
            least = timer.least(seq)
            assert (least is not None) == _bellman_ford_feasible(timer, seq)
            if least is not None:
                greatest = timer.greatest(seq)
                assert greatest is not None
                assert all(a <= b for a, b in zip(least, greatest, strict=True))


def _brute_best(srch: lns._Search, p: PdpProblem, stops: list[int], v: int, s: int) -> int:
    best = lns._INF
    base = srch.route(v, stops)
    assert base is not None
    for i, j in itertools.combinations_with_replacement(range(len(stops) + 1), 2):
        seq = stops[:j] + [2 * s + 1] + stops[j:]
        seq = seq[:i] + [2 * s] + seq[i:]
        loads = np.cumsum([srch.dem[x] for x in seq], axis=0)
        if (loads > np.asarray(p.vehicles[v].capacity)).any():
            continue
        r = srch.route(v, seq)
        if r is None:
            continue
        best = min(best, r.cost - base.cost)
    return best


def test_best_insertion_matches_brute_force_with_ride_times_durations_and_two_loads() -> None:
    """The constant-time bounds plus exact checks find the cheapest feasible insertion."""
    cases = 0
    for seed in range(12):
        p = random_problem(seed, n=8, ride=1.4, duration=900, dims=2)
        srch = lns._Search(p, EXHAUSTIVE, seed)
        route = srch.empty(0)
        for s in range(5):
            delta, i, j = srch.best_insertion(route, s)
            if delta < lns._INF:
                route = srch.insert(route, s, i, j)
        stops = route.seq[1:-1]
        for s in range(5, 8):
            delta, _, _ = srch.best_insertion(route, s)
            assert delta == _brute_best(srch, p, stops, 0, s)
            cases += delta < lns._INF
    assert cases > 5  # the check is not vacuous


def test_best_insertion_matches_brute_force_with_two_windows_per_stop() -> None:
    """Stops with two windows are decided exactly too (the bounds send them to exact timing)."""
    cases = 0
    for seed in range(8):
        p = random_problem(seed, n=8, ride=1.6)
        ships = []
        for s, sh in enumerate(p.shipments):
            a, b = sh.pickup_windows[0]
            if s % 2 and b - a > 40:
                mid = (a + b) // 2
                sh = replace(sh, pickup_windows=((a, mid - 15), (mid + 15, b + 150)))
            ships.append(sh)
        p = replace(p, shipments=tuple(ships))
        srch = lns._Search(p, EXHAUSTIVE, seed)
        route = srch.empty(0)
        for s in range(5):
            delta, i, j = srch.best_insertion(route, s)
            if delta < lns._INF:
                route = srch.insert(route, s, i, j)
        stops = route.seq[1:-1]
        for s in range(5, 8):
            delta, _, _ = srch.best_insertion(route, s)
            assert delta == _brute_best(srch, p, stops, 0, s)
            cases += delta < lns._INF
    assert cases > 3


def test_pair_relocation_gathers_requests_spread_over_many_vehicles() -> None:
    """The relocate local search moves requests while the objective falls, staying feasible."""
    p = random_problem(4, n=6, vehicles=6, ride=1.8)
    srch = lns._Search(p, SearchParams(), 0)
    routes = [srch.empty(v) for v in range(6)]
    for s in range(6):
        delta, i, j = srch.best_insertion(routes[s], s)
        assert delta < lns._INF
        routes[s] = srch.insert(routes[s], s, i, j)
    before = srch.objective(routes, set())
    assert srch.relocate_descent(routes, set(), passes=3) > 0
    assert srch.objective(routes, set()) < before
    sol = lns._timed(srch, routes, set())
    assert sol is not None and validate_pdp(p, sol) == []


def test_improve_returns_a_valid_solution_no_worse_than_its_start() -> None:
    """Starting from nothing, the search constructs and returns a valid, better solution."""
    p = random_problem(3, n=10, vehicles=10)
    start = PdpSolution(routes=(), unserved=tuple(range(10)))
    result = lns.improve(
        p, start, time.monotonic() + 30, seed=1, params=SearchParams(max_iterations=200)
    )
    assert result is not None
    sol, stats = result
    assert validate_pdp(p, sol) == []
    assert stats["lns_iterations"] == 200
    assert solution_key(p, sol) < solution_key(p, start)


def test_every_rule_holds_on_a_dial_a_ride_problem() -> None:
    """Ride times, route durations, two capacities, allowed vehicles and two windows hold."""
    p = random_problem(5, n=14, vehicles=5, ride=1.5, duration=800, dims=2)
    ships = list(p.shipments)
    ships[1] = replace(ships[1], allowed_vehicles=frozenset({2}))
    w = ships[2].pickup_windows[0]
    ships[2] = replace(ships[2], pickup_windows=((w[0], w[0] + 20), (w[0] + 200, w[1] + 200)))
    p = replace(p, shipments=tuple(ships))
    assert lns.supports(p)
    start = PdpSolution((), tuple(range(len(p.shipments))))
    found = lns.improve(p, start, time.monotonic() + 30, params=SearchParams(max_iterations=300))
    assert found is not None
    sol, _ = found
    assert validate_pdp(p, sol) == []
    assert len(sol.unserved) < len(p.shipments)
    for r in sol.routes:
        if any(st.shipment == 1 for st in r.stops):
            assert r.vehicle == 2


def test_a_return_is_served_only_with_its_outbound() -> None:
    """A request that requires another is never on a route without it."""
    p = random_problem(8, n=10, vehicles=2, cap=1)
    ships = [replace(sh, requires=s - 1) if s % 2 else sh for s, sh in enumerate(p.shipments)]
    # the outbound 0 cannot be served at all: its return 1 must stay out too
    ships[0] = replace(ships[0], allowed_vehicles=frozenset())
    p = replace(p, shipments=tuple(ships))
    start = PdpSolution((), tuple(range(10)))
    found = lns.improve(p, start, time.monotonic() + 30, params=SearchParams(max_iterations=150))
    assert found is not None
    sol, _ = found
    assert validate_pdp(p, sol) == []
    served = {st.shipment for r in sol.routes for st in r.stops}
    assert 0 not in served and 1 not in served
    for s in served:
        if p.shipments[s].requires is not None:
            assert p.shipments[s].requires in served


def test_a_start_with_a_return_but_not_its_outbound_is_mended() -> None:
    """A first solution from elsewhere (OR-Tools) that breaks the rule is put right."""
    p = random_problem(8, n=2, vehicles=1, cap=3)
    p = replace(
        p,
        shipments=(
            replace(p.shipments[0], allowed_vehicles=frozenset()),
            replace(p.shipments[1], requires=0),
        ),
    )
    timer = RouteTimer(p)
    seq = timer.seq(0, [(1, True), (1, False)])
    times = timer.schedule(seq)
    assert times is not None
    arrivals = timer.arrivals(seq, times)
    stops = (
        PdpStopTime(1, True, arrivals[1], times[1]),
        PdpStopTime(1, False, arrivals[2], times[2]),
    )
    start = PdpSolution((PdpRoute(0, times[0], stops, times[-1]),), (0,))
    found = lns.improve(p, start, time.monotonic() + 30, params=SearchParams(max_iterations=5))
    assert found is not None
    assert found[0].routes == () and found[0].unserved == (0, 1)
    assert validate_pdp(p, found[0]) == []


def test_validator_names_a_return_served_without_its_outbound() -> None:
    """The independent validator has its own cause for an orphaned return."""
    p = random_problem(8, n=2, vehicles=1, cap=3)
    p = replace(p, shipments=(p.shipments[0], replace(p.shipments[1], requires=0)))
    timer = RouteTimer(p)
    seq = timer.seq(0, [(1, True), (1, False)])
    times = timer.schedule(seq)
    assert times is not None
    arrivals = timer.arrivals(seq, times)
    stops = (
        PdpStopTime(1, True, arrivals[1], times[1]),
        PdpStopTime(1, False, arrivals[2], times[2]),
    )
    orphan = PdpSolution((PdpRoute(0, times[0], stops, times[-1]),), (0,))
    assert [v.cause for v in validate_pdp(p, orphan)] == [ViolationCause.OUTBOUND_UNSERVED]


def test_riders_going_to_the_same_place_together_earn_the_shared_ride_bonus() -> None:
    """Two aboard at once with the same activity make the objective lower by two bonuses."""
    p = random_problem(2, n=3, vehicles=1, cap=3)
    ships = [
        replace(sh, share_key="hall" if s < 2 else "surgery") for s, sh in enumerate(p.shipments)
    ]
    p = replace(p, shipments=tuple(ships))
    found = lns.improve(
        p, PdpSolution((), (0, 1, 2)), time.monotonic() + 30, params=SearchParams(max_iterations=1)
    )
    assert found is not None
    sol = found[0]
    with_bonus = replace(p, objective=replace(p.objective, shared_ride_bonus=100))
    from app.optimizer.rota.pdptw import shared_riders

    stops = [(st.shipment, st.is_pickup) for r in sol.routes for st in r.stops]
    assert (
        shared_riders(p, [(0, True), (1, True), (0, False), (2, True), (1, False), (2, False)]) == 2
    )
    assert shared_riders(p, [(0, True), (0, False), (1, True), (1, False)]) == 0
    key, key_bonus = solution_key(p, sol), solution_key(with_bonus, sol)
    assert key[2] - key_bonus[2] == 100 * shared_riders(p, stops)


def test_a_rule_the_search_cannot_model_is_refused_by_name() -> None:
    """An explicit unserved penalty is named, and solving refuses instead of guessing."""
    import pytest

    from app.optimizer.errors import InvalidProblem
    from app.optimizer.rota.search import solve_pdp
    from app.optimizer.types import SolveParams

    p = random_problem(1, n=3)
    assert lns.unsupported(p) == []
    priced = replace(p, objective=replace(p.objective, unserved_penalty=50))
    assert lns.unsupported(priced) and "unserved_penalty" in lns.unsupported(priced)[0]
    with pytest.raises(InvalidProblem, match="unserved_penalty"):
        solve_pdp(priced, SolveParams(time_limit_s=1))
    priced_out = solve_pdp(priced, SolveParams(time_limit_s=1, engine="ortools"))
    assert validate_pdp(priced, priced_out) == []  # OR-Tools models the price


def test_same_seed_and_iteration_limit_give_the_same_answer() -> None:
    """Deterministic for a seed and an iteration limit (no strategy chosen by the clock)."""
    p = random_problem(11, n=14, vehicles=6, ride=1.5)
    start = PdpSolution((), tuple(range(14)))
    params = SearchParams(max_iterations=120)
    runs = [lns.improve(p, start, time.monotonic() + 60, seed=4, params=params) for _ in range(2)]
    assert runs[0] is not None and runs[1] is not None
    assert runs[0][0].routes == runs[1][0].routes


def test_construction_keeps_to_the_time_limit_and_still_returns_a_plan() -> None:
    """With no time left the search places nothing: every request waits in the bank and the
    answer is a valid (empty) plan at once, not a late one. With time, the regret
    construction and one iteration give a valid plan serving requests."""
    p = random_problem(7, n=30, vehicles=8)
    nothing = PdpSolution((), tuple(range(30)))
    late = lns.improve(p, nothing, time.monotonic() - 1.0, params=SearchParams(relocate_passes=0))
    assert late is not None
    sol, stats = late
    assert sol.routes == () and sol.unserved == tuple(range(30))
    assert stats["lns_iterations"] == 0
    built = lns.improve(p, nothing, time.monotonic() + 60, params=SearchParams(max_iterations=1))
    assert built is not None
    assert validate_pdp(p, built[0]) == []
    assert len(built[0].unserved) < 30


def _line_problem(homes: tuple[int, int], trips: list[tuple[int, int]]) -> PdpProblem:
    """Two vehicles living at ``homes`` on a line (place k at k), trips between places; a
    vehicle costs nothing more than its driving."""
    places = 101
    x = np.arange(places, dtype=np.int64)
    d = np.abs(x[:, None] - x[None, :])
    fleet = tuple(PdpVehicle(h, h, (1,), time_window=(0, 10_000)) for h in homes)
    shipments = tuple(PdpShipment(a, b, (1,)) for a, b in trips)
    return PdpProblem(d, d, fleet, shipments, objective=PdpObjective(vehicles_first=False))


def test_two_opt_star_swaps_the_tails_of_two_crossing_routes() -> None:
    """Vehicle 0 lives at 0, vehicle 1 at 100; each drives a near trip then a far one. Swapping
    the far tails (where nobody is aboard) sends each far trip to the vehicle living there."""
    p = _line_problem((0, 100), [(2, 4), (96, 98), (98, 96), (4, 2)])
    srch = lns._Search(p, SearchParams(local_search=("two_opt_star",)), 0)
    routes = [srch.route(0, [0, 1, 2, 3]), srch.route(1, [4, 5, 6, 7])]
    assert all(r is not None for r in routes)
    state = [r for r in routes if r is not None]
    before = srch.objective(state, set())
    assert srch.two_opt_star_descent(state, set(), passes=3) > 0
    assert [r.seq[1:-1] for r in state] == [[0, 1, 6, 7], [4, 5, 2, 3]]
    assert srch.objective(state, set()) < before
    sol = lns._timed(srch, state, set())
    assert sol is not None and validate_pdp(p, sol) == []


def test_exchange_swaps_two_requests_when_moving_either_alone_does_not_fit() -> None:
    """Each vehicle (one seat) carries the trip near the other's home at the same time; no
    single move fits (the other car is busy then), the exchange does."""
    p = _line_problem((0, 100), [(96, 98), (2, 4)])
    windowed = tuple(
        replace(sh, pickup_windows=((100, 110),), delivery_windows=((0, 10_000),))
        for sh in p.shipments
    )
    p = replace(p, shipments=windowed)
    srch = lns._Search(p, SearchParams(local_search=("exchange",)), 0)
    routes = [srch.route(0, [0, 1]), srch.route(1, [2, 3])]
    state = [r for r in routes if r is not None]
    assert len(state) == 2
    before = srch.objective(state, set())
    assert srch.relocate_descent(list(state), set(), passes=1) == 0
    assert srch.exchange_descent(state, set(), passes=3) == 1
    assert [r.seq[1:-1] for r in state] == [[2, 3], [0, 1]]
    assert srch.objective(state, set()) < before


def test_every_local_search_operator_keeps_plans_valid_and_no_worse() -> None:
    """Each operator alone and all together, on dial-a-ride problems with two loads."""
    for ops in (
        ("relocate",),
        ("exchange",),
        ("two_opt_star",),
        ("relocate", "exchange", "two_opt_star"),
    ):
        p = random_problem(11, n=14, vehicles=6, ride=1.6, dims=2)
        srch = lns._Search(p, SearchParams(local_search=ops), 0)
        routes = [srch.empty(v) for v in range(6)]
        left = srch.repair(routes, list(range(14)), open_new=True)
        before = srch.objective(routes, set(left))
        srch.local_search(routes, set(left), passes=3)
        assert srch.objective(routes, set(left)) <= before
        sol = lns._timed(srch, routes, set(left))
        assert sol is not None and validate_pdp(p, sol) == []
