"""The outbox and inbox of texts, SMS conversations, and alerts for staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import enum_type
from app.models.base import now_utc
from app.models.enums import AlertKind
from app.models.enums import MessageDirection
from app.models.enums import MessageStatus
from app.models.people import Resident
from app.models.people import StaffUser
from app.models.people import Volunteer


class Message(Base):
    """One text in or out. Outbound rows are written with the change that causes them."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_status", "status"),
        sa.Index("ix_messages_phone_created", "phone", "created_at"),
        sa.Index("ix_messages_concerns", "concerns_type", "concerns_id"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[MessageDirection] = mapped_column(
        enum_type(MessageDirection, "message_direction")
    )
    phone: Mapped[str] = mapped_column(sa.String(20))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MessageStatus] = mapped_column(enum_type(MessageStatus, "message_status"))
    kind: Mapped[str] = mapped_column(sa.String(40), default="")
    provider_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[str | None] = mapped_column(sa.String(20))
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    concerns_type: Mapped[str | None] = mapped_column(sa.String(40))
    concerns_id: Mapped[int | None]
    resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    simulated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    sent_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    resident: Mapped[Resident | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()


class Conversation(Base):
    """Where an SMS conversation with one phone number stands; it expires after a while."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)
    state: Mapped[str] = mapped_column(sa.String(40), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    misunderstood: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)


def subject_key(resident_id: int | None, volunteer_id: int | None, phone: str | None) -> str:
    """Who an alert is about, as one key: the person when known, else the number."""
    if resident_id is not None:
        return f"resident:{resident_id}"
    if volunteer_id is not None:
        return f"volunteer:{volunteer_id}"
    return f"phone:{phone or ''}"


def _subject_default(context: Any) -> str:
    params = context.get_current_parameters()
    return subject_key(params.get("resident_id"), params.get("volunteer_id"), params.get("phone"))


class Alert(Base):
    """Something a coordinator must follow up: an opt-out, a call request, a new contact.

    Open until someone records it done (who, when, a note) or its cause goes (issue 13). At
    most one open alert per reason (``kind``) and person (``subject``): the partial unique
    index holds it on both engines.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        sa.Index("ix_alerts_open", "resolved_at", "kind"),
        sa.Index(
            "uq_alerts_open_kind_subject",
            "kind",
            "subject",
            unique=True,
            sqlite_where=sa.text("resolved_at IS NULL"),
            postgresql_where=sa.text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind, "alert_kind"))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # Who it is about: "resident:12", "volunteer:3" or "phone:+447700900123".
    subject: Mapped[str] = mapped_column(sa.String(40), default=_subject_default)
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
    resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="CASCADE")
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("volunteers.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL")
    )
    # The lift a call was about (the call list's own entries: no texts, lift not given).
    lift_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lift_requests.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    resolved_note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    resident: Mapped[Resident | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    resolved_by: Mapped[StaffUser | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
