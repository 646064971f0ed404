"""Plan a day's rota: rows → optimizer problem → solve → validate → draft plan rows.

Re-planning a published day keeps pinned lifts with their drivers and prefers, at a cost set in
the optimizer's Weights, to keep every lift with the driver and time already told.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import BlockedPair
from app.models import DriverResponse
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import PlanStop
from app.models import Resident
from app.models import StopKind
from app.models import UnservedLift
from app.models import Volunteer
from app.optimizer import TravelTimes
from app.optimizer.errors import InvalidProblem
from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.types import Driver
from app.optimizer.types import Lift
from app.optimizer.types import RotaResult
from app.optimizer.types import SolveParams
from app.optimizer.types import Status
from app.optimizer.types import UnderWay
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason
from app.services import clock
from app.services import compliance
from app.services import plans
from app.services import unserved as unserved_words
from app.services.audit import record_change
from app.services.lifts import expand_recurring
from app.services.optimizer_mapping import build_problem
from app.services.optimizer_mapping import driver_from_row
from app.services.optimizer_mapping import lift_from_row
from app.services.optimizer_mapping import outcome_sets
from app.services.optimizer_mapping import published_position
from app.services.optimizer_mapping import settled_stops
from app.services.optimizer_mapping import under_way_from_stops
from app.services.optimizer_mapping import with_named_friends
from app.services.people import drivers_free_on
from app.services.personal_data import Kind
from app.services.personal_data import erased_ids
from app.services.roads import travel_times_from_config

log = logging.getLogger(__name__)

OPEN_STATUSES = plans.OPEN_STATUSES


class PlanNotValid(RuntimeError):
    """The solver's plan broke a rule; it is not saved (a bug to report, never shown as a rota)."""


@dataclass(frozen=True)
class PlanSummary:
    """What a coordinator sees after planning."""

    plan_id: int
    lifts: int
    served: int
    unserved: int
    drivers_used: int
    drive_s: int
    seconds: float


def travel_times() -> TravelTimes:
    """The app's travel times: the configured road network, else the straight-line estimate."""
    cfg = current_app.config
    return travel_times_from_config(
        cfg.get("ROAD_NETWORK"),
        current_app.instance_path,
        max_snap_m=float(cfg.get("ROAD_MAX_SNAP_M", 500)),
        straight_line_detour=cfg.get("STRAIGHT_LINE_DETOUR"),
        straight_line_speed_kmh=cfg.get("STRAIGHT_LINE_SPEED_KMH"),
        allow_download=False,
    )


def _open_lifts(day: dt.date) -> list[LiftRequest]:
    """The lifts a plan of ``day`` serves: open ones of residents on the books (an archived
    resident is never planned, issue 13)."""
    return list(
        db.session.scalars(
            sa.select(LiftRequest)
            .join(Resident, Resident.id == LiftRequest.resident_id)
            .where(
                LiftRequest.day == day,
                LiftRequest.status.in_(OPEN_STATUSES),
                Resident.active.is_(True),
                # An erased resident is never planned (issue 14).
                LiftRequest.resident_id.not_in(erased_ids(Kind.RESIDENT)),
            )
            .options(selectinload(LiftRequest.resident))
            .order_by(LiftRequest.id)
        )
    )


def _drivers(day: dt.date) -> list[Driver]:
    return [
        driver_from_row(
            d.volunteer,
            d.windows,
            checks_valid_until=compliance.may_drive_on(d.volunteer, day).valid_until,
        )
        for d in drivers_free_on(day)
    ]


def _last_drivers(resident_ids: set[int], day: dt.date) -> dict[int, str]:
    """Who last drove each resident on a published day before ``day`` (continuity)."""
    if not resident_ids:
        return {}
    rows = db.session.execute(
        sa.select(LiftRequest.resident_id, PlanRoute.volunteer_id, Plan.day)
        .join(PlanStop, PlanStop.lift_id == LiftRequest.id)
        .join(PlanRoute, PlanRoute.id == PlanStop.route_id)
        .join(Plan, Plan.id == PlanRoute.plan_id)
        .where(
            Plan.status == PlanStatus.PUBLISHED,
            Plan.day < day,
            LiftRequest.resident_id.in_(resident_ids),
            PlanStop.kind == StopKind.PICKUP,
        )
        .order_by(Plan.day)
    ).all()
    return {resident_id: str(volunteer_id) for resident_id, volunteer_id, _ in rows}


