"""Today (issue 13): the day's published routes, where each driver should be now, the lifts
still to record, and the day's outcomes and miles recorded together at the end of the day.

There is no GPS: where a driver should be is read from the published times and the outcomes
already recorded, by the one rule :func:`optimizer_mapping.settled_stops` (the same rule a
same-day re-plan starts from). Outcomes go through :func:`lifts.apply_outcome`, the rules of a
single outcome; a driver taken off mid-day goes through :func:`publishing.decline_route`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from app.errors import DomainError
from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import DriverResponse
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import MileageClaim
from app.models import Plan
from app.models import PlanRoute
from app.models import StopKind
from app.services import clock
from app.services import plans
from app.services import rota_view
from app.services.audit import save_audited
from app.services.lifts import apply_outcome
from app.services.messaging import dispatch
from app.services.optimizer_mapping import outcome_sets
from app.services.optimizer_mapping import settled_stops
from app.services.publishing import decline_route
from app.services.publishing import lift_stops

METRES_PER_MILE = 1609.344
# A lift still on its published route with no outcome yet.
ON_THE_ROTA = (LiftStatus.PLANNED, LiftStatus.CONFIRMED)
# What a coordinator records for a lift on the day (a cancellation on the day is late).
DAY_OUTCOMES = {
    LiftStatus.COMPLETED.value: "Done",
    LiftStatus.NO_SHOW.value: "No-show",
    LiftStatus.LATE_CANCELLED.value: "Cancelled on the day",
}
MAX_MILES = 1000.0


@dataclass(frozen=True)
class StopNow:
    """One stop of a driver's day and how it stands now."""

    stop: rota_view.StopView
    state: str  # done, now, to come, gone

    @property
    def words(self) -> str:
        """``pick up Joan Smith at 12 Ripple Road IG11 7NB``; ``home``."""
        s = self.stop
        if s.kind == "pickup":
            return f"pick up {s.resident_name} at {s.where}"
        if s.kind == "dropoff":
            return f"drop off {s.resident_name} at {s.where}"
        return "leave home" if s.kind == "start" else "home"


@dataclass(frozen=True)
class DriverNow:
    """A driver's day on the published rota, and where they should be now."""

    route: rota_view.RouteView
    stops: tuple[StopNow, ...]
    where_now: str
    on_board: tuple[str, ...]
    off: bool
    planned_miles: float
    claimed_miles: float | None

    @property
    def miles(self) -> float:
        """The miles to show in the form: the claim recorded, else the planned distance."""
        return self.claimed_miles if self.claimed_miles is not None else self.planned_miles


@dataclass(frozen=True)
class LiftToRecord:
    """A leg on today's rota with no outcome yet."""

    lift_id: int
    resident_id: int
    resident_name: str
    pickup_s: int
    dropoff_s: int
    to: str
    leg: str
    driver_id: int
    due: bool  # its drop-off time has passed: the outcome can be recorded

    @property
    def time(self) -> str:
        return clock.time_of_day(self.pickup_s)


@dataclass(frozen=True)
class TodayView:
    """Everything /today shows."""

    day: dt.date
    now: dt.datetime
    plan: Plan | None
    drivers: tuple[DriverNow, ...]
    to_record: tuple[LiftToRecord, ...]
    recorded: Mapping[str, int]
    freshness: plans.Freshness

    @property
    def now_s(self) -> int:
        return _seconds(self.now)

    def lifts_of(self, driver_id: int) -> tuple[LiftToRecord, ...]:
        """The lifts still to record on one driver's route."""
        return self._by_driver.get(driver_id, ())

    @functools.cached_property
    def _by_driver(self) -> dict[int, tuple[LiftToRecord, ...]]:
        grouped: dict[int, list[LiftToRecord]] = {}
        for row in self.to_record:
            grouped.setdefault(row.driver_id, []).append(row)
        return {k: tuple(v) for k, v in grouped.items()}


def _seconds(moment: dt.datetime) -> int:
    local = clock.local(moment)
    return local.hour * 3600 + local.minute * 60 + local.second


def where_now(stops: Sequence[StopNow], now_s: int, *, off: bool) -> str:
    """Where a driver should be now, in words, from their stops' states."""
    if off:
        return "Off: taken off the rest of today's route"
    current = next((s for s in stops if s.state == "now"), None)
    if current is None:
        upcoming = [s for s in stops if s.state == "to come"]
        if upcoming:
            return f"At home; leaves at {clock.time_of_day(upcoming[0].stop.departure_s)}"
        return "No lifts left today"
    s = current.stop
    if s.kind == "end":
        if s.arrival_s <= now_s:
            return f"Finished: home since {clock.time_of_day(s.arrival_s)}"
        return f"Driving home (due {clock.time_of_day(s.arrival_s)})"
    if now_s < s.arrival_s:
        return f"On the way to {current.words} (due {clock.time_of_day(s.arrival_s)})"
    if now_s < s.departure_s:
        return f"Now: {current.words}"
    upcoming = [st for st in stops if st.state == "to come"]
    if upcoming:
        due = clock.time_of_day(upcoming[0].stop.arrival_s)
        return f"Waiting until {due} (last: {current.words})"
    return f"Done: {current.words}"


