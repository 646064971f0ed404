"""The personal-data registry: the one home that knows where a resident's or volunteer's data is.

Export (:mod:`app.services.subject_access`), erasure (:mod:`app.services.erasure`) and the
retention schedule (:mod:`app.services.retention`) all read :data:`REGISTRY`; none of them names
a table by itself (issue 14, STYLE rule 26). Every table of the schema is either registered here
or listed in :data:`NOT_PERSONAL` with the reason, and every column of a registered table is
classified; ``tests/services/test_personal_data_registry.py`` fails when a new table or column
is not, so whoever adds one decides what export and erasure do with it.

Staff users are not subjects here (their accounts are managed on the admin pages; an audit row
names the staff member who acted, which is the bureau's accountability record).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Erasure
from app.models import Resident
from app.models import Volunteer
from app.services.phones import display_phone


class Kind(enum.StrEnum):
    """Whose data: the two kinds of people the bureau holds records about."""

    RESIDENT = "resident"
    VOLUNTEER = "volunteer"


PEOPLE_TABLES: Mapping[Kind, str] = {Kind.RESIDENT: "residents", Kind.VOLUNTEER: "volunteers"}
RESIDENT = frozenset({Kind.RESIDENT})
VOLUNTEER = frozenset({Kind.VOLUNTEER})
BOTH = frozenset({Kind.RESIDENT, Kind.VOLUNTEER})
NOBODY: frozenset[Kind] = frozenset()


class Erase(enum.StrEnum):
    """What erasure does to a column of a row about the erased person."""

    KEEP = "keep"  # not personal once names are gone (ids, dates, statuses, ward, mobility…)
    BLANK = "blank"  # "" for text, NULL when nullable, [] / {} for JSON lists / dicts
    NAME = "name"  # replaced by a neutral word so pages still read ("Erased", "person")
    PLACEHOLDER = "placeholder"  # a unique, non-personal stand-in (a NOT NULL UNIQUE phone)
    COARSEN = "coarsen"  # a map position rounded to ~1 km: the ward's area, not the house
    AGE_BAND = "age_band"  # a birth date becomes NULL after its age band is stored
    REDACT_VALUES = "redact_values"  # an audit row's old/new values replaced, field names kept


class Retention(enum.StrEnum):
    """Which rule of the retention schedule applies to a table's rows."""

    PERSON = "person"  # lives as long as the person; anonymised with them after N inactive years
    TEXT_BODIES = "text_bodies"  # words blanked after RETENTION_TEXT_MONTHS
    AUDIT = "audit"  # old/new values redacted after RETENTION_AUDIT_YEARS
    SHORT_LIVED = "short_lived"  # expires by itself (SMS conversation state)


@dataclass(frozen=True, slots=True)
class Col:
    """How one column is treated.

    ``owners`` are the kinds of person whose data the column holds: erasing a person of that
    kind applies ``erase``; in another kind's export the value is someone else's and is
    redacted. ``sweep`` marks free text that may quote anyone: erasure also removes the erased
    person's identifiers from it in rows about other people (a driver's route text names the
    resident). ``third_party`` is someone else's data kept on erasure but never exported (a
    referrer's name and contact).
    """

    erase: Erase = Erase.KEEP
    owners: frozenset[Kind] = NOBODY
    sweep: bool = False
    third_party: bool = False


KEEP = Col()


@dataclass(frozen=True, slots=True)
class Link:
    """How a table's rows point at a person of one kind.

    Exactly one way: ``column`` holds the person's id; or ``column`` holds the id of a row of
    ``via`` (another registered table) that is linked to the person; or ``phone`` is the column
    compared with the person's phone; or ``audit`` (entity_type/entity_id of any registered
    table's linked rows). ``type_is`` narrows a polymorphic pointer: a text's ``concerns_id`` is
    a lift's id only where ``concerns_type`` is ``lift``.
    """

    column: str | None = None
    via: str | None = None
    phone: str | None = None
    audit: bool = False
    type_is: tuple[str, str] | None = None  # and this column holds this value ("concerns")
    pick: str = "id"  # the column of the ``via`` rows that ``column`` points at


