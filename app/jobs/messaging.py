"""Text jobs: thin wrappers that take ids and call the messaging and publishing services."""

from __future__ import annotations

import datetime as dt
import logging

from app.jobs.context import job_context
from app.services import messaging
from app.services import publishing

log = logging.getLogger(__name__)


@job_context
def send_message(message_id: int) -> None:
    """Send one queued outbound text; safe to run twice."""
    messaging.deliver(message_id)


@job_context
def sweep_outbox() -> None:
    """Re-queue texts left waiting; recover texts whose sender died mid-send."""
    result = messaging.sweep_outbox()
    if result.requeued or result.found_sent or result.reclaimed:
        log.info("outbox sweep: %s", result)


@job_context
def send_day_before_reminders(day_iso: str) -> int:
    """Remind residents travelling on ``day_iso`` of their pickup; returns texts queued."""
    return publishing.send_day_before_reminders(dt.date.fromisoformat(day_iso))


@job_context
def send_due_reminders() -> int:
    """Send tomorrow's reminders once the configured time has passed (run every few minutes)."""
    return publishing.send_due_reminders()


@job_context
def check_driver_replies() -> None:
    """Remind drivers who have not answered; alert coordinators when still nothing."""
    result = publishing.check_driver_replies()
    if result.reminded or result.alerted:
        log.info("driver replies: %s", result)
