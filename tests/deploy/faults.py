"""The four faults of issue 15, each a scenario on a running stack that measures its recovery.

Used by ``tests/deploy/test_faults.py`` (which asserts on the outcome) and by
``benchmarks/faults.py`` (which prints it). Each scenario books its own day, so they can run one
after another on one stack:

- PostgreSQL restarted while a published day's texts are going out, and a coordinator's page
  asked for during the outage;
- Redis killed and started again empty, with texts and a plan waiting in it;
- the planning worker killed while it plans;
- the web process killed while a coordinator's "Publish" is inside its transaction.

After each: texts lost, texts sent twice, plans half-saved, what the coordinator was told, and
the seconds from the fault until the work was done again.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from dataclasses import dataclass
from itertools import count

import requests
import sqlalchemy as sa

from app.extensions import db
from tests.deploy import day as the_day
from tests.deploy.stack import Coordinator
from tests.deploy.stack import Stack
from tests.deploy.stack import wait_for

_days = count(0)
SETTINGS = {
    "PLAN_TIME_LIMIT_S": "3",  # long enough to be killed in the middle of
    "SMS_SWEEP_GRACE_S": "2",  # the sweep re-queues a text with no job after 2 s, not 30
    "RQ_HEARTBEAT_S": "1",  # a worker's heartbeat; a job without one for 3 beats is abandoned
}


@dataclass(frozen=True)
class Outcome:
    """What one fault left behind."""

    fault: str
    texts: int
    lost: int
    duplicated: int
    half_saved_plans: int
    recovery_s: float
    told: str  # what the coordinator saw


def next_day() -> dt.date:
    """A fresh weekday for each scenario (a week apart), so scenarios share one stack."""
    return the_day.plan_day() + dt.timedelta(days=7 * next(_days))


def _booked_day(stack: Stack, coordinator: Coordinator, residents: int) -> the_day.SeededDay:
    seeded = the_day.seed(stack.app, next_day(), residents=residents, drivers=2, staff=False)
    for resident_id in seeded.resident_ids:
        the_day.book(coordinator, seeded, resident_id)
    return seeded


def _outcome(
    stack: Stack, before: the_day.TextCount, fault: str, recovery_s: float, told: str
) -> Outcome:
    """The scenario's own figures: the counts now less those before it started."""
    texts = the_day.count_texts(stack, stack.app)
    return Outcome(
        fault=fault,
        texts=texts.written - before.written,
        lost=texts.lost - before.lost,
        duplicated=texts.duplicated - before.duplicated,
        half_saved_plans=the_day.half_saved_plans(stack.app),
        recovery_s=round(recovery_s, 1),
        told=told,
    )


def _ready(stack: Stack) -> bool:
    return requests.get(f"{stack.base}/readyz", timeout=5).status_code == 200


def postgres_restarted_mid_publish(stack: Stack, coordinator: Coordinator) -> Outcome:
    """Publish; while the texts go out (Twilio slowed), PostgreSQL crashes and comes back."""
    before = the_day.count_texts(stack, stack.app)
    seeded = _booked_day(stack, coordinator, residents=4)
    plan_id = the_day.plan(coordinator, seeded.day)
    stack.twilio.behaviour.delay_s = 0.5
    taken = len(stack.twilio.taken)
    the_day.publish(coordinator, plan_id)
    wait_for(lambda: len(stack.twilio.taken) > taken, timeout_s=30, what="the first text")
    started = time.monotonic()
    stack.pg.stop("immediate")  # a crash: every connection cut, nothing shut down cleanly
    during = coordinator.get("/rota/", day=seeded.day.isoformat())
    told = f"{during.status_code}: {_message(during.text)}"
    stack.pg.start()
    stack.twilio.behaviour.delay_s = 0.0
    wait_for(lambda: _ready(stack), timeout_s=60, what="/readyz after the restart")
    the_day.wait_all_sent(stack, stack.app, timeout_s=90)
    assert the_day.plans_of(stack.app, seeded.day) == [(plan_id, "published")]
    return _outcome(
        stack, before, "PostgreSQL restarted mid-publish", time.monotonic() - started, told
    )


def redis_restarted_with_work_queued(stack: Stack, coordinator: Coordinator) -> Outcome:
    """With no worker running, texts and a plan wait in Redis; Redis dies and comes back empty."""
    before = the_day.count_texts(stack, stack.app)
    published = _booked_day(stack, coordinator, residents=3)
    plan_id = the_day.plan(coordinator, published.day)
    waiting = _booked_day(stack, coordinator, residents=2)
    stack.stop(stack.process("sms"))
    stack.stop(stack.process("planning"))
    the_day.publish(coordinator, plan_id)  # its texts now wait in Redis
    response = coordinator.post("/rota/plan", {"day": waiting.day.isoformat()})
    assert response.status_code == 302
    assert _status(coordinator, waiting.day)["state"] == "queued"
    started = time.monotonic()
    stack.redis.restart()  # killed: no save, every queued job is gone
    stack.start("sms")
    stack.start("planning")
    lost = wait_for(
        lambda: (
            _status(coordinator, waiting.day)["state"] == "failed"
            and _status(coordinator, waiting.day)
        ),
        timeout_s=30,
        what="the rota page to say the plan was lost",
    )
    told = str(lost["error"])
    the_day.plan(coordinator, waiting.day)  # the coordinator presses Plan again
    the_day.wait_all_sent(stack, stack.app, timeout_s=90)
    return _outcome(
        stack,
        before,
        "Redis restarted with texts and a plan queued",
        time.monotonic() - started,
        told,
    )


