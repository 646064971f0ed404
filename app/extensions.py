"""Flask extensions, created unbound here and bound in the app factory."""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine import ExceptionContext

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    """Make SQLite enforce foreign keys, as PostgreSQL always does."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Web requests and RQ workers share one SQLite file: wait for a lock instead of failing,
        # and let readers go on while a text is written (WAL; measured in benchmarks/texts.py).
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _without_detail(message: str) -> str:
    """``message`` without PostgreSQL's DETAIL lines, which quote the row or key values."""
    return "\n".join(line for line in message.split("\n") if not line.startswith("DETAIL:"))


@event.listens_for(Engine, "handle_error")
def _no_values_in_database_errors(context: ExceptionContext) -> None:
    """Keep personal data out of database errors, and so out of every traceback (issue 14).

    ``hide_parameters`` hides the statement's values, but PostgreSQL repeats them itself:
    ``DETAIL: Failing row contains (2, Joan, Smith, …, 28 Movers Lane)`` or ``Key (phone)=(…)``.
    The constraint and column names stay (in the message and in ``orig.diag``), enough to debug.
    """
    for exc in (context.original_exception, context.sqlalchemy_exception):
        message = exc.args[0] if exc is not None and exc.args else None
        if exc is not None and isinstance(message, str) and "\nDETAIL:" in message:
            exc.args = (_without_detail(message), *exc.args[1:])
