"""Translate a day's rota :class:`~app.optimizer.types.Problem` into the generic PDPTW and back.

Every driver availability window becomes one vehicle (start and end at home); a driver with
several windows shares one driving limit across them. Each lift becomes one shipment with two
capacity components ``(seats, wheelchair spaces)``; the rules that are not about time or load
(valid DBS, required attributes, blocked pairs, pins, accessible cars, enough seats) become the
shipment's allowed vehicles.

A route already under way (:class:`~app.optimizer.types.UnderWay`) becomes a vehicle starting at
the car's position when the driver is free (windows already over are dropped; the driving limit
is what is left of it). A rider on board becomes a shipment picked up *at that position, at that
time, with no boarding*, pinned to that vehicle and worth more than every other lift together:
the search and OR-Tools need no special case (the pickup can only be the route's first stop),
the car's seats are taken from the start, and :func:`to_routes` leaves that pickup out.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace

from app.optimizer.roads import TravelMatrix
from app.optimizer.rota.pdptw import PdpObjective
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpShipment
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpVehicle
from app.optimizer.rota.pdptw import Window
from app.optimizer.rota.pdptw import route_totals
from app.optimizer.types import DAY_S
from app.optimizer.types import Driver
from app.optimizer.types import LatLon
from app.optimizer.types import Lift
from app.optimizer.types import PlannedRoute
from app.optimizer.types import PlannedStop
from app.optimizer.types import Problem
from app.optimizer.types import StopKind
from app.optimizer.types import TimeWindow

_ANY_TIME: Window = (0, 2 * DAY_S)


@dataclass(frozen=True, slots=True)
class RotaModel:
    """A problem in generic form, with the maps back to drivers and lifts.

    Attributes
    ----------
    pdp
        The generic problem (shipment ``s`` is lift ``lift_of[s]``).
    points
        Places in matrix order (``problem.points()``).
    driver_of
        Vehicle index -> driver index.
    lift_of
        Shipment index -> lift index.
    carried
        Lift indices of the riders on board a car under way (their pickups are done).
    """

    problem: Problem
    pdp: PdpProblem
    points: tuple[LatLon, ...]
    driver_of: tuple[int, ...]
    lift_of: tuple[int, ...]
    carried: frozenset[int] = frozenset()

    def subset(self, lift_indices: list[int]) -> RotaModel:
        """Return the model restricted to some lifts (in the given order)."""
        by_lift = {lift: s for s, lift in enumerate(self.lift_of)}
        new_index = {by_lift[i]: k for k, i in enumerate(lift_indices)}
        shipments = []
        for i in lift_indices:
            sh = self.pdp.shipments[by_lift[i]]
            if sh.requires is not None:
                # A lift whose outward lift is left out must be left out too (prechecks).
                sh = replace(sh, requires=new_index[sh.requires])
            if sh.friends:
                kept = frozenset(new_index[f] for f in sh.friends if f in new_index)
                sh = replace(sh, friends=kept)
            shipments.append(sh)
        return replace(
            self, pdp=replace(self.pdp, shipments=tuple(shipments)), lift_of=tuple(lift_indices)
        )


def compatible(problem: Problem, lift: Lift, driver: Driver) -> bool:
    """Return whether ``driver`` may carry ``lift`` regardless of time (the non-time rules)."""
    return (
        driver.dbs_valid_on(problem.day)
        and driver.seats >= lift.seats
        and (not lift.wheelchair or driver.wheelchair_spaces >= 1)
        and lift.required_attributes <= driver.attributes
        and driver.id not in lift.blocked_driver_ids
        and (lift.pinned_driver_id is None or lift.pinned_driver_id == driver.id)
    )


def _window(w: TimeWindow | None) -> Window:
    return _ANY_TIME if w is None else (w.early_s, w.late_s)


def to_model(problem: Problem, matrix: TravelMatrix) -> RotaModel:
    """Build the generic problem of ``problem`` over ``matrix`` (ordered as ``points()``).

    Parameters
    ----------
    problem
        The day's problem.
    matrix
        Travel times and distances between ``problem.points()``, in that order.

    Returns
    -------
    RotaModel
        The generic problem and the maps back.
    """
    points = problem.points()
    index = {p: i for i, p in enumerate(points)}
    vehicles: list[PdpVehicle] = []
    driver_of: list[int] = []
    vehicles_of: dict[str, list[int]] = {}
    shared: list[tuple[tuple[int, ...], int]] = []
    w = problem.weights
    under_way_vehicle: dict[str, int] = {}  # driver id -> the vehicle under way
    closing: set[int] = set()  # under way after the driver's hours: riders on board only
    for d_i, d in enumerate(problem.drivers):
        home = index[LatLon(*d.home)]
        mine = []
        uw = problem.under_way_of(d.id)
        drive_limit = d.max_drive_s if uw is None else uw.remaining_drive_s(d)
        spans: list[tuple[int | None, Window]] = []  # (start place or home, window)
        if uw is None:
            spans = [(None, (a.early_s, a.late_s)) for a in problem.hours_left(d)]
        else:
            now = uw.window(d)
            pos = index[LatLon(*uw.position)]
            if now is None:
                closing.add(len(vehicles))
                spans = [(pos, (uw.free_at_s, 2 * DAY_S))]
            else:
                spans = [(pos, (now.early_s, now.late_s))]
                spans += [
                    (None, (a.early_s, a.late_s)) for a in d.availability if a.early_s > now.late_s
                ]
        for start, window in spans:
            if start is not None:
                under_way_vehicle[d.id] = len(vehicles)
            mine.append(len(vehicles))
            vehicles.append(
                PdpVehicle(
                    start=home if start is None else start,
                    end=home,
                    capacity=(d.seats, d.wheelchair_spaces),
                    time_window=window,
                    fixed_cost=w.driver_fixed_s,
                    max_travel_time=drive_limit,
                    key=d.id,
                )
            )
            driver_of.append(d_i)
        vehicles_of[d.id] = mine
        if len(mine) > 1 and drive_limit is not None:
            shared.append((tuple(mine), drive_limit))
    if not vehicles:
        # Keep the generic problem well formed; every lift will be reported unservable.
        vehicles.append(PdpVehicle(None, None, (0, 0), time_window=(0, 0), key=""))
        driver_of.append(-1)
    shipments = []
    lift_index = {lift.id: i for i, lift in enumerate(problem.lifts)}
    aboard = problem.on_board()
    # A rider on board outweighs every lift still to collect: never left in the street.
    must = sum(lift.priority for lift in problem.lifts) + 1
    for lift in problem.lifts:
        p, q = index[LatLon(*lift.pickup)], index[LatLon(*lift.dropoff)]
        boarding = problem.boarding_of(lift)
        if lift.id in aboard:
            shipments.append(
                _carried(problem, matrix, lift, index, under_way_vehicle[aboard[lift.id]], must)
            )
            continue
        direct = int(matrix.duration_s[p, q])
        allowed = frozenset(
            v
            for v, d_i in enumerate(driver_of)
            if d_i >= 0 and v not in closing and compatible(problem, lift, problem.drivers[d_i])
        )
        shipments.append(
            PdpShipment(
                pickup=p,
                delivery=q,
                amount=(lift.seats, 1 if lift.wheelchair else 0),
                pickup_service=boarding,
                delivery_service=boarding,
                pickup_windows=(_window(lift.pickup_window),),
                delivery_windows=(_window(lift.arrival_window),),
                priority=lift.priority - 1,
                max_ride_time=problem.max_ride_of(lift, direct),
                allowed_vehicles=allowed,
                previous_vehicles=frozenset(vehicles_of.get(lift.published_driver_id or "", [])),
                preferred_vehicles=frozenset(vehicles_of.get(lift.last_driver_id or "", [])),
                planned_pickup=lift.published_pickup_s,
                requires=None if lift.outbound_id is None else lift_index[lift.outbound_id],
                # The activity: where an outward lift goes, where a return comes from.
                share_key=f"from:{p}" if lift.outbound_id is not None else f"to:{q}",
                friends=frozenset(
                    lift_index[other] for other in lift.ride_with if other not in aboard
                ),
                key=lift.id,
            )
        )
    pdp = PdpProblem(
        durations=matrix.duration_s,
        distances=matrix.distance_m,
        vehicles=tuple(vehicles),
        shipments=tuple(shipments),
        objective=PdpObjective(
            moved_vehicle_cost=w.moved_lift_s,
            preferred_vehicle_cost=w.continuity_s,
            shifted_time_cost=w.shifted_time_per_s,
            shift_tolerance=w.shift_tolerance_s,
            fairness_cost=w.fairness,
            shared_ride_bonus=w.shared_ride_s,
            friend_ride_bonus=w.friend_ride_s,
            vehicles_first=False,
        ),
        shared_travel_limits=tuple(shared),
    )
    carried = frozenset(lift_index[lid] for lid in aboard)
    return RotaModel(
        problem, pdp, tuple(points), tuple(driver_of), tuple(range(len(shipments))), carried
    )


def keeping_published(model: RotaModel) -> RotaModel | None:
    """Return the model in which no published lift moves: the re-plan's hard rule (issue 12).

    A lift already published stays with its driver (when that driver is still in the problem
    and may still take it) and its pickup within ``Weights.shift_tolerance_s`` of the time the
    resident was told (when the lift's own window allows). ``None`` when nothing is published.
    The rule gives way only to serve a lift that would otherwise be dropped: ``solve_rota``
    solves this model first and the relaxed one only if lifts are left out.
    """
    tol = model.problem.weights.shift_tolerance_s
    out: list[PdpShipment] = []
    changed = False
    for s, sh in enumerate(model.pdp.shipments):
        if model.lift_of[s] in model.carried:
            out.append(sh)
            continue
        allowed = sh.allowed_vehicles
        if sh.previous_vehicles and allowed is not None and allowed & sh.previous_vehicles:
            allowed = allowed & sh.previous_vehicles
        windows = sh.pickup_windows
        if sh.planned_pickup is not None:
            lo, hi = sh.planned_pickup - tol, sh.planned_pickup + tol
            near = tuple((max(a, lo), min(b, hi)) for a, b in windows if a <= hi and b >= lo)
            if near:
                windows = near
        if allowed != sh.allowed_vehicles or windows != sh.pickup_windows:
            changed = True
            sh = replace(sh, allowed_vehicles=allowed, pickup_windows=windows)
        out.append(sh)
    if not changed:
        return None
    return replace(model, pdp=replace(model.pdp, shipments=tuple(out)))


def _carried(
    problem: Problem,
    matrix: TravelMatrix,
    lift: Lift,
    index: dict[LatLon, int],
    v: int,
    priority: int,
) -> PdpShipment:
    """Return the shipment of a rider on board vehicle ``v``: picked up where the car is, when
    it is free, in no time; then the drop-off under :meth:`Problem.rules_aboard`."""
    start = problem.under_way_of(problem.on_board()[lift.id])
    assert start is not None  # noqa: S101 - on_board() only names drivers under way
    pos, q = index[LatLon(*start.position)], index[LatLon(*lift.dropoff)]
    window, ride = problem.rules_aboard(lift, start, int(matrix.duration_s[pos, q]))
    return PdpShipment(
        pickup=pos,
        delivery=q,
        amount=(lift.seats, 1 if lift.wheelchair else 0),
        pickup_service=0,
        delivery_service=problem.boarding_of(lift),
        pickup_windows=((start.free_at_s, start.free_at_s),),
        delivery_windows=((window.early_s, window.late_s),),
        priority=priority,
        max_ride_time=ride,
        allowed_vehicles=frozenset({v}),
        pinned_vehicle=v,
        share_key=None,
        key=lift.id,
    )


def to_routes(model: RotaModel, sol: PdpSolution) -> tuple[PlannedRoute, ...]:
    """Turn the generic routes of ``sol`` into drivers' planned routes."""
    problem, pdp = model.problem, model.pdp
    routes = []
    for r in sol.routes:
        driver = problem.drivers[model.driver_of[r.vehicle]]
        home = LatLon(*driver.home)
        veh = pdp.vehicles[r.vehicle]
        start = home if veh.start is None else model.points[veh.start]
        seats = chairs = 0
        for st in r.stops:  # riders on board are in the car from the start
            if st.is_pickup and model.lift_of[st.shipment] in model.carried:
                seats += pdp.shipments[st.shipment].amount[0]
                chairs += pdp.shipments[st.shipment].amount[1]
        t0 = r.start_time
        stops = [PlannedStop(StopKind.START, None, start, t0, t0, t0, seats, chairs)]
        for st in r.stops:
            sh = pdp.shipments[st.shipment]
            lift = problem.lifts[model.lift_of[st.shipment]]
            if st.is_pickup and model.lift_of[st.shipment] in model.carried:
                continue
            sign = 1 if st.is_pickup else -1
            seats += sign * sh.amount[0]
            chairs += sign * sh.amount[1]
            service = sh.pickup_service if st.is_pickup else sh.delivery_service
            stops.append(
                PlannedStop(
                    StopKind.PICKUP if st.is_pickup else StopKind.DROPOFF,
                    lift.id,
                    LatLon(*(lift.pickup if st.is_pickup else lift.dropoff)),
                    st.arrival,
                    st.service_start,
                    st.service_start + service,
                    seats,
                    chairs,
                )
            )
        stops.append(
            PlannedStop(StopKind.END, None, home, r.end_time, r.end_time, r.end_time, 0, 0)
        )
        drive, dist, _ = route_totals(pdp, r.vehicle, [(s.shipment, s.is_pickup) for s in r.stops])
        routes.append(PlannedRoute(driver.id, tuple(stops), drive, dist))
    return tuple(routes)
