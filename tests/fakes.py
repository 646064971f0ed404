"""Fakes of the app's external services, for tests: an SMS sender that records what it sent."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from dataclasses import field

from flask import Flask

from app.sms import SendReceipt
from app.sms import SmsSendError


@dataclass(frozen=True)
class SentText:
    """One text the fake sender took."""

    to: str
    body: str
    sid: str
    status_callback: str | None


@dataclass
class FakeSmsSender:
    """Records every text; ``failures`` are raised, in order, by the next sends."""

    sent: list[SentText] = field(default_factory=list)
    failures: list[SmsSendError] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendReceipt:
        """Take the text, or raise the next planned failure."""
        if self.failures:
            raise self.failures.pop(0)
        sid = f"SMfake{next(self._ids):08d}"
        self.sent.append(SentText(to, body, sid, status_callback))
        return SendReceipt(provider_sid=sid, status="queued")

    def lookup(self, to: str, body: str, *, since: dt.datetime) -> SendReceipt | None:
        """The receipt of a text already taken, if any."""
        for text in reversed(self.sent):
            if text.to == to and text.body == body:
                return SendReceipt(provider_sid=text.sid, status="sent")
        return None

    def to(self, phone: str | None) -> list[str]:
        """The bodies sent to ``phone``, in order."""
        return [t.body for t in self.sent if t.to == phone]


def install_fake_sms(app: Flask) -> FakeSmsSender:
    """Make ``app`` send its texts to a new FakeSmsSender and return it."""
    fake = FakeSmsSender()
    app.extensions["sms_sender"] = fake
    return fake
