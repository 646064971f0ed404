"""The coordinator's web app in a real browser (issue 7): the main flows, end to end."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.models import Mobility
from app.models import Pairing
from app.models import Service
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import live_app
from tests.browser.conftest import screenshot
from tests.factories import DAGENHAM
from tests.factories import VALENCE
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
DAY = dt.date.today() + dt.timedelta(days=1)


def _seed() -> None:
    add_postcode()
    add_postcode("RM10 9QS", *DAGENHAM, ward_code="E05014054", ward_name="Alibon")
    add_postcode("RM8 3HT", *VALENCE, ward_code="E05014069", ward_name="Valence")
    create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
    create_user("view@bureau.example", "Vic Viewer", PASSWORD, "viewer")
    make_volunteer(first_name="Dana", last_name="Driver", phone="+447700900501")
    make_volunteer(first_name="Bo", last_name="Backup", phone="+447700900502")
    walt = make_resident(first_name="Walt", last_name="Barker", phone="+447700900601")
    wendy = make_resident(
        first_name="Wendy",
        last_name="Wheeler",
        mobility=Mobility.WHEELCHAIR,
        phone="+447700900602",
    )
    olive = make_resident(first_name="Olive", last_name="Oak", phone="+447700900603")
    make_resident(first_name="Ada", last_name="Quick", phone="+447700900604", postcode="IG11 7NB")
    venue = make_venue(name="Valence Library")
    make_activity(venue, name="Tea dance", weekday=DAY.weekday())
    make_lift(walt, day=DAY, arrive_by=dt.time(10))
    make_lift(wendy, day=DAY, mobility=Mobility.WHEELCHAIR, arrive_by=dt.time(10, 30))
    make_lift(olive, day=DAY, arrive_by=dt.time(11))
    db.session.add(
        Service(
            name="Talking Therapies",
            phone="0300 300 1554",
            category="Mental health",
            description="Free NHS talking therapies.",
        )
    )
    friend = make_volunteer(
        first_name="Bea",
        last_name="Friend",
        phone="+447700900503",
        is_driver=False,
        is_befriender=True,
        befriend_capacity=2,
        car_seats=0,
    )
    lonely = make_resident(
        first_name="Lena",
        last_name="Lone",
        phone="+447700900605",
        wants_befriender=True,
        interests=["gardening"],
    )
    db.session.add(
        Pairing(
            resident_id=lonely.id,
            volunteer_id=friend.id,
            score=0.8,
            reasons=["Both like gardening", "Lives 1.2 km away"],
        )
    )
    db.session.commit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with a small borough day, served on localhost for the module."""
    app = live_app(Path(tmp_path_factory.mktemp("browser")))
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
    """A fresh browser tab (its own cookies), tablet-sized."""
    context = playwright_browser.new_context(
        viewport={"width": 1180, "height": 820}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Any, server: LiveServer, email: str = "coord@bureau.example") -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_sign_in_and_dashboard(page: Any, server: LiveServer) -> None:
    """A coordinator signs in and sees tomorrow at a glance."""
    sign_in(page, server)
    assert page.get_by_role("heading", name=re.compile("^Tomorrow")).is_visible()
    assert page.get_by_text("not planned yet").is_visible()
    screenshot(page, "01-dashboard")


def test_enter_a_lift_on_the_phone_call_path(page: Any, server: LiveServer) -> None:
    """Find the resident as you type, pick the activity, book: the lift is on the list."""
    sign_in(page, server)
    page.goto(server.url + "/lifts/new")
    page.get_by_label("Find the resident by name, phone or postcode").fill("ada qu")
    page.get_by_role("button", name=re.compile("^Choose Ada Quick")).click()
    assert page.locator("#chosen-text").inner_text().startswith("For Ada Quick")
    page.get_by_label("Day of the lift").fill(DAY.isoformat())
    tea = page.locator("#activity_id option", has_text="Tea dance").get_attribute("value")
    page.get_by_label("Activity").select_option(tea)
    screenshot(page, "02-new-lift")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright
    screenshot(page, "02b-new-lift-tablet")
    page.get_by_role("button", name="Book the lift").click()
    page.wait_for_url(re.compile(r".*/lifts/\?day="))
    assert page.get_by_text("Booked for Ada Quick").is_visible()
    assert page.get_by_role("link", name="Ada Quick").first.is_visible()
    screenshot(page, "03-lifts")


