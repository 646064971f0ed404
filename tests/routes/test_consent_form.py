"""Staff record consent on a person's form: each box changed is history with how and who,
an untouched form records nothing, and the person's page shows it (issue 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ConsentPurpose
from app.models import ConsentRecord
from app.models import Resident
from app.services import consent
from tests.factories import add_postcode
from tests.factories import make_resident
from tests.factories import make_volunteer

JOAN = {
    "first_name": "Joan",
    "last_name": "Smith",
    "phone": "07700 900123",
    "postcode": "IG11 7NB",
    "mobility": "none",
    "risk_tier": "medium",
    "gender": "female",
}


def _box(response: Any, name: str) -> str:
    """The <input> tag of one checkbox on the page."""
    page = response.get_data(as_text=True)
    at = page.index(f'id="{name}"')
    return page[page.rindex("<input", 0, at) : page.index(">", at)]


def _records() -> list[ConsentRecord]:
    return list(db.session.scalars(sa.select(ConsentRecord).order_by(ConsentRecord.id)))


def test_registering_with_consents_ticked_records_each_with_how_and_who(
    client: FlaskClient, coordinator: Any
) -> None:
    """Joan agreed on paper to texts and to a befriender: two rows, 'paper', Cora's name."""
    add_postcode()
    form = JOAN | {
        "sms_consent": "y",
        "wants_befriender": "y",
        "befriending_consent": "y",
        "consent_how": "paper",
    }
    page = client.post("/people/residents/new", data=form, follow_redirects=True)
    assert page.status_code == 200
    rows = _records()
    assert {(r.purpose, r.given, r.how, r.staff_user_id) for r in rows} == {
        ("texts", True, "paper", coordinator.id),
        ("befriending_introductions", True, "paper", coordinator.id),
    }
    text = page.get_data(as_text=True)
    assert "<td>given</td><td>paper</td><td>Coordinator</td>" in text
    assert "<td>withdrawn</td>" not in text


def test_unticking_texts_on_the_phone_withdraws_and_an_untouched_save_adds_nothing(
    client: FlaskClient, coordinator: Any
) -> None:
    """The edit form shows the boxes as they stand; untick texts: withdrawn by phone call."""
    add_postcode()
    joan = make_resident(first_name="Joan", last_name="Smith", phone="+447700900123")
    assert "checked" in _box(client.get(f"/people/residents/{joan.id}/edit"), "sms_consent")
    same = JOAN | {"sms_consent": "y", "consent_how": "phone call"}
    client.post(f"/people/residents/{joan.id}/edit", data=same)
    assert _records() == []
    client.post(f"/people/residents/{joan.id}/edit", data=JOAN | {"consent_how": "phone call"})
    [row] = _records()
    assert (row.purpose, row.given, row.how) == ("texts", False, "phone call")
    db.session.expire_all()
    assert not consent.allows(db.session.get(Resident, joan.id), ConsentPurpose.TEXTS)


def test_saving_the_address_of_someone_who_texted_stop_keeps_them_opted_out(
    client: FlaskClient, coordinator: Any
) -> None:
    """Opted out by STOP: the box shows unticked, so saving other details changes nothing."""
    add_postcode()
    joan = make_resident(
        first_name="Joan",
        last_name="Smith",
        phone="+447700900123",
        opted_out_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    assert "checked" not in _box(client.get(f"/people/residents/{joan.id}/edit"), "sms_consent")
    client.post(f"/people/residents/{joan.id}/edit", data=JOAN | {"address": "2 New Road"})
    db.session.expire_all()
    assert db.session.get(Resident, joan.id).opted_out_at is not None
    assert _records() == []


def test_an_unknown_way_of_telling_us_is_refused_and_nothing_is_stored(
    client: FlaskClient, coordinator: Any
) -> None:
    """A forged 'how' is answered on the form; no resident, no consent row."""
    add_postcode()
    page = client.post(
        "/people/residents/new", data=JOAN | {"sms_consent": "y", "consent_how": "pigeon"}
    )
    assert page.status_code == 200 and "Not a valid choice" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0
    assert _records() == []


def test_a_volunteers_page_shows_their_consent_history(
    client: FlaskClient, coordinator: Any
) -> None:
    """Dev withdrew texts by phone: his page says so, with the lawful basis of each purpose."""
    dev = make_volunteer(first_name="Dev")
    consent.record_consent(
        dev,
        ConsentPurpose.TEXTS,
        given=False,
        how=consent.ConsentHow.PHONE,
        staff_id=coordinator.id,
    )
    db.session.commit()
    page = client.get(f"/people/volunteers/{dev.id}").get_data(as_text=True)
    assert "withdrawn" in page and "phone call" in page and "PECR" in page
    assert f"/admin/audit?kind=volunteer&amp;person_id={dev.id}" in page


def test_the_profile_says_texts_not_agreed_after_a_stop(
    client: FlaskClient, coordinator: Any
) -> None:
    """Joan texted STOP: her profile's Texts line says 'not agreed', as the sender decides."""
    joan = make_resident(opted_out_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    page = client.get(f"/people/residents/{joan.id}").get_data(as_text=True)
    assert "<dt>Texts</dt><dd>not agreed</dd>" in page
