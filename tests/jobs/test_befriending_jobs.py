"""The befriending check-in job runs the service for a day and is safe to repeat."""

from __future__ import annotations

import datetime as dt

from app.jobs.befriending import send_checkin_reminders
from app.services import befriending
from tests.services.test_befriending import DAY
from tests.services.test_befriending import NOW
from tests.services.test_befriending import befriender
from tests.services.test_befriending import waiting


def test_checkin_job_texts_once_per_due_day(db):
    """Run twice for the due day, the job queues the check-in text once."""
    waiting()
    befriender()
    (pairing_id,) = befriending.propose_pairings(actor_id=None, day=DAY, now=NOW).pairing_ids
    befriending.accept_proposal(pairing_id, actor_id=None, now=NOW)
    due = (DAY + dt.timedelta(weeks=4)).isoformat()
    assert send_checkin_reminders(due) == 1
    assert send_checkin_reminders(due) == 0
