"""Text wording helpers: GSM-7, parts, times, streets and even splitting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from app.services import sms_templates as words

TEMPLATES = Path(words.__file__).resolve().parents[1] / "templates" / "sms"


def test_typographic_characters_become_plain() -> None:
    """Curly quotes, dashes and ellipses are replaced so a text stays GSM-7."""
    assert words.to_gsm("It\u2019s \u201cfine\u201d \u2013 ok\u2026") == 'It\'s "fine" - ok...'
    assert words.is_gsm7("Café £5 @ 9:05am")
    assert not words.is_gsm7("Łukasz 👍")


@pytest.mark.parametrize(
    ("text", "parts"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("Ł" * 70, 1), ("Ł" * 71, 2)],
)
def test_parts_are_counted_like_the_network(text: str, parts: int) -> None:
    """160/153 characters per part in GSM-7, 70/67 otherwise."""
    assert words.segments(text) == parts


@pytest.mark.parametrize(
    ("address", "street"),
    [
        ("12 Ripple Road", "Ripple Road"),
        ("7a Longbridge Road", "Longbridge Road"),
        ("Flat 3, 40 Becontree Avenue", "Becontree Avenue"),
        ("Becontree Avenue", "Becontree Avenue"),
        (None, ""),
    ],
)
def test_streets_lose_house_and_flat_numbers(address: str | None, street: str) -> None:
    """A route text names the street, never the house."""
    assert words.street_of(address) == street


def test_lines_are_packed_evenly_within_the_limit() -> None:
    """Lines fill as few texts as fit, split evenly, none over the limit."""
    lines = [f"line {n:02d} " + "x" * 30 for n in range(12)]
    texts = words.pack(lines, limit=300)
    assert len(texts) == 2
    assert all(len(t) <= 300 for t in texts)
    assert abs(texts[0].count("\n") - texts[1].count("\n")) <= 1
    assert "\n".join(texts).split("\n") == lines


def test_no_template_asks_for_an_opt_out_word(app: Flask) -> None:
    """No wording tells anyone to reply or text STOP, CANCEL, END, QUIT or another opt-out."""
    asks = re.compile(
        r"\b(reply|text|send)\b[^.]*\b(stop|stopall|unsubscribe|end|quit|revoke|optout|cancel)\b",
        re.IGNORECASE,
    )
    for template in TEMPLATES.glob("*.txt"):
        assert not asks.search(template.read_text()), template.name
