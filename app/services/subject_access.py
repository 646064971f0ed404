"""Subject access export: everything held about one resident or volunteer, in one zip.

Which tables and columns are read, and whose data each column is, comes from the registry
(:mod:`app.services.personal_data`); this module only collects, redacts and packs (issue 14).
Other people's personal data inside the rows (a driver's name in a resident's texts, a referrer's
contact, the resident a driver's stop was for) is replaced by ``[redacted]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import re
import zipfile
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.errors import InvalidInput
from app.extensions import db
from app.models import Resident
from app.models import Volunteer
from app.models.base import now_utc
from app.services.audit import record_event
from app.services.people import get_resident
from app.services.people import get_volunteer
from app.services.personal_data import PEOPLE_TABLES
from app.services.personal_data import Erase
from app.services.personal_data import Kind
from app.services.personal_data import TableRule
from app.services.personal_data import first_name_of
from app.services.personal_data import identifiers
from app.services.personal_data import linked_ids
from app.services.personal_data import person_row
from app.services.personal_data import rules_for
from app.services.personal_data import table

REDACTED = "[redacted]"
_PEOPLE_KIND = {name: kind for kind, name in PEOPLE_TABLES.items()}


def parse_kind(text: str) -> Kind:
    """'resident' or 'volunteer' as a :class:`Kind`, or a clear error naming the field."""
    try:
        return Kind(text.strip().lower())
    except ValueError:
        msg = "Choose a resident or a volunteer."
        raise InvalidInput(msg, field="kind") from None


def get_person(kind: Kind, person_id: int) -> Resident | Volunteer:
    """The resident or volunteer, or NotFound."""
    return get_resident(person_id) if kind == Kind.RESIDENT else get_volunteer(person_id)


@dataclass(frozen=True, slots=True)
class ExportPart:
    """One table's rows about the person, already redacted."""

    rule: TableRule
    rows: list[dict[str, Any]]

    @property
    def stem(self) -> str:
        return self.rule.table


@dataclass(frozen=True, slots=True)
class SubjectAccessExport:
    """A finished export: the zip's bytes and its file name."""

    kind: Kind
    person_id: int
    created_at: dt.datetime
    parts: list[ExportPart]
    data: bytes

    @property
    def filename(self) -> str:
        return (
            f"subject-access-{self.kind.value}-{self.person_id}-{self.created_at:%Y%m%d-%H%M%S}.zip"
        )


def preview_export(kind: Kind, person_id: int) -> list[tuple[TableRule, int]]:
    """What an export of this person will hold: each table and how many rows (no values)."""
    get_person(kind, person_id)
    row = person_row(kind, person_id) or {}
    counts = []
    for rule in rules_for(kind):
        ids = linked_ids(rule, kind, person_id, row.get("phone"))
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))
        counts.append((rule, int(count or 0)))
    return counts


def export_person(
    kind: Kind, person_id: int, *, actor_id: int | None, now: dt.datetime | None = None
) -> SubjectAccessExport:
    """Build the zip of everything held about the person, and audit that it was made."""
    now = now or now_utc()
    person = get_person(kind, person_id)
    subject = person_row(kind, person_id) or {}
    raw = [(rule, _rows(rule, kind, person_id, subject.get("phone"))) for rule in rules_for(kind)]
    redact = _Redactor(kind, person_id, subject, _others(kind, person_id, raw))
    parts = [ExportPart(rule, [redact.row(rule, r) for r in rows]) for rule, rows in raw]
    data = _zip(kind, person_id, parts, now)
    record_event(
        "subject_access_export",
        person,
        staff_id=actor_id,
        changes={"files": (None, len(parts) * 2 + 1)},
        now=now,
    )
    db.session.commit()
    return SubjectAccessExport(kind, person_id, now, parts, data)


def write_export(
    kind: Kind, person_id: int, directory: Path, *, actor_id: int | None = None
) -> Path:
    """Export the person into ``directory`` and return the zip's path (for the command line)."""
    export = export_person(kind, person_id, actor_id=actor_id)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / export.filename
    path.write_bytes(export.data)
    path.chmod(0o600)  # personal data: readable by the bureau's account only
    return path


def _rows(rule: TableRule, kind: Kind, person_id: int, phone: Any) -> list[dict[str, Any]]:
    t = table(rule.table)
    ids = linked_ids(rule, kind, person_id, phone)
    stmt = sa.select(t).where(t.c.id.in_(ids)).order_by(t.c.id)
    return [dict(r) for r in db.session.execute(stmt).mappings()]


