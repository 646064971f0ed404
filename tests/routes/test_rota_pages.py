"""The rota page: plan, see why a lift is unserved, pin, re-plan, publish, print run sheets."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import sqlalchemy as sa

from app.models import Message
from app.models import Mobility
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

DAY = dt.date.today() + dt.timedelta(days=1)


@pytest.fixture()
def fast_plans(app):
    """Plan in a second, not the production twenty."""
    app.config["PLAN_TIME_LIMIT_S"] = 1


def _plan(client) -> None:
    """Press Plan, then wait as the rota page does for the planning in the background."""
    _plan_expecting(client, "finished")


def _plan_expecting(client, outcome: str) -> None:
    response = client.post("/rota/plan", data={"day": DAY.isoformat()})
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/rota/status.json?day={DAY.isoformat()}").get_json()
        if status["state"] in ("finished", "failed"):
            break
        time.sleep(0.1)
    assert status["state"] == outcome, status


def _day_with_an_unservable_lift():
    driver = make_volunteer(first_name="Dana", phone="+447700900501")
    walker = make_resident(first_name="Walt")
    chair = make_resident(first_name="Wendy", mobility=Mobility.WHEELCHAIR)
    make_lift(walker, day=DAY)
    wheelchair_lift = make_lift(chair, day=DAY, mobility=Mobility.WHEELCHAIR)
    return driver, wheelchair_lift


def test_plan_shows_routes_and_the_reason_a_lift_is_unserved(client, coordinator, db, fast_plans):
    """A wheelchair lift with no accessible car comes back with its reason and its fix."""
    _day_with_an_unservable_lift()
    _plan(client)
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Dana" in page and "Walt" in page
    assert "No wheelchair-accessible car is free." in page
    assert "wheelchair-accessible car to cover this day" in page
    assert 'id="map-data"' in page and "Publish and send texts" in page


def test_pin_page_answers_a_bad_choice_by_the_field(client, coordinator, db, fast_plans):
    """Pinning a wheelchair lift to a car without a space is refused next to the select."""
    driver, lift = _day_with_an_unservable_lift()
    page = client.post(f"/rota/lifts/{lift.id}/pin", data={"volunteer_id": str(driver.id)})
    text = page.get_data(as_text=True)
    assert 'id="volunteer_id-error"' in text and "does not take a wheelchair" in text


def test_pin_then_replan_keeps_the_lift_with_the_driver(client, coordinator, db, fast_plans):
    """A pinned lift is shown pinned on the re-planned route."""
    driver, _ = _day_with_an_unservable_lift()
    other = make_resident(first_name="Olive")
    lift = make_lift(other, day=DAY, arrive_by=dt.time(11))
    _plan(client)
    response = client.post(f"/rota/lifts/{lift.id}/pin", data={"volunteer_id": str(driver.id)})
    assert response.status_code == 302
    _plan(client)
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Olive" in page and "pinned" in page


def test_publish_queues_texts_and_shows_driver_answers(client, coordinator, db, fast_plans):
    """Publishing texts the driver and resident; the page then shows who has not answered."""
    _day_with_an_unservable_lift()
    _plan(client)
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    plan_id = int(page.split("/rota/plans/")[1].split("/")[0])
    response = client.post(f"/rota/plans/{plan_id}/publish", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Published. Texts queued for 1 driver and 1 resident" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) >= 2
    assert "pending" in text
    log = client.get("/messages/").get_data(as_text=True)
    assert "Dana" in log


def test_run_sheets_list_times_names_addresses_and_phones(client, coordinator, db, fast_plans):
    """The printable sheet has the resident's name, phone and address, and a sketch map."""
    _day_with_an_unservable_lift()
    _plan(client)
    page = client.get(f"/rota/sheets?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Walt" in page and "☎ 077" in page and "Ripple Road" in page and "<svg" in page


def test_viewer_sees_the_rota_but_cannot_plan_or_pin(client, viewer, db):
    """A viewer has no Plan button and gets 403 on plan, pin and publish."""
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Not planned yet" in page and "plan-button" not in page
    assert client.post("/rota/plan", data={"day": DAY.isoformat()}).status_code == 403
    assert client.post("/rota/plans/1/publish").status_code == 403


def test_status_endpoint_answers_json(client, coordinator):
    """The progress poll answers JSON even with jobs run in-process; nothing asked, nothing run."""
    data = client.get(f"/rota/status.json?day={DAY.isoformat()}").get_json()
    assert data == {"state": "none", "progress": 0.0}


def test_pressing_plan_answers_at_once_and_the_page_follows_the_planning(
    client, coordinator, db, app
):
    """Planning never runs inside the request: the page shows its progress, then the plan.

    Issue 10: on the embedded defaults the request itself planned for the whole time limit.
    """
    app.config["PLAN_TIME_LIMIT_S"] = 2
    _day_with_an_unservable_lift()
    started = time.monotonic()
    response = client.post("/rota/plan", data={"day": DAY.isoformat()}, follow_redirects=True)
    assert time.monotonic() - started < 1.5
    page = response.get_data(as_text=True)
    assert "Not planned yet" in page and f"Planning {DAY:%A %-d %B}" in page
    assert re.search(r'<div id="planning"\s+data-status-url', page), "progress box hidden"
    status = client.get(f"/rota/status.json?day={DAY.isoformat()}").get_json()
    assert status["state"] == "started" and 0 <= status["progress"] < 1
    while status["state"] == "started":
        time.sleep(0.1)
        status = client.get(f"/rota/status.json?day={DAY.isoformat()}").get_json()
    assert status["state"] == "finished"
    url = f"/rota/?day={DAY.isoformat()}&planned={status['plan_id']}"
    assert f"{DAY:%A %-d %B} is planned" in client.get(url).get_data(as_text=True)


def test_leaflet_is_served_from_node_modules_or_not_at_all(client):
    """The map library comes from npm's folder; nothing else there is reachable."""
    response = client.get("/assets/leaflet/leaflet.js")
    assert response.status_code in (200, 404)
    assert client.get("/assets/other/package.json").status_code == 404
    assert client.get("/assets/leaflet/../package.json").status_code == 404


def test_a_failed_planning_says_why_on_the_rota(client, coordinator, db, app):
    """Nothing to plan: after the background run, the rota page says so in words."""
    _plan_expecting(client, "failed")
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert f"Planning failed: There is nothing to plan on {DAY:%A %-d %B}" in page
