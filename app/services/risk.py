"""The risk tier in words: one documented, configurable function (issue 16).

:func:`assess` adds points for what is known about a person and names each reason, so a
coordinator reads *why* ("High: lonely often (UCLA 7), bereaved 2 months ago, lives alone"),
never a bare number. Points and thresholds come from :data:`DEFAULT_POINTS`, overridden key by
key with the ``RISK_POINTS`` setting (``RISK_POINTS="lives_alone=3,high_from=7"``):

============================  ======  =====================================================
key                           points  when
============================  ======  =====================================================
``ucla_lonely``               3       UCLA 3-item score 6 or more (counts as lonely)
``ucla_very``                 1       extra when the UCLA score is 8 or 9
``ons_often``                 3       ONS question answered "often or always"
``ons_some``                  1       ONS question answered "some of the time"
``recent_event``              2       each life event in the last ``recent_months`` (max 2)
``midlife_event``             2       a recent life event at age 45-54 (the borough found
                                      45-54 year olds after a life change hardest hit)
``lives_alone``               2       lives alone
``housebound``                2       housebound
``no_transport``              1       no transport
``no_internet``               1       no internet
``recent_months``             12      how many months count as "recent"
``high_from``                 7       this many points or more: High
``medium_from``               3       this many points or more: Medium (else Low)
============================  ======  =====================================================

A safeguarding concern (at risk of harm now, or self-harm named) is always **Urgent**.
The tier is read when a day is planned (``services/lifts.py:lift_priority`` via the resident's
tier) and never copied into a lift at booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from flask import has_app_context

from app.models import OutreachTier
from app.models import Referral
from app.models import RiskTier
from app.services import clock
from app.services.screening import ScreenResult
from app.services.screening import latest_screen

DEFAULT_POINTS: dict[str, int] = {
    "ucla_lonely": 3,
    "ucla_very": 1,
    "ons_often": 3,
    "ons_some": 1,
    "recent_event": 2,
    "midlife_event": 2,
    "lives_alone": 2,
    "housebound": 2,
    "no_transport": 1,
    "no_internet": 1,
    "recent_months": 12,
    "high_from": 7,
    "medium_from": 3,
}
# How a life event reads after "…" in the tier's words.
EVENT_WORDS: dict[str, str] = {
    "bereavement": "bereaved",
    "divorce": "divorced or separated",
    "retirement": "retired",
    "reduced_mobility": "mobility reduced",
    "low_income": "on a low income",
    "no_technology": "lost access to technology",
    "redundancy": "made redundant",
    "new_parent": "became a parent",
    "addiction": "addiction",
    "homelessness": "homeless",
    "caring_role": "became a carer",
    "hospital_discharge": "left hospital",
    "moved_to_borough": "moved to the borough",
}


@dataclass(frozen=True, slots=True)
class RiskInput:
    """What is known about a person that bears on their risk of isolation."""

    screen: ScreenResult | None = None
    life_events: tuple[tuple[str, dt.date], ...] = ()
    date_of_birth: dt.date | None = None
    lives_alone: bool = False
    housebound: bool = False
    no_transport: bool = False
    no_internet: bool = False
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier and the reasons for it, most weighty first."""

    level: OutreachTier
    points: int
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def words(self) -> str:
        """E.g. ``High: lonely often (UCLA 7), bereaved 2 months ago, lives alone``."""
        head = self.level.value.capitalize()
        return f"{head}: {', '.join(self.reasons)}" if self.reasons else head


def points_setting() -> dict[str, int]:
    """The defaults with the ``RISK_POINTS`` setting laid over them."""
    configured: Mapping[str, int] = {}
    if has_app_context():
        configured = current_app.config.get("RISK_POINTS") or {}
    return {**DEFAULT_POINTS, **{k: int(v) for k, v in configured.items() if k in DEFAULT_POINTS}}


