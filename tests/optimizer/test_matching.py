"""Befriending matching end to end (issue #5): hard rules, optimality, continuity, reasons."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pytest
from ortools.graph.python import min_cost_flow

from app.optimizer.errors import InvalidProblem
from app.optimizer.matching import MatchParams
from app.optimizer.matching import MatchStatus
from app.optimizer.matching import WaitingCode
from app.optimizer.matching import WeeklyWindow
from app.optimizer.matching import assign
from app.optimizer.matching import check_pair
from app.optimizer.matching import propose_pairings
from app.optimizer.matching.assign import STATUS_MEANING
from app.optimizer.matching.assign import Candidates
from app.optimizer.matching.assign import assign_greedy
from app.optimizer.matching.assign import assign_optimal
from app.optimizer.matching.assign import collect_candidates
from app.optimizer.matching.assign import is_valid_assignment
from app.optimizer.matching.scoring import build_pool
from tests.optimizer.matching_helpers import DAY
from tests.optimizer.matching_helpers import H
from tests.optimizer.matching_helpers import befriender
from tests.optimizer.matching_helpers import north
from tests.optimizer.matching_helpers import random_problem
from tests.optimizer.matching_helpers import resident

# Each hard rule: (what to change on the resident, on the befriender, extra run options, code).
HARD_RULES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], WaitingCode]] = {
    "distance": ({}, {"location": north(6)}, {}, WaitingCode.OUT_OF_REACH),
    "befriender's own distance": ({}, {"max_distance_km": 0.5}, {}, WaitingCode.OUT_OF_REACH),
    "no location, no phone": ({"location": None}, {}, {}, WaitingCode.OUT_OF_REACH),
    "language needed": (
        {"languages": ["polish"], "needs_language": True},
        {"languages": ["english"]},
        {},
        WaitingCode.LANGUAGE,
    ),
    "gender preference": ({"gender_preference": "male"}, {}, {}, WaitingCode.GENDER),
    "no gender on file": (
        {"gender_preference": "female"},
        {"gender": None},
        {},
        WaitingCode.GENDER,
    ),
    "no time in common": (
        {"availability": [WeeklyWindow(0, 9 * H, 12 * H)]},
        {},
        {},
        WaitingCode.AVAILABILITY,
    ),
    "DBS lapsed": ({}, {"dbs_valid_until": date(2025, 6, 1)}, {}, WaitingCode.DBS),
    "no DBS": ({}, {"dbs_valid_until": None}, {}, WaitingCode.DBS),
    "capacity 0": ({}, {"capacity": 0}, {}, WaitingCode.FULL),
    "full": ({}, {"capacity": 2, "current_load": 2}, {}, WaitingCode.FULL),
    "blocked": ({}, {}, {"blocked": [("R1", "B1")]}, WaitingCode.BLOCKED),
    "minimum score": ({}, {}, {"params": MatchParams(min_score=0.99)}, WaitingCode.LOW_SCORE),
}


def test_the_base_pair_is_proposed() -> None:
    """The pair every hard-rule test starts from is proposed."""
    result = propose_pairings([resident()], [befriender()], day=DAY)
    assert [(p.resident_id, p.befriender_id) for p in result.proposals] == [("R1", "B1")]
    assert result.waiting == ()
    assert result.status == MatchStatus.OK and result.exact


@pytest.mark.parametrize("rule", list(HARD_RULES))
def test_each_hard_rule_binds(rule: str) -> None:
    """Breaking one hard rule leaves the resident waiting with that rule's code and a reason."""
    r_change, b_change, options, code = HARD_RULES[rule]
    params = options.pop("params", None) if "params" in options else None
    result = propose_pairings(
        [resident(**r_change)], [befriender(**b_change)], params, day=DAY, **options
    )
    assert result.proposals == ()
    (waiting,) = result.waiting
    assert waiting.code == code
    assert waiting.reason.endswith(".") and len(waiting.reason) > 20


@pytest.mark.parametrize("rule", [r for r in HARD_RULES if r != "minimum score"])
def test_check_pair_reports_each_hard_rule(rule: str) -> None:
    """check_pair explains every broken hard rule of one pair, and nothing for a good pair."""
    r_change, b_change, options, _ = HARD_RULES[rule]
    blocked = bool(options.get("blocked"))
    problems = check_pair(resident(**r_change), befriender(**b_change), day=DAY, blocked=blocked)
    assert len(problems) == 1
    assert check_pair(resident(), befriender(), day=DAY) == ()


