"""Erasing Joyce: her identifiers are gone from every table and the logs, totals still add up,
and she is never texted or planned again (issue 14)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.models import Erasure
from app.models import LiftRequest
from app.models import Message
from app.models import MessageStatus
from app.models import Pairing
from app.models import PlanRoute
from app.models import PlanStop
from app.models import Resident
from app.models.base import Base
from app.services import erasure
from app.services import messaging
from app.services import rota
from app.services.people import drivers_free_on
from app.services.personal_data import Kind
from app.services.personal_data import is_erased
from tests.factories import make_lift
from tests.factories import make_volunteer
from tests.personal_data_story import DAY
from tests.personal_data_story import JOYCE
from tests.personal_data_story import joyce_story

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
JOYCES_IDENTIFIERS = (
    "Joyce",
    "Wilson",
    JOYCE["phone"],
    "07700 900533",
    "07700900533",
    JOYCE["address"],
    JOYCE["postcode"],
    "RM65JX",
    "166 Whalebone Lane South",  # her previous address, in an audit row
    "Sandra",  # her notes
    "walking frame",  # her lift's notes
    "Lost her husband",  # the referral's reason
)


def found_anywhere(db, needles) -> list[str]:
    """Every (table.column, needle) where a text or JSON column of any table holds a needle."""
    hits = []
    for t in Base.metadata.sorted_tables:
        for column in t.c:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON):
                continue
            text = sa.cast(column, sa.Text)
            for needle in needles:
                stmt = sa.select(sa.func.count()).select_from(t).where(text.ilike(f"%{needle}%"))
                if db.session.scalar(stmt):
                    hits.append(f"{t.name}.{column.name}: {needle}")
    return hits


def totals(db) -> dict[str, object]:
    """What the month's reports count: lifts by status, stops, drive time, pairings."""
    return {
        "lifts": db.session.execute(
            sa.select(LiftRequest.status, sa.func.count()).group_by(LiftRequest.status)
        ).all(),
        "stops": db.session.scalar(sa.select(sa.func.count()).select_from(PlanStop)),
        "stop_seconds": db.session.scalar(
            sa.select(sa.func.sum(PlanStop.departure_s - PlanStop.arrival_s))
        ),
        "drive_s": db.session.scalar(sa.select(sa.func.sum(PlanRoute.drive_s))),
        "pairings": db.session.scalar(sa.select(sa.func.count()).select_from(Pairing)),
        "residents": db.session.scalar(sa.select(sa.func.count()).select_from(Resident)),
        "by_ward": db.session.execute(
            sa.select(Resident.ward_code, sa.func.count()).group_by(Resident.ward_code)
        ).all(),
    }


@pytest.mark.parametrize("sweep_in", ["database", "python"])
def test_erasure_leaves_no_identifier_in_any_table_or_log(db, caplog, monkeypatch, sweep_in):
    """Every text and JSON column of every table, and every log line, is free of Joyce (other
    people's free text swept by LIKE in the database, or, as for a retention batch, in Python)."""
    if sweep_in == "python":
        monkeypatch.setattr(erasure, "SQL_SWEEP_MAX", 0)
    story = joyce_story()
    assert found_anywhere(db, ["Joyce Wilson"])  # the search does find her before
    caplog.set_level(logging.DEBUG)
    result = erasure.erase_person(
        Kind.RESIDENT, story.joyce.id, reason="Asked by phone", actor_id=None, now=NOW
    )
    assert not result.already and result.changed["residents"] == 1
    assert found_anywhere(db, JOYCES_IDENTIFIERS) == []
    assert not any(n.lower() in caplog.text.lower() for n in JOYCES_IDENTIFIERS)


def test_erasure_keeps_what_counts_and_plans_need(db):
    """Ward, age band, mobility, risk tier, lifts, stops and pairings stay; totals unchanged."""
    story = joyce_story()
    before = totals(db)
    erasure.erase_person(Kind.RESIDENT, story.joyce.id, reason="Asked", actor_id=None, now=NOW)
    assert totals(db) == before
    joyce = db.session.get(Resident, story.joyce.id)
    assert (joyce.full_name, joyce.phone, joyce.address, joyce.postcode) == (
        "Erased resident",
        None,
        None,
        None,
    )
    assert (joyce.ward_code, joyce.age_band, joyce.date_of_birth) == ("E05014061", "85+", None)
    assert joyce.notes == "" and joyce.life_events == [] and not joyce.active
    assert round(joyce.lat, 2) == joyce.lat  # her map position is now the area's, not the house
    lift = db.session.get(LiftRequest, story.lift.id)
    assert lift.pickup_address is None and lift.notes == "" and lift.resident_id == joyce.id


