"""A small borough day for the whole-stack and fault tests: seeded rows, booked over HTTP.

The rows a bureau types in once (drivers, residents, an activity, a coordinator) are written by
the test process straight into the stack's database; everything a coordinator does on the day
(book lifts, plan, publish) goes through the web app, its forms and its CSRF tokens.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from app.services.auth import create_user
from tests.deploy.stack import COORDINATOR
from tests.deploy.stack import Coordinator
from tests.deploy.stack import Stack
from tests.deploy.stack import wait_for
from tests.factories import make_activity
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer


def plan_day() -> dt.date:
    """A weekday at least two days ahead in London (bookings are for the future)."""
    day = dt.datetime.now(ZoneInfo("Europe/London")).date() + dt.timedelta(days=2)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def app_on(url: str) -> Flask:
    """An app in this process on ``url``: how the test reads and seeds the stack's database."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "TWILIO_ACCOUNT_SID": None,
            "TWILIO_AUTH_TOKEN": None,
            "ROAD_NETWORK": None,
            "SECRET_KEY": "reader",
            "LOG_FORMAT": "text",
        }
    )


@dataclass
class SeededDay:
    """What the bureau set up for the day: the ids a coordinator picks from."""

    day: dt.date
    resident_ids: list[int]
    activity_id: int


def seed(
    app: Flask, day: dt.date, *, residents: int = 3, drivers: int = 2, staff: bool = True
) -> SeededDay:
    """Drivers, residents who agreed to texts, a choir on ``day``'s weekday, a coordinator."""
    with app.app_context():
        if staff:
            create_user(COORDINATOR[0], "Cora Ordinator", COORDINATOR[1], "coordinator")
        choir = make_activity(
            make_venue(name=f"Valence Library ({day:%-d %b})"),
            name="Choir",
            weekday=day.weekday(),
            start_time=dt.time(10, 30),
            end_time=dt.time(12),
        )
        for n in range(drivers):
            make_volunteer(first_name=f"Driver{n}")
        ids = [make_resident(first_name=f"Resident{n}").id for n in range(residents)]
        seeded = SeededDay(day=day, resident_ids=ids, activity_id=choir.id)
        db.session.remove()
    return seeded


def book(coordinator: Coordinator, seeded: SeededDay, resident_id: int) -> None:
    """The phone-call path: a lift to the choir and back home."""
    response = coordinator.post(
        "/lifts/new",
        {
            "resident_id": str(resident_id),
            "day": seeded.day.isoformat(),
            "activity_id": str(seeded.activity_id),
            "venue_id": "0",
            "with_return": "y",
            "purpose": "activity",
        },
    )
    assert response.status_code == 302, response.text[:3000]


def plan(coordinator: Coordinator, day: dt.date, *, timeout_s: float = 90) -> int:
    """Press "Plan", wait for the planning worker, return the draft plan's id."""
    response = coordinator.post("/rota/plan", {"day": day.isoformat()})
    assert response.status_code == 302, response.text[:3000]
    status = wait_for(
        lambda: _finished(coordinator, day), timeout_s=timeout_s, what="the plan", every=0.25
    )
    return int(status["plan_id"])


def _finished(coordinator: Coordinator, day: dt.date) -> dict[str, Any] | None:
    status: dict[str, Any] = coordinator.get("/rota/status.json", day=day.isoformat()).json()
    assert status["state"] != "failed", status
    return status if status["state"] == "finished" and status.get("plan_id") else None


def publish(coordinator: Coordinator, plan_id: int) -> str:
    """Press "Publish"; return the page the coordinator lands on (with the flashed message)."""
    response = coordinator.post(f"/rota/plans/{plan_id}/publish", {})
    assert response.status_code == 302, response.text[:3000]
    return coordinator.flashed(response.headers["Location"])


def outbound(app: Flask) -> list[tuple[str, str, str]]:
    """Every text the app meant to send (not replies): (phone, body, status)."""
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT phone, body, status FROM messages WHERE direction = 'outbound' "
                "AND kind <> 'reply' ORDER BY id"
            )
        ).all()
        db.session.remove()
    return [(str(p), str(b), str(s)) for p, b, s in rows]


def wait_all_sent(stack: Stack, app: Flask, *, timeout_s: float = 60) -> float:
    """Wait until every written text is ``sent``; returns the seconds it took."""
    started = time.monotonic()

    def done() -> bool:
        rows = outbound(app)
        return bool(rows) and all(status == "sent" for _, _, status in rows)

    try:
        wait_for(done, timeout_s=timeout_s, what="every text sent", every=0.2)
    except AssertionError:
        print(stack.logs())
        print("TEXTS", [(p[-4:], s) for p, _, s in outbound(app)])
        raise
    return time.monotonic() - started


