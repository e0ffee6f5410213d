"""Personas shared by every test: admin, manager, member (teammates) and an outsider."""

import pytest
from rest_framework.test import APIClient

from hub.models import Role
from tests import receivers, workers
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_kpi_cache(django_db_setup):
    """Each test starts a KPI cache generation of its own (of the test database): the cache
    (Redis) outlives the database state of the test before."""
    from kpis import cache

    cache._bump_now()


@pytest.fixture(autouse=True)
def _nothing_kept_across_tests():
    """Event drains keep configuration across drains while its number stands still; a test's
    rollback (or flush) takes the number back, so the next test could see the same number with
    other rows behind it. Production numbers only ever grow once committed."""
    from hub import events

    events.forget_kept()
    yield
    events.forget_kept()


@pytest.fixture
def ops(db):
    return TeamFactory(name="Operations", slug="operations", kind="operations")


@pytest.fixture
def marketing(db):
    return TeamFactory(name="Marketing", slug="marketing", kind="marketing")


@pytest.fixture
def admin_user(db, ops):
    user = UserFactory(email="admin@crossdock.test", first_name="Ada")
    MembershipFactory(user=user, team=ops, role=Role.ADMIN)
    return user


@pytest.fixture
def manager(db, marketing):
    user = UserFactory(email="manager@crossdock.test", first_name="Mo")
    MembershipFactory(user=user, team=marketing, role=Role.MANAGER)
    return user


@pytest.fixture
def member(db, ops):
    user = UserFactory(email="member@crossdock.test", first_name="Meg")
    MembershipFactory(user=user, team=ops, role=Role.MEMBER)
    return user


@pytest.fixture
def outsider(db):
    """Signed in, but in no team: sees nothing of the company."""
    return UserFactory(email="outsider@crossdock.test")


@pytest.fixture
def client_for(client):
    def make(user):
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    def make(user=None):
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        return api

    return make


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real worker for one test, so no test's tasks reach another's worker."""
    workers.purge_queue()
    proc = workers.start_worker(tmp_path / "worker.log")
    yield proc
    workers.stop_worker(proc)


@pytest.fixture
def slack():
    """A local Slack incoming webhook."""
    receiver = receivers.HttpReceiver(receivers.SLACK_OK, check=receivers.slack_limits)
    yield receiver
    receiver.stop()


@pytest.fixture
def teams_hook():
    """A local Microsoft Teams (Workflows) webhook: 202 Accepted."""
    receiver = receivers.HttpReceiver(receivers.Reply(202, ""), check=receivers.teams_limits)
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp(settings):
    """A local SMTP server, with Django's email pointed at it."""
    server = receivers.SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own (a free port in 6391-6399), free to stop and start."""
    from tests.processes import RedisServer

    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()
