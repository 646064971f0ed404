"""Nothing personal in the logs (issue 14): a whole day's story, logged at DEBUG, names no one.

A coordinator looks a resident up, books her a lift, plans and publishes the day on the embedded
default (texts are logged, not sent), the driver accepts by text, the resident texts in, and a
page fails with a database error that carries her name. Every captured record (message, args and
traceback) is then searched for her and her driver's names, phones, addresses and postcodes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import LiftRequest
from app.models import Message
from app.sms import sign_request
from tests.conftest import make_test_app
from tests.conftest import sign_in
from tests.factories import make_activity
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.twilio_standin import AUTH_TOKEN
from tests.twilio_standin import TwilioStandIn

PUBLIC = "https://rota.example"
DAY = dt.date.today() + dt.timedelta(days=1)

RESIDENT = {
    "first_name": "Philippa",
    "last_name": "Quarrington",
    "phone": "+447700900533",
    "address": "28 Movers Lane",
    "postcode": "RM6 5JX",
}
DRIVER = {
    "first_name": "Ottoline",
    "last_name": "Brackenbury",
    "phone": "+447700900771",
    "address": "3 Whalebone Grove",
    "postcode": "RM8 1AB",
}


def _phone_forms(e164: str) -> list[str]:
    """A UK mobile as people write it: +44…, 44…, 07…, with or without spaces."""
    national = "0" + e164.removeprefix("+44")
    return [
        e164,
        e164.removeprefix("+"),
        national,
        f"{national[:5]} {national[5:]}",
        f"{national[:5]} {national[5:8]} {national[8:]}",
        f"+44 {national[1:5]} {national[5:]}",
    ]


def identifiers(*people: dict[str, str]) -> list[str]:
    """Everything that identifies these people, in every form a log line might hold it."""
    found: list[str] = []
    for person in people:
        found += [person["first_name"], person["last_name"], person["address"]]
        found += [person["postcode"], person["postcode"].replace(" ", "")]
        found += _phone_forms(person["phone"])
    return found


def record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """What a handler could write of each record: message, raw args and the traceback."""
    formatter = logging.Formatter()
    texts = []
    for record in records:
        parts = [str(record.msg), repr(record.args), record.getMessage()]
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        texts.append(" | ".join(parts))
    return texts


def leaks(records: Iterable[logging.LogRecord], people: list[str]) -> list[str]:
    """The captured lines that contain any of ``people``'s identifiers (case-insensitive)."""
    pattern = re.compile("|".join(re.escape(p) for p in people), re.IGNORECASE)
    return [text for text in record_texts(records) if pattern.search(text)]


@pytest.fixture()
def story_app() -> Flask:
    """The embedded default (texts logged), signed webhooks, short plans, real 500 pages."""
    app = make_test_app(
        PROPAGATE_EXCEPTIONS=False,
        TESTING=False,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PUBLIC_BASE_URL=PUBLIC,
        PLAN_TIME_LIMIT_S=1,
    )

    @app.get("/_fails_with_her_name")
    def fails_with_her_name() -> str:
        # A bug that sends her details to the database in a statement that fails.
        db.session.execute(
            sa.text("INSERT INTO residents (first_name, last_name, address) VALUES (:f, :l, :a)"),
            {"f": RESIDENT["first_name"], "l": RESIDENT["last_name"], "a": RESIDENT["address"]},
        )
        return "not reached"

    return app


def _text_in(client: FlaskClient, phone: str, body: str, sid: str) -> None:
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+447700900999",
        "Body": body,
        "NumMedia": "0",
    }
    signature = sign_request(AUTH_TOKEN, PUBLIC + "/sms/inbound", form)
    response = client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.get_data(as_text=True)


