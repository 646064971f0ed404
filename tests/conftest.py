"""Shared fixtures: an app on SQLite (or the PostgreSQL named by TEST_DATABASE_URL), clients,
signed-in staff of each role, and the shared data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from app import create_app
from app.extensions import db as _db

REPO = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
_schema_ready: set[str] = set()


def shared_dir() -> Path:
    """The project's ``../shared`` folder (overridable with CONNECT_ROTA_SHARED)."""
    return Path(os.environ.get("CONNECT_ROTA_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``, or a skip saying why when it is not there."""
    path = shared_dir() / "data"
    if not path.is_dir():
        pytest.skip(f"the shared data folder {path} is not present on this machine")
    return path


def engine_name() -> str:
    """'postgresql' when the suite runs on PostgreSQL, else 'sqlite'."""
    return "postgresql" if TEST_DATABASE_URL else "sqlite"


def app_config(**overrides: Any) -> dict[str, Any]:
    """The configuration every test app starts from: embedded defaults, test database."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or "sqlite://",
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": None,
        "ROAD_NETWORK": None,
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    return config


def _truncate_all() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def make_test_app(**overrides: Any) -> Flask:
    """Create an app with its schema ready and every table empty."""
    app = create_app(app_config(**overrides))
    with app.app_context():
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("postgresql"):
            if uri not in _schema_ready:
                _db.drop_all()
                _db.create_all()
                _schema_ready.add(uri)
            else:
                _truncate_all()
        else:
            _db.create_all()
    return app


@pytest.fixture()
def app() -> Iterator[Flask]:
    """A fresh app on the test database with an app context pushed."""
    application = make_test_app()
    with application.app_context():
        yield application
        _db.session.remove()
        if application.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture()
def db(app: Flask) -> Any:
    """The flask-sqlalchemy handle, bound to the test app."""
    return _db


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


PASSWORD = "correct horse battery"


def sign_in(client: FlaskClient, role: str = "coordinator") -> Any:
    """Create a staff user of ``role`` and sign them in through the login form."""
    from app.services.auth import create_user

    user = create_user(f"{role}@bureau.example", role.capitalize(), PASSWORD, role)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


@pytest.fixture()
def coordinator(client: FlaskClient) -> Any:
    """A signed-in coordinator."""
    return sign_in(client, "coordinator")


@pytest.fixture()
def viewer(client: FlaskClient) -> Any:
    """A signed-in viewer."""
    return sign_in(client, "viewer")
