"""Erasure: anonymise a resident or volunteer in place, so counts and plans still add up.

What is blanked, kept or derived comes from the registry (:mod:`app.services.personal_data`);
this module applies it in one transaction, sweeps the person's identifiers out of other people's
free text (a driver's route text names the resident), writes the tombstone and audits it
(issue 14). The one question "was this person erased?" is
:func:`app.services.personal_data.is_erased`; ``messaging.why_not_text`` and the planner ask it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa

from app.errors import InvalidInput
from app.extensions import db
from app.models import AuditLog
from app.models import Erasure
from app.models.base import now_utc
from app.services import clock
from app.services.audit import record_event
from app.services.personal_data import BY_TABLE
from app.services.personal_data import PEOPLE_TABLES
from app.services.personal_data import REGISTRY
from app.services.personal_data import Erase
from app.services.personal_data import Kind
from app.services.personal_data import TableRule
from app.services.personal_data import age_band
from app.services.personal_data import erased_ids
from app.services.personal_data import first_name_of
from app.services.personal_data import identifiers
from app.services.personal_data import linked_ids
from app.services.personal_data import person_row
from app.services.personal_data import rules_for
from app.services.personal_data import table
from app.services.personal_data import tombstone
from app.services.personal_data import update_rows
from app.services.subject_access import get_person

ERASED = "[erased]"
MAX_REASON_CHARS = 500
# Audit fields whose old values are earlier identifiers (a previous address still in old texts).
_IDENTIFYING_FIELDS = ("first_name", "last_name", "phone", "email", "address", "postcode")


@dataclass(frozen=True, slots=True)
class ErasureResult:
    """What an erasure did: rows changed per table, or that it had been done before."""

    kind: Kind
    person_id: int
    erasure_id: int
    already: bool
    changed: Mapping[str, int] = field(default_factory=dict)


def reference(kind: Kind, person_id: int) -> str:
    """What the admin types to confirm an erasure: R12 for resident 12, V7 for volunteer 7."""
    return f"{'R' if kind == Kind.RESIDENT else 'V'}{person_id}"


def erase_person(
    kind: Kind,
    person_id: int,
    *,
    reason: str,
    actor_id: int | None,
    confirm: str | None = None,
    source: str = "request",
    now: dt.datetime | None = None,
) -> ErasureResult:
    """Anonymise the person everywhere, write the tombstone and audit it; safe to run twice.

    ``confirm`` must be the person's :func:`reference` when given by a person (page, command);
    the retention schedule passes None. Everything happens in one transaction: on any error
    nothing is changed.
    """
    now = now or now_utc()
    get_person(kind, person_id)  # NotFound for nobody
    done = tombstone(kind, person_id)
    if done is not None:
        return ErasureResult(kind, person_id, done.id, already=True)
    subject = person_row(kind, person_id) or {}
    reason = _check_reason(reason, subject)
    if confirm is not None and confirm.strip().upper() != reference(kind, person_id):
        msg = f"Type {reference(kind, person_id)} to confirm the erasure."
        raise InvalidInput(msg, field="confirm")
    return erase_people(
        kind, [person_id], reason=reason, actor_id=actor_id, source=source, now=now
    )[0]


def erase_people(
    kind: Kind,
    person_ids: Sequence[int],
    *,
    reason: str,
    actor_id: int | None,
    source: str,
    now: dt.datetime,
) -> list[ErasureResult]:
    """Erase several people of one kind in one transaction (the retention run's batches).

    The caller has checked the reason; people already erased are skipped. On any error
    nothing is changed.
    """
    erased = set(db.session.scalars(erased_ids(kind).where(Erasure.person_id.in_(person_ids))))
    ids = [pid for pid in dict.fromkeys(person_ids) if pid not in erased]
    if not ids:
        return [ErasureResult(kind, pid, _stone_id(kind, pid), already=True) for pid in person_ids]
    subjects = {pid: person_row(kind, pid) or {} for pid in ids}
    try:
        changed = _anonymise(kind, subjects, now)
        stones = [
            Erasure(
                kind=kind.value,
                person_id=pid,
                erased_at=now,
                erased_by_id=actor_id,
                source=source,
                reason=reason,
            )
            for pid in ids
        ]
        db.session.add_all(stones)
        entity = BY_TABLE[PEOPLE_TABLES[kind]].audit_entity
        for pid in ids:
            record_event("erase", (entity, pid), staff_id=actor_id, now=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()
    new = {stone.person_id: stone.id for stone in stones}
    return [
        ErasureResult(kind, pid, new[pid], already=False, changed=changed)
        if pid in new
        else ErasureResult(kind, pid, _stone_id(kind, pid), already=True)
        for pid in person_ids
    ]


def _stone_id(kind: Kind, person_id: int) -> int:
    stone = tombstone(kind, person_id)
    return stone.id if stone is not None else 0


def _check_reason(reason: str, subject: Mapping[str, Any]) -> str:
    text = (reason or "").strip()
    if not text:
        msg = "Say why this person is erased (e.g. 'asked by phone on 2 Dec')."
        raise InvalidInput(msg, field="reason")
    if "\x00" in text or len(text) > MAX_REASON_CHARS:
        msg = f"The reason must be plain text of at most {MAX_REASON_CHARS} characters."
        raise InvalidInput(msg, field="reason")
    lowered = text.lower()
    if any(s.lower() in lowered for s in identifiers(subject)):
        msg = "The reason is kept after erasure: leave out their name, number and address."
        raise InvalidInput(msg, field="reason")
    return text


def _anonymise(
    kind: Kind, subjects: Mapping[int, Mapping[str, Any]], now: dt.datetime
) -> dict[str, int]:
    """Apply the registry's treatments to every row about the people, then sweep free text."""
    ids = list(subjects)
    strings = [s for row in subjects.values() for s in identifiers(row)]
    strings += _earlier_identifiers(kind, ids)
    phones = [str(row["phone"]) for row in subjects.values() if row.get("phone")]
    # Which rows are theirs is decided before anything changes (the phone link needs the phone).
    targets = [
        (rule, list(db.session.scalars(linked_ids(rule, kind, ids, phones))))
        for rule in rules_for(kind)
    ]
    changed: dict[str, int] = {}
    for rule, row_ids in targets:
        if not row_ids:
            continue
        t = table(rule.table)
        if rule.delete_on_erase:
            for chunk in _chunks(row_ids):
                db.session.execute(sa.delete(t).where(t.c.id.in_(chunk)))
            changed[rule.table] = len(row_ids)
            continue
        treat = {
            n: c.erase
            for n, c in rule.columns.items()
            if c.erase != Erase.KEEP and kind in c.owners
        }
        if treat:
            changed[rule.table] = _treat_rows(rule, row_ids, treat, kind, now)
    # Off the books: no lists, no befriending, no texts, no simulator (state, not data).
    people = table(PEOPLE_TABLES[kind])
    stop = {"active": False, "sms_consent": False, "simulator_training": False}
    if kind == Kind.RESIDENT:
        stop["wants_befriender"] = False
    for chunk in _chunks(ids):
        db.session.execute(sa.update(people).where(people.c.id.in_(chunk)).values(**stop))
    for name, count in _sweep(strings).items():
        changed[name] = changed.get(name, 0) + count
    for pid, row in subjects.items():
        found = _sweep_mentions(kind, pid, row.get("phone"), first_name_of(row))
        for name, count in found.items():
            changed[name] = changed.get(name, 0) + count
    return changed


def _chunks(ids: Sequence[int], size: int = 900) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _treat_rows(
    rule: TableRule,
    ids: Sequence[int],
    treat: Mapping[str, Erase],
    kind: Kind,
    now: dt.datetime,
) -> int:
    t = table(rule.table)
    names = [n for n in treat if n in t.c]
    rows = [
        row
        for chunk in _chunks(ids)
        for row in db.session.execute(
            sa.select(t.c.id, *(t.c[n] for n in names)).where(t.c.id.in_(chunk))
        ).mappings()
    ]
    updates = []
    for row in rows:
        values: dict[str, Any] = {}
        for name in names:
            how, value, column = treat[name], row[name], t.c[name]
            if how == Erase.BLANK:
                values[name] = _blank(value, column)
            elif how == Erase.NAME:
                values[name] = "Erased" if name == "first_name" else kind.value
            elif how == Erase.PLACEHOLDER:
                # Unique per row: the person's reference on their own row, else the row's id.
                row_id = int(row["id"])
                own = rule.subject_table
                values[name] = f"erased-{reference(kind, row_id) if own else row_id}"
            elif how == Erase.COARSEN:
                values[name] = None if value is None else round(float(value), 2)
            elif how == Erase.AGE_BAND:
                values[name] = None
                if "age_band" in t.c:
                    values["age_band"] = age_band(value, clock.today(now))
            elif how == Erase.REDACT_VALUES:
                values[name] = {k: [ERASED, ERASED] for k in (value or {})}
        if values:
            updates.append((int(row["id"]), values))
    update_rows(t, updates)
    return len(updates)


def _blank(value: Any, column: sa.Column[Any]) -> Any:
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    if value is None or column.nullable:
        return None
    return ""


def _earlier_identifiers(kind: Kind, person_ids: Sequence[int]) -> list[str]:
    """Old names, numbers and addresses from the people's audit rows (before they are redacted)."""
    entity = BY_TABLE[PEOPLE_TABLES[kind]].audit_entity
    found: set[str] = set()
    for chunk in _chunks(person_ids):
        rows = db.session.scalars(
            sa.select(AuditLog.changes).where(
                AuditLog.entity_type == entity, AuditLog.entity_id.in_(chunk)
            )
        )
        for changes in rows:
            for name in _IDENTIFYING_FIELDS:
                for value in (changes or {}).get(name) or ():
                    if isinstance(value, str) and len(value.strip()) >= 4 and value != ERASED:
                        found.add(value)
    return sorted(found, key=len, reverse=True)


# Up to this many identifiers the database finds the rows (one LIKE each); beyond (a retention
# batch), every non-empty value is read once and matched in Python with one trie-shaped regex,
# since hundreds of ILIKEs per row are slow on PostgreSQL.
SQL_SWEEP_MAX = 40


def _sweep(strings: Sequence[str]) -> dict[str, int]:
    """Replace the identifiers in every free-text column of every table (other people's rows)."""
    sql_max = SQL_SWEEP_MAX
    strings = sorted({s for s in strings if s.strip()}, key=len, reverse=True)
    if not strings:
        return {}
    pattern = trie_pattern(strings)
    changed: dict[str, int] = {}
    sqlite = db.engine.dialect.name == "sqlite"
    for rule in REGISTRY:
        t = table(rule.table)
        for name, col in rule.columns.items():
            if not col.sweep:
                continue
            text = sa.cast(t.c[name], sa.Text)
            if len(strings) <= sql_max:
                where = _contains_any(text, strings, sqlite=sqlite)
            else:
                where = sa.and_(t.c[name].is_not(None), text != "")
            rows = db.session.execute(sa.select(t.c.id, t.c[name]).where(where))
            updates = []
            for row_id, value in rows:
                cleaned = _replace(value, pattern)
                if cleaned != value:
                    updates.append((int(row_id), {name: cleaned}))
            update_rows(t, updates)
            if updates:
                changed[rule.table] = changed.get(rule.table, 0) + len(updates)
    return changed


def trie_pattern(strings: Sequence[str]) -> re.Pattern[str]:
    """One case-insensitive regex matching any of ``strings``, longest first, shaped as a trie.

    A plain alternation of hundreds of strings is tried one by one at every position; the trie
    shares prefixes, so a batch's identifiers are matched in one pass.
    """
    trie: dict[str, Any] = {}
    for text in strings:
        node = trie
        for char in text.lower():
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie), re.IGNORECASE)


