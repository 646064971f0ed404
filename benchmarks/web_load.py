"""Web load benchmark (issues 7, 10 and 13): server time p95 of the main pages (dashboard, rota,
lifts, people, a person's page, texts, today, calls) under 20 concurrent users, on the demo
borough through the real web app, and how soon the rota page with 40 routes is usable in Chromium.

Usage::

    .venv/bin/python benchmarks/web_load.py [--users 20] [--rounds 15] [--workers 2]
        [--threads 4] [--database-url URL] [--no-browser]

What it does:

1. builds a fresh database (a SQLite file in a temporary folder, or ``--database-url``), loads
   the demo borough (``load_demo``, the same as ``flask demo load``), plans tomorrow with the
   real solver, and adds a 40-route day (below), and a 40-route day published for today
   (``/today``: where each of 40 drivers should be now, 200 lifts to record);
2. serves ``wsgi:app`` with gunicorn (``--workers`` processes × ``--threads`` threads) on
   127.0.0.1, its access log recording each request's server time (``%(D)s``, microseconds);
3. runs ``--users`` signed-in users at once, each requesting every page ``--rounds`` times in a
   shuffled order, and prints p50/p95 of the server time (from gunicorn's log) and of the time
   the client saw, per page;
4. opens the 40-route rota page in Debian's Chromium (Playwright) five times and prints the time
   from navigation start until the page is usable: loaded, map drawn, buttons live
   (``window.rotaReadyAt``, set by ``static/rota.js``).

The 40-route day is written directly as plan rows (40 of the demo's drivers × 5 lifts each,
plus 10 unserved lifts), because the solver rightly uses far fewer than 40 drivers for the
demo's demand; the page does not care how the plan was made, only how big it is. Targets:
server time p95 ≤ 150 ms, rota page usable ≤ 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EMAIL = "bench@bureau.example"
PASSWORD = "benchmark-password-1"
TARGET_SERVER_P95_MS = 150.0
TARGET_USABLE_MS = 1000.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60


def _travel_s(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Straight line × 1.3 at 25 km/h: good enough for a page-size fixture."""
    dy = (a[0] - b[0]) * 111_000
    dx = (a[1] - b[1]) * 111_000 * math.cos(math.radians(a[0]))
    return int(math.hypot(dx, dy) * 1.3 / (25_000 / 3600)) + 60


