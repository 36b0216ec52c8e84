"""Django settings, all read from the environment schema in ``env.py``."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from yiwang.config.env import (
    BASE_DIR,
    check_audit_retention,
    check_positive,
    check_production,
    check_share,
    embedded_secret_key,
    env,
    parse_duration,
)
from yiwang.config.huey import check_redis_client, huey_settings

check_production(env)

YIWANG_ENV: str = env("YIWANG_ENV")
DEBUG: bool = env("DEBUG")
VAR_DIR = Path(env("VAR_DIR"))
if not VAR_DIR.is_absolute():
    VAR_DIR = BASE_DIR / VAR_DIR
SECRET_KEY: str = env("SECRET_KEY") or embedded_secret_key(VAR_DIR)
ALLOWED_HOSTS: list[str] = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS: list[str] = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "yiwang.core",
    "yiwang.accounts",
    "yiwang.geo",
    "yiwang.org",
    "yiwang.web",
    "yiwang.console",
    "yiwang.cockpit",
    "yiwang.workorders",
    "yiwang.intake",
    "yiwang.nlp",
    "yiwang.hotline",
    "yiwang.opinion",
    "yiwang.grid",
    "yiwang.exchange",
    "yiwang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yiwang.core.middleware.RequestContextMiddleware",
    "yiwang.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yiwang.core.middleware.AnonymousRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "yiwang.config.urls"
WSGI_APPLICATION = "yiwang.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yiwang.web.navigation.navigation",
            ],
        },
    },
]

# --- database: SQLite (WAL) under var/ by default, PostgreSQL through DATABASE_URL ---
if env("DATABASE_URL"):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "yiwang.sqlite3",
            "OPTIONS": {
                # IMMEDIATE makes concurrent writers queue instead of failing half-way, and
                # keeps the audit hash chain from forking under multi-worker serving.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: shared between server workers (rate limits, lockout windows) ---
if env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- accounts and sessions ---
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "yiwang.accounts.backends.LockoutModelBackend",
    "yiwang.accounts.permissions.RolePermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "yiwang.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
LOGIN_MAX_FAILURES: int = env("LOGIN_MAX_FAILURES")
LOGIN_LOCKOUT_MINUTES: int = env("LOGIN_LOCKOUT_MINUTES")
SESSION_IDLE_MINUTES: int = env("SESSION_IDLE_MINUTES")
# A sliding idle timeout: every request pushes the expiry forward by the idle window.
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
API_TOKEN_DAYS: int = env("API_TOKEN_DAYS")
# Shown under the login form of a demo installation (scripts/start.sh sets it); empty in production.
DEMO_LOGIN_HINT: str = env("DEMO_LOGIN_HINT")
WEB_CONCURRENCY: int = env("WEB_CONCURRENCY")

# --- security headers ---
USE_TLS: bool = env("USE_TLS")
TRUSTED_PROXY_COUNT: int = env("TRUSTED_PROXY_COUNT")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
if USE_TLS:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- rate limits: "N/s|m|h" ---
RATE_LIMIT_LOGIN: str = env("RATE_LIMIT_LOGIN")
RATE_LIMIT_ANONYMOUS: str = env("RATE_LIMIT_ANONYMOUS")

# --- Open311 GeoReport v2 (/open311/v2/) ---
OPEN311_JURISDICTION: str = env("OPEN311_JURISDICTION")
OPEN311_CONTACT: str = env("OPEN311_CONTACT")
OPEN311_KEY_SERVICE: str = env("OPEN311_KEY_SERVICE")
OPEN311_RATE_LIMIT: str = env("OPEN311_RATE_LIMIT")

# --- work orders (DOMAIN.md §3). Time limits per request type and "emergency" as JSON
# {"complaint": [15, "working_days"], ...} over the defaults in workorders/deadlines.py; the
# window for returning an order as JSON [1, "working_days"] ---
if env("WORKORDERS_TIME_LIMITS"):
    WORKORDERS_TIME_LIMITS = env.json("WORKORDERS_TIME_LIMITS")
if env("WORKORDERS_RETURN_WINDOW"):
    WORKORDERS_RETURN_WINDOW = env.json("WORKORDERS_RETURN_WINDOW")
WORKORDERS_GRID_INTAKE_TIER: str = env("WORKORDERS_GRID_INTAKE_TIER")
WORKORDERS_AUTO_DISPATCH: bool = env("WORKORDERS_AUTO_DISPATCH")
WORKORDERS_WHISTLE_ANSWER_MINUTES: int = env("WORKORDERS_WHISTLE_ANSWER_MINUTES")
# --- grid (docs/grid.md): categories whose self-handled (自办) orders close without the
# center's check; the phone's patrol interval; how old a position may be to count as live; the
# side of the squares patrol coverage is counted in ---
GRID_SELF_HANDLE_UNCHECKED_CATEGORIES: list[str] = env("GRID_SELF_HANDLE_UNCHECKED_CATEGORIES")
GRID_PATROL_INTERVAL_SECONDS: int = env("GRID_PATROL_INTERVAL_SECONDS")
GRID_LIVE_POSITION_MINUTES: int = env("GRID_LIVE_POSITION_MINUTES")
GRID_COVERAGE_CELL_M: int = env("GRID_COVERAGE_CELL_M")
SLA_PAUSE_DURING_EXTENSION: bool = env("SLA_PAUSE_DURING_EXTENSION")

# --- working-time calendar for SLAs (core.workcalendar; docs/sla-calendar.md): dates the
# official calendar does not know yet (next year's holidays before the library has them) ---
WORK_CALENDAR_EXTRA_HOLIDAYS: list[str] = env("WORK_CALENDAR_EXTRA_HOLIDAYS")
WORK_CALENDAR_EXTRA_WORKDAYS: list[str] = env("WORK_CALENDAR_EXTRA_WORKDAYS")
WORK_CALENDAR_EXTRA_FILE: str = env("WORK_CALENDAR_EXTRA_FILE")

# --- KPIs (DOMAIN.md §5): a unit acknowledging within N hours counts as responsive;
# whether 基本满意 counts toward 满意率 ---
KPI_RESPONSE_HOURS: int = env("KPI_RESPONSE_HOURS")
KPI_BASICALLY_SATISFIED_COUNTS: bool = env("KPI_BASICALLY_SATISFIED_COUNTS")

# --- Duplicates (重复件): open orders of the same category this near in metres and days whose
# score (docs/workorders.md "Duplicates") reaches the minimum are shown at intake.
ATTACHMENT_MAX_BYTES: int = env("ATTACHMENT_MAX_BYTES")
ATTACHMENTS_PER_ORDER: int = env("ATTACHMENTS_PER_ORDER")
KPI_ROLLUP_RECENT_MINUTES: int = env("KPI_ROLLUP_RECENT_MINUTES")
DUPLICATE_RADIUS_M: float = env("DUPLICATE_RADIUS_M")
DUPLICATE_WINDOW_DAYS: float = env("DUPLICATE_WINDOW_DAYS")
DUPLICATE_MIN_SCORE: float = env("DUPLICATE_MIN_SCORE")

# --- Leadership cockpit (docs/cockpit.md): how long the big screen's figures are fresh (and how
# often it refreshes), how long expired ones may be served while one screen recomputes, how long
# the month's rates and the ranking trend's earlier months are kept; what puts an order in the
# leaders' urgent feed; how many of today's orders are drawn as points ---
COCKPIT_CACHE_SECONDS = int(check_positive("COCKPIT_CACHE_SECONDS", env("COCKPIT_CACHE_SECONDS")))
COCKPIT_STALE_SECONDS = int(check_positive("COCKPIT_STALE_SECONDS", env("COCKPIT_STALE_SECONDS")))
COCKPIT_RECOMPUTE_IN_BACKGROUND: bool = env("COCKPIT_RECOMPUTE_IN_BACKGROUND")
COCKPIT_MONTH_CACHE_SECONDS = int(
    check_positive("COCKPIT_MONTH_CACHE_SECONDS", env("COCKPIT_MONTH_CACHE_SECONDS"))
)
COCKPIT_TREND_CACHE_SECONDS = int(
    check_positive("COCKPIT_TREND_CACHE_SECONDS", env("COCKPIT_TREND_CACHE_SECONDS"))
)
COCKPIT_LONG_OVERDUE_DAYS: float = check_positive(
    "COCKPIT_LONG_OVERDUE_DAYS", env("COCKPIT_LONG_OVERDUE_DAYS")
)
COCKPIT_URGED_TIMES = int(check_positive("COCKPIT_URGED_TIMES", env("COCKPIT_URGED_TIMES")))
COCKPIT_MAX_POINTS = int(check_positive("COCKPIT_MAX_POINTS", env("COCKPIT_MAX_POINTS")))
# AI routing: the model's top confidence below which the catalogue suggests instead.
NLP_ROUTING_THRESHOLD: float = check_share("NLP_ROUTING_THRESHOLD", env("NLP_ROUTING_THRESHOLD"))
NLP_ROUTING_MIN_PER_CLASS = int(
    check_positive("NLP_ROUTING_MIN_PER_CLASS", env("NLP_ROUTING_MIN_PER_CLASS"))
)
# Public-opinion analytics (docs/opinion.md): who generates reports — "thread" (in the web
# process; the embedded set-up runs no worker) or "worker" (the Huey queue); how many texts a
# hot-topic analysis tokenises and clusters at most; a surge exceeds mean + Z × spread of its
# baseline and counts at least MIN_COUNT requests ---
OPINION_REPORT_RUNNER: str = env("OPINION_REPORT_RUNNER")
if OPINION_REPORT_RUNNER not in ("thread", "worker"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("OPINION_REPORT_RUNNER must be thread or worker")
OPINION_TEXT_SAMPLE = int(check_positive("OPINION_TEXT_SAMPLE", env("OPINION_TEXT_SAMPLE")))
OPINION_SURGE_Z: float = check_positive("OPINION_SURGE_Z", env("OPINION_SURGE_Z"))
OPINION_SURGE_MIN_COUNT = int(
    check_positive("OPINION_SURGE_MIN_COUNT", env("OPINION_SURGE_MIN_COUNT"))
)

# --- data sharing and exchange: the stream is the database log unless NATS_URL is set ---
NATS_URL: str = env("NATS_URL")
EXCHANGE_NATS_STREAM: str = env("EXCHANGE_NATS_STREAM")
EXCHANGE_BATCH_MAX_RECORDS: int = env("EXCHANGE_BATCH_MAX_RECORDS")
EXCHANGE_BATCH_MAX_BYTES: int = env("EXCHANGE_BATCH_MAX_BYTES")
EXCHANGE_PULL_MAX_LIMIT: int = env("EXCHANGE_PULL_MAX_LIMIT")
EXCHANGE_PROVIDER_ANSWER_DAYS: int = env("EXCHANGE_PROVIDER_ANSWER_DAYS")
EXCHANGE_GRANT_DAYS: int = env("EXCHANGE_GRANT_DAYS")
EXCHANGE_GRANT_RATE_LIMIT: str = env("EXCHANGE_GRANT_RATE_LIMIT")
EXCHANGE_WEBHOOK_TIMEOUT: float = env("EXCHANGE_WEBHOOK_TIMEOUT")
EXCHANGE_WEBHOOK_MAX_BACKOFF_SECONDS: int = env("EXCHANGE_WEBHOOK_MAX_BACKOFF_SECONDS")
EXCHANGE_BACKFLOW_TIMEOUT: float = env("EXCHANGE_BACKFLOW_TIMEOUT")

# --- job queue (Huey; config/huey.py): SQLite at $VAR_DIR/huey.sqlite3, Redis with REDIS_URL;
# `yiwang worker` runs the consumer. HUEY_IMMEDIATE runs tasks in the calling process ---
check_redis_client(env("REDIS_URL"))
if not env("REDIS_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
HUEY = huey_settings(
    redis_url=env("REDIS_URL"),
    var_dir=VAR_DIR,
    immediate=env("HUEY_IMMEDIATE"),
    workers=env("HUEY_WORKERS"),
)

# --- SLA sweep (workorders/sla.py; docs/workorders.md "SLA sweep"): warn at this share of the
# time limit, urge at the deadline, supervise and escalate this long after it (JSON
# [amount, unit]); whether town and county orders are escalated automatically ---
SLA_WARN_SHARE: float = check_share("SLA_WARN_SHARE", env("SLA_WARN_SHARE"))
SLA_SUPERVISE_AFTER = parse_duration(
    "SLA_SUPERVISE_AFTER", env("SLA_SUPERVISE_AFTER"), (1, "working_days")
)
SLA_ESCALATE_AFTER = parse_duration(
    "SLA_ESCALATE_AFTER", env("SLA_ESCALATE_AFTER"), (3, "working_days")
)
SLA_AUTO_ESCALATE: bool = env("SLA_AUTO_ESCALATE")

# --- audit ---
AUDIT_RETENTION_DAYS = check_audit_retention(env("AUDIT_RETENTION_DAYS"))

# --- i18n: Chinese by default, English switchable ---
LANGUAGE_CODE: str = env("LANGUAGE_CODE")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "yiwang" / "locale"]
TIME_ZONE: str = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- static files: collected under var/ and served by WhiteNoise from the app server ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        # The worker's consumer adds its own handler to a "huey" logger that has none.
        "huey": {"handlers": ["console"], "level": env("LOG_LEVEL"), "propagate": False},
    },
}
