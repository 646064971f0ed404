"""Coordinators register people through forms that answer mistakes next to the field."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Resident
from app.models import Volunteer
from tests.factories import add_postcode


def test_coordinator_registers_a_resident(client, coordinator, db):
    """A valid form creates the resident and shows their profile."""
    add_postcode()
    response = client.post(
        "/people/residents/new",
        data={
            "first_name": "Joan",
            "last_name": "Smith",
            "phone": "07700 900123",
            "postcode": "IG11 7NB",
            "mobility": "wheelchair",
            "risk_tier": "high",
            "gender": "female",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Joan Smith" in page and "07700 900123" in page


def test_bad_phone_is_answered_next_to_the_field_and_the_form_kept(client, coordinator, db):
    """The error sits by the phone field; what was typed stays; nothing is saved."""
    add_postcode()
    response = client.post(
        "/people/residents/new",
        data={
            "first_name": "Joan",
            "last_name": "Smith",
            "phone": "0770",
            "postcode": "IG11 7NB",
            "mobility": "none",
            "risk_tier": "medium",
            "gender": "unstated",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="phone-error"' in page and "not a valid UK phone number" in page
    assert 'value="Joan"' in page and 'value="IG11 7NB"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


def test_duplicate_volunteer_phone_shown_on_the_form(client, coordinator, db):
    """A second volunteer with the same number is refused on the form, not with a 500."""
    data = {
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
    assert client.post("/people/volunteers/new", data=data).status_code == 302
    response = client.post("/people/volunteers/new", data=data)
    assert response.status_code == 200
    assert "already has the number" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Volunteer)) == 1


def test_search_residents_by_postcode(client, coordinator, db):
    """The list finds a resident by part of their postcode."""
    from tests.factories import make_resident

    make_resident(first_name="Mabel", postcode="RM8 3HT")
    make_resident(first_name="Zed", postcode="IG11 7NB")
    page = client.get("/people/residents?q=RM8").get_data(as_text=True)
    assert "Mabel" in page and "Zed" not in page


def test_unknown_resident_is_a_friendly_404(client, coordinator):
    """A missing record is a 404 page in plain words."""
    response = client.get("/people/residents/9999")
    assert response.status_code == 404
    assert "no resident number 9999" in response.get_data(as_text=True)
