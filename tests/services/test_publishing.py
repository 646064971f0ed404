"""Publishing a plan: route texts, confirmations, re-publishing, driver answers, reminders."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from app.errors import Conflict
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import AvailabilityException
from app.models import DriverResponse
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import Mobility
from app.models import Plan
from app.models import PlanStatus
from app.models import Resident
from app.models import Volunteer
from app.services import publishing
from app.services.sms_templates import is_gsm7
from app.services.sms_templates import segments
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
OPT_OUT_ASK = re.compile(
    r"\b(reply|text|send)\b[^.]*\b(stop|stopall|unsubscribe|end|quit|revoke|optout|cancel)\b",
    re.IGNORECASE,
)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


class Day:
    """Two drivers, three residents going to choir and back on Tuesday."""

    def __init__(self) -> None:
        venue = make_venue(name="Valence Library", postcode="RM8 3HT")
        self.choir = make_activity(venue, name="Choir")
        self.dev = make_volunteer(first_name="Dev")
        self.sue = make_volunteer(first_name="Sue")
        self.joan = make_resident(
            first_name="Joan", address="12 Ripple Road", mobility=Mobility.WHEELCHAIR
        )
        self.amir = make_resident(first_name="Amir", address="7a Longbridge Road")
        self.zofia = make_resident(first_name="Zofia", address="Flat 3, 40 Becontree Avenue")
        self.legs = {r.first_name: self._lift(r) for r in (self.joan, self.amir, self.zofia)}

    def _lift(self, resident: Resident) -> tuple[LiftRequest, LiftRequest]:
        out = make_lift(
            resident,
            day=DAY,
            activity_id=self.choir.id,
            mobility=resident.mobility,
            escort=resident.first_name == "Zofia",
        )
        back = make_lift(
            resident,
            day=DAY,
            leg=LiftLeg.RETURN,
            outbound_id=out.id,
            activity_id=self.choir.id,
            mobility=resident.mobility,
            pickup_address="Becontree Avenue",
            pickup_postcode="RM8 3HT",
            pickup_lat=out.destination_lat,
            pickup_lon=out.destination_lon,
            destination_address=resident.address,
            destination_postcode=resident.postcode,
            destination_lat=resident.lat,
            destination_lon=resident.lon,
            arrive_by=None,
            pickup_earliest=dt.time(12),
            pickup_latest=dt.time(12, 30),
        )
        return out, back

    def routes(
        self, amir_pickup: str = "9:20", *, sue: Volunteer | None = None
    ) -> list[tuple[Volunteer, list[tuple[LiftRequest, int, int]]]]:
        (j, jb), (a, ab), (z, zb) = self.legs["Joan"], self.legs["Amir"], self.legs["Zofia"]
        return [
            (
                self.dev,
                [
                    (j, hm("9:05"), hm("9:45")),
                    (a, hm(amir_pickup), hm("9:46")),
                    (jb, hm("12:05"), hm("12:35")),
                    (ab, hm("12:06"), hm("12:50")),
                ],
            ),
            (sue or self.sue, [(z, hm("9:10"), hm("9:40")), (zb, hm("12:10"), hm("12:40"))]),
        ]

    def publish(self, **kwargs: object) -> Plan:
        plan = make_plan(DAY, self.routes(**kwargs))  # type: ignore[arg-type]
        publishing.publish_plan(plan.id, actor_id=None, now=NOW)
        return plan


@pytest.fixture()
def day(sms: FakeSmsSender) -> Day:
    return Day()


def _messages(kind: str) -> list[Message]:
    return list(db.session.scalars(sa.select(Message).where(Message.kind == kind)))


def test_publishing_texts_each_driver_their_route(day: Day, sms: FakeSmsSender) -> None:
    """A driver's texts give times, first names, streets, postcodes and needs, and ask 1 or 2."""
    day.publish()
    intro, *parts = sms.to(day.dev.phone)
    route = "\n".join(parts)
    assert intro.startswith("Hi Dev, your lifts for Tuesday 1 December: 4 pickups, 9:05am")
    assert "Reply 1 to accept, or 2 if you can't" in intro
    assert "9:05am pick up Joan (wheelchair), Ripple Road IG11 7NB" in route
    assert "9:45am drop Joan at Valence Library RM8 3HT" in route
    assert "12:05pm pick up Joan (wheelchair), Valence Library RM8 3HT" in route
    assert "12:50pm drop Amir home, Longbridge Road IG11 7NB" in route
    assert "escort comes too" in sms.to(day.sue.phone)[1]


