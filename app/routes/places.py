"""Venues, activities and the service directory: the staff's admin pages."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.errors import DomainError
from app.routes.access import editor_required
from app.routes.forms import show_error
from app.services import places
from app.services import profiles

bp = Blueprint("places", __name__, url_prefix="/places")


class VenueForm(FlaskForm):
    name = StringField("Name")
    address = StringField("Address")
    postcode = StringField("Postcode")
    step_free = BooleanField("Step-free access")
    host_contact = StringField("Host contact")
    phone = StringField("Phone")


class ActivityForm(FlaskForm):
    name = StringField("Name")
    venue_id = SelectField("Venue", coerce=int)
    weekday = SelectField(
        "Day", coerce=int, choices=[SelectChoice(str(i), d) for i, d in enumerate(places.WEEKDAYS)]
    )
    start_time = TimeField("Starts", validators=[Optional()])
    end_time = TimeField("Ends", validators=[Optional()])
    interests = StringField("Interests it serves (comma separated)")
    description = TextAreaField("Description")
    active = BooleanField("Running", default=True)


class ServiceForm(FlaskForm):
    name = StringField("Name")
    category = StringField("Category (e.g. Mental health)")
    phone = StringField("Phone")
    hours = StringField("Opening hours")
    url = StringField("Website")
    description = TextAreaField("What they do")


@bp.get("/")
@login_required
def index() -> str:
    """Show venues and their activities."""
    return render_template(
        "places/index.html",
        venues=places.list_venues(),
        activities=places.list_activities(),
        weekdays=places.WEEKDAYS,
    )


def _venue_input(form: VenueForm) -> places.VenueInput:
    return places.VenueInput(
        name=form.name.data or "",
        address=form.address.data or "",
        postcode=form.postcode.data or "",
        step_free=bool(form.step_free.data),
        host_contact=form.host_contact.data or "",
        phone=form.phone.data or "",
    )


@bp.route("/venues/new", methods=["GET", "POST"], defaults={"venue_id": None})
@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@editor_required
def venue_form(venue_id: int | None) -> str | Response:
    """Add or change a venue."""
    venue = places.get_venue(venue_id) if venue_id is not None else None
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        try:
            saved = places.save_venue(venue_id, _venue_input(form), actor_id=current_user.id)
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"{saved.name} saved.")
            return redirect(url_for("places.index"))
    return render_template("places/form.html", form=form, title="Venue", thing=venue)


@bp.route("/activities/new", methods=["GET", "POST"], defaults={"activity_id": None})
@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@editor_required
def activity_form(activity_id: int | None) -> str | Response:
    """Add or change a weekly activity."""
    activity = places.get_activity(activity_id) if activity_id is not None else None
    form = ActivityForm(obj=activity)
    form.venue_id.choices = [SelectChoice(str(v.id), v.name) for v in places.list_venues()]
    if activity is not None and not form.is_submitted():
        form.interests.data = ", ".join(activity.interests)
    if form.validate_on_submit():
        try:
            saved = places.save_activity(
                activity_id,
                places.ActivityInput(
                    name=form.name.data or "",
                    venue_id=form.venue_id.data,
                    weekday=form.weekday.data if form.weekday.data is not None else -1,
                    start_time=form.start_time.data,
                    end_time=form.end_time.data,
                    interests=form.interests.data or "",
                    description=form.description.data or "",
                    active=bool(form.active.data),
                ),
                actor_id=current_user.id,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"{saved.name} saved.")
            return redirect(url_for("places.index"))
    return render_template("places/form.html", form=form, title="Activity", thing=activity)


@bp.get("/activities/<int:activity_id>/standing")
@login_required
def activity_standing(activity_id: int) -> str:
    """The standing weekly lifts to one activity (issue 13): who comes every week."""
    activity = places.get_activity(activity_id)
    return render_template(
        "places/standing.html",
        activity=activity,
        standing=profiles.standing_lifts(activity_id=activity_id),
    )


@bp.get("/services")
@login_required
def services() -> str:
    """The directory of support services, for staff to keep up to date."""
    return render_template("places/services.html", services=places.list_services())


@bp.route("/services/new", methods=["GET", "POST"], defaults={"service_id": None})
@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@editor_required
def service_form(service_id: int | None) -> str | Response:
    """Add or change a directory entry."""
    service = places.get_service(service_id) if service_id is not None else None
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        try:
            saved = places.save_service(
                service_id,
                places.ServiceInput(
                    name=form.name.data or "",
                    category=form.category.data or "",
                    phone=form.phone.data or "",
                    description=form.description.data or "",
                    url=form.url.data or "",
                    hours=form.hours.data or "",
                ),
                actor_id=current_user.id,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"{saved.name} saved.")
            return redirect(url_for("places.services"))
    return render_template("places/form.html", form=form, title="Service", thing=service)


@bp.post("/services/<int:service_id>/delete")
@editor_required
def service_delete(service_id: int) -> Response:
    """Take an entry off the public directory."""
    places.delete_service(service_id, actor_id=current_user.id)
    flash("Removed from the directory.")
    return redirect(url_for("places.services"))
