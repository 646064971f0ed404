"""Twilio's webhooks: signed exactly as Twilio signs them; forged, replayed and unsigned ones."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.extensions import db
from app.models import Conversation
from app.models import Message
from app.models import MessageStatus
from app.services import messaging
from app.sms import sign_request
from tests.conftest import make_test_app
from tests.factories import make_resident
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.twilio_standin import AUTH_TOKEN
from tests.twilio_standin import TwilioStandIn

PUBLIC = "https://rota.example"


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    app.config.update(TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC)
    return install_fake_sms(app)


def post_signed(
    client: FlaskClient, path: str, form: dict[str, str], *, token: str = AUTH_TOKEN, url: str = ""
) -> TestResponse:
    """POST ``form`` to ``path`` with the signature Twilio would compute for the public URL."""
    signature = sign_request(token, url or PUBLIC + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def inbound_form(phone: str, body: str, sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+447700900999",
        "Body": body,
        "NumMedia": "0",
    }


def _count(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_signed_text_is_answered_with_twiml(client: FlaskClient, sms: FakeSmsSender) -> None:
    """A genuine inbound text is stored and answered with a TwiML <Message>, without a login."""
    resident = make_resident()
    response = post_signed(client, "/sms/inbound", inbound_form(resident.phone or "", "HELP"))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    body = response.get_data(as_text=True)
    assert "<Response><Message>" in body and "020 8227 0000" in body
    assert _count(Message) == 2  # the text and our reply


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong token", "other url", "body changed", "signed for localhost"],
)
def test_forged_requests_are_refused_and_nothing_is_recorded(
    client: FlaskClient, sms: FakeSmsSender, how: str
) -> None:
    """Bad or missing signatures get 403 and leave no message or conversation behind."""
    resident = make_resident()
    form = inbound_form(resident.phone or "", "LIFT")
    if how == "unsigned":
        response = client.post("/sms/inbound", data=form)
    elif how == "wrong token":
        response = post_signed(client, "/sms/inbound", form, token="not-the-token")
    elif how == "other url":
        response = post_signed(client, "/sms/inbound", form, url="https://evil.example/sms/inbound")
    elif how == "signed for localhost":
        response = post_signed(client, "/sms/inbound", form, url="http://localhost/sms/inbound")
    else:
        signature = sign_request(AUTH_TOKEN, PUBLIC + "/sms/inbound", form)
        response = client.post(
            "/sms/inbound",
            data={**form, "Body": "STOP"},
            headers={"X-Twilio-Signature": signature},
        )
    assert response.status_code == 403
    assert _count(Message) == 0 and _count(Conversation) == 0


def test_no_auth_token_configured_refuses_everything(client: FlaskClient, app: Flask) -> None:
    """Without a Twilio auth token no request can be verified, so none is accepted."""
    form = inbound_form("+447700900123", "HELP")
    signature = sign_request(AUTH_TOKEN, "http://localhost:5000/sms/inbound", form)
    response = client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_replayed_message_sid_is_acknowledged_once(
    client: FlaskClient, sms: FakeSmsSender
) -> None:
    """Twilio retrying a text (same MessageSid) gets 200 and an empty answer the second time."""
    resident = make_resident()
    form = inbound_form(resident.phone or "", "LIFT")
    first = post_signed(client, "/sms/inbound", form)
    again = post_signed(client, "/sms/inbound", form)
    assert first.status_code == again.status_code == 200
    assert "<Message>" not in again.get_data(as_text=True)
    assert _count(Message) == 2  # one text in, one reply


def test_an_opt_out_gets_an_empty_answer(client: FlaskClient, sms: FakeSmsSender) -> None:
    """STOP is answered with no message of ours (Twilio sends its own confirmation)."""
    resident = make_resident()
    response = post_signed(client, "/sms/inbound", inbound_form(resident.phone or "", "STOP"))
    assert "<Message>" not in response.get_data(as_text=True)


def test_webhooks_need_no_csrf_token(sms: FakeSmsSender) -> None:
    """With CSRF protection on (as in production), Twilio's posts still get through."""
    secured = make_test_app(
        WTF_CSRF_ENABLED=True, TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC
    )
    install_fake_sms(secured)
    with secured.app_context():
        response = post_signed(
            secured.test_client(), "/sms/inbound", inbound_form("+447700900555", "hello")
        )
        assert response.status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_status_callback_records_delivery(client: FlaskClient, sms: FakeSmsSender) -> None:
    """A signed delivered callback (with our ?m= id in the URL) marks the text delivered."""
    message = messaging.queue_text(make_resident(), "Hello", kind="test")
    db.session.commit()
    messaging.deliver(message.id)
    path = f"/sms/status?m={message.id}"
    form = {"MessageSid": sms.sent[0].sid, "MessageStatus": "delivered", "To": message.phone}
    assert post_signed(client, path, form).status_code == 204
    db.session.refresh(message)
    assert message.status == MessageStatus.DELIVERED


def test_a_forged_status_callback_changes_nothing(client: FlaskClient, sms: FakeSmsSender) -> None:
    """A status callback signed for another message id is refused."""
    message = messaging.queue_text(make_resident(), "Hello", kind="test")
    db.session.commit()
    messaging.deliver(message.id)
    form = {"MessageSid": sms.sent[0].sid, "MessageStatus": "failed", "ErrorCode": "30003"}
    signature = sign_request(AUTH_TOKEN, f"{PUBLIC}/sms/status?m=999", form)
    response = client.post(
        f"/sms/status?m={message.id}", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT


@pytest.fixture()
def twilio_app() -> Iterator[tuple[Flask, TwilioStandIn]]:
    """An app sending through the real Twilio SDK to the local stand-in."""
    with TwilioStandIn() as stand_in:
        application = make_test_app(PUBLIC_BASE_URL=PUBLIC, **stand_in.config())
        with application.app_context():
            yield application, stand_in
            db.session.remove()
            db.engine.dispose()


def test_the_whole_loop_through_the_sdk_and_back(twilio_app: tuple[Flask, TwilioStandIn]) -> None:
    """Queue -> real SDK -> stand-in -> its signed status callback -> our webhook -> delivered."""
    application, stand_in = twilio_app
    message = messaging.send_text(make_resident(), "Your lift is arranged.", kind="test")
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT
    [taken] = stand_in.taken
    assert taken.sid == message.provider_sid
    url, form, signature = stand_in.status_callback(taken, "delivered")
    parts = urllib.parse.urlsplit(url)
    response = application.test_client().post(
        f"{parts.path}?{parts.query}", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 204
    db.session.refresh(message)
    assert message.status == MessageStatus.DELIVERED
