"""The outbox: queue_text, deliver (once, retries, permanent failures), sweep, status callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import Message
from app.models import MessageStatus
from app.services import messaging
from app.sms import SmsSendError
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


def _queued(body: str = "Hello", **resident: Any) -> Message:
    person = make_resident(**resident)
    message = messaging.queue_text(person, body, kind="test", now=NOW)
    db.session.commit()
    return message


def _alerts(kind: AlertKind) -> list[Alert]:
    return list(db.session.scalars(sa.select(Alert).where(Alert.kind == kind)))


def test_queue_text_writes_a_waiting_row(sms: FakeSmsSender) -> None:
    """A text to a consenting resident is a queued outbound row tied to them."""
    message = _queued()
    assert message.status == MessageStatus.QUEUED
    assert message.resident_id is not None and message.attempts == 0
    assert sms.sent == []  # nothing is sent before dispatch


@pytest.mark.parametrize(
    ("resident", "reason"),
    [
        ({"sms_consent": False}, "not agreed"),
        ({"opted_out_at": NOW}, "opted out"),
        ({"phone": "+442082270000"}, "not a mobile"),
    ],
)
def test_people_who_must_not_be_texted_get_a_suppressed_row(
    sms: FakeSmsSender, resident: dict[str, Any], reason: str
) -> None:
    """No consent, opted out or a landline: the row says why, and dispatch sends nothing."""
    message = _queued(**resident)
    assert message.status == MessageStatus.SUPPRESSED
    assert reason in message.error
    messaging.dispatch([message])
    assert sms.sent == []


def test_deliver_sends_once_however_often_it_runs(sms: FakeSmsSender) -> None:
    """Running the send twice (a retried job, a sweep) sends the text once."""
    message = _queued()
    assert messaging.deliver(message.id, now=NOW) == MessageStatus.SENT
    assert messaging.deliver(message.id, now=NOW) is None
    assert len(sms.sent) == 1
    db.session.refresh(message)
    assert message.provider_sid == sms.sent[0].sid
    assert message.attempts == 1 and message.sent_at is not None
    assert sms.sent[0].status_callback == f"http://localhost:5000/sms/status?m={message.id}"


def test_a_claimed_row_is_not_sent_by_a_second_runner(sms: FakeSmsSender) -> None:
    """Once one runner has claimed a row (queued -> sending), another runner sends nothing."""
    message = _queued()
    assert messaging._claim(message.id, NOW)
    assert messaging.deliver(message.id, now=NOW) is None
    assert sms.sent == []


def test_retryable_failure_goes_back_to_the_queue_and_raises(sms: FakeSmsSender) -> None:
    """A 429/5xx puts the row back to queued with the error, and re-raises for RQ's retry."""
    message = _queued()
    sms.failures.append(SmsSendError("busy", code="429", retryable=True))
    with pytest.raises(SmsSendError):
        messaging.deliver(message.id, now=NOW)
    db.session.refresh(message)
    assert message.status == MessageStatus.QUEUED
    assert (message.attempts, message.error_code, message.error) == (1, "429", "busy")
    assert messaging.deliver(message.id, now=NOW) == MessageStatus.SENT
    assert len(sms.sent) == 1


def test_permanent_failure_marks_failed_and_alerts_staff(sms: FakeSmsSender) -> None:
    """An invalid number fails the row with the reason and raises a text-failed alert."""
    message = _queued()
    sms.failures.append(
        SmsSendError("The phone number is not valid.", code="21211", retryable=False)
    )
    assert messaging.deliver(message.id, now=NOW) == MessageStatus.FAILED
    db.session.refresh(message)
    assert message.status == MessageStatus.FAILED and "not valid" in message.error
    [alert] = _alerts(AlertKind.TEXT_FAILED)
    assert alert.message_id == message.id and "not valid" in alert.detail


def test_unsubscribed_at_twilio_records_the_opt_out(sms: FakeSmsSender) -> None:
    """Twilio's 21610 (unsubscribed) marks the person opted out so we stop trying."""
    message = _queued()
    sms.failures.append(SmsSendError("unsubscribed", code="21610", retryable=False))
    messaging.deliver(message.id, now=NOW)
    assert message.resident is not None and message.resident.opted_out_at is not None


def test_too_many_retryable_failures_give_up(app: Flask, sms: FakeSmsSender) -> None:
    """After SMS_MAX_ATTEMPTS transient failures the row fails with an alert, not forever."""
    app.config["SMS_MAX_ATTEMPTS"] = 2
    message = _queued()
    sms.failures.extend(SmsSendError("down", code="500", retryable=True) for _ in range(2))
    with pytest.raises(SmsSendError):
        messaging.deliver(message.id, now=NOW)
    assert messaging.deliver(message.id, now=NOW) == MessageStatus.FAILED
    assert "Gave up after 2 tries" in _alerts(AlertKind.TEXT_FAILED)[0].detail


