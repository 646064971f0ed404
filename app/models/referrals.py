"""Referrals from partners and GP social prescribers, and loneliness screenings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import TimestampMixin
from app.models.base import enum_type
from app.models.enums import ReferralSource
from app.models.enums import ReferralStatus
from app.models.people import Resident


class Referral(TimestampMixin, Base):
    """Someone referred to the bureau, by whom and why, with their consent recorded."""

    __tablename__ = "referrals"
    __table_args__ = (sa.Index("ix_referrals_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="SET NULL")
    )
    source: Mapped[ReferralSource] = mapped_column(enum_type(ReferralSource, "referral_source"))
    referrer_name: Mapped[str] = mapped_column(sa.String(160), default="")
    referrer_org: Mapped[str] = mapped_column(sa.String(160), default="")
    referrer_contact: Mapped[str] = mapped_column(sa.String(160), default="")
    person_name: Mapped[str] = mapped_column(sa.String(160), default="")
    person_phone: Mapped[str | None] = mapped_column(sa.String(20))
    person_postcode: Mapped[str | None] = mapped_column(sa.String(10))
    life_events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    consent: Mapped[bool]
    status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, "referral_status"), default=ReferralStatus.NEW
    )
    outcome: Mapped[str] = mapped_column(sa.Text, default="")

    resident: Mapped[Resident | None] = relationship()


class Screening(Base):
    """A validated short loneliness or social-network score taken on a day.

    ``instrument`` is e.g. ``ucla3`` (UCLA 3-item loneliness scale, 3–9) or ``lsns6`` (Lubben
    Social Network Scale, 0–30); the check keeps scores in the widest valid range.
    """

    __tablename__ = "screenings"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 30", name="score_range"),
        sa.Index("ix_screenings_resident_taken", "resident_id", "taken_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="SET NULL")
    )
    instrument: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    taken_on: Mapped[dt.date]
    follow_up: Mapped[bool] = mapped_column(default=False)

    resident: Mapped[Resident] = relationship()
