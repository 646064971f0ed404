"""Befriending matching (issue #5): who should befriend whom, and why.

:func:`propose_pairings` scores every resident–befriender pair (:mod:`.scoring`), keeps the pairs
that pass every hard rule and reach the minimum score, and picks the best set of pairs for the
whole waiting list with capacities (:mod:`.assign`: OR-Tools min-cost flow, exact; or the greedy
baseline). Residents left waiting get the reason (:mod:`.waiting`). Active pairings are never
broken: they are returned as ``kept`` and use up their befrienders' places.

:func:`check_pair` re-checks one pair's hard rules, e.g. when a coordinator accepts a proposal
after the befriender became full or their DBS check lapsed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import date

import numpy as np

from app.optimizer.errors import InvalidProblem
from app.optimizer.matching.assign import STATUS_MEANING
from app.optimizer.matching.assign import assign_greedy
from app.optimizer.matching.assign import assign_optimal
from app.optimizer.matching.assign import collect_candidates
from app.optimizer.matching.scoring import build_pool
from app.optimizer.matching.scoring import explain_pairs
from app.optimizer.matching.scoring import rule_violations
from app.optimizer.matching.types import AGE_BANDS
from app.optimizer.matching.types import SCORE_SCALE
from app.optimizer.matching.types import BefrienderProfile
from app.optimizer.matching.types import MatchParams
from app.optimizer.matching.types import MatchResult
from app.optimizer.matching.types import MatchStats
from app.optimizer.matching.types import MatchStatus
from app.optimizer.matching.types import MatchWeights
from app.optimizer.matching.types import PersonId
from app.optimizer.matching.types import Proposal
from app.optimizer.matching.types import ResidentProfile
from app.optimizer.matching.types import ScoreComponents
from app.optimizer.matching.types import Waiting
from app.optimizer.matching.types import WaitingCode
from app.optimizer.matching.types import WeeklyWindow
from app.optimizer.matching.waiting import explain_waiting
from app.optimizer.roads import TravelTimes

__all__ = [
    "AGE_BANDS",
    "BefrienderProfile",
    "MatchParams",
    "MatchResult",
    "MatchStats",
    "MatchStatus",
    "MatchWeights",
    "PersonId",
    "Proposal",
    "ResidentProfile",
    "ScoreComponents",
    "Waiting",
    "WaitingCode",
    "WeeklyWindow",
    "check_pair",
    "propose_pairings",
]


def _index(ids: Iterable[PersonId], kind: str) -> dict[PersonId, int]:
    index: dict[PersonId, int] = {}
    for i, pid in enumerate(ids):
        if pid in index:
            msg = f"{kind} id {pid!r} appears more than once."
            raise InvalidProblem(msg)
        index[pid] = i
    return index


def _pairs(
    pairs: Iterable[tuple[PersonId, PersonId]], what: str
) -> tuple[tuple[PersonId, PersonId], ...]:
    out: list[tuple[PersonId, PersonId]] = []
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            msg = (
                f"Every entry of {what} must be a (resident_id, befriender_id) pair (got {pair!r})."
            )
            raise InvalidProblem(msg)
        out.append((pair[0], pair[1]))
    return tuple(dict.fromkeys(out))


def propose_pairings(
    residents: Sequence[ResidentProfile],
    befrienders: Sequence[BefrienderProfile],
    params: MatchParams | None = None,
    *,
    day: date,
    existing: Iterable[tuple[PersonId, PersonId]] = (),
    blocked: Iterable[tuple[PersonId, PersonId]] = (),
    travel: TravelTimes | None = None,
) -> MatchResult:
    """Propose the best befriender for every waiting resident, with reasons.

    Parameters
    ----------
    residents
        Residents to consider; those already in an ``existing`` pairing are kept as they are.
    befrienders
        Befrienders to consider (capacity 0 or no valid DBS check: never proposed).
    params
        Knobs; defaults when None.
    day
        The day of the run: DBS checks must be valid on it (plus ``params.dbs_margin_days``).
    existing
        Active ``(resident_id, befriender_id)`` pairings: never broken, they use up places.
    blocked
        ``(resident_id, befriender_id)`` pairs never to propose (e.g. rejected before). Ids not in
        this run are ignored.
    travel
        Road travel times; by default straight-line (haversine) distances. With a source, one
        square matrix over every located person is requested (befrienders travel to residents).

    Returns
    -------
    MatchResult
        Proposals, residents waiting with reasons, kept pairings, the total score and whether
        the answer is proven optimal.

    Raises
    ------
    InvalidProblem
        On duplicate ids or malformed pairs (profiles check themselves at construction).
    """
    params = params or MatchParams()
    t0 = time.perf_counter()
    r_index = _index((r.id for r in residents), "Resident")
    b_index = _index((b.id for b in befrienders), "Befriender")
    kept = _pairs(existing, "existing")
    blocked_pairs = _pairs(blocked, "blocked")

    # Continuity (issue #5): an active pairing is never broken; its befriender's place is used.
    paired = {r for r, _ in kept}
    per_befriender = Counter(b for _, b in kept)
    load = [max(b.current_load, per_befriender[b.id]) for b in befrienders]
    warnings = _kept_warnings(kept, befrienders, b_index, load, day)
    blocked_idx = [
        (r_index[r], b_index[b]) for r, b in blocked_pairs if r in r_index and b in b_index
    ]
    pool = build_pool(
        residents, befrienders, params, day=day, load=load, blocked=blocked_idx, travel=travel
    )
    rows = np.array([i for i, r in enumerate(residents) if r.id not in paired], dtype=np.int64)
    candidates = collect_candidates(pool, rows)
    t1 = time.perf_counter()

    if params.algorithm == "greedy":
        assignment = assign_greedy(candidates)
    else:
        assignment = assign_optimal(candidates, objective=params.objective)
    t2 = time.perf_counter()

    status = MatchStatus.OK
    if params.algorithm == "optimal" and not assignment.optimal:
        status = MatchStatus.SOLVER_FAILED
        meaning = STATUS_MEANING.get(assignment.solver_status, "an unknown status")
        warnings.append(
            f"The optimal solver stopped with {assignment.solver_status} ({meaning}); these "
            "proposals come from the best-pair-first method and may not be the best overall."
        )
    r_chosen = candidates.resident[assignment.chosen]
    b_chosen = candidates.befriender[assignment.chosen]
    s_chosen = candidates.score_int[assignment.chosen]
    order = np.argsort(r_chosen, kind="stable")
    r_chosen, b_chosen, s_chosen = r_chosen[order], b_chosen[order], s_chosen[order]
    explained = explain_pairs(pool, r_chosen, b_chosen)
    proposals = tuple(
        Proposal(
            resident_id=residents[int(r)].id,
            befriender_id=befrienders[int(b)].id,
            score=int(s) / SCORE_SCALE,
            mode="visit" if e.visit else "phone",
            components=e.components,
            reasons=e.reasons,
            shared_interests=e.shared_interests,
            shared_languages=e.shared_languages,
            common_time_min=e.common_time_min,
            distance_km=e.distance_km,
            travel_min=e.travel_min,
        )
        for r, b, s, e in zip(r_chosen, b_chosen, s_chosen, explained, strict=True)
    )
    matched = np.zeros(len(residents), dtype=np.bool_)
    matched[r_chosen] = True
    unmatched = rows[~matched[rows]]
    waiting: tuple[Waiting, ...] = tuple(
        explain_waiting(pool, unmatched, algorithm=params.algorithm)
    )
    exact = params.algorithm == "optimal" and assignment.optimal and candidates.dropped == 0
    stats = MatchStats(
        residents=len(rows),
        befrienders=len(befrienders),
        candidates=len(candidates),
        candidates_dropped=candidates.dropped,
        scoring_s=t1 - t0,
        assign_s=t2 - t1,
        solver_status=assignment.solver_status,
    )
    return MatchResult(
        status=status,
        proposals=proposals,
        waiting=waiting,
        kept=kept,
        total_score=int(s_chosen.sum()) / SCORE_SCALE,
        exact=exact,
        algorithm=params.algorithm,
        warnings=tuple(warnings),
        stats=stats,
    )


def _kept_warnings(
    kept: tuple[tuple[PersonId, PersonId], ...],
    befrienders: Sequence[BefrienderProfile],
    b_index: dict[PersonId, int],
    load: list[int],
    day: date,
) -> list[str]:
    out: list[str] = []
    for r, b in kept:
        if b not in b_index:
            continue
        bef = befrienders[b_index[b]]
        if not bef.dbs_valid_on(day):
            out.append(
                f"Befriender {b!r} has an active pairing with resident {r!r} but no valid DBS "
                "check; the pairing is kept."
            )
    for i, bef in enumerate(befrienders):
        if load[i] > bef.capacity:
            out.append(
                f"Befriender {bef.id!r} has {load[i]} active pairings, more than their capacity "
                f"of {bef.capacity}; all are kept."
            )
    return out


def check_pair(
    resident: ResidentProfile,
    befriender: BefrienderProfile,
    params: MatchParams | None = None,
    *,
    day: date,
    blocked: bool = False,
    travel: TravelTimes | None = None,
) -> tuple[str, ...]:
    """Return why a pair may not be made now (empty when every hard rule holds).

    Used when a coordinator accepts a proposal: the befriender may have become full
    (``current_load >= capacity``) or their DBS check may have lapsed since it was proposed.
    The minimum score is not checked.

    Parameters
    ----------
    resident, befriender
        The pair, as they are now.
    params
        Knobs (the distance limit, the time in common, …); defaults when None.
    day
        The day DBS checks must be valid on.
    blocked
        The pair was declined before.
    travel
        Road travel times; straight line by default.

    Returns
    -------
    tuple[str, ...]
        One sentence per broken rule, e.g. ``("The befriender is full (3 of 3 residents).",)``.
    """
    params = params or MatchParams()
    pool = build_pool(
        [resident],
        [befriender],
        params,
        day=day,
        blocked=[(0, 0)] if blocked else [],
        travel=travel,
    )
    return rule_violations(pool, 0, 0)
