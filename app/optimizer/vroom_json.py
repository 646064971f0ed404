"""VROOM-compatible JSON: read a problem in VROOM's input format, write VROOM's output shape.

Supported input (see ``docs/vroom-json.md``): ``vehicles`` (``id``, ``start_index``,
``end_index``, ``capacity``, ``skills``, ``time_window``, ``costs.fixed``, ``max_travel_time``,
``max_distance``), ``shipments`` (``amount``, ``skills``, ``priority``, ``pickup``/``delivery``
with ``id``, ``location_index``, ``service``, ``time_windows``), custom ``matrices`` (one profile
with ``durations``, optionally ``distances`` and ``costs``; the legacy top-level ``matrix`` is
read as durations). Our extensions: on a shipment ``max_ride_time``, ``pinned_vehicle``,
``previous_vehicle``; on a vehicle ``max_route_duration``. Not supported (rejected with a clear
message): ``jobs``, coordinates without matrices, breaks, per-hour/per-km costs, speed factors.

The objective is VROOM's: serve as many tasks as possible (weighted by priority), then the sum
of arc costs (``costs`` if given, else durations) plus the fixed cost of each vehicle used.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.optimizer.errors import InvalidProblem
from app.optimizer.rota.pdptw import HORIZON
from app.optimizer.rota.pdptw import PdpObjective
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpShipment
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpVehicle
from app.optimizer.rota.pdptw import tightened
from app.optimizer.rota.search import solve_pdp
from app.optimizer.rota.timing import RouteTimer
from app.optimizer.rota.timing import alone_feasible
from app.optimizer.rota.validate import validate_pdp
from app.optimizer.types import SolveParams

#: VROOM's output codes.
CODE_OK, CODE_INTERNAL, CODE_INPUT, CODE_ROUTING = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class VroomProblem:
    """A parsed VROOM input: the generic problem and the ids to write back."""

    pdp: PdpProblem
    vehicle_ids: tuple[int, ...]
    pickup_ids: tuple[int, ...]
    delivery_ids: tuple[int, ...]


def _get(obj: Mapping[str, Any], key: str, what: str, kind: type | tuple[type, ...]) -> Any:
    if key not in obj:
        msg = f"The {what} has no {key!r}."
        raise InvalidProblem(msg)
    return _typed(obj[key], f"{what} {key!r}", kind)


def _typed(value: Any, what: str, kind: type | tuple[type, ...]) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        msg = f"The {what} has the wrong type ({type(value).__name__})."
        raise InvalidProblem(msg)
    return value


def _int_list(value: Any, what: str) -> list[int]:
    _typed(value, what, list)
    for x in value:
        _typed(x, what, int)
    return list(value)


def _matrix(value: Any, what: str) -> npt.NDArray[np.int64]:
    rows = _typed(value, what, list)
    try:
        m = np.asarray(rows, dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        msg = f"The {what} is not a square matrix of integers."
        raise InvalidProblem(msg) from exc
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        msg = f"The {what} is not a square matrix (shape {m.shape})."
        raise InvalidProblem(msg)
    return m


def _windows(value: Any, what: str) -> tuple[tuple[int, int], ...]:
    if value is None:
        return ((0, HORIZON),)
    _typed(value, what, list)
    out = []
    for w in value:
        pair = _int_list(w, what)
        if len(pair) != 2:
            msg = f"The {what} has a window that is not [start, end]."
            raise InvalidProblem(msg)
        if pair[0] > pair[1]:
            msg = f"The {what} has a window that ends before it starts ({pair})."
            raise InvalidProblem(msg)
        out.append((pair[0], pair[1]))
    if not out:
        msg = f"The {what} is empty."
        raise InvalidProblem(msg)
    return tuple(sorted(out))


def _matrices(doc: Mapping[str, Any]) -> tuple[npt.NDArray[np.int64], ...]:
    if "matrices" in doc:
        profiles = _typed(doc["matrices"], "'matrices'", dict)
        if len(profiles) != 1:
            msg = "The 'matrices' must hold exactly one profile."
            raise InvalidProblem(msg)
        (profile,) = profiles.values()
        _typed(profile, "'matrices' profile", dict)
        durations = _matrix(_get(profile, "durations", "matrices profile", list), "durations")
        n = durations.shape[0]
        distances = (
            _matrix(profile["distances"], "distances")
            if "distances" in profile
            else np.zeros((n, n), dtype=np.int64)
        )
        costs = _matrix(profile["costs"], "costs") if "costs" in profile else durations
    elif "matrix" in doc:
        durations = _matrix(doc["matrix"], "matrix")
        n = durations.shape[0]
        distances, costs = np.zeros((n, n), dtype=np.int64), durations
    else:
        msg = "The problem has no 'matrices' (only custom matrices are supported)."
        raise InvalidProblem(msg)
    for name, m in (("distances", distances), ("costs", costs)):
        if m.shape != durations.shape:
            msg = f"The {name} matrix has shape {m.shape}, expected {durations.shape}."
            raise InvalidProblem(msg)
    return durations, distances, costs


def parse_vroom(doc: Mapping[str, Any]) -> VroomProblem:
    """Parse a VROOM input document into a generic problem.

    Parameters
    ----------
    doc
        The decoded JSON object.

    Returns
    -------
    VroomProblem
        The generic problem and the VROOM ids of vehicles and tasks.

    Raises
    ------
    InvalidProblem
        When the document is malformed or uses an unsupported feature; the message names it.
    """
    _typed(doc, "problem", dict)
    if doc.get("jobs"):
        msg = "The 'jobs' are not supported; describe every task as a shipment."
        raise InvalidProblem(msg)
    durations, distances, costs = _matrices(doc)
    vehicles_in = _get(doc, "vehicles", "problem", list)
    if not vehicles_in:
        msg = "The problem has no vehicles."
        raise InvalidProblem(msg)
    shipments_in = _typed(doc.get("shipments", []), "'shipments'", list)
    dims = 0
    if vehicles_in:
        first = _typed(vehicles_in[0], "vehicle", dict)
        dims = len(_int_list(first.get("capacity", []), "vehicle 'capacity'"))
    vehicles: list[PdpVehicle] = []
    vehicle_ids: list[int] = []
    for k, v in enumerate(vehicles_in):
        _typed(v, f"vehicle #{k}", dict)
        vid = _get(v, "id", f"vehicle #{k}", int)
        what = f"vehicle {vid}"
        for unsupported in ("breaks", "speed_factor", "max_tasks", "steps"):
            if unsupported in v:
                msg = f"The {what} uses {unsupported!r}, which is not supported."
                raise InvalidProblem(msg)
        cost_spec = _typed(v.get("costs", {}), f"{what} 'costs'", dict)
        if cost_spec.get("per_hour", 3600) != 3600 or cost_spec.get("per_km", 0) != 0:
            msg = f"The {what} sets per_hour/per_km costs, which are not supported."
            raise InvalidProblem(msg)
        tw = v.get("time_window")
        window = _windows([tw], f"{what} 'time_window'")[0] if tw is not None else (0, HORIZON)
        capacity = tuple(_int_list(v.get("capacity", [0] * dims), f"{what} 'capacity'"))
        if vid in vehicle_ids:
            msg = f"Two vehicles have the id {vid}."
            raise InvalidProblem(msg)
        vehicle_ids.append(vid)
        vehicles.append(
            PdpVehicle(
                start=_opt_int(v, "start_index", what),
                end=_opt_int(v, "end_index", what),
                capacity=capacity,
                skills=frozenset(_int_list(v.get("skills", []), f"{what} 'skills'")),
                time_window=window,
                fixed_cost=_typed(cost_spec.get("fixed", 0), f"{what} fixed cost", int),
                max_route_duration=_opt_int(v, "max_route_duration", what),
                max_travel_time=_opt_int(v, "max_travel_time", what),
                max_distance=_opt_int(v, "max_distance", what),
                key=str(vid),
            )
        )
    index_of = {vid: i for i, vid in enumerate(vehicle_ids)}
    shipments: list[PdpShipment] = []
    pickup_ids: list[int] = []
    delivery_ids: list[int] = []
    for k, s in enumerate(shipments_in):
        _typed(s, f"shipment #{k}", dict)
        pickup = _get(s, "pickup", f"shipment #{k}", dict)
        delivery = _get(s, "delivery", f"shipment #{k}", dict)
        pid = _get(pickup, "id", f"shipment #{k} pickup", int)
        did = _get(delivery, "id", f"shipment #{k} delivery", int)
        what = f"shipment {pid}"
        amount = tuple(_int_list(s.get("amount", [0] * dims), f"{what} 'amount'"))
        refs = {}
        for name in ("pinned_vehicle", "previous_vehicle"):
            ref = _opt_int(s, name, what)
            if ref is not None and ref not in index_of:
                msg = f"The {what} {name} names an unknown vehicle {ref}."
                raise InvalidProblem(msg)
            refs[name] = None if ref is None else index_of[ref]
        priority = _typed(s.get("priority", 0), f"{what} 'priority'", int)
        shipments.append(
            PdpShipment(
                pickup=_get(pickup, "location_index", f"{what} pickup", int),
                delivery=_get(delivery, "location_index", f"{what} delivery", int),
                amount=amount,
                pickup_service=_typed(pickup.get("service", 0), f"{what} service", int),
                delivery_service=_typed(delivery.get("service", 0), f"{what} service", int),
                pickup_windows=_windows(pickup.get("time_windows"), f"{what} pickup time_windows"),
                delivery_windows=_windows(
                    delivery.get("time_windows"), f"{what} delivery time_windows"
                ),
                skills=frozenset(_int_list(s.get("skills", []), f"{what} 'skills'")),
                priority=priority,
                max_ride_time=_opt_int(s, "max_ride_time", what),
                pinned_vehicle=refs["pinned_vehicle"],
                previous_vehicles=frozenset(
                    [refs["previous_vehicle"]] if refs["previous_vehicle"] is not None else []
                ),
                key=str(pid),
            )
        )
        pickup_ids.append(pid)
        delivery_ids.append(did)
    # Moving a shipment off its previous vehicle costs about one average trip (re-planning);
    # without any previous vehicle there is nothing to keep, and no such term in the objective.
    replanning = any(sh.previous_vehicles for sh in shipments)
    moved = int(costs.mean()) if costs.size and replanning else 0
    pdp = PdpProblem(
        durations=durations,
        distances=distances,
        vehicles=tuple(vehicles),
        shipments=tuple(shipments),
        costs=costs,
        objective=PdpObjective(moved_vehicle_cost=moved),
    )
    return VroomProblem(pdp, tuple(vehicle_ids), tuple(pickup_ids), tuple(delivery_ids))


def _opt_int(obj: Mapping[str, Any], key: str, what: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    result: int = _typed(value, f"{what} {key!r}", int)
    return result


def _unassigned_reason(p: PdpProblem, s: int, timer: RouteTimer) -> str:
    allowed = p.allowed_vehicles(s)
    if not allowed:
        return "no vehicle has the skills and capacity"
    if not any(alone_feasible(p, s, v, timer) for v in allowed):
        return "infeasible even alone (time windows, ride time or vehicle limits)"
    return "vehicles busy with other tasks"


def solution_to_vroom(
    vp: VroomProblem, sol: PdpSolution, *, computing_ms: int = 0
) -> dict[str, Any]:
    """Write a generic solution in VROOM's output shape.

    Parameters
    ----------
    vp
        The parsed problem.
    sol
        Its solution.
    computing_ms
        Solving time for ``summary.computing_times``.

    Returns
    -------
    dict
        ``code``, ``summary``, ``unassigned`` and ``routes`` as VROOM prints them.
    """
    p = vp.pdp
    dims = len(p.vehicles[0].capacity)
    routes_out: list[dict[str, Any]] = []
    totals = {"cost": 0, "service": 0, "duration": 0, "waiting_time": 0, "distance": 0}
    total_priority = 0
    total_delivery = [0] * dims
    for r in sol.routes:
        veh = p.vehicles[r.vehicle]
        load = [0] * dims
        steps: list[dict[str, Any]] = []
        travel = dist = cost = service_sum = waiting_sum = priority = 0
        prev = veh.start
        steps.append(
            {
                "type": "start",
                **({"location_index": veh.start} if veh.start is not None else {}),
                "setup": 0,
                "service": 0,
                "waiting_time": 0,
                "load": list(load),
                "arrival": r.start_time,
                "duration": 0,
                "distance": 0,
            }
        )
        delivered = [0] * dims
        for st in r.stops:
            sh = p.shipments[st.shipment]
            loc = sh.pickup if st.is_pickup else sh.delivery
            if prev is not None:
                travel += int(p.durations[prev, loc])
                dist += int(p.distances[prev, loc])
                cost += int(p.cost_matrix[prev, loc])
            sign = 1 if st.is_pickup else -1
            load = [a + sign * b for a, b in zip(load, sh.amount, strict=True)]
            service = sh.pickup_service if st.is_pickup else sh.delivery_service
            waiting = st.service_start - st.arrival
            service_sum += service
            waiting_sum += waiting
            if st.is_pickup:
                priority += sh.priority
            else:
                delivered = [a + b for a, b in zip(delivered, sh.amount, strict=True)]
            task_id = (vp.pickup_ids if st.is_pickup else vp.delivery_ids)[st.shipment]
            steps.append(
                {
                    "type": "pickup" if st.is_pickup else "delivery",
                    "id": task_id,
                    "location_index": loc,
                    "setup": 0,
                    "service": service,
                    "waiting_time": waiting,
                    "load": list(load),
                    "arrival": st.arrival,
                    "duration": travel,
                    "distance": dist,
                }
            )
            prev = loc
        if prev is not None and veh.end is not None:
            travel += int(p.durations[prev, veh.end])
            dist += int(p.distances[prev, veh.end])
            cost += int(p.cost_matrix[prev, veh.end])
        steps.append(
            {
                "type": "end",
                **({"location_index": veh.end} if veh.end is not None else {}),
                "setup": 0,
                "service": 0,
                "waiting_time": 0,
                "load": list(load),
                "arrival": r.end_time,
                "duration": travel,
                "distance": dist,
            }
        )
        cost += veh.fixed_cost
        routes_out.append(
            {
                "vehicle": vp.vehicle_ids[r.vehicle],
                "cost": cost,
                "delivery": delivered,
                "amount": delivered,
                "pickup": delivered,
                "setup": 0,
                "service": service_sum,
                "duration": travel,
                "waiting_time": waiting_sum,
                "priority": priority,
                "distance": dist,
                "steps": steps,
                "violations": [],
            }
        )
        for key, value in (
            ("cost", cost),
            ("service", service_sum),
            ("duration", travel),
            ("waiting_time", waiting_sum),
            ("distance", dist),
        ):
            totals[key] += value
        total_priority += priority
        total_delivery = [a + b for a, b in zip(total_delivery, delivered, strict=True)]
    unassigned: list[dict[str, Any]] = []
    timer = RouteTimer(p) if sol.unserved else None
    for s in sol.unserved:
        sh = p.shipments[s]
        reason = _unassigned_reason(p, s, timer or RouteTimer(p))
        unassigned.append(
            {
                "id": vp.pickup_ids[s],
                "type": "pickup",
                "location_index": sh.pickup,
                "reason": reason,
            }
        )
        unassigned.append(
            {
                "id": vp.delivery_ids[s],
                "type": "delivery",
                "location_index": sh.delivery,
                "reason": reason,
            }
        )
    summary = {
        **totals,
        "routes": len(routes_out),
        "unassigned": len(sol.unserved),
        "delivery": total_delivery,
        "amount": total_delivery,
        "pickup": total_delivery,
        "setup": 0,
        "priority": total_priority,
        "violations": [],
        "computing_times": {"loading": 0, "solving": computing_ms, "routing": 0},
    }
    return {"code": CODE_OK, "summary": summary, "unassigned": unassigned, "routes": routes_out}


def solve_vroom(doc: Mapping[str, Any], params: SolveParams) -> dict[str, Any]:
    """Solve a VROOM input document and return VROOM's output document.

    The solution is checked by :func:`~app.optimizer.rota.validate.validate_pdp` first: what
    is returned satisfies every constraint of the input.

    Parameters
    ----------
    doc
        The decoded VROOM input.
    params
        Time limit and search knobs.

    Returns
    -------
    dict
        The VROOM output document (``code`` 0).

    Raises
    ------
    InvalidProblem
        When the input is malformed.
    RuntimeError
        When the solution breaks a constraint (a bug; never printed as a solution).
    """
    vp = parse_vroom(doc)
    t0 = time.monotonic()
    sol = solve_pdp(tightened(vp.pdp), params)
    problems = validate_pdp(vp.pdp, sol)
    if problems:
        first = problems[0]
        msg = f"Internal error: the solution breaks {first.cause} ({first.detail})."
        raise RuntimeError(msg)
    return solution_to_vroom(vp, sol, computing_ms=int((time.monotonic() - t0) * 1000))


def error_document(message: str, code: int = CODE_INPUT) -> dict[str, Any]:
    """Return VROOM's error document."""
    return {"code": code, "error": message}


__all__: Sequence[str] = [
    "VroomProblem",
    "error_document",
    "parse_vroom",
    "solution_to_vroom",
    "solve_vroom",
]
