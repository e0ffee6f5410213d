"""Pages and the API write through the same services: same checks, same audit rows, same effects."""

import threading

import pytest
from django.db import connection

from handoffs.models import Channel, Handoff
from hub.models import AuditLog, IdempotencyKey


def web_channel(client, **fields):
    client.post("/handoffs/channels/", fields)


def api_channel(api, **fields):
    return api.post("/api/v1/channels/", fields, format="json")


@pytest.mark.parametrize("via", ["web", "api"])
def test_a_webhook_channel_is_signed_and_audited_either_way(
    via, client_for, api_for, admin_user, ops
):
    fields = {
        "team": ops.pk if via == "web" else ops.slug,
        "kind": "webhook",
        "name": "Ops hook",
        "target": "https://hooks.example.com/crossdock",
    }
    if via == "web":
        web_channel(client_for(admin_user), **fields)
    else:
        assert api_channel(api_for(admin_user), **fields).status_code == 201
    channel = Channel.objects.get(kind="webhook")
    assert len(channel.signing_secret) == 64
    audit = AuditLog.objects.get(action="channel.create")
    assert (audit.actor, audit.object_id) == (admin_user, str(channel.pk))


@pytest.mark.parametrize("via", ["web", "api"])
@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("email", "ops@example.com, not-an-address", "“not-an-address” is not an email address."),
        ("slack", "ftp://example.com/hook", "Paste the webhook URL"),
    ],
)
def test_the_same_bad_channel_is_refused_either_way(
    via, kind, target, message, client_for, api_for, admin_user, ops
):
    if via == "web":
        page = client_for(admin_user).post(
            "/handoffs/channels/", {"team": ops.pk, "kind": kind, "name": "x", "target": target}
        )
        assert message in page.content.decode()
    else:
        answer = api_channel(api_for(admin_user), team=ops.slug, kind=kind, name="x", target=target)
        assert answer.status_code == 400
        assert message in str(answer.json())
    assert not Channel.objects.exclude(kind="inbox").exists()
    assert not AuditLog.objects.filter(action="channel.create").exists()


def test_the_api_cannot_make_an_inbox_channel(api_for, admin_user, ops):
    answer = api_channel(api_for(admin_user), team=ops.slug, kind="inbox", name="Inbox 2")
    assert answer.status_code == 400
    assert not Channel.objects.exists()


def test_channel_changes_and_deletion_are_audited_through_the_api(api_for, admin_user, ops):
    api = api_for(admin_user)
    created = api_channel(api, team=ops.slug, kind="email", name="Ops mail").json()
    api.patch(f"/api/v1/channels/{created['id']}/", {"enabled": False}, format="json")
    assert Channel.objects.get(pk=created["id"]).enabled is False
    api.delete(f"/api/v1/channels/{created['id']}/")
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["channel.create", "channel.disable", "channel.delete"]


@pytest.mark.parametrize("via", ["web", "api"])
def test_a_handoff_by_hand_names_the_sending_team_and_is_audited_either_way(
    via, client_for, api_for, member, ops, marketing
):
    if via == "web":
        client_for(member).post(
            "/handoffs/new/", {"team": marketing.pk, "title": "Check promo", "link": "/kpis/"}
        )
    else:
        answer = api_for(member).post(
            "/api/v1/handoffs/",
            {"team": marketing.slug, "title": "Check promo", "link": "/kpis/"},
            format="json",
        )
        assert answer.status_code == 201
    handoff = Handoff.objects.get()
    assert (handoff.from_team, handoff.created_by, handoff.link) == (ops, member, "/kpis/")
    assert AuditLog.objects.filter(action="handoff.create", object_id=str(handoff.pk)).exists()


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "https://evil.example/", "//evil.example", "/\\evil.example"]
)
def test_the_api_refuses_off_site_links_as_the_page_does(link, api_for, member, marketing):
    answer = api_for(member).post(
        "/api/v1/handoffs/", {"team": marketing.slug, "title": "x", "link": link}, format="json"
    )
    assert answer.status_code == 400
    assert "must point to a page of Crossdock" in answer.json()["detail"]
    assert not Handoff.objects.exists()


def test_a_retried_call_with_the_same_idempotency_key_creates_one_handoff(
    api_for, member, marketing
):
    api = api_for(member)
    body = {"team": marketing.slug, "title": "Zap: new VIP signup"}
    first = api.post("/api/v1/handoffs/", body, format="json", HTTP_IDEMPOTENCY_KEY="zap-123")
    again = api.post("/api/v1/handoffs/", body, format="json", HTTP_IDEMPOTENCY_KEY="zap-123")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Handoff.objects.count() == 1

    other = api.post(
        "/api/v1/handoffs/",
        {**body, "title": "Another"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="zap-123",
    )
    assert other.status_code == 400
    assert "different request" in other.json()["detail"]
    assert Handoff.objects.count() == 1


def test_an_invalid_call_with_a_key_stores_nothing_so_a_fixed_retry_works(
    api_for, member, marketing
):
    api = api_for(member)
    bad = api.post(
        "/api/v1/handoffs/", {"team": marketing.slug}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_calls_with_one_key_create_one_handoff(member, marketing):
    from rest_framework.test import APIClient

    answers = []
    barrier = threading.Barrier(2)

    def call():
        api = APIClient()
        api.force_authenticate(member)
        barrier.wait()
        answers.append(
            api.post(
                "/api/v1/handoffs/",
                {"team": marketing.slug, "title": "Race"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="race-1",
            )
        )
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(a.status_code for a in answers) == [201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Handoff.objects.count() == 1
