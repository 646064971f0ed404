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


def _now():
    return dt.datetime.now(dt.UTC)


def test_recurring_lift_dates_must_be_ordered(db):
    """A standing lift cannot end before it starts."""
    r = make_resident()
    _refused(
        db,
        sa.text(
            "INSERT INTO recurring_lifts (resident_id, weekday, starts_on, ends_on, arrive_by, escort, "
            "purpose, active, created_at, updated_at) VALUES (:r, 1, '2026-12-10', '2026-12-01', "
            "'10:00:00', false, 'activity', true, :now, :now)"
        ).bindparams(r=r.id, now=_now()),
    )


def test_activity_must_start_before_it_ends(db):
    """A session from 12:00 to 10:00 is refused."""
    from tests.factories import make_venue

    v = make_venue()
    _refused(
        db,
        sa.text(
            "INSERT INTO activities (name, venue_id, weekday, start_time, end_time, interests, "
            "description, active, created_at, updated_at) VALUES ('x', :v, 1, '12:00:00', '10:00:00', "
            "'[]', '', true, :now, :now)"
        ).bindparams(v=v.id, now=_now()),
    )


def test_screening_score_in_range(db):
    """A loneliness score of 99 is not on any scale we use."""
    r = make_resident()
    _refused(
        db,
        sa.text(
            "INSERT INTO screenings (resident_id, instrument, score, answers, taken_on, follow_up) "
            "VALUES (:r, 'ucla3', 99, '{}', '2026-12-01', false)"
        ).bindparams(r=r.id),
    )


def test_referral_needs_consent_recorded(db):
    """Consent is never left blank on a referral."""
    _refused(
        db,
        sa.text(
            "INSERT INTO referrals (source, referrer_name, referrer_org, referrer_contact, person_name, "
            "life_events, reason, consent, status, outcome, created_at, updated_at) VALUES ('gp', '', "
            "'', '', 'A', '[]', '', NULL, 'new', '', :now, :now)"
        ).bindparams(now=_now()),
    )


def test_pairing_score_not_negative(db):
    """A pairing's score is never below zero."""
    r, v = make_resident(), make_volunteer()
    _refused(
        db,
        sa.text(
            "INSERT INTO pairings (resident_id, volunteer_id, status, score, reasons, proposed_at, "
            "rejection_reason, end_reason, ended_by) VALUES (:r, :v, 'proposed', -1, '[]', :now, '', "
            "'', '')"
        ).bindparams(r=r.id, v=v.id, now=_now()),
    )


def test_plan_route_totals_not_negative(db):
    """A route cannot drive a negative distance."""
    v = make_volunteer()
    db.session.execute(
        sa.text(
            "INSERT INTO plans (day, status, created_at, solver_status, stats) VALUES ('2026-12-01', "
            "'draft', :now, 'ok', '{}')"
        ).bindparams(now=_now())
    )
    plan_id = db.session.scalar(sa.text("SELECT max(id) FROM plans"))
    _refused(
        db,
        sa.text(
            "INSERT INTO plan_routes (plan_id, volunteer_id, drive_s, distance_m, response) VALUES "
            "(:p, :v, -5, 0, 'pending')"
        ).bindparams(p=plan_id, v=v.id),
    )


def test_staff_role_is_a_closed_list(db):
    """A staff user with the role 'superuser' is refused."""
    _refused(
        db,
        sa.text(
            "INSERT INTO staff_users (email, name, password_hash, role, active, created_at, updated_at) "
            "VALUES ('a@b.c', 'A', 'x', 'superuser', true, :now, :now)"
        ).bindparams(now=_now()),
    )


def test_postcode_coordinates_in_range(db):
    """A postcode at latitude 200 is refused."""
    _refused(db, sa.text("INSERT INTO postcodes (postcode, lat, lon) VALUES ('IG11 7NB', 200, 0)"))


def test_volunteer_phone_is_required(db):
    """A volunteer without a phone cannot be texted their route, so it is refused."""
    _refused(
        db,
        sa.text(
            "INSERT INTO volunteers (first_name, last_name, phone, gender, is_driver, is_befriender, "
            "car_seats, wheelchair_spaces, max_drive_minutes, befriend_capacity, interests, languages, "
            "life_events, sms_consent, notes, active, created_at, updated_at) VALUES ('A', 'B', NULL, "
            "'female', true, false, 3, 0, 240, 0, '[]', '[]', '[]', true, '', true, :now, :now)"
        ).bindparams(now=_now()),
    )
