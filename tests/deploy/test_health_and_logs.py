"""Health endpoints, JSON logs and the request id that follows a request into its RQ jobs."""

from __future__ import annotations

import io
import json
import logging
import signal
import socket
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from rq import Queue

from app import create_app
from app.extensions import db
from app.jobs.context import job_context
from app.jobs.worker import run_worker
from app.logs import JsonFormatter
from app.logs import RequestIdFilter
from app.logs import bind_request_id
from app.logs import current_request_id
from app.logs import reset_request_id
from app.queue import enqueue
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import app_config
from tests.worker_process import fresh_redis
from tests.worker_process import redis_url

# A Redis database of these tests' own (another for the PostgreSQL run of the suite).
REDIS_DB = 11 if TEST_DATABASE_URL else 10
SEEN_KEY = "connect-rota:test:seen-request-id"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def migrated_app(tmp_path) -> Iterator:
    """An app on a SQLite file brought to head by the migrations, as ``flask db upgrade`` does."""
    application = create_app(app_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/r.db"))
    with application.app_context():
        upgrade()
        yield application
        db.session.remove()
        db.engine.dispose()


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_migrated(migrated_app):
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
    }


def test_readyz_says_migrations_are_behind(client):
    # The test app builds tables with create_all: no migration was ever recorded.
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"].startswith("behind: database at none, code at ")


def test_readyz_says_redis_is_unreachable(migrated_app):
    migrated_app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == "unreachable: ConnectionError"


def test_readyz_says_the_database_is_unreachable(tmp_path):
    application = create_app(
        app_config(
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/x"
        )
    )
    response = application.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "unreachable: OperationalError"
    assert checks["migrations"] == "unknown"


def test_request_id_is_echoed_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
    assert given.headers["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    made = forged.headers["X-Request-ID"]
    assert made != "<script>alert(1)</script>" and len(made) == 32 and made.isalnum()


def test_each_request_logs_one_json_line_with_its_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        response = client.get("/login?q=Mrs%20Smith", headers={"X-Request-ID": "req-abcdef12"})
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert response.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [e for e in lines if e["logger"] == "app.logs"]
    assert len(access) == 1
    entry = access[0]
    assert entry["message"] == "GET /login 200"
    assert entry["request_id"] == "req-abcdef12"
    assert entry["level"] == "INFO" and isinstance(entry["ms"], float)
    assert "Smith" not in stream.getvalue()  # no query strings in the logs


@job_context
def remember_request_id() -> None:
    """A job that writes down the request id it runs under (read back by the test)."""
    from app.queue import redis_connection

    conn = redis_connection()
    assert conn is not None
    conn.set(SEEN_KEY, current_request_id() or "none")


@pytest.mark.redis
def test_request_id_follows_the_work_into_a_real_rq_worker():
    conn = fresh_redis(REDIS_DB)
    if conn is None:
        pytest.skip("no Redis server at TEST_REDIS_URL")
    application = create_app(app_config(REDIS_URL=redis_url(REDIS_DB)))
    try:
        with application.test_request_context("/rota/plan", headers={"X-Request-ID": "req-9876"}):
            token = bind_request_id("req-9876")
            try:
                job = enqueue(f"{__name__}.remember_request_id")
            finally:
                reset_request_id(token)
        assert job is not None and job.meta["request_id"] == "req-9876"
        # A second job enqueued outside any request runs under its own job id.
        with application.app_context():
            orphan = enqueue(f"{__name__}.remember_request_id")
        assert orphan is not None and orphan.meta["request_id"] is None
        Queue("default", connection=conn).remove(orphan)
        # RQ's worker installs SIGINT/SIGTERM handlers in this process: put pytest's back after.
        saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            run_worker(application, queues=["default"], burst=True, fork=False)
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        assert conn.get(SEEN_KEY) == b"req-9876"
    finally:
        fresh_redis(REDIS_DB)
