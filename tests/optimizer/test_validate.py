"""The independent validator catches hand-broken plans, one rule at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.optimizer.rota import ViolationCause
from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.types import PlannedRoute
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
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


@pytest.fixture(scope="module")
def planned() -> tuple[Problem, RotaResult]:
    """A valid one-driver plan with two lifts."""
    p = problem(
        [
            lift("a", 1, 5, arrival_window=TimeWindow(9 * H, 10 * H)),
            lift("b", 2, 6, arrival_window=TimeWindow(9 * H, 10 * H)),
        ],
        [driver("d", 0, seats=2), driver("e", 40)],
    )
    result = solve_rota(p, LineTravel(), FAST)
    assert validate_plan(p, LineTravel(), result) == []
    assert len(result.routes) == 1
    return p, result


def causes(p: Problem, result: RotaResult) -> set[ViolationCause]:
    """Return the causes the validator reports."""
    return {v.cause for v in validate_plan(p, LineTravel(), result)}


def with_route(result: RotaResult, route: PlannedRoute) -> RotaResult:
    """Return ``result`` with its only route replaced."""
    return replace(result, routes=(route,))


def test_late_service_is_a_delay(planned: tuple[Problem, RotaResult]) -> None:
    """Shifting the whole route two hours later breaks the arrival windows."""
    p, result = planned
    (route,) = result.routes
    late = tuple(
        replace(
            s,
            arrival_s=s.arrival_s + 2 * H,
            service_start_s=s.service_start_s + 2 * H,
            departure_s=s.departure_s + 2 * H,
        )
        for s in route.stops
    )
    assert ViolationCause.DELAY in causes(p, with_route(result, replace(route, stops=late)))


def test_early_service_is_lead_time(planned: tuple[Problem, RotaResult]) -> None:
    """Shifting the whole route an hour and a half earlier is before the windows open."""
    p, result = planned
    (route,) = result.routes
    early = tuple(
        replace(
            s,
            arrival_s=s.arrival_s - 5400,
            service_start_s=s.service_start_s - 5400,
            departure_s=s.departure_s - 5400,
        )
        for s in route.stops
    )
    found = causes(p, with_route(result, replace(route, stops=early)))
    assert ViolationCause.LEAD_TIME in found


def test_drop_off_before_pickup_is_precedence(planned: tuple[Problem, RotaResult]) -> None:
    """Swapping a lift's pickup and drop-off is a precedence violation."""
    p, result = planned
    (route,) = result.routes
    stops = list(route.stops)
    i = next(k for k, s in enumerate(stops) if s.lift_id == "a" and s.kind == "pickup")
    j = next(k for k, s in enumerate(stops) if s.lift_id == "a" and s.kind == "dropoff")
    stops[i], stops[j] = stops[j], stops[i]
    assert ViolationCause.PRECEDENCE in causes(
        p, with_route(result, replace(route, stops=tuple(stops)))
    )


def test_too_many_passengers_is_seats(planned: tuple[Problem, RotaResult]) -> None:
    """The same plan with a one-seat car overloads it (when both ride together)."""
    p, result = planned
    small = replace(p, drivers=(replace(p.drivers[0], seats=1), p.drivers[1]))
    (route,) = result.routes
    peak = max(s.load_seats for s in route.stops)
    if peak < 2:
        pytest.skip("the plan never carries both at once")
    assert ViolationCause.SEATS in causes(small, result)


def test_missing_and_duplicate_lifts(planned: tuple[Problem, RotaResult]) -> None:
    """A lift dropped from the plan silently is missing; listing it unserved too is duplicate."""
    p, result = planned
    assert ViolationCause.MISSING in causes(p, replace(result, routes=()))
    extra = Unserved("a", UnservedReason.DRIVERS_BUSY, "")
    assert ViolationCause.DUPLICATE in causes(p, replace(result, unserved=(extra,)))


def test_rules_about_the_driver(planned: tuple[Problem, RotaResult]) -> None:
    """DBS, blocked pair, preference, pin, shift and drive limit are each caught."""
    p, result = planned
    d, e = p.drivers
    cases = {
        ViolationCause.DBS: replace(p, drivers=(replace(d, dbs_valid_until=None), e)),
        ViolationCause.SHIFT: replace(
            p, drivers=(replace(d, availability=(TimeWindow(12 * H, 13 * H),)), e)
        ),
        ViolationCause.DRIVE_LIMIT: replace(p, drivers=(replace(d, max_drive_s=60), e)),
        ViolationCause.BLOCKED_PAIR: replace(
            p, lifts=(replace(p.lifts[0], blocked_driver_ids=frozenset({"d"})), p.lifts[1])
        ),
        ViolationCause.PREFERENCE: replace(
            p, lifts=(replace(p.lifts[0], required_attributes=frozenset({"female"})), p.lifts[1])
        ),
        ViolationCause.PINNED: replace(
            p, lifts=(replace(p.lifts[0], pinned_driver_id="e"), p.lifts[1])
        ),
        ViolationCause.MAX_RIDE_TIME: replace(
            p, lifts=(replace(p.lifts[0], max_ride_s=60), p.lifts[1])
        ),
        ViolationCause.WHEELCHAIR: replace(
            p, lifts=(replace(p.lifts[0], wheelchair=True), p.lifts[1])
        ),
    }
    for cause, broken in cases.items():
        assert cause in causes(broken, result), cause


def test_impossible_timing_and_unknown_ids(planned: tuple[Problem, RotaResult]) -> None:
    """Arriving faster than the road allows, an unknown driver or lift, bad totals."""
    p, result = planned
    (route,) = result.routes
    stops = list(route.stops)
    stops[2] = replace(stops[2], arrival_s=stops[1].departure_s)
    found = causes(p, with_route(result, replace(route, stops=tuple(stops))))
    assert ViolationCause.TIMING in found
    assert ViolationCause.UNKNOWN_DRIVER in causes(
        p, with_route(result, replace(route, driver_id="zz"))
    )
    stops = list(route.stops)
    stops[1] = replace(stops[1], lift_id="zz")
    assert ViolationCause.UNKNOWN_LIFT in causes(
        p, with_route(result, replace(route, stops=tuple(stops)))
    )
    assert ViolationCause.TOTALS in causes(p, with_route(result, replace(route, drive_s=1)))
    stops = list(route.stops)
    stops[1] = replace(stops[1], location=at(33))
    assert ViolationCause.LOCATION in causes(
        p, with_route(result, replace(route, stops=tuple(stops)))
    )
