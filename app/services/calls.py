"""The call list: everyone a coordinator must phone today, why, and a record that they did.

Issue 13: people who cannot be texted learnt of their lifts nowhere but the texts log, residents
whose lifts could not be given were neither told nor listed, and alerts could not be closed.
The list gathers, in one place:

- every open alert (asked for a call, opted out, new contact, a text that failed, a driver who
  has not answered or cannot drive, a cancelled lift, a befriender asking for help);
- residents with lifts booked in the next days who cannot be texted (no mobile, no consent,
  opted out): :func:`~app.services.messaging.why_not_text` decides, never this module;
- residents with a lift we could not give (status ``unserved``), with the reason in words.

Ticking an entry records who phoned, when and a note: an alert is closed; an entry the list
found by itself is written as an alert already done, about that lift, so it leaves the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import Activity
from app.models import Alert
from app.models import AlertKind
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Resident
from app.models import Volunteer
from app.models.base import now_utc
from app.services import clock
from app.services import sms_templates as words
from app.services import unserved as unserved_words
from app.services.input_rules import check_text
from app.services.messaging import close_alert
from app.services.messaging import record_done_call
from app.services.messaging import why_not_text
from app.services.places import lift_place
from app.services.publishing import pickup_window
from app.services.publishing import planned_lift_times

# How far ahead a booked lift makes someone who cannot be texted worth a call: the coming week
# (the day's pickup times are known the afternoon before; a later lift shows again nearer).
LOOKAHEAD_DAYS = 7
NOTE_MAX_CHARS = 500
# Lifts that are still going ahead (an unserved lift is its own reason to call).
BOOKED = (LiftStatus.REQUESTED, LiftStatus.PLANNED, LiftStatus.CONFIRMED)

# Why a coordinator phones, in words: the first line of an entry.
REASONS: dict[AlertKind, str] = {
    AlertKind.CALL_REQUESTED: "Asked us to phone them",
    AlertKind.OPTED_OUT: "Opted out of texts",
    AlertKind.NEW_CONTACT: "A number we do not know texted us",
    AlertKind.DRIVER_DECLINED: "Driver cannot drive their route",
    AlertKind.DRIVER_NO_REPLY: "Driver has not answered their route",
    AlertKind.LIFT_CANCELLED: "A lift was cancelled",
    AlertKind.TEXT_FAILED: "A text to them failed",
    AlertKind.CHECKIN_HELP: "Befriender asked for a call",
    AlertKind.SAFEGUARDING: "Safeguarding concern in a referral",
    AlertKind.NO_TEXTS: "Cannot be texted about their lifts",
    AlertKind.LIFT_UNSERVED: "A lift we could not give",
}


@dataclass(frozen=True)
class LiftLine:
    """One lift an entry is about, in the words to say on the phone."""

    id: int
    day: dt.date
    text: str


@dataclass(frozen=True)
class CallEntry:
    """One person to phone, why, and the lifts to talk about (soonest first)."""

    key: str
    kind: AlertKind
    reason: str
    detail: str
    name: str
    phone: str | None
    resident_id: int | None
    volunteer_id: int | None
    lifts: tuple[LiftLine, ...]
    since: dt.datetime | None
    sort_key: tuple[dt.date, int, int]


def _when_s(lift: LiftRequest) -> int:
    t = lift.pickup_earliest or lift.arrive_by
    return t.hour * 3600 + t.minute * 60 if t is not None else 0


# What naming a lift's place reads, loaded with the lifts (one query each, not one per lift).
_LIFT_PLACES = (
    selectinload(LiftRequest.activity).selectinload(Activity.venue),
    selectinload(LiftRequest.venue),
    selectinload(LiftRequest.outbound).selectinload(LiftRequest.activity),
    selectinload(LiftRequest.outbound).selectinload(LiftRequest.venue),
)


def _lift_line(lift: LiftRequest, times: dict[int, tuple[str, int]]) -> LiftLine:
    going = "home from" if lift.leg.value == "return" else "to"
    text = f"{words.short_day(lift.day)}: lift {going} {lift_place(lift) or 'their destination'}"
    if lift.id in times:
        driver, pickup_s = times[lift.id]
        start, end = pickup_window(pickup_s)
        text += f", pickup {start}–{end} with {driver}"
    elif lift.pickup_earliest is not None:
        text += f", pickup from {clock.time_of_day(lift.pickup_earliest)} (time to follow)"
    elif lift.arrive_by is not None:
        text += f", to arrive by {clock.time_of_day(lift.arrive_by)} (time to follow)"
    if lift.status == LiftStatus.UNSERVED:
        text += f". Not given: {unserved_words.words_for(lift.status_reason).text}"
    return LiftLine(id=lift.id, day=lift.day, text=text)


def _called_lifts(lift_ids: Sequence[int]) -> set[tuple[AlertKind, int]]:
    """(kind, lift id) of the lifts someone already phoned about, for both kinds at once."""
    if not lift_ids:
        return set()
    return {
        (kind, lift_id)
        for kind, lift_id in db.session.execute(
            sa.select(Alert.kind, Alert.lift_id).where(
                Alert.kind.in_([AlertKind.NO_TEXTS, AlertKind.LIFT_UNSERVED]),
                Alert.lift_id.in_(list(lift_ids)),
            )
        )
        if lift_id is not None
    }


def _upcoming(today: dt.date, *, booked_for: list[int]) -> list[LiftRequest]:
    """In one query: booked lifts of ``booked_for`` and everyone's unserved lifts, this week."""
    return list(
        db.session.scalars(
            sa.select(LiftRequest)
            .join(Resident, Resident.id == LiftRequest.resident_id)
            .where(
                LiftRequest.day >= today,
                LiftRequest.day <= today + dt.timedelta(days=LOOKAHEAD_DAYS),
                sa.or_(
                    sa.and_(
                        LiftRequest.status.in_(list(BOOKED)),
                        LiftRequest.resident_id.in_(booked_for),
                    ),
                    LiftRequest.status == LiftStatus.UNSERVED,
                ),
                Resident.active.is_(True),
            )
            # Residents already read are in the session; only unserved lifts' residents load.
            .options(*_LIFT_PLACES, selectinload(LiftRequest.resident))
            .order_by(LiftRequest.day, LiftRequest.id)
        )
    )


