"""Each provider's request is accepted as it sends it, once; forgeries change nothing."""

import time

import pytest

from handoffs.inbound.providers.generic import sign
from handoffs.models import WebhookRejection
from hub.models import Event
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps

# --- Onfleet --------------------------------------------------------------------------------


def test_onfleet_url_check_echoes_the_check_string(client, onfleet):
    response = client.get(f"/hooks/{onfleet.token}/?check=abc123XYZ")
    assert response.status_code == 200
    assert response.content == b"abc123XYZ"
    assert response["Content-Type"].startswith("text/plain")


def test_onfleet_signed_event_is_stored_once(post_hook, onfleet):
    body = dumps(payloads.onfleet_task_event())
    for _ in range(5):
        response = post_hook(onfleet, body, **payloads.onfleet_headers(body))
        assert response.status_code == 200  # Onfleet retries anything but 200
    event = Event.objects.get()
    assert event.type == "onfleet.taskCompleted"
    assert event.source == "onfleet"
    assert event.integration_id == onfleet.pk
    assert response.json() == {"received": 1, "duplicates": 1}
    onfleet.refresh_from_db()
    assert onfleet.last_event_at is not None


def test_last_event_stamp_moves_at_most_every_few_seconds(post_hook, onfleet):
    """The integration's row is written once per interval, not by every request (a hot lock)."""
    first = dumps(payloads.onfleet_task_event(task_id="stamp-1"))
    post_hook(onfleet, first, **payloads.onfleet_headers(first))
    onfleet.refresh_from_db()
    stamped = onfleet.last_event_at
    second = dumps(payloads.onfleet_task_event(task_id="stamp-2"))
    post_hook(onfleet, second, **payloads.onfleet_headers(second))
    onfleet.refresh_from_db()
    assert onfleet.last_event_at == stamped
    assert Event.objects.count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_ONFLEET_SIGNATURE": "00" * 64},
        {"HTTP_X_ONFLEET_SIGNATURE": "not-hex"},
    ],
    ids=["missing", "wrong", "garbage"],
)
def test_onfleet_forged_request_is_401_and_stores_nothing(post_hook, onfleet, headers):
    response = post_hook(onfleet, dumps(payloads.onfleet_task_event()), **headers)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert Event.objects.count() == 0
    assert WebhookRejection.objects.get().status_code == 401


def test_onfleet_signature_with_another_secret_is_refused(post_hook, onfleet):
    body = dumps(payloads.onfleet_task_event())
    headers = payloads.onfleet_headers(body, secret="ab" * 32)
    assert post_hook(onfleet, body, **headers).status_code == 401
    assert Event.objects.count() == 0


def test_onfleet_tampered_body_is_refused(post_hook, onfleet):
    body = dumps(payloads.onfleet_task_event())
    headers = payloads.onfleet_headers(body)
    tampered = body.replace(b'"success": true', b'"success": false')
    assert post_hook(onfleet, tampered, **headers).status_code == 401


def test_onfleet_body_is_stored_from_its_own_text(post_hook, onfleet):
    """JSON allows a number beyond a float's range; Python reads it as infinity, which has no
    JSON spelling. Encoding the parse again for the database failed, and the 503 that followed
    had Onfleet send the same event again for as long as it retries."""
    event = payloads.onfleet_task_event(task_id="big-number")
    body = dumps(event).replace(b'"state": 3', b'"state": 3, "weightKg": 1e400')
    assert b"1e400" in body
    response = post_hook(onfleet, body, **payloads.onfleet_headers(body))
    assert response.status_code == 200, response.content
    stored = Event.objects.get()
    assert stored.payload["data"]["task"]["weightKg"] == 10**400  # exact, as sent
    assert stored.payload["taskId"] == "big-number"


def test_onfleet_unknown_trigger_is_stored_as_unmapped(post_hook, onfleet):
    # Worker triggers map to drivers (tests/hub/test_drivers.py); SMS replies map to nothing.
    body = dumps(payloads.onfleet_task_event("smsRecipientResponseMissed"))
    assert post_hook(onfleet, body, **payloads.onfleet_headers(body)).status_code == 200
    assert Event.objects.get().unmapped is True


# --- HubSpot --------------------------------------------------------------------------------


