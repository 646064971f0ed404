"""Issue 13 in Chromium: a coordinator works through the call list — who to phone, why, the
number as a tel: link — ticks a call with a note, and it leaves the list; a driver's checks
show on the checks-due page and the volunteer form warns about a DBS that ran out. axe-core on
each page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import LiftStatus
from app.services import clock
from app.services.auth import create_user
from app.services.messaging import add_alert
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.factories import DAGENHAM
from tests.factories import add_postcode
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/calls-screens")


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _seed() -> None:
    add_postcode()
    add_postcode("RM10 9QS", *DAGENHAM, ward_name="Village")
    create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
    today = clock.today()
    lena = make_resident(first_name="Lena", last_name="Landline", phone="+442082270001")
    make_lift(lena, day=today + dt.timedelta(days=1), arrive_by=dt.time(9, 30))
    nora = make_resident(first_name="Nora", last_name="Nogive")
    make_lift(
        nora,
        day=today + dt.timedelta(days=2),
        status=LiftStatus.UNSERVED,
        status_reason="no_driver_available",
    )
    joan = make_resident(first_name="Joan", last_name="Caller")
    add_alert(AlertKind.CALL_REQUESTED, "Joan asked us to ring about Friday.", person=joan)
    dev = make_volunteer(first_name="Dev", last_name="Silent")
    add_alert(AlertKind.DRIVER_NO_REPLY, "Dev has not answered his route.", person=dev)
    make_volunteer(
        first_name="Ina",
        last_name="Insured",
        insurance_expires_on=today + dt.timedelta(days=12),
        dbs_update_checked_on=today - dt.timedelta(days=40),
        licence_checked_on=today - dt.timedelta(days=40),
    )
    db.session.commit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = live_app(Path(tmp_path_factory.mktemp("calls")))
    with app.app_context():
        _seed()
        db.session.remove()
    with LiveServer(app) as live:
        yield live
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def page(playwright_browser: Any, server: LiveServer) -> Iterator[Any]:
    context = playwright_browser.new_context(
        viewport={"width": 1180, "height": 820}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto(server.url + "/login")
    tab.get_by_label("Email").fill("coord@bureau.example")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(re.compile(r".*/$"))
    yield tab
    context.close()


def test_the_call_list_from_the_nav_and_a_call_ticked_with_a_note(
    page: Any, server: LiveServer
) -> None:
    """Calls in the nav; each entry says why and gives the number; ticking takes it off."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calls").click()
    page.wait_for_url(re.compile(r".*/calls/$"))
    body = page.locator("main").inner_text()
    assert "4 calls to make." in body
    assert "Lena Landline" in body and "not a mobile" in body
    assert "Nora Nogive" in body and "No driver is free at that time." in body
    assert "Driver has not answered their route" in body and "Asked us to phone them" in body
    tel = page.get_by_role("link", name="020 8227 0001")
    assert tel.get_attribute("href") == "tel:+442082270001"
    _shot(page, "01-call-list")
    assert axe_violations(page) == []
    joan = page.locator("li.call", has_text="Joan Caller")
    joan.get_by_label("What was said (optional)").fill("Rang her: Friday is booked.")
    joan.get_by_role("button", name="Called – mark done").click()
    page.wait_for_url(re.compile(r".*/calls/$"))
    assert page.get_by_text("Recorded: you phoned Joan Caller.").is_visible()
    assert "Joan Caller" not in page.locator("ol.calls").inner_text()
    assert "3 calls to make." in page.locator("main").inner_text()
    _shot(page, "02-after-the-tick")
    assert axe_violations(page) == []
    with server.app.app_context():
        done = db.session.scalar(sa.select(Alert).where(Alert.kind == AlertKind.CALL_REQUESTED))
        assert done is not None and done.resolved_note == "Rang her: Friday is booked."
        db.session.remove()


def test_checks_due_and_a_warning_for_a_dbs_that_ran_out(page: Any, server: LiveServer) -> None:
    """The checks-due page lists Ina's insurance; saving a 2025 DBS shows a warning."""
    page.goto(server.url + "/people/volunteers")
    page.get_by_role("link", name="Driver checks due in the next 30 days").click()
    body = page.locator("main").inner_text()
    assert "Ina Insured" in body and "insurance runs out on" in body
    _shot(page, "03-checks-due")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Ina Insured").click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("DBS check valid until").fill("2025-03-31")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/people/volunteers/\d+$"))
    warning = page.locator(".flash.warning").first.inner_text()
    assert "Their DBS check ran out on 31 March 2025." in warning
    assert "No." in page.locator("main").inner_text()
    _shot(page, "04-dbs-warning")
    assert axe_violations(page) == []
