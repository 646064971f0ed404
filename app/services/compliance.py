"""Volunteer drivers' checks: the one rule of who may drive on a day, and what falls due.

Issue 13: a transport scheme for vulnerable adults keeps, for every driver, a DBS check at the
right level (dispatch needs an enhanced check with the adults' barred list; configurable with
``DRIVER_DBS_LEVEL``) re-checked through the update service at least every
``DBS_RECHECK_DAYS``, a driving licence check every ``LICENCE_RECHECK_DAYS``, insurance and an
MOT in date, and a mobile (routes go by text). :func:`may_drive_on` is the only place that
decides; building the day's problem (``rota._drivers``), pinning a lift (``rota.pin_lift``), the
pin page's warnings, the dashboard and the checks-due list all ask it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import phonenumbers
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import DbsLevel
from app.models import Volunteer
from app.services.people import drivers_free_on
from app.services.phones import is_mobile

LEVEL_ORDER = (DbsLevel.BASIC, DbsLevel.STANDARD, DbsLevel.ENHANCED, DbsLevel.ENHANCED_BARRED)
LEVEL_WORDS = {
    DbsLevel.BASIC: "basic",
    DbsLevel.STANDARD: "standard",
    DbsLevel.ENHANCED: "enhanced",
    DbsLevel.ENHANCED_BARRED: "enhanced with the adults' barred list",
}
DUE_WITHIN_DAYS = 30


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def required_level() -> DbsLevel:
    """The DBS level a driver needs (``DRIVER_DBS_LEVEL``; enhanced with barred list)."""
    return DbsLevel(str(current_app.config.get("DRIVER_DBS_LEVEL") or "enhanced_barred"))


@dataclass(frozen=True, slots=True)
class Check:
    """One check a driver needs: what, until when it holds, and what is wrong now if anything.

    ``until`` is None for a check that is not a date (the DBS level, a mobile) or one not
    recorded; ``problem`` says in words why it fails whatever the day.
    """

    what: str
    until: dt.date | None
    problem: str | None = None


def _plus(day: dt.date | None, days: int) -> dt.date | None:
    return day + dt.timedelta(days=days) if day is not None else None


def driver_checks(volunteer: Volunteer) -> list[Check]:
    """Every check a driver needs, with the last day each holds (the one list of them)."""
    config = current_app.config
    needed = required_level()
    checks: list[Check] = []
    try:
        mobile = bool(volunteer.phone) and is_mobile(volunteer.phone)
    except phonenumbers.NumberParseException:
        mobile = False
    checks.append(
        Check("mobile", None, None if mobile else "Their phone is not a mobile: routes go by text.")
    )
    level = volunteer.dbs_level
    if level is None:
        problem: str | None = "No DBS level is recorded."
    elif LEVEL_ORDER.index(level) < LEVEL_ORDER.index(needed):
        problem = f"Their DBS check is {LEVEL_WORDS[level]}; driving needs {LEVEL_WORDS[needed]}."
    else:
        problem = None
    checks.append(Check("DBS level", None, problem))
    checked = max(
        (d for d in (volunteer.dbs_issued_on, volunteer.dbs_update_checked_on) if d), default=None
    )
    dbs_until = _plus(checked, int(config.get("DBS_RECHECK_DAYS", 365)))
    if volunteer.dbs_valid_until is not None:
        dbs_until = min(d for d in (dbs_until, volunteer.dbs_valid_until) if d is not None)
    checks.append(
        Check(
            "DBS check",
            dbs_until,
            None if dbs_until is not None else "No DBS issue or update-service check date.",
        )
    )
    licence_until = _plus(
        volunteer.licence_checked_on, int(config.get("LICENCE_RECHECK_DAYS", 365))
    )
    checks.append(
        Check(
            "driving licence check",
            licence_until,
            None if licence_until else "No driving licence check is recorded.",
        )
    )
    checks.append(
        Check(
            "insurance",
            volunteer.insurance_expires_on,
            None if volunteer.insurance_expires_on else "No insurance expiry is recorded.",
        )
    )
    checks.append(
        Check(
            "MOT",
            volunteer.mot_expires_on,
            None if volunteer.mot_expires_on else "No MOT expiry is recorded.",
        )
    )
    return checks


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a volunteer may drive on a day, and why not in words.

    ``valid_until`` is the last day every check holds (None when one fails whatever the day):
    the optimizer's driver carries it, so the planner and its validator ask the same rule.
    """

    ok: bool
    reasons: tuple[str, ...]
    valid_until: dt.date | None

    def __bool__(self) -> bool:
        return self.ok

    def summary(self) -> str:
        return " ".join(self.reasons)


