"""Today: the day's routes, where each driver should be now, a driver taken off mid-day, and
the day's outcomes and miles recorded together at the end of the day (issue 13)."""

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
from app.errors import InvalidInput
from app.extensions import db
from app.routes.access import editor_required
from app.services import today
from app.services.input_rules import parse_id

bp = Blueprint("today", __name__, url_prefix="/today")


@bp.get("/")
@login_required
def index() -> str:
    """Show today's routes, where each driver should be now, and the lifts still to record."""
    return render_template(
        "today/index.html",
        view=today.today_view(),
        errors={},
        form={},
        outcomes=today.DAY_OUTCOMES,
    )


def _id(key: str, prefix: str) -> int:
    """The id in a field's name (``outcome-12``), or a refusal naming the field."""
    value = parse_id(key.removeprefix(prefix))
    if value is None:
        msg = f"The form sent a field this page does not know ({key[:40]!r}); reload the page."
        raise InvalidInput(msg, field="record")
    return value


def _rows() -> list[today.OutcomeRow]:
    rows = []
    for key in request.form:
        if key.startswith("outcome-"):
            lift_id = _id(key, "outcome-")
            rows.append(
                today.OutcomeRow(
                    lift_id=lift_id,
                    outcome=request.form.get(key, "").strip(),
                    reason=request.form.get(f"reason-{lift_id}", ""),
                )
            )
    return rows


def _miles() -> dict[int, str]:
    return {
        _id(key, "miles-"): value for key, value in request.form.items() if key.startswith("miles-")
    }


@bp.post("/record")
@editor_required
def record() -> tuple[str, int] | Response:
    """Record the day's outcomes and drivers' miles in one go (all or nothing)."""
    view = today.today_view()
    try:
        rows, miles = _rows(), _miles()
        done = today.record_day(view.day, rows, miles, actor_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        field = exc.field or "record"
        return render_template(
            "today/index.html",
            view=view,
            errors={field: exc.message},
            form=request.form,
            outcomes=today.DAY_OUTCOMES,
        ), exc.status_code
    flash(
        f"Recorded {done.outcomes} outcome{'s' if done.outcomes != 1 else ''} and miles for "
        f"{done.drivers_with_miles} driver{'s' if done.drivers_with_miles != 1 else ''}."
    )
    return redirect(url_for("today.index") + "#record")


@bp.post("/routes/<int:route_id>/off")
@editor_required
def driver_off(route_id: int) -> Response:
    """Take a driver off the rest of today's route (ill at 10:00); the rest needs a re-plan."""
    try:
        taken = today.take_driver_off(
            route_id, reason=request.form.get("reason", ""), actor_id=current_user.id
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("today.index") + f"#route-{route_id}")
    flash(
        f"Taken off: {len(taken)} lift{'s' if len(taken) != 1 else ''} need another driver. "
        "Re-plan the rest of today, check it on the rota, then publish it."
    )
    return redirect(url_for("today.index") + "#replan")
