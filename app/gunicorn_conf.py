"""Gunicorn settings for Connect Rota, shipped inside the package so an installed wheel has them.

``gunicorn -c python:app.gunicorn_conf 'app:create_app()'`` (or ``-c gunicorn.conf.py`` in a
checkout, which loads this module). Every value can be overridden from the environment
(``WEB_CONCURRENCY``, ``PORT``, ``GUNICORN_TIMEOUT``), as platforms that read a Procfile expect.
"""

from __future__ import annotations

import multiprocessing
import os

# A server is production unless told otherwise: the app then refuses the built-in SECRET_KEY
# (issue 11). Set APP_ENV=development to try gunicorn on a laptop.
os.environ.setdefault("APP_ENV", "production")

# Workers from the cores: (2 x cores) + 1 is gunicorn's own advice for sync workers; capped,
# because each worker holds database connections and a small VM has little memory.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# Without Redis, "Plan" runs inside the web request for up to PLAN_TIME_LIMIT_S (20 s by default)
# plus loading and saving; the timeout must sit well above it so a plan is never killed half-way.
_plan_s = int(os.environ.get("PLAN_TIME_LIMIT_S", "20"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", max(120, 4 * _plan_s)))
# A restart (deploy) lets requests that are planning finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", timeout))
keepalive = 5
# Recycle workers now and then so slow leaks (road graphs, solver memory) cannot build up.
max_requests = 2000
max_requests_jitter = 200

# The app writes its own JSON lines, one per request with its request id; gunicorn's access
# log would only repeat them (with query strings, which can carry what someone searched for).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Trust X-Forwarded-* only from the reverse proxy in front (see docs/deploy.md, PROXY_FIX).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
