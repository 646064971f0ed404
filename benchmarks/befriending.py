"""Benchmark of befriending matching (issue #5): 5,000 residents × 1,000 befrienders.

Generates realistic waiting lists for Barking & Dagenham (interests with a long tail, the
borough's languages, older residents, befrienders with 1–3 places, weekly availability, a few
active pairings and declined pairs), then for each seed runs the optimal assignment (OR-Tools
min-cost flow) and, in the same process, the greedy baseline (best pair first), and prints time,
peak memory, total scores and the gain of the optimal.

Homes are postcode centroids of the borough (``../shared/data/lbbd_postcodes.csv``, overridable
with ``CONNECT_ROTA_SHARED``) jittered by up to ~50 m, or uniform points in the borough's bounding
box (lat 51.512..51.599, lon 0.067..0.190) when that file is absent or ``--uniform`` is given.

Targets: ≤ 10 s and ≤ 2 GB for the optimal run; optimal total ≥ greedy total on every case.
Exit status 1 when a target is missed.

Run: ``.venv/bin/python benchmarks/befriending.py [--seeds 0 1 2] [--residents 5000]
[--befrienders 1000]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.optimizer.matching import BefrienderProfile  # noqa: E402
from app.optimizer.matching import MatchParams  # noqa: E402
from app.optimizer.matching import MatchResult  # noqa: E402
from app.optimizer.matching import PersonId  # noqa: E402
from app.optimizer.matching import ResidentProfile  # noqa: E402
from app.optimizer.matching import WeeklyWindow  # noqa: E402
from app.optimizer.matching import propose_pairings  # noqa: E402
from app.optimizer.types import LatLon  # noqa: E402

DAY = date(2025, 6, 2)
BBOX_LAT = (51.512, 51.599)
BBOX_LON = (0.067, 0.190)
TIME_TARGET_S = 10.0
MEMORY_TARGET_MB = 2048.0

# (interest, share of people who list it): a few common ones and a long tail of rare ones.
INTERESTS: tuple[tuple[str, float], ...] = (
    ("Tea and a chat", 0.45),
    ("Gardening", 0.22),
    ("TV and films", 0.22),
    ("Walking", 0.18),
    ("Cooking", 0.18),
    ("Music", 0.18),
    ("Reading", 0.14),
    ("Football", 0.14),
    ("Pets", 0.12),
    ("Bingo", 0.10),
    ("Puzzles", 0.10),
    ("Church", 0.10),
    ("Baking", 0.08),
    ("West Ham", 0.08),
    ("Knitting", 0.07),
    ("Crafts", 0.07),
    ("History", 0.06),
    ("Mosque", 0.06),
    ("Quizzes", 0.06),
    ("Cricket", 0.05),
    ("Dominoes", 0.05),
    ("Dancing", 0.05),
    ("Art", 0.05),
    ("DIY", 0.05),
    ("Sewing", 0.05),
    ("Chess", 0.04),
    ("Choir", 0.04),
    ("Bollywood films", 0.04),
    ("Darts", 0.04),
    ("Yoga", 0.04),
    ("Computers", 0.04),
    ("Fishing", 0.03),
    ("Bowls", 0.03),
    ("Photography", 0.03),
    ("Family history", 0.03),
    ("Allotment", 0.03),
    ("Local history", 0.03),
    ("Gurdwara", 0.02),
    ("Temple", 0.02),
    ("Tai chi", 0.02),
    ("Birdwatching", 0.02),
    ("Poetry", 0.02),
)

# Main language (roughly the borough's 2021 census mix; older residents a little more South Asian).
LANGUAGES: tuple[tuple[str, float], ...] = (
    ("English", 0.74),
    ("Romanian", 0.032),
    ("Bengali", 0.025),
    ("Urdu", 0.02),
    ("Lithuanian", 0.018),
    ("Polish", 0.018),
    ("Punjabi", 0.017),
    ("Portuguese", 0.014),
    ("Yoruba", 0.01),
    ("Bulgarian", 0.008),
    ("Twi", 0.008),
    ("Somali", 0.007),
    ("Tamil", 0.007),
    ("Gujarati", 0.007),
    ("Arabic", 0.006),
    ("Russian", 0.006),
    ("Albanian", 0.005),
    ("Turkish", 0.004),
    ("Igbo", 0.004),
    ("Spanish", 0.004),
)

RESIDENT_AGES = {"45-54": 0.05, "55-64": 0.10, "65-74": 0.35, "75-84": 0.35, "85+": 0.15}
BEFRIENDER_AGES = {
    "18-24": 0.10,
    "25-34": 0.15,
    "35-44": 0.15,
    "45-54": 0.15,
    "55-64": 0.20,
    "65-74": 0.20,
    "75-84": 0.05,
}
RESIDENT_EVENTS = {
    "Bereavement": 0.25,
    "Retirement": 0.15,
    "Loss of mobility": 0.15,
    "Divorce": 0.05,
    "Moved to the area": 0.05,
}
BEFRIENDER_EVENTS = {"Bereavement": 0.15, "Retirement": 0.15, "Caring for someone": 0.10}

H = 3600


def _shared() -> Path:
    env = os.environ.get("CONNECT_ROTA_SHARED")
    return Path(env) if env else ROOT / ".." / "shared"


def load_postcodes() -> np.ndarray | None:
    """Return the borough's postcode centroids inside the bounding box, or None if absent."""
    path = _shared() / "data" / "lbbd_postcodes.csv"
    if not path.exists():
        return None
    points = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["in_lbbd"] != "True":
                continue
            lat, lon = float(row["lat"]), float(row["lon"])
            if BBOX_LAT[0] <= lat <= BBOX_LAT[1] and BBOX_LON[0] <= lon <= BBOX_LON[1]:
                points.append((lat, lon))
    return np.array(points) if points else None


