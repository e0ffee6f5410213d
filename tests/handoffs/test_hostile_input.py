"""A sender that signs correctly can still send nonsense: each is a 400 with a reason, logged
on the integration's page as a rejection, and nothing is stored (never a 5xx)."""

import time

import pytest

from handoffs.inbound.providers.generic import sign
from handoffs.models import ImportJob, WebhookRejection
from hub.models import Event
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps


def generic_headers(integration, body: bytes) -> dict:
    return {"HTTP_X_CROSSDOCK_SIGNATURE": sign(integration.secret, body, int(time.time()))}


def assert_rejected(response, integration, reason: str) -> None:
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    rejection = WebhookRejection.objects.get(integration=integration)
    assert (rejection.status_code, reason in rejection.reason) == (400, True)
    assert Event.objects.count() == 0


@pytest.mark.parametrize("depth", [65, 5000, 100_000])
def test_deeply_nested_json_is_a_400(post_hook, generic, depth):
    body = b'{"type": "x", "deep": ' + b"[" * depth + b"]" * depth + b"}"
    response = post_hook(generic, body, **generic_headers(generic, body))
    assert_rejected(response, generic, "nested deeper than 64 levels")


def test_json_nested_as_deep_as_real_payloads_is_accepted(post_hook, generic):
    body = b'{"type": "x", "deep": ' + b"[" * 60 + b"]" * 60 + b"}"
    assert post_hook(generic, body, **generic_headers(generic, body)).status_code == 200


@pytest.mark.parametrize(
    "when", ["2026-13-45T10:00:00Z", "2026-02-30T10:00:00Z", "2026-01-01T25:61:00"]
)
def test_an_impossible_generic_date_is_a_400(post_hook, generic, when):
    body = dumps({"type": "order.created", "id": "o1", "occurred_at": when})
    response = post_hook(generic, body, **generic_headers(generic, body))
    assert_rejected(response, generic, "'occurred_at' is not a real date and time")


def test_an_impossible_typeform_date_is_a_400(post_hook, typeform):
    data = payloads.typeform_response()
    data["form_response"]["submitted_at"] = "2026-02-30T10:00:00Z"
    body = dumps(data)
    response = post_hook(typeform, body, **payloads.typeform_headers(body))
    assert_rejected(response, typeform, "submitted_at' is not a real date and time")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "x", "note": "a\u0000b"},
        {"type": "x", "nested": [{"deep": ["\u0000"]}]},
        {"type": "x", "key\u0000": 1},
    ],
)
def test_a_nul_character_anywhere_is_a_400_not_a_retry_forever(post_hook, generic, data):
    body = dumps(data)
    assert b"\\u0000" in body
    response = post_hook(generic, body, **generic_headers(generic, body))
    assert "Retry-After" not in response
    assert_rejected(response, generic, "NUL character")


def test_a_nul_in_a_signed_onfleet_event_is_a_400(post_hook, onfleet):
    data = payloads.onfleet_task_event()
    data["data"] = {"task": {"notes": "gate\u0000code"}}
    body = dumps(data)
    response = post_hook(onfleet, body, **payloads.onfleet_headers(body))
    assert_rejected(response, onfleet, "NUL character")


def test_the_rejection_shows_on_the_integration_page(post_hook, generic, client_for, admin_user):
    body = dumps({"type": "x", "note": "\u0000"})
    post_hook(generic, body, **generic_headers(generic, body))
    page = client_for(admin_user).get(f"/handoffs/integrations/{generic.pk}/").content.decode()
    assert "NUL character" in page


def test_a_csv_with_nul_bytes_is_refused_at_upload(client_for, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("tasks.csv", b"id,name\n1,a\x00b\n", content_type="text/csv")
    response = client_for(admin_user).post(
        "/handoffs/imports/", {"kind": "onfleet_tasks", "file": upload}
    )
    assert response.status_code == 200
    assert "NUL bytes" in response.content.decode()
    assert not ImportJob.objects.exists()
