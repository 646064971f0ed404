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
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "connect_rota.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    _configure_logging(app)
    _trust_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


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