@dataclass(frozen=True, slots=True)
class TableRule:
    """Everything export, erasure and retention need to know about one table."""

    table: str
    what: str  # one line for the export's README
    links: Mapping[Kind, tuple[Link, ...]]
    columns: Mapping[str, Col]
    retention: Retention = Retention.PERSON
    delete_on_erase: bool = False  # the rows go (short-lived state), rather than anonymised
    subject_table: bool = False  # the person's own row (residents / volunteers)
    audit_entity: str | None = None  # the name audit rows give this table's rows (class name)
    # Rows about someone else that name this person by first name only; erasure removes the
    # name from their ``sweep`` columns (Devraj in "Devraj will pick you up" to a resident).
    mentions: Mapping[Kind, tuple[Link, ...]] = field(default_factory=dict)
    # Columns saying when a row happened (date or datetime); a person's last activity, for the
    # retention schedule, is the latest of them over the rows that point at them directly.
    activity: tuple[str, ...] = ()


def _cols(*names: str, col: Col = KEEP) -> dict[str, Col]:
    return dict.fromkeys(names, col)


_R_BLANK = Col(Erase.BLANK, RESIDENT)


def _person_columns(owner: frozenset[Kind]) -> dict[str, Col]:
    return {
        "first_name": Col(Erase.NAME, owner),
        "last_name": Col(Erase.NAME, owner),
        "date_of_birth": Col(Erase.AGE_BAND, owner),
        "address": Col(Erase.BLANK, owner),
        "postcode": Col(Erase.BLANK, owner),  # ward_code is kept: counts by ward still add up
        "lat": Col(Erase.COARSEN, owner),
        "lon": Col(Erase.COARSEN, owner),
        "notes": Col(Erase.BLANK, owner, sweep=True),
        "life_events": Col(Erase.BLANK, owner),
        "interests": Col(Erase.BLANK, owner),
        "languages": Col(Erase.BLANK, owner),
    }


def _on_the_books(owner: frozenset[Kind]) -> dict[str, Col]:
    """Archive and emergency contact (issue 13): the contact is a third party's details kept
    for this person, erased with them; the archive reason is free text that may quote anyone."""
    return {
        "archived_at": KEEP,
        "archived_by_id": KEEP,
        "archive_reason": Col(Erase.BLANK, owner, sweep=True),
        "emergency_name": Col(Erase.BLANK, owner),
        "emergency_relation": Col(Erase.BLANK, owner),
        "emergency_phone": Col(Erase.BLANK, owner),
    }


_BY_RESIDENT = {Kind.RESIDENT: (Link(column="resident_id"),)}
_BY_VOLUNTEER = {Kind.VOLUNTEER: (Link(column="volunteer_id"),)}
_BY_EITHER = {**_BY_RESIDENT, **_BY_VOLUNTEER}

