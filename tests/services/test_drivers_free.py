"""Issue 10 (STYLE rule 26): who can drive on a day is one rule, for the planner and dashboard."""

from __future__ import annotations

import datetime as dt

from app.services import dashboard
from app.services import rota
from app.services.people import drivers_free_on
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

DAY = dt.date(2026, 12, 1)  # a Tuesday


def _drivers() -> None:
    make_volunteer(first_name="Ok", last_name="Free")
    make_volunteer(first_name="No", last_name="Home", lat=None, lon=None)
    make_volunteer(first_name="Day", last_name="Off", weekly=[])
    make_volunteer(first_name="Left", last_name="Us", active=False)
    make_volunteer(first_name="Old", last_name="Dbs", dbs_valid_until=dt.date(2026, 1, 1))


def test_the_drivers_free_on_a_day_are_active_located_and_have_hours(db):
    """Archived drivers, drivers without a located home and drivers off that day are not free."""
    _drivers()
    names = {d.volunteer.full_name for d in drivers_free_on(DAY)}
    assert names == {"Ok Free", "Old Dbs"}  # the DBS check is the solver's, with its reason


def test_the_dashboard_counts_the_drivers_the_planner_can_use(db):
    """'Drivers free tomorrow' on the dashboard is the planner's list less expired DBS checks."""
    _drivers()
    glance = dashboard.tomorrow_at_a_glance(today=DAY - dt.timedelta(days=1))
    assert glance.drivers_available == 1
    make_lift(make_resident(), day=DAY)
    summary = rota.plan_day(DAY, time_limit_s=1)
    assert summary.drivers_used == 1 and summary.served == 1
