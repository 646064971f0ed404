"""Referrals benchmark (issue 16): ``/refer`` under 20 concurrent submitters and ``/outreach``
with 1,000 open referrals, through the real web app served by gunicorn.

Usage::

    .venv/bin/python benchmarks/referrals.py [--submitters 20] [--rounds 5] [--workers 2]
        [--database-url URL]

1. A fresh database (SQLite file in a temporary folder, or ``--database-url``) with the schema
   and one coordinator; gunicorn serves ``wsgi:app`` with ``PROXY_FIX=1``.
2. ``--submitters`` threads at once, each with its own client address in ``X-Forwarded-For``
   (so the one rate limiter counts them apart, as behind the bureau's proxy), each loading the
   form and sending a referral ``--rounds`` times, then the last one again (a double send).
   Prints p50/p95 of the POST time, every status seen (any 429 is reported), and checks that
   the double sends stored nothing more.
3. Adds open referrals until there are 1,000, signs in 20 coordinators and loads ``/outreach``
   (its first page of 50, with the count of all 1,000) ``--rounds`` × 3 times each; prints
   p50/p95.

Targets: ``/refer`` p95 ≤ 200 ms; ``/outreach`` p95 ≤ 200 ms, judged on the server time
gunicorn logs (``%(D)s``), as ``benchmarks/web_load.py`` does; the time the clients saw is
printed beside it (it adds the queue in front of 2 workers, and this machine's other load).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import math
import os
import re
import socket
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
TARGET_MS = 200.0
OPEN_REFERRALS = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def prepare(database_url: str) -> None:
    """Fresh schema and one coordinator."""
    from app import create_app
    from app.extensions import db
    from app.services.auth import create_user

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        create_user(EMAIL, "Bench Mark", PASSWORD, "coordinator")
        db.session.remove()
        db.engine.dispose()


def fill_queue(database_url: str, target: int) -> int:
    """Add open referrals (spread over tiers and the last 30 days) until ``target`` are open."""
    import random

    from app import create_app
    from app.extensions import db
    from app.models import ReferralChannel
    from app.services import outreach
    from app.services.referrals import ReferralInput
    from app.services.referrals import submit_referral

    rng = random.Random(16)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    with app.app_context():
        n = outreach.open_count()
        i = 0
        while n < target:
            i += 1
            events = {"bereavement": "2026-09"} if i % 3 == 0 else {}
            submit_referral(
                ReferralInput(
                    source="gp",
                    referrer_name="Dr Bench",
                    referrer_confirms_agreed=True,
                    first_name="Queue",
                    last_name=f"Person{i}",
                    phone=f"07700 9{i % 1000:05d}"[:13],
                    reason="benchmark",
                    life_events=events,
                    lives_alone=i % 2 == 0,
                    housebound=i % 5 == 0,
                    at_risk_now=i % 97 == 0,
                    consent=True,
                    contact_ways=["phone"],
                ),
                channel=ReferralChannel.STAFF,
                form_key=f"bench-{i}",
                now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=rng.randint(0, 24 * 30)),
            )
            n += 1
        db.session.remove()
        db.engine.dispose()
        return n


def token(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, f"no {name} on the page"
    return found.group(1)


def submitters(base: str, count: int, rounds: int) -> tuple[list[float], collections.Counter[int]]:
    """``count`` submitters at once, each from its own address; POST times in ms."""
    times: list[float] = []
    statuses: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()
    start = threading.Barrier(count)

    def one(i: int) -> None:
        s = requests.Session()
        s.headers["X-Forwarded-For"] = f"10.16.{i // 250}.{i % 250 + 1}"
        start.wait()
        last: dict[str, str] = {}
        for r in range(rounds + 1):
            if r < rounds:
                page = s.get(base + "/refer", timeout=30).text
                last = {
                    "csrf_token": token(page, "csrf_token"),
                    "form_key": token(page, "form_key"),
                    "source": "self",
                    "first_name": "Bench",
                    "last_name": f"Submitter{i}x{r}",
                    "phone": f"07700 900{(i * 10 + r) % 1000:03d}",
                    "postcode": "IG11 7NB",
                    "address": "1 Ripple Road",
                    "reason": "I have been on my own a lot since I retired.",
                    "has_retirement": "1",
                    "event_retirement": "2026-06",
                    "lives_alone": "1",
                    "contact_ways": "phone",
                    "consent": "1",
                }
            t0 = time.perf_counter()
            resp = s.post(base + "/refer", data=last, timeout=30)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                statuses[resp.status_code] += 1
                if r < rounds:
                    times.append(ms)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, statuses


def sign_in(base: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/login", timeout=30).text
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found is not None
    r = s.post(
        base + "/login",
        data={"csrf_token": found.group(1), "email": EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 302, f"sign-in failed: {r.status_code}"
    return s


def readers(base: str, count: int, rounds: int) -> tuple[list[float], collections.Counter[int]]:
    """``count`` signed-in coordinators loading /outreach ``rounds`` times each."""
    sessions = [sign_in(base) for _ in range(count)]
    times: list[float] = []
    statuses: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def one(s: requests.Session) -> None:
        for _ in range(rounds):
            t0 = time.perf_counter()
            resp = s.get(base + "/outreach", timeout=60)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                times.append(ms)
                statuses[resp.status_code] += 1

    threads = [threading.Thread(target=one, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, statuses


def server_ms(log: Path, method: str, path: str) -> list[float]:
    """Server times (ms) of ``method path`` from gunicorn's access log (%(D)s, microseconds)."""
    out = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == method and parts[2] == path:
            out.append(int(parts[0]) / 1000)
    return out


