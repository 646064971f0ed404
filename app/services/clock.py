"""The bureau's one clock: which day it is, and how a time reads (issue 10, STYLE rule 26).

The bureau works in Europe/London (``TIMEZONE``), whatever the server's own zone: "today" flips
at London's midnight, also across the clock changes on the last Sundays of March and October.
Every page, run sheet, text and command shows a time through :func:`time_of_day`, so a driver's
text and the run sheet never disagree by a minute (they did: four formatters rounded
differently), and a stored UTC instant is shown in London time through :func:`stamp`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask import has_app_context

DEFAULT_ZONE = "Europe/London"
SECONDS_PER_DAY = 24 * 3600


def zone() -> ZoneInfo:
    """The bureau's time zone (``TIMEZONE``, Europe/London by default)."""
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(str(name or DEFAULT_ZONE))


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware in UTC (the one call that reads the system clock)."""
    return dt.datetime.now(dt.UTC)


def local(moment: dt.datetime | None = None) -> dt.datetime:
    """``moment`` (default: now) in the bureau's time zone; a naive value is taken as UTC."""
    moment = moment if moment is not None else utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone())


def today(now: dt.datetime | None = None) -> dt.date:
    """The bureau's calendar day at the instant ``now`` (default: now)."""
    return local(now).date()


def tomorrow(now: dt.datetime | None = None) -> dt.date:
    """The day after the bureau's today: the day that is planned this afternoon."""
    return today(now) + dt.timedelta(days=1)


def time_of_day(value: dt.time | dt.datetime | int | None) -> str:
    """A time as people say it: ``9:08am``, ``12 noon``, ``2pm``; the empty string for None.

    ``int`` values are seconds after the planning day's local midnight; datetimes are shown in
    the bureau's time zone. Seconds are dropped, never rounded up, as on any clock: a stop
    planned for 9:08:40 reads 9:08 on every page, sheet and text.
    """
    if value is None:
        return ""
    if isinstance(value, int):
        seconds = value % SECONDS_PER_DAY
        value = dt.time(seconds // 3600, (seconds % 3600) // 60)
    elif isinstance(value, dt.datetime):
        value = local(value).time()
    if value.hour == 12 and value.minute == 0:
        return "12 noon"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}:{value.minute:02d}{suffix}" if value.minute else f"{hour}{suffix}"


def time_range(start: dt.time | int | None, end: dt.time | int | None) -> str:
    """``9am–12:30pm``: a window with both ends read by :func:`time_of_day`."""
    return f"{time_of_day(start)}–{time_of_day(end)}"


def stamp(moment: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """When something happened, in London time: ``2 Dec 2:05pm``, with the year if not this one."""
    if moment is None:
        return ""
    at = local(moment)
    year = f" {at.year}" if at.year != today(now).year else ""
    return f"{at.day} {at:%b}{year} {time_of_day(at.time())}"
