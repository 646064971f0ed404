"""A day of lifts in a real browser (issue 10): book → plan → publish → a driver declines → a
lift is cancelled → another is booked → re-plan. axe-core finds nothing serious on any page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.services import clock
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
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
DAY = clock.tomorrow()
DRIVERS = {"Dana Driver": "07700 900511", "Bo Backup": "07700 900512"}


def _seed() -> None:
    add_postcode()
    add_postcode("RM10 9QS", *DAGENHAM, ward_code="E05014054", ward_name="Alibon")
    add_postcode("RM8 3HT", *VALENCE, ward_code="E05014069", ward_name="Valence")
    create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
    for name, phone in DRIVERS.items():
        first, last = name.split()
        make_volunteer(first_name=first, last_name=last, phone="+44" + phone[1:].replace(" ", ""))
    venue = make_venue(name="Valence Library")
    make_activity(venue, name="Tea dance", weekday=DAY.weekday())
    for n, hour in enumerate((10, 11)):
        resident = make_resident(
            first_name=["Walt", "Olive"][n],
            last_name=["Barker", "Oak"][n],
            phone=f"+4477009006{n}1",
        )
        make_lift(resident, day=DAY, arrive_by=dt.time(hour))
    make_resident(first_name="Ada", last_name="Quick", phone="+447700900604", postcode="IG11 7NB")
    make_resident(first_name="Late", last_name="Booker", phone="+447700900605")
    db.session.commit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with a small borough day, served on localhost for the module."""
    app = live_app(Path(tmp_path_factory.mktemp("life")))
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
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()


class Walk:
    """The pages the coordinator visits, each checked by axe-core when it has loaded."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.visited: list[str] = []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        found = axe_violations(self.page)
        assert found == [], f"{name}: {found}"
        self.visited.append(name)
        screenshot(self.page, f"life-{len(self.visited):02d}-{name}")

    def go(self, path: str, name: str) -> None:
        self.page.goto(self.server.url + path)
        self.check(name)

    def rota(self) -> None:
        self.go(f"/rota/?day={DAY.isoformat()}", "rota")

    def plan(self) -> None:
        self.page.get_by_role("button", name=re.compile("^(Re-)?[Pp]lan ")).click()
        # The page follows the planning, then shows the new plan with ?planned=<its id>.
        self.page.wait_for_url(re.compile(r".*[?&]planned=\d+"))
        assert self.page.get_by_text(f"{DAY:%A %-d %B} is planned").is_visible()
        self.page.wait_for_selector("#map .leaflet-pane, #map svg", state="attached")
        self.check("rota-planned")

    def book(self, search: str, chosen: str) -> None:
        self.go("/lifts/new", "new-lift")
        self.page.get_by_label("Find the resident by name, phone or postcode").fill(search)
        self.page.get_by_role("button", name=re.compile(f"^Choose {chosen}")).click()
        self.page.get_by_label("Day of the lift").fill(DAY.isoformat())
        tea = self.page.locator("#activity_id option", has_text="Tea dance").get_attribute("value")
        self.page.get_by_label("Activity").select_option(tea)
        self.page.get_by_role("button", name="Book the lift").click()
        self.page.wait_for_url(re.compile(r".*/lifts/\?day="))
        assert self.page.get_by_text(f"Booked for {chosen}").is_visible()
        self.check("lifts")


def test_book_plan_publish_decline_cancel_add_replan(page: Any, server: LiveServer) -> None:
    """The whole day in Chromium; the re-plan after a decline works (issue 10: it was a 500)."""
    walk = Walk(page, server)
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("coord@bureau.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))
    walk.check("dashboard")

    # Book: Ada to the tea dance, on the phone-call path.
    walk.book("ada qu", "Ada Quick")

    # Plan and publish.
    walk.rota()
    walk.plan()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Publish and send texts").click()
    page.wait_for_selector("text=Published.")
    walk.check("rota-published")
    driving = page.locator("article.route h3").first.inner_text().strip()
    assert driving in DRIVERS

    # The driver with the route texts 2 (through the simulator: the real inbound pipeline).
    walk.go(f"/messages/simulator?phone={DRIVERS[driving].replace(' ', '')}", "simulator")
    page.get_by_label("Text").fill("2")
    page.get_by_role("button", name="Receive this text").click()
    page.wait_for_selector("text=We will find someone else")
    walk.check("simulator-declined")
    walk.go("/", "dashboard-after-decline")
    assert page.get_by_text("Tomorrow's plan is out of date").is_visible()
    assert page.get_by_text(f"{driving} declined their route").first.is_visible()

    # Staff cancel Olive's lift from its page.
    walk.go(f"/lifts/?day={DAY.isoformat()}", "lifts-of-the-day")
    page.locator("tr", has_text="Olive Oak").get_by_role("link").first.click()
    walk.check("lift-detail")
    page.get_by_label("Outcome").select_option("cancelled")
    page.get_by_label("Reason").fill("In hospital")
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state()
    walk.check("lift-cancelled")

    # Another lift is booked after the plan.
    walk.book("late bo", "Late Booker")

    # The rota says the plan is out of date, and why; re-planning brings it up to date.
    walk.rota()
    stale = page.locator("#stale").inner_text()
    assert "added" in stale and "dropped" in stale and f"{driving} declined" in stale
    walk.plan()
    assert page.locator("#stale").count() == 0
    routes = page.locator("article.route h3").all_inner_texts()
    assert routes and driving not in [r.strip() for r in routes]
    assert "Late Booker" in page.content() and "Ada Quick" in page.content()
    assert walk.visited[-1] == "rota-planned" and len(walk.visited) >= 12
