"""Issue 13: a person's page tells their story, each section a small query of its own."""

from __future__ import annotations

import datetime as dt

from app.models import Alert
from app.models import AlertKind
from app.models import Gender
from app.models import LiftStatus
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import Mobility
from app.models import Pairing
from app.models import PairingStatus
from app.models import PlanStatus
from app.models import RecurringLift
from app.services import profiles
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.plan_builder import hm
from tests.plan_builder import make_plan

TODAY = dt.date(2026, 12, 2)


def test_preferences_read_as_a_coordinator_says_them(db):
    """Date of birth, gender and 'prefers a female driver' were saved but never shown."""
    joan = make_resident(
        date_of_birth=dt.date(1941, 12, 3),
        gender=Gender.FEMALE,
        prefers_female_driver=True,
        mobility=Mobility.WHEELCHAIR,
        needs_escort=True,
    )
    assert profiles.preferences_in_words(joan, today=TODAY) == [
        "84 years old",
        "female",
        "uses a wheelchair (needs an accessible car)",
        "travels with an escort",
        "prefers a female driver",
    ]


def test_lifts_past_and_coming_with_outcomes_and_drivers(db):
    joan = make_resident(first_name="Joan")
    dev = make_volunteer(first_name="Dev", last_name="Singh")
    done = make_lift(joan, day=dt.date(2026, 11, 24), status=LiftStatus.COMPLETED)
    missed = make_lift(joan, day=dt.date(2026, 11, 17), status=LiftStatus.NO_SHOW)
    coming = make_lift(joan, day=dt.date(2026, 12, 8))
    make_lift(make_resident(first_name="Other"), day=dt.date(2026, 12, 8))
    make_plan(
        dt.date(2026, 11, 24),
        [(dev, [(done, hm("9:00"), hm("9:30"))])],
        status=PlanStatus.PUBLISHED,
    )
    story = profiles.resident_story(joan.id, today=TODAY)
    assert [line.lift.id for line in story.coming] == [coming.id]
    assert [(line.lift.id, line.lift.status, line.driver) for line in story.past] == [
        (done.id, LiftStatus.COMPLETED, "Dev Singh"),
        (missed.id, LiftStatus.NO_SHOW, None),
    ]


def test_standing_lifts_befriender_texts_and_alerts_are_on_the_page(db):
    joan = make_resident(first_name="Joan")
    choir = make_activity()
    rec = RecurringLift(
        resident_id=joan.id,
        activity_id=choir.id,
        weekday=1,
        starts_on=dt.date(2026, 12, 1),
        arrive_by=dt.time(9, 50),
    )
    sue = make_volunteer(first_name="Sue", is_befriender=True)
    db.session.add_all(
        [
            rec,
            Pairing(resident_id=joan.id, volunteer_id=sue.id, status=PairingStatus.ACTIVE),
            Message(
                direction=MessageDirection.OUTBOUND,
                phone=joan.phone,
                body="Your lift is at 9:20",
                status=MessageStatus.SENT,
                resident_id=joan.id,
            ),
            Alert(kind=AlertKind.OPTED_OUT, phone=joan.phone, detail="STOP", resident_id=joan.id),
        ]
    )
    db.session.commit()
    story = profiles.resident_story(joan.id, today=TODAY)
    assert [r.id for r in story.standing] == [rec.id]
    assert [p.volunteer.first_name for p in story.pairings] == ["Sue"]
    assert [m.body for m in story.texts] == ["Your lift is at 9:20"]
    assert [a.detail for a in story.alerts] == ["STOP"]
    assert profiles.standing_lifts(activity_id=choir.id)[0].resident_id == joan.id
    sue_story = profiles.volunteer_story(sue.id, today=TODAY)
    assert [p.resident.first_name for p in sue_story.pairings] == ["Joan"]


def test_a_drivers_routes_coming_and_driven(db):
    dev = make_volunteer(first_name="Dev")
    past = make_lift(day=dt.date(2026, 11, 30))
    soon = make_lift(day=dt.date(2026, 12, 3))
    make_plan(
        dt.date(2026, 11, 30),
        [(dev, [(past, hm("9:00"), hm("9:30"))])],
        status=PlanStatus.PUBLISHED,
    )
    make_plan(
        dt.date(2026, 12, 3), [(dev, [(soon, hm("9:00"), hm("9:30"))])], status=PlanStatus.PUBLISHED
    )
    make_plan(dt.date(2026, 12, 4), [(dev, [])])  # a draft is not a route driven
    story = profiles.volunteer_story(dev.id, today=TODAY)
    assert [(line.day, line.pickups) for line in story.coming] == [(dt.date(2026, 12, 3), 1)]
    assert [(line.day, line.pickups) for line in story.past] == [(dt.date(2026, 11, 30), 1)]
