"""Crossdock settings: one module, configured from the environment (twelve-factor).

Safe defaults serve `make run` on an embedded stack (SQLite under var/, a Celery broker on a
SQLite file, email saved under var/mail/). Production sets DATABASE_URL, CELERY_BROKER_URL,
EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and leaves DEBUG off.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CROSSDOCK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # Only the embedded default (SQLite under var/, a developer's machine) may run without
    # one; anything pointed at a real database must bring its own.
    if not DEBUG and os.environ.get("DATABASE_URL"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off and DATABASE_URL names a database."
        )
    SECRET_KEY = "dev-only-insecure-key-for-the-embedded-default-never-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "hub",
    "handoffs",
    "feedback",
    "standups",
    "wiki",
    "workflows",
    "kpis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hub.middleware.RateLimitMiddleware",
    # Signed webhooks stop here: the rest of the chain serves browsers (hub/middleware.py).
    "hub.middleware.MachineRoutesMiddleware",
    "hub.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hub.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

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
                "hub.context_processors.navigation",
            ],
            # One date format on every page, and previews of message bodies (hub/templatetags/).
            "builtins": [
                "hub.templatetags.crossdock_dates",
                "hub.templatetags.crossdock_text",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'crossdock.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker share the file: WAL lets readers run beside one
    # writer, IMMEDIATE transactions take the write lock up front instead of failing late.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and a statement a connection has run a few times prepared:
    # parsed and planned once (the worker runs the same few dozen shapes for every event). Turn
    # off behind a connection pooler in transaction mode, which cannot keep prepared statements.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "hub.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "hub.adapters.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Counted in the shared cache (below), so every web process sees the same attempts.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "10/m/ip,3/5m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}
# A password reset for an address that is no account sends nothing (and the page says the
# same thing either way, so it tells nobody who has an account).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Crossdock"
# Accept the neighbouring 30-second code too: phone clocks drift.
MFA_TOTP_TOLERANCE = 1

# --- Cache (shared by every web and worker process: rate limits, locks) --------------------
# CACHE_URL: redis://… or rediss://… (production), db:// (a table in the database), or
# locmem:// (one process only: tests of a single process). Without it: Redis when the broker
# is Redis, else the database (the embedded default; `make migrate` creates the table).
CACHE_URL = os.environ.get("CACHE_URL") or ""
_broker = os.environ.get("CELERY_BROKER_URL") or ""
if not CACHE_URL:
    CACHE_URL = _broker if _broker.startswith(("redis://", "rediss://")) else "db://"
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "hub.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "crossdock",
            "TIMEOUT": 300,
        }
    }
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith("db://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "crossdock_cache",
            "TIMEOUT": 300,
        }
    }
else:
    raise ImproperlyConfigured("CACHE_URL must start with redis://, rediss://, db:// or locmem://.")

# Sessions are read from the shared cache and written through to the database: a signed-in
# page costs no session query, and a cache restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Requests per client address on the public endpoints (no sign-in), counted in the shared
# cache: "<count>/<seconds>". Webhooks get room for a provider's bursts; a flood gets 429.
CROSSDOCK_RATE_LIMITS: dict[str, str] = {
    "/hooks/": os.environ.get("CROSSDOCK_RATE_LIMIT_HOOKS", "12000/60"),
    "/ack/": "60/60",
    "/invitations/": "30/60",
}

# Machine endpoints served without the browser middleware (sessions, CSRF, auth, messages,
# CSP, sign-in stages): URL prefix → the URLconf of the views under it. Each such view checks
# who is asking itself (a webhook: its token and the provider's signature).
CROSSDOCK_MACHINE_ROUTES: dict[str, str] = {"/hooks/": "handoffs.webhook_urls"}
# Each web process keeps the integration of a webhook URL this many seconds before reading it
# again: a change made through Crossdock applies at once in the process that made it, and
# within this time in the others (0: read it on every request).
CROSSDOCK_INTEGRATION_CACHE_SECONDS = float(
    os.environ.get("CROSSDOCK_INTEGRATION_CACHE_SECONDS", "2")
)

# --- I18N ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
# KPIs: whether a delivery completed before its promised window opened counts as on time
# (it must never be after the window's end). See kpis/rollups.py and the README.
KPI_EARLY_COUNTS_AS_ON_TIME = env_bool("KPI_EARLY_COUNTS_AS_ON_TIME", True)
# The currency spend is entered in (shown next to every amount of money).
KPI_CURRENCY = os.environ.get("KPI_CURRENCY", "USD")
USE_I18N = True
USE_TZ = True

# --- Static files (served by the app through WhiteNoise; nothing from a CDN) ---------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_plotly_spec = importlib.util.find_spec("plotly")
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
if _plotly_spec and _plotly_spec.submodule_search_locations:
    # plotly.js ships inside the plotly package; serve that exact build, not a copy.
    STATICFILES_DIRS.append(
        (
            "vendor/plotly",
            Path(next(iter(_plotly_spec.submodule_search_locations))) / "package_data",
        )
    )
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

# Uploaded files (doc attachments) through Django's storage API. The app serves them itself,
# after a permission check (/wiki/attachments/<id>/); point MEDIA_ROOT at a persistent volume.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"

# --- Email --------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL") or "console://"
vars().update(dj_email_url.parse(EMAIL_URL))
if not os.environ.get("EMAIL_URL"):
    # The embedded default: each message saved under var/mail/ and announced on one line.
    EMAIL_BACKEND = "hub.mailbox.SummaryConsoleBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Crossdock <crossdock@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Worker processes (prefork). Processing an event mostly waits on Postgres, so more processes
# than cores keep the cores busy; the default is measured by `make bench` (bench/RESULTS.md).
CELERY_WORKER_CONCURRENCY = int(os.environ.get("CELERY_WORKER_CONCURRENCY") or 4)
# Celery's Django fix-up closes the database connection around every task unless this is set;
# hub/celery.py closes it as a request would instead (errors, CONN_MAX_AGE, health checks), and
# the fix-up still recycles it after about this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage of any length: the worker keeps reconnecting instead of giving up after 100
# tries (the rows are the source of truth; the sweepers below catch up once it is back).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, minus a crash on a dropped connection (hub/broker.py says why).
    CELERY_BROKER_TRANSPORT = "hub.broker:Transport"
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task a killed worker had taken comes back to the queue after this many seconds.
        "visibility_timeout": 3600,
        # A Redis that vanishes without closing the socket (failover, NAT) is noticed.
        "socket_connect_timeout": 5,
        "health_check_interval": 10,
        # A publish tries the broker once: kombu would otherwise keep reconnecting for the
        # connect timeout (about 6 s) inside the web request; the sweepers re-send instead.
        "max_retries": 0,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat looks for events and alerts left behind (a down broker, a killed worker).
_SWEEP_EVENTS_SECONDS = float(os.environ.get("CROSSDOCK_SWEEP_EVENTS_SECONDS", "60"))
_SWEEP_ALERTS_SECONDS = float(os.environ.get("CROSSDOCK_SWEEP_ALERTS_SECONDS", "30"))
# The whole beat schedule, in one place.
CELERY_BEAT_SCHEDULE = {
    "sweep-events": {"task": "hub.sweep_events", "schedule": _SWEEP_EVENTS_SECONDS},
    "purge-read-notifications": {
        "task": "hub.purge_notifications",
        "schedule": crontab(minute=17, hour=3),
    },
    "sweep-imports": {"task": "handoffs.sweep_imports", "schedule": 300.0},
    "sweep-alerts": {"task": "handoffs.sweep_alerts", "schedule": _SWEEP_ALERTS_SECONDS},
    "mark-missed-handoffs": {"task": "handoffs.mark_missed", "schedule": 60.0},
    "release-daily-digests": {"task": "handoffs.release_digests", "schedule": crontab(minute=0)},
    "refresh-kpi-rollups": {"task": "kpis.refresh_rollups", "schedule": 600.0},
    "send-survey-reminders": {"task": "feedback.send_reminders", "schedule": crontab(minute=5)},
    "send-scheduled-surveys": {
        "task": "feedback.send_scheduled",
        "schedule": crontab(minute=0, hour=9),
    },
    "post-feedback-summaries": {
        "task": "feedback.post_summaries",
        "schedule": crontab(minute=30, hour=8, day_of_month=1),
    },
    "send-wiki-digests": {"task": "wiki.send_digests", "schedule": 60.0 * 5},
    "mark-stale-wiki-pages": {"task": "wiki.mark_stale_pages", "schedule": crontab(minute=41)},
    "schedule-pilot-reviews": {"task": "workflows.schedule_pilot_reviews", "schedule": 900.0},
    "scan-campaigns": {"task": "workflows.scan_campaigns", "schedule": crontab(minute=35)},
    "purge-webhook-rejections": {
        "task": "handoffs.purge_rejections",
        "schedule": crontab(minute=23, hour=3),
    },
    "generate-standup-meetings": {
        "task": "standups.generate_meetings",
        "schedule": crontab(minute=5),
    },
    "send-standup-reminders": {"task": "standups.send_reminders", "schedule": 300.0},
    "announce-standup-chairs": {"task": "standups.announce_chairs", "schedule": crontab(minute=10)},
    "sync-standup-blockers": {"task": "standups.sync_blockers", "schedule": 600.0},
}

# --- Events -------------------------------------------------------------------------------
# Dotted paths of callables run for every event, besides those apps register in ready().
CROSSDOCK_EVENT_SUBSCRIBERS: list[str] = env_list("CROSSDOCK_EVENT_SUBSCRIBERS")
# An event still pending or processing after this many seconds is picked up by the sweeper.
CROSSDOCK_EVENT_STALE_SECONDS = int(os.environ.get("CROSSDOCK_EVENT_STALE_SECONDS", "120"))
# Arrivals a second above which the worker paces itself (one drain a second) so the web keeps
# answering webhooks: set above what the worker can process (bench/RESULTS.md); 0 turns it off.
CROSSDOCK_EVENT_FLOOD_RATE = int(os.environ.get("CROSSDOCK_EVENT_FLOOD_RATE", "250"))

# Host names an outbound channel may reach although they are internal (loopback, private
# network): e.g. an in-house service. Every other channel URL must lead to a public address.
CROSSDOCK_OUTBOUND_ALLOW_HOSTS: list[str] = env_list("CROSSDOCK_OUTBOUND_ALLOW_HOSTS")

# Seconds to wait for Slack, Teams or a webhook endpoint to answer one alert.
CROSSDOCK_CHANNEL_TIMEOUT = float(os.environ.get("CROSSDOCK_CHANNEL_TIMEOUT", "10"))

# Alerts: a send claimed this many seconds ago whose outcome was never recorded (the worker or
# the database stopped) is settled by the sweeper; it must be well above the channel timeout.
CROSSDOCK_ALERT_STALE_SECONDS = int(os.environ.get("CROSSDOCK_ALERT_STALE_SECONDS", "300"))
# …and an alert due this many seconds ago that nobody took (the broker lost it) is sent again.
CROSSDOCK_ALERT_SWEEP_GRACE_SECONDS = int(
    os.environ.get("CROSSDOCK_ALERT_SWEEP_GRACE_SECONDS", "30")
)

# Alerts: tries per channel before the fallback, and the first retry's delay (it doubles).
CROSSDOCK_ALERT_MAX_ATTEMPTS = int(os.environ.get("CROSSDOCK_ALERT_MAX_ATTEMPTS", "5"))
CROSSDOCK_ALERT_BACKOFF_SECONDS = float(os.environ.get("CROSSDOCK_ALERT_BACKOFF_SECONDS", "2"))

# CSV imports: rows written per transaction, and how long a runner holds an import between
# batches before the sweeper may resume it elsewhere.
CROSSDOCK_IMPORT_BATCH_ROWS = int(os.environ.get("CROSSDOCK_IMPORT_BATCH_ROWS", "1000"))
CROSSDOCK_IMPORT_LEASE_SECONDS = int(os.environ.get("CROSSDOCK_IMPORT_LEASE_SECONDS", "300"))

# Docs: a watcher gets at most one digest of page changes per this many minutes.
WIKI_DIGEST_MINUTES = int(os.environ.get("WIKI_DIGEST_MINUTES", "15"))

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header lets a bad token answer 401, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hub.permissions.IsTeamMember"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hub.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"user": "1000/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crossdock API",
    "DESCRIPTION": "One schema for marketing, operations, customer support and tech.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "hub.models.Event.Status",
        "CampaignStatusEnum": "hub.models.Campaign.Status",
        "DeliveryStatusEnum": "hub.models.Delivery.Status",
        "HandoffStatusEnum": "handoffs.models.Handoff.Status",
        "AlertStatusEnum": "handoffs.models.Alert.Status",
        "IntegrationStatusEnum": "handoffs.models.Integration.Status",
        "ImportStatusEnum": "handoffs.models.ImportJob.Status",
        "PilotStatusEnum": "workflows.models.Pilot.Status",
        "QuestionKindEnum": "feedback.models.Question.Kind",
        "PageTemplateEnum": "wiki.models.Template",
    },
}

# --- Security -----------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_without_traceback": {"()": "hub.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A 403 or 404 is one line ("Forbidden (Permission denied): /people/"), not a traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
    },
}
