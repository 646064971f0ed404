"""The one place that decides where background work runs: RQ when Redis is set, else inline.

Long work a page starts (planning a day) never runs inside the request: :func:`start_background`
puts it on RQ when Redis is configured and answers, else on a thread of the web process, and
:func:`background_state` reports its real progress either way (issue 10).

An adapter like :mod:`app.sms` (STYLE rule 18): services call :func:`enqueue` with a job's dotted
name, so no service imports RQ, Redis or :mod:`app.jobs` and the layers contract in
``pyproject.toml`` keeps every arrow pointing down (issue 10).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from flask import Flask
from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq import Retry
from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.errors import DomainError
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
    app.extensions["background_jobs"] = _ThreadJobs()


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


# --- Long work started from a page: RQ when Redis answers, else a thread of this process. ---

# How long to wait for Redis to answer before planning on a thread instead.
PING_TIMEOUT_S = 0.5
RUNNING = ("queued", "started", "deferred", "scheduled")


@dataclass(frozen=True, slots=True)
class JobState:
    """Where one piece of background work stands: its state, progress 0-1, result or error."""

    state: str  # none, queued, started, finished or failed
    progress: float = 0.0
    result: Any = None
    error: str = ""
    where: str = ""  # "rq" or "thread"
    started_at: dt.datetime | None = None
    note: str = ""  # what happened on the way (e.g. its worker died and it runs again)

    @property
    def running(self) -> bool:
        """True while the work is waiting or under way."""
        return self.state in RUNNING


class _ThreadJobs:
    """The jobs this process runs on threads, by job id (one app's registry)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: dict[str, JobState] = {}

    def get(self, job_id: str) -> JobState | None:
        with self.lock:
            return self.jobs.get(job_id)

    def forget(self, job_id: str) -> None:
        with self.lock:
            self.jobs.pop(job_id, None)

    def set(self, job_id: str, **changes: Any) -> None:
        with self.lock:
            self.jobs[job_id] = replace(self.jobs.get(job_id, JobState("none")), **changes)

    def claim(self, job_id: str) -> bool:
        """Mark ``job_id`` started unless it already runs: two clicks at once start one run."""
        with self.lock:
            known = self.jobs.get(job_id)
            if known is not None and known.running:
                return False
            self.jobs[job_id] = JobState(
                "started", where="thread", started_at=dt.datetime.now(dt.UTC)
            )
            return True


# The id of the thread job running in this context, for report_progress.
_thread_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("thread_job", default=None)


def _registry() -> _ThreadJobs:
    jobs: _ThreadJobs = current_app.extensions.setdefault("background_jobs", _ThreadJobs())
    return jobs


def redis_answers() -> bool:
    """True when Redis is configured and answers within :data:`PING_TIMEOUT_S`."""
    url = current_app.config.get("REDIS_URL")
    if not url or current_app.extensions.get("rq_queues") is None:
        return False
    return ping(str(url), timeout_s=PING_TIMEOUT_S) is None


# A started job whose worker sent no heartbeat for this many beats (RQ_HEARTBEAT_S) was
# abandoned: its worker was killed (issue 15). RQ itself notices only after a minute and a
# half, and acts on it at a worker's next maintenance, up to ten minutes later.
ABANDONED_BEATS = 3
RESTARTED_NOTE = "The planner stopped part-way (it was restarted); planning again."


def reap_abandoned(queue: str) -> list[str]:
    """Hand the abandoned jobs of ``queue`` back to RQ now; return their ids.

    RQ's own clean-up then runs each again if it has a retry left (planning has one), or marks
    it failed; either way the page stops showing work that nobody is doing. A registry entry's
    score is the job's last heartbeat + one beat + 60 s (RQ), so entries older than
    ``ABANDONED_BEATS`` beats are those below the cut-off below.
    """
    conn = redis_connection()
    if conn is None:
        return []
    beat = int(current_app.config.get("RQ_HEARTBEAT_S", 10))
    registry = Queue(queue, connection=conn).started_job_registry
    cutoff = time.time() + 60 + beat - ABANDONED_BEATS * beat
    try:
        abandoned = [entry.split(":")[0] for entry in registry.get_expired_job_ids(cutoff)]
        for job_id in abandoned:
            with contextlib.suppress(NoSuchJobError):
                job = Job.fetch(job_id, connection=conn)
                job.meta["note"] = RESTARTED_NOTE
                job.save_meta()  # type: ignore[no-untyped-call]
        if abandoned:
            log.warning("jobs abandoned by a dead worker on %s: %s", queue, abandoned)
            registry.cleanup(cutoff)
    except RedisError:
        return []
    return abandoned


def start_background(
    path: str,
    *args: Any,
    job_id: str,
    queue: str = "default",
    job_timeout: int | None = None,
    retry: Sequence[int] | None = None,
) -> str:
    """Start long work off the request and return its id; the same id already running is kept.

    On the RQ ``queue`` when Redis is configured and reachable; otherwise (the embedded
    defaults, or Redis down) on a thread of this process with a fresh app context, so the page
    answers at once either way.
    """
    known = _registry().get(job_id)
    if known is not None and known.running:
        return job_id
    if redis_answers():
        reap_abandoned(queue)  # a job "started" by a worker that died must not block this one
        try:
            enqueue(path, *args, job_id=job_id, queue=queue, job_timeout=job_timeout, retry=retry)
        except QueueUnavailable:
            log.warning("Redis did not take %s; running it on a thread", job_id)
        else:
            _registry().forget(job_id)  # RQ now holds the newest run of this id
            return job_id
    _start_thread(path, args, job_id)
    return job_id


def _start_thread(path: str, args: tuple[Any, ...], job_id: str) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    registry = _registry()
    if not registry.claim(job_id):
        return

    def run() -> None:
        _thread_job.set(job_id)
        try:
            with app.app_context():
                result = _resolve(path)(*args)
        except DomainError as exc:
            registry.set(job_id, state="failed", error=exc.message)
        except Exception:
            # The thread is the job's boundary, as an RQ worker is: log it and mark it failed
            # for the page to say so. Re-raising would only reach threading's excepthook.
            log.exception("background job %s failed", job_id)
            registry.set(job_id, state="failed", error="It failed; see the log.")
        else:
            registry.set(job_id, state="finished", progress=1.0, result=result)

    # The request id follows the work into the thread's log lines (app/logs.py).
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), name=job_id, daemon=True).start()


