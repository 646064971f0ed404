"""The consent history migration keeps existing data meaning the same (issue 14): the older
consent columns become each person's first history rows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import Referral
from app.models import Resident
from app.models import Volunteer
from app.services import consent
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)

STOPPED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def test_old_consent_columns_become_history(empty_database_url: str) -> None:  # noqa: F811
    """Joan agreed to texts then texted STOP; Amir asked for a befriender and shares life
    events; Dev drives; Pat was referred with consent. Their history says so after upgrade."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="1631_alert_lifecycle")
        people = Resident.__table__
        with db.engine.begin() as conn:
            ids = [
                conn.execute(people.insert().values(**values)).inserted_primary_key[0]
                for values in (
                    dict(first_name="Joan", last_name="A", sms_consent=True, opted_out_at=STOPPED),
                    dict(
                        first_name="Amir",
                        last_name="B",
                        wants_befriender=True,
                        share_life_events=True,
                    ),
                    dict(first_name="Pat", last_name="C"),
                )
            ]
            conn.execute(
                Volunteer.__table__.insert().values(
                    first_name="Dev", last_name="D", phone="+447700900001", is_driver=True
                )
            )
            conn.execute(
                Referral.__table__.insert().values(
                    resident_id=ids[2],
                    reference="AB12CD34",
                    submission_key="k" * 64,
                    channel="staff",
                    source="gp",
                    first_name="Pat",
                    last_name="C",
                    consent=True,
                    status="received",
                )
            )
        upgrade()
        joan, amir, pat = (db.session.get(Resident, i) for i in ids)
        dev = db.session.scalars(sa.select(Volunteer)).one()
        assert {(r.purpose, r.given, r.how) for r in consent.history(joan)} == {
            ("texts", True, "recorded before consent history"),
            ("texts", False, "text"),
        }
        assert consent.why_not(joan, consent.ConsentPurpose.TEXTS) == (
            "They have opted out of texts."
        )
        assert {r.purpose for r in consent.history(amir)} == {
            "befriending_introductions",
            "sharing_life_events",
        }
        assert [(r.purpose, r.how) for r in consent.history(pat)] == [
            ("contact_after_referral", "referral")
        ]
        assert [r.purpose for r in consent.history(dev)] == ["texts"]
        assert consent.current(amir) == {
            consent.ConsentPurpose.TEXTS: False,
            consent.ConsentPurpose.BEFRIENDING: True,
            consent.ConsentPurpose.LIFE_EVENTS: True,
            consent.ConsentPurpose.AFTER_REFERRAL: False,
        }
        db.session.remove()
        db.engine.dispose()
