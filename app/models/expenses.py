"""What volunteers are owed: the miles each driver drove for the bureau on a day (issue 13)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import TimestampMixin
from app.models.people import Volunteer


class MileageClaim(TimestampMixin, Base):
    """Miles a driver drove for the bureau on one day, as recorded at the end of that day.

    Kept apart from the day's plan: a plan is replaced when the day is re-planned, a claim is
    what the driver is paid for whatever the plan said.
    """

    __tablename__ = "mileage_claims"
    __table_args__ = (
        sa.UniqueConstraint("volunteer_id", "day", name="uq_mileage_claims_volunteer_day"),
        sa.CheckConstraint("miles >= 0 AND miles <= 1000", name="miles_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date]
    miles: Mapped[float]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    volunteer: Mapped[Volunteer] = relationship()
