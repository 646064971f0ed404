"""A person's page tells their story (issue 13): each section one small query, so the page stays
fast (``benchmarks/web_load.py`` measures it) and each section can be reused (``/today``,
``/calls``).

Residents: lifts past and coming with outcomes and drivers, standing weekly lifts, befrienders,
recent texts, open alerts, preferences in words. Volunteers: routes driven and coming, pairings,
recent texts, open alerts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Alert
from app.models import Gender
from app.models import LiftRequest
from app.models import Message
from app.models import Mobility
from app.models import Pairing
from app.models import PairingStatus
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import PlanStop
from app.models import RecurringLift
from app.models import Resident
from app.models import StaffUser
from app.models import StopKind
from app.models import Volunteer
from app.services import clock
from app.services.befriending_mapping import age_on
from app.services.people import PersonKind
from app.services.people import get_resident
from app.services.people import get_volunteer
from app.services.people import upcoming_exceptions

COMING_LIFTS = 20
PAST_LIFTS = 10
RECENT_TEXTS = 5
ROUTES_SHOWN = 10


@dataclass(frozen=True)
class LiftLine:
    """One leg on a resident's page: the lift and who drives (or drove) it, if published."""

    lift: LiftRequest
    driver: str | None


@dataclass(frozen=True)
class RouteLine:
    """One published day's route of a driver: how many residents and how it was answered."""

    route: PlanRoute
    day: dt.date
    pickups: int


@dataclass(frozen=True)
class ResidentStory:
    resident: Resident
    age: int | None
    preferences: list[str]
    coming: list[LiftLine]
    past: list[LiftLine]
    standing: list[RecurringLift]
    pairings: list[Pairing]
    texts: list[Message]
    alerts: list[Alert]
    archived_by: str | None


@dataclass(frozen=True)
class VolunteerStory:
    volunteer: Volunteer
    age: int | None
    coming: list[RouteLine]
    past: list[RouteLine]
    pairings: list[Pairing]
    exceptions: list[Any]
    texts: list[Message]
    alerts: list[Alert]
    archived_by: str | None


def preferences_in_words(resident: Resident, *, today: dt.date) -> list[str]:
    """What staff and drivers should know, as a coordinator would say it."""
    words = []
    if resident.date_of_birth is not None:
        words.append(f"{age_on(resident.date_of_birth, today)} years old")
    if resident.gender != Gender.UNSTATED:
        words.append(resident.gender.value.replace("_", " "))
    mobility = {
        Mobility.NONE: None,
        Mobility.WALKING_AID: "walks with an aid",
        Mobility.WHEELCHAIR: "uses a wheelchair (needs an accessible car)",
        Mobility.NEEDS_ESCORT: "needs an escort",
    }.get(resident.mobility, resident.mobility.value.replace("_", " "))
    if mobility:
        words.append(mobility)
    if resident.needs_escort:
        words.append("travels with an escort")
    if resident.prefers_female_driver:
        words.append("prefers a female driver")
    if resident.needs_language:
        words.append(f"needs a befriender who speaks {resident.needs_language}")
    if resident.wants_befriender:
        words.append("would like a befriender")
    return words


def _drivers_of(lift_ids: list[int]) -> dict[int, str]:
    """Who drives each lift on a published plan (pickup stops), by lift id."""
    if not lift_ids:
        return {}
    rows = db.session.execute(
        sa.select(PlanStop.lift_id, Volunteer.first_name, Volunteer.last_name)
        .join(PlanRoute, PlanRoute.id == PlanStop.route_id)
        .join(Plan, Plan.id == PlanRoute.plan_id)
        .join(Volunteer, Volunteer.id == PlanRoute.volunteer_id)
        .where(
            PlanStop.lift_id.in_(lift_ids),
            PlanStop.kind == StopKind.PICKUP,
            Plan.status == PlanStatus.PUBLISHED,
        )
    ).all()
    return {lift_id: f"{first} {last}" for lift_id, first, last in rows}


def resident_lifts(resident_id: int, *, today: dt.date) -> tuple[list[LiftLine], list[LiftLine]]:
    """Coming lifts (today on, soonest first) and the latest past ones with their outcomes."""
    base = sa.select(LiftRequest).options(
        joinedload(LiftRequest.activity), joinedload(LiftRequest.venue)
    )
    base = base.where(LiftRequest.resident_id == resident_id)
    when = sa.func.coalesce(LiftRequest.pickup_earliest, LiftRequest.arrive_by)
    coming = db.session.scalars(
        base.where(LiftRequest.day >= today)
        .order_by(LiftRequest.day, when, LiftRequest.id)
        .limit(COMING_LIFTS)
    ).all()
    past = db.session.scalars(
        base.where(LiftRequest.day < today)
        .order_by(LiftRequest.day.desc(), when.desc(), LiftRequest.id.desc())
        .limit(PAST_LIFTS)
    ).all()
    drivers = _drivers_of([lift.id for lift in (*coming, *past)])
    return (
        [LiftLine(lift, drivers.get(lift.id)) for lift in coming],
        [LiftLine(lift, drivers.get(lift.id)) for lift in past],
    )


