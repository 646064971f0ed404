# Shared set-up for scripts/demo.sh and scripts/test.sh: a virtualenv with the project installed.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
VENV="$ROOT/.venv"

say() { printf '\n== %s\n' "$*"; }

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv in .venv"
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)-$1"
  if [ ! -f "$stamp" ]; then
    say "installing Connect Rota and its dependencies ($1)"
    # pip's own chatter (setuptools deprecation banners) goes to a log; it is shown if the
    # install fails, when the import check below stops the script.
    local log="$VENV/pip-install.log"
    "$VENV/bin/pip" install -q --upgrade pip >"$log" 2>&1 || cat "$log"
    if [ "$1" = "dev" ]; then
      "$VENV/bin/pip" install -q -e ".[dev]" >>"$log" 2>&1 || cat "$log"
    else
      "$VENV/bin/pip" install -q -e . >>"$log" 2>&1 || cat "$log"
    fi
    "$VENV/bin/python" -c "import app, flask, ortools, osmnx, rq, twilio" >/dev/null
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
  export FLASK_APP=wsgi.py
  # The demo and the tests run in development (the built-in SECRET_KEY is fine on a laptop);
  # wsgi.py and gunicorn default to production (issue 11).
  export APP_ENV="${APP_ENV:-development}"
}

ensure_node_packages() {
  # The map library (and axe-core for the browser tests) come from npm: never a CDN, never
  # copied into the repo.
  if [ -f package.json ] && { [ ! -d node_modules/leaflet ] || [ ! -d node_modules/axe-core ]; }; then
    if command -v npm >/dev/null 2>&1; then
      say "installing the map library from npm"
      npm install --no-audit --no-fund --silent >/dev/null 2>&1 || echo "npm install failed: maps will be drawn without Leaflet"
    fi
  fi
}
