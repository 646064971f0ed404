"""Sending texts: a Protocol with a Twilio sender and a logging sender (the embedded default).

This is the only module that imports ``twilio``: the REST client (sending and looking a text up),
the webhook ``RequestValidator`` and the TwiML writer all sit behind the small functions here.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from typing import Protocol

import requests
from flask import Flask
from flask import current_app
from twilio.base.exceptions import TwilioException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"

# Twilio error codes that will fail again however often we try, with what a coordinator can do.
# https://www.twilio.com/docs/api/errors
PERMANENT_ERRORS: dict[int, str] = {
    21211: "The phone number is not valid. Check the number on their record.",
    21217: "The phone number is not valid. Check the number on their record.",
    21408: "Texts to this country are not enabled. Phone them instead.",
    21610: (
        "They have unsubscribed from our texts at the phone company. "
        "Phone them; they can text START to receive texts again."
    ),
    21612: "The phone company cannot deliver texts to this number. Phone them instead.",
    21614: "The number is not a mobile (a landline?), so it cannot get texts. Phone them instead.",
    21606: "Our sending number cannot send this text. Ask the admin to check the Twilio setup.",
    21659: "Our sending number is not a Twilio number. Ask the admin to check the Twilio setup.",
    30004: "The message was blocked by the phone company. Phone them instead.",
    30005: "The number is unknown or no longer in use. Check the number on their record.",
    30006: "The number is a landline or cannot receive texts. Phone them instead.",
    30007: "The phone company marked the text as spam. Phone them instead.",
    30008: "The phone company could not deliver the text. Phone them instead.",
}
# The error code Twilio gives when a recipient has opted out (they texted STOP or similar).
UNSUBSCRIBED = 21610


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What the provider said when it took a text: its id and status."""

    provider_sid: str
    status: str
    simulated: bool = False


