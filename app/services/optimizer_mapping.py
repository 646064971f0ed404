"""The one translator between database rows and the optimizer's dataclasses (rota)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol
from typing import TypeVar

from app.errors import InvalidInput
from app.models import Gender
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import PlanStop
from app.models import StopKind
from app.models import Volunteer
from app.optimizer.types import Driver
from app.optimizer.types import LatLon
from app.optimizer.types import Lift
from app.optimizer.types import Problem
from app.optimizer.types import TimeWindow
from app.optimizer.types import UnderWay
from app.services.lifts import lift_priority
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
        # Read the resident's isolation tier now, at planning, so a screen or referral taken
        # after booking counts (issue 16); the lift's stored priority is not trusted for it.
        priority=max(1, lift_priority(row.purpose, resident)),
        required_attributes=frozenset({"female"})
        if resident.prefers_female_driver
        else frozenset(),
        blocked_driver_ids=blocked,
        pinned_driver_id=str(row.pinned_volunteer_id) if row.pinned_volunteer_id else None,
        published_driver_id=published[0] if published else None,
        published_pickup_s=published[1] if published else None,
        last_driver_id=last_driver_id,
    )


def driver_from_row(
    volunteer: Volunteer,
    windows: Sequence[tuple[dt.time, dt.time]],
    *,
    checks_valid_until: dt.date | None,
) -> Driver:
    """Translate a volunteer driver and their windows that day into the optimizer's Driver.

    ``checks_valid_until`` is the last day all their checks hold, from
    :func:`app.services.compliance.may_drive_on` (issue 13): the optimizer's "valid DBS" field
    carries it, so the solver and its validator refuse a driver whose licence check, insurance
    or MOT ran out as they refuse a lapsed DBS.
    """
    return Driver(
        id=str(volunteer.id),
        home=point(volunteer.lat, volunteer.lon, f"the home of {volunteer.full_name}"),
        availability=tuple(TimeWindow(seconds(a), seconds(b)) for a, b in windows),
        seats=volunteer.car_seats,
        wheelchair_spaces=volunteer.wheelchair_spaces,
        attributes=frozenset({"female"}) if volunteer.gender == Gender.FEMALE else frozenset(),
        dbs_valid_until=checks_valid_until,
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


class StopTimes(Protocol):
    """What :func:`settled_stops` reads of a stop: a stored ``PlanStop`` or a page's view."""

    @property
    def kind(self) -> str: ...
    @property
    def lift_id(self) -> int | None: ...
    @property
    def departure_s(self) -> int: ...
    @property
    def arrival_s(self) -> int: ...


AnyStop = TypeVar("AnyStop", bound=StopTimes)


# A car more than this from its next stop's arrival is not on its way there yet: it waits where
# it is (issue 13: a driver taken ill at 4:35pm kept a pickup due at 5:35pm).
HEADING_S = 30 * 60
# A lift on a published route that is not to be visited any more: a no-show, a cancellation, or
# one taken off the route (back to needing a driver, or left out by a re-plan).
GONE_STATUSES = frozenset(
    {
        LiftStatus.NO_SHOW,
        LiftStatus.CANCELLED,
        LiftStatus.LATE_CANCELLED,
        LiftStatus.REQUESTED,
        LiftStatus.UNSERVED,
    }
)


def outcome_sets(status: Mapping[int, LiftStatus]) -> tuple[frozenset[int], frozenset[int]]:
    """(collected and delivered, gone) lift ids from their recorded statuses.

    A lift recorded done was picked up and dropped off; see :data:`GONE_STATUSES`. The one
    reading of outcomes for :func:`settled_stops` (/today, taking a driver off, re-planning).
    """
    done = frozenset(i for i, st in status.items() if st == LiftStatus.COMPLETED)
    gone = frozenset(i for i, st in status.items() if st in GONE_STATUSES)
    return done, gone


