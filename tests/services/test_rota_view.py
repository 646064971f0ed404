"""The rota view: what the rota page, run sheets and map are built from (issue 10: untested)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import NotFound
from app.models import Mobility
from app.models import PlanStatus
from app.services import rota_view
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.plan_builder import hm
from tests.plan_builder import make_plan

DAY = dt.date(2030, 6, 4)  # a Tuesday


def test_a_day_without_a_plan_shows_an_empty_working_day(db):
    """No plan yet: no routes, nothing unserved, a timeline from 8am to 6pm."""
    view = rota_view.day_view(DAY)
    assert (view.plan, view.published, view.routes, view.unserved) == (None, None, (), ())
    assert (view.timeline_start_s, view.timeline_end_s) == (hm("8:00"), hm("18:00"))
    assert not view.needs_replan and view.map_data() == {"routes": [], "unserved": []}


def test_a_route_reads_as_the_driver_will_drive_it(db):
    """Stops in order with names, phones, addresses, needs and one time format; whole hours."""
    dev = make_volunteer(first_name="Dev", last_name="Patel", car_seats=3, wheelchair_spaces=1)
    joan = make_resident(first_name="Joan", last_name="Khan", mobility=Mobility.WHEELCHAIR)
    amir = make_resident(first_name="Amir", last_name="Ali")
    j = make_lift(joan, day=DAY, mobility=Mobility.WHEELCHAIR, escort=True)
    a = make_lift(amir, day=DAY, arrive_by=dt.time(11))
    plan = make_plan(
        DAY, [(dev, [(j, hm("9:08") + 40, hm("9:40")), (a, hm("10:15"), hm("10:50"))])]
    )
    view = rota_view.day_view(DAY)
    assert view.plan is not None and view.plan.id == plan.id and view.is_draft
    (route,) = view.routes
    assert (route.driver_name, route.car, route.lifts) == ("Dev Patel", "3 seats, 1 wheelchair", 2)
    first = route.lift_stops[0]
    assert (first.kind, first.time, first.resident_name) == ("pickup", "9:08am", "Joan Khan")
    assert first.needs == "wheelchair, escort comes too"
    assert first.address == joan.address and first.resident_phone == joan.phone
    assert [s.kind for s in route.lift_stops] == ["pickup", "dropoff", "pickup", "dropoff"]
    # The timeline runs over whole hours around the routes (they start 15 minutes early).
    assert (view.timeline_start_s, view.timeline_end_s) == (hm("8:00"), hm("12:00"))
    assert 0 < view.percent(first.service_start_s) < 100
    routes = view.map_data()["routes"]
    assert routes[0]["driver"] == "Dev Patel"
    assert routes[0]["stops"][0] == ["p", "9:08am", "Joan Khan"]


def test_the_unserved_lifts_say_why_and_what_would_fix_it(db):
    """Unserved lifts come in time order, with the reason's words, fix and the resident."""
    dev = make_volunteer(first_name="Dev")
    zed = make_resident(first_name="Zed", last_name="Young")
    ann = make_resident(first_name="Ann", last_name="Zane")
    late = make_lift(zed, day=DAY, arrive_by=dt.time(14))
    early = make_lift(ann, day=DAY, arrive_by=dt.time(9))
    make_plan(DAY, [(dev, [])], unserved=[late, early])
    view = rota_view.day_view(DAY)
    assert [u.lift.id for u in view.unserved] == [early.id, late.id]
    assert view.unserved[0].reason_text == "No driver is free at that time."
    assert view.unserved[0].fix == "Ask a driver to add hours on this day."
    pins = view.map_data()["unserved"]
    assert [p[2] for p in pins] == ["Ann Zane", "Zed Young"]


def test_the_current_plan_is_shown_and_the_published_one_is_kept_in_view(db):
    """A draft made after publishing is shown; the published plan stays known to the page."""
    dev = make_volunteer()
    lift = make_lift(make_resident(), day=DAY)
    told = PlanStatus.PUBLISHED
    published = make_plan(DAY, [(dev, [(lift, hm("9:00"), hm("9:30"))])], status=told)
    draft = make_plan(DAY, [(dev, [(lift, hm("9:05"), hm("9:35"))])])
    view = rota_view.day_view(DAY)
    assert view.plan is not None and view.plan.id == draft.id
    assert view.published is not None and view.published.id == published.id
    older = rota_view.day_view(DAY, plan_id=published.id)
    assert older.routes[0].lift_stops[0].time == "9am"


def test_a_route_is_found_by_its_id_or_not_at_all(db):
    """A route page for an unknown route is a clear NotFound, not a 500."""
    dev = make_volunteer(first_name="Dev", last_name="Patel")
    lift = make_lift(make_resident(), day=DAY)
    plan = make_plan(DAY, [(dev, [(lift, hm("9:00"), hm("9:30"))])])
    day, route = rota_view.route_view(plan.routes[0].id)
    assert day == DAY and route.driver_name == "Dev Patel"
    with pytest.raises(NotFound, match="no route number 999999"):
        rota_view.route_view(999999)


def test_pin_choices_put_free_drivers_first_and_warn_about_the_rest(db):
    """Free drivers first; a driver off that day, without DBS or a wheelchair car is flagged."""
    joan = make_resident(mobility=Mobility.WHEELCHAIR)
    lift = make_lift(joan, day=DAY, mobility=Mobility.WHEELCHAIR)
    valid, expired = dt.date(2031, 1, 1), dt.date(2029, 1, 1)
    make_volunteer(first_name="Able", last_name="Zed", wheelchair_spaces=1, dbs_valid_until=valid)
    make_volunteer(first_name="Bea", last_name="Car", wheelchair_spaces=0, dbs_valid_until=valid)
    make_volunteer(first_name="Cy", last_name="Dbs", wheelchair_spaces=1, dbs_valid_until=expired)
    make_volunteer(
        first_name="Di", last_name="Off", wheelchair_spaces=1, dbs_valid_until=valid, weekly=[]
    )
    choices = {c.name: c for c in rota_view.driver_choices(lift)}
    assert list(choices)[0] == "Able Zed" and choices["Able Zed"].warning == ""
    assert choices["Able Zed"].windows == "8am–6pm"
    assert choices["Bea Car"].warning == "car takes no wheelchair"
    assert choices["Cy Dbs"].warning == "Their DBS check ran out on 1 January 2029"
    assert choices["Di Off"].warning == "not free that day"


def test_the_run_sheet_map_fits_the_box():
    """The sketch map of a run sheet keeps every point inside its box."""
    svg = rota_view.svg_map([(51.53, 0.08), (51.56, 0.13), (51.54, 0.15)], width=320, height=220)
    assert len(svg.points) == 3
    assert all(0 <= x <= 320 and 0 <= y <= 220 for x, y in svg.points)
    assert rota_view.svg_map([]).points == ()
