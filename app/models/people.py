"""Staff users, residents, volunteers and their availability."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from app.models.base import Base
from app.models.base import TimestampMixin
from app.models.base import enum_type
from app.models.enums import DbsLevel
from app.models.enums import Gender
from app.models.enums import Mobility
from app.models.enums import RiskTier
from app.models.enums import StaffRole


class StaffUser(UserMixin, TimestampMixin, Base):
    """A member of bureau staff who signs in to the web app."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "staff_role"))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None]
    # Part of every session and remember-me cookie; bumped at sign-out, password change and
    # disable, so every cookie issued before stops working (issue 11).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def can_edit(self) -> bool:
        """Viewers only look; coordinators and admins change things."""
        return self.role in (StaffRole.ADMIN, StaffRole.COORDINATOR)


class LocatedMixin:
    """An address with its postcode and, once located, its coordinates (both or neither)."""

    address: Mapped[str | None] = mapped_column(sa.String(255))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    ward_code: Mapped[str | None] = mapped_column(sa.String(12))


class OnTheBooksMixin:
    """Archive instead of delete (issue 13), and who to call in an emergency.

    ``active`` stays the flag every rule asks (planning, texting, lists); archiving also says
    when, by whom and why, so a restore is an informed decision.
    """

    active: Mapped[bool] = mapped_column(default=True)
    archived_at: Mapped[dt.datetime | None]
    archived_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    archive_reason: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    emergency_name: Mapped[str | None] = mapped_column(sa.String(120))
    emergency_relation: Mapped[str | None] = mapped_column(sa.String(60))
    emergency_phone: Mapped[str | None] = mapped_column(sa.String(20))

    @property
    def archived(self) -> bool:
        return not self.active


def _located_checks(table: str) -> tuple[sa.CheckConstraint, ...]:
    return (
        sa.CheckConstraint("(lat IS NULL) = (lon IS NULL)", name="lat_lon_together"),
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
    )


class Resident(OnTheBooksMixin, LocatedMixin, TimestampMixin, Base):
    """A person the bureau helps: lifts, befriending, referrals."""

    __tablename__ = "residents"
    __table_args__ = _located_checks("residents")

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    date_of_birth: Mapped[dt.date | None]
    # Set when the birth date is erased (issue 14): reports by age still add up.
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
    gender: Mapped[Gender] = mapped_column(enum_type(Gender, "gender"), default=Gender.UNSTATED)
    mobility: Mapped[Mobility] = mapped_column(
        enum_type(Mobility, "mobility"), default=Mobility.NONE
    )
    needs_escort: Mapped[bool] = mapped_column(default=False)
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    needs_language: Mapped[str | None] = mapped_column(sa.String(40))
    prefers_female_driver: Mapped[bool] = mapped_column(default=False)
    befriender_gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "befriender_gender"))
    life_events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    share_life_events: Mapped[bool] = mapped_column(default=False)
    wants_befriender: Mapped[bool] = mapped_column(default=False)
    sms_consent: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[dt.datetime | None]
    risk_tier: Mapped[RiskTier] = mapped_column(
        enum_type(RiskTier, "risk_tier"), default=RiskTier.MEDIUM
    )
    # A named friend to ride with: a soft preference for the planner (same car when both
    # travel; issue 13 and the solver issue).
    ride_with_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residents.id", ondelete="SET NULL")
    )
    ride_with: Mapped[Resident | None] = relationship(remote_side="Resident.id")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # An admin allows staff to practise on this real person's number in the SMS simulator
    # (issue 11; otherwise it acts only on the reserved drama numbers).
    simulator_training: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def uses_wheelchair(self) -> bool:
        return self.mobility == Mobility.WHEELCHAIR


