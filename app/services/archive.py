"""Archive instead of delete (issue 13): a resident or volunteer leaves the bureau's books but
their story stays, and they can be restored.

``active`` is the flag every rule already asks: the planner (``people.drivers_free_on``, the
lifts ``rota._open_lifts`` chooses, ``lifts.expand_recurring``) and the one texting rule
(``messaging.why_not_text``). Archiving sets it, says when, by whom and why, and drops the
resident's open lifts from today on through ``lifts.drop_lifts`` (the one home of what dropping a
lift triggers, so a driver already given one is told).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.errors import Conflict
from app.errors import InvalidInput
from app.extensions import db
from app.models import LiftRequest
from app.models import Resident
from app.models import Volunteer
from app.models.lifts import OPEN_STATUSES
from app.services import clock
from app.services.audit import record_change
from app.services.input_rules import check_text
from app.services.lifts import DroppedBy
from app.services.lifts import drop_lifts
from app.services.messaging import dispatch
from app.services.people import PersonKind
from app.services.people import get_resident
from app.services.people import get_volunteer

Person = Resident | Volunteer


def _person(kind: PersonKind, person_id: int) -> Person:
    return get_resident(person_id) if kind == "resident" else get_volunteer(person_id)


def archive_person(
    kind: PersonKind,
    person_id: int,
    *,
    reason: str,
    actor_id: int | None,
    now: dt.datetime | None = None,
) -> Person:
    """Take a person off the books: never planned or texted again until restored."""
    person = _person(kind, person_id)
    reason = check_text(" ".join((reason or "").split()), field="reason", max_chars=255)
    if not reason:
        msg = "Please say why they are being archived (moved away, died, asked to leave…)."
        raise InvalidInput(msg, field="reason")
    if not person.active:
        msg = f"{person.full_name} is already archived."
        raise Conflict(msg)
    now = now or clock.utcnow()
    person.active = False
    person.archived_at = now
    person.archived_by_id = actor_id
    person.archive_reason = reason
    record_change(
        actor_id=actor_id,
        action="archive",
        entity=person,
        changes={"active": (True, False), "archive_reason": (None, reason)},
        now=now,
    )
    queued = []
    if isinstance(person, Resident):
        open_lifts = db.session.scalars(
            sa.select(LiftRequest)
            .where(
                LiftRequest.resident_id == person.id,
                LiftRequest.day >= clock.today(now),
                LiftRequest.status.in_(OPEN_STATUSES),
            )
            .order_by(LiftRequest.day, LiftRequest.id)
        ).all()
        by_day: dict[dt.date, list[LiftRequest]] = {}
        for lift in open_lifts:
            by_day.setdefault(lift.day, []).append(lift)
        for legs in by_day.values():
            queued += drop_lifts(legs, by=DroppedBy.STAFF, reason="archived", now=now)
    db.session.commit()
    dispatch(queued)
    return person


def restore_person(
    kind: PersonKind, person_id: int, *, actor_id: int | None, now: dt.datetime | None = None
) -> Person:
    """Put an archived person back on the books (their dropped lifts stay dropped)."""
    person = _person(kind, person_id)
    if person.active:
        msg = f"{person.full_name} is not archived."
        raise Conflict(msg)
    was = person.archive_reason
    person.active = True
    person.archived_at = None
    person.archived_by_id = None
    person.archive_reason = ""
    record_change(
        actor_id=actor_id,
        action="restore",
        entity=person,
        changes={"active": (False, True), "archive_reason": (was, None)},
        now=now,
    )
    db.session.commit()
    return person
