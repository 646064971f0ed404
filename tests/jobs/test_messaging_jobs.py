"""Text jobs on RQ with fakeredis and a SimpleWorker: one job per text, retries, lost Redis."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import fakeredis
import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue
from rq import SimpleWorker

from app.extensions import db
from app.jobs import messaging as message_jobs
from app.jobs.worker import build_cron
from app.models import Message
from app.models import MessageStatus
from app.queue import QUEUE_NAMES
from app.services import messaging
from app.sms import SmsSendError
from tests.factories import make_resident
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms


@pytest.fixture()
def redis(app: Flask) -> Iterator[fakeredis.FakeRedis]:
    """Make the app queue its jobs on a fake Redis."""
    conn = fakeredis.FakeRedis()
    app.extensions["redis"] = conn
    app.extensions["rq_queues"] = {name: Queue(name, connection=conn) for name in QUEUE_NAMES}
    app.config["SMS_RETRY_INTERVALS"] = (0, 0, 0)
    yield conn
    conn.flushall()


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


def work(conn: fakeredis.FakeRedis) -> None:
    """Run every job waiting on the sms queue, in this process."""
    SimpleWorker([Queue("sms", connection=conn)], connection=conn).work(burst=True)


def queue_texts(count: int, *, now: dt.datetime | None = None) -> list[Message]:
    messages = [
        messaging.queue_text(make_resident(), f"Text {n}", kind="test", now=now)
        for n in range(count)
    ]
    db.session.commit()
    return messages


def statuses() -> list[MessageStatus]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Message.status).order_by(Message.id)))


def test_dispatch_queues_one_job_per_text(redis: fakeredis.FakeRedis, sms: FakeSmsSender) -> None:
    """Each text gets the job sms-<id>; dispatching again does not queue it twice."""
    [message] = queue_texts(1)
    messaging.dispatch([message])
    messaging.dispatch([message])
    queue = Queue("sms", connection=redis)
    assert queue.job_ids == [f"sms-{message.id}"]
    assert sms.sent == []
    work(redis)
    assert len(sms.sent) == 1 and statuses() == [MessageStatus.SENT]


def test_transient_failures_are_retried_by_rq(
    redis: fakeredis.FakeRedis, sms: FakeSmsSender
) -> None:
    """Two 503s then success: RQ retries the job and the text goes out once."""
    [message] = queue_texts(1)
    sms.failures.extend(SmsSendError("down", code="503", retryable=True) for _ in range(2))
    messaging.dispatch([message])
    work(redis)
    assert len(sms.sent) == 1
    db.session.refresh(message)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 3)


def test_a_flushed_redis_loses_nothing(redis: fakeredis.FakeRedis, sms: FakeSmsSender) -> None:
    """Jobs lost with Redis are queued again by the sweep; every text goes out once."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    messages = queue_texts(3, now=past)
    messaging.dispatch(messages)
    redis.flushall()
    work(redis)
    assert sms.sent == []
    message_jobs.sweep_outbox()
    work(redis)
    assert sorted(t.body for t in sms.sent) == ["Text 0", "Text 1", "Text 2"]
    assert statuses() == [MessageStatus.SENT] * 3
    message_jobs.sweep_outbox()
    work(redis)
    assert len(sms.sent) == 3


def test_the_job_and_a_sweep_racing_send_once(
    redis: fakeredis.FakeRedis, sms: FakeSmsSender
) -> None:
    """A text queued by both its own job and a sweep (another job id) is sent once."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    [message] = queue_texts(1, now=past)
    messaging.dispatch([message])
    message_jobs.sweep_outbox()  # old row: the sweep queues it under a fresh job id
    assert len(Queue("sms", connection=redis).job_ids) == 2
    work(redis)
    assert len(sms.sent) == 1


def test_cron_registers_the_periodic_jobs(app: Flask, redis: fakeredis.FakeRedis) -> None:
    """RQ's cron scheduler gets the sweep, the driver and reminder checks, check-ins and the
    daily retention run (issue 14)."""
    cron = build_cron(app, redis)
    jobs = {job.func_name: job for job in cron.get_jobs()}
    assert set(jobs) == {
        "app.jobs.messaging.sweep_outbox",
        "app.jobs.messaging.check_driver_replies",
        "app.jobs.messaging.send_due_reminders",
        "app.jobs.befriending.send_checkin_reminders",
        "app.jobs.retention.run_retention",
    }
    assert jobs["app.jobs.retention.run_retention"].interval == 24 * 3600
    assert jobs["app.jobs.messaging.sweep_outbox"].interval == app.config["SMS_SWEEP_INTERVAL_S"]
    cron.enqueue_jobs()  # interval jobs run at once on start
    assert len(Queue("sms", connection=redis).job_ids) == 3
    assert len(Queue("default", connection=redis).job_ids) == 2
    work(redis)


def test_reminder_job_takes_a_date(redis: fakeredis.FakeRedis, sms: FakeSmsSender) -> None:
    """The day-before job runs from its ISO date (nothing published: nothing sent)."""
    assert message_jobs.send_day_before_reminders("2026-12-01") == 0


def test_redis_down_when_queueing_loses_nothing(app: Flask, sms: FakeSmsSender) -> None:
    """If Redis is down after the commit, the text stays queued for the sweep; no error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    app.extensions["redis"] = conn
    app.extensions["rq_queues"] = {name: Queue(name, connection=conn) for name in QUEUE_NAMES}
    [message] = queue_texts(1)
    messaging.dispatch([message])
    assert statuses() == [MessageStatus.QUEUED] and sms.sent == []
