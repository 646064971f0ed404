"""Coordinators edit a volunteer's weekly availability and dated exceptions."""

from __future__ import annotations

import datetime as dt

from app.services.people import availability_on
from tests.factories import make_volunteer


def test_weekly_pattern_is_replaced(client, coordinator, db):
    """Two windows on Monday and one on Friday replace the old pattern."""
    vol = make_volunteer()
    response = client.post(
        f"/people/volunteers/{vol.id}/availability",
        data={
            "w0-0-start": "09:00",
            "w0-0-end": "12:00",
            "w0-1-start": "14:00",
            "w0-1-end": "17:00",
            "w4-0-start": "10:00",
            "w4-0-end": "15:30",
        },
    )
    assert response.status_code == 302
    db.session.refresh(vol)
    assert [(w.weekday, w.start_time) for w in vol.weekly] == [
        (0, dt.time(9)),
        (0, dt.time(14)),
        (4, dt.time(10)),
    ]
    page = client.get(f"/people/volunteers/{vol.id}/availability").get_data(as_text=True)
    assert 'value="15:30"' in page


def test_window_ending_before_it_starts_is_answered_in_its_row(client, coordinator, db):
    """The bad window's end is flagged; the other values stay; nothing changes."""
    vol = make_volunteer()
    page = client.post(
        f"/people/volunteers/{vol.id}/availability",
        data={"w2-0-start": "12:00", "w2-0-end": "09:00", "w3-0-start": "08:00", "w3-0-end": "9"},
    ).get_data(as_text=True)
    assert 'id="w2-0-end-error"' in page and 'value="08:00"' in page
    db.session.refresh(vol)
    assert len(vol.weekly) == 7


def test_overlapping_windows_are_refused_with_the_form_kept(client, coordinator, db):
    """Overlapping windows on one day come back with the service's message."""
    vol = make_volunteer()
    page = client.post(
        f"/people/volunteers/{vol.id}/availability",
        data={
            "w1-0-start": "09:00",
            "w1-0-end": "12:00",
            "w1-1-start": "11:00",
            "w1-1-end": "13:00",
        },
    ).get_data(as_text=True)
    assert "overlap" in page and 'value="11:00"' in page


def test_day_off_and_its_removal(client, coordinator, db):
    """A dated day off empties that day; removing it restores the weekly pattern."""
    vol = make_volunteer()
    day = dt.date.today() + dt.timedelta(days=5)
    client.post(
        f"/people/volunteers/{vol.id}/availability/exceptions",
        data={"day": day.isoformat(), "available": "no", "note": "holiday"},
    )
    db.session.refresh(vol)
    assert availability_on(vol, day) == []
    exc_id = vol.exceptions[0].id
    client.post(f"/people/volunteers/{vol.id}/availability/exceptions/{exc_id}/delete")
    db.session.expire_all()
    assert availability_on(vol, day) != []


def test_extra_hours_need_times(client, coordinator, db):
    """Extra hours without times are answered by the start field."""
    vol = make_volunteer()
    page = client.post(
        f"/people/volunteers/{vol.id}/availability/exceptions",
        data={"day": "2026-12-24", "available": "yes"},
    ).get_data(as_text=True)
    assert 'id="exc-start-error"' in page


def test_viewer_reads_availability_but_cannot_save(client, viewer, db):
    """A viewer sees disabled inputs and gets 403 on save."""
    vol = make_volunteer()
    page = client.get(f"/people/volunteers/{vol.id}/availability").get_data(as_text=True)
    assert "disabled" in page and "Save the weekly pattern" not in page
    assert client.post(f"/people/volunteers/{vol.id}/availability", data={}).status_code == 403
