"""Build a day's plan directly from rows (routes and stops), for tests of publishing and texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.extensions import db
from app.models import LiftRequest
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import PlanStop
from app.models import StopKind
from app.models import UnservedLift
from app.models import Volunteer

# (lift, pickup seconds after midnight, drop-off seconds after midnight)
Leg = tuple[LiftRequest, int, int]


def hm(text: str) -> int:
    """'9:05' -> seconds after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def make_plan(
    day: dt.date,
    routes: Sequence[tuple[Volunteer, Sequence[Leg]]],
    *,
    status: PlanStatus = PlanStatus.DRAFT,
    unserved: Sequence[LiftRequest] = (),
) -> Plan:
    """A plan for ``day`` with one route per (driver, legs); stops in time order."""
    plan = Plan(day=day, status=status, solver_status="ok", stats={})
    db.session.add(plan)
    db.session.flush()
    for volunteer, legs in routes:
        route = PlanRoute(plan_id=plan.id, volunteer_id=volunteer.id, drive_s=0, distance_m=0)
        db.session.add(route)
        db.session.flush()
        events: list[tuple[int, StopKind, LiftRequest | None, float, float]] = []
        for lift, pickup_s, drop_s in legs:
            assert lift.pickup_lat is not None and lift.pickup_lon is not None
            assert lift.destination_lat is not None and lift.destination_lon is not None
            events.append((pickup_s, StopKind.PICKUP, lift, lift.pickup_lat, lift.pickup_lon))
            events.append(
                (drop_s, StopKind.DROPOFF, lift, lift.destination_lat, lift.destination_lon)
            )
        events.sort(key=lambda e: (e[0], e[1] != StopKind.DROPOFF))
        first = events[0][0] - 900 if events else hm("8:00")
        last = events[-1][0] + 900 if events else hm("18:00")
        lat, lon = volunteer.lat or 51.5, volunteer.lon or 0.1
        stops = [
            (first, StopKind.START, None, lat, lon),
            *events,
            (last, StopKind.END, None, lat, lon),
        ]
        for seq, (at, kind, stop_lift, stop_lat, stop_lon) in enumerate(stops):
            db.session.add(
                PlanStop(
                    route_id=route.id,
                    seq=seq,
                    kind=kind,
                    lift_id=stop_lift.id if stop_lift else None,
                    lat=stop_lat,
                    lon=stop_lon,
                    arrival_s=at,
                    service_start_s=at,
                    departure_s=at + 60 if kind in (StopKind.PICKUP, StopKind.DROPOFF) else at,
                )
            )
    for lift in unserved:
        db.session.add(UnservedLift(plan_id=plan.id, lift_id=lift.id, reason="no_driver_available"))
    db.session.commit()
    return plan
