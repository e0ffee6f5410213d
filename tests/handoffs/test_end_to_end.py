"""Provider requests through the real endpoint and a real Celery worker on Redis."""

import os
import signal

import pytest
from django.test import Client

from handoffs.models import Integration
from hub import events
from hub.models import Customer, Delivery, Event, Zone
from hub.tasks import sweep_events_task
from tests import workers
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps
from tests.hub import subscribers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def post(integration, body, **headers):
    return Client().generic(
        "POST", f"/hooks/{integration.token}/", body, content_type="application/json", **headers
    )


def test_onfleet_task_becomes_a_delivery_once_and_forgeries_leave_nothing(celery_worker):
    Zone.objects.create(code="downtown", name="Downtown", dispatch_team_id="team_downtown")
    onfleet = Integration.objects.create(
        name="Onfleet", kind="onfleet", secret=payloads.ONFLEET_SECRET
    )
    body = dumps(payloads.onfleet_task_event(task_id="e2e-task-1"))

    for _ in range(5):
        assert post(onfleet, body, **payloads.onfleet_headers(body)).status_code == 200
    forged = dumps(payloads.onfleet_task_event(task_id="e2e-forged"))
    assert post(onfleet, forged, HTTP_X_ONFLEET_SIGNATURE="ab" * 64).status_code == 401

    delivery = workers.wait_for(lambda: Delivery.objects.filter(dispatch_id="e2e-task-1").first())
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.zone.code == "downtown"
    assert Event.objects.filter(integration_id=onfleet.pk).count() == 1
    event = workers.wait_for(
        lambda: Event.objects.filter(
            status=Event.Status.PROCESSED, integration_id=onfleet.pk
        ).first()
    )
    assert subscribers.seen(event.uuid) == 1
    assert not Delivery.objects.filter(dispatch_id="e2e-forged").exists()


def test_hubspot_contact_becomes_a_customer(celery_worker):
    hubspot = Integration.objects.create(
        name="HubSpot", kind="hubspot", secret=payloads.HUBSPOT_SECRET
    )
    body = dumps(
        payloads.hubspot_events(
            {"subscriptionType": "contact.creation", "objectId": 777},
            {"objectId": 777, "propertyName": "email", "propertyValue": "lead@example.com"},
        )
    )
    uri = f"http://testserver/hooks/{hubspot.token}/"
    response = post(hubspot, body, **payloads.hubspot_v3_headers(body, uri))
    assert response.status_code == 200

    customer = workers.wait_for(
        lambda: Customer.objects.filter(crm_id="777", email="lead@example.com").first()
    )
    assert customer.email == "lead@example.com"


def test_worker_killed_mid_processing_loses_and_duplicates_nothing(tmp_path, settings):
    """SIGKILL a worker while it holds an event; the sweeper and a new worker finish it once."""
    workers.purge_queue()
    env = {"CROSSDOCK_EVENT_STALE_SECONDS": "2"}
    first = workers.start_worker(tmp_path / "first.log", **env)
    try:
        recorded = events.record(
            "generic", "generic.slow", "kill-1", {"_test_sleep_once": 60}, integration_id=None
        )
        workers.wait_for(
            lambda: Event.objects.filter(pk=recorded.event.pk, status="processing").exists()
        )
        # Kill it only once it sleeps inside the subscriber: "processing" is set at the claim,
        # and on a busy machine the worker may not have reached the sleep yet (the next worker
        # would then sleep instead).
        workers.wait_for(lambda: subscribers.has_slept(recorded.event.uuid))
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert Event.objects.get(pk=recorded.event.pk).status == Event.Status.PROCESSING
    assert subscribers.seen(recorded.event.uuid) == 0

    second = workers.start_worker(tmp_path / "second.log", **env)
    try:
        settings.CROSSDOCK_EVENT_STALE_SECONDS = 2
        # The claim is stale after two seconds: the sweeper then re-sends the event.
        workers.wait_for(lambda: sweep_events_task() > 0, timeout=30, interval=0.5)
        event = workers.wait_for(
            lambda: Event.objects.filter(pk=recorded.event.pk, status="processed").first()
        )
    finally:
        workers.stop_worker(second)
    assert subscribers.seen(event.uuid) == 1
