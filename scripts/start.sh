#!/usr/bin/env bash
# Quick start, command 1: set up and run Yiwang on its embedded default — SQLite under var/,
# the Nantong demo city — at http://127.0.0.1:${PORT:-8000}/. A second run reuses everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv base
export PORT="${PORT:-8000}"
export DEMO_LOGIN_HINT="${DEMO_LOGIN_HINT-演示账号见启动输出或 README，密码 Yiwang@2026 · Demo logins: see the README, password Yiwang@2026}"
log "Preparing the database (var/yiwang.sqlite3)"
.venv/bin/yiwang migrate --noinput -v 0
.venv/bin/yiwang demo load --if-empty
.venv/bin/yiwang demo accounts
log "Open http://127.0.0.1:${PORT}/ and sign in with one of the accounts above."
exec .venv/bin/yiwang serve --port "$PORT"