def on_rq_worker() -> bool:
    """Return whether the running code is a job on an RQ worker (not inline, not a thread)."""
    return get_current_job() is not None


def report_progress(fraction: float) -> None:
    """Record how far the running background job is (0-1), on RQ or on a thread."""
    fraction = round(min(1.0, max(0.0, fraction)), 2)
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = fraction
        job.save_meta()  # type: ignore[no-untyped-call]
        return
    job_id = _thread_job.get()
    if job_id is not None:
        _registry().set(job_id, progress=fraction)


def background_state(job_id: str) -> JobState:
    """Where the work ``job_id`` stands, wherever it runs; ``none`` when nothing is known.

    A Redis that does not answer is not an error here: the page still renders (issue 11).
    """
    known = _registry().get(job_id)
    if known is not None:
        return known
    conn = redis_connection()
    if conn is None:
        return JobState("none")
    try:
        job = Job.fetch(job_id, connection=conn)
        status = job.get_status(refresh=True)
        if status == "started" and job.origin and job_id in reap_abandoned(job.origin):
            job = Job.fetch(job_id, connection=conn)
            status = job.get_status(refresh=True)
    except (NoSuchJobError, RedisError):
        return JobState("none")
    state = str(getattr(status, "value", status))
    note = str(job.meta.get("note", ""))
    if state == "finished":
        return JobState(state, 1.0, job.return_value(), where="rq")
    if state == "failed":
        error = "It failed; see the worker log."
        return JobState(state, error=f"{note} {error}" if note else error, where="rq")
    started = job.started_at
    if started is not None and started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)  # RQ stores UTC without a zone
    progress = float(job.meta.get("progress", 0.0))
    return JobState(state, progress, where="rq", started_at=started, note=note)
