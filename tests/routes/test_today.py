"""/today in the browser's words (issue 13): linked from the nav and the dashboard, the day's
drivers, a driver taken off, outcomes and miles recorded in one form, refusals that name the
field, and viewers who may look but not record."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import LiftStatus
from app.models import MileageClaim
from app.models import PlanStatus
from app.services import clock
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.plan_builder import hm
from tests.plan_builder import make_plan


def _today_published():
    day = clock.today()
    dev = make_volunteer(first_name="Dev")
    joan = make_resident(first_name="Joan")
    lift = make_lift(joan, day=day, status=LiftStatus.PLANNED)
    plan = make_plan(day, [(dev, [(lift, hm("0:05"), hm("0:30"))])], status=PlanStatus.PUBLISHED)
    plan.published_at = clock.utcnow() - dt.timedelta(hours=12)
    db.session.commit()
    return dev, lift, plan.routes[0]


def test_today_is_in_the_nav_and_on_the_dashboard(client, coordinator):
    """A coordinator finds Today from every page and from the dashboard."""
    page = client.get("/").get_data(as_text=True)
    assert page.count('href="/today/"') == 2


def test_today_without_a_rota_says_so(client, coordinator):
    """No published rota today: the page says so and links the rota."""
    page = client.get("/today/").get_data(as_text=True)
    assert "no published rota" in page


def test_the_day_is_recorded_from_the_page(client, coordinator):
    """Joan's lift (due since 12:30am) is recorded done, with Dev's 7.5 miles, in one press."""
    dev, lift, _route = _today_published()
    page = client.get("/today/").get_data(as_text=True)
    assert "Dev" in page and f'name="outcome-{lift.id}"' in page
    if clock.local().time() > dt.time(0, 31):  # its drop-off time has passed: "Done" preset
        assert '<option value="completed" selected>' in page
    response = client.post(
        "/today/record",
        data={f"outcome-{lift.id}": "completed", f"reason-{lift.id}": "", f"miles-{dev.id}": "7.5"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert lift.status == LiftStatus.COMPLETED
    assert db.session.scalar(sa.select(MileageClaim.miles)) == 7.5
    assert "Recorded 1 outcome and miles for 1 driver." in client.get("/today/").get_data(
        as_text=True
    )


def test_a_refusal_is_summarised_at_the_top_and_stores_nothing(client, coordinator):
    """A no-show without a reason and miles typed as words: a 400 with an error summary."""
    dev, lift, _route = _today_published()
    response = client.post(
        "/today/record",
        data={f"outcome-{lift.id}": "no_show", f"reason-{lift.id}": "", f"miles-{dev.id}": "7"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "error-summary" in page and f'href="#reason-{lift.id}"' in page
    assert f'id="reason-{lift.id}-error"' in page
    db.session.expire_all()
    assert lift.status == LiftStatus.PLANNED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MileageClaim)) == 0
    bad = client.post("/today/record", data={"outcome-x1": "completed"})
    assert bad.status_code == 400 and "reload the page" in bad.get_data(as_text=True)


def test_a_driver_is_taken_off_from_the_page(client, coordinator):
    """'Off from now' with a reason takes Dev off; without one it says why it refused."""
    _dev, _lift, route = _today_published()
    refused = client.post(f"/today/routes/{route.id}/off", data={"reason": ""})
    assert refused.status_code == 302
    assert "Say why" in client.get("/today/").get_data(as_text=True)
    taken = client.post(f"/today/routes/{route.id}/off", data={"reason": "ill"})
    assert taken.status_code == 302
    page = client.get("/today/").get_data(as_text=True)
    assert "Off: taken off" in page and "Re-plan the rest of today" in page


def test_a_viewer_sees_today_but_records_nothing(client, viewer):
    """A viewer may look; the forms are not shown and a post is refused."""
    dev, lift, _route = _today_published()
    page = client.get("/today/").get_data(as_text=True)
    assert "Dev" in page and "Record outcomes and miles" not in page
    response = client.post("/today/record", data={f"outcome-{lift.id}": "completed"})
    assert response.status_code == 403
