"""A generic pickup-and-delivery problem with time windows (PDPTW), the solver's own language.

The rota's :class:`~app.optimizer.types.Problem`, VROOM's JSON input and the Li & Lim benchmark
instances are all translated into a :class:`PdpProblem`, and exactly one module
(:mod:`app.optimizer.rota.ortools_model`) solves it. Everything is an integer: locations are
indices into square ``durations``/``distances``/``costs`` matrices, times are seconds (or any
integer unit) on one clock, amounts are vectors matching the vehicles' capacities.

Semantics (shared with VROOM, plus our extensions):

* a route leaves the vehicle's ``start`` (if any) no earlier than ``time_window[0]`` and reaches
  its ``end`` (if any) no later than ``time_window[1]``;
* a stop's service starts inside one of its time windows (waiting is allowed) and lasts its
  ``service``; the driver then drives straight to the next stop;
* ``max_ride_time`` of a shipment bounds the time from the end of service at the pickup to the
  start of service at the delivery;
* ``max_route_duration`` bounds the time from leaving the start to arriving at the end;
  ``max_travel_time`` bounds the sum of driving times (VROOM's meaning);
* vehicles listed together in :attr:`PdpProblem.shared_travel_limits` share one driving limit
  (one volunteer available in two separate windows of the day).

The exact timing of a fixed sequence of stops lives in :mod:`~app.optimizer.rota.timing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from app.optimizer.errors import InvalidProblem

#: A window ``(early, late)``, both inclusive.
Window = tuple[int, int]

#: Stops of a route: ``(shipment index, is_pickup)``.
RouteStop = tuple[int, bool]

#: Times far in the future; large enough for a week in seconds or Li & Lim ×1000, and safe in int64.
HORIZON = 10**12


@dataclass(frozen=True, slots=True)
class PdpVehicle:
    """A vehicle of the generic problem.

    Parameters
    ----------
    start, end
        Location indices where the route starts and ends, or ``None`` for "anywhere" (zero travel).
    capacity
        One capacity per amount dimension.
    skills
        Skills the vehicle has; a shipment needs all of its skills to be present.
    time_window
        The route leaves the start no earlier than ``time_window[0]`` and is back by
        ``time_window[1]``.
    fixed_cost
        Cost added when the vehicle serves at least one shipment.
    max_route_duration
        Upper bound on arrival at the end minus departure from the start.
    max_travel_time
        Upper bound on the total driving time of the route.
    max_distance
        Upper bound on the total distance of the route.
    key
        Identifier carried through to the solution (a driver id, a VROOM vehicle id).
    """

    start: int | None
    end: int | None
    capacity: tuple[int, ...]
    skills: frozenset[int] = frozenset()
    time_window: Window = (0, HORIZON)
    fixed_cost: int = 0
    max_route_duration: int | None = None
    max_travel_time: int | None = None
    max_distance: int | None = None
    key: str = ""


@dataclass(frozen=True, slots=True)
class PdpShipment:
    """A request: picked up at one location, delivered at another by the same vehicle.

    Parameters
    ----------
    pickup, delivery
        Location indices.
    amount
        Load added at the pickup and removed at the delivery (one value per capacity dimension).
    pickup_service, delivery_service
        Service durations at each end.
    pickup_windows, delivery_windows
        Allowed service start windows, sorted and disjoint.
    skills
        Skills a vehicle needs to serve it.
    priority
        Non-negative weight: the penalty for leaving it unserved is
        ``unserved_penalty * (1 + priority)``.
    max_ride_time
        Upper bound on delivery service start minus pickup service end, or ``None``.
    allowed_vehicles
        Vehicle indices that may serve it (``None``: any with the skills).
    pinned_vehicle
        Vehicle index that must serve it, if served.
    previous_vehicles
        Vehicles that served it in the published plan (a cost for moving it elsewhere); a set
        because one driver available twice in a day is two vehicles.
    preferred_vehicles
        Vehicles preferred for continuity (a small cost for any other vehicle).
    planned_pickup
        Published pickup time (a cost per unit of time it moves beyond the tolerance).
    requires
        Index of a shipment that must be served for this one to be served (a return leg and
        its outbound: nobody is collected from a place they were never taken to).
    share_key
        Shipments with the same key aboard the same vehicle at the same time earn
        :attr:`PdpObjective.shared_ride_bonus` each (the same activity).
    friends
        Shipments of a named friend: aboard the same vehicle at the same time, both earn
        :attr:`PdpObjective.friend_ride_bonus` (symmetric: either naming the other is enough).
    key
        Identifier carried through to the solution (a lift id, a VROOM shipment id).
    """

    pickup: int
    delivery: int
    amount: tuple[int, ...]
    pickup_service: int = 0
    delivery_service: int = 0
    pickup_windows: tuple[Window, ...] = ((0, HORIZON),)
    delivery_windows: tuple[Window, ...] = ((0, HORIZON),)
    skills: frozenset[int] = frozenset()
    priority: int = 0
    max_ride_time: int | None = None
    allowed_vehicles: frozenset[int] | None = None
    pinned_vehicle: int | None = None
    previous_vehicles: frozenset[int] = frozenset()
    preferred_vehicles: frozenset[int] = frozenset()
    planned_pickup: int | None = None
    requires: int | None = None
    share_key: str | None = None
    friends: frozenset[int] = frozenset()
    key: str = ""


@dataclass(frozen=True, slots=True)
class PdpObjective:
    """Weights of the generic objective (all integers, in cost units).

    The cost of a solution is the sum of arc costs, each used vehicle's fixed cost, the
    penalties of unserved shipments, and the soft terms below.

    Parameters
    ----------
    unserved_penalty
        Base penalty of an unserved shipment, multiplied by ``1 + priority``; ``0`` means
        "large enough to dominate every other term" (computed from the data).
    moved_vehicle_cost
        Cost for serving a shipment with a vehicle not in its ``previous_vehicles``.
    preferred_vehicle_cost
        Cost for serving a shipment with a vehicle not in its ``preferred_vehicles``.
    shifted_time_cost
        Cost per time unit the pickup moves beyond ``shift_tolerance`` of ``planned_pickup``.
    shift_tolerance
        Moves of the pickup time up to this many time units are free.
    span_cost
        Cost per time unit of each route's duration (start to end, waiting included).
    fairness_cost
        Cost per time unit of the longest route's driving time (spreads the work).
    shared_ride_bonus
        Taken off the cost for each shipment aboard at the same time as another with its
        ``share_key`` (not modelled by the OR-Tools engine).
    friend_ride_bonus
        Taken off the cost for each shipment aboard at the same time as one of its
        ``friends`` (not modelled by the OR-Tools engine).
    vehicles_first
        ``True``: fewer vehicles before any cost (Li & Lim, the VROOM-format CLI's route
        minimisation); ``False``: a vehicle costs its ``fixed_cost`` and no more (the bureau,
        where a driver is worth ``Weights.driver_fixed_s`` of driving).
    """

    unserved_penalty: int = 0
    moved_vehicle_cost: int = 0
    preferred_vehicle_cost: int = 0
    shifted_time_cost: int = 0
    shift_tolerance: int = 0
    span_cost: int = 0
    fairness_cost: int = 0
    shared_ride_bonus: int = 0
    friend_ride_bonus: int = 0
    vehicles_first: bool = True


@dataclass(frozen=True, slots=True)
class PdpProblem:
    """A complete generic problem; checked on construction.

    Parameters
    ----------
    durations, distances
        Square int64 matrices over location indices (travel time, distance).
    vehicles, shipments
        The fleet and the requests.
    costs
        Arc cost matrix; ``None`` means "the durations".
    objective
        Weights of the objective.
    shared_travel_limits
        Groups of vehicle indices whose total driving time is bounded together.
    """

    durations: npt.NDArray[np.int64]
    distances: npt.NDArray[np.int64]
    vehicles: tuple[PdpVehicle, ...]
    shipments: tuple[PdpShipment, ...]
    costs: npt.NDArray[np.int64] | None = None
    objective: PdpObjective = field(default_factory=PdpObjective)
    shared_travel_limits: tuple[tuple[tuple[int, ...], int], ...] = ()

    def __post_init__(self) -> None:
        n = _check_matrix("durations", self.durations, None)
        _check_matrix("distances", self.distances, n)
        if self.costs is not None:
            _check_matrix("costs", self.costs, n)
        if not self.vehicles:
            msg = "The problem has no vehicles."
            raise InvalidProblem(msg)
        dims = len(self.vehicles[0].capacity)
        for v, veh in enumerate(self.vehicles):
            _check_vehicle(v, veh, n, dims)
        for s, sh in enumerate(self.shipments):
            _check_shipment(s, sh, n, dims, len(self.vehicles), len(self.shipments))
        for group, limit in self.shared_travel_limits:
            if limit < 0 or any(not 0 <= v < len(self.vehicles) for v in group):
                msg = f"shared_travel_limits has a bad group {group} or limit {limit}."
                raise InvalidProblem(msg)

    @property
    def cost_matrix(self) -> npt.NDArray[np.int64]:
        """Return the arc cost matrix (``costs`` if given, else ``durations``)."""
        return self.durations if self.costs is None else self.costs

    def dependants(self) -> dict[int, list[int]]:
        """Return, by shipment, the shipments that require it (its return legs)."""
        out: dict[int, list[int]] = {}
        for s, sh in enumerate(self.shipments):
            if sh.requires is not None:
                out.setdefault(sh.requires, []).append(s)
        return out

    def allowed_vehicles(self, s: int) -> list[int]:
        """Return the vehicle indices that may serve shipment ``s`` (skills, pins, lists)."""
        sh = self.shipments[s]
        out: list[int] = []
        for v, veh in enumerate(self.vehicles):
            if not sh.skills <= veh.skills:
                continue
            if sh.allowed_vehicles is not None and v not in sh.allowed_vehicles:
                continue
            if sh.pinned_vehicle is not None and v != sh.pinned_vehicle:
                continue
            if any(a > c for a, c in zip(sh.amount, veh.capacity, strict=True)):
                continue
            out.append(v)
        return out


def _check_matrix(name: str, m: npt.NDArray[np.int64], n: int | None) -> int:
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        msg = f"The {name} matrix is not square (shape {m.shape})."
        raise InvalidProblem(msg)
    if n is not None and m.shape[0] != n:
        msg = f"The {name} matrix has size {m.shape[0]}, expected {n}."
        raise InvalidProblem(msg)
    if m.size and int(m.min()) < 0:
        msg = f"The {name} matrix has a negative entry."
        raise InvalidProblem(msg)
    return int(m.shape[0])


def _check_window(what: str, w: Window) -> None:
    if w[0] > w[1]:
        msg = f"The {what} time window ends before it starts ({w[0]} > {w[1]})."
        raise InvalidProblem(msg)
    if w[0] < 0:
        msg = f"The {what} time window starts before zero ({w[0]})."
        raise InvalidProblem(msg)


def _check_windows(what: str, ws: tuple[Window, ...]) -> None:
    if not ws:
        msg = f"The {what} has no time window."
        raise InvalidProblem(msg)
    for w in ws:
        _check_window(what, w)
    for a, b in zip(ws, ws[1:], strict=False):
        if b[0] <= a[1]:
            msg = f"The {what} time windows overlap or are not sorted."
            raise InvalidProblem(msg)


def _check_location(what: str, loc: int | None, n: int) -> None:
    if loc is not None and not 0 <= loc < n:
        msg = f"The {what} has an unknown location index {loc} (matrix size {n})."
        raise InvalidProblem(msg)


def _check_vehicle(v: int, veh: PdpVehicle, n: int, dims: int) -> None:
    what = f"vehicle {veh.key or v}"
    _check_location(f"{what} start", veh.start, n)
    _check_location(f"{what} end", veh.end, n)
    if len(veh.capacity) != dims:
        msg = f"The {what} capacity has {len(veh.capacity)} dimensions, expected {dims}."
        raise InvalidProblem(msg)
    if any(c < 0 for c in veh.capacity):
        msg = f"The {what} has a negative capacity {veh.capacity}."
        raise InvalidProblem(msg)
    _check_window(what, veh.time_window)
    for name in ("fixed_cost", "max_route_duration", "max_travel_time", "max_distance"):
        value = getattr(veh, name)
        if value is not None and value < 0:
            msg = f"The {what} has a negative {name} ({value})."
            raise InvalidProblem(msg)


def _check_shipment(s: int, sh: PdpShipment, n: int, dims: int, nv: int, ns: int) -> None:
    what = f"shipment {sh.key or s}"
    _check_location(f"{what} pickup", sh.pickup, n)
    _check_location(f"{what} delivery", sh.delivery, n)
    if len(sh.amount) != dims:
        msg = f"The {what} amount has {len(sh.amount)} dimensions, expected {dims}."
        raise InvalidProblem(msg)
    if any(a < 0 for a in sh.amount):
        msg = f"The {what} has a negative amount {sh.amount}."
        raise InvalidProblem(msg)
    if sh.pickup_service < 0 or sh.delivery_service < 0:
        msg = f"The {what} has a negative service time."
        raise InvalidProblem(msg)
    _check_windows(f"{what} pickup", sh.pickup_windows)
    _check_windows(f"{what} delivery", sh.delivery_windows)
    if sh.priority < 0:
        msg = f"The {what} has a negative priority ({sh.priority})."
        raise InvalidProblem(msg)
    if sh.max_ride_time is not None and sh.max_ride_time < 0:
        msg = f"The {what} has a negative max_ride_time ({sh.max_ride_time})."
        raise InvalidProblem(msg)
    if sh.requires is not None and (sh.requires == s or not 0 <= sh.requires < ns):
        msg = f"The {what} requires an unknown shipment ({sh.requires})."
        raise InvalidProblem(msg)
    if sh.pinned_vehicle is not None and not 0 <= sh.pinned_vehicle < nv:
        msg = f"The {what} has an unknown pinned_vehicle ({sh.pinned_vehicle})."
        raise InvalidProblem(msg)
    for name in ("previous_vehicles", "preferred_vehicles", "allowed_vehicles"):
        values = getattr(sh, name) or frozenset()
        if any(not 0 <= v < nv for v in values):
            msg = f"The {what} has an unknown vehicle in {name} ({sorted(values)})."
            raise InvalidProblem(msg)


# --------------------------------------------------------------------------------------------
# Solutions


@dataclass(frozen=True, slots=True)
class PdpStopTime:
    """Timing of one stop of a generic route."""

    shipment: int
    is_pickup: bool
    arrival: int
    service_start: int


@dataclass(frozen=True, slots=True)
class PdpRoute:
    """One vehicle's route: its stops in order with times."""

    vehicle: int
    start_time: int
    stops: tuple[PdpStopTime, ...]
    end_time: int


