# Shared by scripts/start.sh, scripts/test.sh and .ci/run. Source it from the repository root.

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

find_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)."
}

# ensure_venv base|dev — .venv with the locked dependencies; re-installs only when the lock or
# pyproject.toml changed since the last install.
ensure_venv() {
    local profile=$1 lock="requirements/$1.lock"
    if [ ! -x .venv/bin/python ]; then
        log "Creating the virtual environment in .venv"
        "$(find_python)" -m venv .venv
    fi
    local stamp=".venv/.installed-$profile"
    local digest
    digest=$(cat "$lock" pyproject.toml | .venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
    if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
        log "Installing locked dependencies ($lock)"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
        echo "$digest" > "$stamp"
    fi
}

postgres_up() {
    .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3).close()
PY
}

# ensure_postgres — PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres); start it if stopped.
ensure_postgres() {
    postgres_up && return 0
    log "PostgreSQL is not answering; starting it"
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        for version in /etc/postgresql/*; do
            pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
        done
    fi
    for _ in $(seq 1 30); do
        postgres_up && return 0
        sleep 1
    done
    return 1
}

nats_up() {
    (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null
}

# ensure_nats — NATS with JetStream on 127.0.0.1:4222 (the exchange stream's tests); start it if stopped.
ensure_nats() {
    nats_up && return 0
    command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || return 1
    log "NATS is not answering; starting it with JetStream"
    mkdir -p /var/lib/nats-server 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
        -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
    for _ in $(seq 1 20); do
        nats_up && return 0
        sleep 0.5
    done
    return 1
}

# ensure_chromium — Debian's chromium and CJK fonts for the browser tests.
ensure_chromium() {
    [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "Installing Debian's chromium and fonts-noto-cjk for the browser tests"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null ||
            { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }
    fi
    [ -x /usr/bin/chromium ]
}
