"""Issue 13 in Chromium: a resident's page tells her story; a second 'Helen Okoro' is flagged
with a link before she is saved; a form with several mistakes shows them all in a GOV.UK error
summary that takes the focus; a resident is archived and restored. axe-core on each page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.models import Gender
from app.models import LiftStatus
from app.models import RecurringLift
from app.services import clock
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/person-screens")


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _seed() -> None:
    add_postcode()
    create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
    today = clock.today()
    helen = make_resident(
        first_name="Helen",
        last_name="Okoro",
        phone="+447700900701",
        address="12 Ripple Road",
        postcode="IG11 7NB",
        gender=Gender.FEMALE,
        prefers_female_driver=True,
        date_of_birth=dt.date(1944, 5, 17),
        emergency_name="Ada Okoro",
        emergency_relation="daughter",
        emergency_phone="+447700900702",
    )
    make_volunteer(first_name="Dana", last_name="Driver", phone="+447700900703")
    choir = make_activity(name="Tuesday Choir")
    db.session.add(
        RecurringLift(
            resident_id=helen.id,
            activity_id=choir.id,
            weekday=1,
            starts_on=today,
            arrive_by=dt.time(9, 50),
        )
    )
    db.session.commit()
    make_lift(helen, day=today + dt.timedelta(days=2), arrive_by=dt.time(10))
    make_lift(helen, day=today - dt.timedelta(days=5), status=LiftStatus.COMPLETED)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    app = live_app(Path(tmp_path_factory.mktemp("person")))
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


def _open_helen(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/people/residents?q=helen")
    page.get_by_role("link", name="Helen Okoro").first.click()
    page.wait_for_url(re.compile(r".*/people/residents/\d+$"))


def test_helens_page_tells_her_story(page: Any, server: LiveServer) -> None:
    _open_helen(page, server)
    body = page.locator("main").inner_text()
    assert "prefers a female driver" in body and "years old" in body
    assert "Ada Okoro (daughter)" in body
    assert "Tuesday Choir" in body and "completed" in body
    assert page.get_by_role("heading", name="Lifts coming").is_visible()
    _shot(page, "01-person-page")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Book a lift").click()
    assert page.locator("#chosen-text").inner_text().startswith("For Helen Okoro")


def test_a_second_helen_is_flagged_with_a_link_before_saving(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/people/residents/new")
    page.get_by_label("First name").fill("Helen")
    page.get_by_label("Last name").fill("Okoro")
    page.get_by_label("Postcode", exact=True).fill("ig11 7nb")
    page.get_by_role("button", name="Save").click()
    warning = page.locator("#duplicates")
    assert "the same name and postcode" in warning.inner_text()
    assert page.evaluate("document.activeElement.id") == "duplicates"
    _shot(page, "02-duplicate-warning")
    assert axe_violations(page) == []
    page.get_by_label("This is a different person: save them as new").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/people/residents/\d+$"))
    assert page.get_by_text("Helen Okoro is registered.").is_visible()


def test_every_mistake_is_in_an_error_summary_that_takes_the_focus(
    page: Any, server: LiveServer
) -> None:
    page.goto(server.url + "/people/residents/new")
    page.get_by_label("Last name").fill("Nofirst")
    page.get_by_label("Phone (mobile or landline)").fill("0770")
    page.get_by_label("Emergency contact: phone").fill("07700 900321")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    links = summary.get_by_role("link").all_inner_texts()
    assert len(links) == 3, links
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    _shot(page, "03-error-summary")
    assert axe_violations(page) == []
    summary.get_by_role("link", name=re.compile("first name")).click()
    assert page.evaluate("document.activeElement.id") == "first_name"


def test_archive_and_restore(page: Any, server: LiveServer) -> None:
    _open_helen(page, server)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Why archive Helen?").fill("Moved to Kent")
    page.get_by_role("button", name="Archive").click()
    assert page.get_by_text("Helen Okoro is archived").is_visible()
    assert page.get_by_role("link", name="Book a lift").count() == 0
    _shot(page, "04-archived")
    assert axe_violations(page) == []
    page.goto(server.url + "/people/residents?q=okoro")
    assert "archived resident" in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile("show archived residents too")).click()
    page.get_by_role("link", name="Helen Okoro").first.click()
    page.get_by_role("button", name="Restore Helen").click()
    assert page.get_by_text("Helen Okoro is back on the books").is_visible()
