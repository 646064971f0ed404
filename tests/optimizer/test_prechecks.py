"""Reasons for unservable lifts: each reason in its order, and the generic schedule."""

from __future__ import annotations

from app.optimizer.rota.prechecks import precheck
from app.optimizer.rota.translate import to_model
from app.optimizer.types import Problem
from app.optimizer.types import TimeWindow
from app.optimizer.types import UnservedReason
from tests.optimizer.rota_helpers import H
from tests.optimizer.rota_helpers import LineTravel
from tests.optimizer.rota_helpers import driver
from tests.optimizer.rota_helpers import lift
from tests.optimizer.rota_helpers import problem


def reasons(p: Problem) -> dict[str, UnservedReason]:
    """Return the precheck reason of every lift not servable alone."""
    model = to_model(p, LineTravel().matrix(p.points()))
    return {p.lifts[model.lift_of[s]].id: u.reason for s, u in precheck(model).items()}


def test_servable_lifts_pass() -> None:
    """A plain lift with a free driver has no precheck reason."""
    assert reasons(problem([lift("ok", 1, 3)], [driver("d")])) == {}


def test_each_reason() -> None:
    """Each rule gives its own reason, checked in the documented order."""
    d = driver("d", 0, attributes=frozenset())
    w = TimeWindow(9 * H, 9 * H + 600)
    p = problem(
        [
            lift("window", 0, 30, pickup_window=w, arrival_window=TimeWindow(0, 9 * H + 900)),
            lift("ride", 0, 30, max_ride_s=60),
            lift("chair", 1, 3, wheelchair=True, seats=0),
            lift("big", 1, 3, seats=9),
            lift("female", 1, 3, required_attributes=frozenset({"female"})),
            lift("night", 1, 3, arrival_window=TimeWindow(20 * H, 21 * H)),
            lift("pinned", 1, 3, pinned_driver_id="d", arrival_window=TimeWindow(20 * H, 21 * H)),
        ],
        [d],
    )
    assert reasons(p) == {
        "window": UnservedReason.WINDOW_IMPOSSIBLE_ALONE,
        "ride": UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE,
        "chair": UnservedReason.NO_ACCESSIBLE_VEHICLE,
        "big": UnservedReason.NO_VEHICLE_LARGE_ENOUGH,
        "female": UnservedReason.NO_DRIVER_MATCHING_PREFERENCES,
        "night": UnservedReason.NO_DRIVER_AVAILABLE,
        "pinned": UnservedReason.PINNED_DRIVER_UNABLE,
    }


def test_no_valid_dbs_comes_first_among_driver_rules() -> None:
    """With no DBS-valid driver the reason is the DBS, whatever else the lift needs."""
    p = problem([lift("x", 1, 3, wheelchair=True, seats=0)], [driver("d", dbs_valid_until=None)])
    assert reasons(p) == {"x": UnservedReason.NO_DRIVER_WITH_VALID_DBS}


def test_schedule_route_leaves_late_and_detects_impossible_sequences() -> None:
    """The exact timing leaves home as late as the windows allow; a late pickup is impossible."""
    import numpy as np

    from app.optimizer.rota.pdptw import PdpProblem
    from app.optimizer.rota.pdptw import PdpShipment
    from app.optimizer.rota.pdptw import PdpVehicle
    from app.optimizer.rota.timing import schedule_route

    d = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], dtype=np.int64)
    ship = PdpShipment(1, 2, (1,), 5, 5, ((100, 200),), ((0, 1000),), max_ride_time=50)
    p = PdpProblem(d, d, (PdpVehicle(0, 0, (1,), time_window=(0, 1000)),), (ship,))
    timed = schedule_route(p, 0, [(0, True), (0, False)])
    assert timed == (90, [100, 115], 140)
    late = PdpShipment(1, 2, (1,), 5, 5, ((100, 200),), ((0, 110),))
    q = PdpProblem(d, d, p.vehicles, (late,))
    assert schedule_route(q, 0, [(0, True), (0, False)]) is None
