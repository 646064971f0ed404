"""The demo borough is deterministic and loading it twice duplicates nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.models import Activity
from app.models import LiftRequest
from app.models import Resident
from app.models import Service
from app.models import Volunteer
from app.services.demo import load_demo
from app.services.geo import import_postcodes


def _counts(db) -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Resident, Volunteer, Activity, Service, LiftRequest)
    }


def test_demo_borough_is_the_size_promised(db):
    """40 drivers, 25+ befrienders, 300 residents, 15 venues, the directory, two weeks of lifts."""
    start = dt.date(2026, 11, 30)
    load_demo(start=start)
    drivers = db.session.scalar(sa.select(sa.func.count()).where(Volunteer.is_driver.is_(True)))
    befrienders = db.session.scalar(
        sa.select(sa.func.count()).where(Volunteer.is_befriender.is_(True))
    )
    assert drivers == 40 and befrienders >= 25
    assert db.session.scalar(sa.select(sa.func.count()).where(Volunteer.wheelchair_spaces > 0)) >= 5
    counts = _counts(db)
    assert counts["Resident"] == 300 and counts["Service"] == 10 and counts["Activity"] >= 15
    days = db.session.scalars(sa.select(LiftRequest.day).distinct()).all()
    assert min(days) >= start and max(days) <= start + dt.timedelta(days=13)
    returns = db.session.scalar(sa.select(sa.func.count()).where(LiftRequest.leg == "return"))
    assert returns > counts["LiftRequest"] * 0.4
    talking = db.session.scalar(sa.select(Service).where(Service.name == "Talking Therapies"))
    assert talking.phone == "0300 300 1554"


def test_loading_twice_duplicates_nothing(db):
    """The second run adds nothing and reports zeros."""
    start = dt.date(2026, 11, 30)
    load_demo(start=start)
    first = _counts(db)
    again = load_demo(start=start)
    assert set(again.values()) == {0}
    assert _counts(db) == first


def test_demo_uses_real_postcodes_when_loaded(db, shared_data):
    """With the postcode table, homes are real borough postcodes."""
    import_postcodes(shared_data / "lbbd_postcodes.csv")
    load_demo(start=dt.date(2026, 11, 30))
    postcodes = db.session.scalars(sa.select(Resident.postcode)).all()
    assert all(p is not None for p in postcodes)
    assert len(set(postcodes)) > 200


def test_cli_demo_load(runner):
    """`flask demo load` prints what it added."""
    result = runner.invoke(args=["demo", "load", "--start", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert "residents: 300" in result.output
