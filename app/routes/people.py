"""Residents and volunteers: lists, profiles and forms."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
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
from app.extensions import db
from app.models import Gender
from app.models import Mobility
from app.models import Resident
from app.models import RiskTier
from app.models import Volunteer
from app.routes.access import editor_required
from app.services import people

bp = Blueprint("people", __name__, url_prefix="/people")


def _choices(enum_cls: Any) -> list[SelectChoice]:
    return [SelectChoice(m.value, m.value.replace("_", " ").capitalize()) for m in enum_cls]


class PersonForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
    phone = StringField("Phone (mobile or landline)")
    address = StringField("Address")
    postcode = StringField("Postcode")
    gender = SelectField("Gender", choices=_choices(Gender), default="unstated")
    interests = StringField("Interests (comma separated)")
    languages = StringField("Languages (comma separated)")
    notes = TextAreaField("Notes")


class ResidentForm(PersonForm):
    mobility = SelectField("Mobility", choices=_choices(Mobility), default="none")
    needs_escort = BooleanField("Needs an escort")
    prefers_female_driver = BooleanField("Prefers a female driver")
    sms_consent = BooleanField("Agrees to texts")
    risk_tier = SelectField("Isolation risk", choices=_choices(RiskTier), default="medium")
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    needs_language = StringField("Needs a befriender who speaks")
    wants_befriender = BooleanField("Would like a befriender")


class VolunteerForm(PersonForm):
    email = StringField("Email")
    is_driver = BooleanField("Driver")
    is_befriender = BooleanField("Befriender")
    dbs_valid_until = DateField("DBS check valid until", validators=[Optional()])
    car_seats = IntegerField("Passenger seats", default=3, validators=[Optional()])
    wheelchair_spaces = IntegerField("Wheelchair spaces", default=0, validators=[Optional()])
    max_drive_minutes = IntegerField(
        "Most minutes driving a day", default=240, validators=[Optional()]
    )
    befriend_capacity = IntegerField(
        "Residents they can befriend at once", default=0, validators=[Optional()]
    )


def _form_values(form: FlaskForm, names: list[str]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
        values[name] = value if value is not None else ""
    return values


def _attach(form: FlaskForm, exc: DomainError) -> None:
    field = exc.field if exc.field in form else None
    if field is not None:
        form[field].errors = [*form[field].errors, exc.message]
    else:
        flash(exc.message, "error")
    db.session.rollback()


def _resident_input(form: ResidentForm) -> people.ResidentInput:
    v = _form_values(form, [f.name for f in form if f.name != "csrf_token"])
    v["date_of_birth"] = form.date_of_birth.data
    return people.ResidentInput(**v)


def _volunteer_input(form: VolunteerForm) -> people.VolunteerInput:
    v = _form_values(form, [f.name for f in form if f.name != "csrf_token"])
    v["dbs_valid_until"] = form.dbs_valid_until.data
    for name in ("car_seats", "wheelchair_spaces", "max_drive_minutes", "befriend_capacity"):
        v[name] = form[name].data if form[name].data is not None else 0
    return people.VolunteerInput(**v)


@bp.get("/residents")
@login_required
def residents() -> str:
    """List residents, searchable by name, phone or postcode."""
    q = request.args.get("q", "").strip()
    stmt = sa.select(Resident).order_by(Resident.last_name, Resident.first_name)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            sa.or_(
                Resident.first_name.ilike(like),
                Resident.last_name.ilike(like),
                Resident.phone.ilike(f"%{q.lstrip('0')}%"),
                Resident.postcode.ilike(like),
            )
        )
    rows = db.session.scalars(stmt.limit(200)).all()
    return render_template("people/residents.html", residents=rows, q=q)


@bp.route("/residents/new", methods=["GET", "POST"])
@editor_required
def resident_create() -> str | Response:
    """Register a resident."""
    form = ResidentForm()
    if form.validate_on_submit():
        try:
            resident = people.create_resident(_resident_input(form), actor_id=current_user.id)
        except DomainError as exc:
            _attach(form, exc)
        else:
            flash(f"{resident.full_name} is registered.")
            return redirect(url_for("people.resident_detail", resident_id=resident.id))
    return render_template("people/resident_form.html", form=form, resident=None)


@bp.get("/residents/<int:resident_id>")
@login_required
def resident_detail(resident_id: int) -> str:
    """Show a resident's profile."""
    return render_template("people/resident_detail.html", resident=people.get_resident(resident_id))


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@editor_required
def resident_edit(resident_id: int) -> str | Response:
    """Change a resident's details."""
    resident = people.get_resident(resident_id)
    form = ResidentForm(obj=resident)
    if request.method == "GET":
        form.interests.data = ", ".join(resident.interests)
        form.languages.data = ", ".join(resident.languages)
        form.needs_language.data = resident.needs_language or ""
    if form.validate_on_submit():
        try:
            people.update_resident(resident_id, _resident_input(form), actor_id=current_user.id)
        except DomainError as exc:
            _attach(form, exc)
        else:
            flash("Saved.")
            return redirect(url_for("people.resident_detail", resident_id=resident_id))
    return render_template("people/resident_form.html", form=form, resident=resident)


@bp.get("/volunteers")
@login_required
def volunteers() -> str:
    """List volunteers, searchable by name, phone or postcode."""
    q = request.args.get("q", "").strip()
    stmt = sa.select(Volunteer).order_by(Volunteer.last_name, Volunteer.first_name)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            sa.or_(
                Volunteer.first_name.ilike(like),
                Volunteer.last_name.ilike(like),
                Volunteer.phone.ilike(f"%{q.lstrip('0')}%"),
                Volunteer.postcode.ilike(like),
            )
        )
    rows = db.session.scalars(stmt.limit(200)).all()
    return render_template("people/volunteers.html", volunteers=rows, q=q)


@bp.route("/volunteers/new", methods=["GET", "POST"])
@editor_required
def volunteer_create() -> str | Response:
    """Register a volunteer."""
    form = VolunteerForm()
    if form.validate_on_submit():
        try:
            volunteer = people.create_volunteer(_volunteer_input(form), actor_id=current_user.id)
        except DomainError as exc:
            _attach(form, exc)
        else:
            flash(f"{volunteer.full_name} is registered.")
            return redirect(url_for("people.volunteer_detail", volunteer_id=volunteer.id))
    return render_template("people/volunteer_form.html", form=form, volunteer=None)


@bp.get("/volunteers/<int:volunteer_id>")
@login_required
def volunteer_detail(volunteer_id: int) -> str:
    """Show a volunteer's profile."""
    return render_template(
        "people/volunteer_detail.html", volunteer=people.get_volunteer(volunteer_id)
    )


@bp.route("/volunteers/<int:volunteer_id>/edit", methods=["GET", "POST"])
@editor_required
def volunteer_edit(volunteer_id: int) -> str | Response:
    """Change a volunteer's details."""
    volunteer = people.get_volunteer(volunteer_id)
    form = VolunteerForm(obj=volunteer)
    if request.method == "GET":
        form.interests.data = ", ".join(volunteer.interests)
        form.languages.data = ", ".join(volunteer.languages)
    if form.validate_on_submit():
        try:
            people.update_volunteer(volunteer_id, _volunteer_input(form), actor_id=current_user.id)
        except DomainError as exc:
            _attach(form, exc)
        else:
            flash("Saved.")
            return redirect(url_for("people.volunteer_detail", volunteer_id=volunteer_id))
    return render_template("people/volunteer_form.html", form=form, volunteer=volunteer)
