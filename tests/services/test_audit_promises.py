"""Everything that changes what a person was promised leaves an audit row saying who, when,
what and from what to what (issue 14): bookings by staff and by text, drops by staff, by text,
by a driver and by a re-plan, publishing, a driver's answer."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import AuditLog
from app.services import lifts
from app.services import publishing
from app.services.auth import create_user
from app.services.conversations import handle_inbound
from tests.factories import make_activity
from tests.factories import make_resident
from tests.factories import make_venue
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.plan_builder import hm
from tests.plan_builder import make_plan
from tests.services.test_dropping_lifts import DAY
from tests.services.test_dropping_lifts import NOW
from tests.services.test_dropping_lifts import Day

_sids = itertools.count(500)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


@pytest.fixture()
def day(sms: FakeSmsSender) -> Day:
    return Day()


def _rows(action: str) -> list[AuditLog]:
    query = sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
    return list(db.session.scalars(query))


def _text(phone: str | None, body: str) -> None:
    handle_inbound(phone or "", body, f"SM{next(_sids):032d}", now=NOW)


def test_a_staff_booking_is_audited_per_leg_with_the_staff_member(app: Any) -> None:
    """Kim books Joan's choir lift with the way home: two 'book' rows naming Kim."""
    kim = create_user("kim@bureau.example", "Kim", "correct horse battery", "coordinator")
    choir = make_activity(make_venue())
    joan = make_resident()
    out = lifts.book_lift(
        lifts.LiftInput(resident_id=joan.id, day=DAY, activity_id=choir.id), actor_id=kim.id
    )
    rows = _rows("book")
    assert [(r.entity_id, r.actor, r.staff_user_id) for r in rows] == [
        (out.id, "staff", kim.id),
        (out.return_legs[0].id, "staff", kim.id),
    ]
    assert rows[0].changes["status"] == [None, "requested"]
    assert rows[0].changes["day"] == [None, DAY.isoformat()]


def test_a_booking_by_text_is_the_resident_by_text(sms: FakeSmsSender) -> None:
    """LIFT, 1, 1 by text: the booking's audit row says 'resident by text', no staff member."""
    choir = make_activity(make_venue(name="Valence Library"), name="Choir")
    joan = make_resident(interests=["singing"])
    del choir
    for body in ("LIFT", "1", "1"):
        _text(joan.phone, body)
    rows = _rows("book")
    assert rows and {(r.actor, r.staff_user_id) for r in rows} == {("resident by text", None)}


def test_staff_cancelling_records_the_drop_from_planned_to_cancelled(day: Day) -> None:
    """Cancelled from its page by Kim: both legs, from planned to cancelled, with the reason."""
    kim = create_user("kim@bureau.example", "Kim", "correct horse battery", "coordinator")
    lifts.cancel_lift(day.joan_out.id, reason="In hospital", now=NOW, actor_id=kim.id)
    rows = _rows("drop")
    assert [r.entity_id for r in rows] == [day.joan_out.id, day.joan_back.id]
    assert rows[0].staff_user_id == kim.id and rows[0].actor == "staff"
    assert rows[0].changes == {
        "status": ["planned", "cancelled"],
        "dropped_by": [None, "staff"],
        "reason": [None, "In hospital"],
    }


def test_a_drop_by_text_and_a_drivers_decline_by_text_name_who_texted(day: Day) -> None:
    """Joan drops by text, then Dev declines by text: each row names who texted."""
    for body in ("my lifts", "DROP 1", "1"):
        _text(day.joan.phone, body)
    _text(day.dev.phone, "2")
    drops = {(r.entity_id, r.actor) for r in _rows("drop")}
    assert (day.joan_out.id, "resident by text") in drops
    [decline] = _rows("decline_route")
    assert (decline.actor, decline.entity_type) == ("driver by text", "PlanRoute")
    assert decline.changes["response"] == ["accepted", "declined"]
    [accepted] = _rows("accept_route")  # Day's set-up: Dev accepted by text
    assert accepted.actor == "driver by text"


def test_publishing_and_re_publishing_are_audited_with_the_plan_they_replace(day: Day) -> None:
    """Day one is published; a re-plan without Amir replaces it and drops his lift as 'replan'."""
    kim = create_user("kim@bureau.example", "Kim", "correct horse battery", "coordinator")
    [first] = _rows("publish")
    assert first.entity_id == day.plan.id and first.changes["status"] == ["draft", "published"]
    promised = {r.entity_id: r.changes for r in _rows("promise")}
    assert promised[day.joan_out.id] == {
        "driver_id": [None, day.dev.id],
        "pickup_from": [None, "9:05am"],
        "home_at": [None, "12:05pm"],
    }
    assert promised[day.amir_out.id]["driver_id"] == [None, day.sue.id]
    replan = make_plan(
        DAY,
        [
            (
                day.dev,
                [
                    (day.joan_out, hm("9:05"), hm("9:45")),
                    (day.joan_back, hm("12:05"), hm("12:35")),
                ],
            )
        ],
        unserved=[day.amir_out],
    )
    publishing.publish_plan(replan.id, actor_id=kim.id, now=NOW + dt.timedelta(hours=1))
    [again] = _rows("replan")
    assert (again.entity_id, again.staff_user_id) == (replan.id, kim.id)
    assert again.changes["published_plan_id"] == [day.plan.id, replan.id]
    amir_drop = [r for r in _rows("drop") if r.entity_id == day.amir_out.id]
    assert [r.changes["dropped_by"] for r in amir_drop] == [[None, "replan"]]
