"""The only module that imports OR-Tools routing: build, solve and extract a generic PDPTW.

The build follows the OR-Tools samples' order, one small function per step. What helped and
why is in ``notes/ortools-pdptw.md``; the choices here, in short:

* transit times and costs are registered as matrices (``RegisterTransitMatrix``), never as
  Python callbacks (about 3× more search per second);
* every shipment is optional with a large penalty (mandatory requests make the first-solution
  heuristics fail at once on tight instances);
* fewer vehicles come mostly from *route elimination*: solve, empty the smallest route, warm
  start without that vehicle, keep the result as soon as every served shipment is served again;
* the remaining time goes to *ruin and recreate*: remove a group of related requests, let
  OR-Tools re-insert them and descend to a local optimum, keep improvements (record-to-record).
  Guided local search alone kept returning to the same local optimum on Li & Lim; this cut the
  mean distance gap on the hard instances from about 16 % to about 5 % (issue 4 report);
* routes are timed afterwards by :mod:`~app.optimizer.rota.timing` (the one module that times
  a route, shared with the search), not read from the solver's cumul variables.

Since issue 12 the product's default engine is the search of :mod:`~app.optimizer.rota.lns`
(composed in :mod:`~app.optimizer.rota.search`); this module gives it a first solution when
``SearchParams.construction`` is ``"ortools"`` and is the model the tests check it against
(``SolveParams(engine="ortools")``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp
from ortools.constraint_solver import routing_enums_pb2

from app.optimizer.rota.lns import solution_key
from app.optimizer.rota.pdptw import HORIZON
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpRoute
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpStopTime
from app.optimizer.rota.pdptw import RouteStop
from app.optimizer.rota.timing import RouteTimer
from app.optimizer.rota.timing import schedule_route
from app.optimizer.types import SolveParams

#: ``progress(elapsed_s, time_limit_s)``, called on each new solution.
ProgressCallback = Callable[[float, float], None]

# Shares of the time limit: the first search when route elimination follows, each
# elimination attempt, and the reserve kept to polish the final routes; failed elimination
# attempts in a row before polishing; ruin size; cap of one descent; record-to-record slack
# (measured on 14 hard Li & Lim instances, see benchmarks/li_lim.py and the issue 4 report).
_FIRST_SHARE = 0.15
_FIRST_SHARE_LARGE = 0.4
_LARGE = 80
_ATTEMPT_SHARE = 0.12
_POLISH_SHARE = 0.45
_MAX_FAILURES = 2
_MIN_ATTEMPT_S = 0.2
_RUIN_MAX = 12
_DESCENT_S = 1.0
_RRT_SLACK = 0.01


@dataclass(slots=True)
class _Model:
    """An OR-Tools model of one generic problem restricted to some vehicles."""

    p: PdpProblem
    vehicles: list[int]  # model vehicle -> problem vehicle
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    timer: RouteTimer


def _node_locations(p: PdpProblem, vehicles: Sequence[int]) -> npt.NDArray[np.int64]:
    """Location of each node: pickups and deliveries first, then vehicle starts and ends."""
    n_loc = p.durations.shape[0]  # the padded "nowhere" location
    locs = []
    for sh in p.shipments:
        locs += [sh.pickup, sh.delivery]
    for v in vehicles:
        veh = p.vehicles[v]
        locs.append(n_loc if veh.start is None else veh.start)
    for v in vehicles:
        veh = p.vehicles[v]
        locs.append(n_loc if veh.end is None else veh.end)
    return np.asarray(locs, dtype=np.int64)


def _padded(m: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Add a zero row and column for "nowhere" (a vehicle without start or end)."""
    return np.pad(m, ((0, 1), (0, 1)))