def test_check_pair_refuses_a_full_befriender_or_lapsed_dbs_with_reasons() -> None:
    """Accepting a proposal whose befriender became full or whose DBS lapsed is refused."""
    full = befriender(capacity=3, current_load=3)
    assert check_pair(resident(), full, day=DAY) == ("The befriender is full (3 of 3 residents).",)
    lapsed = befriender(dbs_valid_until=date(2025, 5, 31))
    assert check_pair(resident(), lapsed, day=DAY) == (
        "The befriender's DBS check is not valid (valid until 2025-05-31).",
    )


def test_waiting_reason_names_the_rules_that_bit() -> None:
    """'No befriender within 5 km who speaks Polish' when the only Polish speaker is far away."""
    r = resident(languages=["Polish"], needs_language=True)
    near = befriender("B1", languages=["english"])
    far_polish = befriender("B2", languages=["polish"], location=north(9))
    result = propose_pairings([r], [near, far_polish], day=DAY)
    (waiting,) = result.waiting
    assert waiting.code == WaitingCode.LANGUAGE
    assert waiting.reason == "No befriender who lives within 5 km and speaks Polish."


def test_waiting_reason_when_all_nearby_befrienders_are_full() -> None:
    """'All nearby befrienders are full' counts them and names the preference that applied."""
    r = resident(gender_preference="female")
    bs = [
        befriender("B1", capacity=1, current_load=1),
        befriender("B2", capacity=2, current_load=2),
        befriender("B3", gender="male"),
    ]
    (waiting,) = propose_pairings([r], bs, day=DAY).waiting
    assert waiting.code == WaitingCode.FULL
    assert waiting.reason == "All 2 female befrienders who live within 5 km are full."


def test_waiting_reason_without_location() -> None:
    """A resident with no location and no phone befriender is told why."""
    (waiting,) = propose_pairings([resident(location=None)], [befriender()], day=DAY).waiting
    assert waiting.reason == (
        "No befriender who befriends by phone (the resident has no address on file)."
    )


def test_waiting_reason_with_no_befrienders_at_all() -> None:
    """With nobody to match, every resident waits with that plain reason."""
    result = propose_pairings([resident("R1"), resident("R2")], [], day=DAY)
    assert [w.code for w in result.waiting] == [WaitingCode.NO_BEFRIENDERS] * 2


def test_low_score_reason_gives_the_best_score() -> None:
    """Below the minimum score, the reason gives the minimum and the best score found."""
    result = propose_pairings([resident()], [befriender()], MatchParams(min_score=0.99), day=DAY)
    (waiting,) = result.waiting
    assert "minimum score of 0.99 (the best of 1 scores 0." in waiting.reason


def test_taken_when_the_only_befriender_goes_to_a_better_pair() -> None:
    """Two residents, one place: the better pair wins and the other waits as 'taken'."""
    strong = resident("R1")
    weak = resident("R2", interests=["bingo"])
    result = propose_pairings([weak, strong], [befriender()], day=DAY)
    assert [p.resident_id for p in result.proposals] == ["R1"]
    (waiting,) = result.waiting
    assert waiting.code == WaitingCode.TAKEN
    assert waiting.candidates == 1 and waiting.best_score is not None
    assert waiting.reason.startswith("The only suitable befriender went to another resident")


def test_capacity_k_is_respected() -> None:
    """A befriender with k places gets at most k residents."""
    residents = [resident(f"R{i}") for i in range(5)]
    result = propose_pairings(residents, [befriender(capacity=3)], day=DAY)
    assert len(result.proposals) == 3
    assert len(result.waiting) == 2


def test_existing_pairings_are_never_broken_and_use_places() -> None:
    """An active pairing is kept, its resident not re-proposed, its place not given away."""
    r1 = resident("R1", interests=["bingo"])  # a weaker pair than R2 would make
    r2 = resident("R2")
    b = befriender(capacity=1)
    result = propose_pairings([r1, r2], [b], day=DAY, existing=[("R1", "B1")])
    assert result.kept == (("R1", "B1"),)
    assert result.proposals == ()
    assert [(w.resident_id, w.code) for w in result.waiting] == [("R2", WaitingCode.FULL)]


def test_existing_pairings_are_not_counted_twice_in_the_load() -> None:
    """current_load already counting an existing pairing leaves the other place free."""
    b = befriender(capacity=2, current_load=1)
    residents = [resident("R1"), resident("R2"), resident("R3")]
    result = propose_pairings(residents, [b], day=DAY, existing=[("R1", "B1")])
    assert len(result.proposals) == 1
    assert result.stats.residents == 2


