"""Booking lifts, the lifts standing weekly bookings make, and how many seats a lift needs."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.errors import InvalidInput
from app.extensions import db
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftSource
from app.models import LiftStatus
from app.models import Mobility
from app.models import RecurringLift
from app.services import lifts
from app.services.lifts import LiftInput
from app.services.optimizer_mapping import lift_from_row
from tests.factories import make_activity
from tests.factories import make_resident

TUESDAY = dt.date(2030, 6, 4)


def _legs(resident_id: int, day: dt.date | None = None) -> list[LiftRequest]:
    stmt = sa.select(LiftRequest).where(LiftRequest.resident_id == resident_id)
    if day is not None:
        stmt = stmt.where(LiftRequest.day == day)
    return list(db.session.scalars(stmt.order_by(LiftRequest.day, LiftRequest.id)))


# --- book_lift ------------------------------------------------------------------------------


def test_booking_to_an_activity_makes_the_outward_lift_and_the_lift_home(db):
    """Choir 10:00–12:00: there by 9:50, collected from 12:00 to 12:30, home to the resident."""
    joan = make_resident(first_name="Joan")
    choir = make_activity(name="Choir")
    outbound = lifts.book_lift(LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=choir.id))
    out, back = _legs(joan.id)
    assert out.id == outbound.id and out.leg == LiftLeg.OUTBOUND
    assert out.arrive_by == dt.time(9, 50) and out.pickup_address == joan.address
    assert back.leg == LiftLeg.RETURN and back.outbound_id == out.id
    assert (back.pickup_earliest, back.pickup_latest) == (dt.time(12), dt.time(12, 30))
    assert back.destination_address == joan.address
    assert {out.status, back.status} == {LiftStatus.REQUESTED}
    assert out.source == LiftSource.STAFF


def test_booking_the_same_lift_twice_is_refused(db):
    """A second identical booking on the same day is a conflict that names the resident."""
    joan = make_resident(first_name="Joan", last_name="Khan")
    choir = make_activity()
    data = LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=choir.id)
    lifts.book_lift(data)
    with pytest.raises(Conflict, match="Joan Khan already has this lift booked on Tuesday 4 June"):
        lifts.book_lift(LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=choir.id))


def test_booking_an_activity_on_the_wrong_weekday_says_which_day_it_is_on(db):
    """Choir is on Tuesdays: a Wednesday booking is refused in words, on the day field."""
    joan = make_resident()
    choir = make_activity(name="Choir")
    with pytest.raises(InvalidInput, match="Choir is on Tuesdays, not Wednesdays") as caught:
        lifts.book_lift(
            LiftInput(resident_id=joan.id, day=TUESDAY + dt.timedelta(days=1), activity_id=choir.id)
        )
    assert caught.value.field == "day"


def test_a_resident_with_no_located_home_cannot_be_booked(db):
    """Without a located address there is nowhere to pick them up from."""
    joan = make_resident(lat=None, lon=None)
    with pytest.raises(InvalidInput, match="no located home address"):
        lifts.book_lift(LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=make_activity().id))


def test_a_resident_who_needs_an_escort_is_booked_with_one(db):
    """Mobility 'needs escort' means an escort rides along (even with the tick box left empty)."""
    joan = make_resident(mobility=Mobility.NEEDS_ESCORT, needs_escort=False)
    choir = make_activity()
    out = lifts.book_lift(LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=choir.id))
    assert out.escort is True and out.mobility == Mobility.NONE
    assert lifts.seats_needed(out) == 2


# --- seats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escort", "mobility", "seats"),
    [
        (False, Mobility.NONE, 1),
        (True, Mobility.NONE, 2),
        (False, Mobility.WALKING_AID, 1),
        (False, Mobility.WHEELCHAIR, 0),  # rides in their chair, in a wheelchair space
        (True, Mobility.WHEELCHAIR, 1),  # only the escort takes a seat
    ],
)
def test_seats_a_lift_needs_follow_from_escort_and_mobility(db, escort, mobility, seats):
    """One rule for seats, read by the solver's translation too (issue 10)."""
    joan = make_resident(mobility=mobility)
    out = lifts.book_lift(
        LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=make_activity().id, escort=escort)
    )
    assert lifts.seats_needed(out) == seats
    assert lift_from_row(out).seats == seats


def test_no_stored_seat_count_can_disagree_with_the_rule(db):
    """The seats column was written (2 with an escort) and never read; it is gone (issue 10)."""
    assert "seats" not in LiftRequest.__table__.columns
    assert "seats" not in {c["name"] for c in sa.inspect(db.engine).get_columns("lift_requests")}


def test_changing_the_escort_changes_the_seats(db):
    """An edit adding an escort is seen by the rule at once: nothing stored to update."""
    joan = make_resident()
    choir = make_activity()
    out = lifts.book_lift(LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=choir.id))
    lifts.update_lift(
        out.id, lifts.LiftEdit(arrive_by=out.arrive_by, escort=True, purpose="activity")
    )
    assert lifts.seats_needed(db.session.get(LiftRequest, out.id)) == 2


# --- expand_recurring ------------------------------------------------------------------------


def _weekly_choir(**overrides: object) -> tuple[RecurringLift, dt.date]:
    joan = make_resident(first_name="Joan")
    choir = make_activity(name="Choir")
    rec = lifts.book_recurring_lift(
        LiftInput(resident_id=joan.id, day=TUESDAY, activity_id=choir.id), **overrides
    )
    return rec, TUESDAY


def test_a_weekly_lift_makes_next_weeks_lifts_once(db):
    """Every Tuesday to choir: next Tuesday gets an outward lift and a lift home, once."""
    rec, first = _weekly_choir()
    next_week = first + dt.timedelta(days=7)
    assert lifts.expand_recurring(next_week) == 2
    assert lifts.expand_recurring(next_week) == 0  # safe to run again
    out, back = _legs(rec.resident_id, next_week)
    assert out.recurring_id == rec.id == back.recurring_id
    assert out.source == LiftSource.RECURRING and back.outbound_id == out.id
    assert out.arrive_by == dt.time(9, 50) and back.pickup_earliest == dt.time(12)


def test_a_weekly_lift_makes_nothing_on_other_days_or_after_it_ends(db):
    """Not on a Wednesday, not before it starts, not after its last week."""
    rec, first = _weekly_choir(ends_on=TUESDAY + dt.timedelta(days=7))
    assert lifts.expand_recurring(first + dt.timedelta(days=1)) == 0
    assert lifts.expand_recurring(first - dt.timedelta(days=7)) == 0
    assert lifts.expand_recurring(first + dt.timedelta(days=14)) == 0
    assert lifts.expand_recurring(first) == 0  # the first week was booked directly
    assert len(_legs(rec.resident_id)) == 2


def test_a_weekly_lift_of_a_resident_who_left_makes_nothing(db):
    """A resident marked inactive gets no more lifts from their standing booking."""
    rec, first = _weekly_choir()
    rec.resident.active = False
    db.session.commit()
    assert lifts.expand_recurring(first + dt.timedelta(days=7)) == 0
