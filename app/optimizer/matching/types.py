"""Plain data of befriending matching: who is waiting, who befriends, the knobs, the answer.

Everything is a frozen dataclass checked at construction (issue #5, "Bad input"): interests,
languages, genders and life events are normalised (surrounding and repeated whitespace removed,
case folded, duplicates dropped), so ``["Gardening ", "gardening", "CHOIR"]`` becomes
``frozenset({"gardening", "choir"})``; a negative capacity or an impossible window raises
:class:`~app.optimizer.errors.InvalidProblem` naming the person and the field.

Units
-----
Weekly availability windows are ``(weekday, start_s, end_s)`` with ``weekday`` 0 = Monday and
``start_s``/``end_s`` seconds after that day's local midnight. Distances are kilometres
(``*_km``), overlaps minutes (``*_min``). Scores are in ``[0, 1]``, rounded to 1e-6 (the
assignment solver works on integer micro-points, see :data:`SCORE_SCALE`).

People without a location
-------------------------
A resident with no location is matched only for *phone befriending*: with a befriender who
offers it (``BefrienderProfile.by_phone``); otherwise the resident stays waiting with that reason.
A befriender with no location can likewise only befriend by phone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from enum import StrEnum
from typing import Literal
from typing import TypeAlias

from app.optimizer.errors import InvalidProblem
from app.optimizer.types import LatLon

#: A person's id as the caller knows it (a database id or any label); unique per kind in a run.
PersonId: TypeAlias = int | str

#: Scores are rounded to integer micro-points for the min-cost-flow solver; the rounded value is
#: the score everywhere (proposals, totals, greedy), so comparisons between methods are exact.
SCORE_SCALE = 1_000_000

#: Age bands in order; neighbouring bands count as "close in age".
AGE_BANDS: tuple[str, ...] = (
    "18-24",
    "25-34",
    "35-44",
    "45-54",
    "55-64",
    "65-74",
    "75-84",
    "85+",
)

SECONDS_PER_DAY = 86_400
WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def normalise_term(value: str) -> str:
    """Return ``value`` with whitespace collapsed and case folded (``" Tai  Chi"`` → ``"tai chi"``).

    Parameters
    ----------
    value
        A free-text interest, language, gender or life event.

    Returns
    -------
    str
        The normalised term; empty when ``value`` held only whitespace.
    """
    return " ".join(value.split()).casefold()


def _terms(owner: str, name: str, values: Iterable[str]) -> frozenset[str]:
    # A bare string would otherwise be read letter by letter ("choir" → {"c", "h", ...}).
    if isinstance(values, str):
        msg = f"{owner}: {name} must be a list of words, not the single string {values!r}."
        raise InvalidProblem(msg)
    out: set[str] = set()
    for value in values:
        if not isinstance(value, str):
            msg = f"{owner}: every entry of {name} must be text (got {value!r})."
            raise InvalidProblem(msg)
        term = normalise_term(value)
        if term:
            out.add(term)
    return frozenset(out)


def _optional_term(owner: str, name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        msg = f"{owner}: {name} must be text or None (got {value!r})."
        raise InvalidProblem(msg)
    return normalise_term(value) or None


def _age_band(owner: str, value: str | None) -> str | None:
    if value is None:
        return None
    band = "".join(str(value).split()).replace("–", "-").replace("—", "-")
    if band not in AGE_BANDS:
        msg = f"{owner}: age_band {value!r} is not one of {', '.join(AGE_BANDS)}."
        raise InvalidProblem(msg)
    return band


def _location(owner: str, value: LatLon | None) -> LatLon | None:
    if value is None:
        return None
    if not isinstance(value, LatLon):
        msg = f"{owner}: location must be a LatLon(lat, lon) or None (got {value!r})."
        raise InvalidProblem(msg)
    return value.checked(f"location of {owner}")


def _windows(owner: str, values: Iterable[WeeklyWindow]) -> tuple[WeeklyWindow, ...]:
    out = tuple(values)
    for window in out:
        if not isinstance(window, WeeklyWindow):
            msg = f"{owner}: availability must hold WeeklyWindow values (got {window!r})."
            raise InvalidProblem(msg)
    return out


def _count(owner: str, name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{owner}: {name} must be a whole number (got {value!r})."
        raise InvalidProblem(msg)
    if value < 0:
        msg = f"{owner}: {name} must be 0 or more (got {value})."
        raise InvalidProblem(msg)
    return value


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A recurring weekly time when someone is free.

    Parameters
    ----------
    weekday
        0 = Monday … 6 = Sunday.
    start_s, end_s
        Seconds after that day's local midnight, ``0 <= start_s < end_s <= 86400``. Overlaps are
        counted in whole half-hours, so a window shorter than 30 minutes may count for nothing.

    Raises
    ------
    InvalidProblem
        When the weekday or the times are out of range or the window is empty.
    """

    weekday: int
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            msg = f"WeeklyWindow weekday must be 0 (Monday) to 6 (Sunday) (got {self.weekday})."
            raise InvalidProblem(msg)
        if not 0 <= self.start_s < self.end_s <= SECONDS_PER_DAY:
            msg = (
                "WeeklyWindow must satisfy 0 <= start_s < end_s <= 86400 "
                f"(got {self.start_s}..{self.end_s})."
            )
            raise InvalidProblem(msg)