def test_existing_pairing_with_a_lapsed_dbs_is_kept_with_a_warning() -> None:
    """Continuity holds even when the befriender's DBS lapsed, and the coordinator is told."""
    b = befriender(dbs_valid_until=date(2025, 1, 1), capacity=1, current_load=2)
    result = propose_pairings([resident()], [b], day=DAY, existing=[("R1", "B1")])
    assert result.kept == (("R1", "B1"),)
    assert any("no valid DBS check" in w for w in result.warnings)
    assert any("more than their capacity" in w for w in result.warnings)


def test_blocked_pairs_with_unknown_ids_are_ignored() -> None:
    """Blocked pairs naming people not in the run do no harm."""
    result = propose_pairings([resident()], [befriender()], day=DAY, blocked=[("R9", "B9")])
    assert len(result.proposals) == 1


def test_duplicate_ids_and_malformed_pairs_are_refused() -> None:
    """Ids must be unique per kind; existing/blocked entries must be pairs."""
    with pytest.raises(InvalidProblem, match="Resident id 'R1' appears more than once"):
        propose_pairings([resident(), resident()], [befriender()], day=DAY)
    with pytest.raises(InvalidProblem, match="Befriender id 'B1' appears more than once"):
        propose_pairings([resident()], [befriender(), befriender()], day=DAY)
    with pytest.raises(InvalidProblem, match="must be a .resident_id, befriender_id. pair"):
        propose_pairings([resident()], [befriender()], day=DAY, blocked=["R1"])  # type: ignore[list-item]


def test_integer_ids_work() -> None:
    """Database ids (integers) are accepted as they are."""
    r = replace(resident(), id=17)
    b = replace(befriender(), id=4)
    (p,) = propose_pairings([r], [b], day=DAY).proposals
    assert (p.resident_id, p.befriender_id) == (17, 4)


def test_empty_run() -> None:
    """Nobody waiting gives an empty, exact answer."""
    result = propose_pairings([], [befriender()], day=DAY)
    assert result.proposals == () and result.waiting == () and result.exact
    assert result.stats.solver_status == "NO_CANDIDATES"


# --- optimality ------------------------------------------------------------------------------


def brute_force(cands: Candidates, *, most_matched: bool = False) -> tuple[int, int]:
    """Return the best (matched, total) over every feasible assignment of the candidates."""
    by_resident: dict[int, list[int]] = {}
    for k, r in enumerate(cands.resident.tolist()):
        by_resident.setdefault(r, []).append(k)
    options = [[None, *ks] for ks in by_resident.values()]
    best = (0, 0) if most_matched else (0, 0)
    for combo in itertools.product(*options):
        chosen = np.array([k for k in combo if k is not None], dtype=np.int64)
        if not is_valid_assignment(cands, chosen):
            continue
        total = int(cands.score_int[chosen].sum())
        key = (len(chosen), total) if most_matched else (0, total)
        best = max(best, key)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_optimal_matches_brute_force_on_small_cases(seed: int) -> None:
    """On small random cases the min-cost flow total equals the best of every assignment."""
    residents, befrienders = random_problem(seed, 6, 4, spread_km=4.0)
    params = MatchParams(min_score=0.05)
    pool = build_pool(residents, befrienders, params, day=DAY)
    cands = collect_candidates(pool, np.arange(len(residents)))
    got = assign_optimal(cands)
    assert got.optimal and is_valid_assignment(cands, got.chosen)
    assert int(cands.score_int[got.chosen].sum()) == brute_force(cands)[1]
    result = propose_pairings(residents, befrienders, params, day=DAY)
    assert round(result.total_score * 1_000_000) == brute_force(cands)[1]


@pytest.mark.parametrize("seed", range(15))
def test_most_matched_objective_matches_brute_force(seed: int) -> None:
    """'most_matched' first matches as many as possible, then maximises the total score."""
    residents, befrienders = random_problem(100 + seed, 6, 4, spread_km=4.0)
    pool = build_pool(residents, befrienders, MatchParams(min_score=0.05), day=DAY)
    cands = collect_candidates(pool, np.arange(len(residents)))
    got = assign_optimal(cands, objective="most_matched")
    assert got.optimal
    matched, total = brute_force(cands, most_matched=True)
    assert (len(got.chosen), int(cands.score_int[got.chosen].sum())) == (matched, total)


def _cands(edges: list[tuple[int, int, int]], capacity: list[int]) -> Candidates:
    r, b, s = (np.array(x, dtype=np.int64) for x in zip(*edges, strict=True))
    return Candidates(r, b, s, np.array(capacity, dtype=np.int64), 0)


