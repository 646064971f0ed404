"""The one rate limiter: windows, clearing, Redis when configured, memory when Redis is down."""

from __future__ import annotations

import socket

import pytest
from flask import Flask

from app import limiter
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import make_test_app
from tests.worker_process import fresh_redis
from tests.worker_process import redis_url

REDIS_DB = 15 if TEST_DATABASE_URL else 14

limiter.register_rule("test-rule", "3 per minute; 5 per hour")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _exercise(app: Flask, key: str) -> None:
    with app.app_context():
        limiter.clear("test-rule", key)
        assert [limiter.hit("test-rule", key).allowed for _ in range(4)] == [
            True,
            True,
            True,
            False,
        ]
        refused = limiter.check("test-rule", key)
        assert not refused.allowed and 1 <= refused.retry_after_s <= 60
        assert limiter.check("test-rule", "someone else").allowed
        limiter.clear("test-rule", key)
        assert limiter.hit("test-rule", key).allowed


def test_windows_refuse_then_clear_forgets_in_memory() -> None:
    """Without Redis the counts live in memory; a cleared key starts again."""
    _exercise(make_test_app(), "memory-key")


@pytest.mark.redis
def test_counts_are_shared_through_redis() -> None:
    """Two apps on one Redis (two gunicorn workers) see the same counts."""
    if fresh_redis(REDIS_DB) is None:
        pytest.skip("no Redis server answers at the test Redis URL (TEST_REDIS_URL)")
    first = make_test_app(REDIS_URL=redis_url(REDIS_DB))
    second = make_test_app(REDIS_URL=redis_url(REDIS_DB))
    _exercise(first, "shared-key")
    with first.app_context():
        limiter.clear("test-rule", "shared-key")
        for _ in range(3):
            limiter.hit("test-rule", "shared-key")
    with second.app_context():
        assert not limiter.hit("test-rule", "shared-key").allowed
        limiter.clear("test-rule", "shared-key")


def test_unreachable_redis_falls_back_to_memory(caplog: pytest.LogCaptureFixture) -> None:
    """Redis configured but down: the limiter still counts (in memory) and says so once."""
    app = make_test_app(REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    _exercise(app, "fallback-key")
    assert "Redis unreachable" in caplog.text


def test_keys_are_not_stored_in_clear(app: Flask) -> None:
    """An email address never appears in a limiter key (personal data stays out of Redis)."""
    key = app.extensions[limiter.EXTENSION].key("joan@bureau.example")
    assert "joan" not in key and len(key) == 32


def test_wait_words_are_plain() -> None:
    """The wait is said in words a coordinator reads at a glance."""
    assert limiter.Verdict(False, 40).wait_words == "40 seconds"
    assert limiter.Verdict(False, 600).wait_words == "about 10 minutes"
    assert limiter.Verdict(False, 7200).wait_words == "about 2 hours"


def test_an_unknown_rule_is_a_clear_error(app: Flask) -> None:
    """Using a rule nobody registered says how to fix it."""
    with pytest.raises(LookupError, match="register_rule"):
        limiter.hit("never-registered", "x")
