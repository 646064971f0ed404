"""Structured logs: one JSON object a line, each carrying the request id of the work it belongs to.

A request gets an id (the proxy's ``X-Request-ID`` when it is well formed, else a fresh one); the
id is returned in the response header, stamped on every log line of the request and carried in
the metadata of every RQ job the request enqueues (``app/queue.py``), where
``app/jobs/context.py`` puts it back. The pieces compose: :class:`RequestIdFilter` adds the id,
:class:`JsonFormatter` writes the line, and other filters (e.g. one that scrubs personal data)
are added to the same handler with :func:`add_log_filter`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from contextvars import Token
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import g
from flask import request
from werkzeug.wrappers import Response

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
HANDLER_NAME = "connect-rota"
# Attributes every LogRecord has; anything else a caller passed with ``extra=`` is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}

log = logging.getLogger(__name__)


def current_request_id() -> str | None:
    """The id of the request or job being handled in this context, if any."""
    return _request_id.get()


def bind_request_id(value: str | None) -> Token[str | None]:
    """Make ``value`` the current id; give the token back to :func:`reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    """Restore the id that was current before :func:`bind_request_id`."""
    _request_id.reset(token)


def new_request_id() -> str:
    """A fresh random id (no personal data, nothing guessable)."""
    return uuid.uuid4().hex


def accept_request_id(header: str | None) -> str:
    """The proxy's id when it is a plain token of sensible length, else a new one."""
    if header and _REQUEST_ID_OK.match(header):
        return header
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id (``None`` outside requests and jobs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


_QUERY_STRING = re.compile(r"\?[^\s\x1b]*")


class DropQueryStrings(logging.Filter):
    """Cut the query string from the dev server's request lines (``flask run``, the demo).

    Searches carry what someone looked for (``?q=Joan Smith``, ``?phone=07700…``); the path
    says enough about what was asked (issue 14).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (_QUERY_STRING.sub("", record.args[0]), *record.args[1:])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_handler() -> logging.Handler | None:
    """The handler this module installed on the root logger, if any."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == HANDLER_NAME:
            return handler
    return None


def add_log_filter(log_filter: logging.Filter) -> None:
    """Add ``log_filter`` to the app's log handler (after the request id), once."""
    handler = log_handler()
    if handler is not None and log_filter not in handler.filters:
        handler.addFilter(log_filter)


# Libraries whose INFO lines tell nobody anything: Alembic announces each of its own plugins
# ("setup plugin alembic.autogenerate.tables") on every command, seven lines that flooded the
# demo's output past its ``grep -v '^INFO'`` filter (issue 13). Their warnings still show.
QUIET_LOGGERS = ("alembic.runtime.plugins",)
# Libraries that write personal data below WARNING (issue 14): SQLAlchemy's echo writes every row
# it reads (names, addresses); Twilio's HTTP client writes each request's query string (a
# lookup's ``To=+447700…``), and so does urllib3 at DEBUG. Kept at WARNING unless someone set
# their level on purpose.
PERSONAL_DATA_LOGGERS = ("sqlalchemy.engine", "twilio.http_client", "urllib3")


def configure_logging(app: Flask) -> None:
    """Install the JSON (or, with ``LOG_FORMAT=text``, plain) handler once, and request ids.

    A root logger that already has handlers (pytest's, a host's) is left as it is, but the
    request id filter still joins each of them so the id reaches whatever writes the lines.
    """
    root = logging.getLogger()
    if log_handler() is None and not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.set_name(HANDLER_NAME)
        if app.config.get("LOG_FORMAT", "json") == "text":
            stream.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
            )
        else:
            stream.setFormatter(JsonFormatter())
        root.addHandler(stream)
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DropQueryStrings())
    for name in PERSONAL_DATA_LOGGERS:
        library_log = logging.getLogger(name)
        if library_log.level == logging.NOTSET:
            library_log.setLevel(logging.WARNING)
    _register_request_hooks(app)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _start_request() -> None:
        g.request_id = accept_request_id(request.headers.get("X-Request-ID"))
        g.request_id_token = bind_request_id(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        if started is not None and request.endpoint not in ("health.healthz",):
            # The path only: query strings can carry what someone searched for.
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={"ms": round((time.perf_counter() - started) * 1000, 1)},
            )
        return response

    @app.teardown_request
    def _end_request(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                reset_request_id(token)
            except ValueError:
                # Reset from another context (streamed responses): clear it instead.
                bind_request_id(None)