@dataclass(frozen=True, slots=True)
class ResidentProfile:
    """A resident waiting for a befriender, as matching sees them.

    Parameters
    ----------
    id
        The caller's id, unique among the residents of a run.
    location
        Home, or None when not on file: then only phone befriending is possible.
    interests, languages
        Free text, normalised at construction.
    needs_language
        When true a befriender must speak one of ``languages`` (a hard rule).
    gender_preference
        When set, only a befriender whose ``gender`` equals it is proposed (a hard rule).
    age_band
        One of :data:`AGE_BANDS`, or None.
    life_events
        Experiences such as "bereavement" or "retirement"; used only when ``share_life_events``.
    share_life_events
        The resident's consent to match on (and mention) their life events.
    availability
        Weekly windows when the resident is free; empty means "not known" (no rule, no points).
    by_phone
        The resident is happy to be befriended by phone; implied when ``location`` is None.

    Raises
    ------
    InvalidProblem
        When a field cannot be understood; the message names the resident and the field.
    """

    id: PersonId
    location: LatLon | None = None
    interests: Iterable[str] = frozenset()
    languages: Iterable[str] = frozenset()
    needs_language: bool = False
    gender_preference: str | None = None
    age_band: str | None = None
    life_events: Iterable[str] = frozenset()
    share_life_events: bool = False
    availability: Iterable[WeeklyWindow] = ()
    by_phone: bool = False

    def __post_init__(self) -> None:
        owner = f"Resident {self.id!r}"
        # Frozen dataclass: normalised values are written once, here, through object.__setattr__.
        setattr_ = object.__setattr__
        setattr_(self, "location", _location(owner, self.location))
        setattr_(self, "interests", _terms(owner, "interests", self.interests))
        setattr_(self, "languages", _terms(owner, "languages", self.languages))
        setattr_(self, "life_events", _terms(owner, "life_events", self.life_events))
        setattr_(
            self,
            "gender_preference",
            _optional_term(owner, "gender_preference", self.gender_preference),
        )
        setattr_(self, "age_band", _age_band(owner, self.age_band))
        setattr_(self, "availability", _windows(owner, self.availability))
        if self.needs_language and not self.languages:
            msg = f"{owner}: needs_language is set but no languages are given."
            raise InvalidProblem(msg)

    @property
    def phone_only(self) -> bool:
        """True when the resident can only be befriended by phone (no location on file)."""
        return self.location is None

    @property
    def accepts_phone(self) -> bool:
        """True when phone befriending is acceptable for this resident."""
        return self.by_phone or self.location is None