def test_hubspot_v3_batch_stores_each_event_once(post_hook, hubspot):
    body = dumps(
        payloads.hubspot_events(
            {"subscriptionType": "contact.creation"},
            {"propertyName": "email", "propertyValue": "Ana@Example.com"},
        )
    )
    uri = f"http://testserver/hooks/{hubspot.token}/"
    first = post_hook(hubspot, body, **payloads.hubspot_v3_headers(body, uri))
    again = post_hook(hubspot, body, **payloads.hubspot_v3_headers(body, uri))

    assert first.status_code == 200
    assert first.json() == {"received": 2, "duplicates": 0}
    assert again.json() == {"received": 2, "duplicates": 2}
    assert sorted(Event.objects.values_list("type", flat=True)) == [
        "hubspot.contact.creation",
        "hubspot.contact.propertyChange",
    ]


def test_hubspot_retry_with_new_attempt_number_is_a_duplicate(post_hook, hubspot):
    uri = f"http://testserver/hooks/{hubspot.token}/"
    for attempt in range(3):
        body = dumps(
            payloads.hubspot_events(
                {"subscriptionType": "contact.creation", "attemptNumber": attempt}
            )
        )
        assert post_hook(hubspot, body, **payloads.hubspot_v3_headers(body, uri)).status_code == 200
    assert Event.objects.count() == 1


def test_hubspot_v3_older_than_five_minutes_is_refused(post_hook, hubspot):
    body = dumps(payloads.hubspot_events({"subscriptionType": "contact.creation"}))
    uri = f"http://testserver/hooks/{hubspot.token}/"
    old = int(time.time() * 1000) - 6 * 60 * 1000
    response = post_hook(hubspot, body, **payloads.hubspot_v3_headers(body, uri, timestamp_ms=old))
    assert response.status_code == 401
    assert "five minutes" in response.json()["detail"]
    assert Event.objects.count() == 0


def test_hubspot_v3_with_wrong_secret_is_refused(post_hook, hubspot):
    body = dumps(payloads.hubspot_events({"subscriptionType": "contact.creation"}))
    uri = f"http://testserver/hooks/{hubspot.token}/"
    headers = payloads.hubspot_v3_headers(body, uri, secret="not-the-secret")
    assert post_hook(hubspot, body, **headers).status_code == 401
    assert Event.objects.count() == 0


def test_hubspot_v3_signed_for_another_url_is_refused(post_hook, hubspot):
    body = dumps(payloads.hubspot_events({"subscriptionType": "contact.creation"}))
    headers = payloads.hubspot_v3_headers(body, "https://elsewhere.example/hooks/x/")
    assert post_hook(hubspot, body, **headers).status_code == 401


def test_hubspot_v1_and_v2_signatures_are_accepted(post_hook, hubspot):
    uri = f"http://testserver/hooks/{hubspot.token}/"
    v1_body = dumps(
        payloads.hubspot_events({"subscriptionType": "contact.creation", "objectId": 1})
    )
    v2_body = dumps(
        payloads.hubspot_events({"subscriptionType": "contact.creation", "objectId": 2})
    )
    assert post_hook(hubspot, v1_body, **payloads.hubspot_v1_headers(v1_body)).status_code == 200
    assert (
        post_hook(hubspot, v2_body, **payloads.hubspot_v2_headers(v2_body, uri)).status_code == 200
    )
    assert Event.objects.count() == 2


def test_hubspot_missing_signature_is_refused(post_hook, hubspot):
    body = dumps(payloads.hubspot_events({"subscriptionType": "contact.creation"}))
    assert post_hook(hubspot, body).status_code == 401


def test_hubspot_company_events_are_unmapped(post_hook, hubspot):
    body = dumps(payloads.hubspot_events({"subscriptionType": "company.creation"}))
    headers = payloads.hubspot_v1_headers(body)
    assert post_hook(hubspot, body, **headers).status_code == 200
    assert Event.objects.get().unmapped is True


# --- Typeform and generic ---------------------------------------------------------------------


def test_typeform_signed_response_is_stored(post_hook, typeform):
    body = dumps(payloads.typeform_response())
    response = post_hook(typeform, body, **payloads.typeform_headers(body))
    assert response.status_code == 200
    event = Event.objects.get()
    assert event.type == "typeform.form_response"
    assert event.external_id == "01HXYZ6B8Y0SGKQ0FMR4J5Q4ZP"


