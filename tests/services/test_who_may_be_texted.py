"""Issue 10: one rule says who may be texted, and every path that texts asks it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from app.models import Alert
from app.models import AlertKind
from app.models import Message
from app.models import MessageStatus
from app.services import messaging
from app.services.conversations import handle_inbound
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms

NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


LANDLINE = "The number is not a mobile (a landline?), so it cannot get texts."


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"opted_out_at": NOW}, "They have opted out of texts."),
        ({"sms_consent": False}, "They have not agreed to texts."),
        ({"active": False}, "They are archived (no longer on the bureau's books)."),
        ({"phone": "+442082270000"}, LANDLINE),
        ({"phone": None}, "There is no phone number to text."),
    ],
)
def test_a_text_to_someone_who_may_not_be_texted_is_kept_not_sent(db, sms, overrides, reason):
    """Opted out, no consent, archived, a landline or no number: suppressed, with the reason."""
    joan = make_resident(**overrides)
    message = messaging.send_text(joan, "Your lift is tomorrow.", kind="test", now=NOW)
    assert (message.status, message.error) == (MessageStatus.SUPPRESSED, reason)
    assert sms.sent == []


def test_an_archived_driver_gets_no_text(db, sms):
    """Volunteers are asked the same question as residents."""
    dev = make_volunteer(active=False)
    message = messaging.send_text(dev, "Your route for tomorrow.", kind="test", now=NOW)
    assert message.status == MessageStatus.SUPPRESSED and sms.sent == []


def test_a_text_written_before_someone_was_archived_is_not_sent(app, db, sms):
    """The rule is asked again at sending time: archived in between means never sent."""
    joan = make_resident()
    message = messaging.queue_text(joan, "Your lift is tomorrow.", kind="test", now=NOW)
    joan.active = False
    db.session.commit()
    assert messaging.deliver(message.id, now=NOW) == MessageStatus.SUPPRESSED
    assert sms.sent == []


def test_an_archived_resident_who_texts_in_is_phoned_not_texted_back(db, sms):
    """No automatic reply to an archived resident; a coordinator is asked to phone them."""
    joan = make_resident(first_name="Joan", last_name="Khan", active=False)
    result = handle_inbound(joan.phone, "LIFT", "SM-archived-1", now=NOW)
    assert result.reply is None
    alert = db.session.scalar(sa.select(Alert).where(Alert.kind == AlertKind.CALL_REQUESTED))
    assert alert is not None and "Joan Khan texted us but we cannot text back" in alert.detail
    assert "archived" in alert.detail
    replies = db.session.scalars(sa.select(Message).where(Message.kind == "reply")).all()
    assert replies == []


def test_a_resident_without_consent_is_told_why_in_the_alert(db, sms):
    """The alert gives the same reason the outbox records."""
    joan = make_resident(first_name="Joan", last_name="Khan", sms_consent=False)
    assert handle_inbound(joan.phone, "MY LIFTS", "SM-noconsent-1", now=NOW).reply is None
    alert = db.session.scalar(sa.select(Alert).where(Alert.kind == AlertKind.CALL_REQUESTED))
    assert alert is not None and "They have not agreed to texts" in alert.detail
