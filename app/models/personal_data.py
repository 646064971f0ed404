"""Tombstones of erased people (issue 14): who erased whom, when and why, and nothing else."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from app.models.base import Base
from app.models.base import now_utc


class Erasure(Base):
    """A resident or volunteer whose personal data was erased; the row itself holds only ids.

    ``person_id`` has no foreign key on purpose: the tombstone must outlive any later tidy-up of
    the anonymised row. ``source`` is ``request`` (the person asked) or ``retention`` (the
    schedule). ``reason`` is the admin's words; the form and the command refuse a reason that
    quotes the person's name, number, email, address or postcode.
    """

    __tablename__ = "erasures"
    __table_args__ = (
        sa.UniqueConstraint("kind", "person_id", name="uq_erasures_kind_person"),
        sa.CheckConstraint("kind IN ('resident', 'volunteer')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    person_id: Mapped[int]
    erased_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    erased_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(sa.String(20), default="request")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
