"""Conversations by text: book, check and drop lifts, help, opt-out, and drivers' answers.

Each phone number has one ``Conversation`` row holding where the exchange stands; it expires
after ``CONVERSATION_TTL_MIN``. Replies are numbered menus in plain words. Twilio treats a lone
STOP, STOPALL, UNSUBSCRIBE, END, QUIT, REVOKE, OPTOUT or CANCEL as opting out of every text, so
our own texts never ask anyone to send those words (we use numbers and DROP) — issue 6.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.errors import InvalidInput
from app.extensions import db
from app.models import Activity
from app.models import AlertKind
from app.models import ConsentHow
from app.models import ConsentPurpose
from app.models import Conversation
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import Resident
from app.models import Venue
from app.models import Volunteer
from app.models.base import now_utc
from app.services import befriending
from app.services import clock
from app.services import consent
from app.services import screening_by_text
from app.services import sms_templates as words
from app.services.input_rules import clean_inbound_text
from app.services.lifts import ARRIVE_BEFORE_START
from app.services.lifts import DroppedBy
from app.services.lifts import LiftInput
from app.services.lifts import book_lift
from app.services.lifts import drop_lifts
from app.services.messaging import Person
from app.services.messaging import add_alert
from app.services.messaging import dispatch
from app.services.messaging import find_person
from app.services.messaging import has_open_alert
from app.services.messaging import resolve_alerts
from app.services.messaging import why_not_simulate
from app.services.messaging import why_not_text
from app.services.people import volunteer_roles
from app.services.phones import normalise_phone
from app.services.places import lift_place
from app.services.publishing import driver_reply
from app.services.publishing import pickup_window
from app.services.publishing import planned_lift_times

log = logging.getLogger(__name__)

# Twilio's opt-out and opt-in keywords (a lone word, any case).
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "revoke", "optout", "cancel"}
)
OPT_IN_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info", "?"})
MY_LIFTS_WORDS = frozenset({"my lifts", "my lift", "mylifts", "lifts", "check", "check lifts"})
BOOK_WORDS = frozenset({"lift", "book", "book lift", "book a lift", "new lift"})
ACCEPT_WORDS = frozenset({"1", "yes", "y", "accept", "ok", "okay", "yes ok"})
DECLINE_WORDS = frozenset({"2", "no", "n", "decline", "cant", "can't", "cannot", "no sorry"})
THANKS = re.compile(
    r"^(thanks?( you)?( so much| very much)?|thank u|thx|ta|cheers|lovely|great|brilliant|"
    r"perfect|ok(ay)?( thanks?( you)?)?|will do|bye|god bless|see you)\b",
    re.IGNORECASE,
)
MENTIONS_LIFT = re.compile(r"\b(lift|lifts|ride|pick me up|pickup|book)\b", re.IGNORECASE)
WANTS_MORE = re.compile(r"\b(book|another|next|can i|could i|need|want)\b", re.IGNORECASE)
# "cancel my lift on Tuesday" is not a lone opt-out word: it means dropping a lift.
DROP_INTENT = re.compile(
    r"\b(cancel|drop|not (going|coming)|can'?t (go|come|make)|won'?t (need|be))\b", re.IGNORECASE
)
DROP = re.compile(r"^drop\s*(?:lift\s*)?(?:no\.?\s*)?(\d{1,2})?$", re.IGNORECASE)
# How much of a very long text we read: Twilio joins at most 10 parts (1,600 characters).
MAX_BODY = 1600
MAX_OPTIONS = 6
LOOKAHEAD_DAYS = 14
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class InboundResult:
    """The answer to one inbound text: the reply (None for no reply) and what was recorded."""

    reply: str | None
    duplicate: bool = False
    message_id: int | None = None


@dataclass
class _Turn:
    """What one inbound text leads to: a reply and texts to dispatch after the commit."""

    reply: str | None = None
    queued: list[Message] = field(default_factory=list)


def _clean(body: str) -> str:
    return " ".join(unicodedata.normalize("NFC", body or "")[:MAX_BODY].split())


def _word(text: str) -> str:
    return text.casefold().strip(" .!,;:'\"-")


def _only_symbols(text: str) -> bool:
    """True for a text of emoji, punctuation or symbols only (a thumbs up, a heart)."""
    return bool(text) and not any(ch.isalnum() for ch in text)


def handle_inbound(
    from_: str,
    body: str,
    message_sid: str | None,
    *,
    simulated: bool = False,
    now: dt.datetime | None = None,
) -> InboundResult:
    """Record an inbound text, move its conversation on, and return the reply to send.

    The text is stored whatever it holds (NUL and control characters replaced, see
    ``input_rules.clean_inbound_text``), and kept even when handling it fails (issue 11).
    """
    now = now or now_utc()
    body = clean_inbound_text(body or "")
    from_ = clean_inbound_text(from_ or "")
    try:
        phone = normalise_phone(from_)
    except InvalidInput:
        phone = from_.strip()[:20]
    person = find_person(phone) if phone else None
    fields: dict[str, Any] = dict(
        direction=MessageDirection.INBOUND,
        phone=phone,
        body=body,
        status=MessageStatus.RECEIVED,
        kind="inbound",
        provider_sid=message_sid or None,
        simulated=simulated,
        resident_id=person.id if isinstance(person, Resident) else None,
        volunteer_id=person.id if isinstance(person, Volunteer) else None,
        created_at=now,
        updated_at=now,
    )
    inbound = Message(**fields)
    db.session.add(inbound)
    try:
        # Writing first also serialises two texts from one number (SQLite's write lock);
        # PostgreSQL locks the conversation row below.
        db.session.flush()
    except IntegrityError:
        # The MessageSid is unique: Twilio retried a text we already have (maybe at once).
        db.session.rollback()
        return InboundResult(reply=None, duplicate=True)
    inbound_id = inbound.id
    if not phone:
        # No sender: nobody to answer and nobody to phone back. Keep the text, open nothing
        # (an alert per such request flooded the list; issue 11).
        db.session.commit()
        log.warning("inbound text %s has no sender number; stored, not answered", inbound_id)
        return InboundResult(reply=None, message_id=inbound_id)
    try:
        conversation = _conversation(phone, now)
        turn = _respond(conversation, person, phone, _clean(body), inbound_id, now)
        if turn.reply and (person is None or why_not_text(person, phone) is None):
            turn.reply = words.fit(turn.reply)
            db.session.add(
                Message(
                    direction=MessageDirection.OUTBOUND,
                    phone=phone,
                    body=turn.reply,
                    status=MessageStatus.SIMULATED if simulated else MessageStatus.SENT,
                    kind="reply",
                    simulated=simulated,
                    resident_id=inbound.resident_id,
                    volunteer_id=inbound.volunteer_id,
                    concerns_type="message",
                    concerns_id=inbound_id,
                    created_at=now,
                    sent_at=now,
                    updated_at=now,
                )
            )
        else:
            turn.reply = None
        if simulated:
            _keep_simulated(turn.queued)
        db.session.commit()
    except Exception:
        # Whatever broke, the text itself must not be lost: store it alone with an alert so
        # a coordinator reads it, then let the error surface (logged, no personal data).
        log.exception("handling inbound text failed; storing it for a coordinator")
        db.session.rollback()
        _keep_unhandled(fields, person, now)
        raise
    dispatch(turn.queued)
    return InboundResult(reply=turn.reply, message_id=inbound_id)


def _keep_simulated(queued: list[Message]) -> None:
    """A simulated conversation texts nobody real: texts it causes to people the simulator may
    not act on (a real driver, say) are kept as simulated, never sent (issue 11)."""
    for message in queued:
        if message.status == MessageStatus.QUEUED and why_not_simulate(message.phone):
            message.status = MessageStatus.SIMULATED
            message.simulated = True
            message.error = "Caused by the SMS simulator: not sent to a real number."


def _keep_unhandled(fields: dict[str, Any], person: Person | None, now: dt.datetime) -> None:
    """Store an inbound text whose handling failed, and ask a coordinator to read it."""
    kept = Message(**fields)
    db.session.add(kept)
    db.session.flush()
    add_alert(
        AlertKind.CALL_REQUESTED,
        f"A text could not be handled automatically: '{kept.body[:300]}'. Please read it and "
        "phone them back.",
        phone=kept.phone,
        person=person,
        message_id=kept.id,
        now=now,
    )
    db.session.commit()


def _conversation(phone: str, now: dt.datetime) -> Conversation:
    """The phone's conversation row, created if new, locked for this transaction.

    One statement (an upsert that touches the row and returns it) both creates the row and, on
    PostgreSQL, locks it like SELECT ... FOR UPDATE: two texts at once from one number are
    handled one after the other (issue 6). SQLite already holds its write lock.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(Conversation).values(
        phone=phone, state="idle", data={}, misunderstood=0, updated_at=now
    )
    upsert = insert.on_conflict_do_update(
        index_elements=["phone"], set_={"phone": insert.excluded.phone}
    ).returning(Conversation)
    conversation: Conversation = db.session.scalars(
        sa.select(Conversation).from_statement(upsert).execution_options(populate_existing=True)
    ).one()
    return conversation