@dataclass(frozen=True, slots=True)
class PdpSolution:
    """A generic solution: non-empty routes and the shipments left unserved."""

    routes: tuple[PdpRoute, ...]
    unserved: tuple[int, ...]
    objective: int = 0
    stats: dict[str, float] = field(default_factory=dict)


def travel(p: PdpProblem, a: int | None, b: int | None) -> int:
    """Return the driving time from location ``a`` to ``b`` (zero when either is ``None``)."""
    if a is None or b is None:
        return 0
    return int(p.durations[a, b])


def route_locations(p: PdpProblem, v: int, stops: Sequence[RouteStop]) -> list[int | None]:
    """Return the locations visited by vehicle ``v`` doing ``stops``, start and end included."""
    veh = p.vehicles[v]
    locs: list[int | None] = [veh.start]
    for s, is_pickup in stops:
        sh = p.shipments[s]
        locs.append(sh.pickup if is_pickup else sh.delivery)
    locs.append(veh.end)
    return locs


def shared_riders(p: PdpProblem, stops: Sequence[RouteStop]) -> int:
    """Count the shipments aboard at the same time as another with the same ``share_key``.

    Two rides overlap exactly when one is picked up while the other is aboard.
    """
    aboard: dict[str, set[int]] = {}
    shared: set[int] = set()
    for s, is_pickup in stops:
        key = p.shipments[s].share_key
        if key is None:
            continue
        group = aboard.setdefault(key, set())
        if is_pickup:
            if group:
                shared.add(s)
                shared.update(group)
            group.add(s)
        else:
            group.discard(s)
    return len(shared)


