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


class Alert(Base):
    """Something a coordinator must follow up: an opt-out, a call request, a new contact."""

    __tablename__ = "alerts"
    __table_args__ = (sa.Index("ix_alerts_open", "resolved_at", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind, "alert_kind"))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
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
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    resident: Mapped[Resident | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
