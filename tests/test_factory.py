"""The app factory: defaults, then the environment, then the override mapping."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import Config


def test_embedded_defaults_need_no_configuration(tmp_path, monkeypatch):
    """With nothing configured the app uses SQLite in its instance folder, inline jobs, log SMS."""
    for name in ("DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "ROAD_NETWORK"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"CONNECT_ROTA_{name}", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("connect_rota.sqlite")
    assert app.extensions["rq_queues"] is None
    assert type(app.extensions["sms_sender"]).__name__ == "LogSmsSender"


def test_environment_overrides_defaults(monkeypatch):
    """An environment variable beats the embedded default."""
    monkeypatch.setenv("BUREAU_PHONE", "020 8000 0001")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/rota")
    app = create_app({"TESTING": True})
    assert app.config["BUREAU_PHONE"] == "020 8000 0001"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/rota"


def test_mapping_overrides_environment(monkeypatch):
    """The factory's mapping beats the environment, so tests touch nothing else."""
    monkeypatch.setenv("BUREAU_PHONE", "020 8000 0001")
    app = create_app(
        {"TESTING": True, "BUREAU_PHONE": "020 8000 0002", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert app.config["BUREAU_PHONE"] == "020 8000 0002"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_environment_is_read_inside_the_factory(monkeypatch):
    """Changing the environment after import still reaches the next app created."""
    monkeypatch.setenv("CONNECT_ROTA_PLAN_TIME_LIMIT_S", "7")
    assert create_app({"TESTING": True}).config["PLAN_TIME_LIMIT_S"] == 7
    monkeypatch.setenv("CONNECT_ROTA_PLAN_TIME_LIMIT_S", "9")
    assert create_app({"TESTING": True}).config["PLAN_TIME_LIMIT_S"] == 9


@pytest.mark.parametrize("env", [{}, {"SECRET_KEY": ""}])
def test_blank_environment_values_are_ignored(env):
    """An empty variable does not blank a default."""
    assert Config.from_env(env).get("SECRET_KEY") is None
