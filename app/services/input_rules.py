"""The one place that decides what text, numbers and dates may come in (issue 11).

Found by testing: a NUL byte, a 10,000-character first name or ``car_seats=99999999999999999999``
crashed PostgreSQL pages with a 500, and lifts could be booked for 1900 or 9999. The rules:

- **Characters**: no NUL and no control characters other than tab, line feed and carriage return
  (:func:`bad_character`). Forms and query strings are checked for every request
  (``routes/input_guard.py``); an inbound text is never refused — it is stored first, with such
  characters replaced (:func:`clean_inbound_text`).
- **Lengths and numbers**: every string column's declared length, and every integer column's
  range, is checked before anything is written (:func:`check_row`, run on every flush), so a
  form field gets "First name is too long" next to it instead of a database error.
- **Dates**: lifts from today (London time) to a year ahead (:func:`check_lift_day`); dates of
  birth from 1900 to today (:func:`check_birth_date`); a day asked for in an address between
  2000 and 2100 (:func:`parse_day`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import sqlalchemy as sa

from app.errors import InvalidFields
from app.errors import InvalidInput
from app.errors import NotFound
from app.services import clock

T = TypeVar("T")

# Longest value accepted in any one form field or query argument; columns set tighter limits.
MAX_FIELD_CHARS = 20_000
# An SMS is at most 1,600 characters at Twilio; anything longer is kept up to this many.
MAX_INBOUND_CHARS = 5_000
# The largest id or count PostgreSQL's INTEGER holds (ids in addresses are checked against it).
MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1
LIFT_DAYS_AHEAD = 366
EARLIEST_BIRTH = dt.date(1900, 1, 1)
VIEW_DAY_MIN = dt.date(2000, 1, 1)
VIEW_DAY_MAX = dt.date(2100, 12, 31)
_ALLOWED_CONTROLS = frozenset("\t\n\r")
REPLACEMENT = "\ufffd"


def label_of(field: str) -> str:
    """``car_seats`` -> ``Car seats``: how a field is named in a message."""
    return field.replace("_", " ").strip().capitalize() or "This field"


def bad_character(value: str) -> str | None:
    """Describe the first character that cannot be stored (NUL, a control character), or None."""
    for ch in value:
        if ch in _ALLOWED_CONTROLS:
            continue
        if ch == "\x00":
            return "a NUL byte"
        category = unicodedata.category(ch)
        if category == "Cc":
            return f"a control character (U+{ord(ch):04X})"
        if category == "Cs":
            return "a broken character (an unpaired surrogate)"
    return None


def check_text(value: str, *, field: str, max_chars: int | None = None) -> str:
    """Return ``value`` if it has no bad character and fits ``max_chars``; else InvalidInput."""
    bad = bad_character(value)
    if bad is not None:
        msg = f"{label_of(field)} contains {bad}, which cannot be stored. Remove it and try again."
        raise InvalidInput(msg, field=field)
    limit = MAX_FIELD_CHARS if max_chars is None else max_chars
    if len(value) > limit:
        msg = f"{label_of(field)} is too long ({len(value):,} characters; at most {limit:,})."
        raise InvalidInput(msg, field=field)
    return value


def check_int(value: int, *, field: str, low: int = -MAX_INT - 1, high: int = MAX_INT) -> int:
    """Return ``value`` if ``low <= value <= high``; else InvalidInput naming the range."""
    if not low <= value <= high:
        msg = f"{label_of(field)} must be between {low:,} and {high:,}."
        raise InvalidInput(msg, field=field)
    return value


def clean_inbound_text(body: str) -> str:
    """An inbound text made storable: bad characters replaced, length capped. Never refuses."""
    cleaned = "".join(
        REPLACEMENT
        if (ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"))
        else ch
        for ch in body
    )
    if len(cleaned) > MAX_INBOUND_CHARS:
        cleaned = cleaned[: MAX_INBOUND_CHARS - 1] + "…"
    return cleaned


def check_lift_day(day: dt.date, *, today: dt.date | None = None, field: str = "day") -> dt.date:
    """A lift may be booked from today (London time) to a year ahead."""
    today = today or clock.today()
    last = today + dt.timedelta(days=LIFT_DAYS_AHEAD)
    if day < today:
        msg = f"{day:%-d %B %Y} has passed; a lift can be booked from today ({today:%-d %B})."
        raise InvalidInput(msg, field=field)
    if day > last:
        msg = f"Lifts can be booked up to a year ahead (until {last:%-d %B %Y})."
        raise InvalidInput(msg, field=field)
    return day


def check_birth_date(
    born: dt.date, *, today: dt.date | None = None, field: str = "date_of_birth"
) -> dt.date:
    """A date of birth lies between 1 January 1900 and today."""
    today = today or clock.today()
    if not EARLIEST_BIRTH <= born <= today:
        msg = f"A date of birth must be between 1900 and today ({born:%-d %B %Y} is not)."
        raise InvalidInput(msg, field=field)
    return born


def parse_day(raw: str, *, field: str = "day") -> dt.date:
    """A day from an address or form (``YYYY-MM-DD``) within 2000..2100; else InvalidInput."""
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        msg = f"'{raw[:40]}' is not a date (use YYYY-MM-DD)."
        raise InvalidInput(msg, field=field) from None
    if not VIEW_DAY_MIN <= day <= VIEW_DAY_MAX:
        msg = f"{label_of(field)} must be between {VIEW_DAY_MIN.year} and {VIEW_DAY_MAX.year}."
        raise InvalidInput(msg, field=field)
    return day


def parse_id(raw: str | None) -> int | None:
    """An id from an address: digits that fit the database, else None (nothing matches)."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_INT else None


