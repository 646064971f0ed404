"""Configuration: embedded defaults, then the environment, then the factory's override mapping.

Nothing here reads the environment at import time; ``create_app`` calls :meth:`Config.from_env`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def _int_map(value: str) -> dict[str, int]:
    """Parse ``"urgent=0,high=2"`` into ``{"urgent": 0, "high": 2}``."""
    pairs = (part.split("=", 1) for part in value.split(",") if "=" in part)
    return {k.strip().lower(): int(v) for k, v in pairs}


def _int_tuple(value: str) -> tuple[int, ...]:
    """Parse ``"10,30,60"`` into ``(10, 30, 60)``."""
    return tuple(int(part) for part in value.split(",") if part.strip())


# The key every checkout shares: fine on a laptop, forgeable anywhere else.
DEV_SECRET_KEY = "dev-only-change-me"
# Shortest SECRET_KEY production accepts (``secrets.token_hex(32)`` gives 64 characters).
MIN_SECRET_KEY_CHARS = 32
APP_ENVS = ("production", "development")


class Config:
    """Embedded defaults: SQLite in the instance folder, jobs in-process, texts logged."""

    # "production" (wsgi.py and gunicorn's default) refuses to start on a built-in or short
    # SECRET_KEY; "development" (the demo command, the tests) runs on the built-in one (issue 11).
    APP_ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY
    # Cookies: never readable by scripts, not sent on cross-site posts, and Secure when
    # PUBLIC_BASE_URL is https (None: decided from PUBLIC_BASE_URL in create_app).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE: bool | None = None
    # "Keep me signed in" lasts at most 30 days (it was a year; issue 11).
    REMEMBER_COOKIE_DURATION = dt.timedelta(days=30)
    # None means "SQLite file in the instance folder", resolved in create_app.
    SQLALCHEMY_DATABASE_URI: str | None = None
    # hide_parameters: SQL errors and tracebacks show the statement without its values (names,
    # addresses, phones), so a 500 in the log holds no personal data (issue 14).
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    WTF_CSRF_TIME_LIMIT = None
    REDIS_URL: str | None = None
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_FROM_NUMBER: str | None = None
    TWILIO_MESSAGING_SERVICE_SID: str | None = None
    # Where the Twilio SDK sends its requests; only tests and stand-ins change it.
    TWILIO_API_BASE: str | None = None
    PUBLIC_BASE_URL = "http://localhost:5000"
    ROAD_NETWORK: str | None = None
    # A tile server for the rota map (e.g. a bureau's own); unset: routes on a plain background.
    MAP_TILE_URL: str | None = None
    ROAD_MAX_SNAP_M = 500
    STRAIGHT_LINE_DETOUR: float | None = None
    STRAIGHT_LINE_SPEED_KMH: float | None = None
    POSTCODES_CSV: str | None = None
    BUREAU_NAME = "Barking & Dagenham Volunteer Bureau"
    BUREAU_PHONE = "020 8227 0000"
    BUREAU_HOURS = "Monday to Friday, 9am to 5pm"
    TIMEZONE = "Europe/London"
    PLAN_TIME_LIMIT_S = 20
    # Search processes per plan; unset: 1 in the web process and `flask rota plan`, 2 on the
    # RQ planning worker (issue 12).
    PLAN_SEARCH_WORKERS: int | None = None
    # A re-plan of a published day starts warm from it and searches at most this long.
    REPLAN_TIME_LIMIT_S = 5
    # Logs: one JSON object a line ("json") or plain lines for a terminal ("text").
    LOG_FORMAT = "json"
    LOG_LEVEL = "INFO"
    # How many reverse proxies (TLS terminators) sit in front; 0 trusts no X-Forwarded-* header.
    PROXY_FIX = 0
    # Texts (issue 6).
    CONVERSATION_TTL_MIN = 30
    DRIVER_REPLY_REMINDER_MIN = 120
    DRIVER_REPLY_ALERT_MIN = 240
    REMINDER_TIME = "17:00"
    SMS_RETRY_INTERVALS: tuple[int, ...] = (10, 30, 60, 120, 300)
    SMS_MAX_ATTEMPTS = 30
    SMS_SENDING_STALE_S = 300
    SMS_JOB_TIMEOUT_S = 60
    SMS_SWEEP_INTERVAL_S = 60
    # How old a queued text with no job must be before the sweep queues it again.
    SMS_SWEEP_GRACE_S = 30
    # How often a worker tells Redis it is alive while it runs a job; a started job with no
    # heartbeat for three of these is abandoned (its worker died) and run again (issue 15).
    RQ_HEARTBEAT_S = 10
    TWILIO_HTTP_TIMEOUT_S = 10.0
    # Befriending (issue 5).
    BEFRIENDING_CHECKIN_WEEKS = 4
    BEFRIENDING_MAX_DISTANCE_KM = 5.0
    BEFRIENDING_MIN_SCORE = 0.30
    # Volunteer drivers' checks (issue 13): the DBS level dispatch needs, and how often a DBS
    # (by the update service) and a driving licence must be checked again.
    DRIVER_DBS_LEVEL = "enhanced_barred"
    DBS_RECHECK_DAYS = 365
    LICENCE_RECHECK_DAYS = 365
    # Referrals and outreach (issue 16). A safeguarding referral texts this phone (unset: the
    # alert to coordinators only).
    DUTY_PHONE: str | None = None
    # First contact due within this many working days of a referral, per tier.
    OUTREACH_TARGET_DAYS: dict[str, int] = {"urgent": 0, "high": 2, "medium": 5, "low": 10}
    # Points per risk factor and the tier thresholds (services/risk.py documents each key).
    RISK_POINTS: dict[str, int] = {}
    # Retention schedule (issue 14; services/retention.py, daily on the RQ cron): people with
    # no activity for this many years are anonymised; text words blanked after this many
    # months; audit rows' old/new values redacted after this many years.
    RETENTION_INACTIVE_YEARS = 6
    RETENTION_TEXT_MONTHS = 12
    RETENTION_AUDIT_YEARS = 6

    # Environment variable -> (config key, converter)
    ENV_KEYS: dict[str, tuple[str, Any]] = {
        "APP_ENV": ("APP_ENV", str),
        "SECRET_KEY": ("SECRET_KEY", str),
        "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
        "REDIS_URL": ("REDIS_URL", str),
        "TWILIO_ACCOUNT_SID": ("TWILIO_ACCOUNT_SID", str),
        "TWILIO_AUTH_TOKEN": ("TWILIO_AUTH_TOKEN", str),
        "TWILIO_FROM_NUMBER": ("TWILIO_FROM_NUMBER", str),
        "TWILIO_MESSAGING_SERVICE_SID": ("TWILIO_MESSAGING_SERVICE_SID", str),
        "TWILIO_API_BASE": ("TWILIO_API_BASE", str),
        "PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
        "ROAD_NETWORK": ("ROAD_NETWORK", str),
        "MAP_TILE_URL": ("MAP_TILE_URL", str),
        "ROAD_MAX_SNAP_M": ("ROAD_MAX_SNAP_M", int),
        "STRAIGHT_LINE_DETOUR": ("STRAIGHT_LINE_DETOUR", float),
        "STRAIGHT_LINE_SPEED_KMH": ("STRAIGHT_LINE_SPEED_KMH", float),
        "POSTCODES_CSV": ("POSTCODES_CSV", str),
        "BUREAU_NAME": ("BUREAU_NAME", str),
        "BUREAU_PHONE": ("BUREAU_PHONE", str),
        "BUREAU_HOURS": ("BUREAU_HOURS", str),
        "PLAN_TIME_LIMIT_S": ("PLAN_TIME_LIMIT_S", int),
        "PLAN_SEARCH_WORKERS": ("PLAN_SEARCH_WORKERS", int),
        "REPLAN_TIME_LIMIT_S": ("REPLAN_TIME_LIMIT_S", int),
        "LOG_FORMAT": ("LOG_FORMAT", str),
        "LOG_LEVEL": ("LOG_LEVEL", str),
        "PROXY_FIX": ("PROXY_FIX", int),
        "CONVERSATION_TTL_MIN": ("CONVERSATION_TTL_MIN", int),
        "DRIVER_REPLY_REMINDER_MIN": ("DRIVER_REPLY_REMINDER_MIN", int),
        "DRIVER_REPLY_ALERT_MIN": ("DRIVER_REPLY_ALERT_MIN", int),
        "REMINDER_TIME": ("REMINDER_TIME", str),
        "SMS_RETRY_INTERVALS": ("SMS_RETRY_INTERVALS", _int_tuple),
        "SMS_MAX_ATTEMPTS": ("SMS_MAX_ATTEMPTS", int),
        "SMS_SENDING_STALE_S": ("SMS_SENDING_STALE_S", int),
        "SMS_JOB_TIMEOUT_S": ("SMS_JOB_TIMEOUT_S", int),
        "SMS_SWEEP_INTERVAL_S": ("SMS_SWEEP_INTERVAL_S", int),
        "SMS_SWEEP_GRACE_S": ("SMS_SWEEP_GRACE_S", int),
        "RQ_HEARTBEAT_S": ("RQ_HEARTBEAT_S", int),
        "TWILIO_HTTP_TIMEOUT_S": ("TWILIO_HTTP_TIMEOUT_S", float),
        "BEFRIENDING_CHECKIN_WEEKS": ("BEFRIENDING_CHECKIN_WEEKS", int),
        "BEFRIENDING_MAX_DISTANCE_KM": ("BEFRIENDING_MAX_DISTANCE_KM", float),
        "BEFRIENDING_MIN_SCORE": ("BEFRIENDING_MIN_SCORE", float),
        "DRIVER_DBS_LEVEL": ("DRIVER_DBS_LEVEL", str),
        "DBS_RECHECK_DAYS": ("DBS_RECHECK_DAYS", int),
        "LICENCE_RECHECK_DAYS": ("LICENCE_RECHECK_DAYS", int),
        "DUTY_PHONE": ("DUTY_PHONE", str),
        "OUTREACH_TARGET_DAYS": ("OUTREACH_TARGET_DAYS", _int_map),
        "RISK_POINTS": ("RISK_POINTS", _int_map),
        "RETENTION_INACTIVE_YEARS": ("RETENTION_INACTIVE_YEARS", int),
        "RETENTION_TEXT_MONTHS": ("RETENTION_TEXT_MONTHS", int),
        "RETENTION_AUDIT_YEARS": ("RETENTION_AUDIT_YEARS", int),
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """Return the settings the environment gives (``CONNECT_ROTA_`` prefix also accepted)."""
        settings: dict[str, Any] = {}
        for env_name, (key, convert) in cls.ENV_KEYS.items():
            for name in (f"CONNECT_ROTA_{env_name}", env_name):
                value = environ.get(name)
                if value not in (None, ""):
                    settings[key] = convert(value)
                    break
        uri = settings.get("SQLALCHEMY_DATABASE_URI")
        if isinstance(uri, str) and uri.startswith("postgres://"):
            # Heroku-style URLs; SQLAlchemy wants the dialect+driver spelled out.
            settings["SQLALCHEMY_DATABASE_URI"] = (
                "postgresql+psycopg://" + uri[len("postgres://") :]
            )
        elif isinstance(uri, str) and uri.startswith("postgresql://"):
            settings["SQLALCHEMY_DATABASE_URI"] = (
                "postgresql+psycopg://" + uri[len("postgresql://") :]
            )
        return settings
