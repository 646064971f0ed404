"""Pair scores, hard rules and human-readable reasons, vectorised with numpy.

A run's people are turned once into a :class:`Pool` of arrays (interests and languages as 0/1
matrices, availability as half-hour slot vectors of the week, coordinates, codes). Blocks of
residents are then scored against every befriender at once with matrix products
(:func:`evaluate_rows`), and only the pairs actually proposed get their reasons written
(:func:`explain_pairs`), so 5,000 × 1,000 pairs take well under a second.

The score of a pair is the weighted mean of six parts in ``[0, 1]``:

* **interests**: ``1 - exp(-Σ idf / saturation)`` over the shared interests, with
  ``idf = ln(1 + N / df)`` counted over the run's residents and befrienders, so a rare shared
  interest counts more than "tea"; IDF weights are rounded to 1/1024 so the float32 matrix
  products are exact and the two code paths (blocks, single pairs) agree to the bit;
* **language**: 1 when they share a language;
* **availability**: hours a week both are free, over ``availability_full_h``, capped at 1;
* **distance**: ``1 - d / limit`` for a visit (``d`` straight-line, or by road with a
  :class:`~app.optimizer.roads.TravelTimes`), ``phone_distance_score`` by phone;
* **age**: 1 in the same age band, 0.5 in neighbouring bands;
* **life_events**: 1 when they share a life event and the resident consented to use it.

Hard rules, in the order used to explain who waits: reach (distance, travel time or phone),
language (when needed), gender preference, common free time, DBS valid, a free place, pair not
blocked; then the minimum score.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from app.optimizer.errors import InvalidProblem
from app.optimizer.matching.types import AGE_BANDS
from app.optimizer.matching.types import SCORE_SCALE
from app.optimizer.matching.types import WEEKDAY_NAMES
from app.optimizer.matching.types import BefrienderProfile
from app.optimizer.matching.types import MatchParams
from app.optimizer.matching.types import ResidentProfile
from app.optimizer.matching.types import ScoreComponents
from app.optimizer.matching.types import WeeklyWindow
from app.optimizer.roads import TravelTimes
from app.optimizer.types import LatLon

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

EARTH_RADIUS_KM = 6371.0088
SLOT_S = 1800
SLOTS_PER_DAY = 86_400 // SLOT_S
WEEK_SLOTS = 7 * SLOTS_PER_DAY
IDF_QUANTUM = 1024.0

#: Hard rules in the order a waiting resident's reason is looked for.
RULES: tuple[str, ...] = (
    "reach",
    "language",
    "gender",
    "availability",
    "dbs",
    "capacity",
    "blocked",
    "score",
)

# Parts of the day used in the availability reason ("both free Tuesday afternoons").
_DAY_PARTS: tuple[tuple[str, int, int], ...] = (
    ("mornings", 0, 12 * 3600 // SLOT_S),
    ("afternoons", 12 * 3600 // SLOT_S, 17 * 3600 // SLOT_S),
    ("evenings", 17 * 3600 // SLOT_S, SLOTS_PER_DAY),
)


def haversine_km(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Return great-circle distances in kilometres, broadcasting the inputs.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Degrees (WGS84); NaN propagates.

    Returns
    -------
    numpy.ndarray
        Distances on a sphere of radius :data:`EARTH_RADIUS_KM`.
    """
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    out: F64 = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Pool:
    """A run's people as arrays (rows: residents ``R``, befrienders ``B``). Internal."""

    residents: tuple[ResidentProfile, ...]
    befrienders: tuple[BefrienderProfile, ...]
    params: MatchParams
    day: date
    interest_names: tuple[str, ...]
    interest_idf: F32
    r_interest: F32
    b_interest: F32
    language_names: tuple[str, ...]
    language_speakers: I64
    r_lang: F32
    b_lang: F32
    r_needs_lang: Bool
    r_slots: F32
    b_slots: F32
    r_has_slots: Bool
    b_has_slots: Bool
    r_lat: F64
    r_lon: F64
    b_lat: F64
    b_lon: F64
    r_phone: Bool
    b_phone: Bool
    b_max_km: F64
    r_gender_pref: I64
    b_gender: I64
    r_age: I64
    b_age: I64
    event_names: tuple[str, ...]
    r_events: F32
    b_events: F32
    b_dbs_ok: Bool
    b_load: I64
    b_remaining: I64
    blocked_r: I64
    blocked_b: I64
    travel_s: I64 | None
    travel_m: I64 | None
    weights: F64

    @property
    def n_residents(self) -> int:
        """Return the number of residents."""
        return len(self.residents)

    @property
    def n_befrienders(self) -> int:
        """Return the number of befrienders."""
        return len(self.befrienders)


