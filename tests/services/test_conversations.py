"""Conversations by text, as scripts: book, check and drop lifts, help, opt-out, strangers."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Activity
from app.models import Alert
from app.models import AlertKind
from app.models import Conversation
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftSource
from app.models import LiftStatus
from app.models import Message
from app.models import MessageDirection
from app.models import Resident
from app.services import publishing
from app.services.conversations import handle_inbound
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import make_test_app
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.plan_builder import hm
from tests.plan_builder import make_plan

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # Monday morning in London
TUESDAY = dt.date(2026, 12, 1)
_sids = itertools.count(1)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


@pytest.fixture()
def choir(sms: FakeSmsSender) -> Activity:
    return make_activity(make_venue(name="Valence Library"), name="Choir", interests=["singing"])


@pytest.fixture()
def joan(choir: Activity) -> Resident:
    return make_resident(first_name="Joan", interests=["singing"])


def text(phone: str | None, body: str, *, at: dt.datetime = NOW) -> str | None:
    """Send ``body`` from ``phone`` and return the reply (None: no reply)."""
    return handle_inbound(phone or "", body, f"SM{next(_sids):032d}", now=at).reply


def alerts(kind: AlertKind) -> list[Alert]:
    return list(db.session.scalars(sa.select(Alert).where(Alert.kind == kind)))


def lifts_of(resident: Resident) -> list[LiftRequest]:
    return list(
        db.session.scalars(
            sa.select(LiftRequest)
            .where(LiftRequest.resident_id == resident.id)
            .order_by(LiftRequest.id)
        )
    )


def test_help_gives_the_bureau_phone_and_hours(joan: Resident) -> None:
    """HELP answers with the phone number and opening hours."""
    reply = text(joan.phone, "help")
    assert reply is not None
    assert "020 8227 0000" in reply and "Monday to Friday, 9am to 5pm" in reply


def test_booking_from_the_menu(joan: Resident, choir: Activity) -> None:
    """LIFT -> numbered menu of her activities -> 1 -> confirm -> 1 -> booked with the return."""
    menu = text(joan.phone, "LIFT")
    assert menu is not None and "1. Choir at Valence Library, Tue 1 Dec" in menu
    confirm = text(joan.phone, "1")
    assert confirm == (
        "Choir at Valence Library on Tuesday 1 December. We will pick you up from home in time "
        "to get there by 9:50am and bring you home after 12 noon.\n"
        "Reply 1 to book it, or 2 to choose again."
    )
    booked = text(joan.phone, "1")
    assert booked is not None and booked.startswith("Booked: Choir at Valence Library on Tuesday")
    out, back = lifts_of(joan)
    assert (out.day, out.activity_id, out.source) == (TUESDAY, choir.id, LiftSource.SMS)
    assert back.leg == LiftLeg.RETURN and back.outbound_id == out.id


def test_same_as_last_week_is_offered_first(choir: Activity) -> None:
    """A resident who went last Thursday is offered the same lift next Thursday, first."""
    other = make_activity(make_venue(name="Dagenham Library"), name="Knit and natter", weekday=3)
    amir = make_resident(first_name="Amir", interests=[])
    make_lift(amir, day=dt.date(2026, 11, 26), activity_id=other.id)
    menu = text(amir.phone, "book")
    assert menu is not None
    assert "1. Knit and natter at Dagenham Library, Thu 3 Dec (same as last week)" in menu
    text(amir.phone, "1")
    text(amir.phone, "yes")
    assert [lift.day for lift in lifts_of(amir)][-1] == dt.date(2026, 12, 3)


def test_free_text_with_place_and_day_goes_straight_to_confirm(joan: Resident) -> None:
    """'can I have a lift to choir tuesday' is understood without the menu."""
    reply = text(joan.phone, "Can I have a lift to choir on Tuesday please")
    assert reply is not None and reply.startswith("Choir at Valence Library on Tuesday 1 December")


def test_a_place_we_cannot_match_goes_to_a_coordinator(choir: Activity) -> None:
    """With no activities to offer, the resident names a place; unmatched, staff will phone."""
    amir = make_resident(first_name="Amir", interests=[])
    ask = text(amir.phone, "lift")
    assert ask is not None and "Reply with the place and the day" in ask
    reply = text(amir.phone, "the dentist on Broadway friday")
    assert reply is not None and "a coordinator will phone you" in reply
    [alert] = alerts(AlertKind.CALL_REQUESTED)
    assert "dentist on Broadway" in alert.detail and alert.resident_id == amir.id


def test_choosing_again_shows_the_menu(joan: Resident) -> None:
    """2 at the confirmation goes back to the menu; nothing is booked."""
    text(joan.phone, "LIFT")
    text(joan.phone, "1")
    again = text(joan.phone, "2")
    assert again is not None and again.startswith("Where would you like a lift to?")
    assert lifts_of(joan) == []


def test_my_lifts_then_drop_one(joan: Resident, choir: Activity, sms: FakeSmsSender) -> None:
    """MY LIFTS lists planned lifts with window and driver; DROP 1 -> 1 drops it; driver told."""
    lift = make_lift(joan, day=TUESDAY, activity_id=choir.id)
    dev = make_volunteer(first_name="Dev")
    plan = make_plan(TUESDAY, [(dev, [(lift, hm("9:05"), hm("9:45"))])])
    publishing.publish_plan(plan.id, now=NOW)
    listing = text(joan.phone, "my lifts")
    assert listing is not None
    assert "1. Tue 1 Dec, Choir at Valence Library, pickup 9:05am-9:20am with Dev" in listing
    assert "reply DROP and its number" in listing
    confirm = text(joan.phone, "DROP 1")
    assert confirm == (
        "Drop your lift to Choir at Valence Library on Tuesday 1 December? "
        "Reply 1 to drop it, or 2 to keep it."
    )
    done = text(joan.phone, "1")
    assert done is not None and done.startswith("Done: your lift to Choir")
    db.session.refresh(lift)
    assert lift.status == LiftStatus.CANCELLED
    assert "Joan no longer needs the 9:05am pickup" in sms.to(dev.phone)[-1]
    assert len(alerts(AlertKind.LIFT_CANCELLED)) == 1


def test_dropping_on_the_day_is_a_late_cancellation(joan: Resident, choir: Activity) -> None:
    """A lift dropped on its own day is recorded as a late cancellation."""
    lift = make_lift(joan, day=dt.date(2026, 11, 30), activity_id=None)
    text(joan.phone, "I can't come today, sorry")
    text(joan.phone, "1")
    text(joan.phone, "1")
    db.session.refresh(lift)
    assert lift.status == LiftStatus.LATE_CANCELLED


def test_keeping_a_lift(joan: Resident) -> None:
    """2 at the drop confirmation keeps the lift."""
    lift = make_lift(joan, day=TUESDAY)
    text(joan.phone, "my lifts")
    text(joan.phone, "1")
    assert text(joan.phone, "2") == "That's fine, your lift stays booked."
    db.session.refresh(lift)
    assert lift.status == LiftStatus.REQUESTED


def test_no_lifts_booked(joan: Resident) -> None:
    """MY LIFTS with nothing booked says so and offers LIFT."""
    assert text(joan.phone, "MY LIFTS") == "You have no lifts booked. Text LIFT to book one."


@pytest.mark.parametrize("word", ["STOP", "cancel", "End", " quit ", "UNSUBSCRIBE"])
def test_a_lone_opt_out_word_opts_out_and_tells_staff(joan: Resident, word: str) -> None:
    """A lone opt-out word records the opt-out, no reply, and staff see her upcoming lift."""
    make_lift(joan, day=TUESDAY)
    assert text(joan.phone, word) is None
    db.session.refresh(joan)
    assert joan.opted_out_at is not None
    [alert] = alerts(AlertKind.OPTED_OUT)
    assert "may have meant to drop one lift" in alert.detail and "Tue 1 Dec" in alert.detail


def test_cancel_in_a_sentence_is_about_a_lift_not_an_opt_out(joan: Resident) -> None:
    """'cancel my lift' lists the lifts to drop and does not opt out."""
    make_lift(joan, day=TUESDAY)
    reply = text(joan.phone, "please cancel my lift on tuesday")
    assert reply is not None and reply.startswith("Your lifts:")
    db.session.refresh(joan)
    assert joan.opted_out_at is None


def test_an_opted_out_number_gets_no_text_but_a_call(joan: Resident) -> None:
    """After STOP, a text gets no reply and asks staff to phone; START opts back in."""
    text(joan.phone, "STOP")
    assert text(joan.phone, "LIFT") is None
    [alert] = alerts(AlertKind.CALL_REQUESTED)
    assert "opted out" in alert.detail
    assert text(joan.phone, "START") is None
    db.session.refresh(joan)
    assert joan.opted_out_at is None
    assert text(joan.phone, "help") is not None
    replies = db.session.scalars(
        sa.select(Message).where(Message.kind == "reply", Message.phone == joan.phone)
    ).all()
    assert len(replies) == 1  # only the answer to HELP was ever sent


def test_no_consent_means_no_reply(choir: Activity) -> None:
    """A resident who never agreed to texts is not texted back; staff are asked to phone."""
    resident = make_resident(sms_consent=False)
    assert text(resident.phone, "LIFT") is None
    assert len(alerts(AlertKind.CALL_REQUESTED)) == 1


def test_unknown_number_gets_a_kind_reply_and_a_new_contact(sms: FakeSmsSender) -> None:
    """A stranger is welcomed, staff get one new contact, and a second text is acknowledged."""
    first = text("07700 900555", "hello is this the lifts people")
    assert first is not None and first.startswith("Hello, thank you for getting in touch")
    second = text("+447700900555", "I live on my own")
    assert second is not None and "passed your message on" in second
    [alert] = alerts(AlertKind.NEW_CONTACT)
    assert alert.phone == "+447700900555" and "lifts people" in alert.detail


def test_two_misunderstood_texts_bring_a_call(joan: Resident) -> None:
    """Nonsense twice in a row: 'a coordinator will phone you' and a call request for staff."""
    first = text(joan.phone, "purple monkey dishwasher")
    assert first is not None and first.startswith("Sorry Joan, I did not understand")
    second = text(joan.phone, "asdfgh")
    assert second is not None and "A coordinator will phone you" in second
    [alert] = alerts(AlertKind.CALL_REQUESTED)
    assert "asdfgh" in alert.detail


def test_an_understood_text_resets_the_count(joan: Resident) -> None:
    """A good text between two odd ones means no call request."""
    text(joan.phone, "purple")
    text(joan.phone, "help")
    text(joan.phone, "monkey")
    assert alerts(AlertKind.CALL_REQUESTED) == []


@pytest.mark.parametrize("body", ["Thanks!", "thank you so much", "Thanks for the lift x", "ok"])
def test_thanks_does_not_start_a_booking(joan: Resident, body: str) -> None:
    """Thanks after a lift gets a warm word back and no menu."""
    reply = text(joan.phone, body)
    assert reply == "You're welcome, Joan. Take care."
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation is not None and conversation.state == "idle"


@pytest.mark.parametrize("body", ["👍", "❤️❤️", "🙏 :)"])
def test_an_emoji_gets_no_reply_and_no_booking(joan: Resident, body: str) -> None:
    """A thumbs up or a heart is recorded, needs no answer and starts nothing."""
    assert text(joan.phone, body) is None
    assert alerts(AlertKind.CALL_REQUESTED) == []


def test_a_blank_text_gets_the_help(joan: Resident) -> None:
    """An empty text gets the help text, not a telling-off."""
    reply = text(joan.phone, "   ")
    assert reply is not None and "Text LIFT to book a lift" in reply


def test_a_very_long_text_is_stored_whole_and_answered(joan: Resident) -> None:
    """A 5,000-character text is kept whole and answered like any other."""
    body = "blah " * 1000
    reply = text(joan.phone, body)
    assert reply is not None and "did not understand" in reply
    stored = db.session.scalar(sa.select(Message).where(Message.kind == "inbound"))
    assert stored is not None and stored.body == body


@pytest.mark.parametrize(
    "body",
    ["مجھے منگل کو لفٹ چاہیے", "Dziękuję bardzo, potrzebuję podwózki", "Zażółć gęślą jaźń"],
)
def test_urdu_and_polish_texts_are_kept_and_answered(joan: Resident, body: str) -> None:
    """Non-English texts are stored as sent and get the plain help, never an error."""
    reply = text(joan.phone, body)
    assert reply is not None and "Text LIFT" in reply
    stored = db.session.scalar(sa.select(Message.body).where(Message.kind == "inbound"))
    assert stored == body


def test_a_question_expires_after_thirty_minutes(joan: Resident) -> None:
    """An answer to a menu 31 minutes later is not taken as a choice."""
    text(joan.phone, "LIFT")
    late = text(joan.phone, "1", at=NOW + dt.timedelta(minutes=31))
    assert late is not None and "timed out" in late
    assert lifts_of(joan) == []


def test_a_repeated_message_sid_is_handled_once(joan: Resident) -> None:
    """Twilio retrying the same MessageSid is acknowledged and not processed twice."""
    first = handle_inbound(joan.phone or "", "LIFT", "SMsame", now=NOW)
    again = handle_inbound(joan.phone or "", "LIFT", "SMsame", now=NOW)
    assert first.reply and not first.duplicate
    assert again.duplicate and again.reply is None
    inbound = db.session.scalars(
        sa.select(Message).where(Message.direction == MessageDirection.INBOUND)
    ).all()
    assert len(inbound) == 1


def test_drivers_accept_and_decline_by_number(sms: FakeSmsSender, joan: Resident) -> None:
    """A driver's 1 accepts their route (addresses follow); another driver's 2 declines."""
    dev, sue = make_volunteer(first_name="Dev"), make_volunteer(first_name="Sue")
    other = make_resident(first_name="Amir")
    plan = make_plan(
        TUESDAY,
        [
            (dev, [(make_lift(joan, day=TUESDAY), hm("9:00"), hm("9:30"))]),
            (sue, [(make_lift(other, day=TUESDAY), hm("9:00"), hm("9:30"))]),
        ],
    )
    publishing.publish_plan(plan.id, now=NOW)
    accepted = text(dev.phone, "1")
    assert accepted is not None and accepted.startswith("Thank you Dev!")
    assert joan.address is not None and joan.address in sms.to(dev.phone)[-1]
    declined = text(sue.phone, "2")
    assert declined is not None and "We will find someone else" in declined
    assert len(alerts(AlertKind.DRIVER_DECLINED)) == 1


@pytest.fixture()
def shared_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a database several threads share (a SQLite file, or the PostgreSQL test db)."""
    uri = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'texts.sqlite'}"
    application = make_test_app(SQLALCHEMY_DATABASE_URI=uri)
    install_fake_sms(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_two_texts_at_once_from_one_number(shared_app: Flask) -> None:
    """Two texts arriving together from one phone are both recorded and answered, in turn."""
    with shared_app.app_context():
        make_activity(make_venue(name="Valence Library"), name="Choir", interests=["singing"])
        phone = make_resident(first_name="Joan", interests=["singing"]).phone or ""
    replies: list[str | None] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def send(body: str, sid: str) -> None:
        with shared_app.app_context():
            try:
                start.wait()
                replies.append(handle_inbound(phone, body, sid, now=NOW).reply)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=send, args=("LIFT", "SMat-once-1")),
        threading.Thread(target=send, args=("MY LIFTS", "SMat-once-2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len(replies) == 2 and all(replies)
    with shared_app.app_context():
        inbound = db.session.scalars(
            sa.select(Message).where(Message.direction == MessageDirection.INBOUND)
        ).all()
        assert len(inbound) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 1
