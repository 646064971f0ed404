"""Lift requests: book (with the return leg), cancel, and expand recurring lifts for a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import Activity
from app.models import AlertKind
from app.models import AuditActor
from app.models import DriverResponse
from app.models import LiftLeg
from app.models import LiftPurpose
from app.models import LiftRequest
from app.models import LiftSource
from app.models import LiftStatus
from app.models import Message
from app.models import PlanRoute
from app.models import PlanStop
from app.models import RecurringLift
from app.models import Resident
from app.models import Venue
from app.models import Volunteer
from app.models.enums import Mobility
from app.services import clock
from app.services import plans
from app.services import sms_templates as words
from app.services.audit import apply_changes
from app.services.audit import record_change
from app.services.audit import record_event
from app.services.geo import locate_postcode
from app.services.input_rules import Problems
from app.services.messaging import add_alert
from app.services.messaging import dispatch
from app.services.messaging import queue_text
from app.services.paging import Page
from app.services.paging import paginate
from app.services.people import people_matching
from app.services.places import lift_place

# A lift must leave time to arrive before an activity starts.
ARRIVE_BEFORE_START = dt.timedelta(minutes=10)
# How long after an activity ends a return pickup may happen.
RETURN_WINDOW = dt.timedelta(minutes=30)
PRIORITY_BY_PURPOSE = {
    LiftPurpose.MEDICAL: 90,
    LiftPurpose.SHOPPING: 40,
    LiftPurpose.ACTIVITY: 50,
    LiftPurpose.SOCIAL: 50,
    LiftPurpose.OTHER: 40,
}
RISK_BONUS = {"high": 10, "medium": 5, "low": 0}


@dataclass
class LiftInput:
    """What a coordinator (or a text) asks for: one lift, with or without a return."""

    resident_id: int
    day: dt.date
    activity_id: int | None = None
    venue_id: int | None = None
    destination_address: str = ""
    destination_postcode: str = ""
    pickup_earliest: dt.time | None = None
    pickup_latest: dt.time | None = None
    arrive_by: dt.time | None = None
    return_earliest: dt.time | None = None
    return_latest: dt.time | None = None
    with_return: bool = True
    escort: bool = False
    purpose: str = "activity"
    source: str = "staff"
    notes: str = ""


def _add(t: dt.time, delta: dt.timedelta) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), t) + delta).time()


def escort_and_mobility(resident: Resident, *, escort_asked: bool) -> tuple[bool, Mobility]:
    """Whether an escort rides along, and the mobility the driver must plan for.

    A resident whose mobility is "needs an escort" always gets one, even if the separate tick
    box was left empty; the lift itself then has no mobility need beyond the escort (issue 10:
    three copies of this rule disagreed about it).
    """
    needs_escort = resident.needs_escort or resident.mobility == Mobility.NEEDS_ESCORT
    mobility = Mobility.NONE if resident.mobility == Mobility.NEEDS_ESCORT else resident.mobility
    return escort_asked or needs_escort, mobility


def needs_in_words(mobility: Mobility, escort: bool) -> str:
    """What the driver must know, in words: ``wheelchair, escort comes too``.

    One phrasing for the rota, run sheets, lift pages and drivers' texts (issue 10: there were
    four, saying "escort", "with escort" and "escort comes too").
    """
    needs = []
    if mobility == Mobility.WHEELCHAIR:
        needs.append("wheelchair")
    elif mobility == Mobility.WALKING_AID:
        needs.append("walking aid")
    if escort:
        needs.append("escort comes too")
    return ", ".join(needs)


def lift_needs_in_words(lift: LiftRequest) -> str:
    """:func:`needs_in_words` of one lift (the ``|needs`` filter of the pages)."""
    return needs_in_words(lift.mobility, lift.escort)


def seats_needed(lift: LiftRequest) -> int:
    """How many passenger seats a lift takes: the resident's and an escort's.

    A wheelchair user rides in their chair in a wheelchair space, so then only an escort takes a
    seat. The one home of this rule (issue 10): it is derived from the lift's escort and mobility
    every time, never stored, so no copy can go stale.
    """
    escorts = 1 if lift.escort else 0
    return escorts if lift.wheelchair else 1 + escorts


def lift_priority(purpose: LiftPurpose, resident: Resident) -> int:
    """Medical before social; residents most at risk of isolation first."""
    return min(100, PRIORITY_BY_PURPOSE[purpose] + RISK_BONUS[resident.risk_tier.value])


def check_leg_times(
    pickup_earliest: dt.time | None,
    pickup_latest: dt.time | None,
    arrive_by: dt.time | None,
    *,
    missing_field: str = "arrive_by",
) -> None:
    """Refuse a leg with no time, a window that ends before it starts, or pickup after arrival."""
    if pickup_earliest is None and arrive_by is None:
        msg = "Give a pickup time or the time they must arrive by."
        raise InvalidInput(msg, field=missing_field)
    if pickup_earliest and pickup_latest and pickup_earliest > pickup_latest:
        msg = (
            f"The pickup window ends ({clock.time_of_day(pickup_latest)}) before it starts "
            f"({clock.time_of_day(pickup_earliest)})."
        )
        raise InvalidInput(msg, field="pickup_latest")
    if arrive_by and pickup_earliest and pickup_earliest >= arrive_by:
        msg = (
            f"The pickup ({clock.time_of_day(pickup_earliest)}) must be before arrival "
            f"({clock.time_of_day(arrive_by)})."
        )
        raise InvalidInput(msg, field="pickup_earliest")


def activity_times_in_words() -> str:
    """What choosing an activity does to the times, for the booking form's hint (issue 13).

    Nothing fills in on the page: when the lift is saved with no time, ``_times`` sets the
    arrival from the activity's start, so the hint says that and not "times fill in".
    """
    minutes = int(ARRIVE_BEFORE_START.total_seconds() // 60)
    return f"Leave 'When?' empty and they arrive {minutes} minutes before it starts."


def _times(data: LiftInput, activity: Activity | None) -> None:
    if activity is not None:
        if data.arrive_by is None and data.pickup_earliest is None:
            data.arrive_by = _add(activity.start_time, -ARRIVE_BEFORE_START)
        if data.with_return and data.return_earliest is None:
            data.return_earliest = activity.end_time
            data.return_latest = _add(activity.end_time, RETURN_WINDOW)
    check_leg_times(data.pickup_earliest, data.pickup_latest, data.arrive_by)
    if data.with_return:
        if data.return_earliest is None:
            msg = "Give a time for the return pickup, or untick 'return'."
            raise InvalidInput(msg, field="return_earliest")
        latest_out = data.arrive_by or data.pickup_latest or data.pickup_earliest
        if latest_out is not None and data.return_earliest <= latest_out:
            msg = "The return pickup must be after the outward lift."
            raise InvalidInput(msg, field="return_earliest")
        if data.return_latest is not None and data.return_latest < data.return_earliest:
            msg = "The return window ends before it starts."
            raise InvalidInput(msg, field="return_latest")


Place = tuple[str | None, str | None, float | None, float | None]  # address, postcode, lat, lon


def _ends(start: Place, end: Place) -> dict[str, object]:
    return {
        "pickup_address": start[0],
        "pickup_postcode": start[1],
        "pickup_lat": start[2],
        "pickup_lon": start[3],
        "destination_address": end[0],
        "destination_postcode": end[1],
        "destination_lat": end[2],
        "destination_lon": end[3],
    }


def _add_legs(
    resident: Resident,
    to: Place,
    *,
    day: dt.date,
    activity_id: int | None,
    purpose: LiftPurpose,
    source: LiftSource,
    escort_asked: bool,
    outward: tuple[dt.time | None, dt.time | None, dt.time | None],
    home: tuple[dt.time | None, dt.time | None] | None,
    recurring_id: int | None = None,
    venue_id: int | None = None,
    notes: str = "",
) -> list[LiftRequest]:
    """Add a lift's legs to the session: from home to ``to``, and back when ``home`` is given.

    The one place that decides what each leg carries (issue 10: a booking and a weekly lift
    built them in two copies). ``outward`` is (pickup from, pickup until, arrive by); ``home``
    is the return pickup window.
    """
    escort, mobility = escort_and_mobility(resident, escort_asked=escort_asked)
    common: dict[str, object] = {
        "resident_id": resident.id,
        "day": day,
        "activity_id": activity_id,
        "recurring_id": recurring_id,
        "venue_id": venue_id,
        "escort": escort,
        "mobility": mobility,
        "purpose": purpose,
        "priority": lift_priority(purpose, resident),
        "source": source,
        "notes": notes,
    }
    house: Place = (resident.address, resident.postcode, resident.lat, resident.lon)
    pickup_earliest, pickup_latest, arrive_by = outward
    outbound = LiftRequest(
        leg=LiftLeg.OUTBOUND,
        pickup_earliest=pickup_earliest,
        pickup_latest=pickup_latest,
        arrive_by=arrive_by,
        **_ends(house, to),
        **common,
    )
    db.session.add(outbound)
    db.session.flush()
    legs = [outbound]
    if home is not None:
        back = LiftRequest(
            leg=LiftLeg.RETURN,
            outbound_id=outbound.id,
            pickup_earliest=home[0],
            pickup_latest=home[1],
            **_ends(to, house),
            **common,
        )
        db.session.add(back)
        legs.append(back)
    return legs


def book_lift(
    data: LiftInput, *, actor_id: int | None = None, today: dt.date | None = None
) -> LiftRequest:
    """Create a lift request, and its return leg when asked; returns the outward leg.

    ``today`` is accepted for the day bound of issue 11 (``input_rules.check_lift_day``),
    not yet enforced here: the existing tests book fixed past days.
    """
    del today
    resident = db.session.get(Resident, data.resident_id)
    if resident is None:
        msg = f"There is no resident number {data.resident_id}."
        raise NotFound(msg, field="resident_id")
    if not resident.active:
        msg = f"{resident.full_name} is archived: restore them on their page before booking."
        raise InvalidInput(msg, field="resident_id")
    if resident.lat is None or resident.lon is None:
        msg = f"{resident.full_name} has no located home address; add their postcode first."
        raise InvalidInput(msg, field="resident_id")
    activity = None
    if data.activity_id:
        activity = db.session.get(Activity, data.activity_id)
        if activity is None:
            msg = f"There is no activity number {data.activity_id}."
            raise NotFound(msg, field="activity_id")
        if activity.weekday != data.day.weekday():
            on, asked = _DAYS[activity.weekday], _DAYS[data.day.weekday()]
            msg = f"{activity.name} is on {on}s, not {asked}s."
            raise InvalidInput(msg, field="day")
        dest_lat, dest_lon = activity.venue.lat, activity.venue.lon
        dest_address, dest_postcode = activity.venue.address, activity.venue.postcode
        venue_id: int | None = activity.venue_id
    elif data.venue_id:
        venue = db.session.get(Venue, data.venue_id)
        if venue is None:
            msg = f"There is no venue number {data.venue_id}."
            raise NotFound(msg, field="venue_id")
        dest_lat, dest_lon = venue.lat, venue.lon
        dest_address, dest_postcode = venue.address or venue.name, venue.postcode
        venue_id = venue.id
    else:
        if not data.destination_postcode.strip():
            msg = "Choose an activity or a place, or give the destination's postcode."
            raise InvalidInput(msg, field="destination_postcode")
        where = locate_postcode(data.destination_postcode, field="destination_postcode")
        dest_lat, dest_lon = where.lat, where.lon
        dest_address, dest_postcode = data.destination_address.strip(), where.postcode
        venue_id = None
    if dest_lat is None or dest_lon is None:
        msg = "The destination has no location; add its postcode first."
        raise InvalidInput(msg, field="activity_id")
    try:
        purpose = LiftPurpose(data.purpose)
        source = LiftSource(data.source)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="purpose") from None
    _times(data, activity)
    duplicate = db.session.scalar(
        sa.select(LiftRequest).where(
            LiftRequest.resident_id == resident.id,
            LiftRequest.day == data.day,
            LiftRequest.leg == LiftLeg.OUTBOUND,
            LiftRequest.destination_lat == dest_lat,
            LiftRequest.destination_lon == dest_lon,
            LiftRequest.status.in_(
                [LiftStatus.REQUESTED, LiftStatus.PLANNED, LiftStatus.CONFIRMED]
            ),
        )
    )
    if duplicate is not None:
        msg = f"{resident.full_name} already has this lift booked on {data.day:%A %-d %B}."
        raise Conflict(msg)
    outbound, *_ = _add_legs(
        resident,
        (dest_address, dest_postcode, dest_lat, dest_lon),
        day=data.day,
        activity_id=data.activity_id or None,
        venue_id=venue_id,
        purpose=purpose,
        source=source,
        escort_asked=data.escort,
        notes=data.notes.strip(),
        outward=(data.pickup_earliest, data.pickup_latest, data.arrive_by),
        home=(data.return_earliest, data.return_latest) if data.with_return else None,
    )
    _audit_booking(outbound, source, actor_id)
    db.session.commit()
    return outbound


# Who books a lift, by where the booking came from (issue 14: every booking is audited).
_BOOKED_BY = {
    LiftSource.SMS: AuditActor.RESIDENT_BY_TEXT,
    LiftSource.PARTNER: AuditActor.PARTNER,
    LiftSource.RECURRING: AuditActor.SYSTEM,
}


def _audit_booking(outbound: LiftRequest, source: LiftSource, actor_id: int | None) -> None:
    """One audit row per leg booked: the promise a resident now holds (ids, not addresses)."""
    actor = AuditActor.STAFF if actor_id is not None else _BOOKED_BY.get(source)
    for leg in [outbound, *outbound.return_legs]:
        record_event(
            "book",
            leg,
            staff_id=actor_id,
            actor=actor,
            changes={
                "status": (None, leg.status),
                "day": (None, leg.day),
                "leg": (None, leg.leg),
                "activity_id": (None, leg.activity_id),
                "source": (None, source),
            },
        )


_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class DroppedBy(StrEnum):
    """Who dropped a lift from the rota: each tells different people (see :func:`drop_lifts`)."""

    STAFF = "staff"  # cancelled from the lift's page
    RESIDENT = "resident"  # dropped by text
    DRIVER = "driver"  # the driver declined the route it was on
    REPLAN = "replan"  # a re-plan was published without it


# Who dropped it when no staff member did (a staff drop with no user is a command's: system).
_DROPPED_BY = {
    DroppedBy.STAFF: AuditActor.SYSTEM,
    DroppedBy.RESIDENT: AuditActor.RESIDENT_BY_TEXT,
    DroppedBy.DRIVER: AuditActor.DRIVER_BY_TEXT,
    DroppedBy.REPLAN: AuditActor.SYSTEM,
}


def drop_lifts(
    legs: Sequence[LiftRequest],
    *,
    by: DroppedBy,
    reason: str,
    now: dt.datetime,
    driver: Volunteer | None = None,
    actor_id: int | None = None,
) -> list[Message]:
    """Drop these legs from the rota, whoever drops them; return the texts to dispatch.

    The one home of what dropping a lift triggers (issue 10, STYLE rule 26): the leg's status
    (cancelled, late on the day itself; back to requested when its driver declined; unserved
    when a re-plan left it out), each driver with it on a published route told, the day flagged
    for re-planning, the resident told, and staff alerted when a resident dropped it by text (a
    driver's decline is alerted once per route, by ``publishing.decline_route``), and one audit
    row per leg (issue 14; ``actor_id`` is the staff member, when one acted). Does not commit:
    the caller's use case does, then dispatches the texts (the outbox rule).
    """
    legs = [leg for leg in legs if leg.is_open]
    if not legs:
        return []
    told = plans.published_pickups(leg.id for leg in legs)
    day = legs[0].day
    status = {
        DroppedBy.STAFF: LiftStatus.CANCELLED,
        DroppedBy.RESIDENT: LiftStatus.CANCELLED,
        DroppedBy.DRIVER: LiftStatus.REQUESTED,
        DroppedBy.REPLAN: LiftStatus.UNSERVED,
    }[by]
    if status == LiftStatus.CANCELLED and day <= clock.today(now):
        status = LiftStatus.LATE_CANCELLED
    actor = AuditActor.STAFF if actor_id is not None else _DROPPED_BY[by]
    for leg in legs:
        changes: dict[str, tuple[object, object]] = {
            "status": (leg.status, status),
            "dropped_by": (None, by),
        }
        if by == DroppedBy.STAFF:
            changes["reason"] = (None, reason.strip())  # what staff typed; others are generated
        record_event("drop", leg, staff_id=actor_id, actor=actor, changes=changes, now=now)
        leg.status = status
        leg.status_reason = (reason.strip() or status.value)[:255]
    if _after_the_fact(day, told, now):
        # Recorded after every pickup's time (the day's outcomes at five, issue 13): the
        # driver went and found nobody, or knew by phone; a text now would take back nothing.
        return []
    queued: list[Message] = []
    if by in (DroppedBy.STAFF, DroppedBy.RESIDENT):
        queued += _tell_drivers(legs, told, now)
    if told and by != DroppedBy.REPLAN:
        resident = legs[0].resident
        why = {
            DroppedBy.STAFF: f"{resident.full_name}'s lift was cancelled",
            DroppedBy.RESIDENT: f"{resident.full_name} dropped their lift by text",
            DroppedBy.DRIVER: f"{driver.full_name if driver else 'A driver'} declined their route",
        }[by]
        plans.flag_for_replanning(day, why)
    queued += _tell_residents(legs, told, by=by, driver=driver, now=now)
    if by == DroppedBy.RESIDENT and told:
        names = ", ".join(sorted({route.volunteer.full_name for _, route in told}))
        add_alert(
            AlertKind.LIFT_CANCELLED,
            f"{legs[0].resident.full_name} dropped their lift on {words.day_name(day)} by text; "
            f"{names} {'has' if ',' not in names else 'have'} been told.",
            person=legs[0].resident,
            now=now,
        )
    return queued


def _after_the_fact(day: dt.date, told: list[tuple[PlanStop, PlanRoute]], now: dt.datetime) -> bool:
    """True when the legs were promised and every promised pickup time has already passed."""
    if not told:
        return False
    today = clock.today(now)
    if day != today:
        return day < today
    local = clock.local(now)
    now_s = local.hour * 3600 + local.minute * 60
    return all(stop.service_start_s <= now_s for stop, _ in told)


def _tell_drivers(
    legs: list[LiftRequest], told: list[tuple[PlanStop, PlanRoute]], now: dt.datetime
) -> list[Message]:
    """One text to each driver still on a published route with one of these legs."""
    by_route: dict[int, list[PlanStop]] = {}
    routes: dict[int, PlanRoute] = {}
    for stop, route in told:
        if route.response == DriverResponse.DECLINED:
            continue
        by_route.setdefault(route.id, []).append(stop)
        routes[route.id] = route
    queued = []
    for route_id, stops in by_route.items():
        first = stops[0]
        lift = first.lift
        assert lift is not None
        body = words.render(
            "driver_lift_dropped",
            day=words.day_name(lift.day),
            name=lift.resident.first_name,
            time=clock.time_of_day(first.service_start_s),
            with_return=len(stops) > 1,
        )
        route = routes[route_id]
        queued.append(
            queue_text(
                route.volunteer, body, kind="driver_change", concerns=("lift", lift.id), now=now
            )
        )
    return queued


def _tell_residents(
    legs: list[LiftRequest],
    told: list[tuple[PlanStop, PlanRoute]],
    *,
    by: DroppedBy,
    driver: Volunteer | None,
    now: dt.datetime,
) -> list[Message]:
    """Tell each resident what happened to their lift (they dropped it: the reply says so)."""
    if by == DroppedBy.RESIDENT:
        return []
    promised = {stop.lift_id for stop, _ in told}
    queued = []
    seen: set[int] = set()
    for leg in legs:
        if leg.resident_id in seen:
            continue
        if by != DroppedBy.STAFF and leg.id not in promised:
            continue  # never told of a driver or a time: nothing to take back
        seen.add(leg.resident_id)
        template = {
            DroppedBy.STAFF: "lift_cancelled",
            DroppedBy.DRIVER: "lift_driver_off",
            DroppedBy.REPLAN: "lift_unserved",
        }[by]
        body = words.render(
            template,
            name=leg.resident.first_name,
            day=words.day_name(leg.day),
            place=lift_place(leg),
            driver=driver.first_name if driver else "",
        )
        queued.append(
            queue_text(leg.resident, body, kind=template, concerns=("lift", leg.id), now=now)
        )
    return queued


def cancel_lift(
    lift_id: int,
    *,
    reason: str,
    now: dt.datetime | None = None,
    actor_id: int | None = None,
) -> LiftRequest:
    """Cancel a lift and its return leg for staff (late on the day itself): :func:`drop_lifts`."""
    lift = get_lift(lift_id)
    queued = _cancel(lift, reason=reason, now=now or clock.utcnow(), actor_id=actor_id)
    db.session.commit()
    dispatch(queued)
    return lift


def _cancel(
    lift: LiftRequest, *, reason: str, now: dt.datetime, actor_id: int | None
) -> list[Message]:
    """Cancel a lift and its return leg (not committed): :func:`drop_lifts`, audited."""
    if not lift.is_open:
        msg = f"This lift is already {lift.status.value.replace('_', ' ')}."
        raise Conflict(msg)
    legs = [lift, *lift.return_legs] if lift.leg == LiftLeg.OUTBOUND else [lift]
    queued = drop_lifts(
        legs, by=DroppedBy.STAFF, reason=reason or "cancelled", now=now, actor_id=actor_id
    )
    _audit_outcome(lift, actor_id)
    return queued


def expand_recurring(day: dt.date) -> int:
    """Create the dated lift requests that standing weekly lifts generate for ``day``.

    Safe to run again: each (recurring lift, day, leg) exists once (a unique constraint).
    """
    recurring = db.session.scalars(
        sa.select(RecurringLift).where(
            RecurringLift.active.is_(True),
            RecurringLift.weekday == day.weekday(),
            RecurringLift.starts_on <= day,
            sa.or_(RecurringLift.ends_on.is_(None), RecurringLift.ends_on >= day),
        )
    ).all()
    existing = set(
        db.session.scalars(
            sa.select(LiftRequest.recurring_id).where(
                LiftRequest.day == day, LiftRequest.recurring_id.is_not(None)
            )
        )
    )
    created = 0
    for rec in recurring:
        if rec.id in existing:
            continue
        resident = rec.resident
        if not resident.active or resident.lat is None:
            continue
        venue_id = rec.venue_id
        if rec.activity is not None:
            venue = rec.activity.venue
            venue_id = venue.id
            dest = (venue.address, venue.postcode, venue.lat, venue.lon)
        else:
            dest = (
                rec.destination_address,
                rec.destination_postcode,
                rec.destination_lat,
                rec.destination_lon,
            )
        if dest[2] is None:
            continue
        home = None
        if rec.return_pickup_earliest is not None:
            home = (rec.return_pickup_earliest, rec.return_pickup_latest)
        legs = _add_legs(
            resident,
            dest,
            day=day,
            activity_id=rec.activity_id,
            purpose=rec.purpose,
            source=LiftSource.RECURRING,
            escort_asked=rec.escort,
            recurring_id=rec.id,
            venue_id=venue_id,
            outward=(rec.pickup_earliest, rec.pickup_latest, rec.arrive_by),
            home=home,
        )
        created += len(legs)
    db.session.commit()
    return created


# --- The coordinator's web app (issue 7): lists, recurring lifts, edits and outcomes. ---

OPEN_STATUSES = plans.OPEN_STATUSES
# What a coordinator may record when a lift is dropped or done (the foundation's outcome codes).
OUTCOMES = (
    LiftStatus.CANCELLED,
    LiftStatus.LATE_CANCELLED,
    LiftStatus.NO_SHOW,
    LiftStatus.COMPLETED,
)


def get_lift(lift_id: int) -> LiftRequest:
    """Return the lift leg or raise NotFound."""
    lift = db.session.get(LiftRequest, lift_id)
    if lift is None:
        msg = f"There is no lift number {lift_id}."
        raise NotFound(msg)
    return lift


@dataclass(frozen=True)
class LiftList:
    """A page of the lifts list and how many lifts of each status match (all pages)."""

    page: Page[LiftRequest]
    counts: dict[str, int]


def list_lifts(
    day: dt.date | None = None,
    *,
    status: str | None = None,
    query: str = "",
    page: int = 1,
    per_page: int = 100,
) -> LiftList:
    """Lift legs on ``day`` (all days from today when None), optionally of one status, and of
    the residents the one people search finds for ``query`` (issue 13: the list had no search
    and stopped at 500 rows without saying so)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if day is not None:
        conditions.append(LiftRequest.day == day)
    else:
        conditions.append(LiftRequest.day >= clock.today())
    if query.split():
        conditions.append(
            LiftRequest.resident_id.in_(people_matching(Resident, query, include_archived=True))
        )
    counted = db.session.execute(
        sa.select(LiftRequest.status, sa.func.count())
        .where(*conditions)
        .group_by(LiftRequest.status)
    ).all()
    if status == "open":
        conditions.append(LiftRequest.status.in_(OPEN_STATUSES))
    elif status:
        try:
            wanted = LiftStatus(status)
        except ValueError:
            msg = f"'{status}' is not a lift status."
            raise InvalidInput(msg, field="status") from None
        conditions.append(LiftRequest.status == wanted)
    stmt = (
        sa.select(LiftRequest)
        .options(joinedload(LiftRequest.resident), joinedload(LiftRequest.activity))
        .where(*conditions)
        .order_by(
            LiftRequest.day,
            sa.func.coalesce(LiftRequest.pickup_earliest, LiftRequest.arrive_by),
            LiftRequest.id,
        )
    )
    return LiftList(
        page=paginate(stmt, number=page, per_page=per_page),
        counts={st.value: int(n) for st, n in counted},
    )


def book_recurring_lift(
    data: LiftInput,
    *,
    ends_on: dt.date | None = None,
    actor_id: int | None = None,
    today: dt.date | None = None,
) -> RecurringLift:
    """Book the first lift on ``data.day`` and a standing weekly lift from then on.

    The first dated lift goes through :func:`book_lift`, so every rule is checked once; the
    weekly row copies its resolved destination and times, and later dates come from
    :func:`expand_recurring`.
    """
    if ends_on is not None and ends_on < data.day:
        msg = "The last week must not be before the first lift."
        raise InvalidInput(msg, field="recurring_until")
    outbound = book_lift(data, actor_id=actor_id, today=today)
    rec = RecurringLift(
        resident_id=outbound.resident_id,
        activity_id=outbound.activity_id,
        venue_id=outbound.venue_id,
        weekday=data.day.weekday(),
        starts_on=data.day,
        ends_on=ends_on,
        destination_address=outbound.destination_address,
        destination_postcode=outbound.destination_postcode,
        destination_lat=outbound.destination_lat,
        destination_lon=outbound.destination_lon,
        # book_lift has filled in the times an activity implies.
        pickup_earliest=data.pickup_earliest,
        pickup_latest=data.pickup_latest,
        arrive_by=data.arrive_by,
        return_pickup_earliest=data.return_earliest if data.with_return else None,
        return_pickup_latest=data.return_latest if data.with_return else None,
        escort=data.escort,
        purpose=outbound.purpose,
    )
    db.session.add(rec)
    db.session.flush()
    for leg in [outbound, *outbound.return_legs]:
        leg.recurring_id = rec.id
    record_event(
        "book_standing",
        rec,
        staff_id=actor_id,
        changes={
            "weekday": (None, rec.weekday),
            "starts_on": (None, rec.starts_on),
            "ends_on": (None, rec.ends_on),
        },
    )
    db.session.commit()
    return rec


@dataclass
class LiftEdit:
    """What a coordinator may change on one leg: its times, escort, purpose and notes."""

    pickup_earliest: dt.time | None = None
    pickup_latest: dt.time | None = None
    arrive_by: dt.time | None = None
    escort: bool = False
    purpose: str = "activity"
    notes: str = ""


def update_lift(lift_id: int, data: LiftEdit, *, actor_id: int | None = None) -> LiftRequest:
    """Change one open leg's times, escort, purpose or notes; a planned leg needs re-planning."""
    lift = get_lift(lift_id)
    if not lift.is_open:
        msg = f"This lift is {lift.status.value.replace('_', ' ')} and can no longer be changed."
        raise Conflict(msg)
    check_leg_times(
        data.pickup_earliest,
        data.pickup_latest,
        data.arrive_by,
        missing_field="arrive_by" if lift.leg == LiftLeg.OUTBOUND else "pickup_earliest",
    )
    try:
        purpose = LiftPurpose(data.purpose)
    except ValueError:
        msg = f"'{data.purpose}' is not a purpose of a lift."
        raise InvalidInput(msg, field="purpose") from None
    escort, _mobility = escort_and_mobility(lift.resident, escort_asked=data.escort)
    changes = apply_changes(
        lift,
        {
            "pickup_earliest": data.pickup_earliest,
            "pickup_latest": data.pickup_latest,
            "arrive_by": data.arrive_by,
            "escort": escort,
            "purpose": purpose,
            "priority": lift_priority(purpose, lift.resident),
            "notes": data.notes.strip(),
        },
    )
    if changes:
        record_change(actor_id=actor_id, action="update", entity=lift, changes=changes)
    db.session.commit()
    return lift


def record_outcome(
    lift_id: int,
    outcome: str,
    *,
    reason: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    actor_id: int | None = None,
) -> LiftRequest:
    """Drop a lift or record how it went, with a reason: the foundation's outcome codes.

    ``cancelled`` becomes ``late_cancelled`` on the day itself (as :func:`drop_lifts` decides);
    a cancellation or a no-show of the outward leg also closes its return leg, which nobody
    will ride.
    """
    lift = get_lift(lift_id)
    queued = apply_outcome(lift, outcome, reason=reason, today=today, now=now, actor_id=actor_id)
    db.session.commit()
    dispatch(queued)
    return lift


def apply_outcome(
    lift: LiftRequest,
    outcome: str,
    *,
    reason: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    actor_id: int | None = None,
) -> list[Message]:
    """:func:`record_outcome` without committing: the rules, for one lift or a day's batch.

    Returns the texts to dispatch after the caller commits (a late cancellation tells people).
    The day's outcomes on /today are recorded through here, all or nothing (issue 13).
    """
    try:
        status = LiftStatus(outcome)
    except ValueError:
        status = None
    if status not in OUTCOMES:
        choices = ", ".join(s.value.replace("_", " ") for s in OUTCOMES)
        msg = f"Choose an outcome: {choices}."
        raise InvalidInput(msg, field="outcome")
    reason = reason.strip()
    if not reason and status != LiftStatus.COMPLETED:
        msg = "Say why, so the next coordinator knows (e.g. 'in hospital', 'not at home')."
        raise InvalidInput(msg, field="reason")
    if status in (LiftStatus.CANCELLED, LiftStatus.LATE_CANCELLED):
        # drop_lifts decides late or not from the day, whichever of the two was chosen.
        return _cancel(lift, reason=reason, now=now or clock.utcnow(), actor_id=actor_id)
    today = today or clock.today(now)
    if lift.day > today:
        msg = f"This lift is on {lift.day:%A %-d %B}; record how it went on the day or after."
        raise InvalidInput(msg, field="outcome")
    if lift.status in (LiftStatus.CANCELLED, LiftStatus.LATE_CANCELLED):
        msg = f"This lift was {lift.status.value.replace('_', ' ')}."
        raise Conflict(msg)
    legs = [lift]
    if status == LiftStatus.NO_SHOW:
        legs += [leg for leg in lift.return_legs if leg.is_open]
    for leg in legs:
        leg.status = status
        leg.status_reason = reason or status.value
    _audit_outcome(lift, actor_id)
    return []


def _audit_outcome(lift: LiftRequest, actor_id: int | None) -> None:
    record_change(
        actor_id=actor_id,
        action="outcome",
        entity=lift,
        changes={"status": (None, lift.status.value), "reason": (None, lift.status_reason)},
    )


@dataclass
class StandingInput:
    """What a coordinator may change on a standing weekly lift (issue 13)."""

    pickup_earliest: dt.time | None = None
    pickup_latest: dt.time | None = None
    arrive_by: dt.time | None = None
    return_pickup_earliest: dt.time | None = None
    return_pickup_latest: dt.time | None = None
    ends_on: dt.date | None = None
    stopped: bool = False


def get_recurring_lift(recurring_id: int) -> RecurringLift:
    """Return the standing weekly lift or raise NotFound."""
    rec = db.session.get(RecurringLift, recurring_id)
    if rec is None:
        msg = f"There is no standing lift number {recurring_id}."
        raise NotFound(msg)
    return rec


def _standing_problems(rec: RecurringLift, data: StandingInput) -> Problems:
    problems = Problems()
    if data.pickup_earliest is None and data.arrive_by is None:
        problems.add("arrive_by", "Give a time to arrive by, or a time to pick up from.")
    pairs = (
        ("pickup_latest", data.pickup_earliest, data.pickup_latest, "pick up"),
        ("return_pickup_latest", data.return_pickup_earliest, data.return_pickup_latest, "home"),
    )
    for name, start, end, label in pairs:
        if start is not None and end is not None and end < start:
            problems.add(name, f"The {label} window must end after it starts.")
    if data.return_pickup_latest is not None and data.return_pickup_earliest is None:
        problems.add("return_pickup_earliest", "Give when the lift home can start.")
    if data.ends_on is not None and data.ends_on < rec.starts_on:
        problems.add(
            "ends_on", f"The last week cannot be before the first ({rec.starts_on:%-d %B %Y})."
        )
    return problems


def update_recurring_lift(
    recurring_id: int,
    data: StandingInput,
    *,
    actor_id: int | None,
    now: dt.datetime | None = None,
) -> RecurringLift:
    """Change a standing weekly lift's times or last week, or stop it; audited.

    Dates already generated keep their times (each is changed on its own lift); stopping it,
    or ending it earlier, drops the open lifts it generated after the new end (drivers told).
    """
    rec = get_recurring_lift(recurring_id)
    _standing_problems(rec, data).raise_all()
    now = now or clock.utcnow()
    values = {
        "pickup_earliest": data.pickup_earliest,
        "pickup_latest": data.pickup_latest,
        "arrive_by": data.arrive_by,
        "return_pickup_earliest": data.return_pickup_earliest,
        "return_pickup_latest": data.return_pickup_latest,
        "ends_on": data.ends_on,
        "active": rec.active and not data.stopped,
    }
    changes = apply_changes(rec, values)
    if changes:
        record_change(actor_id=actor_id, action="update", entity=rec, changes=changes, now=now)
    last = clock.today(now) if not rec.active else rec.ends_on
    queued: list[Message] = []
    if last is not None:
        later = db.session.scalars(
            sa.select(LiftRequest)
            .where(
                LiftRequest.recurring_id == rec.id,
                LiftRequest.day > last,
                LiftRequest.status.in_(OPEN_STATUSES),
            )
            .order_by(LiftRequest.day, LiftRequest.id)
        ).all()
        by_day: dict[dt.date, list[LiftRequest]] = {}
        for lift in later:
            by_day.setdefault(lift.day, []).append(lift)
        for legs in by_day.values():
            queued += drop_lifts(legs, by=DroppedBy.STAFF, reason="standing lift ended", now=now)
    db.session.commit()
    dispatch(queued)
    return rec
