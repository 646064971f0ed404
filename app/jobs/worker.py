"""Run an RQ worker (with RQ's scheduler, for retries) and, optionally, RQ's cron scheduler.

Retries with backoff (``Retry(interval=[...])``) are moved back onto their queue by the
scheduler a worker runs with ``with_scheduler=True``. The periodic jobs (outbox sweep, driver
replies, day-before reminders) are registered with RQ's own ``CronScheduler`` (rq 2.12); it is a
blocking loop, so it runs in a child process of the worker that is started with ``cron=True``.
One such process is enough; a second only makes the (idempotent) periodic jobs run twice.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence

from flask import Flask
from redis import Redis
from rq import Queue
from rq import SimpleWorker
from rq import Worker
from rq.cron import CronScheduler

from app.extensions import db
from app.jobs import befriending as befriending_jobs
from app.jobs import messaging as message_jobs
from app.jobs import retention as retention_jobs
from app.jobs.context import set_worker_app
from app.queue import QUEUE_NAMES

log = logging.getLogger(__name__)

# How often the driver-reply check and the reminder check run (the sweep has its own setting).
DRIVER_CHECK_INTERVAL_S = 300
REMINDER_CHECK_INTERVAL_S = 600
RETENTION_INTERVAL_S = 24 * 3600


def _connection(app: Flask) -> Redis:
    conn: Redis | None = app.extensions.get("redis")
    if conn is None:
        msg = "Set REDIS_URL to run a worker; without it jobs run in-process."
        raise RuntimeError(msg)
    return conn


def _fresh_database_connections_in_children(app: Flask) -> None:
    # RQ forks a work horse per job: a database connection must never be shared across a fork
    # (SQLAlchemy's pooling guide), so each child starts with an empty pool.
    with app.app_context():
        engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


def build_cron(app: Flask, connection: Redis) -> CronScheduler:
    """The periodic jobs of texts, registered with RQ's cron scheduler."""
    cron = CronScheduler(connection=connection, name=f"connect-rota-cron-{os.getpid()}")
    sweep_s = int(app.config.get("SMS_SWEEP_INTERVAL_S", 60))
    cron.register(message_jobs.sweep_outbox, "sms", interval=sweep_s, job_timeout=300)
    cron.register(message_jobs.check_driver_replies, "sms", interval=DRIVER_CHECK_INTERVAL_S)
    cron.register(message_jobs.send_due_reminders, "sms", interval=REMINDER_CHECK_INTERVAL_S)
    # Befriending check-ins (issue 5): hourly is plenty; a pairing moves on once texted.
    cron.register(befriending_jobs.send_checkin_reminders, "default", interval=3600)
    # The retention schedule (issue 14): daily; a run that finds nothing to do is quick.
    cron.register(
        retention_jobs.run_retention, "default", interval=RETENTION_INTERVAL_S, job_timeout=3600
    )
    return cron


def _run_cron(app: Flask) -> None:
    set_worker_app(app)
    build_cron(app, _connection(app)).start()  # type: ignore[no-untyped-call]


def run_worker(
    app: Flask,
    *,
    queues: Sequence[str] = QUEUE_NAMES,
    burst: bool = False,
    cron: bool = False,
    name: str | None = None,
    fork: bool = True,
) -> bool:
    """Work the queues until stopped (or, with ``burst``, until they are empty).

    With ``fork`` (RQ's default) each job runs in a forked work horse: isolation for long,
    memory-hungry planning jobs. Without it jobs run in the worker process itself (RQ's
    ``SimpleWorker``), keeping database and HTTP connections warm: many times faster for the
    short jobs of the ``sms`` queue (see benchmarks/texts.py).
    """
    connection = _connection(app)
    set_worker_app(app)
    _fresh_database_connections_in_children(app)
    cron_process: multiprocessing.process.BaseProcess | None = None
    if cron:
        context = multiprocessing.get_context("fork")
        cron_process = context.Process(target=_run_cron, args=(app,), name="rq-cron", daemon=True)
        cron_process.start()
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class(
        [Queue(q, connection=connection) for q in queues],
        connection=connection,
        name=name,
        # A job's heartbeat: app.queue takes a started job whose heartbeat stopped for three
        # beats as abandoned (its worker was killed) and runs it again (issue 15).
        job_monitoring_interval=int(app.config.get("RQ_HEARTBEAT_S", 10)),
    )
    try:
        return bool(worker.work(burst=burst, with_scheduler=True, logging_level="INFO"))
    finally:
        if cron_process is not None and cron_process.is_alive():
            cron_process.terminate()
            cron_process.join(5)