REGISTRY: tuple[TableRule, ...] = (
    TableRule(
        table="residents",
        activity=("updated_at",),
        what="Your record: contact details, needs, preferences, consent and notes.",
        # ride_with_id (issue 13): a named friend to ride with. The row is the FRIEND's only
        # through that one column: erasing the friend must blank ride_with_id, never the rest
        # of this resident's row (see /work/notes/person.md for pd).
        links={Kind.RESIDENT: (Link(column="id"), Link(column="ride_with_id"))},
        subject_table=True,
        audit_entity="Resident",
        columns={
            **_person_columns(RESIDENT),
            **_on_the_books(RESIDENT),
            "phone": Col(Erase.BLANK, RESIDENT),
            "needs_language": Col(Erase.BLANK, RESIDENT),
            "ride_with_id": KEEP,
            **_cols(
                "id",
                "ward_code",
                "age_band",
                "gender",
                "mobility",
                "needs_escort",
                "prefers_female_driver",
                "befriender_gender",
                "share_life_events",
                "wants_befriender",
                "sms_consent",
                "opted_out_at",
                "risk_tier",
                "active",
                "simulator_training",
                "created_at",
                "updated_at",
            ),
        },
    ),
    TableRule(
        table="volunteers",
        activity=("updated_at",),
        what="Your record: contact details, roles, DBS date, vehicle, consent and notes.",
        links={Kind.VOLUNTEER: (Link(column="id"),)},
        subject_table=True,
        audit_entity="Volunteer",
        columns={
            **_person_columns(VOLUNTEER),
            **_on_the_books(VOLUNTEER),
            "phone": Col(Erase.PLACEHOLDER, VOLUNTEER),  # NOT NULL UNIQUE
            "email": Col(Erase.BLANK, VOLUNTEER),
            "dbs_valid_until": Col(Erase.BLANK, VOLUNTEER),
            # A driver's checks (issue 13): the certificate number identifies them; dates and
            # the level are kept like other dates once the name is gone.
            "dbs_certificate_number": Col(Erase.BLANK, VOLUNTEER),
            **_cols(
                "dbs_level",
                "dbs_issued_on",
                "dbs_update_checked_on",
                "licence_checked_on",
                "insurance_expires_on",
                "mot_expires_on",
            ),
            **_cols(
                "id",
                "ward_code",
                "age_band",
                "gender",
                "is_driver",
                "is_befriender",
                "car_seats",
                "wheelchair_spaces",
                "max_drive_minutes",
                "befriend_capacity",
                "sms_consent",
                "opted_out_at",
                "active",
                "simulator_training",
                "created_at",
                "updated_at",
            ),
        },
    ),
    TableRule(
        table="weekly_availability",
        what="The hours you are free each week.",
        links=_BY_VOLUNTEER,
        columns=_cols("id", "volunteer_id", "weekday", "start_time", "end_time"),
    ),
    TableRule(
        table="availability_exceptions",
        activity=("day",),
        what="Days off and extra hours on given dates.",
        links=_BY_VOLUNTEER,
        columns={
            **_cols("id", "volunteer_id", "day", "available", "start_time", "end_time"),
            "note": Col(Erase.BLANK, VOLUNTEER, sweep=True),
        },
    ),
    TableRule(
        table="blocked_pairs",
        what="Residents and volunteers who are not to be put together, and why.",
        links=_BY_EITHER,
        columns={
            **_cols("id", "resident_id", "volunteer_id"),
            "reason": Col(Erase.BLANK, BOTH, sweep=True),
        },
    ),
    TableRule(
        table="recurring_lifts",
        activity=("updated_at",),
        what="Standing weekly lifts (every Tuesday to choir).",
        links=_BY_RESIDENT,
        audit_entity="RecurringLift",
        columns={
            **_cols(
                "id",
                "resident_id",
                "activity_id",
                "venue_id",
                "weekday",
                "starts_on",
                "ends_on",
                "pickup_earliest",
                "pickup_latest",
                "arrive_by",
                "return_pickup_earliest",
                "return_pickup_latest",
                "escort",
                "purpose",
                "active",
                "created_at",
                "updated_at",
            ),
            # A destination may be a friend's or a clinic's address: the resident's data.
            "destination_address": _R_BLANK,
            "destination_postcode": _R_BLANK,
            "destination_lat": Col(Erase.COARSEN, RESIDENT),
            "destination_lon": Col(Erase.COARSEN, RESIDENT),
        },
    ),
    TableRule(
        table="lift_requests",
        activity=("day",),
        what="Every lift asked for: day, times, pickup and destination, purpose, status.",
        links={
            Kind.RESIDENT: (Link(column="resident_id"),),
            Kind.VOLUNTEER: (Link(column="pinned_volunteer_id"),),
        },
        audit_entity="LiftRequest",
        columns={
            **_cols(
                "id",
                "resident_id",
                "day",
                "leg",
                "outbound_id",
                "recurring_id",
                "activity_id",
                "venue_id",
                "pickup_earliest",
                "pickup_latest",
                "arrive_by",
                "escort",
                "mobility",
                "purpose",
                "priority",
                "source",
                "status",
                "pinned_volunteer_id",
                "created_at",
                "updated_at",
            ),
            "pickup_address": _R_BLANK,
            "pickup_postcode": _R_BLANK,
            "pickup_lat": Col(Erase.COARSEN, RESIDENT),
            "pickup_lon": Col(Erase.COARSEN, RESIDENT),
            "destination_address": _R_BLANK,
            "destination_postcode": _R_BLANK,
            "destination_lat": Col(Erase.COARSEN, RESIDENT),
            "destination_lon": Col(Erase.COARSEN, RESIDENT),
            "status_reason": Col(Erase.BLANK, RESIDENT, sweep=True),  # "in hospital"
            "notes": Col(Erase.BLANK, RESIDENT, sweep=True),
        },
    ),
    TableRule(
        table="plan_routes",
        what="Your days on the rota: drive time and distance, and whether you accepted.",
        links=_BY_VOLUNTEER,
        columns=_cols(
            "id",
            "plan_id",
            "volunteer_id",
            "drive_s",
            "distance_m",
            "response",
            "responded_at",
        ),
    ),
    TableRule(
        table="mileage_claims",
        activity=("day",),
        what="The miles you drove for the bureau each day, recorded for your expenses.",
        links=_BY_VOLUNTEER,
        audit_entity="MileageClaim",
        columns=_cols(
            "id", "volunteer_id", "day", "miles", "recorded_by_id", "created_at", "updated_at"
        ),
    ),
    TableRule(
        table="plan_stops",
        what="Stops of the rota you appear in, with their planned times.",
        links={
            Kind.RESIDENT: (Link(column="lift_id", via="lift_requests"),),
            Kind.VOLUNTEER: (Link(column="route_id", via="plan_routes"),),
        },
        columns={
            **_cols(
                "id",
                "route_id",
                "seq",
                "kind",
                "lift_id",
                "arrival_s",
                "service_start_s",
                "departure_s",
                "load_seats",
                "load_wheelchairs",
            ),
            # A pickup is the resident's home; a start or end is the driver's.
            "lat": Col(Erase.COARSEN, BOTH),
            "lon": Col(Erase.COARSEN, BOTH),
        },
    ),
    TableRule(
        table="unserved_lifts",
        what="Lifts a plan could not give, and why.",
        links={Kind.RESIDENT: (Link(column="lift_id", via="lift_requests"),)},
        columns={
            **_cols("id", "plan_id", "lift_id", "reason"),
            "detail": Col(Erase.BLANK, RESIDENT, sweep=True),
        },
    ),
    TableRule(
        table="pairings",
        activity=("proposed_at", "decided_at", "ended_at", "last_checkin_at"),
        what="Befriending matches: proposed, accepted, rejected or ended, and check-ins.",
        links=_BY_EITHER,
        audit_entity="Pairing",
        columns={
            **_cols(
                "id",
                "resident_id",
                "volunteer_id",
                "status",
                "score",
                "proposed_at",
                "decided_at",
                "decided_by_id",
                "ended_at",
                "ended_by",
                "last_checkin_at",
                "next_checkin_on",
            ),
            # Reasons quote shared interests and languages: both people's data.
            "reasons": Col(Erase.BLANK, BOTH, sweep=True),
            "rejection_reason": Col(Erase.BLANK, BOTH, sweep=True),
            "end_reason": Col(Erase.BLANK, BOTH, sweep=True),
        },
    ),
    TableRule(
        table="referrals",
        activity=("updated_at",),
        what="Referrals to the bureau about you: who referred you, why, your life events, "
        "consent, how to reach you, your tier and what happened.",
        links={Kind.RESIDENT: (Link(column="resident_id"), Link(phone="phone"))},
        audit_entity="Referral",
        columns={
            **_cols(
                "id",
                "resident_id",
                "source",
                "channel",
                "consent",
                "status",
                "created_at",
                "updated_at",
                "reference",
                "submission_key",
                "not_matches",
                "referrer_confirms_agreed",
                "tier",
                "connector_id",
                "first_contact_at",
                "at_risk_now",
                "self_harm",
                "lives_alone",
                "housebound",
                "no_transport",
                "no_internet",
            ),
            # The referrer (a professional, a relative) acts for the person: kept on erasure
            # (the bureau's record of who referred), redacted from the resident's export.
            "referrer_name": Col(third_party=True),
            "referrer_org": KEEP,
            "referrer_contact": Col(third_party=True),
            "first_name": Col(Erase.NAME, RESIDENT),
            "last_name": Col(Erase.NAME, RESIDENT),
            "phone": _R_BLANK,
            "address": _R_BLANK,
            "postcode": _R_BLANK,
            "date_of_birth": Col(Erase.AGE_BAND, RESIDENT),
            "life_events": _R_BLANK,
            "contact_ways": _R_BLANK,
            "best_times": _R_BLANK,
            "language": _R_BLANK,
            "access_needs": Col(Erase.BLANK, RESIDENT, sweep=True),
            "tier_words": Col(Erase.BLANK, RESIDENT, sweep=True),
            "closed_reason": Col(Erase.BLANK, RESIDENT, sweep=True),
            "reason": Col(Erase.BLANK, RESIDENT, sweep=True),
        },
    ),
    TableRule(
        table="screenings",
        activity=("taken_on",),
        what="Loneliness scores taken with you: who took them, when and how.",
        links=_BY_RESIDENT,
        audit_entity="Screening",
        columns={
            # The score stays (reports of what helped still add up); the answers go.
            **_cols(
                "id",
                "resident_id",
                "referral_id",
                "instrument",
                "score",
                "taken_on",
                "taken_at",
                "method",
                "taken_by_id",
            ),
            "follow_up": KEEP,
            "answers": _R_BLANK,
        },
    ),
    TableRule(
        table="contact_attempts",
        what="Each time the bureau tried to reach you after a referral, and what happened.",
        links={Kind.RESIDENT: (Link(column="referral_id", via="referrals"),)},
        columns={
            **_cols("id", "referral_id", "at", "outcome", "staff_user_id"),
            "note": Col(Erase.BLANK, RESIDENT, sweep=True),
        },
    ),
    TableRule(
        table="consent_records",
        what="Each consent you gave or withdrew: purpose, when, how and who took it.",
        links=_BY_EITHER,
        columns={
            **_cols(
                "id",
                "resident_id",
                "volunteer_id",
                "purpose",
                "given",
                "at",
                "how",
                "staff_user_id",
            ),
            "note": Col(Erase.BLANK, BOTH, sweep=True),
        },
    ),
    TableRule(
        table="messages",
        activity=("created_at",),
        what="Every text to and from you: number, words, status.",
        links={
            # A text about her lift or her befriending is about her, whoever it went to.
            Kind.RESIDENT: (
                Link(column="resident_id"),
                Link(phone="phone"),
                Link(column="concerns_id", via="lift_requests", type_is=("concerns_type", "lift")),
                Link(column="concerns_id", via="pairings", type_is=("concerns_type", "pairing")),
            ),
            Kind.VOLUNTEER: (
                Link(column="volunteer_id"),
                Link(phone="phone"),
                Link(
                    column="concerns_id", via="plan_routes", type_is=("concerns_type", "plan_route")
                ),
                Link(column="concerns_id", via="pairings", type_is=("concerns_type", "pairing")),
            ),
        },
        mentions={
            # Texts about a lift on his route (to the resident: "Devraj will pick you up").
            Kind.VOLUNTEER: (
                Link(
                    column="concerns_id",
                    via="plan_stops",
                    pick="lift_id",
                    type_is=("concerns_type", "lift"),
                ),
            ),
            # Texts about a route she is on (to the driver: "9:00am: Joyce, 28 Movers Lane").
            Kind.RESIDENT: (
                Link(
                    column="concerns_id",
                    via="plan_stops",
                    pick="route_id",
                    type_is=("concerns_type", "plan_route"),
                ),
            ),
        },
        retention=Retention.TEXT_BODIES,
        audit_entity="Message",
        columns={
            **_cols(
                "id",
                "direction",
                "status",
                "kind",
                "provider_sid",
                "attempts",
                "error_code",
                "concerns_type",
                "concerns_id",
                "resident_id",
                "volunteer_id",
                "simulated",
                "created_at",
                "sent_at",
                "updated_at",
            ),
            "phone": Col(Erase.BLANK, BOTH),
            "body": Col(Erase.BLANK, BOTH, sweep=True),
            "error": Col(Erase.BLANK, BOTH, sweep=True),
        },
    ),
    TableRule(
        table="conversations",
        what="Where a text conversation with your number stands (expires by itself).",
        links={
            Kind.RESIDENT: (Link(phone="phone"),),
            Kind.VOLUNTEER: (Link(phone="phone"),),
        },
        retention=Retention.SHORT_LIVED,
        delete_on_erase=True,
        columns={
            **_cols("id", "state", "misunderstood", "expires_at", "updated_at"),
            "phone": Col(Erase.BLANK, BOTH),
            "data": Col(Erase.BLANK, BOTH, sweep=True),
        },
    ),
    TableRule(
        table="alerts",
        activity=("created_at",),
        what="Things staff followed up for you (a call request, an opt-out).",
        links={
            Kind.RESIDENT: (Link(column="resident_id"), Link(phone="phone")),
            Kind.VOLUNTEER: (Link(column="volunteer_id"), Link(phone="phone")),
        },
        columns={
            **_cols(
                "id",
                "kind",
                "resident_id",
                "volunteer_id",
                "message_id",
                "created_at",
                "resolved_at",
                "resolved_by_id",
                "lift_id",
            ),
            "phone": Col(Erase.BLANK, BOTH),
            "detail": Col(Erase.BLANK, BOTH, sweep=True),
            # "resident:12" or "phone:+44…": unique among open alerts (issue 13).
            "subject": Col(Erase.PLACEHOLDER, BOTH),
            "resolved_note": Col(Erase.BLANK, BOTH, sweep=True),
        },
        audit_entity="Alert",
    ),
    TableRule(
        table="audit_log",
        what="Changes staff made to your records: who, when, which fields, old and new values.",
        links={Kind.RESIDENT: (Link(audit=True),), Kind.VOLUNTEER: (Link(audit=True),)},
        retention=Retention.AUDIT,
        columns={
            **_cols("id", "at", "staff_user_id", "actor", "action", "entity_type", "entity_id"),
            "changes": Col(Erase.REDACT_VALUES, BOTH, sweep=True),
        },
    ),
)

