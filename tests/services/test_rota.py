"""Planning a day from the database: a draft plan with routes, stops and reasons (issue 4)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import Mobility
from app.models import Plan
from app.models import PlanStatus
from app.models import StopKind
from app.services import rota
from app.services import unserved as unserved_words
from tests.factories import DAGENHAM
from tests.factories import VALENCE
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

TUESDAY = dt.date(2026, 12, 1)


def _return_of(lift: LiftRequest, **overrides) -> LiftRequest:
    values = dict(
        leg=LiftLeg.RETURN,
        outbound_id=lift.id,
        arrive_by=None,
        pickup_lat=lift.destination_lat,
        pickup_lon=lift.destination_lon,
        destination_lat=lift.pickup_lat,
        destination_lon=lift.pickup_lon,
        pickup_earliest=dt.time(12),
        pickup_latest=dt.time(12, 30),
    )
    values.update(overrides)
    return make_lift(lift.resident, **values)


def test_a_simple_day_is_planned_and_stored(db):
    """Two residents, one driver: both lifts and the return planned in one valid route."""
    make_volunteer(first_name="Dev")
    joan = make_lift(make_resident(first_name="Joan"), day=TUESDAY)
    _return_of(joan, day=TUESDAY)
    make_lift(make_resident(first_name="Mabel"), day=TUESDAY, arrive_by=dt.time(11))
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    assert (summary.lifts, summary.served, summary.unserved, summary.drivers_used) == (3, 3, 0, 1)
    plan = db.session.get(Plan, summary.plan_id)
    assert plan.status == PlanStatus.DRAFT and plan.stats["planning_s"] > 0
    (route,) = plan.routes
    kinds = [s.kind for s in route.stops]
    assert kinds[0] == StopKind.START and kinds[-1] == StopKind.END
    assert kinds.count(StopKind.PICKUP) == 3 and kinds.count(StopKind.DROPOFF) == 3
    pickups = {s.lift_id: s for s in route.stops if s.kind == StopKind.PICKUP}
    drops = {s.lift_id: s for s in route.stops if s.kind == StopKind.DROPOFF}
    assert drops[joan.id].service_start_s <= 10 * 3600
    assert all(pickups[i].seq < drops[i].seq for i in pickups)
    assert route.drive_s > 0 and route.distance_m > 0


def test_wheelchair_user_without_an_accessible_car_is_unserved_with_the_reason(db):
    """The reason says what is wrong and the fix list says what to do."""
    make_volunteer(wheelchair_spaces=0)
    lift = make_lift(
        make_resident(mobility=Mobility.WHEELCHAIR), day=TUESDAY, mobility=Mobility.WHEELCHAIR
    )
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    plan = db.session.get(Plan, summary.plan_id)
    (unserved,) = plan.unserved
    assert (unserved.lift_id, unserved.reason) == (lift.id, "no_accessible_vehicle")
    assert unserved.reason in unserved_words.REASONS
    assert plan.routes == []


def test_return_is_left_out_when_its_outward_lift_cannot_be_planned(db):
    """A driver is never sent to collect someone who was never taken there."""
    make_volunteer(weekly=[(TUESDAY.weekday(), dt.time(11, 30), dt.time(18))])
    outbound = make_lift(day=TUESDAY)  # arrive by 10:00, before the driver is free
    back = _return_of(outbound, day=TUESDAY)
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    reasons = {u.lift_id: u.reason for u in db.session.get(Plan, summary.plan_id).unserved}
    assert reasons[outbound.id] == "no_driver_available"
    assert reasons[back.id] == "outbound_unserved"
    assert summary.served == 0


def test_return_is_planned_with_its_outbound_in_one_solve(db):
    """Outbound and return both fit: both are planned, in one solve (issue 12)."""
    make_volunteer()
    outbound = make_lift(day=TUESDAY)
    back = _return_of(outbound, day=TUESDAY)
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    plan = db.session.get(Plan, summary.plan_id)
    planned = {s.lift_id for r in plan.routes for s in r.stops if s.kind == StopKind.PICKUP}
    assert planned == {outbound.id, back.id}
    assert plan.unserved == []


def test_return_of_an_outward_lift_without_a_place_is_left_out(db):
    """An outward lift that cannot be put to the solver takes its return with it."""
    make_volunteer()
    outbound = make_lift(day=TUESDAY, pickup_lat=None, pickup_lon=None)
    back = _return_of(outbound, day=TUESDAY, destination_lat=None, destination_lon=None)
    back.destination_lat, back.destination_lon = VALENCE
    db.session.commit()
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    reasons = {u.lift_id: u.reason for u in db.session.get(Plan, summary.plan_id).unserved}
    assert reasons == {outbound.id: "no_location", back.id: "outbound_unserved"}


def test_one_search_worker_in_the_web_process_and_two_on_the_planning_worker(app):
    """The setting PLAN_SEARCH_WORKERS wins; unset, only RQ's planning worker uses two."""
    with app.app_context():
        assert rota.planning_workers() == 1
        assert rota.planning_workers(in_planning_worker=True) == 2
        app.config["PLAN_SEARCH_WORKERS"] = 1
        assert rota.planning_workers(in_planning_worker=True) == 1


