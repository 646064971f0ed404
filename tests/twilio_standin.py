"""A local stand-in for Twilio's Messages API, for tests and benchmarks: a threaded HTTP server.

It speaks enough of ``/2010-04-01/Accounts/{AccountSid}/Messages.json`` for the real Twilio SDK:
create a message (returns a SID), list messages to a number, and on demand answer 429, 500 or
Twilio's error codes for an invalid (21211), unsubscribed (21610) or non-mobile (21614) number.
It counts every message it took and can post signed status callbacks like Twilio does.
"""

from __future__ import annotations

import collections
import contextlib
import email.utils
import json
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "standin-auth-token"
FROM_NUMBER = "+447700900999"
ERROR_MESSAGES = {
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
}


@dataclass
class Taken:
    """A message the stand-in accepted."""

    sid: str
    to: str
    body: str
    status_callback: str | None
    created: float


@dataclass
class Behaviour:
    """What the stand-in does next: fail some requests, refuse numbers, be slow or be down."""

    down_status: int | None = None  # every create answers this (e.g. 500) while set
    fail_next: collections.deque[int] = field(default_factory=collections.deque)
    number_errors: dict[str, int] = field(default_factory=dict)  # to -> Twilio error code
    delay_s: float = 0.0  # sleep after recording the message, before answering


class TwilioStandIn:
    """Start with ``with TwilioStandIn() as twilio:``; ``twilio.base`` is its URL."""

    def __init__(self, *, auth_token: str = AUTH_TOKEN) -> None:
        self.auth_token = auth_token
        self.behaviour = Behaviour()
        self.taken: list[Taken] = []
        self.requests = 0
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> TwilioStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget what was taken and behave normally again."""
        with self.lock:
            self.behaviour = Behaviour()
            self.taken.clear()
            self.requests = 0

    def config(self) -> dict[str, Any]:
        """App settings that send texts through this stand-in with the real SDK."""
        return {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE": self.base,
            "TWILIO_HTTP_TIMEOUT_S": 5.0,
        }

    def env(self) -> dict[str, str]:
        """The same settings as environment variables (for a worker process)."""
        return {k: str(v) for k, v in self.config().items()}

    def count_by_body(self) -> collections.Counter[str]:
        with self.lock:
            return collections.Counter(t.body for t in self.taken)

    def bodies_to(self, phone: str) -> list[str]:
        with self.lock:
            return [t.body for t in self.taken if t.to == phone]

    def status_callback(
        self, taken: Taken, status: str, *, error_code: int | None = None
    ) -> tuple[str, dict[str, str], str]:
        """The (url, form, X-Twilio-Signature) Twilio would post for ``taken``."""
        assert taken.status_callback, "the text was sent without a status callback URL"
        form = {
            "AccountSid": ACCOUNT_SID,
            "From": FROM_NUMBER,
            "To": taken.to,
            "MessageSid": taken.sid,
            "SmsSid": taken.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": "2010-04-01",
        }
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        signature = RequestValidator(self.auth_token).compute_signature(taken.status_callback, form)
        return taken.status_callback, form, signature

    def post_status(self, taken: Taken, status: str, *, error_code: int | None = None) -> int:
        """POST a signed status callback to the URL the text named; returns the HTTP status."""
        url, form, signature = self.status_callback(taken, status, error_code=error_code)
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"X-Twilio-Signature": signature},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local)
            return int(response.status)

    # --- request handling ---

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        to = form.get("To", "")
        with self.lock:
            self.requests += 1
            behaviour = self.behaviour
            if behaviour.down_status is not None:
                return _error(behaviour.down_status)
            if behaviour.fail_next:
                return _error(behaviour.fail_next.popleft())
            if to in behaviour.number_errors:
                return _error(400, behaviour.number_errors[to])
            taken = Taken(
                sid="SM" + uuid.uuid4().hex,
                to=to,
                body=form.get("Body", ""),
                status_callback=form.get("StatusCallback"),
                created=time.time(),
            )
            self.taken.append(taken)
            delay = behaviour.delay_s
        if delay:
            time.sleep(delay)
        return 201, _resource(taken, form.get("From") or FROM_NUMBER)

    def _list(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        to = (query.get("To") or [""])[0]
        with self.lock:
            if self.behaviour.down_status is not None:
                return _error(self.behaviour.down_status)
            found = [t for t in reversed(self.taken) if not to or t.to == to][:50]
        return 200, {
            "messages": [_resource(t, FROM_NUMBER) for t in found],
            "page": 0,
            "page_size": 50,
            "start": 0,
            "end": max(len(found) - 1, 0),
            "first_page_uri": "/2010-04-01/Accounts/x/Messages.json?PageSize=50&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": "/2010-04-01/Accounts/x/Messages.json?PageSize=50&Page=0",
        }


def _error(status: int, code: int | None = None) -> tuple[int, dict[str, Any]]:
    code = code or {429: 20429}.get(status, 20500 if status >= 500 else status)
    return status, {
        "code": code,
        "message": ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _resource(taken: Taken, sender: str) -> dict[str, Any]:
    return {
        "sid": taken.sid,
        "account_sid": ACCOUNT_SID,
        "to": taken.to,
        "from": sender,
        "body": taken.body,
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "date_created": email.utils.formatdate(taken.created, usegmt=True),
        "date_updated": email.utils.formatdate(taken.created, usegmt=True),
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{taken.sid}.json",
    }


def _handler(stand_in: TwilioStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return  # quiet

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # A client that gave up (a timeout test) is no error: Twilio would not notice either.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
            if not self.path.split("?")[0].endswith("/Messages.json"):
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            self._answer(*stand_in._create(form))

        def do_GET(self) -> None:  # noqa: N802
            path, _, query = self.path.partition("?")
            if not path.endswith("/Messages.json"):
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            self._answer(*stand_in._list(urllib.parse.parse_qs(query)))

    return Handler
