"""Pair scores and their reasons (issue #5, item 1): parts, weights, reasons matching scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.matching import MatchParams
from app.optimizer.matching import MatchWeights
from app.optimizer.matching import Proposal
from app.optimizer.matching import ResidentProfile
from app.optimizer.matching import WeeklyWindow
from app.optimizer.matching import propose_pairings
from app.optimizer.matching.assign import collect_candidates
from app.optimizer.matching.scoring import build_pool
from app.optimizer.matching.scoring import explain_pairs
from app.optimizer.matching.scoring import format_km
from app.optimizer.matching.scoring import haversine_km
from app.optimizer.matching.scoring import join_words
from app.optimizer.matching.types import SCORE_SCALE
from app.optimizer.roads import RoadPath
from app.optimizer.roads import TravelMatrix
from app.optimizer.types import LatLon
from tests.optimizer.matching_helpers import DAY
from tests.optimizer.matching_helpers import HOME
from tests.optimizer.matching_helpers import H
from tests.optimizer.matching_helpers import befriender
from tests.optimizer.matching_helpers import make_pool
from tests.optimizer.matching_helpers import north
from tests.optimizer.matching_helpers import pair_score
from tests.optimizer.matching_helpers import random_problem
from tests.optimizer.matching_helpers import resident


class FixedTravelTimes:
    """Every trip takes ``duration_s`` and ``distance_m`` (a fake TravelTimes)."""

    def __init__(self, duration_s: int, distance_m: int, *, shape_off: int = 0) -> None:
        self.duration_s = duration_s
        self.distance_m = distance_m
        self.shape_off = shape_off
        self.calls = 0

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        """Return constant matrices (of a wrong size when ``shape_off``)."""
        self.calls += 1
        n = len(points) + self.shape_off
        return TravelMatrix(
            np.full((n, n), self.duration_s, dtype=np.int64),
            np.full((n, n), self.distance_m, dtype=np.int64),
        )

    def path(self, a: LatLon, b: LatLon) -> RoadPath:
        """Return a straight path."""
        return RoadPath((a, b), self.duration_s, self.distance_m)


def only(result_proposals: tuple[Proposal, ...]) -> Proposal:
    """Return the single proposal."""
    assert len(result_proposals) == 1
    return result_proposals[0]


def test_haversine_is_about_111_km_per_degree_of_latitude() -> None:
    """Straight-line distance is the great-circle distance."""
    d = haversine_km(np.array(51.0), np.array(0.0), np.array(52.0), np.array(0.0))
    assert float(d) == pytest.approx(111.19, abs=0.01)


def test_reasons_read_like_the_issue() -> None:
    """A good pair's reasons name interests, language, times, distance, age and life events."""
    r = resident(
        interests=["Gardening", "choir"],
        languages=["English", "Punjabi"],
        life_events=["bereavement"],
        share_life_events=True,
    )
    b = befriender(
        interests=["gardening", "Choir"],
        languages=["punjabi"],
        life_events=["Bereavement"],
        location=north(1.2),
    )
    p = only(propose_pairings([r], [b], day=DAY).proposals)
    assert p.reasons == (
        "both love choir and gardening",
        "both speak Punjabi",
        "both free Tuesday afternoons (4 h a week in common)",
        "1.2 km apart",
        "both aged 65-74",
        "both have been through bereavement",
    )
    assert p.summary.startswith("both love choir and gardening; both speak Punjabi")
    assert p.mode == "visit"
    assert p.shared_interests == ("choir", "gardening")
    assert p.shared_languages == ("Punjabi",)
    assert p.common_time_min == 240
    assert p.distance_km == pytest.approx(1.2, abs=0.01)


def test_components_add_up_to_the_score_and_follow_the_weights() -> None:
    """Parts are weight × part / sum of weights; all full parts give a score of 1."""
    r = resident(
        interests=[],
        life_events=["retirement"],
        share_life_events=True,
        availability=[WeeklyWindow(2, 9 * H, 12 * H)],
    )
    b = befriender(
        location=HOME,
        interests=[],
        life_events=["retirement"],
        availability=[WeeklyWindow(2, 9 * H, 12 * H)],
    )
    p = only(propose_pairings([r], [b], day=DAY).proposals)
    c = p.components
    assert c.interests == 0.0
    assert c.language == pytest.approx(0.15)
    assert c.availability == pytest.approx(0.15)  # 3 h in common = availability_full_h
    assert c.distance == pytest.approx(0.20)  # same home
    assert c.age == pytest.approx(0.05)
    assert c.life_events == pytest.approx(0.10)
    assert c.total == pytest.approx(p.score, abs=1e-6)
    assert p.score == pytest.approx(0.65, abs=1e-6)


def test_rare_shared_interest_counts_more_than_a_common_one() -> None:
    """A shared interest few people list (chess) scores more than one most list (tea)."""
    crowd = [resident(f"X{i}", interests=["tea"], location=north(30)) for i in range(20)]
    r = resident(interests=["tea", "chess"])
    b_tea = befriender("B1", interests=["tea"])
    b_chess = befriender("B2", interests=["chess"])
    people = [r, *crowd]
    assert pair_score(people, [b_tea, b_chess], 0, 1) > pair_score(people, [b_tea, b_chess], 0, 0)


