"""The rota solver: tiny problems with known answers, each hard rule shown to bind."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.roads import TravelMatrix
from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.rota.validate import ViolationCause
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
from app.optimizer.types import SearchParams
from app.optimizer.types import SolveParams
from app.optimizer.types import Status
from app.optimizer.types import StopKind
from app.optimizer.types import TimeWindow
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason
from tests.optimizer.rota_helpers import FAST
from tests.optimizer.rota_helpers import H
from tests.optimizer.rota_helpers import LineTravel
from tests.optimizer.rota_helpers import at
from tests.optimizer.rota_helpers import driver
from tests.optimizer.rota_helpers import lift
from tests.optimizer.rota_helpers import problem


def solve(p: Problem, params: SolveParams = FAST) -> RotaResult:
    """Solve and assert the independent validator finds nothing wrong."""
    result = solve_rota(p, LineTravel(), params)
    assert validate_plan(p, LineTravel(), result) == []
    assert result.status is Status.OK
    return result


def driver_of(result: RotaResult, lift_id: str) -> str:
    """Return the driver carrying ``lift_id``."""
    (found,) = [r.driver_id for r in result.routes if lift_id in r.lift_ids]
    return found


def reasons(result: RotaResult) -> dict[str, UnservedReason]:
    """Return the unserved lifts and their reasons."""
    return {u.lift_id: u.reason for u in result.unserved}


def test_single_lift_is_planned_with_times_inside_its_windows() -> None:
    """One lift, one driver: start, pickup, drop-off, end, with consistent times and loads."""
    p = problem(
        [lift("a", 5, 15, arrival_window=TimeWindow(10 * H - 1800, 10 * H - 300))],
        [driver("d", 0)],
    )
    result = solve(p)
    (route,) = result.routes
    kinds = [s.kind for s in route.stops]
    assert kinds == [StopKind.START, StopKind.PICKUP, StopKind.DROPOFF, StopKind.END]
    drop = route.stops[2]
    assert 10 * H - 1800 <= drop.service_start_s <= 10 * H - 300
    assert route.stops[1].load_seats == 1 and drop.load_seats == 0
    assert route.drive_s == 30 * 60 and route.distance_m == 30_000
    # Leaves home as late as it can: no waiting at the pickup.
    assert route.stops[1].arrival_s == route.stops[1].service_start_s


def test_matches_the_brute_force_optimum_for_three_lifts() -> None:
    """The driving time equals the best over every pickup-before-drop-off order."""
    spec = [("a", 3, 9), ("b", 7, 2), ("c", 4, 12)]
    p = problem([lift(n, a, b) for n, a, b in spec], [driver("d", 0)], ride_factor=9.0)
    best = None
    places = {n: (a, b) for n, a, b in spec}
    for order in itertools.permutations([(n, k) for n in places for k in (0, 1)]):
        seen: set[str] = set()
        ok = True
        for n, k in order:
            if k == 1 and n not in seen:
                ok = False
                break
            seen.add(n)
        if not ok:
            continue
        xs = [0] + [places[n][k] for n, k in order] + [0]
        cost = sum(abs(u - v) for u, v in itertools.pairwise(xs)) * 60
        best = cost if best is None else min(best, cost)
    result = solve(p)
    assert len(result.routes) == 1
    assert result.drive_s == best


def test_uses_one_driver_when_one_suffices() -> None:
    """Two lifts one driver can chain go to a single driver (fewest drivers first)."""
    p = problem([lift("a", 1, 5), lift("b", 6, 9)], [driver("d1", 0), driver("d2", 10)])
    assert len(solve(p).routes) == 1


def test_seats_bind() -> None:
    """A lift needing more seats than any car is unserved; loads never exceed seats."""
    p = problem(
        [lift("big", 1, 2, seats=4), lift("a", 1, 9), lift("b", 1, 9)],
        [driver("d1", 0, seats=1), driver("d2", 0, seats=1)],
    )
    result = solve(p)
    assert reasons(result) == {"big": UnservedReason.NO_VEHICLE_LARGE_ENOUGH}
    assert all(s.load_seats <= 1 for r in result.routes for s in r.stops)


def test_wheelchair_needs_an_accessible_car() -> None:
    """A wheelchair user rides only in an accessible car, or is unserved with the reason."""
    chair = lift("w", 1, 4, wheelchair=True, seats=0)
    near = driver("near", 1)
    far = driver("far", 20, wheelchair_spaces=1)
    assert driver_of(solve(problem([chair], [near, far])), "w") == "far"
    result = solve(problem([chair], [near]))
    assert reasons(result) == {"w": UnservedReason.NO_ACCESSIBLE_VEHICLE}


def test_max_ride_time_keeps_passengers_from_long_detours() -> None:
    """Sharing would make the first passenger ride too long, so the plan does not share."""
    # a: 0 -> 10 (direct 10 min); b: 10 -> 30 picked up after a would be dropped; max ride
    # 12 min forbids a detour of a via b's far end.
    p = problem(
        [lift("a", 0, 10, max_ride_s=12 * 60), lift("b", 1, 30, max_ride_s=40 * 60)],
        [driver("d", 0)],
    )
    result = solve(p)
    assert not result.unserved
    (route,) = result.routes
    stops = [(s.kind, s.lift_id) for s in route.stops[1:-1]]
    assert stops.index((StopKind.DROPOFF, "a")) < stops.index((StopKind.DROPOFF, "b"))


def test_window_impossible_even_alone_is_reported() -> None:
    """A drop-off deadline before the pickup window can reach it is window_impossible_alone."""
    p = problem(
        [
            lift(
                "x",
                0,
                30,
                pickup_window=TimeWindow(10 * H, 10 * H + 600),
                arrival_window=TimeWindow(0, 10 * H + 900),
            )
        ],
        [driver("d", 0)],
    )
    assert reasons(solve(p)) == {"x": UnservedReason.WINDOW_IMPOSSIBLE_ALONE}


def test_exceeds_max_ride_time_even_alone_is_reported() -> None:
    """A maximum ride shorter than the direct drive is exceeds_max_ride_time_alone."""
    p = problem([lift("x", 0, 30, max_ride_s=600)], [driver("d", 0)])
    assert reasons(solve(p)) == {"x": UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE}


def test_availability_binds() -> None:
    """A driver free only after the appointment cannot serve it: no_driver_available."""
    late = driver("d", 0, availability=(TimeWindow(14 * H, 18 * H),))
    p = problem([lift("x", 1, 5, arrival_window=TimeWindow(9 * H, 10 * H))], [late])
    assert reasons(solve(p)) == {"x": UnservedReason.NO_DRIVER_AVAILABLE}


def test_second_availability_window_is_used() -> None:
    """A driver free in the morning and the afternoon serves lifts in both windows."""
    d = driver("d", 0, availability=(TimeWindow(8 * H, 11 * H), TimeWindow(14 * H, 17 * H)))
    p = problem(
        [
            lift("am", 1, 3, arrival_window=TimeWindow(9 * H, 10 * H)),
            lift("pm", 3, 1, pickup_window=TimeWindow(15 * H, 16 * H)),
        ],
        [d],
    )
    result = solve(p)
    assert not result.unserved
    assert [r.driver_id for r in result.routes] == ["d", "d"]


def test_drive_limit_binds() -> None:
    """A lift longer than the driver's daily limit is not given to them."""
    p = problem([lift("x", 0, 30)], [driver("d", 0, max_drive_s=30 * 60)])
    assert reasons(solve(p)) == {"x": UnservedReason.NO_DRIVER_AVAILABLE}


