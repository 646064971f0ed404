"""A coordinator's day on /today in Chromium (issue 13): the morning view, a driver falls ill,
the rest of the day is re-planned and published, and the outcomes and miles are recorded at the
end of the day. axe-core finds nothing serious or critical on any page; screenshots in /tmp."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import MileageClaim
from app.models import PlanStatus
from app.services import clock
from app.services.auth import create_user
from tests.browser.conftest import LiveServer
from tests.browser.conftest import axe_violations
from tests.browser.conftest import live_app
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.plan_builder import make_plan

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/connect-rota-today")
ALL_DAY = [(d, dt.time(0, 1), dt.time(23, 59)) for d in range(7)]


def _base_s() -> int:
    """Now in seconds after London midnight: the seeded day is laid around the real clock."""
    local = clock.local()
    return local.hour * 3600 + local.minute * 60


# The live server reads the real clock: the day (from 90 minutes ago to 3 hours ahead) must fit
# in London's today for the walk to mean anything.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not 2 * 3600 <= _base_s() <= 20 * 3600,
        reason="the coordinator's day is walked between 2am and 8pm London time (live clock)",
    ),
]


def _time(seconds: int) -> dt.time:
    return dt.time(seconds // 3600, (seconds % 3600) // 60)


def _seed() -> dict[str, int]:
    """Dana drove Walt this morning and takes Olive later; Bo takes Ada; it is published."""
    day = clock.today()
    base = _base_s()
    create_user("coord@bureau.example", "Cora Coordinator", PASSWORD, "coordinator")
    dana = make_volunteer(first_name="Dana", last_name="Driver", weekly=ALL_DAY)
    bo = make_volunteer(first_name="Bo", last_name="Backup", weekly=ALL_DAY)
    hospital = make_venue(
        name="Barking Community Hospital", address="Upney Lane, Barking", postcode="IG11 9LX"
    )
    legs = {}
    for name, offset in (("Walt", -90), ("Olive", 60), ("Ada", 120)):
        resident = make_resident(first_name=name, last_name="Tester")
        arrive = base + offset * 60 + 30 * 60
        legs[name] = make_lift(
            resident,
            day=day,
            venue_id=hospital.id,
            destination_address="Upney Lane, Barking",
            destination_postcode="IG11 9LX",
            arrive_by=_time(arrive),
            status=LiftStatus.PLANNED,
        )
    w, o, a = legs["Walt"], legs["Olive"], legs["Ada"]
    plan = make_plan(
        day,
        [
            (dana, [(w, base - 90 * 60, base - 65 * 60), (o, base + 60 * 60, base + 85 * 60)]),
            (bo, [(a, base + 120 * 60, base + 145 * 60)]),
        ],
        status=PlanStatus.PUBLISHED,
    )
    plan.published_at = clock.utcnow() - dt.timedelta(hours=18)
    for route in plan.routes:
        route.distance_m = 20000
    db.session.commit()
    return {"walt": w.id, "olive": o.id, "ada": a.id, "bo": bo.id}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    app = live_app(Path(tmp_path_factory.mktemp("today")))
    with app.app_context():
        ids = _seed()
        db.session.remove()
    with LiveServer(app) as live:
        yield live, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def page(playwright_browser: Any) -> Iterator[Any]:
    context = playwright_browser.new_context(
        viewport={"width": 1180, "height": 820}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


def check(page: Any, name: str) -> None:
    """axe-core: nothing serious or critical; a full-page screenshot to look at."""
    page.wait_for_load_state()
    found = axe_violations(page)
    assert found == [], f"{name}: {found}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_coordinators_day_on_today(page: Any, seeded: tuple[LiveServer, dict[str, int]]) -> None:
    """Morning on /today, Dana falls ill, the rest of the day re-planned and published,
    outcomes and miles recorded at five (a refusal first, summarised at the top)."""
    server, ids = seeded
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("coord@bureau.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))

    # Morning: Today from the nav; each driver's whereabouts; places by name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    page.wait_for_url(re.compile(r".*/today/$"))
    check(page, "01-today-morning")
    dana_row = page.locator("tr", has_text="Dana Driver")
    assert dana_row.locator("td").first.inner_text().strip() != ""
    assert "Barking Community Hospital" in page.content()
    assert page.locator(f"#outcome-{ids['olive']}").count() == 1

    # Dana falls ill: off from now, with the reason.
    page.once("dialog", lambda d: d.accept())
    dana_row.get_by_label("Why can Dana Driver not drive?").fill("ill")
    dana_row.get_by_role("button", name="Off from now").click()
    page.wait_for_selector("text=Taken off:")
    check(page, "02-today-dana-off")
    assert "Off: taken off" in page.locator("tr", has_text="Dana Driver").inner_text()

    # Same-day re-plan: the rota plans the rest of today; publish it.
    page.get_by_role("button", name="Re-plan the rest of today").click()
    page.wait_for_url(re.compile(r".*[?&]planned=\d+"), timeout=90_000)
    check(page, "03-rota-replanned")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Publish and send texts").click()
    page.wait_for_selector("text=Published.")
    check(page, "04-rota-published")

    # Back on /today: Olive's lift is now with Bo; Dana stays off.
    page.goto(server.url + "/today/")
    check(page, "05-today-after-replan")
    assert "Off: taken off" in page.locator("tr", has_text="Dana Driver").inner_text()
    bo_box = page.locator("fieldset", has_text="Bo Backup")
    assert bo_box.locator(f"#outcome-{ids['olive']}").count() == 1

    # At five: a no-show without a reason is refused, summarised at the top, nothing stored.
    bo_box.locator(f"#outcome-{ids['ada']}").select_option("no_show")
    page.get_by_role("button", name="Record outcomes and miles").click()
    page.wait_for_selector(".error-summary")
    check(page, "06-today-refused")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    summary = page.locator(".error-summary").inner_text()
    assert "Ada" in summary and "Say why" in summary

    # Then properly: Walt and Olive done, Ada a no-show (not at home), Bo's 14.2 miles.
    bo_box = page.locator("fieldset", has_text="Bo Backup")
    for key in ("walt", "olive"):
        box = page.locator(f"#outcome-{ids[key]}")
        if box.count():
            box.select_option("completed")
    bo_box.locator(f"#outcome-{ids['ada']}").select_option("no_show")
    page.locator(f"#reason-{ids['ada']}").fill("not at home")
    page.get_by_label("Miles driven by Bo Backup").fill("14.2")
    page.get_by_role("button", name="Record outcomes and miles").click()
    page.wait_for_selector("text=Recorded")
    check(page, "07-today-recorded")

    with server.app.app_context():
        status = {
            lift_id: st
            for lift_id, st in db.session.execute(sa.select(LiftRequest.id, LiftRequest.status))
        }
        assert status[ids["ada"]] == LiftStatus.NO_SHOW
        assert status[ids["olive"]] == LiftStatus.COMPLETED
        miles = db.session.scalar(
            sa.select(MileageClaim.miles).where(MileageClaim.volunteer_id == ids["bo"])
        )
        assert miles == 14.2
        db.session.remove()
