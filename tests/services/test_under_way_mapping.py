"""A same-day re-plan reads where each driver's published day stands (issue 12): the car at
its last stop done or on its way, riders collected and not yet dropped off on board."""

from __future__ import annotations

from app.models import PlanStop
from app.models import StopKind
from app.optimizer.types import LatLon
from app.services.optimizer_mapping import under_way_from_stops

H = 3600


def stop(kind: StopKind, lift: int | None, place: float, arrive: int, leave: int) -> PlanStop:
    """A published stop at ``place`` (degrees east), arriving and leaving at those times."""
    return PlanStop(
        kind=kind,
        lift_id=lift,
        lat=51.5,
        lon=place,
        arrival_s=arrive,
        service_start_s=arrive,
        departure_s=leave,
    )


# Ann's published morning: home, collect 1 at 9:10, collect 2 at 9:30, drop 1 at 9:50,
# drop 2 at 10:10, home at 10:30.
DAY = [
    stop(StopKind.START, None, 0.0, 9 * H, 9 * H),
    stop(StopKind.PICKUP, 1, 0.1, 9 * H + 600, 9 * H + 720),
    stop(StopKind.PICKUP, 2, 0.2, 9 * H + 1800, 9 * H + 1920),
    stop(StopKind.DROPOFF, 1, 0.3, 9 * H + 3000, 9 * H + 3120),
    stop(StopKind.DROPOFF, 2, 0.4, 10 * H + 600, 10 * H + 720),
    stop(StopKind.END, None, 0.0, 10 * H + 1800, 10 * H + 1800),
]


def test_a_driver_still_at_home_is_not_under_way() -> None:
    """Before 9:00 Ann has not left: she is planned like any driver."""
    assert under_way_from_stops("ann", DAY, 8 * H) is None


def test_the_stop_a_driver_is_heading_for_is_kept_and_riders_are_on_board() -> None:
    """At 9:20 Ann has collected 1 and is driving to 2: the car is taken to be at 2 when that
    pickup ends, with both aboard, after the published driving so far."""
    uw = under_way_from_stops("ann", DAY, 9 * H + 1200)
    assert uw is not None
    assert uw.position == LatLon(51.5, 0.2)
    assert uw.free_at_s == 9 * H + 1920
    assert uw.on_board == ("1", "2")
    assert uw.driven_s == 600 + (1800 - 720)


def test_recorded_outcomes_move_the_day_on_and_gone_lifts_are_skipped() -> None:
    """Lift 2 was a no-show: at 9:20 Ann is on her way to drop 1 off, a stop kept as done when
    it ends, so the car is empty there. Outcomes recorded ahead of the published times win."""
    uw = under_way_from_stops("ann", DAY, 9 * H + 1200, gone={2})
    assert uw is not None
    assert (uw.position, uw.on_board, uw.free_at_s) == (LatLon(51.5, 0.3), (), 9 * H + 3120)
    ahead = under_way_from_stops("ann", DAY, 9 * H + 300, collected={1, 2})
    assert ahead is not None
    assert (ahead.position, ahead.on_board) == (LatLon(51.5, 0.2), ("1", "2"))


def test_a_driver_back_home_is_free_there_with_their_driving_counted() -> None:
    """At 11:00 the morning is done: Ann is home, nobody aboard, 5 legs driven."""
    uw = under_way_from_stops("ann", DAY, 11 * H)
    assert uw is not None
    assert (uw.position, uw.on_board, uw.free_at_s) == (LatLon(51.5, 0.0), (), 11 * H)
    assert uw.driven_s == 600 + 4 * 1080


def test_a_named_friend_s_lifts_that_day_are_given_to_the_planner() -> None:
    """Ann named Bea as a friend to ride with: Ann's lifts carry Bea's lift ids; Cal's none."""
    from types import SimpleNamespace

    from app.optimizer.types import Lift
    from app.services.optimizer_mapping import with_named_friends

    def row(lift_id: int, resident: int, friend: int | None) -> SimpleNamespace:
        return SimpleNamespace(
            id=lift_id, resident_id=resident, resident=SimpleNamespace(ride_with_id=friend)
        )

    rows = [row(1, 10, 20), row(2, 20, None), row(3, 20, None), row(4, 30, 99)]
    lifts = [Lift(str(i), LatLon(51.5, 0.0), LatLon(51.5, 0.1)) for i in (1, 2, 3, 4)]
    out = {lift.id: lift.ride_with for lift in with_named_friends(rows, lifts)}  # type: ignore[arg-type]
    assert out == {"1": frozenset({"2", "3"}), "2": frozenset(), "3": frozenset(), "4": frozenset()}
