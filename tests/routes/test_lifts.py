"""Coordinators take lift requests on the phone, list them, change and drop them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import LiftRequest
from app.models import LiftStatus
from app.models import RecurringLift
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident

TUESDAY = dt.date(2026, 12, 1)


def _lifts(db):
    return db.session.scalars(sa.select(LiftRequest).order_by(LiftRequest.id)).all()


def test_resident_search_finds_by_name_phone_and_postcode(client, coordinator, db):
    """The quick-entry search answers as JSON by name, a typed phone or a postcode."""
    joan = make_resident(first_name="Joan", last_name="Ayodele", phone="+447700900123")
    make_resident(first_name="Pat", last_name="Smith", postcode="RM10 9QS")
    for q in ("ayod", "07700 900123", "IG117NB", "joan ig11"):
        found = client.get(f"/lifts/residents.json?q={q}").get_json()["results"]
        assert [r["id"] for r in found] == [joan.id], q


def test_phone_call_path_books_a_lift_with_its_return(client, coordinator, db):
    """Choosing an activity fills the times; the outward and the return leg are stored."""
    resident = make_resident()
    activity = make_activity()
    response = client.post(
        "/lifts/new",
        data={
            "resident_id": str(resident.id),
            "day": TUESDAY.isoformat(),
            "activity_id": str(activity.id),
            "venue_id": "0",
            "with_return": "y",
            "purpose": "activity",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    outbound, back = _lifts(db)
    assert outbound.arrive_by == dt.time(9, 50) and back.pickup_earliest == dt.time(12)
    page = client.get(f"/lifts/?day={TUESDAY.isoformat()}").get_data(as_text=True)
    assert resident.full_name in page and "arrive by 9:50am" in page


def test_recurring_lift_creates_a_weekly_row(client, coordinator, db):
    """Ticking 'every week' books the first lift and a standing weekly lift."""
    resident = make_resident()
    activity = make_activity()
    client.post(
        "/lifts/new",
        data={
            "resident_id": str(resident.id),
            "day": TUESDAY.isoformat(),
            "activity_id": str(activity.id),
            "venue_id": "0",
            "purpose": "activity",
            "recurring": "y",
        },
    )
    rec = db.session.scalar(sa.select(RecurringLift))
    assert rec is not None and rec.weekday == 1 and rec.arrive_by == dt.time(9, 50)
    assert all(leg.recurring_id == rec.id for leg in _lifts(db))


def test_bad_destination_is_answered_next_to_the_field(client, coordinator, db):
    """An unknown postcode is shown by its field and what was typed is kept."""
    add_postcode()
    resident = make_resident()
    response = client.post(
        "/lifts/new",
        data={
            "resident_id": str(resident.id),
            "day": TUESDAY.isoformat(),
            "activity_id": "0",
            "venue_id": "0",
            "destination_address": "12 Nowhere Lane",
            "destination_postcode": "ZZ1 1ZZ",
            "arrive_by": "10:00",
            "purpose": "medical",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="destination_postcode-error"' in page
    assert 'value="12 Nowhere Lane"' in page and resident.full_name in page
    assert _lifts(db) == []


def test_no_resident_chosen_is_answered_on_the_form(client, coordinator, db):
    """Booking without choosing a resident says so next to the resident box."""
    response = client.post(
        "/lifts/new",
        data={"day": TUESDAY.isoformat(), "activity_id": "0", "venue_id": "0", "purpose": "other"},
    )
    assert 'id="resident_id-error"' in response.get_data(as_text=True)


def test_edit_changes_the_times(client, coordinator, db):
    """A coordinator moves the arrival time of a leg."""
    lift = make_lift()
    response = client.post(
        f"/lifts/{lift.id}/edit", data={"arrive_by": "11:15", "purpose": "medical"}
    )
    assert response.status_code == 302
    db.session.refresh(lift)
    assert lift.arrive_by == dt.time(11, 15) and lift.priority >= 90


def test_drop_needs_a_reason_and_records_the_outcome(client, coordinator, db):
    """Dropping without a reason is refused by the field; with one the status changes."""
    lift = make_lift(day=dt.date.today() + dt.timedelta(days=3))
    page = client.post(f"/lifts/{lift.id}/outcome", data={"outcome": "cancelled"}).get_data(
        as_text=True
    )
    assert 'id="reason-error"' in page
    client.post(f"/lifts/{lift.id}/outcome", data={"outcome": "cancelled", "reason": "in hospital"})
    db.session.refresh(lift)
    assert lift.status == LiftStatus.CANCELLED and lift.status_reason == "in hospital"


def test_no_show_closes_the_return_leg(client, coordinator, db):
    """A no-show on the way out means nobody rides home either."""
    resident = make_resident()
    out = make_lift(resident, day=dt.date.today())
    back = make_lift(
        resident, day=dt.date.today(), leg="return", outbound_id=out.id, arrive_by=dt.time(15)
    )
    client.post(f"/lifts/{out.id}/outcome", data={"outcome": "no_show", "reason": "not in"})
    db.session.refresh(back)
    assert back.status == LiftStatus.NO_SHOW


def test_viewer_sees_lifts_but_cannot_book_or_drop(client, viewer, db):
    """A viewer reads the list but gets 403 on every change."""
    lift = make_lift()
    assert client.get(f"/lifts/?day={lift.day.isoformat()}").status_code == 200
    page = client.get(f"/lifts/{lift.id}").get_data(as_text=True)
    assert "Drop it" not in page
    assert client.get("/lifts/new").status_code == 403
    assert (
        client.post(f"/lifts/{lift.id}/outcome", data={"outcome": "cancelled"}).status_code == 403
    )
