"""The daily rota: who drives whom, in what order, at what times (issue 4).

Public entry points: :func:`solve_rota` and :func:`validate_plan`. The solver translates the
day's :class:`~app.optimizer.types.Problem` into a generic pickup-and-delivery problem
(:mod:`.pdptw`), leaves out the lifts no driver could serve even alone (:mod:`.prechecks`),
solves the rest (:mod:`.search`: the ruin-and-recreate search of :mod:`.lns`, or OR-Tools) and
translates the answer back.
"""

from __future__ import annotations

import time
from dataclasses import replace

from app.optimizer.errors import InvalidProblem
from app.optimizer.roads import TravelMatrix
from app.optimizer.roads import TravelTimes
from app.optimizer.rota.ortools_model import ProgressCallback
from app.optimizer.rota.ortools_model import unserved_penalty
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import tightened
from app.optimizer.rota.prechecks import diagnose
from app.optimizer.rota.prechecks import precheck
from app.optimizer.rota.search import solve_pdp
from app.optimizer.rota.timing import RouteTimer
from app.optimizer.rota.translate import RotaModel
from app.optimizer.rota.translate import keeping_published
from app.optimizer.rota.translate import to_model
from app.optimizer.rota.translate import to_routes
from app.optimizer.rota.validate import Violation
from app.optimizer.rota.validate import ViolationCause
from app.optimizer.rota.validate import validate_plan
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
from app.optimizer.types import SolveParams
from app.optimizer.types import Status
from app.optimizer.types import Unserved

#: Share of the time limit kept for timing the routes, explaining lifts left out and stats.
_EXTRACT_SHARE = 0.04


def travel_matrix(problem: Problem, travel: TravelTimes | TravelMatrix) -> TravelMatrix:
    """Return the travel matrix over ``problem.points()``, computing it when needed.

    Parameters
    ----------
    problem
        The day's problem.
    travel
        A :class:`TravelTimes` (asked for the matrix over ``problem.points()``) or a matrix
        already computed over those points, in that order.

    Raises
    ------
    InvalidProblem
        When a given matrix does not have one row per point.
    """
    n = len(problem.points())
    matrix = travel if isinstance(travel, TravelMatrix) else travel.matrix(problem.points())
    for name, m in (("duration_s", matrix.duration_s), ("distance_m", matrix.distance_m)):
        if m.shape != (n, n):
            msg = f"The travel matrix {name} has shape {m.shape}, expected ({n}, {n})."
            raise InvalidProblem(msg)
    return matrix


def _solve(
    sub: RotaModel, params: SolveParams, deadline: float, progress: ProgressCallback | None
) -> PdpSolution:
    """Solve the servable lifts by ``deadline`` (the whole solve's time limit).

    Re-planning a published day, first with every published lift kept (its driver, its pickup
    within the tolerance: :func:`keeping_published`); only if that leaves lifts out, the rule
    gives way where needed to serve them: the search continues from that plan with moving a
    published lift priced above every cost but a lift left out, and its plan is taken only if
    it serves more.
    """

    def until(end: float) -> SolveParams:
        return replace(params, time_limit_s=max(0.05, end - time.monotonic()))

    strict = keeping_published(sub)
    if strict is None:
        return solve_pdp(sub.pdp, until(deadline), progress=progress)
    share = params.search.keep_share
    kept_until = time.monotonic() + share * max(0.0, deadline - time.monotonic())
    if params.engine != "search":
        kept_until = deadline  # the relaxed phase needs the search's warm start
    kept = solve_pdp(tightened(strict.pdp), until(kept_until), progress=progress)
    stats = {**kept.stats, "kept_published": 1.0}
    weight = [1 + sh.priority for sh in sub.pdp.shipments]
    if not kept.unserved or params.engine != "search" or "no_solution" in kept.stats:
        return replace(kept, stats=stats)
    o = sub.pdp.objective
    dominant = unserved_penalty(sub.pdp)
    priced = replace(
        sub.pdp,
        objective=replace(
            o,
            moved_vehicle_cost=dominant,
            shifted_time_cost=max(1, dominant // max(1, o.shift_tolerance)),
        ),
    )
    search = replace(params.search, bank_weight_distance=None, route_min_share=0.0)
    moved = solve_pdp(priced, replace(until(deadline), search=search), start=kept)
    if sum(weight[s] for s in moved.unserved) < sum(weight[s] for s in kept.unserved):
        freed = float(len(kept.unserved) - len(moved.unserved))
        return replace(moved, stats={**stats, **moved.stats, "relaxed_served": freed})
    return replace(kept, stats=stats)


def solve_rota(
    problem: Problem,
    travel: TravelTimes | TravelMatrix,
    params: SolveParams | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> RotaResult:
    """Plan the day: build each driver's route and explain every lift left out.

    Parameters
    ----------
    problem
        Lifts, drivers and rules of the day.
    travel
        Travel times (a :class:`TravelTimes`, or a :class:`TravelMatrix` over
        ``problem.points()`` in that order).
    params
        Time limit, seed and search knobs (defaults: :class:`SolveParams`).
    progress
        Optional ``progress(elapsed_s, time_limit_s)`` called on each improving solution.

    Returns
    -------
    RotaResult
        Routes with planned times and loads, unserved lifts with reasons, statistics.

    Raises
    ------
    InvalidProblem
        When the travel matrix does not match the problem.
    """
    t0 = time.monotonic()
    params = params or SolveParams()
    matrix = travel_matrix(problem, travel)
    model = to_model(problem, matrix)
    rejected = precheck(model)
    servable = [model.lift_of[s] for s in range(len(model.lift_of)) if s not in rejected]
    sub = model.subset(servable)
    sub = replace(sub, pdp=tightened(sub.pdp))
    status = Status.OK
    stats: dict[str, float] = {}
    if servable:
        overall = params.time_limit_s

        def report(_elapsed: float, _limit: float) -> None:
            if progress is not None:
                progress(time.monotonic() - t0, overall)

        # The time limit is the whole solve's: a share is kept for reading the answer back.
        end = t0 + overall * (1.0 - _EXTRACT_SHARE)
        sol = _solve(sub, params, end, report if progress else None)
        stats.update(sol.stats)
        if "no_solution" in sol.stats:
            timed_out = time.monotonic() - t0 >= params.time_limit_s
            status = Status.TIMEOUT if timed_out else Status.NO_SOLUTION
        routes = to_routes(sub, sol)
        left_out = frozenset(sol.unserved)
        timer = RouteTimer(sub.pdp)
        dropped = [diagnose(sub, s, left_out, timer) for s in sol.unserved]
    else:
        routes, dropped = (), []
    unserved: list[Unserved] = [*rejected.values(), *dropped]
    order = {lift.id: i for i, lift in enumerate(problem.lifts)}
    unserved.sort(key=lambda u: order[u.lift_id])
    stats.update(
        {
            "lifts": float(len(problem.lifts)),
            "served": float(len(problem.lifts) - len(unserved)),
            "drivers_used": float(len({r.driver_id for r in routes})),
            "drive_s": float(sum(r.drive_s for r in routes)),
            "prechecked_out": float(len(rejected)),
            "wall_s": time.monotonic() - t0,
        }
    )
    return RotaResult(status, routes, tuple(unserved), stats)


__all__ = [
    "Violation",
    "ViolationCause",
    "solve_rota",
    "travel_matrix",
    "validate_plan",
]
