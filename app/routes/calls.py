"""The call list: who to phone, why, and a tick with a note when called (issue 13)."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.routes.access import editor_required
from app.services import calls

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.get("/")
@login_required
def index() -> str:
    """Everyone to phone, soonest first; viewers see it, coordinators tick it."""
    return render_template("calls/index.html", entries=calls.call_list())


@bp.post("/done")
@editor_required
def done() -> Response:
    """Record that a coordinator phoned about one entry, with what was said."""
    try:
        who = calls.record_call(
            request.form.get("key", ""),
            actor_id=current_user.id,
            note=request.form.get("note", ""),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(f"Recorded: you phoned {who}.")
    return redirect(url_for("calls.index"))