def _points(rng: np.random.Generator, n: int, postcodes: np.ndarray | None) -> np.ndarray:
    if postcodes is None:
        lat = rng.uniform(*BBOX_LAT, size=n)
        lon = rng.uniform(*BBOX_LON, size=n)
        return np.column_stack([lat, lon])
    picked = postcodes[rng.integers(0, len(postcodes), size=n)]
    jitter = rng.normal(0.0, 0.0003, size=(n, 2))  # ~30 m in latitude
    out = picked + jitter
    out[:, 0] = np.clip(out[:, 0], *BBOX_LAT)
    out[:, 1] = np.clip(out[:, 1], *BBOX_LON)
    return out


def _interests(rng: np.random.Generator, scale: float) -> list[str]:
    names = [n for n, p in INTERESTS if rng.random() < p * scale]
    # Real forms are messy: odd casing, stray spaces and duplicates, normalised by the library.
    if names and rng.random() < 0.1:
        names.append(f"  {names[0].upper()} ")
    return names or ["Tea and a chat"]


def _languages(rng: np.random.Generator, english_if_other: float) -> tuple[list[str], bool]:
    names = [n for n, _ in LANGUAGES]
    p = np.array([w for _, w in LANGUAGES])
    main = str(rng.choice(names, p=p / p.sum()))
    if main == "English":
        return ["English"], False
    speaks_english = rng.random() < english_if_other
    return ([main, "English"] if speaks_english else [main]), not speaks_english


def _pick(rng: np.random.Generator, table: dict[str, float]) -> str:
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return str(rng.choice(keys, p=p / p.sum()))


def _events(rng: np.random.Generator, table: dict[str, float]) -> list[str]:
    return [e for e, p in table.items() if rng.random() < p]


def _windows(rng: np.random.Generator, n: int, parts: list[tuple[int, int]]) -> list[WeeklyWindow]:
    out = []
    for _ in range(n):
        day = int(rng.integers(0, 7))
        start, end = parts[int(rng.integers(0, len(parts)))]
        shift = int(rng.integers(0, 3)) * 1800
        out.append(WeeklyWindow(day, start + shift, min(end + shift, 86_400)))
    return out


@dataclass(frozen=True)
class Case:
    """One generated benchmark case."""

    residents: list[ResidentProfile]
    befrienders: list[BefrienderProfile]
    existing: Sequence[tuple[PersonId, PersonId]]
    blocked: Sequence[tuple[PersonId, PersonId]]


