"""What dropping a lift triggers, whoever drops it (issue 10): staff, the resident, the driver,
a re-plan. The driver told, the stop marked, the day flagged for re-planning, the resident told."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from flask import Flask

from app.errors import Conflict
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import DriverResponse
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import Plan
from app.models import PlanRoute
from app.models import Resident
from app.models import Volunteer
from app.services import lifts
from app.services import plans
from app.services import publishing
from app.services import rota
from app.services.conversations import handle_inbound
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.plan_builder import hm
from tests.plan_builder import make_plan

DAY = dt.date(2026, 12, 1)  # a Tuesday
NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
_sids = itertools.count(1)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


class Day:
    """Dev drives Joan to choir and back; Sue drives Amir. Published, and Dev accepted."""

    def __init__(self) -> None:
        choir = make_activity(make_venue(name="Valence Library"), name="Choir")
        self.dev = make_volunteer(first_name="Dev", last_name="Patel")
        self.sue = make_volunteer(first_name="Sue", last_name="Okafor")
        self.joan = make_resident(first_name="Joan", last_name="Smith")
        self.amir = make_resident(first_name="Amir", last_name="Khan")
        self.joan_out = make_lift(self.joan, day=DAY, activity_id=choir.id)
        self.joan_back = make_lift(
            self.joan,
            day=DAY,
            leg=LiftLeg.RETURN,
            outbound_id=self.joan_out.id,
            activity_id=choir.id,
            pickup_lat=self.joan_out.destination_lat,
            pickup_lon=self.joan_out.destination_lon,
            destination_lat=self.joan.lat,
            destination_lon=self.joan.lon,
            arrive_by=None,
            pickup_earliest=dt.time(12),
            pickup_latest=dt.time(12, 30),
        )
        self.amir_out = make_lift(self.amir, day=DAY, activity_id=choir.id)
        self.plan = make_plan(
            DAY,
            [
                (
                    self.dev,
                    [
                        (self.joan_out, hm("9:05"), hm("9:45")),
                        (self.joan_back, hm("12:05"), hm("12:35")),
                    ],
                ),
                (self.sue, [(self.amir_out, hm("9:10"), hm("9:40"))]),
            ],
        )
        publishing.publish_plan(self.plan.id, now=NOW)
        publishing.driver_reply(self.dev, True, now=NOW)
        db.session.commit()

    def route_of(self, driver: Volunteer) -> PlanRoute:
        return next(r for r in self.plan.routes if r.volunteer_id == driver.id)


@pytest.fixture()
def day(sms: FakeSmsSender) -> Day:
    return Day()


def _texts(kind: str, to: Resident | Volunteer) -> list[Message]:
    column = Message.resident_id if isinstance(to, Resident) else Message.volunteer_id
    return list(db.session.scalars(sa.select(Message).where(Message.kind == kind, column == to.id)))


def _alerts(kind: AlertKind) -> list[Alert]:
    return list(db.session.scalars(sa.select(Alert).where(Alert.kind == kind)))


def test_staff_cancelling_a_lift_on_an_accepted_route_tells_the_driver_and_the_resident(
    day: Day, sms: FakeSmsSender
) -> None:
    """Cancelled from its page: Dev is told, Joan is told, both legs close, the day is flagged.

    Issue 10: the staff path told nobody, the stop stayed on the rota, nothing asked for a
    re-plan, while the text path told the driver.
    """
    lifts.cancel_lift(day.joan_out.id, reason="In hospital", now=NOW)
    assert [day.joan_out.status, day.joan_back.status] == [LiftStatus.CANCELLED] * 2
    [to_dev] = _texts("driver_change", day.dev)
    assert "Joan no longer needs the 9:05am pickup or the lift home" in to_dev.body
    [to_joan] = _texts("lift_cancelled", day.joan)
    assert "Choir at Valence Library on Tuesday 1 December is cancelled" in to_joan.body
    assert sms.to(day.dev.phone)[-1] == to_dev.body  # dispatched after the commit
    db.session.refresh(day.plan)
    assert day.plan.stats["needs_replan"] is True
    assert "Joan Smith's lift was cancelled" in day.plan.stats["replan_reasons"]
    assert plans.freshness(day.plan).dropped == 1  # the lift and its way home: one lift
    assert _texts("driver_change", day.sue) == []  # Sue's route did not change


def test_a_resident_dropping_by_text_flags_the_day_in_the_same_transaction(
    day: Day, sms: FakeSmsSender
) -> None:
    """DROP by text: the same consequences as staff cancelling, except Joan has the reply."""
    for body in ("my lifts", "DROP 1", "1"):
        handle_inbound(day.joan.phone, body, f"SM{next(_sids):032d}", now=NOW)
    assert day.joan_out.status == LiftStatus.CANCELLED
    assert "Joan no longer needs the 9:05am pickup" in sms.to(day.dev.phone)[-1]
    assert _texts("lift_cancelled", day.joan) == []
    [alert] = _alerts(AlertKind.LIFT_CANCELLED)
    assert "Dev Patel has been told" in alert.detail
    db.session.refresh(day.plan)
    assert "Joan Smith dropped their lift by text" in day.plan.stats["replan_reasons"]


def test_a_driver_who_accepted_and_then_replies_2_declines_the_route(
    day: Day, sms: FakeSmsSender
) -> None:
    """Dev accepted, then texts 2: the route is declined, staff alerted, Joan told, day flagged.

    Issue 10: he was told "Nothing is waiting for your reply" and stayed on the rota.
    """
    reply = handle_inbound(day.dev.phone, "2", f"SM{next(_sids):032d}", now=NOW).reply
    assert reply is not None and "We will find someone else for Tuesday 1 December" in reply
    assert day.route_of(day.dev).response == DriverResponse.DECLINED
    [alert] = _alerts(AlertKind.DRIVER_DECLINED)
    assert alert.volunteer_id == day.dev.id and "after accepting it" in alert.detail
    assert [day.joan_out.status, day.joan_back.status] == [LiftStatus.REQUESTED] * 2
    [to_joan] = _texts("lift_driver_off", day.joan)
    assert "Dev can no longer drive you on Tuesday 1 December" in to_joan.body
    assert sms.to(day.joan.phone)[-1] == to_joan.body
    assert day.amir_out.status == LiftStatus.PLANNED  # Sue's lift is untouched
    db.session.refresh(day.plan)
    assert day.plan.stats["replan_reasons"] == ["Dev Patel declined their route"]


def test_a_replan_that_leaves_a_promised_lift_out_tells_the_resident(
    day: Day, sms: FakeSmsSender
) -> None:
    """Dev declines and nobody can take Joan's wheelchair: the re-plan drops her; she is told."""
    day.joan_out.mobility = day.joan_back.mobility = lifts.Mobility.WHEELCHAIR
    db.session.commit()
    publishing.driver_reply(day.dev, False, now=NOW)
    db.session.commit()
    draft = rota.plan_day(DAY, time_limit_s=1)
    publishing.publish_plan(draft.plan_id, now=NOW)
    assert day.joan_out.status == LiftStatus.UNSERVED
    [to_joan] = _texts("lift_unserved", day.joan)
    assert "we could not find a driver for your lift to Choir at Valence Library" in to_joan.body
    assert _texts("lift_unserved", day.amir) == []


