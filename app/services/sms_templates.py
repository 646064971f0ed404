"""Text wording: ``templates/sms/*.txt`` rendered to plain GSM-7 text, and the small formatters.

A text in the GSM-7 alphabet fits 160 characters in one part; one character outside it (a curly
quote, an emoji) halves that, so typographic characters from templates or names are replaced
with plain ones where a plain one means the same.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask import render_template

# The GSM 03.38 basic alphabet and its extension table (each extension character costs two).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "-",
        "\u2192": "->",
    }
)
# One part of a multi-part text: 153 GSM-7 characters (160 less the joining header).
SEGMENT_GSM7 = 153
# How long one text of a driver's route may be: three parts, still read as one message.
ROUTE_TEXT_LIMIT = 3 * SEGMENT_GSM7
# A reply to someone's text is at most two parts (issue 15): a menu that needs a third is cut.
REPLY_PARTS = 2
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_HOUSE = re.compile(r"^\s*(?:(?:flat|apartment|apt|unit)\s+\w+\s*,?\s*)?\d+[a-z]?\s*,?\s*", re.I)


def to_gsm(text: str) -> str:
    """Replace typographic characters with their plain GSM-7 equivalents."""
    return text.translate(_PLAIN)


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 alphabet."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """How many parts the network splits ``text`` into (GSM-7: 160/153; else UCS-2: 70/67)."""
    if is_gsm7(text):
        length = len(text) + sum(1 for ch in text if ch in GSM7_EXTENSION)
        single, part = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)


def fits(text: str, parts: int = REPLY_PARTS) -> bool:
    """True when ``text`` goes out in at most ``parts`` parts."""
    return segments(text) <= parts


def _plain_letters(text: str) -> str:
    """Letters outside GSM-7 without their accents (``Siobhán`` -> ``Siobhan``), when that helps."""
    out = []
    for ch in to_gsm(text):
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and is_gsm7(base) else ch)
    return "".join(out)


def fit(text: str, parts: int = REPLY_PARTS) -> str:
    """``text`` in at most ``parts`` parts: accents dropped if that is enough, else shortened.

    The last line (what to reply) is kept; the lines before it are cut with "...". Lists are
    better made to fit by showing fewer items (see ``conversations``); this is the safety net
    for long names.
    """
    if fits(text, parts):
        return text
    text = _plain_letters(text)
    if fits(text, parts):
        return text
    head, _, last = text.rpartition("\n")
    if not head or not fits(last + "...", parts):
        head, last = text, ""
    low, high = 0, len(head)
    while low < high:  # the longest start of ``head`` that still fits with ``last``
        middle = (low + high + 1) // 2
        if fits(_cut(head, middle, last), parts):
            low = middle
        else:
            high = middle - 1
    return _cut(head, low, last)


def _cut(head: str, keep: int, last: str) -> str:
    shortened = head[:keep].rstrip() + "..."
    return f"{shortened}\n{last}" if last else shortened


def render(template: str, /, **context: Any) -> str:
    """Render ``templates/sms/<name>.txt`` into a tidy plain text (the bureau's details given)."""
    config = current_app.config
    context.setdefault("bureau_name", config["BUREAU_NAME"])
    context.setdefault("bureau_phone", config["BUREAU_PHONE"])
    context.setdefault("bureau_hours", config["BUREAU_HOURS"])
    raw = render_template(f"sms/{template}.txt", **context)
    lines = [line.rstrip() for line in to_gsm(raw).strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def day_name(day: dt.date) -> str:
    """``Tuesday 8 December``."""
    return f"{_DAYS[day.weekday()]} {day.day} {day:%B}"


def short_day(day: dt.date) -> str:
    """``Tue 8 Dec``."""
    return f"{_DAYS[day.weekday()][:3]} {day.day} {day:%b}"


def street_of(address: str | None) -> str:
    """The street without the house or flat number (``12 Ripple Road`` -> ``Ripple Road``)."""
    if not address:
        return ""
    first = address.split("\n")[0]
    return _HOUSE.sub("", first).strip(" ,") or first.strip()


def pack(lines: Iterable[str], *, limit: int = ROUTE_TEXT_LIMIT) -> list[str]:
    """Join ``lines`` into as few texts as possible (each at most ``limit`` characters), evenly.

    Evenly: twelve stops become two texts of six rather than one of eleven and one of one.
    """
    items = list(lines)
    greedy = _pack(items, limit)
    if len(greedy) < 2:
        return greedy
    # The smallest limit that still needs no more texts than the greedy packing.
    low, high = sum(len(line) + 1 for line in items) // len(greedy), limit
    while low < high:
        middle = (low + high) // 2
        if len(_pack(items, middle)) <= len(greedy):
            high = middle
        else:
            low = middle + 1
    return _pack(items, high)


def _pack(lines: list[str], limit: int) -> list[str]:
    texts: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > limit:
            texts.append(current)
            current = line
        else:
            current = candidate
    if current:
        texts.append(current)
    return texts
