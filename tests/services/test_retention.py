"""The retention schedule: a dry run lists what a run then does, by ids only (issue 14)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db as _db
from app.models import AuditLog
from app.models import Erasure
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import Resident
from app.services import retention
from app.services.audit import record_event
from app.services.personal_data import Kind
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
SETTINGS = retention.RetentionSettings(inactive_years=6, text_months=12, audit_years=6)


def ago(**kwargs: float) -> dt.datetime:
    return NOW - dt.timedelta(**kwargs)


def text(resident: Resident, at: dt.datetime, body: str) -> Message:
    message = Message(
        direction=MessageDirection.OUTBOUND,
        phone=resident.phone,
        body=body,
        status=MessageStatus.SENT,
        resident_id=resident.id,
        created_at=at,
    )
    _db.session.add(message)
    _db.session.commit()
    return message


def old_person(**overrides) -> Resident:
    """Someone last seen seven years ago (their record untouched since)."""
    resident = make_resident(**overrides)
    resident.updated_at = ago(days=7 * 366)
    _db.session.commit()
    return resident


def test_dry_run_lists_then_run_does_exactly_that(db):
    """Who is inactive, which texts and audit rows are old: listed dry, then done, then nothing."""
    gone = old_person(first_name="Winifred", last_name="Oldham")
    make_lift(gone, day=(NOW - dt.timedelta(days=7 * 366)).date())
    recent = old_person(first_name="Rita", last_name="Recent")
    make_lift(recent, day=(NOW - dt.timedelta(days=30)).date())  # a lift last month: active
    fresh = make_resident(first_name="Nadia")  # just added
    old_text = text(recent, ago(days=400), "Hello Rita, your lift on Tuesday")
    new_text = text(recent, ago(days=20), "Hello Rita, your lift on Friday")
    old_row = record_event(
        "update", recent, changes={"address": ("1 Old Road", "2 New Road")}, now=ago(days=7 * 366)
    )
    new_row = record_event("update", fresh, changes={"notes": ("", "likes bingo")}, now=ago(days=3))
    db.session.commit()

    dry = retention.run_retention(dry_run=True, now=NOW, settings=SETTINGS)
    assert dry.people[Kind.RESIDENT] == [gone.id]
    assert dry.texts == [old_text.id] and dry.audit_rows == [old_row.id]
    assert db.session.get(Resident, gone.id).first_name == "Winifred"  # nothing done yet
    assert db.session.get(Message, old_text.id).body != ""

    done = retention.run_retention(dry_run=False, now=NOW, settings=SETTINGS)
    assert (done.people, done.texts, done.audit_rows) == (dry.people, dry.texts, dry.audit_rows)
    db.session.expire_all()
    assert db.session.get(Resident, gone.id).full_name == "Erased resident"
    stone = db.session.scalars(sa.select(Erasure)).one()
    assert (stone.person_id, stone.source) == (gone.id, "retention")
    assert db.session.get(Message, old_text.id).body == ""
    assert db.session.get(Message, new_text.id).body == "Hello Rita, your lift on Friday"
    assert db.session.get(AuditLog, old_row.id).changes == {"address": ["[erased]", "[erased]"]}
    assert db.session.get(AuditLog, new_row.id).changes == {"notes": ["", "likes bingo"]}
    assert db.session.get(Resident, recent.id).first_name == "Rita"

    again = retention.run_retention(dry_run=True, now=NOW, settings=SETTINGS)
    assert (again.people[Kind.RESIDENT], again.texts, again.audit_rows) == ([], [], [])


def test_a_volunteer_inactive_for_years_is_anonymised_too(db):
    """A driver whose record and texts are all older than the period is erased."""
    driver = make_volunteer(first_name="Victor")
    driver.updated_at = ago(days=7 * 366)
    db.session.commit()
    report = retention.run_retention(dry_run=True, now=NOW, settings=SETTINGS)
    assert report.people[Kind.VOLUNTEER] == [driver.id]
    shorter = retention.RetentionSettings(inactive_years=10, text_months=12, audit_years=6)
    assert (
        retention.run_retention(dry_run=True, now=NOW, settings=shorter).people[Kind.VOLUNTEER]
        == []
    )


def test_the_report_holds_ids_and_counts_only(db):
    """The printed lines name no one: counts and id ranges."""
    gone = old_person(first_name="Winifred", last_name="Oldham")
    lines = retention.run_retention(dry_run=True, now=NOW, settings=SETTINGS).lines()
    assert lines[0] == f"residents anonymised (would): 1 (ids {gone.id})"
    assert "Winifred" not in "\n".join(lines)
    assert retention.id_ranges([1, 2, 3, 7, 9, 10]) == "(ids 1-3, 7, 9-10)"


def test_settings_come_from_the_configuration(app):
    """RETENTION_* settings are read from the app's configuration (defaults 6 / 12 / 6)."""
    assert retention.RetentionSettings.from_config() == SETTINGS
    app.config["RETENTION_TEXT_MONTHS"] = 3
    assert retention.RetentionSettings.from_config().text_months == 3
