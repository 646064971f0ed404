"""The one place that decides where background work runs: RQ when Redis is set, else inline."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import current_app
from redis import Redis
from rq import Queue
from rq import Retry
from rq.job import Job

from app.logs import current_request_id

log = logging.getLogger(__name__)

QUEUE_NAMES = ("planning", "sms", "default")


def init_queue(app: Flask) -> None:
    """Create the Redis connection and queues for ``app`` (none on the embedded defaults)."""
    url = app.config.get("REDIS_URL")
    if url:
        conn = Redis.from_url(url)
        app.extensions["redis"] = conn
        app.extensions["rq_queues"] = {name: Queue(name, connection=conn) for name in QUEUE_NAMES}
    else:
        app.extensions["redis"] = None
        app.extensions["rq_queues"] = None


def redis_connection() -> Redis | None:
    """Return the app's Redis connection, or None when jobs run in-process."""
    conn: Redis | None = current_app.extensions.get("redis")
    return conn


def _resolve(path: str) -> Any:
    module_name, _, attr = path.rpartition(".")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


def enqueue(
    path: str,
    *args: Any,
    job_id: str | None = None,
    queue: str = "default",
    retry: Retry | None = None,
    job_timeout: int | None = None,
    at_front: bool = False,
) -> Job | None:
    """Run the job named by dotted ``path`` on RQ, or inline on the embedded defaults.

    The dotted name keeps services from importing job modules. Inline runs raise what the job
    raises, so a failure is never silent.
    """
    queues: dict[str, Queue] | None = current_app.extensions.get("rq_queues")
    if queues is None:
        log.info("running %s%r inline", path, args)
        _resolve(path)(*args)
        return None
    q = queues[queue]
    if job_id is not None:
        existing = Job.fetch(job_id, connection=q.connection) if _job_exists(q, job_id) else None
        if existing is not None and existing.get_status(refresh=True) in (
            "queued",
            "started",
            "deferred",
            "scheduled",
        ):
            # The same work is already waiting or running: do not queue it twice.
            return existing
    return q.enqueue(
        path,
        *args,
        job_id=job_id,
        retry=retry,
        job_timeout=job_timeout,
        at_front=at_front,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        # The request id follows the work into the worker's log lines (app/logs.py).
        meta={"request_id": current_request_id()},
    )


def _job_exists(q: Queue, job_id: str) -> bool:
    return bool(q.connection.exists(Job.key_for(job_id)))
