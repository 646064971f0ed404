"""Which plan of a day is current, which one people were told, and what changed since.

One home for each of these rules (issue 10): the rota page, the run sheets, the dashboard,
publishing and re-planning all ask here, so they can no longer disagree about which plan a day
has (they used to decide it three ways: newest id, published first, newest ``published_at``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog
from app.models import AvailabilityException
from app.models import DriverResponse
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import PlanStop
from app.models import StopKind
from app.models import UnservedLift
from app.models import Volunteer
from app.models import lifts as lifts_model
from app.services.people import drivers_free_on

# A lift in one of these states no longer needs its place on the rota.
DROPPED_STATUSES = (LiftStatus.CANCELLED, LiftStatus.LATE_CANCELLED)
# A lift in one of these states still needs a driver (LiftRequest.is_open).
OPEN_STATUSES = lifts_model.OPEN_STATUSES
# Audited actions on a lift that change what a plan should do with it.
CHANGING_ACTIONS = ("update", "pin")


def published_plan(day: dt.date) -> Plan | None:
    """The plan drivers and residents were told about for ``day``, if any."""
    return db.session.scalar(
        sa.select(Plan)
        .where(Plan.day == day, Plan.status == PlanStatus.PUBLISHED)
        .order_by(Plan.published_at.desc(), Plan.id.desc())
        .limit(1)
    )


def current_plan_id(day: dt.date) -> int | None:
    """The id of ``day``'s current plan: a draft made after the published plan, else that one.

    Planning again replaces the draft, and publishing turns the draft into the published plan,
    so the newest of the two is the one staff are working on.
    """
    return db.session.scalar(
        sa.select(Plan.id)
        .where(Plan.day == day, Plan.status.in_([PlanStatus.DRAFT, PlanStatus.PUBLISHED]))
        .order_by(Plan.id.desc())
        .limit(1)
    )


def current_plan(day: dt.date) -> Plan | None:
    """``day``'s current plan (see :func:`current_plan_id`), or None when it is not planned."""
    plan_id = current_plan_id(day)
    return db.session.get(Plan, plan_id) if plan_id is not None else None


def flag_for_replanning(day: dt.date, reason: str) -> None:
    """Say on ``day``'s published plan and draft that the day must be planned again, and why.

    The draft too: one made before a driver declined still gives them lifts.
    """
    for plan in db.session.scalars(
        sa.select(Plan).where(
            Plan.day == day, Plan.status.in_([PlanStatus.DRAFT, PlanStatus.PUBLISHED])
        )
    ):
        stats = dict(plan.stats or {})
        stats["needs_replan"] = True
        reasons = list(stats.get("replan_reasons", []))
        if reason not in reasons:
            reasons.append(reason)
        stats["replan_reasons"] = reasons
        plan.stats = stats


def published_pickups(lift_ids: Iterable[int]) -> list[tuple[PlanStop, PlanRoute]]:
    """The pickup stops of these lifts on their day's published plan, earliest first."""
    ids = list(lift_ids)
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(PlanStop, PlanRoute)
        .join(PlanRoute, PlanStop.route_id == PlanRoute.id)
        .join(Plan, PlanRoute.plan_id == Plan.id)
        .where(
            Plan.status == PlanStatus.PUBLISHED,
            PlanStop.kind == StopKind.PICKUP,
            PlanStop.lift_id.in_(ids),
        )
        .order_by(PlanStop.service_start_s)
    ).all()
    return [(stop, route) for stop, route in rows]


@dataclass(frozen=True)
class Freshness:
    """What happened to a day's lifts since its plan was made (empty when the plan is fresh)."""

    added: int = 0
    changed: int = 0
    dropped: int = 0
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def stale(self) -> bool:
        """True when the plan no longer matches the day's lifts and should be made again."""
        return bool(self.added or self.changed or self.dropped or self.reasons)

    @property
    def blocks_publishing(self) -> bool:
        """True when publishing would text a driver a dropped lift, or a route they cannot drive.

        Lifts added or changed since do not block: the plan can go out and be re-planned later.
        """
        return bool(self.dropped or self.reasons)

    def summary(self) -> str:
        """``2 lifts added and 1 dropped since this plan was made`` (empty when fresh)."""
        parts: list[str] = []
        for n, verb in (
            (self.added, "added"),
            (self.changed, "changed"),
            (self.dropped, "dropped"),
        ):
            if n:
                parts.append(f"{n} {verb}" if parts else f"{n} lift{'s' if n != 1 else ''} {verb}")
        if not parts:
            return ""
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"{joined} since this plan was made"

    def describe(self) -> str:
        """Everything that makes the plan stale, in one sentence without its full stop."""
        return "; ".join([self.summary(), *self.reasons] if self.summary() else self.reasons)


