"""Staff keep venues, activities and the service directory up to date."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import Activity
from app.models import Service
from tests.factories import add_postcode
from tests.factories import make_venue


def test_coordinator_adds_a_venue_and_an_activity(client, coordinator, db):
    """A venue is located by postcode; an activity at it appears on the places page."""
    add_postcode()
    response = client.post(
        "/places/venues/new",
        data={"name": "Barking Hub", "postcode": "ig11 7nb", "step_free": "y"},
    )
    assert response.status_code == 302
    page = client.get("/places/").get_data(as_text=True)
    assert "Barking Hub" in page and "IG11 7NB" in page
    venue = make_venue(name="Valence")
    response = client.post(
        "/places/activities/new",
        data={
            "name": "Choir",
            "venue_id": str(venue.id),
            "weekday": "1",
            "start_time": "10:00",
            "end_time": "12:00",
            "interests": "Singing, music",
            "active": "y",
        },
    )
    assert response.status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert activity.start_time == dt.time(10) and activity.interests == ["singing", "music"]


def test_activity_ending_before_it_starts_is_answered_by_the_field(client, coordinator, db):
    """The error sits by the end time and the name typed is kept."""
    venue = make_venue()
    page = client.post(
        "/places/activities/new",
        data={
            "name": "Chair yoga",
            "venue_id": str(venue.id),
            "weekday": "2",
            "start_time": "11:00",
            "end_time": "10:00",
        },
    ).get_data(as_text=True)
    assert 'id="end_time-error"' in page and 'value="Chair yoga"' in page


def test_service_directory_admin_feeds_the_public_page(app, client, coordinator, db):
    """A service added by staff shows on the public directory; removing it takes it off."""
    client.post(
        "/places/services/new",
        data={"name": "Talking Therapies", "phone": "0300 300 1554", "category": "Mental health"},
    )
    service = db.session.scalar(sa.select(Service))
    public = app.test_client()
    assert "0300 300 1554" in public.get("/directory/").get_data(as_text=True)
    client.post(f"/places/services/{service.id}/delete")
    assert "0300 300 1554" not in public.get("/directory/").get_data(as_text=True)


def test_bad_service_website_is_refused_by_the_field(client, coordinator, db):
    """A website without https:// is answered next to the field."""
    page = client.post(
        "/places/services/new", data={"name": "MIND", "url": "mind.org.uk"}
    ).get_data(as_text=True)
    assert 'id="url-error"' in page


def test_viewer_cannot_change_places(client, viewer, db):
    """A viewer sees the pages without edit links and gets 403 on forms."""
    make_venue(name="Valence")
    page = client.get("/places/").get_data(as_text=True)
    assert "Valence" in page and "Add a venue" not in page
    assert client.get("/places/venues/new").status_code == 403
    assert client.post("/places/services/new", data={"name": "X"}).status_code == 403
