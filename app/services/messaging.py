"""The outbox: write a text with the change that causes it, send it once, record what happened.

Rules (issue 6): a text is a ``Message`` row written in the same transaction as its cause; its id
is queued only after the commit (:func:`dispatch`); :func:`deliver` claims the row with a
conditional UPDATE so two runners (a job and a sweep, or a job run twice) never both send it;
opted-out people and residents without SMS consent are never texted.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict
from app.errors import NotFound
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import ConsentHow
from app.models import ConsentPurpose
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import Resident
from app.models import Volunteer
from app.models.base import now_utc
from app.models.messaging import subject_key
from app.queue import QueueUnavailable
from app.queue import enqueue
from app.services import clock
from app.services import consent
from app.services.audit import record_event
from app.services.personal_data import is_erased
from app.services.phones import is_mobile
from app.sms import PERMANENT_ERRORS
from app.sms import UNSUBSCRIBED
from app.sms import SmsSendError
from app.sms import sms_sender

log = logging.getLogger(__name__)

Person = Resident | Volunteer
SEND_JOB = "app.jobs.messaging.send_message"
# A freshly queued row has its own job on the way; the sweep leaves it alone this long
# (SMS_SWEEP_GRACE_S overrides it).
SWEEP_GRACE = dt.timedelta(seconds=30)
SWEEP_BATCH = 500
# Twilio's status callbacks can arrive in any order; a later state never goes back.
_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SIMULATED: 2,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
}
_TWILIO_STATUS = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}


def find_person(phone: str) -> Person | None:
    """The resident (first) or volunteer with this E.164 phone number."""
    resident = db.session.scalar(sa.select(Resident).where(Resident.phone == phone))
    if resident is not None:
        return resident
    return db.session.scalar(sa.select(Volunteer).where(Volunteer.phone == phone))


# Ofcom's range for TV, radio and training: 07700 900000 to 07700 900999.
DRAMA_PREFIX = "+447700900"


def is_drama_number(phone: str) -> bool:
    """True for an E.164 number in Ofcom's drama range (no real person has one)."""
    return phone.startswith(DRAMA_PREFIX) and len(phone) == len(DRAMA_PREFIX) + 3


def why_not_simulate(phone: str) -> str | None:
    """Why the simulator may not act on ``phone`` (E.164), or None when it may."""
    if is_drama_number(phone):
        return None
    person = find_person(phone)
    if person is not None and person.simulator_training:
        return None
    return (
        "The simulator acts only on the numbers reserved for drama (07700 900000 to "
        "07700 900999) or on someone an admin has marked for training, so that practice "
        "never cancels a real lift or texts a real driver."
    )


def why_not_text(person: Person | None, phone: str | None) -> str | None:
    """The reason this person or number must not be texted, or None when a text is fine.

    The one rule of who may be texted (issue 10): every text queued (:func:`queue_text`), sent
    (:func:`deliver`) or given as a reply to an inbound text asks it.
    """
    if person is not None:
        if is_erased(person):
            return "Their personal data was erased; they are never texted again."
        if not person.active:
            return "They are archived (no longer on the bureau's books)."
        refused = consent.why_not(person, ConsentPurpose.TEXTS)  # STOP, or never agreed
        if refused is not None:
            return refused
    if not phone:
        return "There is no phone number to text."
    try:
        if not is_mobile(phone):
            return "The number is not a mobile (a landline?), so it cannot get texts."
    except phonenumbers.NumberParseException:
        return "The phone number is not valid."
    return None


