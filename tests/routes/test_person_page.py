"""Issue 13: a person's page shows their story and a 'Book a lift' button; the forms take an
emergency contact and a friend to ride with, and show every problem at once in a summary."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import Gender
from app.models import LiftStatus
from app.models import RecurringLift
from app.models import Resident
from app.services import clock
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer


def test_a_residents_page_tells_her_story(client, coordinator, db):
    born = clock.today() - dt.timedelta(days=365 * 80 + 30)
    joan = make_resident(
        first_name="Joan",
        last_name="Story",
        date_of_birth=born,
        gender=Gender.FEMALE,
        prefers_female_driver=True,
        emergency_name="Ann Story",
        emergency_relation="daughter",
        emergency_phone="+447700900999",
    )
    make_lift(joan, day=clock.today() + dt.timedelta(days=3))
    make_lift(joan, day=clock.today() - dt.timedelta(days=7), status=LiftStatus.NO_SHOW)
    page = client.get(f"/people/residents/{joan.id}").get_data(as_text=True)
    assert f'href="/lifts/new?resident_id={joan.id}"' in page and "Book a lift" in page
    assert "80 years old; female; prefers a female driver" in page
    assert "Ann Story (daughter), 07700 900999" in page
    assert "Lifts coming" in page and "Lifts before" in page and "no show" in page
    assert "Standing weekly lifts" in page and "Recent texts" in page and "Open alerts" in page
    assert f'href="/messages/?resident_id={joan.id}"' in page
    assert "<title>Joan Story" in page and "Archive</h2>" in page


def test_a_viewer_sees_the_story_but_no_booking_button(client, viewer, db):
    joan = make_resident()
    page = client.get(f"/people/residents/{joan.id}").get_data(as_text=True)
    assert "Lifts coming" in page and "Book a lift" not in page


def test_a_volunteers_page_shows_routes_pairings_and_availability(client, coordinator, db):
    dev = make_volunteer(
        first_name="Dev", is_befriender=True, emergency_name="Raj", emergency_phone="+447700900998"
    )
    page = client.get(f"/people/volunteers/{dev.id}").get_data(as_text=True)
    assert "Routes" in page and "No published routes." in page
    assert (
        "Befriending" in page and "Days off and extra hours" in page and "Raj, 07700 900998" in page
    )


def _resident_form(**kw) -> dict[str, str]:
    data = {
        "first_name": "Mabel",
        "last_name": "Friend",
        "postcode": "IG11 7NB",
        "mobility": "none",
        "risk_tier": "medium",
        "gender": "female",
    }
    data.update(kw)
    return data


def test_a_friend_to_ride_with_and_an_emergency_contact_are_saved(client, coordinator, db):
    add_postcode()
    grace = make_resident(first_name="Grace", last_name="Khan", postcode="RM8 3HT")
    response = client.post(
        "/people/residents/new",
        data=_resident_form(
            ride_with="grace khan rm8",
            emergency_name="Tom Friend",
            emergency_relation="son",
            emergency_phone="07700 900321",
        ),
    )
    assert response.status_code == 302
    mabel = db.session.scalar(sa.select(Resident).where(Resident.last_name == "Friend"))
    assert mabel.ride_with_id == grace.id and mabel.emergency_phone == "+447700900321"
    page = client.get(f"/people/residents/{mabel.id}").get_data(as_text=True)
    assert "Grace Khan</a> (we try to put them in the same car)" in page
    edit = client.get(f"/people/residents/{mabel.id}/edit").get_data(as_text=True)
    assert 'value="Grace Khan RM8 3HT"' in edit


def test_every_problem_shows_at_once_in_an_error_summary(client, coordinator, db):
    """On main only the first problem showed; now all of them, linked to their fields."""
    add_postcode()
    page = client.post(
        "/people/residents/new",
        data=_resident_form(
            first_name="",
            phone="0770",
            date_of_birth="2026-13-45",
            emergency_phone="07700 900321",
            ride_with="nobody like this",
        ),
    ).get_data(as_text=True)
    assert "There is a problem" in page and "data-focus-on-load" in page
    for anchor in ("first_name", "phone", "date_of_birth", "emergency_name", "ride_with"):
        assert f'href="#{anchor}"' in page, anchor
    assert "Please enter a first name." in page and "not a valid UK phone number" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


def test_volunteer_form_shows_all_problems(client, coordinator, db):
    page = client.post(
        "/people/volunteers/new",
        data={
            "first_name": "",
            "last_name": "",
            "phone": "",
            "car_seats": "x",
            "max_drive_minutes": "0",
            "gender": "female",
        },
    ).get_data(as_text=True)
    for anchor in (
        "first_name",
        "last_name",
        "phone",
        "is_driver",
        "car_seats",
        "max_drive_minutes",
    ):
        assert f'href="#{anchor}"' in page, anchor


def _standing(joan, choir) -> RecurringLift:
    rec = RecurringLift(
        resident_id=joan.id,
        activity_id=choir.id,
        weekday=1,
        starts_on=clock.today(),
        arrive_by=dt.time(9, 50),
    )
    from app.extensions import db

    db.session.add(rec)
    db.session.commit()
    return rec


def test_standing_lifts_are_listed_per_person_and_per_activity_and_editable(
    client, coordinator, db
):
    joan = make_resident(first_name="Joan", last_name="Weekly")
    choir = make_activity(name="Tuesday Choir")
    rec = _standing(joan, choir)
    person = client.get(f"/people/residents/{joan.id}").get_data(as_text=True)
    assert "Tuesday" in person and "Tuesday Choir" in person
    assert f'href="/lifts/standing/{rec.id}"' in person
    per_activity = client.get(f"/places/activities/{choir.id}/standing").get_data(as_text=True)
    assert "Joan Weekly" in per_activity and "1 running." in per_activity
    bad = client.post(
        f"/lifts/standing/{rec.id}",
        data={"arrive_by": "", "pickup_earliest": "", "ends_on": "2000-01-01"},
    ).get_data(as_text=True)
    assert 'href="#arrive_by"' in bad and 'href="#ends_on"' in bad
    ok = client.post(f"/lifts/standing/{rec.id}", data={"arrive_by": "10:15"})
    assert ok.status_code == 302
    db.session.refresh(rec)
    assert rec.arrive_by == dt.time(10, 15)
    client.post(f"/lifts/standing/{rec.id}", data={"arrive_by": "10:15", "stopped": "y"})
    db.session.refresh(rec)
    assert rec.active is False


def test_a_standing_lift_stopped_cancels_the_weeks_it_booked(client, coordinator, db):
    joan = make_resident()
    rec = _standing(joan, make_activity())
    later = make_lift(joan, day=clock.today() + dt.timedelta(days=7), recurring_id=rec.id)
    client.post(f"/lifts/standing/{rec.id}", data={"arrive_by": "09:50", "stopped": "y"})
    db.session.refresh(later)
    assert later.status == LiftStatus.CANCELLED and later.status_reason == "standing lift ended"


def test_an_archived_resident_cannot_be_booked(client, coordinator, db):
    joan = make_resident(active=False)
    page = client.get(f"/people/residents/{joan.id}").get_data(as_text=True)
    assert "Book a lift" not in page
