"""The outreach queue: who to reach first, by when, and what happened when we tried (issue 16).

First contact is due within a number of working days per tier (``OUTREACH_TARGET_DAYS``;
default urgent the same day, High 2, Medium 5, Low 10). Working days skip weekends and the
bank holidays of England and Wales, from the maintained ``holidays`` package.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import holidays
import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import ConsentPurpose
from app.models import ContactAttempt
from app.models import ContactOutcome
from app.models import OutreachTier
from app.models import Referral
from app.models import ReferralStatus
from app.models import StaffUser
from app.models.base import now_utc
from app.services import clock
from app.services import consent
from app.services import paging
from app.services.audit import record_change

DEFAULT_TARGET_DAYS = {"urgent": 0, "high": 2, "medium": 5, "low": 10}
TIER_ORDER = (OutreachTier.URGENT, OutreachTier.HIGH, OutreachTier.MEDIUM, OutreachTier.LOW)
OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.CONTACTED)
FAILED = frozenset(
    {ContactOutcome.NO_ANSWER, ContactOutcome.WRONG_NUMBER, ContactOutcome.LEFT_MESSAGE}
)
FAILED_BEFORE_LETTER = 3
OUTCOME_WORDS = {
    ContactOutcome.REACHED: "Reached them",
    ContactOutcome.NO_ANSWER: "No answer",
    ContactOutcome.WRONG_NUMBER: "Wrong number",
    ContactOutcome.DECLINED: "They declined",
    ContactOutcome.LEFT_MESSAGE: "Left a message",
    ContactOutcome.LETTER_SENT: "Sent a letter",
    ContactOutcome.VISIT_BOOKED: "Home visit task made",
}


@functools.lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share their bank holidays; "ENG" is England's subdivision.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days after ``start`` (0: ``start`` itself)."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def target_days(tier: OutreachTier) -> int:
    """Working days allowed before first contact for ``tier`` (``OUTREACH_TARGET_DAYS``)."""
    configured = current_app.config.get("OUTREACH_TARGET_DAYS") if has_app_context() else None
    merged = {**DEFAULT_TARGET_DAYS, **(configured or {})}
    return int(merged[tier.value])


def due_on(tier: OutreachTier, received: dt.datetime) -> dt.date:
    """When first contact is due for a referral of ``tier`` received at ``received``.

    Urgent: the same calendar day. Otherwise counting starts at the next working day when
    it came in on a weekend or bank holiday.
    """
    day = clock.today(received)
    days = target_days(tier)
    if tier == OutreachTier.URGENT or days == 0:
        return day
    return add_working_days(day, days)


def failed_attempts(referral: Referral) -> int:
    """Tries that did not reach them (no answer, wrong number, left a message)."""
    return sum(1 for a in referral.attempts if a.outcome in FAILED)


def why_not_contact(referral: Referral) -> str | None:
    """Why the bureau may not contact this referred person now, or None (consent's one rule)."""
    if referral.resident is None:
        return None
    return consent.why_not(referral.resident, ConsentPurpose.AFTER_REFERRAL)


def next_step(referral: Referral) -> str:
    """What staff should do next for an open referral, in words."""
    refused = why_not_contact(referral)
    if refused is not None:
        return f"Do not contact: {refused} Close the referral."
    if referral.status != ReferralStatus.RECEIVED:
        return "Keep in touch until they are connected."
    if failed_attempts(referral) >= FAILED_BEFORE_LETTER:
        return "Three tries have not reached them: send a letter or make a home visit task."
    ways = set(referral.contact_ways or [])
    if ways and ways <= {"letter", "visit"}:
        return "They asked for a letter or a visit."
    return "Call them."


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One open referral in the queue, with its due day and whether it is overdue."""

    referral: Referral
    due: dt.date
    overdue: bool
    waiting_days: int
    next_step: str


def _tier_rank() -> sa.Case[int]:
    return sa.case(
        {tier.value: rank for rank, tier in enumerate(TIER_ORDER)}, value=Referral.tier, else_=9
    )


def outreach_queue(
    *, now: dt.datetime | None = None, page: int = 1, per_page: int = paging.PER_PAGE
) -> paging.Page[QueueRow]:
    """Open referrals by tier (urgent first), then longest waiting; overdue ones flagged.

    One page at a time with the count of all (services/paging.py), so a long queue is never
    cut off silently and the page stays fast with 1,000 open referrals (issue 16).
    """
    now = now or now_utc()
    today = clock.today(now)
    found = paging.paginate(
        sa.select(Referral)
        .where(Referral.status.in_(OPEN_STATUSES))
        .options(selectinload(Referral.attempts), selectinload(Referral.connector))
        .order_by(_tier_rank(), Referral.created_at, Referral.id),
        number=page,
        per_page=per_page,
    )
    out = []
    for referral in found.items:
        due = due_on(referral.tier, referral.created_at)
        waiting = (today - clock.today(referral.created_at)).days
        out.append(
            QueueRow(
                referral=referral,
                due=due,
                overdue=referral.status == ReferralStatus.RECEIVED and today > due,
                waiting_days=waiting,
                next_step=next_step(referral),
            )
        )
    return paging.Page(items=out, total=found.total, number=found.number, per_page=per_page)


def open_count() -> int:
    """How many referrals wait in the queue."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Referral.id)).where(Referral.status.in_(OPEN_STATUSES))
        )
        or 0
    )


