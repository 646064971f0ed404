"""Residents and volunteers: register, update, availability, consent; every change audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Literal
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import AvailabilityException
from app.models import ConsentPurpose
from app.models import DbsLevel
from app.models import Gender
from app.models import Mobility
from app.models import Resident
from app.models import RiskTier
from app.models import Volunteer
from app.models import WeeklyAvailability
from app.services import clock
from app.services import consent
from app.services.audit import apply_changes
from app.services.audit import record_change
from app.services.geo import locate_postcode
from app.services.geo import normalise_postcode
from app.services.input_rules import Problems
from app.services.input_rules import check_birth_date
from app.services.paging import PER_PAGE
from app.services.paging import Page
from app.services.paging import count_rows
from app.services.paging import paginate
from app.services.personal_data import Kind
from app.services.personal_data import erased_ids
from app.services.phones import is_mobile
from app.services.phones import normalise_phone


def clean_tags(values: Iterable[str] | str | None) -> list[str]:
    """Lower-case, trim and de-duplicate interests or languages, keeping their order."""
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else list(values)
    seen: list[str] = []
    for item in items:
        tag = " ".join(str(item).split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _enum(enum_cls: Any, value: Any, field_name: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum_cls)
        msg = f"'{value}' is not one of: {choices}."
        raise InvalidInput(msg, field=field_name) from None


@dataclass
class PersonInput:
    """What staff enter about a resident or volunteer (strings as typed)."""

    first_name: str
    last_name: str
    phone: str = ""
    address: str = ""
    postcode: str = ""
    gender: str = "unstated"
    interests: list[str] | str = field(default_factory=list)
    languages: list[str] | str = field(default_factory=list)
    notes: str = ""
    # Consent boxes on the form (issue 14): None leaves a purpose as it is.
    befriending_consent: bool | None = None
    consent_how: str = "phone call"
    emergency_name: str = ""
    emergency_relation: str = ""
    emergency_phone: str = ""


@dataclass
class ResidentInput(PersonInput):
    """A resident's details."""

    mobility: str = "none"
    needs_escort: bool = False
    prefers_female_driver: bool = False
    sms_consent: bool = False
    risk_tier: str = "medium"
    date_of_birth: dt.date | None = None
    needs_language: str = ""
    wants_befriender: bool = False
    life_events_consent: bool | None = None
    referral_contact_consent: bool | None = None
    # A named friend to ride with, as typed (name, phone or postcode): one resident must match.
    ride_with: str = ""


@dataclass
class VolunteerInput(PersonInput):
    """A volunteer's details."""

    email: str = ""
    sms_consent: bool | None = None
    is_driver: bool = False
    is_befriender: bool = False
    dbs_valid_until: dt.date | None = None
    dbs_level: str = ""
    dbs_certificate_number: str = ""
    dbs_issued_on: dt.date | None = None
    dbs_update_checked_on: dt.date | None = None
    licence_checked_on: dt.date | None = None
    insurance_expires_on: dt.date | None = None
    mot_expires_on: dt.date | None = None
    car_seats: int = 0
    wheelchair_spaces: int = 0
    max_drive_minutes: int = 240
    befriend_capacity: int = 0


DBS_NUMBER_DIGITS = 12


def volunteer_roles(volunteer: Volunteer) -> str:
    """What a volunteer does, in words ("driver", "befriender", "driver and befriender").

    The texts log and the texts themselves name the role, so a befriender is never called a
    driver (issue 13).
    """
    roles = [
        role
        for role, has in (("driver", volunteer.is_driver), ("befriender", volunteer.is_befriender))
        if has
    ]
    return " and ".join(roles) or "volunteer"


def _required_name(value: str, field_name: str, words: str) -> str:
    text = " ".join(value.split())
    if not text:
        msg = f"Please enter a {words}."
        raise InvalidInput(msg, field=field_name)
    return text


