"""A real RQ worker process on the real Redis, the real Twilio SDK and the local stand-in.

Fault tests (issue 6): a worker killed mid-send, Redis flushed with texts waiting, Twilio down
for a while. After recovery every text reaches the stand-in exactly once.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.models import MessageStatus
from app.services import messaging
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import make_test_app
from tests.factories import make_resident
from tests.twilio_standin import TwilioStandIn
from tests.worker_process import fresh_redis
from tests.worker_process import redis_url
from tests.worker_process import start_worker
from tests.worker_process import stop_worker
from tests.worker_process import wait_until

pytestmark = pytest.mark.redis

# A Redis database of these tests' own (another for the PostgreSQL run of the suite).
REDIS_DB = 13 if TEST_DATABASE_URL else 12
PUBLIC = "https://rota.example"


class Rig:
    """The app in this process, the stand-in, and the environment a worker process needs."""

    def __init__(self, tmp_path: Path, stand_in: TwilioStandIn) -> None:
        self.tmp_path = tmp_path
        self.twilio = stand_in
        uri = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'texts.sqlite'}"
        settings = {
            "REDIS_URL": redis_url(REDIS_DB),
            "PUBLIC_BASE_URL": PUBLIC,
            "SMS_RETRY_INTERVALS": "1,1,1,1,1,1,1,1",
            "SMS_SENDING_STALE_S": "1",
            "SMS_SWEEP_INTERVAL_S": "1",
            **stand_in.env(),
        }
        self.env = {"DATABASE_URL": uri, **settings}
        self.app = make_test_app(
            SQLALCHEMY_DATABASE_URI=uri,
            REDIS_URL=settings["REDIS_URL"],
            PUBLIC_BASE_URL=PUBLIC,
            SMS_RETRY_INTERVALS=(1,) * 8,
            SMS_SENDING_STALE_S=1,
            **stand_in.config(),
        )
        self.workers: list[subprocess.Popen[bytes]] = []

    def worker(self, *, cron: bool = False, fork: bool = True) -> subprocess.Popen[bytes]:
        process = start_worker(
            self.env, log_path=self.tmp_path / "worker.log", cron=cron, fork=fork
        )
        self.workers.append(process)
        return process

    def queue(self, count: int, *, dispatch: bool = True, age_s: int = 0) -> list[int]:
        """Write ``count`` texts (``age_s`` old) and, unless told not to, queue their jobs."""
        now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_s)
        messages = [
            messaging.queue_text(make_resident(), f"Text number {n}", kind="test", now=now)
            for n in range(count)
        ]
        db.session.commit()
        if dispatch:
            messaging.dispatch(messages)
        return [m.id for m in messages]

    def statuses(self) -> dict[MessageStatus, int]:
        db.session.commit()  # end any open read so the workers' commits are seen
        rows = db.session.execute(
            sa.select(Message.status, sa.func.count()).group_by(Message.status)
        ).all()
        return {status: count for status, count in rows}

    def all_sent(self, count: int) -> bool:
        return self.statuses().get(MessageStatus.SENT, 0) == count

    def assert_each_sent_once(self, count: int) -> None:
        taken = self.twilio.count_by_body()
        assert sorted(taken) == sorted(f"Text number {n}" for n in range(count))
        assert set(taken.values()) == {1}, taken
        assert self.statuses() == {MessageStatus.SENT: count}

    def log(self) -> str:
        path = self.tmp_path / "worker.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.fixture()
def rig(tmp_path: Path) -> Iterator[Rig]:
    if fresh_redis(REDIS_DB) is None:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    with TwilioStandIn() as stand_in:
        rig = Rig(tmp_path, stand_in)
        with rig.app.app_context():
            try:
                yield rig
            finally:
                for process in rig.workers:
                    stop_worker(process, kill=True)
                db.session.remove()
                db.engine.dispose()
                fresh_redis(REDIS_DB)


def test_twilio_down_for_a_while_then_every_text_once(rig: Rig) -> None:
    """Twilio answers 503 for a while; RQ retries with backoff; each text arrives once."""
    rig.twilio.behaviour.down_status = 503
    rig.worker(fork=False)  # the sms queue's recommended worker: no fork per job
    rig.queue(6)
    wait_until(lambda: rig.twilio.requests >= 6, timeout_s=20, what="the first tries")
    rig.twilio.behaviour.down_status = None
    try:
        wait_until(lambda: rig.all_sent(6), timeout_s=20, what="every text sent")
    except AssertionError:
        print(rig.log())
        raise
    rig.assert_each_sent_once(6)


def test_a_worker_killed_mid_send_loses_and_repeats_nothing(rig: Rig) -> None:
    """Kill -9 while Twilio holds the first text: the sweep finds it sent; the rest go once."""
    rig.twilio.behaviour.delay_s = 1.5
    first = rig.worker()
    rig.queue(3)
    wait_until(lambda: len(rig.twilio.taken) == 1, timeout_s=20, what="the first send")
    stop_worker(first, kill=True)
    assert rig.statuses().get(MessageStatus.SENDING) == 1
    rig.twilio.behaviour.delay_s = 0.0
    rig.worker(cron=True)  # its cron sweeps every second and recovers the stuck row
    try:
        wait_until(lambda: rig.all_sent(3), timeout_s=25, what="every text sent")
    except AssertionError:
        print(rig.log())
        raise
    rig.assert_each_sent_once(3)


def test_redis_flushed_with_texts_waiting(rig: Rig) -> None:
    """Jobs vanish with a FLUSHDB; the worker's cron sweep queues the rows again; each once."""
    rig.queue(5, age_s=120)
    redis_conn = fresh_redis(REDIS_DB)  # the jobs are gone
    assert redis_conn is not None and redis_conn.dbsize() == 0
    rig.worker(cron=True)
    try:
        wait_until(lambda: rig.all_sent(5), timeout_s=20, what="every text sent")
    except AssertionError:
        print(rig.log())
        raise
    rig.assert_each_sent_once(5)