class Volunteer(OnTheBooksMixin, LocatedMixin, TimestampMixin, Base):
    """A volunteer driver and/or befriender."""

    __tablename__ = "volunteers"
    __table_args__ = (
        *_located_checks("volunteers"),
        sa.CheckConstraint("car_seats >= 0", name="car_seats_not_negative"),
        sa.CheckConstraint("wheelchair_spaces >= 0", name="wheelchair_spaces_not_negative"),
        sa.CheckConstraint("max_drive_minutes > 0", name="max_drive_positive"),
        sa.CheckConstraint("befriend_capacity >= 0", name="befriend_capacity_not_negative"),
        sa.CheckConstraint("is_driver OR is_befriender", name="has_a_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    gender: Mapped[Gender] = mapped_column(enum_type(Gender, "gender"), default=Gender.UNSTATED)
    date_of_birth: Mapped[dt.date | None]
    # Set when the birth date is erased (issue 14): reports by age still add up.
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
    is_driver: Mapped[bool] = mapped_column(default=False)
    is_befriender: Mapped[bool] = mapped_column(default=False)
    dbs_valid_until: Mapped[dt.date | None]
    # The checks a transport scheme keeps on its drivers (issue 13); services/compliance.py is
    # the one rule of whether they may drive on a day.
    dbs_level: Mapped[DbsLevel | None] = mapped_column(enum_type(DbsLevel, "dbs_level"))
    dbs_certificate_number: Mapped[str | None] = mapped_column(sa.String(12))
    dbs_issued_on: Mapped[dt.date | None]
    dbs_update_checked_on: Mapped[dt.date | None]
    licence_checked_on: Mapped[dt.date | None]
    insurance_expires_on: Mapped[dt.date | None]
    mot_expires_on: Mapped[dt.date | None]
    car_seats: Mapped[int] = mapped_column(default=0)
    wheelchair_spaces: Mapped[int] = mapped_column(default=0)
    max_drive_minutes: Mapped[int] = mapped_column(default=240)
    befriend_capacity: Mapped[int] = mapped_column(default=0)
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    life_events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sms_consent: Mapped[bool] = mapped_column(default=True)
    opted_out_at: Mapped[dt.datetime | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # An admin allows staff to practise on this real person's number in the SMS simulator
    # (issue 11; otherwise it acts only on the reserved drama numbers).
    simulator_training: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    weekly: Mapped[list[WeeklyAvailability]] = relationship(
        back_populates="volunteer",
        cascade="all, delete-orphan",
        order_by="WeeklyAvailability.weekday",
    )
    exceptions: Mapped[list[AvailabilityException]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def wheelchair_accessible(self) -> bool:
        return self.wheelchair_spaces > 0

    def dbs_valid_on(self, day: dt.date) -> bool:
        """True when the DBS check covers ``day``."""
        return self.dbs_valid_until is not None and self.dbs_valid_until >= day


class WeeklyAvailability(Base):
    """A recurring weekly window when a volunteer is free (weekday 0 = Monday)."""

    __tablename__ = "weekly_availability"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("start_time < end_time", name="starts_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]

    volunteer: Mapped[Volunteer] = relationship(back_populates="weekly")


class AvailabilityException(Base):
    """A dated change to the weekly pattern: a day off, or extra hours on one date."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        sa.CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL) OR "
            "(start_time IS NOT NULL AND end_time IS NOT NULL AND start_time < end_time)",
            name="window_valid",
        ),
        sa.CheckConstraint("available OR start_time IS NULL", name="off_has_no_window"),
        sa.Index("ix_availability_exceptions_day_volunteer", "day", "volunteer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    available: Mapped[bool]
    start_time: Mapped[dt.time | None]
    end_time: Mapped[dt.time | None]
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    volunteer: Mapped[Volunteer] = relationship(back_populates="exceptions")


class BlockedPair(Base):
    """A resident and a volunteer who must never be put together (for lifts or befriending)."""

    __tablename__ = "blocked_pairs"
    __table_args__ = (sa.UniqueConstraint("resident_id", "volunteer_id", name="uq_blocked_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(255), default="")


class PostcodeLocation(Base):
    """A postcode centroid from Code-Point Open or the ONS Postcode Directory."""

    __tablename__ = "postcodes"
    __table_args__ = (
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )

    postcode: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    lat: Mapped[float]
    lon: Mapped[float]
    ward_code: Mapped[str | None] = mapped_column(sa.String(12))
    ward_name: Mapped[str | None] = mapped_column(sa.String(80))
    district: Mapped[str | None] = mapped_column(sa.String(80))


class AuditLog(Base):
    """Who changed what, when: every change to a person's record and to what a person was
    promised (lifts booked or dropped, plans published, pins, pairings; issue 14).

    ``actor`` says who acted (an :class:`AuditActor` value); ``staff_user_id`` names the staff
    member when it was one. ``changes`` holds ``{field: [from, to]}``.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),
        sa.Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(sa.String(30), default="staff", server_default="staff")
    action: Mapped[str] = mapped_column(sa.String(40))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int]
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    staff_user: Mapped[StaffUser | None] = relationship()