def _driver_now(
    route: rota_view.RouteView,
    outcomes: tuple[frozenset[int], frozenset[int]],
    now_s: int,
    claimed: float | None,
) -> DriverNow:
    off = route.response == DriverResponse.DECLINED.value
    collected, gone = outcomes
    settled = settled_stops(route.stops, now_s, collected=collected, delivered=collected, gone=gone)
    done_upto = len(settled) - 1  # index in settled of the stop at hand
    states: list[StopNow] = []
    position = {id(s): k for k, s in enumerate(settled)}
    on_board: list[str] = []
    for stop in route.stops:
        k = position.get(id(stop))
        if stop.lift_id is not None and stop.lift_id in gone and k is None:
            states.append(StopNow(stop, "gone"))
            continue
        state = "to come" if k is None else ("now" if k == done_upto else "done")
        states.append(StopNow(stop, state))
        # A rider is aboard from their pickup until the car reaches their drop-off.
        reached = state == "done" or (state == "now" and stop.arrival_s <= now_s)
        if reached and stop.kind == "pickup":
            on_board.append(stop.resident_name)
        elif reached and stop.kind == "dropoff" and stop.resident_name in on_board:
            on_board.remove(stop.resident_name)
    return DriverNow(
        route=route,
        stops=tuple(states),
        where_now=where_now(states, now_s, off=off),
        on_board=tuple(on_board),
        off=off,
        planned_miles=round(route.distance_m / METRES_PER_MILE, 1),
        claimed_miles=claimed,
    )


def today_view(now: dt.datetime | None = None) -> TodayView:
    """Today's published rota: each driver's day and where they should be, lifts to record."""
    now = now or clock.utcnow()
    day = clock.today(now)
    plan = plans.published_plan(day)
    recorded: dict[str, int] = {}
    for status, n in db.session.execute(
        sa.select(LiftRequest.status, sa.func.count())
        .where(LiftRequest.day == day)
        .group_by(LiftRequest.status)
    ):
        recorded[LiftStatus(status).value] = int(n)
    if plan is None:
        return TodayView(day, now, None, (), (), recorded, plans.Freshness())
    now_s = _seconds(now)
    routes = [r for r in rota_view.route_views(plan.id) if r.lifts]
    # The route loader read each lift's status with its stop: no second query over 400 ids.
    status = {
        s.lift_id: LiftStatus(s.status) for r in routes for s in r.stops if s.lift_id is not None
    }
    claims: dict[int, float] = {
        volunteer_id: miles
        for volunteer_id, miles in db.session.execute(
            sa.select(MileageClaim.volunteer_id, MileageClaim.miles).where(MileageClaim.day == day)
        )
    }
    outcomes = outcome_sets(status)
    drivers = tuple(_driver_now(r, outcomes, now_s, claims.get(r.volunteer_id)) for r in routes)
    to_record: list[LiftToRecord] = []
    for route in routes:
        # A driver taken off still drove what they drove: those lifts are theirs to record.
        dropoffs = {s.lift_id: s for s in route.stops if s.kind == "dropoff"}
        for stop in route.stops:
            lift_id = stop.lift_id
            if stop.kind != "pickup" or lift_id is None or lift_id not in dropoffs:
                continue
            if status.get(lift_id) not in ON_THE_ROTA:
                continue  # recorded, or taken off this route (back to needing a driver)
            drop = dropoffs[lift_id]
            to_record.append(
                LiftToRecord(
                    lift_id=lift_id,
                    resident_id=stop.resident_id or 0,
                    resident_name=stop.resident_name,
                    pickup_s=stop.service_start_s,
                    dropoff_s=drop.service_start_s,
                    to=drop.where,
                    leg=stop.leg,
                    driver_id=route.volunteer_id,
                    due=drop.departure_s <= now_s,
                )
            )
    return TodayView(
        day=day,
        now=now,
        plan=plan,
        drivers=drivers,
        to_record=tuple(to_record),
        recorded=recorded,
        freshness=plans.freshness(plan),
    )


@dataclass(frozen=True)
class OutcomeRow:
    """One row of the end-of-day form: a lift, what happened, and why (for a no-show)."""

    lift_id: int
    outcome: str
    reason: str = ""


@dataclass(frozen=True)
class DayRecorded:
    """What recording the day did."""

    outcomes: int
    drivers_with_miles: int


