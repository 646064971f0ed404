"""Issue 13: lists no longer stop at 200 or 500 rows silently; the lifts list gets the one
resident search; the texts log pages too."""

from __future__ import annotations

import datetime as dt

from app.extensions import db as _db
from app.models import LiftRequest
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.services import clock
from tests.factories import VALENCE
from tests.factories import make_resident


def _lifts(resident, day: dt.date, n: int) -> None:
    for i in range(n):
        _db.session.add(
            LiftRequest(
                resident_id=resident.id,
                day=day,
                pickup_lat=resident.lat,
                pickup_lon=resident.lon,
                destination_lat=VALENCE[0],
                destination_lon=VALENCE[1],
                arrive_by=dt.time(8 + i % 10, i % 60),
            )
        )
    _db.session.commit()


def test_the_lifts_list_pages_past_500_and_says_how_many(client, coordinator, db):
    """On main the list stopped at 500 legs without a word: 520 legs now page by 100."""
    day = clock.today() + dt.timedelta(days=2)
    _lifts(make_resident(first_name="Many"), day, 520)
    first = client.get(f"/lifts/?day={day.isoformat()}").get_data(as_text=True)
    assert "Showing 1–100 of 520 lift legs" in first and "Page 1 of 6" in first
    last = client.get(f"/lifts/?day={day.isoformat()}&page=6").get_data(as_text=True)
    assert "Showing 501–520 of 520 lift legs" in last
    assert "520 requested" in first  # the counts cover every page


def test_the_lifts_list_finds_a_residents_lifts_by_the_one_search(client, coordinator, db):
    day = clock.today() + dt.timedelta(days=2)
    grace = make_resident(first_name="Grace", last_name="Khan", phone="+447700900115")
    _lifts(grace, day, 2)
    _lifts(make_resident(first_name="Amir", last_name="Other"), day, 3)
    for typed in ("grace khan", "07700 900115", "Khan"):
        page = client.get(f"/lifts/?day=all&q={typed}").get_data(as_text=True)
        assert "Showing 1–2 of 2 lift legs" in page, typed
        assert "Grace Khan" in page and "Amir Other" not in page, typed


def test_the_texts_log_pages_instead_of_stopping_at_200(client, coordinator, db):
    joan = make_resident()
    _db.session.add_all(
        Message(
            direction=MessageDirection.OUTBOUND,
            phone=joan.phone,
            body=f"text {n}",
            status=MessageStatus.SENT,
            resident_id=joan.id,
        )
        for n in range(230)
    )
    _db.session.commit()
    page = client.get("/messages/").get_data(as_text=True)
    assert "Showing 1–100 of 230 texts" in page and "Page 1 of 3" in page