class SmsSendError(Exception):
    """A text could not be sent; ``retryable`` says whether trying again may work."""

    def __init__(self, message: str, *, code: str | None = None, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class SmsSender(Protocol):
    """Anything that can send one text and say whether it already took one."""

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendReceipt:
        """Send ``body`` to the E.164 number ``to``."""
        ...

    def lookup(self, to: str, body: str, *, since: dt.datetime) -> SendReceipt | None:
        """Return the receipt of ``body`` sent to ``to`` after ``since``, if the provider has it."""
        ...


class LogSmsSender:
    """Log texts instead of sending them (no Twilio credentials configured)."""

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendReceipt:
        """Log that a text went, by id, direction and length only (issue 14), and return a receipt.

        The number and the words stay in the messages table, where access is controlled; a log
        line is copied to places (terminals, log stores) where it is not.
        """
        sid = f"SIM{uuid.uuid4().hex}"
        log.info("SMS (simulated) %s outbound, %s characters", sid, len(body))
        return SendReceipt(provider_sid=sid, status="simulated", simulated=True)

    def lookup(self, to: str, body: str, *, since: dt.datetime) -> SendReceipt | None:
        """Nothing is kept, so nothing is found: a text interrupted mid-log is logged again."""
        return None


class _BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending to ``base`` instead of api.twilio.com (stand-ins)."""

    def __init__(self, base: str | None, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = base.rstrip("/") if base else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._base and url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API) :]
        response: Response = super().request(method, url, *args, **kwargs)
        return response


def _error_from_twilio(exc: TwilioRestException) -> SmsSendError:
    status = int(exc.status or 0)
    code = int(exc.code) if isinstance(exc.code, int) else None
    if status == 429 or status >= 500 or code == 20429:
        msg = f"Twilio is busy or down (HTTP {status}); the text will be tried again."
        return SmsSendError(msg, code=str(code or status), retryable=True)
    if status in (401, 403) and code not in PERMANENT_ERRORS:
        # Our credentials: every text would fail the same way, so keep them waiting until the
        # admin fixes the setup rather than failing each one.
        msg = f"Twilio refused our account details (HTTP {status}); ask the admin to check them."
        return SmsSendError(msg, code=str(code or status), retryable=True)
    if code is not None and code in PERMANENT_ERRORS:
        return SmsSendError(PERMANENT_ERRORS[code], code=str(code), retryable=False)
    detail = (exc.msg or "").split(": ", 1)[-1]
    msg = f"Twilio refused the text ({code or status}): {detail}"[:480]
    return SmsSendError(msg, code=str(code or status), retryable=False)


class TwilioSmsSender:
    """Send texts through Twilio's REST API with the official SDK."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not from_number and not messaging_service_sid:
            msg = "Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID to send texts."
            raise ValueError(msg)
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.client = Client(
            account_sid,
            auth_token,
            http_client=_BaseUrlHttpClient(api_base, timeout=timeout_s),
        )
        # The SDK imports its API modules on first use; do it now, before a worker forks, so
        # each forked job does not pay for it again.
        self.messages = self.client.messages

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendReceipt:
        """Create the message at Twilio; raise SmsSendError saying whether to try again."""
        options: dict[str, Any] = {"to": to, "body": body}
        if self.messaging_service_sid:
            options["messaging_service_sid"] = self.messaging_service_sid
        if self.from_number:
            options["from_"] = self.from_number
        if status_callback:
            options["status_callback"] = status_callback
        try:
            message = self.messages.create(**options)
        except TwilioRestException as exc:
            raise _error_from_twilio(exc) from exc
        except (requests.RequestException, TwilioException) as exc:
            msg = f"Twilio could not be reached ({type(exc).__name__}); it will be tried again."
            raise SmsSendError(msg, code="network", retryable=True) from exc
        return SendReceipt(provider_sid=str(message.sid), status=str(message.status or "queued"))

    def lookup(self, to: str, body: str, *, since: dt.datetime) -> SendReceipt | None:
        """Find a text Twilio already took (a worker died before it wrote the answer down)."""
        try:
            recent = self.messages.list(to=to, limit=20)
        except TwilioRestException as exc:
            raise _error_from_twilio(exc) from exc
        except (requests.RequestException, TwilioException) as exc:
            msg = f"Twilio could not be reached ({type(exc).__name__})."
            raise SmsSendError(msg, code="network", retryable=True) from exc
        cutoff = since - dt.timedelta(minutes=2)  # clocks differ a little
        for message in recent:
            created = message.date_created
            if (message.body or "").strip() == body.strip() and (
                created is None or created >= cutoff
            ):
                return SendReceipt(provider_sid=str(message.sid), status=str(message.status))
        return None


def verify_signature(auth_token: str | None, url: str, params: Any, signature: str | None) -> bool:
    """True when ``signature`` is Twilio's signature of ``url`` and ``params`` (a form)."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def sign_request(auth_token: str, url: str, params: Any) -> str:
    """Compute the ``X-Twilio-Signature`` Twilio would send (simulators and tests)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def twiml(reply: str | None) -> str:
    """The TwiML answer to an inbound text: one reply message, or none."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


def init_sms(app: Flask) -> None:
    """Choose the SMS sender for ``app``: Twilio when credentials are set, else the log."""
    sender: SmsSender = LogSmsSender()
    sid = app.config.get("TWILIO_ACCOUNT_SID")
    token = app.config.get("TWILIO_AUTH_TOKEN")
    if sid and token:
        sender = TwilioSmsSender(
            sid,
            token,
            from_number=app.config.get("TWILIO_FROM_NUMBER"),
            messaging_service_sid=app.config.get("TWILIO_MESSAGING_SERVICE_SID"),
            api_base=app.config.get("TWILIO_API_BASE"),
            timeout_s=float(app.config.get("TWILIO_HTTP_TIMEOUT_S", 10.0)),
        )
    app.extensions["sms_sender"] = sender


def sms_sender() -> SmsSender:
    """The current app's SMS sender."""
    sender: SmsSender = current_app.extensions["sms_sender"]
    return sender
