"""A daughter refers her father on /refer; a coordinator confirms he is an existing resident,
screens him on the phone and books his first lift (issue 16). axe-core: nothing serious."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LiftRequest
from app.models import Referral
from app.services import clock
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_resident
from tests.factories import make_venue

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/refer-screens")
DAY = clock.tomorrow()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Samuel Mensah is already a resident; a coordinator and a tea dance tomorrow."""
    app = live_app(Path(tmp_path_factory.mktemp("refer")))
    with app.app_context():
        add_postcode()
        create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
        make_resident(first_name="Samuel", last_name="Mensah", phone="+447700900123")
        venue = make_venue(name="Valence Library")
        make_activity(venue, name="Tea dance", weekday=DAY.weekday())
        db.session.remove()
    with LiveServer(app) as live:
        yield live
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def look(page: Any, name: str) -> None:
    """Screenshot for a person to look at, and axe-core: no serious or critical finding."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert axe_violations(page) == [], name


def test_daughter_refers_father_and_he_gets_his_first_lift(
    playwright_browser: Any, server: LiveServer
) -> None:
    """The whole story, on the pages people use."""
    context = playwright_browser.new_context(
        viewport={"width": 1180, "height": 820}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    # Amira refers her father, without signing in.
    page.goto(server.url + "/refer")
    assert page.get_by_text("This is not an emergency service").is_visible()
    look(page, "01-refer-empty")
    page.get_by_label("I am").select_option("family")
    page.get_by_label("Your name (leave empty if you are referring yourself)").fill("Amira Mensah")
    page.get_by_label("Your phone or email, so we can reach you").fill("07700 900777")
    page.get_by_label("I have told the person about this referral and they agree to it").check()
    page.get_by_label("First name").fill("Samuel")
    page.get_by_label("Last name").fill("Mensah")
    page.get_by_label("Their phone number").fill("07700 900123")
    page.get_by_label("Why are you getting in touch?").fill(
        "Since Mum died in October Dad hardly leaves the flat."
    )
    page.get_by_label("Bereavement").check()
    page.locator("#event_bereavement").fill("2026-10")
    page.get_by_label("They live alone").check()
    page.get_by_label("Phone call").check()
    # First without consent: the form says which box, and keeps what was typed.
    page.get_by_role("button", name="Send the referral").click()
    assert page.get_by_role("alert").get_by_text("agrees to be contacted").is_visible()
    assert page.get_by_label("First name").input_value() == "Samuel"
    look(page, "02-refer-needs-consent")
    page.get_by_label("The person agrees to be contacted by the Volunteer Bureau").check()
    page.get_by_role("button", name="Send the referral").click()
    reference = page.locator(".reference strong").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", reference)
    look(page, "03-refer-thanks")

    # Cora, a coordinator, finds him at the top of the outreach queue.
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("coord@bureau.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(server.url + "/outreach")
    look(page, "04-outreach")
    page.get_by_role("link", name="Samuel Mensah").click()
    assert page.get_by_text("the same phone number").is_visible()
    look(page, "05-referral")
    page.get_by_role("button", name="Yes, this is Samuel Mensah").click()
    assert page.get_by_text("Linked to the resident's record.").is_visible()
    # She screens him on the phone.
    page.get_by_role(
        "group", name="1. How often do you feel that you lack companionship?"
    ).get_by_label("Often").check()
    page.get_by_role("group", name="2. How often do you feel left out?").get_by_label(
        "Some of the time"
    ).check()
    page.get_by_role("group", name="3. How often do you feel isolated from others?").get_by_label(
        "Often"
    ).check()
    page.get_by_role("group", name="4. How often do you feel lonely?").get_by_label(
        "Often or always"
    ).check()
    page.get_by_role("button", name="Save the screen").click()
    assert page.get_by_text("Screen saved: UCLA 8.").is_visible()
    assert page.locator(".tier-line").get_by_text(re.compile(r"^High: .*UCLA 8")).is_visible()
    page.get_by_label("What happened?").select_option("reached")
    page.get_by_role("button", name="Log it").click()
    look(page, "06-referral-screened")
    # And books his first lift.
    page.get_by_role("link", name="Book a lift for Samuel Mensah").click()
    page.get_by_label("Day of the lift").fill(DAY.isoformat())
    tea = page.locator("#activity_id option", has_text="Tea dance").get_attribute("value")
    page.get_by_label("Activity").select_option(tea)
    page.get_by_role("button", name="Book the lift").click()
    page.wait_for_url(re.compile(r".*/lifts/\?day="))
    assert page.get_by_text("Booked for Samuel Mensah").is_visible()
    look(page, "07-lift-booked")
    context.close()
    with server.app.app_context():
        referral = db.session.scalar(sa.select(Referral))
        assert referral.reference == reference and referral.resident_id is not None
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LiftRequest)
            .where(LiftRequest.resident_id == referral.resident_id)
        )
        db.session.remove()
