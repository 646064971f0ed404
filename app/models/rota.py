"""A day's rota: a plan, a route per driver, stops in order, and the lifts left unserved."""

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
from app.models.enums import DriverResponse
from app.models.enums import PlanStatus
from app.models.enums import StopKind
from app.models.lifts import LiftRequest
from app.models.people import Volunteer


class Plan(Base):
    """The rota for one day; a published plan is changed only by re-planning."""

    __tablename__ = "plans"
    __table_args__ = (sa.Index("ix_plans_day_status", "day", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date]
    status: Mapped[PlanStatus] = mapped_column(
        enum_type(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    published_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id", ondelete="SET NULL"))
    solver_status: Mapped[str] = mapped_column(sa.String(40), default="")
    stats: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    routes: Mapped[list[PlanRoute]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanRoute.id"
    )
    unserved: Mapped[list[UnservedLift]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class PlanRoute(Base):
    """One driver's day in a plan, and whether they accepted it."""

    __tablename__ = "plan_routes"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "volunteer_id", name="uq_plan_routes_plan_volunteer"),
        sa.CheckConstraint("drive_s >= 0 AND distance_m >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id", ondelete="RESTRICT"))
    drive_s: Mapped[int] = mapped_column(default=0)
    distance_m: Mapped[int] = mapped_column(default=0)
    response: Mapped[DriverResponse] = mapped_column(
        enum_type(DriverResponse, "driver_response"), default=DriverResponse.PENDING
    )
    responded_at: Mapped[dt.datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="routes")
    volunteer: Mapped[Volunteer] = relationship()
    stops: Mapped[list[PlanStop]] = relationship(
        back_populates="route", cascade="all, delete-orphan", order_by="PlanStop.seq"
    )


class PlanStop(Base):
    """A stop of a route, in order, with its planned times (seconds after local midnight)."""

    __tablename__ = "plan_stops"
    __table_args__ = (
        sa.UniqueConstraint("route_id", "seq", name="uq_plan_stops_route_seq"),
        sa.CheckConstraint(
            "arrival_s <= service_start_s AND service_start_s <= departure_s", name="times_ordered"
        ),
        sa.CheckConstraint("(kind IN ('start', 'end')) OR lift_id IS NOT NULL", name="lift_stop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_routes.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[StopKind] = mapped_column(enum_type(StopKind, "stop_kind"))
    lift_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lift_requests.id", ondelete="CASCADE"), index=True
    )
    lat: Mapped[float]
    lon: Mapped[float]
    arrival_s: Mapped[int]
    service_start_s: Mapped[int]
    departure_s: Mapped[int]
    load_seats: Mapped[int] = mapped_column(default=0)
    load_wheelchairs: Mapped[int] = mapped_column(default=0)

    route: Mapped[PlanRoute] = relationship(back_populates="stops")
    lift: Mapped[LiftRequest | None] = relationship()


class UnservedLift(Base):
    """A lift a plan could not serve, with the reason staff can act on."""

    __tablename__ = "unserved_lifts"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "lift_id", name="uq_unserved_lifts_plan_lift"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    lift_id: Mapped[int] = mapped_column(sa.ForeignKey("lift_requests.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(60))
    detail: Mapped[str] = mapped_column(sa.String(500), default="")

    plan: Mapped[Plan] = relationship(back_populates="unserved")
    lift: Mapped[LiftRequest] = relationship()