def generate(seed: int, n_residents: int, n_befrienders: int, *, uniform: bool) -> Case:
    """Return a realistic case for Barking & Dagenham."""
    rng = np.random.default_rng(seed)
    postcodes = None if uniform else load_postcodes()
    r_pts = _points(rng, n_residents, postcodes)
    b_pts = _points(rng, n_befrienders, postcodes)
    day_parts = [(9 * H + 1800, 12 * H), (13 * H, 16 * H + 1800), (10 * H, 15 * H)]
    evening_parts = [(17 * H + 1800, 20 * H + 1800), (10 * H, 13 * H), (13 * H, 17 * H)]

    befrienders = []
    for i in range(n_befrienders):
        languages, _ = _languages(rng, 0.95)
        if rng.random() < 0.08:  # DBS check missing or lapsed
            dbs = None if rng.random() < 0.5 else DAY - timedelta(days=int(rng.integers(1, 400)))
        else:
            dbs = DAY + timedelta(days=int(rng.integers(30, 1100)))
        befrienders.append(
            BefrienderProfile(
                id=f"B{i}",
                location=LatLon(*b_pts[i]) if rng.random() > 0.02 else None,
                interests=_interests(rng, 1.1),
                languages=languages,
                gender="female" if rng.random() < 0.7 else "male",
                age_band=_pick(rng, BEFRIENDER_AGES),
                life_events=_events(rng, BEFRIENDER_EVENTS),
                dbs_valid_until=dbs,
                capacity=int(rng.integers(1, 4)),
                availability=_windows(rng, int(rng.integers(1, 5)), evening_parts),
                max_distance_km=None if rng.random() < 0.6 else float(rng.uniform(2.0, 8.0)),
                by_phone=bool(rng.random() < 0.35),
            )
        )
    residents = []
    for i in range(n_residents):
        languages, needs = _languages(rng, 0.6)
        pref = rng.random()
        residents.append(
            ResidentProfile(
                id=f"R{i}",
                location=LatLon(*r_pts[i]) if rng.random() > 0.03 else None,
                interests=_interests(rng, 1.0),
                languages=languages,
                needs_language=needs,
                gender_preference="Female" if pref < 0.25 else ("male" if pref < 0.30 else None),
                age_band=_pick(rng, RESIDENT_AGES),
                life_events=_events(rng, RESIDENT_EVENTS),
                share_life_events=bool(rng.random() < 0.6),
                availability=_windows(rng, int(rng.integers(2, 6)), day_parts + evening_parts),
                by_phone=bool(rng.random() < 0.25),
            )
        )
    # About 5% of residents already have an active befriender (continuity rule).
    free = {b.id: b.capacity for b in befrienders}
    existing = []
    for r in rng.choice(n_residents, size=n_residents // 20, replace=False):
        b = befrienders[int(rng.integers(0, n_befrienders))]
        if free[b.id] > 0:
            free[b.id] -= 1
            existing.append((residents[int(r)].id, b.id))
    blocked = [
        (f"R{int(rng.integers(0, n_residents))}", f"B{int(rng.integers(0, n_befrienders))}")
        for _ in range(n_residents // 10)
    ]
    return Case(residents, befrienders, existing, blocked)


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _run(case: Case, params: MatchParams) -> tuple[MatchResult, float]:
    t = time.perf_counter()
    result = propose_pairings(
        case.residents,
        case.befrienders,
        params,
        day=DAY,
        existing=case.existing,
        blocked=case.blocked,
    )
    return result, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one block per seed; return 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--befrienders", type=int, default=1000)
    parser.add_argument("--uniform", action="store_true", help="uniform points in the bbox")
    args = parser.parse_args(argv)

    homes = "uniform in bbox" if args.uniform or load_postcodes() is None else "LBBD postcodes"
    print(
        f"befriending benchmark: {args.residents} residents x {args.befrienders} befrienders, "
        f"homes: {homes}, day {DAY}"
    )
    ok = True
    for seed in args.seeds:
        t = time.perf_counter()
        case = generate(seed, args.residents, args.befrienders, uniform=args.uniform)
        gen_s = time.perf_counter() - t
        optimal, opt_s = _run(case, MatchParams())
        greedy, greedy_s = _run(case, MatchParams(algorithm="greedy"))
        rss = peak_rss_mb()
        gain = optimal.total_score - greedy.total_score
        pct = 100.0 * gain / greedy.total_score if greedy.total_score else 0.0
        in_use: Counter[PersonId] = Counter(b for _, b in case.existing)
        places = sum(max(b.capacity - in_use[b.id], 0) for b in case.befrienders)
        codes: dict[str, int] = {}
        for w in optimal.waiting:
            codes[w.code.value] = codes.get(w.code.value, 0) + 1
        print(f"\nseed {seed}: generated in {gen_s:.1f} s")
        print(
            f"  pool: {optimal.stats.residents} waiting residents ({len(case.existing)} kept in "
            f"active pairings), {args.befrienders} befrienders, {places} free places, "
            f"{optimal.stats.candidates} candidate pairs"
        )
        print(
            f"  optimal: {opt_s:.2f} s (scoring {optimal.stats.scoring_s:.2f} s, solve "
            f"{optimal.stats.assign_s:.2f} s, {optimal.stats.solver_status}, exact="
            f"{optimal.exact}), {len(optimal.proposals)} proposals, total score "
            f"{optimal.total_score:.6f}"
        )
        print(
            f"  greedy:  {greedy_s:.2f} s, {len(greedy.proposals)} proposals, total score "
            f"{greedy.total_score:.6f}"
        )
        print(f"  gain of optimal over greedy: {gain:+.6f} ({pct:+.2f} %)")
        print(f"  peak RSS of the process so far: {rss:.0f} MB")
        print(f"  waiting by reason (optimal): {dict(sorted(codes.items()))}")
        case_ok = opt_s <= TIME_TARGET_S and rss <= MEMORY_TARGET_MB and gain >= 0
        verdict = "PASS" if case_ok else "FAIL"
        print(f"  targets (<= {TIME_TARGET_S:g} s, <= 2 GB, optimal >= greedy): {verdict}")
        ok &= case_ok
    print(f"\nall targets met: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
