"""Benchmark of texts (issue #6): the outbox through real RQ workers, and the inbound webhook.

Outbound: 1,000 texts are written as outbox rows, queued, and sent by 2 real ``flask worker``
processes (RQ on the local Redis; jobs run in the worker, ``--no-fork``, unless ``--fork``)
through the real Twilio SDK to the local Twilio stand-in (``tests/twilio_standin.py``).
Measured from the first enqueue to the last row marked sent; lost and duplicated texts are
counted at the stand-in.

Inbound: 20 concurrent senders post signed ``/sms/inbound`` webhooks (HELP, LIFT, menu choices,
MY LIFTS, thanks, nonsense) to the app served by gunicorn (2 processes x 10 threads); latency is
measured at the client, p50 and p95, in two phases: "paced" (all 20 start at once, then each
pauses ~0.5 s between its texts, as people texting do) and "saturated" (no pauses: a closed loop
that shows the server's ceiling on this machine; latency there is queueing, 20 / throughput),
after 28 unmeasured warm-up texts (each server process compiles its SQL on first use).

Both run on SQLite (a file) and, when a PostgreSQL URL is given (``--pg-url`` or
``BENCH_DATABASE_URL``; the database is emptied), on PostgreSQL.
Targets: >= 50 texts/s, zero lost, zero duplicated; paced inbound p95 <= 50 ms. Exit 1 if missed.

Run: ``.venv/bin/python benchmarks/texts.py [--texts 1000] [--workers 2] [--senders 20]
[--requests-per-sender 25] [--think-ms 500] [--fork]
[--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bench]``
(needs Redis at 127.0.0.1:6379; uses database 14, flushed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from rq import Worker  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Activity  # noqa: E402
from app.models import Message  # noqa: E402
from app.models import MessageDirection  # noqa: E402
from app.models import MessageStatus  # noqa: E402
from app.models import Resident  # noqa: E402
from app.models import Venue  # noqa: E402
from app.services import messaging  # noqa: E402
from app.sms import sign_request  # noqa: E402
from tests.twilio_standin import TwilioStandIn  # noqa: E402
from tests.worker_process import fresh_redis  # noqa: E402
from tests.worker_process import redis_url  # noqa: E402
from tests.worker_process import start_worker  # noqa: E402
from tests.worker_process import stop_worker  # noqa: E402

REDIS_DB = 14
TARGET_RATE = 50.0
TARGET_P95_MS = 50.0
INBOUND_SCRIPT = ["HELP", "LIFT", "1", "2", "MY LIFTS", "thanks", "purple monkey"]


@dataclass(frozen=True)
class Outbound:
    texts: int
    seconds: float
    lost: int
    duplicated: int

    @property
    def rate(self) -> float:
        return self.texts / self.seconds


@dataclass(frozen=True)
class Inbound:
    mode: str
    requests: int
    rate: float
    errors: int
    p50_ms: float
    p95_ms: float


def _app(uri: str, stand_in: TwilioStandIn, public_url: str) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "REDIS_URL": redis_url(REDIS_DB),
            "PUBLIC_BASE_URL": public_url,
            "SECRET_KEY": "bench",
            **stand_in.config(),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    # SQLite files run in WAL mode: the app's connect hook sets it (app/extensions.py).
    return app


def _residents(count: int, start: int = 0) -> list[Resident]:
    venue = db.session.scalar(sa.select(Venue))
    if venue is None:
        venue = Venue(name="Valence Library", postcode="RM8 3HT", lat=51.558311, lon=0.134174)
        db.session.add(venue)
        db.session.flush()
        db.session.add(
            Activity(
                name="Choir",
                venue_id=venue.id,
                weekday=1,
                start_time=dt.time(10),
                end_time=dt.time(12),
                interests=["singing"],
            )
        )
    people = [
        Resident(
            first_name="Joan",
            last_name=f"Bench{n}",
            phone=f"+4474000{n:05d}",
            address=f"{n} Ripple Road",
            postcode="IG11 7NB",
            lat=51.53632,
            lon=0.079792,
            sms_consent=True,
            interests=["singing"],
        )
        for n in range(start, start + count)
    ]
    db.session.add_all(people)
    db.session.commit()
    return people


def _wait_for_workers(app: Flask, count: int, timeout_s: float = 30) -> None:
    conn = app.extensions["redis"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(Worker.all(connection=conn)) >= count:
            return
        time.sleep(0.1)
    msg = f"{count} workers did not start within {timeout_s:.0f} s"
    raise RuntimeError(msg)


def bench_outbound(
    uri: str, *, texts: int, workers: int, tmp: Path, fork: bool = False
) -> Outbound:
    """Send ``texts`` through ``workers`` real RQ workers; count them at the stand-in."""
    fresh_redis(REDIS_DB)
    with TwilioStandIn() as stand_in:
        app = _app(uri, stand_in, "https://rota.example")
        env = {
            "DATABASE_URL": uri,
            "REDIS_URL": redis_url(REDIS_DB),
            "PUBLIC_BASE_URL": "https://rota.example",
            **stand_in.env(),
        }
        processes = [
            start_worker(env, log_path=tmp / "workers.log", name=f"bench-{n}", fork=fork)
            for n in range(workers)
        ]
        try:
            with app.app_context():
                people = _residents(texts)
                rows = [
                    messaging.queue_text(person, f"Benchmark text {n}", kind="bench")
                    for n, person in enumerate(people)
                ]
                db.session.commit()
                ids = [m.id for m in rows]
                _wait_for_workers(app, workers)
                started = time.perf_counter()
                messaging.dispatch(ids)
                deadline = time.monotonic() + 600
                while time.monotonic() < deadline:
                    db.session.commit()
                    done = db.session.scalar(
                        sa.select(sa.func.count())
                        .select_from(Message)
                        .where(Message.status == MessageStatus.SENT)
                    )
                    if done == texts:
                        break
                    time.sleep(0.1)
                seconds = time.perf_counter() - started
                print(f"outbound: {texts} texts in {seconds:.1f} s", file=sys.stderr)
                counts = stand_in.count_by_body()
                lost = sum(1 for n in range(texts) if counts[f"Benchmark text {n}"] == 0)
                duplicated = sum(c - 1 for c in counts.values() if c > 1)
                db.session.remove()
                db.engine.dispose()
        finally:
            for process in processes:
                stop_worker(process)
    return Outbound(texts=texts, seconds=seconds, lost=lost, duplicated=duplicated)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_inbound(
    uri: str,
    *,
    senders: int,
    per_sender: int,
    think_ms: float,
    tmp: Path,
) -> list[Inbound]:
    """Post signed inbound webhooks from ``senders`` threads to gunicorn; client-side latency.

    Two phases on one server: "paced" (each sender pauses ``think_ms`` on average between its
    texts, as people do; all start together) and "saturated" (no pauses: a closed loop that
    measures the server at full load on this machine).
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    results: list[Inbound] = []
    with TwilioStandIn() as stand_in:
        app = _app(uri, stand_in, base)
        with app.app_context():
            phones = [p.phone or "" for p in _residents(senders * 5, start=50000)]
            db.session.remove()
            db.engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "REDIS"))} | {
            "DATABASE_URL": uri,
            "PUBLIC_BASE_URL": base,
            **stand_in.env(),
        }
        log = (tmp / "gunicorn.log").open("ab")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--threads",
                "10",
                "--worker-class",
                "gthread",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_http(f"{base}/directory/")
            # Warm up (not measured): each server process compiles its SQL on first use.
            warm = _inbound_phase("warmup", base, phones, stand_in.auth_token, 4, 7, 0.0)
            results.append(warm)
            for mode, pause_ms in (("paced", think_ms), ("saturated", 0.0)):
                results.append(
                    _inbound_phase(
                        mode, base, phones, stand_in.auth_token, senders, per_sender, pause_ms
                    )
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(15)
            log.close()
    return results


def _inbound_phase(
    mode: str,
    base: str,
    phones: list[str],
    token: str,
    senders: int,
    per_sender: int,
    pause_ms: float,
) -> Inbound:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(senders)
    url = f"{base}/sms/inbound"

    def sender(n: int) -> None:
        # A plain keep-alive connection: the client should cost the server's CPU little.
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        rng = random.Random(n)
        mine = phones[n * 5 : n * 5 + 5]
        barrier.wait()
        for i in range(per_sender):
            form = {
                "MessageSid": f"SM{mode}{n:03d}{i:05d}",
                "From": mine[i % len(mine)],
                "To": "+447700900999",
                "Body": INBOUND_SCRIPT[i % len(INBOUND_SCRIPT)],
            }
            headers = {
                "X-Twilio-Signature": sign_request(token, url, form),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            body = urllib.parse.urlencode(form)
            began = time.perf_counter()
            conn.request("POST", "/sms/inbound", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            took = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(took)
                if response.status != 200:
                    errors.append(response.status)
            if pause_ms:
                time.sleep(rng.uniform(0.5, 1.5) * pause_ms / 1000)
        conn.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    return Inbound(
        mode=mode,
        requests=len(latencies),
        errors=len(errors),
        rate=len(latencies) / seconds,
        p50_ms=statistics.median(latencies),
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))],
    )


