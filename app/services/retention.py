"""The retention schedule: what the bureau stops keeping, and when (issue 14).

Three rules, configured in ``app/config.py`` (``RETENTION_*``):

- a resident or volunteer with no activity for ``RETENTION_INACTIVE_YEARS`` is anonymised by
  :func:`app.services.erasure.erase_person` (source ``retention``); activity is the latest date
  of any row pointing at them, as the registry's ``activity`` columns say;
- the words of texts older than ``RETENTION_TEXT_MONTHS`` are blanked;
- audit rows older than ``RETENTION_AUDIT_YEARS`` keep who, when and which field, not values.

:func:`run_retention` is the one function; ``dry_run`` only counts. The command
(``flask retention run [--dry-run]``) and the daily RQ cron job call it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import AuditLog
from app.models import Message
from app.models.base import now_utc
from app.services.erasure import ERASED
from app.services.erasure import erase_people
from app.services.personal_data import PEOPLE_TABLES
from app.services.personal_data import REGISTRY
from app.services.personal_data import Kind
from app.services.personal_data import erased_ids
from app.services.personal_data import table
from app.services.personal_data import update_rows

RETENTION_REASON = "Retention schedule: no activity for {years} years."
# People erased per transaction: one sweep of other people's free text serves the batch.
BATCH = 100


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """The three periods; from the app's configuration unless a test gives its own."""

    inactive_years: int = 6
    text_months: int = 12
    audit_years: int = 6

    @classmethod
    def from_config(cls) -> RetentionSettings:
        config = current_app.config
        return cls(
            inactive_years=int(config["RETENTION_INACTIVE_YEARS"]),
            text_months=int(config["RETENTION_TEXT_MONTHS"]),
            audit_years=int(config["RETENTION_AUDIT_YEARS"]),
        )


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What a run did (or, dry, would do): ids only, never a name or a number."""

    dry_run: bool
    people: dict[Kind, list[int]] = field(default_factory=dict)
    texts: list[int] = field(default_factory=list)
    audit_rows: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in words, for the command and the job's log."""
        verb = "would" if self.dry_run else "did"
        lines = []
        for kind, ids in self.people.items():
            lines.append(f"{kind.value}s anonymised ({verb}): {len(ids)} {id_ranges(ids)}")
        lines.append(f"text words blanked ({verb}): {len(self.texts)} {id_ranges(self.texts)}")
        lines.append(
            f"audit rows redacted ({verb}): {len(self.audit_rows)} {id_ranges(self.audit_rows)}"
        )
        return lines


def run_retention(
    *,
    dry_run: bool,
    now: dt.datetime | None = None,
    settings: RetentionSettings | None = None,
) -> RetentionReport:
    """Apply the retention schedule (or, with ``dry_run``, say what it would do); safe to rerun."""
    now = now or now_utc()
    settings = settings or RetentionSettings.from_config()
    people = {
        kind: inactive_people(kind, _years_before(now, settings.inactive_years)) for kind in Kind
    }
    texts = old_texts(_months_before(now, settings.text_months))
    audit_rows = old_audit_rows(_years_before(now, settings.audit_years))
    report = RetentionReport(dry_run, people, texts, audit_rows)
    if dry_run:
        return report
    # Old words and values first: the people's erasure then has less free text to sweep.
    _blank_texts(texts)
    _redact_audit(audit_rows)
    db.session.commit()
    reason = RETENTION_REASON.format(years=settings.inactive_years)
    for kind, ids in people.items():
        for batch in _chunks(ids, BATCH):
            erase_people(kind, batch, reason=reason, actor_id=None, source="retention", now=now)
    return report


def inactive_people(kind: Kind, cutoff: dt.datetime) -> list[int]:
    """Ids of people of ``kind``, not yet erased, whose latest activity is before ``cutoff``."""
    latest: dict[int, dt.date] = {}
    for rule in REGISTRY:
        if not rule.activity:
            continue
        t = table(rule.table)
        for link in rule.links.get(kind, ()):
            if link.column is None or link.via is not None:
                continue
            who = t.c[link.column]
            for name in rule.activity:
                stmt = sa.select(who, sa.func.max(t.c[name])).where(who.is_not(None)).group_by(who)
                for person_id, when in db.session.execute(stmt):
                    day = _as_date(when)
                    if day is not None and (person_id not in latest or day > latest[person_id]):
                        latest[person_id] = day
    people = table(PEOPLE_TABLES[kind])
    erased = set(db.session.scalars(erased_ids(kind)))
    everyone = db.session.scalars(sa.select(people.c.id)).all()
    last_day = cutoff.date()
    return sorted(
        pid for pid in everyone if pid not in erased and latest.get(pid, dt.date.min) < last_day
    )


def old_texts(cutoff: dt.datetime) -> list[int]:
    """Ids of texts older than ``cutoff`` whose words are still there."""
    stmt = sa.select(Message.id).where(Message.created_at < cutoff, Message.body != "")
    return list(db.session.scalars(stmt.order_by(Message.id)))


def old_audit_rows(cutoff: dt.datetime) -> list[int]:
    """Ids of audit rows older than ``cutoff`` that still hold values."""
    rows = db.session.execute(
        sa.select(AuditLog.id, AuditLog.changes).where(AuditLog.at < cutoff).order_by(AuditLog.id)
    )
    return [row_id for row_id, changes in rows if _holds_values(changes)]


def _blank_texts(ids: list[int]) -> None:
    for chunk in _chunks(ids, 900):
        db.session.execute(sa.update(Message).where(Message.id.in_(chunk)).values(body=""))


def _redact_audit(ids: list[int]) -> None:
    updates = []
    for chunk in _chunks(ids, 900):
        rows = db.session.execute(
            sa.select(AuditLog.id, AuditLog.changes).where(AuditLog.id.in_(chunk))
        )
        for row_id, changes in rows.all():
            updates.append((int(row_id), {"changes": {k: [ERASED, ERASED] for k in changes or {}}}))
    update_rows(table("audit_log"), updates)


def _holds_values(changes: object) -> bool:
    if not isinstance(changes, dict):
        return False
    return any(value != [ERASED, ERASED] for value in changes.values())


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        # SQLite returns max() over a timestamp column as its stored text.
        return dt.date.fromisoformat(value[:10])
    return None


def _years_before(now: dt.datetime, years: int) -> dt.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _months_before(now: dt.datetime, months: int) -> dt.datetime:
    index = now.year * 12 + (now.month - 1) - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def id_ranges(ids: Iterable[int], *, limit: int = 20) -> str:
    """Ids as short ranges, "(ids 1-40, 52, 60-61)", at most ``limit`` ranges shown."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    if not ranges:
        return ""
    words = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:limit]]
    more = f", … {len(ranges) - limit} more ranges" if len(ranges) > limit else ""
    return f"(ids {', '.join(words)}{more})"
