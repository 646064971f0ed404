"""Re-planning always works (issue 10): after declines, days off, cancellations, new lifts, pins."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import AvailabilityException
from app.models import Plan
from app.models import PlanStatus
from app.models import StopKind
from app.models import UnservedLift
from app.services import publishing
from app.services import rota
from tests.factories import DAGENHAM
from tests.factories import VALENCE
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

TUESDAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)


def _pickups(plan: Plan) -> dict[int, tuple[int, int]]:
    """Lift id -> (driver id, pickup seconds) on ``plan``."""
    return {
        s.lift_id: (r.volunteer_id, s.service_start_s)
        for r in plan.routes
        for s in r.stops
        if s.kind == StopKind.PICKUP and s.lift_id is not None
    }


def _unserved_reason(db, plan_id: int, lift_id: int) -> UnservedLift | None:
    """Why ``plan_id`` left lift ``lift_id`` out, if it did."""
    return db.session.scalar(
        sa.select(UnservedLift).where(
            UnservedLift.plan_id == plan_id, UnservedLift.lift_id == lift_id
        )
    )


def _published_day(db):
    north = make_volunteer(first_name="North", lat=VALENCE[0], lon=VALENCE[1])
    south = make_volunteer(first_name="South", lat=DAGENHAM[0], lon=DAGENHAM[1])
    lifts = [
        make_lift(make_resident(first_name=f"R{i}"), day=TUESDAY, arrive_by=dt.time(10 + i))
        for i in range(4)
    ]
    plan = db.session.get(Plan, rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    publishing.publish_plan(plan.id, now=NOW)
    return north, south, lifts, plan


def test_replanning_after_a_driver_declines_leaves_them_out(db):
    """Publish, the driver replies 2, re-plan: no error; the decliner drives nobody, others stay.

    Issue 10: the re-plan failed with InvalidProblem, "published_driver_id names an unknown
    driver", because the decliner's published lifts still pointed at them.
    """
    north, south, _lifts, plan = _published_day(db)
    told = _pickups(plan)
    decliner = db.session.get(type(north), next(iter(told.values()))[0])
    publishing.driver_reply(decliner, False, now=NOW)
    db.session.commit()
    again = db.session.get(Plan, rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    assert again.status == PlanStatus.DRAFT and again.based_on_id == plan.id
    now = _pickups(again)
    assert decliner.id not in {driver for driver, _ in now.values()}
    for lift_id, (driver, start_s) in told.items():
        if driver != decliner.id:
            assert now[lift_id] == (driver, start_s) or abs(now[lift_id][1] - start_s) <= 600


def test_a_lift_pinned_to_a_driver_off_that_day_is_unserved_by_name(db):
    """A pin to a driver who is not free that day is a reason on the rota, not a failed plan."""
    off = make_volunteer(first_name="Pat", last_name="Pinned")
    make_volunteer(first_name="Free")
    lift = make_lift(make_resident(first_name="Ivy"), day=TUESDAY, pinned_volunteer_id=off.id)
    make_lift(make_resident(first_name="Ann"), day=TUESDAY, arrive_by=dt.time(11))
    db.session.add(AvailabilityException(volunteer_id=off.id, day=TUESDAY, available=False))
    db.session.commit()
    plan_id = rota.plan_day(TUESDAY, time_limit_s=1).plan_id
    reason = _unserved_reason(db, plan_id, lift.id)
    assert reason is not None and reason.reason == "pinned_driver_unable"
    assert "Pat Pinned" in reason.detail and f"'{off.id}'" not in reason.detail


def test_replanning_when_the_only_driver_declined_leaves_every_lift_unserved(db):
    """With nobody left to drive, the re-plan is a plan of unserved lifts, not an error."""
    dev = make_volunteer(first_name="Dev")
    lift = make_lift(make_resident(first_name="Joan"), day=TUESDAY)
    plan_id = rota.plan_day(TUESDAY, time_limit_s=1).plan_id
    publishing.publish_plan(plan_id, now=NOW)
    publishing.driver_reply(dev, False, now=NOW)
    db.session.commit()
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    assert (summary.served, summary.unserved) == (0, 1)
    [reason] = db.session.get(Plan, summary.plan_id).unserved
    assert (reason.lift_id, reason.reason) == (lift.id, "no_driver_available")


def test_publish_decline_cancel_add_pin_and_replan_keeps_what_it_can(db):
    """The story of a day: each change since publishing, then one re-plan that works.

    The decliner drives nobody and is not texted again; the cancelled lift is gone; the new
    lift is planned; the lift pinned to the other driver is theirs; lifts promised by the
    driver who stayed keep their driver; the residents who change driver are told.
    """
    from app.models import DriverResponse
    from app.models import LiftStatus
    from app.models import Message
    from app.services import lifts

    north, south, booked, plan = _published_day(db)
    told = _pickups(plan)
    by_driver: dict[int, list[int]] = {}
    for lift_id, (driver, _) in told.items():
        by_driver.setdefault(driver, []).append(lift_id)
    decliner_id = max(by_driver, key=lambda d: len(by_driver[d]))
    stayer = south if decliner_id == north.id else north
    decliner = north if stayer is south else south
    publishing.driver_reply(decliner, False, now=NOW)
    db.session.commit()
    moved = by_driver[decliner_id]
    kept = by_driver.get(stayer.id, [])
    cancelled = moved[0]
    lifts.cancel_lift(cancelled, reason="In hospital", now=NOW)
    added = make_lift(make_resident(first_name="Late"), day=TUESDAY, arrive_by=dt.time(15))
    pinned = moved[-1] if len(moved) > 1 else added.id
    rota.pin_lift(pinned, stayer.id)

    again = db.session.get(Plan, rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    now = _pickups(again)
    assert decliner.id not in {driver for driver, _ in now.values()}
    assert cancelled not in now and added.id in now
    assert now[pinned][0] == stayer.id
    for lift_id in kept:
        assert now[lift_id][0] == stayer.id, "a promised lift left the driver who stayed"

    result = publishing.publish_plan(again.id, now=NOW)
    assert result.superseded_id == plan.id
    to_decliner = db.session.scalars(
        sa.select(Message.kind).where(Message.volunteer_id == decliner.id)
    ).all()
    assert "driver_removed" not in to_decliner
    changed = db.session.scalars(
        sa.select(Message.resident_id).where(Message.kind == "lift_changed")
    ).all()
    moved_residents = {
        lift.resident_id for lift in booked if lift.id in moved and lift.id != cancelled
    }
    assert moved_residents <= set(changed)
    assert db.session.get(type(added), cancelled).status == LiftStatus.CANCELLED
    routes = {r.volunteer_id: r.response for r in again.routes}
    assert routes == {stayer.id: DriverResponse.PENDING}


def test_a_lift_pinned_to_a_driver_the_resident_must_not_travel_with_is_unserved_by_name(db):
    """A pin that clashes with a blocked pair is a reason with names, not a lost lift."""
    from app.models import BlockedPair

    pat = make_volunteer(first_name="Pat", last_name="Pinned")
    make_volunteer(first_name="Free")
    ivy = make_resident(first_name="Ivy", last_name="Stone")
    lift = make_lift(ivy, day=TUESDAY, pinned_volunteer_id=pat.id)
    db.session.add(BlockedPair(resident_id=ivy.id, volunteer_id=pat.id, reason="Asked not to"))
    db.session.commit()
    plan_id = rota.plan_day(TUESDAY, time_limit_s=1).plan_id
    reason = _unserved_reason(db, plan_id, lift.id)
    assert reason is not None and reason.reason == "pinned_driver_unable"
    assert reason.detail.startswith("Ivy Stone must not travel with Pat Pinned")
