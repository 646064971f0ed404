"""The log of texts in and out, for staff: filter by person, number, status and direction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.errors import InvalidInput
from app.extensions import db
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.services.paging import Page
from app.services.paging import paginate
from app.services.phones import normalise_phone

# "failed" on the dashboard means every text that did not reach the phone.
STATUS_GROUPS = {
    "failed": (MessageStatus.FAILED, MessageStatus.UNDELIVERED),
    "waiting": (MessageStatus.QUEUED, MessageStatus.SENDING),
}


@dataclass(frozen=True)
class MessageFilter:
    """What the log is narrowed to; empty means everything."""

    status: str = ""
    direction: str = ""
    phone: str = ""
    resident_id: int | None = None
    volunteer_id: int | None = None


def _as_stored(phone: str) -> str:
    """A phone typed in any spacing (07700 900115) as texts store it (+447700900115)."""
    try:
        return normalise_phone(phone)
    except InvalidInput:
        return phone.strip()


def list_messages(flt: MessageFilter, *, limit: int = 200) -> list[Message]:
    """The newest texts matching ``flt``, with the person each concerns loaded."""
    stmt = _filtered(flt)
    return list(db.session.scalars(_ordered(stmt).limit(limit)).unique())


def _filtered(flt: MessageFilter) -> sa.Select[Any]:
    stmt = sa.select(Message).options(joinedload(Message.resident), joinedload(Message.volunteer))
    if flt.status:
        if flt.status in STATUS_GROUPS:
            stmt = stmt.where(Message.status.in_(STATUS_GROUPS[flt.status]))
        else:
            try:
                stmt = stmt.where(Message.status == MessageStatus(flt.status))
            except ValueError:
                msg = f"'{flt.status}' is not a text status."
                raise InvalidInput(msg, field="status") from None
    if flt.direction:
        try:
            stmt = stmt.where(Message.direction == MessageDirection(flt.direction))
        except ValueError:
            msg = f"'{flt.direction}' is not in or out."
            raise InvalidInput(msg, field="direction") from None
    if flt.phone:
        stmt = stmt.where(Message.phone == _as_stored(flt.phone))
    if flt.resident_id is not None:
        stmt = stmt.where(Message.resident_id == flt.resident_id)
    if flt.volunteer_id is not None:
        stmt = stmt.where(Message.volunteer_id == flt.volunteer_id)
    return stmt


def _ordered(stmt: sa.Select[Any]) -> sa.Select[Any]:
    return stmt.order_by(Message.created_at.desc(), Message.id.desc())


def page_of_messages(flt: MessageFilter, *, page: int = 1, per_page: int = 100) -> Page[Message]:
    """A page of the texts log, newest first, with the count of all matching texts (issue 13:
    the log stopped at 200 without saying so)."""
    return paginate(_ordered(_filtered(flt)), number=page, per_page=per_page)