def _wait_http(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    msg = f"the app did not answer at {url}"
    raise RuntimeError(msg)


def _inbound_count(uri: str) -> int:
    engine = sa.create_engine(uri)
    with engine.connect() as conn:
        count = conn.scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.direction == MessageDirection.INBOUND)
        )
    engine.dispose()
    return int(count or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--requests-per-sender", type=int, default=25)
    parser.add_argument(
        "--think-ms", type=float, default=500, help="mean pause between a sender's texts"
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--fork", action="store_true", help="workers fork a process per job (RQ's default)"
    )
    args = parser.parse_args(argv)
    if fresh_redis(REDIS_DB) is None:
        print("No Redis at 127.0.0.1:6379; start it first.", file=sys.stderr)
        return 2
    rows: list[tuple[str, Outbound, list[Inbound], int]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sqlite_uri = f"sqlite:///{tmp / 'bench.sqlite'}"
        engines = [("SQLite", sqlite_uri)]
        if args.pg_url:
            engines.append(("PostgreSQL", args.pg_url))
        for label, uri in engines:
            outbound = bench_outbound(
                uri, texts=args.texts, workers=args.workers, tmp=tmp, fork=args.fork,
            )  # fmt: skip
            inbound = bench_inbound(
                uri, senders=args.senders, per_sender=args.requests_per_sender,
                think_ms=args.think_ms, tmp=tmp,
            )  # fmt: skip
            rows.append((label, outbound, inbound, _inbound_count(uri)))
    fresh_redis(REDIS_DB)
    mode = "forking Worker (a process per job)" if args.fork else "SimpleWorker (--no-fork)"
    print(f"Outbound: {args.texts} texts, {args.workers} `flask worker` processes, {mode}")
    print(f"{'database':<11} {'seconds':>7} {'texts/s':>7} {'lost':>4} {'dup':>4}")
    ok = True
    for label, out, _, _ in rows:
        print(f"{label:<11} {out.seconds:>7.2f} {out.rate:>7.1f} {out.lost:>4} {out.duplicated:>4}")
        ok &= out.rate >= TARGET_RATE and out.lost == 0 and out.duplicated == 0
    print(
        f"\nInbound: {args.senders} concurrent senders x {args.requests_per_sender} texts, "
        f"gunicorn 2 x 10 threads, after 28 warm-up texts; paced = ~{args.think_ms:.0f} ms pause "
        "between a sender's texts"
    )
    print(
        f"{'database':<11} {'mode':<9} {'texts':>5} {'req/s':>6} {'errors':>6} "
        f"{'p50 ms':>6} {'p95 ms':>6}"
    )
    for label, _, phases, stored in rows:
        ok &= stored == sum(p.requests for p in phases)
        for inn in phases:
            if inn.mode == "warmup":
                continue
            print(
                f"{label:<11} {inn.mode:<9} {inn.requests:>5} {inn.rate:>6.1f} {inn.errors:>6} "
                f"{inn.p50_ms:>6.1f} {inn.p95_ms:>6.1f}"
            )
            ok &= inn.errors == 0
            if inn.mode == "paced":
                ok &= inn.p95_ms <= TARGET_P95_MS
    print(
        f"\ntargets: >= {TARGET_RATE:.0f} texts/s, 0 lost, 0 duplicated; paced inbound p95 <= "
        f"{TARGET_P95_MS:.0f} ms; every inbound text stored once -> " + ("met" if ok else "MISSED")
    )
    print("SQLite runs in WAL mode (set by the app for every SQLite file)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
