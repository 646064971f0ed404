"""Domain errors raised by the services and mapped to HTTP answers in ``routes/errors.py``."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a coordinator can act on; the message is shown to them."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError, ValueError):
    """Input that breaks a rule (a bad phone number, an end before a start)."""


class InvalidFields(InvalidInput):
    """Several fields of one form are wrong: all are answered at once (issue 13, GOV.UK's
    error summary), each by its field. ``message``/``field`` are the first problem's."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        first_field, first_message = problems[0]
        super().__init__(first_message, field=first_field)
        self.problems = problems


class NotFound(DomainError, LookupError):
    """A record that does not exist (an unknown postcode, activity or person)."""

    status_code = 404


class Conflict(DomainError):
    """A change that clashes with what is stored (a duplicate phone, a plan already published)."""

    status_code = 409


class NotAllowed(DomainError, PermissionError):
    """The signed-in user's role does not allow this change."""

    status_code = 403


class TooManyAttempts(DomainError):
    """Too many failures from here or for this account: wait (429 with Retry-After)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnsafeSettings(RuntimeError):
    """Settings the app refuses to start with (a built-in SECRET_KEY in production)."""