def test_only_drivers_with_a_valid_dbs_check_drive() -> None:
    """An expired DBS check keeps the near driver out; with none valid, the reason says so."""
    expired = driver("near", 1, dbs_valid_until=None)
    valid = driver("far", 20)
    assert driver_of(solve(problem([lift("x", 1, 3)], [expired, valid])), "x") == "far"
    result = solve(problem([lift("x", 1, 3)], [expired]))
    assert reasons(result) == {"x": UnservedReason.NO_DRIVER_WITH_VALID_DBS}


def test_preferences_and_blocked_pairs_bind() -> None:
    """A resident asking for a female driver gets one; a blocked driver never drives them."""
    man, woman = driver("m", 1), driver("w", 20, attributes=frozenset({"female"}))
    p = problem(
        [
            lift("f", 1, 3, required_attributes=frozenset({"female"})),
            lift("b", 1, 3, blocked_driver_ids=frozenset({"m"})),
        ],
        [man, woman],
    )
    result = solve(p)
    assert driver_of(result, "f") == "w"
    assert driver_of(result, "b") == "w"
    alone = solve(problem([lift("f", 1, 3, required_attributes=frozenset({"female"}))], [man]))
    assert reasons(alone) == {"f": UnservedReason.NO_DRIVER_MATCHING_PREFERENCES}


