"""The webhook route's lean path: no browser middleware, the integration kept for a moment per
process (changes still apply), the rate limit counted in batches far from the limit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoffs import services
from handoffs.inbound import webhooks
from handoffs.models import Integration
from hub import ratelimit
from hub.models import Event
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps


def _send(post_hook, integration, task_id: str, secret: str = payloads.ONFLEET_SECRET):
    body = dumps(payloads.onfleet_task_event(task_id=task_id))
    return post_hook(integration, body, **payloads.onfleet_headers(body, secret))


def test_a_webhook_answer_keeps_the_api_security_headers_and_sets_no_cookie(post_hook, onfleet):
    response = _send(post_hook, onfleet, "headers")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_webhook_for_another_host_is_refused(client, onfleet):
    body = dumps(payloads.onfleet_task_event(task_id="host"))
    response = client.generic(
        "POST",
        f"/hooks/{onfleet.token}/",
        body,
        content_type="application/json",
        headers={"host": "evil.example"},
        **payloads.onfleet_headers(body),
    )
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_a_known_integrations_webhook_costs_one_query(post_hook, onfleet):
    """The integration is read once per few seconds, not per request: the INSERT is all."""
    assert _send(post_hook, onfleet, "first").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert _send(post_hook, onfleet, "second").status_code == 200
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert Event.objects.count() == 2


def test_pausing_applies_to_the_next_webhook(post_hook, onfleet, admin_user):
    assert _send(post_hook, onfleet, "before").status_code == 200
    services.integration_set_paused(actor=admin_user, integration=onfleet, paused=True)
    response = _send(post_hook, onfleet, "after")
    assert response.status_code == 503
    assert Event.objects.count() == 1


def test_a_rotated_secret_is_accepted_at_once(post_hook, onfleet, admin_user):
    assert _send(post_hook, onfleet, "before").status_code == 200
    new = "ef" * 32
    services.integration_rotate_secret(
        actor=admin_user, integration=onfleet, secret=new, grace_hours=0
    )
    assert _send(post_hook, onfleet, "new", secret=new).status_code == 200
    assert _send(post_hook, onfleet, "old").status_code == 401


def test_a_deleted_integration_is_gone_at_once(post_hook, onfleet, admin_user):
    assert _send(post_hook, onfleet, "before").status_code == 200
    services.integration_delete(actor=admin_user, integration=onfleet)
    assert _send(post_hook, onfleet, "after").status_code == 404


def test_a_change_this_process_did_not_see_applies_within_the_cache_time(
    post_hook, onfleet, settings, monkeypatch
):
    """Another web process paused it (no signal reaches this one): bounded by the setting."""
    settings.CROSSDOCK_INTEGRATION_CACHE_SECONDS = 2
    clock = [1000.0]
    monkeypatch.setattr(webhooks.time, "monotonic", lambda: clock[0])
    assert _send(post_hook, onfleet, "before").status_code == 200
    Integration.objects.filter(pk=onfleet.pk).update(status=Integration.Status.PAUSED)
    clock[0] += 1
    assert _send(post_hook, onfleet, "cached").status_code == 200
    clock[0] += 1.5
    assert _send(post_hook, onfleet, "after").status_code == 503


def test_a_generous_limit_is_counted_in_batches(client, db, settings, monkeypatch):
    """Far from the limit a process adds its count to the shared counter now and then; near it,
    on every request, and it still refuses the first request over it."""
    from django.core.cache import cache

    cache.clear()
    ratelimit.reset()
    settings.CROSSDOCK_RATE_LIMITS = {"/hooks/": "300/60"}
    sent = []
    count = ratelimit._count
    monkeypatch.setattr(
        ratelimit, "_count", lambda key, life, add=1: sent.append(add) or count(key, life, add)
    )
    statuses = [
        client.post("/hooks/nope/", b"{}", content_type="x").status_code for _ in range(300)
    ]
    assert set(statuses) == {404}
    assert sum(sent) == 300
    assert len(sent) < 100
    assert client.post("/hooks/nope/", b"{}", content_type="x").status_code == 429


@pytest.mark.parametrize("limit", [1, 10, 15])
def test_a_small_limit_is_counted_on_every_request(client, db, settings, monkeypatch, limit):
    from django.core.cache import cache

    cache.clear()
    ratelimit.reset()
    settings.CROSSDOCK_RATE_LIMITS = {"/hooks/": f"{limit}/60"}
    sent = []
    count = ratelimit._count
    monkeypatch.setattr(
        ratelimit, "_count", lambda key, life, add=1: sent.append(add) or count(key, life, add)
    )
    for _ in range(limit):
        assert client.post("/hooks/nope/", b"{}", content_type="x").status_code == 404
    assert client.post("/hooks/nope/", b"{}", content_type="x").status_code == 429
    assert sent == [1] * (limit + 1)
