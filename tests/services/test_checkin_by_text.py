"""A befriender answers a check-in by text: the digit reaches befriending, not the driver flow."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import Alert
from app.models import AlertKind
from app.models import Pairing
from app.models import PairingStatus
from app.services import befriending
from app.services.conversations import handle_inbound
from tests.factories import make_resident
from tests.factories import make_volunteer


def test_reply_2_to_a_check_in_asks_a_coordinator_to_call(db):
    """'2' after a check-in text raises a check-in alert and answers kindly."""
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    resident = make_resident(first_name="Joan")
    friend = make_volunteer(is_driver=True, is_befriender=True, befriend_capacity=2)
    pairing = Pairing(
        resident_id=resident.id,
        volunteer_id=friend.id,
        status=PairingStatus.ACTIVE,
        score=0.5,
        reasons=[],
        next_checkin_on=dt.date(2026, 12, 1),
    )
    db.session.add(pairing)
    db.session.commit()
    run = befriending.send_checkin_reminders(dt.date(2026, 12, 1), now=now)
    assert run.message_ids
    result = handle_inbound(friend.phone, "2", "SMcheckin1", now=now + dt.timedelta(minutes=5))
    assert result.reply
    alerts = db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.CHECKIN_HELP)).all()
    assert [a.volunteer_id for a in alerts] == [friend.id]
