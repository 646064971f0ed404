"""Input that used to crash pages (issue 11): NUL bytes, huge fields and numbers, far dates.

Each test here failed on the main branch before issue 11 (a 500, a stored 1800 birthday, a
lift in 9999, a lost text, an alert per request).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Alert
from app.models import Message
from app.models import Resident
from app.models import Volunteer
from app.services import conversations
from app.services import input_rules
from tests.factories import add_postcode
from tests.factories import make_resident
from tests.fakes import install_fake_sms
from tests.routes.test_sms import PUBLIC
from tests.routes.test_sms import inbound_form
from tests.routes.test_sms import post_signed
from tests.twilio_standin import AUTH_TOKEN

RESIDENT = {
    "first_name": "Joan",
    "last_name": "Smith",
    "phone": "07700 900123",
    "postcode": "IG11 7NB",
    "mobility": "none",
    "risk_tier": "medium",
    "gender": "female",
}
VOLUNTEER = {
    "first_name": "Ann",
    "last_name": "Lee",
    "phone": "07700 900200",
    "is_driver": "y",
    "car_seats": "3",
    "wheelchair_spaces": "0",
    "max_drive_minutes": "240",
    "befriend_capacity": "0",
    "gender": "female",
}


def _count(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_nul_byte_in_a_form_field_is_a_clear_400(client: FlaskClient, coordinator) -> None:
    """NUL in a form field: a plain 400 naming the field, nothing saved (was a 500 on PG)."""
    add_postcode()
    response = client.post("/people/residents/new", data={**RESIDENT, "last_name": "Sm\x00ith"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Last name contains a NUL byte" in page
    assert _count(Resident) == 0


def test_a_control_character_in_a_query_is_a_clear_400(client: FlaskClient, coordinator) -> None:
    """A search with a control character is refused in words, not sent to the database."""
    response = client.get("/people/residents?q=a%00b")
    assert response.status_code == 400
    assert "cannot be stored" in response.get_data(as_text=True)
    assert client.get("/people/residents?q=a%0Bb").status_code == 400


def test_a_ten_thousand_character_first_name_is_answered_by_the_field(
    client: FlaskClient, coordinator
) -> None:
    """The column's length is the rule: the error sits by the field, the form is kept."""
    add_postcode()
    response = client.post("/people/residents/new", data={**RESIDENT, "first_name": "J" * 10_000})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="first_name-error"' in page and "First name is too long" in page
    assert _count(Resident) == 0


def test_a_huge_car_seats_number_is_refused_by_the_field(client: FlaskClient, coordinator) -> None:
    """car_seats=99999999999999999999 is a clear error, not an integer overflow."""
    response = client.post(
        "/people/volunteers/new", data={**VOLUNTEER, "car_seats": "99999999999999999999"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Car seats must be between" in page
    assert _count(Volunteer) == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1900-01-01"])
def test_far_days_on_the_rota_page_are_a_clear_400(
    client: FlaskClient, coordinator, day: str
) -> None:
    """/rota/?day=9999-12-31 and 0001-01-01 answer 400 in words (were 500)."""
    response = client.get(f"/rota/?day={day}")
    assert response.status_code == 400
    assert "between 2000 and 2100" in response.get_data(as_text=True)
    assert client.get(f"/lifts/?day={day}").status_code == 400


def test_huge_ids_find_nothing(client: FlaskClient, coordinator) -> None:
    """Ids too big for the database are 'not found', in the address or the query string."""
    huge = "99999999999999999999999"
    response = client.get(f"/messages/?resident_id={huge}")
    assert response.status_code == 200
    assert client.get(f"/people/residents/{huge}").status_code == 404
    assert client.get(f"/lifts/{2**31}").status_code == 404


@pytest.mark.parametrize("born", ["1800-05-01", "2090-01-01"])
def test_dates_of_birth_are_bounded(client: FlaskClient, coordinator, born: str) -> None:
    """Births in 1800 or 2090 are refused by the field."""
    add_postcode()
    response = client.post("/people/residents/new", data={**RESIDENT, "date_of_birth": born})
    assert response.status_code == 200
    assert "between 1900 and today" in response.get_data(as_text=True)
    assert _count(Resident) == 0


@pytest.fixture()
def signed(app: Flask) -> Flask:
    app.config.update(TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=PUBLIC)
    install_fake_sms(app)
    return app


def test_an_inbound_text_with_a_nul_byte_is_stored_and_answered(
    client: FlaskClient, signed: Flask
) -> None:
    """A NUL in a text: stored (with the NUL replaced) and the sender gets a reply."""
    make_resident(phone="+447700900123", first_name="Joan")
    response = post_signed(client, "/sms/inbound", inbound_form("+447700900123", "HELP\x00 me"))
    assert response.status_code == 200
    assert "<Message>" in response.get_data(as_text=True)
    stored = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
    assert stored is not None and stored.body == "HELP\ufffd me"


def test_a_webhook_without_from_opens_no_alert_each_time(
    client: FlaskClient, signed: Flask
) -> None:
    """Texts with no sender are kept, but do not open a new alert every time."""
    for n in range(3):
        form = inbound_form("", f"hello {n}", sid=f"SM{n:032d}")
        del form["From"]
        assert post_signed(client, "/sms/inbound", form).status_code == 200
    assert _count(Message) == 3
    assert _count(Alert) <= 1


def test_an_inbound_text_is_kept_when_handling_it_fails(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever breaks after the text arrives, the text is stored and staff are asked to read it."""
    make_resident(phone="+447700900123")

    def broken(*args: object, **kwargs: object) -> None:
        msg = "simulated failure"
        raise RuntimeError(msg)

    monkeypatch.setattr(conversations, "_respond", broken)
    with pytest.raises(RuntimeError):
        conversations.handle_inbound("+447700900123", "LIFT tuesday", "SM" + "b" * 32)
    db.session.rollback()
    stored = db.session.scalars(sa.select(Message)).all()
    assert [m.body for m in stored] == ["LIFT tuesday"]
    alert = db.session.scalar(sa.select(Alert))
    assert alert is not None and "could not be handled" in alert.detail


def test_the_rules_in_one_place() -> None:
    """The character, length and date rules answer as documented."""
    assert input_rules.bad_character("tab\tand\nnewline\r") is None
    assert input_rules.bad_character("a\x00b") == "a NUL byte"
    assert input_rules.bad_character("a\x1bb") == "a control character (U+001B)"
    assert input_rules.bad_character("a\x85b") == "a control character (U+0085)"
    assert input_rules.clean_inbound_text("a\x00b") == "a\ufffdb"
    assert len(input_rules.clean_inbound_text("x" * 100_000)) == input_rules.MAX_INBOUND_CHARS
    assert input_rules.parse_id("12") == 12
    assert input_rules.parse_id("99999999999999999999") is None
    assert input_rules.parse_id("-1") is None and input_rules.parse_id("１２") is None
    today = dt.date(2026, 12, 1)
    assert input_rules.check_lift_day(today, today=today) == today
    assert input_rules.check_birth_date(dt.date(1900, 1, 1), today=today)