@dataclass(frozen=True, slots=True, eq=False)
class Block:
    """Scores and rule masks of some residents (``rows``) against every befriender. Internal."""

    rows: I64
    rules: dict[str, Bool]
    score_int: I64
    visit: Bool

    @property
    def feasible(self) -> Bool:
        """Return the pairs passing every rule and the minimum score."""
        out = np.ones_like(self.visit)
        for mask in self.rules.values():
            out &= mask
        return out


def _vocabulary(*groups: Sequence[frozenset[str]]) -> tuple[str, ...]:
    terms: set[str] = set()
    for group in groups:
        for item in group:
            terms |= item
    return tuple(sorted(terms))


def _one_hot(items: Sequence[frozenset[str]], names: tuple[str, ...]) -> F32:
    index = {name: i for i, name in enumerate(names)}
    out = np.zeros((len(items), len(names)), dtype=np.float32)
    for row, item in enumerate(items):
        cols = [index[t] for t in item]
        out[row, cols] = 1.0
    return out


def _slots(windows_by_person: Sequence[tuple[WeeklyWindow, ...]]) -> F32:
    out = np.zeros((len(windows_by_person), WEEK_SLOTS), dtype=np.float32)
    for row, windows in enumerate(windows_by_person):
        for w in windows:
            # Only whole half-hours inside the window count (rounded inwards).
            first = w.weekday * SLOTS_PER_DAY + math.ceil(w.start_s / SLOT_S)
            last = w.weekday * SLOTS_PER_DAY + w.end_s // SLOT_S
            out[row, first:last] = 1.0
    return out


def _codes(values: Sequence[str | None], names: dict[str, int]) -> I64:
    return np.array([names.get(v, -2) if v is not None else -1 for v in values], dtype=np.int64)


def _coords(points: Sequence[LatLon | None]) -> tuple[F64, F64]:
    lat = np.array([p.lat if p is not None else np.nan for p in points], dtype=np.float64)
    lon = np.array([p.lon if p is not None else np.nan for p in points], dtype=np.float64)
    return lat, lon


