#!/usr/bin/env bash
# One command: set up, load the Barking & Dagenham demo borough, plan its next day, and serve it
# on the embedded defaults (SQLite in instance/, jobs in-process, texts logged, straight-line roads).
source "$(dirname "$0")/lib.sh"
ensure_venv runtime
ensure_node_packages
say "building the database (flask db upgrade)"
flask db upgrade 2>&1 | grep -v '^INFO' || true
SHARED="${CONNECT_ROTA_SHARED:-$ROOT/../shared}"
if [ -f "$SHARED/data/lbbd_postcodes.csv" ]; then
  say "importing the borough's postcodes"
  flask geo import-postcodes "$SHARED/data/lbbd_postcodes.csv"
fi
# The set-up commands print their own summaries; their INFO log lines (one per referral
# stored, per job run) would bury them, so they log warnings only. The server logs as configured.
say "loading the demo borough"
LOG_LEVEL=WARNING flask demo load
say "planning tomorrow"
LOG_LEVEL=WARNING flask rota plan || echo "planning failed; the app still starts"
if ! flask users list 2>/dev/null | grep -q demo@bureau.example; then
  flask users create demo@bureau.example --name "Demo Coordinator" --role admin \
    --password "connect-rota-demo" >/dev/null 2>&1 || true
fi
say "Connect Rota is at http://127.0.0.1:${PORT:-5000}/  (sign in: demo@bureau.example / connect-rota-demo)"
exec flask run --host 127.0.0.1 --port "${PORT:-5000}"
