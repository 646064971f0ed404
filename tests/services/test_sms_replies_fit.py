"""Every reply to a text fits in two SMS parts (issue 15, found by fuzzing the conversations).

Before: a resident who sings at six places got a four-part booking menu, and one with nine
lifts booked a five-part list; a very long place name made a three-part confirmation.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import LiftRequest
from app.models import LiftSource
from app.services import sms_templates as words
from app.services.conversations import handle_inbound
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.fakes import install_fake_sms

NOW = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
_sids = itertools.count(1)
PLACES = [
    ("Singing for the Brain", "Becontree Heath Leisure Centre Community Room"),
    ("Golden Voices Community Choir", "St Peter and St Paul's Church Hall, Dagenham"),
    ("Sing Along Tea Afternoon", "Barking Learning Centre, Second Floor Studio"),
    ("Musical Memories Group", "Marks Gate Community Centre and Library"),
    ("Friday Gospel Choir", "Thames View Health Centre Meeting Room"),
    ("Wednesday Karaoke Club", "Castle Point Hall, Rainham Road North"),
]


@pytest.fixture(autouse=True)
def _sms(app: Flask) -> None:
    install_fake_sms(app)


def text(phone: str, body: str) -> str:
    reply = handle_inbound(phone, body, f"SMfit{next(_sids):028d}", now=NOW).reply
    assert reply is not None
    return reply


def test_a_long_booking_menu_shows_the_options_that_fit() -> None:
    joan = make_resident(first_name="Joan", interests=["singing"])
    for n, (what, where) in enumerate(PLACES):
        make_activity(make_venue(name=where), name=what, weekday=n % 5, interests=["singing"])
    menu = text(joan.phone, "LIFT")
    assert words.segments(menu) <= 2, menu
    assert menu.startswith("Where would you like a lift to?") and "1. " in menu
    assert menu.endswith('Or reply with the place and the day, e.g. "library Friday".')
    shown = menu.count("\n") - 1
    assert 1 <= shown < len(PLACES)
    # The numbers still choose what was shown.
    assert text(joan.phone, str(shown)).startswith(menu.splitlines()[shown].split(". ", 1)[1][:10])


def test_nine_lifts_are_listed_as_far_as_two_parts_go() -> None:
    siobhan = make_resident(first_name="Siobhán")
    choir = make_activity(make_venue(name="Valence Library"), name="Choir")
    today = NOW.date()
    lifts = [
        make_lift(siobhan, day=today + dt.timedelta(days=n + 1), activity_id=choir.id)
        for n in range(9)
    ]
    listed = text(siobhan.phone, "MY LIFTS")
    assert words.segments(listed) <= 2, listed
    shown = sum(1 for line in listed.splitlines() if line[:1].isdigit())
    assert 1 <= shown < 9
    assert f"And {9 - shown} more after these." in listed
    # DROP 1 still means the first lift listed.
    confirm = text(siobhan.phone, "DROP 1")
    assert words.day_name(lifts[0].day) in confirm


def test_a_very_long_place_name_is_shortened_not_sent_in_three_parts() -> None:
    joan = make_resident(first_name="Joan")
    long_name = "The Barking and Dagenham Over Sixties Friendship and Wellbeing Club " * 2
    venue = make_venue(name=long_name.strip()[:160])
    choir = make_activity(venue, name=long_name.strip()[:160], weekday=(NOW.weekday() + 2) % 7)
    make_lift(joan, day=NOW.date() - dt.timedelta(days=5), activity_id=choir.id)
    menu = text(joan.phone, "LIFT")
    assert words.segments(menu) <= 2, menu
    confirm = text(joan.phone, "1")
    assert words.segments(confirm) <= 2, confirm
    assert confirm.endswith("Reply 1 to book it, or 2 to choose again."), confirm
    assert "..." in confirm
    assert text(joan.phone, "1").startswith("Booked:")
    booked = db.session.scalars(
        sa.select(LiftRequest).where(
            LiftRequest.resident_id == joan.id, LiftRequest.source == LiftSource.SMS
        )
    ).all()
    assert len(booked) == 2  # there and back


def test_fit_drops_accents_only_when_that_is_enough() -> None:
    short = "Sorry Siobhán, I did not understand that."
    assert words.fit(short) == short  # fits as it is: her name stays as she spells it
    long = "Sorry Siobhán. " + "x" * 120
    assert words.segments(long) == 3 and words.fit(long) == "Sorry Siobhan. " + "x" * 120