def _blocked(resident_ids: set[int]) -> dict[int, frozenset[str]]:
    rows = db.session.execute(
        sa.select(BlockedPair.resident_id, BlockedPair.volunteer_id).where(
            BlockedPair.resident_id.in_(resident_ids)
        )
    ).all()
    out: dict[int, set[str]] = {}
    for resident_id, volunteer_id in rows:
        out.setdefault(resident_id, set()).add(str(volunteer_id))
    return {k: frozenset(v) for k, v in out.items()}


def plan_day(
    day: dt.date,
    *,
    actor_id: int | None = None,
    time_limit_s: float | None = None,
    progress: Callable[[float, float], None] | None = None,
    travel: TravelTimes | None = None,
    workers: int | None = None,
    now: dt.datetime | None = None,
) -> PlanSummary:
    """Plan ``day`` as a draft: expand recurring lifts, solve, validate, store routes and reasons.

    A draft for the same day is replaced; a published plan stays until the new one is published.
    ``workers`` search processes run (default :func:`planning_workers`). Planning today itself
    (a driver fell ill at 10:00) re-plans the rest of the day from ``now`` (:func:`_under_way`).
    """
    started = time.monotonic()
    now = now or clock.utcnow()
    expand_recurring(day)
    rows = _open_lifts(day)
    drivers = _drivers(day)
    published = plans.published_plan(day)
    # Only a driver free that day can keep a lift (issue 10: after a driver declined, their
    # published lifts named a driver the problem did not have, and every re-plan failed).
    free = {d.id for d in drivers}
    same_day = _under_way(published, now, free) if day == clock.today(now) else None
    if same_day is not None:
        rows = [row for row in rows if row.id not in same_day.done]
    if not drivers and not rows:
        msg = f"There is nothing to plan on {day:%A %-d %B}: no lifts and no drivers free."
        raise InvalidInput(msg, field="day")
    told = {
        lift_id: position
        for lift_id, position in (
            published_position(s for r in published.routes for s in r.stops) if published else {}
        ).items()
        if position[0] in free
    }
    resident_ids = {r.resident_id for r in rows}
    blocked = _blocked(resident_ids)
    last = _last_drivers(resident_ids, day)
    lifts: list[Lift] = []
    left_out: list[tuple[LiftRequest, str, str]] = []
    for row in rows:
        why = _cannot_plan(row, free, blocked.get(row.resident_id, frozenset()), day)
        if why is not None:
            left_out.append((row, *why))
            continue
        try:
            lifts.append(
                lift_from_row(
                    row,
                    blocked=blocked.get(row.resident_id, frozenset()),
                    published=told.get(row.id),
                    last_driver_id=last.get(row.resident_id),
                )
            )
        except (InvalidInput, InvalidProblem) as exc:
            left_out.append((row, unserved_words.NO_LOCATION, str(exc)))
    lifts, orphaned = _returns_follow_outbound(rows, lifts)
    lifts = with_named_friends(rows, lifts)
    travel = travel or travel_times()
    limit = time_limit_s or planning_time_limit(replanning=published is not None)
    params = SolveParams(time_limit_s=limit, workers=workers or planning_workers())
    if drivers:
        problem = build_problem(day, lifts, drivers)
        if same_day is not None:
            problem = replace(problem, under_way=same_day.under_way, now_s=same_day.now_s)
        # One solve: "a return only with its outbound" is a rule of the model (issue 12).
        solved = solve_rota(problem, travel, params, progress=progress)
        violations = validate_plan(problem, travel, solved)
        if violations:
            log.error("plan for %s broke rules: %s", day, violations)
            msg = f"The plan for {day} broke {len(violations)} rules and was not saved."
            raise PlanNotValid(msg)
    else:
        # Every driver is off (all declined, say): a plan of unserved lifts, not an error.
        solved = _nobody_free(lifts)
    plan = _store(
        day,
        solved,
        rows,
        left_out,
        orphaned,
        based_on=published,
        actor_id=actor_id,
        frozen=same_day.frozen if same_day is not None else {},
    )
    elapsed = time.monotonic() - started
    plan.stats = {**solved.stats, "planning_s": round(elapsed, 2)}
    record_change(actor_id=actor_id, action="plan", entity=plan)
    db.session.commit()
    served = sum(1 for r in solved.routes for s in r.stops if s.kind.value == "pickup")
    # Riders already on board a car under way have a drop-off only (no pickup to count).
    served += sum(len(uw.on_board) for uw in (same_day.under_way if same_day else ()))
    return PlanSummary(
        plan_id=plan.id,
        lifts=len(rows),
        served=served,
        unserved=len(rows) - served,
        drivers_used=len({r.driver_id for r in solved.routes if len(r.stops) > 2}),
        drive_s=solved.drive_s,
        seconds=round(elapsed, 2),
    )