@dataclass(frozen=True, slots=True)
class BefrienderProfile:
    """A peer befriender, as matching sees them.

    Parameters
    ----------
    id
        The caller's id, unique among the befrienders of a run.
    location
        Home, or None: then they can only befriend by phone.
    interests, languages, gender, life_events
        Free text, normalised at construction; life events are those the volunteer chose to share.
    age_band
        One of :data:`AGE_BANDS`, or None.
    dbs_valid_until
        Last day the DBS check is valid; None when there is none. Checked against the run's ``day``.
    capacity
        At most this many residents at once; 0 is valid (never proposed).
    current_load
        Active pairings now. Pairings passed to ``propose_pairings(existing=...)`` are part of
        it; when ``existing`` lists more for this befriender, that larger number is used.
    availability
        Weekly windows when the befriender is free; empty means "not known".
    max_distance_km
        The befriender's own travel limit; the smaller of this and the run's limit applies.
    by_phone
        The befriender also befriends by phone.

    Raises
    ------
    InvalidProblem
        When a field cannot be understood, e.g. a negative capacity.
    """

    id: PersonId
    location: LatLon | None = None
    interests: Iterable[str] = frozenset()
    languages: Iterable[str] = frozenset()
    gender: str | None = None
    age_band: str | None = None
    life_events: Iterable[str] = frozenset()
    dbs_valid_until: date | None = None
    capacity: int = 1
    current_load: int = 0
    availability: Iterable[WeeklyWindow] = ()
    max_distance_km: float | None = None
    by_phone: bool = False

    def __post_init__(self) -> None:
        owner = f"Befriender {self.id!r}"
        setattr_ = object.__setattr__
        setattr_(self, "location", _location(owner, self.location))
        setattr_(self, "interests", _terms(owner, "interests", self.interests))
        setattr_(self, "languages", _terms(owner, "languages", self.languages))
        setattr_(self, "life_events", _terms(owner, "life_events", self.life_events))
        setattr_(self, "gender", _optional_term(owner, "gender", self.gender))
        setattr_(self, "age_band", _age_band(owner, self.age_band))
        setattr_(self, "availability", _windows(owner, self.availability))
        _count(owner, "capacity", self.capacity)
        _count(owner, "current_load", self.current_load)
        if self.dbs_valid_until is not None and not isinstance(self.dbs_valid_until, date):
            msg = f"{owner}: dbs_valid_until must be a date or None (got {self.dbs_valid_until!r})."
            raise InvalidProblem(msg)
        if self.max_distance_km is not None and not (
            math.isfinite(self.max_distance_km) and self.max_distance_km > 0
        ):
            msg = (
                f"{owner}: max_distance_km must be a positive number (got {self.max_distance_km})."
            )
            raise InvalidProblem(msg)

    def dbs_valid_on(self, day: date, *, margin_days: int = 0) -> bool:
        """Return whether the DBS check is valid on ``day`` and ``margin_days`` days after.

        Parameters
        ----------
        day
            The day to check.
        margin_days
            Days it must stay valid after ``day``.

        Returns
        -------
        bool
            False when there is no check on record.
        """
        until = self.dbs_valid_until
        return until is not None and until >= day + timedelta(days=margin_days)


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """Relative weights of the score's parts; the score is their weighted mean, in ``[0, 1]``.

    Parameters
    ----------
    interests
        Shared interests, rarer ones counting more (inverse frequency over the run's people).
    language
        Sharing a language.
    availability
        Free time in common each week.
    distance
        Closeness (1 next door, 0 at the distance limit).
    age
        Same age band (1) or neighbouring bands (0.5).
    life_events
        A shared life experience, only when the resident consented.

    Raises
    ------
    InvalidProblem
        When a weight is negative or not finite, or all are zero.
    """

    interests: float = 0.35
    language: float = 0.15
    availability: float = 0.15
    distance: float = 0.20
    age: float = 0.05
    life_events: float = 0.10

    def __post_init__(self) -> None:
        values = self.as_tuple()
        if not all(math.isfinite(v) and v >= 0 for v in values):
            msg = f"MatchWeights must be finite and 0 or more (got {values})."
            raise InvalidProblem(msg)
        if sum(values) <= 0:
            msg = "MatchWeights must not all be zero."
            raise InvalidProblem(msg)

    def as_tuple(self) -> tuple[float, float, float, float, float, float]:
        """Return the weights in :data:`COMPONENT_NAMES` order."""
        return (
            self.interests,
            self.language,
            self.availability,
            self.distance,
            self.age,
            self.life_events,
        )


