"""Forgeable sessions (issue 11): production refuses the built-in or a short SECRET_KEY.

Found by testing: with SECRET_KEY unset the app ran on the key every checkout shares, and a
cookie signed with it was an admin session.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import create_app
from app.config import DEV_SECRET_KEY
from app.errors import UnsafeSettings
from tests.conftest import REPO
from tests.conftest import app_config

GOOD_KEY = "9f" * 32


def test_production_refuses_the_built_in_key() -> None:
    """APP_ENV=production with the shared key: the app does not start, and says what to do."""
    with pytest.raises(UnsafeSettings, match="built-in development key") as caught:
        create_app(app_config(APP_ENV="production", SECRET_KEY=DEV_SECRET_KEY))
    assert "token_hex(32)" in str(caught.value)


def test_production_refuses_a_short_key() -> None:
    """A key shorter than 32 characters is refused too."""
    with pytest.raises(UnsafeSettings, match="too short"):
        create_app(app_config(APP_ENV="production", SECRET_KEY="hunter2-but-longer"))


def test_production_starts_with_a_long_random_key() -> None:
    """A proper key starts, and an unknown APP_ENV is refused by name."""
    app = create_app(app_config(APP_ENV="Production", SECRET_KEY=GOOD_KEY))
    assert app.config["APP_ENV"] == "production"
    with pytest.raises(UnsafeSettings, match="APP_ENV must be one of"):
        create_app(app_config(APP_ENV="staging"))


def test_development_runs_on_the_built_in_key() -> None:
    """The demo and the tests need no key (development is the factory's default)."""
    app = create_app(app_config(SECRET_KEY=DEV_SECRET_KEY))
    assert app.config["APP_ENV"] == "development"


def _import_wsgi(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("APP_ENV", "SECRET_KEY"))}
    clean.update(env, DATABASE_URL="sqlite://")
    return subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['APP_ENV'])"],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_wsgi_runs_in_production_by_default() -> None:
    """gunicorn's entry point with no SECRET_KEY refuses to start; with one it is production."""
    refused = _import_wsgi()
    assert refused.returncode != 0
    assert "SECRET_KEY is the built-in development key" in refused.stderr
    started = _import_wsgi(SECRET_KEY=GOOD_KEY)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "production"
    assert _import_wsgi(APP_ENV="development").stdout.strip() == "development"
