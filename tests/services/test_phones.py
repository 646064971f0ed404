"""UK mobiles and landlines become E.164; anything else is refused with a clear message."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.services.phones import display_phone
from app.services.phones import is_mobile
from app.services.phones import normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("(020) 8227 2000", "+442082272000"),
        ("01708 123456", "+441708123456"),
    ],
)
def test_uk_numbers_are_normalised(raw, expected):
    """Common ways of writing a UK number all give the same E.164 form."""
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "enter a phone number"),
        ("hello", "does not look like"),
        ("+1 202 555 0143", "not a UK number"),
        ("07700 9001", "not a valid UK phone number"),
        ("07000 123456", "premium or special"),  # a "personal number" that forwards anywhere
        ("09065 123456", "not a valid UK phone number|premium"),
    ],
)
def test_other_numbers_are_refused(raw, why):
    """Foreign, short, premium and nonsense numbers are refused, saying why."""
    with pytest.raises(InvalidInput, match=why):
        normalise_phone(raw)


def test_mobile_and_display():
    """Mobiles can take texts; numbers are shown the British way."""
    assert is_mobile("+447700900123")
    assert not is_mobile("+442082272000")
    assert display_phone("+447700900123") == "07700 900123"