def _ago(when: dt.date, today: dt.date) -> str:
    months = (today.year - when.year) * 12 + today.month - when.month
    if months <= 0:
        return "this month"
    if months == 1:
        return "1 month ago"
    if months < 24:
        return f"{months} months ago"
    return f"{months // 12} years ago"


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def assess(data: RiskInput, *, today: dt.date, points: Mapping[str, int] | None = None) -> Tier:
    """The tier and its reasons for ``data`` on ``today`` (see the module's table)."""
    p = {**DEFAULT_POINTS, **(points if points is not None else points_setting())}
    score = 0
    reasons: list[tuple[int, str]] = []
    if data.urgent:
        reasons.append((100, "at risk of harm now"))
    screen = data.screen
    if screen is not None:
        if screen.lonely:
            extra = p["ucla_very"] if screen.ucla >= 8 else 0
            score += p["ucla_lonely"] + extra
            reasons.append((p["ucla_lonely"] + extra, f"lonely (UCLA {screen.ucla})"))
        if screen.ons == 5:
            score += p["ons_often"]
            reasons.append((p["ons_often"], "feels lonely often or always"))
        elif screen.ons == 4:
            score += p["ons_some"]
            reasons.append((p["ons_some"], "feels lonely some of the time"))
    cutoff_months = p["recent_months"]
    recent = sorted(
        (
            (event, on)
            for event, on in data.life_events
            if (today.year - on.year) * 12 + today.month - on.month <= cutoff_months
        ),
        key=lambda pair: pair[1],
        reverse=True,
    )
    for event, on in recent[:2]:
        score += p["recent_event"]
        words = EVENT_WORDS.get(event, event.replace("_", " "))
        reasons.append((p["recent_event"], f"{words} {_ago(on, today)}"))
    if recent and data.date_of_birth is not None:
        age = _age(data.date_of_birth, recent[0][1])
        if 45 <= age <= 54:
            score += p["midlife_event"]
            reasons.append((p["midlife_event"], f"life change at {age} (45-54)"))
    for flag, words in (
        ("lives_alone", "lives alone"),
        ("housebound", "housebound"),
        ("no_transport", "no transport"),
        ("no_internet", "no internet"),
    ):
        if getattr(data, flag):
            score += p[flag]
            reasons.append((p[flag], words))
    if data.urgent:
        level = OutreachTier.URGENT
    elif score >= p["high_from"]:
        level = OutreachTier.HIGH
    elif score >= p["medium_from"]:
        level = OutreachTier.MEDIUM
    else:
        level = OutreachTier.LOW
    ordered = tuple(words for _, words in sorted(reasons, key=lambda r: -r[0]))
    return Tier(level, score, ordered)


def life_events_of(referral: Referral) -> tuple[tuple[str, dt.date], ...]:
    """A referral's life events as (event, approximate date) pairs."""
    out: list[tuple[str, dt.date]] = []
    for item in referral.life_events or []:
        try:
            out.append((str(item["event"]), dt.date.fromisoformat(str(item["on"]))))
        except (KeyError, ValueError):
            continue
    return tuple(out)


def input_for(referral: Referral) -> RiskInput:
    """Everything the tier reads about a referral: its screen, events, situation, age."""
    born = referral.date_of_birth
    if born is None and referral.resident is not None:
        born = referral.resident.date_of_birth
    return RiskInput(
        screen=latest_screen(referral),
        life_events=life_events_of(referral),
        date_of_birth=born,
        lives_alone=referral.lives_alone,
        housebound=referral.housebound,
        no_transport=referral.no_transport,
        no_internet=referral.no_internet,
        urgent=referral.urgent,
    )


def refresh_tier(referral: Referral, *, now: dt.datetime | None = None) -> Tier:
    """Recompute a referral's tier and words; a linked resident's tier follows it.

    The resident's tier is what planning reads for the priority of their lifts.
    """
    tier = assess(input_for(referral), today=clock.today(now))
    referral.tier = tier.level
    referral.tier_words = tier.words[:500]
    if referral.resident is not None:
        referral.resident.risk_tier = resident_tier(tier.level)
    return tier


def resident_tier(level: OutreachTier) -> RiskTier:
    """The resident's isolation risk for a referral's tier (urgent counts as high)."""
    if level in (OutreachTier.URGENT, OutreachTier.HIGH):
        return RiskTier.HIGH
    return RiskTier(level.value)
