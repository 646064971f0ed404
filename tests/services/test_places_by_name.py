"""Places by name everywhere (issue 13): "Barking Community Hospital", not "Upney Lane, Barking".

A resident booked to the hospital (a venue, no activity) used to read as its street in the lifts
list, the lift's page, the rota, the run sheets, every text and MY LIFTS. Each surface is walked
here; the driver still gets the street where they need to find the place.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import LiftRequest
from app.models import PlanRoute
from app.models import Resident
from app.models import Venue
from app.models import Volunteer
from app.services import publishing
from app.services.conversations import handle_inbound
from app.services.lifts import LiftInput
from app.services.lifts import book_lift
from app.services.lifts import book_recurring_lift
from app.services.lifts import expand_recurring
from app.services.places import lift_end
from app.services.places import lift_place
from app.services.places import place_and_address
from app.services.places import place_name
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.plan_builder import hm
from tests.plan_builder import make_plan

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # Monday morning in London
TUESDAY = dt.date(2026, 12, 1)
HOSPITAL = "Barking Community Hospital"
_sids = itertools.count(1)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


@pytest.fixture()
def hospital(sms: FakeSmsSender) -> Venue:
    return make_venue(
        name=HOSPITAL,
        address="Upney Lane, Barking",
        postcode="IG11 9LX",
        lat=51.540233,
        lon=0.09988,
    )


@pytest.fixture()
def hilda(hospital: Venue) -> Resident:
    return make_resident(first_name="Hilda", address="14 Ripple Road")


def _book(hilda: Resident, hospital: Venue) -> LiftRequest:
    return book_lift(
        LiftInput(
            resident_id=hilda.id,
            day=TUESDAY,
            venue_id=hospital.id,
            arrive_by=dt.time(10, 30),
            return_earliest=dt.time(12),
            return_latest=dt.time(12, 30),
            purpose="medical",
        )
    )


def _published(hilda: Resident, hospital: Venue) -> tuple[LiftRequest, Volunteer]:
    out = _book(hilda, hospital)
    (back,) = out.return_legs
    driver = make_volunteer(first_name="Dev")
    plan = make_plan(
        TUESDAY, [(driver, [(out, hm("9:50"), hm("10:20")), (back, hm("12:05"), hm("12:30"))])]
    )
    publishing.publish_plan(plan.id, now=NOW)
    return out, driver


def test_a_place_is_named_and_a_street_address_stays_a_street() -> None:
    """The one rule: a name when the place has one, the street without the number when not."""
    assert place_name(venue=HOSPITAL, address="Upney Lane, Barking") == HOSPITAL
    assert place_name(activity="Choir", venue="Valence Library") == "Choir at Valence Library"
    assert place_name(address="12 Ripple Road", postcode="IG11 7NB") == "Ripple Road"
    assert place_name(postcode="IG11 7NB") == "IG11 7NB"
    assert (
        place_and_address(HOSPITAL, "Upney Lane, Barking", "IG11 9LX")
        == "Barking Community Hospital, Upney Lane, Barking IG11 9LX"
    )
    # A venue saved with its name as its address is not named twice.
    assert place_and_address("Valence Library", "Valence Library", "RM8 3HT") == (
        "Valence Library RM8 3HT"
    )


def test_a_lift_to_a_venue_knows_the_venue_both_ways(hilda: Resident, hospital: Venue) -> None:
    """Booked to the hospital, both legs carry it: there and, for the lift home, from."""
    out = _book(hilda, hospital)
    (back,) = out.return_legs
    assert out.venue_id == hospital.id and back.venue_id == hospital.id
    assert lift_place(out) == HOSPITAL and lift_place(back) == HOSPITAL
    assert lift_end(out, pickup=False) == f"{HOSPITAL}, Upney Lane, Barking IG11 9LX"
    assert lift_end(back, pickup=True) == f"{HOSPITAL}, Upney Lane, Barking IG11 9LX"
    assert lift_end(out, pickup=True).startswith("14 Ripple Road")


def test_a_standing_lift_to_a_venue_keeps_its_name_each_week(
    hilda: Resident, hospital: Venue
) -> None:
    """A weekly lift to the hospital generates lifts that still name the hospital."""
    rec = book_recurring_lift(
        LiftInput(
            resident_id=hilda.id,
            day=TUESDAY,
            venue_id=hospital.id,
            arrive_by=dt.time(10, 30),
            with_return=False,
        )
    )
    assert rec.venue_id == hospital.id
    expand_recurring(TUESDAY + dt.timedelta(days=7))
    later = db.session.scalars(
        db.select(LiftRequest).where(LiftRequest.day == TUESDAY + dt.timedelta(days=7))
    ).one()
    assert lift_place(later) == HOSPITAL


def test_texts_name_the_hospital_and_the_driver_still_gets_the_street(
    hilda: Resident, hospital: Venue, sms: FakeSmsSender
) -> None:
    """Hilda's confirmation says where she is going by name; Dev's texts name it and give the
    street and postcode to find it."""
    _out, driver = _published(hilda, hospital)
    (confirmation,) = sms.to(hilda.phone)
    assert f"to go to {HOSPITAL}." in confirmation and "Upney Lane" not in confirmation
    route_texts = "\n".join(sms.to(driver.phone))
    assert f"drop Hilda at {HOSPITAL} IG11 9LX" in route_texts
    _reply, queued = publishing.driver_reply(driver, True, now=NOW)
    (addresses,) = [m.body for m in queued]
    assert f"To {HOSPITAL}, home at 12:05pm." in addresses
    assert f"{HOSPITAL} is at Upney Lane, Barking IG11 9LX." in addresses


def test_my_lifts_names_the_hospital(hilda: Resident, hospital: Venue) -> None:
    """MY LIFTS lists Hilda's lift as going to the hospital, not to a street."""
    _published(hilda, hospital)
    reply = handle_inbound(hilda.phone or "", "MY LIFTS", f"SM{next(_sids):032d}", now=NOW).reply
    assert reply is not None
    assert f"Tue 1 Dec, {HOSPITAL}, pickup" in reply and "Upney Lane" not in reply


def test_lists_rota_and_run_sheets_name_the_hospital(
    client: FlaskClient, coordinator: object, hilda: Resident, hospital: Venue
) -> None:
    """The lifts list, the lift's page, the rota and the run sheets show the hospital's name."""
    out, driver = _published(hilda, hospital)
    named = f"{HOSPITAL}, Upney Lane, Barking IG11 9LX"
    lifts = client.get(f"/lifts/?day={TUESDAY.isoformat()}").get_data(as_text=True)
    assert lifts.count(named) == 2  # going there, and coming home from there
    detail = client.get(f"/lifts/{out.id}").get_data(as_text=True)
    assert named in detail
    route = db.session.scalars(db.select(PlanRoute).where(PlanRoute.volunteer_id == driver.id))
    stops = client.get(f"/rota/routes/{route.one().id}/stops").get_data(as_text=True)
    assert stops.count(named) == 2
    sheets = client.get(f"/rota/sheets?day={TUESDAY.isoformat()}").get_data(as_text=True)
    assert f"<strong>{HOSPITAL}</strong><br>Upney Lane, Barking IG11 9LX" in sheets