def parse_miles(raw: str, *, field: str) -> float | None:
    """Miles as typed (``12``, ``12.5``, empty for none); a clear refusal names the field."""
    text = raw.strip().lower().removesuffix("miles").strip()
    if not text:
        return None
    try:
        miles = float(text)
    except ValueError:
        msg = f"Miles must be a number, like 12.5 (not '{raw.strip()[:20]}')."
        raise InvalidInput(msg, field=field) from None
    if not math.isfinite(miles) or not 0 <= miles <= MAX_MILES:
        msg = f"Miles must be between 0 and {MAX_MILES:.0f}."
        raise InvalidInput(msg, field=field)
    return round(miles, 1)


def record_day(
    day: dt.date,
    rows: Sequence[OutcomeRow],
    miles: Mapping[int, str],
    *,
    now: dt.datetime | None = None,
    actor_id: int | None = None,
) -> DayRecorded:
    """Record the day's outcomes and each driver's miles together: all of them, or none.

    Each outcome goes through :func:`lifts.apply_outcome` (a no-show closes the lift home, a
    cancellation tells whoever was told); a row left empty is skipped, and a lift home already
    closed by its outward no-show in the same form is not recorded twice. A refusal names the
    row's field and stores nothing.
    """
    now = now or clock.utcnow()
    queued: list[Message] = []
    recorded = 0
    claims = 0
    try:
        for row in rows:
            if not row.outcome:
                continue
            if row.outcome not in DAY_OUTCOMES:
                msg = f"Choose what happened: {', '.join(DAY_OUTCOMES.values())}."
                raise InvalidInput(msg, field=f"outcome-{row.lift_id}")
            lift = db.session.get(LiftRequest, row.lift_id)
            if lift is None or lift.day != day:
                msg = f"Lift {row.lift_id} is not on {day:%A %-d %B}."
                raise NotFound(msg, field=f"outcome-{row.lift_id}")
            if not lift.is_open and lift.status == LiftStatus.NO_SHOW and lift.outbound_id:
                continue  # closed with its outward leg's no-show, just above
            try:
                queued += apply_outcome(
                    lift, row.outcome, reason=row.reason, today=day, now=now, actor_id=actor_id
                )
            except DomainError as exc:
                who = lift.resident.full_name
                field = f"reason-{lift.id}" if exc.field == "reason" else f"outcome-{lift.id}"
                msg = f"{who}: {exc.message}"
                raise type(exc)(msg, field=field) from None
            db.session.flush()
            recorded += 1
        for volunteer_id, raw in miles.items():
            value = parse_miles(raw, field=f"miles-{volunteer_id}")
            if value is None:
                continue
            claim = db.session.scalar(
                sa.select(MileageClaim).where(
                    MileageClaim.volunteer_id == volunteer_id, MileageClaim.day == day
                )
            )
            save_audited(
                MileageClaim,
                claim,
                {
                    "volunteer_id": volunteer_id,
                    "day": day,
                    "miles": value,
                    "recorded_by_id": actor_id,
                },
                actor_id=actor_id,
            )
            claims += 1
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    dispatch(queued)
    return DayRecorded(outcomes=recorded, drivers_with_miles=claims)


def take_driver_off(
    route_id: int, *, reason: str, now: dt.datetime | None = None, actor_id: int | None = None
) -> list[int]:
    """A driver can drive no more today (ill at 10:00): take them off the rest of their route.

    What they have done or are doing stays theirs (the stop they are heading for, riders on
    board); every lift still to come goes back to needing a driver, its resident is told, the
    day is flagged for a re-plan and staff alerted, as when a driver declines
    (:func:`publishing.decline_route`). Returns the ids of the lifts taken off them.
    """
    now = now or clock.utcnow()
    route = db.session.get(PlanRoute, route_id)
    if route is None or route.plan.day != clock.today(now):
        msg = "That route is not on today's rota."
        raise NotFound(msg)
    if route.response == DriverResponse.DECLINED:
        msg = f"{route.volunteer.full_name} is already off today's rota."
        raise InvalidInput(msg, field="route_id")
    if not reason.strip():
        msg = "Say why, so the next coordinator knows (e.g. 'ill', 'car broke down')."
        raise InvalidInput(msg, field="reason")
    stops = lift_stops(route)
    status = {s.lift_id: s.lift.status for s in stops if s.lift is not None and s.lift_id}
    collected, gone = outcome_sets(status)
    settled = settled_stops(
        route.stops, _seconds(now), collected=collected, delivered=collected, gone=gone
    )
    kept = {s.lift_id for s in settled if s.kind == StopKind.PICKUP and s.lift_id}
    legs = [
        s.lift
        for s in stops
        if s.kind == StopKind.PICKUP and s.lift is not None and s.lift_id not in kept
    ]
    queued = decline_route(route, now=now, legs=legs, why=reason.strip()[:120], actor_id=actor_id)
    db.session.commit()
    dispatch(queued)
    return [leg.id for leg in legs]
