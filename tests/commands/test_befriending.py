"""``flask befriending propose|checkins`` run the lifecycle steps from the command line."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Pairing
from app.services import befriending
from tests.services.test_befriending import DAY
from tests.services.test_befriending import NOW
from tests.services.test_befriending import befriender
from tests.services.test_befriending import waiting


def test_propose_command_lists_proposals_and_who_waits(runner, db):
    """The command proposes, and names who still waits and why."""
    waiting(first_name="Joan")
    waiting(first_name="Ola", languages=["polish"], needs_language="polish")
    befriender()
    result = runner.invoke(args=["befriending", "propose", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 proposals (1 new" in result.output
    assert "Ola" in result.output and "Polish" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pairing)) == 1


def test_checkins_command_texts_due_befrienders(runner, db):
    """The command queues the check-in texts due on the day."""
    waiting()
    befriender()
    (pairing_id,) = befriending.propose_pairings(actor_id=None, day=DAY, now=NOW).pairing_ids
    befriending.accept_proposal(pairing_id, actor_id=None, now=NOW)
    due = befriending.due_checkins(DAY.replace(year=2027))[0].next_checkin_on
    result = runner.invoke(args=["befriending", "checkins", "--date", due.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 check-ins due: 1 texts queued" in result.output
