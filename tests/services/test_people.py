"""Registering and changing residents and volunteers: clear refusals, no half rows, an audit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.models import AuditLog
from app.models import Resident
from app.models import Volunteer
from app.services import people
from tests.factories import add_postcode


def _resident(**kw) -> people.ResidentInput:
    values = dict(
        first_name="Joan",
        last_name="Smith",
        phone="07700 900123",
        postcode="ig11 7nb",
        interests="Gardening, gardening ,  Choir",
        languages=["English", "PUNJABI"],
    )
    values.update(kw)
    return people.ResidentInput(**values)


def test_register_resident_normalises_and_locates(db):
    """Phone to E.164, postcode located, interests trimmed and de-duplicated, audited."""
    add_postcode()
    r = people.create_resident(_resident(), actor_id=None)
    assert r.phone == "+447700900123"
    assert (r.postcode, r.ward_code) == ("IG11 7NB", "E05014053")
    assert r.lat == pytest.approx(51.53632)
    assert r.interests == ["gardening", "choir"]
    assert r.languages == ["english", "punjabi"]
    audit = db.session.scalars(sa.select(AuditLog)).all()
    assert [(a.action, a.entity_type, a.entity_id) for a in audit] == [("create", "Resident", r.id)]


def test_unknown_postcode_writes_nothing(db):
    """A postcode we cannot place refuses the whole record."""
    with pytest.raises(NotFound):
        people.create_resident(_resident(postcode="RM6 5NJ"), actor_id=None)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


def test_duplicate_volunteer_phone_is_a_conflict(db):
    """Two volunteers cannot share a number; the message names who has it."""
    data = people.VolunteerInput(
        first_name="Ann", last_name="Lee", phone="07700 900200", is_driver=True, car_seats=3
    )
    people.create_volunteer(data, actor_id=None)
    with pytest.raises(Conflict, match="Ann Lee"):
        people.create_volunteer(data, actor_id=None)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Volunteer)) == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"first_name": " "}, "first_name"),
        ({"phone": "12"}, "phone"),
        ({"is_driver": False}, "is_driver"),
        ({"car_seats": -1}, "car_seats"),
        ({"car_seats": 0}, "car_seats"),
        ({"max_drive_minutes": 0}, "max_drive_minutes"),
    ],
)
def test_bad_volunteer_input_names_the_field(db, kw, field):
    """Each rule refuses with the field to show the message next to."""
    values = dict(
        first_name="Ann", last_name="Lee", phone="07700 900200", is_driver=True, car_seats=3
    )
    values.update(kw)
    with pytest.raises(InvalidInput) as info:
        people.create_volunteer(people.VolunteerInput(**values), actor_id=None)
    assert info.value.field == field


def test_update_is_audited_with_old_and_new(db):
    """A change records who, what (old and new) and when."""
    add_postcode()
    from app.services.auth import create_user

    staff = create_user("c@bureau.example", "C", "long enough pw", "coordinator")
    r = people.create_resident(_resident(), actor_id=staff.id)
    people.update_resident(r.id, _resident(phone="07700 900124"), actor_id=staff.id)
    last = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last.action == "update" and last.staff_user_id == staff.id
    assert last.changes == {"phone": ["+447700900123", "+447700900124"]}
    assert last.at.tzinfo is not None


def test_weekly_availability_and_exceptions(db):
    """Weekly windows plus a day off and extra hours give the day's availability."""
    v = people.create_volunteer(
        people.VolunteerInput(
            first_name="A", last_name="B", phone="07700 900201", is_driver=True, car_seats=2
        ),
        actor_id=None,
    )
    people.set_weekly_availability(
        v.id, [(1, dt.time(9), dt.time(12)), (1, dt.time(14), dt.time(17))], actor_id=None
    )
    tuesday = dt.date(2026, 12, 1)
    assert people.availability_on(v, tuesday) == [
        (dt.time(9), dt.time(12)),
        (dt.time(14), dt.time(17)),
    ]
    people.add_availability_exception(
        v.id, tuesday, available=True, start=dt.time(11), end=dt.time(15), actor_id=None
    )
    assert people.availability_on(v, tuesday) == [(dt.time(9), dt.time(17))]
    people.add_availability_exception(
        v.id, tuesday + dt.timedelta(days=7), available=False, actor_id=None
    )
    assert people.availability_on(v, tuesday + dt.timedelta(days=7)) == []


def test_availability_window_must_start_before_it_ends(db):
    """End before start, or overlapping windows, are refused in plain words."""
    v = people.create_volunteer(
        people.VolunteerInput(
            first_name="A", last_name="B", phone="07700 900202", is_driver=True, car_seats=2
        ),
        actor_id=None,
    )
    with pytest.raises(InvalidInput, match="start before it ends"):
        people.set_weekly_availability(v.id, [(0, dt.time(12), dt.time(9))], actor_id=None)
    with pytest.raises(InvalidInput, match="overlap"):
        people.set_weekly_availability(
            v.id, [(0, dt.time(9), dt.time(12)), (0, dt.time(11), dt.time(13))], actor_id=None
        )