def _others(
    kind: Kind, person_id: int, raw: Iterable[tuple[TableRule, list[dict[str, Any]]]]
) -> list[dict[str, Any]]:
    """Everyone else the rows point at, directly or through one parent row (a stop's driver)."""
    wanted: dict[Kind, set[int]] = {Kind.RESIDENT: set(), Kind.VOLUNTEER: set()}
    parents: dict[str, set[int]] = {}
    for rule, rows in raw:
        for fk in table(rule.table).foreign_keys:
            target = fk.column.table.name
            values = {r[fk.parent.name] for r in rows if r.get(fk.parent.name) is not None}
            if target in _PEOPLE_KIND:
                wanted[_PEOPLE_KIND[target]].update(values)
            elif rule.table != target:
                parents.setdefault(target, set()).update(values)
    for name, ids in parents.items():
        parent = table(name)
        for fk in parent.foreign_keys:
            target = fk.column.table.name
            if target in _PEOPLE_KIND and ids:
                stmt = sa.select(fk.parent).where(parent.c.id.in_(ids))
                wanted[_PEOPLE_KIND[target]].update(v for v in db.session.scalars(stmt) if v)
    wanted[kind].discard(person_id)
    others: list[dict[str, Any]] = []
    for other_kind, ids in wanted.items():
        if ids:
            t = table(PEOPLE_TABLES[other_kind])
            stmt = sa.select(t).where(t.c.id.in_(ids))
            others.extend(dict(r) for r in db.session.execute(stmt).mappings())
    return others


class _Redactor:
    """Replaces other people's data in a row; the subject's own data stays."""

    def __init__(
        self,
        kind: Kind,
        person_id: int,
        subject: Mapping[str, Any],
        others: list[dict[str, Any]],
    ) -> None:
        self.kind = kind
        self.person_id = person_id
        own = set(identifiers(subject)) | {first_name_of(subject)}
        strings = {s for o in others for s in identifiers(o)} - own
        names = {first_name_of(o) for o in others} - own
        patterns = [re.escape(s) for s in sorted(strings, key=len, reverse=True)]
        patterns += [rf"\b{re.escape(n)}\b" for n in sorted(names, key=len, reverse=True) if n]
        self.pattern = re.compile("|".join(patterns)) if patterns else None

    def row(self, rule: TableRule, row: Mapping[str, Any]) -> dict[str, Any]:
        people_fks = {
            fk.parent.name: _PEOPLE_KIND[fk.column.table.name]
            for fk in table(rule.table).foreign_keys
            if fk.column.table.name in _PEOPLE_KIND
        }
        if rule.subject_table:
            people_fks["id"] = self.kind
        out: dict[str, Any] = {}
        for name, value in row.items():
            col = rule.columns[name]
            other_person = name in people_fks and not (
                people_fks[name] == self.kind and value == self.person_id
            )
            theirs = col.erase != Erase.KEEP and self.kind not in col.owners
            if value is not None and value != "" and (col.third_party or theirs or other_person):
                out[name] = REDACTED
            else:
                out[name] = self._text(_plain(value))
        return out

    def _text(self, value: Any) -> Any:
        if self.pattern is None:
            return value
        if isinstance(value, str):
            return self.pattern.sub(REDACTED, value)
        if isinstance(value, list):
            return [self._text(v) for v in value]
        if isinstance(value, dict):
            return {k: self._text(v) for k, v in value.items()}
        return value


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _zip(kind: Kind, person_id: int, parts: list[ExportPart], now: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(kind, person_id, parts, now))
        for part in parts:
            archive.writestr(f"{part.stem}.json", json.dumps(part.rows, indent=2, default=str))
            archive.writestr(f"{part.stem}.csv", _csv(part))
    return buffer.getvalue()


def _csv(part: ExportPart) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = list(table(part.rule.table).c.keys())
    writer.writerow(columns)
    for row in part.rows:
        writer.writerow(
            [json.dumps(v) if isinstance(v, list | dict) else v for v in map(row.get, columns)]
        )
    return out.getvalue()


def _readme(kind: Kind, person_id: int, parts: list[ExportPart], now: dt.datetime) -> str:
    lines = [
        f"Subject access export: {kind.value} number {person_id}",
        f"Made {now:%Y-%m-%d %H:%M} UTC by the bureau's Connect Rota system.",
        "",
        "Each table is given twice: as JSON (.json) and as a spreadsheet (.csv).",
        f"Other people's details inside these rows are shown as {REDACTED}.",
        "Times are UTC; plan stop times are seconds after local midnight of the plan's day.",
        "",
        "Files:",
        "  README.txt  this list",
    ]
    for part in parts:
        lines.append(f"  {part.stem}.json / {part.stem}.csv  ({len(part.rows)} rows)")
        lines.append(f"      {part.rule.what}")
    return "\n".join(lines) + "\n"
