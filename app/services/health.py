"""Is this process ready to serve: database reachable, migrations at head, Redis reachable.

A load balancer or platform asks ``/readyz`` before sending traffic and after a deploy; a
process whose database is behind the code (``flask db upgrade`` not yet run) must say so
instead of failing on the first page.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.paths import migrations_dir
from app.queue import ping

REDIS_TIMEOUT_S = 2.0


@dataclass
class Readiness:
    """Each check's outcome (``"ok"`` or a short reason) and whether all passed."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """True when every check said ``ok``."""
        return all(value == "ok" for value in self.checks.values())


def migration_heads() -> set[str]:
    """The head revisions of the shipped migration scripts."""
    return set(ScriptDirectory(str(migrations_dir())).get_heads())


def check_database() -> tuple[str, str]:
    """(database, migrations) outcomes from one round trip to the database."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        return f"unreachable: {type(exc).__name__}", "unknown"
    heads = migration_heads()
    if current == heads:
        return "ok", "ok"
    have = ", ".join(sorted(current)) or "none"
    return "ok", f"behind: database at {have}, code at {', '.join(sorted(heads))}"


def check_redis() -> str:
    """``ok``, ``not configured`` (jobs run in-process: fine), or why Redis did not answer."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    failure = ping(url, timeout_s=REDIS_TIMEOUT_S)
    if failure is not None:
        return f"unreachable: {failure}"
    return "ok"


def readiness() -> Readiness:
    """Run every check (none raises)."""
    database, migrations = check_database()
    redis_state = check_redis()
    result = Readiness()
    result.checks["database"] = database
    result.checks["migrations"] = migrations
    result.checks["redis"] = "ok" if redis_state == "not configured" else redis_state
    return result