# Tables that hold nothing about a resident or volunteer, and why (the registry test reads it).
NOT_PERSONAL: Mapping[str, str] = {
    "staff_users": "staff accounts, managed on the admin pages; staff are not subjects here",
    "postcodes": "public postcode centroids (Code-Point Open / ONS)",
    "venues": "places; the host contact is an organisation's public contact",
    "activities": "weekly sessions at venues",
    "services": "the public directory of support services",
    "erasures": "tombstones of erased people: kind, id, who erased them, when and why",
    "plans": "a day's rota: status and solver statistics (routes and stops are registered)",
}

BY_TABLE: Mapping[str, TableRule] = {rule.table: rule for rule in REGISTRY}


def table(name: str) -> sa.Table:
    """The SQLAlchemy table called ``name`` (registered tables only)."""
    return db.metadata.tables[name]


def linked_ids(
    rule: TableRule,
    kind: Kind,
    person_id: int | Sequence[int],
    phone: str | None | Sequence[str],
    *,
    pick: str = "id",
    mentions: bool = False,
) -> sa.Select[Any]:
    """A SELECT of ``pick`` (the id) of ``rule.table``'s rows linked to one person (or several:
    ``person_id`` and ``phone`` may be lists, for the retention run's batches).

    ``mentions`` follows :attr:`TableRule.mentions` instead of :attr:`TableRule.links`: rows
    about someone else that call this person by first name (a resident's text naming her
    driver).
    """
    t = table(rule.table)
    conditions: list[sa.ColumnElement[bool]] = []
    for link in (rule.mentions if mentions else rule.links).get(kind, ()):
        if link.audit:
            for other in REGISTRY:
                if other.audit_entity is None or kind not in other.links:
                    continue
                conditions.append(
                    sa.and_(
                        t.c.entity_type == other.audit_entity,
                        t.c.entity_id.in_(linked_ids(other, kind, person_id, phone)),
                    )
                )
        elif link.phone is not None:
            if isinstance(phone, str):
                conditions.append(t.c[link.phone] == phone)
            elif phone:
                conditions.append(t.c[link.phone].in_(list(phone)))
        elif link.via is not None:
            assert link.column is not None
            parent = BY_TABLE[link.via]
            condition: sa.ColumnElement[bool] = t.c[link.column].in_(
                linked_ids(parent, kind, person_id, phone, pick=link.pick)
            )
            if link.type_is is not None:
                condition = sa.and_(t.c[link.type_is[0]] == link.type_is[1], condition)
            conditions.append(condition)
        else:
            assert link.column is not None
            if isinstance(person_id, int):
                conditions.append(t.c[link.column] == person_id)
            else:
                conditions.append(t.c[link.column].in_(list(person_id)))
    if not conditions:
        return sa.select(t.c[pick]).where(sa.false())
    return sa.select(t.c[pick]).where(sa.or_(*conditions))


