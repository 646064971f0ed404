"""Which plan is current is decided once, and a stale plan is never shown as current (issue 10).

The rota page, the run sheets and the dashboard all show the plan ``plans.current_plan`` picks,
and say when lifts were added, changed or dropped since it was made.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import PlanStatus
from app.services import clock
from app.services import lifts
from app.services import plans
from app.services import publishing
from app.services import rota
from app.services.dashboard import tomorrow_at_a_glance
from app.services.rota_view import day_view
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.plan_builder import hm
from tests.plan_builder import make_plan

DAY = clock.tomorrow()


@pytest.fixture()
def two_plans(app):
    """Tomorrow published with Joan's lift, then planned again as a draft with Amir's too."""
    dev = make_volunteer(first_name="Dev")
    joan = make_lift(make_resident(first_name="Joan", last_name="Smith"), day=DAY)
    published = make_plan(DAY, [(dev, [(joan, hm("9:05"), hm("9:45"))])])
    publishing.publish_plan(published.id)
    amir = make_lift(make_resident(first_name="Amir"), day=DAY, arrive_by=dt.time(11))
    draft = make_plan(
        DAY, [(dev, [(joan, hm("9:05"), hm("9:45")), (amir, hm("10:20"), hm("10:50"))])]
    )
    return published, draft, joan, amir


def test_every_page_shows_the_same_current_plan(two_plans, client, coordinator) -> None:
    """A draft made after the published plan is the current one on the rota and the dashboard.

    Issue 10: the dashboard showed the published plan first while the rota showed the draft.
    """
    published, draft, _, _ = two_plans
    assert plans.current_plan(DAY) == draft and plans.published_plan(DAY) == published
    assert day_view(DAY).plan == draft
    glance = tomorrow_at_a_glance(clock.today())
    assert glance.plan_status == PlanStatus.DRAFT.value
    assert (glance.lifts.planned, glance.lifts.not_planned) == (2, 0)
    page = client.get("/").get_data(as_text=True)
    assert "A <strong>draft</strong> rota is waiting" in page
    sheets = client.get(f"/rota/sheets?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Amir" in sheets and "DRAFT" in sheets


def test_a_draft_that_planned_every_lift_is_not_counted_as_unplanned(app, client, coordinator):
    """The dashboard counts lifts against the draft: all planned, none waiting.

    Issue 10: it said "38 requested, not planned / 0 planned" while the draft planned all 38.
    """
    app.config["PLAN_TIME_LIMIT_S"] = 1
    make_volunteer(first_name="Dev")
    for hour in (9, 10, 11):
        make_lift(make_resident(), day=DAY, arrive_by=dt.time(hour, 30))
    rota.plan_day(DAY)
    glance = tomorrow_at_a_glance(clock.today())
    assert (glance.lifts.planned, glance.lifts.unserved, glance.lifts.not_planned) == (3, 0, 0)
    page = client.get("/").get_data(as_text=True)
    assert '<span class="n">3</span> planned (draft)' in page
    assert "out of date" not in page


def test_lifts_booked_after_the_plan_make_it_stale_on_the_rota_and_dashboard(
    two_plans, client, coordinator
) -> None:
    """Four lifts booked after the draft: the rota no longer says every lift is planned.

    Issue 10: "four lifts booked after the draft was made, and the rota still says every lift
    is planned".
    """
    for n in range(4):
        make_lift(make_resident(first_name=f"Late{n}"), day=DAY, arrive_by=dt.time(14))
    rota_page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    stale = "This plan is out of date:</strong> 4 lifts added since this plan was made"
    assert stale in rota_page
    assert "Every lift is planned" not in rota_page
    assert "4 more were booked since it was made" in rota_page
    assert "Re-plan" in rota_page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Tomorrow's plan is out of date:</strong> 4 lifts added" in dashboard
    assert "Re-plan it on the rota" in dashboard
    assert '<span class="n">4</span> booked since the plan' in dashboard


def test_lifts_changed_pinned_or_dropped_since_the_plan_are_counted(two_plans) -> None:
    """An edited time, a pin and a cancellation each make the current plan stale."""
    _, draft, joan, amir = two_plans
    assert not plans.freshness(draft).stale
    lifts.update_lift(amir.id, lifts.LiftEdit(arrive_by=dt.time(11, 30)))
    rota.pin_lift(joan.id, draft.routes[0].volunteer_id)
    fresh = plans.freshness(draft)
    assert (fresh.added, fresh.changed, fresh.dropped) == (0, 2, 0)
    lifts.cancel_lift(amir.id, reason="Unwell")
    fresh = plans.freshness(draft)
    assert fresh.dropped == 1
    assert fresh.describe().startswith("2 lifts changed and 1 dropped since this plan was made")


def test_a_cancelled_stop_is_marked_on_the_route_and_the_run_sheet(
    two_plans, client, coordinator
) -> None:
    """The stop stays on the plan that was sent, marked as cancelled, so nobody drives to it."""
    published, _, joan, _ = two_plans
    lifts.cancel_lift(joan.id, reason="In hospital")
    route = published.routes[0]
    stops = client.get(f"/rota/routes/{route.id}/stops?fragment=1").get_data(as_text=True)
    assert '<span class="tag dropped">cancelled</span>' in stops
    rota_page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Joan Smith&#39;s lift was cancelled" in rota_page


def test_the_dashboard_counts_drivers_answers_on_the_published_plan_while_a_draft_is_current(
    two_plans,
) -> None:
    """Drivers answer the plan they were texted: a decline shows even with a newer draft."""
    published, _, _, _ = two_plans
    dev = published.routes[0].volunteer
    publishing.driver_reply(dev, False, now=clock.utcnow())
    db.session.commit()
    glance = tomorrow_at_a_glance(clock.today())
    assert glance.plan_status == "draft" and glance.drivers_declined == 1
    assert "Dev" in glance.freshness.describe()


def test_a_driver_booked_off_after_the_plan_makes_it_stale(two_plans, client, coordinator) -> None:
    """A day off entered for a driver with lifts on the plan: the rota says so by name."""
    from app.models import AvailabilityException

    _, draft, _, _ = two_plans
    dev = draft.routes[0].volunteer
    db.session.add(AvailabilityException(volunteer_id=dev.id, day=DAY, available=False))
    db.session.commit()
    gone = f"{dev.full_name} is no longer free to drive that day"
    assert plans.freshness(draft).reasons == (gone,)
    assert gone in client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)


def test_a_draft_that_cannot_be_published_offers_only_a_replan(
    two_plans, client, coordinator
) -> None:
    """A lift on the draft was cancelled: no Publish button, a Re-plan and why."""
    _, _, _, amir = two_plans
    lifts.cancel_lift(amir.id, reason="Unwell")
    page = client.get(f"/rota/?day={DAY.isoformat()}").get_data(as_text=True)
    assert "Publish and send texts" not in page and "Re-plan before publishing" in page
    assert 'id="plan-button"' in page


def test_a_driver_whose_weekly_hours_no_longer_cover_the_day_makes_it_stale(two_plans) -> None:
    """Hours changed after the plan (the day dropped from their week): stale, by name."""
    from app.services import people

    _, draft, _, _ = two_plans
    dev = draft.routes[0].volunteer
    other_day = (DAY.weekday() + 1) % 7
    people.set_weekly_availability(dev.id, [(other_day, dt.time(9), dt.time(17))], actor_id=None)
    assert plans.freshness(draft).reasons == (
        f"{dev.full_name} is no longer free to drive that day",
    )
