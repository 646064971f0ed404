"""Migrations build the schema from empty, and fail the build when models drift from them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture()
def empty_database_url(tmp_path) -> Iterator[str]:
    """A database with nothing in it, on the engine this run tests."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"cr_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    """`flask db upgrade` on an empty database gives exactly the schema the models describe."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
    assert {"residents", "volunteers", "lift_requests", "plans", "messages", "audit_log"} <= tables


def test_downgrade_to_empty_and_up_again(empty_database_url):
    """Every migration can be undone, so a bad deploy can be rolled back."""
    from flask_migrate import downgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        upgrade()
        db.engine.dispose()
    assert left == set()
