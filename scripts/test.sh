#!/usr/bin/env bash
# Quick start, command 2: set up and run every check — lint, types, Django checks, and the whole
# test suite twice, on SQLite and on PostgreSQL (browser tests included). .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv dev

log "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
log "mypy"
.venv/bin/mypy
log "Django checks"
.venv/bin/python manage.py check --fail-level WARNING
.venv/bin/python manage.py makemigrations --check --dry-run

if ! ensure_chromium; then
    [ "${CI:-}" = true ] && die "Debian's chromium is needed for the browser tests (apt-get install chromium fonts-noto-cjk)."
    log "chromium is missing: browser tests will be skipped (apt-get install chromium fonts-noto-cjk)"
fi

if ! ensure_nats; then
    [ "${CI:-}" = true ] && die "NATS with JetStream is needed on 127.0.0.1:4222 for the exchange stream tests."
    log "NATS is not reachable: the JetStream tests will be skipped"
fi

log "Test suite on SQLite"
.venv/bin/pytest "$@"

if ensure_postgres; then
    log "Test suite on PostgreSQL"
    DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/yiwang}" .venv/bin/pytest "$@"
else
    die "PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started; the suite must pass on it too."
fi
log "All checks passed."