def test_plan_pin_replan_and_publish(page: Any, server: LiveServer) -> None:
    """Plan the day, read why a lift is unserved, pin a lift, re-plan, publish, see texts."""
    sign_in(page, server)
    page.goto(f"{server.url}/rota/?day={DAY.isoformat()}")
    page.get_by_role("button", name=re.compile("^Plan ")).click()
    # Planning runs in the background; the page then shows the new plan (?planned=<id>).
    page.wait_for_url(re.compile(r".*[?&]planned=\d+"))
    unserved = page.locator("#unserved")
    assert "Wendy Wheeler" in unserved.inner_text()
    assert "No wheelchair-accessible car is free." in unserved.inner_text()
    page.wait_for_selector("#map .leaflet-pane, #map svg", state="attached")
    screenshot(page, "04-rota-draft")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "04b-rota-tablet")
    page.set_viewport_size({"width": 1180, "height": 820})

    # Pin Olive's lift to Bo, the other driver, and plan again.
    page.locator("details summary").first.click()
    page.get_by_role("link", name="Pin or move Olive Oak's lift").click()
    bo_id = page.locator("#volunteer_id option", has_text="Bo Backup").get_attribute("value")
    page.get_by_label("Driver").select_option(bo_id)
    screenshot(page, "05-pin")
    page.get_by_role("button", name="Pin to this driver").click()
    page.wait_for_selector("text=Re-plan the day to apply it")
    page.get_by_role("button", name=re.compile("^Re-plan ")).click()
    page.wait_for_url(re.compile(r".*[?&]planned=\d+"))
    bo = page.locator("article.route", has_text="Bo Backup")
    assert "1 pinned" in bo.inner_text()
    bo.locator("summary").click()
    bo.get_by_role("link", name="Olive Oak", exact=True).first.wait_for()

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Publish and send texts").click()
    page.wait_for_selector("text=Published.")
    assert page.get_by_text(re.compile(r"Texts queued for 1 driver")).is_visible()
    assert page.locator(".plan-bar .status-pending").count() == 1
    screenshot(page, "06-rota-published")
    page.goto(server.url + "/messages/")
    assert page.get_by_text("Olive Oak").first.is_visible()
    screenshot(page, "07-texts")
    page.goto(f"{server.url}/rota/sheets?day={DAY.isoformat()}")
    assert page.locator("article.sheet").count() >= 1
    assert "Olive Oak" in page.content()
    screenshot(page, "08-run-sheets")


def test_accept_a_befriending_proposal(page: Any, server: LiveServer) -> None:
    """A proposal with its reasons is accepted and becomes an active pairing."""
    sign_in(page, server)
    page.goto(server.url + "/befriending/")
    assert page.get_by_text("Both like gardening").is_visible()
    page.get_by_role("button", name="Accept and introduce").first.click()
    page.wait_for_load_state()
    assert "Lena Lone" in page.content()
    screenshot(page, "09-befriending")


def test_public_directory_without_signing_in(page: Any, server: LiveServer) -> None:
    """Anyone can read the directory; it is large and printable."""
    page.goto(server.url + "/directory/")
    assert page.get_by_text("0300 300 1554").is_visible()
    assert page.get_by_role("button", name="Print this list").is_visible()
    screenshot(page, "10-directory")


def test_viewer_cannot_change_anything(page: Any, server: LiveServer) -> None:
    """A viewer sees no change buttons and is refused when going to a form directly."""
    sign_in(page, server, "view@bureau.example")
    page.goto(f"{server.url}/rota/?day={DAY.isoformat()}")
    assert page.get_by_role("button", name=re.compile("Plan|Publish")).count() == 0
    page.goto(server.url + "/lifts/")
    assert page.get_by_role("link", name="New lift request").count() == 0
    response = page.goto(server.url + "/lifts/new")
    assert response is not None and response.status == 403
    assert page.get_by_text("can look but not change").is_visible()
    screenshot(page, "11-viewer-refused")
