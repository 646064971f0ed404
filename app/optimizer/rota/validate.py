"""Independent checks of a plan against the rules (STYLE.md rule 14).

Written from the problem statement (issue 4), not from the OR-Tools model: it recomputes loads,
travel times, ride times, driving totals and every window from the problem and the travel
matrix, and trusts nothing the solver computed. Every plan must come back with no violation
before it is saved.

:func:`validate_plan` checks a day's :class:`~app.optimizer.types.RotaResult`;
:func:`validate_pdp` checks a generic solution (what the VROOM-compatible CLI prints).
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from app.optimizer.roads import TravelMatrix
from app.optimizer.roads import TravelTimes
from app.optimizer.types import LatLon
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
from app.optimizer.types import StopKind
from app.optimizer.types import TimeWindow

if TYPE_CHECKING:
    from app.optimizer.rota.pdptw import PdpProblem
    from app.optimizer.rota.pdptw import PdpSolution


class ViolationCause(StrEnum):
    """The closed list of ways a plan can break the rules."""

    DELAY = "delay"  # service starts after the window closes
    LEAD_TIME = "lead_time"  # service starts before the window opens
    SEATS = "seats"
    WHEELCHAIR = "wheelchair"
    PRECEDENCE = "precedence"  # drop-off before pickup, or on another route, or missing
    MAX_RIDE_TIME = "max_ride_time"
    SHIFT = "shift"  # outside the driver's availability, overlapping routes, route duration
    DRIVE_LIMIT = "drive_limit"  # daily driving time (or distance) limit
    DBS = "dbs"
    BLOCKED_PAIR = "blocked_pair"
    PREFERENCE = "preference"  # driver lacks an attribute the resident needs
    PINNED = "pinned"
    OUTBOUND_UNSERVED = "outbound_unserved"  # a return planned although its outbound is not
    ON_BOARD = "on_board"  # a rider on board not taken off by their own driver (or picked up)
    SKILLS = "skills"  # generic problems: vehicle lacks a skill or is not allowed
    UNKNOWN_LIFT = "unknown_lift"
    UNKNOWN_DRIVER = "unknown_driver"
    DUPLICATE = "duplicate"  # a lift served twice, or both served and unserved
    MISSING = "missing"  # a lift neither served nor reported unserved
    LOCATION = "location"  # a stop not where the lift or driver is
    TIMING = "timing"  # arrival before the car can get there, service before arrival, ...
    STRUCTURE = "structure"  # a route not starting/ending with its start/end stops
    TOTALS = "totals"  # reported loads, driving time or distance differ from the stops


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule, with what it concerns and a sentence for staff."""

    cause: ViolationCause
    lift_id: str | None
    driver_id: str | None
    detail: str