def _common(data: PersonInput, problems: Problems, *, phone_required: bool) -> dict[str, Any]:
    """The fields residents and volunteers share; every problem is collected, none stops."""
    phone = None
    if data.phone.strip() or phone_required:
        phone = problems.attempt(normalise_phone, data.phone)
    problems.attempt(consent.parse_how, data.consent_how)  # refused before anything is stored
    values: dict[str, Any] = {
        "first_name": problems.attempt(_required_name, data.first_name, "first_name", "first name"),
        "last_name": problems.attempt(_required_name, data.last_name, "last_name", "last name"),
        "phone": phone,
        "address": data.address.strip() or None,
        "gender": problems.attempt(_enum, Gender, data.gender or "unstated", "gender"),
        "interests": clean_tags(data.interests),
        "languages": clean_tags(data.languages),
        "notes": data.notes.strip(),
    }
    values.update(_emergency_contact(data, problems))
    values.update(postcode=None, lat=None, lon=None, ward_code=None)
    if data.postcode.strip():
        where = problems.attempt(locate_postcode, data.postcode)
        if where is not None:
            values.update(
                postcode=where.postcode, lat=where.lat, lon=where.lon, ward_code=where.ward_code
            )
    return values


def _emergency_contact(data: PersonInput, problems: Problems) -> dict[str, Any]:
    """Who to call in an emergency: a name with a phone, or nothing (issue 13)."""
    name = " ".join(data.emergency_name.split())
    relation = " ".join(data.emergency_relation.split())
    phone = None
    if data.emergency_phone.strip():
        phone = problems.attempt(normalise_phone, data.emergency_phone, field="emergency_phone")
    if data.emergency_phone.strip() and not name:
        problems.add("emergency_name", "Give the emergency contact's name as well as their phone.")
    if (name or relation) and not data.emergency_phone.strip():
        problems.add("emergency_phone", "Give a phone number for the emergency contact.")
    return {
        "emergency_name": name or None,
        "emergency_relation": relation or None,
        "emergency_phone": phone,
    }


def _ride_with_id(typed: str, own_id: int | None) -> int | None:
    """The one resident a coordinator named as a friend to ride with (searched the one way)."""
    if not typed.strip():
        return None
    found = [r for r in search_people(Resident, typed, limit=3) if r.id != own_id]
    if not found:
        msg = f"No resident on the books matches '{typed.strip()}'."
        raise InvalidInput(msg, field="ride_with")
    if len(found) > 1:
        msg = (
            f"More than one resident matches '{typed.strip()}'; add their postcode or phone "
            "to say which."
        )
        raise InvalidInput(msg, field="ride_with")
    return found[0].id


def _resident_values(data: ResidentInput, *, own_id: int | None = None) -> dict[str, Any]:
    """Every field of the resident form checked; all problems raised together."""
    problems = Problems()
    values = _common(data, problems, phone_required=False)
    values.update(
        mobility=problems.attempt(_enum, Mobility, data.mobility or "none", "mobility"),
        needs_escort=bool(data.needs_escort),
        prefers_female_driver=bool(data.prefers_female_driver),
        risk_tier=problems.attempt(_enum, RiskTier, data.risk_tier or "medium", "risk_tier"),
        date_of_birth=(
            problems.attempt(check_birth_date, data.date_of_birth)
            if data.date_of_birth is not None
            else None
        ),
        needs_language=(data.needs_language.strip().lower() or None),
        wants_befriender=bool(data.wants_befriender),
        ride_with_id=problems.attempt(_ride_with_id, data.ride_with, own_id),
    )
    if data.sms_consent and not data.phone.strip():
        problems.add("phone", "A resident who agreed to texts needs a phone number.")
    problems.raise_all()
    return values


