"""The one rate limiter: named rules, counted per key, in Redis when configured (issue 11).

Anything that must be slowed down per person, per address or per token calls this module:

- ``register_rule("referral-form", "10 per hour; 50 per day")`` once (at import or in
  ``init_app``) gives a rule a name and one or more windows (the ``limits`` notation).
- ``hit(rule, key)`` counts one use and says whether it was within every window;
  ``check(rule, key)`` asks the same without counting (sign-in counts only failures).
- ``clear(rule, key)`` forgets a key's count (an admin clearing a throttle).
- ``routes/throttling.py:rate_limited(rule, key=...)`` wraps a view: over the limit it answers
  429 in plain words with ``Retry-After``.

Counters live in Redis when ``REDIS_URL`` is set (shared by every gunicorn worker) and in this
process's memory otherwise. If Redis is configured but unreachable the limiter keeps counting in
memory and logs once, rather than failing the page (issue 11, "fail soft"). Keys are hashed with
the app's secret before they are stored, so no email address or IP address sits in Redis.

Several windows per rule give growing delays: with "5 per minute; 10 per 15 minutes; 20 per
hour" the sixth try waits up to a minute, the eleventh up to a quarter of an hour, and so on.
The library underneath (``limits``) is the one Flask-Limiter is built on, with the same storages;
we call it directly because our keys (an account, a device) are known only after the form is
read, and an admin must be able to clear one key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask
from flask import current_app
from limits import RateLimitItem
from limits import parse_many
from limits.storage import MemoryStorage
from limits.storage import Storage
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

EXTENSION = "connect_rota_limiter"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one key: allowed or not, and when to try again if not."""

    allowed: bool
    retry_after_s: int = 0

    @property
    def wait_words(self) -> str:
        """How long to wait, in plain words ("about 3 minutes")."""
        seconds = max(self.retry_after_s, 1)
        if seconds < 90:
            return f"{seconds} seconds" if seconds != 1 else "1 second"
        minutes = math.ceil(seconds / 60)
        if minutes < 90:
            return f"about {minutes} minutes"
        return f"about {math.ceil(minutes / 60)} hours"


_RULES: dict[str, tuple[RateLimitItem, ...]] = {}


def register_rule(name: str, limits: str) -> None:
    """Name a rule with one or more windows, e.g. ``"5 per minute; 20 per hour"``."""
    items = tuple(parse_many(limits))
    if not items:
        msg = f"Rate rule {name!r} has no limits ({limits!r})."
        raise ValueError(msg)
    _RULES[name] = items


def rule_limits(name: str) -> tuple[RateLimitItem, ...]:
    """The windows of a registered rule."""
    try:
        return _RULES[name]
    except KeyError:
        msg = f"No rate rule named {name!r}; register it with register_rule first."
        raise LookupError(msg) from None


class _Limiter:
    """Per-app state: the configured storage and a memory fallback for when Redis is down."""

    def __init__(self, uri: str | None, secret: str) -> None:
        self._secret = secret.encode()
        self._memory = MemoryStorage()
        self._configured: Storage = self._memory
        if uri:
            storage = storage_from_string(uri, socket_connect_timeout=0.5, socket_timeout=0.5)
            if not isinstance(storage, Storage):
                msg = f"Rate limit storage {uri!r} is not a synchronous storage."
                raise TypeError(msg)
            self._configured = storage
        self._lock = threading.Lock()
        self._down_until = 0.0

    def _strategy(self) -> MovingWindowRateLimiter:
        storage = self._configured
        if storage is not self._memory and time.monotonic() < self._down_until:
            storage = self._memory
        return MovingWindowRateLimiter(storage)

    def _fallback(self, exc: Exception) -> MovingWindowRateLimiter:
        with self._lock:
            if time.monotonic() >= self._down_until:
                log.warning("rate limiter: Redis unreachable (%s); counting in memory", exc)
            # Try Redis again in 30 s; meanwhile count here so pages keep working.
            self._down_until = time.monotonic() + 30
        return MovingWindowRateLimiter(self._memory)

    def key(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]

    def run(self, op: str, rule: str, key: str) -> Verdict:
        items = rule_limits(rule)
        hashed = self.key(key)
        strategy = self._strategy()
        try:
            return self._apply(strategy, op, rule, items, hashed)
        except Exception as exc:  # noqa: BLE001  (redis or limits storage errors: fail soft)
            if strategy.storage is self._memory:
                raise
            return self._apply(self._fallback(exc), op, rule, items, hashed)

    @staticmethod
    def _apply(
        strategy: MovingWindowRateLimiter,
        op: str,
        rule: str,
        items: tuple[RateLimitItem, ...],
        hashed: str,
    ) -> Verdict:
        if op == "clear":
            for item in items:
                strategy.clear(item, rule, hashed)
            return Verdict(True)
        blocked = [item for item in items if not strategy.test(item, rule, hashed)]
        if not blocked and op == "hit":
            for item in items:
                strategy.hit(item, rule, hashed)
        if not blocked:
            return Verdict(True)
        now = time.time()
        reset = max(strategy.get_window_stats(item, rule, hashed).reset_time for item in blocked)
        return Verdict(False, max(1, math.ceil(reset - now)))


def init_limiter(app: Flask) -> None:
    """Bind the limiter to ``app``: Redis when ``REDIS_URL`` is set, else this process's memory."""
    app.extensions[EXTENSION] = _Limiter(
        app.config.get("RATE_LIMIT_STORAGE_URL") or app.config.get("REDIS_URL"),
        str(app.config["SECRET_KEY"]),
    )


def _limiter() -> _Limiter:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def hit(rule: str, key: str) -> Verdict:
    """Count one use of ``rule`` by ``key``; refused (and not counted) when over a window."""
    return _limiter().run("hit", rule, key)


def check(rule: str, key: str) -> Verdict:
    """Would one more use of ``rule`` by ``key`` be allowed? Counts nothing."""
    return _limiter().run("check", rule, key)


def clear(rule: str, key: str) -> None:
    """Forget every count of ``rule`` for ``key`` (an admin lifting a throttle)."""
    _limiter().run("clear", rule, key)