def build_pool(
    residents: Sequence[ResidentProfile],
    befrienders: Sequence[BefrienderProfile],
    params: MatchParams,
    *,
    day: date,
    load: Sequence[int] | None = None,
    blocked: Sequence[tuple[int, int]] = (),
    travel: TravelTimes | None = None,
) -> Pool:
    """Turn a run's people into arrays.

    Parameters
    ----------
    residents, befrienders
        The people of the run (ids already checked unique).
    params
        The run's knobs.
    day
        The day DBS checks must be valid on.
    load
        Active pairings per befriender (default: each ``current_load``).
    blocked
        ``(resident index, befriender index)`` pairs never to propose.
    travel
        Optional road travel times; the matrix is asked for every located person at once.

    Returns
    -------
    Pool
        The arrays.

    Raises
    ------
    InvalidProblem
        When the travel-time source returns a matrix of the wrong shape.
    """
    rs = tuple(residents)
    bs = tuple(befrienders)
    r_int = [frozenset(r.interests) for r in rs]
    b_int = [frozenset(b.interests) for b in bs]
    interest_names = _vocabulary(r_int, b_int)
    r_interest = _one_hot(r_int, interest_names)
    b_interest = _one_hot(b_int, interest_names)
    people = max(len(rs) + len(bs), 1)
    df = r_interest.sum(axis=0, dtype=np.float64) + b_interest.sum(axis=0, dtype=np.float64)
    idf = np.log1p(people / np.maximum(df, 1.0))
    interest_idf = (np.round(idf * IDF_QUANTUM) / IDF_QUANTUM).astype(np.float32)

    r_langs = [frozenset(r.languages) for r in rs]
    b_langs = [frozenset(b.languages) for b in bs]
    language_names = _vocabulary(r_langs, b_langs)
    r_lang = _one_hot(r_langs, language_names)
    b_lang = _one_hot(b_langs, language_names)
    language_speakers = (r_lang.sum(axis=0) + b_lang.sum(axis=0)).astype(np.int64)

    # Life events count only with the resident's consent (issue #5): otherwise a zero row.
    r_ev = [frozenset(r.life_events) if r.share_life_events else frozenset() for r in rs]
    b_ev = [frozenset(b.life_events) for b in bs]
    event_names = _vocabulary(r_ev, b_ev)

    r_windows = [tuple(r.availability) for r in rs]
    b_windows = [tuple(b.availability) for b in bs]

    genders = {g: i for i, g in enumerate(sorted({b.gender for b in bs if b.gender is not None}))}
    ages = {a: i for i, a in enumerate(AGE_BANDS)}

    r_lat, r_lon = _coords([r.location for r in rs])
    b_lat, b_lon = _coords([b.location for b in bs])
    own = np.array(
        [b.max_distance_km if b.max_distance_km is not None else np.inf for b in bs],
        dtype=np.float64,
    )
    b_max_km = np.minimum(own, params.max_distance_km)
    b_dbs_ok = np.array(
        [b.dbs_valid_on(day, margin_days=params.dbs_margin_days) for b in bs], dtype=np.bool_
    )
    b_load = np.array(
        load if load is not None else [b.current_load for b in bs], dtype=np.int64
    ).reshape(len(bs))
    b_capacity = np.array([b.capacity for b in bs], dtype=np.int64)
    blocked_arr = np.array(blocked, dtype=np.int64).reshape(-1, 2)
    travel_s, travel_m = _travel(rs, bs, travel)
    return Pool(
        residents=rs,
        befrienders=bs,
        params=params,
        day=day,
        interest_names=interest_names,
        interest_idf=interest_idf,
        r_interest=r_interest,
        b_interest=b_interest,
        language_names=language_names,
        language_speakers=language_speakers,
        r_lang=r_lang,
        b_lang=b_lang,
        r_needs_lang=np.array([r.needs_language for r in rs], dtype=np.bool_),
        r_slots=_slots(r_windows),
        b_slots=_slots(b_windows),
        r_has_slots=np.array([bool(w) for w in r_windows], dtype=np.bool_),
        b_has_slots=np.array([bool(w) for w in b_windows], dtype=np.bool_),
        r_lat=r_lat,
        r_lon=r_lon,
        b_lat=b_lat,
        b_lon=b_lon,
        r_phone=np.array([r.accepts_phone for r in rs], dtype=np.bool_),
        b_phone=np.array([b.by_phone for b in bs], dtype=np.bool_),
        b_max_km=b_max_km,
        r_gender_pref=_codes([r.gender_preference for r in rs], genders),
        b_gender=_codes([b.gender for b in bs], genders),
        r_age=_codes([r.age_band for r in rs], ages),
        b_age=_codes([b.age_band for b in bs], ages),
        event_names=event_names,
        r_events=_one_hot(r_ev, event_names),
        b_events=_one_hot(b_ev, event_names),
        b_dbs_ok=b_dbs_ok,
        b_load=b_load,
        b_remaining=np.maximum(b_capacity - b_load, 0),
        blocked_r=blocked_arr[:, 0].copy(),
        blocked_b=blocked_arr[:, 1].copy(),
        travel_s=travel_s,
        travel_m=travel_m,
        weights=np.array(params.weights.as_tuple(), dtype=np.float64),
    )


