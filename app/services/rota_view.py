"""What the rota page and the run sheets show: a day's plan as routes, timelines, map shapes.

Read-only: it loads a plan with everything the pages need in a few queries and turns it into
small dataclasses, so the templates never trigger lazy loads (the rota page with 40 routes must
answer fast, issue 7).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.extensions import db
from app.models import Activity
from app.models import DriverResponse
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Mobility
from app.models import Plan
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import PlanStop
from app.models import Resident
from app.models import StopKind
from app.models import UnservedLift
from app.models import Venue
from app.models import Volunteer
from app.services import clock
from app.services import compliance
from app.services import places
from app.services import plans
from app.services import unserved as unserved_words
from app.services.lifts import needs_in_words
from app.services.people import availability_on

# Distinguishable on screen and for the common colour-blindnesses (Okabe-Ito, then Tol).
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#332288",
    "#882255",
    "#117733",
    "#AA4499",
    "#44AA99",
    "#999933",
)
SECONDS_PER_DAY = 24 * 3600


@dataclass(frozen=True)
class StopView:
    """One stop as the page shows it."""

    seq: int
    kind: str
    arrival_s: int
    service_start_s: int
    departure_s: int
    lat: float
    lon: float
    lift_id: int | None
    resident_id: int | None
    resident_name: str
    resident_phone: str
    address: str
    postcode: str
    place: str
    needs: str
    notes: str
    pinned: bool
    leg: str
    dropped: str = ""  # "cancelled" when the lift was dropped after this plan was made
    status: str = ""  # the lift's status now (LiftStatus value), "" for a home stop

    @property
    def time(self) -> str:
        return clock.time_of_day(self.service_start_s)

    @functools.cached_property
    def where(self) -> str:
        """The stop's place by name with its address (a home: the address alone; issue 13)."""
        if self.lift_id is None:
            return "home"
        return places.place_and_address(self.place or None, self.address, self.postcode)


@dataclass(frozen=True)
class RouteView:
    """A driver's day: stops in order, totals, the answer to the text, a colour."""

    id: int
    volunteer_id: int
    driver_name: str
    driver_phone: str
    car: str
    response: str
    colour: str
    stops: tuple[StopView, ...]
    drive_s: int
    distance_m: int

    # Cached: the rota page asks each route for these several times (40 routes must render
    # within the page's p95 of 150 ms, benchmarks/web_load.py).
    @functools.cached_property
    def lift_stops(self) -> tuple[StopView, ...]:
        return tuple(s for s in self.stops if s.lift_id is not None)

    @functools.cached_property
    def lifts(self) -> int:
        return sum(1 for s in self.stops if s.kind == "pickup")

    @property
    def start_s(self) -> int:
        return self.stops[0].departure_s if self.stops else 0

    @property
    def end_s(self) -> int:
        return self.stops[-1].arrival_s if self.stops else 0


@dataclass(frozen=True)
class UnservedView:
    """A lift the plan leaves behind, why, and what would fix it."""

    lift: LiftRequest
    reason: str
    reason_text: str
    detail: str
    fix: str


@dataclass(frozen=True)
class DayView:
    """Everything the rota page shows for one day."""

    day: dt.date
    plan: Plan | None
    published: Plan | None
    freshness: plans.Freshness
    routes: tuple[RouteView, ...]
    unserved: tuple[UnservedView, ...]
    timeline_start_s: int
    timeline_end_s: int

    @property
    def is_draft(self) -> bool:
        return self.plan is not None and self.plan.status == PlanStatus.DRAFT

    @property
    def needs_replan(self) -> bool:
        """True when lifts were added, changed or dropped since the plan, or a driver declined."""
        return self.freshness.stale

    @property
    def responses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.routes:
            if r.lifts:
                counts[r.response] = counts.get(r.response, 0) + 1
        return counts

    def percent(self, seconds: int) -> float:
        """Where ``seconds`` falls on the timeline, 0–100."""
        span = max(1, self.timeline_end_s - self.timeline_start_s)
        return round(100.0 * (seconds - self.timeline_start_s) / span, 2)

    def map_data(self) -> dict[str, Any]:
        """Routes and unserved pickups as plain JSON for the map script."""
        return {
            "routes": [
                {
                    "id": r.id,
                    "driver": r.driver_name,
                    "colour": r.colour,
                    "points": [[round(s.lat, 5), round(s.lon, 5)] for s in r.stops],
                    "stops": [
                        [s.kind[0], s.time, s.resident_name]
                        for s in r.stops
                        if s.lift_id is not None
                    ],
                }
                for r in self.routes
                if r.lifts
            ],
            "unserved": [
                [
                    round(u.lift.pickup_lat or 0.0, 5),
                    round(u.lift.pickup_lon or 0.0, 5),
                    u.lift.resident.full_name,
                    u.reason_text,
                ]
                for u in self.unserved
                if u.lift.pickup_lat is not None
            ],
        }


