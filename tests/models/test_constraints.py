"""The database itself refuses bad rows, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import StatementError

from app.models import AvailabilityException
from app.models import LiftRequest
from app.models import Message
from app.models import PlanStop
from app.models import Resident
from app.models import Volunteer
from app.models import WeeklyAvailability
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer


def _refused(db, statement: sa.Executable) -> None:
    with pytest.raises((IntegrityError, StatementError)):
        db.session.execute(statement)
        db.session.flush()
    db.session.rollback()


def test_unique_phone_numbers(db):
    """Two residents cannot share a phone number."""
    make_resident(phone="+447700900001")
    db.session.add(Resident(first_name="A", last_name="B", phone="+447700900001"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_volunteer_seats_cannot_be_negative(db):
    """A car with -1 seats is refused by a check constraint."""
    v = make_volunteer()
    _refused(db, sa.update(Volunteer).where(Volunteer.id == v.id).values(car_seats=-1))


def test_volunteer_needs_a_role(db):
    """A volunteer who is neither driver nor befriender is refused."""
    v = make_volunteer()
    _refused(db, sa.update(Volunteer).where(Volunteer.id == v.id).values(is_driver=False))


def test_weekly_window_must_start_before_it_ends(db):
    """An availability window ending before it starts is refused."""
    v = make_volunteer(weekly=[])
    _refused(
        db,
        sa.insert(WeeklyAvailability).values(
            volunteer_id=v.id, weekday=1, start_time=dt.time(12), end_time=dt.time(9)
        ),
    )


def test_weekday_must_be_a_day_of_the_week(db):
    """Weekday 7 does not exist."""
    v = make_volunteer(weekly=[])
    _refused(
        db,
        sa.insert(WeeklyAvailability).values(
            volunteer_id=v.id, weekday=7, start_time=dt.time(9), end_time=dt.time(12)
        ),
    )


def test_day_off_has_no_window(db):
    """A dated day off cannot carry hours."""
    v = make_volunteer(weekly=[])
    _refused(
        db,
        sa.insert(AvailabilityException).values(
            volunteer_id=v.id,
            day=dt.date(2026, 12, 1),
            available=False,
            start_time=dt.time(9),
            end_time=dt.time(12),
            note="",
        ),
    )


def test_pickup_window_must_be_ordered(db):
    """A lift whose pickup window ends before it starts is refused."""
    lift = make_lift()
    _refused(
        db,
        sa.update(LiftRequest)
        .where(LiftRequest.id == lift.id)
        .values(pickup_earliest=dt.time(11), pickup_latest=dt.time(10)),
    )


def test_lift_needs_a_time(db):
    """A lift with neither a pickup time nor an arrival time is refused."""
    lift = make_lift()
    _refused(db, sa.update(LiftRequest).where(LiftRequest.id == lift.id).values(arrive_by=None))


def test_return_leg_needs_its_outbound(db):
    """A return leg must point at its outward lift."""
    lift = make_lift()
    _refused(db, sa.update(LiftRequest).where(LiftRequest.id == lift.id).values(leg="return"))


def test_unknown_status_is_refused(db):
    """Statuses are a closed list, checked by the database too."""
    lift = make_lift()
    _refused(
        db,
        sa.text("UPDATE lift_requests SET status = 'lost' WHERE id = :id").bindparams(id=lift.id),
    )


def test_foreign_keys_are_enforced(db):
    """A lift for a resident who does not exist is refused (SQLite too, by PRAGMA)."""
    _refused(
        db,
        sa.insert(LiftRequest).values(
            resident_id=999999,
            day=dt.date(2026, 12, 1),
            leg="outbound",
            arrive_by=dt.time(10),
            seats=1,
            mobility="none",
            purpose="activity",
            priority=50,
            source="staff",
            status="requested",
            status_reason="",
            escort=False,
            notes="",
            created_at=dt.datetime.now(dt.UTC),
            updated_at=dt.datetime.now(dt.UTC),
        ),
    )


def test_coordinates_come_in_pairs(db):
    """A latitude without a longitude is refused."""
    r = make_resident()
    _refused(db, sa.update(Resident).where(Resident.id == r.id).values(lon=None))


def test_stop_times_are_ordered(db):
    """A stop cannot be served before the car arrives."""
    _refused(
        db,
        sa.insert(PlanStop).values(
            route_id=1,
            seq=0,
            kind="start",
            lat=51.5,
            lon=0.1,
            arrival_s=100,
            service_start_s=50,
            departure_s=200,
            load_seats=0,
            load_wheelchairs=0,
        ),
    )


def test_message_attempts_not_negative(db):
    """A message cannot have been tried -1 times."""
    _refused(
        db,
        sa.insert(Message).values(
            direction="outbound",
            phone="+447700900001",
            body="hi",
            status="queued",
            kind="",
            attempts=-1,
            error="",
            simulated=False,
            created_at=dt.datetime.now(dt.UTC),
            updated_at=dt.datetime.now(dt.UTC),
        ),
    )


def test_timestamps_come_back_in_utc(db):
    """Datetimes are stored and read back timezone-aware in UTC on both engines."""
    r = make_resident()
    db.session.expire_all()
    fresh = db.session.get(Resident, r.id)
    assert fresh.created_at.tzinfo is not None
    assert fresh.created_at.utcoffset() == dt.timedelta(0)
