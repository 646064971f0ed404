"""Planning runs as an RQ job when Redis is configured, inline otherwise, and shows progress."""

from __future__ import annotations

import datetime as dt

import fakeredis
import sqlalchemy as sa
from rq import Queue
from rq import SimpleWorker

from app.jobs.rota import planning_status
from app.jobs.rota import start_planning
from app.models import Plan
from tests.factories import make_lift
from tests.factories import make_volunteer

TUESDAY = dt.date(2026, 12, 1)


def test_planning_runs_inline_on_the_embedded_defaults(app, db):
    """With no Redis the plan is made before the call returns."""
    app.config["PLAN_TIME_LIMIT_S"] = 1
    make_volunteer()
    make_lift(day=TUESDAY)
    start_planning(TUESDAY)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 1
    assert planning_status(TUESDAY)["state"] == "finished"


def test_planning_through_an_rq_worker_reports_the_plan(app, db):
    """With Redis the job is queued on 'planning'; a worker runs it; the status gives the plan."""
    app.config["PLAN_TIME_LIMIT_S"] = 1
    conn = fakeredis.FakeRedis()
    app.extensions["redis"] = conn
    app.extensions["rq_queues"] = {
        n: Queue(n, connection=conn) for n in ("planning", "sms", "default")
    }
    make_volunteer()
    make_lift(day=TUESDAY)
    job_id = start_planning(TUESDAY)
    assert planning_status(TUESDAY)["state"] == "queued"
    assert start_planning(TUESDAY) == job_id  # asking twice does not queue it twice
    assert len(app.extensions["rq_queues"]["planning"]) == 1
    SimpleWorker([app.extensions["rq_queues"]["planning"]], connection=conn).work(burst=True)
    status = planning_status(TUESDAY)
    plan = db.session.scalar(sa.select(Plan))
    assert status["state"] == "finished" and status["plan_id"] == plan.id
