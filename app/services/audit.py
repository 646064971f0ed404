"""The audit log: who changed a person's record, what and when."""

from __future__ import annotations

import datetime as dt
from typing import Any
from typing import TypeVar

from app.extensions import db
from app.models import AuditLog
from app.models.base import now_utc

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def record_change(
    *,
    actor_id: int | None,
    action: str,
    entity: Any,
    changes: dict[str, tuple[Any, Any]] | None = None,
    now: dt.datetime | None = None,
) -> AuditLog:
    """Add an audit row for ``entity`` to the session (the caller's transaction commits it)."""
    db.session.flush()
    row = AuditLog(
        at=now or now_utc(),
        staff_user_id=actor_id,
        action=action,
        entity_type=type(entity).__name__,
        entity_id=int(entity.id),
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
    )
    db.session.add(row)
    return row


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