def _travel(
    rs: tuple[ResidentProfile, ...],
    bs: tuple[BefrienderProfile, ...],
    travel: TravelTimes | None,
) -> tuple[I64 | None, I64 | None]:
    if travel is None:
        return None, None
    b_idx = [i for i, b in enumerate(bs) if b.location is not None]
    r_idx = [i for i, r in enumerate(rs) if r.location is not None]
    points = [bs[i].location for i in b_idx] + [rs[i].location for i in r_idx]
    located = [p for p in points if p is not None]
    n = len(located)
    duration_s = np.zeros((len(rs), len(bs)), dtype=np.int64)
    distance_m = np.zeros((len(rs), len(bs)), dtype=np.int64)
    if not b_idx or not r_idx:
        return duration_s, distance_m
    matrix = travel.matrix(located)
    if matrix.duration_s.shape != (n, n) or matrix.distance_m.shape != (n, n):
        msg = (
            f"The travel-time source returned matrices of shape {matrix.duration_s.shape} and "
            f"{matrix.distance_m.shape} for {n} points."
        )
        raise InvalidProblem(msg)
    # The befriender travels to the resident: row = befriender, column = resident.
    rows = np.array(b_idx, dtype=np.int64)
    cols = len(b_idx) + np.arange(len(r_idx), dtype=np.int64)
    ri = np.array(r_idx, dtype=np.int64)
    duration_s[np.ix_(ri, rows)] = np.asarray(matrix.duration_s)[np.ix_(rows, cols)].T
    distance_m[np.ix_(ri, rows)] = np.asarray(matrix.distance_m)[np.ix_(rows, cols)].T
    return duration_s, distance_m


@dataclass(frozen=True, slots=True, eq=False)
class _Raw:
    """Pairwise raw quantities from which parts and rules follow (blocks or pair lists)."""

    interest: F32
    lang_shared: Bool
    overlap_slots: F32
    dist_km: F64
    travel_s: F64
    events_shared: Bool
    age_r: I64
    age_b: I64
    max_km: F64


def _raw_block(pool: Pool, rows: I64) -> _Raw:
    n, b = len(rows), pool.n_befrienders
    interest = (pool.r_interest[rows] * pool.interest_idf) @ pool.b_interest.T
    lang = (pool.r_lang[rows] @ pool.b_lang.T) > 0
    overlap = pool.r_slots[rows] @ pool.b_slots.T
    events = (pool.r_events[rows] @ pool.b_events.T) > 0
    if pool.travel_m is not None and pool.travel_s is not None:
        dist = pool.travel_m[rows].astype(np.float64) / 1000.0
        travel = pool.travel_s[rows].astype(np.float64)
        located = ~np.isnan(pool.r_lat[rows])[:, None] & ~np.isnan(pool.b_lat)[None, :]
        dist = np.where(located, dist, np.nan)
    else:
        dist = haversine_km(
            pool.r_lat[rows][:, None], pool.r_lon[rows][:, None], pool.b_lat, pool.b_lon
        )
        travel = np.zeros((n, b), dtype=np.float64)
    return _Raw(
        interest=np.ascontiguousarray(interest, dtype=np.float32).reshape(n, b),
        lang_shared=lang.reshape(n, b),
        overlap_slots=np.ascontiguousarray(overlap, dtype=np.float32).reshape(n, b),
        dist_km=np.ascontiguousarray(dist, dtype=np.float64).reshape(n, b),
        travel_s=travel.reshape(n, b),
        events_shared=events.reshape(n, b),
        age_r=np.broadcast_to(pool.r_age[rows][:, None], (n, b)),
        age_b=np.broadcast_to(pool.b_age[None, :], (n, b)),
        max_km=np.broadcast_to(pool.b_max_km[None, :], (n, b)),
    )


