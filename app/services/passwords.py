"""Which passwords staff may choose: NCSC guidance, the one home of the rule (issue 11).

Found by testing: ``aaaaaaaaaa`` and ten spaces were valid passwords. The rule now is length
and a deny-list, with no composition rules (no "one capital and one symbol"):

- at least :data:`MIN_PASSWORD_LENGTH` characters, and not only spaces;
- not on the list of 20,000 common passwords shipped in ``app/data`` (no network at run time),
  nor one of them repeated or with digits and symbols added at the end (``password1234``);
- not one or two characters repeated (``aaaaaaaaaaaa``).
"""

from __future__ import annotations

import functools
import gzip
import re
from importlib import resources

from app.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# Words shorter than this are too common as parts of good passphrases to refuse as a stem.
_MIN_STEM = 5
_TRAILING = re.compile(r"[\d\W_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped deny-list, lower case (read once per process)."""
    data = resources.files("app.data").joinpath("common_passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def _is_repeat_of(text: str, unit: str) -> bool:
    return len(text) % len(unit) == 0 and unit * (len(text) // len(unit)) == text


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be used, in words for the person choosing it; None if fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters. Three random "
            "words make a good one."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"The password must be at most {MAX_PASSWORD_LENGTH} characters."
    if not password.strip():
        return "The password cannot be only spaces."
    text = password.strip().lower()
    if len(set(text)) <= 2:
        return "The password repeats one or two characters; choose something harder to guess."
    common = common_passwords()
    stem = _TRAILING.sub("", text)
    if (
        text in common
        or (len(stem) >= _MIN_STEM and stem in common)
        or any(_is_repeat_of(text, text[:n]) and text[:n] in common for n in range(4, 13))
    ):
        return (
            "That password is on the list of common passwords that attackers try first. "
            "Choose another (three random words make a good one)."
        )
    return None


def check_password(password: str, *, field: str = "password") -> str:
    """Return ``password`` if it may be used; else InvalidInput saying why."""
    problem = password_problem(password)
    if problem is not None:
        raise InvalidInput(problem, field=field)
    return password
