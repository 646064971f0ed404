"""Connect Rota: the scheduling system of a borough Volunteer Bureau."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.config import Config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Connect Rota application: defaults, then environment, then ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.update(Config.from_env(os.environ))
    if config is not None:
        app.config.update(config)
    # Options given in place of the defaults still hide SQL parameters unless they say otherwise.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
    }
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "connect_rota.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    _check_secrets(app)
    _configure_cookies(app)
    _configure_logging(app)
    _trust_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def _check_secrets(app: Flask) -> None:
    """In production, refuse to start on the built-in or a short ``SECRET_KEY`` (issue 11).

    Found by testing: with ``SECRET_KEY`` unset the app ran on the key every checkout shares,
    and a cookie signed with it was an admin session.
    """
    from app.config import APP_ENVS
    from app.config import DEV_SECRET_KEY
    from app.config import MIN_SECRET_KEY_CHARS
    from app.errors import UnsafeSettings

    env = str(app.config.get("APP_ENV", "development")).strip().lower()
    if env not in APP_ENVS:
        msg = f"APP_ENV must be one of {', '.join(APP_ENVS)}; it is {env!r}."
        raise UnsafeSettings(msg)
    app.config["APP_ENV"] = env
    if env != "production":
        return
    key = str(app.config.get("SECRET_KEY") or "")
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_CHARS:
        why = "the built-in development key" if key == DEV_SECRET_KEY else "too short"
        msg = (
            f"SECRET_KEY is {why}: anyone who knows it can forge a staff session. Set "
            f"SECRET_KEY to a random string of at least {MIN_SECRET_KEY_CHARS} characters, e.g. "
            "export SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_hex(32))')\" "
            "(keep it the same across restarts and machines), or run with APP_ENV=development "
            "on your own computer."
        )
        raise UnsafeSettings(msg)


def _configure_cookies(app: Flask) -> None:
    """Cookies are ``Secure`` when the public address is https, unless set explicitly."""
    https = str(app.config.get("PUBLIC_BASE_URL", "")).lower().startswith("https://")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(name) is None:
            app.config[name] = https


def _configure_logging(app: Flask) -> None:
    from app.logs import configure_logging

    configure_logging(app)


def _trust_proxy(app: Flask) -> None:
    """Behind ``PROXY_FIX`` reverse proxies (TLS ends there), believe their X-Forwarded-* headers.

    Without it, links and redirects would say ``http://`` and the webhook signature check would
    see the wrong URL.
    """
    hops = int(app.config.get("PROXY_FIX", 0))
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, logins, CSRF and per-app services (queue, SMS sender)."""
    from app import models  # noqa: F401  (every table registered before anything uses it)
    from app.extensions import csrf
    from app.extensions import db
    from app.extensions import login_manager
    from app.extensions import migrate
    from app.limiter import init_limiter
    from app.paths import migrations_dir
    from app.queue import init_queue
    from app.routes.headers import init_security_headers
    from app.routes.input_guard import init_input_guard
    from app.services.auth import load_user
    from app.services.input_rules import install_row_checks
    from app.sms import init_sms

    db.init_app(app)
    migrate.init_app(app, db, directory=str(migrations_dir()))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.user_loader(load_user)
    csrf.init_app(app)
    init_queue(app)
    init_sms(app)
    init_limiter(app)
    # Lengths, NUL and control characters, numbers in range: one rule, checked at the root.
    install_row_checks(db.session)
    init_input_guard(app)
    init_security_headers(app)


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint (see ``routes/__init__.py``)."""
    from app.routes import register_blueprints as _register

    _register(app)


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to friendly pages or JSON."""
    from app.routes.errors import register_error_handlers as _register

    _register(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` commands (users, geo, demo, roads, rota, sms, worker)."""
    from app.cli import register_commands as _register

    _register(app)
