"""The rota: plan a day in the background, review routes on a timeline and a map, see why a
lift is unserved, pin or move lifts, re-plan, publish, and print run sheets."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.errors import InvalidInput
from app.extensions import db
from app.jobs import rota as rota_jobs
from app.routes.access import editor_required
from app.services import clock
from app.services import publishing
from app.services import rota
from app.services import rota_view
from app.services.input_rules import parse_day
from app.services.input_rules import parse_id
from app.services.lifts import get_lift

bp = Blueprint("rota", __name__, url_prefix="/rota")


def _day(raw: str | None) -> dt.date:
    if not raw:
        return clock.tomorrow()
    return parse_day(raw)


@bp.get("/")
@login_required
def index() -> str:
    """Show a day's plan: routes as timelines and on a map, unserved lifts with reasons."""
    day = _day(request.args.get("day"))
    view = rota_view.day_view(day)
    status = rota_jobs.planning_status(day, requested_at=_requested_at(day))
    planning = status.get("state") in ("queued", "started", "deferred", "scheduled")
    planning = planning or (status.get("state") == "failed" and _requested_at(day) is not None)
    return render_template(
        "rota/index.html",
        view=view,
        just_planned=request.args.get("planned"),
        prev_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
        planning=planning,
        status=status,
        tile_url=current_app.config.get("MAP_TILE_URL"),
    )


@bp.get("/status.json")
@login_required
def status() -> Response:
    """Where the planning of a day stands (polled by the rota page)."""
    day = _day(request.args.get("day"))
    return jsonify(rota_jobs.planning_status(day, requested_at=_requested_at(day)))


def _requested_at(day: dt.date) -> dt.datetime | None:
    """When this coordinator last pressed Plan for ``day`` (kept in their session)."""
    raw = (session.get("planning") or {}).get(day.isoformat())
    try:
        return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


@bp.post("/plan")
@editor_required
def plan() -> Response:
    """Plan (or re-plan) a day in the background, keeping pins and what drivers were told."""
    day = _day(request.form.get("day"))
    rota_jobs.start_planning(day, actor_id=current_user.id)
    # Remembered so the page can say if the queue loses the job (Redis restarted; issue 15).
    asked = dict(session.get("planning") or {})
    asked[day.isoformat()] = dt.datetime.now(dt.UTC).isoformat()
    session["planning"] = dict(sorted(asked.items())[-14:])
    flash(f"Planning {day:%A %-d %B}… this page shows the plan when it is ready.")
    return redirect(url_for("rota.index", day=day.isoformat()))


@bp.post("/plans/<int:plan_id>/publish")
@editor_required
def publish(plan_id: int) -> Response:
    """Publish a draft: drivers and residents get their texts."""
    result = publishing.publish_plan(plan_id, actor_id=current_user.id)
    day = rota.get_plan(plan_id).day
    saved = (
        f"Published. Texts queued for {_count(result.drivers_texted, 'driver')} and "
        f"{_count(result.residents_texted, 'resident')}"
    )
    if result.texts_waiting_for_queue:
        # Redis did not answer: the plan and its texts are saved; the sweep sends them later.
        flash(
            f"{saved}; {result.texts_waiting_for_queue} of {result.texts_queued} texts are saved "
            "but the text queue is not answering, so they will be sent when it is back "
            "(see Texts)."
        )
    else:
        flash(f"{saved}; {result.texts_queued} still waiting to be sent (see Texts).")
    return redirect(url_for("rota.index", day=day.isoformat()))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@bp.route("/lifts/<int:lift_id>/pin", methods=["GET", "POST"])
@editor_required
def pin(lift_id: int) -> str | Response:
    """Pin a lift to a driver, move it to another one, or unpin it; the next plan keeps it."""
    lift = get_lift(lift_id)
    error = None
    if request.method == "POST":
        raw = request.form.get("volunteer_id", "")
        try:
            if request.form.get("action") == "unpin":
                volunteer_id = None
            elif parse_id(raw) is not None:
                volunteer_id = parse_id(raw)
            else:
                msg = "Choose a driver."
                raise InvalidInput(msg, field="volunteer_id")
            rota.pin_lift(lift_id, volunteer_id, actor_id=current_user.id)
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            if volunteer_id is None:
                flash(f"{lift.resident.full_name}'s lift is no longer pinned.")
            else:
                flash(
                    f"{lift.resident.full_name}'s lift is pinned to "
                    f"{lift.pinned_volunteer.full_name if lift.pinned_volunteer else 'the driver'}."
                    " Re-plan the day to apply it."
                )
            return redirect(url_for("rota.index", day=lift.day.isoformat()) + "#unserved")
    return render_template(
        "rota/pin.html",
        lift=lift,
        choices=rota_view.driver_choices(lift),
        error=error,
        chosen=request.form.get("volunteer_id", str(lift.pinned_volunteer_id or "")),
        current=request.args.get("from", ""),
    )


@bp.get("/routes/<int:route_id>/stops")
@login_required
def route_stops(route_id: int) -> str:
    """One route's stops (a fragment for the rota page, or a page of its own without JS)."""
    day, route = rota_view.route_view(route_id)
    template = "rota/_stops.html" if request.args.get("fragment") else "rota/route.html"
    return render_template(template, route=route, day=day)


@bp.get("/sheets")
@login_required
def sheets() -> str:
    """Printable A4 run sheets for the day's drivers (one driver with ?driver=ID)."""
    day = _day(request.args.get("day"))
    view = rota_view.day_view(day)
    wanted = request.args.get("driver", "")
    routes = [r for r in view.routes if r.lifts and (not wanted or str(r.volunteer_id) == wanted)]
    maps = {
        r.id: rota_view.svg_map([(s.lat, s.lon) for s in r.stops], width=300, height=220)
        for r in routes
    }
    return render_template("rota/sheets.html", view=view, routes=routes, maps=maps)