#: The score's parts, in the order of reasons and of :meth:`MatchWeights.as_tuple`.
COMPONENT_NAMES: tuple[str, ...] = (
    "interests",
    "language",
    "availability",
    "distance",
    "age",
    "life_events",
)


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Knobs of a matching run; defaults suit a borough bureau.

    Parameters
    ----------
    weights
        Relative weights of the score's parts.
    min_score
        Pairs scoring below this are never proposed, in ``[0, 1]``.
    max_distance_km
        Hard limit on the distance between homes for visits (straight line, or by road when a
        travel-time source is given).
    max_travel_min
        Optional hard limit on driving minutes, used only with a travel-time source.
    min_overlap_min
        When both sides gave availability, they must share at least this many minutes a week
        (0 switches the rule off).
    availability_full_h
        Hours a week in common that earn the full availability points.
    interest_saturation
        How fast shared interests saturate: part = 1 - exp(-sum of shared IDF weights / this).
    phone_distance_score
        The distance part of a phone pairing, in ``[0, 1]`` (0: visits are preferred).
    dbs_margin_days
        A DBS check must stay valid this many days after the run's day.
    objective
        ``"total_score"`` maximises the sum of scores; ``"most_matched"`` first matches as many
        residents as possible, then maximises the sum of scores among those answers.
    algorithm
        ``"optimal"`` (min-cost flow) or ``"greedy"`` (best pair first, the baseline).
    max_candidates_per_resident
        Keep only each resident's best candidates (None: keep all). Dropping any makes the answer
        optimal only over the kept pairs, and the result says so (``exact`` is False).
    block_pairs
        Pairs scored at once; bounds memory (about 150 bytes a pair at peak).

    Raises
    ------
    InvalidProblem
        When a value is out of range.
    """

    weights: MatchWeights = field(default_factory=MatchWeights)
    min_score: float = 0.30
    max_distance_km: float = 5.0
    max_travel_min: float | None = None
    min_overlap_min: int = 60
    availability_full_h: float = 3.0
    interest_saturation: float = 4.0
    phone_distance_score: float = 0.0
    dbs_margin_days: int = 0
    objective: Literal["total_score", "most_matched"] = "total_score"
    algorithm: Literal["optimal", "greedy"] = "optimal"
    max_candidates_per_resident: int | None = None
    block_pairs: int = 2_000_000

    def __post_init__(self) -> None:
        checks: tuple[tuple[str, bool], ...] = (
            ("min_score must lie in [0, 1]", 0.0 <= self.min_score <= 1.0),
            ("max_distance_km must be positive", _positive(self.max_distance_km)),
            (
                "max_travel_min must be positive or None",
                self.max_travel_min is None or _positive(self.max_travel_min),
            ),
            ("min_overlap_min must be 0 or more", self.min_overlap_min >= 0),
            ("availability_full_h must be positive", _positive(self.availability_full_h)),
            ("interest_saturation must be positive", _positive(self.interest_saturation)),
            ("phone_distance_score must lie in [0, 1]", 0.0 <= self.phone_distance_score <= 1.0),
            ("dbs_margin_days must be 0 or more", self.dbs_margin_days >= 0),
            (
                "objective must be 'total_score' or 'most_matched'",
                self.objective in ("total_score", "most_matched"),
            ),
            ("algorithm must be 'optimal' or 'greedy'", self.algorithm in ("optimal", "greedy")),
            (
                "max_candidates_per_resident must be positive or None",
                self.max_candidates_per_resident is None or self.max_candidates_per_resident > 0,
            ),
            ("block_pairs must be positive", self.block_pairs > 0),
        )
        for text, ok in checks:
            if not ok:
                msg = f"MatchParams: {text}."
                raise InvalidProblem(msg)


def _positive(value: float) -> bool:
    return math.isfinite(value) and value > 0


@dataclass(frozen=True, slots=True)
class ScoreComponents:
    """The weighted parts of a pair's score; they add up to the score (to 1e-6).

    Each value is ``weight × part / sum of weights``, so a part the weights switch off is 0.
    """

    interests: float
    language: float
    availability: float
    distance: float
    age: float
    life_events: float

    @property
    def total(self) -> float:
        """Return the sum of the parts."""
        return (
            self.interests
            + self.language
            + self.availability
            + self.distance
            + self.age
            + self.life_events
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed pairing with its score and the reasons a coordinator reads.

    Parameters
    ----------
    resident_id, befriender_id
        Who is paired.
    score
        In ``[0, 1]``, rounded to 1e-6; the value the assignment maximised.
    mode
        ``"visit"`` or ``"phone"``.
    components
        The score's weighted parts.
    reasons
        Plain sentences, one per part that scored, in :data:`COMPONENT_NAMES` order, e.g.
        ``("both love gardening and choir", "both speak Punjabi", "1.2 km apart")``.
    shared_interests, shared_languages
        Display forms, rarest first (for the introduction text).
    common_time_min
        Minutes a week both are free (0 when either gave no availability).
    distance_km
        Between homes (by road with a travel-time source); None for a phone pairing without
        both locations.
    travel_min
        Driving minutes with a travel-time source, else None.
    """

    resident_id: PersonId
    befriender_id: PersonId
    score: float
    mode: Literal["visit", "phone"]
    components: ScoreComponents
    reasons: tuple[str, ...]
    shared_interests: tuple[str, ...] = ()
    shared_languages: tuple[str, ...] = ()
    common_time_min: int = 0
    distance_km: float | None = None
    travel_min: float | None = None

    @property
    def summary(self) -> str:
        """Return the reasons as one line, e.g. ``"both love chess; both speak Polish"``."""
        return "; ".join(self.reasons)


