"""Publishing a day's rota: route texts to drivers, confirmations and reminders to residents.

What a driver's text says (issue 6, "no full addresses of several people in one text"): the
route texts sent on publishing list each stop's time, the resident's first name, the street and
postcode (never the house number) and their needs. Only after the driver accepts (replies 1) do
they get the full pickup addresses, all in one text (issue 13: it was one text per resident, ten
texts for ten pickups), split in order into as few texts as fit when the day is long. So a route
text that is read over a shoulder, forwarded, or sent to a driver who then declines never gives
away where several vulnerable people live. Places are named (``services.places``): "Barking
Community Hospital", with its street where the driver needs to find it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.errors import Conflict
from app.errors import NotFound
from app.extensions import db
from app.models import AlertKind
from app.models import AuditActor
from app.models import AvailabilityException
from app.models import DriverResponse
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import MessageStatus
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import PlanStop
from app.models import Resident
from app.models import StopKind
from app.models import Volunteer
from app.models.base import now_utc
from app.services import clock
from app.services import plans
from app.services import sms_templates as words
from app.services.audit import record_event
from app.services.lifts import DroppedBy
from app.services.lifts import drop_lifts
from app.services.lifts import lift_needs_in_words
from app.services.messaging import add_alert
from app.services.messaging import dispatch
from app.services.messaging import queue_text
from app.services.messaging import resolve_alerts
from app.services.places import lift_place
from app.services.places import place_and_address
from app.services.places import venue_label
from app.services.places import venue_name
from app.services.plans import published_plan

log = logging.getLogger(__name__)

# A resident is told a window, not a minute: the planned time rounded down to 5 minutes, + 15.
PICKUP_WINDOW = dt.timedelta(minutes=15)
# A day-before reminder is not needed right after the confirmation itself.
REMINDER_SKIP_AFTER_CONFIRMATION = dt.timedelta(hours=6)
ROUTE = ("plan_route", "driver_route")
PENDING = (DriverResponse.PENDING, DriverResponse.NO_REPLY)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What publishing did: which plan it replaced and how many texts it queued."""

    plan_id: int
    superseded_id: int | None
    drivers_texted: int
    residents_texted: int
    texts_queued: int
    # Saved but not taken by the text queue (Redis down): the outbox sweep sends them later.
    texts_waiting_for_queue: int = 0


@dataclass(frozen=True, slots=True)
class ResidentLift:
    """One resident's planned day: the outward leg, its pickup, and the lift home."""

    resident: Resident
    lift: LiftRequest
    driver: Volunteer
    pickup_s: int
    home_s: int | None
    home_driver: Volunteer | None = None

    @property
    def key(self) -> tuple[int, int, int | None]:
        """What the resident was told: driver, pickup window, time home (minutes)."""
        return (self.driver.id, _window_start(self.pickup_s), _minutes(self.home_s))


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else seconds // 60