def test_a_draft_with_a_dropped_lift_cannot_be_published(day: Day) -> None:
    """A draft made before a lift was cancelled would text its driver a stop that is gone."""
    draft_id = rota.plan_day(DAY, time_limit_s=1).plan_id
    lifts.cancel_lift(day.amir_out.id, reason="Feeling unwell", now=NOW)
    with pytest.raises(Conflict, match="Plan the day again before publishing"):
        publishing.publish_plan(draft_id, now=NOW)
    assert db.session.get(Plan, draft_id).status.value == "draft"


def test_a_lift_nobody_was_told_about_is_cancelled_quietly_for_the_driver(
    sms: FakeSmsSender,
) -> None:
    """Not on a published plan: no driver to tell, no day to flag; the resident still hears."""
    lift = make_lift(make_resident(first_name="Ivy"), day=DAY)
    lifts.cancel_lift(lift.id, reason="Changed her mind", now=NOW)
    assert lift.status == LiftStatus.CANCELLED
    kinds = [m.kind for m in db.session.scalars(sa.select(Message))]
    assert kinds == ["lift_cancelled"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LiftRequest)) == 1


def test_a_drop_by_text_is_all_or_nothing(day: Day, monkeypatch: pytest.MonkeyPatch) -> None:
    """If telling the driver fails, nothing of the drop is kept, but the resident's text is.

    Issue 10: the text path committed before cancel_lift committed again, so a failure after
    it left the lift cancelled with nobody told.
    """

    def broken(*args: object, **kwargs: object) -> Message:
        msg = "the outbox is broken"
        raise RuntimeError(msg)

    for body in ("my lifts", "DROP 1"):
        handle_inbound(day.joan.phone, body, f"SM{next(_sids):032d}", now=NOW)
    monkeypatch.setattr(lifts, "queue_text", broken)
    with pytest.raises(RuntimeError, match="outbox is broken"):
        handle_inbound(day.joan.phone, "1", f"SM{next(_sids):032d}", now=NOW)
    db.session.expire_all()
    assert day.joan_out.status == LiftStatus.PLANNED
    assert "needs_replan" not in (db.session.get(Plan, day.plan.id).stats or {})
    kept = db.session.scalars(
        sa.select(Message.body).where(Message.resident_id == day.joan.id, Message.kind == "inbound")
    ).all()
    assert kept[-1] == "1"
