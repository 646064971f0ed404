"""Befriending jobs: thin wrappers that take plain values and call the befriending service."""

from __future__ import annotations

import datetime as dt

from app.jobs.context import job_context
from app.services import befriending
from app.services import clock


@job_context
def send_checkin_reminders(day_iso: str | None = None) -> int:
    """Text every befriender whose check-in is due (today by default); returns texts queued.

    Safe to run often: a pairing's next check-in moves on as soon as it is texted.
    """
    day = dt.date.fromisoformat(day_iso) if day_iso else clock.today()
    return len(befriending.send_checkin_reminders(day).message_ids)