@dataclass(frozen=True)
class Frozen:
    """A driver's stops done or under way when today is re-planned, kept as they are."""

    stops: tuple[PlanStop, ...]
    drive_s: int
    distance_m: int


@dataclass(frozen=True)
class SameDay:
    """What re-planning today starts from (issue 13: a driver fell ill at 10:00)."""

    now_s: int
    under_way: tuple[UnderWay, ...]
    frozen: dict[int, Frozen]  # by volunteer id
    done: frozenset[int]  # lifts not to plan again: dropped off, or aboard a driver who is off


def _under_way(published: Plan | None, now: dt.datetime, free: set[str]) -> SameDay:
    """Where today's published day stands: settled stops frozen, each car where it is.

    Each driver's settled stops (:func:`optimizer_mapping.settled_stops`: done, or the one they
    are heading for) stay on their route; a free driver carries on from there with the riders
    on board (:func:`optimizer_mapping.under_way_from_stops`); a driver who is off keeps their
    settled stops and takes the riders already aboard where they are going, then home. Lifts
    already dropped off are not planned again.
    """
    local = clock.local(now)
    now_s = local.hour * 3600 + local.minute * 60 + local.second
    if published is None:
        return SameDay(now_s, (), {}, frozenset())
    under_way: list[UnderWay] = []
    frozen: dict[int, Frozen] = {}
    done: set[int] = set()
    for route in published.routes:
        stops = list(route.stops)
        status = {s.lift_id: s.lift.status for s in stops if s.lift is not None and s.lift_id}
        collected, gone = outcome_sets(status)
        args = {"collected": collected, "delivered": collected, "gone": gone}
        settled = settled_stops(stops, now_s, **args)
        if not settled:
            continue
        picked = [s.lift_id for s in settled if s.kind == StopKind.PICKUP and s.lift_id]
        dropped = {s.lift_id for s in settled if s.kind == StopKind.DROPOFF and s.lift_id}
        done |= dropped
        kept = list(settled)
        driven = 0
        driver_id = str(route.volunteer_id)
        if driver_id in free and route.response != DriverResponse.DECLINED:
            uw = under_way_from_stops(driver_id, stops, now_s, **args)
            if uw is not None:
                under_way.append(uw)
                driven = uw.driven_s
        else:
            # Off (ill): riders aboard are still taken where they are going, then home.
            aboard = [i for i in picked if i not in dropped and i not in gone]
            kept += [s for s in stops if s.kind == StopKind.DROPOFF and s.lift_id in aboard]
            kept += [s for s in stops if s.kind == StopKind.END][-1:]
            done |= set(aboard)
            driven = sum(b.arrival_s - a.departure_s for a, b in zip(kept, kept[1:], strict=False))
        share = driven / route.drive_s if route.drive_s else 0.0
        frozen[route.volunteer_id] = Frozen(
            stops=tuple(kept), drive_s=driven, distance_m=round(route.distance_m * min(1, share))
        )
    return SameDay(now_s, tuple(under_way), frozen, frozenset(done))


def _cannot_plan(
    row: LiftRequest, free: set[str], blocked: frozenset[str], day: dt.date
) -> tuple[str, str] | None:
    """Why a lift is left out before solving: pinned to a driver not free that day, or to one
    the resident must not travel with (named, never by id; issue 10)."""
    pinned = row.pinned_volunteer
    if pinned is None:
        return None
    unable = UnservedReason.PINNED_DRIVER_UNABLE.value
    if str(pinned.id) in blocked:
        detail = f"{row.resident.full_name} must not travel with {pinned.full_name}; "
        return unable, detail + "pin the lift to another driver."
    if str(pinned.id) not in free:
        detail = f"{pinned.full_name} is not free to drive on {day:%A %-d %B}; unpin the lift "
        return unable, detail + "or change their hours."
    return None


