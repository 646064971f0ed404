"""Venues, their weekly activities, and the borough's directory of support services."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import TimestampMixin
from app.models.people import LocatedMixin
from app.models.people import _located_checks


class Venue(LocatedMixin, TimestampMixin, Base):
    """A place activities happen: a community hub, library, church hall, surgery."""

    __tablename__ = "venues"
    __table_args__ = (
        *_located_checks("venues"),
        sa.UniqueConstraint("name", name="uq_venues_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    step_free: Mapped[bool] = mapped_column(default=False)
    host_contact: Mapped[str] = mapped_column(sa.String(160), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))

    activities: Mapped[list[Activity]] = relationship(back_populates="venue")


class Activity(TimestampMixin, Base):
    """A recurring weekly session at a venue (weekday 0 = Monday)."""

    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("start_time < end_time", name="starts_before_end"),
        sa.UniqueConstraint("venue_id", "name", "weekday", name="uq_activities_session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    venue_id: Mapped[int] = mapped_column(
        sa.ForeignKey("venues.id", ondelete="RESTRICT"), index=True
    )
    weekday: Mapped[int]
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    venue: Mapped[Venue] = relationship(back_populates="activities")


class Service(TimestampMixin, Base):
    """An entry of the public directory of support services."""

    __tablename__ = "services"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_services_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    category: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str | None] = mapped_column(sa.String(255))
    hours: Mapped[str] = mapped_column(sa.String(160), default="")
