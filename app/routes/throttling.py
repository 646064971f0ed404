"""Rate limits on views: ``@rate_limited("rule", key=...)`` answers 429 in plain words.

The counting lives in ``app/limiter.py`` (the one rate limiter); this only ties it to a request.
Other pages use it as, for example::

    register_rule("referral-form", "10 per hour; 50 per day")

    @bp.post("/refer")
    @rate_limited("referral-form")                       # per address
    def refer(): ...

    @rate_limited("partner-api", key=lambda: g.token_id)  # per partner token
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import request
from werkzeug.exceptions import TooManyRequests

from app import limiter

F = TypeVar("F", bound=Callable[..., Any])


def client_address() -> str:
    """The caller's address (the proxy's view of it when ``PROXY_FIX`` is set)."""
    return request.remote_addr or "unknown"


class Throttled(TooManyRequests):
    """429 with a plain-words wait and a ``Retry-After`` header."""

    def __init__(self, verdict: limiter.Verdict, what: str = "requests") -> None:
        super().__init__(
            f"Too many {what} from here. Please wait {verdict.wait_words} and try again."
        )
        self.retry_after = verdict.retry_after_s


def rate_limited(
    rule: str, *, key: Callable[[], str] = client_address, what: str = "requests"
) -> Callable[[F], F]:
    """Count each call of the view under ``rule`` per ``key()``; over the limit answer 429."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verdict = limiter.hit(rule, key())
            if not verdict.allowed:
                raise Throttled(verdict, what)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
