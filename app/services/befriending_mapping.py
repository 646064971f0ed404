"""Rows → befriending matching profiles (issue #5): the only translator for the matching library.

Who takes part in a run is decided here too: residents who asked for a befriender, are active and
have no active (or, for the waiting list, proposed) pairing; active volunteers who befriend.
Life events reach the matcher only when the resident agreed to share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import BlockedPair
from app.models import ConsentPurpose
from app.models import Gender
from app.models import Pairing
from app.models import PairingStatus
from app.models import Resident
from app.models import Volunteer
from app.models import WeeklyAvailability
from app.optimizer.matching import AGE_BANDS
from app.optimizer.matching import BefrienderProfile
from app.optimizer.matching import ResidentProfile
from app.optimizer.matching import WeeklyWindow
from app.optimizer.types import LatLon
from app.services import consent

# Lower bound of each band in AGE_BANDS order ("18-24" → 18, …, "85+" → 85).
_BAND_STARTS: tuple[int, ...] = tuple(int(band.rstrip("+").split("-")[0]) for band in AGE_BANDS)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Return someone's age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


def age_band(date_of_birth: dt.date | None, day: dt.date) -> str | None:
    """Return the age band on ``day`` (``"65-74"``), or None when unknown or under 18."""
    if date_of_birth is None:
        return None
    age = age_on(date_of_birth, day)
    band: str | None = None
    for start, name in zip(_BAND_STARTS, AGE_BANDS, strict=True):
        if age >= start:
            band = name
    return band


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def weekly_windows(rows: Iterable[WeeklyAvailability]) -> tuple[WeeklyWindow, ...]:
    """Return a volunteer's weekly availability rows as matching windows."""
    return tuple(
        WeeklyWindow(row.weekday, _seconds(row.start_time), _seconds(row.end_time))
        for row in rows
        if row.start_time < row.end_time
    )


def _location(lat: float | None, lon: float | None) -> LatLon | None:
    if lat is None or lon is None:
        return None
    return LatLon(lat, lon)


def _gender(value: Gender | None) -> str | None:
    if value is None or value == Gender.UNSTATED:
        return None
    return value.value


def resident_profile(resident: Resident, *, day: dt.date) -> ResidentProfile:
    """Return how matching sees ``resident`` on ``day``.

    A needed language becomes the only language matching may rely on, so "needs Polish" is not
    satisfied by a befriender who shares only the resident's English.
    """
    languages: list[str] = list(resident.languages or [])
    needs = bool(resident.needs_language and resident.needs_language.strip())
    if needs and resident.needs_language is not None:
        languages = [resident.needs_language]
    shares = consent.allows(resident, ConsentPurpose.LIFE_EVENTS)  # issue 14: the one rule
    return ResidentProfile(
        resident.id,
        location=_location(resident.lat, resident.lon),
        interests=list(resident.interests or []),
        languages=languages,
        needs_language=needs,
        gender_preference=_gender(resident.befriender_gender),
        age_band=age_band(resident.date_of_birth, day),
        # Consent first (issue #5): life events are matched on only when the resident agreed.
        life_events=list(resident.life_events or []) if shares else [],
        share_life_events=shares,
    )


def befriender_profile(volunteer: Volunteer, *, day: dt.date, load: int = 0) -> BefrienderProfile:
    """Return how matching sees ``volunteer`` with ``load`` active pairings on ``day``."""
    return BefrienderProfile(
        volunteer.id,
        location=_location(volunteer.lat, volunteer.lon),
        interests=list(volunteer.interests or []),
        languages=list(volunteer.languages or []),
        gender=_gender(volunteer.gender),
        age_band=age_band(volunteer.date_of_birth, day),
        life_events=list(volunteer.life_events or []),
        dbs_valid_until=volunteer.dbs_valid_until,
        capacity=max(int(volunteer.befriend_capacity or 0), 0),
        current_load=load,
        availability=weekly_windows(volunteer.weekly),
    )


def pairs_with_status(*statuses: PairingStatus) -> list[tuple[int, int]]:
    """Return the distinct ``(resident_id, volunteer_id)`` pairs of pairings in ``statuses``."""
    rows = db.session.execute(
        sa.select(Pairing.resident_id, Pairing.volunteer_id)
        .where(Pairing.status.in_(statuses))
        .distinct()
    )
    return [(int(r), int(v)) for r, v in rows]


def blocked_pairs() -> list[tuple[int, int]]:
    """Return the pairs a run must never propose: blocked by staff, rejected before or ended."""
    staff = db.session.execute(sa.select(BlockedPair.resident_id, BlockedPair.volunteer_id))
    out = [(int(r), int(v)) for r, v in staff]
    out += pairs_with_status(PairingStatus.REJECTED, PairingStatus.ENDED)
    return list(dict.fromkeys(out))


def waiting_residents(*, include_proposed: bool) -> list[Resident]:
    """Return active residents who want a befriender and have no active pairing.

    With ``include_proposed`` false, residents with a proposal awaiting a decision are left out
    too (they are not waiting: a coordinator is deciding).
    """
    busy = [PairingStatus.ACTIVE]
    if not include_proposed:
        busy.append(PairingStatus.PROPOSED)
    taken = sa.select(Pairing.resident_id).where(Pairing.status.in_(busy))
    stmt = (
        sa.select(Resident)
        .where(
            Resident.active.is_(True),
            Resident.wants_befriender.is_(True),
            Resident.id.not_in(taken),
        )
        .order_by(Resident.id)
    )
    return list(db.session.scalars(stmt))


def befriender_rows() -> list[Volunteer]:
    """Return active befrienders with their weekly availability loaded."""
    stmt = (
        sa.select(Volunteer)
        .where(Volunteer.active.is_(True), Volunteer.is_befriender.is_(True))
        .options(selectinload(Volunteer.weekly))
        .order_by(Volunteer.id)
    )
    return list(db.session.scalars(stmt))


def load_by_volunteer(pairs: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Return how many of ``pairs`` each volunteer has."""
    load: dict[int, int] = {}
    for _, volunteer_id in pairs:
        load[volunteer_id] = load.get(volunteer_id, 0) + 1
    return load