def _new_model(p: PdpProblem, vehicles: Sequence[int], timer: RouteTimer) -> _Model:
    """Create the index manager and routing model over all shipments and ``vehicles``."""
    s2 = 2 * len(p.shipments)
    nv = len(vehicles)
    starts = [s2 + i for i in range(nv)]
    ends = [s2 + nv + i for i in range(nv)]
    manager = pywrapcp.RoutingIndexManager(s2 + 2 * nv, nv, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    return _Model(p, list(vehicles), manager, routing, None, timer)


def _register_travel_time(m: _Model, locs: npt.NDArray[np.int64]) -> int:
    """Register service-at-origin plus driving time between nodes as one transit matrix."""
    p = m.p
    service = np.zeros(len(locs), dtype=np.int64)
    for s, sh in enumerate(p.shipments):
        service[2 * s] = sh.pickup_service
        service[2 * s + 1] = sh.delivery_service
    d = _padded(p.durations)[np.ix_(locs, locs)] + service[:, None]
    return int(m.routing.RegisterTransitMatrix(d.tolist()))


def _horizon(p: PdpProblem) -> int:
    lates = [veh.time_window[1] for veh in p.vehicles]
    for sh in p.shipments:
        lates += [sh.pickup_windows[-1][1], sh.delivery_windows[-1][1]]
    finite = [x for x in lates if x < HORIZON]
    if len(finite) == len(lates):
        return max(finite)
    # No time windows: the longest conceivable day (every arc and service once) is enough.
    service = sum(sh.pickup_service + sh.delivery_service for sh in p.shipments)
    bound = int(p.durations.max(initial=0)) * (2 * len(p.shipments) + 2) + service
    return min(HORIZON, max([*finite, 0]) + bound)


def _add_time_dimension(m: _Model, transit: int) -> None:
    """Add the time dimension with windows, vehicle shifts and route-duration bounds."""
    p, routing, manager = m.p, m.routing, m.manager
    horizon = _horizon(p)
    routing.AddDimension(transit, horizon, horizon, False, "time")
    m.time = routing.GetDimensionOrDie("time")
    for s, sh in enumerate(p.shipments):
        for node, ws in ((2 * s, sh.pickup_windows), (2 * s + 1, sh.delivery_windows)):
            cumul = m.time.CumulVar(manager.NodeToIndex(node))
            cumul.SetRange(ws[0][0], min(ws[-1][1], horizon))
            for a, b in zip(ws, ws[1:], strict=False):
                cumul.RemoveInterval(a[1] + 1, b[0] - 1)
    for i, v in enumerate(m.vehicles):
        veh = p.vehicles[v]
        early, late = veh.time_window[0], min(veh.time_window[1], horizon)
        m.time.CumulVar(routing.Start(i)).SetRange(early, late)
        m.time.CumulVar(routing.End(i)).SetRange(early, late)
        if veh.max_route_duration is not None:
            m.time.SetSpanUpperBoundForVehicle(veh.max_route_duration, i)
        # Ask the finaliser for late departures and early arrivals (short days).
        routing.AddVariableMaximizedByFinalizer(m.time.CumulVar(routing.Start(i)))
        routing.AddVariableMinimizedByFinalizer(m.time.CumulVar(routing.End(i)))


def _add_capacities(m: _Model) -> None:
    """Add one load dimension per amount component (seats, wheelchairs, ...)."""
    p = m.p
    dims = len(p.vehicles[0].capacity)
    n_nodes = 2 * len(p.shipments) + 2 * len(m.vehicles)
    for k in range(dims):
        demand = [0] * n_nodes
        for s, sh in enumerate(p.shipments):
            demand[2 * s] = sh.amount[k]
            demand[2 * s + 1] = -sh.amount[k]
        if not any(demand):
            continue
        idx = m.routing.RegisterUnaryTransitVector(demand)
        caps = [p.vehicles[v].capacity[k] for v in m.vehicles]
        m.routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, f"load{k}")