def test_greedy_can_lose_to_optimal() -> None:
    """Best pair first takes R0-B0 (0.9); the optimum pairs R0-B1 and R1-B0 (1.65)."""
    cands = _cands([(0, 0, 900_000), (0, 1, 800_000), (1, 0, 850_000)], [1, 1])
    greedy, best = assign_greedy(cands), assign_optimal(cands)
    assert int(cands.score_int[greedy.chosen].sum()) == 900_000
    assert int(cands.score_int[best.chosen].sum()) == 1_650_000


def test_total_score_may_leave_someone_unmatched_but_most_matched_does_not() -> None:
    """Maximising the total can prefer one strong pair; most_matched prefers two weaker ones."""
    cands = _cands([(0, 0, 900_000), (1, 0, 400_000), (0, 1, 350_000)], [1, 1])
    assert len(assign_optimal(cands).chosen) == 1
    assert len(assign_optimal(cands, objective="most_matched").chosen) == 2


@pytest.mark.parametrize("seed", range(6))
def test_greedy_never_beats_optimal(seed: int) -> None:
    """On random cases the optimal total is at least the greedy's."""
    residents, befrienders = random_problem(200 + seed, 80, 25)
    best = propose_pairings(residents, befrienders, day=DAY)
    greedy = propose_pairings(residents, befrienders, MatchParams(algorithm="greedy"), day=DAY)
    assert best.total_score >= greedy.total_score
    assert greedy.algorithm == "greedy" and not greedy.exact
    assert greedy.status == MatchStatus.OK


def test_top_candidates_only_is_reported_as_not_exact() -> None:
    """Keeping only each resident's best candidates drops pairs and says the answer is not exact."""
    residents, befrienders = random_problem(5, 40, 15)
    result = propose_pairings(
        residents, befrienders, MatchParams(max_candidates_per_resident=1), day=DAY
    )
    assert result.stats.candidates_dropped > 0
    assert not result.exact
    assert result.stats.candidates <= len(residents)


def test_every_solver_status_is_mapped() -> None:
    """Each OR-Tools min-cost-flow status has a meaning for the coordinator."""
    assert set(STATUS_MEANING) == set(min_cost_flow.SimpleMinCostFlow.Status.__members__)


class _FailingFlow:
    """A stand-in min-cost-flow solver that always stops with BAD_COST_RANGE."""

    Status = min_cost_flow.SimpleMinCostFlow.Status

    def add_arcs_with_capacity_and_unit_cost(self, *args: object) -> None:
        """Accept the arcs."""

    def set_nodes_supplies(self, *args: object) -> None:
        """Accept the supplies."""

    def solve(self) -> object:
        """Fail."""
        return self.Status.BAD_COST_RANGE


def test_solver_failure_falls_back_to_greedy_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-optimal status gives status solver_failed, greedy proposals and a warning."""
    fake = type("FakeModule", (), {"SimpleMinCostFlow": _FailingFlow})
    monkeypatch.setattr(assign, "min_cost_flow", fake)
    result = propose_pairings([resident()], [befriender()], day=DAY)
    assert result.status == MatchStatus.SOLVER_FAILED
    assert not result.exact
    assert len(result.proposals) == 1
    assert result.stats.solver_status == "BAD_COST_RANGE"
    assert "BAD_COST_RANGE (the costs were too large for the solver)" in result.warnings[0]


def test_proposals_come_in_resident_order_with_waiting_in_input_order() -> None:
    """Output order follows the input, whatever the solver's order."""
    residents, befrienders = random_problem(11, 30, 10)
    result = propose_pairings(residents, befrienders, day=DAY)
    position = {r.id: i for i, r in enumerate(residents)}
    assert [position[p.resident_id] for p in result.proposals] == sorted(
        position[p.resident_id] for p in result.proposals
    )
    assert [position[w.resident_id] for w in result.waiting] == sorted(
        position[w.resident_id] for w in result.waiting
    )
    assert len(result.proposals) + len(result.waiting) == len(residents)


def test_waiting_reason_mentions_befrienders_own_limits() -> None:
    """When a befriender set a shorter limit, the reason does not claim a plain 5 km."""
    (waiting,) = propose_pairings([resident()], [befriender(max_distance_km=0.5)], day=DAY).waiting
    assert waiting.reason == "No befriender who lives within 5 km (or their own shorter limit)."
    assert check_pair(resident(), befriender(max_distance_km=0.5), day=DAY) == (
        "The befriender lives 1.0 km away, beyond the limit of 500 m.",
    )