def _nobody_free(lifts: list[Lift]) -> RotaResult:
    """The answer for a day with lifts and no driver free: every lift unserved, with why."""
    return RotaResult(
        status=Status.OK,
        routes=(),
        unserved=tuple(
            Unserved(lift.id, UnservedReason.NO_DRIVER_AVAILABLE, "No driver is free that day.")
            for lift in lifts
        ),
    )


def _returns_follow_outbound(
    rows: list[LiftRequest], lifts: list[Lift]
) -> tuple[list[Lift], dict[int, str]]:
    """Tie each return leg to its outward lift: planned only with it (a rule of the model).

    A return whose outward lift is open but cannot even be put to the solver (no location,
    pinned to a driver not free) is left out now, with the reason ``outbound_unserved``; a
    return whose outward lift is not open at all (done, cancelled) stands alone.
    """
    by_id = {row.id: row for row in rows}
    in_problem = {lift.id for lift in lifts}
    kept: list[Lift] = []
    orphaned: dict[int, str] = {}
    for lift in lifts:
        row = by_id[int(lift.id)]
        outbound = row.outbound_id if row.leg == LiftLeg.RETURN else None
        if outbound is None or outbound not in by_id:
            kept.append(lift)
        elif str(outbound) in in_problem:
            kept.append(replace(lift, outbound_id=str(outbound)))
        else:
            orphaned[row.id] = unserved_words.OUTBOUND_UNSERVED
    return kept, orphaned


def planning_time_limit(*, replanning: bool) -> float:
    """Seconds the solver may search: ``PLAN_TIME_LIMIT_S``, or at most ``REPLAN_TIME_LIMIT_S``
    when a published plan is re-planned (it starts warm from that plan; issue 12)."""
    cfg = current_app.config
    limit = float(cfg.get("PLAN_TIME_LIMIT_S", 20))
    if replanning:
        limit = min(limit, float(cfg.get("REPLAN_TIME_LIMIT_S", 5)))
    return limit


def planning_workers(*, in_planning_worker: bool = False) -> int:
    """How many search workers a plan uses: ``PLAN_SEARCH_WORKERS``, else 1 (2 in RQ's worker).

    In the web process's background thread and ``flask rota plan`` the other core serves
    requests; the RQ planning worker has a core to itself. The second search runs in a
    spawned process, never a fork of one holding database or Redis connections.
    """
    configured = current_app.config.get("PLAN_SEARCH_WORKERS")
    if configured:
        return int(configured)
    return 2 if in_planning_worker else 1


