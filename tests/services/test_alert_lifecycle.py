"""Alerts have a lifecycle (issue 13): open -> done with who, when and a note; one open alert
per person and reason; an alert closes itself when its cause goes; counts are of people."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import AuditLog
from app.models import DriverResponse
from app.models import PlanStatus
from app.models import Resident
from app.services import publishing
from app.services.auth import create_user
from app.services.conversations import handle_inbound
from app.services.dashboard import tomorrow_at_a_glance
from app.services.messaging import add_alert
from app.services.messaging import close_alert
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.plan_builder import hm
from tests.plan_builder import make_plan

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
TUESDAY = dt.date(2026, 12, 1)
_sids = itertools.count(1)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


def text(phone: str | None, body: str, *, at: dt.datetime = NOW) -> None:
    handle_inbound(phone or "", body, f"SM{next(_sids):032d}", now=at)


def open_alerts(kind: AlertKind) -> list[Alert]:
    return list(
        db.session.scalars(sa.select(Alert).where(Alert.kind == kind, Alert.resolved_at.is_(None)))
    )


def test_a_lone_cancel_sent_twice_makes_one_alert(sms: FakeSmsSender) -> None:
    """CANCEL, then CANCEL again a minute later: one open opt-out alert, not two."""
    joan = make_resident(first_name="Joan")
    make_lift(joan, day=TUESDAY)
    text(joan.phone, "CANCEL")
    text(joan.phone, "CANCEL", at=NOW + dt.timedelta(minutes=1))
    assert len(open_alerts(AlertKind.OPTED_OUT)) == 1


def test_counts_on_the_dashboard_are_of_people_not_alerts(sms: FakeSmsSender) -> None:
    """Two people opt out, one of them twice: "2 opted out of texts" (it said 3)."""
    joan, amir = make_resident(first_name="Joan"), make_resident(first_name="Amir")
    text(joan.phone, "STOP")
    text(joan.phone, "CANCEL", at=NOW + dt.timedelta(minutes=1))
    text(amir.phone, "STOP")
    glance = tomorrow_at_a_glance(NOW.date())
    assert glance.alerts_by_kind["opted_out"] == 2
    assert glance.open_alerts == 2


def test_start_after_stop_closes_the_opt_out_alert(sms: FakeSmsSender) -> None:
    """The cause went, so the alert closes itself with a note saying why."""
    joan = make_resident(first_name="Joan")
    text(joan.phone, "STOP")
    [alert] = open_alerts(AlertKind.OPTED_OUT)
    text(joan.phone, "START", at=NOW + dt.timedelta(hours=1))
    db.session.refresh(alert)
    assert alert.resolved_at is not None and alert.resolved_by_id is None
    assert alert.resolved_note == "They texted START: texts are back on."
    # A later STOP is a new opt-out: a new alert opens.
    text(joan.phone, "STOP", at=NOW + dt.timedelta(hours=2))
    assert len(open_alerts(AlertKind.OPTED_OUT)) == 1


def test_a_coordinator_closes_an_alert_with_who_when_and_a_note(app: Flask) -> None:
    """Done records the coordinator, the time and the note, and is audited; twice is refused."""
    staff = create_user("sam@bureau.example", "Sam", "correct horse battery", "coordinator")
    joan = make_resident(first_name="Joan")
    alert = add_alert(AlertKind.CALL_REQUESTED, "Joan asked for a call.", person=joan, now=NOW)
    db.session.commit()
    later = NOW + dt.timedelta(minutes=20)
    close_alert(alert.id, actor_id=staff.id, note="Rang her; all fine.", now=later)
    db.session.commit()
    db.session.refresh(alert)
    assert (alert.resolved_by_id, alert.resolved_at, alert.resolved_note) == (
        staff.id,
        later,
        "Rang her; all fine.",
    )
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity_type == "Alert"))
    assert audit is not None and audit.action == "alert_done" and audit.staff_user_id == staff.id
    with pytest.raises(Conflict, match="already done by Sam"):
        close_alert(alert.id, actor_id=staff.id, now=later)


def test_after_done_a_new_request_opens_a_new_alert(app: Flask) -> None:
    """One open alert per person and reason: a closed one does not swallow the next."""
    joan = make_resident()
    first = add_alert(AlertKind.CALL_REQUESTED, "first", person=joan, now=NOW)
    again = add_alert(AlertKind.CALL_REQUESTED, "second", person=joan, now=NOW)
    assert again is first and first.detail == "second Before that: first"
    close_alert(first.id, actor_id=None, now=NOW)
    third = add_alert(AlertKind.CALL_REQUESTED, "third", person=joan, now=NOW)
    db.session.commit()
    assert third.id != first.id
    other_reason = add_alert(AlertKind.TEXT_FAILED, "a text failed", person=joan, now=NOW)
    db.session.commit()
    assert other_reason.id != third.id


def test_the_database_refuses_a_second_open_alert_for_the_same_person_and_reason(
    app: Flask,
) -> None:
    """The partial unique index holds the rule even for a writer that skips the service."""
    joan: Resident = make_resident()
    db.session.add(Alert(kind=AlertKind.OPTED_OUT, resident_id=joan.id, phone=joan.phone))
    db.session.commit()
    db.session.add(Alert(kind=AlertKind.OPTED_OUT, resident_id=joan.id, phone=joan.phone))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A done one alongside an open one is fine.
    db.session.add(
        Alert(kind=AlertKind.OPTED_OUT, resident_id=joan.id, phone=joan.phone, resolved_at=NOW)
    )
    db.session.commit()


def test_a_driver_who_answers_closes_the_no_reply_alert(sms: FakeSmsSender) -> None:
    """ "Has not answered" stops being true when they answer, so its alert closes."""
    driver = make_volunteer(first_name="Dev")
    joan = make_resident()
    lift = make_lift(joan, day=TUESDAY)
    plan = make_plan(
        TUESDAY, [(driver, [(lift, hm("9:00"), hm("9:20"))])], status=PlanStatus.PUBLISHED
    )
    plan.published_at = NOW
    plan.routes[0].response = DriverResponse.PENDING
    add_alert(AlertKind.DRIVER_NO_REPLY, "Dev has not answered.", person=driver, now=NOW)
    db.session.commit()
    publishing.driver_reply(driver, True, now=NOW + dt.timedelta(hours=5))
    db.session.commit()
    assert open_alerts(AlertKind.DRIVER_NO_REPLY) == []