def planning_worker_killed_mid_plan(stack: Stack, coordinator: Coordinator) -> Outcome:
    """The planning worker (and its work horse) get SIGKILL while they save the plan.

    The test holds a SHARE lock on ``plans`` (reads go on, writes wait), so the job solves, then
    waits inside its transaction at its first write: the kill lands half-way through saving.
    """
    before = the_day.count_texts(stack, stack.app)
    seeded = _booked_day(stack, coordinator, residents=4)
    with stack.app.app_context():
        engine = db.engine
    with engine.connect() as blocker:
        blocker.execute(sa.text("LOCK TABLE plans IN SHARE MODE"))
        response = coordinator.post("/rota/plan", {"day": seeded.day.isoformat()})
        assert response.status_code == 302
        wait_for(
            lambda: _waiting_on_lock(stack, "plans"),
            timeout_s=60,
            what="the planning job to reach its first write",
        )
        started = time.monotonic()
        stack.kill("planning")
        blocker.rollback()
    try:
        assert the_day.plans_of(stack.app, seeded.day) == []  # nothing half-saved by the kill
    finally:
        stack.start("planning")  # the supervisor starts it again (Restart=always)
    seen: list[str] = []

    def finished() -> dict[str, object] | None:
        status = _status(coordinator, seeded.day)
        if status.get("note"):
            seen.append(str(status["note"]))
        assert status["state"] != "failed", status
        return status if status["state"] == "finished" else None

    done = wait_for(finished, timeout_s=90, what="the plan to be made again", every=0.25)
    recovery = time.monotonic() - started
    plans = the_day.plans_of(stack.app, seeded.day)
    assert plans == [(done["plan_id"], "draft")], plans
    the_day.publish(coordinator, int(str(done["plan_id"])))  # and the day goes out as usual
    the_day.wait_all_sent(stack, stack.app, timeout_s=60)
    told = seen[-1] if seen else "planning carried on"
    return _outcome(stack, before, "planning worker killed mid-plan", recovery, told)


def web_killed_mid_request(stack: Stack, coordinator: Coordinator) -> Outcome:
    """gunicorn gets SIGKILL while "Publish" waits inside its transaction (a lock holds it)."""
    before = the_day.count_texts(stack, stack.app)
    seeded = _booked_day(stack, coordinator, residents=4)
    plan_id = the_day.plan(coordinator, seeded.day)
    answers: list[object] = []
    with stack.app.app_context():
        engine = db.engine
    with engine.connect() as blocker:
        blocker.execute(sa.text("LOCK TABLE plans IN SHARE MODE"))  # reads go on, writes wait

        def press_publish() -> None:
            try:
                answers.append(coordinator.post(f"/rota/plans/{plan_id}/publish", {}, timeout=30))
            except requests.RequestException as exc:
                answers.append(exc)

        clicking = threading.Thread(target=press_publish)
        clicking.start()
        wait_for(
            lambda: _waiting_on_lock(stack, "plans"),
            timeout_s=20,
            what="the publish request to wait on the plan's row",
        )
        started = time.monotonic()
        stack.kill("web")
        clicking.join(30)
        blocker.rollback()
    assert len(answers) == 1 and isinstance(answers[0], requests.RequestException), answers
    told = f"the browser: {type(answers[0]).__name__}; after reload: "
    stack.start("web")
    page = coordinator.get("/rota/", day=seeded.day.isoformat()).text
    assert the_day.plans_of(stack.app, seeded.day) == [(plan_id, "draft")]
    assert the_day.outbound_for_day(stack.app, plan_id) == 0  # no text for an unpublished plan
    told += "the plan is still a draft" if "Publish" in page else "the rota page"
    the_day.publish(coordinator, plan_id)  # the coordinator presses Publish again
    the_day.wait_all_sent(stack, stack.app, timeout_s=60)
    assert the_day.plans_of(stack.app, seeded.day) == [(plan_id, "published")]
    return _outcome(
        stack, before, "web process killed mid-request", time.monotonic() - started, told
    )


def _waiting_on_lock(stack: Stack, table: str) -> bool:
    """True when some connection waits for a lock on ``table`` (a job or request is held)."""
    with stack.app.app_context():
        waiting = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted AND c.relname = :table"
            ),
            {"table": table},
        )
        db.session.remove()
    return bool(waiting)


def _status(coordinator: Coordinator, day: dt.date) -> dict[str, object]:
    status: dict[str, object] = coordinator.get("/rota/status.json", day=day.isoformat()).json()
    return status


def _message(page: str) -> str:
    """The words of an error page (its title and message), for the report."""
    import re

    found = re.search(r"<main[^>]*>(.*?)</main>", page, re.S)
    text = re.sub(r"<[^>]+>", " ", found.group(1) if found else page)
    return html.unescape(" ".join(text.split()))[:200]


SCENARIOS = (
    postgres_restarted_mid_publish,
    redis_restarted_with_work_queued,
    planning_worker_killed_mid_plan,
    web_killed_mid_request,
)
