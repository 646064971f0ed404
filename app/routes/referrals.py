"""Referrals: the public /refer page, the staff form, the outreach queue, a referral's page."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from werkzeug.wrappers import Response

from app import limiter
from app.errors import DomainError
from app.extensions import db
from app.models import ContactOutcome
from app.models import ReferralChannel
from app.routes.access import editor_required
from app.routes.throttling import rate_limited
from app.services import messaging
from app.services import outreach
from app.services import referrals
from app.services import risk
from app.services import screening
from app.services import screening_by_text
from app.services.input_rules import parse_id
from app.services.paging import page_number

bp = Blueprint("referrals", __name__)

# The one limiter (app/limiter.py), one rule for the public form, counted per address.
limiter.register_rule("referral-form", "10 per hour; 50 per day")
HONEYPOT = "website"


def _form_input() -> referrals.ReferralInput:
    """The referral form's fields as a ReferralInput (checked by the service)."""
    form = request.form
    events = {
        key: form.get(f"event_{key}", "").strip() or "?"
        for key in referrals.LIFE_EVENTS
        if form.get(f"has_{key}")
    }
    return referrals.ReferralInput(
        source=form.get("source", ""),
        referrer_name=form.get("referrer_name", ""),
        referrer_org=form.get("referrer_org", ""),
        referrer_contact=form.get("referrer_contact", ""),
        referrer_confirms_agreed=bool(form.get("referrer_confirms_agreed")),
        first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""),
        phone=form.get("phone", ""),
        address=form.get("address", ""),
        postcode=form.get("postcode", ""),
        date_of_birth=form.get("date_of_birth", ""),
        reason=form.get("reason", ""),
        life_events=events,
        lives_alone=bool(form.get("lives_alone")),
        housebound=bool(form.get("housebound")),
        no_transport=bool(form.get("no_transport")),
        no_internet=bool(form.get("no_internet")),
        consent=bool(form.get("consent")),
        contact_ways=form.getlist("contact_ways"),
        best_times=form.get("best_times", ""),
        language=form.get("language", ""),
        access_needs=form.get("access_needs", ""),
        at_risk_now=bool(form.get("at_risk_now")),
        self_harm=bool(form.get("self_harm")),
    )


