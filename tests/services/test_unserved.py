"""Issue 10: one table of reasons a lift is not planned, and words that name people, not ids."""

from __future__ import annotations

import datetime as dt

from app.models import Gender
from app.models import LiftLeg
from app.models import Mobility
from app.models import Plan
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason
from app.services import rota
from app.services import rota_view
from app.services import unserved as unserved_words
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

TUESDAY = dt.date(2026, 12, 1)


def _only_unserved(summary: rota.PlanSummary):
    plan = rota.get_plan(summary.plan_id)
    (row,) = plan.unserved
    return plan, row


def test_every_reason_has_its_words_and_fix_in_one_table():
    """Each reason the optimizer or the services give has a sentence and a fix, in one place."""
    codes = {r.value for r in UnservedReason} | {
        unserved_words.OUTBOUND_UNSERVED,
        unserved_words.NO_LOCATION,
    }
    assert codes == set(unserved_words.REASONS)
    for words in unserved_words.REASONS.values():
        assert words.text.endswith(".") and words.fix.endswith(".")
    # The two old copies are gone (rota.FIXES and rota_view.REASON_TEXT).
    assert not hasattr(rota, "FIXES") and not hasattr(rota_view, "REASON_TEXT")


def test_a_lift_pinned_to_a_driver_who_cannot_take_it_names_the_driver(db):
    """'It is pinned to Dev Patel', never "The pinned driver '23' cannot take this lift"."""
    dev = make_volunteer(first_name="Dev", last_name="Patel", gender=Gender.MALE)
    make_volunteer(first_name="Sue", last_name="Okoro", gender=Gender.FEMALE)
    joan = make_resident(first_name="Joan", prefers_female_driver=True)
    lift = make_lift(joan, day=TUESDAY)
    rota.pin_lift(lift.id, dev.id)
    plan, row = _only_unserved(rota.plan_day(TUESDAY, time_limit_s=1))
    assert row.reason == UnservedReason.PINNED_DRIVER_UNABLE
    assert "Dev Patel" in row.detail
    assert not any(ch.isdigit() for ch in row.detail), row.detail
    (shown,) = rota_view.day_view(TUESDAY, plan_id=plan.id).unserved
    assert shown.reason_text == "The driver it is pinned to cannot take it."
    assert shown.fix == "Unpin the lift or change the pinned driver's hours."


def test_a_lift_pinned_to_a_driver_not_free_then_names_the_driver(db):
    """A pinned driver free only in the afternoon cannot do a morning lift: named, no id."""
    dev = make_volunteer(
        first_name="Dev", last_name="Patel", weekly=[(TUESDAY.weekday(), dt.time(14), dt.time(18))]
    )
    make_volunteer(first_name="Sue", last_name="Okoro")
    lift = make_lift(make_resident(), day=TUESDAY, arrive_by=dt.time(10))
    rota.pin_lift(lift.id, dev.id)
    _plan, row = _only_unserved(rota.plan_day(TUESDAY, time_limit_s=1))
    assert row.reason == UnservedReason.PINNED_DRIVER_UNABLE
    assert row.detail == (
        "The pinned driver is not free long enough to do this lift, even alone. "
        "It is pinned to Dev Patel."
    )


def test_busy_drivers_are_named(db):
    """The drivers who could have done a lift alone are listed by name."""
    dev = make_volunteer(first_name="Dev", last_name="Patel")
    sue = make_volunteer(first_name="Sue", last_name="Okoro")
    ids = (str(dev.id), str(sue.id))
    found = Unserved("1", UnservedReason.DRIVERS_BUSY, "2 driver(s) could ...", ids)
    said = unserved_words.explain(found)
    assert said == "2 driver(s) could ... Those drivers: Dev Patel and Sue Okoro."


def test_flask_rota_plan_names_the_resident_not_the_lift_id(app, db):
    """The command line says whose lift was not planned and why, in the same words."""
    make_volunteer(wheelchair_spaces=0)
    wendy = make_resident(first_name="Wendy", last_name="Ward", mobility=Mobility.WHEELCHAIR)
    lift = make_lift(wendy, day=TUESDAY, mobility=Mobility.WHEELCHAIR)
    result = app.test_cli_runner().invoke(
        args=["rota", "plan", "--date", TUESDAY.isoformat(), "--time-limit", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Wendy Ward, to Becontree Avenue: No wheelchair-accessible car is free." in result.output
    assert "Ask a driver with a wheelchair-accessible car to cover this day." in result.output
    assert f"lift {lift.id}" not in result.output
    assert db.session.query(Plan).count() == 1


def test_a_return_left_out_with_its_outward_lift_shows_no_lift_id(db):
    """The return's reason says the outward lift is not planned, without the lift's number."""
    make_volunteer()
    joan = make_resident(first_name="Joan")
    # Picked up at 9:00 to arrive by 9:01: impossible, so the lift home is left out too.
    out = make_lift(
        joan,
        day=TUESDAY,
        pickup_earliest=dt.time(9),
        pickup_latest=dt.time(9),
        arrive_by=dt.time(9, 1),
    )
    make_lift(
        joan,
        day=TUESDAY,
        leg=LiftLeg.RETURN,
        outbound_id=out.id,
        pickup_lat=out.destination_lat,
        pickup_lon=out.destination_lon,
        destination_lat=out.pickup_lat,
        destination_lon=out.pickup_lon,
        arrive_by=None,
        pickup_earliest=dt.time(12),
        pickup_latest=dt.time(12, 30),
    )
    plan = rota.get_plan(rota.plan_day(TUESDAY, time_limit_s=1).plan_id)
    reasons = {row.reason: row.detail for row in plan.unserved}
    assert set(reasons) == {"window_impossible_alone", "outbound_unserved"}
    assert not any(ch.isdigit() for ch in reasons["outbound_unserved"]), reasons


def test_an_impossible_window_reads_its_times_like_every_page(db):
    """The rota's reason gives times as the run sheets and texts do (9:01am), never 09:01."""
    make_volunteer()
    make_lift(
        make_resident(),
        day=TUESDAY,
        pickup_earliest=dt.time(9),
        pickup_latest=dt.time(9),
        arrive_by=dt.time(9, 1),
    )
    _plan, row = _only_unserved(rota.plan_day(TUESDAY, time_limit_s=1))
    assert row.reason == UnservedReason.WINDOW_IMPOSSIBLE_ALONE
    assert "after the arrival deadline 9:01am." in row.detail, row.detail
    assert "09:" not in row.detail
