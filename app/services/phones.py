"""Phone numbers: UK mobiles and landlines normalised to E.164, everything else refused."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import PhoneNumberType

from app.errors import InvalidInput

_ACCEPTED = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
    PhoneNumberType.UAN,
}


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """Return ``raw`` as an E.164 UK number (``+447700900123``) or raise InvalidInput."""
    text = (raw or "").strip()
    if not text:
        msg = "Please enter a phone number."
        raise InvalidInput(msg, field=field)
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        msg = f"'{text}' does not look like a phone number."
        raise InvalidInput(msg, field=field) from None
    if number.country_code != 44:
        msg = f"'{text}' is not a UK number; we can only text and call UK numbers."
        raise InvalidInput(msg, field=field)
    if _is_drama_mobile(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        msg = f"'{text}' is not a valid UK phone number (check the number of digits)."
        raise InvalidInput(msg, field=field)
    if phonenumbers.number_type(number) not in _ACCEPTED:
        msg = f"'{text}' is a premium or special number, not a mobile or landline."
        raise InvalidInput(msg, field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_drama_mobile(number: phonenumbers.PhoneNumber) -> bool:
    # Ofcom reserves 07700 900000-900999 for drama and training; libphonenumber calls them
    # invalid, but the demo borough and the SMS simulator use them so no real person is texted.
    national = str(number.national_number)
    return number.country_code == 44 and len(national) == 10 and national.startswith("7700900")


def is_mobile(e164: str) -> bool:
    """True when the number can receive texts (a UK mobile)."""
    number = phonenumbers.parse(e164, "GB")
    if _is_drama_mobile(number):
        return True
    return phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


@functools.lru_cache(maxsize=4096)
def display_phone(e164: str | None) -> str:
    """Format an E.164 number the way people in the UK write it (``07700 900123``)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