def _window_start(seconds: int) -> int:
    return (seconds // 300) * 5


def pickup_window(pickup_s: int) -> tuple[str, str]:
    """The window a resident is told: ``("9:05am", "9:20am")``."""
    start = _window_start(pickup_s) * 60
    return clock.time_of_day(start), clock.time_of_day(start + int(PICKUP_WINDOW.total_seconds()))


def _stop_line(stop: PlanStop) -> str:
    lift = stop.lift
    assert lift is not None
    first = lift.resident.first_name
    at = clock.time_of_day(stop.service_start_s)
    needs = lift_needs_in_words(lift)
    needs_text = f" ({needs})" if needs else ""
    home = f"{words.street_of(lift.resident.address)} {lift.resident.postcode or ''}".strip()
    venue_code = (
        lift.destination_postcode if lift.leg == LiftLeg.OUTBOUND else lift.pickup_postcode
    ) or ""
    venue = f"{venue_name(lift) or 'the place'} {venue_code}".strip()
    if stop.kind == StopKind.PICKUP:
        where = home if lift.leg == LiftLeg.OUTBOUND else venue
        return f"{at} pick up {first}{needs_text}, {where}"
    where = f"at {venue}" if lift.leg == LiftLeg.OUTBOUND else f"home, {home}"
    return f"{at} drop {first} {where}"


def lift_stops(route: PlanRoute) -> list[PlanStop]:
    return [s for s in route.stops if s.kind in (StopKind.PICKUP, StopKind.DROPOFF) and s.lift]


def stops_to_come(route: PlanRoute, now: dt.datetime | None) -> list[PlanStop]:
    """A route's lift stops a driver still needs to hear about: on a day re-planned while it
    runs, those from ``now`` on (issue 13: the morning already driven is not texted again)."""
    stops = lift_stops(route)
    if now is None or route.plan.day != clock.today(now):
        return stops
    return [s for s in stops if still_to_come(route.plan.day, s.service_start_s, now)]


def still_to_come(day: dt.date, service_start_s: int, now: dt.datetime | None) -> bool:
    """Whether a stop at ``service_start_s`` on ``day`` is still ahead at ``now``: the one rule
    for what a text about a day re-planned while it runs may mention (issue 13)."""
    if now is None or day != clock.today(now):
        return True
    local = clock.local(now)
    return service_start_s >= local.hour * 3600 + local.minute * 60


def route_texts(route: PlanRoute, *, now: dt.datetime | None = None) -> list[str]:
    """The texts telling a driver their day: an overview, then the stops in as few texts as fit."""
    stops = stops_to_come(route, now)
    day = words.day_name(route.plan.day)
    chunks = words.pack(
        [_stop_line(s) for s in stops], limit=words.ROUTE_TEXT_LIMIT - len(day) - 60
    )
    intro = words.render(
        "driver_route_intro",
        driver=route.volunteer.first_name,
        day=day,
        pickups=sum(1 for s in stops if s.kind == StopKind.PICKUP),
        start=clock.time_of_day(stops[0].service_start_s) if stops else "",
        end=clock.time_of_day(stops[-1].service_start_s) if stops else "",
        parts=len(chunks),
    )
    parts = [
        words.render("driver_route_part", day=day, lines=chunk, part=n, parts=len(chunks))
        for n, chunk in enumerate(chunks, start=1)
    ]
    return [intro, *parts]


def _signature(route: PlanRoute) -> tuple[tuple[int | None, str, int], ...]:
    return tuple((s.lift_id, s.kind.value, s.service_start_s // 60) for s in lift_stops(route))


def resident_lifts(plan: Plan) -> dict[int, ResidentLift]:
    """Each resident's planned day on ``plan``, by resident id (their first outward lift)."""
    pickups: dict[int, PlanStop] = {}
    drivers: dict[int, Volunteer] = {}
    for route in plan.routes:
        for stop in lift_stops(route):
            if stop.kind == StopKind.PICKUP and stop.lift_id is not None:
                pickups[stop.lift_id] = stop
                drivers[stop.lift_id] = route.volunteer
    found: dict[int, ResidentLift] = {}
    for lift_id, stop in sorted(pickups.items(), key=lambda item: item[1].service_start_s):
        lift = stop.lift
        assert lift is not None
        if lift.leg != LiftLeg.OUTBOUND or lift.resident_id in found:
            continue
        home = next((pickups[r.id] for r in lift.return_legs if r.id in pickups), None)
        found[lift.resident_id] = ResidentLift(
            resident=lift.resident,
            lift=lift,
            driver=drivers[lift_id],
            pickup_s=stop.service_start_s,
            home_s=home.service_start_s if home else None,
            home_driver=drivers[home.lift_id] if home and home.lift_id else None,
        )
    return found


def _audit_promise(
    planned: ResidentLift, before: ResidentLift | None, *, actor_id: int | None, now: dt.datetime
) -> None:
    """What the resident is now promised (driver, pickup from, home at), from what (issue 14)."""

    def told(lift: ResidentLift | None) -> tuple[int | None, str | None, str | None]:
        if lift is None:
            return None, None, None
        home = None if lift.home_s is None else clock.time_of_day(lift.home_s)
        return lift.driver.id, clock.time_of_day(_window_start(lift.pickup_s) * 60), home

    old, new = told(before), told(planned)
    record_event(
        "promise",
        planned.lift,
        staff_id=actor_id,
        changes={
            "driver_id": (old[0], new[0]),
            "pickup_from": (old[1], new[1]),
            "home_at": (old[2], new[2]),
        },
        now=now,
    )


def _resident_text(name: str, planned: ResidentLift, day: dt.date) -> str:
    window_from, window_to = pickup_window(planned.pickup_s)
    return words.render(
        name,
        name=planned.resident.first_name,
        day=words.day_name(day),
        driver=planned.driver.first_name,
        home_driver=planned.home_driver.first_name if planned.home_driver else "",
        window_from=window_from,
        window_to=window_to,
        place=lift_place(planned.lift),
        home=clock.time_of_day(planned.home_s) if planned.home_s is not None else "",
    )


def _load_plan(plan_id: int) -> Plan:
    plan = db.session.scalar(
        sa.select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.routes).selectinload(PlanRoute.stops).selectinload(PlanStop.lift),
            selectinload(Plan.routes).selectinload(PlanRoute.volunteer),
            selectinload(Plan.unserved),
        )
    )
    if plan is None:
        msg = f"There is no plan number {plan_id}."
        raise NotFound(msg)
    return plan


def publish_plan(
    plan_id: int, *, actor_id: int | None = None, now: dt.datetime | None = None
) -> PublishResult:
    """Publish the plan and queue a text to every driver and resident it changes for."""
    now = now or now_utc()
    plan = _load_plan(plan_id)
    if plan.status != PlanStatus.DRAFT:
        msg = f"This plan is already {plan.status.value}; plan the day again to change it."
        raise Conflict(msg)
    fresh = plans.freshness(plan)
    if fresh.blocks_publishing:
        msg = f"Plan the day again before publishing: {fresh.describe()}."
        raise Conflict(msg)
    previous = published_plan(plan.day)
    queued: list[Message] = []
    # A lift the new plan leaves out is dropped by the re-plan: while the old plan is still the
    # published one, so its resident, if promised a time, is told (issue 10).
    planned_ids = {s.lift_id for r in plan.routes for s in r.stops if s.lift_id}
    left_out = [u for u in plan.unserved if u.lift_id not in planned_ids and u.lift.is_open]
    queued += drop_lifts(
        [u.lift for u in left_out],
        by=DroppedBy.REPLAN,
        reason="not planned",
        now=now,
        actor_id=actor_id,
    )
    for unserved in left_out:
        unserved.lift.status_reason = unserved.reason
    # A re-plan's publication names the plan it replaces (issue 14: re-plans are audited).
    record_event(
        "replan" if previous is not None else "publish",
        plan,
        staff_id=actor_id,
        changes={
            "status": (plan.status, PlanStatus.PUBLISHED),
            "day": (None, plan.day),
            "published_plan_id": (previous.id if previous else None, plan.id),
            "lifts_left_out": (None, len(left_out)),
        },
        now=now,
    )
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = now
    stats = dict(plan.stats or {})
    stats.pop("needs_replan", None)
    stats.pop("replan_reasons", None)
    stats["published_by_id"] = actor_id
    plan.stats = stats
    day = plan.day

    for route in plan.routes:
        for stop in lift_stops(route):
            lift = stop.lift
            assert lift is not None
            if lift.status in (LiftStatus.REQUESTED, LiftStatus.UNSERVED):
                lift.status = LiftStatus.PLANNED

    # Drivers: text a route only when it is new or changed; an unchanged route keeps its answer.
    old_routes = {r.volunteer_id: r for r in previous.routes} if previous else {}
    drivers_texted = 0
    for route in plan.routes:
        old = old_routes.pop(route.volunteer_id, None)
        if not lift_stops(route):
            continue
        if (
            old is not None
            and old.response == DriverResponse.DECLINED
            and set(_signature(route)) <= set(_signature(old))
        ):
            # Taken off mid-day (issue 13): their route now holds only stops they had already
            # done or were on; nothing new to tell them, and they stay off.
            route.response = old.response
            route.responded_at = old.responded_at
            continue
        if old is not None and _signature(old) == _signature(route):
            route.response = old.response
            route.responded_at = old.responded_at
            continue
        route.response = DriverResponse.PENDING
        drivers_texted += 1
        for body in route_texts(route, now=now):
            queued.append(
                queue_text(
                    route.volunteer,
                    body,
                    kind="driver_route",
                    concerns=ROUTE[:1] + (route.id,),
                    now=now,
                )
            )
    for old in old_routes.values():
        # A driver who declined already knows they are not driving.
        if lift_stops(old) and old.response != DriverResponse.DECLINED:
            body = words.render(
                "driver_removed", day=words.day_name(day), driver=old.volunteer.first_name
            )
            queued.append(
                queue_text(
                    old.volunteer,
                    body,
                    kind="driver_removed",
                    concerns=("plan_route", old.id),
                    now=now,
                )
            )

    # Residents: a confirmation when first planned, a change when the driver or times moved.
    told = resident_lifts(previous) if previous else {}
    residents_texted = 0
    for resident_id, planned in resident_lifts(plan).items():
        before = told.get(resident_id)
        if before is not None and before.key == planned.key:
            continue
        name = "lift_confirmed" if before is None else "lift_changed"
        if before is not None and not still_to_come(day, planned.pickup_s, now):
            # Re-planned after their outward lift was driven: tell them of the lift home only.
            if planned.home_s is None or planned.home_driver is None:
                _audit_promise(planned, before, actor_id=actor_id, now=now)
                continue
            name = "lift_home_changed"
        _audit_promise(planned, before, actor_id=actor_id, now=now)
        body = _resident_text(name, planned, day)
        residents_texted += 1
        queued.append(
            queue_text(
                planned.resident, body, kind=name, concerns=("lift", planned.lift.id), now=now
            )
        )
    db.session.commit()
    texts_queued = sum(1 for m in queued if m.status == MessageStatus.QUEUED)
    handed = dispatch(queued)
    log.info(
        "published plan %s for %s: %s drivers and %s residents texted",
        plan.id,
        day,
        drivers_texted,
        residents_texted,
    )
    return PublishResult(
        plan_id=plan.id,
        superseded_id=previous.id if previous else None,
        drivers_texted=drivers_texted,
        residents_texted=residents_texted,
        texts_queued=texts_queued,
        texts_waiting_for_queue=max(0, texts_queued - handed),
    )


def pending_route(volunteer: Volunteer, *, now: dt.datetime) -> PlanRoute | None:
    """The earliest published route from today on that the driver has not answered yet."""
    return _route_from_today(volunteer, PENDING, now=now)


def _route_from_today(
    volunteer: Volunteer, answers: Sequence[DriverResponse], *, now: dt.datetime
) -> PlanRoute | None:
    today = clock.today(now)
    return db.session.scalar(
        sa.select(PlanRoute)
        .join(Plan)
        .where(
            PlanRoute.volunteer_id == volunteer.id,
            PlanRoute.response.in_(answers),
            Plan.status == PlanStatus.PUBLISHED,
            Plan.day >= today,
        )
        .order_by(Plan.day, PlanRoute.id)
    )


def driver_reply(
    volunteer: Volunteer, accept: bool, *, now: dt.datetime
) -> tuple[str, list[Message]]:
    """Record a driver's 1 (accept) or 2 (decline); returns the reply and texts to dispatch.

    A 2 with nothing waiting declines the earliest route they accepted (issue 10: it used to
    answer "Nothing is waiting for your reply" and keep them on the rota). Does not commit: the
    inbound text's use case does.
    """
    route = pending_route(volunteer, now=now)
    if route is None and not accept:
        route = _route_from_today(volunteer, (DriverResponse.ACCEPTED,), now=now)
    if route is None:
        return words.render("driver_nothing_pending", driver=volunteer.first_name), []
    # They answered: "has not answered" is no longer true (issue 13).
    resolve_alerts(AlertKind.DRIVER_NO_REPLY, volunteer, note="They answered by text.", now=now)
    day = route.plan.day
    if accept:
        record_event(
            "accept_route",
            route,
            actor=AuditActor.DRIVER_BY_TEXT,
            changes={"response": (route.response, DriverResponse.ACCEPTED), "day": (None, day)},
            now=now,
        )
        route.responded_at = now
        route.response = DriverResponse.ACCEPTED
        bodies = pickup_address_texts(route, now=now)
        queued = [
            queue_text(
                volunteer, body, kind="driver_address", concerns=("plan_route", route.id), now=now
            )
            for body in bodies
        ]
        reply = words.render(
            "driver_accepted",
            driver=volunteer.first_name,
            day=words.day_name(day),
            parts=len(bodies),
        )
        return reply, queued
    queued = decline_route(route, now=now)
    return words.render(
        "driver_declined", driver=volunteer.first_name, day=words.day_name(day)
    ), queued


def decline_route(
    route: PlanRoute,
    *,
    now: dt.datetime,
    legs: Sequence[LiftRequest] | None = None,
    why: str = "",
    actor_id: int | None = None,
) -> list[Message]:
    """The driver cannot drive this route: drop its lifts from them, keep them out of a re-plan.

    Whether they had answered yet or had accepted, the consequences are the same (issue 10):
    each lift goes back to needing a driver and its resident is told (:func:`drop_lifts`), the
    day is flagged for re-planning, the driver gets a day off, and staff get an alert. ``legs``
    limits it to the lifts still to come when a driver is taken off mid-day, ``why`` saying
    why (issue 13: the lifts already driven stay theirs).
    """
    volunteer = route.volunteer
    day = route.plan.day
    accepted = route.response == DriverResponse.ACCEPTED
    record_event(
        "decline_route",
        route,
        staff_id=actor_id,
        actor=None if actor_id is not None else AuditActor.DRIVER_BY_TEXT,
        changes={"response": (route.response, DriverResponse.DECLINED), "day": (None, day)},
        now=now,
    )
    route.response = DriverResponse.DECLINED
    route.responded_at = now
    if legs is None:
        legs = [s.lift for s in lift_stops(route) if s.kind == StopKind.PICKUP and s.lift]
    queued = drop_lifts(
        legs,
        by=DroppedBy.DRIVER,
        reason=f"{volunteer.full_name} cannot drive" + (f" ({why})" if why else ""),
        now=now,
        driver=volunteer,
        actor_id=actor_id,
    )
    if why:
        plans.flag_for_replanning(day, f"{volunteer.full_name} cannot drive from now ({why})")
        detail = f"from {clock.time_of_day(now)} ({why}); the rest of the day needs planning again."
    else:
        plans.flag_for_replanning(day, f"{volunteer.full_name} declined their route")
        detail = "; the day needs planning again without them."
    _day_off(route, now=now)
    after = " after accepting it" if accepted else ""
    add_alert(
        AlertKind.DRIVER_DECLINED,
        f"{volunteer.full_name} cannot drive their route on {words.day_name(day)}{after}"
        + (f" {detail}" if why else detail),
        person=volunteer,
        now=now,
    )
    return queued


def _day_off(route: PlanRoute, *, now: dt.datetime) -> None:
    """Book the driver off the route's day: the planner reads availability, so a re-plan
    leaves them out."""
    day = route.plan.day
    day_off = db.session.scalar(
        sa.select(AvailabilityException).where(
            AvailabilityException.volunteer_id == route.volunteer_id,
            AvailabilityException.day == day,
            AvailabilityException.available.is_(False),
        )
    )
    if day_off is None:
        db.session.add(
            AvailabilityException(
                volunteer_id=route.volunteer_id,
                day=day,
                available=False,
                note=f"Declined the route by text ({clock.stamp(now, now=now)})",
            )
        )


def pickup_address_texts(route: PlanRoute, *, now: dt.datetime | None = None) -> list[str]:
    """Every resident's full address on the route in one text, sent after the driver accepts.

    One line per resident in the order the driver meets them (their pickup at home, or at the
    venue for someone only driven home), then each place once with its street. Too long for one
    text of three parts, it is split in order into as few texts as fit, numbered (issue 13).
    """
    day = words.short_day(route.plan.day)
    stops = stops_to_come(route, now)
    homes: dict[int, int] = {}
    for stop in stops:
        lift = stop.lift
        assert lift is not None
        if stop.kind == StopKind.PICKUP and lift.leg == LiftLeg.RETURN and lift.outbound_id:
            homes[lift.outbound_id] = stop.service_start_s
    outbound_here = {s.lift_id for s in stops if s.lift and s.lift.leg == LiftLeg.OUTBOUND}
    lines: list[str] = []
    places: dict[str, str] = {}
    for stop in stops:
        lift = stop.lift
        assert lift is not None
        if stop.kind != StopKind.PICKUP:
            continue
        named = venue_label(lift)
        if named is None:  # a street address: given in full on the line itself
            venue = place_and_address(None, *_venue_address(lift))
        else:
            venue = named
            places.setdefault(named, place_and_address(None, *_venue_address(lift)))
        if lift.leg == LiftLeg.OUTBOUND:
            home = homes.get(lift.id)
            lines.append(
                words.render(
                    "driver_pickup",
                    time=clock.time_of_day(stop.service_start_s),
                    name=lift.resident.full_name,
                    address=_home_address(lift.pickup_address, lift.pickup_postcode, lift),
                    needs=lift_needs_in_words(lift),
                    place=venue,
                    home=clock.time_of_day(home) if home is not None else "",
                )
            )
        elif lift.outbound_id not in outbound_here:
            # Only driven home: collect at the venue, and the driver needs the home address.
            lines.append(
                words.render(
                    "driver_collect",
                    time=clock.time_of_day(stop.service_start_s),
                    name=lift.resident.full_name,
                    place=venue,
                    address=_home_address(
                        lift.destination_address, lift.destination_postcode, lift
                    ),
                    needs=lift_needs_in_words(lift),
                )
            )
    if not lines:
        return []
    # Each place once, by name with its street, so the driver can find it (issue 13).
    lines += [f"{name} is at {where}." for name, where in places.items() if where]
    head = f"Addresses for {day}"
    chunks = words.pack(lines, limit=words.ROUTE_TEXT_LIMIT - len(head) - 8)
    return [
        f"{head}{f' ({n}/{len(chunks)})' if len(chunks) > 1 else ''}:\n{chunk}"
        for n, chunk in enumerate(chunks, start=1)
    ]


def _home_address(address: str | None, postcode: str | None, lift: LiftRequest) -> str:
    """The full home address as stored on the lift (the resident's own when the lift has none)."""
    street = " ".join((address or lift.resident.address or "").replace("\n", ", ").split())
    return f"{street}, {postcode}" if postcode and postcode not in street else street


def _venue_address(lift: LiftRequest) -> tuple[str | None, str | None]:
    """The street and postcode of the place a lift goes to (the lift home: comes from)."""
    if lift.leg == LiftLeg.RETURN:
        return lift.pickup_address, lift.pickup_postcode
    return lift.destination_address, lift.destination_postcode


@dataclass(frozen=True, slots=True)
class ReplyCheck:
    """What a check of drivers' replies did."""

    reminded: int
    alerted: int


def check_driver_replies(*, now: dt.datetime | None = None) -> ReplyCheck:
    """Remind drivers who have not answered their route; alert staff when still nothing."""
    now = now or now_utc()
    config = current_app.config
    remind_after = dt.timedelta(minutes=int(config.get("DRIVER_REPLY_REMINDER_MIN", 120)))
    alert_after = dt.timedelta(minutes=int(config.get("DRIVER_REPLY_ALERT_MIN", 240)))
    today = clock.today(now)
    routes = db.session.scalars(
        sa.select(PlanRoute)
        .join(Plan)
        .where(
            PlanRoute.response == DriverResponse.PENDING,
            Plan.status == PlanStatus.PUBLISHED,
            Plan.day >= today,
            Plan.published_at.is_not(None),
        )
    ).all()
    queued: list[Message] = []
    alerted = 0
    for route in routes:
        published_at = route.plan.published_at
        assert published_at is not None
        waited = now - published_at
        if waited >= alert_after:
            route.response = DriverResponse.NO_REPLY
            alerted += 1
            add_alert(
                AlertKind.DRIVER_NO_REPLY,
                f"{route.volunteer.full_name} has not answered their route for "
                f"{words.day_name(route.plan.day)}. Please phone them.",
                person=route.volunteer,
                now=now,
            )
        elif waited >= remind_after and not _already_sent(
            "driver_reminder", ("plan_route", route.id)
        ):
            body = words.render(
                "driver_reminder",
                driver=route.volunteer.first_name,
                day=words.day_name(route.plan.day),
            )
            queued.append(
                queue_text(
                    route.volunteer,
                    body,
                    kind="driver_reminder",
                    concerns=("plan_route", route.id),
                    now=now,
                )
            )
    db.session.commit()
    dispatch(queued)
    return ReplyCheck(reminded=len(queued), alerted=alerted)


def _already_sent(
    kind: str, concerns: tuple[str, int], *, since: dt.datetime | None = None
) -> bool:
    stmt = sa.select(Message.id).where(
        Message.kind == kind,
        Message.concerns_type == concerns[0],
        Message.concerns_id == concerns[1],
    )
    if since is not None:
        stmt = stmt.where(Message.created_at >= since)
    return db.session.scalar(stmt.limit(1)) is not None


def send_day_before_reminders(day: dt.date, *, now: dt.datetime | None = None) -> int:
    """Remind each resident on ``day``'s published plan of their pickup window and driver."""
    now = now or now_utc()
    plan = published_plan(day)
    if plan is None:
        return 0
    queued: list[Message] = []
    for planned in resident_lifts(plan).values():
        lift = planned.lift
        if lift.status not in (LiftStatus.PLANNED, LiftStatus.CONFIRMED):
            continue
        concerns = ("lift", lift.id)
        if _already_sent("day_before", concerns):
            continue
        recent = now - REMINDER_SKIP_AFTER_CONFIRMATION
        if _already_sent("lift_confirmed", concerns, since=recent) or _already_sent(
            "lift_changed", concerns, since=recent
        ):
            continue
        body = _resident_text("day_before", planned, day)
        queued.append(
            queue_text(planned.resident, body, kind="day_before", concerns=concerns, now=now)
        )
    db.session.commit()
    dispatch(queued)
    return len(queued)


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Send tomorrow's reminders once the configured time of day has passed (safe to repeat)."""
    now = now or now_utc()
    local = clock.local(now)
    hour, _, minute = str(current_app.config.get("REMINDER_TIME", "17:00")).partition(":")
    if local.time() < dt.time(int(hour), int(minute or 0)):
        return 0
    return send_day_before_reminders(local.date() + dt.timedelta(days=1), now=now)


def planned_lift_times(lifts: Sequence[LiftRequest]) -> dict[int, tuple[str, int]]:
    """For lifts on published plans: lift id -> (driver's first name, pickup seconds)."""
    if not lifts:
        return {}
    rows = db.session.execute(
        sa.select(PlanStop.lift_id, Volunteer.first_name, PlanStop.service_start_s)
        .join(PlanRoute, PlanStop.route_id == PlanRoute.id)
        .join(Plan, PlanRoute.plan_id == Plan.id)
        .join(Volunteer, PlanRoute.volunteer_id == Volunteer.id)
        .where(
            Plan.status == PlanStatus.PUBLISHED,
            PlanStop.kind == StopKind.PICKUP,
            PlanStop.lift_id.in_([lift.id for lift in lifts]),
        )
    ).all()
    return {lift_id: (first, start) for lift_id, first, start in rows if lift_id is not None}