def _plan_and_publish(client: FlaskClient) -> None:
    assert client.post("/rota/plan", data={"day": DAY.isoformat()}).status_code == 302
    deadline = time.monotonic() + 60
    status: dict[str, str] = {}
    while time.monotonic() < deadline:
        status = client.get(f"/rota/status.json?day={DAY.isoformat()}").get_json()
        if status["state"] in ("finished", "failed"):
            break
        time.sleep(0.1)
    assert status["state"] == "finished", status
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    plan_id = int(page.split("/rota/plans/")[1].split("/")[0])
    published = client.post(f"/rota/plans/{plan_id}/publish", follow_redirects=True)
    assert "Published. Texts queued for 1 driver and 1 resident" in published.get_data(as_text=True)


def test_a_whole_day_leaves_no_name_phone_or_postcode_in_the_logs(
    story_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Book, plan, publish, text both ways and fail once: the logs say what happened, not who."""
    client = story_app.test_client()
    with story_app.app_context():
        caplog.set_level(logging.DEBUG)
        sign_in(client)
        resident = make_resident(**RESIDENT)
        make_volunteer(**DRIVER)
        activity = make_activity(make_venue(name="Valence Library"), weekday=DAY.weekday())
        for q in (RESIDENT["last_name"], "07700 900533", RESIDENT["postcode"]):
            found = client.get(f"/lifts/residents.json?q={q}").get_json()["results"]
            assert [r["id"] for r in found] == [resident.id], q
        booked = client.post(
            "/lifts/new",
            data={
                "resident_id": str(resident.id),
                "day": DAY.isoformat(),
                "activity_id": str(activity.id),
                "venue_id": "0",
                "purpose": "activity",
            },
        )
        assert booked.status_code == 302, booked.get_data(as_text=True)
        _plan_and_publish(client)
        _text_in(client, DRIVER["phone"], "YES", "SM" + "d" * 32)
        _text_in(client, RESIDENT["phone"], "HELP", "SM" + "r" * 32)
        assert client.get(f"/people/residents?q={RESIDENT['last_name']}").status_code == 200
        failed = client.get("/_fails_with_her_name")
        assert failed.status_code == 500

        # The story happened: texts went out both ways and were logged as sent.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LiftRequest)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) >= 4
    logged = [r.getMessage() for r in caplog.records]
    assert any(re.search(r"text \d+ sent", line) for line in logged), logged
    assert any("unexpected error on /_fails_with_her_name" in line for line in logged)
    assert leaks(caplog.records, identifiers(RESIDENT, DRIVER)) == []


def test_the_dev_server_access_line_keeps_the_path_and_drops_the_query(
    story_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """`flask run` (the demo) logs each request; a search's ?q= stays out of that line."""
    caplog.set_level(logging.INFO)
    line = f"GET /lifts/residents.json?q={RESIDENT['last_name']}&phone=07700900533 HTTP/1.1"
    logging.getLogger("werkzeug").info('127.0.0.1 - - [02/Dec/2026] "%s" %s %s', line, "200", "-")
    (record,) = [r for r in caplog.records if r.name == "werkzeug"]
    assert '"GET /lifts/residents.json HTTP/1.1" 200' in record.getMessage()
    assert leaks([record], identifiers(RESIDENT)) == []


def test_texts_through_twilio_leave_no_number_or_words_in_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Twilio's SDK logs each request at INFO; a lookup's query names the number it looks for."""
    with TwilioStandIn() as twilio:
        app = make_test_app(**twilio.config())
        with app.app_context():
            caplog.set_level(logging.DEBUG)
            sender = app.extensions["sms_sender"]
            since = dt.datetime.now(dt.UTC)
            words = f"Hi {DRIVER['first_name']}, pick up at {RESIDENT['address']}"
            receipt = sender.send(RESIDENT["phone"], words)
            found = sender.lookup(RESIDENT["phone"], words, since=since)
            assert found is not None and found.provider_sid == receipt.provider_sid
    assert leaks(caplog.records, identifiers(RESIDENT, DRIVER)) == []
