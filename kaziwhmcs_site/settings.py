"""Settings for the kaziwhmcs bridge: every value comes from the environment
(or `.env`), with defaults that run as they stand (SQLite, django-q2's ORM
broker, localhost). Every variable is listed in README.md and `.env.example`."""

import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file NAME_FILE points to (Docker/systemd secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


def env_bool(name: str, default: bool) -> bool:
    """Strict booleans: a typo must not silently turn a switch off."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


DEBUG = env_bool("DEBUG", False)

# In DEBUG a fixed development value keeps a bare checkout runnable; never in production.
_DEV_ONLY = "dev-only-insecure-value-do-not-use-in-production"
_missing = [
    name
    for name in ("SECRET_KEY", "WEBHOOK_SECRET", "FIELD_ENCRYPTION_KEYS")
    if not env_secret(name)
]
if _missing and not DEBUG:
    raise ImproperlyConfigured(
        "Missing secret setting(s): "
        + ", ".join(_missing)
        + ". Set them in the environment or in .env (`make run` generates a .env "
        "with fresh secrets; `python -m kaziwhmcs_site.envfile` does it alone), "
        "or set DEBUG=true for local development."
    )

SECRET_KEY = env_secret("SECRET_KEY", _DEV_ONLY)
WEBHOOK_SECRET = env_secret("WEBHOOK_SECRET", _DEV_ONLY)
# Fernet keys, comma-separated: the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = [
    key.strip()
    for key in env_secret(
        "FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktaW5zZWN1cmUta2V5LTMyLWJ5dGVzISE="
    ).split(",")
    if key.strip()
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "provisioning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kaziwhmcs_site.urls"
WSGI_APPLICATION = "kaziwhmcs_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and qcluster workers write concurrently: WAL, a busy timeout and
    # IMMEDIATE transactions keep them from failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so worker processes started by tests share it; one per test run.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"kaziwhmcs-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# HTTPS is normally terminated by a reverse proxy in front of the bridge.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The panel (see shared protocol): account creation is slow, so the read timeout is generous.
PANEL_CONNECT_TIMEOUT = env.float("PANEL_CONNECT_TIMEOUT", default=5.0)
PANEL_READ_TIMEOUT = env.float("PANEL_READ_TIMEOUT", default=60.0)

WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)
WEBHOOK_TIMESTAMP_TOLERANCE = env.int("WEBHOOK_TIMESTAMP_TOLERANCE", default=300)
CLIENT_AREA_LINK_SECONDS = env.int("CLIENT_AREA_LINK_SECONDS", default=600)

# Transient panel failures: OPERATION_MAX_ATTEMPTS attempts, exponential backoff from
# OPERATION_RETRY_BASE_SECONDS (defaults: 8 attempts spread over about two hours).
OPERATION_MAX_ATTEMPTS = env.int("OPERATION_MAX_ATTEMPTS", default=8)
OPERATION_RETRY_BASE_SECONDS = env.float("OPERATION_RETRY_BASE_SECONDS", default=60.0)

_task_timeout = int(PANEL_CONNECT_TIMEOUT + 2 * PANEL_READ_TIMEOUT) + 30
Q_CLUSTER = {
    "name": "kaziwhmcs",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": _task_timeout,
    # Must exceed timeout, or a slow task is delivered to a second worker.
    "retry": _task_timeout + 60,
    "max_attempts": 0,
    "poll": env.float("Q_POLL", default=0.2),
    "guard_cycle": env.float("Q_GUARD_CYCLE", default=0.5),
    "save_limit": 50,
    "ack_failures": True,
    "catch_up": False,
    "label": "Task queue",
}
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Performance (see docs/performance.md) ---
# Keep database connections between requests on SQLite too: django-q2's ORM broker calls
# close_old_connections() on every enqueue, and with CONN_MAX_AGE=0 that closed and reopened
# the SQLite connection (PRAGMAs included) twice per webhook.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
# Successful tasks are not kept: the Operation journal is the record. Keeping the last 50 made
# the cluster's monitor lock, count and prune the success table after every task.
Q_CLUSTER["save_limit"] = -1
