"""The /calls page (issue 13): viewers see who to phone, coordinators tick a call with a note."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import Alert
from app.models import AlertKind
from app.services import clock
from app.services.messaging import add_alert
from tests.conftest import sign_in
from tests.factories import make_lift
from tests.factories import make_resident

LANDLINE = "+442082270001"


def _landline_with_a_lift() -> None:
    lena = make_resident(first_name="Lena", last_name="Landline", phone=LANDLINE)
    make_lift(lena, day=clock.today() + dt.timedelta(days=1))


def test_the_list_shows_why_and_a_tel_link(client, viewer, db):
    """A viewer sees the person, why in words and the number to tap; no tick for them."""
    _landline_with_a_lift()
    page = client.get("/calls/").get_data(as_text=True)
    assert "Lena Landline" in page and "not a mobile" in page
    assert f'href="tel:{LANDLINE}"' in page and "020 8227 0001" in page
    assert "mark done" not in page


def test_a_viewer_cannot_tick(client, viewer, db):
    """Viewers look; ticking is for coordinators (403 with a sentence)."""
    joan = make_resident()
    alert = add_alert(AlertKind.CALL_REQUESTED, "call me", person=joan)
    db.session.commit()
    response = client.post("/calls/done", data={"key": f"alert:{alert.id}", "note": "x"})
    assert response.status_code == 403
    db.session.refresh(alert)
    assert alert.resolved_at is None


def test_a_coordinator_ticks_a_call_with_a_note(client, db):
    """The tick closes the alert with the note and the list says so."""
    staff = sign_in(client, "coordinator")
    joan = make_resident(first_name="Joan", last_name="Caller")
    alert = add_alert(AlertKind.CALL_REQUESTED, "Joan asked for a call.", person=joan)
    db.session.commit()
    page = client.get("/calls/").get_data(as_text=True)
    assert "Joan Caller" in page and "mark done" in page
    response = client.post("/calls/done", data={"key": f"alert:{alert.id}", "note": "Rang; fine."})
    assert response.status_code == 302
    page = client.get("/calls/").get_data(as_text=True)
    assert "Recorded: you phoned Joan Caller." in page and "Nobody to phone right now." in page
    done = db.session.scalar(sa.select(Alert).where(Alert.id == alert.id))
    assert done.resolved_by_id == staff.id and done.resolved_note == "Rang; fine."


def test_a_stale_or_forged_tick_is_a_message_not_a_crash(client, coordinator, db):
    """A key not on the list (or an alert already done) is explained on the page."""
    response = client.post("/calls/done", data={"key": "alert:99999", "note": ""})
    assert response.status_code == 302
    page = client.get("/calls/").get_data(as_text=True)
    assert "There is no alert number 99999." in page
    client.post("/calls/done", data={"key": "garbage", "note": "fine"})
    page = client.get("/calls/").get_data(as_text=True)
    assert "That call is not on the list" in page
    refused = client.post("/calls/done", data={"key": "garbage", "note": "\x00"})
    assert refused.status_code == 400 and "NUL byte" in refused.get_data(as_text=True)


def test_nav_and_dashboard_link_to_the_call_list(client, viewer, db):
    """Calls are one click from every page and from the dashboard."""
    page = client.get("/").get_data(as_text=True)
    assert page.count('href="/calls/"') >= 2
