"""Solve a generic problem: construction, then the ruin-and-recreate search, on one or two cores.

The parts, as in PyVRP's iterated local search: a *construction* (the search's own regret
insertion, or OR-Tools' first solution: ``SearchParams.construction``), *ruin* operators
(related, random, string), *recreate* operators (greedy, regret-2), an *acceptance* criterion
(simulated annealing with a request bank, route minimisation first) and a *stopping* criterion
(time limit, or ``SearchParams.max_iterations``); they live in :mod:`~app.optimizer.rota.lns`
and every knob is in :class:`~app.optimizer.types.SearchParams`. ``SolveParams(engine=
"ortools")`` solves with OR-Tools alone instead (:mod:`~app.optimizer.rota.ortools_model`).

With ``SolveParams.workers == 2`` a second search (next seed, the other setting of
``bank_weight_distance``) runs in a *spawned* process (never forked: the caller may hold
database or Redis connections) and the better answer by :func:`~app.optimizer.rota.lns.
solution_key` is kept, the first on a tie: for a seed and an iteration limit the answer is the
same on every run.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from app.optimizer.errors import InvalidProblem
from app.optimizer.rota import lns
from app.optimizer.rota.lns import solution_key
from app.optimizer.rota.ortools_model import ProgressCallback
from app.optimizer.rota.ortools_model import first_solution
from app.optimizer.rota.ortools_model import solve_ortools
from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.types import SolveParams

#: Extra seconds a spawned worker may take (interpreter start and imports) before it is
#: given up on.
_SPAWN_GRACE_S = 60.0


def _one(
    p: PdpProblem,
    params: SolveParams,
    progress: ProgressCallback | None,
    start: PdpSolution | None = None,
) -> PdpSolution:
    """Run one search with ``params`` in this process (from ``start`` when given)."""
    t0 = time.monotonic()
    if params.engine == "ortools":
        return solve_ortools(p, params, progress=progress)
    refused = lns.unsupported(p)
    if refused:
        msg = f"The search cannot model {', '.join(refused)}; nothing was solved."
        raise InvalidProblem(msg)
    sp = params.search
    deadline = t0 + params.time_limit_s
    # A re-plan starts warm from the published plan (lns.improve's warm start), not OR-Tools.
    warm = start is not None or any(sh.previous_vehicles for sh in p.shipments)
    if start is None:
        start = PdpSolution((), tuple(range(len(p.shipments))))
    stats: dict[str, float] = {}
    big = len(p.shipments) > sp.ortools_max_requests
    if sp.construction == "ortools" and not warm and not big:
        first = first_solution(
            p,
            params,
            params.time_limit_s * sp.ortools_share,
            local_search=sp.ortools_local_search,
        )
        if first is not None:
            start = first
        stats["ortools_first_s"] = time.monotonic() - t0

    def report() -> None:
        if progress is not None:
            progress(time.monotonic() - t0, params.time_limit_s)

    found = lns.improve(p, start, deadline, seed=params.seed, params=sp, on_improvement=report)
    if found is None:
        msg = "The search could not read or time its own solution (a bug)."
        raise RuntimeError(msg)
    sol, lns_stats = found
    stats.update(lns_stats)
    stats["wall_s"] = time.monotonic() - t0
    return replace(sol, stats=stats)


def _other(params: SolveParams) -> SolveParams:
    """Return the second worker's parameters: next seed, the other variant of the search."""
    if params.engine == "ortools":
        meta = "tabu_search" if params.metaheuristic != "tabu_search" else "guided_local_search"
        return replace(params, metaheuristic=meta, seed=params.seed + 1, workers=1)
    strict = params.search.bank_weight_distance is None
    search = replace(params.search, bank_weight_distance=3.0 if strict else None)
    return replace(params, search=search, seed=params.seed + 1, workers=1)


def _child(
    p: PdpProblem, params: SolveParams, deadline: float, start: PdpSolution | None
) -> PdpSolution:
    """Search in the spawned worker until the parent's deadline (the monotonic clock is the
    machine's, so starting the interpreter does not lengthen the solve)."""
    left = max(0.1, deadline - time.monotonic())
    return _one(p, replace(params, time_limit_s=left), None, start)


def solve_pdp(
    p: PdpProblem,
    params: SolveParams,
    *,
    progress: ProgressCallback | None = None,
    start: PdpSolution | None = None,
) -> PdpSolution:
    """Solve a generic pickup-and-delivery problem.

    Parameters
    ----------
    p
        The problem.
    params
        Time limit, seed, engine, workers and the search's knobs.
    progress
        Optional callback ``(elapsed_s, time_limit_s)`` called on each improvement.
    start
        A feasible solution to improve (the search engine only; its unserved shipments are
        inserted first).

    Returns
    -------
    PdpSolution
        Timed routes and unserved shipment indices; ``stats`` holds solver statistics.

    Raises
    ------
    InvalidProblem
        When the problem has a rule the search cannot model (named in the message).
    """
    if not p.shipments:
        return PdpSolution((), (), 0, {"wall_s": 0.0})
    if params.workers <= 1:
        return _one(p, params, progress, start)
    ctx = multiprocessing.get_context("spawn")
    deadline = time.monotonic() + params.time_limit_s
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        pending = pool.submit(_child, p, _other(params), deadline, start)
        mine = _one(p, replace(params, workers=1), progress, start)
        theirs = pending.result(timeout=params.time_limit_s + _SPAWN_GRACE_S)
    best = min((mine, theirs), key=lambda s: solution_key(p, s))
    stats = dict(best.stats)
    stats["winner"] = 0.0 if best is mine else 1.0
    return replace(best, stats=stats)


__all__ = ["solve_pdp"]