def _plan_query(plan_id: int) -> Plan | None:
    return db.session.scalar(
        sa.select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.unserved)
            .selectinload(UnservedLift.lift)
            .options(
                selectinload(LiftRequest.resident), selectinload(LiftRequest.pinned_volunteer)
            ),
        )
    )


def _text(column: Any, name: str) -> Any:
    """An enum column read as its stored text: the page maps values itself (below), and turning
    ~4,000 values a page into enum members was a tenth of the loader's time (issue 13)."""
    return sa.type_coerce(column, sa.String()).label(name)


def _route_rows(where: Any) -> tuple[RouteView, ...]:
    """Routes and their stops in two flat queries: with 40 routes and 500 stops, building ORM
    objects costs more than the page is allowed (issue 7: p95 ≤ 150 ms)."""
    routes = db.session.execute(
        sa.select(
            PlanRoute.id,
            PlanRoute.volunteer_id,
            PlanRoute.response,
            PlanRoute.drive_s,
            PlanRoute.distance_m,
            Volunteer.first_name,
            Volunteer.last_name,
            Volunteer.phone,
            Volunteer.car_seats,
            Volunteer.wheelchair_spaces,
        )
        .join(Volunteer, Volunteer.id == PlanRoute.volunteer_id)
        .where(where)
        .order_by(PlanRoute.id)
    ).all()
    if not routes:
        return ()
    stops: dict[int, list[StopView]] = {r.id: [] for r in routes}
    rows = db.session.execute(
        sa.select(
            PlanStop.route_id,
            PlanStop.seq,
            _text(PlanStop.kind, "kind"),
            PlanStop.arrival_s,
            PlanStop.service_start_s,
            PlanStop.departure_s,
            PlanStop.lat,
            PlanStop.lon,
            LiftRequest.id.label("lift_id"),
            _text(LiftRequest.leg, "leg"),
            _text(LiftRequest.status, "status"),
            _text(LiftRequest.mobility, "mobility"),
            LiftRequest.escort,
            LiftRequest.notes,
            LiftRequest.pinned_volunteer_id,
            LiftRequest.pickup_address,
            LiftRequest.pickup_postcode,
            LiftRequest.destination_address,
            LiftRequest.destination_postcode,
            Resident.id.label("resident_id"),
            Resident.first_name,
            Resident.last_name,
            Resident.phone,
            Activity.name.label("activity"),
            Venue.name.label("venue"),
        )
        .join(PlanRoute, PlanRoute.id == PlanStop.route_id)
        .outerjoin(LiftRequest, LiftRequest.id == PlanStop.lift_id)
        .outerjoin(Resident, Resident.id == LiftRequest.resident_id)
        .outerjoin(Activity, Activity.id == LiftRequest.activity_id)
        .outerjoin(Venue, Venue.id == LiftRequest.venue_id)
        .where(where)
        .order_by(PlanStop.route_id, PlanStop.seq)
    ).all()
    # A 40-route day has ~1,000 stops but a handful of distinct needs and places: work each
    # out once (this loop was a third of the /today and rota pages' server time, issue 13).
    needs_of: dict[tuple[str, bool], str] = {}
    place_of: dict[tuple[str | None, str | None], str] = {}
    for row in rows:
        kind = _KINDS[row.kind]
        pickup = kind == "pickup"
        lifted = row.lift_id is not None
        leg = _LEGS[row.leg] if lifted else ""
        # The venue end of a lift: where it is dropped off going, or picked up coming home.
        at_venue = lifted and pickup == (leg == LiftLeg.RETURN.value)
        place = ""
        if at_venue:
            place = place_of.get((row.activity, row.venue), "")
            if not place:
                place = place_of[(row.activity, row.venue)] = places.place_name(
                    activity=row.activity, venue=row.venue
                )
        needs = ""
        if lifted:
            key = (row.mobility, bool(row.escort))
            if key not in needs_of:
                needs_of[key] = needs_in_words(Mobility(row.mobility), bool(row.escort))
            needs = needs_of[key]
        stops[row.route_id].append(
            StopView(
                seq=row.seq,
                kind=kind,
                arrival_s=row.arrival_s,
                service_start_s=row.service_start_s,
                departure_s=row.departure_s,
                lat=row.lat,
                lon=row.lon,
                lift_id=row.lift_id,
                resident_id=row.resident_id,
                resident_name=f"{row.first_name} {row.last_name}" if lifted else "",
                resident_phone=(row.phone or "") if lifted else "",
                address=((row.pickup_address if pickup else row.destination_address) or "")
                if lifted
                else "home",
                postcode=((row.pickup_postcode if pickup else row.destination_postcode) or "")
                if lifted
                else "",
                place=place,
                needs=needs,
                notes=(row.notes or "") if lifted else "",
                pinned=row.pinned_volunteer_id is not None,
                leg=leg,
                dropped=_DROPPED[row.status] if lifted else "",
                status=_STATUSES[row.status] if lifted else "",
            )
        )
    views = [
        RouteView(
            id=r.id,
            volunteer_id=r.volunteer_id,
            driver_name=f"{r.first_name} {r.last_name}",
            driver_phone=r.phone or "",
            car=f"{r.car_seats} seats"
            + (f", {r.wheelchair_spaces} wheelchair" if r.wheelchair_spaces else ""),
            response=DriverResponse(r.response).value,
            colour=PALETTE[i % len(PALETTE)],
            stops=tuple(stops[r.id]),
            drive_s=r.drive_s,
            distance_m=r.distance_m,
        )
        for i, r in enumerate(routes)
    ]
    views.sort(key=lambda v: (v.start_s, v.driver_name.split(" ")[-1]))
    return tuple(views)