def _by_resident(
    kind: AlertKind,
    lifts: list[LiftRequest],
    why: dict[int, str],
    called: set[tuple[AlertKind, int]],
    times: dict[int, tuple[str, int]],
) -> list[CallEntry]:
    """Group lifts not yet called about into one entry per resident."""
    lifts = [lift for lift in lifts if (kind, lift.id) not in called and lift.resident_id in why]
    grouped: dict[int, list[LiftRequest]] = {}
    for lift in sorted(lifts, key=lambda x: (x.day, _when_s(x), x.id)):
        grouped.setdefault(lift.resident_id, []).append(lift)
    entries = []
    for resident_id, own in grouped.items():
        resident = own[0].resident
        ids = ",".join(str(lift.id) for lift in own)
        entries.append(
            CallEntry(
                key=f"{kind.value}:{resident_id}:{ids}",
                kind=kind,
                reason=REASONS[kind],
                detail=why[resident_id],
                name=resident.full_name,
                phone=resident.phone,
                resident_id=resident_id,
                volunteer_id=None,
                lifts=tuple(_lift_line(lift, times) for lift in own),
                since=None,
                sort_key=(own[0].day, _when_s(own[0]), own[0].id),
            )
        )
    return entries


def _found_by_the_list(today: dt.date) -> list[CallEntry]:
    """Residents who cannot be texted with lifts booked, and residents with lifts not given.

    Who has a lift coming is read first (people only, a light query); then one query reads the
    booked lifts of those who cannot be texted together with every unserved lift, so the places,
    drivers and earlier calls are each read once for both kinds of entry.
    """
    residents = db.session.scalars(
        sa.select(Resident).where(
            Resident.active.is_(True),
            Resident.id.in_(
                sa.select(LiftRequest.resident_id).where(
                    LiftRequest.day >= today,
                    LiftRequest.day <= today + dt.timedelta(days=LOOKAHEAD_DAYS),
                    LiftRequest.status.in_(list(BOOKED)),
                )
            ),
        )
    ).all()
    why: dict[int, str] = {}
    for resident in residents:
        reason = why_not_text(resident, resident.phone)
        if reason is not None:
            why[resident.id] = f"{reason} Tell them about these lifts by phone."
    lifts = _upcoming(today, booked_for=list(why))
    called = _called_lifts([lift.id for lift in lifts])
    times = planned_lift_times(lifts)
    booked = [lift for lift in lifts if lift.status in BOOKED]
    unserved = [lift for lift in lifts if lift.status == LiftStatus.UNSERVED]
    not_given = {lift.resident_id: "Tell them we could not give these lifts." for lift in unserved}
    return _by_resident(AlertKind.NO_TEXTS, booked, why, called, times) + _by_resident(
        AlertKind.LIFT_UNSERVED, unserved, not_given, called, times
    )


