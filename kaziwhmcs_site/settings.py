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
    "devtools",  # the demo panel and the soak (manage.py imscp_emulator, rundemo, soak)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's Accept-Language; the client area switches to the WHMCS client's language.
    "django.middleware.locale.LocaleMiddleware",
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
    # Keep connections: django-q2's ORM broker closes old connections on every enqueue, and
    # with CONN_MAX_AGE=0 the connection (PRAGMAs included) was reopened twice per webhook.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
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

# The client area speaks these (locale/<code>/LC_MESSAGES/django.po, compiled by
# `python -m kaziwhmcs_site.catalogs`); any other language falls back to English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Security: HTTPS, headers, cookies, login throttling, log redaction (docs/security.md) ---
# HTTPS is normally terminated by a reverse proxy in front of the bridge.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# One year by default once the site is served over HTTPS (SECURE_COOKIES on); Django sends
# the header on HTTPS requests only, so it never locks out a plain-http development setup.
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS", default=31536000 if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preload-listing is the domain owner's commitment (SECURE_HSTS_PRELOAD), not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent unless a view set its own (the single sign-on page sets a stricter, nonce-based one).
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "provisioning.security_headers.ContentSecurityPolicyMiddleware",
)

# Admin login throttling (django-axes): AXES_FAILURE_LIMIT failures from one client IP
# lock further attempts out for AXES_COOLOFF_MINUTES.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes requires
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "provisioning.login_throttle.login_client_ip"
AXES_LOCKOUT_CALLABLE = "provisioning.login_throttle.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
# Behind a reverse proxy every client has the proxy's address: with this on, the client IP
# is the last X-Forwarded-For entry, the one the (trusted) proxy appended.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)


# --- The panels ---
# The panel (see shared protocol): account creation is slow, so the read timeout is generous.
PANEL_CONNECT_TIMEOUT = env.float("PANEL_CONNECT_TIMEOUT", default=5.0)
PANEL_READ_TIMEOUT = env.float("PANEL_READ_TIMEOUT", default=60.0)
# Calls in flight to one panel at most, across all workers and hosts (a server may set its
# own); and how many calls in a row that cannot reach a panel pause its queue.
PANEL_MAX_CONCURRENCY = env.int("PANEL_MAX_CONCURRENCY", default=2)
PANEL_PAUSE_AFTER_FAILURES = env.int("PANEL_PAUSE_AFTER_FAILURES", default=3)

# --- WHMCS: webhooks, status requests, the client area ---
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)
WEBHOOK_TIMESTAMP_TOLERANCE = env.int("WEBHOOK_TIMESTAMP_TOLERANCE", default=300)
CLIENT_AREA_LINK_SECONDS = env.int("CLIENT_AREA_LINK_SECONDS", default=600)
# Status requests of one web process that may wait for an operation's outcome at once
# (the WHMCS module's long poll); the others answer at once. Below gunicorn's --threads,
# so that waiting calls leave threads to webhooks and pages.
STATUS_WAIT_SLOTS = env.int("STATUS_WAIT_SLOTS", default=2)
if STATUS_WAIT_SLOTS < 0:
    raise ImproperlyConfigured("STATUS_WAIT_SLOTS must be 0 (no waiting) or more")
# The client area: daily usage samples kept for the history chart, and how long a
# signed link's session grants its service.
USAGE_HISTORY_DAYS = env.int("USAGE_HISTORY_DAYS", default=90)
if USAGE_HISTORY_DAYS < 1:
    raise ImproperlyConfigured("USAGE_HISTORY_DAYS must be at least 1 (days of usage kept)")
CLIENT_AREA_SESSION_SECONDS = env.int("CLIENT_AREA_SESSION_SECONDS", default=3600)

# --- Operations and the task queue ---
# Transient panel failures: OPERATION_MAX_ATTEMPTS attempts, exponential backoff from
# OPERATION_RETRY_BASE_SECONDS (defaults: 8 attempts spread over about two hours).
OPERATION_MAX_ATTEMPTS = env.int("OPERATION_MAX_ATTEMPTS", default=8)
OPERATION_RETRY_BASE_SECONDS = env.float("OPERATION_RETRY_BASE_SECONDS", default=60.0)

