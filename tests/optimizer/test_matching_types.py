"""Befriending profiles and knobs: normalisation and bad input (issue #5, "Bad input")."""

from __future__ import annotations

import math
from datetime import date

import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.matching import BefrienderProfile
from app.optimizer.matching import MatchParams
from app.optimizer.matching import MatchWeights
from app.optimizer.matching import ResidentProfile
from app.optimizer.matching import WeeklyWindow
from app.optimizer.types import LatLon


def test_interests_and_languages_are_normalised() -> None:
    """Odd casing, stray spaces and duplicates collapse into one normalised set."""
    r = ResidentProfile(
        "R1",
        interests=["Gardening ", "gardening", "  TAI   chi", "", "Choir"],
        languages=("English", "ENGLISH", " punjabi"),
        life_events=["Bereavement"],
    )
    assert r.interests == frozenset({"gardening", "tai chi", "choir"})
    assert r.languages == frozenset({"english", "punjabi"})
    assert r.life_events == frozenset({"bereavement"})


def test_gender_and_age_band_are_normalised() -> None:
    """Genders are case-folded and age bands accept spaces and en dashes."""
    r = ResidentProfile("R1", gender_preference=" Female ", age_band="65 – 74")
    b = BefrienderProfile("B1", gender="FEMALE", age_band="85 +")
    assert (r.gender_preference, r.age_band) == ("female", "65-74")
    assert (b.gender, b.age_band) == ("female", "85+")


def test_unknown_age_band_is_refused_with_the_allowed_values() -> None:
    """An age band outside the list is refused, naming the person and the field."""
    with pytest.raises(InvalidProblem, match=r"Resident 'R1': age_band '60s'.*65-74"):
        ResidentProfile("R1", age_band="60s")


def test_a_single_string_of_interests_is_refused() -> None:
    """A bare string is not read letter by letter."""
    with pytest.raises(InvalidProblem, match="interests must be a list of words"):
        ResidentProfile("R1", interests="gardening")


def test_a_non_text_interest_is_refused() -> None:
    """Every interest must be text."""
    with pytest.raises(InvalidProblem, match="every entry of interests must be text"):
        BefrienderProfile("B1", interests=["chess", 3])  # type: ignore[list-item]


def test_negative_capacity_is_refused_naming_the_field() -> None:
    """A negative capacity raises InvalidProblem naming the befriender and 'capacity'."""
    with pytest.raises(InvalidProblem, match=r"Befriender 'B7': capacity must be 0 or more"):
        BefrienderProfile("B7", capacity=-1)


def test_negative_load_and_non_integer_capacity_are_refused() -> None:
    """current_load must be 0 or more and capacity a whole number (not a bool)."""
    with pytest.raises(InvalidProblem, match="current_load"):
        BefrienderProfile("B1", current_load=-2)
    with pytest.raises(InvalidProblem, match="capacity must be a whole number"):
        BefrienderProfile("B1", capacity=True)
    with pytest.raises(InvalidProblem, match="capacity must be a whole number"):
        BefrienderProfile("B1", capacity=1.5)  # type: ignore[arg-type]


def test_capacity_zero_is_valid() -> None:
    """A befriender with capacity 0 is a valid profile (never proposed)."""
    assert BefrienderProfile("B1", capacity=0).capacity == 0


def test_location_must_be_a_real_latlon() -> None:
    """A bare tuple or a non-finite coordinate is refused; None means 'not on file'."""
    with pytest.raises(InvalidProblem, match="must be a LatLon"):
        ResidentProfile("R1", location=(51.5, 0.1))  # type: ignore[arg-type]
    with pytest.raises(InvalidProblem, match="no real coordinates"):
        ResidentProfile("R1", location=LatLon(math.nan, 0.1))
    r = ResidentProfile("R1", location=None)
    assert r.phone_only and r.accepts_phone


def test_needs_language_without_languages_is_refused() -> None:
    """A resident who needs a language must say which."""
    with pytest.raises(InvalidProblem, match="needs_language is set but no languages"):
        ResidentProfile("R1", needs_language=True)


@pytest.mark.parametrize(
    ("weekday", "start_s", "end_s"),
    [(7, 0, 3600), (-1, 0, 3600), (1, 3600, 3600), (1, 7200, 3600), (1, 0, 90_000)],
)
def test_bad_weekly_windows_are_refused(weekday: int, start_s: int, end_s: int) -> None:
    """Windows outside a week's day, empty or reversed are refused."""
    with pytest.raises(InvalidProblem, match="WeeklyWindow"):
        WeeklyWindow(weekday, start_s, end_s)


def test_availability_must_hold_windows() -> None:
    """Availability entries must be WeeklyWindow values."""
    with pytest.raises(InvalidProblem, match="availability must hold WeeklyWindow"):
        ResidentProfile("R1", availability=[(1, 0, 3600)])  # type: ignore[list-item]


def test_dbs_must_be_a_date_and_distance_positive() -> None:
    """dbs_valid_until must be a date and max_distance_km a positive number."""
    with pytest.raises(InvalidProblem, match="dbs_valid_until must be a date"):
        BefrienderProfile("B1", dbs_valid_until="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(InvalidProblem, match="max_distance_km must be a positive"):
        BefrienderProfile("B1", max_distance_km=0.0)


def test_dbs_validity_includes_the_last_day_and_the_margin() -> None:
    """A check is valid up to and including its last day, minus any margin asked for."""
    b = BefrienderProfile("B1", dbs_valid_until=date(2025, 6, 2))
    assert b.dbs_valid_on(date(2025, 6, 2))
    assert not b.dbs_valid_on(date(2025, 6, 3))
    assert not b.dbs_valid_on(date(2025, 6, 1), margin_days=2)
    assert not BefrienderProfile("B2").dbs_valid_on(date(2025, 6, 2))


def test_profiles_are_frozen_and_hashable() -> None:
    """Profiles are immutable values."""
    r = ResidentProfile("R1", interests=["a"])
    with pytest.raises(AttributeError):
        r.id = "R2"  # type: ignore[misc]
    assert hash(r) == hash(ResidentProfile("R1", interests=["A "]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_score": 1.5},
        {"max_distance_km": 0.0},
        {"max_travel_min": -1.0},
        {"min_overlap_min": -1},
        {"availability_full_h": math.inf},
        {"interest_saturation": 0.0},
        {"phone_distance_score": 2.0},
        {"dbs_margin_days": -1},
        {"objective": "cheapest"},
        {"algorithm": "random"},
        {"max_candidates_per_resident": 0},
        {"block_pairs": 0},
    ],
)
def test_bad_params_are_refused(kwargs: dict[str, object]) -> None:
    """Every knob out of range raises InvalidProblem with a sentence naming it."""
    name = next(iter(kwargs))
    with pytest.raises(InvalidProblem, match=name):
        MatchParams(**kwargs)  # type: ignore[arg-type]


def test_weights_must_be_non_negative_and_not_all_zero() -> None:
    """Weights are relative, so all-zero or negative weights make no sense."""
    with pytest.raises(InvalidProblem, match="must not all be zero"):
        MatchWeights(0, 0, 0, 0, 0, 0)
    with pytest.raises(InvalidProblem, match="finite and 0 or more"):
        MatchWeights(interests=-1.0)
