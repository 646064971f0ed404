"""Build rows for tests with sensible defaults: ``make_resident(first_name="Joan")``."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from app.extensions import db
from app.models import Activity
from app.models import DbsLevel
from app.models import LiftRequest
from app.models import PostcodeLocation
from app.models import Resident
from app.models import Venue
from app.models import Volunteer
from app.models import WeeklyAvailability

_seq = itertools.count(1)

# Real points in Barking & Dagenham (postcode centroids), for tests that need places.
BARKING = (51.53632, 0.079792)  # IG11 7NB, Barking Learning Centre
DAGENHAM = (51.540071, 0.149602)  # RM10 9QS, Dagenham Library
VALENCE = (51.558311, 0.134174)  # RM8 3HT, Valence Library


def _n() -> int:
    return next(_seq)


def add_postcode(
    postcode: str = "IG11 7NB",
    lat: float = BARKING[0],
    lon: float = BARKING[1],
    ward_code: str = "E05014053",
    ward_name: str = "Abbey",
) -> PostcodeLocation:
    """Put one postcode in the table."""
    row = PostcodeLocation(
        postcode=postcode, lat=lat, lon=lon, ward_code=ward_code, ward_name=ward_name
    )
    db.session.add(row)
    db.session.commit()
    return row


def make_resident(**overrides: Any) -> Resident:
    """A resident in Barking who agreed to texts."""
    n = _n()
    values: dict[str, Any] = dict(
        first_name="Joan",
        last_name=f"Tester{n}",
        # Ofcom's drama range 07700 900000–900999 (a number past 900999 is not a mobile, so a
        # long run of tests would make later residents unreachable by text): wrap within it.
        phone=f"+447700900{n % 1000:03d}",
        address=f"{n} Ripple Road",
        postcode="IG11 7NB",
        lat=BARKING[0],
        lon=BARKING[1],
        sms_consent=True,
        interests=["gardening"],
        languages=["english"],
    )
    values.update(overrides)
    row = Resident(**values)
    db.session.add(row)
    db.session.commit()
    return row


def make_volunteer(**overrides: Any) -> Volunteer:
    """A driver in Dagenham with a valid DBS and a weekday 8:00–18:00 availability."""
    n = _n()
    weekly = overrides.pop("weekly", [(d, dt.time(8), dt.time(18)) for d in range(7)])
    values: dict[str, Any] = dict(
        first_name="Dev",
        last_name=f"Driver{n}",
        phone=f"+4477008{n:05d}",
        address=f"{n} Heathway",
        postcode="RM10 9QS",
        lat=DAGENHAM[0],
        lon=DAGENHAM[1],
        is_driver=True,
        car_seats=3,
        dbs_valid_until=dt.date(2030, 1, 1),
        # Every check a driver needs (issue 13: services/compliance.py), the yearly ones dated
        # so that the days tests plan (up to 2030) fall inside them.
        dbs_level=DbsLevel.ENHANCED_BARRED,
        dbs_issued_on=dt.date(2024, 1, 15),
        dbs_update_checked_on=dt.date(2029, 12, 31),
        licence_checked_on=dt.date(2029, 12, 31),
        insurance_expires_on=dt.date(2031, 1, 1),
        mot_expires_on=dt.date(2031, 1, 1),
    )
    values.update(overrides)
    row = Volunteer(**values)
    db.session.add(row)
    db.session.flush()
    for weekday, start, end in weekly:
        db.session.add(
            WeeklyAvailability(volunteer_id=row.id, weekday=weekday, start_time=start, end_time=end)
        )
    db.session.commit()
    return row


def make_venue(**overrides: Any) -> Venue:
    """Valence Library."""
    n = _n()
    values: dict[str, Any] = dict(
        name=f"Venue {n}",
        address="Becontree Avenue",
        postcode="RM8 3HT",
        lat=VALENCE[0],
        lon=VALENCE[1],
        step_free=True,
    )
    values.update(overrides)
    row = Venue(**values)
    db.session.add(row)
    db.session.commit()
    return row


def make_activity(venue: Venue | None = None, **overrides: Any) -> Activity:
    """A Tuesday 10:00–12:00 choir."""
    venue = venue or make_venue()
    values: dict[str, Any] = dict(
        name=f"Choir {_n()}",
        venue_id=venue.id,
        weekday=1,
        start_time=dt.time(10),
        end_time=dt.time(12),
        interests=["singing"],
    )
    values.update(overrides)
    row = Activity(**values)
    db.session.add(row)
    db.session.commit()
    return row


def make_lift(resident: Resident | None = None, **overrides: Any) -> LiftRequest:
    """A one-way lift from home to Valence Library arriving by 10:00."""
    resident = resident or make_resident()
    values: dict[str, Any] = dict(
        resident_id=resident.id,
        day=dt.date(2026, 12, 1),
        pickup_address=resident.address,
        pickup_postcode=resident.postcode,
        pickup_lat=resident.lat,
        pickup_lon=resident.lon,
        destination_address="Becontree Avenue",
        destination_postcode="RM8 3HT",
        destination_lat=VALENCE[0],
        destination_lon=VALENCE[1],
        arrive_by=dt.time(10),
    )
    values.update(overrides)
    row = LiftRequest(**values)
    db.session.add(row)
    db.session.commit()
    return row
