"""The audit log: who changed what, when, from what to what (issue 14).

The one home of audit rows. Every change to a person's record, and every change to what a
person was promised (a lift booked or dropped, a plan published or a route declined, a pin, a
re-plan, a befriending pairing, a consent given or withdrawn), is recorded here by
:func:`record_event` in the caller's transaction. Audit rows are never written to the logs:
their from/to values may hold personal data, which lives only in the table (export, erasure and
retention reach it there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AuditActor
from app.models import AuditLog
from app.models import LiftRequest
from app.models import Pairing
from app.models.base import now_utc

T = TypeVar("T")

# A subject given without its row: (model class name, id), e.g. ("LiftRequest", 12).
Subject = tuple[str, int]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _subject(subject: Any) -> Subject:
    if isinstance(subject, tuple):
        kind, ident = subject
        return str(kind), int(ident)
    return type(subject).__name__, int(subject.id)


def record_event(
    action: str,
    subject: Any,
    *,
    staff_id: int | None = None,
    actor: AuditActor | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    now: dt.datetime | None = None,
) -> AuditLog:
    """Add an audit row to the session: who did ``action`` to ``subject``, from what to what.

    ``subject`` is a model row (a flushed id is taken) or ``("LiftRequest", 12)``. ``actor``
    defaults to staff when ``staff_id`` is given, else the system. The caller's use case
    commits, so the change and its audit row are one transaction.
    """
    if not isinstance(subject, tuple):
        db.session.flush()
    entity_type, entity_id = _subject(subject)
    who = actor or (AuditActor.STAFF if staff_id is not None else AuditActor.SYSTEM)
    row = AuditLog(
        at=now or now_utc(),
        staff_user_id=staff_id,
        actor=who.value,
        action=action[:40],
        entity_type=entity_type,
        entity_id=entity_id,
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
    )
    db.session.add(row)
    return row


def record_change(
    *,
    actor_id: int | None,
    action: str,
    entity: Any,
    changes: dict[str, tuple[Any, Any]] | None = None,
    now: dt.datetime | None = None,
) -> AuditLog:
    """Record a staff member's (or the system's) change to ``entity``: :func:`record_event`."""
    return record_event(action, entity, staff_id=actor_id, changes=changes, now=now)


def apply_changes(entity: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``entity`` and return what changed as ``{field: (old, new)}``."""
    changed: dict[str, tuple[Any, Any]] = {}
    for key, new in values.items():
        old = getattr(entity, key)
        if old != new:
            setattr(entity, key, new)
            changed[key] = (old, new)
    return changed


def save_audited(
    model: type[T], entity: T | None, values: dict[str, Any], *, actor_id: int | None
) -> T:
    """Create a ``model`` row from ``values`` (``entity`` None) or apply them; audit either way.

    The caller commits, so the row and its audit entry are one transaction.
    """
    if entity is None:
        entity = model(**values)
        db.session.add(entity)
        db.session.flush()
        record_change(actor_id=actor_id, action="create", entity=entity)
        return entity
    changes = apply_changes(entity, values)
    if changes:
        record_change(actor_id=actor_id, action="update", entity=entity, changes=changes)
    return entity


PERSON_KINDS = {"resident": "Resident", "volunteer": "Volunteer"}


def _about(kind: str, person_id: int) -> sa.ColumnElement[bool]:
    """Rows whose subject is this person, one of their lifts or one of their pairings."""
    entity_type = PERSON_KINDS[kind]
    clauses: list[sa.ColumnElement[bool]] = [
        sa.and_(AuditLog.entity_type == entity_type, AuditLog.entity_id == person_id)
    ]
    pairing_owner = Pairing.resident_id if kind == "resident" else Pairing.volunteer_id
    clauses.append(
        sa.and_(
            AuditLog.entity_type == Pairing.__name__,
            AuditLog.entity_id.in_(sa.select(Pairing.id).where(pairing_owner == person_id)),
        )
    )
    if kind == "resident":
        clauses.append(
            sa.and_(
                AuditLog.entity_type == LiftRequest.__name__,
                AuditLog.entity_id.in_(
                    sa.select(LiftRequest.id).where(LiftRequest.resident_id == person_id)
                ),
            )
        )
    return sa.or_(*clauses)


@dataclass(frozen=True)
class EventFilter:
    """What the audit page asks for: events about a person, by a staff member, of an action."""

    kind: str | None = None  # "resident" or "volunteer"
    person_id: int | None = None
    staff_id: int | None = None
    action: str | None = None
    limit: int = 100


def list_events(where: EventFilter) -> list[AuditLog]:
    """The newest audit rows matching ``where`` (about a person includes their lifts, pairings)."""
    query = sa.select(AuditLog).options(joinedload(AuditLog.staff_user))
    if where.kind in PERSON_KINDS and where.person_id is not None:
        query = query.where(_about(where.kind, where.person_id))
    if where.staff_id is not None:
        query = query.where(AuditLog.staff_user_id == where.staff_id)
    if where.action:
        query = query.where(AuditLog.action == where.action)
    query = query.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(max(1, where.limit))
    return list(db.session.scalars(query))


def events_about(kind: str, person_id: int) -> list[AuditLog]:
    """Every audit row about a resident or volunteer, oldest first (for export and the page)."""
    query = sa.select(AuditLog).where(_about(kind, person_id)).order_by(AuditLog.at, AuditLog.id)
    return list(db.session.scalars(query))


# The actions the audit page offers as a filter (any other name still lists with "Any").
KNOWN_ACTIONS = (
    "create",
    "update",
    "book",
    "book_standing",
    "drop",
    "outcome",
    "plan",
    "publish",
    "replan",
    "promise",
    "accept_route",
    "decline_route",
    "pin",
    "propose",
    "accept",
    "reject",
    "end",
    "withdraw",
    "consent",
)
