"""Venues, their weekly activities, the directory of support services, and how a place is named.

How a place reads, everywhere (issue 13: "Upney Lane, Barking" is Barking Community Hospital):
:func:`place_name` names it (the venue's name, with the activity when there is one; a street
only when the place has no name), and :func:`place_and_address` adds where to find it for a
driver. Lists, run sheets, the rota page, texts and MY LIFTS all ask these two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import Activity
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import Service
from app.models import Venue
from app.services import clock
from app.services import sms_templates as words
from app.services.audit import record_change
from app.services.audit import save_audited
from app.services.geo import locate_postcode
from app.services.people import clean_tags
from app.services.phones import normalise_phone

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class VenueInput:
    """A venue as staff type it."""

    name: str
    address: str = ""
    postcode: str = ""
    step_free: bool = False
    host_contact: str = ""
    phone: str = ""


@dataclass
class ActivityInput:
    """A weekly session at a venue."""

    name: str
    venue_id: int | None
    weekday: int
    start_time: dt.time | None
    end_time: dt.time | None
    interests: list[str] | str = field(default_factory=list)
    description: str = ""
    active: bool = True


@dataclass
class ServiceInput:
    """An entry of the public directory."""

    name: str
    category: str = ""
    phone: str = ""
    description: str = ""
    url: str = ""
    hours: str = ""


def place_name(
    *,
    activity: str | None = None,
    venue: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
) -> str:
    """How a place is called: ``Choir at Valence Library``, ``Barking Community Hospital``.

    A place with no name (a street address typed on the lift form) reads as its street without
    the house number, else its postcode: never a resident's full address in a list or a text.
    """
    if activity and venue:
        return f"{activity} at {venue}"
    if venue or activity:
        return venue or activity or ""
    return words.street_of(address) or (postcode or "")


def place_and_address(name: str | None, address: str | None, postcode: str | None) -> str:
    """A place and where to find it: ``Barking Community Hospital, Upney Lane, Barking IG11 9LX``.

    The street is kept when the place has a name, so a driver can still find it; it is not
    repeated when a venue was saved with its name as its address.
    """
    street = " ".join((address or "").replace("\n", ", ").split())
    where = f"{street} {postcode or ''}".strip()
    if not name:
        return where
    if not street or street.casefold() == name.casefold():
        return f"{name} {postcode or ''}".strip()
    return f"{name}, {where}"


def _venue_of(lift: LiftRequest) -> tuple[str | None, str | None]:
    """(activity name, venue name) of the place a lift goes to (the lift home: comes from)."""
    outbound = lift.outbound if lift.leg == LiftLeg.RETURN and lift.outbound else lift
    activity = outbound.activity
    venue = outbound.venue or lift.venue or (activity.venue if activity is not None else None)
    return (activity.name if activity else None), (venue.name if venue else None)


def lift_place(lift: LiftRequest) -> str:
    """Where a lift goes (for the lift home, where it starts), as the resident calls it."""
    activity, venue = _venue_of(lift)
    outbound = lift.outbound if lift.leg == LiftLeg.RETURN and lift.outbound else lift
    return place_name(
        activity=activity,
        venue=venue,
        address=outbound.destination_address,
        postcode=outbound.destination_postcode,
    )


def venue_label(lift: LiftRequest) -> str | None:
    """The name of the building a lift goes to or comes home from; None for a street address."""
    activity, venue = _venue_of(lift)
    return venue or activity


def venue_name(lift: LiftRequest) -> str:
    """:func:`venue_label`, or the street (without a house number) when the place has no name."""
    outbound = lift.outbound if lift.leg == LiftLeg.RETURN and lift.outbound else lift
    return place_name(
        venue=venue_label(lift),
        address=outbound.destination_address,
        postcode=outbound.destination_postcode,
    )


def lift_end(lift: LiftRequest, *, pickup: bool) -> str:
    """One end of a lift for a list: the named place with its address, or the home address."""
    at_venue = pickup == (lift.leg == LiftLeg.RETURN)
    if pickup:
        address, postcode = lift.pickup_address, lift.pickup_postcode
    else:
        address, postcode = lift.destination_address, lift.destination_postcode
    if not at_venue:
        return place_and_address(None, address, postcode)
    activity, venue = _venue_of(lift)
    named = place_name(activity=activity, venue=venue) if (activity or venue) else None
    return place_and_address(named, address, postcode)


def _required(value: str, field_name: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        msg = f"Please enter {what}."
        raise InvalidInput(msg, field=field_name)
    return text


def _unique(model: Any, column: Any, value: str, own_id: int | None, what: str) -> None:
    other = db.session.scalar(sa.select(model).where(sa.func.lower(column) == value.lower()))
    if other is not None and other.id != own_id:
        msg = f"There is already {what} called {value}."
        raise Conflict(msg, field="name")


def list_venues() -> list[Venue]:
    """Every venue by name."""
    return list(db.session.scalars(sa.select(Venue).order_by(Venue.name)))


def get_venue(venue_id: int) -> Venue:
    """Return the venue or raise NotFound."""
    venue = db.session.get(Venue, venue_id)
    if venue is None:
        msg = f"There is no venue number {venue_id}."
        raise NotFound(msg)
    return venue


def _venue_values(data: VenueInput) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _required(data.name, "name", "the venue's name"),
        "address": data.address.strip() or None,
        "step_free": bool(data.step_free),
        "host_contact": data.host_contact.strip(),
        "phone": normalise_phone(data.phone) if data.phone.strip() else None,
    }
    if not data.postcode.strip():
        msg = "A venue needs a postcode so drivers can find it."
        raise InvalidInput(msg, field="postcode")
    where = locate_postcode(data.postcode)
    values.update(postcode=where.postcode, lat=where.lat, lon=where.lon, ward_code=where.ward_code)
    return values


def save_venue(venue_id: int | None, data: VenueInput, *, actor_id: int | None) -> Venue:
    """Create a venue (``venue_id`` None) or change one; the postcode is located."""
    values = _venue_values(data)
    _unique(Venue, Venue.name, values["name"], venue_id, "a venue")
    existing = get_venue(venue_id) if venue_id is not None else None
    venue = save_audited(Venue, existing, values, actor_id=actor_id)
    db.session.commit()
    return venue


def list_activities(*, include_inactive: bool = True) -> list[Activity]:
    """Every activity by weekday and start time, with its venue loaded."""
    stmt = sa.select(Activity).options(joinedload(Activity.venue))
    if not include_inactive:
        stmt = stmt.where(Activity.active.is_(True))
    return list(
        db.session.scalars(stmt.order_by(Activity.weekday, Activity.start_time, Activity.name))
    )


def get_activity(activity_id: int) -> Activity:
    """Return the activity or raise NotFound."""
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        msg = f"There is no activity number {activity_id}."
        raise NotFound(msg)
    return activity


def save_activity(
    activity_id: int | None, data: ActivityInput, *, actor_id: int | None
) -> Activity:
    """Create or change a weekly activity; it must start before it ends."""
    name = _required(data.name, "name", "the activity's name")
    if data.venue_id is None or db.session.get(Venue, data.venue_id) is None:
        msg = "Choose the venue where it happens."
        raise InvalidInput(msg, field="venue_id")
    if not 0 <= data.weekday <= 6:
        msg = "Choose a day of the week."
        raise InvalidInput(msg, field="weekday")
    if data.start_time is None:
        msg = "Give the time it starts."
        raise InvalidInput(msg, field="start_time")
    if data.end_time is None:
        msg = "Give the time it ends."
        raise InvalidInput(msg, field="end_time")
    if data.start_time >= data.end_time:
        msg = f"It must end after it starts ({clock.time_of_day(data.start_time)})."
        raise InvalidInput(msg, field="end_time")
    values: dict[str, Any] = {
        "name": name,
        "venue_id": data.venue_id,
        "weekday": data.weekday,
        "start_time": data.start_time,
        "end_time": data.end_time,
        "interests": clean_tags(data.interests),
        "description": data.description.strip(),
        "active": bool(data.active),
    }
    clash = db.session.scalar(
        sa.select(Activity).where(
            Activity.venue_id == data.venue_id,
            Activity.weekday == data.weekday,
            sa.func.lower(Activity.name) == name.lower(),
        )
    )
    if clash is not None and clash.id != activity_id:
        msg = f"{name} is already on {WEEKDAYS[data.weekday]}s at that venue."
        raise Conflict(msg, field="name")
    existing = get_activity(activity_id) if activity_id is not None else None
    activity = save_audited(Activity, existing, values, actor_id=actor_id)
    db.session.commit()
    return activity


def list_services() -> list[Service]:
    """The directory by category and name."""
    return list(db.session.scalars(sa.select(Service).order_by(Service.category, Service.name)))


def get_service(service_id: int) -> Service:
    """Return the directory entry or raise NotFound."""
    service = db.session.get(Service, service_id)
    if service is None:
        msg = f"There is no service number {service_id}."
        raise NotFound(msg)
    return service


def save_service(service_id: int | None, data: ServiceInput, *, actor_id: int | None) -> Service:
    """Create or change a directory entry; the phone is kept as written (0800 numbers too)."""
    name = _required(data.name, "name", "the service's name")
    url = data.url.strip()
    if url and not url.startswith(("http://", "https://")):
        msg = "A website starts with https:// (or http://)."
        raise InvalidInput(msg, field="url")
    phone = " ".join(data.phone.split())
    if phone and sum(ch.isdigit() for ch in phone) < 3:
        msg = f"'{phone}' does not look like a phone number."
        raise InvalidInput(msg, field="phone")
    values: dict[str, Any] = {
        "name": name,
        "category": " ".join(data.category.split()),
        "phone": phone or None,
        "description": data.description.strip(),
        "url": url or None,
        "hours": " ".join(data.hours.split()),
    }
    _unique(Service, Service.name, name, service_id, "a service")
    existing = get_service(service_id) if service_id is not None else None
    service = save_audited(Service, existing, values, actor_id=actor_id)
    db.session.commit()
    return service


def delete_service(service_id: int, *, actor_id: int | None) -> None:
    """Take an entry off the directory."""
    service = get_service(service_id)
    record_change(actor_id=actor_id, action="delete", entity=service)
    db.session.delete(service)
    db.session.commit()
