"""Benchmark of personal data (issue 14): export, erasure and the retention run at borough size.

Builds, deterministically (seed 14), a borough of 5,000 people (4,400 residents, 600 volunteers
of whom 200 drive), two years of daily plans (routes and stops), 30,000 texts (a third older
than a year) and audit rows over eight years; about one person in ten has had no activity for
seven years. One resident, Joyce Wilson, has two years of history: two lifts a week with her
driver's route texts naming her, texts both ways, a befriender, a GP referral and a screening,
alerts and audit rows (a previous address among them).

Then, through the product's own service functions (the ones the page and the commands call):

- export Joyce (``subject_access.export_person``), target <= 2 s;
- erase Joyce (``erasure.erase_person``), target <= 2 s; then every text and JSON column of
  every table, and every log record written meanwhile (DEBUG), is searched for her
  identifiers, and the month's lift totals and driving hours are compared with before;
- the retention run (``retention.run_retention``, dry run then real), target <= 60 s.

Runs on SQLite (a file: the embedded default) and, with ``--pg-url`` (the database is emptied),
on PostgreSQL. Exit 1 if a target is missed.

Run: ``.venv/bin/python benchmarks/personal_data.py [--pg-url postgresql+psycopg://...]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.base import Base  # noqa: E402
from app.services import erasure  # noqa: E402
from app.services import retention  # noqa: E402
from app.services import subject_access  # noqa: E402
from app.services.personal_data import Kind  # noqa: E402

SEED = 14
NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
RESIDENTS, VOLUNTEERS, DRIVERS = 4400, 600, 200
TEXTS = 30_000
DAYS = 730
JOYCE = {
    "first_name": "Joyce",
    "last_name": "Wilson",
    "phone": "+447700900533",
    "address": "28 Movers Lane",
    "postcode": "RM6 5JX",
}
IDENTIFIERS = (
    "Joyce",
    "Wilson",
    "+447700900533",
    "07700 900533",
    "07700900533",
    "28 Movers Lane",
    "RM6 5JX",
    "166 Whalebone Lane South",
)
FIRST = (
    "Ada",
    "Bill",
    "Carol",
    "Dilip",
    "Edna",
    "Femi",
    "Grace",
    "Harold",
    "Irena",
    "Jean",
    "Kofi",
    "Lena",
    "Maureen",
    "Nasreen",
    "Olu",
    "Pat",
    "Rose",
    "Stan",
    "Tomasz",
    "Vera",
)
LAST = (
    "Adams",
    "Begum",
    "Clarke",
    "Daniels",
    "Evans",
    "Fofana",
    "Green",
    "Hussain",
    "Ionescu",
    "Jones",
    "Khan",
    "Lewis",
    "Mensah",
    "Nowak",
    "Okafor",
    "Patel",
    "Reid",
    "Smith",
    "Taylor",
)
STREETS = (
    "Ripple Road",
    "Heathway",
    "Becontree Avenue",
    "Longbridge Road",
    "Valence Avenue",
    "Green Lane",
    "Gale Street",
    "Wood Lane",
    "Porters Avenue",
    "Rainham Road",
)
TIMESTAMPS = {"created_at": NOW, "updated_at": NOW}


def _t(name: str) -> sa.Table:
    return Base.metadata.tables[name]


def _insert(name: str, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 2000):
        db.session.execute(sa.insert(_t(name)), rows[start : start + 2000])


def _phone(n: int) -> str:
    return f"+4477123{n:05d}"


def _postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    while True:
        code = (
            f"RM{rng.randint(7, 10)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        )
        if code != JOYCE["postcode"]:
            return code


def build(rng: random.Random) -> dict[str, int]:
    """The borough; returns the ids the measurements need."""
    old = NOW - dt.timedelta(days=7 * 366)
    residents, volunteers = [], []
    for i in range(1, RESIDENTS + 1):
        inactive = i % 10 == 0
        residents.append(
            {
                "id": i,
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "phone": _phone(i),
                "address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                "postcode": _postcode(rng),
                "lat": 51.54 + rng.random() * 0.03,
                "lon": 0.08 + rng.random() * 0.08,
                "ward_code": f"E0501406{rng.randint(0, 9)}",
                "date_of_birth": dt.date(rng.randint(1930, 1960), rng.randint(1, 12), 1),
                "gender": "unstated",
                "mobility": rng.choice(("none", "walking_aid", "wheelchair")),
                "needs_escort": False,
                "interests": ["gardening"],
                "languages": ["english"],
                "prefers_female_driver": False,
                "life_events": [],
                "share_life_events": False,
                "wants_befriender": False,
                "sms_consent": True,
                "risk_tier": "medium",
                "notes": f"Resident note {i}",
                "active": True,
                "simulator_training": False,
                "created_at": old if inactive else NOW - dt.timedelta(days=900),
                "updated_at": old if inactive else NOW - dt.timedelta(days=rng.randint(0, 700)),
            }
        )
    joyce_id = 1
    residents[0].update(
        JOYCE,
        notes="Daughter Sandra visits on Sundays.",
        ward_code="E05014061",
        updated_at=NOW - dt.timedelta(days=5),
    )
    for i in range(1, VOLUNTEERS + 1):
        inactive = i % 10 == 0 and i > DRIVERS
        volunteers.append(
            {
                "id": i,
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "phone": _phone(50_000 + i),
                "email": f"volunteer{i}@example.org",
                "address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                "postcode": _postcode(rng),
                "lat": 51.54 + rng.random() * 0.03,
                "lon": 0.08 + rng.random() * 0.08,
                "gender": "unstated",
                "is_driver": i <= DRIVERS,
                "is_befriender": i > DRIVERS,
                "dbs_valid_until": dt.date(2028, 1, 1),
                "car_seats": 3,
                "wheelchair_spaces": 0,
                "max_drive_minutes": 240,
                "befriend_capacity": 2,
                "interests": [],
                "languages": ["english"],
                "life_events": [],
                "sms_consent": True,
                "notes": "",
                "active": True,
                "simulator_training": False,
                "created_at": old if inactive else NOW - dt.timedelta(days=900),
                "updated_at": old if inactive else NOW - dt.timedelta(days=rng.randint(0, 700)),
            }
        )
    _insert("residents", residents)
    _insert("volunteers", volunteers)

    # Two years of daily plans: 6 drivers a day, 2 lifts each; Joyce twice a week with driver 1.
    lifts, plans, routes, stops, messages = [], [], [], [], []
    lift_id = route_id = stop_id = 0
    for d in range(DAYS):
        day = TODAY - dt.timedelta(days=DAYS - d)
        plans.append(
            {
                "id": d + 1,
                "day": day,
                "status": "published",
                "created_at": NOW,
                "solver_status": "ok",
                "stats": {},
            }
        )
        drivers = [1, *rng.sample(range(2, DRIVERS + 1), 5)]
        for r, driver in enumerate(drivers):
            route_id += 1
            routes.append(
                {
                    "id": route_id,
                    "plan_id": d + 1,
                    "volunteer_id": driver,
                    "drive_s": rng.randint(1800, 7200),
                    "distance_m": 20_000,
                    "response": "accepted",
                }
            )
            riders = [
                joyce_id if (r == 0 and day.weekday() in (1, 3)) else rng.randint(2, RESIDENTS)
                for _ in range(2)
            ]
            seq = 0
            stop_id += 1
            stops.append(
                {
                    "id": stop_id,
                    "route_id": route_id,
                    "seq": seq,
                    "kind": "start",
                    "lift_id": None,
                    "lat": 51.55,
                    "lon": 0.1,
                    "arrival_s": 30_000,
                    "service_start_s": 30_000,
                    "departure_s": 30_000,
                }
            )
            for rider in riders:
                lift_id += 1
                row = residents[rider - 1]
                lifts.append(
                    {
                        "id": lift_id,
                        "resident_id": rider,
                        "day": day,
                        "leg": "outbound",
                        "pickup_address": row["address"],
                        "pickup_postcode": row["postcode"],
                        "pickup_lat": row["lat"],
                        "pickup_lon": row["lon"],
                        "destination_address": "Becontree Avenue",
                        "destination_postcode": "RM8 3HT",
                        "destination_lat": 51.558,
                        "destination_lon": 0.134,
                        "arrive_by": dt.time(10),
                        "escort": False,
                        "mobility": "none",
                        "purpose": "activity",
                        "priority": 50,
                        "source": "staff",
                        "status": "completed",
                        "status_reason": "",
                        "notes": "Bring her walking frame" if rider == joyce_id else "",
                        **TIMESTAMPS,
                    }
                )
                for kind in ("pickup", "dropoff"):
                    seq += 1
                    stop_id += 1
                    at = 30_000 + seq * 600
                    stops.append(
                        {
                            "id": stop_id,
                            "route_id": route_id,
                            "seq": seq,
                            "kind": kind,
                            "lift_id": lift_id,
                            "lat": row["lat"],
                            "lon": row["lon"],
                            "arrival_s": at,
                            "service_start_s": at,
                            "departure_s": at + 60,
                        }
                    )
                if rider == joyce_id:
                    when = dt.datetime.combine(day, dt.time(17), dt.UTC) - dt.timedelta(days=1)
                    messages.append(
                        _text(
                            len(messages) + 1,
                            JOYCE["phone"],
                            when,
                            "Hello Joyce, your lift tomorrow is arranged. "
                            f"{volunteers[driver - 1]['first_name']} will pick you up.",
                            resident_id=joyce_id,
                            concerns=("lift", lift_id),
                        )
                    )
                    messages.append(
                        _text(
                            len(messages) + 1,
                            volunteers[driver - 1]["phone"],
                            when,
                            f"{day:%a %-d %b}, 9:00am: Joyce Wilson, 28 Movers Lane, "
                            "RM6 5JX. To Valence Library.",
                            volunteer_id=driver,
                            concerns=("plan_route", route_id),
                        )
                    )
                    messages.append(
                        _text(
                            len(messages) + 1,
                            JOYCE["phone"],
                            when,
                            "YES thanks",
                            direction="inbound",
                            status="received",
                        )
                    )
            stop_id += 1
            stops.append(
                {
                    "id": stop_id,
                    "route_id": route_id,
                    "seq": seq + 1,
                    "kind": "end",
                    "lift_id": None,
                    "lat": 51.55,
                    "lon": 0.1,
                    "arrival_s": 34_000,
                    "service_start_s": 34_000,
                    "departure_s": 34_000,
                }
            )
    # The rest of the 30,000 texts: people texted over three years (the inactive seven ago).
    while len(messages) < TEXTS:
        n = rng.randint(2, RESIDENTS)
        row = residents[n - 1]
        inactive = n % 10 == 0
        when = (
            NOW - dt.timedelta(days=7 * 366 + rng.randint(1, 300))
            if inactive
            else NOW - dt.timedelta(days=rng.randint(0, 3 * 365))
        )
        messages.append(
            _text(
                len(messages) + 1,
                row["phone"],
                when,
                f"Hello {row['first_name']}, your lift is arranged.",
                resident_id=n,
            )
        )
    _insert("plans", plans)
    _insert("lift_requests", lifts)
    _insert("plan_routes", routes)
    _insert("plan_stops", stops)
    _insert("messages", messages)

    # Joyce's other history, and audit rows over eight years.
    _insert(
        "pairings",
        [
            {
                "id": 1,
                "resident_id": joyce_id,
                "volunteer_id": DRIVERS + 1,
                "status": "active",
                "score": 0.8,
                "reasons": ["both like gardening"],
                "proposed_at": NOW - dt.timedelta(days=400),
                "rejection_reason": "",
                "end_reason": "",
                "ended_by": "",
            }
        ],
    )
    _insert(
        "alerts",
        [
            {
                "id": 1,
                "kind": "call_requested",
                "phone": JOYCE["phone"],
                "detail": "Joyce Wilson asked for a call back",
                "resident_id": joyce_id,
                "created_at": NOW - dt.timedelta(days=100),
            }
        ],
    )
    audit = [
        {
            "id": 1,
            "at": NOW - dt.timedelta(days=300),
            "actor": "staff",
            "action": "update",
            "entity_type": "Resident",
            "entity_id": joyce_id,
            "changes": {"address": ["166 Whalebone Lane South", "28 Movers Lane"]},
        }
    ]
    for i in range(2, 10_001):
        n = rng.randint(2, RESIDENTS)
        audit.append(
            {
                "id": i,
                "at": NOW - dt.timedelta(days=rng.randint(0, 8 * 365)),
                "actor": "staff",
                "action": "update",
                "entity_type": "Resident",
                "entity_id": n,
                "changes": {"notes": ["", f"note {i}"]},
            }
        )
    _insert("audit_log", audit)
    if db.engine.dialect.name == "postgresql":
        # Rows were inserted with their ids: move each id sequence past them.
        for t in Base.metadata.sorted_tables:
            if "id" in t.c and t.c.id.autoincrement is not False and t.c.id.primary_key:
                db.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {t.name}), 0) + 1, false)"
                    )
                )
    db.session.commit()
    return {"joyce": joyce_id}


def _text(
    i: int,
    phone: str,
    when: dt.datetime,
    body: str,
    *,
    direction: str = "outbound",
    status: str = "sent",
    resident_id: int | None = None,
    volunteer_id: int | None = None,
    concerns: tuple[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "id": i,
        "direction": direction,
        "phone": phone,
        "body": body,
        "status": status,
        "kind": "",
        "attempts": 1,
        "error": "",
        "resident_id": resident_id,
        "volunteer_id": volunteer_id,
        "concerns_type": concerns[0] if concerns else None,
        "concerns_id": concerns[1] if concerns else None,
        "simulated": False,
        "created_at": when,
        "updated_at": when,
    }


def month_totals() -> tuple[int, int, int]:
    """Last month's lifts, stop-minutes and driving seconds (what the reports add up)."""
    first = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last = TODAY.replace(day=1)
    lifts = _t("lift_requests")
    stops, routes, plans = _t("plan_stops"), _t("plan_routes"), _t("plans")
    in_month = sa.and_(plans.c.day >= first, plans.c.day < last)
    n_lifts = db.session.scalar(
        sa.select(sa.func.count()).where(lifts.c.day >= first, lifts.c.day < last)
    )
    stop_s = db.session.scalar(
        sa.select(sa.func.sum(stops.c.departure_s - stops.c.arrival_s))
        .join(routes, routes.c.id == stops.c.route_id)
        .join(plans, plans.c.id == routes.c.plan_id)
        .where(in_month)
    )
    drive_s = db.session.scalar(
        sa.select(sa.func.sum(routes.c.drive_s))
        .join(plans, plans.c.id == routes.c.plan_id)
        .where(in_month)
    )
    return int(n_lifts or 0), int(stop_s or 0), int(drive_s or 0)