def _set_state(conversation: Conversation, state: str, now: dt.datetime, **data: Any) -> None:
    ttl = dt.timedelta(minutes=int(current_app.config.get("CONVERSATION_TTL_MIN", 30)))
    conversation.state = state
    conversation.data = data
    conversation.expires_at = now + ttl if state != "idle" else None
    conversation.updated_at = now


def _respond(
    conversation: Conversation,
    person: Person | None,
    phone: str,
    text: str,
    inbound_id: int,
    now: dt.datetime,
) -> _Turn:
    word = _word(text)
    if word in OPT_OUT_WORDS:
        _opt_out(person, word, now)
        _set_state(conversation, "idle", now)
        return _Turn()
    if person is not None and (
        word in OPT_IN_WORDS or (word == "yes" and person.opted_out_at is not None)
    ):
        consent.record_consent(
            person,
            ConsentPurpose.TEXTS,
            given=True,
            how=ConsentHow.TEXT,
            note=word.upper(),
            now=now,
        )
        # The opt-out's cause went: its alert closes itself (issue 13).
        resolve_alerts(
            AlertKind.OPTED_OUT,
            person,
            note=f"They texted {word.upper()}: texts are back on.",
            now=now,
        )
        _set_state(conversation, "idle", now)
        return _Turn()  # Twilio itself confirms a START
    if person is None:
        return _unknown(phone, text, inbound_id, now)
    why = why_not_text(person, phone)
    if why is not None:
        # They cannot be texted back; someone phones them instead (no dead ends).
        if not has_open_alert(AlertKind.CALL_REQUESTED, phone):
            add_alert(
                AlertKind.CALL_REQUESTED,
                f"{person.full_name} texted us but we cannot text back ({why.rstrip('.')}): "
                f"'{text[:300]}'. Please phone them.",
                person=person,
                message_id=inbound_id,
                now=now,
            )
        return _Turn()
    expired = conversation.state != "idle" and (
        conversation.expires_at is None or conversation.expires_at <= now
    )
    if expired:
        _set_state(conversation, "idle", now)
    if not text:
        return _Turn(_help(person))
    if word in HELP_WORDS:
        _understood(conversation)
        return _Turn(_help(person))
    if _only_symbols(text):
        _understood(conversation)
        return _Turn()  # a thumbs up or a heart needs no answer
    if isinstance(person, Volunteer):
        return _volunteer(conversation, person, word, text, inbound_id, now)
    return _resident(conversation, person, word, text, inbound_id, now, expired=expired)


