"""Lift requests, one-off or generated from a recurring lift, each leg its own row."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import TimestampMixin
from app.models.base import enum_type
from app.models.enums import LiftLeg
from app.models.enums import LiftPurpose
from app.models.enums import LiftSource
from app.models.enums import LiftStatus
from app.models.enums import Mobility
from app.models.people import Resident
from app.models.people import Volunteer
from app.models.places import Activity
from app.models.places import Venue

# A lift in one of these states still needs a driver (the one list; services use it in queries).
OPEN_STATUSES = (
    LiftStatus.REQUESTED,
    LiftStatus.PLANNED,
    LiftStatus.CONFIRMED,
    LiftStatus.UNSERVED,
)

_WINDOW_CHECKS = (
    sa.CheckConstraint(
        "pickup_earliest IS NULL OR pickup_latest IS NULL OR pickup_earliest <= pickup_latest",
        name="pickup_window_ordered",
    ),
    sa.CheckConstraint("pickup_earliest IS NOT NULL OR arrive_by IS NOT NULL", name="has_a_time"),
    sa.CheckConstraint("priority BETWEEN 0 AND 100", name="priority_range"),
)


class RecurringLift(TimestampMixin, Base):
    """A standing weekly lift (every Tuesday to choir) that generates dated requests."""

    __tablename__ = "recurring_lifts"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on <= ends_on", name="dates_ordered"),
        sa.CheckConstraint(
            "pickup_earliest IS NULL OR pickup_latest IS NULL OR pickup_earliest <= pickup_latest",
            name="pickup_window_ordered",
        ),
        sa.CheckConstraint(
            "pickup_earliest IS NOT NULL OR arrive_by IS NOT NULL", name="has_a_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    # The venue it goes to, when it goes to one: places are named, not given as a street (#13).
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id", ondelete="SET NULL"))
    weekday: Mapped[int]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    destination_address: Mapped[str | None] = mapped_column(sa.String(255))
    destination_postcode: Mapped[str | None] = mapped_column(sa.String(10))
    destination_lat: Mapped[float | None]
    destination_lon: Mapped[float | None]
    pickup_earliest: Mapped[dt.time | None]
    pickup_latest: Mapped[dt.time | None]
    arrive_by: Mapped[dt.time | None]
    return_pickup_earliest: Mapped[dt.time | None]
    return_pickup_latest: Mapped[dt.time | None]
    escort: Mapped[bool] = mapped_column(default=False)
    purpose: Mapped[LiftPurpose] = mapped_column(
        enum_type(LiftPurpose, "lift_purpose"), default=LiftPurpose.ACTIVITY
    )
    active: Mapped[bool] = mapped_column(default=True)

    resident: Mapped[Resident] = relationship()
    activity: Mapped[Activity | None] = relationship()
    venue: Mapped[Venue | None] = relationship()


class LiftRequest(TimestampMixin, Base):
    """One leg of a lift on one day: pick a resident up and take them somewhere."""

    __tablename__ = "lift_requests"
    __table_args__ = (
        *_WINDOW_CHECKS,
        sa.CheckConstraint("(pickup_lat IS NULL) = (pickup_lon IS NULL)", name="pickup_lat_lon"),
        sa.CheckConstraint(
            "(destination_lat IS NULL) = (destination_lon IS NULL)", name="destination_lat_lon"
        ),
        sa.CheckConstraint(
            "(leg = 'return') = (outbound_id IS NOT NULL)", name="return_has_outbound"
        ),
        sa.UniqueConstraint(
            "recurring_id", "day", "leg", name="uq_lift_requests_recurring_day_leg"
        ),
        sa.Index("ix_lift_requests_day_status", "day", "status"),
        sa.Index("ix_lift_requests_resident_day", "resident_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    leg: Mapped[LiftLeg] = mapped_column(enum_type(LiftLeg, "lift_leg"), default=LiftLeg.OUTBOUND)
    outbound_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lift_requests.id", ondelete="CASCADE"), index=True
    )
    recurring_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recurring_lifts.id", ondelete="SET NULL")
    )
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    # The venue the lift goes to (the lift home: comes from), so it reads "Barking Community
    # Hospital", not "Upney Lane, Barking" (issue 13). None for a street address.
    venue_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="SET NULL"), index=True
    )
    pickup_address: Mapped[str | None] = mapped_column(sa.String(255))
    pickup_postcode: Mapped[str | None] = mapped_column(sa.String(10))
    pickup_lat: Mapped[float | None]
    pickup_lon: Mapped[float | None]
    destination_address: Mapped[str | None] = mapped_column(sa.String(255))
    destination_postcode: Mapped[str | None] = mapped_column(sa.String(10))
    destination_lat: Mapped[float | None]
    destination_lon: Mapped[float | None]
    pickup_earliest: Mapped[dt.time | None]
    pickup_latest: Mapped[dt.time | None]
    arrive_by: Mapped[dt.time | None]
    escort: Mapped[bool] = mapped_column(default=False)
    mobility: Mapped[Mobility] = mapped_column(
        enum_type(Mobility, "mobility"), default=Mobility.NONE
    )
    purpose: Mapped[LiftPurpose] = mapped_column(
        enum_type(LiftPurpose, "lift_purpose"), default=LiftPurpose.ACTIVITY
    )
    priority: Mapped[int] = mapped_column(default=50)
    source: Mapped[LiftSource] = mapped_column(
        enum_type(LiftSource, "lift_source"), default=LiftSource.STAFF
    )
    status: Mapped[LiftStatus] = mapped_column(
        enum_type(LiftStatus, "lift_status"), default=LiftStatus.REQUESTED
    )
    status_reason: Mapped[str] = mapped_column(sa.String(255), default="")
    pinned_volunteer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    resident: Mapped[Resident] = relationship()
    activity: Mapped[Activity | None] = relationship()
    venue: Mapped[Venue | None] = relationship()
    pinned_volunteer: Mapped[Volunteer | None] = relationship()
    outbound: Mapped[LiftRequest | None] = relationship(
        remote_side="LiftRequest.id", back_populates="return_legs"
    )
    return_legs: Mapped[list[LiftRequest]] = relationship(back_populates="outbound")

    @property
    def wheelchair(self) -> bool:
        return self.mobility == Mobility.WHEELCHAIR

    @property
    def is_open(self) -> bool:
        """Still to be driven: not cancelled, missed or done."""
        return self.status in OPEN_STATUSES