def test_a_replan_searches_at_most_the_replan_time_limit(app):
    """A re-plan of a published day starts warm and gets REPLAN_TIME_LIMIT_S (issue 12)."""
    with app.app_context():
        app.config.update(PLAN_TIME_LIMIT_S=20, REPLAN_TIME_LIMIT_S=5)
        assert rota.planning_time_limit(replanning=False) == 20
        assert rota.planning_time_limit(replanning=True) == 5
        app.config["PLAN_TIME_LIMIT_S"] = 3
        assert rota.planning_time_limit(replanning=True) == 3


def test_pinned_lift_stays_with_its_driver(db):
    """Staff pin a lift to a driver; the plan keeps it there."""
    near = make_volunteer(first_name="Near", lat=VALENCE[0], lon=VALENCE[1])
    far = make_volunteer(first_name="Far", lat=DAGENHAM[0], lon=DAGENHAM[1])
    lift = make_lift(day=TUESDAY)
    rota.pin_lift(lift.id, far.id)
    plan = db.session.get(Plan, rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    (route,) = plan.routes
    assert route.volunteer_id == far.id != near.id


def test_pinning_refuses_a_car_without_wheelchair_space(db):
    """A wheelchair user cannot be pinned to a car that does not take the chair."""
    driver = make_volunteer(wheelchair_spaces=0)
    lift = make_lift(make_resident(mobility=Mobility.WHEELCHAIR), mobility=Mobility.WHEELCHAIR)
    with pytest.raises(InvalidInput, match="does not take a wheelchair"):
        rota.pin_lift(lift.id, driver.id)


def test_planning_again_replaces_the_draft(db):
    """Re-planning a day keeps one draft, not a pile of them."""
    make_volunteer()
    make_lift(day=TUESDAY)
    rota.plan_day(TUESDAY, time_limit_s=1)
    rota.plan_day(TUESDAY, time_limit_s=1)
    drafts = db.session.scalars(sa.select(Plan).where(Plan.status == PlanStatus.DRAFT)).all()
    assert len(drafts) == 1


def test_nothing_to_plan_is_a_clear_answer(db):
    """A day with no lifts and no drivers says so."""
    with pytest.raises(InvalidInput, match="nothing to plan"):
        rota.plan_day(TUESDAY, time_limit_s=1)


def test_cli_plans_a_day(runner, db):
    """`flask rota plan --date` prints what it planned and what it could not."""
    make_volunteer()
    make_lift(day=TUESDAY)
    make_lift(
        make_resident(mobility=Mobility.WHEELCHAIR), day=TUESDAY, mobility=Mobility.WHEELCHAIR
    )
    result = runner.invoke(args=["rota", "plan", "--date", "2026-12-01", "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 lifts planned with 1 drivers" in result.output
    assert "No wheelchair-accessible car is free." in result.output


def test_cli_plans_the_bureaus_tomorrow_by_default(runner, db, monkeypatch):
    """`flask rota plan` with no --date plans the one clock's tomorrow (what the demo runs)."""
    from app.services import clock

    monkeypatch.setattr(clock, "utcnow", lambda: dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    make_volunteer()
    make_lift(day=TUESDAY)
    result = runner.invoke(args=["rota", "plan", "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "for Tuesday 1 December 2026: 1 of 1 lifts planned" in result.output


def test_replanning_a_published_day_keeps_what_people_were_told(db):
    """After publishing, a new lift is fitted in without moving the lifts already promised."""
    from app.services.publishing import publish_plan

    north = make_volunteer(first_name="North", lat=VALENCE[0], lon=VALENCE[1])
    south = make_volunteer(first_name="South", lat=DAGENHAM[0], lon=DAGENHAM[1])
    first = [
        make_lift(make_resident(first_name=f"R{i}"), day=TUESDAY, arrive_by=dt.time(10 + i))
        for i in range(4)
    ]
    plan = db.session.get(Plan, rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    publish_plan(plan.id)
    told = {
        s.lift_id: (r.volunteer_id, s.service_start_s)
        for r in plan.routes
        for s in r.stops
        if s.kind == StopKind.PICKUP
    }
    assert set(told) == {lift.id for lift in first}
    extra = make_lift(make_resident(first_name="Late"), day=TUESDAY, arrive_by=dt.time(15))
    again = db.session.get(Plan, rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    assert again.based_on_id == plan.id and again.status == PlanStatus.DRAFT
    now = {
        s.lift_id: (r.volunteer_id, s.service_start_s)
        for r in again.routes
        for s in r.stops
        if s.kind == StopKind.PICKUP
    }
    assert extra.id in now
    for lift_id, (driver, start_s) in told.items():
        assert now[lift_id][0] == driver, "a promised lift moved to another driver"
        assert abs(now[lift_id][1] - start_s) <= 600, "a promised pickup moved by over 10 minutes"
    assert {north.id, south.id} >= {d for d, _ in now.values()}