def _help(person: Person) -> str:
    """The help text for who is texting: residents get the booking words, volunteers theirs."""
    if isinstance(person, Volunteer):
        return words.render(
            "volunteer_help", is_driver=person.is_driver, is_befriender=person.is_befriender
        )
    return words.render("help")


def _understood(conversation: Conversation) -> None:
    conversation.misunderstood = 0


def _misunderstood(
    conversation: Conversation, person: Person, text: str, inbound_id: int, now: dt.datetime
) -> _Turn:
    conversation.misunderstood += 1
    if conversation.misunderstood < 2:
        return _Turn(words.render("not_understood", name=person.first_name))
    conversation.misunderstood = 0
    _set_state(conversation, "idle", now)
    add_alert(
        AlertKind.CALL_REQUESTED,
        f"{person.full_name} sent two texts we could not understand; "
        f"the last was '{text[:300]}'. Please phone them.",
        person=person,
        message_id=inbound_id,
        now=now,
    )
    return _Turn(words.render("call_you"))


def _opt_out(person: Person | None, word: str, now: dt.datetime) -> None:
    if person is None:
        return
    consent.record_consent(
        person, ConsentPurpose.TEXTS, given=False, how=ConsentHow.TEXT, note=word.upper(), now=now
    )
    detail = f"{person.full_name} texted {word.upper()}, so they now get no texts at all."
    if isinstance(person, Resident):
        lifts = _upcoming_lifts(person, now)
        if lifts:
            listed = "; ".join(_lift_label(lift, {}) for lift in lifts[:3])
            detail += (
                f" They may have meant to drop one lift: {len(lifts)} upcoming ({listed}). "
                "Please phone them to check."
            )
    add_alert(AlertKind.OPTED_OUT, detail, person=person, now=now)


