"""Issue 13: on the form, a likely duplicate is flagged with a link to the existing record and
saved only after "This is a different person" is ticked."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Resident
from app.models import Volunteer
from tests.factories import add_postcode
from tests.factories import make_volunteer

HELEN = {
    "first_name": "Helen",
    "last_name": "Okoro",
    "address": "12 Ripple Road",
    "postcode": "IG11 7NB",
    "mobility": "none",
    "risk_tier": "medium",
    "gender": "female",
}


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_second_helen_is_flagged_with_a_link_and_not_saved(client, coordinator, db):
    add_postcode()
    assert client.post("/people/residents/new", data=HELEN).status_code == 302
    first = db.session.scalar(sa.select(Resident))
    page = client.post("/people/residents/new", data=HELEN).get_data(as_text=True)
    assert "This may be someone we already have" in page
    assert f'href="/people/residents/{first.id}"' in page
    assert "the same name and postcode" in page
    assert 'name="not_a_duplicate"' in page and 'value="Helen"' in page
    assert _count(db, Resident) == 1


def test_ticking_different_person_saves_the_second_helen(client, coordinator, db):
    add_postcode()
    client.post("/people/residents/new", data=HELEN)
    response = client.post("/people/residents/new", data={**HELEN, "not_a_duplicate": "yes"})
    assert response.status_code == 302
    assert _count(db, Resident) == 2


def test_a_volunteer_with_the_same_email_is_flagged(client, coordinator, db):
    existing = make_volunteer(first_name="Helen", last_name="Okoro", email="helen@example.org")
    data = {
        "first_name": "H",
        "last_name": "Okoro",
        "phone": "07700 900444",
        "email": "Helen@Example.org",
        "is_driver": "y",
        "car_seats": "3",
        "wheelchair_spaces": "0",
        "max_drive_minutes": "240",
        "befriend_capacity": "0",
        "gender": "female",
    }
    page = client.post("/people/volunteers/new", data=data).get_data(as_text=True)
    assert f'href="/people/volunteers/{existing.id}"' in page and "the same email" in page
    assert _count(db, Volunteer) == 1
