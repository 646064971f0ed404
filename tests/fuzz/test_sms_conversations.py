"""Fuzzing the text conversations (issue 15): any body, any order, any sender, opted out or not,
menus left to expire, Twilio retrying a text. Whatever arrives:

- nothing escapes ``handle_inbound`` (no exception, so no 500 at the webhook);
- every inbound text is stored once (a retried MessageSid once in all);
- a reply fits two SMS parts, is stored as the one reply to that text, and nobody who opted out
  or never agreed to texts gets one;
- nothing is stored half-way: a lift booked by text has its lift home, a conversation that waits
  for an answer has an expiry, and no text waits to be sent to someone who may not be texted.

2,000 conversations of one to six texts in each CI run: 1,500 in its SQLite pass and 500 in its
PostgreSQL pass
(tests/fuzz/conftest.py has the profiles).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Conversation
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftSource
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import PlanStatus
from app.models import Resident
from app.models import Volunteer
from app.services import publishing
from app.services.conversations import OPT_IN_WORDS
from app.services.conversations import handle_inbound
from app.services.sms_templates import segments
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import make_test_app
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.fakes import install_fake_sms
from tests.fuzz import snapshot
from tests.fuzz.conftest import examples
from tests.plan_builder import hm
from tests.plan_builder import make_plan

pytestmark = pytest.mark.fuzz

START = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
DAY = START.date() + dt.timedelta(days=2)
_sids = itertools.count(1)

PEOPLE = {
    "joan": "+447700900101",  # agreed to texts, sings, went to the choir last week
    "kim": "+447700900102",  # agreed to texts, a lift on the published plan
    "pat": "+447700900103",  # opted out
    "sam": "+447700900104",  # never agreed to texts
    "siobhan": "+447700900105",  # agreed to texts, an accent in her name, nine lifts booked
    "dev": "+447700900201",  # a driver whose route waits for an answer
    "ann": "+447700900202",  # a volunteer with nothing waiting
}
STRANGERS = ["+447700900999", "07700 900998", "+12025550123", "", "not a number", "+44"]
KEYWORDS = [
    "LIFT", "lift", "Book", "book a lift", "choir", "choir tuesday", "lunch club friday",
    "Valence", "library tomorrow", "MY LIFTS", "check", "DROP", "drop 1", "DROP 2", "drop lift 9",
    "cancel my lift", "can't go", "1", "2", "3", "9", "12", "99", "no. 1", "yes", "y", "no", "n",
    "STOP", "stop", "Cancel", "END", "start", "UNSTOP", "HELP", "info", "?", "thanks", "ta",
    "thank you so much", "ok", "okay thanks", "bye", "\U0001f44d", "\u2764\ufe0f", "...", "",
    "   ", "accept", "decline", "cannot",
]  # fmt: skip


SINGING = [
    ("Singing for the Brain", "Becontree Heath Leisure Centre Community Room"),
    ("Golden Voices Community Choir", "St Peter and St Paul's Church Hall, Dagenham"),
    ("Sing Along Tea Afternoon", "Barking Learning Centre, Second Floor Studio"),
    ("Musical Memories Group", "Marks Gate Community Centre and Library"),
    ("Friday Gospel Choir", "Thames View Health Centre Meeting Room"),
    ("Wednesday Karaoke Club", "Castle Point Hall, Rainham Road North"),
]


def _huge(piece: str, times: int) -> str:
    return (piece or "x") * times


BODIES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.text(max_size=160),  # any unicode, NUL and control characters included
    st.builds(lambda k, t: f"{k} {t}", st.sampled_from(KEYWORDS), st.text(max_size=40)),
    st.builds(_huge, st.text(min_size=1, max_size=3), st.integers(400, 3000)),
)
SENDERS = st.one_of(
    st.sampled_from(list(PEOPLE) * 3 + STRANGERS),  # mostly people we know
    st.text(max_size=25),  # anything in From
)


@dataclass(frozen=True)
class Text:
    sender: str
    body: str
    minutes_later: int
    retried: bool  # Twilio sent the same MessageSid again

    def __repr__(self) -> str:  # a 3,000-character body is shown by its start and length
        body = self.body if len(self.body) <= 60 else f"{self.body[:40]!r}... ({len(self.body)})"
        return f"Text({self.sender!r}, {body!r}, +{self.minutes_later} min, retried={self.retried})"


TEXTS = st.builds(
    Text,
    sender=SENDERS,
    body=BODIES,
    minutes_later=st.sampled_from([0, 0, 1, 2, 10, 29, 31, 45, 240]),
    retried=st.sampled_from([False] * 9 + [True]),
)
CONVERSATIONS = st.lists(TEXTS, min_size=1, max_size=6)


def _phone(sender: str) -> str:
    return PEOPLE.get(sender, sender)


def _borough() -> None:
    """The people and the published day every conversation starts from."""
    venue = make_venue(name="Valence Library")
    choir = make_activity(venue, name="Choir", weekday=DAY.weekday(), interests=["singing"])
    make_activity(make_venue(name="Heathway Centre"), name="Lunch club", weekday=4)
    # Six more things Joan could sing at: a full menu, with long real-world names.
    for n, (what, where) in enumerate(SINGING):
        make_activity(make_venue(name=where), name=what, weekday=n % 5, interests=["singing"])
    joan = make_resident(first_name="Joan", phone=PEOPLE["joan"], interests=["singing"])
    make_lift(joan, day=START.date() - dt.timedelta(days=7), activity_id=choir.id)
    kim = make_resident(first_name="Kim", phone=PEOPLE["kim"])
    siobhan = make_resident(first_name="Siobhán", phone=PEOPLE["siobhan"])
    for n in range(9):
        make_lift(siobhan, day=DAY + dt.timedelta(days=n), activity_id=choir.id)
    make_resident(first_name="Pat", phone=PEOPLE["pat"], opted_out_at=START)
    make_resident(first_name="Sam", phone=PEOPLE["sam"], sms_consent=False)
    dev = make_volunteer(first_name="Dev", phone=PEOPLE["dev"])
    make_volunteer(first_name="Ann", phone=PEOPLE["ann"], is_driver=False, is_befriender=True)
    lift = make_lift(kim, day=DAY, activity_id=choir.id)
    plan = make_plan(DAY, [(dev, [(lift, hm("9:05"), hm("9:45"))])])
    publishing.publish_plan(plan.id, now=START - dt.timedelta(hours=1))
    assert plan.status == PlanStatus.PUBLISHED


@pytest.fixture(scope="module")
def borough() -> Iterator[snapshot.Snapshot]:
    """The app with the borough built once; yields its snapshot."""
    application = make_test_app()
    install_fake_sms(application)
    with application.app_context():
        _borough()
        yield snapshot.take()
        db.session.remove()
        db.engine.dispose()


def _may_be_texted(phone: str) -> bool | None:
    """True/False for a person we know; None for a stranger."""
    person: Resident | Volunteer | None = db.session.scalar(
        sa.select(Resident).where(Resident.phone == phone)
    ) or db.session.scalar(sa.select(Volunteer).where(Volunteer.phone == phone))
    if person is None:
        return None
    return person.opted_out_at is None and person.sms_consent


def _count(*where: sa.ColumnElement[bool]) -> int:
    return int(db.session.scalar(sa.select(sa.func.count(Message.id)).where(*where)) or 0)


def _send(text: Text, at: dt.datetime, last_sid: str | None) -> tuple[str | None, str]:
    """Handle one text, checking what a single text may do; returns (reply, its sid)."""
    phone = _phone(text.sender)
    sid = last_sid if text.retried and last_sid else f"SM{next(_sids):032d}"
    allowed = _may_be_texted(phone.strip()) if phone.startswith("+") else None
    inbound_before = _count(Message.direction == MessageDirection.INBOUND)
    result = handle_inbound(phone, text.body, sid, now=at)
    db.session.expire_all()
    inbound_after = _count(Message.direction == MessageDirection.INBOUND)
    if result.duplicate:
        assert inbound_after == inbound_before and result.reply is None
        return None, sid
    assert inbound_after == inbound_before + 1, "the text was not stored once"
    replies = db.session.scalars(
        sa.select(Message).where(
            Message.kind == "reply",
            Message.concerns_type == "message",
            Message.concerns_id == result.message_id,
        )
    ).all()
    if result.reply is None:
        assert replies == []
        return None, sid
    assert segments(result.reply) <= 2, (len(result.reply), result.reply)
    assert [r.body for r in replies] == [result.reply]
    stripped = text.body.strip().strip(" .!,;:'\"-").casefold()
    if allowed is False and stripped not in OPT_IN_WORDS and stripped != "yes":
        pytest.fail(f"replied to someone who may not be texted: {result.reply!r}")
    return result.reply, sid


def _nothing_half_way() -> None:
    """What every conversation must leave behind, whatever it was."""
    db.session.expire_all()
    by_sms = db.session.scalars(
        sa.select(LiftRequest).where(
            LiftRequest.source == LiftSource.SMS, LiftRequest.leg == LiftLeg.OUTBOUND
        )
    ).all()
    for lift in by_sms:
        assert lift.activity_id is not None and len(lift.return_legs) == 1, lift.id
        assert lift.pickup_lat is not None and lift.destination_lat is not None
    for conversation in db.session.scalars(sa.select(Conversation)):
        if conversation.state != "idle":
            assert conversation.expires_at is not None, conversation.state
            assert conversation.state in {
                "book_choose", "book_ask", "book_confirm", "drop_choose", "drop_confirm",
            }  # fmt: skip
    waiting = db.session.scalars(
        sa.select(Message).where(
            Message.direction == MessageDirection.OUTBOUND,
            Message.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]),
        )
    ).all()
    for message in waiting:
        person = message.resident or message.volunteer
        assert person is None or (person.opted_out_at is None and person.sms_consent)


# 2,000 in each CI run: 1,500 in its SQLite pass and 500 in its PostgreSQL pass (four times
# slower a text), for what differs there (the conversation row's lock, the database's checks).
@settings(max_examples=examples(500 if TEST_DATABASE_URL else 1500))
@given(conversation=CONVERSATIONS)
def test_any_conversation_is_answered_briefly_and_stored_whole(
    borough: snapshot.Snapshot, conversation: list[Text]
) -> None:
    snapshot.restore(borough)
    at, sid = START, None
    for text in conversation:
        at += dt.timedelta(minutes=text.minutes_later)
        _, sid = _send(text, at, sid)
    _nothing_half_way()
