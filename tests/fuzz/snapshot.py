"""Every row of every table, taken once and put back before each generated example."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db


class Snapshot(list[tuple[sa.Table, list[dict[str, object]]]]):
    """Rows by table (shown briefly in Hypothesis's reports)."""

    def __repr__(self) -> str:
        return f"Snapshot({sum(len(rows) for _, rows in self)} rows)"


def take() -> Snapshot:
    """Read every table (in dependency order)."""
    db.session.expire_all()
    return Snapshot(
        (table, [dict(row._mapping) for row in db.session.execute(sa.select(table))])
        for table in db.metadata.sorted_tables
    )


def restore(snapshot: Snapshot) -> None:
    """Empty every table and put the snapshot's rows back (faster than building them again)."""
    db.session.rollback()
    for table, _ in reversed(snapshot):
        db.session.execute(table.delete())
    for table, rows in snapshot:
        if rows:
            db.session.execute(table.insert(), rows)
    db.session.commit()
    db.session.expunge_all()


def fingerprint() -> dict[str, str]:
    """A digest of each table's rows: equal fingerprints mean equal tables.

    PostgreSQL answers for every table in one round trip; SQLite (in this process) is read.
    """
    tables = db.metadata.sorted_tables
    if db.session.get_bind().dialect.name == "postgresql":
        union = " UNION ALL ".join(
            f"SELECT '{t.name}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
            f'FROM "{t.name}" r'
            for t in tables
        )
        rows = db.session.execute(sa.text(union)).all()
        return {str(name): str(digest) for name, digest in rows}
    return {t.name: repr(sorted(map(repr, db.session.execute(sa.select(t)).all()))) for t in tables}