def _raw_pairs(pool: Pool, r: I64, b: I64) -> _Raw:
    interest = (pool.r_interest[r] * pool.interest_idf * pool.b_interest[b]).sum(axis=1)
    lang = (pool.r_lang[r] * pool.b_lang[b]).sum(axis=1) > 0
    overlap = (pool.r_slots[r] * pool.b_slots[b]).sum(axis=1)
    events = (pool.r_events[r] * pool.b_events[b]).sum(axis=1) > 0
    if pool.travel_m is not None and pool.travel_s is not None:
        located = ~np.isnan(pool.r_lat[r]) & ~np.isnan(pool.b_lat[b])
        dist = np.where(located, pool.travel_m[r, b].astype(np.float64) / 1000.0, np.nan)
        travel = pool.travel_s[r, b].astype(np.float64)
    else:
        dist = haversine_km(pool.r_lat[r], pool.r_lon[r], pool.b_lat[b], pool.b_lon[b])
        travel = np.zeros(len(r), dtype=np.float64)
    return _Raw(
        interest=np.ascontiguousarray(interest, dtype=np.float32),
        lang_shared=lang,
        overlap_slots=np.ascontiguousarray(overlap, dtype=np.float32),
        dist_km=np.ascontiguousarray(dist, dtype=np.float64),
        travel_s=travel,
        events_shared=events,
        age_r=pool.r_age[r],
        age_b=pool.b_age[b],
        max_km=pool.b_max_km[b],
    )


def _visit_ok(pool: Pool, raw: _Raw) -> Bool:
    with np.errstate(invalid="ignore"):
        ok: Bool = raw.dist_km <= raw.max_km  # NaN (no location) compares False
    limit = pool.params.max_travel_min
    if limit is not None and pool.travel_s is not None:
        ok &= raw.travel_s <= limit * 60.0
    return ok


def _parts(pool: Pool, raw: _Raw, visit_ok: Bool, phone_ok: Bool) -> tuple[list[F64], Bool]:
    """Return the six unweighted parts (COMPONENT_NAMES order) and whether each pair is a visit."""
    p = pool.params
    interests = 1.0 - np.exp(-raw.interest.astype(np.float64) / p.interest_saturation)
    language = raw.lang_shared.astype(np.float64)
    availability = np.minimum(
        raw.overlap_slots.astype(np.float64) * (SLOT_S / 3600.0) / p.availability_full_h, 1.0
    )
    with np.errstate(invalid="ignore"):
        closeness = np.where(visit_ok, 1.0 - raw.dist_km / raw.max_km, 0.0)
    phone = np.where(phone_ok, p.phone_distance_score, 0.0)
    visit = visit_ok & (closeness >= phone)
    distance = np.where(visit, closeness, phone)
    known = (raw.age_r >= 0) & (raw.age_b >= 0)
    gap = np.abs(raw.age_r - raw.age_b)
    age = np.where(known & (gap == 0), 1.0, np.where(known & (gap == 1), 0.5, 0.0))
    life = raw.events_shared.astype(np.float64)
    return [interests, language, availability, distance, age, life], visit


def _score_int(pool: Pool, parts: list[F64]) -> I64:
    w = pool.weights / pool.weights.sum()
    # Summed part by part in a fixed order, so blocks and single pairs give the same bits.
    score = np.zeros_like(parts[0])
    for weight, part in zip(w.tolist(), parts, strict=True):
        score += weight * part
    out: I64 = np.rint(score * SCORE_SCALE).astype(np.int64)
    return out


def _min_score_int(params: MatchParams) -> int:
    return round(params.min_score * SCORE_SCALE)


