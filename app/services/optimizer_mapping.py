"""The one translator between database rows and the optimizer's dataclasses (rota)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence

from app.errors import InvalidInput
from app.models import Gender
from app.models import LiftRequest
from app.models import PlanStop
from app.models import Volunteer
from app.optimizer.types import Driver
from app.optimizer.types import LatLon
from app.optimizer.types import Lift
from app.optimizer.types import Problem
from app.optimizer.types import TimeWindow
from app.services.lifts import seats_needed

# An arrival deadline "by 9:55" becomes "between 9:25 and 9:55": nobody is left waiting an hour
# outside a closed hall.
ARRIVAL_SLACK = dt.timedelta(minutes=30)
# A pickup time with no end ("from 14:00") becomes a 30-minute window.
PICKUP_SLACK = dt.timedelta(minutes=30)


def seconds(t: dt.time) -> int:
    """Seconds after local midnight."""
    return t.hour * 3600 + t.minute * 60 + t.second


def point(lat: float | None, lon: float | None, what: str) -> LatLon:
    """Return a LatLon, or refuse: a place without coordinates is never planned at (0, 0)."""
    if lat is None or lon is None:
        msg = f"We do not know where {what} is; add its postcode."
        raise InvalidInput(msg)
    return LatLon(lat, lon)


def lift_from_row(
    row: LiftRequest,
    *,
    blocked: frozenset[str] = frozenset(),
    published: tuple[str, int] | None = None,
    last_driver_id: str | None = None,
) -> Lift:
    """Translate one lift request into the optimizer's Lift."""
    pickup_window = None
    if row.pickup_earliest is not None:
        early = seconds(row.pickup_earliest)
        late = (
            seconds(row.pickup_latest)
            if row.pickup_latest
            else early + int(PICKUP_SLACK.total_seconds())
        )
        pickup_window = TimeWindow(early, late)
    arrival_window = None
    if row.arrive_by is not None:
        late = seconds(row.arrive_by)
        arrival_window = TimeWindow(max(0, late - int(ARRIVAL_SLACK.total_seconds())), late)
    resident = row.resident
    return Lift(
        id=str(row.id),
        pickup=point(row.pickup_lat, row.pickup_lon, f"the pickup of lift {row.id}"),
        dropoff=point(
            row.destination_lat, row.destination_lon, f"the destination of lift {row.id}"
        ),
        pickup_window=pickup_window,
        arrival_window=arrival_window,
        seats=seats_needed(row),
        wheelchair=row.wheelchair,
        priority=max(1, row.priority),
        required_attributes=frozenset({"female"})
        if resident.prefers_female_driver
        else frozenset(),
        blocked_driver_ids=blocked,
        pinned_driver_id=str(row.pinned_volunteer_id) if row.pinned_volunteer_id else None,
        published_driver_id=published[0] if published else None,
        published_pickup_s=published[1] if published else None,
        last_driver_id=last_driver_id,
    )


def driver_from_row(volunteer: Volunteer, windows: Sequence[tuple[dt.time, dt.time]]) -> Driver:
    """Translate a volunteer driver and their windows that day into the optimizer's Driver."""
    return Driver(
        id=str(volunteer.id),
        home=point(volunteer.lat, volunteer.lon, f"the home of {volunteer.full_name}"),
        availability=tuple(TimeWindow(seconds(a), seconds(b)) for a, b in windows),
        seats=volunteer.car_seats,
        wheelchair_spaces=volunteer.wheelchair_spaces,
        attributes=frozenset({"female"}) if volunteer.gender == Gender.FEMALE else frozenset(),
        dbs_valid_until=volunteer.dbs_valid_until,
        max_drive_s=volunteer.max_drive_minutes * 60,
    )


def build_problem(
    day: dt.date,
    lifts: Iterable[Lift],
    drivers: Iterable[Driver],
    *,
    ride_factor: float = 1.5,
    ride_extra_s: int = 20 * 60,
) -> Problem:
    """Assemble the day's problem (rules of the house: max(1.5 × direct, direct + 20 min))."""
    return Problem(
        day=day,
        lifts=tuple(lifts),
        drivers=tuple(drivers),
        ride_factor=ride_factor,
        ride_extra_s=ride_extra_s,
    )


def published_position(stops: Iterable[PlanStop]) -> dict[int, tuple[str, int]]:
    """Map lift id → (driver id, pickup time) from a published plan's pickup stops."""
    found: dict[int, tuple[str, int]] = {}
    for stop in stops:
        if stop.kind.value == "pickup" and stop.lift_id is not None:
            found[stop.lift_id] = (str(stop.route.volunteer_id), stop.service_start_s)
    return found
