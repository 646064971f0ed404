"""The bureau's one clock: today in London across both clock changes, and one way to read a time."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask

from app.services import clock


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("instant", "today"),
    [
        # Spring forward on Sunday 29 March 2026 (01:00 UTC): London is an hour ahead after it.
        (utc(2026, 3, 28, 23, 30), dt.date(2026, 3, 28)),  # GMT: still Saturday
        (utc(2026, 3, 29, 0, 59), dt.date(2026, 3, 29)),
        (utc(2026, 3, 29, 22, 59), dt.date(2026, 3, 29)),  # 23:59 BST
        (utc(2026, 3, 29, 23, 0), dt.date(2026, 3, 30)),  # 00:00 BST Monday; UTC still Sunday
        # Fall back on Sunday 25 October 2026 (01:00 UTC): London is on UTC again after it.
        (utc(2026, 10, 24, 23, 0), dt.date(2026, 10, 25)),  # 00:00 BST Sunday
        (utc(2026, 10, 25, 0, 30), dt.date(2026, 10, 25)),
        (utc(2026, 10, 25, 23, 30), dt.date(2026, 10, 25)),  # GMT: still Sunday
        (utc(2026, 10, 26, 0, 0), dt.date(2026, 10, 26)),
    ],
)
def test_today_flips_at_london_midnight_across_both_clock_changes(app, instant, today):
    """'Today' is London's calendar day, also on the days the clocks go forward and back."""
    assert clock.today(instant) == today
    assert clock.tomorrow(instant) == today + dt.timedelta(days=1)


def test_today_without_an_instant_reads_the_one_system_clock(app, monkeypatch):
    """Every caller that gives no instant goes through clock.utcnow (so tests can freeze it)."""
    monkeypatch.setattr(clock, "utcnow", lambda: utc(2026, 7, 1, 23, 30))
    assert clock.today() == dt.date(2026, 7, 2)
    assert clock.tomorrow() == dt.date(2026, 7, 3)


def test_the_bureau_zone_comes_from_config(app: Flask):
    """A bureau elsewhere sets TIMEZONE; London is only the default."""
    app.config["TIMEZONE"] = "America/New_York"
    assert clock.today(utc(2026, 7, 2, 2, 0)) == dt.date(2026, 7, 1)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (dt.time(9, 5), "9:05am"),
        (dt.time(12), "12 noon"),
        (dt.time(14), "2pm"),
        (dt.time(0, 15), "12:15am"),
        (43500, "12:05pm"),
        (9 * 3600 + 8 * 60 + 40, "9:08am"),  # seconds are dropped, never rounded up
        (9 * 3600 + 8 * 60 + 59, "9:08am"),
        (None, ""),
    ],
)
def test_a_time_reads_as_people_say_it(value, said):
    """One formatter for pages, run sheets, texts and commands."""
    assert clock.time_of_day(value) == said


def test_an_instant_reads_in_london_time_in_summer_and_winter(app):
    """A stored UTC instant is shown as London's clock showed it, with no zone to work out."""
    assert clock.time_of_day(utc(2026, 7, 1, 13, 5)) == "2:05pm"
    assert clock.time_of_day(utc(2026, 12, 1, 13, 5)) == "1:05pm"
    now = utc(2026, 12, 2, 13)
    assert clock.stamp(utc(2026, 6, 30, 23, 30), now=now) == "1 Jul 12:30am"
    assert clock.stamp(utc(2025, 12, 1, 9), now=now) == "1 Dec 2025 9am"  # another year says so
    assert clock.stamp(None) == ""


def test_a_window_reads_with_both_ends(app):
    """Availability and pickup windows: ``9am–12:30pm``."""
    assert clock.time_range(dt.time(9), dt.time(12, 30)) == "9am–12:30pm"


APP = Path(__file__).resolve().parents[2] / "app"
# Who else may read the system clock: the UTC default of stored timestamps, and stopwatches.
_SERVER_DAY = re.compile(r"date\.today\(|datetime\.now\(\)|(?<!clock\.)utcnow\(|ZoneInfo\(")
_TEMPLATE_TIME = re.compile(r"strftime\(['\"][^'\"]*%[HIMp]")


def test_only_the_clock_decides_which_day_it_is():
    """No date.today(), naive now() or time zone outside services/clock.py (issue 10)."""
    offenders = [
        f"{path.relative_to(APP)}:{n}"
        for path in APP.rglob("*.py")
        if path.name != "clock.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if _SERVER_DAY.search(line)
    ]
    assert offenders == []


def test_templates_show_times_through_the_one_filter():
    """Pages format a time with |clock or |when, never their own strftime (issue 10)."""
    offenders = [
        f"{path.relative_to(APP)}:{n}"
        for path in (APP / "templates").rglob("*")
        if path.is_file()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if _TEMPLATE_TIME.search(line)
    ]
    assert offenders == []
