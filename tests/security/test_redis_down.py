"""Fail soft (issue 11): with Redis configured but not answering, pages render, planning runs
on a thread of the web process, and Publish says what it saved and queued.

Found by testing: the rota page, its status and Plan answered 500 "Nothing was saved", and
Publish — which had saved and queued 41 texts — redirected to that 500 page.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Message
from app.models import MessageStatus
from app.models import Plan
from tests.conftest import make_test_app
from tests.conftest import sign_in
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

DAY = dt.date.today() + dt.timedelta(days=1)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def redis_down() -> Iterator[Flask]:
    """An app whose REDIS_URL points at a port nothing listens on."""
    app = make_test_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0", PLAN_TIME_LIMIT_S=1)
    with app.app_context():
        yield app
        db.session.remove()


def _wait_for_plan(client: FlaskClient) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/rota/status.json?day={DAY.isoformat()}")
        assert response.status_code == 200
        status = response.get_json()
        if status["state"] in ("finished", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_pages_plan_and_publish_without_redis(redis_down: Flask) -> None:
    """Rota page, status, Plan (on a thread) and Publish all answer; texts wait in the outbox."""
    client = redis_down.test_client()
    sign_in(client, "coordinator")
    make_volunteer(first_name="Dana", phone="+447700900501")
    make_lift(make_resident(first_name="Walt", phone="+447700900601", sms_consent=True), day=DAY)
    for path in ("/", f"/rota/?day={DAY.isoformat()}", "/messages/", "/lifts/"):
        assert client.get(path).status_code == 200, path
    assert client.post("/rota/plan", data={"day": DAY.isoformat()}).status_code == 302
    assert _wait_for_plan(client)["state"] == "finished"
    plan = db.session.scalar(sa.select(Plan).where(Plan.day == DAY))
    assert plan is not None
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Dana" in page and "Nothing was saved" not in page
    published = client.post(f"/rota/plans/{plan.id}/publish", follow_redirects=True)
    words = published.get_data(as_text=True)
    assert published.status_code == 200
    assert "Published." in words
    assert "the text queue is not answering" in words
    waiting = db.session.scalars(
        sa.select(Message).where(Message.status == MessageStatus.QUEUED)
    ).all()
    assert len(waiting) >= 2  # the driver's route and the resident's confirmation