def identifiers_found() -> list[str]:
    """Every table.column holding one of Joyce's identifiers (text and JSON columns)."""
    hits = []
    for t in Base.metadata.sorted_tables:
        for column in t.c:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON):
                continue
            text = sa.cast(column, sa.Text)
            stmt = (
                sa.select(sa.func.count())
                .select_from(t)
                .where(sa.or_(*(text.ilike(f"%{needle}%") for needle in IDENTIFIERS)))
            )
            if db.session.scalar(stmt):
                hits.append(f"{t.name}.{column.name}")
    return hits


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def run(url: str, label: str) -> bool:
    """Build, measure and print one database's results; True when every target is met."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "APP_ENV": "development",
            "REDIS_URL": None,
            "LOG_LEVEL": "DEBUG",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        t = time.perf_counter()
        ids = build(random.Random(SEED))
        print(
            f"\n{label}: built in {time.perf_counter() - t:.1f} s — {RESIDENTS} residents, "
            f"{VOLUNTEERS} volunteers, {TEXTS} texts, {DAYS} days of plans"
        )
        joyce = ids["joyce"]
        capture = _Capture()
        root = logging.getLogger()
        root.addHandler(capture)
        old_level = root.level
        root.setLevel(logging.DEBUG)
        try:
            t = time.perf_counter()
            made = subject_access.export_person(Kind.RESIDENT, joyce, actor_id=None, now=NOW)
            export_s = time.perf_counter() - t
            rows = sum(len(p.rows) for p in made.parts)
            before = month_totals()
            db.session.expire_all()
            t = time.perf_counter()
            result = erasure.erase_person(
                Kind.RESIDENT, joyce, reason="Asked by phone", actor_id=None, now=NOW
            )
            erase_s = time.perf_counter() - t
            after = month_totals()
        finally:
            root.removeHandler(capture)
            root.setLevel(old_level)
        found = identifiers_found()
        in_logs = [
            n for n in IDENTIFIERS if any(n.lower() in line.lower() for line in capture.lines)
        ]
        t = time.perf_counter()
        dry = retention.run_retention(dry_run=True, now=NOW)
        dry_s = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        done = retention.run_retention(dry_run=False, now=NOW)
        retention_s, retention_cpu = time.perf_counter() - t, time.process_time() - cpu
        print(
            f"  export of a resident with two years of history: {export_s:.2f} s "
            f"({rows} rows, {len(made.data) // 1024} KB zip)  target <= 2 s"
        )
        print(
            f"  erasure: {erase_s:.2f} s ({sum(result.changed.values())} rows changed "
            f"in {len(result.changed)} tables)  target <= 2 s"
        )
        print(
            f"  identifiers found after erasure: {len(found) + len(in_logs)}"
            + (f" {found} {in_logs}" if found or in_logs else "")
            + f" (searched every text/JSON column of {len(Base.metadata.tables)} tables and "
            f"{len(capture.lines)} log records)"
        )
        same = before == after
        print(
            f"  month's lift totals and hours unchanged: {'yes' if same else 'no'} "
            f"(lifts {before[0]}, stop time {before[1] / 3600:.1f} h, driving "
            f"{before[2] / 3600:.1f} h)"
        )
        people = {k.value: len(v) for k, v in done.people.items()}
        listed = sum(len(v) for v in dry.people.values()) + len(dry.texts) + len(dry.audit_rows)
        print(
            f"  retention dry run: {dry_s:.2f} s (listed {listed} changes); "
            f"run: {retention_s:.2f} s "
            f"(CPU {retention_cpu:.1f} s) — anonymised "
            f"{people}, text words blanked {len(done.texts)}, audit rows redacted "
            f"{len(done.audit_rows)}  target <= 60 s"
        )
        ok = (
            export_s <= 2
            and erase_s <= 2
            and retention_s <= 60
            and not found
            and not in_logs
            and same
        )
        print(f"  all targets met: {ok}")
        db.session.remove()
        db.engine.dispose()
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run on SQLite, and on PostgreSQL when a URL is given; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=None, help="PostgreSQL URL (the database is emptied)")
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ok &= run(f"sqlite:///{tmp}/personal_data.db", "SQLite (file)")
    if args.pg_url:
        ok &= run(args.pg_url, "PostgreSQL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
