"""The dashboard shows tomorrow at a glance; the texts log shows what went in and out."""

from __future__ import annotations

import datetime as dt

from app.extensions import db as _db
from app.models import Alert
from app.models import AlertKind
from app.models import AvailabilityException
from app.models import LiftStatus
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.services.dashboard import tomorrow_at_a_glance
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

TODAY = dt.date(2026, 11, 30)
TOMORROW = TODAY + dt.timedelta(days=1)


def test_glance_counts_drivers_free_alerts_by_kind_and_expiring_dbs(app, db):
    """Free drivers follow availability and exceptions; alerts are counted by kind."""
    free = make_volunteer()
    off = make_volunteer()
    make_volunteer(dbs_valid_until=TODAY + dt.timedelta(days=10))
    db.session.add(AvailabilityException(volunteer_id=off.id, day=TOMORROW, available=False))
    db.session.add(Alert(kind=AlertKind.CALL_REQUESTED, phone="+447700900111", detail="call me"))
    db.session.add(Alert(kind=AlertKind.OPTED_OUT, phone="+447700900112"))
    make_lift(day=TOMORROW, status=LiftStatus.UNSERVED)
    db.session.commit()
    glance = tomorrow_at_a_glance(TODAY)
    assert glance.drivers_available == 2 and free.id
    assert glance.alerts_by_kind == {"call_requested": 1, "opted_out": 1}
    assert glance.dbs_expiring == 1 and len(glance.dbs_expiring_people) == 1
    assert glance.lifts_by_status == {"unserved": 1}


def test_dashboard_page_links_to_what_needs_doing(client, coordinator, db):
    """The page shows the tiles and the latest open alerts."""
    resident = make_resident(first_name="Cally")
    _db.session.add(
        Alert(kind=AlertKind.CALL_REQUESTED, phone=resident.phone, resident_id=resident.id)
    )
    _db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "asked for a call" in page and "Cally" in page and "not planned yet" in page


def _message(**values):
    row = Message(**values)
    _db.session.add(row)
    _db.session.commit()
    return row


def test_texts_log_filters_by_person_and_shows_errors(client, coordinator, db):
    """A failed text shows its error; the per-person view shows only their texts."""
    joan = make_resident(first_name="Joan")
    pat = make_resident(first_name="Pat")
    _message(
        direction=MessageDirection.OUTBOUND,
        phone=joan.phone,
        body="Your lift is at 9:30",
        status=MessageStatus.FAILED,
        error="Unreachable destination handset",
        error_code="30003",
        resident_id=joan.id,
    )
    _message(
        direction=MessageDirection.INBOUND,
        phone=pat.phone,
        body="YES",
        status=MessageStatus.RECEIVED,
        resident_id=pat.id,
        simulated=True,
    )
    page = client.get("/messages/?status=failed").get_data(as_text=True)
    assert "30003" in page and "Unreachable" in page and "YES" not in page
    page = client.get(f"/messages/?resident_id={pat.id}").get_data(as_text=True)
    assert "YES" in page and "simulated" in page and "9:30" not in page


def test_simulator_refuses_a_bad_number_by_the_field(client, coordinator):
    """A phone number that is not a UK number is answered next to the field."""
    page = client.post("/messages/simulator", data={"phone": "12", "body": "hi"}).get_data(
        as_text=True
    )
    assert 'id="phone-error"' in page


def test_viewer_cannot_use_the_simulator(client, viewer):
    """The simulator changes data, so a viewer is refused."""
    assert client.get("/messages/simulator").status_code == 403
    assert client.get("/messages/").status_code == 200


def test_simulated_text_goes_through_the_inbound_pipeline(client, coordinator, db):
    """A simulated text is stored as received and simulated, and shows in the conversation."""
    resident = make_resident(first_name="Sim", phone="+447700900333")
    response = client.post("/messages/simulator", data={"phone": "07700 900333", "body": "Hello"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hello" in page
    rows = db.session.scalars(_db.select(Message).where(Message.resident_id == resident.id)).all()
    assert any(m.direction == MessageDirection.INBOUND and m.simulated for m in rows)
