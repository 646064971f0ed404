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
from app.services.personal_data import first_name_of
from app.services.personal_data import identifiers
from app.services.personal_data import linked_ids
from app.services.personal_data import person_row
from app.services.personal_data import rules_for
from app.services.personal_data import table
from app.services.personal_data import tombstone
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
    try:
        changed = _anonymise(kind, person_id, subject, now)
        erasure = Erasure(
            kind=kind.value,
            person_id=person_id,
            erased_at=now,
            erased_by_id=actor_id,
            source=source,
            reason=reason,
        )
        db.session.add(erasure)
        record_event(
            "erase",
            (BY_TABLE[PEOPLE_TABLES[kind]].audit_entity, person_id),
            staff_id=actor_id,
            now=now,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()
    return ErasureResult(kind, person_id, erasure.id, already=False, changed=changed)


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
    kind: Kind, person_id: int, subject: Mapping[str, Any], now: dt.datetime
) -> dict[str, int]:
    """Apply the registry's treatments to every row about the person, then sweep free text."""
    strings = identifiers(subject) + _earlier_identifiers(kind, person_id)
    phone = subject.get("phone")
    # Which rows are theirs is decided before anything changes (the phone link needs the phone).
    targets = [
        (rule, list(db.session.scalars(linked_ids(rule, kind, person_id, phone))))
        for rule in rules_for(kind)
    ]
    changed: dict[str, int] = {}
    for rule, ids in targets:
        if not ids:
            continue
        t = table(rule.table)
        if rule.delete_on_erase:
            db.session.execute(sa.delete(t).where(t.c.id.in_(ids)))
            changed[rule.table] = len(ids)
            continue
        treat = {
            n: c.erase
            for n, c in rule.columns.items()
            if c.erase != Erase.KEEP and kind in c.owners
        }
        if treat:
            changed[rule.table] = _treat_rows(rule, ids, treat, kind, person_id, now)
    # Off the books: no lists, no befriending, no texts, no simulator (state, not data).
    people = table(PEOPLE_TABLES[kind])
    stop = {"active": False, "sms_consent": False, "simulator_training": False}
    if kind == Kind.RESIDENT:
        stop["wants_befriender"] = False
    db.session.execute(sa.update(people).where(people.c.id == person_id).values(**stop))
    for name, count in _sweep(strings).items():
        changed[name] = changed.get(name, 0) + count
    for name, count in _sweep_mentions(kind, person_id, phone, first_name_of(subject)).items():
        changed[name] = changed.get(name, 0) + count
    return changed


def _treat_rows(
    rule: TableRule,
    ids: Sequence[int],
    treat: Mapping[str, Erase],
    kind: Kind,
    person_id: int,
    now: dt.datetime,
) -> int:
    t = table(rule.table)
    names = [n for n in treat if n in t.c]
    rows = db.session.execute(sa.select(t.c.id, *(t.c[n] for n in names)).where(t.c.id.in_(ids)))
    updates = []
    for row in rows.mappings():
        values: dict[str, Any] = {}
        for name in names:
            how, value, column = treat[name], row[name], t.c[name]
            if how == Erase.BLANK:
                values[name] = _blank(value, column)
            elif how == Erase.NAME:
                values[name] = "Erased" if name == "first_name" else kind.value
            elif how == Erase.PLACEHOLDER:
                values[name] = f"erased-{reference(kind, person_id)}"
            elif how == Erase.COARSEN:
                values[name] = None if value is None else round(float(value), 2)
            elif how == Erase.AGE_BAND:
                values[name] = None
                if "age_band" in t.c:
                    values["age_band"] = age_band(value, clock.today(now))
            elif how == Erase.REDACT_VALUES:
                values[name] = {k: [ERASED, ERASED] for k in (value or {})}
        if values:
            updates.append({"_id": row["id"], **values})
    for values in updates:
        db.session.execute(sa.update(t).where(t.c.id == values.pop("_id")).values(**values))
    return len(updates)


def _blank(value: Any, column: sa.Column[Any]) -> Any:
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    if value is None or column.nullable:
        return None
    return ""


def _earlier_identifiers(kind: Kind, person_id: int) -> list[str]:
    """Old names, numbers and addresses from the person's audit rows (before they are redacted)."""
    entity = BY_TABLE[PEOPLE_TABLES[kind]].audit_entity
    rows = db.session.scalars(
        sa.select(AuditLog.changes).where(
            AuditLog.entity_type == entity, AuditLog.entity_id == person_id
        )
    )
    found: set[str] = set()
    for changes in rows:
        for name in _IDENTIFYING_FIELDS:
            for value in (changes or {}).get(name) or ():
                if isinstance(value, str) and len(value.strip()) >= 4 and value != ERASED:
                    found.add(value)
    return sorted(found, key=len, reverse=True)


def _sweep(strings: Sequence[str]) -> dict[str, int]:
    """Replace the identifiers in every free-text column of every table (other people's rows)."""
    if not strings:
        return {}
    pattern = re.compile(
        "|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True)), re.IGNORECASE
    )
    changed: dict[str, int] = {}
    for rule in REGISTRY:
        t = table(rule.table)
        for name, col in rule.columns.items():
            if not col.sweep:
                continue
            text = sa.cast(t.c[name], sa.Text)
            likes = [text.ilike(f"%{_escape(s)}%", escape="\\") for s in strings]
            rows = db.session.execute(sa.select(t.c.id, t.c[name]).where(sa.or_(*likes))).all()
            for row_id, value in rows:
                cleaned = _replace(value, pattern)
                if cleaned != value:
                    db.session.execute(sa.update(t).where(t.c.id == row_id).values({name: cleaned}))
                    changed[rule.table] = changed.get(rule.table, 0) + 1
    return changed


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
