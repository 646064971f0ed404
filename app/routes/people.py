"""Residents and volunteers: lists, profiles and forms."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.errors import DomainError
from app.errors import InvalidInput
from app.extensions import db
from app.models import Gender
from app.models import Mobility
from app.models import Resident
from app.models import RiskTier
from app.models import Volunteer
from app.routes.access import editor_required
from app.routes.forms import also_check
from app.routes.forms import enum_choices
from app.routes.forms import form_values
from app.routes.forms import show_error
from app.services import archive
from app.services import clock
from app.services import compliance
from app.services import consent
from app.services import people
from app.services import profiles
from app.services.input_rules import parse_day
from app.services.paging import page_number

bp = Blueprint("people", __name__, url_prefix="/people")


# How a consent reached staff (issue 14); texts and referrals record their own.
CONSENT_HOWS = [SelectChoice(h.value, h.value.capitalize()) for h in consent.STAFF_HOWS]


def _show_consents(form: FlaskForm, person: Resident | Volunteer) -> None:
    """Tick the consent boxes as consent stands now (someone who texted STOP shows unticked)."""
    now = consent.current(person)
    for name, purpose in consent.FORM_FIELDS.items():
        if name in form:
            form[name].data = now.get(purpose, False)


class PersonForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
    phone = StringField("Phone (mobile or landline)")
    address = StringField("Address")
    postcode = StringField("Postcode")
    gender = SelectField("Gender", choices=enum_choices(Gender), default="unstated")
    interests = StringField("Interests (comma separated)")
    languages = StringField("Languages (comma separated)")
    notes = TextAreaField("Notes")
    emergency_name = StringField("Emergency contact: name")
    emergency_relation = StringField("Emergency contact: who they are (daughter, neighbour…)")
    emergency_phone = StringField("Emergency contact: phone")


class ResidentForm(PersonForm):
    mobility = SelectField("Mobility", choices=enum_choices(Mobility), default="none")
    needs_escort = BooleanField("Needs an escort")
    prefers_female_driver = BooleanField("Prefers a female driver")
    sms_consent = BooleanField("Agrees to texts")
    befriending_consent = BooleanField("Agrees to be introduced to a befriender")
    life_events_consent = BooleanField("Agrees to share their life events for matching")
    referral_contact_consent = BooleanField("Agrees to be contacted after a referral")
    consent_how = SelectField("How they told us", choices=CONSENT_HOWS, default="phone call")
    risk_tier = SelectField("Isolation risk", choices=enum_choices(RiskTier), default="medium")
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    needs_language = StringField("Needs a befriender who speaks")
    wants_befriender = BooleanField("Would like a befriender")
    ride_with = StringField("A friend to ride with (a resident's name and postcode or phone)")


class VolunteerForm(PersonForm):
    email = StringField("Email")
    sms_consent = BooleanField("Agrees to texts", default=True)
    befriending_consent = BooleanField(
        "Agrees to be introduced to the residents they befriend", default=True
    )
    consent_how = SelectField("How they told us", choices=CONSENT_HOWS, default="phone call")
    is_driver = BooleanField("Driver")
    is_befriender = BooleanField("Befriender")
    dbs_valid_until = DateField("DBS check valid until", validators=[Optional()])
    dbs_level = SelectField(
        "DBS level",
        choices=[SelectChoice("", "Not recorded")]
        + [
            SelectChoice(level.value, words.capitalize())
            for level, words in compliance.LEVEL_WORDS.items()
        ],
        default="",
    )
    dbs_certificate_number = StringField("DBS certificate number (12 digits)")
    dbs_issued_on = DateField("DBS certificate issued on", validators=[Optional()])
    dbs_update_checked_on = DateField("Last DBS update-service check", validators=[Optional()])
    licence_checked_on = DateField("Driving licence last checked", validators=[Optional()])
    insurance_expires_on = DateField("Car insurance expires", validators=[Optional()])
    mot_expires_on = DateField("MOT expires", validators=[Optional()])
    car_seats = IntegerField("Passenger seats", default=3, validators=[Optional()])
    wheelchair_spaces = IntegerField("Wheelchair spaces", default=0, validators=[Optional()])
    max_drive_minutes = IntegerField(
        "Most minutes driving a day", default=240, validators=[Optional()]
    )
    befriend_capacity = IntegerField(
        "Residents they can befriend at once", default=0, validators=[Optional()]
    )


def _resident_input(form: ResidentForm) -> people.ResidentInput:
    v = form_values(form, [f.name for f in form if f.name != "csrf_token"])
    v["date_of_birth"] = form.date_of_birth.data
    return people.ResidentInput(**v)


_DATES = (
    "dbs_valid_until",
    "dbs_issued_on",
    "dbs_update_checked_on",
    "licence_checked_on",
    "insurance_expires_on",
    "mot_expires_on",
)


def _flash_check_warnings(volunteer: Volunteer) -> None:
    """Saved, but say what stops them driving (a DBS that ran out in 2025; issue 13)."""
    for warning in compliance.warnings_on_save(volunteer, clock.today()):
        flash(warning, "warning")


def _volunteer_input(form: VolunteerForm) -> people.VolunteerInput:
    v = form_values(form, [f.name for f in form if f.name != "csrf_token"])
    for name in _DATES:
        v[name] = form[name].data
    for name in ("car_seats", "wheelchair_spaces", "max_drive_minutes", "befriend_capacity"):
        v[name] = form[name].data if form[name].data is not None else 0
    return people.VolunteerInput(**v)


def _confirmed_different() -> bool:
    """The coordinator ticked "this is a different person" under a likely-duplicate warning."""
    return request.form.get("not_a_duplicate") == "yes"


@bp.get("/residents")
@login_required
def residents() -> str:
    """List residents, searchable by name, phone or postcode."""
    q = request.args.get("q", "").strip()
    archived = request.args.get("archived") == "1"
    listing = people.list_people(
        Resident, q, include_archived=archived, page=page_number(request.args.get("page"))
    )
    return render_template(
        "people/residents.html",
        page=listing.page,
        archived_hidden=listing.archived_hidden,
        q=q,
        archived=archived,
    )


@bp.route("/residents/new", methods=["GET", "POST"])
@editor_required
def resident_create() -> str | Response:
    """Register a resident."""
    form = ResidentForm()
    duplicates: list[people.LikelyDuplicate] = []
    if form.is_submitted() and not form.validate():
        also_check(form, lambda: people.check_resident(_resident_input(form)))
    elif form.is_submitted():
        try:
            resident = people.create_resident(
                _resident_input(form),
                actor_id=current_user.id,
                not_a_duplicate=_confirmed_different(),
            )
        except people.PossibleDuplicate as exc:
            duplicates = exc.matches
            db.session.rollback()
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"{resident.full_name} is registered.")
            return redirect(url_for("people.resident_detail", resident_id=resident.id))
    return render_template(
        "people/resident_form.html", form=form, resident=None, duplicates=duplicates
    )


@bp.get("/residents/<int:resident_id>")
@login_required
def resident_detail(resident_id: int) -> str:
    """A resident's page: their story (lifts, standing lifts, befriender, texts, alerts)."""
    story = profiles.resident_story(resident_id)
    return render_template("people/resident_detail.html", story=story)


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@editor_required
def resident_edit(resident_id: int) -> str | Response:
    """Change a resident's details."""
    resident = people.get_resident(resident_id)
    form = ResidentForm(obj=resident)
    if request.method == "GET":
        _show_consents(form, resident)
        form.interests.data = ", ".join(resident.interests)
        form.languages.data = ", ".join(resident.languages)
        form.needs_language.data = resident.needs_language or ""
        friend = resident.ride_with
        if friend is not None:
            form.ride_with.data = f"{friend.full_name} {friend.postcode or friend.phone or ''}"
    if form.is_submitted() and not form.validate():
        also_check(
            form, lambda: people.check_resident(_resident_input(form), resident_id=resident_id)
        )
    elif form.is_submitted():
        try:
            people.update_resident(resident_id, _resident_input(form), actor_id=current_user.id)
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash("Saved.")
            return redirect(url_for("people.resident_detail", resident_id=resident_id))
    return render_template("people/resident_form.html", form=form, resident=resident)