def validate_plan(
    problem: Problem, travel: TravelTimes | TravelMatrix, result: RotaResult
) -> list[Violation]:
    """Check every hard rule of the day on a plan; return what is broken (empty: valid).

    Parameters
    ----------
    problem
        The day's problem the plan claims to solve.
    travel
        Travel times, or the matrix over ``problem.points()`` in that order.
    result
        The plan.

    Returns
    -------
    list of Violation
        Empty when the plan keeps every rule.
    """
    points = problem.points()
    matrix = travel if isinstance(travel, TravelMatrix) else travel.matrix(points)
    where = {p: i for i, p in enumerate(points)}
    lifts = {lift.id: lift for lift in problem.lifts}
    drivers = {d.id: d for d in problem.drivers}
    out: list[Violation] = []

    def add(cause: ViolationCause, lift: str | None, driver: str | None, detail: str) -> None:
        out.append(Violation(cause, lift, driver, detail))

    def drive(a: LatLon, b: LatLon) -> tuple[int, int] | None:
        i, j = where.get(LatLon(*a)), where.get(LatLon(*b))
        if i is None or j is None:
            return None
        return int(matrix.duration_s[i, j]), int(matrix.distance_m[i, j])

    served: Counter[str] = Counter()
    drive_by_driver: dict[str, int] = defaultdict(int)
    spans_by_driver: dict[str, list[tuple[int, int]]] = defaultdict(list)
    aboard = problem.on_board()
    dropped_aboard: set[str] = set()
    first_route: dict[str, int] = {}  # a driver under way: their earliest route continues it
    for i, route in enumerate(result.routes):
        if route.stops and (
            route.driver_id not in first_route
            or route.stops[0].departure_s
            < result.routes[first_route[route.driver_id]].stops[0].departure_s
        ):
            first_route[route.driver_id] = i
    for i, route in enumerate(result.routes):
        d = drivers.get(route.driver_id)
        did = route.driver_id
        if d is None:
            add(ViolationCause.UNKNOWN_DRIVER, None, did, f"Unknown driver {did!r}.")
            continue
        stops = route.stops
        if (
            len(stops) < 2
            or stops[0].kind is not StopKind.START
            or stops[-1].kind is not StopKind.END
            or any(s.kind in (StopKind.START, StopKind.END) for s in stops[1:-1])
        ):
            add(ViolationCause.STRUCTURE, None, did, "The route must go start, stops, end.")
            continue
        if not d.dbs_valid_on(problem.day):
            add(ViolationCause.DBS, None, did, f"{did} has no DBS check valid on the day.")
        home = LatLon(*d.home)
        start, end = stops[0].departure_s, stops[-1].arrival_s
        uw = problem.under_way_of(did)
        # The route under way: the driver's first, from where the car is (issue 12).
        continues = uw is not None and first_route.get(did) == i
        if continues and uw is not None:
            if LatLon(*stops[0].location) != LatLon(*uw.position):
                add(ViolationCause.LOCATION, None, did, "The route under way starts elsewhere.")
            if LatLon(*stops[-1].location) != home:
                add(ViolationCause.LOCATION, None, did, "The route does not end at home.")
            now = uw.window(d)
            if start < uw.free_at_s or (now is not None and end > now.late_s):
                add(ViolationCause.SHIFT, None, did, "The route under way leaves its hours.")
        else:
            for s in (stops[0], stops[-1]):
                if LatLon(*s.location) != home:
                    add(ViolationCause.LOCATION, None, did, "The route does not start/end at home.")
            if not any(w.early_s <= start and end <= w.late_s for w in problem.hours_left(d)):
                add(
                    ViolationCause.SHIFT,
                    None,
                    did,
                    f"The route ({start}-{end} s) is not inside one availability window of {did}.",
                )
            if uw is not None and start < uw.free_at_s:
                add(ViolationCause.SHIFT, None, did, "A route starts before the driver is free.")
        spans_by_driver[did].append((start, end))
        seats = chairs = drive_s = dist_m = 0
        picked: dict[str, int] = {}  # lift -> pickup service end
        ride_limit: dict[str, int] = {}  # riders on board: the limit of the rest of their ride
        arrival: dict[str, tuple[int, int]] = {}  # riders on board: their drop-off window
        if continues and uw is not None:
            for lid in uw.on_board:
                rider = lifts[lid]
                seats += rider.seats
                chairs += 1 if rider.wheelchair else 0
                picked[lid] = start
                leg = drive(uw.position, rider.dropoff)
                window, limit = problem.rules_aboard(rider, uw, leg[0] if leg else 0)
                ride_limit[lid] = limit
                arrival[lid] = (window.early_s, window.late_s)
            if (stops[0].load_seats, stops[0].load_wheelchairs) != (seats, chairs):
                add(ViolationCause.TOTALS, None, did, "The load on leaving is wrong.")
            if now is None and any(s.kind is StopKind.PICKUP for s in stops):
                add(ViolationCause.SHIFT, None, did, "A new lift after the driver's hours.")
        prev = stops[0]
        for s in stops[1:]:
            leg = drive(prev.location, s.location)
            if leg is None:
                add(ViolationCause.LOCATION, s.lift_id, did, "A stop is not a known place.")
                leg = (0, 0)
            drive_s += leg[0]
            dist_m += leg[1]
            if s.arrival_s < prev.departure_s + leg[0]:
                add(
                    ViolationCause.TIMING,
                    s.lift_id,
                    did,
                    f"Arrives at {s.arrival_s} s but cannot be there before "
                    f"{prev.departure_s + leg[0]} s.",
                )
            if s.service_start_s < s.arrival_s:
                add(ViolationCause.TIMING, s.lift_id, did, "Service starts before arrival.")
            prev = s
            if s.kind is StopKind.END:
                break
            lift = lifts.get(s.lift_id or "")
            if lift is None:
                add(ViolationCause.UNKNOWN_LIFT, s.lift_id, did, f"Unknown lift {s.lift_id!r}.")
                continue
            lid = lift.id
            boarding = problem.boarding_of(lift)
            if s.departure_s < s.service_start_s + boarding:
                add(ViolationCause.TIMING, lid, did, f"Leaves before {boarding} s of boarding.")
            if lid in aboard and (s.kind is StopKind.PICKUP or aboard[lid] != did):
                add(ViolationCause.ON_BOARD, lid, did, "A rider on board is picked up again.")
            if s.kind is StopKind.PICKUP:
                served[lid] += 1
                if LatLon(*s.location) != LatLon(*lift.pickup):
                    add(
                        ViolationCause.LOCATION, lid, did, "The pickup is not at the lift's pickup."
                    )
                w = lift.pickup_window
                picked[lid] = s.service_start_s + boarding
                seats += lift.seats
                chairs += 1 if lift.wheelchair else 0
            else:
                if LatLon(*s.location) != LatLon(*lift.dropoff):
                    add(ViolationCause.LOCATION, lid, did, "The drop-off is not at its place.")
                w = lift.arrival_window
                if lid in arrival:
                    w = TimeWindow(*arrival[lid])
                    served[lid] += 1
                    dropped_aboard.add(lid)
                if lid not in picked:
                    add(ViolationCause.PRECEDENCE, lid, did, "Dropped off before being picked up.")
                else:
                    direct = drive(lift.pickup, lift.dropoff)
                    limit = problem.max_ride_of(lift, direct[0] if direct else 0)
                    limit = ride_limit.get(lid, limit)
                    ride = s.service_start_s - picked.pop(lid)
                    if ride > limit:
                        add(
                            ViolationCause.MAX_RIDE_TIME,
                            lid,
                            did,
                            f"Rides {ride} s, more than the maximum {limit} s.",
                        )
                seats -= lift.seats
                chairs -= 1 if lift.wheelchair else 0
            if w is not None and s.service_start_s > w.late_s:
                add(ViolationCause.DELAY, lid, did, f"Served at {s.service_start_s} s, late.")
            if w is not None and s.service_start_s < w.early_s:
                add(ViolationCause.LEAD_TIME, lid, did, f"Served at {s.service_start_s} s, early.")
            if seats > d.seats:
                add(ViolationCause.SEATS, lid, did, f"{seats} seats taken of {d.seats}.")
            if chairs > d.wheelchair_spaces:
                add(
                    ViolationCause.WHEELCHAIR,
                    lid,
                    did,
                    f"{chairs} wheelchairs aboard, {d.wheelchair_spaces} spaces.",
                )
            if (s.load_seats, s.load_wheelchairs) != (seats, chairs):
                add(ViolationCause.TOTALS, lid, did, "The reported load is wrong.")
            if did in lift.blocked_driver_ids:
                add(ViolationCause.BLOCKED_PAIR, lid, did, f"{did} is blocked for this resident.")
            if not lift.required_attributes <= d.attributes:
                add(ViolationCause.PREFERENCE, lid, did, f"{did} does not meet the preferences.")
            if lift.pinned_driver_id is not None and lift.pinned_driver_id != did:
                add(ViolationCause.PINNED, lid, did, f"Pinned to {lift.pinned_driver_id!r}.")
        for lid in picked:
            add(ViolationCause.PRECEDENCE, lid, did, "Picked up but never dropped off.")
        if (route.drive_s, route.distance_m) != (drive_s, dist_m):
            add(ViolationCause.TOTALS, None, did, "The route's driving totals are wrong.")
        drive_by_driver[did] += drive_s
    for lid, did in aboard.items():
        if lid not in dropped_aboard:
            add(ViolationCause.ON_BOARD, lid, did, "A rider on board is not taken off.")
    for did, total in drive_by_driver.items():
        uw = problem.under_way_of(did)
        total += 0 if uw is None else uw.driven_s
        max_drive = drivers[did].max_drive_s
        if max_drive is not None and total > max_drive:
            add(ViolationCause.DRIVE_LIMIT, None, did, f"Drives {total} s, limit {max_drive} s.")
    for did, spans in spans_by_driver.items():
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                add(ViolationCause.SHIFT, None, did, f"{did} has two routes at the same time.")
    for lid in served:
        outbound = lifts[lid].outbound_id if lid in lifts else None
        if outbound is not None and not served[outbound]:
            add(
                ViolationCause.OUTBOUND_UNSERVED,
                lid,
                None,
                f"The return is planned but its outward lift {outbound!r} is not.",
            )
    unserved = Counter(u.lift_id for u in result.unserved)
    for lid in set(served) | set(unserved):
        if served[lid] + unserved[lid] > 1:
            add(ViolationCause.DUPLICATE, lid, None, "The lift is served or listed twice.")
        if lid not in lifts:
            add(ViolationCause.UNKNOWN_LIFT, lid, None, f"Unknown lift {lid!r}.")
    for lid in lifts:
        if served[lid] + unserved[lid] == 0:
            add(ViolationCause.MISSING, lid, None, "The lift is neither planned nor unserved.")
    return out


