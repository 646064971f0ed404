"""/today's service (issue 13): where each driver should be now from the published times and
recorded outcomes, the day's outcomes and miles recorded together, a driver taken off mid-day."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import AuditLog
from app.models import AvailabilityException
from app.models import DriverResponse
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import MileageClaim
from app.models import Plan
from app.services import plans
from app.services import today
from app.services.today import OutcomeRow
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.today_day import DAY
from tests.today_day import Day
from tests.today_day import at


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


@pytest.fixture()
def day(sms: FakeSmsSender) -> Day:
    return Day()


def driver(view: today.TodayView, first_name: str) -> today.DriverNow:
    return next(d for d in view.drivers if d.route.driver_name.startswith(first_name))


def test_before_the_day_starts_everyone_is_at_home(day: Day) -> None:
    """At 8:30 Dev has not left: he leaves at 8:50; nothing is due to record yet."""
    view = today.today_view(at("8:30"))
    dev = driver(view, "Dev")
    assert dev.where_now == "At home; leaves at 8:50am" and dev.on_board == ()
    assert len(view.to_record) == 6 and not any(r.due for r in view.to_record)


def test_mid_morning_a_driver_is_on_the_way_with_a_rider_on_board(day: Day) -> None:
    """At 9:15 Dev has collected Joan and is on his way to Amir's, due at 9:20."""
    dev = driver(today.today_view(at("9:15")), "Dev")
    assert dev.where_now.startswith("On the way to pick up Amir")
    assert dev.where_now.endswith("(due 9:20am)")
    assert [n.split()[0] for n in dev.on_board] == ["Joan"]
    states = [s.state for s in dev.stops]
    assert states[:3] == ["done", "done", "now"] and "to come" in states


def test_a_recorded_no_show_moves_the_day_on(day: Day) -> None:
    """Amir was not at home (no-show at 9:20): Dev is on his way to drop Joan off instead."""
    amir_out, _ = day.ids("Amir")
    today.record_day(DAY, [OutcomeRow(amir_out, "no_show", "not at home")], {}, now=at("9:22"))
    dev = driver(today.today_view(at("9:22")), "Dev")
    assert dev.where_now.startswith("On the way to drop off Joan")
    assert [s.state for s in dev.stops if "Amir" in s.stop.resident_name] == ["gone"] * 4


def test_at_five_the_day_is_recorded_in_one_go_with_miles(day: Day) -> None:
    """Every lift done but Amir's (a no-show: his lift home closes with it), and miles for both
    drivers, recorded together; the page then has nothing left to record."""
    view = today.today_view(at("17:00"))
    assert all(r.due for r in view.to_record)
    assert driver(view, "Dev").where_now == "Finished: home since 1:05pm"
    amir_out, amir_back = day.ids("Amir")
    rows = [
        OutcomeRow(r.lift_id, "no_show" if r.lift_id == amir_out else "completed", "not in")
        for r in view.to_record
    ]
    miles = {day.dev.id: "12.5", day.sue.id: " 8 miles "}
    done = today.record_day(DAY, rows, miles, now=at("17:00"))
    assert done.outcomes == 5 and done.drivers_with_miles == 2
    statuses = {leg.id: leg.status for pair in day.legs.values() for leg in pair}
    assert statuses[amir_out] == statuses[amir_back] == LiftStatus.NO_SHOW
    assert sorted(set(statuses.values())) == [LiftStatus.COMPLETED, LiftStatus.NO_SHOW]
    claims = {c.volunteer_id: c.miles for c in db.session.scalars(sa.select(MileageClaim))}
    assert claims == {day.dev.id: 12.5, day.sue.id: 8.0}
    after = today.today_view(at("17:05"))
    assert after.to_record == () and driver(after, "Dev").miles == 12.5
    audited = db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.entity_type == "MileageClaim")
    ).all()
    assert audited == ["create", "create"]


def test_a_late_cancellation_recorded_at_five_texts_nobody(day: Day, sms: FakeSmsSender) -> None:
    """Zofia cancelled on the doorstep; recorded at five, nobody gets a text about a lift whose
    times have passed, and the day is not flagged for a re-plan."""
    zofia_out, zofia_back = day.ids("Zofia")
    sms.sent.clear()
    today.record_day(
        DAY, [OutcomeRow(zofia_out, "late_cancelled", "changed her mind")], {}, now=at("17:00")
    )
    db.session.expire_all()
    statuses = {db.session.get(LiftRequest, i).status for i in (zofia_out, zofia_back)}  # type: ignore[union-attr]
    assert statuses == {LiftStatus.LATE_CANCELLED}
    assert sms.sent == []
    plan = db.session.get(Plan, day.plan.id)
    assert plan is not None and not plans.freshness(plan).reasons


