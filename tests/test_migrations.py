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
from tests.conftest import REPO
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


PROBE = '''"""probe: a change SQLite can only make by copying the table"""
from alembic import op
import sqlalchemy as sa

revision = "9999_probe"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("residents") as batch_op:
        batch_op.alter_column("needs_language", type_=sa.String(60), existing_nullable=True)


def downgrade():
    with op.batch_alter_table("residents") as batch_op:
        batch_op.alter_column("needs_language", type_=sa.String(40), existing_nullable=True)
'''


def _seed_rows() -> dict[str, int]:
    """A resident with a lift and a driver with availability: rows whose parents a batch
    migration must copy without deleting their children."""
    import datetime as dt

    from tests.factories import make_lift
    from tests.factories import make_resident
    from tests.factories import make_volunteer

    resident = make_resident()
    make_lift(resident)
    make_lift(resident, day=dt.date(2026, 12, 2))
    make_volunteer()
    return _counts()


def _counts() -> dict[str, int]:
    tables = ("residents", "lift_requests", "volunteers", "weekly_availability")
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def _revisions() -> list[tuple[str, str | None]]:
    """(revision, down_revision) from the first migration to the head, in order."""
    from alembic.script import ScriptDirectory

    from app.extensions import migrate

    script = ScriptDirectory.from_config(migrate.get_config())
    return [(s.revision, s.down_revision) for s in reversed(list(script.walk_revisions()))]  # type: ignore[misc]


def test_every_revision_upgrades_from_the_previous_one_with_rows(empty_database_url):
    """Each revision runs on a database that already holds rows (issue 10): from the previous
    revision down and up again, every seeded row is still there on this engine."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        before = _seed_rows()
        db.session.remove()
        steps = [(rev, down) for rev, down in _revisions() if down is not None]
        # With one revision the loop below would check nothing at all.
        assert steps, "no revision upgrades from a previous one"
        for _rev, down in reversed(steps):
            from flask_migrate import downgrade

            downgrade(revision=str(down))
        for rev, _down in steps:
            upgrade(revision=rev)
            assert _counts() == before, f"revision {rev} lost rows"
        after = _counts()
        db.engine.dispose()
    assert after == before
    assert before["lift_requests"] == 2


def test_a_batch_migration_on_sqlite_keeps_the_rows_that_point_at_the_table(
    empty_database_url, tmp_path
):
    """A batch change that copies `residents` keeps every lift of every resident (issue 10:
    SQLite's DROP TABLE under foreign keys would cascade-delete them), on both engines."""
    import shutil

    from flask_migrate import downgrade

    directory = tmp_path / "migrations"
    shutil.copytree(REPO / "migrations", directory)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        head = _revisions()[-1][0]
        (directory / "versions" / "9999_probe.py").write_text(PROBE.format(head=head))
        upgrade()
        before = _seed_rows()
        db.session.remove()
        upgrade(directory=str(directory))
        middle = _counts()
        downgrade(directory=str(directory), revision=head)
        after = _counts()
        db.engine.dispose()
    assert middle == before
    assert after == before


def test_autogenerate_writes_batch_operations_on_sqlite(tmp_path):
    """`flask db migrate` on SQLite writes `batch_alter_table` blocks (render_as_batch), so a
    generated revision runs on the embedded default as it does on PostgreSQL."""
    import shutil

    from flask_migrate import migrate as make_revision

    directory = tmp_path / "migrations"
    shutil.copytree(REPO / "migrations", directory)
    extra = sa.Column("probe_note", sa.String(20), nullable=True)
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'gen.sqlite'}"}
    )
    table = db.metadata.tables["residents"]
    with app.app_context():
        upgrade(directory=str(directory))
        table.append_column(extra)
        try:
            make_revision(directory=str(directory), message="probe", rev_id="9999_probe")
        finally:
            table._columns.remove(extra)  # noqa: SLF001 - undo the probe column on shared metadata
        db.engine.dispose()
    text = next((directory / "versions").glob("9999_probe*.py")).read_text()
    assert 'batch_alter_table("residents"' in text or "batch_alter_table('residents'" in text
    assert "probe_note" in text
