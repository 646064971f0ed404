"""Start real ``flask worker`` processes against the real Redis, for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parents[1]
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_url(db_number: int) -> str:
    """The URL of database ``db_number`` on the test Redis server."""
    return f"{REDIS_BASE.rstrip('/')}/{db_number}"


def fresh_redis(db_number: int) -> redis.Redis | None:
    """Database ``db_number`` flushed, or None when no Redis server answers."""
    conn = redis.Redis.from_url(redis_url(db_number), socket_connect_timeout=0.5)
    try:
        conn.flushdb()
    except redis.exceptions.ConnectionError:
        return None
    return conn


def start_worker(
    env: Mapping[str, str],
    *,
    log_path: Path,
    queues: str = "sms",
    cron: bool = False,
    name: str | None = None,
    fork: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``flask worker`` in its own process group, configured only by ``env``."""
    args = [sys.executable, "-m", "flask", "--app", "app", "worker", "--queues", queues]
    if cron:
        args.append("--cron")
    if name:
        args += ["--name", name]
    if not fork:
        args.append("--no-fork")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMS_"))}
    full_env.update(env)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    with log_path.open("ab") as log:
        return subprocess.Popen(
            args,
            cwd=REPO,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """Stop a worker: SIGTERM (a warm shutdown) or SIGKILL to it and its work horse."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except ProcessLookupError:
            return
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def wait_until(check: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    msg = f"timed out after {timeout_s:.0f} s waiting for {what}"
    raise AssertionError(msg)