def test_a_bad_row_stores_nothing_and_names_its_field(day: Day) -> None:
    """A no-show without a reason, or miles that are not a number, refuse the whole form."""
    joan_out, _ = day.ids("Joan")
    amir_out, _ = day.ids("Amir")
    with pytest.raises(InvalidInput) as no_reason:
        today.record_day(
            DAY,
            [OutcomeRow(joan_out, "completed"), OutcomeRow(amir_out, "no_show", "  ")],
            {},
            now=at("17:00"),
        )
    assert no_reason.value.field == f"reason-{amir_out}"
    assert no_reason.value.message.startswith("Amir")
    with pytest.raises(InvalidInput) as bad_miles:
        today.record_day(
            DAY, [OutcomeRow(joan_out, "completed")], {day.dev.id: "twelve"}, now=at("17:00")
        )
    assert bad_miles.value.field == f"miles-{day.dev.id}"
    for raw in ("-3", "1e9", "nan"):
        with pytest.raises(InvalidInput):
            today.record_day(DAY, [], {day.dev.id: raw}, now=at("17:00"))
    with pytest.raises(InvalidInput):
        today.record_day(DAY, [OutcomeRow(joan_out, "cancelled_by_magic")], {}, now=at("17:00"))
    db.session.expire_all()
    assert db.session.get(LiftRequest, joan_out).status == LiftStatus.PLANNED  # type: ignore[union-attr]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MileageClaim)) == 0


def test_a_driver_ill_at_nine_keeps_only_the_stop_under_way(day: Day, sms: FakeSmsSender) -> None:
    """At 9:00 Dev is on his way to Joan and falls ill: Joan's pickup stays his (he is nearly
    there), Amir's lifts and both lifts home go back to needing a driver; Amir and Joan are told,
    staff alerted, Dev gets the day off and the day is flagged for a re-plan."""
    joan_out, joan_back = day.ids("Joan")
    amir_out, amir_back = day.ids("Amir")
    sms.sent.clear()
    taken = today.take_driver_off(day.route_of("Dev").id, reason="ill", now=at("9:00"))
    assert sorted(taken) == sorted([amir_out, joan_back, amir_back])
    db.session.expire_all()
    assert db.session.get(LiftRequest, joan_out).status == LiftStatus.PLANNED  # type: ignore[union-attr]
    for lift_id in taken:
        assert db.session.get(LiftRequest, lift_id).status == LiftStatus.REQUESTED  # type: ignore[union-attr]
    assert any("can no longer drive you" in t for t in sms.to(day.amir.phone))
    assert any("can no longer drive you" in t for t in sms.to(day.joan.phone))
    assert day.route_of("Dev").response == DriverResponse.DECLINED
    (alert,) = db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.DRIVER_DECLINED))
    assert "from 9am (ill)" in alert.detail
    assert db.session.scalar(
        sa.select(AvailabilityException).where(AvailabilityException.volunteer_id == day.dev.id)
    )
    plan = db.session.get(Plan, day.plan.id)
    assert plan is not None and plans.freshness(plan).stale
    view = today.today_view(at("9:01"))
    assert driver(view, "Dev").where_now.startswith("Off")
    # Joan's lift, which Dev still drives, is his to record; nothing taken off him is.
    assert [r.lift_id for r in view.to_record if r.driver_id == day.dev.id] == [joan_out]


def test_a_driver_ill_between_stops_keeps_nothing_still_an_hour_away(day: Day) -> None:
    """At 10:30 Dev has dropped everyone at choir and waits until 12:05: taken ill, both lifts
    home go to someone else (a stop more than half an hour off is not yet under way)."""
    _joan_out, joan_back = day.ids("Joan")
    _amir_out, amir_back = day.ids("Amir")
    dev = driver(today.today_view(at("10:30")), "Dev")
    assert dev.where_now.startswith("Waiting until 12:05pm (last: drop off Amir")
    taken = today.take_driver_off(day.route_of("Dev").id, reason="car broke down", now=at("10:30"))
    assert sorted(taken) == sorted([joan_back, amir_back])


def test_taking_off_refuses_without_a_reason_or_a_route_of_today(day: Day) -> None:
    """No reason, a route of another day, or a driver already off: a clear refusal."""
    with pytest.raises(InvalidInput) as why:
        today.take_driver_off(day.route_of("Sue").id, reason=" ", now=at("10:00"))
    assert why.value.field == "reason"
    with pytest.raises(NotFound):
        today.take_driver_off(
            day.route_of("Sue").id, reason="ill", now=at("10:00") + dt.timedelta(days=1)
        )
    today.take_driver_off(day.route_of("Sue").id, reason="ill", now=at("10:00"))
    with pytest.raises(InvalidInput):
        today.take_driver_off(day.route_of("Sue").id, reason="ill", now=at("10:05"))


def test_no_published_rota_today_says_so(sms: FakeSmsSender) -> None:
    """A day with no published plan: no drivers, nothing to record."""
    view = today.today_view(at("10:00"))
    assert view.plan is None and view.drivers == () and view.to_record == ()