def planned_lift_ids(plan_id: int) -> tuple[set[int], set[int]]:
    """The lifts a plan covers: (on its routes, left unserved)."""
    on_routes = set(
        db.session.scalars(
            sa.select(PlanStop.lift_id)
            .join(PlanRoute, PlanStop.route_id == PlanRoute.id)
            .where(PlanRoute.plan_id == plan_id, PlanStop.lift_id.is_not(None))
        )
    )
    unserved = set(
        db.session.scalars(sa.select(UnservedLift.lift_id).where(UnservedLift.plan_id == plan_id))
    )
    return {i for i in on_routes if i is not None}, unserved - on_routes


def freshness(plan: Plan) -> Freshness:
    """Lifts added, changed (edited or pinned) or dropped since ``plan`` was made, and why else
    the day needs planning again (a driver declined)."""
    on_routes, unserved = planned_lift_ids(plan.id)
    covered = on_routes | unserved
    # Counted as people count lifts: a lift and its way home are one (keyed by the outward leg).
    legs = db.session.execute(
        sa.select(LiftRequest.id, LiftRequest.outbound_id, LiftRequest.status).where(
            LiftRequest.day == plan.day
        )
    ).all()
    trip = {leg_id: outbound_id or leg_id for leg_id, outbound_id, _ in legs}
    added = {trip[i] for i, _, status in legs if i not in covered and status in OPEN_STATUSES}
    dropped = {trip[i] for i, _, status in legs if i in on_routes and status in DROPPED_STATUSES}
    changed: set[int] = set()
    if covered:
        changed = {
            trip.get(i, i)
            for i in db.session.scalars(
                sa.select(AuditLog.entity_id).where(
                    AuditLog.entity_type == LiftRequest.__name__,
                    AuditLog.entity_id.in_(covered),
                    AuditLog.action.in_(CHANGING_ACTIONS),
                    AuditLog.at > plan.created_at,
                )
            )
        }
    reasons = tuple((plan.stats or {}).get("replan_reasons", [])) if _flagged(plan) else ()
    reasons += tuple(_drivers_gone(plan))
    return Freshness(added=len(added), changed=len(changed), dropped=len(dropped), reasons=reasons)


def _drivers_gone(plan: Plan) -> list[str]:
    """Drivers with lifts on ``plan`` who can no longer drive that day (a day off since, say).

    A driver who declined their published route is already a reason of their own.
    """
    declined = (
        sa.select(PlanRoute.volunteer_id)
        .join(Plan, PlanRoute.plan_id == Plan.id)
        .where(
            Plan.day == plan.day,
            Plan.status == PlanStatus.PUBLISHED,
            PlanRoute.response == DriverResponse.DECLINED,
        )
    )
    # Only a driver whose record or hours changed can have become unable since the planner
    # found them free: ask the rule about those alone (the rota page must stay fast).
    off = sa.select(AvailabilityException.volunteer_id).where(AvailabilityException.day == plan.day)
    edited = sa.select(AuditLog.entity_id).where(
        AuditLog.entity_type == Volunteer.__name__, AuditLog.at > plan.created_at
    )
    drivers = db.session.execute(
        sa.select(Volunteer.id, Volunteer.first_name, Volunteer.last_name)
        .join(PlanRoute, PlanRoute.volunteer_id == Volunteer.id)
        .where(
            PlanRoute.plan_id == plan.id,
            PlanRoute.volunteer_id.not_in(declined),
            PlanRoute.stops.any(PlanStop.lift_id.is_not(None)),
            sa.or_(Volunteer.active.is_(False), Volunteer.id.in_(off), Volunteer.id.in_(edited)),
        )
        .order_by(Volunteer.last_name, Volunteer.first_name)
    ).all()
    if not drivers:
        return []
    free = {d.volunteer.id for d in drivers_free_on(plan.day, among=[row.id for row in drivers])}
    return [
        f"{first} {last} is no longer free to drive that day"
        for volunteer_id, first, last in drivers
        if volunteer_id not in free
    ]


def _flagged(plan: Plan) -> bool:
    return bool((plan.stats or {}).get("needs_replan"))
