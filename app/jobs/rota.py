"""Planning jobs: thin wrappers that take a date and call the rota service."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app

from app.jobs.context import job_context
from app.queue import background_state
from app.queue import on_rq_worker
from app.queue import report_progress
from app.queue import start_background
from app.services import rota

log = logging.getLogger(__name__)


def planning_job_id(day: dt.date) -> str:
    """One planning job per day at a time."""
    return f"plan-{day.isoformat()}"


def _report(elapsed_s: float, limit_s: float) -> None:
    report_progress(elapsed_s / max(limit_s, 0.001))


@job_context
def plan_day_job(day_iso: str, actor_id: int | None = None) -> int:
    """Plan one day as a draft; returns the plan id (the job's result)."""
    day = dt.date.fromisoformat(day_iso)
    # On RQ's planning worker the search has a core of its own for a second worker.
    workers = rota.planning_workers(in_planning_worker=on_rq_worker())
    summary = rota.plan_day(day, actor_id=actor_id, progress=_report, workers=workers)
    log.info(
        "planned %s: plan %s, %s of %s lifts", day, summary.plan_id, summary.served, summary.lifts
    )
    return summary.plan_id


def start_planning(day: dt.date, *, actor_id: int | None = None) -> str:
    """Start planning ``day`` off the request (RQ, else a thread: app.queue decides); its id."""
    return start_background(
        "app.jobs.rota.plan_day_job",
        day.isoformat(),
        actor_id,
        job_id=planning_job_id(day),
        queue="planning",
        job_timeout=600,
        # Once more if its worker dies part-way (app.queue.reap_abandoned): a plan is saved in
        # one transaction, so running it again is safe (issue 15).
        retry=(0,),
    )


LOST = (
    "Planning this day stopped before it finished: the job queue was restarted and lost it. "
    "Nothing was saved. Press Plan to plan the day again."
)


def planning_status(day: dt.date, *, requested_at: dt.datetime | None = None) -> dict[str, object]:
    """Where the planning of ``day`` stands: none, queued, started (progress), finished, failed.

    ``requested_at`` is when this coordinator pressed Plan: if the queue no longer knows the job
    and no plan was made since, it was lost (Redis restarted empty; issue 15) and they are told.
    """
    state = background_state(planning_job_id(day))
    if (
        state.state == "none"
        and requested_at is not None
        and not rota.planned_since(day, requested_at)
    ):
        return {"state": "failed", "progress": 0.0, "error": LOST}
    progress = state.progress
    if state.state == "started" and state.started_at is not None:
        # The solver reports only when it improves; between reports its clock still runs.
        limit = float(current_app.config.get("PLAN_TIME_LIMIT_S", 20))
        elapsed = (dt.datetime.now(dt.UTC) - state.started_at).total_seconds()
        progress = max(progress, round(min(0.99, elapsed / max(limit, 0.001)), 2))
    status: dict[str, object] = {"state": state.state, "progress": progress}
    if state.note and state.running:
        status["note"] = state.note
    if state.state == "finished":
        status["plan_id"] = state.result
    if state.state == "failed":
        status["error"] = f"Planning failed: {state.error}"
    return status
