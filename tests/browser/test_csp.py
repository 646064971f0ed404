"""Every page works under the Content-Security-Policy, and data never runs as script (issue 11).

Found by testing: a coordinator set a driver's surname to ``<img src=x onerror=...>`` and every
staff member who opened the rota ran it (Leaflet tooltips and layer labels took names as HTML);
the services page's inline ``onsubmit`` confirm decoded ``&#39;`` so "Alzheimer's Society" was
removed without asking. These walk every page a signed-in admin can open, in Chromium, and fail
on any CSP violation, on a planted name running, and on a confirm that does not ask.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import url_for

from app.extensions import db
from app.models import PlanRoute
from app.models import Service
from app.services.auth import create_user
from app.services.rota import pin_lift
from app.services.rota import plan_day
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.factories import DAGENHAM
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
DAY = dt.date.today() + dt.timedelta(days=1)
# Sets a flag if it ever runs; CSP or text-only rendering must stop it everywhere.
PLANTED = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">'
# Chromium reports violations as events; the init script (run through DevTools, outside the
# page's CSP) records them before any page script runs.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                    ' at ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""
OPEN_TOOLTIPS = """() => {
  if (!window.rotaMap) { return 0; }
  var n = 0;
  window.rotaMap.eachLayer(function (l) {
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); n++; }
  });
  return n;
}"""
# Pages that are not HTML for people, or need a request body.
SKIP = {
    "static",
    "assets.vendor",
    "rota.status",
    "lifts.resident_search",
    "health.healthz",
    "health.readyz",
}


def _seed() -> dict[str, int]:
    add_postcode()
    add_postcode("RM10 9QS", *DAGENHAM, ward_code="E05014054", ward_name="Alibon")
    admin = create_user("admin@bureau.example", "Ada Admin", PASSWORD, "admin")
    driver = make_volunteer(first_name="Dana", last_name=PLANTED, phone="+447700900501")
    resident = make_resident(first_name="Walt", last_name=PLANTED, phone="+447700900601")
    venue = make_venue(name=PLANTED)
    activity = make_activity(venue, name=PLANTED, weekday=DAY.weekday())
    lift = make_lift(resident, day=DAY, arrive_by=dt.time(10))
    olive = make_lift(
        make_resident(first_name="Olive", phone="+447700900603"), day=DAY, arrive_by=dt.time(11)
    )
    second = make_volunteer(first_name="Bo", last_name="Backup", phone="+447700900502")
    # Two routes, so the map has its layer control (where names used to be HTML).
    pin_lift(lift.id, driver.id)
    pin_lift(olive.id, second.id)
    service = Service(
        name="Alzheimer's Society",
        phone="0333 150 3456",
        category="Memory",
        description="Dementia support.",
    )
    db.session.add(service)
    db.session.commit()
    plan_day(DAY, time_limit_s=1)
    route = db.session.scalars(sa.select(PlanRoute)).first()
    assert route is not None
    return {
        "resident_id": resident.id,
        "volunteer_id": driver.id,
        "lift_id": lift.id,
        "venue_id": venue.id,
        "activity_id": activity.id,
        "service_id": service.id,
        "route_id": route.id,
        "second_volunteer_id": second.id,
        "user_id": admin.id,
    }


def every_page(app: Flask, ids: dict[str, int]) -> list[str]:
    """A URL for every GET page, with the seeded ids filled in (and the planned day)."""
    urls: set[str] = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in SKIP:
                continue
            needed = rule.arguments - set(rule.defaults or {})
            if not needed <= ids.keys():
                continue
            urls.add(url_for(rule.endpoint, **{k: ids[k] for k in needed}))
        urls.add(url_for("rota.index", day=DAY.isoformat()))
        urls.add(url_for("rota.sheets", day=DAY.isoformat()))
        urls.add(url_for("lifts.index", day=DAY.isoformat()))
        urls.add(url_for("lifts.create", resident_id=ids["resident_id"]))
        urls.add("/no-such-page")
    return sorted(urls)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, list[str]]]:
    """A borough day whose names are all planted script, planned, served on localhost."""
    app = live_app(Path(tmp_path_factory.mktemp("csp")), SERVER_NAME=None)
    with app.app_context():
        ids = _seed()
        pages = every_page(app, ids)
        db.session.remove()
    with LiveServer(app) as live:
        yield live, pages
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def page(playwright_browser: Any) -> Iterator[Any]:
    context = playwright_browser.new_context(viewport={"width": 1180, "height": 820})
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    tab = context.new_page()
    tab.console_errors = []
    tab.on(
        "console",
        lambda m: tab.console_errors.append(m.text) if m.type == "error" else None,
    )
    yield tab
    context.close()


def _sign_in(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/login")
    page.get_by_label("Email").fill("admin@bureau.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_every_page_runs_under_the_policy_and_no_name_runs(
    page: Any, site: tuple[LiveServer, list[str]]
) -> None:
    """Each page: the CSP header is strict, nothing is blocked, no planted name executes."""
    live, pages = site
    assert len(pages) >= 25, pages
    _sign_in(page, live)
    problems: list[str] = []
    for path in pages:
        response = page.goto(live.url + path)
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "unsafe" in policy:
            problems.append(f"{path}: policy {policy!r}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(50)
        # Open the lazy boxes (the rota's stops) and every tooltip on the map.
        for box in page.locator("details.stops-box").all()[:3]:
            box.locator("summary").click()
        page.evaluate(OPEN_TOOLTIPS)
        page.wait_for_timeout(100)
        seen = page.evaluate("window.__csp")
        errors = [e for e in page.console_errors if "Content Security Policy" in e]
        page.console_errors.clear()
        if seen or errors:
            problems.append(f"{path}: {seen + errors}")
        if page.evaluate("window.__pwned || 0"):
            problems.append(f"{path}: the planted surname ran")
    assert problems == []


def test_the_map_shows_names_as_text(page: Any, site: tuple[LiveServer, list[str]]) -> None:
    """Tooltips and the layer control show a planted name literally, with no element made."""
    live, _ = site
    _sign_in(page, live)
    page.goto(f"{live.url}/rota/?day={DAY.isoformat()}")
    page.wait_for_selector("#map .leaflet-control-layers", state="attached")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(PLANTED in label for label in labels), labels
    assert page.locator("#map img[src='x']").count() == 0
    assert page.evaluate(OPEN_TOOLTIPS) >= 4
    tips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any(PLANTED in tip for tip in tips), tips
    assert page.locator("#map img").count() == 0
    assert page.evaluate("window.__pwned || 0") == 0
    # The timeline is positioned from data- attributes by page.js, not style="".
    left = page.locator(".timeline .span").first.evaluate("e => e.style.left")
    assert left.endswith("%")


def test_removing_a_service_asks_with_its_real_name(
    page: Any, site: tuple[LiveServer, list[str]]
) -> None:
    """The confirm quotes "Alzheimer's Society"; dismissing it keeps the service."""
    live, _ = site
    _sign_in(page, live)
    page.goto(live.url + "/places/services")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row = page.locator("tr", has_text="Alzheimer's Society")
    row.get_by_role("button").click()
    page.wait_for_timeout(300)
    assert asked == ["Remove Alzheimer's Society from the public directory?"]
    page.goto(live.url + "/places/services")
    assert page.get_by_text("Alzheimer's Society").count() >= 1


def test_the_new_admin_pages_pass_axe(page: Any, site: tuple[LiveServer, list[str]]) -> None:
    """The staff accounts page, the password form and the training button: no serious finding."""
    live, pages = site
    _sign_in(page, live)
    admin_pages = [p for p in pages if p.startswith(("/admin/", "/people/residents/"))]
    assert any(p.startswith("/admin/users") for p in admin_pages), pages
    for path in admin_pages:
        page.goto(live.url + path)
        assert axe_violations(page) == [], path
