"""Counts for the dashboard: tomorrow at a glance and what needs following up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import DriverResponse
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import MessageStatus
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import Volunteer
from app.services import clock
from app.services import compliance
from app.services import plans


@dataclass(frozen=True)
class Glance:
    """The numbers on the dashboard."""

    day: dt.date
    lifts_by_status: dict[str, int]
    drivers_active: int
    texts_failed: int
    texts_waiting: int
    open_alerts: int
    dbs_expiring: int
    # Added for the coordinator's web app (issue 7); defaults keep older callers working.
    drivers_available: int = 0
    drivers_confirmed: int = 0
    drivers_declined: int = 0
    drivers_waiting: int = 0
    plan_status: str | None = None
    alerts_by_kind: dict[str, int] = field(default_factory=dict)
    recent_alerts: list[Alert] = field(default_factory=list)
    # Drivers with a check (DBS, licence, insurance, MOT, mobile) due in 30 days (issue 13).
    dbs_expiring_people: list[compliance.DriverDue] = field(default_factory=list)
    # Counted against the current plan, draft or published (issue 10: a draft that planned all
    # 38 lifts read "38 requested, not planned / 0 planned").
    lifts: LiftCounts = field(default_factory=lambda: LiftCounts(0, 0, 0))
    freshness: plans.Freshness = field(default_factory=plans.Freshness)


@dataclass(frozen=True)
class LiftCounts:
    """Tomorrow's open lift legs as the current plan has them."""

    planned: int  # on a route of the plan
    unserved: int  # the plan could not serve them
    not_planned: int  # booked since the plan was made, or no plan yet


def _lifts_against(plan: Plan | None, day: dt.date) -> LiftCounts:
    """Count ``day``'s open lift legs as planned, unserved or not planned by ``plan``."""
    open_ids = set(
        db.session.scalars(
            sa.select(LiftRequest.id).where(
                LiftRequest.day == day, LiftRequest.status.in_(plans.OPEN_STATUSES)
            )
        )
    )
    if plan is None:
        return LiftCounts(planned=0, unserved=0, not_planned=len(open_ids))
    on_routes, unserved = plans.planned_lift_ids(plan.id)
    return LiftCounts(
        planned=len(open_ids & on_routes),
        unserved=len(open_ids & unserved),
        not_planned=len(open_ids - on_routes - unserved),
    )


def tomorrow_at_a_glance(today: dt.date | None = None) -> Glance:
    """Summarise tomorrow's lifts, drivers, texts and open alerts."""
    today = today or clock.today()
    day = today + dt.timedelta(days=1)
    rows = db.session.execute(
        sa.select(LiftRequest.status, sa.func.count())
        .where(LiftRequest.day == day)
        .group_by(LiftRequest.status)
    ).all()
    by_status = {LiftStatus(s).value: int(n) for s, n in rows}

    def count(stmt: sa.Select[tuple[int]]) -> int:
        return int(db.session.scalar(stmt) or 0)

    available = compliance.free_drivers_who_may_drive(day)
    plan = plans.current_plan(day)
    lifts = _lifts_against(plan, day)
    responses: dict[str, int] = {}
    # Drivers answer the plan they were texted, the published one, even while a draft is current.
    told = plan if plan is not None and plan.status == PlanStatus.PUBLISHED else None
    told = told or plans.published_plan(day)
    if told is not None:
        for response, n in db.session.execute(
            sa.select(PlanRoute.response, sa.func.count())
            .where(PlanRoute.plan_id == told.id, PlanRoute.stops.any())
            .group_by(PlanRoute.response)
        ).all():
            responses[DriverResponse(response).value] = int(n)
    # People, not alerts (issue 13: "3 opted out of texts" was 2 people and 3 alerts).
    alerts_by_kind = {
        AlertKind(k).value: int(n)
        for k, n in db.session.execute(
            sa.select(Alert.kind, sa.func.count(sa.distinct(Alert.subject)))
            .where(Alert.resolved_at.is_(None))
            .group_by(Alert.kind)
        ).all()
    }
    recent_alerts = list(
        db.session.scalars(
            sa.select(Alert)
            .where(Alert.resolved_at.is_(None))
            .options(selectinload(Alert.resident), selectinload(Alert.volunteer))
            .order_by(Alert.created_at.desc())
            .limit(10)
        )
    )
    due = compliance.drivers_with_checks_due(today)

    return Glance(
        day=day,
        lifts_by_status=by_status,
        drivers_active=count(
            sa.select(sa.func.count())
            .select_from(Volunteer)
            .where(Volunteer.is_driver.is_(True), Volunteer.active.is_(True))
        ),
        texts_failed=count(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.status.in_([MessageStatus.FAILED, MessageStatus.UNDELIVERED]))
        ),
        texts_waiting=count(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.status == MessageStatus.QUEUED)
        ),
        open_alerts=count(
            sa.select(sa.func.count(sa.distinct(Alert.subject))).where(Alert.resolved_at.is_(None))
        ),
        dbs_expiring=len(due),
        drivers_available=available,
        drivers_confirmed=responses.get(DriverResponse.ACCEPTED.value, 0),
        drivers_declined=responses.get(DriverResponse.DECLINED.value, 0),
        drivers_waiting=responses.get(DriverResponse.PENDING.value, 0)
        + responses.get(DriverResponse.NO_REPLY.value, 0),
        plan_status=plan.status.value if plan is not None else None,
        lifts=lifts,
        freshness=plans.freshness(plan) if plan is not None else plans.Freshness(),
        alerts_by_kind=alerts_by_kind,
        recent_alerts=recent_alerts,
        dbs_expiring_people=due[:20],
    )