def evaluate_rows(pool: Pool, rows: I64) -> Block:
    """Score residents ``rows`` against every befriender and evaluate every hard rule.

    Parameters
    ----------
    pool
        The run's arrays.
    rows
        Resident indices.

    Returns
    -------
    Block
        Integer scores (micro-points), the visit/phone mode and one mask per rule in
        :data:`RULES` order (True = allowed).
    """
    p = pool.params
    raw = _raw_block(pool, rows)
    visit_ok = _visit_ok(pool, raw)
    phone_ok = pool.r_phone[rows][:, None] & pool.b_phone[None, :]
    parts, visit = _parts(pool, raw, visit_ok, phone_ok)
    score_int = _score_int(pool, parts)
    n, b = len(rows), pool.n_befrienders
    needs = pool.r_needs_lang[rows][:, None]
    pref = pool.r_gender_pref[rows][:, None]
    rules: dict[str, Bool] = {
        "reach": visit_ok | phone_ok,
        "language": ~needs | raw.lang_shared,
        "gender": (pref == -1) | (pref == pool.b_gender[None, :]),
        "availability": _availability_ok(pool, raw, rows),
        "dbs": np.broadcast_to(pool.b_dbs_ok[None, :], (n, b)).copy(),
        "capacity": np.broadcast_to(pool.b_remaining[None, :] > 0, (n, b)).copy(),
        "blocked": _not_blocked(pool, rows),
        "score": score_int >= _min_score_int(p),
    }
    return Block(rows=rows, rules=rules, score_int=score_int, visit=visit)


def _availability_ok(pool: Pool, raw: _Raw, rows: I64) -> Bool:
    need = pool.params.min_overlap_min
    enough: Bool = raw.overlap_slots * (SLOT_S / 60.0) >= need
    if need == 0:
        return np.ones_like(enough)
    # Unknown availability (no windows given) on either side does not rule a pair out.
    return enough | ~pool.r_has_slots[rows][:, None] | ~pool.b_has_slots[None, :]


