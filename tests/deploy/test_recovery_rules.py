"""The rules the fault tests found missing (issue 15), each checked on its own, quickly.

- A database that does not answer gives a 503 in words, not a 500 "Something went wrong".
- A job run by ``flask worker --no-fork`` gets a database session of its own: a dead
  transaction left by one job (PostgreSQL restarted under it) does not fail every later job.
- A plan the job queue lost (Redis restarted empty) is reported to the coordinator who asked.
"""

from __future__ import annotations

import signal
import socket

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from rq import Queue
from rq import SimpleWorker

from app import create_app
from app.extensions import db
from app.jobs.context import job_context
from app.jobs.rota import LOST
from app.models import Resident
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import app_config
from tests.conftest import sign_in
from tests.worker_process import fresh_redis
from tests.worker_process import redis_url

REDIS_DB = 9 if TEST_DATABASE_URL else 8
SEEN = "connect-rota:test:fresh-session"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_database_that_does_not_answer_is_a_503_in_words() -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/rota"
    application = create_app(app_config(SQLALCHEMY_DATABASE_URI=url))
    response = application.test_client().post(
        "/login", data={"email": "a@b.example", "password": "x"}, headers={"Accept": "text/html"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert "The database is not answering" in page and "Nothing was saved" in page
    assert response.headers["Retry-After"] == "30"


@job_context
def count_residents() -> None:
    """A job that reads the database and writes down what it saw."""
    seen = db.session.scalar(sa.select(sa.func.count()).select_from(Resident))
    redis.Redis.from_url(redis_url(REDIS_DB)).set(SEEN, str(seen))


@pytest.mark.redis
def test_a_no_fork_job_does_not_inherit_the_workers_broken_session(app: Flask) -> None:
    conn = fresh_redis(REDIS_DB)
    if conn is None:
        pytest.skip("no Redis server at TEST_REDIS_URL")
    # The worker's own session holds a transaction that failed (as after a database restart).
    db.session.add(Resident(first_name=None, last_name="x", address="", postcode=""))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    Queue("default", connection=conn).enqueue(f"{__name__}.count_residents")
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker = SimpleWorker([Queue("default", connection=conn)], connection=conn)
        worker.work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        db.session.rollback()
    assert conn.get(SEEN) == b"0", "the job failed on the worker's dead transaction"
    fresh_redis(REDIS_DB)


@pytest.mark.redis
def test_a_plan_the_queue_lost_is_reported_to_who_asked(app: Flask) -> None:
    if fresh_redis(REDIS_DB) is None:
        pytest.skip("no Redis server at TEST_REDIS_URL")
    lost_app = create_app(app_config(REDIS_URL=redis_url(REDIS_DB), WTF_CSRF_ENABLED=False))
    with lost_app.app_context():
        if TEST_DATABASE_URL is None:
            db.create_all()
        browser = lost_app.test_client()
        sign_in(browser)
        assert browser.post("/rota/plan", data={"day": "2026-12-08"}).status_code == 302
        queued = browser.get("/rota/status.json?day=2026-12-08").get_json()
        assert queued["state"] == "queued"
        fresh_redis(REDIS_DB)  # Redis restarted empty: the job is gone
        status = browser.get("/rota/status.json?day=2026-12-08").get_json()
        assert status == {"state": "failed", "progress": 0.0, "error": LOST}
        page = browser.get("/rota/?day=2026-12-08").get_data(as_text=True)
        assert "the job queue was restarted and lost it" in page
        # Someone who did not ask sees no error (they see no planning under way either).
        other = lost_app.test_client()
        sign_in(other, "viewer")
        assert other.get("/rota/status.json?day=2026-12-08").get_json()["state"] == "none"
        db.session.remove()
