"""The whole stack as a bureau runs it: migrations, then the Procfile under honcho, on a
PostgreSQL and a Redis the test starts itself; a coordinator books, plans and publishes; every
text reaches the Twilio stand-in once; a backup is taken and restored, and the day is intact.

It starts its own servers, so it runs once per CI run, in the SQLite pass of the suite (skipped
when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.deploy import day as the_day
from tests.deploy.stack import REPO
from tests.deploy.stack import Stack
from tests.deploy.stack import missing_tools
from tests.deploy.stack import running_stack

pytestmark = [
    pytest.mark.slow,
    pytest.mark.stack,
    pytest.mark.skipif(
        bool(TEST_DATABASE_URL), reason="starts its own servers: runs once, in the SQLite pass"
    ),
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
]

DEPLOY_DOC = REPO / "docs" / "deploy.md"


def doc_commands(name: str) -> str:
    """The shell block of docs/deploy.md marked ``<!-- tested: name -->``: what the test runs."""
    match = re.search(
        rf"<!-- tested: {re.escape(name)} -->\s*```sh\n(.*?)```", DEPLOY_DOC.read_text(), re.S
    )
    assert match, f"docs/deploy.md has no tested '{name}' block"
    return match.group(1)


def run_doc_commands(stack: Stack, name: str, **variables: str) -> None:
    """Run a documented block with bash, in the environment a bureau's shell would have."""
    env = {**stack.process_env(), **stack.pg.client_env(), **variables}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", doc_commands(name)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"


def test_book_plan_publish_every_text_once_then_backup_and_restore(tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        stack.release()  # flask db upgrade, before any process starts
        app = the_day.app_on(stack.pg.url(stack.database))
        seeded = the_day.seed(app, the_day.plan_day())
        honcho = stack.start("web", "sms", "planning", "cron")
        try:
            coordinator = stack.coordinator()
            coordinator.sign_in()
            ready = coordinator.get("/readyz").json()
            assert ready == {
                "status": "ready",
                "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
            }
            for resident_id in seeded.resident_ids:
                the_day.book(coordinator, seeded, resident_id)
            plan_id = the_day.plan(coordinator, seeded.day)
            page = the_day.publish(coordinator, plan_id)
            assert "Published. Texts queued for" in page
            the_day.wait_all_sent(stack, app)
            texts = the_day.count_texts(stack, app)
            # Each resident's confirmation and at least one route text per driver used.
            assert texts.written >= len(seeded.resident_ids) + 2
            assert (texts.lost, texts.duplicated) == (0, 0), texts
            assert the_day.plans_of(app, seeded.day) == [(plan_id, "published")]
            assert the_day.half_saved_plans(app) == 0
        finally:
            stack.stop(honcho)
        assert honcho.process.returncode is not None

        # Backup and restore, with the commands docs/deploy.md gives a bureau.
        backup = tmp_path / "rota-backup.dump"
        run_doc_commands(stack, "backup", BACKUP=str(backup))
        assert backup.stat().st_size > 0
        run_doc_commands(stack, "restore", BACKUP=str(backup), RESTORED="connect_rota_restored")
        restored = the_day.app_on(stack.pg.url("connect_rota_restored"))
        original = the_day.day_snapshot(app, seeded.day)
        assert original["plans"] and original["stops"] and original["texts"]
        assert the_day.day_snapshot(restored, seeded.day) == original
        # The restored database is at the migrations' head: the app would start on it.
        with restored.app_context():
            from app.services.health import check_database

            assert check_database() == ("ok", "ok")