def stored_referrals(database_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM referrals")).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submitters", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="referrals-bench-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        prepare(database_url)
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "benchmark-secret-key-" + "x" * 40,
            "PROXY_FIX": "1",
            "APP_ENV": "production",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(Path(tmp) / "access.log"),
                "--access-logformat",
                "%(D)s %(m)s %(U)s %(s)s",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        ok = True
        try:
            for _ in range(100):
                try:
                    requests.get(base + "/refer", timeout=30)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            log = Path(tmp) / "access.log"
            log.write_text("")
            t0 = time.perf_counter()
            times, statuses = submitters(base, args.submitters, args.rounds)
            wall = time.perf_counter() - t0
            stored = stored_referrals(database_url)
            expected = args.submitters * args.rounds
            time.sleep(0.5)
            times_s = server_ms(log, "POST", "/refer")
            p95 = pct(times_s, 95)
            ok &= p95 <= TARGET_MS and statuses.get(429, 0) == 0 and stored == expected
            print(
                f"/refer: {args.submitters} concurrent submitters (distinct X-Forwarded-For), "
                f"{len(times)} referrals + {args.submitters} double sends in {wall:.1f} s; "
                f"gunicorn {args.workers} sync workers; {database_url.split(':')[0]}"
            )
            print(
                f"  POST server p50 {pct(times_s, 50):.1f} ms  p95 {p95:.1f} ms"
                f"  (target p95 ≤ {TARGET_MS:.0f} ms) {'ok' if p95 <= TARGET_MS else 'OVER'};"
                f"  client p50 {pct(times, 50):.1f} ms  p95 {pct(times, 95):.1f} ms"
            )
            print(f"  statuses: {dict(sorted(statuses.items()))}  429s: {statuses.get(429, 0)}")
            print(
                f"  stored {stored} referrals for {expected} distinct forms "
                f"(double sends stored {stored - expected} more)"
            )
            open_now = fill_queue(database_url, OPEN_REFERRALS)
            log.write_text("")
            times, statuses = readers(base, 20, args.rounds * 3)
            time.sleep(0.5)
            times_s = server_ms(log, "GET", "/outreach")
            p95 = pct(times_s, 95)
            ok &= p95 <= TARGET_MS
            print(f"/outreach: {open_now} open referrals, 20 coordinators, {len(times)} loads")
            print(
                f"  GET server p50 {pct(times_s, 50):.1f} ms  p95 {p95:.1f} ms"
                f"  (target p95 ≤ {TARGET_MS:.0f} ms) {'ok' if p95 <= TARGET_MS else 'OVER'};"
                f"  client p50 {pct(times, 50):.1f} ms  p95 {pct(times, 95):.1f} ms"
            )
            print(f"  statuses: {dict(sorted(statuses.items()))}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
