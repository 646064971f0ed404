"""The consent part of a person's form and page in Chromium (issue 14): a coordinator
records a withdrawal taken on the phone; axe-core finds nothing serious on either page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.factories import add_postcode
from tests.factories import make_resident

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/consent-screenshots")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    """Joan, who agreed to texts and asked for a befriender, and Cora who phones her."""
    app = live_app(Path(tmp_path_factory.mktemp("consent")))
    with app.app_context():
        add_postcode()
        create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
        joan = make_resident(
            first_name="Joan", last_name="Smith", phone="+447700900601", wants_befriender=True
        )
        joan_id = joan.id
        db.session.remove()
    with LiveServer(app) as live:
        yield live, joan_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def page(playwright_browser: Any) -> Iterator[Any]:
    context = playwright_browser.new_context(
        viewport={"width": 1180, "height": 820}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def test_a_coordinator_records_a_withdrawal_taken_on_the_phone(
    page: Any, server: tuple[LiveServer, int]
) -> None:
    """Joan rings to stop texts: Cora unticks it, says 'Phone call', saves; the page shows it."""
    live, joan_id = server
    page.goto(live.url + "/login")
    page.get_by_label("Email").fill("coord@bureau.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{live.url}/people/residents/{joan_id}/edit")
    consents = page.get_by_role("group", name="Consent")
    texts = consents.get_by_label("Agrees to texts")
    assert texts.is_checked()
    assert consents.get_by_label("Agrees to be introduced to a befriender").is_checked()
    assert not consents.get_by_label("Agrees to be contacted after a referral").is_checked()
    assert axe_violations(page) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "consent-form.png"), full_page=True)

    texts.uncheck()
    consents.get_by_label("How they told us").select_option("phone call")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/people/residents/{joan_id}$"))
    history = page.get_by_role("region", name="Consent")
    row = history.get_by_role("row").filter(has_text="phone call")
    assert row.count() == 1
    assert "withdrawn" in row.inner_text() and "Cora Coordinator" in row.inner_text()
    assert "They have not agreed to texts." in history.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "consent-history.png"), full_page=True)
