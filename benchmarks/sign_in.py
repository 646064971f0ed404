"""Benchmark of sign-in (issue 11): does the answer's timing tell which emails have accounts,
and when does throttling start?

Found by testing: a wrong password for a known email took 0.126 s and an unknown email 0.006 s,
so anyone could list the bureau's staff. This posts the real sign-in form (the app's own
factory, CSRF off, the embedded defaults: SQLite, the in-memory rate limiter) alternately with
a wrong password for a known email and with an unknown email, each from a fresh address and
browser (the two kinds taking turns to go first) with the account's throttle cleared between
tries (the admin's lever), and prints the median answer time of each and their difference.
Then it fails one account from ever-changing addresses until the answer is 429 and prints
after how many failures.

Targets: |median known - median unknown| < 10 ms; 429 by the 11th failure for one account.
Exit status 1 when a target is missed.

Run: ``.venv/bin/python benchmarks/sign_in.py [--tries 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import auth  # noqa: E402

KNOWN = "coordinator@bureau.example"
UNKNOWN = "nobody{n}@bureau.example"
PASSWORD = "a long coordinator passphrase"
TARGET_MS = 10.0


def _timed_post(client: object, email: str, address: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post(  # type: ignore[attr-defined]
        "/login",
        data={"email": email, "password": "not the password at all"},
        environ_base={"REMOTE_ADDR": address},
    )
    return (time.perf_counter() - started) * 1000, response.status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=200, help="tries of each kind")
    args = parser.parse_args(argv)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": "benchmark-" + "x" * 40,
        }
    )
    with app.app_context():
        db.create_all()
        auth.create_user(KNOWN, "Cora", PASSWORD, "coordinator")
        client = app.test_client()
        _timed_post(client, KNOWN, "192.0.2.1")  # warm up: templates, hash parameters
        auth.clear_sign_in_throttle(KNOWN, address="192.0.2.1")
        known: list[float] = []
        unknown: list[float] = []
        for n in range(args.tries):
            address = f"10.{n // 250}.{n % 250}.1"
            # Alternate which goes first, so neither kind always follows the other.
            kinds = [(KNOWN, known), (UNKNOWN.format(n=n), unknown)]
            for email, times in kinds if n % 2 == 0 else kinds[::-1]:
                ms, status = _timed_post(app.test_client(), email, address)
                assert status == 200, status
                times.append(ms)
            auth.clear_sign_in_throttle(KNOWN, address=address)
        failures_before_429 = 0
        for n in range(50):
            _, status = _timed_post(app.test_client(), KNOWN, f"203.0.113.{n}")
            if status == 429:
                break
            failures_before_429 += 1
    median_known = statistics.median(known)
    median_unknown = statistics.median(unknown)
    gap = abs(median_known - median_unknown)
    print(f"sign-in answers, {args.tries} tries each (wrong password, fresh address):")
    print(f"  known email    median {median_known:7.2f} ms")
    print(f"  unknown email  median {median_unknown:7.2f} ms")
    print(f"  difference            {gap:7.2f} ms   (target < {TARGET_MS:.0f} ms)")
    print(
        f"  one account from changing addresses: 429 after {failures_before_429} failures "
        "(target: by the 11th)"
    )
    ok = gap < TARGET_MS and failures_before_429 <= 10
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
