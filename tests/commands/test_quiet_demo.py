"""The demo command prints what a person setting it up needs, not Alembic's chatter (issue 13).

``scripts/demo.sh`` drops the lines that start with ``INFO``; Alembic's "setup plugin" lines
went through the app's log handler, started with a timestamp, and flooded the output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _flask(*args: str, database: Path, **extra: str) -> list[str]:
    """Run a ``flask`` command as the demo does; the lines its filter lets through."""
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
    }
    env.pop("LOG_LEVEL", None)
    env.update(extra)
    done = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = (done.stdout + done.stderr).splitlines()
    return [line for line in lines if line.strip() and not line.startswith("INFO")]


def test_building_the_demo_database_and_the_next_command_print_nothing_past_its_filter(tmp_path):
    database = tmp_path / "demo.sqlite"

    upgrade = _flask("db", "upgrade", database=database)
    listing = _flask("users", "list", database=database)

    assert upgrade == []
    assert not [line for line in listing if "alembic" in line]


def test_loading_the_demo_prints_its_summary_not_a_log_line_per_row(tmp_path):
    """``scripts/demo.sh`` runs its set-up commands at LOG_LEVEL=WARNING: one line per referral
    stored (60 of them) buried the summary a newcomer reads."""
    database = tmp_path / "demo.sqlite"
    _flask("db", "upgrade", database=database)

    printed = _flask("demo", "load", database=database, LOG_LEVEL="WARNING")

    assert not [line for line in printed if line.startswith("{")]  # no JSON log lines
    assert any(line.startswith("residents:") for line in printed)
    assert any(line.startswith("referrals:") for line in printed)
    assert "LOG_LEVEL=WARNING flask demo load" in (ROOT / "scripts" / "demo.sh").read_text()