def _open_alerts() -> list[CallEntry]:
    alerts = db.session.scalars(
        sa.select(Alert)
        .where(Alert.resolved_at.is_(None))
        .options(selectinload(Alert.resident), selectinload(Alert.volunteer))
        .order_by(Alert.created_at, Alert.id)
    ).all()
    lift_ids = [a.lift_id for a in alerts if a.lift_id is not None]
    lifts = {
        lift.id: lift
        for lift in db.session.scalars(
            sa.select(LiftRequest).where(LiftRequest.id.in_(lift_ids)).options(*_LIFT_PLACES)
        )
    }
    times = planned_lift_times(list(lifts.values()))
    entries = []
    for alert in alerts:
        person: Resident | Volunteer | None = alert.resident or alert.volunteer
        lift = lifts.get(alert.lift_id) if alert.lift_id is not None else None
        since = clock.local(alert.created_at)
        entries.append(
            CallEntry(
                key=f"alert:{alert.id}",
                kind=alert.kind,
                reason=REASONS.get(alert.kind, alert.kind.value.replace("_", " ")),
                detail=alert.detail,
                name=person.full_name if person is not None else "Someone we do not know",
                phone=alert.phone or (person.phone if person is not None else None),
                resident_id=alert.resident_id,
                volunteer_id=alert.volunteer_id if alert.resident_id is None else None,
                lifts=(_lift_line(lift, times),) if lift is not None else (),
                since=alert.created_at,
                sort_key=(
                    (lift.day, _when_s(lift), 0)
                    if lift is not None
                    else (since.date(), since.hour * 3600 + since.minute * 60, 0)
                ),
            )
        )
    return entries


def call_list(*, today: dt.date | None = None) -> list[CallEntry]:
    """Everyone to phone: open alerts and what the list finds itself, soonest first.

    An alert without a lift sorts by when it was raised (the longest waiting first); an entry
    about lifts sorts by its soonest lift.
    """
    today = today or clock.today()
    entries = _open_alerts() + _found_by_the_list(today)
    return sorted(entries, key=lambda e: (e.sort_key, e.key))


def _parse_key(key: str) -> tuple[str, list[int]]:
    kind, _, rest = (key or "").partition(":")
    try:
        numbers = [int(part) for part in rest.replace(":", ",").split(",") if part]
    except ValueError:
        numbers = []
    if not numbers or kind not in ("alert", AlertKind.NO_TEXTS, AlertKind.LIFT_UNSERVED):
        msg = "That call is not on the list (the page may be out of date; reload it)."
        raise InvalidInput(msg, field="key")
    return kind, numbers


def record_call(
    key: str, *, actor_id: int | None, note: str = "", now: dt.datetime | None = None
) -> str:
    """Record that a coordinator phoned about one entry; returns who, for the page to say.

    An alert closes with the note; lifts the list found by itself each get a done record, so
    a later lift (or a lift booked after the call) shows again.
    """
    now = now or now_utc()
    note = check_text(note or "", field="note", max_chars=NOTE_MAX_CHARS).strip()
    kind, numbers = _parse_key(key)
    if kind == "alert":
        alert = close_alert(numbers[0], actor_id=actor_id, note=note, now=now)
        person = alert.resident or alert.volunteer
        db.session.commit()
        return person.full_name if person is not None else (alert.phone or "them")
    resident = db.session.get(Resident, numbers[0])
    lifts = [db.session.get(LiftRequest, i) for i in numbers[1:]]
    if (
        resident is None
        or not lifts
        or any(lift is None or lift.resident_id != resident.id for lift in lifts)
    ):
        msg = "That call is not on the list any more."
        raise NotFound(msg)
    for lift in lifts:
        assert lift is not None
        record_done_call(
            AlertKind(kind),
            f"{REASONS[AlertKind(kind)]}: phoned about the lift on {words.short_day(lift.day)}.",
            person=resident,
            lift_id=lift.id,
            actor_id=actor_id,
            note=note,
            now=now,
        )
    db.session.commit()
    return resident.full_name