def test_more_shared_interests_score_more_but_saturate() -> None:
    """Each shared interest adds, but the part never exceeds its weight."""
    r = resident(interests=["a", "b", "c", "d"])
    bs = [befriender(f"B{k}", interests=["a", "b", "c", "d"][:k]) for k in range(1, 5)]
    pool = make_pool([r], bs)
    ex = explain_pairs(pool, np.zeros(4, dtype=np.int64), np.arange(4))
    parts = [e.components.interests for e in ex]
    assert parts == sorted(parts)
    assert len(set(parts)) == 4
    assert parts[-1] < 0.35


def test_closer_scores_more_and_distance_part_ends_at_the_limit() -> None:
    """The distance part falls linearly from the full weight at 0 km to 0 at the limit."""
    bs = [befriender(f"B{k}", location=north(k)) for k in (0, 1, 4)]
    pool = make_pool([resident()], bs)
    ex = explain_pairs(pool, np.zeros(3, dtype=np.int64), np.arange(3))
    assert [e.components.distance for e in ex] == pytest.approx([0.2, 0.16, 0.04], abs=1e-3)


def test_befrienders_own_distance_limit_applies() -> None:
    """A befriender's max_distance_km tightens the run's limit for them."""
    b = befriender(location=north(3), max_distance_km=2.0)
    result = propose_pairings([resident()], [b], day=DAY)
    assert not result.proposals
    assert result.waiting[0].code == "out_of_reach"


def test_life_events_count_only_with_consent() -> None:
    """Without the resident's consent a shared life event neither scores nor is mentioned."""
    b = befriender(life_events=["bereavement"])
    consented = resident(life_events=["bereavement"], share_life_events=True)
    private = resident(life_events=["bereavement"], share_life_events=False)
    p_yes = only(propose_pairings([consented], [b], day=DAY).proposals)
    p_no = only(propose_pairings([private], [b], day=DAY).proposals)
    assert p_yes.components.life_events > 0
    assert p_no.components.life_events == 0
    assert not any("bereavement" in reason for reason in p_no.reasons)


def test_neighbouring_age_bands_earn_half() -> None:
    """Same band: full age part; neighbouring band: half; further: nothing."""
    bs = [befriender(f"B{k}", age_band=band) for k, band in enumerate(["65-74", "75-84", "25-34"])]
    pool = make_pool([resident()], bs)
    ex = explain_pairs(pool, np.zeros(3, dtype=np.int64), np.arange(3))
    assert [e.components.age for e in ex] == pytest.approx([0.05, 0.025, 0.0])
    assert "close in age (65-74 and 75-84)" in ex[1].reasons


def test_availability_counts_whole_half_hours_in_common() -> None:
    """Time in common is the overlap of weekly windows, in whole half-hours."""
    r = resident(availability=[WeeklyWindow(0, 10 * H, 12 * H), WeeklyWindow(4, 18 * H, 20 * H)])
    b = befriender(
        availability=[WeeklyWindow(0, 11 * H + 600, 15 * H), WeeklyWindow(4, 17 * H, 19 * H)]
    )
    p = only(propose_pairings([r], [b], day=DAY).proposals)
    # Monday 11:30-12:00 (the 11:10 start rounds up) and Friday 18:00-19:00.
    assert p.common_time_min == 90
    assert "both free Monday mornings and Friday evenings (1.5 h a week in common)" in p.reasons


def test_unknown_availability_is_neither_a_rule_nor_points() -> None:
    """Someone who gave no windows can be matched, without availability points."""
    p = only(propose_pairings([resident(availability=[])], [befriender()], day=DAY).proposals)
    assert p.components.availability == 0
    assert p.common_time_min == 0


def test_phone_pairing_for_a_resident_without_location() -> None:
    """A resident with no location is proposed only a befriender who befriends by phone."""
    r = resident(location=None)
    visit_only = befriender("B1")
    phone = befriender("B2", by_phone=True, location=north(30))
    p = only(propose_pairings([r], [visit_only, phone], day=DAY).proposals)
    assert (p.befriender_id, p.mode) == ("B2", "phone")
    assert p.components.distance == 0
    assert "befriending by phone (no address on file)" in p.reasons
    assert p.distance_km is None


def test_resident_happy_with_phone_can_be_matched_far_away() -> None:
    """by_phone on both sides lifts the distance limit; the pairing is then by phone."""
    r = resident(by_phone=True)
    b = befriender(by_phone=True, location=north(20))
    p = only(propose_pairings([r], [b], day=DAY).proposals)
    assert p.mode == "phone"
    assert "befriending by phone" in p.reasons


def test_travel_times_replace_straight_line_distances() -> None:
    """With a TravelTimes source, road distance and minutes drive the score and the reasons."""
    travel = FixedTravelTimes(duration_s=600, distance_m=2000)
    p = only(propose_pairings([resident()], [befriender()], day=DAY, travel=travel).proposals)
    assert travel.calls == 1
    assert p.distance_km == pytest.approx(2.0)
    assert p.travel_min == pytest.approx(10.0)
    assert "10 min by road (2.0 km)" in p.reasons
    assert p.components.distance == pytest.approx(0.2 * (1 - 2.0 / 5.0))