def build_forty_routes(day: dt.date, *, seed: int = 7) -> int:
    """Write a draft plan of 40 routes × 5 lifts (+10 unserved) for ``day``; return its id."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import DbsLevel
    from app.models import LiftRequest
    from app.models import LiftStatus
    from app.models import Plan
    from app.models import PlanRoute
    from app.models import PlanStop
    from app.models import Resident
    from app.models import StopKind
    from app.models import UnservedLift
    from app.models import Venue
    from app.models import Volunteer
    from app.models import WeeklyAvailability

    rng = random.Random(seed)
    drivers = list(
        db.session.scalars(
            sa.select(Volunteer).where(Volunteer.is_driver.is_(True), Volunteer.lat.is_not(None))
        )
    )
    n = len(drivers)
    while len(drivers) < 40:
        # The demo has fewer drivers than 40: add plainly named extra ones.
        v = Volunteer(
            first_name="Extra",
            last_name=f"Driver {len(drivers) - n + 1}",
            phone=f"+4477009009{len(drivers):02d}",
            is_driver=True,
            car_seats=3,
            lat=51.54 + rng.uniform(-0.02, 0.02),
            lon=0.13 + rng.uniform(-0.05, 0.05),
            dbs_valid_until=day + dt.timedelta(days=365),
            dbs_level=DbsLevel.ENHANCED_BARRED,
            dbs_update_checked_on=day - dt.timedelta(days=30),
            licence_checked_on=day - dt.timedelta(days=30),
            insurance_expires_on=day + dt.timedelta(days=300),
            mot_expires_on=day + dt.timedelta(days=300),
        )
        db.session.add(v)
        db.session.flush()
        db.session.add(
            WeeklyAvailability(
                volunteer_id=v.id,
                weekday=day.weekday(),
                start_time=dt.time(8),
                end_time=dt.time(18),
            )
        )
        drivers.append(v)
    drivers = drivers[:40]
    residents = list(
        db.session.scalars(sa.select(Resident).where(Resident.lat.is_not(None)).limit(210))
    )
    venues = list(db.session.scalars(sa.select(Venue).where(Venue.lat.is_not(None))))
    plan = Plan(day=day, solver_status="ok", stats={"note": "benchmark fixture, 40 routes"})
    db.session.add(plan)
    db.session.flush()
    r_iter = iter(residents)
    for driver in drivers:
        route = PlanRoute(plan_id=plan.id, volunteer_id=driver.id)
        db.session.add(route)
        db.session.flush()
        here = (driver.lat, driver.lon)
        t = 8 * 3600 + rng.randrange(0, 3600, 60)
        seq = 0
        stops = [
            PlanStop(
                route_id=route.id,
                seq=seq,
                kind=StopKind.START,
                lat=here[0],
                lon=here[1],
                arrival_s=t,
                service_start_s=t,
                departure_s=t,
            )
        ]
        drive = 0
        for _ in range(5):
            resident = next(r_iter)
            venue = rng.choice(venues)
            home = (resident.lat, resident.lon)
            dest = (venue.lat, venue.lon)
            leg = _travel_s(here, home)
            t += leg
            drive += leg
            pick_t = t
            t += 120
            leg = _travel_s(home, dest)
            drop_t = t + leg
            drive += leg
            lift = LiftRequest(
                resident_id=resident.id,
                day=day,
                pickup_address=resident.address,
                pickup_postcode=resident.postcode,
                pickup_lat=home[0],
                pickup_lon=home[1],
                destination_address=venue.address,
                destination_postcode=venue.postcode,
                destination_lat=dest[0],
                destination_lon=dest[1],
                arrive_by=(dt.datetime.min + dt.timedelta(seconds=drop_t + 600)).time(),
                status=LiftStatus.REQUESTED,
            )
            db.session.add(lift)
            db.session.flush()
            seq += 1
            stops.append(
                PlanStop(
                    route_id=route.id,
                    seq=seq,
                    kind=StopKind.PICKUP,
                    lift_id=lift.id,
                    lat=home[0],
                    lon=home[1],
                    arrival_s=pick_t,
                    service_start_s=pick_t,
                    departure_s=pick_t + 120,
                    load_seats=1,
                )
            )
            seq += 1
            stops.append(
                PlanStop(
                    route_id=route.id,
                    seq=seq,
                    kind=StopKind.DROPOFF,
                    lift_id=lift.id,
                    lat=dest[0],
                    lon=dest[1],
                    arrival_s=drop_t,
                    service_start_s=drop_t,
                    departure_s=drop_t + 60,
                )
            )
            t = drop_t + 60
            here = dest
        leg = _travel_s(here, (driver.lat, driver.lon))
        t += leg
        drive += leg
        seq += 1
        stops.append(
            PlanStop(
                route_id=route.id,
                seq=seq,
                kind=StopKind.END,
                lat=driver.lat,
                lon=driver.lon,
                arrival_s=t,
                service_start_s=t,
                departure_s=t,
            )
        )
        route.drive_s = drive
        route.distance_m = int(drive * 25_000 / 3600)
        db.session.add_all(stops)
    for resident in list(r_iter)[:10]:
        lift = LiftRequest(
            resident_id=resident.id,
            day=day,
            pickup_address=resident.address,
            pickup_postcode=resident.postcode,
            pickup_lat=resident.lat,
            pickup_lon=resident.lon,
            destination_address=venues[0].address,
            destination_postcode=venues[0].postcode,
            destination_lat=venues[0].lat,
            destination_lon=venues[0].lon,
            arrive_by=dt.time(10),
            status=LiftStatus.UNSERVED,
        )
        db.session.add(lift)
        db.session.flush()
        db.session.add(
            UnservedLift(
                plan_id=plan.id,
                lift_id=lift.id,
                reason="drivers_busy",
                detail="Every free driver is busy at 10:00.",
            )
        )
    db.session.commit()
    return plan.id


def _publish_for_today(plan_id: int) -> None:
    """Make a fixture plan today's published rota, its lifts planned (as after publishing)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import LiftRequest
    from app.models import LiftStatus
    from app.models import Plan
    from app.models import PlanRoute
    from app.models import PlanStatus
    from app.models import PlanStop
    from app.services import clock

    plan = db.session.get(Plan, plan_id)
    assert plan is not None
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = clock.utcnow() - dt.timedelta(hours=18)
    on_routes = sa.select(PlanStop.lift_id).join(PlanRoute).where(PlanRoute.plan_id == plan_id)
    db.session.execute(
        sa.update(LiftRequest)
        .where(LiftRequest.id.in_(on_routes))
        .values(status=LiftStatus.PLANNED)
    )
    db.session.commit()