# The most panel calls one attempt makes: a create met by "already exists" lists the
# reseller's accounts, logs in as the customer, and, that login refused, logs in as the
# reseller in its session to clear it (a suspend of an account the bridge did not create:
# list, customer login, suspend). Counted by tests/operations/test_worker_lost.py.
PANEL_CALLS_PER_ATTEMPT = 4
# Q_TIMEOUT covers the worst attempt, each call up to both panel timeouts. A worker that
# dies is noticed after Q_TIMEOUT (+ a margin) by the sweep; the ORM broker redelivers its
# task after Q_RETRY, which must exceed Q_TIMEOUT or a slow task runs on two workers at once.
_task_timeout = env.int(
    "Q_TIMEOUT",
    default=int(PANEL_CALLS_PER_ATTEMPT * (PANEL_CONNECT_TIMEOUT + PANEL_READ_TIMEOUT)) + 30,
)
_task_retry = env.int("Q_RETRY", default=_task_timeout + 60)
if _task_retry <= _task_timeout:
    raise ImproperlyConfigured(
        f"Q_RETRY ({_task_retry}) must be larger than Q_TIMEOUT ({_task_timeout})"
    )
Q_CLUSTER = {
    "name": env.str("Q_CLUSTER_NAME", default="kaziwhmcs"),
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": _task_timeout,
    "retry": _task_retry,
    "max_attempts": 0,
    "poll": env.float("Q_POLL", default=0.2),
    "guard_cycle": env.float("Q_GUARD_CYCLE", default=0.5),
    # Successful tasks are not kept: the Operation journal is the record (keeping some made
    # the cluster's monitor lock, count and prune the success table after every task).
    "save_limit": -1,
    "ack_failures": True,
    "catch_up": False,
    "label": "Task queue",
}
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    # django-q2's Redis broker, also recording the workers' heartbeat for /healthz.
    Q_CLUSTER["broker_class"] = "provisioning.db.task_broker.RedisBroker"
else:
    Q_CLUSTER["orm"] = "default"
    # The ORM broker, its task rows written with one prepared INSERT inside a transaction.
    Q_CLUSTER["broker_class"] = "provisioning.db.task_broker.DatabaseBroker"

# --- Logging, alerts, health and metrics (README, "Monitoring") ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secrets out of the console log, whatever logs them (the panel echoes refused passwords).
    "filters": {"redact_secrets": {"()": "provisioning.redaction.SecretRedactingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Mail: django-environ's EMAIL_URL (smtp://user:pass@host:587, smtp+tls://..., smtps://...;
# consolemail:// and filemail:////absolute/path for trials). Unset: Django's default,
# localhost:25. Parts the URL leaves out keep Django's defaults.
_email_url = env_secret("EMAIL_URL")
if _email_url:
    vars().update({k: v for k, v in env.email_url_config(_email_url).items() if v is not None})
# An SMTP server that hangs must not hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kaziwhmcs@localhost")
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
# A Slack/Mattermost-compatible incoming webhook (a JSON POST with `text`); a secret URL.
ALERT_WEBHOOK_URL = env_secret("ALERT_WEBHOOK_URL")
ALERT_SUSPENSION_OWED_MINUTES = env.int("ALERT_SUSPENSION_OWED_MINUTES", default=60)
# A server incident ends after this long without a failed call since a successful one: a
# flapping panel stays one incident instead of one per flap.
ALERT_SERVER_QUIET_MINUTES = env.int("ALERT_SERVER_QUIET_MINUTES", default=30)
if ALERT_SERVER_QUIET_MINUTES < 1:
    raise ImproperlyConfigured("ALERT_SERVER_QUIET_MINUTES must be 1 or more")
# The bridge's address as operators reach it, for the admin links in alerts.
BRIDGE_URL = env.str("BRIDGE_URL", default="http://localhost:8000").rstrip("/")
# GET /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
METRICS_TOKEN = env_secret("METRICS_TOKEN")
# Load balancers probe /healthz over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
