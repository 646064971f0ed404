"""The Twilio sender, through the real SDK, against a local stand-in of Twilio's API."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest

from app import create_app
from app.sms import LogSmsSender
from app.sms import SmsSendError
from app.sms import TwilioSmsSender
from app.sms import sign_request
from app.sms import twiml
from app.sms import verify_signature
from tests.conftest import app_config
from tests.twilio_standin import ACCOUNT_SID
from tests.twilio_standin import AUTH_TOKEN
from tests.twilio_standin import FROM_NUMBER
from tests.twilio_standin import TwilioStandIn

TO = "+447700900123"


@pytest.fixture()
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn() as stand_in:
        yield stand_in


def _sender(base: str, timeout_s: float = 5.0) -> TwilioSmsSender:
    return TwilioSmsSender(
        ACCOUNT_SID, AUTH_TOKEN, from_number=FROM_NUMBER, api_base=base, timeout_s=timeout_s
    )


def test_send_goes_through_the_sdk_to_the_configured_base(twilio: TwilioStandIn) -> None:
    """A sent text reaches the stand-in with its number, body and callback, and returns a SID."""
    receipt = _sender(twilio.base).send(TO, "Hello", status_callback="https://x.example/sms/status")
    assert receipt.provider_sid.startswith("SM")
    assert not receipt.simulated
    [taken] = twilio.taken
    assert (taken.to, taken.body, taken.status_callback) == (
        TO,
        "Hello",
        "https://x.example/sms/status",
    )


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_or_down_is_retryable(twilio: TwilioStandIn, status: int) -> None:
    """HTTP 429 and 5xx answers become retryable errors."""
    twilio.behaviour.fail_next.append(status)
    with pytest.raises(SmsSendError) as caught:
        _sender(twilio.base).send(TO, "Hello")
    assert caught.value.retryable
    assert twilio.taken == []


@pytest.mark.parametrize(
    ("code", "words"),
    [(21211, "not valid"), (21610, "unsubscribed"), (21614, "not a mobile")],
)
def test_refused_numbers_are_permanent_with_a_reason(
    twilio: TwilioStandIn, code: int, words: str
) -> None:
    """Invalid, unsubscribed and non-mobile numbers fail for good with a reason staff can act on."""
    twilio.behaviour.number_errors[TO] = code
    with pytest.raises(SmsSendError) as caught:
        _sender(twilio.base).send(TO, "Hello")
    assert not caught.value.retryable
    assert caught.value.code == str(code)
    assert words in str(caught.value)


def test_unreachable_twilio_is_retryable() -> None:
    """A refused connection (Twilio unreachable) is retryable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SmsSendError) as caught:
        _sender(f"http://127.0.0.1:{port}").send(TO, "Hello")
    assert caught.value.retryable


def test_a_timeout_is_retryable(twilio: TwilioStandIn) -> None:
    """A request that times out is retryable."""
    twilio.behaviour.delay_s = 0.5
    with pytest.raises(SmsSendError) as caught:
        _sender(twilio.base, timeout_s=0.1).send(TO, "Hello")
    assert caught.value.retryable


def test_lookup_finds_a_text_twilio_already_took(twilio: TwilioStandIn) -> None:
    """Lookup finds a taken text by number and body, and nothing for another body."""
    sender = _sender(twilio.base)
    since = dt.datetime.now(dt.UTC)
    receipt = sender.send(TO, "Route for Tuesday")
    found = sender.lookup(TO, "Route for Tuesday", since=since)
    assert found is not None and found.provider_sid == receipt.provider_sid
    assert sender.lookup(TO, "Something else", since=since) is None


def test_signatures_are_checked_like_twilio() -> None:
    """A signature made with the token validates; a wrong token, URL or missing one does not."""
    url = "https://rota.example/sms/inbound"
    form = {"From": TO, "Body": "LIFT", "MessageSid": "SM1"}
    signature = sign_request(AUTH_TOKEN, url, form)
    assert verify_signature(AUTH_TOKEN, url, form, signature)
    assert not verify_signature("other", url, form, signature)
    assert not verify_signature(AUTH_TOKEN, "https://evil.example/sms/inbound", form, signature)
    assert not verify_signature(AUTH_TOKEN, url, {**form, "Body": "STOP"}, signature)
    assert not verify_signature(AUTH_TOKEN, url, form, None)
    assert not verify_signature(None, url, form, signature)


def test_twiml_reply_and_silence() -> None:
    """A reply becomes one <Message>; no reply is an empty <Response>."""
    assert "<Message>Hi &amp; bye</Message>" in twiml("Hi & bye")
    assert "<Message>" not in twiml(None)


def test_init_picks_twilio_only_with_credentials() -> None:
    """With no credentials texts are logged; with them the Twilio sender is used."""
    plain = create_app(app_config())
    assert isinstance(plain.extensions["sms_sender"], LogSmsSender)
    configured = create_app(
        app_config(
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER=FROM_NUMBER,
        )
    )
    assert isinstance(configured.extensions["sms_sender"], TwilioSmsSender)


def test_log_sender_simulates() -> None:
    """The embedded default logs the text and says it was simulated."""
    receipt = LogSmsSender().send(TO, "Hello")
    assert receipt.simulated and receipt.status == "simulated"