def _unknown(phone: str, text: str, inbound_id: int, now: dt.datetime) -> _Turn:
    if _word(text) in OPT_IN_WORDS:
        return _Turn()
    # Someone texting in may be an isolated person taking a first step: a kind reply, and
    # one open "new contact" per number for staff to follow up.
    if has_open_alert(AlertKind.NEW_CONTACT, phone):
        return _Turn(words.render("unknown_again"))
    add_alert(
        AlertKind.NEW_CONTACT,
        f"A number we do not know texted: '{text[:300]}'. Please phone them back.",
        phone=phone,
        message_id=inbound_id,
        now=now,
    )
    return _Turn(words.render("unknown_number"))


def _volunteer(
    conversation: Conversation,
    volunteer: Volunteer,
    word: str,
    text: str,
    inbound_id: int,
    now: dt.datetime,
) -> _Turn:
    # A befriender answering a check-in also sends 1 or 2; it is a check-in reply only when the
    # last text we sent them was a check-in (someone can be a driver and a befriender).
    if word in ("1", "2") and befriending.awaiting_checkin_reply(volunteer.id):
        outcome = befriending.record_checkin_reply(volunteer.id, word, now=now)
        if outcome is not None:
            _understood(conversation)
            return _Turn(outcome.reply)
    if word in ACCEPT_WORDS or word in DECLINE_WORDS:
        _understood(conversation)
        reply, queued = driver_reply(volunteer, word in ACCEPT_WORDS, now=now)
        return _Turn(reply, queued)
    if THANKS.match(word):
        _understood(conversation)
        return _Turn(words.render("thanks", name=volunteer.first_name))
    return _pass_on(conversation, volunteer, text, inbound_id, now)


def _pass_on(
    conversation: Conversation, volunteer: Volunteer, text: str, inbound_id: int, now: dt.datetime
) -> _Turn:
    """A volunteer's own words ("sorry my car broke down") are for a coordinator to read.

    Never the residents' booking menu (issue 13): the text goes to staff as an alert, and the
    volunteer is told so, with the number to ring if it cannot wait.
    """
    _understood(conversation)
    add_alert(
        AlertKind.CALL_REQUESTED,
        f"{volunteer.full_name} ({volunteer_roles(volunteer)}) texted: '{text[:300]}'. "
        "Please read it and reply or phone them.",
        person=volunteer,
        message_id=inbound_id,
        now=now,
    )
    return _Turn(words.render("volunteer_passed_on", name=volunteer.first_name))


def _number(word: str) -> int | None:
    match = re.fullmatch(r"(?:no\.?\s*|number\s*|option\s*)?(\d{1,2})", word)
    return int(match.group(1)) if match else None


