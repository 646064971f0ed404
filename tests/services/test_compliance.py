"""Volunteer compliance (issue 13): a driver is planned only when every check is valid on the
day — one function, used by the day's problem, the pin check, the dashboard and the checks-due
list; warnings on save; drivers need a mobile."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from app.errors import InvalidInput
from app.extensions import db
from app.models import DbsLevel
from app.services import rota
from app.services.compliance import checks_due
from app.services.compliance import drivers_with_checks_due
from app.services.compliance import may_drive_on
from app.services.compliance import warnings_on_save
from app.services.dashboard import tomorrow_at_a_glance
from app.services.people import VolunteerInput
from app.services.people import create_volunteer
from app.services.rota_view import driver_choices
from tests.factories import add_postcode
from tests.factories import make_lift
from tests.factories import make_volunteer

DAY = dt.date(2026, 12, 1)


def test_a_driver_with_every_check_valid_may_drive(app: Flask) -> None:
    """The factory's driver: enhanced with barred list, re-checked, licence, insurance, MOT."""
    decision = may_drive_on(make_volunteer(), DAY)
    assert decision.ok and decision.reasons == ()
    assert decision.valid_until == dt.date(2030, 1, 1)  # the earliest: the bureau's DBS date


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"dbs_level": DbsLevel.ENHANCED},
            "Their DBS check is enhanced; driving needs enhanced with the adults' barred list.",
        ),
        ({"dbs_level": None}, "No DBS level is recorded."),
        (
            {"dbs_update_checked_on": dt.date(2025, 10, 1)},
            "Their DBS check ran out on 1 October 2026.",
        ),
        ({"dbs_valid_until": dt.date(2025, 6, 30)}, "Their DBS check ran out on 30 June 2025."),
        ({"licence_checked_on": None}, "No driving licence check is recorded."),
        (
            {"insurance_expires_on": dt.date(2026, 11, 30)},
            "Their insurance ran out on 30 November 2026.",
        ),
        ({"mot_expires_on": dt.date(2026, 11, 1)}, "Their MOT ran out on 1 November 2026."),
        ({"phone": "+442082270001"}, "Their phone is not a mobile: routes go by text."),
    ],
)
def test_each_check_that_fails_is_named_in_words(app: Flask, change: dict, words: str) -> None:
    """Every check stops them driving, and the reason says which and since when."""
    decision = may_drive_on(make_volunteer(**change), DAY)
    assert not decision.ok and decision.reasons == (words,)


def test_the_level_dispatch_needs_is_configurable(app: Flask) -> None:
    """A bureau that accepts an enhanced check sets DRIVER_DBS_LEVEL=enhanced."""
    driver = make_volunteer(dbs_level=DbsLevel.ENHANCED)
    assert not may_drive_on(driver, DAY)
    app.config["DRIVER_DBS_LEVEL"] = "enhanced"
    assert may_drive_on(driver, DAY)


def test_the_update_service_recheck_interval_is_configurable(app: Flask) -> None:
    """Re-checked yearly by default; DBS_RECHECK_DAYS=90 makes a check 4 months old too old."""
    driver = make_volunteer(dbs_update_checked_on=dt.date(2026, 8, 1))
    assert may_drive_on(driver, DAY)
    app.config["DBS_RECHECK_DAYS"] = 90
    assert may_drive_on(driver, DAY).reasons == ("Their DBS check ran out on 30 October 2026.",)


def test_the_days_problem_leaves_out_a_driver_whose_insurance_ran_out(app: Flask) -> None:
    """The planner is told the driver may not drive: the lift goes unserved with the reason."""
    make_volunteer(insurance_expires_on=DAY - dt.timedelta(days=1))
    make_lift(day=DAY)
    summary = rota.plan_day(DAY)
    assert summary.served == 0 and summary.unserved == 1
    plan = rota.get_plan(summary.plan_id)
    [unserved] = plan.unserved
    assert unserved.reason == "no_driver_with_valid_dbs"


def test_the_days_problem_plans_a_driver_with_every_check(app: Flask) -> None:
    """The same lift with a compliant driver is planned."""
    make_volunteer()
    make_lift(day=DAY)
    assert rota.plan_day(DAY).served == 1


def test_pinning_to_a_driver_whose_mot_ran_out_is_refused_in_words(app: Flask) -> None:
    """The pin check asks the same rule and says which check failed."""
    driver = make_volunteer(first_name="Mo", last_name="Tee", mot_expires_on=dt.date(2026, 11, 1))
    lift = make_lift(day=DAY)
    with pytest.raises(InvalidInput, match="Mo Tee may not drive on 1 December: Their MOT ran"):
        rota.pin_lift(lift.id, driver.id)
    [choice] = driver_choices(lift)
    assert choice.warning == "Their MOT ran out on 1 November 2026"