def riders_with_friends(p: PdpProblem, stops: Sequence[RouteStop]) -> int:
    """Count the shipments aboard at the same time as one of their ``friends`` (either way)."""
    aboard: set[int] = set()
    together: set[int] = set()
    for s, is_pickup in stops:
        if is_pickup:
            for o in aboard:
                if o in p.shipments[s].friends or s in p.shipments[o].friends:
                    together.update((s, o))
            aboard.add(s)
        else:
            aboard.discard(s)
    return len(together)


def route_totals(p: PdpProblem, v: int, stops: Sequence[RouteStop]) -> tuple[int, int, int]:
    """Return ``(driving time, distance, arc cost)`` of vehicle ``v`` doing ``stops``."""
    locs = route_locations(p, v, stops)
    cm = p.cost_matrix
    drive = dist = cost = 0
    for a, b in zip(locs, locs[1:], strict=False):
        if a is None or b is None:
            continue
        drive += int(p.durations[a, b])
        dist += int(p.distances[a, b])
        cost += int(cm[a, b])
    return drive, dist, cost


def tightened(p: PdpProblem) -> PdpProblem:
    """Return ``p`` with single time windows narrowed by direct travel and ride times.

    A pickup cannot start later than its delivery's window allows after the direct drive,
    and (with a maximum ride time) not earlier than the delivery window minus the ride time;
    symmetrically for the delivery. Every feasible solution stays feasible; the solver prunes
    more moves early (notes/ortools-pdptw.md, item 4).
    """
    out: list[PdpShipment] = []
    for sh in p.shipments:
        if len(sh.pickup_windows) != 1 or len(sh.delivery_windows) != 1:
            out.append(sh)
            continue
        (pe, pl), (de, dl) = sh.pickup_windows[0], sh.delivery_windows[0]
        direct = int(p.durations[sh.pickup, sh.delivery]) + sh.pickup_service
        pl = min(pl, dl - direct)
        de = max(de, pe + direct)
        if sh.max_ride_time is not None:
            ride = sh.max_ride_time + sh.pickup_service
            pe = max(pe, de - ride)
            dl = min(dl, pl + ride)
        if pe > pl or de > dl:
            out.append(sh)  # infeasible anyway; leave it for the prechecks to report
            continue
        out.append(replace(sh, pickup_windows=((pe, pl),), delivery_windows=((de, dl),)))
    return replace(p, shipments=tuple(out))
