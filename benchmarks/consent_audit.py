"""Benchmark of consent checks and the audit trail (issue 14) at borough size; no targets.

Builds, deterministically (seed 14), 4,400 residents (a third asked for a befriender, some of
them with a recorded decision), 600 volunteers, 8,800 lifts and 30,000 audit rows about them,
then times, through the product's own functions:

- ``messaging.why_not_text`` for every resident, and the consent part of it alone
  (``consent.why_not(r, TEXTS)`` reads columns: no query);
- ``consent.allows(resident, BEFRIENDING)`` for every resident who asked for a befriender (the
  befriending matcher's filter: one indexed query each);
- ``audit.list_events`` as the audit page runs it: unfiltered, and about one resident (their
  record, lifts and pairings);
- ``consent.record_consent`` 1,000 times (a withdrawal each, committed in one transaction).

Runs on SQLite (a file: the embedded default) and, with ``--pg-url`` (the database is emptied),
on PostgreSQL.

Run: ``.venv/bin/python benchmarks/consent_audit.py [--pg-url postgresql+psycopg://...]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import AuditLog  # noqa: E402
from app.models import ConsentHow  # noqa: E402
from app.models import ConsentPurpose  # noqa: E402
from app.models import ConsentRecord  # noqa: E402
from app.models import LiftRequest  # noqa: E402
from app.models import Resident  # noqa: E402
from app.models import Volunteer  # noqa: E402
from app.services import audit  # noqa: E402
from app.services import consent  # noqa: E402
from app.services.messaging import why_not_text  # noqa: E402

SEED = 14
NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
RESIDENTS, VOLUNTEERS, LIFTS, AUDIT_ROWS = 4400, 600, 8800, 30_000


def _seed(rng: random.Random) -> None:
    """Bulk rows through Core (the models' defaults apply)."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(Resident),
            [
                dict(
                    first_name="R",
                    last_name=f"{i}",
                    phone=f"+4477009{i:05d}",
                    sms_consent=rng.random() < 0.9,
                    wants_befriender=rng.random() < 0.3,
                    created_at=NOW,
                    updated_at=NOW,
                )
                for i in range(RESIDENTS)
            ],
        )
        conn.execute(
            sa.insert(Volunteer),
            [
                dict(
                    first_name="V",
                    last_name=f"{i}",
                    phone=f"+4477008{i:05d}",
                    is_driver=True,
                    created_at=NOW,
                    updated_at=NOW,
                )
                for i in range(VOLUNTEERS)
            ],
        )
        conn.execute(
            sa.insert(LiftRequest),
            [
                dict(
                    resident_id=1 + i % RESIDENTS,
                    day=dt.date(2026, 1, 1) + dt.timedelta(days=i % 330),
                    destination_lat=51.55,
                    destination_lon=0.13,
                    pickup_lat=51.54,
                    pickup_lon=0.08,
                    arrive_by=dt.time(10),
                    created_at=NOW,
                    updated_at=NOW,
                )
                for i in range(LIFTS)
            ],
        )
        conn.execute(
            sa.insert(ConsentRecord),
            [
                dict(
                    resident_id=1 + i,
                    purpose=ConsentPurpose.BEFRIENDING.value,
                    given=rng.random() < 0.8,
                    at=NOW - dt.timedelta(days=30),
                    how=ConsentHow.PHONE.value,
                    note="",
                )
                for i in range(0, RESIDENTS, 3)
            ],
        )
        conn.execute(
            sa.insert(AuditLog),
            [
                dict(
                    at=NOW - dt.timedelta(minutes=i),
                    actor="staff" if i % 3 else "resident by text",
                    action="book" if i % 2 else "update",
                    entity_type="LiftRequest" if i % 2 else "Resident",
                    entity_id=1 + (i % LIFTS if i % 2 else i % RESIDENTS),
                    changes={"status": [None, "requested"]},
                )
                for i in range(AUDIT_ROWS)
            ],
        )


def _time(label: str, fn: object, repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()  # type: ignore[operator]
    took = (time.perf_counter() - started) / repeat
    print(f"  {label:<62} {took * 1000:8.1f} ms")
    return took


def run(url: str, engine: str) -> None:
    """Seed and time one database."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark" * 4}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        _seed(random.Random(SEED))
        residents = list(db.session.scalars(sa.select(Resident).order_by(Resident.id)))
        asked = [r for r in residents if r.wants_befriender]
        print(f"{engine}: {len(residents)} residents, {AUDIT_ROWS} audit rows")
        _time(
            f"why_not_text for all {len(residents)} residents",
            lambda: [why_not_text(r, r.phone) for r in residents],
        )
        _time(
            f"consent.why_not(TEXTS) for all {len(residents)} residents (its share of the above)",
            lambda: [consent.why_not(r, ConsentPurpose.TEXTS) for r in residents],
        )
        _time(
            f"allows(BEFRIENDING) for the {len(asked)} who asked for a befriender",
            lambda: [consent.allows(r, ConsentPurpose.BEFRIENDING) for r in asked],
        )
        _time(
            "audit page, unfiltered (newest 200)",
            lambda: audit.list_events(audit.EventFilter(limit=200)),
            repeat=5,
        )
        _time(
            "audit page about one resident (record, lifts, pairings)",
            lambda: audit.list_events(audit.EventFilter(kind="resident", person_id=7, limit=200)),
            repeat=5,
        )
        _time(
            "consent_view for one resident (the person's page)",
            lambda: consent.consent_view(residents[6]),
            repeat=5,
        )

        def withdraw() -> None:
            for r in residents[:1000]:
                consent.record_consent(
                    r, ConsentPurpose.TEXTS, given=False, how=ConsentHow.PHONE, now=NOW
                )
            db.session.commit()

        _time("record_consent x 1000 (one commit)", withdraw)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="a PostgreSQL database to empty and use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "SQLite")
    if args.pg_url:
        run(args.pg_url, "PostgreSQL")


if __name__ == "__main__":
    main()
