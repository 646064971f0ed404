"""Where planning runs is decided once (issue 10): on RQ's planning queue when Redis is configured
and answers, else on a thread of the web process; never inside the request; real progress."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from rq import Queue
from rq import SimpleWorker

from app.jobs.rota import planning_status
from app.jobs.rota import start_planning
from app.models import Plan
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.worker_process import fresh_redis
from tests.worker_process import redis_url

TUESDAY = dt.date(2026, 12, 1)
REDIS_DB = 11 if TEST_DATABASE_URL else 10


def wait_for_planning(day: dt.date, *, timeout_s: float = 60) -> dict[str, object]:
    """Poll the status as the rota page does until planning has finished or failed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = planning_status(day)
        if status["state"] in ("finished", "failed"):
            return status
        time.sleep(0.1)
    msg = f"planning {day} did not finish in {timeout_s} s: {status}"
    raise AssertionError(msg)


def _day_to_plan() -> None:
    make_volunteer()
    for hour in (9, 10, 11):
        make_lift(make_resident(), day=TUESDAY, arrive_by=dt.time(hour, 30))


def _plans(db) -> int:
    db.session.rollback()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) or 0)


def test_without_redis_planning_runs_on_a_thread_with_real_progress(app: Flask, db) -> None:
    """The call returns at once; the status climbs from 0 to 1 while the solver works.

    Issue 10: on the embedded defaults the plan was made inside the request, and its status
    read {"progress": 1.0, "state": "finished"} the whole time.
    """
    app.config["PLAN_TIME_LIMIT_S"] = 2
    _day_to_plan()
    assert planning_status(TUESDAY)["state"] == "none"
    started = time.monotonic()
    start_planning(TUESDAY)
    assert time.monotonic() - started < 0.5, "planning ran inside the call"
    first = planning_status(TUESDAY)
    assert first["state"] == "started" and float(first["progress"]) < 0.5  # type: ignore[arg-type]
    seen = []
    while planning_status(TUESDAY)["state"] == "started":
        seen.append(float(planning_status(TUESDAY)["progress"]))  # type: ignore[arg-type]
        time.sleep(0.2)
    assert any(0 < p < 1 for p in seen), seen
    assert seen == sorted(seen)
    done = planning_status(TUESDAY)
    assert done["state"] == "finished" and done["progress"] == 1.0
    assert done["plan_id"] == db.session.scalar(sa.select(Plan.id))


def test_asking_twice_while_planning_starts_one_plan(app: Flask, db) -> None:
    """A second click while the day is being planned joins the run under way."""
    app.config["PLAN_TIME_LIMIT_S"] = 1
    _day_to_plan()
    assert start_planning(TUESDAY) == start_planning(TUESDAY)
    assert wait_for_planning(TUESDAY)["state"] == "finished"
    assert _plans(db) == 1


def test_a_planning_failure_says_why_on_the_status(app: Flask, db) -> None:
    """Nothing to plan: the status says so in words, instead of an error page."""
    status_before = planning_status(TUESDAY)
    start_planning(TUESDAY)
    status = wait_for_planning(TUESDAY)
    assert status_before["state"] == "none" and status["state"] == "failed"
    assert "There is nothing to plan on Tuesday 1 December" in str(status["error"])


def test_with_redis_configured_but_down_planning_falls_back_to_a_thread(app: Flask, db) -> None:
    """Redis set but not answering: the day is still planned (issue 11 relies on this)."""
    app.config.update(PLAN_TIME_LIMIT_S=1, REDIS_URL="redis://127.0.0.1:1/0")
    from redis import Redis

    conn = Redis.from_url("redis://127.0.0.1:1/0")
    app.extensions["redis"] = conn
    app.extensions["rq_queues"] = {n: Queue(n, connection=conn) for n in ("planning", "default")}
    _day_to_plan()
    assert planning_status(TUESDAY)["state"] == "none"  # no error from the status either
    start_planning(TUESDAY)
    assert wait_for_planning(TUESDAY)["state"] == "finished"
    assert _plans(db) == 1


@pytest.mark.redis
def test_with_redis_planning_is_queued_for_a_worker(app: Flask, db) -> None:
    """With Redis answering, the job waits on 'planning'; a worker runs it; the status has it."""
    conn = fresh_redis(REDIS_DB)
    if conn is None:
        pytest.skip("no Redis server answers at TEST_REDIS_URL")
    app.config.update(PLAN_TIME_LIMIT_S=1, REDIS_URL=redis_url(REDIS_DB))
    queues = {n: Queue(n, connection=conn) for n in ("planning", "sms", "default")}
    app.extensions["redis"] = conn
    app.extensions["rq_queues"] = queues
    _day_to_plan()
    job_id = start_planning(TUESDAY)
    assert planning_status(TUESDAY)["state"] == "queued"
    assert _plans(db) == 0, "planning ran inside the call"
    assert start_planning(TUESDAY) == job_id  # asking twice does not queue it twice
    assert len(queues["planning"]) == 1
    SimpleWorker([queues["planning"]], connection=conn).work(burst=True)
    status = planning_status(TUESDAY)
    assert status["state"] == "finished" and status["plan_id"] == db.session.scalar(
        sa.select(Plan.id)
    )
