"""Blueprints: one module per user-facing area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from app.routes import assets
    from app.routes import auth
    from app.routes import befriending
    from app.routes import dashboard
    from app.routes import directory
    from app.routes import lifts
    from app.routes import messages
    from app.routes import people
    from app.routes import places
    from app.routes import rota
    from app.routes import sms

    for module in (
        assets,
        auth,
        befriending,
        dashboard,
        directory,
        lifts,
        messages,
        people,
        places,
        rota,
        sms,
    ):
        app.register_blueprint(module.bp)