def _referral(referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        msg = "There is no such referral."
        raise NotFound(msg)
    return referral


def log_attempt(
    referral_id: int,
    outcome: str,
    *,
    note: str = "",
    actor_id: int | None,
    now: dt.datetime | None = None,
) -> ContactAttempt:
    """Record one try at reaching them; reaching them moves the referral to contacted."""
    referral = _referral(referral_id)
    try:
        result = ContactOutcome(outcome)
    except ValueError:
        msg = "Choose what happened (reached, no answer, wrong number, declined, left a message)."
        raise InvalidInput(msg, field="outcome") from None
    if referral.status not in OPEN_STATUSES:
        msg = "This referral is closed; reopen it before logging contact."
        raise InvalidInput(msg, field="outcome")
    refused = why_not_contact(referral)
    if refused is not None:
        msg = f"Do not contact them: {refused}"
        raise InvalidInput(msg, field="outcome")
    if result in (ContactOutcome.LETTER_SENT, ContactOutcome.VISIT_BOOKED) and (
        failed_attempts(referral) < FAILED_BEFORE_LETTER
    ):
        msg = "A letter or home visit is the next step after three tries that did not reach them."
        raise InvalidInput(msg, field="outcome")
    now = now or now_utc()
    attempt = ContactAttempt(
        referral=referral, outcome=result, note=note.strip()[:500], staff_user_id=actor_id, at=now
    )
    db.session.add(attempt)
    changes: dict[str, tuple[object, object]] = {}
    if result == ContactOutcome.REACHED and referral.status == ReferralStatus.RECEIVED:
        changes["status"] = (referral.status, ReferralStatus.CONTACTED)
        referral.status = ReferralStatus.CONTACTED
        referral.first_contact_at = now
    elif result == ContactOutcome.DECLINED:
        changes["status"] = (referral.status, ReferralStatus.CLOSED)
        referral.status = ReferralStatus.CLOSED
        referral.closed_reason = "They declined when we got in touch."
    db.session.flush()
    record_change(
        actor_id=actor_id,
        action="contact",
        entity=referral,
        changes={"attempt": (None, result.value), **changes},
        now=now,
    )
    db.session.commit()
    return attempt


def set_status(
    referral_id: int, status: str, *, reason: str = "", actor_id: int | None
) -> Referral:
    """Move a referral to connected, or close it with a reason."""
    referral = _referral(referral_id)
    try:
        new = ReferralStatus(status)
    except ValueError:
        msg = "Choose connected or closed."
        raise InvalidInput(msg, field="status") from None
    reason = reason.strip()
    if new == ReferralStatus.CLOSED and not reason:
        msg = "Say why the referral is closed."
        raise InvalidInput(msg, field="reason")
    if new == ReferralStatus.CONNECTED and referral.status == ReferralStatus.RECEIVED:
        msg = "Log the contact that reached them before marking them connected."
        raise InvalidInput(msg, field="status")
    values = {"status": new, "closed_reason": reason[:500] if new == ReferralStatus.CLOSED else ""}
    changes = {k: (getattr(referral, k), v) for k, v in values.items() if getattr(referral, k) != v}
    for key, value in values.items():
        setattr(referral, key, value)
    if changes:
        record_change(actor_id=actor_id, action="status", entity=referral, changes=changes)
    db.session.commit()
    return referral


def assign_connector(referral_id: int, staff_user_id: int | None, *, actor_id: int | None) -> None:
    """Name the member of staff who will connect this person."""
    referral = _referral(referral_id)
    if staff_user_id is not None:
        staff = db.session.get(StaffUser, staff_user_id)
        if staff is None or not staff.active or not staff.can_edit:
            msg = "Choose an active coordinator as the connector."
            raise InvalidInput(msg, field="connector_id")
    if referral.connector_id != staff_user_id:
        record_change(
            actor_id=actor_id,
            action="connector",
            entity=referral,
            changes={"connector_id": (referral.connector_id, staff_user_id)},
        )
        referral.connector_id = staff_user_id
    db.session.commit()


def connectors() -> list[StaffUser]:
    """Active coordinators and admins who can be named as connectors."""
    return [
        s
        for s in db.session.scalars(
            sa.select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
        )
        if s.can_edit
    ]
