"""A generator of realistic borough days, for benchmarks and demo data.

A day has residents going to activities and appointments and coming back (a return is its own
lift with a pickup window after the activity ends), about 15 % wheelchair users, some escorts,
some medical appointments (higher priority) and residents at higher isolation risk, a few
preferences (female driver) and blocked pairs, and drivers with mixed availability (full day,
mornings, afternoons, split days), accessible cars, driving limits, a couple of lapsed DBS checks
and a few lifts pinned by staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import timedelta

import numpy as np

from app.optimizer.types import Driver
from app.optimizer.types import LatLon
from app.optimizer.types import Lift
from app.optimizer.types import Problem
from app.optimizer.types import TimeWindow

#: Barking and Dagenham's bounding box (south, west, north, east), roughly.
LBBD_BBOX = (51.515, 0.070, 51.595, 0.190)

_H = 3600
_M = 60


@dataclass(frozen=True, slots=True)
class DaySpec:
    """What kind of day to generate.

    Parameters
    ----------
    n_lifts
        Number of lifts (outbound and return legs each count as one).
    n_drivers
        Number of drivers.
    return_share
        Share of outbound trips that have a return lift.
    wheelchair_share, escort_share, medical_share, at_risk_share, female_share
        Shares of trips with a wheelchair user, an escort, a medical appointment, a resident at
        high isolation risk, a request for a female driver.
    accessible_share
        Share of drivers with a wheelchair-accessible car.
    n_pinned, n_blocked, n_lapsed_dbs
        Lifts pinned to a driver, blocked resident-driver pairs, drivers whose DBS lapsed.
    n_venues
        Number of activity venues and surgeries.
    shift_hours
        When set, every availability window lasts this many hours and falls in the morning,
        the middle of the day or the afternoon (a real bureau's volunteers: only some work
        each part of the day); ``None`` keeps the full/morning/afternoon/split mix.
    drive_hours
        Daily driving limits drawn from (hours).
    window_minutes
        Widths of the residents' windows are drawn between these (minutes).
    """

    n_lifts: int = 200
    n_drivers: int = 40
    return_share: float = 0.85
    wheelchair_share: float = 0.15
    escort_share: float = 0.10
    medical_share: float = 0.2
    at_risk_share: float = 0.2
    female_share: float = 0.05
    accessible_share: float = 0.3
    n_pinned: int = 4
    n_blocked: int = 4
    n_lapsed_dbs: int = 2
    n_venues: int = 15
    shift_hours: float | None = None
    drive_hours: tuple[int, ...] = (4, 5, 6)
    window_minutes: tuple[int, int] = (25, 25)

    @classmethod
    def real_day(cls, n_lifts: int = 200, n_drivers: int = 40) -> DaySpec:
        """Return a day as hard as a real one (issue 12).

        Drivers give 4 hours in one part of the day and drive at most 4 hours; about 15 % of
        residents use a wheelchair and one car in six takes one; one in five has an escort;
        windows are 15 to 30 minutes wide; the house's maximum ride time applies.
        """
        return cls(
            n_lifts=n_lifts,
            n_drivers=n_drivers,
            wheelchair_share=0.15,
            escort_share=0.2,
            accessible_share=1 / 6,
            shift_hours=4.0,
            drive_hours=(4,),
            window_minutes=(15, 30),
        )


def _points(rng: np.random.Generator, n: int, bbox: tuple[float, ...]) -> list[LatLon]:
    s, w, north, e = bbox
    return [
        LatLon(round(float(rng.uniform(s, north)), 6), round(float(rng.uniform(w, e)), 6))
        for _ in range(n)
    ]


def generate_day(
    seed: int = 0,
    spec: DaySpec | None = None,
    *,
    day: date | None = None,
    homes: Sequence[LatLon] | None = None,
    venues: Sequence[LatLon] | None = None,
    bbox: tuple[float, float, float, float] = LBBD_BBOX,
) -> Problem:
    """Generate a realistic borough day.

    Parameters
    ----------
    seed
        Random seed (the same seed gives the same day).
    spec
        Sizes and shares (defaults: 200 lifts, 40 drivers).
    day
        The planning day (default 2026-12-01).
    homes, venues
        Candidate places for homes (residents and drivers) and activity venues; random
        points in ``bbox`` when not given.
    bbox
        ``(south, west, north, east)`` for random places.

    Returns
    -------
    Problem
        The day's problem.
    """
    spec = spec or DaySpec()
    rng = np.random.default_rng(seed)
    day = day or date(2026, 12, 1)
    home_pool = list(homes) if homes else _points(rng, 4 * spec.n_lifts, bbox)
    venue_pool = list(venues) if venues else _points(rng, spec.n_venues, bbox)
    if len(venue_pool) > spec.n_venues:
        chosen = rng.choice(len(venue_pool), size=spec.n_venues, replace=False)
        venue_pool = [venue_pool[int(i)] for i in chosen]

    def pick(pool: Sequence[LatLon]) -> LatLon:
        return pool[int(rng.integers(len(pool)))]

    drivers = []
    for i in range(spec.n_drivers):
        if spec.shift_hours is None:
            shape = rng.choice(["full", "morning", "afternoon", "split"], p=[0.4, 0.25, 0.2, 0.15])
            windows = {
                "full": (TimeWindow(8 * _H + 30 * _M, 17 * _H + 30 * _M),),
                "morning": (TimeWindow(8 * _H, 13 * _H),),
                "afternoon": (TimeWindow(12 * _H, 18 * _H),),
                "split": (TimeWindow(8 * _H, 11 * _H + 30 * _M), TimeWindow(14 * _H, 17 * _H)),
            }[str(shape)]
        else:
            begin = int(rng.choice([8 * _H, 8 * _H + 30 * _M, 10 * _H + 30 * _M, 12 * _H, 14 * _H]))
            windows = (TimeWindow(begin, begin + int(spec.shift_hours * _H)),)
        lapsed = i < spec.n_lapsed_dbs
        drivers.append(
            Driver(
                id=f"d{i:02d}",
                home=pick(home_pool),
                availability=windows,
                seats=int(rng.choice([3, 4])),
                wheelchair_spaces=int(rng.random() < spec.accessible_share),
                attributes=frozenset({"female"}) if rng.random() < 0.35 else frozenset(),
                dbs_valid_until=day - timedelta(days=3) if lapsed else day + timedelta(days=400),
                max_drive_s=int(rng.choice(list(spec.drive_hours))) * _H,
            )
        )
    lifts: list[Lift] = []
    trip = 0
    while len(lifts) < spec.n_lifts:
        home, venue = pick(home_pool), pick(venue_pool)
        medical = rng.random() < spec.medical_share
        wheelchair = rng.random() < spec.wheelchair_share
        escort = rng.random() < spec.escort_share
        priority = (3 if medical else 1) + (1 if rng.random() < spec.at_risk_share else 0)
        needs = frozenset({"female"}) if rng.random() < spec.female_share else frozenset()
        start = int(rng.integers(19, 31)) * 30 * _M  # 09:30 .. 15:00
        length = int(rng.choice([45, 60, 90, 120, 150])) * _M
        seats = (1 if escort else 0) + (0 if wheelchair else 1)
        lo, hi = spec.window_minutes
        width = (int(rng.integers(lo, hi + 1)) if hi > lo else lo) * _M
        common = {
            "seats": seats,
            "wheelchair": wheelchair,
            "priority": priority,
            "required_attributes": needs,
        }
        lifts.append(
            Lift(
                id=f"t{trip:03d}-out",
                pickup=home,
                dropoff=venue,
                arrival_window=TimeWindow(start - 5 * _M - width, start - 5 * _M),
                **common,  # type: ignore[arg-type]
            )
        )
        if len(lifts) < spec.n_lifts and rng.random() < spec.return_share:
            end = start + length
            lifts.append(
                Lift(
                    id=f"t{trip:03d}-back",
                    pickup=venue,
                    dropoff=home,
                    outbound_id=f"t{trip:03d}-out",
                    pickup_window=TimeWindow(end, end + width + 5 * _M),
                    **common,  # type: ignore[arg-type]
                )
            )
        trip += 1
    lifts = _pin_and_block(rng, lifts, drivers, spec)
    return Problem(day, tuple(lifts), tuple(drivers))


def _pin_and_block(
    rng: np.random.Generator, lifts: list[Lift], drivers: list[Driver], spec: DaySpec
) -> list[Lift]:
    """Pin a few lifts to a suitable driver free then; block a few resident-driver pairs."""
    day_drivers = drivers[spec.n_lapsed_dbs :]
    order = [int(i) for i in rng.permutation(len(lifts))]
    pinned = 0
    for i in order:
        if pinned >= spec.n_pinned:
            break
        lift = lifts[i]
        w = lift.arrival_window or lift.pickup_window
        assert w is not None
        fits = [
            d
            for d in day_drivers
            if (not lift.wheelchair or d.wheelchair_spaces)
            and lift.required_attributes <= d.attributes
            and d.seats >= lift.seats
            and any(
                a.early_s + _H <= w.early_s and w.late_s + _H <= a.late_s for a in d.availability
            )
        ]
        if fits:
            chosen = fits[int(rng.integers(len(fits)))]
            lifts[i] = replace(lift, pinned_driver_id=chosen.id)
            pinned += 1
    for i in order[spec.n_pinned : spec.n_pinned + spec.n_blocked]:
        lift = lifts[i]
        if lift.pinned_driver_id is None:
            blocked = day_drivers[int(rng.integers(len(day_drivers)))].id
            lifts[i] = replace(lift, blocked_driver_ids=frozenset({blocked}))
    return lifts