def standing_lifts(
    *, resident_id: int | None = None, activity_id: int | None = None
) -> list[RecurringLift]:
    """Standing weekly lifts of a resident or to an activity, running ones first."""
    stmt = sa.select(RecurringLift).options(
        joinedload(RecurringLift.resident),
        joinedload(RecurringLift.activity),
        joinedload(RecurringLift.venue),
    )
    if resident_id is not None:
        stmt = stmt.where(RecurringLift.resident_id == resident_id)
    if activity_id is not None:
        stmt = stmt.where(RecurringLift.activity_id == activity_id)
    stmt = stmt.order_by(RecurringLift.active.desc(), RecurringLift.weekday, RecurringLift.id)
    return list(db.session.scalars(stmt))


def pairings_of(kind: PersonKind, person_id: int) -> list[Pairing]:
    """Befriending pairings, live ones (active, proposed) first, then the last ended."""
    column = Pairing.resident_id if kind == "resident" else Pairing.volunteer_id
    rows = db.session.scalars(
        sa.select(Pairing)
        .options(joinedload(Pairing.resident), joinedload(Pairing.volunteer))
        .where(column == person_id, Pairing.status != PairingStatus.REJECTED)
        .order_by(Pairing.proposed_at.desc())
        .limit(10)
    ).all()
    live = [p for p in rows if p.status in (PairingStatus.ACTIVE, PairingStatus.PROPOSED)]
    ended = [p for p in rows if p.status == PairingStatus.ENDED][:1]
    return live + ended


def recent_texts(kind: PersonKind, person_id: int) -> list[Message]:
    """The latest texts to and from a person (the texts log has the rest)."""
    column = Message.resident_id if kind == "resident" else Message.volunteer_id
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(column == person_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(RECENT_TEXTS)
        )
    )


def open_alerts(kind: PersonKind, person_id: int) -> list[Alert]:
    """Alerts about a person still waiting for staff."""
    column = Alert.resident_id if kind == "resident" else Alert.volunteer_id
    return list(
        db.session.scalars(
            sa.select(Alert)
            .where(column == person_id, Alert.resolved_at.is_(None))
            .order_by(Alert.created_at.desc())
            .limit(20)
        )
    )


def driver_routes(volunteer_id: int, *, today: dt.date) -> tuple[list[RouteLine], list[RouteLine]]:
    """A driver's published routes from today on, and the latest before today."""
    pickups = (
        sa.select(sa.func.count())
        .where(PlanStop.route_id == PlanRoute.id, PlanStop.kind == StopKind.PICKUP)
        .scalar_subquery()
    )
    base = (
        sa.select(PlanRoute, Plan.day, pickups)
        .join(Plan, Plan.id == PlanRoute.plan_id)
        .where(PlanRoute.volunteer_id == volunteer_id, Plan.status == PlanStatus.PUBLISHED)
    )
    coming = db.session.execute(
        base.where(Plan.day >= today).order_by(Plan.day).limit(ROUTES_SHOWN)
    ).all()
    past = db.session.execute(
        base.where(Plan.day < today).order_by(Plan.day.desc()).limit(ROUTES_SHOWN)
    ).all()
    return (
        [RouteLine(route, day, n) for route, day, n in coming],
        [RouteLine(route, day, n) for route, day, n in past],
    )


def _staff_name(staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    user = db.session.get(StaffUser, staff_id)
    return user.name if user is not None else None


def resident_story(resident_id: int, *, today: dt.date | None = None) -> ResidentStory:
    """Everything a resident's page shows."""
    today = today or clock.today()
    resident = get_resident(resident_id)
    coming, past = resident_lifts(resident_id, today=today)
    return ResidentStory(
        resident=resident,
        age=age_on(resident.date_of_birth, today) if resident.date_of_birth else None,
        preferences=preferences_in_words(resident, today=today),
        coming=coming,
        past=past,
        standing=standing_lifts(resident_id=resident_id),
        pairings=pairings_of("resident", resident_id),
        texts=recent_texts("resident", resident_id),
        alerts=open_alerts("resident", resident_id),
        archived_by=_staff_name(resident.archived_by_id),
    )


def volunteer_story(volunteer_id: int, *, today: dt.date | None = None) -> VolunteerStory:
    """Everything a volunteer's page shows."""
    today = today or clock.today()
    volunteer = get_volunteer(volunteer_id)
    coming, past = driver_routes(volunteer_id, today=today)
    return VolunteerStory(
        volunteer=volunteer,
        age=age_on(volunteer.date_of_birth, today) if volunteer.date_of_birth else None,
        coming=coming,
        past=past,
        pairings=pairings_of("volunteer", volunteer_id),
        exceptions=upcoming_exceptions(volunteer_id, today=today),
        texts=recent_texts("volunteer", volunteer_id),
        alerts=open_alerts("volunteer", volunteer_id),
        archived_by=_staff_name(volunteer.archived_by_id),
    )
