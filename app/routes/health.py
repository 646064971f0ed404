"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work): no sign-in, no data."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from werkzeug.wrappers import Response

from app.services.health import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: answers without touching the database or Redis."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: 200 when the database, migrations and Redis are fine, else 503 with reasons."""
    result = readiness()
    body = jsonify(status="ready" if result.ready else "not ready", checks=result.checks)
    return body, 200 if result.ready else 503