def rules_for(kind: Kind) -> list[TableRule]:
    """The registered tables that can hold data about a person of ``kind``, subject first."""
    rules = [rule for rule in REGISTRY if kind in rule.links]
    return sorted(rules, key=lambda r: not r.subject_table)


def person_row(kind: Kind, person_id: int) -> dict[str, Any] | None:
    """The person's own row as a plain mapping, or None when there is no such person."""
    t = table(PEOPLE_TABLES[kind])
    row = db.session.execute(sa.select(t).where(t.c.id == person_id)).mappings().first()
    return dict(row) if row is not None else None


def identifiers(row: Mapping[str, Any]) -> list[str]:
    """The strings that identify a person in free text, longest first.

    Full name, phone (E.164, ``07700 900123`` and ``07700900123``), email, address, postcode
    (with and without its space). A first name alone is not here: "Joan" in someone else's text
    names no one in particular (see :func:`first_name_of`).
    """
    found: set[str] = set()
    first, last = str(row.get("first_name") or ""), str(row.get("last_name") or "")
    if first and last:
        found.add(f"{first} {last}")
    phone = row.get("phone")
    if phone:
        national = display_phone(str(phone))
        found.update({str(phone), national, national.replace(" ", "")})
    for name in ("email", "address"):
        if row.get(name):
            found.add(str(row[name]))
    postcode = row.get("postcode")
    if postcode:
        found.update({str(postcode), str(postcode).replace(" ", "")})
    return sorted((s for s in found if len(s.strip()) >= 4), key=lambda s: (-len(s), s))


