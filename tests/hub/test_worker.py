"""A real Celery worker on Redis processes recorded events exactly once."""

import pytest
from django.db import transaction

from hub import events
from hub.models import Event
from hub.tasks import sweep_events_task
from tests.hub import subscribers
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_processed(event_id: int, timeout: float = 30.0) -> Event:
    return wait_for(
        lambda: Event.objects.filter(pk=event_id, status=Event.Status.PROCESSED).first(), timeout
    )


def test_event_recorded_twice_in_one_transaction_reaches_subscriber_once(celery_worker):
    with transaction.atomic():
        first = events.record("generic", "generic.signup", "w-1", {"email": "a@b.test"})
        again = events.record("generic", "generic.signup", "w-1", {"email": "a@b.test"})
    assert first.created and not again.created

    wait_processed(first.event.pk)
    # A later event through the same single worker proves nothing else was queued before it.
    later = events.record("generic", "generic.signup", "w-2")
    wait_processed(later.event.pk)

    assert subscribers.seen(first.event.uuid) == 1
    assert Event.objects.filter(external_id="w-1").count() == 1


def test_event_left_behind_by_a_down_broker_is_swept_and_processed(celery_worker, settings):
    settings.CROSSDOCK_EVENT_STALE_SECONDS = 0
    # Written without its after-commit enqueue, as when the broker was down at the time.
    event = Event.objects.create(source="generic", type="generic.signup", external_id="w-3")

    assert sweep_events_task() >= 1
    wait_processed(event.pk)

    assert subscribers.seen(event.uuid) == 1


def _worker_backends() -> set[int]:
    """Postgres backends on this database other than the test's own: the worker's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_worker_keeps_its_database_connection_from_task_to_task(celery_worker):
    """A drain per burst of events must not pay for a new Postgres backend each time (the
    connection is closed as a request's would be: on errors, age or a failed health check)."""
    first = events.record("generic", "generic.signup", "w-conn-1")
    wait_processed(first.event.pk)
    kept = wait_for(_worker_backends, timeout=10)

    later = events.record("generic", "generic.signup", "w-conn-2")
    wait_processed(later.event.pk)
    assert wait_for(_worker_backends, timeout=10) == kept
