"""Sending texts: a Protocol with a Twilio sender and a logging sender (the embedded default)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from flask import Flask

log = logging.getLogger(__name__)


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
    """Anything that can send one text."""

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendReceipt:
        """Send ``body`` to the E.164 number ``to``."""
        ...


class LogSmsSender:
    """Log texts instead of sending them (no Twilio credentials configured)."""

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendReceipt:
        """Log the text and return a simulated receipt."""
        sid = f"SIM{uuid.uuid4().hex}"
        log.info("SMS (simulated) to %s: %s", to, body)
        return SendReceipt(provider_sid=sid, status="simulated", simulated=True)


def init_sms(app: Flask) -> None:
    """Choose the SMS sender for ``app``: Twilio when credentials are set, else the log."""
    sender: SmsSender = LogSmsSender()
    app.extensions["sms_sender"] = sender
