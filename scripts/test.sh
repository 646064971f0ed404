#!/usr/bin/env bash
# One command: install everything, make sure PostgreSQL and Redis run, run the checks, then the
# whole test suite twice: on SQLite and on a fresh PostgreSQL database (dropped afterwards).
source "$(dirname "$0")/lib.sh"
START=$(date +%s)

ensure_system_packages() {
  local need=()
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing Debian packages: ${need[*]}"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

ensure_services() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
  fi
}

ensure_system_packages
ensure_venv dev
ensure_node_packages
ensure_services

status=0
step() { say "$1"; shift; if ! "$@"; then echo "FAILED: $*"; status=1; fi; }

step "ruff" ruff check app tests benchmarks
step "mypy (strict on optimizer, services, jobs, sms)" mypy app
step "import-linter: layers point down, app/optimizer stays a pure library" lint-imports
MIGDB="$(mktemp -d)/migrations.sqlite"
step "flask db upgrade on an empty SQLite file" env DATABASE_URL="sqlite:///$MIGDB" flask db upgrade
step "flask db check" env DATABASE_URL="sqlite:///$MIGDB" flask db check

say "tests on SQLite"
pytest "$@" || status=1

PGDB="cr_test_$$_$(date +%s)"
PGURL="postgresql+psycopg://postgres@127.0.0.1:5432/$PGDB"
say "tests on PostgreSQL (database $PGDB)"
if psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $PGDB" ; then
  TEST_DATABASE_URL="$PGURL" pytest "$@" || status=1
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" || true
else
  echo "FAILED: could not create the PostgreSQL test database"
  status=1
fi

say "finished in $(( $(date +%s) - START )) s with status $status"
exit $status
