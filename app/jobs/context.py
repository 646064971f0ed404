"""Give every job a fresh application context, so each job gets its own database session."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec
from typing import TypeVar

from flask import Flask
from flask import current_app
from flask import has_app_context
from rq import get_current_job

from app.logs import bind_request_id
from app.logs import current_request_id
from app.logs import reset_request_id

P = ParamSpec("P")
R = TypeVar("R")

_worker_app: Flask | None = None


def worker_app() -> Flask:
    """Return the app of this worker process, created once from the environment."""
    global _worker_app  # noqa: PLW0603 - one app per worker process, created lazily
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def set_worker_app(app: Flask | None) -> None:
    """Use ``app`` for jobs run in this process (tests and ``flask worker`` set it)."""
    global _worker_app  # noqa: PLW0603
    _worker_app = app


def _job_request_id() -> str | None:
    """The id of the request that enqueued the running RQ job, else ``job-<id>`` (cron jobs).

    Inline (no RQ job) the caller's id simply stays.
    """
    job = get_current_job()
    if job is None:
        return current_request_id()
    enqueued_by = job.meta.get("request_id")
    return str(enqueued_by) if enqueued_by else f"job-{job.id}"


def job_context(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` under its request id: an RQ job in a fresh app context, so a session of its
    own; inline (no RQ job) in the caller's context and transaction.

    Found by the fault tests (issue 15): ``flask worker --no-fork`` runs its jobs inside the
    command's app context, so every job shared one database session; after PostgreSQL restarted,
    the session held a dead transaction and every later job failed ("Can't reconnect until
    invalid transaction is rolled back") until the worker was restarted: texts stopped.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = bind_request_id(_job_request_id())
        try:
            if has_app_context() and get_current_job() is None:
                return func(*args, **kwargs)
            app = current_app._get_current_object() if has_app_context() else worker_app()  # type: ignore[attr-defined]
            # Leaving the context removes the job's session (rolled back if still open).
            with app.app_context():
                return func(*args, **kwargs)
        finally:
            reset_request_id(token)

    return wrapper