class WaitingCode(StrEnum):
    """Why a resident got no proposal: the first hard rule that left nobody, or the assignment."""

    NO_BEFRIENDERS = "no_befrienders"
    OUT_OF_REACH = "out_of_reach"
    LANGUAGE = "language"
    GENDER = "gender"
    AVAILABILITY = "availability"
    DBS = "dbs"
    FULL = "full"
    BLOCKED = "blocked"
    LOW_SCORE = "low_score"
    TAKEN = "taken"


@dataclass(frozen=True, slots=True)
class Waiting:
    """A resident left waiting, with the reason in words and as a code.

    Parameters
    ----------
    resident_id
        Who waits.
    code
        The rule that left nobody (see :class:`WaitingCode`), or ``taken`` when suitable
        befrienders existed but the best overall answer gave them to others.
    reason
        One sentence for the coordinator, e.g. "No befriender who lives within 5 km and speaks
        Polish."
    candidates
        Befrienders that passed every rule and the minimum score.
    best_score
        The best of those candidates' scores, or None.
    """

    resident_id: PersonId
    code: WaitingCode
    reason: str
    candidates: int = 0
    best_score: float | None = None


class MatchStatus(StrEnum):
    """How the run went: ``ok``, or ``solver_failed`` (proposals then come from the greedy)."""

    OK = "ok"
    SOLVER_FAILED = "solver_failed"


@dataclass(frozen=True, slots=True)
class MatchStats:
    """Sizes and timings of a run.

    Parameters
    ----------
    residents, befrienders
        People considered (residents already in an active pairing are not).
    candidates
        Pairs passing every hard rule and the minimum score (kept for the assignment).
    candidates_dropped
        Pairs left out by ``max_candidates_per_resident``.
    scoring_s, assign_s
        Wall-clock seconds.
    solver_status
        The OR-Tools status name, ``"GREEDY"`` for the baseline, or ``"NO_CANDIDATES"``.
    """

    residents: int
    befrienders: int
    candidates: int
    candidates_dropped: int
    scoring_s: float
    assign_s: float
    solver_status: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The answer of :func:`~app.optimizer.matching.propose_pairings`.

    Parameters
    ----------
    status
        ``ok``, or ``solver_failed`` when OR-Tools did not report an optimum (proposals then
        come from the greedy baseline and ``warnings`` says so).
    proposals
        New pairs, in the residents' input order.
    waiting
        Residents without a proposal, with reasons, in input order.
    kept
        Active pairings passed in ``existing``: never broken by a run.
    total_score
        Sum of the proposals' scores.
    exact
        True when the proposals are proven optimal for ``params.objective`` over every pair that
        passes the hard rules and the minimum score (scores as rounded to 1e-6).
    algorithm
        ``"optimal"`` or ``"greedy"`` as run.
    warnings
        Things a coordinator should know, e.g. an active pairing whose befriender's DBS lapsed.
    stats
        Sizes and timings.
    """

    status: MatchStatus
    proposals: tuple[Proposal, ...]
    waiting: tuple[Waiting, ...]
    kept: tuple[tuple[PersonId, PersonId], ...]
    total_score: float
    exact: bool
    algorithm: Literal["optimal", "greedy"]
    warnings: tuple[str, ...]
    stats: MatchStats