def _int_bounds(column_type: Any) -> tuple[int, int] | None:
    if isinstance(column_type, sa.SmallInteger):
        return (-(2**15), 2**15 - 1)
    if isinstance(column_type, sa.BigInteger):
        return (-MAX_BIGINT - 1, MAX_BIGINT)
    if isinstance(column_type, sa.Integer):
        return (-MAX_INT - 1, MAX_INT)
    return None


def check_row(obj: Any) -> None:
    """Check every string and integer column of a row about to be written; InvalidInput if not.

    Run for every new or changed row on flush (``install_row_checks``), so no path (form, text,
    command, import) can hand the database a value it would refuse with an error page.
    """
    state = sa.inspect(obj)
    for attr in state.mapper.column_attrs:
        # A changed row is judged on what changed, so an old odd value never blocks an edit.
        if state.persistent and not state.attrs[attr.key].history.has_changes():
            continue
        value = getattr(obj, attr.key, None)
        if value is None or isinstance(value, bool):
            continue
        column = attr.columns[0]
        column_type = column.type
        if isinstance(value, str) and isinstance(column_type, sa.String):
            length = getattr(column_type, "length", None)
            check_text(value, field=attr.key, max_chars=length or MAX_INBOUND_CHARS * 20)
        elif isinstance(value, int):
            bounds = _int_bounds(column_type)
            if bounds is not None:
                check_int(value, field=attr.key, low=bounds[0], high=bounds[1])


def install_row_checks(session: Any) -> None:
    """Run :func:`check_row` on every new and changed row before each flush of ``session``."""

    def _before_flush(sess: Any, _context: Any, _instances: Any) -> None:
        for obj in (*sess.new, *sess.dirty):
            check_row(obj)

    if not sa.event.contains(session, "before_flush", _before_flush):
        sa.event.listen(session, "before_flush", _before_flush)


class Problems:
    """Every refusal of one form, collected so the coordinator sees them all at once (issue 13).

    ``attempt(check, ...)`` runs one rule and keeps its answer (a ``DomainError`` naming a field)
    instead of stopping at it; ``raise_all()`` raises the one refusal as it was, or
    :class:`InvalidFields` with all of them.
    """

    def __init__(self) -> None:
        self.errors: list[InvalidInput | NotFound] = []

    def add(self, field: str | None, message: str) -> None:
        self._keep(InvalidInput(message, field=field))

    def _keep(self, exc: InvalidInput | NotFound) -> None:
        if exc.field is None or not self.has(exc.field):
            self.errors.append(exc)

    def attempt(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except (InvalidInput, NotFound) as exc:
            self._keep(exc)
            return None

    def has(self, field: str) -> bool:
        return any(e.field == field for e in self.errors)

    def raise_all(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidFields([(e.field, e.message) for e in self.errors])
