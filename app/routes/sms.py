"""Twilio's webhooks: inbound texts (answered with TwiML) and delivery status callbacks.

Both are called by Twilio, not by a signed-in person: no login and no CSRF token, but every
request must carry a valid ``X-Twilio-Signature`` for the public URL we are known by (issue 6).
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import request

from app.extensions import csrf
from app.routes.input_guard import takes_raw_input
from app.services.conversations import handle_inbound
from app.services.messaging import record_status
from app.sms import twiml
from app.sms import verify_signature

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)


def _public_url() -> str:
    """The URL Twilio called, as it knows it (behind a proxy: the configured public base)."""
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def _require_twilio() -> None:
    signature = request.headers.get("X-Twilio-Signature")
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not verify_signature(token, _public_url(), request.form, signature):
        abort(403)


@bp.post("/inbound")
@takes_raw_input  # every text is stored first, NUL and all (cleaned by handle_inbound)
def inbound() -> Response:
    """Record an inbound text and answer it with TwiML."""
    _require_twilio()
    form = request.form
    result = handle_inbound(
        form.get("From", ""), form.get("Body", ""), form.get("MessageSid") or None
    )
    return Response(twiml(result.reply), mimetype="text/xml")


@bp.post("/status")
def status() -> tuple[str, int]:
    """Record Twilio's delivery status of one of our texts."""
    _require_twilio()
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    state = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if sid and state:
        record_status(
            sid,
            state,
            error_code=form.get("ErrorCode") or None,
            message_id=request.args.get("m", type=int),
        )
    return "", 204