def _add_travel_limits(m: _Model, locs: npt.NDArray[np.int64]) -> None:
    """Bound each route's driving time and distance, alone and within shared groups."""
    p, routing = m.p, m.routing
    in_model = {v: i for i, v in enumerate(m.vehicles)}
    groups = [(g, lim) for g, lim in p.shared_travel_limits if any(v in in_model for v in g)]
    fairness = p.objective.fairness_cost > 0
    need_drive = fairness or groups or any(p.vehicles[v].max_travel_time for v in m.vehicles)
    if need_drive or any(p.vehicles[v].max_travel_time is not None for v in m.vehicles):
        drive = _padded(p.durations)[np.ix_(locs, locs)]
        idx = routing.RegisterTransitMatrix(drive.tolist())
        caps = [_cap(p.vehicles[v].max_travel_time) for v in m.vehicles]
        routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, "drive")
        dim = routing.GetDimensionOrDie("drive")
        solver = routing.solver()
        for group, limit in groups:
            ends = [dim.CumulVar(routing.End(in_model[v])) for v in group if v in in_model]
            if len(ends) > 1:
                solver.Add(solver.Sum(ends) <= limit)
            elif ends:
                ends[0].SetMax(limit)
        if fairness:
            dim.SetGlobalSpanCostCoefficient(p.objective.fairness_cost)
    if any(p.vehicles[v].max_distance is not None for v in m.vehicles):
        dist = _padded(p.distances)[np.ix_(locs, locs)]
        idx = routing.RegisterTransitMatrix(dist.tolist())
        caps = [_cap(p.vehicles[v].max_distance) for v in m.vehicles]
        routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, "distance")


def _cap(x: int | None) -> int:
    return HORIZON if x is None else x


def _add_pickup_delivery(m: _Model) -> None:
    """Pair each pickup with its delivery: same vehicle, pickup first, bounded ride time."""
    routing, manager, solver = m.routing, m.manager, m.routing.solver()
    for s, sh in enumerate(m.p.shipments):
        pi, di = manager.NodeToIndex(2 * s), manager.NodeToIndex(2 * s + 1)
        routing.AddPickupAndDelivery(pi, di)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
        solver.Add(routing.ActiveVar(pi) == routing.ActiveVar(di))
        solver.Add(m.time.CumulVar(pi) <= m.time.CumulVar(di))
        if sh.max_ride_time is not None:
            # Ride time runs from the end of service at the pickup (issue 4).
            solver.Add(
                m.time.CumulVar(di) - m.time.CumulVar(pi) <= sh.max_ride_time + sh.pickup_service
            )


def unserved_penalty(p: PdpProblem) -> int:
    """Return the base penalty of an unserved shipment (explicit, or dominating all costs)."""
    if p.objective.unserved_penalty > 0:
        return p.objective.unserved_penalty
    o = p.objective
    nodes = 2 * len(p.shipments) + len(p.vehicles)
    arcs = int(p.cost_matrix.max(initial=0)) * nodes
    extras = len(p.shipments) * (o.moved_vehicle_cost + o.preferred_vehicle_cost)
    span = o.span_cost * _horizon(p) * len(p.vehicles) if o.span_cost else 0
    fair = o.fairness_cost * int(p.durations.max(initial=0)) * nodes
    return sum(veh.fixed_cost for veh in p.vehicles) + arcs + extras + span + fair + 1


def _add_optional_lifts(m: _Model) -> None:
    """Make every shipment optional, with a penalty growing with its priority."""
    base = unserved_penalty(m.p)
    for s, sh in enumerate(m.p.shipments):
        penalty = base * (1 + sh.priority)
        for node in (2 * s, 2 * s + 1):
            m.routing.AddDisjunction([m.manager.NodeToIndex(node)], penalty)


def _restrict_vehicles(m: _Model) -> None:
    """Allow each shipment only on vehicles with its skills, capacity, pins and lists."""
    in_model = {v: i for i, v in enumerate(m.vehicles)}
    for s in range(len(m.p.shipments)):
        allowed = [in_model[v] for v in m.p.allowed_vehicles(s) if v in in_model]
        if len(allowed) == len(m.vehicles):
            continue
        for node in (2 * s, 2 * s + 1):
            index = m.manager.NodeToIndex(node)
            if allowed:
                # SetAllowedVehiclesForIndex's SWIG binding rejects every Python sequence in
                # 9.15 (absl::Span); restricting the vehicle variable's domain is equivalent.
                banned = sorted(set(range(len(m.vehicles))) - set(allowed))
                m.routing.VehicleVar(index).RemoveValues(banned)
            else:
                m.routing.ActiveVar(index).SetValue(0)


