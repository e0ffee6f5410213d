from datetime import timedelta

import pytest
from django.utils import timezone

from hub import events
from hub.models import Event
from tests.hub import subscribers


def test_record_writes_event_once_and_says_so_the_second_time(db):
    first = events.record("generic", "generic.order", "ord-1", {"total": 12})
    second = events.record("generic", "generic.order", "ord-1", {"total": 99})

    assert first.created is True
    assert second.created is False
    assert second.event.pk == first.event.pk
    assert Event.objects.count() == 1
    assert Event.objects.get().payload == {"total": 12}


def test_a_repeated_record_costs_one_statement_until_its_event_is_asked_for(db):
    """A provider's retry (a webhook answered, then sent again) is the INSERT that changes
    nothing, and no read of the stored event unless the caller wants it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = events.record("generic", "generic.order", "ord-9", {"total": 12})
    with CaptureQueriesContext(connection) as captured:
        again = events.record("generic", "generic.order", "ord-9", {"total": 99})
    assert again.created is False
    assert len(captured) == 1, [q["sql"] for q in captured.captured_queries]
    with CaptureQueriesContext(connection) as captured:
        assert again.event.pk == first.event.pk
        assert again.event.payload == {"total": 12}
    assert len(captured) == 1  # read once, when first asked for


def test_a_recorded_event_holds_what_a_model_save_would_have_written(db):
    """record() prepares the INSERT's values itself (no model instance per webhook): every
    column it does not pass gets the model's default, as Event.objects.create would write."""
    when = timezone.now() - timedelta(hours=1)
    recorded = events.record(
        "generic",
        "generic.order",
        "ord-7",
        {"total": 12, "lines": [{"sku": "A"}]},
        occurred_at=when,
        unmapped=True,
        integration_id=42,
        subject="order:7",
    )
    saved = Event.objects.create(
        source="generic",
        type="generic.order",
        external_id="ord-8",
        payload={"total": 12, "lines": [{"sku": "A"}]},
        occurred_at=when,
        unmapped=True,
        integration_id=42,
        subject="order:7",
    )
    stored = Event.objects.get(pk=recorded.event.pk)
    skip = {"id", "uuid", "external_id", "received_at"}
    for field in Event._meta.concrete_fields:
        if field.attname not in skip:
            assert getattr(stored, field.attname) == getattr(saved, field.attname), field.name
    assert stored.uuid != saved.uuid and stored.uuid is not None
    assert abs(stored.received_at - timezone.now()) < timedelta(minutes=1)