def _render_form(template: str, *, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    values = request.form if request.method == "POST" else {}
    key = request.form.get("form_key") or secrets.token_urlsafe(16)
    return (
        render_template(
            template,
            values=values,
            errors=errors or {},
            form_key=key,
            roles=referrals.ROLE_WORDS,
            events=referrals.LIFE_EVENTS,
            ways=referrals.CONTACT_WAYS,
        ),
        status,
    )


def _submit(channel: ReferralChannel, template: str) -> Any:
    try:
        result = referrals.submit_referral(
            _form_input(),
            channel=channel,
            form_key=request.form.get("form_key", ""),
            actor_id=current_user.id if current_user.is_authenticated else None,
        )
    except DomainError as exc:
        db.session.rollback()
        return _render_form(template, errors={exc.field or "form": exc.message}, status=400)
    return result


@bp.route("/refer", methods=["GET"])
def refer() -> Any:
    """The public referral page: no sign-in, plain words, works without JavaScript."""
    return _render_form("referrals/refer.html")


@bp.route("/refer", methods=["POST"])
@rate_limited("referral-form", what="referrals")
def refer_submit() -> Any:
    """Take a public referral and show its reference."""
    if request.form.get(HONEYPOT):
        # A form robot filled the hidden field: answer plainly, store nothing.
        return _render_form(
            "referrals/refer.html",
            errors={"form": "This form could not be sent. Please leave the last box empty."},
            status=400,
        )
    result = _submit(ReferralChannel.PUBLIC, "referrals/refer.html")
    if not isinstance(result, referrals.Submitted):
        return result
    return render_template("referrals/thanks.html", referral=result.referral)


@bp.route("/referrals/new", methods=["GET", "POST"])
@editor_required
def new() -> Any:
    """The staff referral form (a call, a GP's letter)."""
    if request.method == "GET":
        return _render_form("referrals/staff_form.html")
    result = _submit(ReferralChannel.STAFF, "referrals/staff_form.html")
    if not isinstance(result, referrals.Submitted):
        return result
    flash(f"Referral {result.referral.reference} saved.", "ok")
    return redirect(url_for("referrals.detail", referral_id=result.referral.id))


@bp.get("/outreach")
@login_required
def queue() -> str:
    """Open referrals by tier, then waiting time; overdue ones highlighted."""
    page = outreach.outreach_queue(page=page_number(request.args.get("page")))
    return render_template(
        "referrals/outreach.html",
        page=page,
        special=referrals.sees_special_category(current_user.role),
    )


def _id(raw: int) -> int:
    found = parse_id(str(raw))
    if found is None:
        abort(404)
    return found


@bp.get("/referrals/<int:referral_id>")
@login_required
def detail(referral_id: int) -> str:
    """A referral: who, why, matches, the screen, the contact log (special data: editors)."""
    referral = referrals.view_referral(_id(referral_id), actor_id=current_user.id)
    special = referrals.sees_special_category(current_user.role)
    return render_template(
        "referrals/detail.html",
        r=referral,
        special=special,
        matches=referrals.likely_residents(referral) if current_user.can_edit else [],
        screen=screening.latest_screen(referral) if special else None,
        screens=screening.screens_of(referral) if special else [],
        due=outreach.due_on(referral.tier, referral.created_at),
        next_step=outreach.next_step(referral),
        failed=outreach.failed_attempts(referral),
        outcomes=outreach.OUTCOME_WORDS,
        connectors=outreach.connectors(),
        events=referrals.LIFE_EVENTS,
        ways=referrals.CONTACT_WAYS,
        roles=referrals.ROLE_WORDS,
        ucla_items=screening.UCLA_ITEMS,
        ucla_options=screening.UCLA_OPTIONS,
        ons_question=screening.ONS_QUESTION,
        ons_options=screening.ONS_OPTIONS,
        introduction=screening.INTRODUCTION,
        ContactOutcome=ContactOutcome,
    )


def _back(referral_id: int) -> Response:
    return redirect(url_for("referrals.detail", referral_id=referral_id))


def _int_field(name: str) -> int | None:
    return parse_id(request.form.get(name))


@bp.post("/referrals/<int:referral_id>/match")
@editor_required
def match(referral_id: int) -> Response:
    """Confirm or reject a likely match, or make a new resident from the referral."""
    decision = request.form.get("decision", "")
    resident_id = _int_field("resident_id")
    if decision == "new":
        referrals.create_resident_from(referral_id, actor_id=current_user.id)
        flash("A new resident was made from this referral.", "ok")
    elif resident_id is None:
        flash("Choose a resident.", "error")
    elif decision == "confirm":
        referrals.confirm_match(referral_id, resident_id, actor_id=current_user.id)
        flash("Linked to the resident's record.", "ok")
    else:
        referrals.reject_match(referral_id, resident_id, actor_id=current_user.id)
        flash("Not the same person: they will not be offered again.", "ok")
    return _back(referral_id)


@bp.post("/referrals/<int:referral_id>/screen")
@editor_required
def screen(referral_id: int) -> Response:
    """Record the loneliness screen taken on a call."""
    referral = referrals.get_referral(referral_id)
    answers = {key: _small_int(request.form.get(key)) for key, _ in screening.UCLA_ITEMS}
    result = screening.record_screen(
        referral,
        answers,
        _small_int(request.form.get("ons")),
        method="phone",
        actor_id=current_user.id,
    )
    tier = risk.refresh_tier(referral)
    db.session.commit()
    flash(f"Screen saved: UCLA {result.ucla}. {tier.words}", "ok")
    return _back(referral_id)


@bp.post("/referrals/<int:referral_id>/screen-by-text")
@editor_required
def screen_by_text(referral_id: int) -> Response:
    """Text the screen's first question; the replies come back as numbered answers."""
    text = screening_by_text.start(referral_id, actor_id=current_user.id)
    messaging.dispatch([text])
    flash("The first question is on its way by text; answers arrive as they reply.", "ok")
    return _back(referral_id)


def _small_int(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 3 else None


@bp.post("/referrals/<int:referral_id>/contact")
@editor_required
def contact(referral_id: int) -> Response:
    """Log a try at reaching them."""
    attempt = outreach.log_attempt(
        referral_id,
        request.form.get("outcome", ""),
        note=request.form.get("note", ""),
        actor_id=current_user.id,
    )
    flash(f"Logged: {outreach.OUTCOME_WORDS[attempt.outcome]}.", "ok")
    return _back(referral_id)


@bp.post("/referrals/<int:referral_id>/status")
@editor_required
def status(referral_id: int) -> Response:
    """Mark connected, or close with a reason."""
    outreach.set_status(
        referral_id,
        request.form.get("status", ""),
        reason=request.form.get("reason", ""),
        actor_id=current_user.id,
    )
    flash("Status saved.", "ok")
    return _back(referral_id)


@bp.post("/referrals/<int:referral_id>/connector")
@editor_required
def connector(referral_id: int) -> Response:
    """Name the connector."""
    outreach.assign_connector(referral_id, _int_field("connector_id"), actor_id=current_user.id)
    flash("Connector saved.", "ok")
    return _back(referral_id)
