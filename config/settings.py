"""Tagungsbüro settings: one file, everything that differs between a laptop and production
comes from the environment (see .env.example)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# DEBUG is off unless configured; manage.py (the developer's tool) sets DEBUG_DEFAULT=true, so
# commands run with the laptop defaults while the WSGI/ASGI server stays strict.
DEBUG = env.bool("DEBUG", default=env.bool("DEBUG_DEFAULT", default=False))

_INSECURE_DEV_KEY = "django-insecure-tagungsbuero-local-development-only"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = _INSECURE_DEV_KEY
elif not DEBUG and (SECRET_KEY == _INSECURE_DEV_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 32+ random characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "django_ratelimit",
    "conferences",
    "registrations",
    "seeds",
    "exports",  # EXPORTS (issue 12): the exports app
    "checkin",  # EXPORTS (issue 12): check-in codes
    "exhibitors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "conferences.site.SiteURLMiddleware",  # links in e-mails follow the request (SITE_URL unset)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "conferences.context_processors.language_links",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside one writer; IMMEDIATE
# transactions take the write lock at BEGIN, so concurrent writers queue (up to `timeout`
# seconds) instead of failing with "database is locked" halfway through.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so that race tests can open several connections to it.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("SQLITE_TEST_DB", default=str(BASE_DIR / ".test-db.sqlite3"))
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A kept connection is checked (`SELECT 1`) before the first query of a request, so a
    # connection the server closed meanwhile is replaced instead of failing the request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=False
):
    # Opt-in: the server binds parameters and keeps statements run often prepared (less CPU
    # per statement). Off by default: a pooler in transaction mode (PgBouncer before 1.21, and
    # later ones without max_prepared_statements) hands the next transaction another server
    # connection, where the prepared statement does not exist.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits are counted in it; use Redis in production) --------------------------
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif env.str("REDIS_URL", default=""):
    CACHES = {"default": env.cache("REDIS_URL")}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit 4.1 lists django-redis as the Redis backend it supports; Django's own
    # RedisCache (what REDIS_URL gives) increments atomically as well.
    "django_ratelimit.W001",
]
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    # The local default: every process counts for itself (a laptop runs one). Production
    # sets REDIS_URL, so that the workers share the counts.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- E-mail ----------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587 ; in DEBUG the default prints
# e-mails to the console.
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tagungsbüro <tagungsbuero@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Tasks (e-mail is sent through the database-backed queue, worker: manage.py db_worker) -----
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- Authentication --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
# Named date formats per language (LONG_DATE_FORMAT, ...), beside Django's own.
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files (Bootstrap and every other asset are ours; no CDN) -------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security (production) -------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Tagungsbüro -----------------------------------------------------------------------------
# Demo organiser created by `make run` (only in DEBUG, only if no superuser exists).
DEMO_ADMIN_USERNAME = env.str("DEMO_ADMIN_USERNAME", default="orga")

# --- Registration web flow (participant pages: forms, abuse protection, log redaction) -------
# The benchmark lifts the abuse protection with REGISTRATION_RATE_LIMIT_ENABLED=false and
# REGISTRATION_MIN_FILL_SECONDS=0 (see BENCHMARKS.md).
REGISTRATION_MIN_FILL_SECONDS = env.int("REGISTRATION_MIN_FILL_SECONDS", default=3)
# How long a registration form stays valid after it was shown.
REGISTRATION_FORM_MAX_AGE_SECONDS = env.int("REGISTRATION_FORM_MAX_AGE_SECONDS", default=86400)
# Rate limits (django-ratelimit, counted in the default cache, see registrations.ratelimit).
RATELIMIT_ENABLE = env.bool("REGISTRATION_RATE_LIMIT_ENABLED", default=True)
RATELIMIT_FAIL_OPEN = True  # a cache that cannot count lets requests through
RATELIMIT_IP_META_KEY = "registrations.ratelimit.client_address"
# Rates: "<count>/<period>", period s, m, h or d with an optional multiple ("30/10m").
# Many people of one public body may register from one address (NAT): keep the per-IP rate high.
REGISTRATION_RATE_LIMIT_IP = env.str("REGISTRATION_RATE_LIMIT_IP", default="30/10m")
REGISTRATION_RATE_LIMIT_EMAIL = env.str("REGISTRATION_RATE_LIMIT_EMAIL", default="5/h")
REGISTRATION_RATE_LIMIT_LOST_LINK_IP = env.str(
    "REGISTRATION_RATE_LIMIT_LOST_LINK_IP", default="10/h"
)
REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL = env.str(
    "REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL", default="3/h"
)
# Changes through a private link that send e-mail (data, programme, cancellation), per
# registration; and links to a new e-mail address, per registration.
REGISTRATION_RATE_LIMIT_SELF_SERVICE = env.str(
    "REGISTRATION_RATE_LIMIT_SELF_SERVICE", default="10/h"
)
REGISTRATION_RATE_LIMIT_EMAIL_CHANGE = env.str(
    "REGISTRATION_RATE_LIMIT_EMAIL_CHANGE", default="3/h"
)
# Wrong private links per client address (guessing tokens).
REGISTRATION_RATE_LIMIT_TOKEN_IP = env.str("REGISTRATION_RATE_LIMIT_TOKEN_IP", default="30/h")
# request.META key holding the client address: REMOTE_ADDR, or e.g. HTTP_X_REAL_IP behind a proxy.
REGISTRATION_CLIENT_IP_HEADER = env.str("REGISTRATION_CLIENT_IP_HEADER", default="REMOTE_ADDR")

# Tokens of confirm and manage links never reach the request logs.
LOGGING["filters"] = {"redact_tokens": {"()": "registrations.logging.RedactTokensFilter"}}
LOGGING["formatters"] = {
    "django.server": {
        "()": "django.utils.log.ServerFormatter",
        "format": "[{server_time}] {message}",
        "style": "{",
    }
}
LOGGING["handlers"]["console"]["filters"] = ["redact_tokens"]
LOGGING["handlers"]["django.server"] = {
    "class": "logging.StreamHandler",
    "formatter": "django.server",
    "filters": ["redact_tokens"],
}
LOGGING["loggers"]["django.server"] = {
    "handlers": ["django.server"],
    "level": "INFO",
    "propagate": False,
    "filters": ["redact_tokens"],
}
LOGGING["loggers"]["django.request"] = {"filters": ["redact_tokens"]}

# --- Tagungsbüro: registrations (services, e-mails; owned by registrations/services.py) -------
# The public address (https://tagung.example.org): absolute links in e-mails and calendar
# files, the host of calendar UIDs. Unset, links follow the address a request came to, and
# without a request (commands, cron) LOCAL_SITE_URL, which `make run` sets to the address it
# serves (conferences/site.py).
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
LOCAL_SITE_URL = env.str("LOCAL_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Unconfirmed registrations (e-mail address never confirmed) are cancelled after this many
# hours by `manage.py expire_registrations`; their seats go to the waiting list.
REGISTRATION_CONFIRMATION_HOURS = env.int("REGISTRATION_CONFIRMATION_HOURS", default=48)
# `manage.py purge_registrations` deletes the registrations of conferences that ended this many
# days ago, with their bookings, consents, e-mail log and change history (data minimisation).
REGISTRATION_RETENTION_DAYS = env.int("REGISTRATION_RETENTION_DAYS", default=90)
# `manage.py send_reminders` mails confirmed participants this many days before the event.
REGISTRATION_REMINDER_DAYS_BEFORE = env.int("REGISTRATION_REMINDER_DAYS_BEFORE", default=3)
# Issue 12 (CORE): a registration waits at most this long for the locks it needs (PostgreSQL
# lock_timeout, SQLite's busy timeout for the write lock), then the person is asked to try again.
REGISTRATION_LOCK_TIMEOUT_SECONDS = env.float("REGISTRATION_LOCK_TIMEOUT_SECONDS", default=3)
# Versions of the consent texts shown on the form; stored with every consent given.
PRIVACY_NOTICE_VERSION = env.str("PRIVACY_NOTICE_VERSION", default="2026-01")
CONSENT_TEXT_VERSION = env.str("CONSENT_TEXT_VERSION", default="2026-01")
# A failed e-mail is retried with exponential backoff (base, 2×base, 4×base, …) until this
# many attempts have been made; the log (SentEmail) shows every failure.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=60)