def validate_pdp(p: PdpProblem, sol: PdpSolution) -> list[Violation]:
    """Check a generic solution against every constraint of its generic problem.

    Parameters
    ----------
    p
        The generic problem.
    sol
        The solution (routes with arrival and service start times).

    Returns
    -------
    list of Violation
        Empty when feasible; ``lift_id``/``driver_id`` hold the shipment/vehicle keys.
    """
    out: list[Violation] = []
    count: Counter[int] = Counter()
    used: Counter[int] = Counter()
    group_drive: dict[int, int] = defaultdict(int)
    for r in sol.routes:
        v = p.vehicles[r.vehicle]
        vk = v.key or str(r.vehicle)
        used[r.vehicle] += 1

        def add(cause: ViolationCause, s: int | None, detail: str, vk: str = vk) -> None:
            key = None if s is None else (p.shipments[s].key or str(s))
            out.append(Violation(cause, key, vk, detail))

        if r.start_time < v.time_window[0]:
            add(ViolationCause.SHIFT, None, "The route starts before the vehicle's window.")
        prev_loc, departure = v.start, r.start_time
        load = [0] * len(v.capacity)
        onboard: dict[int, int] = {}
        drive = dist = 0
        for st in r.stops:
            sh = p.shipments[st.shipment]
            loc = sh.pickup if st.is_pickup else sh.delivery
            leg = 0 if prev_loc is None else int(p.durations[prev_loc, loc])
            dist += 0 if prev_loc is None else int(p.distances[prev_loc, loc])
            drive += leg
            if st.arrival < departure + leg or st.service_start < st.arrival:
                add(ViolationCause.TIMING, st.shipment, "Arrives or starts too early.")
            windows = sh.pickup_windows if st.is_pickup else sh.delivery_windows
            if not any(a <= st.service_start <= b for a, b in windows):
                late = st.service_start > windows[-1][1]
                cause = ViolationCause.DELAY if late else ViolationCause.LEAD_TIME
                add(cause, st.shipment, f"Service at {st.service_start} outside its windows.")
            if not sh.skills <= v.skills or (
                sh.allowed_vehicles is not None and r.vehicle not in sh.allowed_vehicles
            ):
                add(ViolationCause.SKILLS, st.shipment, "The vehicle may not serve it.")
            if sh.pinned_vehicle is not None and sh.pinned_vehicle != r.vehicle:
                add(ViolationCause.PINNED, st.shipment, "Served by another vehicle than pinned.")
            service = sh.pickup_service if st.is_pickup else sh.delivery_service
            if st.is_pickup:
                count[st.shipment] += 1
                onboard[st.shipment] = st.service_start + service
                load = [a + b for a, b in zip(load, sh.amount, strict=True)]
            else:
                if st.shipment not in onboard:
                    add(ViolationCause.PRECEDENCE, st.shipment, "Delivered before its pickup.")
                else:
                    ride = st.service_start - onboard.pop(st.shipment)
                    if sh.max_ride_time is not None and ride > sh.max_ride_time:
                        add(ViolationCause.MAX_RIDE_TIME, st.shipment, f"Rides {ride}.")
                load = [a - b for a, b in zip(load, sh.amount, strict=True)]
            if any(a > c for a, c in zip(load, v.capacity, strict=True)):
                add(ViolationCause.SEATS, st.shipment, f"Load {load} over {v.capacity}.")
            prev_loc, departure = loc, st.service_start + service
        for s in onboard:
            add(ViolationCause.PRECEDENCE, s, "Picked up but never delivered.")
        leg = 0 if prev_loc is None or v.end is None else int(p.durations[prev_loc, v.end])
        dist += 0 if prev_loc is None or v.end is None else int(p.distances[prev_loc, v.end])
        drive += leg
        if r.end_time < departure + leg:
            add(ViolationCause.TIMING, None, "Back at the end before it can get there.")
        if r.end_time > v.time_window[1]:
            add(ViolationCause.SHIFT, None, "The route ends after the vehicle's window.")
        if v.max_route_duration is not None and r.end_time - r.start_time > v.max_route_duration:
            add(ViolationCause.SHIFT, None, "The route lasts longer than allowed.")
        if v.max_travel_time is not None and drive > v.max_travel_time:
            add(ViolationCause.DRIVE_LIMIT, None, f"Drives {drive}, limit {v.max_travel_time}.")
        if v.max_distance is not None and dist > v.max_distance:
            add(ViolationCause.DRIVE_LIMIT, None, f"Distance {dist}, limit {v.max_distance}.")
        for g, (group, _) in enumerate(p.shared_travel_limits):
            if r.vehicle in group:
                group_drive[g] += drive
    for g, (_, group_limit) in enumerate(p.shared_travel_limits):
        if group_drive[g] > group_limit:
            out.append(Violation(ViolationCause.DRIVE_LIMIT, None, None, "Shared limit exceeded."))
    for vi, n in used.items():
        if n > 1:
            out.append(Violation(ViolationCause.DUPLICATE, None, p.vehicles[vi].key, "Two routes."))
    for s in count:
        req = p.shipments[s].requires
        if req is not None and not count[req]:
            key = p.shipments[s].key or str(s)
            detail = "Served although the shipment it requires is not."
            out.append(Violation(ViolationCause.OUTBOUND_UNSERVED, key, None, detail))
    listed = Counter(sol.unserved)
    for s in range(len(p.shipments)):
        key = p.shipments[s].key or str(s)
        if count[s] + listed[s] > 1:
            out.append(Violation(ViolationCause.DUPLICATE, key, None, "Served or listed twice."))
        if count[s] + listed[s] == 0:
            out.append(Violation(ViolationCause.MISSING, key, None, "Neither served nor listed."))
    return out
