"""Blueprints: one module per user-facing area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from app.routes import auth
    from app.routes import dashboard
    from app.routes import directory
    from app.routes import people

    for module in (auth, dashboard, directory, people):
        app.register_blueprint(module.bp)
