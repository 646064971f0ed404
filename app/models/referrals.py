"""Referrals (staff form, public /refer, partners), loneliness screenings and contact attempts.

Special-category data (issue 16): a referral's life events and reason, and a screening's
answers, are shown to coordinators and admins only; viewers see the tier in words.
"""

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
from app.models.base import now_utc
from app.models.enums import ContactOutcome
from app.models.enums import OutreachTier
from app.models.enums import ReferralChannel
from app.models.enums import ReferralSource
from app.models.enums import ReferralStatus
from app.models.people import Resident
from app.models.people import StaffUser


class Referral(TimestampMixin, Base):
    """Someone referred to the bureau, by whom and why, with their consent recorded.

    ``life_events`` is a list of ``{"event": "bereavement", "on": "2026-10-01"}`` (the first of
    the month when only a month is known). ``tier`` and ``tier_words`` are the outreach queue's
    sort key and explanation, recomputed by ``services/risk.py`` whenever what they depend on
    changes; lifts never copy them.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        sa.Index("ix_referrals_status", "status"),
        sa.Index("ix_referrals_queue", "status", "tier", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(8), unique=True)
    # One submission of a form stores one referral, however often it is sent (issue 16).
    submission_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="SET NULL")
    )
    # Residents staff said are NOT this person, so they are not offered again.
    not_matches: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    channel: Mapped[ReferralChannel] = mapped_column(enum_type(ReferralChannel, "referral_channel"))
    source: Mapped[ReferralSource] = mapped_column(enum_type(ReferralSource, "referral_source"))
    referrer_name: Mapped[str] = mapped_column(sa.String(160), default="")
    referrer_org: Mapped[str] = mapped_column(sa.String(160), default="")
    referrer_contact: Mapped[str] = mapped_column(sa.String(160), default="")
    referrer_confirms_agreed: Mapped[bool] = mapped_column(default=False)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    date_of_birth: Mapped[dt.date | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    life_events: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    lives_alone: Mapped[bool] = mapped_column(default=False)
    housebound: Mapped[bool] = mapped_column(default=False)
    no_transport: Mapped[bool] = mapped_column(default=False)
    no_internet: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[bool]
    contact_ways: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    best_times: Mapped[str] = mapped_column(sa.String(160), default="")
    language: Mapped[str] = mapped_column(sa.String(40), default="")
    access_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    at_risk_now: Mapped[bool] = mapped_column(default=False)
    self_harm: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, "referral_status"), default=ReferralStatus.RECEIVED
    )
    tier: Mapped[OutreachTier] = mapped_column(
        enum_type(OutreachTier, "outreach_tier"), default=OutreachTier.MEDIUM
    )
    tier_words: Mapped[str] = mapped_column(sa.String(500), default="")
    connector_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    first_contact_at: Mapped[dt.datetime | None]
    closed_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    resident: Mapped[Resident | None] = relationship()
    connector: Mapped[StaffUser | None] = relationship()
    attempts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ContactAttempt.at"
    )

    @property
    def urgent(self) -> bool:
        """A safeguarding concern: at risk of harm now, or self-harm named."""
        return self.at_risk_now or self.self_harm

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Screening(Base):
    """A validated short loneliness score taken on a day, by whom and how.

    ``instrument`` is ``ucla3`` (UCLA 3-item loneliness scale, 3–9) or ``ons_direct`` (the ONS
    direct question, 1–5 with 5 = often or always); see docs/loneliness-screen.md.
    """

    __tablename__ = "screenings"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 30", name="score_range"),
        sa.Index("ix_screenings_resident_taken", "resident_id", "taken_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="CASCADE")
    )
    referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    instrument: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    taken_on: Mapped[dt.date]
    taken_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    # "phone" (staff on a call) or "text" (numbered replies).
    method: Mapped[str] = mapped_column(sa.String(10), default="phone")
    taken_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    follow_up: Mapped[bool] = mapped_column(default=False)

    resident: Mapped[Resident | None] = relationship()
    taken_by: Mapped[StaffUser | None] = relationship()


class ContactAttempt(Base):
    """One try at reaching a referred person, and what happened."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    outcome: Mapped[ContactOutcome] = mapped_column(enum_type(ContactOutcome, "contact_outcome"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    referral: Mapped[Referral] = relationship(back_populates="attempts")
    staff_user: Mapped[StaffUser | None] = relationship()