def _volunteer_values(data: VolunteerInput) -> dict[str, Any]:
    """Every field of the volunteer form checked; all problems raised together."""
    problems = Problems()
    values = _common(data, problems, phone_required=True)
    if not (data.is_driver or data.is_befriender):
        problems.add("is_driver", "A volunteer must be a driver, a befriender or both.")
    for name in ("car_seats", "wheelchair_spaces", "befriend_capacity"):
        if int(getattr(data, name)) < 0:
            problems.add(name, f"{name.replace('_', ' ').capitalize()} cannot be negative.")
    if int(data.max_drive_minutes) <= 0:
        problems.add("max_drive_minutes", "Maximum driving minutes a day must be more than 0.")
    if (
        data.is_driver
        and int(data.car_seats) + int(data.wheelchair_spaces) == 0
        and not problems.has("car_seats")
    ):
        problems.add("car_seats", "A driver needs at least one passenger seat or wheelchair space.")
    if data.is_driver and int(data.car_seats) == 0:
        # A wheelchair user's escort, or anyone riding with them, needs a seat (issue 13: 0
        # seats with 3 wheelchair spaces saved).
        problems.add(
            "car_seats", "A driver needs at least one passenger seat, even with wheelchair spaces."
        )
    if data.is_driver and values["phone"] is not None and not is_mobile(values["phone"]):
        problems.add("phone", "A driver needs a mobile number: their route and changes go by text.")
    values.update(_dbs_and_car_checks(data, problems))
    problems.raise_all()
    values.update(
        email=data.email.strip() or None,
        is_driver=bool(data.is_driver),
        is_befriender=bool(data.is_befriender),
        dbs_valid_until=data.dbs_valid_until,
        car_seats=int(data.car_seats),
        wheelchair_spaces=int(data.wheelchair_spaces),
        max_drive_minutes=int(data.max_drive_minutes),
        befriend_capacity=int(data.befriend_capacity),
    )
    return values


def _record_consents(
    person: Resident | Volunteer, data: PersonInput, *, actor_id: int | None, new: bool
) -> None:
    """The consent boxes of the form, through the one consent writer (issue 14)."""
    choices: dict[ConsentPurpose, bool | None] = {
        purpose: getattr(data, name, None) for name, purpose in consent.FORM_FIELDS.items()
    }
    consent.record_choices(person, choices, how=data.consent_how, staff_id=actor_id, new=new)


def check_resident(data: ResidentInput, *, resident_id: int | None = None) -> None:
    """Ask every rule of the resident form without saving (the form shows all problems)."""
    _resident_values(data, own_id=resident_id)


def check_volunteer(data: VolunteerInput) -> None:
    """Ask every rule of the volunteer form without saving."""
    _volunteer_values(data)


def _dbs_and_car_checks(data: VolunteerInput, problems: Problems) -> dict[str, Any]:
    """The driver's checks as stored; dates of checks already made cannot be in the future."""
    today = clock.today()
    for name in ("dbs_issued_on", "dbs_update_checked_on", "licence_checked_on"):
        value = getattr(data, name)
        if value is not None and value > today:
            problems.add(name, f"{name.replace('_', ' ').capitalize()} cannot be in the future.")
    number = "".join(data.dbs_certificate_number.split())
    if number and not (number.isdigit() and len(number) == DBS_NUMBER_DIGITS):
        problems.add(
            "dbs_certificate_number",
            f"A DBS certificate number has {DBS_NUMBER_DIGITS} digits (it is on the certificate).",
        )
    level = (
        problems.attempt(_enum, DbsLevel, data.dbs_level, "dbs_level") if data.dbs_level else None
    )
    return {
        "dbs_level": level,
        "dbs_certificate_number": number or None,
        "dbs_issued_on": data.dbs_issued_on,
        "dbs_update_checked_on": data.dbs_update_checked_on,
        "licence_checked_on": data.licence_checked_on,
        "insurance_expires_on": data.insurance_expires_on,
        "mot_expires_on": data.mot_expires_on,
    }


def _check_phone_free(model: Any, phone: str | None, own_id: int | None) -> None:
    if phone is None:
        return
    other = db.session.scalar(sa.select(model).where(model.phone == phone))
    if other is not None and other.id != own_id:
        who = "resident" if model is Resident else "volunteer"
        msg = (
            f"Another {who} ({other.first_name} {other.last_name}) already has the number {phone}."
        )
        raise Conflict(msg, field="phone")


PersonKind = Literal["resident", "volunteer"]


@dataclass(frozen=True)
class LikelyDuplicate:
    """Someone already on the books who may be the person being entered, and why we think so."""

    kind: PersonKind
    id: int
    name: str
    reasons: tuple[str, ...]
    archived: bool

    @property
    def reason(self) -> str:
        """The reasons in words: "the same phone number and the same email"."""
        return " and ".join(self.reasons)