def test_route_texts_never_carry_several_full_addresses(day: Day, sms: FakeSmsSender) -> None:
    """House and flat numbers stay out of the route texts (they come one per text on accepting)."""
    day.publish()
    for body in sms.to(day.dev.phone) + sms.to(day.sue.phone):
        assert "12 Ripple" not in body and "7a Longbridge" not in body and "Flat 3" not in body


def test_every_text_is_plain_and_never_asks_for_an_opt_out_word(
    day: Day, sms: FakeSmsSender
) -> None:
    """All texts are GSM-7 and none tells anyone to send STOP, CANCEL, END or the like."""
    plan = day.publish()
    publishing.driver_reply(day.dev, True, now=NOW)
    db.session.commit()
    publishing.send_day_before_reminders(DAY, now=NOW + dt.timedelta(days=1))
    assert plan.status == PlanStatus.PUBLISHED
    assert sms.sent
    for text in sms.sent:
        assert is_gsm7(text.body), text.body
        assert not OPT_OUT_ASK.search(text.body), text.body
        assert segments(text.body) <= 3


def test_residents_get_a_confirmation_with_window_and_driver(day: Day, sms: FakeSmsSender) -> None:
    """Each resident gets one confirmation: pickup window, driver's first name, place, home time."""
    day.publish()
    [joan] = sms.to(day.joan.phone)
    assert joan == (
        "Hello Joan, your lift on Tuesday 1 December is arranged. Dev will pick you up from home "
        "between 9:05am and 9:20am to go to Choir at Valence Library. Lift home: about 12:05pm. "
        "Text MY LIFTS to check it."
    )
    assert len(sms.to(day.zofia.phone)) == 1


def test_publishing_marks_the_plan_and_lifts(day: Day) -> None:
    """The plan is published and every lift on it is planned; an unserved lift is marked so."""
    extra = make_lift(make_resident(), day=DAY)
    plan = make_plan(DAY, day.routes(), unserved=[extra])
    result = publishing.publish_plan(plan.id, actor_id=None, now=NOW)
    assert plan.status == PlanStatus.PUBLISHED and plan.published_at == NOW
    assert (result.drivers_texted, result.residents_texted) == (2, 3)
    assert all(leg.status == LiftStatus.PLANNED for pair in day.legs.values() for leg in pair)
    assert extra.status == LiftStatus.UNSERVED


def test_a_plan_is_published_once(day: Day) -> None:
    """Publishing a published plan again is refused."""
    plan = day.publish()
    with pytest.raises(Conflict):
        publishing.publish_plan(plan.id, actor_id=None, now=NOW)


def test_republishing_texts_only_the_people_affected(day: Day, sms: FakeSmsSender) -> None:
    """A re-plan moving Amir's pickup texts Dev and Amir only; Sue keeps her acceptance."""
    first = day.publish()
    publishing.driver_reply(day.sue, True, now=NOW)
    db.session.commit()
    sms.sent.clear()
    second = day.publish(amir_pickup="9:35")
    assert first.status == PlanStatus.SUPERSEDED and second.status == PlanStatus.PUBLISHED
    texted = {t.to for t in sms.sent}
    assert texted == {day.dev.phone, day.amir.phone}
    assert "a change to your lift" in sms.to(day.amir.phone)[0]
    assert "between 9:35am and 9:50am" in sms.to(day.amir.phone)[0]
    sue_route = next(r for r in second.routes if r.volunteer_id == day.sue.id)
    assert sue_route.response == DriverResponse.ACCEPTED


def test_republishing_with_another_driver_tells_both(day: Day, sms: FakeSmsSender) -> None:
    """When Zofia moves from Sue to Kim, Sue is stood down and Zofia told her new driver."""
    day.publish()
    sms.sent.clear()
    kim = make_volunteer(first_name="Kim")
    day.publish(sue=kim)
    assert "we no longer need you to drive" in sms.to(day.sue.phone)[0]
    assert sms.to(kim.phone)[0].startswith("Hi Kim")
    assert "Kim will now pick you up" in sms.to(day.zofia.phone)[0]
    assert sms.to(day.joan.phone) == [] and sms.to(day.dev.phone) == []


