"""Domain and HTTP errors mapped to answers in one place: HTML or JSON by ``Accept``."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask
from flask import Response
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.errors import DomainError
from app.extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def _answer(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Attach the handlers to ``app``."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> tuple[Response | str, int]:
        db.session.rollback()
        titles = {400: "Please check", 403: "Not allowed", 404: "Not found", 409: "Already there"}
        return _answer(exc.status_code, titles.get(exc.status_code, "Problem"), exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[Response | str, int]:
        return _answer(
            400,
            "Form expired",
            "This form was open too long or came from elsewhere. Go back, reload and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response | str, int]:
        return _answer(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: SQLAlchemyError) -> tuple[Response | str, int, dict[str, str]]:
        # The database restarting (a crash, a deploy, a failover) is not a bug: say so, and that
        # nothing was saved (the transaction never committed). Found by the fault tests
        # (issue 15): it was a 500 "Something went wrong".
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        log.warning("the database did not answer on %s (%s)", request.path, type(exc).__name__)
        # The page must not ask the database who is signed in.
        g._login_user = AnonymousUserMixin()
        body, status = _answer(
            503,
            "The database is not answering",
            "Nothing was saved. The bureau's database did not answer; it is usually back within "
            "a minute. Please try again shortly.",
        )
        return body, status, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response | str, int]:
        db.session.rollback()
        log.exception("unexpected error on %s", request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        # Plain words that do not promise what we cannot know: a change may have been saved
        # before the failure (Publish saved and queued 41 texts, then said "Nothing was saved").
        if request.method in ("GET", "HEAD"):
            message = (
                "This page could not be shown. Please try again in a minute; if it happens "
                "again, tell the bureau's admin."
            )
        else:
            message = (
                "This did not finish. Look whether your change is there before trying again; "
                "if it happens again, tell the bureau's admin."
            )
        return _answer(500, "Something went wrong", message)