def _store(
    day: dt.date,
    result: RotaResult,
    rows: list[LiftRequest],
    left_out: list[tuple[LiftRequest, str, str]],
    orphaned: dict[int, str],
    *,
    based_on: Plan | None,
    actor_id: int | None,
    frozen: dict[int, Frozen] | None = None,
) -> Plan:
    for old in db.session.scalars(
        sa.select(Plan).where(Plan.day == day, Plan.status == PlanStatus.DRAFT)
    ):
        db.session.delete(old)
    db.session.flush()
    plan = Plan(
        day=day,
        status=PlanStatus.DRAFT,
        created_by_id=actor_id,
        based_on_id=based_on.id if based_on else None,
        solver_status=result.status.value,
    )
    db.session.add(plan)
    db.session.flush()
    by_driver: dict[str, PlanRoute] = {}
    # Today re-planned: each driver's settled stops first, as they were (issue 13).
    for volunteer_id, kept in (frozen or {}).items():
        kept_route = PlanRoute(
            plan_id=plan.id,
            volunteer_id=volunteer_id,
            drive_s=kept.drive_s,
            distance_m=kept.distance_m,
        )
        db.session.add(kept_route)
        by_driver[str(volunteer_id)] = kept_route
        for was in kept.stops:
            kept_route.stops.append(
                PlanStop(
                    seq=len(kept_route.stops),
                    kind=was.kind,
                    lift_id=was.lift_id,
                    lat=was.lat,
                    lon=was.lon,
                    arrival_s=was.arrival_s,
                    service_start_s=was.service_start_s,
                    departure_s=was.departure_s,
                    load_seats=was.load_seats,
                    load_wheelchairs=was.load_wheelchairs,
                )
            )
    for route in result.routes:
        if not any(s.lift_id for s in route.stops):
            continue  # a driver who drives nobody is not on the rota
        plan_route = by_driver.get(route.driver_id)
        if plan_route is None:
            plan_route = PlanRoute(
                plan_id=plan.id, volunteer_id=int(route.driver_id), drive_s=0, distance_m=0
            )
            db.session.add(plan_route)
            by_driver[route.driver_id] = plan_route
        plan_route.drive_s += route.drive_s
        plan_route.distance_m += route.distance_m
        # A driver free twice a day has two routes; they are kept as one, in time order. A
        # route under way starts where the frozen stops end: its START there is not repeated.
        under_way_start = bool(plan_route.stops) and str(route.driver_id) in {
            str(v) for v in (frozen or {})
        }
        for stop in route.stops[1:] if under_way_start else route.stops:
            plan_route.stops.append(
                PlanStop(
                    seq=len(plan_route.stops),
                    kind=StopKind(stop.kind.value),
                    lift_id=int(stop.lift_id) if stop.lift_id else None,
                    lat=stop.location.lat,
                    lon=stop.location.lon,
                    arrival_s=stop.arrival_s,
                    service_start_s=stop.service_start_s,
                    departure_s=stop.departure_s,
                    load_seats=stop.load_seats,
                    load_wheelchairs=stop.load_wheelchairs,
                )
            )
    lifts_by_id = {str(row.id): row for row in rows}
    for unserved in result.unserved:
        db.session.add(
            UnservedLift(
                plan_id=plan.id,
                lift_id=int(unserved.lift_id),
                reason=unserved.reason.value,
                detail=unserved_words.explain(unserved, lifts_by_id.get(unserved.lift_id))[:500],
            )
        )
    for row, reason, detail in left_out:
        db.session.add(
            UnservedLift(plan_id=plan.id, lift_id=row.id, reason=reason, detail=detail[:500])
        )
    for lift_id in orphaned:
        db.session.add(
            UnservedLift(
                plan_id=plan.id,
                lift_id=lift_id,
                reason=unserved_words.OUTBOUND_UNSERVED,
                detail="The outward lift could not be planned, so the return is left out too.",
            )
        )
    db.session.flush()
    return plan


def planned_since(day: dt.date, since: dt.datetime) -> bool:
    """True when a plan of ``day`` was made at or after ``since`` (a requested plan arrived)."""
    made = db.session.scalar(sa.select(sa.func.max(Plan.created_at)).where(Plan.day == day))
    if made is None:
        return False
    if made.tzinfo is None:
        made = made.replace(tzinfo=dt.UTC)  # SQLite keeps no zone; rows are written in UTC
    return bool(made >= since)


def get_plan(plan_id: int) -> Plan:
    """Return the plan or raise NotFound."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        msg = f"There is no plan number {plan_id}."
        raise NotFound(msg)
    return plan


def pin_lift(lift_id: int, volunteer_id: int | None, *, actor_id: int | None = None) -> LiftRequest:
    """Pin a lift to a driver (or unpin with None); the next plan keeps it with them."""
    lift = db.session.get(LiftRequest, lift_id)
    if lift is None:
        msg = f"There is no lift number {lift_id}."
        raise NotFound(msg)
    if not lift.is_open:
        msg = f"This lift is {lift.status.value.replace('_', ' ')}; it cannot be pinned."
        raise Conflict(msg)
    if volunteer_id is not None:
        driver = db.session.get(Volunteer, volunteer_id)
        if driver is None or not driver.is_driver:
            msg = f"Volunteer {volunteer_id} is not a driver."
            raise InvalidInput(msg, field="volunteer_id")
        decision = compliance.may_drive_on(driver, lift.day)
        if not decision:
            msg = f"{driver.full_name} may not drive on {lift.day:%-d %B}: {decision.summary()}"
            raise InvalidInput(msg, field="volunteer_id")
        if lift.wheelchair and not driver.wheelchair_accessible:
            msg = f"{driver.full_name}'s car does not take a wheelchair."
            raise InvalidInput(msg, field="volunteer_id")
    old = lift.pinned_volunteer_id
    lift.pinned_volunteer_id = volunteer_id
    record_change(
        actor_id=actor_id,
        action="pin",
        entity=lift,
        changes={"pinned_volunteer_id": (old, volunteer_id)},
    )
    db.session.commit()
    return lift
