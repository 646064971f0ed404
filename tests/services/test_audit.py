"""The audit recorder: who (staff, a person by text, the system), when, what, about whom,
from what to what (issue 14)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from app.extensions import db
from app.models import AuditActor
from app.models import Pairing
from app.models import PairingStatus
from app.services.audit import EventFilter
from app.services.audit import events_about
from app.services.audit import list_events
from app.services.audit import record_event
from app.services.auth import create_user
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)


def test_a_staff_change_names_the_staff_member_and_the_values(app: Any) -> None:
    """A staff booking says who, when, what, which lift and the from/to values."""
    user = create_user("kim@bureau.example", "Kim", "correct horse battery", "coordinator")
    lift = make_lift()
    row = record_event(
        "book", lift, staff_id=user.id, changes={"status": (None, "requested")}, now=NOW
    )
    db.session.commit()
    assert (row.actor, row.staff_user_id, row.action) == ("staff", user.id, "book")
    assert (row.entity_type, row.entity_id) == ("LiftRequest", lift.id)
    assert row.changes == {"status": [None, "requested"]}
    assert row.at == NOW


def test_a_text_is_recorded_as_the_person_by_text_without_a_staff_member(app: Any) -> None:
    """A resident dropping a lift by text is 'resident by text', subject given by id alone."""
    lift = make_lift()
    row = record_event(
        "drop",
        ("LiftRequest", lift.id),
        actor=AuditActor.RESIDENT_BY_TEXT,
        changes={"status": ("requested", "cancelled")},
    )
    db.session.commit()
    assert (row.actor, row.staff_user_id, row.entity_id) == ("resident by text", None, lift.id)


def test_no_staff_member_and_no_actor_means_the_system(app: Any) -> None:
    """A job's change is the system's."""
    resident = make_resident()
    assert record_event("retention", resident).actor == "system"


def test_events_about_a_person_include_their_lifts_and_pairings_only(app: Any) -> None:
    """The audit trail of a resident shows their record, lifts and pairings, nobody else's."""
    joan, other = make_resident(), make_resident()
    volunteer = make_volunteer(is_befriender=True, befriend_capacity=1)
    pairing = Pairing(
        resident_id=joan.id, volunteer_id=volunteer.id, status=PairingStatus.PROPOSED, score=1.0
    )
    db.session.add(pairing)
    mine, theirs = make_lift(joan), make_lift(other)
    record_event("update", joan, now=NOW)
    record_event("book", mine, now=NOW + dt.timedelta(minutes=1))
    record_event("propose", pairing, now=NOW + dt.timedelta(minutes=2))
    record_event("book", theirs, now=NOW)
    db.session.commit()
    about = events_about("resident", joan.id)
    assert [(r.action, r.entity_type) for r in about] == [
        ("update", "Resident"),
        ("book", "LiftRequest"),
        ("propose", "Pairing"),
    ]
    newest_first = list_events(EventFilter(kind="resident", person_id=joan.id, action="book"))
    assert [r.entity_id for r in newest_first] == [mine.id]
    assert [r.entity_type for r in events_about("volunteer", volunteer.id)] == ["Pairing"]


def test_recording_writes_nothing_personal_to_the_logs(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """From/to values (an old address) stay in the table, never in the logs."""
    resident = make_resident()
    with caplog.at_level(logging.DEBUG):
        record_event("update", resident, changes={"address": ("1 Old Road", "2 New Road")})
        db.session.commit()
    assert "Old Road" not in caplog.text
    assert "New Road" not in caplog.text