def test_travel_time_limit_is_a_hard_rule() -> None:
    """max_travel_min rules out pairs further by road, and says so."""
    travel = FixedTravelTimes(duration_s=1800, distance_m=2000)
    params = MatchParams(max_travel_min=20)
    result = propose_pairings([resident()], [befriender()], params, day=DAY, travel=travel)
    assert not result.proposals
    assert result.waiting[0].reason == "No befriender who lives within 5 km and 20 min by road."


def test_travel_matrix_of_wrong_shape_is_refused() -> None:
    """A travel-time source returning the wrong size raises InvalidProblem."""
    with pytest.raises(InvalidProblem, match="matrices of shape"):
        propose_pairings(
            [resident()], [befriender()], day=DAY, travel=FixedTravelTimes(60, 100, shape_off=1)
        )


def test_weights_switch_parts_off() -> None:
    """A zero weight removes its part from the score and its reason from the list."""
    weights = MatchWeights(
        interests=1.0, language=0, availability=0, distance=0, age=0, life_events=0
    )
    params = MatchParams(weights=weights, min_score=0.1)
    p = only(propose_pairings([resident()], [befriender()], params, day=DAY).proposals)
    assert p.components.total == pytest.approx(p.components.interests)
    assert [r for r in p.reasons if "speak" in r or "free" in r or "aged" in r] == []


@pytest.mark.parametrize("seed", range(4))
def test_reasons_match_the_score_components(seed: int) -> None:
    """Every part that scored has its reason, no reason without points, parts add to the score."""
    residents, befrienders = random_problem(seed, 40, 15)
    result = propose_pairings(residents, befrienders, MatchParams(min_score=0.1), day=DAY)
    assert result.proposals
    markers: dict[str, str | tuple[str, ...]] = {
        "interests": "both love",
        "language": "both speak",
        "availability": "both free",
        "age": ("both aged", "close in age"),
        "life_events": "both have been through",
    }
    for p in result.proposals:
        assert p.components.total == pytest.approx(p.score, abs=2e-6)
        for name, marker in markers.items():
            has_points = getattr(p.components, name) > 0
            assert any(r.startswith(marker) for r in p.reasons) == has_points, (name, p)
        if p.components.distance > 0:
            assert p.mode == "visit"
            assert any(r.endswith("apart") for r in p.reasons)
        if p.mode == "phone":
            assert any("by phone" in r for r in p.reasons)


@pytest.mark.parametrize("seed", range(3))
def test_block_and_pair_scores_agree_to_the_bit(seed: int) -> None:
    """The matrix path (all candidates) and the per-pair path (reasons) give the same integers."""
    residents, befrienders = random_problem(seed, 50, 20)
    params = MatchParams(min_score=0.0, block_pairs=37)
    pool = build_pool(residents, befrienders, params, day=DAY)
    cands = collect_candidates(pool, np.arange(len(residents)))
    assert len(cands) > 0
    explained = explain_pairs(pool, cands.resident, cands.befriender)
    assert [e.score_int for e in explained] == cands.score_int.tolist()


def test_block_size_does_not_change_the_answer() -> None:
    """Scoring in small blocks gives the same proposals as in one block."""
    residents, befrienders = random_problem(7, 60, 20)
    big = propose_pairings(residents, befrienders, day=DAY)
    small = propose_pairings(residents, befrienders, MatchParams(block_pairs=50), day=DAY)
    assert big.proposals == small.proposals
    assert big.waiting == small.waiting


def test_scores_are_rounded_to_micro_points() -> None:
    """Scores are exact multiples of 1e-6, the solver's integer unit."""
    p = only(propose_pairings([resident()], [befriender(location=north(1.234))], day=DAY).proposals)
    assert p.score * SCORE_SCALE == pytest.approx(round(p.score * SCORE_SCALE), abs=1e-6)


def test_dbs_margin_days_tightens_validity() -> None:
    """With dbs_margin_days a check lapsing soon after the day does not count."""
    b = befriender(dbs_valid_until=date(2025, 6, 10))
    assert propose_pairings([resident()], [b], day=DAY).proposals
    late = propose_pairings([resident()], [b], MatchParams(dbs_margin_days=30), day=DAY)
    assert late.waiting[0].code == "dbs"


def test_word_helpers() -> None:
    """Lists read naturally and distances are rounded for reading."""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"], conjunction="or") == "a, b or c"
    assert join_words(["a", "b", "c", "d", "e"], limit=3) == "a, b and 3 more"
    assert format_km(0.349) == "350 m"
    assert format_km(1.25) == "1.2 km"


def test_resident_profile_is_reused_unchanged() -> None:
    """Scoring does not alter the profiles it is given."""
    r = resident()
    before = replace(r)
    propose_pairings([r], [befriender()], day=DAY)
    assert r == before
    assert isinstance(r, ResidentProfile)