def _fill_the_call_list() -> int:
    """A busy afternoon's call list (issue 13): 30 residents with lifts booked who cannot be
    texted (no consent), 30 open alerts (calls asked for, failed texts, silent drivers); the
    page also lists the lifts the plans could not give. Returns how many entries it shows."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import AlertKind
    from app.models import LiftRequest
    from app.models import Resident
    from app.models import Volunteer
    from app.services.calls import call_list
    from app.services.messaging import add_alert

    booked = db.session.scalars(
        sa.select(Resident)
        .where(Resident.id.in_(sa.select(LiftRequest.resident_id)))
        .order_by(Resident.id)
        .limit(60)
    ).all()
    for resident in booked[:30]:
        resident.sms_consent = False
    kinds = (AlertKind.CALL_REQUESTED, AlertKind.TEXT_FAILED)
    for i, resident in enumerate(booked[30:]):
        add_alert(kinds[i % 2], f"Benchmark alert {i} about {resident.full_name}.", person=resident)
    for driver in db.session.scalars(
        sa.select(Volunteer).where(Volunteer.is_driver.is_(True)).limit(5)
    ):
        add_alert(AlertKind.DRIVER_NO_REPLY, f"{driver.full_name} has not answered.", person=driver)
    db.session.commit()
    return len(call_list())


def prepare(database_url: str, instance: Path) -> tuple[dt.date, dt.date, dict[str, int]]:
    """Fresh schema, demo borough, tomorrow planned, and a 40-route day a week later.

    After planning, four more lifts are booked for tomorrow, so the rota and the dashboard also
    work out what changed since the plan (issue 10), as they do on a real afternoon.
    """
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.models import LiftRequest
    from app.models import PlanRoute
    from app.models import Resident
    from app.models import Venue
    from app.services import clock
    from app.services import rota
    from app.services.auth import create_user
    from app.services.demo import load_demo
    from app.services.lifts import LiftInput
    from app.services.lifts import book_lift

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "PLAN_TIME_LIMIT_S": 5, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        tomorrow = clock.tomorrow()
        big_day = tomorrow + dt.timedelta(days=7)
        db.drop_all()
        db.create_all()
        added = load_demo(start=clock.today())
        create_user(EMAIL, "Bench Mark", PASSWORD, "coordinator")
        summary = rota.plan_day(tomorrow)
        booked = set(db.session.scalars(sa.select(LiftRequest.resident_id)))
        late = 0
        venue = db.session.scalars(sa.select(Venue).where(Venue.lat.is_not(None))).first()
        assert venue is not None, "the demo borough has no located venue"
        for resident in db.session.scalars(sa.select(Resident).where(Resident.lat.is_not(None))):
            if resident.id in booked or late == 4:
                continue
            book_lift(
                LiftInput(
                    resident_id=resident.id,
                    day=tomorrow,
                    venue_id=venue.id,
                    arrive_by=dt.time(14),
                    with_return=False,
                    purpose="medical",
                )
            )
            late += 1
        build_forty_routes(big_day)
        _publish_for_today(build_forty_routes(clock.today(), seed=13))
        calls = _fill_the_call_list()
        # A person's page: the resident with the most lifts.
        busiest = db.session.execute(
            sa.select(LiftRequest.resident_id, sa.func.count())
            .group_by(LiftRequest.resident_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).first()
        # A volunteer's page: the driver with the most published routes (issue 13).
        driver = db.session.execute(
            sa.select(PlanRoute.volunteer_id, sa.func.count())
            .group_by(PlanRoute.volunteer_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).first()
        counts = {
            **added,
            "volunteer": int(driver[0]) if driver else 1,
            "tomorrow lifts": summary.lifts,
            "tomorrow served": summary.served,
            "booked after the plan": late,
            "person": int(busiest[0]) if busiest else 1,
            "calls to make": calls,
        }
        db.session.remove()
        db.engine.dispose()
    return tomorrow, big_day, counts


def sign_in(base: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the login page"
    r = s.post(
        base + "/login",
        data={"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 302, f"sign-in failed: {r.status_code}"
    return s


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def load(base: str, pages: dict[str, str], users: int, rounds: int) -> dict[str, list[float]]:
    """``users`` threads, each signed in, requesting every page ``rounds`` times.

    Each user keeps one HTTP/1.1 connection (``http.client``: little client CPU, which matters
    when the client shares the machine's two cores with the server).
    """
    client: dict[str, list[float]] = {name: [] for name in pages}
    lock = threading.Lock()
    errors: list[str] = []
    cookies = [
        "; ".join(f"{k}={v}" for k, v in sign_in(base).cookies.items()) for _ in range(users)
    ]
    host, port = base.removeprefix("http://").split(":")
    start = threading.Barrier(users)

    def user(i: int) -> None:
        rng = random.Random(i)
        order = [name for name in pages for _ in range(rounds)]
        rng.shuffle(order)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        start.wait()
        for name in order:
            t0 = time.perf_counter()
            conn.request("GET", pages[name], headers={"Cookie": cookies[i]})
            r = conn.getresponse()
            r.read()
            ms = (time.perf_counter() - t0) * 1000
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
            with lock:
                if r.status != 200:
                    errors.append(f"{name}: {r.status}")
                client[name].append(ms)
        conn.close()

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"!! {len(errors)} errors, e.g. {errors[:3]}")
    return client


def server_times(log_file: Path, pages: dict[str, str]) -> dict[str, list[float]]:
    """Server time per page (ms) from access log lines ``<status> <microseconds> GET <url> ...``."""
    by_url = {url: name for name, url in pages.items()}
    out: dict[str, list[float]] = {name: [] for name in pages}
    for line in log_file.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "200" and parts[3] in by_url:
            out[by_url[parts[3]]].append(int(parts[1]) / 1000)
    return out


def browser_usable(base: str, url: str, runs: int = 5) -> list[float]:
    """Milliseconds from navigation start until the rota page is usable, in Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    times: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(base + "/login")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/$"))
        for _ in range(runs + 1):  # the first load warms caches; not counted
            page.goto(base + url)
            page.wait_for_function("window.rotaReadyAt !== undefined")
            ready = page.evaluate(
                "Math.max(window.rotaReadyAt, performance.getEntriesByType('navigation')[0]"
                ".domContentLoadedEventEnd)"
            )
            routes = page.locator("article.route").count()
            assert routes == 40, f"expected 40 routes on the page, found {routes}"
            times.append(float(ready))
        browser.close()
    return times[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="web-load-") as tmp:
        tmp_path = Path(tmp)
        database_url = args.database_url or f"sqlite:///{tmp_path / 'bench.sqlite'}"
        t0 = time.perf_counter()
        tomorrow, big_day, counts = prepare(database_url, tmp_path)
        print(f"prepared in {time.perf_counter() - t0:.0f} s: {counts}")
        pages = {
            "dashboard": "/",
            "lifts (tomorrow)": f"/lifts/?day={tomorrow.isoformat()}",
            "residents": "/people/residents",
            "a resident's page": f"/people/residents/{counts['person']}",
            "volunteers": "/people/volunteers",
            "a volunteer's page": f"/people/volunteers/{counts['volunteer']}",
            "texts": "/messages/",
            "rota (demo day)": f"/rota/?day={tomorrow.isoformat()}",
            "rota (40 routes)": f"/rota/?day={big_day.isoformat()}",
            "today (40 routes)": "/today/",
            "calls": "/calls/",
        }
        port = _free_port()
        log_file = tmp_path / "access.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "benchmark-secret-key-" + "x" * 40,
            "FLASK_APP": "wsgi.py",
        }
        env.pop("REDIS_URL", None)
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--workers",
                str(args.workers),
                "--worker-class",
                args.worker_class,
                "--threads",
                str(args.threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(log_file),
                "--access-logformat",
                "%(s)s %(D)s %(r)s",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(base + "/login", timeout=30)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            warm = sign_in(base)
            for url in pages.values():
                warm.get(base + url, timeout=60)
            log_file.write_text("")
            t0 = time.perf_counter()
            client = load(base, pages, args.users, args.rounds)
            wall = time.perf_counter() - t0
            time.sleep(0.5)
            server_ms = server_times(log_file, pages)
            total = sum(len(v) for v in client.values())
            print(
                f"\n{args.users} concurrent users, {total} requests in {wall:.1f} s "
                f"({total / wall:.0f} req/s); gunicorn {args.workers} {args.worker_class} "
                f"workers × {args.threads} threads; {database_url.split(':')[0]}"
            )
            print(
                f"{'page':<20} {'n':>5} {'server p50':>11} {'server p95':>11} "
                f"{'client p50':>11} {'client p95':>11}  target p95 ≤ {TARGET_SERVER_P95_MS:.0f} ms"
            )
            ok = True
            for name in pages:
                s, c = server_ms[name], client[name]
                p95 = pct(s, 95)
                ok &= p95 <= TARGET_SERVER_P95_MS
                print(
                    f"{name:<20} {len(s):>5} {pct(s, 50):>9.1f}ms {p95:>9.1f}ms "
                    f"{pct(c, 50):>9.1f}ms {pct(c, 95):>9.1f}ms  "
                    f"{'ok' if p95 <= TARGET_SERVER_P95_MS else 'OVER'}"
                )
            if not args.no_browser:
                usable = browser_usable(base, pages["rota (40 routes)"])
                worst = max(usable)
                ok &= worst <= TARGET_USABLE_MS
                print(
                    f"\nrota page with 40 routes usable in Chromium: median "
                    f"{statistics.median(usable):.0f} ms, worst {worst:.0f} ms of {len(usable)} "
                    f"loads (target ≤ {TARGET_USABLE_MS:.0f} ms): "
                    f"{'ok' if worst <= TARGET_USABLE_MS else 'OVER'}"
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(15)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