def _resident(
    conversation: Conversation,
    resident: Resident,
    word: str,
    text: str,
    inbound_id: int,
    now: dt.datetime,
    *,
    expired: bool,
) -> _Turn:
    state, data = conversation.state, dict(conversation.data or {})
    number = _number(word)
    if state == screening_by_text.STATE:
        # The loneliness screen by text (issue 16): every reply is an answer to it.
        _understood(conversation)
        return _Turn(screening_by_text.answer(conversation, number, now=now))
    if state in ("book_confirm", "drop_confirm") and number is None:
        number = 1 if word in ("yes", "y", "yes please") else 2 if word in ("no", "n") else None
    if state == "book_choose" and number is not None:
        options = data.get("options", [])
        if 1 <= number <= len(options):
            _understood(conversation)
            return _confirm_booking(conversation, options[number - 1], now)
    if state == "book_confirm" and number in (1, 2):
        _understood(conversation)
        if number == 1:
            return _book(conversation, resident, data["choice"], now)
        return _booking_menu(conversation, resident, now)
    if state == "drop_choose" and number is not None:
        _understood(conversation)
        return _confirm_drop(conversation, resident, number, now)
    if state == "drop_confirm" and number in (1, 2):
        _understood(conversation)
        if number == 1:
            return _drop(conversation, resident, int(data["lift_id"]), now)
        _set_state(conversation, "idle", now)
        return _Turn(words.render("kept"))
    drop = DROP.match(word)
    if drop and drop.group(1) is not None:
        _understood(conversation)
        return _confirm_drop(conversation, resident, int(drop.group(1)), now)
    if word in MY_LIFTS_WORDS or drop or DROP_INTENT.search(word):
        _understood(conversation)
        return _list_lifts(conversation, resident, now)
    if THANKS.match(word) and not WANTS_MORE.search(word):
        # "Thanks" after a lift is not a request for another one.
        _understood(conversation)
        return _Turn(words.render("thanks", name=resident.first_name))
    if word in BOOK_WORDS or MENTIONS_LIFT.search(word) or state in ("book_choose", "book_ask"):
        choice = _parse_request(word, resident, now)
        if choice is not None:
            _understood(conversation)
            return _confirm_booking(conversation, choice, now)
        if state in ("book_choose", "book_ask") and word not in BOOK_WORDS:
            # A place and day we could not match: a person sorts it out (no dead end).
            _understood(conversation)
            _set_state(conversation, "idle", now)
            add_alert(
                AlertKind.CALL_REQUESTED,
                f"{resident.full_name} asked for a lift by text: '{text[:300]}'. "
                "Please phone them to book it.",
                person=resident,
                message_id=inbound_id,
                now=now,
            )
            return _Turn(words.render("passed_on"))
        _understood(conversation)
        return _booking_menu(conversation, resident, now)
    if expired and number is not None:
        _understood(conversation)
        return _Turn(words.render("expired"))
    return _misunderstood(conversation, resident, text, inbound_id, now)


# --- Booking ---------------------------------------------------------------------------------


def _next_on(weekday: int, after: dt.date) -> dt.date:
    """The first date strictly after ``after`` that falls on ``weekday``."""
    days = (weekday - after.weekday()) % 7 or 7
    return after + dt.timedelta(days=days)


def _activity_option(activity: Activity, day: dt.date, note: str = "") -> dict[str, Any]:
    label = f"{activity.name} at {activity.venue.name}, {words.short_day(day)}{note}"
    return {"label": label, "day": day.isoformat(), "activity_id": activity.id}


def _booking_options(resident: Resident, today: dt.date) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = []
    seen: set[tuple[int | None, str]] = set()
    history = db.session.scalars(
        sa.select(LiftRequest)
        .where(
            LiftRequest.resident_id == resident.id,
            LiftRequest.leg == LiftLeg.OUTBOUND,
            LiftRequest.day <= today,
        )
        .order_by(LiftRequest.day.desc(), LiftRequest.id.desc())
        .limit(20)
    ).all()
    if history:
        last = history[0]
        weekday = last.activity.weekday if last.activity is not None else last.day.weekday()
        day = _next_on(weekday, today)
        if last.activity is not None and last.activity.active:
            options.append(_activity_option(last.activity, day, " (same as last week)"))
            seen.add((last.activity_id, day.isoformat()))
        elif last.destination_postcode:
            place = lift_place(last)
            options.append(
                {
                    "label": f"{place}, {words.short_day(day)} (same as last week)",
                    "day": day.isoformat(),
                    "copy_lift_id": last.id,
                }
            )
    activities: list[Activity] = []
    for lift in history:
        if lift.activity is not None and lift.activity not in activities:
            activities.append(lift.activity)
    interests = {i.casefold() for i in resident.interests or []}
    if interests:
        for activity in db.session.scalars(
            sa.select(Activity).where(Activity.active.is_(True)).order_by(Activity.name)
        ):
            if activity not in activities and interests & {
                i.casefold() for i in activity.interests or []
            }:
                activities.append(activity)
    for activity in activities:
        if not activity.active:
            continue
        day = _next_on(activity.weekday, today)
        if (activity.id, day.isoformat()) in seen or day > today + dt.timedelta(LOOKAHEAD_DAYS):
            continue
        seen.add((activity.id, day.isoformat()))
        options.append(_activity_option(activity, day))
    return options[:MAX_OPTIONS]