def settled_stops(
    stops: Sequence[AnyStop],
    now_s: int,
    *,
    collected: Collection[int] = frozenset(),
    delivered: Collection[int] = frozenset(),
    gone: Collection[int] = frozenset(),
) -> list[AnyStop]:
    """The stops of a driver's published day that are done or under way at ``now_s``, in order.

    The one home of this rule (issue 13: /today says where each driver should be from it, and
    :func:`under_way_from_stops` starts a same-day re-plan from it). The last one is the stop
    the driver is at or heading for; the list is empty while they have not left home. See
    :func:`under_way_from_stops` for what counts as settled.
    """
    kept = [
        st
        for st in stops
        if st.lift_id is None
        or st.lift_id not in gone
        or (st.kind == StopKind.PICKUP and st.lift_id in collected)
        or (st.kind == StopKind.DROPOFF and st.lift_id in delivered)
    ]
    last = -1
    for k, st in enumerate(kept):
        by_outcome = st.lift_id is not None and (
            (st.kind == StopKind.PICKUP and st.lift_id in collected)
            or (st.kind == StopKind.DROPOFF and st.lift_id in delivered)
        )
        on_the_way = (
            k > 0
            and kept[k - 1].departure_s <= now_s
            and kept[k - 1].kind != StopKind.END
            and st.arrival_s - now_s <= HEADING_S
        )
        if by_outcome or on_the_way or (k == 0 and st.departure_s <= now_s):
            last = k
    if last < 0 or (last == 0 and kept[0].departure_s > now_s):
        return []
    return kept[: last + 1]


def under_way_from_stops(
    driver_id: str,
    stops: Sequence[PlanStop],
    now_s: int,
    *,
    collected: Collection[int] = frozenset(),
    delivered: Collection[int] = frozenset(),
    gone: Collection[int] = frozenset(),
) -> UnderWay | None:
    """Where a driver's published day stands at ``now_s``: the optimizer's route under way.

    ``stops`` are the driver's published stops in order (one or more START..END routes).
    A stop counts as *settled* (done, or frozen in progress) when its outcome is recorded
    (``collected``: lift ids picked up; ``delivered``: lift ids dropped off) or when the car
    has left the stop before it by ``now_s`` on the published times (the driver is on the way
    there; we do not know where a car is between stops, so the stop it is heading for is kept).
    Every stop before a settled one is settled. Stops of ``gone`` lifts (cancelled, no-show,
    declined) are skipped unless already settled by an outcome.

    A stop due more than ``HEADING_S`` from now is not yet headed for: the car waits at the
    stop before it. Returns ``None`` when the driver has not left home yet (plan them as any
    driver, from ``Problem.now_s``). Else the car is at the last settled stop, free when it
    ends (or now), with the riders picked up and not dropped off on board and the published
    driving of the settled legs counted.
    """
    settled = settled_stops(stops, now_s, collected=collected, delivered=delivered, gone=gone)
    if not settled:
        return None
    aboard: list[int] = []
    driven = 0
    for prev, st in zip(settled, settled[1:], strict=False):
        if st.kind != StopKind.START:
            driven += st.arrival_s - prev.departure_s
        if st.kind == StopKind.PICKUP and st.lift_id is not None and st.lift_id not in gone:
            aboard.append(st.lift_id)
        elif st.kind == StopKind.DROPOFF and st.lift_id in aboard:
            aboard.remove(st.lift_id)
    here = settled[-1]
    return UnderWay(
        driver_id=driver_id,
        position=LatLon(here.lat, here.lon),
        free_at_s=max(now_s, here.departure_s),
        on_board=tuple(str(lid) for lid in aboard),
        driven_s=driven,
    )


def with_named_friends(rows: Iterable[LiftRequest], lifts: Sequence[Lift]) -> list[Lift]:
    """Give each lift the lifts of the resident's named friend that day (``ride_with_id``):
    the planner's soft bonus for putting them in the same car (issue 12)."""
    resident_of = {str(row.id): row.resident_id for row in rows}
    friend_of = {row.resident_id: row.resident.ride_with_id for row in rows}
    by_resident: dict[int, list[str]] = {}
    for lift in lifts:
        by_resident.setdefault(resident_of[lift.id], []).append(lift.id)
    out = []
    for lift in lifts:
        friend = friend_of.get(resident_of[lift.id])
        theirs = by_resident.get(friend, []) if friend is not None else []
        out.append(replace(lift, ride_with=frozenset(theirs)) if theirs else lift)
    return out
