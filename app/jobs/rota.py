"""Planning jobs: thin wrappers that take a date and call the rota service."""

from __future__ import annotations

import datetime as dt
import logging

from rq import get_current_job

from app.jobs.context import job_context
from app.services import rota

log = logging.getLogger(__name__)


def planning_job_id(day: dt.date) -> str:
    """One planning job per day at a time."""
    return f"plan-{day.isoformat()}"


def _report(elapsed_s: float, limit_s: float) -> None:
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = round(min(1.0, elapsed_s / max(limit_s, 0.001)), 2)
        job.save_meta()  # type: ignore[no-untyped-call]


@job_context
def plan_day_job(day_iso: str, actor_id: int | None = None) -> int:
    """Plan one day as a draft; returns the plan id (the job's result)."""
    day = dt.date.fromisoformat(day_iso)
    summary = rota.plan_day(day, actor_id=actor_id, progress=_report)
    log.info(
        "planned %s: plan %s, %s of %s lifts", day, summary.plan_id, summary.served, summary.lifts
    )
    return summary.plan_id


def start_planning(day: dt.date, *, actor_id: int | None = None) -> str:
    """Queue the planning of ``day`` (or run it now on the embedded defaults); return the job id."""
    from app.queue import enqueue

    job_id = planning_job_id(day)
    enqueue(
        "app.jobs.rota.plan_day_job",
        day.isoformat(),
        actor_id,
        job_id=job_id,
        queue="planning",
        job_timeout=600,
    )
    return job_id


def planning_status(day: dt.date) -> dict[str, object]:
    """Where the planning of ``day`` stands: queued, started (with progress), finished, failed."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from app.queue import redis_connection

    conn = redis_connection()
    if conn is None:
        return {"state": "finished", "progress": 1.0}
    try:
        job = Job.fetch(planning_job_id(day), connection=conn)
    except NoSuchJobError:
        return {"state": "none", "progress": 0.0}
    state = job.get_status(refresh=True)
    status: dict[str, object] = {
        "state": str(state.value if hasattr(state, "value") else state),
        "progress": float(job.meta.get("progress", 0.0)),
    }
    if status["state"] == "finished":
        status["progress"] = 1.0
        status["plan_id"] = job.return_value()
    if status["state"] == "failed":
        status["error"] = "Planning failed; see the worker log."
    return status