def _not_blocked(pool: Pool, rows: I64) -> Bool:
    out = np.ones((len(rows), pool.n_befrienders), dtype=np.bool_)
    if pool.blocked_r.size:
        position = np.full(pool.n_residents, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        local = position[pool.blocked_r]
        keep = local >= 0
        out[local[keep], pool.blocked_b[keep]] = False
    return out


def iter_blocks(pool: Pool, rows: I64) -> Iterator[Block]:
    """Yield :func:`evaluate_rows` over ``rows`` in blocks of about ``params.block_pairs`` pairs.

    Parameters
    ----------
    pool
        The run's arrays.
    rows
        Resident indices.

    Yields
    ------
    Block
        One block of residents at a time.
    """
    size = max(1, pool.params.block_pairs // max(pool.n_befrienders, 1))
    for start in range(0, len(rows), size):
        yield evaluate_rows(pool, rows[start : start + size])


@dataclass(frozen=True, slots=True)
class Explained:
    """Score, parts and reasons of one pair. Internal."""

    score_int: int
    visit: bool
    components: ScoreComponents
    reasons: tuple[str, ...]
    shared_interests: tuple[str, ...]
    shared_languages: tuple[str, ...]
    common_time_min: int
    distance_km: float | None
    travel_min: float | None


def explain_pairs(pool: Pool, r: I64, b: I64) -> list[Explained]:
    """Write the score's parts and the reasons of the pairs ``(r[k], b[k])``.

    Parameters
    ----------
    pool
        The run's arrays.
    r, b
        Resident and befriender indices of the same length.

    Returns
    -------
    list[Explained]
        One per pair; ``score_int`` equals :func:`evaluate_rows`'s for the same pair.
    """
    raw = _raw_pairs(pool, r, b)
    visit_ok = _visit_ok(pool, raw)
    phone_ok = pool.r_phone[r] & pool.b_phone[b]
    parts, visit = _parts(pool, raw, visit_ok, phone_ok)
    score_int = _score_int(pool, parts)
    weighted = np.stack(parts) * (pool.weights / pool.weights.sum())[:, None]
    out: list[Explained] = []
    for k in range(len(r)):
        ri, bi = int(r[k]), int(b[k])
        interests = _shared_interests(pool, ri, bi)
        languages = _shared_languages(pool, ri, bi)
        common_min = int(raw.overlap_slots[k]) * SLOT_S // 60
        dist = float(raw.dist_km[k]) if not math.isnan(raw.dist_km[k]) else None
        travel_min = (
            float(raw.travel_s[k]) / 60.0
            if pool.travel_s is not None and dist is not None
            else None
        )
        comp = ScoreComponents(*(float(x) for x in weighted[:, k]))
        reasons = _reasons(
            pool,
            ri,
            bi,
            comp,
            interests=interests,
            languages=languages,
            common_min=common_min,
            visit=bool(visit[k]),
            dist_km=dist,
            travel_min=travel_min,
        )
        out.append(
            Explained(
                score_int=int(score_int[k]),
                visit=bool(visit[k]),
                components=comp,
                reasons=reasons,
                shared_interests=interests,
                shared_languages=languages,
                common_time_min=common_min,
                distance_km=dist,
                travel_min=travel_min,
            )
        )
    return out


def _shared_interests(pool: Pool, r: int, b: int) -> tuple[str, ...]:
    shared = np.flatnonzero(pool.r_interest[r] * pool.b_interest[b])
    # Rarest first: it is what makes the pair special.
    order = sorted(shared.tolist(), key=lambda i: (-pool.interest_idf[i], pool.interest_names[i]))
    return tuple(pool.interest_names[i] for i in order)


def _shared_languages(pool: Pool, r: int, b: int) -> tuple[str, ...]:
    shared = np.flatnonzero(pool.r_lang[r] * pool.b_lang[b])
    order = sorted(
        shared.tolist(), key=lambda i: (pool.language_speakers[i], pool.language_names[i])
    )
    return tuple(language_label(pool.language_names[i]) for i in order)


def language_label(term: str) -> str:
    """Return a normalised language as displayed (``"punjabi"`` → ``"Punjabi"``).

    Parameters
    ----------
    term
        A normalised language.

    Returns
    -------
    str
        Each word capitalised.
    """
    return " ".join(w[:1].upper() + w[1:] for w in term.split())


def join_words(words: Sequence[str], *, conjunction: str = "and", limit: int = 4) -> str:
    """Return ``"a, b and c"``; beyond ``limit`` items, ``"a, b, c and 2 more"``.

    Parameters
    ----------
    words
        Items to list.
    conjunction
        ``"and"`` or ``"or"``.
    limit
        Most items named.

    Returns
    -------
    str
        The list in words.
    """
    items = list(words)
    if len(items) > limit:
        items = [*items[: limit - 1], f"{len(words) - limit + 1} more"]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def format_km(km: float) -> str:
    """Return a distance as ``"1.2 km"`` or ``"350 m"``.

    Parameters
    ----------
    km
        Kilometres.

    Returns
    -------
    str
        Rounded for reading.
    """
    if round(km, 1) < 1.0:
        return f"{max(round(km * 100) * 10, 10):.0f} m"
    return f"{km:.1f} km"


def _common_times(pool: Pool, r: int, b: int) -> list[str]:
    week = (pool.r_slots[r] * pool.b_slots[b]).reshape(7, SLOTS_PER_DAY)
    out: list[str] = []
    for day in range(7):
        for name, start, end in _DAY_PARTS:
            if week[day, start:end].any():
                out.append(f"{WEEKDAY_NAMES[day]} {name}")
    return out


def _reasons(
    pool: Pool,
    r: int,
    b: int,
    comp: ScoreComponents,
    *,
    interests: tuple[str, ...],
    languages: tuple[str, ...],
    common_min: int,
    visit: bool,
    dist_km: float | None,
    travel_min: float | None,
) -> tuple[str, ...]:
    # One sentence per part that scored, in COMPONENT_NAMES order; the distance sentence also
    # appears when it scored nothing, because "by phone" or "4.8 km apart" is worth knowing.
    out: list[str] = []
    if comp.interests > 0:
        out.append(f"both love {join_words(interests)}")
    if comp.language > 0:
        out.append(f"both speak {join_words(languages)}")
    if comp.availability > 0:
        hours = f"{common_min / 60:g} h a week in common"
        out.append(f"both free {join_words(_common_times(pool, r, b), limit=3)} ({hours})")
    if visit and dist_km is not None:
        if travel_min is not None:
            out.append(f"{travel_min:.0f} min by road ({format_km(dist_km)})")
        else:
            out.append(f"{format_km(dist_km)} apart")
    else:
        why = " (no address on file)" if pool.residents[r].location is None else ""
        out.append(f"befriending by phone{why}")
    if comp.age > 0:
        ra, ba = pool.residents[r].age_band, pool.befrienders[b].age_band
        out.append(f"both aged {ra}" if ra == ba else f"close in age ({ra} and {ba})")
    if comp.life_events > 0:
        shared = np.flatnonzero(pool.r_events[r] * pool.b_events[b])
        events = [pool.event_names[i] for i in shared.tolist()]
        out.append(f"both have been through {join_words(events)}")
    return tuple(out)


def rule_violations(pool: Pool, r: int, b: int) -> tuple[str, ...]:
    """Return why the pair ``(r, b)`` breaks hard rules, in :data:`RULES` order (empty if none).

    The minimum score is not a hard rule here: this checks a pair a coordinator is accepting.

    Parameters
    ----------
    pool
        The run's arrays.
    r, b
        Resident and befriender indices.

    Returns
    -------
    tuple[str, ...]
        One sentence per broken rule.
    """
    block = evaluate_rows(pool, np.array([r], dtype=np.int64))
    res, bef, p = pool.residents[r], pool.befrienders[b], pool.params
    out: list[str] = []
    if not block.rules["reach"][0, b]:
        if res.location is None or bef.location is None:
            who = "the resident" if res.location is None else "the befriender"
            out.append(
                f"There is no address on file for {who}, and phone befriending is not "
                "offered or not accepted."
            )
        else:
            raw = _raw_pairs(pool, np.array([r]), np.array([b]))
            dist, limit = format_km(float(raw.dist_km[0])), format_km(float(raw.max_km[0]))
            if p.max_travel_min is not None and pool.travel_s is not None:
                out.append(
                    f"The befriender is {float(raw.travel_s[0]) / 60:.0f} min by road away "
                    f"({dist}); the limits are {limit} and {p.max_travel_min:g} min."
                )
            else:
                out.append(f"The befriender lives {dist} away, beyond the limit of {limit}.")
    if not block.rules["language"][0, b]:
        needed = join_words([language_label(x) for x in sorted(res.languages)], conjunction="or")
        out.append(f"The befriender does not speak {needed}, which the resident needs.")
    if not block.rules["gender"][0, b]:
        out.append(f"The resident asked for a {res.gender_preference} befriender.")
    if not block.rules["availability"][0, b]:
        out.append(f"They share less than {p.min_overlap_min} min a week of free time.")
    if not block.rules["dbs"][0, b]:
        if bef.dbs_valid_until is None:
            out.append("The befriender has no DBS check on record.")
        else:
            out.append(
                f"The befriender's DBS check is not valid (valid until {bef.dbs_valid_until})."
            )
    if not block.rules["capacity"][0, b]:
        out.append(f"The befriender is full ({int(pool.b_load[b])} of {bef.capacity} residents).")
    if not block.rules["blocked"][0, b]:
        out.append("This pair was declined before.")
    return tuple(out)
