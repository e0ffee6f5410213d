"""A worker (prefork, as in production) rides out a Redis outage while it holds a task.

With celery 5.7 and kombu 5.7 as pinned, a connection lost while one pool process runs an
acks_late task and the other waits on BRPOP ended the worker: ``Unrecoverable error:
AttributeError('NoneType' object has no attribute 'hostname')`` while restoring the
unacknowledged message (hub/broker.py says why).
"""

import pytest

from hub.models import Event
from hub.tasks import process_event_task
from tests import workers
from tests.hub import subscribers

pytestmark = [pytest.mark.worker, pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_worker_holding_a_task_survives_a_redis_outage(tmp_path, private_redis, settings):
    settings.CELERY_BROKER_URL = private_redis.url  # where the test subscribers count
    log = tmp_path / "worker.log"
    worker = workers.start_worker(
        log, pool="prefork", concurrency=2, CELERY_BROKER_URL=private_redis.url
    )
    try:
        held = Event.objects.create(
            source="generic",
            type="generic.slow",
            external_id="held",
            payload={"_test_sleep_once": 15},
        )
        workers.send_to(private_redis.url, process_event_task, held.pk)
        workers.wait_for(lambda: subscribers.sleeping(held.uuid), timeout=60)

        private_redis.stop()  # one pool process sleeps in the task, the other waits on BRPOP
        workers.wait_for(lambda: "Connection to broker lost" in log.read_text(), timeout=30)
        private_redis.start()
        workers.wait_for(
            lambda: log.read_text().count("Connected to ") >= 2 or worker.poll() is not None,
            timeout=60,
        )
        assert worker.poll() is None, log.read_text()[-3000:]
        assert "Unrecoverable error" not in log.read_text()

        # It consumes again, and the held event finished once.
        later = Event.objects.create(source="generic", type="generic.signup", external_id="later")
        workers.send_to(private_redis.url, process_event_task, later.pk)
        for event in (held, later):
            workers.wait_for(
                lambda e=event: Event.objects.filter(pk=e.pk, status="processed").exists(),
                timeout=60,
            )
        assert subscribers.seen(held.uuid) == 1
        assert subscribers.seen(later.uuid) == 1
    finally:
        workers.stop_worker(worker)
