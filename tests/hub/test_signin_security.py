"""Sign-in is one door: the admin goes through it (two-factor, throttling), the limits are
counted in the shared cache so every process sees them, and a password reset tells nobody
who has an account."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.db import connection

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
LOGIN_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}


@pytest.fixture
def fresh_counters():
    """Rate-limit counters live in the shared cache: start each test from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_with_totp(db):
    user = UserFactory(email="root@crossdock.test", is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def in_another_process(code: str, **env: str) -> str:
    """Run ``code`` in a separate Python process on the same database and cache."""
    db = connection.settings_dict
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django.conf import settings
        from django.test.utils import setup_test_environment
        setup_test_environment()
        from django.test import Client
        client = Client()
        """
    ) + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_admin_login_goes_through_the_app_sign_in(client, staff_with_totp):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # The password alone, posted to the admin's own form, signs nobody in.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff_with_totp.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_with_totp_needs_the_code_after_the_password(client, staff_with_totp):
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": staff_with_totp.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_failed_sign_ins_are_counted_across_processes(client, settings, fresh_counters):
    UserFactory(email="target@crossdock.test")
    settings.ACCOUNT_RATE_LIMITS = LOGIN_LIMITS
    # Five wrong passwords from another web process…
    out = in_another_process(
        f"""
        settings.ACCOUNT_RATE_LIMITS = {LOGIN_LIMITS!r}
        for _ in range(5):
            data = {{"login": "target@crossdock.test", "password": "no"}}
            print(client.post("/accounts/login/", data).status_code)
        """
    )
    assert out.split() == ["200"] * 5
    # …and this one refuses even the right password.
    response = client.post(
        "/accounts/login/", {"login": "target@crossdock.test", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_public_endpoint_limits_are_counted_across_processes(client, settings, fresh_counters):
    settings.CROSSDOCK_RATE_LIMITS = {"/hooks/": "10/60"}
    out = in_another_process(
        """
        settings.CROSSDOCK_RATE_LIMITS = {"/hooks/": "10/60"}
        for _ in range(10):
            r = client.post("/hooks/unknown-token/", b"{}", content_type="application/json")
            print(r.status_code)
        """
    )
    assert out.split() == ["404"] * 10
    response = client.post("/hooks/unknown-token/", b"{}", content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "try again" in response.json()["detail"]


def test_webhooks_stay_fast_under_a_generous_limit(client, db, settings, fresh_counters):
    settings.CROSSDOCK_RATE_LIMITS = {"/hooks/": "300/60", "/ack/": "3/60"}
    statuses = [
        client.post("/hooks/nope/", b"{}", content_type="x").status_code for _ in range(300)
    ]
    assert set(statuses) == {404}
    assert client.post("/hooks/nope/", b"{}", content_type="x").status_code == 429
    # Limits are per endpoint: the ack links count on their own.
    assert [client.get("/ack/bad-token/").status_code for _ in range(4)] == [404, 404, 404, 429]


def test_password_resets_are_throttled(client, member, settings, fresh_counters):
    settings.ACCOUNT_RATE_LIMITS = {"reset_password": "10/m/ip,3/5m/key"}
    for _ in range(6):
        client.post("/accounts/password/reset/", {"email": member.email})
    assert len(mail.outbox) == 3


def test_password_reset_for_an_unknown_address_sends_nothing(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@crossdock.test"})
    assert response.status_code == 302  # the same answer as for a real account
    assert mail.outbox == []


def test_the_embedded_default_shares_its_cache_through_the_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='hub.settings'; django.setup();"
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DEBUG": "1", "CROSSDOCK_VAR_DIR": str(tmp_path), "CACHE_URL": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    assert django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
