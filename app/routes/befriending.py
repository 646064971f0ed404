"""Befriending: proposals and their reasons, decisions, waiting list, active and ended pairings."""

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
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.extensions import db
from app.models.base import now_utc
from app.routes.access import editor_required
from app.services import befriending
from app.services import clock

bp = Blueprint("befriending", __name__, url_prefix="/befriending")

ENDED_BY_CHOICES = [
    SelectChoice("resident", "The resident"),
    SelectChoice("befriender", "The befriender"),
    SelectChoice("staff", "Bureau staff"),
]


# Every POST is CSRF-checked by CSRFProtect (app/extensions.py); these forms render and read
# the fields. Row forms carry a prefix so each row's fields have their own ids.
class ReasonForm(FlaskForm):
    reason = StringField("Why reject?")


class EndForm(FlaskForm):
    ended_by = SelectField("Who asked to end it", choices=ENDED_BY_CHOICES, default="staff")
    reason = StringField("Reason")


def _back() -> Response:
    return redirect(url_for("befriending.index"))


def _refused(exc: DomainError) -> Response:
    db.session.rollback()
    flash(exc.message, "error")
    return _back()


@bp.get("/")
@login_required
def index() -> str:
    """Show proposals, the waiting list, active and ended pairings."""
    view = befriending.overview(day=clock.today())
    return render_template(
        "befriending/index.html",
        view=view,
        reject_forms={p.id: ReasonForm(prefix=f"reject-{p.id}") for p in view.proposals},
        end_forms={p.id: EndForm(prefix=f"end-{p.id}") for p in view.active},
    )


@bp.post("/propose")
@editor_required
def propose() -> Response:
    """Propose befrienders for everyone waiting."""
    now = now_utc()
    try:
        run = befriending.propose_pairings(actor_id=current_user.id, day=clock.today(now), now=now)
    except DomainError as exc:
        return _refused(exc)
    flash(
        f"{run.proposed} proposals to decide ({run.new} new); "
        f"{len(run.waiting)} residents still waiting."
    )
    for warning in run.warnings:
        flash(warning, "error")
    return _back()


@bp.post("/<int:pairing_id>/accept")
@editor_required
def accept(pairing_id: int) -> Response:
    """Accept a proposal: the pairing starts and both sides are introduced by text."""
    try:
        pairing = befriending.accept_proposal(pairing_id, actor_id=current_user.id, now=now_utc())
    except DomainError as exc:
        return _refused(exc)
    flash(
        f"{pairing.resident.full_name} and {pairing.volunteer.full_name} are paired; "
        "introduction texts are on their way."
    )
    return _back()


@bp.post("/<int:pairing_id>/reject")
@editor_required
def reject(pairing_id: int) -> Response:
    """Reject a proposal with a reason; the pair is not proposed again."""
    form = ReasonForm(prefix=f"reject-{pairing_id}")
    try:
        pairing = befriending.reject_proposal(
            pairing_id, form.reason.data or "", actor_id=current_user.id, now=now_utc()
        )
    except DomainError as exc:
        return _refused(exc)
    flash(f"Proposal for {pairing.resident.full_name} rejected.")
    return _back()


@bp.post("/<int:pairing_id>/end")
@editor_required
def end(pairing_id: int) -> Response:
    """End an active pairing with a reason; the resident waits again."""
    form = EndForm(prefix=f"end-{pairing_id}")
    try:
        pairing = befriending.end_pairing(
            pairing_id,
            ended_by=form.ended_by.data or "",
            reason=form.reason.data or "",
            actor_id=current_user.id,
            now=now_utc(),
        )
    except DomainError as exc:
        return _refused(exc)
    flash(
        f"The pairing of {pairing.resident.full_name} and {pairing.volunteer.full_name} has "
        f"ended; {pairing.resident.first_name} is back on the waiting list."
    )
    return _back()