def test_pinned_lift_stays_with_its_driver() -> None:
    """A lift pinned to a far driver is served by that driver."""
    p = problem([lift("x", 1, 3, pinned_driver_id="far")], [driver("near", 1), driver("far", 30)])
    assert driver_of(solve(p), "x") == "far"


def test_priority_decides_who_is_served_when_drivers_are_short() -> None:
    """Two lifts at the same time, one driver: the higher priority is served."""
    window = TimeWindow(10 * H - 600, 10 * H)
    p = problem(
        [
            lift("social", 1, 11, arrival_window=window),
            lift("medical", 20, 10, arrival_window=window, priority=5),
        ],
        [driver("d", 0, seats=1)],
    )
    result = solve(p)
    assert reasons(result) == {"social": UnservedReason.DRIVERS_BUSY}


def test_replanning_keeps_a_lift_with_its_published_driver() -> None:
    """Between two equally good drivers, the one already published keeps the lift."""
    p = problem(
        [lift("x", 5, 6, published_driver_id="right")], [driver("left", 4), driver("right", 7)]
    )
    assert driver_of(solve(p), "x") == "right"
    p2 = problem([lift("x", 5, 6, last_driver_id="left")], [driver("left", 4), driver("right", 7)])
    assert driver_of(solve(p2), "x") == "left"


def test_two_workers_give_a_valid_plan() -> None:
    """The parallel search (two processes) returns a validated plan."""
    p = problem([lift("a", 1, 5), lift("b", 6, 9)], [driver("d1", 0), driver("d2", 10)])
    result = solve(p, replace(FAST, workers=2, route_elimination=False))
    assert not result.unserved


def test_progress_is_reported() -> None:
    """The progress callback is called with elapsed and limit seconds."""
    calls: list[tuple[float, float]] = []
    p = problem([lift("a", 1, 5)], [driver("d", 0)])
    solve_rota(p, LineTravel(), FAST, progress=lambda e, t: calls.append((e, t)))
    assert calls and calls[0][1] == FAST.time_limit_s


