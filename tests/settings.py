"""Test settings: the production module, pointed at this machine's Postgres and Redis."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-django-checks")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crossdock")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")

from hub.settings import *  # noqa: F403
from hub.settings import CROSSDOCK_EVENT_SUBSCRIBERS, STORAGES

# A subscriber that counts, in Redis, how often each event reached it (seen by tests across
# the worker process boundary).
CROSSDOCK_EVENT_SUBSCRIBERS = [
    *CROSSDOCK_EVENT_SUBSCRIBERS,
    "tests.hub.subscribers.sleep_once",
    "tests.hub.subscribers.count_event",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
if not os.environ.get("EMAIL_URL"):  # a worker a test starts may point at a local SMTP server
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_URL = os.environ.get("SITE_URL") or "http://testserver"
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]  # tests that count turn them on
CROSSDOCK_RATE_LIMITS = {}
# The local receivers (tests/receivers.py) listen on 127.0.0.1.
CROSSDOCK_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