def test_accepting_sends_all_the_addresses_in_one_text(day: Day, sms: FakeSmsSender) -> None:
    """After a driver replies 1, every resident's full address comes in one text (issue 13)."""
    plan = day.publish()
    sms.sent.clear()
    reply, queued = publishing.driver_reply(day.dev, True, now=NOW)
    db.session.commit()
    assert reply.startswith("Thank you Dev! You are booked for Tuesday 1 December.")
    assert "All the pickup addresses follow in the next text." in reply
    (body,) = [m.body for m in queued]
    lines = body.splitlines()
    assert lines[0] == "Addresses for Tue 1 Dec:"
    assert lines[1].startswith("9:05am Joan") and "12 Ripple Road, IG11 7NB" in lines[1]
    assert "Needs: wheelchair" in lines[1] and "To Choir at" not in lines[1]
    assert lines[1].endswith("To Valence Library, home at 12:05pm.")
    assert lines[2].startswith("9:20am Amir") and "7a Longbridge Road" in lines[2]
    # The place once, by name and with its street, so the driver can find it.
    assert lines[3] == "Valence Library is at Becontree Avenue RM8 3HT."
    assert segments(body) <= 3 and is_gsm7(body)
    route = next(r for r in plan.routes if r.volunteer_id == day.dev.id)
    assert route.response == DriverResponse.ACCEPTED and route.responded_at == NOW


def test_ten_pickups_come_in_as_few_texts_as_fit_in_order(sms: FakeSmsSender) -> None:
    """Ten residents' addresses: not ten texts, but the fewest that fit, numbered and in order."""
    hospital = make_venue(
        name="Barking Community Hospital", address="Upney Lane, Barking", postcode="IG11 9LX"
    )
    driver = make_volunteer(first_name="Pat")
    legs = []
    for n in range(10):
        resident = make_resident(
            first_name=f"Person{n}", address=f"Flat {n + 1}, {n + 20} Gascoigne Road, Barking"
        )
        lift = make_lift(
            resident,
            day=DAY,
            venue_id=hospital.id,
            destination_address="Upney Lane, Barking",
            destination_postcode="IG11 9LX",
        )
        legs.append((lift, hm("8:00") + n * 600, hm("11:00") + n * 60))
    plan = make_plan(DAY, [(driver, legs)])
    publishing.publish_plan(plan.id, now=NOW)
    reply, queued = publishing.driver_reply(driver, True, now=NOW)
    bodies = [m.body for m in queued]
    # About 1,150 characters: three texts of at most three parts each (459 characters) is the
    # fewest that can carry them.
    assert 2 * 459 < sum(len(b) for b in bodies) <= 3 * 459
    assert len(bodies) == 3
    assert f"follow in the next {len(bodies)} texts" in reply
    assert all(segments(b) <= 3 for b in bodies)
    assert bodies[0].startswith("Addresses for Tue 1 Dec (1/")
    joined = "\n".join(bodies)
    order = [joined.index(f"Person{n} ") for n in range(10)]
    assert order == sorted(order)
    assert joined.count("To Barking Community Hospital.") == 10
    assert "Barking Community Hospital is at Upney Lane, Barking IG11 9LX." in bodies[-1]


def test_someone_only_driven_home_comes_with_their_home_address(
    day: Day, sms: FakeSmsSender
) -> None:
    """A driver with only Zofia's lift home is told where to collect her and where she lives."""
    (z, zb) = day.legs["Zofia"]
    plan = make_plan(DAY, [(day.sue, [(zb, hm("12:10"), hm("12:40"))])])
    publishing.publish_plan(plan.id, now=NOW)
    _reply, queued = publishing.driver_reply(day.sue, True, now=NOW)
    (body,) = [m.body for m in queued]
    assert "12:10pm collect Zofia" in body and "at Valence Library" in body
    assert "home to Flat 3, 40 Becontree Avenue" in body


