"""Issue 10: one 'today' (London) and one way to read a time, on every page, sheet and text."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from app.models import LiftStatus
from app.models import PlanStatus
from app.services import clock
from app.services import lifts
from app.services import publishing
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms
from tests.plan_builder import hm
from tests.plan_builder import make_plan

# 23:30 UTC on Saturday 29 June 2030 is 00:30 on Sunday 30 June in London (summer time).
LATE_SATURDAY_UTC = dt.datetime(2030, 6, 29, 23, 30, tzinfo=dt.UTC)
LONDON_TODAY = dt.date(2030, 6, 30)


@pytest.fixture()
def london_after_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the one clock just after London's midnight, while UTC is still on the day before."""
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_SATURDAY_UTC)


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


def test_the_lift_form_offers_londons_tomorrow(client, coordinator, london_after_midnight):
    """A lift taken just after London's midnight defaults to London's tomorrow, not UTC's."""
    page = client.get("/lifts/new").get_data(as_text=True)
    assert 'value="2030-07-01"' in page


def test_the_rota_opens_on_londons_tomorrow(client, coordinator, london_after_midnight):
    """The rota with no day asked for shows the day the bureau plans: London's tomorrow."""
    page = client.get("/rota/").get_data(as_text=True)
    assert "Rota for Monday 1 July 2030" in page


def test_cancelling_just_after_londons_midnight_is_late(app, london_after_midnight):
    """A lift cancelled at 00:30 London time on its own day is a late cancellation."""
    lift = make_lift(make_resident(), day=LONDON_TODAY)
    assert lifts.cancel_lift(lift.id, reason="unwell").status == LiftStatus.LATE_CANCELLED


def test_the_run_sheet_and_the_drivers_text_say_the_same_minute(client, coordinator, sms):
    """A pickup planned for 9:08:40 reads 9:08am on the run sheet and in the driver's text."""
    day = dt.date(2030, 4, 2)
    driver = make_volunteer(first_name="Dev")
    lift = make_lift(make_resident(first_name="Joan"), day=day)
    plan = make_plan(day, [(driver, [(lift, hm("9:08") + 40, hm("9:40") + 50)])])
    publishing.publish_plan(plan.id, actor_id=None, now=dt.datetime(2030, 4, 1, 15, tzinfo=dt.UTC))
    texts = "\n".join(sms.to(driver.phone))
    sheet = client.get(f"/rota/sheets?day={day.isoformat()}").get_data(as_text=True)
    assert "9:08am" in texts and "9:08am" in sheet
    assert "9:40am" in texts and "9:40am" in sheet
    assert "09:09" not in sheet and "9:09am" not in texts


def test_the_rota_says_when_the_plan_was_made_in_london_time(
    client, coordinator, db, london_after_midnight
):
    """'Draft plan made 1 Jul 12:30am', not '30 Jun 23:30 UTC'."""
    day = dt.date(2030, 7, 2)
    plan = make_plan(day, [], status=PlanStatus.DRAFT)
    plan.created_at = dt.datetime(2030, 6, 30, 23, 30, tzinfo=dt.UTC)
    db.session.commit()
    page = client.get(f"/rota/?day={day.isoformat()}").get_data(as_text=True)
    assert "plan made 1 Jul 12:30am" in page
    assert "UTC" not in page