def test_opting_out_after_queueing_stops_the_send(sms: FakeSmsSender) -> None:
    """Someone who opts out between queueing and sending is not texted."""
    message = _queued()
    assert message.resident is not None
    message.resident.opted_out_at = NOW
    db.session.commit()
    assert messaging.deliver(message.id, now=NOW) == MessageStatus.SUPPRESSED
    assert sms.sent == []


def test_dispatch_inline_sends_and_keeps_failures_queued(sms: FakeSmsSender) -> None:
    """Without Redis, dispatch sends at once; a transient failure leaves the row for the sweep."""
    ok, busy = _queued("one"), _queued("two")
    sms.failures.append(SmsSendError("busy", code="429", retryable=True))
    # The first send meets the failure; the second goes out.
    messaging.dispatch([busy, ok])
    db.session.refresh(ok)
    db.session.refresh(busy)
    assert (busy.status, ok.status) == (MessageStatus.QUEUED, MessageStatus.SENT)


def test_sweep_requeues_waiting_rows_after_a_grace(sms: FakeSmsSender) -> None:
    """Rows still queued after the grace period are sent by the sweep; fresh ones are left."""
    old = _queued("old")
    result = messaging.sweep_outbox(now=NOW + dt.timedelta(seconds=5))
    assert result.requeued == 0 and sms.sent == []
    result = messaging.sweep_outbox(now=NOW + dt.timedelta(minutes=2))
    assert result.requeued == 1
    assert [t.body for t in sms.sent] == ["old"]
    db.session.refresh(old)
    assert old.status == MessageStatus.SENT


def test_sweep_recovers_a_row_whose_sender_died_after_twilio_took_it(sms: FakeSmsSender) -> None:
    """A stale 'sending' row that the provider already has is marked sent, not sent again."""
    message = _queued("route")
    assert messaging._claim(message.id, NOW)
    sms.send(message.phone, "route")  # Twilio took it, then the worker died
    result = messaging.sweep_outbox(now=NOW + dt.timedelta(minutes=10))
    assert (result.found_sent, result.reclaimed) == (1, 0)
    assert len(sms.sent) == 1
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT and message.provider_sid == sms.sent[0].sid


def test_sweep_resends_a_row_whose_sender_died_before_twilio(sms: FakeSmsSender) -> None:
    """A stale 'sending' row the provider never saw goes back to the queue and is sent once."""
    message = _queued("route")
    assert messaging._claim(message.id, NOW)
    result = messaging.sweep_outbox(now=NOW + dt.timedelta(minutes=10))
    assert result.reclaimed == 1
    assert [t.body for t in sms.sent] == ["route"]
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_sweep_leaves_a_recent_sending_row_alone(sms: FakeSmsSender) -> None:
    """A row being sent right now is not touched by the sweep."""
    message = _queued()
    assert messaging._claim(message.id, NOW)
    assert messaging.sweep_outbox(now=NOW + dt.timedelta(seconds=40)).reclaimed == 0
    db.session.refresh(message)
    assert message.status == MessageStatus.SENDING


def test_status_callbacks_move_forward_only(sms: FakeSmsSender) -> None:
    """delivered after sent is recorded; a late 'sent' after 'delivered' is ignored."""
    message = _queued()
    messaging.deliver(message.id, now=NOW)
    sid = sms.sent[0].sid
    messaging.record_status(sid, "delivered")
    messaging.record_status(sid, "sent")
    db.session.refresh(message)
    assert message.status == MessageStatus.DELIVERED


def test_undelivered_callback_records_the_reason_and_alerts(sms: FakeSmsSender) -> None:
    """An undelivered text says why and shows up for staff."""
    message = _queued()
    messaging.deliver(message.id, now=NOW)
    messaging.record_status(sms.sent[0].sid, "undelivered", error_code="30006")
    db.session.refresh(message)
    assert message.status == MessageStatus.UNDELIVERED and "landline" in message.error
    assert len(_alerts(AlertKind.TEXT_FAILED)) == 1


def test_callback_names_the_row_when_the_sid_was_never_written(sms: FakeSmsSender) -> None:
    """A callback for a row whose sender died before saving the SID settles it by its id."""
    message = _queued()
    assert messaging._claim(message.id, NOW)
    messaging.record_status("SMlost", "sent", message_id=message.id)
    db.session.refresh(message)
    assert (message.status, message.provider_sid) == (MessageStatus.SENT, "SMlost")
    assert messaging.sweep_outbox(now=NOW + dt.timedelta(hours=1)).reclaimed == 0
    assert sms.sent == []


def test_callback_for_an_unknown_sid_is_ignored(sms: FakeSmsSender) -> None:
    """A status for a SID we never sent changes nothing."""
    assert messaging.record_status("SMnope", "delivered") is None


def test_volunteers_are_texted_by_phone_lookup(sms: FakeSmsSender) -> None:
    """queue_text with a bare number finds the volunteer and applies their opt-out."""
    volunteer = make_volunteer(opted_out_at=NOW)
    message = messaging.queue_text(volunteer.phone, "Hi", kind="test", now=NOW)
    assert message.volunteer_id == volunteer.id
    assert message.status == MessageStatus.SUPPRESSED
