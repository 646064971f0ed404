"""Consent history: every time a person gave or withdrew consent for a purpose (issue 14)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import now_utc
from app.models.people import StaffUser


class ConsentRecord(Base):
    """One consent given or withdrawn: by whom (a resident or a volunteer), for what purpose,
    when, how (form, phone call, text, paper, referral) and which staff member took it.

    Append-only: a change is a new row; the newest row per (person, purpose) is the state.
    ``purpose`` and ``how`` hold ``ConsentPurpose`` and ``ConsentHow`` values.
    """

    __tablename__ = "consent_records"
    __table_args__ = (
        sa.CheckConstraint("(resident_id IS NULL) <> (volunteer_id IS NULL)", name="one_person"),
        sa.Index("ix_consent_records_resident", "resident_id", "purpose", "at"),
        sa.Index("ix_consent_records_volunteer", "volunteer_id", "purpose", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="CASCADE")
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("volunteers.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(sa.String(40))
    given: Mapped[bool]
    at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    how: Mapped[str] = mapped_column(sa.String(40))
    staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(sa.String(255), default="")

    staff_user: Mapped[StaffUser | None] = relationship()