def test_the_event_a_record_wrote_is_handed_back_without_a_read(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        recorded = events.record("generic", "generic.order", "ord-10", {"total": 3})
        event = recorded.event
    assert len(captured) == 1  # the INSERT
    stored = Event.objects.get(pk=event.pk)
    for field in Event._meta.concrete_fields:
        assert getattr(event, field.attname) == getattr(stored, field.attname), field.name
    event.status = Event.Status.PROCESSED
    event.save(update_fields=["status"])  # a saved event, not one to insert
    assert Event.objects.get(pk=event.pk).status == Event.Status.PROCESSED


def test_a_payload_received_as_json_text_is_stored_as_sent(db):
    """A provider's body is stored from its own text, not encoded again from its parse: a
    number beyond a float's range (JSON allows it) parses to infinity, which has no JSON
    spelling of its own, and encoding the parse again made the INSERT fail."""
    body = '{"taskId": "t-big", "weight": 1e400, "note": "caf\\u00e9"}'
    import json

    recorded = events.record(
        "onfleet", "onfleet.taskCompleted", "t-big", json.loads(body), payload_json=body
    )
    stored = Event.objects.get(pk=recorded.event.pk)
    assert stored.payload["taskId"] == "t-big"
    assert stored.payload["note"] == "café"
    assert stored.payload["weight"] == 10**400  # exact, as sent


def test_same_external_id_from_another_source_is_another_event(db):
    events.record("onfleet", "onfleet.taskCompleted", "abc")
    events.record("hubspot", "hubspot.contact.creation", "abc")
    assert Event.objects.count() == 2


def test_record_enqueues_processing_once_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        events.record("generic", "generic.order", "ord-2")
        events.record("generic", "generic.order", "ord-2")
    assert len(callbacks) == 1


def test_record_rejects_missing_keys_and_writes_nothing(db):
    with pytest.raises(ValueError, match="source, a type and an external id"):
        events.record("generic", "", "x")
    assert Event.objects.count() == 0


def test_process_runs_subscribers_and_marks_processed(db):
    recorded = events.record("generic", "generic.ping", "p-1")

    assert events.process(recorded.event.pk) is True

    event = Event.objects.get()
    assert event.status == Event.Status.PROCESSED
    assert event.processed_at is not None
    assert subscribers.seen(event.uuid) == 1


def test_process_twice_reaches_subscribers_once(db):
    recorded = events.record("generic", "generic.ping", "p-2")
    events.process(recorded.event.pk)

    assert events.process(recorded.event.pk) is False
    assert subscribers.seen(recorded.event.uuid) == 1


def test_failing_subscriber_returns_event_to_pending_with_the_error(db, settings):
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = ["tests.hub.test_events.explode"]
    recorded = events.record("generic", "generic.ping", "p-3")

    with pytest.raises(RuntimeError):
        events.process(recorded.event.pk)

    event = Event.objects.get()
    assert event.status == Event.Status.PENDING
    assert event.attempts == 1
    assert "RuntimeError: boom" in event.last_error


def test_event_fails_for_good_after_max_attempts(db, settings):
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = ["tests.hub.test_events.explode"]
    recorded = events.record("generic", "generic.ping", "p-4")
    Event.objects.filter(pk=recorded.event.pk).update(attempts=events.MAX_ATTEMPTS - 1)

    with pytest.raises(RuntimeError):
        events.process(recorded.event.pk)

    assert Event.objects.get().status == Event.Status.FAILED


def test_stale_claim_of_a_killed_worker_is_taken_over(db):
    recorded = events.record("generic", "generic.ping", "p-5")
    long_ago = timezone.now() - timedelta(hours=1)
    Event.objects.filter(pk=recorded.event.pk).update(
        status=Event.Status.PROCESSING, claimed_at=long_ago, received_at=long_ago
    )

    assert events.unfinished(timezone.now()) == [recorded.event.pk]
    assert events.process(recorded.event.pk) is True
    assert Event.objects.get().status == Event.Status.PROCESSED


def test_fresh_claim_is_not_taken_over(db):
    recorded = events.record("generic", "generic.ping", "p-6")
    Event.objects.filter(pk=recorded.event.pk).update(
        status=Event.Status.PROCESSING, claimed_at=timezone.now()
    )

    assert events.process(recorded.event.pk) is False
    assert events.unfinished(timezone.now() + timedelta(seconds=5)) == []


def test_replay_sends_a_processed_event_through_again(db, django_capture_on_commit_callbacks):
    recorded = events.record("generic", "generic.ping", "p-7")
    events.process(recorded.event.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        events.replay(recorded.event)

    assert len(callbacks) == 1
    assert events.process(recorded.event.pk) is True
    assert subscribers.seen(recorded.event.uuid) == 2


def explode(event):
    raise RuntimeError("boom")


def test_subscriber_sees_only_the_types_it_asked_for(db, settings):
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = []
    seen: list[str] = []
    events.subscribe(lambda e: seen.append(e.type), types=["feedback.*"], name="test-types")
    try:
        for n, kind in enumerate(["feedback.response.received", "hub.campaign.created"]):
            events.process(events.record("test", kind, f"t-{n}").event.pk)
    finally:
        events._subscriptions.pop("test-types")
    assert seen == ["feedback.response.received"]


def test_a_broken_subscriber_is_retried_alone_and_named(db, settings):
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = []
    runs: list[str] = []
    calls = {"n": 0}

    def flaky(event):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("survey mailer down")
        runs.append("flaky")

    events.subscribe(lambda e: runs.append("steady"), types=["test.*"], name="test-steady")
    events.subscribe(flaky, types=["test.*"], name="test-flaky")
    try:
        recorded = events.record("test", "test.ping", "b-1")
        with pytest.raises(RuntimeError):
            events.process(recorded.event.pk)
        event = Event.objects.get(pk=recorded.event.pk)
        assert event.status == Event.Status.PENDING
        assert event.failed_subscribers == [("test-flaky", "RuntimeError: survey mailer down")]
        assert "test-flaky" in event.last_error

        assert events.process(recorded.event.pk) is True
    finally:
        events._subscriptions.pop("test-steady")
        events._subscriptions.pop("test-flaky")
    assert runs == ["steady", "flaky"]  # the steady one ran once, not again on the retry
    event = Event.objects.get(pk=recorded.event.pk)
    assert event.status == Event.Status.PROCESSED
    assert event.progress["test-flaky"] == {"status": "done", "attempts": 2}


def test_drain_processes_every_pending_event_once_oldest_first(db):
    first = events.record("generic", "generic.ping", "d-1").event
    second = events.record("generic", "generic.ping", "d-2").event

    assert events.drain() == (2, False)
    assert events.drain() == (0, False)

    for event in (first, second):
        event.refresh_from_db()
        assert event.status == Event.Status.PROCESSED
        assert subscribers.seen(event.uuid) == 1
    assert first.processed_at <= second.processed_at


def test_drain_stops_at_its_limit_and_says_more_are_left(db):
    for n in range(3):
        events.record("generic", "generic.ping", f"l-{n}")

    assert events.drain(limit=2) == (2, True)
    assert Event.objects.filter(status=Event.Status.PENDING).count() == 1


def test_drain_leaves_a_failed_event_to_its_own_retry(db, settings):
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = ["tests.hub.subscribers.always_fails"]
    recorded = events.record("generic", "generic.ping", "f-1")

    assert events.drain() == (1, False)  # not taken again and again by the same drain
    event = Event.objects.get(pk=recorded.event.pk)
    assert event.status == Event.Status.PENDING
    assert event.attempts == 1
    assert events.claim_next_event(timezone.now()) is None  # retried by process_event_task only


def test_record_queues_one_drain_for_many_events(db, django_capture_on_commit_callbacks):
    import redis
    from django.conf import settings

    from tests import workers

    workers.purge_queue()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            events.record("generic", "generic.ping", f"q-{n}")
    queued = redis.Redis.from_url(settings.CELERY_BROKER_URL).lrange("celery", 0, -1)
    assert len(queued) == 1
    assert b"hub.drain_events" in queued[0]
    workers.purge_queue()


def test_a_drain_that_leaves_a_backlog_queues_drains_on_every_lane(db, settings):
    """A backlog (a burst, or the worker back after a stop) is worked by as many drains side
    by side as the worker has processes, not by one drain handing over to the next."""
    from hub.tasks import drain_events_task
    from tests import workers

    settings.CROSSDOCK_EVENT_SUBSCRIBERS = []
    settings.CELERY_WORKER_CONCURRENCY = 3
    for n in range(2 * events.DRAIN_LIMIT + 5):
        events.record("generic", "generic.ping", f"lane-{n}")
    workers.purge_queue()

    def queued_lanes() -> list[int]:
        return [args[0] for args, _ in workers.queued_drains()]

    assert drain_events_task() == events.DRAIN_LIMIT
    assert sorted(queued_lanes()) == [0, 1, 2]
    # The drain of lane 1 starts (its flag cleared) and leaves a backlog again: it queues its
    # own successor; lanes 0 and 2 are queued already.
    assert drain_events_task(1) == events.DRAIN_LIMIT
    assert sorted(queued_lanes()) == [0, 1, 1, 2]
    assert drain_events_task(2) == 5  # the last of them: nothing left, nothing queued
    assert len(queued_lanes()) == 4
    workers.purge_queue()


def test_a_flood_is_worked_by_one_paced_drain_until_the_arrivals_drop(db, settings):
    """Events arriving faster than the flood rate: the cores go to the web answering the
    webhooks, and one drain a second works the backlog instead of one on every lane; once the
    arrivals drop, every lane drains again."""
    from hub.tasks import drain_events_task
    from tests import workers

    settings.CROSSDOCK_EVENT_SUBSCRIBERS = []
    settings.CELERY_WORKER_CONCURRENCY = 3
    settings.CROSSDOCK_EVENT_FLOOD_RATE = 2  # over 4 arrivals of the last 2 s pending: a flood
    events._pacing_over()
    for n in range(2 * events.DRAIN_LIMIT + 5):
        events.record("generic", "generic.ping", f"flood-{n}")
    workers.purge_queue()
    queued = workers.queued_drains

    try:
        assert events.flooded(timezone.now())
        assert drain_events_task(0) == events.DRAIN_LIMIT
        # One paced drain of lane 0, a moment later; no drain on the other lanes.
        assert queued() == [([0, True], True)]
        assert events.pacing()
        # Lane 0's flag stays up meanwhile: a webhook's event queues no drain of its own.
        events.record("generic", "generic.ping", "flood-late")
        assert len(queued()) == 1
        # A drain queued before the flood was seen stands aside, and queues nothing.
        assert drain_events_task(1) == 0
        assert len(queued()) == 1

        workers.purge_queue()
        # Still a flood: a paced drain takes a trickle, and queues the next.
        assert drain_events_task(0, True) == events.FLOOD_DRAIN_LIMIT
        assert queued() == [([0, True], True)]

        workers.purge_queue()
        settings.CROSSDOCK_EVENT_FLOOD_RATE = 0  # the arrivals dropped (0: never a flood)
        assert drain_events_task(0, True) == events.FLOOD_DRAIN_LIMIT
        assert not events.pacing()
        # Every lane drains the rest at full speed, at once.
        assert sorted(queued()) == [([0], False), ([1], False), ([2], False)]
    finally:
        events._pacing_over()
        workers.purge_queue()


def test_a_paced_drain_that_empties_the_backlog_ends_the_pacing(db, settings):
    """The last paced drain of a flood: its flag held back the drains of the webhooks that
    arrived while it ran, so it queues one more drain to look for their events."""
    from hub.tasks import drain_events_task
    from tests import workers

    settings.CROSSDOCK_EVENT_SUBSCRIBERS = []
    settings.CROSSDOCK_EVENT_FLOOD_RATE = 2
    events._pacing_over()
    for n in range(3):
        events.record("generic", "generic.ping", f"last-{n}")
    workers.purge_queue()
    try:
        assert events._claim_pacing()
        assert not events._claim_pacing()  # one chain of paced drains at a time
        assert drain_events_task(0, True) == 3
        assert not events.pacing()
        assert [args for args, _ in workers.queued_drains()] == [[0]]
    finally:
        events._pacing_over()
        workers.purge_queue()


def test_a_swept_event_is_not_swept_again_until_it_is_stale_again(db, settings):
    """A long queue is not a lost event: each sweep would otherwise add another task for it."""
    settings.CROSSDOCK_EVENT_STALE_SECONDS = 60
    recorded = events.record("generic", "generic.ping", "p-swept")
    now = timezone.now() + timedelta(seconds=61)

    assert events.unfinished(now) == [recorded.event.pk]
    assert events.unfinished(now + timedelta(seconds=5)) == []
    assert events.unfinished(now + timedelta(seconds=61)) == [recorded.event.pk]
    assert events.process(recorded.event.pk) is True  # a swept event is still pending to claim


def lose_the_database(event):
    from django.db import OperationalError

    raise OperationalError("server closed the connection unexpectedly")


def test_a_database_outage_does_not_use_up_an_events_attempts(db, settings):
    """A connection the database dropped is no fault of the subscriber: the event waits for the
    database instead of failing for good after MAX_ATTEMPTS."""
    from django.db import OperationalError

    settings.CROSSDOCK_EVENT_SUBSCRIBERS = ["tests.hub.test_events.lose_the_database"]
    recorded = events.record("generic", "generic.ping", "p-db")
    for _ in range(events.MAX_ATTEMPTS + 1):
        with pytest.raises(OperationalError):
            events.process(recorded.event.pk)

    event = Event.objects.get()
    assert event.status == Event.Status.PENDING
    assert event.attempts == 0
    assert "server closed the connection" in event.last_error
