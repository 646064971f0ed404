"""An admin answers a subject access request and then an erasure request in Chromium (issue 14).

Screenshots go to /tmp/pd-screens (not the repository). axe-core finds nothing serious; the
strict Content-Security-Policy blocks nothing (the pages use no inline script or style).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.personal_data_story import joyce_story

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
SHOTS = Path("/tmp/pd-screens")
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    """Joyce's story and an admin, served on localhost."""
    app = live_app(Path(tmp_path_factory.mktemp("pd")))
    with app.app_context():
        create_user("admin@bureau.example", "Ada Admin", PASSWORD, "admin")
        joyce_id = joyce_story().joyce.id
        db.session.remove()
    with LiveServer(app) as live:
        yield live, joyce_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def page(playwright_browser: Any) -> Iterator[Any]:
    context = playwright_browser.new_context(
        viewport={"width": 1180, "height": 820}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_admin_exports_then_erases_joyce(page: Any, site: tuple[LiveServer, int], tmp_path) -> None:
    """From her page: export (zip downloads), erase (wrong reference refused, right one done)."""
    live, joyce_id = site
    page.goto(live.url + "/login")
    page.get_by_label("Email").fill("admin@bureau.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{live.url}/people/residents/{joyce_id}")
    page.get_by_role("link", name="Export their data (subject access)").click()
    page.wait_for_url(re.compile(r".*/export$"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Export everything held about Joyce Wilson"
    )
    shot(page, "pd-01-export")
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export (zip)").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert {"README.txt", "residents.json", "messages.csv"} <= set(archive.namelist())

    page.goto(f"{live.url}/people/residents/{joyce_id}")
    page.get_by_role("link", name="Erase their data…").click()
    page.wait_for_url(re.compile(r".*/erase$"))
    assert f"(R{joyce_id})" in page.get_by_role("heading", level=1).inner_text()
    shot(page, "pd-02-erase-confirm")
    assert axe_violations(page) == []
    page.get_by_label("Why is this person erased?").fill("Asked by phone on 2 December")
    page.get_by_label("Type the reference to confirm").fill("R0")
    page.get_by_role("button", name=f"Erase R{joyce_id} for ever").click()
    # Named in the error summary (a link to the field) and next to the field itself.
    assert (
        page.locator("#confirm-error").inner_text() == f"Type R{joyce_id} to confirm the erasure."
    )
    assert page.get_by_role("link", name=f"Type R{joyce_id} to confirm the erasure.").is_visible()
    shot(page, "pd-03-erase-wrong-reference")
    assert axe_violations(page) == []
    page.get_by_label("Type the reference to confirm").fill(f"R{joyce_id}")
    page.get_by_role("button", name=f"Erase R{joyce_id} for ever").click()
    page.wait_for_url(re.compile(r".*/erase$"))
    assert page.get_by_role("heading", level=1).inner_text() == f"R{joyce_id} is erased"
    shot(page, "pd-04-erased")
    assert axe_violations(page) == []
    page.goto(f"{live.url}/people/residents/{joyce_id}")
    assert "Joyce" not in page.content()
    assert page.evaluate("window.__csp") == []
