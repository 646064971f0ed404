"""Issue 10: every list that finds people finds the same people, by one search."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.factories import make_resident
from tests.factories import make_volunteer

# What a coordinator types with a caller on the line.
TYPED = [
    "Grace Khan",  # a full name
    "grace khan",
    "07700 900115",  # a phone as people say it
    "07700900115",
    "+44 7700 900115",
    "(07700) 900-115",
    "RM8 3HT",  # a postcode with its space
    "RM83HT",  # ... and without it
    "grace rm8",
]


@pytest.fixture()
def grace(db):
    person = make_resident(
        first_name="Grace", last_name="Khan", phone="+447700900115", postcode="RM8 3HT"
    )
    make_resident(
        first_name="Grace", last_name="Okafor", phone="+447700900116", postcode="IG11 7NB"
    )
    make_resident(first_name="Amir", last_name="Khanna", phone="+447700900999", postcode="RM10 9QS")
    return person


@pytest.mark.parametrize("typed", TYPED)
def test_the_lift_forms_finder_finds_grace(client, coordinator, grace, typed):
    """The lift form's resident finder (JSON) finds her by name, phone or postcode."""
    found = client.get(f"/lifts/residents.json?q={quote(typed)}").get_json()["results"]
    assert [r["id"] for r in found] == [grace.id], typed


@pytest.mark.parametrize("typed", TYPED)
def test_the_residents_page_finds_grace(client, coordinator, grace, typed):
    """The residents page finds exactly the residents the lift form finds (it found neither
    "Grace Khan" nor "07700 900115")."""
    page = client.get(f"/people/residents?q={quote(typed)}").get_data(as_text=True)
    assert "Grace Khan" in page, typed
    assert "Grace Okafor" not in page and "Amir Khanna" not in page, typed


@pytest.mark.parametrize("typed", ["Sue Patel", "07700 900501", "+447700900501", "RM10 9QS"])
def test_the_volunteers_page_finds_a_driver_the_same_way(client, coordinator, db, typed):
    """Volunteers are found by the same search: full name, phone in any spacing, postcode."""
    make_volunteer(first_name="Sue", last_name="Patel", phone="+447700900501", postcode="RM10 9QS")
    make_volunteer(first_name="Sue", last_name="Okoro", phone="+447700900502", postcode="IG11 7NB")
    page = client.get(f"/people/volunteers?q={quote(typed)}").get_data(as_text=True)
    assert "Sue Patel" in page and "Sue Okoro" not in page, typed


def test_a_percent_sign_is_taken_literally(client, coordinator, grace):
    """LIKE's wildcards typed into the box do not match everyone."""
    assert client.get("/lifts/residents.json?q=%25").get_json()["results"] == []
    page = client.get("/people/residents?q=_").get_data(as_text=True)
    assert "Grace Khan" not in page and "No residents found." in page


def test_the_residents_page_still_finds_archived_residents(client, coordinator, db):
    """The page finds archived people (to bring them back) when asked, and says how many it
    hid (issue 13: archived people are hidden by default); the lift finder never does."""
    make_resident(first_name="Olive", last_name="Gone", active=False)
    hidden = client.get("/people/residents?q=olive").get_data(as_text=True)
    assert "Olive Gone" not in hidden and "1 archived resident also matches" in hidden
    assert "Olive Gone" in client.get("/people/residents?q=olive&archived=1").get_data(as_text=True)
    assert client.get("/lifts/residents.json?q=olive").get_json()["results"] == []


@pytest.mark.parametrize("typed", ["07700 900115", "+44 7700 900115", "+447700900115"])
def test_the_texts_log_finds_a_number_typed_in_any_spacing(client, coordinator, grace, typed):
    """The texts log narrowed by phone takes the number as people type it (issue 10)."""
    from app.services import messaging

    messaging.send_text(grace, "Your lift is tomorrow.", kind="test")
    page = client.get(f"/messages/?phone={quote(typed)}").get_data(as_text=True)
    assert "Grace Khan" in page, typed
