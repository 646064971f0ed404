"""The loneliness screen: the UCLA 3-item scale and the ONS direct question (issue 16).

Wording and scoring are the ONS national indicators of loneliness, as published in the GSS
harmonised standard; see ``docs/loneliness-screen.md`` for the sources. Staff take the screen
on a call, or the person answers by text with numbered replies when they agreed to texts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.errors import InvalidInput
from app.extensions import db
from app.models import Referral
from app.models import Screening
from app.models.base import now_utc
from app.services import clock
from app.services.audit import record_change

UCLA = "ucla3"
ONS = "ons_direct"
INTRODUCTION = (
    "The next four questions are about relationships with others. For each one, please say "
    "how often (if at all) you feel that way."
)
# (answer key, published question)
UCLA_ITEMS: tuple[tuple[str, str], ...] = (
    ("companionship", "How often do you feel that you lack companionship?"),
    ("left_out", "How often do you feel left out?"),
    ("isolated", "How often do you feel isolated from others?"),
)
# Published options in published order, each with its score (1-3; the total runs 3-9).
UCLA_OPTIONS: tuple[tuple[int, str], ...] = (
    (1, "Hardly ever or never"),
    (2, "Some of the time"),
    (3, "Often"),
)
UCLA_LONELY_FROM = 6
ONS_QUESTION = "How often do you feel lonely?"
# Published options in published order; the number is the reply a person texts (1 = often or
# always). We store a frequency score 5..1 (5 = often or always) so "higher = lonelier" holds
# for both instruments.
ONS_OPTIONS: tuple[tuple[int, str], ...] = (
    (5, "Often or always"),
    (4, "Some of the time"),
    (3, "Occasionally"),
    (2, "Hardly ever"),
    (1, "Never"),
)
METHODS = ("phone", "text")


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """One screen: the UCLA total (3-9), the ONS frequency (1-5), and the words for both."""

    ucla: int
    ons: int
    taken_on: dt.date
    method: str

    @property
    def lonely(self) -> bool:
        """6 or more on the UCLA 3-item scale counts as lonely."""
        return self.ucla >= UCLA_LONELY_FROM

    @property
    def ons_words(self) -> str:
        return dict(ONS_OPTIONS)[self.ons].lower()


def ucla_option_words(score: int) -> str:
    """The published answer for a UCLA item score."""
    return dict(UCLA_OPTIONS)[score]


def check_answers(ucla_answers: dict[str, int | None], ons: int | None) -> tuple[int, int]:
    """Refuse a missing or out-of-range answer (naming the question); return (UCLA, ONS)."""
    total = 0
    for key, question in UCLA_ITEMS:
        value = ucla_answers.get(key)
        if value not in dict(UCLA_OPTIONS):
            msg = f"Choose an answer from 1 to 3 for “{question}”"
            raise InvalidInput(msg, field=key)
        total += int(value)
    if ons not in dict(ONS_OPTIONS):
        msg = f"Choose one of the five answers for “{ONS_QUESTION}”"
        raise InvalidInput(msg, field="ons")
    return total, int(ons)


def ons_from_reply(reply: int) -> int | None:
    """The stored ONS score for a texted reply number (1 = often or always ... 5 = never)."""
    return 6 - reply if 1 <= reply <= len(ONS_OPTIONS) else None


def record_screen(
    referral: Referral,
    ucla_answers: dict[str, int | None],
    ons: int | None,
    *,
    method: str,
    actor_id: int | None,
    now: dt.datetime | None = None,
) -> ScreenResult:
    """Store both scores of one screen for ``referral`` (the caller refreshes the tier, commits).

    Nothing is stored when any answer is missing or out of range.
    """
    if method not in METHODS:
        msg = f"A screen is taken by phone or by text, not {method[:20]!r}."
        raise InvalidInput(msg, field="method")
    ucla, ons_score = check_answers(ucla_answers, ons)
    now = now or now_utc()
    day = clock.today(now)
    common = {
        "resident_id": referral.resident_id,
        "referral_id": referral.id,
        "taken_on": day,
        "taken_at": now,
        "method": method,
        "taken_by_id": actor_id,
    }
    rows = [
        Screening(
            instrument=UCLA,
            score=ucla,
            answers={k: int(ucla_answers[k] or 0) for k, _ in UCLA_ITEMS},
            **common,
        ),
        Screening(instrument=ONS, score=ons_score, answers={"ons": ons_score}, **common),
    ]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        record_change(actor_id=actor_id, action="screen", entity=row, now=now)
    return ScreenResult(ucla, ons_score, day, method)


def latest_screen(referral: Referral) -> ScreenResult | None:
    """The most recent complete screen of this referral (or of its resident), or None."""
    conditions = [Screening.referral_id == referral.id]
    if referral.resident_id is not None:
        conditions.append(Screening.resident_id == referral.resident_id)
    rows = db.session.scalars(
        sa.select(Screening)
        .where(sa.or_(*conditions))
        .order_by(Screening.taken_at.desc(), Screening.id.desc())
        .limit(10)
    ).all()
    ucla = next((r for r in rows if r.instrument == UCLA), None)
    ons = next((r for r in rows if r.instrument == ONS), None)
    if ucla is None or ons is None:
        return None
    return ScreenResult(ucla.score, ons.score, ucla.taken_on, ucla.method)


def screens_of(referral: Referral) -> list[Screening]:
    """Every screening row of this referral, newest first (who took it, when, how)."""
    return list(
        db.session.scalars(
            sa.select(Screening)
            .where(Screening.referral_id == referral.id)
            .order_by(Screening.taken_at.desc(), Screening.id)
        )
    )
