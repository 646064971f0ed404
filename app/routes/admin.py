"""The admin's page of staff accounts: disable, enable, set a password, clear a sign-in
throttle; and marking a real person for simulator training (issue 11)."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField

from app.errors import DomainError
from app.routes.access import admin_required
from app.routes.access import editor_required
from app.routes.forms import show_error
from app.services import audit
from app.services import auth
from app.services.input_rules import parse_id
from app.services.passwords import MIN_PASSWORD_LENGTH
from app.services.simulator import set_simulator_training

bp = Blueprint("admin", __name__, url_prefix="/admin")


class PasswordForm(FlaskForm):
    password = PasswordField("New password")


@bp.get("/users")
@admin_required
def users() -> str:
    """Every staff account with its state and the admin's levers."""
    return render_template("admin/users.html", users=auth.list_users())


@bp.post("/users/<int:user_id>/active")
@admin_required
def set_active(user_id: int) -> Response:
    """Disable an account (its sessions end at once) or enable it again."""
    active = request.form.get("active") == "1"
    user = auth.set_active(user_id, active, actor_id=current_user.id)
    flash(f"{user.email} is {'enabled' if active else 'disabled; its sessions have ended'}.")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/unthrottle")
@admin_required
def unthrottle(user_id: int) -> Response:
    """Clear an account's failed sign-ins so it can be tried again at once."""
    user = auth.get_user(user_id)
    auth.clear_sign_in_throttle(user.email)
    flash(f"Failed sign-ins for {user.email} are cleared.")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def password(user_id: int) -> str | Response:
    """Set a new password for an account; its sessions end."""
    user = auth.get_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            auth.set_password(user_id, form.password.data or "", actor_id=current_user.id)
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(f"New password set for {user.email}; its sessions have ended.")
            if user_id == current_user.id:
                return redirect(url_for("auth.login"))
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/password.html", form=form, user=user, min_length=MIN_PASSWORD_LENGTH
    )


@bp.post("/training/<kind>/<int:person_id>")
@admin_required
def training(kind: str, person_id: int) -> Response:
    """Allow (or stop) practising on this real person in the SMS simulator."""
    allowed = request.form.get("allowed") == "1"
    person = set_simulator_training(kind, person_id, allowed, actor_id=current_user.id)
    flash(
        f"{person.full_name} {'may now' if allowed else 'can no longer'} be used in the "
        "SMS simulator."
    )
    if kind == "resident":
        return redirect(url_for("people.resident_detail", resident_id=person_id))
    return redirect(url_for("people.volunteer_detail", volunteer_id=person_id))


@bp.get("/audit")
@editor_required
def audit_trail() -> str:
    """The audit trail, newest first: who changed what a person was promised, and when."""
    kind = request.args.get("kind", "")
    where = audit.EventFilter(
        kind=kind if kind in audit.PERSON_KINDS else None,
        person_id=parse_id(request.args.get("person_id")),
        staff_id=parse_id(request.args.get("staff_id")),
        action=request.args.get("action", "").strip()[:40] or None,
        limit=200,
    )
    return render_template(
        "admin/audit.html",
        events=audit.list_events(where),
        where=where,
        users=auth.list_users(),
        actions=audit.KNOWN_ACTIONS,
    )