@dataclass(frozen=True)
class TextCount:
    """Texts written by the app against texts the stand-in took."""

    written: int
    lost: int
    duplicated: int


def count_texts(stack: Stack, app: Flask) -> TextCount:
    """Each text written must reach the stand-in exactly once (matched by number and body)."""
    wanted = Counter((phone, body) for phone, body, _ in outbound(app))
    with stack.twilio.lock:
        taken = Counter((t.to, t.body) for t in stack.twilio.taken)
    lost = sum(max(0, n - taken[key]) for key, n in wanted.items())
    duplicated = sum(max(0, n - wanted[key]) for key, n in taken.items())
    return TextCount(written=sum(wanted.values()), lost=lost, duplicated=duplicated)


def plans_of(app: Flask, day: dt.date) -> list[tuple[int, str]]:
    """(plan id, status) of every plan of ``day``."""
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT id, status FROM plans WHERE day = :day ORDER BY id"), {"day": day}
        ).all()
        db.session.remove()
    return [(int(i), str(s)) for i, s in rows]


def half_saved_plans(app: Flask) -> int:
    """Plans that are not whole: a route without stops, or lifts neither routed nor unserved.

    A plan is saved in one transaction, so each must hold every open lift of its day once:
    routed (a pickup stop) or listed as unserved.
    """
    with app.app_context():
        bad = db.session.execute(
            sa.text(
                """
                SELECT p.id FROM plans p
                WHERE EXISTS (SELECT 1 FROM plan_routes r WHERE r.plan_id = p.id
                              AND NOT EXISTS (SELECT 1 FROM plan_stops s WHERE s.route_id = r.id))
                   OR (SELECT count(*) FROM plan_stops s JOIN plan_routes r ON r.id = s.route_id
                       WHERE r.plan_id = p.id AND s.kind = 'pickup')
                    + (SELECT count(*) FROM unserved_lifts u WHERE u.plan_id = p.id)
                    <> (SELECT count(*) FROM lift_requests l WHERE l.day = p.day
                        AND l.created_at <= p.created_at)
                """
            )
        ).all()
        db.session.remove()
    return len(bad)


def day_snapshot(app: Flask, day: dt.date) -> dict[str, list[tuple[Any, ...]]]:
    """Everything that makes up ``day``: its lifts, plans, routes, stops and texts."""
    queries = {
        "lifts": "SELECT id, resident_id, leg, status, arrive_by, pickup_earliest "
        "FROM lift_requests WHERE day = :day ORDER BY id",
        "plans": "SELECT id, status, solver_status, published_at FROM plans WHERE day = :day "
        "ORDER BY id",
        "routes": "SELECT r.id, r.plan_id, r.volunteer_id, r.response, r.drive_s "
        "FROM plan_routes r JOIN plans p ON p.id = r.plan_id WHERE p.day = :day ORDER BY r.id",
        "stops": "SELECT s.route_id, s.seq, s.kind, s.lift_id, s.service_start_s "
        "FROM plan_stops s JOIN plan_routes r ON r.id = s.route_id "
        "JOIN plans p ON p.id = r.plan_id "
        "WHERE p.day = :day ORDER BY s.route_id, s.seq",
        "texts": "SELECT id, phone, body, status, provider_sid FROM messages ORDER BY id",
    }
    with app.app_context():
        snapshot = {
            name: [tuple(row) for row in db.session.execute(sa.text(sql), {"day": day}).all()]
            for name, sql in queries.items()
        }
        db.session.remove()
    return snapshot


def outbound_for_day(app: Flask, plan_id: int) -> int:
    """Texts written about ``plan_id``'s routes and lifts (none until it is published)."""
    with app.app_context():
        count = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM messages m WHERE m.direction = 'outbound' AND ("
                "(m.concerns_type = 'plan_route' AND m.concerns_id IN "
                " (SELECT id FROM plan_routes WHERE plan_id = :plan)) OR "
                "(m.concerns_type = 'lift' AND m.concerns_id IN (SELECT s.lift_id "
                " FROM plan_stops s"
                " JOIN plan_routes r ON r.id = s.route_id WHERE r.plan_id = :plan)))"
            ),
            {"plan": plan_id},
        )
        db.session.remove()
    return int(count or 0)
