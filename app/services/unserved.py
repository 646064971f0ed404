"""Why a lift was not planned, in the coordinator's words: the one table of reasons (issue 10).

The optimizer decides *which* reason applies (:class:`~app.optimizer.types.UnservedReason`,
a pure library that speaks in ids); this module is the only place that says what each reason
means and what a coordinator can do about it, and it turns a finding into words that name
people and places, never ids (the rota once said "The pinned driver '23' cannot take this
lift."). The rota page, run sheets and ``flask rota plan`` all read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import LiftRequest
from app.models import Volunteer
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason
from app.services import clock

OUTBOUND_UNSERVED = UnservedReason.OUTBOUND_UNSERVED.value
# A reason the services give before solving (not the optimizer's own).
NO_LOCATION = "no_location"


@dataclass(frozen=True)
class ReasonWords:
    """What a reason means (``text``) and what a coordinator can do about it (``fix``)."""

    text: str
    fix: str


REASONS: dict[str, ReasonWords] = {
    UnservedReason.WINDOW_IMPOSSIBLE_ALONE: ReasonWords(
        "The time asked for cannot be met, even by a driver on their own.",
        "Widen the pickup window or the arrival time.",
    ),
    UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE: ReasonWords(
        "The trip is longer than the ride-time limit, even alone.",
        "Check the addresses; the trip is longer than the ride limit.",
    ),
    # The optimizer's "valid DBS" carries every driver check (services/compliance.py).
    UnservedReason.NO_DRIVER_WITH_VALID_DBS: ReasonWords(
        "No driver whose checks (DBS, licence, insurance, MOT) are valid that day is free.",
        "Bring a driver's checks up to date (Volunteers: driver checks due).",
    ),
    UnservedReason.NO_VEHICLE_LARGE_ENOUGH: ReasonWords(
        "No car has enough seats for the party.",
        "Find a driver with more seats, or split the party.",
    ),
    UnservedReason.NO_ACCESSIBLE_VEHICLE: ReasonWords(
        "No wheelchair-accessible car is free.",
        "Ask a driver with a wheelchair-accessible car to cover this day.",
    ),
    UnservedReason.NO_DRIVER_MATCHING_PREFERENCES: ReasonWords(
        "No free driver matches the resident's preferences.",
        "Ask a driver who matches the resident's preference.",
    ),
    UnservedReason.PINNED_DRIVER_UNABLE: ReasonWords(
        "The driver it is pinned to cannot take it.",
        "Unpin the lift or change the pinned driver's hours.",
    ),
    UnservedReason.NO_DRIVER_AVAILABLE: ReasonWords(
        "No driver is free at that time.",
        "Ask a driver to add hours on this day.",
    ),
    UnservedReason.DRIVERS_BUSY: ReasonWords(
        "Every free driver is busy with other lifts then.",
        "Ask one more driver to help at this time, or move the time.",
    ),
    OUTBOUND_UNSERVED: ReasonWords(
        "The outward lift could not be planned, so the return is not either.",
        "Plan the outward lift first; the return depends on it.",
    ),
    NO_LOCATION: ReasonWords(
        "We do not know where the pickup or the destination is.",
        "Add the postcode of the address, then plan again.",
    ),
}
UNKNOWN = ReasonWords(
    "The lift could not be planned.", "Look at the lift's times and the drivers free that day."
)


def words_for(reason: str) -> ReasonWords:
    """What ``reason`` means and how to fix it (a sentence even for a reason not listed)."""
    return REASONS.get(reason, UNKNOWN)


def _names(volunteer_ids: Iterable[str]) -> list[str]:
    ids = [int(i) for i in volunteer_ids if str(i).isdigit()]
    if not ids:
        return []
    rows = db.session.scalars(sa.select(Volunteer).where(Volunteer.id.in_(ids)))
    by_id = {str(v.id): v.full_name for v in rows}
    return [by_id[str(i)] for i in ids if str(i) in by_id]


def _listed(names: list[str], limit: int = 5) -> str:
    shown = names[:limit]
    more = len(names) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return shown[0]


# The optimizer writes a time of day as HH:MM (seconds after midnight, no zone: its own units).
_HHMM = re.compile(r"\b([01]\d|2[0-3]):([0-5]\d)\b")


def _times_read_by_the_clock(detail: str) -> str:
    """``09:47`` becomes ``9:47am``: the one way pages, sheets and texts show a time."""
    return _HHMM.sub(lambda m: clock.time_of_day(int(m[1]) * 3600 + int(m[2]) * 60), detail)


def explain(found: Unserved, lift: LiftRequest | None = None) -> str:
    """The optimizer's finding about one lift in words that name the drivers concerned.

    The optimizer's own detail carries no ids; the drivers it concerns come as ids in
    ``found.driver_ids`` and are named here, and its times are read by the one clock.
    """
    detail = _times_read_by_the_clock(found.detail)
    names = _names(found.driver_ids)
    if found.reason == UnservedReason.PINNED_DRIVER_UNABLE:
        if not names and lift is not None and lift.pinned_volunteer is not None:
            names = [lift.pinned_volunteer.full_name]
        return f"{detail} It is pinned to {names[0]}." if names else detail
    if names:
        return f"{detail} Those drivers: {_listed(names)}."
    return detail
