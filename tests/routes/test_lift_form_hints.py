"""The lift form's hints say what the form does (issue 13).

The activity's hint said "Times fill in from the activity", but nothing fills in on the page:
the times come from the activity only when the lift is saved with "When?" left empty.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import LiftRequest
from tests.factories import make_activity
from tests.factories import make_resident

TUESDAY = dt.date(2026, 12, 1)


def test_the_activity_hint_tells_the_coordinator_what_saving_with_no_time_does(
    client, coordinator, db
):
    resident = make_resident()
    activity = make_activity()  # starts at 10:00
    page = client.get("/lifts/new").get_data(as_text=True)

    assert "Times fill in from the activity" not in page
    assert "Leave &#39;When?&#39; empty and they arrive 10 minutes before it starts." in page

    # And it is true: saved with no time, they are due at 9:50 for a 10:00 start.
    response = client.post(
        "/lifts/new",
        data={
            "resident_id": str(resident.id),
            "day": TUESDAY.isoformat(),
            "activity_id": str(activity.id),
            "venue_id": "0",
            "purpose": "activity",
        },
    )
    assert response.status_code == 302
    lift = db.session.scalar(sa.select(LiftRequest))
    assert activity.start_time == dt.time(10)
    assert lift is not None and lift.arrive_by == dt.time(9, 50)
