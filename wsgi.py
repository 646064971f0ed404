"""WSGI entry point for gunicorn: runs in production unless APP_ENV says otherwise (issue 11)."""

from __future__ import annotations

import os

from app import create_app

# A server started from here refuses the built-in SECRET_KEY; the demo and tests say
# APP_ENV=development (scripts/lib.sh) or pass their own settings to create_app().
os.environ.setdefault("APP_ENV", "production")
app = create_app()