def _booking_menu(conversation: Conversation, resident: Resident, now: dt.datetime) -> _Turn:
    options = _booking_options(resident, clock.today(now))
    if not options:
        _set_state(conversation, "book_ask", now)
        return _Turn(words.render("book_ask_place"))
    # As many options as fit in a two-part reply (issue 15: six long names made four parts).
    while True:
        menu = words.render("book_menu", options=[o["label"] for o in options])
        if words.fits(menu) or len(options) == 1:
            break
        options = options[:-1]
    _set_state(conversation, "book_choose", now, options=options)
    return _Turn(menu)


def _parse_request(text: str, resident: Resident, now: dt.datetime) -> dict[str, Any] | None:
    """Read "choir on Tuesday" or "library tomorrow" against the activities we know."""
    today = clock.today(now)
    tokens = re.findall(r"[a-z']+", text.casefold())
    day: dt.date | None = None
    if "today" in tokens:
        day = today
    elif "tomorrow" in tokens:
        day = today + dt.timedelta(days=1)
    else:
        for token in tokens:
            if token in _WEEKDAYS:
                day = _next_on(_WEEKDAYS[token], today - dt.timedelta(days=1))
                break
    ignore = {"lift", "lifts", "book", "please", "could", "would", "have", "need", "want",
              "tomorrow", "today", "with", "from", "there", "going", "next", "this"}  # fmt: skip
    wanted = {t for t in tokens if len(t) >= 4 and t not in ignore and t not in _WEEKDAYS}
    if not wanted:
        return None
    matches = []
    for activity in db.session.scalars(
        sa.select(Activity).join(Venue).where(Activity.active.is_(True))
    ):
        names = set(re.findall(r"[a-z']+", f"{activity.name} {activity.venue.name}".casefold()))
        if wanted & names and (day is None or activity.weekday == day.weekday()):
            matches.append(activity)
    if len(matches) != 1:
        return None
    activity = matches[0]
    return _activity_option(activity, day or _next_on(activity.weekday, today))


def _confirm_booking(conversation: Conversation, choice: dict[str, Any], now: dt.datetime) -> _Turn:
    day = dt.date.fromisoformat(choice["day"])
    arrive = home = ""
    if choice.get("activity_id"):
        activity = db.session.get(Activity, choice["activity_id"])
        if activity is None:
            return _Turn(words.render("expired"))
        what = f"{activity.name} at {activity.venue.name}"
        start = dt.datetime.combine(day, activity.start_time) - ARRIVE_BEFORE_START
        arrive, home = clock.time_of_day(start.time()), clock.time_of_day(activity.end_time)
    else:
        last = db.session.get(LiftRequest, choice["copy_lift_id"])
        if last is None:
            return _Turn(words.render("expired"))
        what = lift_place(last)
        if last.arrive_by:
            arrive = clock.time_of_day(last.arrive_by)
        home_leg = next(iter(last.return_legs), None)
        if home_leg and home_leg.pickup_earliest:
            home = clock.time_of_day(home_leg.pickup_earliest)
    _set_state(conversation, "book_confirm", now, choice=choice)
    return _Turn(
        words.render("book_confirm", what=what, day=words.day_name(day), arrive=arrive, home=home)
    )


def _book(
    conversation: Conversation, resident: Resident, choice: dict[str, Any], now: dt.datetime
) -> _Turn:
    day = dt.date.fromisoformat(choice["day"])
    _set_state(conversation, "idle", now)
    if choice.get("activity_id"):
        request = LiftInput(
            resident_id=resident.id, day=day, activity_id=int(choice["activity_id"]), source="sms"
        )
    else:
        last = db.session.get(LiftRequest, int(choice["copy_lift_id"]))
        assert last is not None
        home_leg = next(iter(last.return_legs), None)
        request = LiftInput(
            resident_id=resident.id,
            day=day,
            venue_id=last.venue_id,
            destination_address=last.destination_address or "",
            destination_postcode=last.destination_postcode or "",
            pickup_earliest=last.pickup_earliest,
            pickup_latest=last.pickup_latest,
            arrive_by=last.arrive_by,
            return_earliest=home_leg.pickup_earliest if home_leg else None,
            return_latest=home_leg.pickup_latest if home_leg else None,
            with_return=home_leg is not None,
            purpose=last.purpose.value,
            source="sms",
        )
    # book_lift owns its transaction: keep the inbound text and the conversation whatever happens.
    db.session.commit()
    try:
        lift = book_lift(request)
    except DomainError as exc:
        db.session.rollback()
        return _Turn(words.render("book_problem", reason=exc.message))
    return _Turn(words.render("booked", what=lift_place(lift), day=words.day_name(day)))


