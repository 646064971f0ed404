"""A same-day re-plan while drivers are out: each car starts where it is, when it is free, with
the residents already on board, who stay in that car until their drop-off (issue 12)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.rota.validate import ViolationCause
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
from app.optimizer.types import SearchParams
from app.optimizer.types import SolveParams
from app.optimizer.types import StopKind
from app.optimizer.types import TimeWindow
from app.optimizer.types import UnderWay
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason
from tests.optimizer.rota_helpers import H
from tests.optimizer.rota_helpers import LineTravel
from tests.optimizer.rota_helpers import at
from tests.optimizer.rota_helpers import driver
from tests.optimizer.rota_helpers import lift
from tests.optimizer.rota_helpers import problem

#: Deterministic and quick: the search's own construction and a fixed number of iterations.
STEPS = SolveParams(
    time_limit_s=60, search=SearchParams(construction="insertion", max_iterations=150)
)


def solve(p: Problem, params: SolveParams = STEPS) -> RotaResult:
    """Solve and assert the independent validator finds nothing wrong."""
    result = solve_rota(p, LineTravel(), params)
    assert validate_plan(p, LineTravel(), result) == []
    return result


def route_of(result: RotaResult, driver_id: str) -> list[tuple[StopKind, str | None]]:
    """Return the stops of the driver's first route as (kind, lift id)."""
    (route, *_) = sorted(
        (r for r in result.routes if r.driver_id == driver_id), key=lambda r: r.stops[0].arrival_s
    )
    return [(s.kind, s.lift_id) for s in route.stops]


def test_a_rider_on_board_is_taken_where_they_are_going_by_their_own_driver() -> None:
    """Ann is at place 5 at 10:00 with Bob aboard; Bob's drop-off is hers, from where she is."""
    bob = lift("bob", 2, 9, arrival_window=TimeWindow(10 * H, 11 * H))
    p = problem(
        [bob],
        [driver("ann", 0), driver("cat", 9)],
        under_way=(UnderWay("ann", at(5), 10 * H, on_board=("bob",)),),
    )
    result = solve(p)
    assert route_of(result, "ann") == [
        (StopKind.START, None),
        (StopKind.DROPOFF, "bob"),
        (StopKind.END, None),
    ]
    (route,) = result.routes
    assert route.stops[0].location == at(5)
    assert route.stops[0].departure_s >= 10 * H
    assert (route.stops[0].load_seats, route.stops[1].load_seats) == (1, 0)
    assert route.drive_s == (4 + 9) * 60  # 5 -> 9 -> home at 0, not the pickup at 2
    assert not result.unserved


def test_the_seats_taken_on_board_are_not_offered_to_others() -> None:
    """Ann's one seat is Bob's until he is off: Dee, waiting on the way, goes after him."""
    bob = lift("bob", 2, 9)
    dee = lift("dee", 6, 7, pickup_window=TimeWindow(10 * H, 12 * H))
    p = problem(
        [bob, dee],
        [driver("ann", 0, seats=1)],
        under_way=(UnderWay("ann", at(5), 10 * H, on_board=("bob",)),),
    )
    stops = route_of(solve(p), "ann")
    assert stops.index((StopKind.DROPOFF, "bob")) < stops.index((StopKind.PICKUP, "dee"))


def test_the_rest_of_the_day_is_planned_around_the_car_under_way() -> None:
    """New lifts go to whoever fits, the driver under way included, starting where they are."""
    lifts = [
        lift("bob", 2, 9),
        lift("eve", 10, 12, pickup_window=TimeWindow(10 * H, 11 * H)),
        lift("fay", 1, 3, pickup_window=TimeWindow(9 * H, 12 * H)),
    ]
    p = problem(
        lifts,
        [driver("ann", 0), driver("cat", 0)],
        under_way=(UnderWay("ann", at(5), 10 * H, on_board=("bob",)),),
    )
    result = solve(p)
    assert not result.unserved
    assert (StopKind.DROPOFF, "bob") in route_of(result, "ann")
    assert all("bob" not in r.lift_ids for r in result.routes)  # his pickup is done
    assert {lid for r in result.routes for lid in r.lift_ids} == {"eve", "fay"}


def test_windows_already_over_are_gone_and_driving_done_counts() -> None:
    """Free from 10:00 with 50 of 60 minutes' driving done: only a short lift still fits."""
    ann = driver(
        "ann",
        0,
        availability=(TimeWindow(8 * H, 9 * H), TimeWindow(9 * H + 60, 18 * H)),
        max_drive_s=60 * 60,
    )
    lifts = [lift("near", 1, 2), lift("far", 1, 30)]
    p = problem(lifts, [ann], under_way=(UnderWay("ann", at(0), 10 * H, driven_s=50 * 60),))
    result = solve(p)
    assert [r.lift_ids for r in result.routes] == [("near",)]
    assert result.routes[0].stops[0].departure_s >= 10 * H
    assert {u.lift_id for u in result.unserved} == {"far"}


