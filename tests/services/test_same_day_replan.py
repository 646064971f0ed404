"""A driver falls ill at 9:00 and the rest of today is re-planned (issue 13): stops done and
under way stay as they were, each car carries on from where it is with its riders, the lifts
still to come find other drivers, and publishing tells only the people whose lift changed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import DriverResponse
from app.models import LiftStatus
from app.models import Message
from app.models import Plan
from app.models import PlanRoute
from app.models import StopKind
from app.services import clock
from app.services import publishing
from app.services import rota
from app.services import today
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.today_day import DAY
from tests.today_day import Day
from tests.today_day import at


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


@pytest.fixture()
def day(sms: FakeSmsSender) -> Day:
    return Day()


def _stops(plan: Plan, volunteer_id: int) -> list[tuple[str, int | None, int]]:
    route = next(r for r in plan.routes if r.volunteer_id == volunteer_id)
    return [(s.kind.value, s.lift_id, s.service_start_s) for s in route.stops]


def test_dev_ill_at_nine_the_rest_of_the_day_goes_to_sue(day: Day, sms: FakeSmsSender) -> None:
    """Dev is on his way to Joan at 9:00 when he falls ill: he still collects Joan and drops
    her at choir (frozen), Sue carries on from Zofia's with Zofia aboard and takes Amir and the
    lifts home; published, Sue and Amir are texted, Dev is not."""
    joan_out, joan_back = day.ids("Joan")
    amir_out, amir_back = day.ids("Amir")
    zofia_out, _zofia_back = day.ids("Zofia")
    old_dev = _stops(day.plan, day.dev.id)
    old_sue = _stops(day.plan, day.sue.id)
    today.take_driver_off(day.route_of("Dev").id, reason="ill", now=at("9:00"))

    summary = rota.plan_day(DAY, now=at("9:00"), time_limit_s=2)
    draft = db.session.get(Plan, summary.plan_id)
    assert draft is not None

    # Dev: the stops settled at 9:00 (home, Joan's pickup he was heading for), Joan taken to
    # choir because she is aboard, then home: exactly as published, nothing new.
    dev = _stops(draft, day.dev.id)
    assert dev == [
        old_dev[0],
        old_dev[1],
        next(s for s in old_dev if s[:2] == ("dropoff", joan_out)),
        old_dev[-1],
    ]
    # Sue: her settled stops as published (home, Zofia's pickup she is heading for), then the
    # solver's continuation from Zofia's, nothing before 9:00, Zofia dropped off by her.
    sue = _stops(draft, day.sue.id)
    assert sue[:2] == old_sue[:2]
    assert all(t >= 9 * 3600 for _, _, t in sue[2:])
    assert [k for k, lift, _ in sue].count("start") == 1
    planned = {lift for _, lift, _ in sue if lift}
    assert {zofia_out, amir_out, amir_back, joan_back} <= planned
    assert ("pickup", zofia_out) not in [(k, lift) for k, lift, _ in sue[2:]]
    assert summary.unserved == 0

    sms.sent.clear()
    result = publishing.publish_plan(draft.id, now=at("9:02"))
    assert sms.to(day.dev.phone) == []
    assert sms.to(day.sue.phone) and result.drivers_texted == 1
    assert any(
        "a change to your lift" in t and day.sue.first_name in t for t in sms.to(day.amir.phone)
    )
    dev_route = db.session.scalars(
        sa.select(PlanRoute).where(
            PlanRoute.plan_id == draft.id, PlanRoute.volunteer_id == day.dev.id
        )
    ).one()
    assert dev_route.response == DriverResponse.DECLINED

    # /today after publishing: Dev off, Sue on her way to Zofia, every lift on a route.
    view = today.today_view(at("9:05"))
    by_name = {d.route.driver_name.split()[0]: d for d in view.drivers}
    assert by_name["Dev"].off
    assert by_name["Sue"].where_now.startswith("On the way to pick up Zofia")
    assert {r.lift_id for r in view.to_record} >= {amir_out, amir_back, joan_back}
    assert db.session.get(type(day.legs["Amir"][0]), amir_out).status == LiftStatus.PLANNED  # type: ignore[union-attr]
    assert not db.session.scalar(
        sa.select(Message.id).where(
            Message.kind == "driver_route",
            Message.volunteer_id == day.dev.id,
            Message.created_at >= at("9:01"),
        )
    )


def test_lifts_already_done_are_not_planned_again(day: Day) -> None:
    """At 11:00 the morning lifts are done (recorded or by the clock): a re-plan keeps them
    where they were and plans only the lifts home."""
    joan_out, _ = day.ids("Joan")
    today.record_day(DAY, [today.OutcomeRow(joan_out, "completed")], {}, now=at("11:00"))
    summary = rota.plan_day(DAY, now=at("11:00"), time_limit_s=2)
    draft = db.session.get(Plan, summary.plan_id)
    assert draft is not None
    assert summary.lifts == 3  # the three lifts home
    for route in draft.routes:
        kinds = [(s.kind, s.lift_id) for s in route.stops]
        assert kinds.count((StopKind.PICKUP, joan_out)) <= 1


def test_a_route_texted_mid_day_starts_from_now(day: Day) -> None:
    """A route changed at 10:00 is texted from 10:00 on: the morning already driven is not
    read out again, and the addresses that follow are only those still to visit."""
    route = day.route_of("Dev")
    texts = "\n".join(publishing.route_texts(route, now=at("10:00")))
    assert "12:05pm" in texts and "9:05am" not in texts and "9:20am" not in texts
    assert "2 pickups" in texts
    addresses = "\n".join(publishing.pickup_address_texts(route, now=at("10:00")))
    assert "collect Joan" in addresses and "home to 12 Ripple Road" in addresses
    whole_day = "\n".join(publishing.route_texts(route))
    assert "9:05am" in whole_day


def test_a_resident_already_driven_out_hears_only_of_the_lift_home(
    day: Day, sms: FakeSmsSender
) -> None:
    """Dev falls ill at 11:00, after taking Joan to choir: the re-plan gives her lift home to
    another driver, and her text speaks of the lift home alone, not of this morning's driver
    and pickup window (issue 13)."""
    joan_out, joan_back = day.ids("Joan")
    morning = publishing.resident_lifts(day.plan)[day.joan.id]
    window_from, window_to = publishing.pickup_window(morning.pickup_s)
    today.take_driver_off(day.route_of("Dev").id, reason="ill", now=at("11:00"))
    summary = rota.plan_day(DAY, now=at("11:00"), time_limit_s=2)
    draft = db.session.get(Plan, summary.plan_id)
    assert draft is not None
    home = next(
        (r.volunteer, s.service_start_s)
        for r in draft.routes
        for s in r.stops
        if s.lift_id == joan_back and s.kind == StopKind.PICKUP
    )
    assert home[0].id != day.dev.id

    sms.sent.clear()
    publishing.publish_plan(draft.id, now=at("11:02"))
    (text,) = sms.to(day.joan.phone)
    assert "lift home" in text and home[0].first_name in text
    assert clock.time_of_day(home[1]) in text
    assert day.dev.first_name not in text
    assert window_from not in text and window_to not in text
    # Before 9:05 the same change still names the morning's lift: it is still to come.
    assert publishing.still_to_come(DAY, morning.pickup_s, at("9:00"))
    assert not publishing.still_to_come(DAY, morning.pickup_s, at("11:02"))
    assert joan_out in {s.lift_id for r in draft.routes for s in r.stops}
