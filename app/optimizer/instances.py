"""Benchmark instances: the Li & Lim pickup-and-delivery files, read into the generic model.

File format (``../shared/benchmarks/li_lim/README.md``): line 1 ``K Q speed``; then one line per
node ``id x y demand earliest latest service pickup_id delivery_id`` (node 0 is the depot; a
pickup has ``pickup_id`` 0 and names its delivery, a delivery the reverse).

Times and distances are Euclidean, scaled by :data:`SCALE` and rounded *up* for travel times so
that every integer plan is feasible in real arithmetic (with ×100 three best-known solutions
become infeasible; notes/ortools-pdptw.md item 6). Distances reported against the best-known
table are recomputed in double precision by :func:`route_distance`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.optimizer.errors import InvalidProblem
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpShipment
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpVehicle

#: Integer units per unit of the instance (time and distance).
SCALE = 1000


@dataclass(frozen=True, slots=True)
class LiLimInstance:
    """A Li & Lim instance as a generic problem, with its coordinates for exact distances."""

    name: str
    pdp: PdpProblem
    xy: tuple[tuple[float, float], ...]
    max_vehicles: int


def read_li_lim(path: str | Path, *, vehicle_fixed_cost: int = 0) -> LiLimInstance:
    """Read a Li & Lim file into a generic problem (location ``i`` is node ``i``).

    Parameters
    ----------
    path
        The instance file.
    vehicle_fixed_cost
        Fixed cost per vehicle used, in scaled distance units.

    Returns
    -------
    LiLimInstance
        The instance; costs are scaled Euclidean distances.

    Raises
    ------
    InvalidProblem
        When the file is not a Li & Lim instance.
    """
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    try:
        k, q = int(lines[0][0]), int(lines[0][1])
        rows = [[float(x) for x in ln[:9]] for ln in lines[1:]]
    except (IndexError, ValueError) as exc:
        msg = f"The file {path.name} is not a Li & Lim instance."
        raise InvalidProblem(msg) from exc
    if any(len(r) != 9 for r in rows) or not rows:
        msg = f"The file {path.name} has a line without 9 fields."
        raise InvalidProblem(msg)
    for i, r in enumerate(rows):
        if int(r[0]) != i:
            msg = f"The file {path.name} has node {int(r[0])} on line {i + 2}."
            raise InvalidProblem(msg)
    xy = np.array([[r[1], r[2]] for r in rows])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    durations = np.ceil(d * SCALE - 1e-6).astype(np.int64)
    distances = np.rint(d * SCALE).astype(np.int64)
    depot = rows[0]
    shipments = []
    for i, r in enumerate(rows[1:], start=1):
        if int(r[7]) != 0 or int(r[8]) == 0:
            continue  # a delivery (read with its pickup)
        j = int(r[8])
        dr = rows[j]
        shipments.append(
            PdpShipment(
                pickup=i,
                delivery=j,
                amount=(int(r[3]),),
                pickup_service=int(r[6] * SCALE),
                delivery_service=int(dr[6] * SCALE),
                pickup_windows=((int(r[4] * SCALE), int(r[5] * SCALE)),),
                delivery_windows=((int(dr[4] * SCALE), int(dr[5] * SCALE)),),
                key=str(i),
            )
        )
    vehicles = tuple(
        PdpVehicle(
            start=0,
            end=0,
            capacity=(q,),
            time_window=(int(depot[4] * SCALE), int(depot[5] * SCALE)),
            fixed_cost=vehicle_fixed_cost,
            key=str(v),
        )
        for v in range(k)
    )
    pdp = PdpProblem(durations, distances, vehicles, tuple(shipments), costs=distances)
    coords = tuple((float(x), float(y)) for x, y in xy)
    return LiLimInstance(path.stem, pdp, coords, k)


def route_distance(inst: LiLimInstance, sol: PdpSolution) -> float:
    """Return the total Euclidean distance of a solution in the instance's own units."""
    total = 0.0
    for r in sol.routes:
        nodes = [0]
        for st in r.stops:
            sh = inst.pdp.shipments[st.shipment]
            nodes.append(sh.pickup if st.is_pickup else sh.delivery)
        nodes.append(0)
        for a, b in zip(nodes, nodes[1:], strict=False):
            (xa, ya), (xb, yb) = inst.xy[a], inst.xy[b]
            total += math.hypot(xa - xb, ya - yb)
    return total


def to_vroom_json(inst: LiLimInstance) -> dict[str, Any]:
    """Write an instance in the VROOM input format the CLI reads (``docs/vroom-json.md``).

    Location ``i`` is node ``i``; the matrices are the scaled integer ones the library uses, so
    the CLI and the library solve exactly the same problem (fewest vehicles, then distance).
    """
    p = inst.pdp
    vehicles = [
        {
            "id": v,
            "start_index": veh.start,
            "end_index": veh.end,
            "capacity": list(veh.capacity),
            "time_window": list(veh.time_window),
        }
        for v, veh in enumerate(p.vehicles)
    ]
    shipments = [
        {
            "amount": list(sh.amount),
            "pickup": {
                "id": sh.pickup,
                "location_index": sh.pickup,
                "service": sh.pickup_service,
                "time_windows": [list(w) for w in sh.pickup_windows],
            },
            "delivery": {
                "id": sh.delivery,
                "location_index": sh.delivery,
                "service": sh.delivery_service,
                "time_windows": [list(w) for w in sh.delivery_windows],
            },
        }
        for sh in p.shipments
    ]
    matrices = {
        "durations": p.durations.tolist(),
        "distances": p.distances.tolist(),
        "costs": p.cost_matrix.tolist(),
    }
    return {"vehicles": vehicles, "shipments": shipments, "matrices": {"car": matrices}}


def vroom_route_distance(inst: LiLimInstance, output: Mapping[str, Any]) -> float:
    """Return the Euclidean distance of a VROOM-shaped solution (steps' location indices)."""
    total = 0.0
    for route in output["routes"]:
        nodes = [int(st["location_index"]) for st in route["steps"] if "location_index" in st]
        for a, b in zip(nodes, nodes[1:], strict=False):
            (xa, ya), (xb, yb) = inst.xy[a], inst.xy[b]
            total += math.hypot(xa - xb, ya - yb)
    return total