def _register_costs(m: _Model, locs: npt.NDArray[np.int64]) -> None:
    """Register arc costs, per vehicle class when stability or continuity make them differ."""
    p, routing = m.p, m.routing
    o = p.objective
    base = _padded(p.cost_matrix)[np.ix_(locs, locs)]
    extras: dict[int, npt.NDArray[np.int64]] = {}
    for s, sh in enumerate(p.shipments):
        for targets, cost in (
            (sh.previous_vehicles, o.moved_vehicle_cost),
            (sh.preferred_vehicles, o.preferred_vehicle_cost),
        ):
            if not targets or cost == 0:
                continue
            # Every other vehicle pays ``cost`` for leaving this pickup.
            for i, v in enumerate(m.vehicles):
                if v not in targets:
                    extra = extras.setdefault(i, np.zeros(len(locs), dtype=np.int64))
                    extra[2 * s] += cost
    if not extras:
        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(base.tolist()))
    else:
        by_pattern: dict[bytes, int] = {}
        zero = np.zeros(len(locs), dtype=np.int64)
        for i in range(len(m.vehicles)):
            extra = extras.get(i, zero)
            key = extra.tobytes()
            if key not in by_pattern:
                by_pattern[key] = routing.RegisterTransitMatrix((base + extra[:, None]).tolist())
            routing.SetArcCostEvaluatorOfVehicle(by_pattern[key], i)
    for i, v in enumerate(m.vehicles):
        routing.SetFixedCostOfVehicle(p.vehicles[v].fixed_cost, i)
    if o.span_cost:
        m.time.SetSpanCostCoefficientForAllVehicles(o.span_cost)
    if o.shifted_time_cost:
        for s, sh in enumerate(p.shipments):
            if sh.planned_pickup is None:
                continue
            index = m.manager.NodeToIndex(2 * s)
            m.time.SetCumulVarSoftUpperBound(
                index, sh.planned_pickup + o.shift_tolerance, o.shifted_time_cost
            )
            m.time.SetCumulVarSoftLowerBound(
                index, max(0, sh.planned_pickup - o.shift_tolerance), o.shifted_time_cost
            )


def _build(p: PdpProblem, vehicles: Sequence[int], timer: RouteTimer) -> _Model:
    m = _new_model(p, vehicles, timer)
    locs = _node_locations(p, vehicles)
    transit = _register_travel_time(m, locs)
    _add_time_dimension(m, transit)
    _add_capacities(m)
    _add_travel_limits(m, locs)
    _add_pickup_delivery(m)
    _add_optional_lifts(m)
    _restrict_vehicles(m)
    _register_costs(m, locs)
    return m


def _search_parameters(
    params: SolveParams, time_limit_s: float
) -> pywrapcp.DefaultRoutingSearchParameters:
    """Translate the solve parameters into OR-Tools search parameters."""
    sp = pywrapcp.DefaultRoutingSearchParameters()
    fss = routing_enums_pb2.FirstSolutionStrategy
    lsm = routing_enums_pb2.LocalSearchMetaheuristic
    sp.first_solution_strategy = getattr(fss, params.first_solution.upper())
    sp.local_search_metaheuristic = getattr(lsm, params.metaheuristic.upper())
    sp.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit is not None:
        sp.solution_limit = params.solution_limit
    sp.log_search = params.log_search
    return sp


