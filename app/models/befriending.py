"""Befriending pairings from proposal to end, with the score and its reasons."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import enum_type
from app.models.base import now_utc
from app.models.enums import PairingStatus
from app.models.people import Resident
from app.models.people import Volunteer


class Pairing(Base):
    """A resident and a befriender: proposed, rejected, active or ended; history is kept."""

    __tablename__ = "pairings"
    __table_args__ = (
        sa.Index("ix_pairings_status", "status"),
        sa.Index("ix_pairings_resident_volunteer", "resident_id", "volunteer_id"),
        sa.CheckConstraint("score >= 0", name="score_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id", ondelete="CASCADE"))
    status: Mapped[PairingStatus] = mapped_column(
        enum_type(PairingStatus, "pairing_status"), default=PairingStatus.PROPOSED
    )
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    proposed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    rejection_reason: Mapped[str] = mapped_column(sa.String(255), default="")
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str] = mapped_column(sa.String(255), default="")
    ended_by: Mapped[str] = mapped_column(sa.String(20), default="")
    last_checkin_at: Mapped[dt.datetime | None]
    next_checkin_on: Mapped[dt.date | None]

    resident: Mapped[Resident] = relationship()
    volunteer: Mapped[Volunteer] = relationship()