def queue_text(
    to: Person | str,
    body: str,
    *,
    kind: str,
    concerns: tuple[str, int] | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Add an outbound text to the session; the caller commits it, then calls :func:`dispatch`.

    A person who opted out or never agreed to texts gets a ``suppressed`` row with the reason
    instead, so staff can see what was not sent and why.
    """
    person: Person | None
    phone: str | None
    if isinstance(to, str):
        person, phone = find_person(to), to
    else:
        person, phone = to, to.phone
    reason = why_not_text(person, phone)
    message = Message(
        direction=MessageDirection.OUTBOUND,
        phone=phone or "",
        body=body,
        status=MessageStatus.SUPPRESSED if reason else MessageStatus.QUEUED,
        kind=kind,
        error=reason or "",
        concerns_type=concerns[0] if concerns else None,
        concerns_id=concerns[1] if concerns else None,
        resident_id=person.id if isinstance(person, Resident) else None,
        volunteer_id=person.id if isinstance(person, Volunteer) else None,
        created_at=now or now_utc(),
        updated_at=now or now_utc(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def dispatch(messages: Iterable[Message | int]) -> int:
    """Queue a send job for every waiting text; call only after the commit.

    Returns how many the queue took: with Redis down the rows stay ``queued`` for the outbox
    sweep, and callers can say so (issue 11).
    """
    count = 0
    for item in messages:
        if isinstance(item, Message):
            if item.status != MessageStatus.QUEUED:
                continue
            message_id = item.id
        else:
            message_id = item
        if _enqueue_send(message_id, f"sms-{message_id}"):
            count += 1
    return count


def _enqueue_send(message_id: int, job_id: str) -> bool:
    config = current_app.config
    intervals = list(config.get("SMS_RETRY_INTERVALS") or (0,))
    try:
        enqueue(
            SEND_JOB,
            message_id,
            job_id=job_id,
            queue="sms",
            retry=intervals,
            job_timeout=int(config.get("SMS_JOB_TIMEOUT_S", 60)),
        )
    except SmsSendError:
        # Inline (no Redis): the row is back in ``queued`` with its error; the sweep retries it.
        log.warning("text %s could not be sent now; it stays queued", message_id)
    except QueueUnavailable:
        # The row is committed: losing Redis loses no text, the sweep queues it again later.
        log.warning("Redis is unavailable; text %s waits for the outbox sweep", message_id)
        return False
    return True


def send_text(
    to: Person | str,
    body: str,
    *,
    kind: str,
    concerns: tuple[str, int] | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Queue one text on its own, commit and dispatch it (a use case that is only a text)."""
    message = queue_text(to, body, kind=kind, concerns=concerns, now=now)
    db.session.commit()
    dispatch([message])
    return message


def alert_subject(person: Person | None, phone: str | None) -> str:
    """Who an alert is about, as one key: the person when known, else the number."""
    return subject_key(
        person.id if isinstance(person, Resident) else None,
        person.id if isinstance(person, Volunteer) else None,
        phone,
    )


def _open_alert(kind: AlertKind, subject: str) -> Alert | None:
    return db.session.scalar(
        sa.select(Alert).where(
            Alert.kind == kind, Alert.subject == subject, Alert.resolved_at.is_(None)
        )
    )


def add_alert(
    kind: AlertKind,
    detail: str,
    *,
    phone: str | None = None,
    person: Person | None = None,
    message_id: int | None = None,
    lift_id: int | None = None,
    subject: str | None = None,
    now: dt.datetime | None = None,
) -> Alert:
    """Add something for a coordinator to follow up to the session, once per person and reason.

    A second alert of the same kind about the same person while the first is open (a lone
    CANCEL sent twice) updates that one with the latest words instead (issue 13); the partial
    unique index on (kind, subject) holds the rule even when two requests race. ``subject``
    names what it is about when it is not a person (``referral:12``); with neither a person
    nor a number, an alert stands alone (we cannot tell it is the same person).
    """
    db.session.flush()
    phone = phone or (person.phone if person is not None else None)
    if subject is None:
        subject = alert_subject(person, phone)
        if person is None and not phone:
            subject = f"alone:{uuid.uuid4().hex}"
    existing = _open_alert(kind, subject)
    if existing is not None:
        _repeat(existing, detail, message_id, lift_id)
        return existing
    alert = Alert(
        kind=kind,
        subject=subject,
        detail=detail[:500],
        phone=phone,
        resident_id=person.id if isinstance(person, Resident) else None,
        volunteer_id=person.id if isinstance(person, Volunteer) else None,
        message_id=message_id,
        lift_id=lift_id,
        created_at=now or now_utc(),
    )
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite holds one writer at a time, and pysqlite's SAVEPOINT outside a transaction
        # would commit on release: no savepoint there.
        db.session.add(alert)
        return alert
    try:
        with db.session.begin_nested():
            db.session.add(alert)
    except IntegrityError:
        # Another request opened the same alert a moment ago: that one is the alert.
        existing = _open_alert(kind, subject)
        if existing is None:
            raise
        _repeat(existing, detail, message_id, lift_id)
        return existing
    return alert


def _repeat(alert: Alert, detail: str, message_id: int | None, lift_id: int | None) -> None:
    # The latest words first; what was said before stays after them (and in the texts log).
    if detail != alert.detail:
        detail = f"{detail} Before that: {alert.detail}"
    alert.detail = detail[:500]
    alert.message_id = message_id or alert.message_id
    alert.lift_id = lift_id or alert.lift_id


def has_open_alert(kind: AlertKind, phone: str) -> bool:
    """True when an unresolved alert of ``kind`` about ``phone`` already waits for staff."""
    found = db.session.scalar(
        sa.select(Alert.id).where(
            Alert.kind == kind, Alert.phone == phone, Alert.resolved_at.is_(None)
        )
    )
    return found is not None


def _close(alert: Alert, *, actor_id: int | None, note: str, now: dt.datetime) -> None:
    alert.resolved_at = now
    alert.resolved_by_id = actor_id
    alert.resolved_note = note[:500]
    record_event(
        "alert_done",
        alert,
        staff_id=actor_id,
        changes={"resolved_at": (None, now), "resolved_note": ("", alert.resolved_note)},
        now=now,
    )


def close_alert(
    alert_id: int, *, actor_id: int | None, note: str = "", now: dt.datetime | None = None
) -> Alert:
    """Record an alert as done: who, when and what they did (the caller commits)."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        msg = f"There is no alert number {alert_id}."
        raise NotFound(msg)
    if alert.resolved_at is not None:
        who = alert.resolved_by.name if alert.resolved_by is not None else "the system"
        msg = f"This was already done by {who} at {clock.stamp(alert.resolved_at)}."
        raise Conflict(msg)
    _close(alert, actor_id=actor_id, note=note, now=now or now_utc())
    return alert


def record_done_call(
    kind: AlertKind,
    detail: str,
    *,
    person: Person,
    lift_id: int | None,
    actor_id: int | None,
    note: str,
    now: dt.datetime,
) -> Alert:
    """Write a call the call list found by itself as an alert already done (the caller commits).

    It is never open, so it never counts as something to follow up; it records who phoned,
    when and what was said, and keeps the entry off the list.
    """
    alert = Alert(
        kind=kind,
        subject=alert_subject(person, person.phone),
        detail=detail[:500],
        phone=person.phone,
        resident_id=person.id if isinstance(person, Resident) else None,
        volunteer_id=person.id if isinstance(person, Volunteer) else None,
        lift_id=lift_id,
        created_at=now,
        resolved_at=now,
        resolved_by_id=actor_id,
        resolved_note=note[:500],
    )
    db.session.add(alert)
    record_event(
        "alert_done",
        alert,
        staff_id=actor_id,
        changes={"resolved_at": (None, now), "resolved_note": ("", alert.resolved_note)},
        now=now,
    )
    return alert


def resolve_alerts(
    kind: AlertKind, person: Person, *, note: str, now: dt.datetime | None = None
) -> int:
    """Close ``person``'s open alerts of ``kind`` because their cause went (START after STOP).

    Returns how many closed; the caller commits.
    """
    subject = alert_subject(person, person.phone)
    alerts = db.session.scalars(
        sa.select(Alert).where(
            Alert.kind == kind, Alert.subject == subject, Alert.resolved_at.is_(None)
        )
    ).all()
    for alert in alerts:
        _close(alert, actor_id=None, note=note, now=now or now_utc())
    return len(alerts)


def _status_callback_url(message_id: int) -> str:
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/sms/status?m={message_id}"


def _claim(message_id: int, now: dt.datetime) -> bool:
    # The one conditional UPDATE that makes sending idempotent: only one runner moves a row
    # from queued to sending, whatever races (job retried, sweep, two workers).
    result = db.session.execute(
        sa.update(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.QUEUED,
            Message.direction == MessageDirection.OUTBOUND,
        )
        .values(status=MessageStatus.SENDING, attempts=Message.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _settle(message_id: int, now: dt.datetime, **values: object) -> bool:
    """Move a row out of ``sending``; False when a status callback got there first."""
    result = db.session.execute(
        sa.update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SENDING)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def deliver(message_id: int, *, now: dt.datetime | None = None) -> MessageStatus | None:
    """Send one queued text, once; returns its new status, or None when it was not waiting.

    A retryable failure puts the row back to ``queued`` and re-raises so RQ retries the job;
    a permanent one marks it ``failed`` with the reason and alerts the coordinators.
    """
    now = now or now_utc()
    if not _claim(message_id, now):
        log.info("text %s is not waiting; nothing to send", message_id)
        return None
    message = db.session.get(Message, message_id, populate_existing=True)
    assert message is not None  # it was just claimed
    person = message.resident or message.volunteer
    reason = why_not_text(person, message.phone)
    if reason is not None:
        # They opted out after the text was written: never send it.
        _settle(message_id, now, status=MessageStatus.SUPPRESSED, error=reason)
        db.session.commit()
        return MessageStatus.SUPPRESSED
    try:
        receipt = sms_sender().send(
            message.phone, message.body, status_callback=_status_callback_url(message_id)
        )
    except SmsSendError as exc:
        return _failed(message, exc, now)
    except Exception:
        log.exception("sending text %s failed unexpectedly; it goes back to the queue", message_id)
        db.session.rollback()
        _settle(message_id, now, status=MessageStatus.QUEUED, error="Unexpected error; retrying.")
        db.session.commit()
        raise
    status = MessageStatus.SIMULATED if receipt.simulated else MessageStatus.SENT
    if not _settle(
        message_id,
        now,
        status=status,
        provider_sid=receipt.provider_sid,
        simulated=receipt.simulated,
        sent_at=now,
        error="",
        error_code=None,
    ):
        log.info("text %s was settled by its status callback first", message_id)
    db.session.commit()
    log.info("text %s sent (%s)", message_id, receipt.provider_sid)
    return status


def _failed(message: Message, exc: SmsSendError, now: dt.datetime) -> MessageStatus:
    max_attempts = int(current_app.config.get("SMS_MAX_ATTEMPTS", 30))
    if exc.retryable and message.attempts < max_attempts:
        _settle(
            message.id, now, status=MessageStatus.QUEUED, error=str(exc)[:500], error_code=exc.code
        )
        db.session.commit()
        # The code, not the words: Twilio's own messages can quote the number (issue 14).
        log.warning(
            "text %s not sent: code %s (attempt %s)", message.id, exc.code, message.attempts
        )
        raise exc
    reason = str(exc)
    if exc.retryable:
        reason = f"Gave up after {message.attempts} tries: {reason}"
    _settle(message.id, now, status=MessageStatus.FAILED, error=reason[:500], error_code=exc.code)
    _text_failed(message, reason, exc.code, now)
    db.session.commit()
    log.warning("text %s failed for good: code %s", message.id, exc.code)
    return MessageStatus.FAILED


def _text_failed(message: Message, reason: str, code: str | None, now: dt.datetime) -> None:
    person = message.resident or message.volunteer
    if code == str(UNSUBSCRIBED) and person is not None and person.opted_out_at is None:
        # The network says they texted STOP to us (maybe before we saw it): withdrawn by text.
        consent.record_consent(
            person,
            ConsentPurpose.TEXTS,
            given=False,
            how=ConsentHow.TEXT,
            note="the phone network reported they had texted STOP",
            now=now,
        )
    who = person.full_name if person is not None else message.phone
    add_alert(
        AlertKind.TEXT_FAILED,
        f"A text to {who} was not sent: {reason}",
        phone=message.phone,
        person=person,
        message_id=message.id,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a sweep of the outbox did."""

    requeued: int
    found_sent: int
    reclaimed: int


def sweep_outbox(*, now: dt.datetime | None = None) -> SweepResult:
    """Re-queue texts left waiting (Redis lost, worker killed); never send one twice."""
    now = now or now_utc()
    stale = dt.timedelta(seconds=int(current_app.config.get("SMS_SENDING_STALE_S", 300)))
    grace = dt.timedelta(
        seconds=int(current_app.config.get("SMS_SWEEP_GRACE_S", SWEEP_GRACE.total_seconds()))
    )
    found_sent = 0
    reclaimed_ids: list[int] = []
    # 1. Rows claimed by a runner that died: ask the provider whether it took the text.
    stuck = db.session.scalars(
        sa.select(Message)
        .where(
            Message.direction == MessageDirection.OUTBOUND,
            Message.status == MessageStatus.SENDING,
            Message.updated_at < now - stale,
        )
        .order_by(Message.id)
        .limit(SWEEP_BATCH)
    ).all()
    for message in stuck:
        try:
            receipt = sms_sender().lookup(message.phone, message.body, since=message.updated_at)
        except SmsSendError as exc:
            log.warning("cannot check text %s with the provider yet: %s", message.id, exc)
            continue
        if receipt is not None:
            found_sent += _settle(
                message.id,
                now,
                status=MessageStatus.SIMULATED if receipt.simulated else MessageStatus.SENT,
                provider_sid=receipt.provider_sid,
                sent_at=now,
            )
        elif _settle(message.id, now, status=MessageStatus.QUEUED):
            reclaimed_ids.append(message.id)
    db.session.commit()
    reclaimed = len(reclaimed_ids)
    for message_id in reclaimed_ids:
        # Its old job may still be listed as started by a dead worker: use a fresh job id.
        _enqueue_send(message_id, f"sms-{message_id}-sweep{int(now.timestamp())}")
    # 2. Rows waiting with no job: queue them again. A job still waiting in RQ under the same
    # id is left alone by ``enqueue``; an old row gets a fresh job id in case its job died.
    waiting = db.session.execute(
        sa.select(Message.id, Message.updated_at)
        .where(
            Message.direction == MessageDirection.OUTBOUND,
            Message.status == MessageStatus.QUEUED,
            Message.updated_at < now - grace,
        )
        .order_by(Message.id)
        .limit(SWEEP_BATCH)
    ).all()
    for message_id, updated_at in waiting:
        job_id = f"sms-{message_id}"
        if updated_at < now - stale:
            job_id = f"sms-{message_id}-sweep{int(now.timestamp())}"
        _enqueue_send(message_id, job_id)
    if waiting or stuck:
        log.info(
            "sweep: %s re-queued, %s found sent, %s reclaimed", len(waiting), found_sent, reclaimed
        )
    return SweepResult(requeued=len(waiting), found_sent=found_sent, reclaimed=reclaimed)


def record_status(
    provider_sid: str,
    status: str,
    *,
    error_code: str | None = None,
    message_id: int | None = None,
    now: dt.datetime | None = None,
) -> Message | None:
    """Record a Twilio status callback (sent, delivered, undelivered, failed) on its text."""
    now = now or now_utc()
    new = _TWILIO_STATUS.get(status.lower())
    message = db.session.scalar(sa.select(Message).where(Message.provider_sid == provider_sid))
    if message is None and message_id is not None:
        # The worker may have died after Twilio took the text and before it wrote the SID down.
        candidate = db.session.get(Message, message_id)
        if candidate is not None and candidate.provider_sid is None:
            message = candidate
            message.provider_sid = provider_sid
    if message is None or message.direction != MessageDirection.OUTBOUND:
        db.session.commit()
        return None
    if new is not None and _RANK[new] > _RANK.get(message.status, 3):
        message.status = new
        message.updated_at = now
        if message.sent_at is None:
            message.sent_at = now
        if new in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
            code = int(error_code) if error_code and error_code.isdigit() else None
            reason = PERMANENT_ERRORS.get(code or 0, f"The phone company said {status}.")
            message.error = reason[:500]
            message.error_code = error_code
            _text_failed(message, reason, error_code, now)
    db.session.commit()
    return message
