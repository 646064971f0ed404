"""Issue 13: a person is archived instead of deleted; an archived person is never planned or
texted, their open lifts are dropped (drivers told), and they can be restored."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.errors import InvalidInput
from app.models import AuditLog
from app.models import LiftStatus
from app.models import Plan
from app.models import Resident
from app.models import Volunteer
from app.services import archive
from app.services import clock
from app.services import rota
from app.services.messaging import why_not_text
from app.services.people import list_people
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
TUESDAY = dt.date(2026, 12, 1)


def test_an_archived_residents_lift_is_never_planned(db):
    """On main a dated lift of an archived resident was still planned and texted about."""
    make_volunteer()
    gone = make_resident(first_name="Gone", active=False)
    make_lift(gone, day=TUESDAY)
    kept = make_lift(make_resident(first_name="Kept"), day=TUESDAY)
    summary = rota.plan_day(TUESDAY, time_limit_s=1)
    assert (summary.lifts, summary.served) == (1, 1)
    plan = db.session.get(Plan, summary.plan_id)
    planned = {s.lift_id for r in plan.routes for s in r.stops if s.lift_id is not None}
    assert planned == {kept.id}


def test_archiving_a_resident_says_why_drops_their_lifts_and_stops_texts(db, app):
    """Archive: when, by whom, why; lifts from today on cancelled; no more texts; audited."""
    joan = make_resident(first_name="Joan")
    past = make_lift(joan, day=dt.date(2026, 11, 20))
    coming = make_lift(joan, day=TUESDAY)
    archive.archive_person("resident", joan.id, reason="  Moved to  Kent ", actor_id=None, now=NOW)
    db.session.refresh(joan)
    assert joan.archived and joan.archived_at == NOW and joan.archive_reason == "Moved to Kent"
    assert db.session.get(type(coming), coming.id).status == LiftStatus.CANCELLED
    assert db.session.get(type(past), past.id).status == past.status  # history untouched
    assert why_not_text(joan, joan.phone) == "They are archived (no longer on the bureau's books)."
    actions = db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.entity_type == "Resident")
    ).all()
    assert "archive" in actions


def test_an_archived_driver_is_not_free_to_drive_and_is_restored(db):
    """A volunteer archived is out of the planner's drivers; restoring brings them back."""
    dev = make_volunteer(first_name="Dev")
    archive.archive_person("volunteer", dev.id, reason="stopped volunteering", actor_id=None)
    with pytest.raises(InvalidInput):
        rota.plan_day(TUESDAY, time_limit_s=1)  # nothing to plan: no lifts and no driver
    archive.restore_person("volunteer", dev.id, actor_id=None)
    db.session.refresh(dev)
    assert dev.active and dev.archived_at is None and dev.archive_reason == ""


def test_archive_needs_a_reason_and_happens_once(db):
    joan = make_resident()
    with pytest.raises(InvalidInput) as no_reason:
        archive.archive_person("resident", joan.id, reason="  ", actor_id=None)
    assert no_reason.value.field == "reason"
    with pytest.raises(InvalidInput):
        archive.archive_person("resident", joan.id, reason="x\x00", actor_id=None)
    archive.archive_person("resident", joan.id, reason="died", actor_id=None)
    with pytest.raises(Conflict):
        archive.archive_person("resident", joan.id, reason="again", actor_id=None)
    with pytest.raises(Conflict):
        archive.restore_person("volunteer", make_volunteer().id, actor_id=None)


def test_lists_hide_archived_people_unless_asked(db):
    make_resident(first_name="Here", last_name="Now")
    make_resident(first_name="Gone", last_name="Away", active=False)
    names = [r.first_name for r in list_people(Resident).page.items]
    assert names == ["Here"]
    with_archived = list_people(Resident, include_archived=True)
    assert sorted(r.first_name for r in with_archived.page.items) == ["Gone", "Here"]
    assert with_archived.page.total == 2
    make_volunteer(first_name="Old", active=False)
    assert list_people(Volunteer, "old").page.total == 0
    assert list_people(Volunteer, "old").archived_hidden == 1
    assert list_people(Volunteer, "old", include_archived=True).page.total == 1


def test_a_lift_today_is_late_cancelled_when_its_resident_is_archived(db):
    """Lifts of today are dropped too (late-cancelled), judged by the one clock's today."""
    joan = make_resident()
    today = make_lift(joan, day=clock.today(NOW))
    archive.archive_person(
        "resident", joan.id, reason="in hospital long-term", actor_id=None, now=NOW
    )
    assert db.session.get(type(today), today.id).status == LiftStatus.LATE_CANCELLED


def test_an_archived_resident_cannot_be_booked_a_lift(db):
    """Booking would have saved a lift the planner never serves: refused, saying why."""
    from app.services import lifts

    joan = make_resident(first_name="Joan", active=False)
    data = lifts.LiftInput(
        resident_id=joan.id,
        day=clock.today() + dt.timedelta(days=2),
        venue_id=None,
        destination_address="Becontree Avenue",
        destination_postcode="RM8 3HT",
        arrive_by=dt.time(10),
    )
    with pytest.raises(InvalidInput, match="is archived: restore them"):
        lifts.book_lift(data, actor_id=None)
