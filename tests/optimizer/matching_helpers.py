"""Tiny hand-built befriending problems shared by the matching tests (no Flask)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from app.optimizer.matching import BefrienderProfile
from app.optimizer.matching import MatchParams
from app.optimizer.matching import ResidentProfile
from app.optimizer.matching import WeeklyWindow
from app.optimizer.matching.scoring import Pool
from app.optimizer.matching.scoring import build_pool
from app.optimizer.matching.scoring import explain_pairs
from app.optimizer.types import LatLon

DAY = date(2025, 6, 2)
H = 3600
HOME = LatLon(51.54, 0.13)
KM_LAT = 1 / 111.2  # degrees of latitude per km


def north(km: float, of: LatLon = HOME) -> LatLon:
    """Return the point ``km`` kilometres north of ``of``."""
    return LatLon(of.lat + km * KM_LAT, of.lon)


def resident(rid: str = "R1", **overrides: Any) -> ResidentProfile:
    """Return a resident who suits :func:`befriender` well; ``overrides`` change fields."""
    fields: dict[str, Any] = {
        "location": HOME,
        "interests": ["gardening", "chess"],
        "languages": ["english"],
        "availability": [WeeklyWindow(1, 13 * H, 17 * H)],
        "age_band": "65-74",
    }
    fields.update(overrides)
    return ResidentProfile(rid, **fields)


def befriender(bid: str = "B1", **overrides: Any) -> BefrienderProfile:
    """Return a befriender 1 km from :data:`HOME` with a valid DBS check and one place."""
    fields: dict[str, Any] = {
        "location": north(1.0),
        "interests": ["gardening", "chess"],
        "languages": ["english"],
        "gender": "female",
        "availability": [WeeklyWindow(1, 12 * H, 18 * H)],
        "age_band": "65-74",
        "dbs_valid_until": date(2027, 1, 1),
        "capacity": 1,
    }
    fields.update(overrides)
    return BefrienderProfile(bid, **fields)


INTERESTS = ("tea", "gardening", "chess", "choir", "bingo", "football", "knitting", "cricket")
LANGUAGES = ("english", "polish", "bengali", "urdu")


def random_problem(
    seed: int, n_residents: int, n_befrienders: int, *, spread_km: float = 6.0
) -> tuple[list[ResidentProfile], list[BefrienderProfile]]:
    """Return a random problem with every kind of rule and score part in play."""
    rng = random.Random(seed)

    def point() -> LatLon | None:
        if rng.random() < 0.1:
            return None
        return LatLon(
            HOME.lat + rng.uniform(-0.5, 0.5) * spread_km * KM_LAT,
            HOME.lon + rng.uniform(-0.5, 0.5) * spread_km * KM_LAT * 1.6,
        )

    def windows() -> list[WeeklyWindow]:
        out = []
        for _ in range(rng.randint(0, 3)):
            start = rng.choice([9, 10, 13, 15, 18]) * H
            out.append(WeeklyWindow(rng.randrange(7), start, start + rng.choice([1, 2, 3]) * H))
        return out

    residents = []
    for i in range(n_residents):
        langs = rng.sample(LANGUAGES, rng.randint(1, 2))
        residents.append(
            ResidentProfile(
                f"R{i}",
                location=point(),
                interests=rng.sample(INTERESTS, rng.randint(0, 3)),
                languages=langs,
                needs_language=rng.random() < 0.2,
                gender_preference=rng.choice([None, None, "female", "male"]),
                age_band=rng.choice([None, "55-64", "65-74", "75-84"]),
                life_events=rng.sample(["bereavement", "retirement"], rng.randint(0, 1)),
                share_life_events=rng.random() < 0.5,
                availability=windows(),
                by_phone=rng.random() < 0.3,
            )
        )
    befrienders = []
    for i in range(n_befrienders):
        befrienders.append(
            BefrienderProfile(
                f"B{i}",
                location=point(),
                interests=rng.sample(INTERESTS, rng.randint(0, 4)),
                languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
                gender=rng.choice(["female", "male", None]),
                age_band=rng.choice([None, "25-34", "55-64", "65-74"]),
                life_events=rng.sample(["bereavement", "retirement"], rng.randint(0, 1)),
                dbs_valid_until=rng.choice([None, date(2025, 1, 1), date(2027, 1, 1)]),
                capacity=rng.randint(0, 2),
                availability=windows(),
                max_distance_km=rng.choice([None, 2.0]),
                by_phone=rng.random() < 0.4,
            )
        )
    return residents, befrienders


def pair_score(
    residents: Sequence[ResidentProfile],
    befrienders: Sequence[BefrienderProfile],
    r: int,
    b: int,
    params: MatchParams | None = None,
) -> int:
    """Return the library's integer score of one pair within the given pool."""
    pool = make_pool(residents, befrienders, params)
    return explain_pairs(pool, np.array([r]), np.array([b]))[0].score_int


def make_pool(
    residents: Sequence[ResidentProfile],
    befrienders: Sequence[BefrienderProfile],
    params: MatchParams | None = None,
) -> Pool:
    """Return the arrays of a pool on :data:`DAY`."""
    return build_pool(residents, befrienders, params or MatchParams(), day=DAY)