def may_drive_on(volunteer: Volunteer, day: dt.date) -> Decision:
    """May ``volunteer`` drive residents on ``day``? Every check must hold that day."""
    reasons: list[str] = []
    if not volunteer.is_driver:
        reasons.append("They are not a driver.")
    if not volunteer.active:
        reasons.append("They are archived.")
    checks = driver_checks(volunteer)
    for check in checks:
        if check.problem is not None:
            reasons.append(check.problem)
        elif check.until is not None and check.until < day:
            reasons.append(f"Their {check.what} ran out on {_day(check.until)}.")
    valid_until = None
    if not any(c.problem for c in checks):
        valid_until = min(c.until for c in checks if c.until is not None)
    return Decision(ok=not reasons, reasons=tuple(reasons), valid_until=valid_until)


@dataclass(frozen=True, slots=True)
class Due:
    """A check that runs out soon or has run out (or was never recorded)."""

    what: str
    until: dt.date | None
    words: str


def checks_due(
    volunteer: Volunteer, today: dt.date, *, within_days: int = DUE_WITHIN_DAYS
) -> list[Due]:
    """The checks of a driver to renew in the next ``within_days`` days (or already failing)."""
    horizon = today + dt.timedelta(days=within_days)
    due: list[Due] = []
    for check in driver_checks(volunteer):
        if check.problem is not None:
            due.append(Due(check.what, None, check.problem))
        elif check.until is not None and check.until < today:
            due.append(Due(check.what, check.until, f"{check.what} ran out on {_day(check.until)}"))
        elif check.until is not None and check.until <= horizon:
            due.append(
                Due(check.what, check.until, f"{check.what} runs out on {_day(check.until)}")
            )
    return due


@dataclass(frozen=True, slots=True)
class DriverDue:
    """A driver with checks to renew soon, soonest first."""

    volunteer: Volunteer
    due: list[Due]

    @property
    def soonest(self) -> dt.date:
        return min((d.until for d in self.due if d.until is not None), default=dt.date.min)


def drivers_with_checks_due(
    today: dt.date, *, within_days: int = DUE_WITHIN_DAYS
) -> list[DriverDue]:
    """Active drivers with a check running out in the next ``within_days`` days, or failing."""
    drivers = db.session.scalars(
        sa.select(Volunteer)
        .where(Volunteer.is_driver.is_(True), Volunteer.active.is_(True))
        .order_by(Volunteer.last_name, Volunteer.first_name)
    ).all()
    found = [
        DriverDue(v, due) for v in drivers if (due := checks_due(v, today, within_days=within_days))
    ]
    return sorted(found, key=lambda d: (d.soonest, d.volunteer.last_name))


def warnings_on_save(volunteer: Volunteer, today: dt.date) -> list[str]:
    """What a coordinator should hear after saving a driver: the checks that stop them driving.

    A DBS that ran out in 2025 still saves (the record is true), with this warning shown.
    """
    if not volunteer.is_driver:
        return []
    decision = may_drive_on(volunteer, today)
    if decision.ok:
        return []
    return [
        f"{volunteer.full_name} will not be planned to drive until this is fixed: {r}"
        for r in decision.reasons
    ]


def free_drivers_who_may_drive(day: dt.date) -> int:
    """How many drivers are free on ``day`` and may drive then (the dashboard's count)."""
    return sum(1 for d in drivers_free_on(day) if may_drive_on(d.volunteer, day))
