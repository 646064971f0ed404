"""The risk tier in words (issue 16) and the loneliness screen's published scoring."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import InvalidInput
from app.models import OutreachTier
from app.services.risk import RiskInput
from app.services.risk import assess
from app.services.screening import ScreenResult
from app.services.screening import check_answers
from app.services.screening import ons_from_reply

TODAY = dt.date(2026, 12, 2)


def test_the_issues_example_reads_in_words():
    """'High: lonely (UCLA 7), …, bereaved 2 months ago, lives alone'."""
    tier = assess(
        RiskInput(
            screen=ScreenResult(7, 5, TODAY, "phone"),
            life_events=(("bereavement", dt.date(2026, 10, 1)),),
            lives_alone=True,
        ),
        today=TODAY,
        points={},
    )
    assert tier.level == OutreachTier.HIGH
    assert tier.words.startswith("High: ")
    for part in (
        "lonely (UCLA 7)",
        "feels lonely often or always",
        "bereaved 2 months ago",
        "lives alone",
    ):
        assert part in tier.words


def test_a_recent_life_event_at_45_to_54_is_flagged():
    """The borough found 45-54 year olds after a life change hardest hit."""
    data = RiskInput(
        life_events=(("redundancy", dt.date(2026, 6, 1)),), date_of_birth=dt.date(1975, 1, 1)
    )
    tier = assess(data, today=TODAY, points={})
    assert "life change at 51 (45-54)" in tier.words
    older = assess(
        RiskInput(life_events=data.life_events, date_of_birth=dt.date(1950, 1, 1)),
        today=TODAY,
        points={},
    )
    assert "45-54" not in older.words and older.points < tier.points


def test_old_events_do_not_count_and_no_data_is_low():
    """An event over 12 months ago adds nothing; nothing known is Low."""
    assert (
        assess(
            RiskInput(life_events=(("divorce", dt.date(2020, 1, 1)),)), today=TODAY, points={}
        ).level
        == OutreachTier.LOW
    )
    assert assess(RiskInput(), today=TODAY, points={}).words == "Low"


def test_safeguarding_is_always_urgent():
    """At risk of harm now beats every score."""
    tier = assess(RiskInput(urgent=True), today=TODAY, points={})
    assert tier.level == OutreachTier.URGENT and tier.words == "Urgent: at risk of harm now"


def test_points_and_thresholds_are_configurable(app):
    """RISK_POINTS changes one key and leaves the rest."""
    data = RiskInput(lives_alone=True, housebound=True)
    assert assess(data, today=TODAY).level == OutreachTier.MEDIUM
    app.config["RISK_POINTS"] = {"lives_alone": 5}
    assert assess(data, today=TODAY).level == OutreachTier.HIGH


def test_ucla_scores_3_to_9_and_6_or_more_is_lonely():
    """Each item 1-3 (hardly ever or never / some of the time / often)."""
    total, ons = check_answers({"companionship": 2, "left_out": 2, "isolated": 2}, 3)
    assert (total, ons) == (6, 3)
    assert ScreenResult(6, 3, TODAY, "phone").lonely
    assert not ScreenResult(5, 3, TODAY, "phone").lonely


@pytest.mark.parametrize(
    ("ucla", "ons", "field"),
    [
        ({"companionship": 4, "left_out": 2, "isolated": 2}, 3, "companionship"),
        ({"companionship": 2, "left_out": None, "isolated": 2}, 3, "left_out"),
        ({"companionship": 2, "left_out": 2, "isolated": 0}, 3, "isolated"),
        ({"companionship": 2, "left_out": 2, "isolated": 2}, 6, "ons"),
    ],
)
def test_an_answer_outside_the_scale_names_the_question(ucla, ons, field):
    """Out of range: refused, naming the question."""
    with pytest.raises(InvalidInput) as caught:
        check_answers(ucla, ons)
    assert caught.value.field == field


def test_ons_text_replies_follow_the_published_order():
    """Reply 1 = often or always (stored 5) … 5 = never (stored 1); 6 is not an answer."""
    assert [ons_from_reply(n) for n in range(0, 7)] == [None, 5, 4, 3, 2, 1, None]