def first_name_of(row: Mapping[str, Any]) -> str:
    """The person's first name (texts greet people by it)."""
    return str(row.get("first_name") or "")


AGE_BANDS: tuple[tuple[int, str], ...] = (
    (18, "under 18"),
    (25, "18-24"),
    (35, "25-34"),
    (45, "35-44"),
    (55, "45-54"),
    (65, "55-64"),
    (75, "65-74"),
    (85, "75-84"),
)


def age_band(born: dt.date | None, on: dt.date) -> str | None:
    """The ten-year band a birth date falls in on ``on`` ("75-84", "85+"), or None."""
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for below, band in AGE_BANDS:
        if age < below:
            return band
    return "85+"


_ERASED_MEMO = "erased_ids_by_kind"


@sa.event.listens_for(Session, "after_flush")
@sa.event.listens_for(Session, "after_transaction_end")
def _forget_erased(session: Session, *_: Any) -> None:
    """A write (an erasure) or a new transaction may change who is erased: ask again."""
    session.info.pop(_ERASED_MEMO, None)


def is_erased(person: Resident | Volunteer) -> bool:
    """True when this person's personal data has been erased (the one rule; issue 14).

    The erased ids of each kind are read once per transaction (one query, then a set lookup):
    the call list asks this for hundreds of people on one page (issue 13).
    """
    kind = Kind.RESIDENT if isinstance(person, Resident) else Kind.VOLUNTEER
    memo: dict[str, frozenset[int]] = db.session.info.setdefault(_ERASED_MEMO, {})
    if kind.value not in memo:
        memo[kind.value] = frozenset(db.session.scalars(erased_ids(kind)))
    return person.id in memo[kind.value]


def erased_ids(kind: Kind) -> sa.Select[tuple[int]]:
    """A SELECT of the ids of erased people of ``kind``, for queries that must skip them."""
    return sa.select(Erasure.person_id).where(Erasure.kind == kind.value)


def tombstone(kind: Kind, person_id: int) -> Erasure | None:
    """The erasure record of this person, if they were erased."""
    return db.session.scalar(
        sa.select(Erasure).where(Erasure.kind == kind.value, Erasure.person_id == person_id)
    )


def update_rows(t: sa.Table, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Write per-row new values as few UPDATEs: rows getting the same values go together."""
    groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for row_id, values in updates:
        key = json.dumps(values, sort_keys=True, default=str)
        groups.setdefault(key, (values, []))[1].append(row_id)
    for values, ids in groups.values():
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            db.session.execute(sa.update(t).where(t.c.id.in_(chunk)).values(**values))
