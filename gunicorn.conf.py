"""Gunicorn's default config file: the settings live in ``app/gunicorn_conf.py`` (in the wheel)."""

from app.gunicorn_conf import *  # noqa: F403