def test_checks_due_in_the_next_30_days(app: Flask) -> None:
    """Insurance ending in 20 days is due; one ending in 60 days is not; failing ones are."""
    soon = make_volunteer(first_name="Soon", insurance_expires_on=dt.date(2026, 12, 20))
    make_volunteer(first_name="Later", insurance_expires_on=dt.date(2027, 1, 29))
    never = make_volunteer(first_name="Never", licence_checked_on=None)
    today = dt.date(2026, 11, 30)
    assert [d.words for d in checks_due(soon, today)] == ["insurance runs out on 20 December 2026"]
    listed = drivers_with_checks_due(today)
    assert [d.volunteer.id for d in listed] == [never.id, soon.id]


def test_the_dashboard_counts_drivers_who_may_drive_and_checks_due(app: Flask) -> None:
    """Free drivers are counted only if they may drive; checks due are listed."""
    make_volunteer()
    make_volunteer(insurance_expires_on=dt.date(2026, 11, 30))
    glance = tomorrow_at_a_glance(dt.date(2026, 11, 30))
    assert glance.drivers_available == 1
    assert glance.dbs_expiring == 1


def _driver_input(**overrides: object) -> VolunteerInput:
    values: dict[str, object] = dict(
        first_name="Dee",
        last_name="Driver",
        phone="07700 900321",
        postcode="IG11 7NB",
        is_driver=True,
        car_seats=3,
        dbs_level="enhanced_barred",
        dbs_certificate_number="0012 3456 7890",
        dbs_issued_on=dt.date(2024, 2, 1),
        dbs_update_checked_on=dt.date(2026, 11, 1),
        licence_checked_on=dt.date(2026, 11, 1),
        insurance_expires_on=dt.date(2027, 6, 1),
        mot_expires_on=dt.date(2027, 6, 1),
    )
    values.update(overrides)
    return VolunteerInput(**values)  # type: ignore[arg-type]


def test_a_dbs_that_ran_out_in_2025_saves_with_a_warning(app: Flask) -> None:
    """The record is true, so it saves; the coordinator is told they will not be planned."""
    add_postcode()
    volunteer = create_volunteer(_driver_input(dbs_valid_until=dt.date(2025, 3, 31)), actor_id=None)
    assert volunteer.id is not None and volunteer.dbs_certificate_number == "001234567890"
    assert warnings_on_save(volunteer, dt.date(2026, 12, 2)) == [
        "Dee Driver will not be planned to drive until this is fixed: "
        "Their DBS check ran out on 31 March 2025."
    ]


def test_zero_seats_with_three_wheelchair_spaces_is_refused_naming_the_field(app: Flask) -> None:
    """An escort needs a seat: refused on the seats field, nothing stored."""
    add_postcode()
    with pytest.raises(InvalidInput, match="at least one passenger seat") as refused:
        create_volunteer(_driver_input(car_seats=0, wheelchair_spaces=3), actor_id=None)
    assert refused.value.field == "car_seats"


def test_a_driver_with_only_a_landline_is_refused(app: Flask) -> None:
    """Routes go by text: a driver needs a mobile (a befriender may have a landline)."""
    add_postcode()
    with pytest.raises(InvalidInput, match="needs a mobile") as refused:
        create_volunteer(_driver_input(phone="020 8227 0001"), actor_id=None)
    assert refused.value.field == "phone"
    befriender = create_volunteer(
        _driver_input(phone="020 8227 0001", is_driver=False, is_befriender=True, car_seats=0),
        actor_id=None,
    )
    assert befriender.phone == "+442082270001"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dbs_certificate_number": "12345"}, "dbs_certificate_number"),
        ({"dbs_certificate_number": "00123456789X"}, "dbs_certificate_number"),
        ({"dbs_level": "super"}, "dbs_level"),
        ({"licence_checked_on": dt.date(2099, 1, 1)}, "licence_checked_on"),
    ],
)
def test_bad_checks_are_refused_naming_the_field(app: Flask, change: dict, field: str) -> None:
    """A certificate number that is not 12 digits, an unknown level, a check in the future."""
    add_postcode()
    with pytest.raises(InvalidInput) as refused:
        create_volunteer(_driver_input(**change), actor_id=None)
    assert refused.value.field == field
    db.session.rollback()
