"""The typed environment schema: every setting Yiwang reads from the environment, in one place.

Defaults give the embedded set-up (SQLite under ``var/``); ``YIWANG_ENV=production`` makes the
values a real deployment must choose itself required, and start-up stops with a message naming
each missing one.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# src/yiwang/config/env.py -> repository root
BASE_DIR = Path(__file__).resolve().parents[3]

SCHEMA: dict[str, tuple[type, object]] = {
    "YIWANG_ENV": (str, "development"),
    "DEBUG": (bool, False),
    "SECRET_KEY": (str, ""),
    "ALLOWED_HOSTS": (list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    "CSRF_TRUSTED_ORIGINS": (list, []),
    "DATABASE_URL": (str, ""),
    "REDIS_URL": (str, ""),
    "VAR_DIR": (str, str(BASE_DIR / "var")),
    "USE_TLS": (bool, False),
    "TRUSTED_PROXY_COUNT": (int, 0),
    "LOGIN_MAX_FAILURES": (int, 5),
    "LOGIN_LOCKOUT_MINUTES": (int, 15),
    "SESSION_IDLE_MINUTES": (int, 30),
    "AUDIT_RETENTION_DAYS": (int, 180),
    "RATE_LIMIT_LOGIN": (str, "10/m"),
    "RATE_LIMIT_ANONYMOUS": (str, "120/m"),
    "API_TOKEN_DAYS": (int, 365),
    "WEB_CONCURRENCY": (int, 0),
    "LANGUAGE_CODE": (str, "zh-hans"),
    "TIME_ZONE": (str, "Asia/Shanghai"),
    "LOG_LEVEL": (str, "INFO"),
    "DEMO_LOGIN_HINT": (str, ""),
    "OPEN311_JURISDICTION": (str, "nantong.gov.cn"),
    "OPEN311_CONTACT": (str, "南通市12345政务服务便民热线 · 12345"),
    "OPEN311_KEY_SERVICE": (str, "Ask the command center's system administrator for an api_key."),
    "OPEN311_RATE_LIMIT": (str, "600/m"),
    "KPI_RESPONSE_HOURS": (int, 24),
    "WORKORDERS_TIME_LIMITS": (str, ""),
    "WORKORDERS_RETURN_WINDOW": (str, ""),
    "WORKORDERS_GRID_INTAKE_TIER": (str, "town"),
    "WORKORDERS_AUTO_DISPATCH": (bool, False),
    "WORKORDERS_WHISTLE_ANSWER_MINUTES": (int, 30),
    "GRID_SELF_HANDLE_UNCHECKED_CATEGORIES": (list, []),
    "GRID_PATROL_INTERVAL_SECONDS": (int, 30),
    "GRID_LIVE_POSITION_MINUTES": (int, 10),
    "GRID_COVERAGE_CELL_M": (int, 50),
    "SLA_PAUSE_DURING_EXTENSION": (bool, True),
    "WORK_CALENDAR_EXTRA_HOLIDAYS": (list, []),
    "WORK_CALENDAR_EXTRA_WORKDAYS": (list, []),
    "WORK_CALENDAR_EXTRA_FILE": (str, ""),
    "KPI_BASICALLY_SATISFIED_COUNTS": (bool, True),
    "HUEY_IMMEDIATE": (bool, False),
    "HUEY_WORKERS": (int, 2),
    "SLA_WARN_SHARE": (float, 0.8),
    "SLA_SUPERVISE_AFTER": (str, ""),
    "SLA_ESCALATE_AFTER": (str, ""),
    "SLA_AUTO_ESCALATE": (bool, True),
    "ATTACHMENT_MAX_BYTES": (int, 10 * 1024 * 1024),
    "ATTACHMENTS_PER_ORDER": (int, 30),
    "KPI_ROLLUP_RECENT_MINUTES": (int, 10),
    "DUPLICATE_RADIUS_M": (float, 300.0),
    "DUPLICATE_WINDOW_DAYS": (float, 7.0),
    "DUPLICATE_MIN_SCORE": (float, 0.35),
    "COCKPIT_CACHE_SECONDS": (int, 30),
    "COCKPIT_STALE_SECONDS": (int, 600),
    "COCKPIT_RECOMPUTE_IN_BACKGROUND": (bool, True),
    "COCKPIT_MONTH_CACHE_SECONDS": (int, 300),
    "COCKPIT_TREND_CACHE_SECONDS": (int, 600),
    "COCKPIT_LONG_OVERDUE_DAYS": (float, 3.0),
    "COCKPIT_URGED_TIMES": (int, 2),
    "COCKPIT_MAX_POINTS": (int, 3000),
    "NLP_ROUTING_THRESHOLD": (float, 0.4),
    "NLP_ROUTING_MIN_PER_CLASS": (int, 5),
    "NATS_URL": (str, ""),
    "EXCHANGE_NATS_STREAM": (str, "YIWANG_EXCHANGE"),
    "EXCHANGE_BATCH_MAX_RECORDS": (int, 100_000),
    "EXCHANGE_BATCH_MAX_BYTES": (int, 64 * 1024 * 1024),
    "EXCHANGE_PULL_MAX_LIMIT": (int, 10_000),
    "EXCHANGE_PROVIDER_ANSWER_DAYS": (int, 10),
    "EXCHANGE_GRANT_DAYS": (int, 365),
    "EXCHANGE_GRANT_RATE_LIMIT": (str, "600/m"),
    "EXCHANGE_WEBHOOK_TIMEOUT": (float, 10.0),
    "EXCHANGE_WEBHOOK_MAX_BACKOFF_SECONDS": (int, 3600),
    "EXCHANGE_BACKFLOW_TIMEOUT": (float, 30.0),
    "OPINION_REPORT_RUNNER": (str, "thread"),
    "OPINION_TEXT_SAMPLE": (int, 5000),
    "OPINION_SURGE_Z": (float, 3.0),
    "OPINION_SURGE_MIN_COUNT": (int, 5),
}

# What a production deployment must set itself; the embedded defaults are not safe there.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS")

# The legal floor for keeping audit records (Cybersecurity Law art. 21: at least six months).
AUDIT_RETENTION_FLOOR_DAYS = 180

env = environ.Env(**SCHEMA)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def check_production(environment: environ.Env) -> None:
    """Stop start-up when a production deployment leaves a required value unset."""
    if environment("YIWANG_ENV") != "production":
        return
    missing = [name for name in REQUIRED_IN_PRODUCTION if not environment.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            "YIWANG_ENV=production needs these settings in the environment or .env: "
            + ", ".join(missing)
            + " (see .env.example)."
        )
    if environment.bool("DEBUG"):
        raise ImproperlyConfigured("DEBUG must be false when YIWANG_ENV=production.")


def check_audit_retention(days: int) -> int:
    if days < AUDIT_RETENTION_FLOOR_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS={days} is below the legal floor of "
            f"{AUDIT_RETENTION_FLOOR_DAYS} days (Cybersecurity Law art. 21)."
        )
    return days


def embedded_secret_key(var_dir: Path) -> str:
    """A per-installation key kept under var/, so sessions survive a restart of the demo."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


# The values of ``core.workcalendar.TimeUnit`` (not imported: settings load before the apps).
TIME_UNITS = ("hours", "working_hours", "working_days", "calendar_days")


def parse_duration(name: str, raw: str, default: tuple[float, str]) -> tuple[float, str]:
    """A duration setting given as JSON ``[amount, unit]`` (empty: ``default``); a malformed
    value stops start-up with a message naming the setting."""
    if not raw.strip():
        return default
    try:
        amount, unit = json.loads(raw)
        amount = float(amount)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f'{name} must be JSON [amount, unit], e.g. [1, "working_days"]; got {raw!r}.'
        ) from exc
    if amount < 0 or unit not in TIME_UNITS:
        raise ImproperlyConfigured(
            f"{name}: the amount must be at least 0 and the unit one of {', '.join(TIME_UNITS)};"
            f" got {raw!r}."
        )
    return amount, str(unit)


def check_share(name: str, value: float) -> float:
    if not 0 < value < 1:
        raise ImproperlyConfigured(f"{name}={value} must be a share between 0 and 1 (exclusive).")
    return value


def check_positive(name: str, value: float) -> float:
    if not value > 0:
        raise ImproperlyConfigured(f"{name}={value} must be greater than 0.")
    return value
