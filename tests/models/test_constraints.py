"""The database itself refuses bad rows, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

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
    # Only a constraint violation counts: a type error would let a test pass for the wrong reason.
    with pytest.raises(IntegrityError):
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


def _insert(table: str, **values) -> sa.TextClause:
    """A raw INSERT, so the database (not Python) is what refuses the row."""
    cols = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    binds = [
        sa.bindparam(k, v, type_=sa.JSON) if isinstance(v, list | dict) else sa.bindparam(k, v)
        for k, v in values.items()
    ]
    return sa.text(f"INSERT INTO {table} ({cols}) VALUES ({params})").bindparams(*binds)


def _stamped(**values):
    now = _now()
    return {**values, "created_at": now, "updated_at": now}


def test_recurring_lift_dates_must_be_ordered(db):
    """A standing lift cannot end before it starts."""
    r = make_resident()
    _refused(
        db,
        _insert(
            "recurring_lifts",
            **_stamped(
                resident_id=r.id,
                weekday=1,
                starts_on=dt.date(2026, 12, 10),
                ends_on=dt.date(2026, 12, 1),
                arrive_by=dt.time(10),
                escort=False,
                purpose="activity",
                active=True,
            ),
        ),
    )


def test_activity_must_start_before_it_ends(db):
    """A session from 12:00 to 10:00 is refused."""
    from tests.factories import make_venue

    v = make_venue()
    _refused(
        db,
        _insert(
            "activities",
            **_stamped(
                name="x",
                venue_id=v.id,
                weekday=1,
                start_time=dt.time(12),
                end_time=dt.time(10),
                interests=[],
                description="",
                active=True,
            ),
        ),
    )


def test_screening_score_in_range(db):
    """A loneliness score of 99 is not on any scale we use."""
    r = make_resident()
    _refused(
        db,
        _insert(
            "screenings",
            resident_id=r.id,
            instrument="ucla3",
            score=99,
            answers={},
            taken_on=dt.date(2026, 12, 1),
            taken_at=_now(),
            method="phone",
            follow_up=False,
        ),
    )


def test_referral_needs_consent_recorded(db):
    """Consent is never left blank on a referral."""
    _refused(
        db,
        _insert(
            "referrals",
            **_stamped(
                reference="ABCDEFGH",
                submission_key="k",
                not_matches=[],
                channel="public",
                source="gp",
                referrer_name="",
                referrer_org="",
                referrer_contact="",
                referrer_confirms_agreed=True,
                first_name="A",
                last_name="B",
                address="",
                life_events=[],
                reason="",
                lives_alone=False,
                housebound=False,
                no_transport=False,
                no_internet=False,
                consent=None,
                contact_ways=[],
                best_times="",
                language="",
                access_needs="",
                at_risk_now=False,
                self_harm=False,
                status="received",
                tier="medium",
                tier_words="",
                closed_reason="",
            ),
        ),
    )


def test_pairing_score_not_negative(db):
    """A pairing's score is never below zero."""
    r, v = make_resident(), make_volunteer()
    _refused(
        db,
        _insert(
            "pairings",
            resident_id=r.id,
            volunteer_id=v.id,
            status="proposed",
            score=-1,
            reasons=[],
            proposed_at=_now(),
            rejection_reason="",
            end_reason="",
            ended_by="",
        ),
    )


def test_plan_route_totals_not_negative(db):
    """A route cannot drive a negative distance."""
    v = make_volunteer()
    db.session.execute(
        _insert(
            "plans",
            day=dt.date(2026, 12, 1),
            status="draft",
            created_at=_now(),
            solver_status="ok",
            stats={},
        )
    )
    plan_id = db.session.scalar(sa.text("SELECT max(id) FROM plans"))
    _refused(
        db,
        _insert(
            "plan_routes",
            plan_id=plan_id,
            volunteer_id=v.id,
            drive_s=-5,
            distance_m=0,
            response="pending",
        ),
    )


def test_staff_role_is_a_closed_list(db):
    """A staff user with the role 'superuser' is refused."""
    _refused(
        db,
        _insert(
            "staff_users",
            **_stamped(email="a@b.c", name="A", password_hash="x", role="superuser", active=True),
        ),
    )


def test_postcode_coordinates_in_range(db):
    """A postcode at latitude 200 is refused."""
    _refused(db, _insert("postcodes", postcode="IG11 7NB", lat=200, lon=0))


def test_volunteer_phone_is_required(db):
    """A volunteer without a phone cannot be texted their route, so it is refused."""
    _refused(
        db,
        _insert(
            "volunteers",
            **_stamped(
                first_name="A",
                last_name="B",
                phone=None,
                gender="female",
                is_driver=True,
                is_befriender=False,
                car_seats=3,
                wheelchair_spaces=0,
                max_drive_minutes=240,
                befriend_capacity=0,
                interests=[],
                languages=[],
                life_events=[],
                sms_consent=True,
                notes="",
                active=True,
            ),
        ),
    )