@pytest.mark.parametrize(
    "signature", ["", "sha256=AAAA", "sha1=whatever"], ids=["missing", "wrong", "algorithm"]
)
def test_typeform_forgeries_are_refused(post_hook, typeform, signature):
    headers = {"HTTP_TYPEFORM_SIGNATURE": signature} if signature else {}
    assert post_hook(typeform, dumps(payloads.typeform_response()), **headers).status_code == 401
    assert Event.objects.count() == 0


def test_generic_signed_event_with_id_is_idempotent(post_hook, generic):
    body = dumps({"type": "order.created", "id": "ord_1", "total": 42})
    headers = {"HTTP_X_CROSSDOCK_SIGNATURE": sign(generic.secret, body, int(time.time()))}
    assert post_hook(generic, body, **headers).status_code == 200
    assert post_hook(generic, body, **headers).json() == {"received": 1, "duplicates": 1}
    assert Event.objects.get().type == "generic.order.created"


def test_generic_replayed_signature_is_refused(post_hook, generic):
    body = dumps({"type": "order.created", "id": "ord_2"})
    stale = int(time.time()) - 600
    headers = {"HTTP_X_CROSSDOCK_SIGNATURE": sign(generic.secret, body, stale)}
    response = post_hook(generic, body, **headers)
    assert response.status_code == 401
    assert "five minutes" in response.json()["detail"]


def test_generic_bad_type_is_a_clear_400(post_hook, generic):
    body = dumps({"type": "has spaces!"})
    headers = {"HTTP_X_CROSSDOCK_SIGNATURE": sign(generic.secret, body, int(time.time()))}
    response = post_hook(generic, body, **headers)
    assert response.status_code == 400
    assert "type" in response.json()["detail"]
    assert Event.objects.count() == 0


# --- Whatever is sent -------------------------------------------------------------------------


def test_unknown_token_is_404_json(client, db):
    response = client.post("/hooks/nope/", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Unknown webhook URL."


def test_malformed_json_with_a_valid_signature_is_400(post_hook, onfleet):
    body = b'{"triggerName": "taskCompleted",'
    response = post_hook(onfleet, body, **payloads.onfleet_headers(body))
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_body_over_the_limit_is_413(post_hook, onfleet):
    body = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    response = post_hook(onfleet, body, **payloads.onfleet_headers(body))
    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_paused_integration_asks_the_provider_to_retry(post_hook, onfleet):
    onfleet.status = "paused"
    onfleet.save()
    body = dumps(payloads.onfleet_task_event())
    response = post_hook(onfleet, body, **payloads.onfleet_headers(body))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert Event.objects.count() == 0


def test_get_without_check_is_405(client, hubspot):
    response = client.get(f"/hooks/{hubspot.token}/")
    assert response.status_code == 405


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b"[1,2]", b'"text"', b"\xff\xfe", b'{"triggerName": 5}'],
)
def test_nothing_a_signed_sender_posts_causes_a_5xx(post_hook, onfleet, hubspot, body):
    for integration, headers in (
        (onfleet, payloads.onfleet_headers(body)),
        (hubspot, payloads.hubspot_v1_headers(body) if body != b"\xff\xfe" else {}),
    ):
        response = post_hook(integration, body, **headers)
        assert 400 <= response.status_code < 500


def test_rotated_secret_keeps_the_old_one_for_the_grace_period(post_hook, onfleet, admin_user):
    from handoffs import services

    new = "cd" * 32
    services.integration_rotate_secret(actor=admin_user, integration=onfleet, secret=new)
    onfleet.refresh_from_db()
    old_body = dumps(payloads.onfleet_task_event(task_id="old"))
    new_body = dumps(payloads.onfleet_task_event(task_id="new"))
    assert post_hook(onfleet, old_body, **payloads.onfleet_headers(old_body)).status_code == 200
    assert (
        post_hook(onfleet, new_body, **payloads.onfleet_headers(new_body, new)).status_code == 200
    )

    from datetime import timedelta

    from django.utils import timezone

    onfleet.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    onfleet.save()
    late = dumps(payloads.onfleet_task_event(task_id="late"))
    assert post_hook(onfleet, late, **payloads.onfleet_headers(late)).status_code == 401
