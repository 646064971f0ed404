"""Lift requests: quick entry during a phone call, the list by day and status, edit and drop."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from flask import flash
from flask import jsonify
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
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Optional

from app.errors import DomainError
from app.errors import InvalidInput
from app.models import LiftPurpose
from app.models import LiftStatus
from app.routes.access import editor_required
from app.routes.forms import show_error
from app.services import clock
from app.services import lifts
from app.services import people
from app.services import places
from app.services.input_rules import parse_day
from app.services.paging import page_number

bp = Blueprint("lifts", __name__, url_prefix="/lifts")

WEEKDAYS = places.WEEKDAYS
PURPOSES = [SelectChoice(p.value, p.value.capitalize()) for p in LiftPurpose]
OUTCOME_CHOICES = [
    SelectChoice("", "Choose…"),
    SelectChoice("cancelled", "Cancelled (late if on the day)"),
    SelectChoice("no_show", "No-show: not there at pickup"),
    SelectChoice("completed", "Completed"),
]


def _tomorrow() -> dt.date:
    return clock.tomorrow()


class LiftForm(FlaskForm):
    resident_id = HiddenField("Resident")
    day = DateField("Day of the lift", validators=[InputRequired("Give the day of the lift.")])
    activity_id = SelectField("Activity", coerce=int, default=0)
    venue_id = SelectField("Or a place", coerce=int, default=0)
    destination_address = StringField("Or an address")
    destination_postcode = StringField("Its postcode")
    arrive_by = TimeField("Arrive by", validators=[Optional()])
    pickup_earliest = TimeField("Pick up from", validators=[Optional()])
    pickup_latest = TimeField("Pick up until", validators=[Optional()])
    with_return = BooleanField("Return lift home", default=True)
    return_earliest = TimeField("Return pickup from", validators=[Optional()])
    return_latest = TimeField("Return pickup until", validators=[Optional()])
    escort = BooleanField("Brings an escort (takes a second seat)")
    purpose = SelectField("Purpose", choices=PURPOSES, default="activity")
    recurring = BooleanField("Every week on this day")
    recurring_until = DateField("Last week (leave empty for no end)", validators=[Optional()])
    notes = TextAreaField("Notes for the driver")


class LiftEditForm(FlaskForm):
    arrive_by = TimeField("Arrive by", validators=[Optional()])
    pickup_earliest = TimeField("Pick up from", validators=[Optional()])
    pickup_latest = TimeField("Pick up until", validators=[Optional()])
    escort = BooleanField("Brings an escort (takes a second seat)")
    purpose = SelectField("Purpose", choices=PURPOSES)
    notes = TextAreaField("Notes for the driver")


class OutcomeForm(FlaskForm):
    outcome = SelectField("Outcome", choices=OUTCOME_CHOICES, default="")
    reason = StringField("Reason")


def _fill_destinations(form: LiftForm) -> None:
    form.activity_id.choices = [SelectChoice("0", "None: a place or an address below")] + [
        SelectChoice(
            str(a.id),
            f"{a.name}, {a.venue.name} ({WEEKDAYS[a.weekday]}s "
            f"{clock.time_range(a.start_time, a.end_time)})",
        )
        for a in places.list_activities(include_inactive=False)
    ]
    form.venue_id.choices = [SelectChoice("0", "None")] + [
        SelectChoice(str(v.id), v.name) for v in places.list_venues()
    ]


def _resident_id(form: LiftForm) -> int | None:
    try:
        return int(form.resident_id.data or 0) or None
    except ValueError:
        return None


def _day(raw: str | None) -> dt.date | None:
    """The day asked for in the query string; 'all' means every day from today."""
    if raw == "all":
        return None
    if not raw:
        return _tomorrow()
    return parse_day(raw)


def _resident_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.full_name,
        "phone": r.phone or "",
        "address": r.address or "",
        "postcode": r.postcode or "",
        "mobility": r.mobility.value.replace("_", " "),
        "needs_escort": r.needs_escort,
        "located": r.lat is not None,
    }


@bp.get("/")
@login_required
def index() -> str:
    """List lifts for a day (tomorrow by default), of one status, of residents searched for."""
    day = _day(request.args.get("day"))
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    listing = lifts.list_lifts(
        day, status=status or None, query=q, page=page_number(request.args.get("page"))
    )
    return render_template(
        "lifts/index.html",
        page=listing.page,
        day=day,
        status=status,
        q=q,
        statuses=[s.value for s in LiftStatus],
        counts=listing.counts,
    )


@bp.get("/residents.json")
@login_required
def resident_search() -> Response:
    """Residents matching what the coordinator types (name, phone or postcode), as JSON."""
    found = people.search_residents(request.args.get("q", ""), limit=8)
    return jsonify(results=[_resident_json(r) for r in found])


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def create() -> str | Response:
    """Take a lift request while the resident is on the phone."""
    form = LiftForm()
    _fill_destinations(form)
    if request.method == "GET":
        form.day.data = _tomorrow()
        form.resident_id.data = request.args.get("resident_id", "")
    q = request.args.get("q", "").strip()
    matches = people.search_residents(q, limit=20) if q else []
    chosen = None
    rid = _resident_id(form)
    if rid is not None:
        try:
            chosen = people.get_resident(rid)
        except DomainError:
            form.resident_id.data = ""
    no_resident = "Find the resident first: type their name, phone or postcode."
    if form.is_submitted() and not form.validate():
        if chosen is None:  # shown with the form's other problems, all at once (issue 13)
            form.resident_id.errors = [no_resident]
    elif form.is_submitted():
        try:
            if chosen is None:
                raise InvalidInput(no_resident, field="resident_id")
            data = lifts.LiftInput(
                resident_id=chosen.id,
                day=form.day.data,
                activity_id=form.activity_id.data or None,
                venue_id=form.venue_id.data or None,
                destination_address=form.destination_address.data or "",
                destination_postcode=form.destination_postcode.data or "",
                pickup_earliest=form.pickup_earliest.data,
                pickup_latest=form.pickup_latest.data,
                arrive_by=form.arrive_by.data,
                return_earliest=form.return_earliest.data,
                return_latest=form.return_latest.data,
                with_return=bool(form.with_return.data),
                escort=bool(form.escort.data),
                purpose=form.purpose.data or "activity",
                notes=form.notes.data or "",
            )
            if form.recurring.data:
                rec = lifts.book_recurring_lift(
                    data, ends_on=form.recurring_until.data, actor_id=current_user.id
                )
                flash(
                    f"Booked for {chosen.full_name}: every {WEEKDAYS[rec.weekday]} from "
                    f"{rec.starts_on:%-d %B}."
                )
                lift_day = rec.starts_on
            else:
                lift = lifts.book_lift(data, actor_id=current_user.id)
                flash(f"Booked for {chosen.full_name} on {lift.day:%A %-d %B}.")
                lift_day = lift.day
        except DomainError as exc:
            show_error(form, exc)
        else:
            return redirect(url_for("lifts.index", day=lift_day.isoformat()))
    return render_template(
        "lifts/new.html",
        form=form,
        chosen=chosen,
        q=q,
        matches=matches,
        weekdays=WEEKDAYS,
        activity_hint=lifts.activity_times_in_words(),
    )


@bp.get("/<int:lift_id>")
@login_required
def detail(lift_id: int) -> str:
    """Show one lift leg with its edit and outcome forms."""
    lift = lifts.get_lift(lift_id)
    return render_template(
        "lifts/detail.html",
        lift=lift,
        form=LiftEditForm(obj=lift, purpose=lift.purpose.value),
        outcome_form=OutcomeForm(),
    )


@bp.post("/<int:lift_id>/edit")
@editor_required
def edit(lift_id: int) -> str | Response:
    """Change a leg's times, escort, purpose or notes."""
    lift = lifts.get_lift(lift_id)
    form = LiftEditForm()
    if form.validate_on_submit():
        try:
            lifts.update_lift(
                lift_id,
                lifts.LiftEdit(
                    pickup_earliest=form.pickup_earliest.data,
                    pickup_latest=form.pickup_latest.data,
                    arrive_by=form.arrive_by.data,
                    escort=bool(form.escort.data),
                    purpose=form.purpose.data or "activity",
                    notes=form.notes.data or "",
                ),
                actor_id=current_user.id,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash("Saved. Re-plan the day if this lift was already planned.")
            return redirect(url_for("lifts.detail", lift_id=lift_id))
    return render_template("lifts/detail.html", lift=lift, form=form, outcome_form=OutcomeForm())


@bp.post("/<int:lift_id>/outcome")
@editor_required
def outcome(lift_id: int) -> str | Response:
    """Drop a lift (cancelled, no-show) or record it completed, with a reason."""
    lift = lifts.get_lift(lift_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            lifts.record_outcome(
                lift_id,
                form.outcome.data or "",
                reason=form.reason.data or "",
                actor_id=current_user.id,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"Recorded: {lift.status.value.replace('_', ' ')}.")
            return redirect(url_for("lifts.detail", lift_id=lift_id))
    return render_template(
        "lifts/detail.html",
        lift=lift,
        form=LiftEditForm(obj=lift, purpose=lift.purpose.value),
        outcome_form=form,
    )


# --- Standing weekly lifts (issue 13): listed on a resident's page and an activity's. ---


class StandingForm(FlaskForm):
    arrive_by = TimeField("Arrive by", validators=[Optional()])
    pickup_earliest = TimeField("Pick up from", validators=[Optional()])
    pickup_latest = TimeField("Pick up until", validators=[Optional()])
    return_pickup_earliest = TimeField("Lift home from", validators=[Optional()])
    return_pickup_latest = TimeField("Lift home until", validators=[Optional()])
    ends_on = DateField("Last week (leave empty for no end)", validators=[Optional()])
    stopped = BooleanField("Stop this standing lift (no more weeks)")


def _standing_input(form: StandingForm) -> lifts.StandingInput:
    return lifts.StandingInput(
        pickup_earliest=form.pickup_earliest.data,
        pickup_latest=form.pickup_latest.data,
        arrive_by=form.arrive_by.data,
        return_pickup_earliest=form.return_pickup_earliest.data,
        return_pickup_latest=form.return_pickup_latest.data,
        ends_on=form.ends_on.data,
        stopped=bool(form.stopped.data),
    )


@bp.route("/standing/<int:recurring_id>", methods=["GET", "POST"])
@editor_required
def standing_edit(recurring_id: int) -> str | Response:
    """Change a standing weekly lift's times or last week, or stop it."""
    rec = lifts.get_recurring_lift(recurring_id)
    form = StandingForm(obj=rec)
    if form.is_submitted() and form.validate():
        try:
            lifts.update_recurring_lift(
                recurring_id, _standing_input(form), actor_id=current_user.id
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"Saved the {WEEKDAYS[rec.weekday]} lift for {rec.resident.full_name}.")
            return redirect(url_for("people.resident_detail", resident_id=rec.resident_id))
    return render_template("lifts/standing.html", form=form, rec=rec, weekdays=WEEKDAYS)