@bp.get("/volunteers")
@login_required
def volunteers() -> str:
    """List volunteers, searchable by name, phone or postcode."""
    q = request.args.get("q", "").strip()
    archived = request.args.get("archived") == "1"
    listing = people.list_people(
        Volunteer, q, include_archived=archived, page=page_number(request.args.get("page"))
    )
    return render_template(
        "people/volunteers.html",
        page=listing.page,
        archived_hidden=listing.archived_hidden,
        q=q,
        archived=archived,
    )


@bp.route("/volunteers/new", methods=["GET", "POST"])
@editor_required
def volunteer_create() -> str | Response:
    """Register a volunteer."""
    form = VolunteerForm()
    duplicates: list[people.LikelyDuplicate] = []
    if form.is_submitted() and not form.validate():
        also_check(form, lambda: people.check_volunteer(_volunteer_input(form)))
    elif form.is_submitted():
        try:
            volunteer = people.create_volunteer(
                _volunteer_input(form),
                actor_id=current_user.id,
                not_a_duplicate=_confirmed_different(),
            )
        except people.PossibleDuplicate as exc:
            duplicates = exc.matches
            db.session.rollback()
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"{volunteer.full_name} is registered.")
            _flash_check_warnings(volunteer)
            return redirect(url_for("people.volunteer_detail", volunteer_id=volunteer.id))
    return render_template(
        "people/volunteer_form.html", form=form, volunteer=None, duplicates=duplicates
    )


