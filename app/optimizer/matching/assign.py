"""The best set of pairs: min-cost flow with capacities (OR-Tools), and a greedy baseline.

The network is ``source → resident (capacity 1) → befriender (capacity 1, cost -score) →
sink (capacity = free places)``, with only the *candidate* pairs (every hard rule passed, score at
least ``min_score``) as middle arcs. Costs are integer micro-points (``SCORE_SCALE``), the very
numbers every proposal reports, so the flow optimum is exact for those scores.

* ``objective="total_score"``: one more arc ``source → sink`` lets residents stay unmatched, and
  :meth:`SimpleMinCostFlow.solve` returns the maximum total score (a max-weight b-matching).
* ``objective="most_matched"``: no bypass; :meth:`SimpleMinCostFlow.solve_max_flow_with_min_cost`
  matches as many residents as possible, then maximises the total score among those answers.

What is exact: the answer is optimal over the candidate pairs handed in. When every candidate is
kept (``max_candidates_per_resident=None``, the default) that is optimal over all feasible
pairs; otherwise only over the kept ones, and the caller reports ``exact=False``.

Every solver status is mapped (:data:`STATUS_MEANING`); anything but ``OPTIMAL`` (and any
answer failing the independent check :func:`is_valid_assignment`) falls back to the greedy
baseline, and the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from app.optimizer.matching.scoring import Pool
from app.optimizer.matching.scoring import iter_blocks

I64 = npt.NDArray[np.int64]

_Status = min_cost_flow.SimpleMinCostFlow.Status

#: What each OR-Tools min-cost-flow status means for a matching run.
STATUS_MEANING: dict[str, str] = {
    "OPTIMAL": "optimal",
    "NOT_SOLVED": "the solver did not run",
    "FEASIBLE": "the solver found a flow but did not prove it optimal",
    "INFEASIBLE": "the solver found no flow",
    "UNBALANCED": "supplies and demands did not balance",
    "BAD_RESULT": "the solver's answer failed its own check",
    "BAD_COST_RANGE": "the costs were too large for the solver",
    "BAD_CAPACITY_RANGE": "the capacities were too large for the solver",
}


@dataclass(frozen=True, slots=True, eq=False)
class Candidates:
    """Pairs allowed by every hard rule and the minimum score, as parallel arrays.

    Parameters
    ----------
    resident, befriender
        Indices into the run's residents and befrienders, sorted by resident then befriender.
    score_int
        Scores in micro-points.
    capacity
        Free places per befriender (all befrienders, by index).
    dropped
        Feasible pairs left out by ``max_candidates_per_resident``.
    """

    resident: I64
    befriender: I64
    score_int: I64
    capacity: I64
    dropped: int

    def __len__(self) -> int:
        """Return the number of candidate pairs."""
        return len(self.resident)


@dataclass(frozen=True, slots=True, eq=False)
class Assignment:
    """Chosen candidates (indices into :class:`Candidates`) and how they were found.

    Parameters
    ----------
    chosen
        Indices of the chosen pairs, ascending.
    solver_status
        OR-Tools status name, ``"GREEDY"`` or ``"NO_CANDIDATES"``.
    optimal
        Proven optimal over the candidates for the objective.
    """

    chosen: I64
    solver_status: str
    optimal: bool


def collect_candidates(pool: Pool, rows: I64) -> Candidates:
    """Score ``rows`` against every befriender, block by block, and keep the candidate pairs.

    Parameters
    ----------
    pool
        The run's arrays.
    rows
        Residents to match (indices).

    Returns
    -------
    Candidates
        Every feasible pair, or each resident's ``max_candidates_per_resident`` best.
    """
    top = pool.params.max_candidates_per_resident
    rs: list[I64] = []
    bs: list[I64] = []
    ss: list[I64] = []
    dropped = 0
    for block in iter_blocks(pool, rows):
        feasible = block.feasible
        if top is not None and top < pool.n_befrienders:
            masked = np.where(feasible, block.score_int, -1)
            best = np.argpartition(-masked, top - 1, axis=1)[:, :top]
            keep = np.zeros_like(feasible)
            np.put_along_axis(keep, best, True, axis=1)
            keep &= feasible
            dropped += int(feasible.sum() - keep.sum())
            feasible = keep
        local, b = np.nonzero(feasible)
        rs.append(block.rows[local])
        bs.append(b.astype(np.int64))
        ss.append(block.score_int[local, b])
    empty = np.zeros(0, dtype=np.int64)
    return Candidates(
        resident=np.concatenate(rs) if rs else empty,
        befriender=np.concatenate(bs) if bs else empty,
        score_int=np.concatenate(ss) if ss else empty,
        capacity=pool.b_remaining.copy(),
        dropped=dropped,
    )


def is_valid_assignment(candidates: Candidates, chosen: I64) -> bool:
    """Check, independently of any solver, that ``chosen`` gives each resident at most one
    befriender and no befriender more residents than free places.

    Parameters
    ----------
    candidates
        The candidate pairs.
    chosen
        Indices into ``candidates``.

    Returns
    -------
    bool
        True when both hold.
    """
    if chosen.size == 0:
        return True
    if np.unique(candidates.resident[chosen]).size != chosen.size:
        return False
    load = np.bincount(candidates.befriender[chosen], minlength=candidates.capacity.size)
    return bool(np.all(load <= candidates.capacity))


def assign_greedy(candidates: Candidates) -> Assignment:
    """Take pairs best first (ties: lower resident, then lower befriender index) while both
    sides are free: the baseline the optimal assignment is measured against.

    Parameters
    ----------
    candidates
        The candidate pairs.

    Returns
    -------
    Assignment
        ``solver_status="GREEDY"``, ``optimal=False``.
    """
    order = np.lexsort((candidates.befriender, candidates.resident, -candidates.score_int))
    free = candidates.capacity.astype(np.int64).tolist()
    taken: set[int] = set()
    chosen: list[int] = []
    residents = candidates.resident.tolist()
    befrienders = candidates.befriender.tolist()
    left = len(set(residents))
    for k in order.tolist():
        r, b = residents[k], befrienders[k]
        if r in taken or free[b] <= 0:
            continue
        taken.add(r)
        free[b] -= 1
        chosen.append(k)
        left -= 1
        if left == 0:
            break
    return Assignment(
        chosen=np.sort(np.array(chosen, dtype=np.int64)), solver_status="GREEDY", optimal=False
    )


def assign_optimal(candidates: Candidates, *, objective: str = "total_score") -> Assignment:
    """Solve the assignment with capacities exactly with OR-Tools min-cost flow.

    Parameters
    ----------
    candidates
        The candidate pairs.
    objective
        ``"total_score"`` or ``"most_matched"`` (see the module docstring).

    Returns
    -------
    Assignment
        ``optimal=True`` with status ``OPTIMAL``; for any other status, or an answer failing
        :func:`is_valid_assignment`, the greedy's pairs with that status and ``optimal=False``.
    """
    if len(candidates) == 0:
        return Assignment(
            chosen=np.zeros(0, dtype=np.int64), solver_status="NO_CANDIDATES", optimal=True
        )
    # Compact node numbering: only people with at least one candidate pair take part.
    res, r_node = np.unique(candidates.resident, return_inverse=True)
    bef, b_node = np.unique(candidates.befriender, return_inverse=True)
    n_r, n_b = res.size, bef.size
    source, sink = n_r + n_b, n_r + n_b + 1
    m = len(candidates)
    tails = [np.full(n_r, source), r_node, n_r + np.arange(n_b)]
    heads = [np.arange(n_r), n_r + b_node, np.full(n_b, sink)]
    caps = [np.ones(n_r), np.ones(m), np.minimum(candidates.capacity[bef], n_r)]
    costs = [np.zeros(n_r), -candidates.score_int, np.zeros(n_b)]
    if objective == "total_score":
        # The bypass lets a resident stay unmatched when that raises the total.
        tails.append(np.array([source]))
        heads.append(np.array([sink]))
        caps.append(np.array([n_r]))
        costs.append(np.zeros(1))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([n_r, -n_r], dtype=np.int64)
    )
    status = flow.solve() if objective == "total_score" else flow.solve_max_flow_with_min_cost()
    name = status.name
    if status == _Status.OPTIMAL:
        pair_arcs = np.arange(n_r, n_r + m, dtype=np.int32)
        chosen = np.flatnonzero(np.asarray(flow.flows(pair_arcs)) > 0).astype(np.int64)
        if is_valid_assignment(candidates, chosen):
            return Assignment(chosen=chosen, solver_status=name, optimal=True)
        name = "BAD_RESULT"
    fallback = assign_greedy(candidates)
    return Assignment(chosen=fallback.chosen, solver_status=name, optimal=False)