def test_a_driver_past_their_hours_only_takes_their_riders_home() -> None:
    """Running late after 18:00 with Bob aboard: Bob is dropped off, nobody new is collected."""
    lifts = [lift("bob", 2, 9), lift("gus", 4, 6)]
    p = problem(
        lifts,
        [driver("ann", 0)],
        under_way=(UnderWay("ann", at(5), 18 * H + 600, on_board=("bob",)),),
    )
    result = solve(p)
    assert [s for s in route_of(result, "ann") if s[1]] == [(StopKind.DROPOFF, "bob")]
    assert [u.lift_id for u in result.unserved] == ["gus"]


def test_a_drop_off_window_already_missed_is_met_as_soon_as_possible() -> None:
    """Running late, Bob cannot arrive by 10:05; he is taken straight there, not abandoned."""
    bob = lift("bob", 2, 9, arrival_window=TimeWindow(9 * H, 10 * H + 300))
    p = problem(
        [bob, lift("hal", 1, 3)],
        [driver("ann", 0)],
        under_way=(UnderWay("ann", at(5), 10 * H, on_board=("bob",)),),
    )
    result = solve(p)
    stops = route_of(result, "ann")
    assert stops[1] == (StopKind.DROPOFF, "bob")
    drop = next(s for r in result.routes for s in r.stops if s.lift_id == "bob")
    assert drop.service_start_s == 10 * H + 4 * 60


def test_the_ortools_engine_models_routes_under_way_too() -> None:
    """The model the tests check the search against gives the same kind of plan."""
    p = problem(
        [lift("bob", 2, 9), lift("dee", 6, 7)],
        [driver("ann", 0, seats=1)],
        under_way=(UnderWay("ann", at(5), 10 * H, on_board=("bob",)),),
    )
    params = SolveParams(
        time_limit_s=10, engine="ortools", solution_limit=50, route_elimination=False
    )
    result = solve(p, replace(params, ruin_recreate=False))
    assert route_of(result, "ann")[1] == (StopKind.DROPOFF, "bob")
    assert not result.unserved


def test_the_validator_names_a_rider_on_board_left_behind_or_moved() -> None:
    """A plan that drops Bob from the car, or starts Ann at home, is refused."""
    p = problem(
        [lift("bob", 2, 9)],
        [driver("ann", 0), driver("cat", 0)],
        under_way=(UnderWay("ann", at(5), 10 * H, on_board=("bob",)),),
    )
    good = solve(p)
    left = RotaResult(
        good.status, (), (Unserved("bob", UnservedReason.DRIVERS_BUSY, "busy"),), good.stats
    )
    causes = {v.cause for v in validate_plan(p, LineTravel(), left)}
    assert ViolationCause.ON_BOARD in causes
    (route,) = good.routes
    first = replace(route.stops[0], location=at(0))
    moved = replace(good, routes=(replace(route, stops=(first, *route.stops[1:])),))
    causes = {v.cause for v in validate_plan(p, LineTravel(), moved)}
    assert ViolationCause.LOCATION in causes
    other = replace(good, routes=(replace(route, driver_id="cat"),))
    causes = {v.cause for v in validate_plan(p, LineTravel(), other)}
    assert ViolationCause.ON_BOARD in causes


@pytest.mark.parametrize(
    ("under_way", "words"),
    [
        ((UnderWay("nobody", at(1), 10 * H),), "unknown driver"),
        ((UnderWay("ann", at(1), 10 * H, on_board=("zed",)),), "unknown lift"),
        (
            (
                UnderWay("ann", at(1), 10 * H, on_board=("bob",)),
                UnderWay("cat", at(1), 10 * H, on_board=("bob",)),
            ),
            "two cars",
        ),
        ((UnderWay("ann", at(1), 10 * H), UnderWay("ann", at(2), 11 * H)), "two routes"),
        ((UnderWay("ann", at(1), 10 * H, on_board=("bob", "dee")),), "more riders"),
    ],
)
def test_an_impossible_route_under_way_is_refused_by_name(
    under_way: tuple[UnderWay, ...], words: str
) -> None:
    """Bad input names what is wrong and nothing is solved."""
    with pytest.raises(InvalidProblem, match=words):
        problem(
            [lift("bob", 2, 9), lift("dee", 3, 9)],
            [driver("ann", 0, seats=1), driver("cat", 0)],
            under_way=under_way,
        )


def test_nothing_is_planned_before_now_on_the_day() -> None:
    """Re-planned at noon: a morning pickup cannot be served any more; the afternoon's can, by
    a driver leaving home after noon, and the validator refuses a route leaving earlier."""
    lifts = [
        lift("am", 1, 2, pickup_window=TimeWindow(9 * H, 10 * H)),
        lift("pm", 1, 2, pickup_window=TimeWindow(12 * H, 14 * H)),
    ]
    p = problem(lifts, [driver("ann", 0)], now_s=12 * H)
    result = solve(p)
    assert [r.lift_ids for r in result.routes] == [("pm",)]
    assert result.routes[0].stops[0].departure_s >= 12 * H
    assert [u.lift_id for u in result.unserved] == ["am"]
    ahead = solve(replace(p, now_s=None))
    causes = {v.cause for v in validate_plan(p, LineTravel(), ahead)}
    assert ViolationCause.SHIFT in causes
    with pytest.raises(InvalidProblem, match="free before now"):
        replace(p, under_way=(UnderWay("ann", at(3), 11 * H),))