@bp.get("/volunteers/<int:volunteer_id>")
@login_required
def volunteer_detail(volunteer_id: int) -> str:
    """A volunteer's page: routes driven and coming, pairings, availability, texts, alerts."""
    story = profiles.volunteer_story(volunteer_id)
    return render_template(
        "people/volunteer_detail.html",
        story=story,
        may_drive=compliance.may_drive_on(story.volunteer, clock.today()),
        level_words=compliance.LEVEL_WORDS,
    )


@bp.get("/volunteers/checks")
@login_required
def volunteer_checks() -> str:
    """Drivers' checks due in the next 30 days (or failing now), soonest first."""
    today = clock.today()
    return render_template(
        "people/checks_due.html",
        drivers=compliance.drivers_with_checks_due(today),
        today=today,
        within=compliance.DUE_WITHIN_DAYS,
    )


@bp.route("/volunteers/<int:volunteer_id>/edit", methods=["GET", "POST"])
@editor_required
def volunteer_edit(volunteer_id: int) -> str | Response:
    """Change a volunteer's details."""
    volunteer = people.get_volunteer(volunteer_id)
    form = VolunteerForm(obj=volunteer)
    if request.method == "GET":
        _show_consents(form, volunteer)
        form.interests.data = ", ".join(volunteer.interests)
        form.languages.data = ", ".join(volunteer.languages)
    if form.is_submitted() and not form.validate():
        also_check(form, lambda: people.check_volunteer(_volunteer_input(form)))
    elif form.is_submitted():
        try:
            saved = people.update_volunteer(
                volunteer_id, _volunteer_input(form), actor_id=current_user.id
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash("Saved.")
            _flash_check_warnings(saved)
            return redirect(url_for("people.volunteer_detail", volunteer_id=volunteer_id))
    return render_template("people/volunteer_form.html", form=form, volunteer=volunteer)


# --- Archive instead of delete (issue 13). ---

_KINDS: dict[str, people.PersonKind] = {"residents": "resident", "volunteers": "volunteer"}


def _detail_url(kind: people.PersonKind, person_id: int) -> str:
    if kind == "resident":
        return url_for("people.resident_detail", resident_id=person_id)
    return url_for("people.volunteer_detail", volunteer_id=person_id)


@bp.post("/<any(residents, volunteers):kinds>/<int:person_id>/archive")
@editor_required
def archive_person(kinds: str, person_id: int) -> Response:
    """Archive a resident or volunteer: never planned or texted until restored."""
    kind = _KINDS[kinds]
    try:
        person = archive.archive_person(
            kind, person_id, reason=request.form.get("reason", ""), actor_id=current_user.id
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_detail_url(kind, person_id) + "#archive")
    flash(f"{person.full_name} is archived: they will not be planned or texted.")
    return redirect(_detail_url(kind, person_id))


@bp.post("/<any(residents, volunteers):kinds>/<int:person_id>/restore")
@editor_required
def restore_person(kinds: str, person_id: int) -> Response:
    """Put an archived resident or volunteer back on the books."""
    kind = _KINDS[kinds]
    person = archive.restore_person(kind, person_id, actor_id=current_user.id)
    flash(f"{person.full_name} is back on the books.")
    return redirect(_detail_url(kind, person_id))


# --- Availability: the weekly pattern and dated exceptions (issue 7). ---

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WINDOWS_PER_DAY = 2


def _parse_time(raw: str, name: str, errors: dict[str, str]) -> dt.time | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text if len(text) > 2 else f"{int(text):02d}:00")
    except ValueError:
        errors[name] = f"'{text}' is not a time; write it like 09:30."
        return None