def test_accepts_a_precomputed_matrix_and_rejects_a_wrong_one() -> None:
    """A matrix over problem.points() is used as is; one of the wrong size is InvalidProblem."""
    p = problem([lift("a", 1, 5)], [driver("d", 0)])
    m = LineTravel().matrix(p.points())
    assert solve_rota(p, m, FAST).routes
    bad = TravelMatrix(np.zeros((2, 2), dtype=np.int64), np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(InvalidProblem, match="duration_s"):
        solve_rota(p, bad, FAST)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TimeWindow(10, 5), "TimeWindow"),
        (lambda: lift("a", 1, 2, seats=-1), "seats"),
        (lambda: lift("a", 1, 2, priority=0), "priority"),
        (lambda: driver("d", seats=-2), "seats"),
        (lambda: driver("d", wheelchair_spaces=-1), "wheelchair_spaces"),
        (lambda: problem([lift("a", 1, 2)], []), "no drivers"),
        (lambda: problem([lift("a", 1, 2), lift("a", 2, 3)], [driver("d")]), "lifts share"),
        (lambda: problem([lift("a", 1, 2, pinned_driver_id="zz")], [driver("d")]), "pinned"),
        (lambda: problem([], [driver("d")], ride_factor=0.5), "ride_factor"),
        (lambda: SolveParams(time_limit_s=0), "time_limit_s"),
        (lambda: SolveParams(metaheuristic="magic"), "metaheuristic"),
        (lambda: lift("a", 1, 2).__class__("b", at(1), (float("nan"), 0.0)), "dropoff"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_names_the_field(build: object, field: str) -> None:
    """Malformed input raises InvalidProblem whose message names the field."""
    with pytest.raises(InvalidProblem, match=field):
        build()  # type: ignore[operator]


def test_a_return_is_left_out_with_its_outbound_not_planned_alone() -> None:
    """Issue 12: the return of an outward lift no driver can do is outbound_unserved.

    The return alone would fit (the driver is free in the afternoon), but nobody is collected
    from a place they were never taken to; one solve decides it, not a second one.
    """
    out = lift("out", 0, 30, max_ride_s=600)  # too long a drive for its ride limit
    back = lift("back", 30, 0, pickup_window=TimeWindow(14 * H, 15 * H), outbound_id="out")
    p = problem([out, back], [driver("d", 0)])
    result = solve(p)
    assert reasons(result) == {
        "out": UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE,
        "back": UnservedReason.OUTBOUND_UNSERVED,
    }
    assert validate_plan(p, LineTravel(), result) == []


def test_a_return_waits_for_its_outbound_when_drivers_are_short() -> None:
    """With time for one lift only, the search never plans a return without its outbound."""
    d = driver("d", 0, availability=(TimeWindow(9 * H, 9 * H + 45 * 60),))
    out = lift("out", 1, 10, arrival_window=TimeWindow(9 * H, 9 * H + 40 * 60))
    back = lift("back", 10, 1, pickup_window=TimeWindow(9 * H, 9 * H + 10 * 60), outbound_id="out")
    other = lift("other", 2, 3, priority=5)
    p = problem([out, back, other], [d])
    result = solve(p)
    planned = {lid for r in result.routes for lid in r.lift_ids}
    assert "back" not in planned or "out" in planned
    assert validate_plan(p, LineTravel(), result) == []


def test_the_validator_names_a_return_planned_without_its_outbound() -> None:
    """A plan with the return but not its outbound breaks the outbound_unserved rule."""
    out = lift("out", 0, 30, max_ride_s=600)
    back = lift("back", 30, 0, outbound_id="out")
    alone = problem([replace(back, outbound_id=None)], [driver("d", 0)])
    planned = solve(alone)
    assert planned.routes
    both = problem([out, back], [driver("d", 0)])
    orphan = RotaResult(
        planned.status,
        planned.routes,
        (Unserved("out", UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE, "too long"),),
    )
    causes = [v.cause for v in validate_plan(both, LineTravel(), orphan)]
    assert causes == [ViolationCause.OUTBOUND_UNSERVED]


def test_same_seed_and_iteration_limit_give_the_same_plan_on_two_workers() -> None:
    """With an iteration limit the plan is the same on every run, one worker or two (spawned)."""
    lifts = [lift(f"l{k}", k % 7, (3 * k) % 11 + 1) for k in range(8)]
    p = problem(lifts, [driver("a", 0), driver("b", 6, seats=2)])
    search = SearchParams(construction="insertion", max_iterations=60)
    for workers in (1, 2):
        params = SolveParams(time_limit_s=60, seed=3, workers=workers, search=search)
        first, second = solve(p, params), solve(p, params)
        assert first.routes == second.routes
        assert validate_plan(p, LineTravel(), first) == []


def test_the_ortools_engine_is_still_there_to_check_the_search_against() -> None:
    """Both engines plan the same small day validly; the search is no worse by the key."""
    lifts = [lift(f"l{k}", k % 5, (2 * k) % 9 + 1) for k in range(6)]
    p = problem(lifts, [driver("a", 0), driver("b", 4)])
    ours = solve(p, SolveParams(time_limit_s=1))
    theirs = solve(p, SolveParams(time_limit_s=1, engine="ortools"))
    for result in (ours, theirs):
        assert validate_plan(p, LineTravel(), result) == []
    assert len(ours.unserved) <= len(theirs.unserved)