def _contains_any(
    text: sa.ColumnElement[Any], needles: Sequence[str], *, sqlite: bool
) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains any of": SQLite's LIKE (which ignores ASCII case); on
    PostgreSQL one ``~*`` regex of the literal needles (one pass, where ILIKEs scan once each).
    """
    if sqlite:
        return sa.or_(*(text.like(f"%{_escape(n)}%", escape="\\") for n in needles))
    alternatives = "|".join(_ASCII_PUNCTUATION.sub(r"\\\g<0>", n) for n in needles)
    return text.op("~*")(f"({alternatives})")


# Escaped with a backslash in a PostgreSQL regex: in its ARE syntax a backslash before a
# non-alphanumeric character is that character, literally.
_ASCII_PUNCTUATION = re.compile(r"[ -/:-@\[-`{-~]")


def _sweep_mentions(kind: Kind, person_id: int, phone: Any, first_name: str) -> dict[str, int]:
    """Remove the first name, as a word, from rows that mention the person (registry.mentions)."""
    if len(first_name.strip()) < 2:
        return {}
    pattern = re.compile(rf"\b{re.escape(first_name)}\b", re.IGNORECASE)
    changed: dict[str, int] = {}
    for rule in REGISTRY:
        if kind not in rule.mentions:
            continue
        t = table(rule.table)
        ids = linked_ids(rule, kind, person_id, phone, mentions=True)
        columns = [n for n, c in rule.columns.items() if c.sweep]
        rows = db.session.execute(
            sa.select(t.c.id, *(t.c[n] for n in columns)).where(t.c.id.in_(ids))
        )
        for row in rows.mappings():
            values = {n: _replace(row[n], pattern) for n in columns}
            values = {n: v for n, v in values.items() if v != row[n]}
            if values:
                db.session.execute(sa.update(t).where(t.c.id == row["id"]).values(**values))
                changed[rule.table] = changed.get(rule.table, 0) + 1
    return changed


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _replace(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_replace(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, pattern) for k, v in value.items()}
    return value
