"""Re-planning a published day: a lift already published keeps its driver and its pickup time
(within 10 minutes) unless moving it is needed to serve a lift that would otherwise be dropped
(issue 12)."""

from __future__ import annotations

from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
from app.optimizer.types import SearchParams
from app.optimizer.types import SolveParams
from app.optimizer.types import StopKind
from app.optimizer.types import TimeWindow
from tests.optimizer.rota_helpers import H
from tests.optimizer.rota_helpers import LineTravel
from tests.optimizer.rota_helpers import driver
from tests.optimizer.rota_helpers import lift
from tests.optimizer.rota_helpers import problem

STEPS = SolveParams(
    time_limit_s=60, search=SearchParams(construction="insertion", max_iterations=100)
)


def solve(p: Problem) -> RotaResult:
    """Solve and assert the independent validator finds nothing wrong."""
    result = solve_rota(p, LineTravel(), STEPS)
    assert validate_plan(p, LineTravel(), result) == []
    return result


def pickup_of(result: RotaResult, lift_id: str) -> tuple[str, int]:
    """Return (driver, pickup time) of a lift."""
    (found,) = [
        (r.driver_id, s.service_start_s)
        for r in result.routes
        for s in r.stops
        if s.kind is StopKind.PICKUP and s.lift_id == lift_id
    ]
    return found


def test_a_published_lift_stays_with_its_driver_and_time_even_when_moving_it_saves_driving() -> (
    None
):
    """Far was told to collect X at 10:00; Near, collecting Y from the same street, would save
    an hour's driving and a driver, but the resident was told Far at 10:00."""
    window = TimeWindow(9 * H, 12 * H)
    lifts = [
        lift("x", 1, 2, pickup_window=window, published_driver_id="far", published_pickup_s=10 * H),
        lift("y", 1, 2, pickup_window=window),
    ]
    result = solve(problem(lifts, [driver("near", 0), driver("far", 30)]))
    assert not result.unserved
    who, when = pickup_of(result, "x")
    assert who == "far"
    assert abs(when - 10 * H) <= 600


def test_a_published_lift_moves_when_that_is_the_only_way_to_serve_another() -> None:
    """Ann (one seat) was told to collect X at 10:00; Zoe, new, can only go with Ann, at
    10:00 too. X moves (to Bob or to another time) rather than Zoe being left out."""
    lifts = [
        lift(
            "x",
            1,
            9,
            pickup_window=TimeWindow(9 * H, 12 * H),
            published_driver_id="ann",
            published_pickup_s=10 * H,
        ),
        lift(
            "zoe",
            1,
            9,
            pickup_window=TimeWindow(10 * H, 10 * H + 300),
            required_attributes=frozenset({"female"}),
        ),
    ]
    drivers = [driver("ann", 0, seats=1, attributes=frozenset({"female"})), driver("bob", 0)]
    result = solve_rota(problem(lifts, drivers), LineTravel(), STEPS)
    assert validate_plan(problem(lifts, drivers), LineTravel(), result) == []
    assert not result.unserved
    assert pickup_of(result, "zoe")[0] == "ann"
    who, when = pickup_of(result, "x")
    assert who == "bob" or abs(when - 10 * H) > 600
    assert result.stats["relaxed_served"] == 1