def _routes_of(m: _Model, assignment: pywrapcp.Assignment) -> list[list[RouteStop]]:
    """Read the stops of every model vehicle from an assignment."""
    out: list[list[RouteStop]] = []
    for i in range(len(m.vehicles)):
        stops: list[RouteStop] = []
        index = assignment.Value(m.routing.NextVar(m.routing.Start(i)))
        while not m.routing.IsEnd(index):
            node = m.manager.IndexToNode(index)
            stops.append((node // 2, node % 2 == 0))
            index = assignment.Value(m.routing.NextVar(index))
        out.append(stops)
    return out


def _cumuls_of(m: _Model, assignment: pywrapcp.Assignment, i: int) -> list[int]:
    hints: list[int] = []
    index = assignment.Value(m.routing.NextVar(m.routing.Start(i)))
    while not m.routing.IsEnd(index):
        hints.append(int(assignment.Value(m.time.CumulVar(index))))
        index = assignment.Value(m.routing.NextVar(index))
    return hints


def _extract(m: _Model, assignment: pywrapcp.Assignment) -> PdpSolution:
    """Turn an assignment into a timed :class:`PdpSolution` (empty routes left out)."""
    p = m.p
    routes: list[PdpRoute] = []
    served: set[int] = set()
    for i, stops in enumerate(_routes_of(m, assignment)):
        if not stops:
            continue
        v = m.vehicles[i]
        timed = schedule_route(p, v, stops, m.timer)
        if timed is None:  # cannot happen for a feasible assignment; keep the solver's times
            hints = _cumuls_of(m, assignment, i)
            start = int(assignment.Value(m.time.CumulVar(m.routing.Start(i))))
            end = int(assignment.Value(m.time.CumulVar(m.routing.End(i))))
            timed = (start, hints, end)
        start, starts, end = timed
        stop_times = []
        prev_loc = p.vehicles[v].start
        departure = start
        for (s, is_pickup), service_start in zip(stops, starts, strict=True):
            sh = p.shipments[s]
            loc = sh.pickup if is_pickup else sh.delivery
            arrival = departure + (0 if prev_loc is None else int(p.durations[prev_loc, loc]))
            stop_times.append(PdpStopTime(s, is_pickup, arrival, service_start))
            departure = service_start + (sh.pickup_service if is_pickup else sh.delivery_service)
            prev_loc = loc
            served.add(s)
        routes.append(PdpRoute(v, start, tuple(stop_times), end))
    unserved = tuple(s for s in range(len(p.shipments)) if s not in served)
    return PdpSolution(tuple(routes), unserved, int(assignment.ObjectiveValue()))


def _solve_model(
    m: _Model,
    params: SolveParams,
    time_limit_s: float,
    initial: list[list[RouteStop]] | None,
    on_solution: Callable[[], None] | None,
    *,
    stop_when_all_served: bool = False,
) -> PdpSolution | None:
    """Solve ``m`` (from ``initial`` routes if given) and extract the best solution.

    With ``stop_when_all_served`` the search ends at the first solution serving every
    shipment: that is all a route-elimination attempt needs, and the time saved goes to the
    next attempt.
    """
    sp = _search_parameters(params, time_limit_s)
    threshold = unserved_penalty(m.p)

    def callback() -> None:
        if on_solution is not None:
            on_solution()
        if stop_when_all_served and m.routing.CostVar().Value() < threshold:
            m.routing.solver().FinishCurrentSearch()

    if on_solution is not None or stop_when_all_served:
        m.routing.AddAtSolutionCallback(callback)
    if initial is not None:
        m.routing.CloseModelWithParameters(sp)
        routes = [[m.manager.NodeToIndex(2 * s + (0 if pk else 1)) for s, pk in r] for r in initial]
        start = m.routing.ReadAssignmentFromRoutes(routes, True)
        if start is None:
            return None
        assignment = m.routing.SolveFromAssignmentWithParameters(start, sp)
    else:
        assignment = m.routing.SolveWithParameters(sp)
    if assignment is None:
        return None
    return _extract(m, assignment)


def _related(p: PdpProblem) -> npt.NDArray[np.int64]:
    """Relatedness of shipments: pickup-to-pickup plus delivery-to-delivery driving time."""
    pick = np.asarray([sh.pickup for sh in p.shipments], dtype=np.int64)
    drop = np.asarray([sh.delivery for sh in p.shipments], dtype=np.int64)
    related: npt.NDArray[np.int64] = (
        p.durations[np.ix_(pick, pick)] + p.durations[np.ix_(drop, drop)]
    )
    return related


def _ruin_and_recreate(
    p: PdpProblem,
    params: SolveParams,
    start: PdpSolution,
    deadline: float,
    on_solution: Callable[[], None] | None,
) -> tuple[PdpSolution, int]:
    """Improve ``start`` (on its own vehicles) by ruin and recreate until ``deadline``.

    Each iteration removes a seed shipment and its nearest neighbours (3 to ``_RUIN_MAX`` of
    them) from the current routes, then lets OR-Tools re-insert them and descend to a local
    optimum (greedy descent from the ruined assignment). A result is kept when its objective
    (unserved penalties included) is lower, or within a record-to-record slack of the best
    that shrinks to zero. Guided local search on these instances keeps returning to the same
    local optimum; these large related moves leave it (measured in the report of issue 4).
    Returns the best solution and the number of iterations.
    """
    # With unserved requests left, idle vehicles may still take them (at their fixed cost).
    used = [r.vehicle for r in start.routes]
    vehicles = list(range(len(p.vehicles))) if start.unserved else used
    rng = np.random.default_rng(params.seed + len(vehicles))
    related = _related(p)
    n = len(p.shipments)
    descent = _search_parameters(replace(params, metaheuristic="greedy_descent"), 1.0)
    timer = RouteTimer(p)

    def new_model() -> _Model:
        m = _build(p, vehicles, timer)
        m.routing.CloseModelWithParameters(descent)
        if on_solution is not None:
            m.routing.AddAtSolutionCallback(on_solution)
        return m

    best, best_obj = start, start.objective
    cur_obj = best_obj
    routes = {r.vehicle: [(st.shipment, st.is_pickup) for st in r.stops] for r in start.routes}
    cur = [routes.get(v, []) for v in vehicles]
    iterations = failures = 0
    t_start = time.monotonic()
    span = max(1e-3, deadline - t_start)
    while deadline - time.monotonic() >= 0.05:
        # A fresh model per iteration (6 ms on 100 tasks): a model searched once keeps state
        # (OR-Tools 9.15) that makes later searches from other assignments fail.
        m = new_model()
        iterations += 1
        seed = int(rng.integers(n))
        k = int(rng.integers(3, _RUIN_MAX + 1))
        removed = {int(x) for x in np.argsort(related[seed], kind="stable")[:k]}
        ruined = [
            [m.manager.NodeToIndex(2 * s + (0 if pk else 1)) for s, pk in r if s not in removed]
            for r in cur
        ]
        # RoutesToAssignment, not ReadAssignmentFromRoutes: the latter fails for good once a
        # search of the model has stopped at its time limit (OR-Tools 9.15).
        assignment = m.routing.solver().Assignment()
        if not m.routing.RoutesToAssignment(ruined, True, False, assignment):
            continue
        left = deadline - time.monotonic()
        descent.time_limit.FromMilliseconds(max(1, int(min(left, _DESCENT_S) * 1000)))
        found = m.routing.SolveFromAssignmentWithParameters(assignment, descent)
        if found is None:
            failures += 1
            continue
        obj = int(found.ObjectiveValue())
        slack = _RRT_SLACK * max(0.0, 1.0 - (time.monotonic() - t_start) / span)
        if obj < best_obj:
            # Extract at once: the assignment OR-Tools returns is overwritten by the next search.
            best_obj, best = obj, _extract(m, found)
        if obj < cur_obj or obj <= best_obj * (1.0 + slack):
            cur_obj, cur = obj, _routes_of(m, found)
    return best, iterations


def _search(
    p: PdpProblem,
    params: SolveParams,
    progress: ProgressCallback | None,
) -> PdpSolution:
    """Run one search (with route elimination if asked) within ``params.time_limit_s``.

    Route elimination (notes/ortools-pdptw.md item 5): after a first search over every vehicle,
    empty the smallest route and warm-start a search over the other used vehicles only; an
    attempt stops as soon as every shipment is served again and is then kept. After
    ``_MAX_FAILURES`` failed attempts in a row (or when only the polishing reserve is left),
    the rest of the time polishes the best routes.
    """
    t0 = time.monotonic()
    total = params.time_limit_s

    def left() -> float:
        return total - (time.monotonic() - t0)

    def report() -> Callable[[], None] | None:
        if progress is None:
            return None

        def on_solution() -> None:
            progress(time.monotonic() - t0, total)

        return on_solution

    def stops_of(routes: Sequence[PdpRoute]) -> list[list[RouteStop]]:
        return [[(st.shipment, st.is_pickup) for st in r.stops] for r in routes]

    eliminate = params.route_elimination
    timer = RouteTimer(p)
    m = _build(p, list(range(len(p.vehicles))), timer)
    # Large days (hundreds of lifts with ride-time limits) need a longer first search to insert
    # every lift; a warm restart does not make up for it (issue 4 borough day).
    share = _FIRST_SHARE if len(p.shipments) <= _LARGE else _FIRST_SHARE_LARGE
    best = _solve_model(m, params, total * share if eliminate else total, None, report())
    if best is None:
        return PdpSolution((), tuple(range(len(p.shipments))), 0, {"no_solution": 1.0})
    reserve = total * _POLISH_SHARE
    attempts = successes = failures = 0
    tried: set[int] = set()
    # Serving requests comes first: while some are unserved, never take vehicles away.
    while eliminate and len(best.routes) > 1 and failures < _MAX_FAILURES and not best.unserved:
        budget = left() - reserve
        if budget < _MIN_ATTEMPT_S:
            break
        candidates = sorted(
            (r for r in best.routes if r.vehicle not in tried),
            key=lambda r: (len(r.stops), r.end_time - r.start_time),
        )
        if not candidates:
            break
        victim = candidates[0]
        tried.add(victim.vehicle)
        # Only the vehicles still in use: otherwise the emptied route just moves to an idle one.
        keep = [r for r in best.routes if r is not victim]
        limit = min(budget, max(_MIN_ATTEMPT_S, total * _ATTEMPT_SHARE))
        # Guided local search re-inserts the emptied route's requests better than ruin and
        # recreate does in the same time (measured on the hard Li & Lim instances).
        m = _build(p, [r.vehicle for r in keep], timer)
        attempt = _solve_model(
            m, params, limit, stops_of(keep), report(), stop_when_all_served=True
        )
        attempts += 1
        if attempt is not None and solution_key(p, attempt)[0] <= solution_key(p, best)[0]:
            best = attempt
            tried.clear()
            failures = 0
            successes += 1
        else:
            failures += 1
    iterations = 0
    if eliminate and params.ruin_recreate and left() >= _MIN_ATTEMPT_S and best.routes:
        polished, iterations = _ruin_and_recreate(
            p, params, best, time.monotonic() + left(), report()
        )
        if solution_key(p, polished) < solution_key(p, best):
            best = polished
    elif eliminate and left() >= _MIN_ATTEMPT_S:
        used = [r.vehicle for r in best.routes]
        vehicles = list(range(len(p.vehicles))) if best.unserved else used
        m = _build(p, vehicles, timer)
        initial = stops_of(best.routes)
        if best.unserved:
            by_vehicle = dict(zip(used, initial, strict=True))
            initial = [by_vehicle.get(v, []) for v in vehicles]
        continued = _solve_model(m, params, left(), initial, report())
        if continued is not None and solution_key(p, continued) < solution_key(p, best):
            best = continued
    stats = dict(best.stats)
    stats["elimination_attempts"] = float(attempts)
    stats["routes_eliminated"] = float(successes)
    stats["ruin_recreate_iterations"] = float(iterations)
    stats["wall_s"] = time.monotonic() - t0
    return replace(best, stats=stats)


def _seeded_search(
    p: PdpProblem, params: SolveParams, progress: ProgressCallback | None
) -> PdpSolution:
    """Search with the shipments in an order drawn from the seed (0 keeps the given order).

    OR-Tools' routing search is deterministic; the order of the requests changes the
    insertion heuristics' ties and so gives a different, equally valid, search.
    """
    if params.seed == 0:
        return _search(p, params, progress)
    order = np.random.default_rng(params.seed).permutation(len(p.shipments))
    where = {int(old): new for new, old in enumerate(order)}
    q = replace(
        p,
        shipments=tuple(
            replace(sh, requires=None if sh.requires is None else where[sh.requires])
            for sh in (p.shipments[int(i)] for i in order)
        ),
    )
    sol = _search(q, params, progress)

    def back(s: int) -> int:
        return int(order[s])

    routes = tuple(
        replace(r, stops=tuple(replace(st, shipment=back(st.shipment)) for st in r.stops))
        for r in sol.routes
    )
    return replace(sol, routes=routes, unserved=tuple(sorted(back(s) for s in sol.unserved)))


def solve_ortools(
    p: PdpProblem,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
) -> PdpSolution:
    """Solve a generic pickup-and-delivery problem with OR-Tools alone (one process).

    Parameters
    ----------
    p
        The problem.
    params
        Time limit, strategies, route elimination and OR-Tools' own ruin and recreate.
    progress
        Optional callback ``(elapsed_s, time_limit_s)`` called on each new solution.

    Returns
    -------
    PdpSolution
        Timed routes and unserved shipment indices; ``stats`` holds solver statistics.
    """
    if not p.shipments:
        return PdpSolution((), (), 0, {"wall_s": 0.0})
    return _without_orphans(p, _seeded_search(p, params, progress))


def _without_orphans(p: PdpProblem, sol: PdpSolution) -> PdpSolution:
    """Take off every shipment whose required shipment is unserved (a return without outbound).

    Stated in the model (``ActiveVar(return) <= ActiveVar(outbound)``) the rule made OR-Tools'
    first-solution heuristics fail on the borough day (nothing served in 30 s), so the OR-Tools
    engine applies it afterwards: weaker than the search, which models it.
    """
    out = set(sol.unserved)
    routes = list(sol.routes)
    timer: RouteTimer | None = None
    while True:
        grew = False
        for s, sh in enumerate(p.shipments):
            if s not in out and sh.requires is not None and sh.requires in out:
                out.add(s)
                grew = True
        if not grew:
            break
        timer = timer or RouteTimer(p)
        kept: list[PdpRoute] = []
        for r in routes:
            stops = [(st.shipment, st.is_pickup) for st in r.stops if st.shipment not in out]
            if len(stops) == len(r.stops):
                kept.append(r)
                continue
            if not stops:
                continue
            seq = timer.seq(r.vehicle, stops)
            times = timer.schedule(seq)
            if times is None:  # travel times without the triangle inequality: drop the route
                out.update(s for s, _ in stops)
                continue
            arrivals = timer.arrivals(seq, times)
            timed = tuple(
                PdpStopTime(s, pk, a, t)
                for (s, pk), a, t in zip(stops, arrivals[1:-1], times[1:-1], strict=True)
            )
            kept.append(PdpRoute(r.vehicle, times[0], timed, times[-1]))
        routes = kept
    if len(out) == len(sol.unserved):
        return sol
    return replace(sol, routes=tuple(routes), unserved=tuple(sorted(out)))


def first_solution(
    p: PdpProblem, params: SolveParams, time_limit_s: float, *, local_search: bool = True
) -> PdpSolution | None:
    """Return OR-Tools' best solution within ``time_limit_s``, or ``None`` when it has none.

    With ``local_search`` its metaheuristic improves the first solution until the time limit
    (how far depends on the clock); without, the first-solution heuristic's answer is returned
    at once (the same on every run). ``None`` (no solution in time: large days) lets the search
    construct its own.
    """
    if not p.shipments:
        return PdpSolution((), ())
    m = _build(p, list(range(len(p.vehicles))), RouteTimer(p))
    once = params if local_search else replace(params, solution_limit=1)
    first = _solve_model(m, once, time_limit_s, None, None)
    if first is None or len(first.unserved) == len(p.shipments):
        return None
    return first