# --- Checking and dropping -------------------------------------------------------------------


def _upcoming_lifts(resident: Resident, now: dt.datetime) -> list[LiftRequest]:
    today = clock.today(now)
    return list(
        db.session.scalars(
            sa.select(LiftRequest)
            .where(
                LiftRequest.resident_id == resident.id,
                LiftRequest.leg == LiftLeg.OUTBOUND,
                LiftRequest.day >= today,
                LiftRequest.status.in_(
                    [LiftStatus.REQUESTED, LiftStatus.PLANNED, LiftStatus.CONFIRMED]
                ),
            )
            .order_by(
                LiftRequest.day,
                sa.func.coalesce(LiftRequest.pickup_earliest, LiftRequest.arrive_by),
                LiftRequest.id,
            )
            .limit(9)
        )
    )


def _lift_label(lift: LiftRequest, times: dict[int, tuple[str, int]]) -> str:
    label = f"{words.short_day(lift.day)}, {lift_place(lift)}"
    if lift.id in times:
        driver, pickup_s = times[lift.id]
        window_from, window_to = pickup_window(pickup_s)
        return f"{label}, pickup {window_from}-{window_to} with {driver}"
    return f"{label} (pickup time to follow)"


def _list_lifts(conversation: Conversation, resident: Resident, now: dt.datetime) -> _Turn:
    lifts = _upcoming_lifts(resident, now)
    if not lifts:
        _set_state(conversation, "idle", now)
        return _Turn(words.render("no_lifts"))
    times = planned_lift_times(lifts)
    # The soonest lifts that fit in a two-part reply (nine lifts made five parts; issue 15).
    shown = lifts
    while True:
        listed = words.render(
            "my_lifts",
            lifts=[_lift_label(lift, times) for lift in shown],
            more=len(lifts) - len(shown),
        )
        if words.fits(listed) or len(shown) == 1:
            break
        shown = shown[:-1]
    lifts = shown
    _set_state(conversation, "drop_choose", now, lift_ids=[lift.id for lift in lifts])
    return _Turn(listed)


def _confirm_drop(
    conversation: Conversation, resident: Resident, number: int, now: dt.datetime
) -> _Turn:
    lift_ids = list((conversation.data or {}).get("lift_ids") or [])
    if not lift_ids:
        lift_ids = [lift.id for lift in _upcoming_lifts(resident, now)]
    if not 1 <= number <= len(lift_ids):
        return _list_lifts(conversation, resident, now)
    lift = db.session.get(LiftRequest, lift_ids[number - 1])
    if lift is None or not lift.is_open:
        return _list_lifts(conversation, resident, now)
    _set_state(conversation, "drop_confirm", now, lift_id=lift.id)
    return _Turn(
        words.render(
            "drop_confirm",
            what=lift_place(lift),
            day=words.day_name(lift.day),
            with_return=bool(lift.return_legs),
        )
    )


def _drop(conversation: Conversation, resident: Resident, lift_id: int, now: dt.datetime) -> _Turn:
    _set_state(conversation, "idle", now)
    lift = db.session.get(LiftRequest, lift_id)
    if lift is None or lift.resident_id != resident.id:
        return _Turn(words.render("no_lifts"))
    if not lift.is_open:
        reason = f"This lift is already {lift.status.value.replace('_', ' ')}."
        return _Turn(words.render("drop_problem", reason=reason))
    # One transaction with the inbound text: handle_inbound commits, then dispatches (issue 10).
    legs = [lift, *lift.return_legs] if lift.leg == LiftLeg.OUTBOUND else [lift]
    queued = drop_lifts(legs, by=DroppedBy.RESIDENT, reason="Dropped by text", now=now)
    return _Turn(
        words.render("dropped", what=lift_place(lift), day=words.day_name(lift.day)), queued
    )