def _weekly_rows(volunteer: Volunteer) -> dict[str, str]:
    values: dict[str, str] = {}
    seen: dict[int, int] = {}
    for w in volunteer.weekly:
        n = seen.get(w.weekday, 0)
        seen[w.weekday] = n + 1
        if n < WINDOWS_PER_DAY:
            values[f"w{w.weekday}-{n}-start"] = f"{w.start_time:%H:%M}"
            values[f"w{w.weekday}-{n}-end"] = f"{w.end_time:%H:%M}"
    return values


def _render_availability(
    volunteer: Volunteer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    exc_values: dict[str, str] | None = None,
    exc_errors: dict[str, str] | None = None,
) -> str:
    return render_template(
        "people/availability.html",
        volunteer=volunteer,
        weekdays=WEEKDAY_NAMES,
        per_day=WINDOWS_PER_DAY,
        values=values if values is not None else _weekly_rows(volunteer),
        errors=errors or {},
        exc_values=exc_values or {"available": "no"},
        exc_errors=exc_errors or {},
        exceptions=people.upcoming_exceptions(volunteer.id, today=clock.today()),
    )


@bp.get("/volunteers/<int:volunteer_id>/availability")
@login_required
def availability(volunteer_id: int) -> str:
    """Show a volunteer's weekly availability and dated exceptions."""
    return _render_availability(people.get_volunteer(volunteer_id))


@bp.post("/volunteers/<int:volunteer_id>/availability")
@editor_required
def availability_save(volunteer_id: int) -> str | Response:
    """Replace a volunteer's weekly windows."""
    volunteer = people.get_volunteer(volunteer_id)
    values = {k: v for k, v in request.form.items() if k.startswith("w")}
    errors: dict[str, str] = {}
    windows: list[tuple[int, dt.time, dt.time]] = []
    for day in range(7):
        for n in range(WINDOWS_PER_DAY):
            key = f"w{day}-{n}"
            start = _parse_time(values.get(f"{key}-start", ""), f"{key}-start", errors)
            end = _parse_time(values.get(f"{key}-end", ""), f"{key}-end", errors)
            if start is None and end is None:
                continue
            if start is None or end is None:
                if f"{key}-start" not in errors and f"{key}-end" not in errors:
                    missing = f"{key}-start" if start is None else f"{key}-end"
                    errors[missing] = "Give both a start and an end, or neither."
                continue
            if start >= end:
                errors[f"{key}-end"] = "The end must be after the start."
                continue
            windows.append((day, start, end))
    if not errors:
        try:
            people.set_weekly_availability(volunteer_id, windows, actor_id=current_user.id)
        except DomainError as exc:
            db.session.rollback()
            errors["form"] = exc.message
        else:
            flash("Weekly availability saved.")
            return redirect(url_for("people.availability", volunteer_id=volunteer_id))
    return _render_availability(volunteer, values=values, errors=errors)


@bp.post("/volunteers/<int:volunteer_id>/availability/exceptions")
@editor_required
def availability_exception_add(volunteer_id: int) -> str | Response:
    """Add a dated day off or extra hours."""
    volunteer = people.get_volunteer(volunteer_id)
    form = {k: request.form.get(k, "") for k in ("day", "available", "start", "end", "note")}
    errors: dict[str, str] = {}
    day = None
    try:
        day = parse_day(form["day"])
    except InvalidInput:
        errors["day"] = "Give the date, like 2026-12-24."
    start = _parse_time(form["start"], "start", errors)
    end = _parse_time(form["end"], "end", errors)
    if not errors and day is not None:
        try:
            people.add_availability_exception(
                volunteer_id,
                day,
                available=form["available"] == "yes",
                start=start,
                end=end,
                note=form["note"],
                actor_id=current_user.id,
            )
        except DomainError as exc:
            db.session.rollback()
            errors["start" if exc.field == "start_time" else "day"] = exc.message
        else:
            flash(f"Saved for {day:%A %-d %B}.")
            return redirect(url_for("people.availability", volunteer_id=volunteer_id))
    return _render_availability(volunteer, exc_values=form, exc_errors=errors)


@bp.post("/volunteers/<int:volunteer_id>/availability/exceptions/<int:exception_id>/delete")
@editor_required
def availability_exception_delete(volunteer_id: int, exception_id: int) -> Response:
    """Remove a dated exception."""
    people.remove_availability_exception(volunteer_id, exception_id, actor_id=current_user.id)
    flash("Removed.")
    return redirect(url_for("people.availability", volunteer_id=volunteer_id))
