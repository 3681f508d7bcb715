"""Settings shared by every environment. Values that differ between places come from the
environment (see the README's configuration table); nothing secret is kept here."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The name shown in the header and in e-mails, and the phase of the service.
JOINEDUP_SERVICE_NAME = env.str("SERVICE_NAME", default="JoinedUp")
JOINEDUP_PHASE = env.str("SERVICE_PHASE", default="Beta")
JOINEDUP_FEEDBACK_EMAIL = env.str("FEEDBACK_EMAIL", default="joinedup-support@example.org")
# True only where the demo partnership is served: enables the demo two-factor helper.
JOINEDUP_DEMO_MODE = env.bool("DEMO_MODE", default=False)

INSTALLED_APPS = [
    "joinedup.accounts.apps.JoinedUpAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "joinedup.core",
    "joinedup.accounts",
    "joinedup.people",
    "joinedup.sharing",
    "joinedup.audit",
    "joinedup.directory",
    "joinedup.assessments",
    "joinedup.referrals",
    "joinedup.triage",
    "joinedup.cases",
    "joinedup.outcomes",
    "joinedup.matching",
    "joinedup.performance",
    "joinedup.demo",
]

MIDDLEWARE = [
    "joinedup.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "joinedup.accounts.middleware.SessionTimeoutMiddleware",
    "joinedup.accounts.middleware.AccessRuleMiddleware",
    "joinedup.audit.middleware.AuditFailureMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "joinedup.core.middleware.NoStoreForSignedInMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "joinedup.config.urls"
WSGI_APPLICATION = "joinedup.config.wsgi.application"
ASGI_APPLICATION = "joinedup.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "joinedup.core.context_processors.service",
                "joinedup.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'joinedup.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead of
    # failing half-way; WAL lets readers carry on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out sign-ins before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# SEC-01: length, not composition. Long passphrases are welcome (Django sets no maximum);
# common passwords, ones like the user's own details and ones that are only a repeated or
# sequential pattern are refused.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "joinedup.accounts.passwords.PatternPasswordValidator"},
    {"NAME": "joinedup.accounts.passwords.MaximumLengthValidator"},
]

PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)  # SEC-05: 1 hour
INVITATION_TIMEOUT_DAYS = env.int("INVITATION_TIMEOUT_DAYS", default=7)

LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

# SEC-08: sessions end after 30 idle minutes and after 10 hours in all.
SESSION_ENGINE = "joinedup.accounts.session_store"
JOINEDUP_SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
JOINEDUP_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=10))
# The server-side row outlives the idle limit by a little, so that SessionTimeoutMiddleware (which
# enforces both limits exactly) sees an expired session and can tell the user why it ended.
SESSION_COOKIE_AGE = int(JOINEDUP_SESSION_IDLE_TIMEOUT.total_seconds()) + 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "joinedup.core.views.csrf_failure"

# Referrals: working days to answer one when neither the team nor the organisation sets a
# target, and where residents' own referrals go (an organisation's name; empty: the first
# co-located statutory partner).
JOINEDUP_REFERRAL_RESPONSE_DAYS = env.int("REFERRAL_RESPONSE_DAYS", default=5)
# How long the consent captured with a referral lasts (identity and contact, for the
# organisation referred to); it is withdrawn sooner if the referral is declined.
JOINEDUP_REFERRAL_CONSENT_DAYS = env.int("REFERRAL_CONSENT_DAYS", default=365)
# "My work" warns of consents on a key worker's cases expiring within this many days.
JOINEDUP_CONSENT_WARNING_DAYS = env.int("CONSENT_WARNING_DAYS", default=30)
# Figures about fewer people than this are not shown in reports (small-number suppression).
JOINEDUP_SMALL_NUMBER_THRESHOLD = env.int("SMALL_NUMBER_THRESHOLD", default=5)
JOINEDUP_SELF_REFERRAL_ORGANISATION = env.str("SELF_REFERRAL_ORGANISATION", default="")
# Public self-referral form: submissions allowed per client address per hour.
JOINEDUP_SELF_REFERRAL_RATE = env.int("SELF_REFERRAL_RATE", default=5)

# SEC-19: how long break-glass access lasts.
JOINEDUP_BREAK_GLASS_HOURS = env.int("BREAK_GLASS_HOURS", default=4)
# Uploaded files (consent evidence, attachments): outside the web root, served only through a
# permission check, never by the web server directly.
MEDIA_ROOT = env.path("PRIVATE_FILES_ROOT", default=str(VAR_DIR / "private-files"))
MEDIA_URL = "/private-files/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# SEC-06: staff accounts unused for this long are disabled by `manage.py disable_inactive_accounts`.
JOINEDUP_ACCOUNT_INACTIVITY_LIMIT = timedelta(days=env.int("ACCOUNT_INACTIVITY_DAYS", default=90))

# Two-factor (django-otp). SEC-03: a code works once (django-otp keeps the last time step used)
# and each wrong code doubles the wait before the next try.
OTP_TOTP_ISSUER = JOINEDUP_SERVICE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
JOINEDUP_BACKUP_CODE_COUNT = 10

# SEC-04: lockout after 10 failures in 5 minutes, counted per username and per address.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=5))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "email"
# A success must not wipe failures: one attacker's own good sign-in from an address would
# otherwise reset the count against everyone else tried from it. Failures age out instead.
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_CALLABLE = "joinedup.accounts.lockout.username_for_lockout"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "joinedup.core.request_meta.client_ip"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "code"]
# Number of reverse proxies in front of the app whose X-Forwarded-For may be trusted.
# 0 (the default) ignores the header, so a forged one changes nothing.
JOINEDUP_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # Charts: Vega-Lite specs drawn by vega-embed; the interpreter keeps Vega within the CSP
    # (no eval), so charts draw without 'unsafe-eval'.
    ("vega", BASE_DIR / "node_modules" / "vega" / "build"),
    ("vega-lite", BASE_DIR / "node_modules" / "vega-lite" / "build"),
    ("vega-embed", BASE_DIR / "node_modules" / "vega-embed" / "build"),
    ("vega-interpreter", BASE_DIR / "node_modules" / "vega-interpreter" / "build"),
    BASE_DIR / "build" / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60

# SEC-26: a strict Content Security Policy on every response; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="joinedup@example.org")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # SEC-24: one JSON object a line, so user input can never start a forged line.
        "json": {"()": "joinedup.core.logging.JsonFormatter"},
    },
    "filters": {
        "request_id": {"()": "joinedup.core.logging.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "joinedup.security": {"level": "INFO", "propagate": True},
        "django.security": {"level": "INFO", "propagate": True},
        # axes logs the address typed at sign-in; our own security log keeps a keyed hash.
        "axes": {"level": "ERROR", "propagate": True},
    },
}

# Data matching (issue 6). Linkage runs are background jobs (django-tasks, database backend;
# run the worker with `manage.py db_worker`). Thresholds are Splink match weights.
TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}
}
JOINEDUP_LINKAGE_BACKEND = env.str("LINKAGE_BACKEND", default="duckdb")  # or "spark"
JOINEDUP_SPARK_MASTER = env.str("SPARK_MASTER", default="local[*]")
JOINEDUP_LINKAGE_THREADS = env.int("LINKAGE_THREADS", default=0)  # 0: DuckDB's default
# DuckDB's working memory for a run; beyond it DuckDB spills to a temporary directory.
JOINEDUP_LINKAGE_MEMORY_LIMIT = env.str("LINKAGE_MEMORY_LIMIT", default="3GB")
JOINEDUP_MATCH_UPPER_THRESHOLD = env.float("MATCH_UPPER_THRESHOLD", default=0.0)
JOINEDUP_MATCH_LOWER_THRESHOLD = env.float("MATCH_LOWER_THRESHOLD", default=-4.0)
#: "Known to several agencies" lists people known to at least this many.
JOINEDUP_SEVERAL_AGENCIES = env.int("SEVERAL_AGENCIES", default=3)
