"""``flask worker``: an RQ worker for the app's queues (retries scheduled), optionally with cron."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.jobs.worker import run_worker
from app.queue import QUEUE_NAMES


@click.command("worker")
@click.option(
    "--queues",
    default=",".join(("sms", "planning", "default")),
    show_default=True,
    help="Comma-separated queues, most urgent first.",
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--cron/--no-cron",
    default=False,
    help="Also run the periodic jobs (outbox sweep, driver replies, reminders); one process is "
    "enough.",
)
@click.option("--name", default=None, help="The worker's name in Redis.")
@click.option(
    "--fork/--no-fork",
    default=True,
    help="Run each job in a forked process (default; isolation for planning) or in the worker "
    "itself (much faster for the short jobs of the sms queue).",
)
@with_appcontext
def worker_cli(queues: str, burst: bool, cron: bool, name: str | None, fork: bool) -> None:
    """Work the RQ queues (needs REDIS_URL)."""
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUE_NAMES))
    if unknown:
        msg = f"Unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUE_NAMES)}."
        raise click.BadParameter(msg, param_hint="--queues")
    if current_app.extensions.get("redis") is None:
        msg = "Set REDIS_URL to run a worker; without it jobs run in-process."
        raise click.ClickException(msg)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_worker(app, queues=names, burst=burst, cron=cron, name=name, fork=fork)
