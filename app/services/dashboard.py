"""Counts for the dashboard: tomorrow at a glance and what needs following up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Alert
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import Message
from app.models import MessageStatus
from app.models import Volunteer


@dataclass(frozen=True)
class Glance:
    """The numbers on the dashboard."""

    day: dt.date
    lifts_by_status: dict[str, int]
    drivers_active: int
    texts_failed: int
    texts_waiting: int
    open_alerts: int
    dbs_expiring: int


def tomorrow_at_a_glance(today: dt.date | None = None) -> Glance:
    """Summarise tomorrow's lifts, drivers, texts and open alerts."""
    today = today or dt.date.today()
    day = today + dt.timedelta(days=1)
    rows = db.session.execute(
        sa.select(LiftRequest.status, sa.func.count())
        .where(LiftRequest.day == day)
        .group_by(LiftRequest.status)
    ).all()
    by_status = {LiftStatus(s).value: int(n) for s, n in rows}

    def count(stmt: sa.Select[tuple[int]]) -> int:
        return int(db.session.scalar(stmt) or 0)

    return Glance(
        day=day,
        lifts_by_status=by_status,
        drivers_active=count(
            sa.select(sa.func.count())
            .select_from(Volunteer)
            .where(Volunteer.is_driver.is_(True), Volunteer.active.is_(True))
        ),
        texts_failed=count(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.status.in_([MessageStatus.FAILED, MessageStatus.UNDELIVERED]))
        ),
        texts_waiting=count(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.status == MessageStatus.QUEUED)
        ),
        open_alerts=count(
            sa.select(sa.func.count()).select_from(Alert).where(Alert.resolved_at.is_(None))
        ),
        dbs_expiring=count(
            sa.select(sa.func.count())
            .select_from(Volunteer)
            .where(
                Volunteer.active.is_(True),
                Volunteer.dbs_valid_until.is_not(None),
                Volunteer.dbs_valid_until <= today + dt.timedelta(days=30),
            )
        ),
    )