def test_declining_alerts_staff_and_keeps_the_driver_out_of_a_replan(day: Day) -> None:
    """A 2 alerts coordinators, flags the plan for re-planning and books the driver a day off."""
    plan = day.publish()
    reply, queued = publishing.driver_reply(day.sue, False, now=NOW)
    db.session.commit()
    assert "We will find someone else" in reply
    # Her resident is told the driver changed (issue 10: whoever drops a lift, the resident hears).
    [to_zofia] = queued
    assert to_zofia.resident_id == day.zofia.id and "Sue can no longer drive you" in to_zofia.body
    [alert] = db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.DRIVER_DECLINED))
    assert alert.volunteer_id == day.sue.id
    assert plan.stats["needs_replan"] is True
    day_off = db.session.scalar(sa.select(AvailabilityException))
    assert day_off is not None and (day_off.volunteer_id, day_off.day, day_off.available) == (
        day.sue.id,
        DAY,
        False,
    )


def test_a_reply_with_nothing_pending_says_so(day: Day) -> None:
    """A driver with no route waiting gets a plain answer, nothing changes."""
    reply, queued = publishing.driver_reply(day.dev, True, now=NOW)
    assert "Nothing is waiting for your reply" in reply and queued == []


def test_silent_drivers_are_reminded_then_reported(
    app: Flask, day: Day, sms: FakeSmsSender
) -> None:
    """No answer after the reminder time: one reminder; after the alert time: staff alerted."""
    app.config.update(DRIVER_REPLY_REMINDER_MIN=60, DRIVER_REPLY_ALERT_MIN=180)
    day.publish()
    publishing.driver_reply(day.dev, True, now=NOW)
    db.session.commit()
    assert publishing.check_driver_replies(now=NOW + dt.timedelta(minutes=30)).reminded == 0
    assert publishing.check_driver_replies(now=NOW + dt.timedelta(minutes=61)).reminded == 1
    assert publishing.check_driver_replies(now=NOW + dt.timedelta(minutes=90)).reminded == 0
    assert "we have not heard back" in sms.to(day.sue.phone)[-1]
    result = publishing.check_driver_replies(now=NOW + dt.timedelta(minutes=181))
    assert result.alerted == 1
    [alert] = db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.DRIVER_NO_REPLY))
    assert alert.volunteer_id == day.sue.id
    assert publishing.check_driver_replies(now=NOW + dt.timedelta(minutes=200)).alerted == 0


def test_day_before_reminders_once_each(day: Day, sms: FakeSmsSender) -> None:
    """The reminder names the window and driver, goes once, and not right after a confirmation."""
    day.publish()
    assert publishing.send_day_before_reminders(DAY, now=NOW + dt.timedelta(hours=1)) == 0
    later = NOW + dt.timedelta(hours=20)
    assert publishing.send_day_before_reminders(DAY, now=later) == 3
    assert publishing.send_day_before_reminders(DAY, now=later) == 0
    assert sms.to(day.joan.phone)[-1].startswith(
        "Hello Joan, a reminder of your lift tomorrow, Tuesday 1 December: Dev will pick you "
        "up between 9:05am and 9:20am"
    )


def test_reminders_wait_for_the_configured_local_time(app: Flask, day: Day) -> None:
    """The periodic check sends tomorrow's reminders only after REMINDER_TIME, London time."""
    day.publish()
    app.config["REMINDER_TIME"] = "17:00"
    # 30 Nov 16:30 UTC is 16:30 in London (GMT).
    assert publishing.send_due_reminders(now=dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)) == 0
    # A dropped lift is not reminded.
    day.legs["Amir"][0].status = LiftStatus.CANCELLED
    db.session.commit()
    sent = publishing.send_due_reminders(now=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))
    assert sent == 2


def test_a_long_route_is_split_into_texts_of_three_parts_at_most(sms: FakeSmsSender) -> None:
    """Twelve pickups become several texts, numbered, each at most three SMS parts."""
    choir = make_activity(make_venue(name="Thames View Community Hub"), name="Lunch club")
    driver = make_volunteer(first_name="Pat")
    legs = []
    for n in range(12):
        resident = make_resident(first_name=f"Person{n}", address=f"{n + 1} Gascoigne Road")
        lift = make_lift(resident, day=DAY, activity_id=choir.id)
        legs.append((lift, hm("8:00") + n * 600, hm("11:00") + n * 60))
    plan = make_plan(DAY, [(driver, legs)])
    publishing.publish_plan(plan.id, now=NOW)
    texts = sms.to(driver.phone)
    assert len(texts) >= 3
    assert all(segments(t) <= 3 for t in texts)
    assert "(1/" in texts[1] and texts[-1].endswith("Reply 1 to accept, or 2 if you can't do it.")
    assert sum(t.count(" pick up ") for t in texts) == 12
