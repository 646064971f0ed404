"""Texts in and out: the log with status and errors, and the SMS simulator for training."""

from __future__ import annotations

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
from wtforms import StringField
from wtforms import TextAreaField

from app.errors import DomainError
from app.models import MessageStatus
from app.models import Resident
from app.models import Volunteer
from app.routes.access import editor_required
from app.routes.forms import show_error
from app.services import message_log
from app.services import people
from app.services.input_rules import parse_id
from app.services.paging import page_number
from app.services.phones import normalise_phone
from app.services.simulator import simulate_text

bp = Blueprint("messages", __name__, url_prefix="/messages")


class SimulatorForm(FlaskForm):
    phone = StringField("From (the resident's or driver's phone)")
    body = TextAreaField("Their text")


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


@bp.get("/")
@login_required
def index() -> str:
    """The log of texts, newest first, narrowed by person, number, status or direction."""
    flt = message_log.MessageFilter(
        status=request.args.get("status", ""),
        direction=request.args.get("direction", ""),
        phone=request.args.get("phone", "").strip(),
        resident_id=_int_arg("resident_id"),
        volunteer_id=_int_arg("volunteer_id"),
    )
    who: Resident | Volunteer | None = None
    if flt.resident_id is not None:
        who = people.get_resident(flt.resident_id)
    elif flt.volunteer_id is not None:
        who = people.get_volunteer(flt.volunteer_id)
    return render_template(
        "messages/index.html",
        page=message_log.page_of_messages(flt, page=page_number(request.args.get("page"))),
        flt=flt,
        who=who,
        statuses=[*message_log.STATUS_GROUPS, *(s.value for s in MessageStatus)],
    )


@bp.route("/simulator", methods=["GET", "POST"])
@editor_required
def simulator() -> str | Response:
    """Send a pretend text from a drama number or a person marked for training (audited)."""
    form = SimulatorForm()
    if request.method == "GET" and request.args.get("phone"):
        form.phone.data = request.args["phone"]
    if form.validate_on_submit():
        try:
            phone = normalise_phone(form.phone.data or "")
            simulate_text(phone, form.body.data or "", actor_id=current_user.id)
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash("Simulated text received; the reply (if any) is at the top of the log.")
            return redirect(url_for("messages.simulator", phone=phone))
    phone_shown = request.args.get("phone", "")
    conversation = (
        message_log.list_messages(message_log.MessageFilter(phone=phone_shown), limit=20)
        if phone_shown
        else []
    )
    return render_template(
        "messages/simulator.html", form=form, conversation=list(reversed(conversation))
    )
