"""The one place that decides where background work runs: RQ when Redis is set, else inline.

An adapter like :mod:`app.sms` (STYLE rule 18): services call :func:`enqueue` with a job's dotted
name, so no service imports RQ, Redis or :mod:`app.jobs` and the layers contract in
``pyproject.toml`` keeps every arrow pointing down (issue 10).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from flask import Flask
from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq import Retry
from rq.job import Job

from app.logs import current_request_id

log = logging.getLogger(__name__)

QUEUE_NAMES = ("planning", "sms", "default")


class QueueUnavailable(ConnectionError):
    """Redis did not take the job; the caller's committed rows let a sweep queue it later."""


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


def ping(url: str, *, timeout_s: float) -> str | None:
    """Ask the Redis at ``url`` to answer; None when it did, else the kind of failure."""
    client = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        client.ping()
    except RedisError as exc:
        return type(exc).__name__
    finally:
        client.close()
    return None


def _resolve(path: str) -> Any:
    module_name, _, attr = path.rpartition(".")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


def enqueue(
    path: str,
    *args: Any,
    job_id: str | None = None,
    queue: str = "default",
    retry: Sequence[int] | None = None,
    job_timeout: int | None = None,
    at_front: bool = False,
) -> Job | None:
    """Run the job named by dotted ``path`` on RQ, or inline on the embedded defaults.

    The dotted name keeps services from importing job modules. ``retry`` is the seconds to wait
    before each retry on RQ. Inline runs raise what the job raises, so a failure is never
    silent; on RQ a Redis failure becomes :class:`QueueUnavailable`.
    """
    queues: dict[str, Queue] | None = current_app.extensions.get("rq_queues")
    if queues is None:
        log.info("running %s%r inline", path, args)
        _resolve(path)(*args)
        return None
    q = queues[queue]
    try:
        if job_id is not None:
            known = _job_exists(q, job_id)
            existing = Job.fetch(job_id, connection=q.connection) if known else None
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
            retry=Retry(max=len(retry), interval=list(retry)) if retry else None,
            job_timeout=job_timeout,
            at_front=at_front,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            # The request id follows the work into the worker's log lines (app/logs.py).
            meta={"request_id": current_request_id()},
        )
    except RedisError as exc:
        msg = f"Redis did not take the job {path} ({type(exc).__name__})."
        raise QueueUnavailable(msg) from exc


def _job_exists(q: Queue, job_id: str) -> bool:
    return bool(q.connection.exists(Job.key_for(job_id)))