def _dropped(status: str) -> str:
    """How a stop whose lift was dropped since the plan reads on the rota ("" when it stands)."""
    status = LiftStatus(status)
    return status.value.replace("_", " ") if status in plans.DROPPED_STATUSES else ""


# Stored values -> what a StopView holds, looked up once per stop rather than converted (a
# StrEnum member hashes as its value, so these answer for the member or the raw string).
_KINDS = {k.value: k.value for k in StopKind}
_LEGS = {leg.value: leg.value for leg in LiftLeg}
_STATUSES = {st.value: st.value for st in LiftStatus}
_DROPPED = {st.value: _dropped(st.value) for st in LiftStatus}


def _unserved(plan: Plan) -> tuple[UnservedView, ...]:
    rows = sorted(
        plan.unserved,
        key=lambda u: (
            u.lift.pickup_earliest or u.lift.arrive_by or dt.time(0),
            u.lift.resident.last_name,
        ),
    )
    return tuple(
        UnservedView(
            lift=u.lift,
            reason=u.reason,
            reason_text=unserved_words.words_for(u.reason).text,
            detail=u.detail,
            fix=unserved_words.words_for(u.reason).fix,
        )
        for u in rows
    )


def day_view(day: dt.date, *, plan_id: int | None = None) -> DayView:
    """``day``'s current plan (as :func:`plans.current_plan_id` decides), or ``plan_id``."""
    published = plans.published_plan(day)
    if plan_id is None:
        plan_id = plans.current_plan_id(day)
    plan = _plan_query(plan_id) if plan_id is not None else None
    routes = _route_rows(PlanRoute.plan_id == plan.id) if plan is not None else ()
    unserved = _unserved(plan) if plan is not None else ()
    busy = [r for r in routes if r.lifts]
    if busy:
        first = min(r.start_s for r in busy)
        last = max(r.end_s for r in busy)
    else:
        first, last = 8 * 3600, 18 * 3600
    # Whole hours either side, so the scale reads 07:00 … 18:00.
    start = max(0, (first // 3600) * 3600)
    end = min(SECONDS_PER_DAY, math.ceil(last / 3600) * 3600)
    if end <= start:
        end = start + 3600
    return DayView(
        day=day,
        plan=plan,
        published=published,
        freshness=plans.freshness(plan) if plan is not None else plans.Freshness(),
        routes=routes,
        unserved=unserved,
        timeline_start_s=start,
        timeline_end_s=end,
    )


def route_views(plan_id: int) -> tuple[RouteView, ...]:
    """Every route of a plan as the pages show them (flat queries; /today reads them too)."""
    return _route_rows(PlanRoute.plan_id == plan_id)


def route_view(route_id: int) -> tuple[dt.date, RouteView]:
    """One route of a plan, with its day, or NotFound."""
    route = db.session.get(PlanRoute, route_id)
    if route is None:
        msg = f"There is no route number {route_id}."
        raise NotFound(msg)
    (view,) = _route_rows(PlanRoute.id == route_id)
    return route.plan.day, view


@dataclass(frozen=True)
class DriverChoice:
    """A driver a lift could be pinned to, with why they might not suit."""

    id: int
    name: str
    windows: str
    warning: str


def driver_choices(lift: LiftRequest) -> list[DriverChoice]:
    """Active drivers for the lift's day: free ones first, with warnings staff should see."""
    drivers = db.session.scalars(
        sa.select(Volunteer)
        .where(Volunteer.is_driver.is_(True), Volunteer.active.is_(True))
        .options(selectinload(Volunteer.weekly), selectinload(Volunteer.exceptions))
        .order_by(Volunteer.last_name, Volunteer.first_name)
    ).all()
    out: list[DriverChoice] = []
    for v in drivers:
        windows = availability_on(v, lift.day)
        warning = ""
        decision = compliance.may_drive_on(v, lift.day)
        if not decision:
            warning = decision.reasons[0].rstrip(".")
        elif lift.wheelchair and not v.wheelchair_accessible:
            warning = "car takes no wheelchair"
        elif not windows:
            warning = "not free that day"
        out.append(
            DriverChoice(
                id=v.id,
                name=v.full_name,
                windows=", ".join(clock.time_range(a, b) for a, b in windows),
                warning=warning,
            )
        )
    out.sort(key=lambda c: (c.warning != "", c.name))
    return out


@dataclass(frozen=True)
class SvgMap:
    """A route drawn as an SVG polyline: for run sheets, printable in black and white."""

    width: int
    height: int
    points: tuple[tuple[float, float], ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


def svg_map(
    coords: Sequence[tuple[float, float]], *, width: int = 320, height: int = 220, pad: int = 16
) -> SvgMap:
    """Project (lat, lon) points to an SVG box (equirectangular, fine for a borough)."""
    if not coords:
        return SvgMap(width, height, ())
    lats = [c[0] for c in coords]
    lons = [c[1] for c in coords]
    kx = math.cos(math.radians(sum(lats) / len(lats)))
    min_x, max_x = min(lons) * kx, max(lons) * kx
    min_y, max_y = min(lats), max(lats)
    span = max(max_x - min_x, max_y - min_y, 1e-4)
    scale = min((width - 2 * pad) / span, (height - 2 * pad) / span)
    off_x = (width - (max_x - min_x) * scale) / 2
    off_y = (height - (max_y - min_y) * scale) / 2
    pts = tuple(
        (off_x + (lon * kx - min_x) * scale, height - (off_y + (lat - min_y) * scale))
        for lat, lon in coords
    )
    return SvgMap(width, height, pts)