class PossibleDuplicate(Conflict):
    """A new record that looks like someone already held: the coordinator must say it is not."""

    def __init__(self, matches: list[LikelyDuplicate]) -> None:
        names = ", ".join(f"{m.name} ({m.reason})" for m in matches)
        super().__init__(f"This may be someone we already have: {names}.", field=None)
        self.matches = matches


def _folded(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def likely_duplicates(
    kind: PersonKind,
    *,
    name: str,
    postcode: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    date_of_birth: dt.date | None = None,
    exclude_id: int | None = None,
) -> list[LikelyDuplicate]:
    """Residents (or volunteers) who may be this person: the one duplicate rule (issue 13).

    A match is the same phone, or the same full name and postcode, or the same email
    (volunteers; residents hold no email), or the same full name and date of birth. Names,
    emails and postcodes compare ignoring case and spacing; a phone in any spacing. Archived
    people are included (flagged) so a returning resident is restored, not entered twice.
    Input that cannot be read (a malformed phone or postcode) simply matches nothing here; the
    form's own checks answer it.
    """
    model: type[Resident] | type[Volunteer] = Resident if kind == "resident" else Volunteer
    full = _folded(name)
    e164 = None
    if phone and phone.strip():
        try:
            e164 = normalise_phone(phone)
        except InvalidInput:
            e164 = None
    code = None
    if postcode and postcode.strip():
        try:
            code = normalise_postcode(postcode).replace(" ", "")
        except InvalidInput:
            code = None
    mail = _folded(email) or None
    stored_name = sa.func.lower(model.first_name + " " + model.last_name)

    def same_name(row: Any) -> bool:
        return _folded(row.full_name) == full

    tests: list[tuple[str, sa.ColumnElement[bool], Any]] = []
    if e164:
        tests.append(("the same phone number", model.phone == e164, lambda r: r.phone == e164))
    if full and code:
        tests.append(
            (
                "the same name and postcode",
                sa.and_(stored_name == full, sa.func.replace(model.postcode, " ", "") == code),
                lambda r: same_name(r) and (r.postcode or "").replace(" ", "") == code,
            )
        )
    if mail and model is Volunteer:
        tests.append(
            (
                "the same email",
                sa.func.lower(Volunteer.email) == mail,
                lambda r: _folded(r.email) == mail,
            )
        )
    if full and date_of_birth is not None:
        tests.append(
            (
                "the same name and date of birth",
                sa.and_(stored_name == full, model.date_of_birth == date_of_birth),
                lambda r: same_name(r) and r.date_of_birth == date_of_birth,
            )
        )
    if not tests:
        return []
    stmt = sa.select(model).where(sa.or_(*(cond for _, cond, _ in tests)))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    rows: list[Any] = list(db.session.scalars(stmt.order_by(model.id).limit(10)))
    return [
        LikelyDuplicate(
            kind=kind,
            id=row.id,
            name=row.full_name,
            reasons=tuple(words for words, _, check in tests if check(row)) or ("similar details",),
            archived=not row.active,
        )
        for row in rows
    ]


def _refuse_likely_duplicate(kind: PersonKind, values: dict[str, Any]) -> None:
    matches = likely_duplicates(
        kind,
        name=f"{values['first_name']} {values['last_name']}",
        postcode=values.get("postcode"),
        phone=values.get("phone"),
        email=values.get("email"),
        date_of_birth=values.get("date_of_birth"),
    )
    if matches:
        raise PossibleDuplicate(matches)


def create_resident(
    data: ResidentInput, *, actor_id: int | None, not_a_duplicate: bool = False
) -> Resident:
    """Register a resident; the phone is normalised and the postcode located.

    Someone who looks like a resident already held is refused with :class:`PossibleDuplicate`
    until the coordinator confirms it is a different person (``not_a_duplicate``).
    """
    values = _resident_values(data)
    _check_phone_free(Resident, values["phone"], None)
    if not not_a_duplicate:
        _refuse_likely_duplicate("resident", values)
    resident = Resident(**values)
    db.session.add(resident)
    db.session.flush()
    record_change(actor_id=actor_id, action="create", entity=resident)
    _record_consents(resident, data, actor_id=actor_id, new=True)
    db.session.commit()
    return resident


def update_resident(resident_id: int, data: ResidentInput, *, actor_id: int | None) -> Resident:
    """Change a resident's details and audit what changed."""
    resident = get_resident(resident_id)
    values = _resident_values(data, own_id=resident.id)
    _check_phone_free(Resident, values["phone"], resident.id)
    changes = apply_changes(resident, values)
    if changes:
        record_change(actor_id=actor_id, action="update", entity=resident, changes=changes)
    _record_consents(resident, data, actor_id=actor_id, new=False)
    db.session.commit()
    return resident


def get_resident(resident_id: int) -> Resident:
    """Return the resident or raise NotFound."""
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        msg = f"There is no resident number {resident_id}."
        raise NotFound(msg)
    return resident


def get_volunteer(volunteer_id: int) -> Volunteer:
    """Return the volunteer or raise NotFound."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        msg = f"There is no volunteer number {volunteer_id}."
        raise NotFound(msg)
    return volunteer


def create_volunteer(
    data: VolunteerInput, *, actor_id: int | None, not_a_duplicate: bool = False
) -> Volunteer:
    """Register a volunteer driver and/or befriender (refused as a likely duplicate unless
    ``not_a_duplicate``, like :func:`create_resident`)."""
    values = _volunteer_values(data)
    _check_phone_free(Volunteer, values["phone"], None)
    if not not_a_duplicate:
        _refuse_likely_duplicate("volunteer", values)
    volunteer = Volunteer(**values)
    db.session.add(volunteer)
    db.session.flush()
    record_change(actor_id=actor_id, action="create", entity=volunteer)
    _record_consents(volunteer, data, actor_id=actor_id, new=True)
    db.session.commit()
    return volunteer


def update_volunteer(volunteer_id: int, data: VolunteerInput, *, actor_id: int | None) -> Volunteer:
    """Change a volunteer's details and audit what changed."""
    volunteer = get_volunteer(volunteer_id)
    values = _volunteer_values(data)
    _check_phone_free(Volunteer, values["phone"], volunteer.id)
    changes = apply_changes(volunteer, values)
    if changes:
        record_change(actor_id=actor_id, action="update", entity=volunteer, changes=changes)
    _record_consents(volunteer, data, actor_id=actor_id, new=False)
    db.session.commit()
    return volunteer


def _check_window(start: dt.time, end: dt.time, field_name: str) -> None:
    if start >= end:
        msg = (
            f"The window must start before it ends ({clock.time_of_day(start)} is not before "
            f"{clock.time_of_day(end)})."
        )
        raise InvalidInput(msg, field=field_name)


def set_weekly_availability(
    volunteer_id: int,
    windows: Iterable[tuple[int, dt.time, dt.time]],
    *,
    actor_id: int | None,
) -> Volunteer:
    """Replace a volunteer's weekly windows (weekday 0 = Monday); overlaps are refused."""
    volunteer = get_volunteer(volunteer_id)
    new = sorted(windows)
    for weekday, start, end in new:
        if not 0 <= weekday <= 6:
            msg = f"Weekday {weekday} is not a day of the week (0 = Monday … 6 = Sunday)."
            raise InvalidInput(msg, field="weekday")
        _check_window(start, end, "start_time")
    for (d1, _s1, e1), (d2, s2, _e2) in zip(new, new[1:], strict=False):
        if d1 == d2 and s2 < e1:
            msg = "Two windows on the same day overlap; join them into one."
            raise InvalidInput(msg, field="start_time")
    old = [(w.weekday, w.start_time, w.end_time) for w in volunteer.weekly]
    volunteer.weekly.clear()
    db.session.flush()
    for weekday, start, end in new:
        volunteer.weekly.append(WeeklyAvailability(weekday=weekday, start_time=start, end_time=end))
    record_change(
        actor_id=actor_id,
        action="availability",
        entity=volunteer,
        changes={"weekly": ([_fmt(w) for w in old], [_fmt(w) for w in new])},
    )
    db.session.commit()
    return volunteer


def _fmt(window: tuple[int, dt.time, dt.time]) -> str:
    day, start, end = window
    return f"{day} {clock.time_range(start, end)}"


def add_availability_exception(
    volunteer_id: int,
    day: dt.date,
    *,
    available: bool,
    start: dt.time | None = None,
    end: dt.time | None = None,
    note: str = "",
    actor_id: int | None,
) -> AvailabilityException:
    """Record a dated day off, or extra hours on one date."""
    volunteer = get_volunteer(volunteer_id)
    if available:
        if start is None or end is None:
            msg = "Extra hours need a start and an end time."
            raise InvalidInput(msg, field="start_time")
        _check_window(start, end, "start_time")
    else:
        start = end = None
    row = AvailabilityException(
        volunteer_id=volunteer.id,
        day=day,
        available=available,
        start_time=start,
        end_time=end,
        note=note.strip(),
    )
    db.session.add(row)
    record_change(
        actor_id=actor_id,
        action="availability_exception",
        entity=volunteer,
        changes={"exception": (None, f"{day.isoformat()} {'on' if available else 'off'}")},
    )
    db.session.commit()
    return row


def availability_on(volunteer: Volunteer, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """Return the windows a volunteer is free on ``day``: weekly pattern plus exceptions."""
    exceptions = [e for e in volunteer.exceptions if e.day == day]
    if any(not e.available for e in exceptions):
        return []
    windows = [(w.start_time, w.end_time) for w in volunteer.weekly if w.weekday == day.weekday()]
    windows += [
        (e.start_time, e.end_time)
        for e in exceptions
        if e.available and e.start_time is not None and e.end_time is not None
    ]
    return _merge(sorted(windows))


@dataclass(frozen=True)
class FreeDriver:
    """A driver free on a day, with the windows they gave."""

    volunteer: Volunteer
    windows: list[tuple[dt.time, dt.time]]


def drivers_free_on(day: dt.date, *, among: Iterable[int] | None = None) -> list[FreeDriver]:
    """Who can be planned to drive on ``day``: active drivers with a located home and hours.

    The one rule (issue 10: the dashboard counted drivers the planner could not use). Their
    checks are the solver's to judge, so a lift can be reported as "no driver whose checks are
    valid"; :func:`app.services.compliance.may_drive_on` is that rule. ``among`` limits the
    question to these volunteer ids (a plan's drivers, for the rota page).
    """
    stmt = sa.select(Volunteer).where(
        Volunteer.is_driver.is_(True),
        Volunteer.active.is_(True),
        # An erased volunteer is never planned (issue 14).
        Volunteer.id.not_in(erased_ids(Kind.VOLUNTEER)),
    )
    if among is not None:
        stmt = stmt.where(Volunteer.id.in_(list(among)))
    volunteers = db.session.scalars(
        stmt.options(selectinload(Volunteer.weekly), selectinload(Volunteer.exceptions)).order_by(
            Volunteer.id
        )
    ).all()
    free = []
    for volunteer in volunteers:
        windows = availability_on(volunteer, day)
        if windows and volunteer.lat is not None and volunteer.lon is not None:
            free.append(FreeDriver(volunteer, windows))
    return free


def _merge(windows: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    merged: list[tuple[dt.time, dt.time]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


Person = TypeVar("Person", Resident, Volunteer)

# Characters people type around a phone number: "07700 900115", "(07700) 900-115", "+44 7700…".
_PHONE_PUNCTUATION = str.maketrans("", "", " ()-+.")


def _like(text: str) -> str:
    """``%text%`` with LIKE's own wildcards typed by a person taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_digits(text: str) -> str | None:
    """The national digits of a typed phone number (``7700900115``), or None if not a phone."""
    compact = text.translate(_PHONE_PUNCTUATION)
    if len(compact) < 3 or not compact.isdigit():
        return None
    if compact.startswith("44") and len(compact) > 10:
        compact = compact[2:]
    return compact.lstrip("0") or None


def search_people(
    model: type[Person], query: str, *, limit: int = 10, include_archived: bool = False
) -> list[Person]:
    """Residents or volunteers matching what was typed: the one search of people (issue 10).

    A phone in any spacing ("07700 900115", "+44 7700 900115") matches the stored E.164 number;
    otherwise every word must match a first name, last name, phone or postcode, so a full name
    ("Grace Khan") or "joan ig11" narrows the list, and a postcode is found with or without its
    space ("IG11 7NB", "IG117NB").
    """
    if not query.split():
        return []
    stmt = _people_stmt(model, query, include_archived=include_archived)
    return list(db.session.scalars(stmt.limit(limit)))


def _people_stmt(model: type[Person], query: str, *, include_archived: bool) -> sa.Select[Any]:
    """The ordered query behind :func:`search_people` (everyone when ``query`` is blank)."""
    stmt = sa.select(model)
    if not include_archived:
        stmt = stmt.where(model.active.is_(True))
    words = query.split()
    phone = _phone_digits(query) if words else None
    if phone is not None:
        stmt = stmt.where(model.phone.like(_like(phone), escape="\\"))
    else:
        for word in words[:4]:
            like = _like(word)
            conditions = [
                model.first_name.ilike(like, escape="\\"),
                model.last_name.ilike(like, escape="\\"),
                sa.func.replace(model.postcode, " ", "").ilike(like, escape="\\"),
            ]
            digits = _phone_digits(word)
            if digits is not None:
                conditions.append(model.phone.like(_like(digits), escape="\\"))
            stmt = stmt.where(sa.or_(*conditions))
    return stmt.order_by(model.last_name, model.first_name, model.id)


def people_matching(
    model: type[Person], query: str, *, include_archived: bool = False
) -> sa.Select[Any]:
    """The ids :func:`search_people` finds, as a subquery for other lists (the lifts list)."""
    stmt = _people_stmt(model, query, include_archived=include_archived)
    return stmt.with_only_columns(model.id).order_by(None)


def search_residents(
    query: str, *, limit: int = 10, include_archived: bool = False
) -> list[Resident]:
    """Residents matching ``query`` (see :func:`search_people`): the lift form's finder."""
    return search_people(Resident, query, limit=limit, include_archived=include_archived)


@dataclass(frozen=True)
class PeopleList:
    """A page of a people list, and how many archived people the same search hid."""

    page: Page[Any]
    archived_hidden: int


def list_people(
    model: type[Person],
    query: str = "",
    *,
    include_archived: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> PeopleList:
    """A page of the residents or volunteers list: everyone on the books, or those
    :func:`search_people` finds; archived people only when asked, else counted (issue 13)."""
    stmt = _people_stmt(model, query, include_archived=include_archived)
    hidden = 0
    if not include_archived and query.split():
        archived = _people_stmt(model, query, include_archived=True).where(model.active.is_(False))
        hidden = count_rows(archived)
    return PeopleList(paginate(stmt, number=page, per_page=per_page), hidden)


def remove_availability_exception(
    volunteer_id: int, exception_id: int, *, actor_id: int | None
) -> None:
    """Delete a dated exception (a day off cancelled, extra hours no longer offered)."""
    volunteer = get_volunteer(volunteer_id)
    row = db.session.get(AvailabilityException, exception_id)
    if row is None or row.volunteer_id != volunteer.id:
        msg = f"{volunteer.full_name} has no such exception."
        raise NotFound(msg)
    record_change(
        actor_id=actor_id,
        action="availability_exception",
        entity=volunteer,
        changes={"exception": (f"{row.day.isoformat()} {'on' if row.available else 'off'}", None)},
    )
    db.session.delete(row)
    db.session.commit()


def upcoming_exceptions(volunteer_id: int, *, today: dt.date) -> list[AvailabilityException]:
    """A volunteer's dated exceptions from ``today`` on, earliest first."""
    return list(
        db.session.scalars(
            sa.select(AvailabilityException)
            .where(
                AvailabilityException.volunteer_id == volunteer_id,
                AvailabilityException.day >= today,
            )
            .order_by(AvailabilityException.day, AvailabilityException.start_time)
        )
    )