def test_other_peoples_rows_keep_their_data_and_lose_only_joyce(db):
    """Olive's lift and text are untouched; Devraj's route text keeps its shape without Joyce."""
    story = joyce_story()
    olive_address = story.olive_lift.pickup_address
    erasure.erase_person(Kind.RESIDENT, story.joyce.id, reason="Asked", actor_id=None, now=NOW)
    assert db.session.get(LiftRequest, story.olive_lift.id).pickup_address == olive_address
    bodies = set(db.session.scalars(sa.select(Message.body)))
    assert "Hello Olive, your lift on Tuesday is arranged." in bodies
    assert "Tue 17 Nov, 9:00am: [erased], [erased], [erased]. To the library." in bodies


def test_erasure_is_idempotent_and_leaves_a_tombstone(db):
    """The second erasure changes nothing; one tombstone says who, when and why, by id only."""
    story = joyce_story()
    first = erasure.erase_person(Kind.RESIDENT, story.joyce.id, reason="Asked", actor_id=None)
    again = erasure.erase_person(Kind.RESIDENT, story.joyce.id, reason="Asked", actor_id=None)
    assert again.already and again.erasure_id == first.erasure_id and again.changed == {}
    (stone,) = db.session.scalars(sa.select(Erasure)).all()
    assert (stone.kind, stone.person_id, stone.reason, stone.source) == (
        "resident",
        story.joyce.id,
        "Asked",
        "request",
    )


def test_erasure_is_all_or_nothing(db, monkeypatch):
    """A failure half-way leaves Joyce exactly as she was, with no tombstone."""
    story = joyce_story()

    def broken(strings):
        msg = "disk full"
        raise RuntimeError(msg)

    monkeypatch.setattr(erasure, "_sweep", broken)
    with pytest.raises(RuntimeError):
        erasure.erase_person(Kind.RESIDENT, story.joyce.id, reason="Asked", actor_id=None)
    db.session.expire_all()
    assert db.session.get(Resident, story.joyce.id).full_name == "Joyce Wilson"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Erasure)) == 0


def test_reason_and_confirmation_are_checked(db):
    """No reason, a reason naming her, or the wrong reference: a clear error and no change."""
    story = joyce_story()
    for reason, confirm, field in (
        ("", "R1", "reason"),
        ("Joyce Wilson rang", None, "reason"),
        ("x" * 501, None, "reason"),
        ("Asked", "R999", "confirm"),
    ):
        with pytest.raises(InvalidInput) as error:
            erasure.erase_person(
                Kind.RESIDENT, story.joyce.id, reason=reason, confirm=confirm, actor_id=None
            )
        assert error.value.field == field
    assert not is_erased(story.joyce)
    done = erasure.erase_person(
        Kind.RESIDENT, story.joyce.id, reason="Asked", confirm=f"r{story.joyce.id}", actor_id=None
    )
    assert not done.already


def test_an_erased_resident_is_never_texted_nor_planned(db):
    """why_not_text says so; her open lift is left out of the plan; Olive's is planned."""
    story = joyce_story()
    tuesday = DAY + dt.timedelta(days=7)
    hers = make_lift(story.joyce, day=tuesday)
    olives = make_lift(story.olive, day=tuesday)
    erasure.erase_person(Kind.RESIDENT, story.joyce.id, reason="Asked", actor_id=None)
    joyce = db.session.get(Resident, story.joyce.id)
    assert "erased" in (messaging.why_not_text(joyce, "+447700900533") or "")
    message = messaging.queue_text(joyce, "Hello", kind="test")
    assert message.status == MessageStatus.SUPPRESSED
    summary = rota.plan_day(tuesday, time_limit_s=1)
    planned = set(
        db.session.scalars(
            sa.select(PlanStop.lift_id).join(PlanRoute).where(PlanRoute.plan_id == summary.plan_id)
        )
    )
    assert olives.id in planned and hers.id not in planned


def test_an_erased_volunteer_is_not_a_driver_any_more(db):
    """Devraj erased: not free to drive, not texted, his number gone, his routes kept."""
    story = joyce_story()
    spare = make_volunteer(first_name="Sam")
    erasure.erase_person(Kind.VOLUNTEER, story.dev.id, reason="Left", actor_id=None, now=NOW)
    assert [d.volunteer.id for d in drivers_free_on(DAY)] == [spare.id]
    assert found_anywhere(db, ["Devraj", "Ahmed", "+447700900111", "devraj.ahmed@"]) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRoute)) == 1
