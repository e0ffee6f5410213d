"""Handoff pages and API: who may do what, and the journeys admins and members take."""

import pytest

from handoffs import services
from handoffs.models import Channel, Handoff, Rule
from hub import events
from hub.models import Team

ADMIN_PAGES = ["/handoffs/rules/", "/handoffs/rules/new/", "/handoffs/channels/"]
MEMBER_PAGES = ["/handoffs/", "/handoffs/new/", "/handoffs/explain/"]


@pytest.fixture
def support(db):
    return Team.objects.create(name="Customer Support", slug="customer-support", kind="support")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_members_cannot_configure_rules_or_channels(client_for, member, url):
    assert client_for(member).get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES + MEMBER_PAGES)
def test_admin_sees_every_handoff_page(client_for, admin_user, url):
    assert client_for(admin_user).get(url).status_code == 200


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_members_see_handoffs_and_explain(client_for, member, url):
    assert client_for(member).get(url).status_code == 200


@pytest.mark.parametrize("url", MEMBER_PAGES + ADMIN_PAGES)
def test_outsiders_see_nothing(client_for, outsider, url):
    assert client_for(outsider).get(url).status_code == 403


def test_adopt_edit_dry_run_and_enable_a_template(client_for, admin_user, ops, support, marketing):
    client = client_for(admin_user)
    response = client.post("/handoffs/rules/adopt/new_signup/")
    rule = Rule.objects.get()
    assert response["Location"] == f"/handoffs/rules/{rule.pk}/"
    assert not rule.enabled

    page = client.get(response["Location"]).content.decode()
    assert "hubspot.contact.creation" in page
    events.record("hubspot", "hubspot.contact.creation", "c-1", {"objectId": 1})
    dry = client.get(f"/handoffs/rules/{rule.pk}/dry-run/").content.decode()
    assert 'data-testid="dry-run-handoffs">2<' in dry  # Operations and Customer Support

    client.post(f"/handoffs/rules/{rule.pk}/toggle/", {"enabled": "1"})
    rule.refresh_from_db()
    assert rule.enabled
    assert rule.version == 2


def test_saving_a_rule_from_the_form_makes_a_new_version(client_for, admin_user, ops, marketing):
    client = client_for(admin_user)
    data = {
        "name": "Big orders",
        "trigger": "generic.order",
        "match": "all",
        "teams": [ops.pk],
        "title_template": "Order {{ payload.id }}",
        "requires_ack": "on",
        "sla_minutes": "15",
        "dedupe_minutes": "60",
        "owner_team": marketing.pk,
        "minutes_saved": "5",
        "escalate_to_managers": "on",
        "cond_0_field": "payload.total",
        "cond_0_op": "gt",
        "cond_0_value": "100",
    }
    response = client.post("/handoffs/rules/new/", data)
    rule = Rule.objects.get()
    assert response.status_code == 302
    assert rule.conditions == {
        "match": "all",
        "conditions": [{"field": "payload.total", "op": "gt", "value": "100"}],
    }
    client.post(f"/handoffs/rules/{rule.pk}/", {**data, "name": "Big orders!"})
    rule.refresh_from_db()
    assert (rule.name, rule.version) == ("Big orders!", 2)


def test_a_bad_condition_is_shown_on_the_form_and_saves_nothing(client_for, admin_user, ops):
    response = client_for(admin_user).post(
        "/handoffs/rules/new/",
        {
            "name": "x",
            "trigger": "generic.order",
            "match": "all",
            "teams": [ops.pk],
            "title_template": "x",
            "dedupe_minutes": "60",
            "owner_team": ops.pk,
            "minutes_saved": "5",
            "cond_0_field": "payload.total",
            "cond_0_op": "gt",
            "cond_0_value": "",
        },
    )
    assert response.status_code == 200
    assert "give a value to compare with" in response.content.decode()
    assert not Rule.objects.exists()


def test_live_preview_renders_with_the_latest_event(client_for, admin_user):
    events.record("generic", "generic.order", "o-9", {"id": "o-9", "total": 120})
    response = client_for(admin_user).post(
        "/handoffs/rules/preview/",
        {
            "trigger": "generic.order",
            "title_template": "Order {{ payload.id }}: {{ payload.total }}",
        },
    )
    assert 'data-testid="preview-title">Order o-9: 120<' in response.content.decode()


def test_member_acknowledges_in_the_app(client_for, member, ops):
    handoff = services.handoff_create(team=ops, title="Check capacity")
    client_for(member).post(f"/handoffs/h/{handoff.pk}/ack/")
    handoff.refresh_from_db()
    assert handoff.status == "acknowledged"
    assert handoff.acknowledged_by == member


def test_manual_handoff_from_any_page(client_for, member, marketing):
    response = client_for(member).post(
        "/handoffs/new/",
        {
            "team": marketing.pk,
            "title": "Promo on the flyer is wrong",
            "due_hours": "4",
            "link": "/kpis/",
        },
    )
    handoff = Handoff.objects.get()
    assert response["Location"] == f"/handoffs/h/{handoff.pk}/"
    assert handoff.team == marketing
    assert handoff.created_by == member
    assert handoff.link == "/kpis/"
    assert handoff.due_at is not None


def test_manual_handoff_refuses_links_to_other_sites(client_for, member, marketing):
    page = client_for(member).post(
        "/handoffs/new/", {"team": marketing.pk, "title": "x", "link": "https://evil.example/"}
    )
    assert "A link must point to a page of Crossdock" in page.content.decode()
    assert not Handoff.objects.exists()


def test_admin_adds_a_channel_and_sends_a_test(
    client_for, admin_user, ops, slack, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    client.post(
        "/handoffs/channels/",
        {"team": ops.pk, "kind": "slack", "name": "#ops", "target": slack.url},
    )
    channel = Channel.objects.get(kind="slack")
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/handoffs/channels/{channel.pk}/test/")
    assert len(callbacks) == 1
    alert = channel.alerts.get()
    assert services.alert_send(alert.pk) == "sent"
    assert slack.requests[0].json()["text"].startswith("Test message from Crossdock")


def test_channel_needs_a_webhook_url(client_for, admin_user, ops):
    response = client_for(admin_user).post(
        "/handoffs/channels/", {"team": ops.pk, "kind": "slack", "name": "#ops", "target": "ops"}
    )
    assert "Paste the webhook URL" in response.content.decode()
    assert not Channel.objects.filter(kind="slack").exists()


def test_explain_shows_each_condition(client_for, admin_user, ops, marketing):
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Downtown orders",
            trigger="generic.order",
            teams=[ops],
            owner_team=marketing,
            title_template="x",
            conditions={
                "match": "all",
                "conditions": [{"field": "payload.zone", "op": "eq", "value": "downtown"}],
            },
        ),
    )
    services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    recorded = events.record("generic", "generic.order", "why-1", {"zone": "riverside"})
    events.process(recorded.event.pk)
    page = (
        client_for(admin_user).get(f"/handoffs/explain/?event={recorded.event.pk}").content.decode()
    )
    assert "Downtown orders" in page
    assert "no match" in page
    assert "riverside" in page


def test_handoff_api_lists_creates_and_acknowledges(api_for, member, manager, ops, marketing):
    api = api_for(member)
    created = api.post(
        "/api/v1/handoffs/",
        {"team": "marketing", "title": "Check promo", "due_in_hours": 2},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["alerts"][0]["channel"] == "Marketing: In-app inbox"
    listed = api.get("/api/v1/handoffs/?status=open").json()
    assert listed["count"] == 1
    # Only Marketing (the receiving team) acknowledges what Operations handed it.
    assert api.post(f"/api/v1/handoffs/{pk}/ack/").status_code == 403
    api = api_for(manager)
    acked = api.post(f"/api/v1/handoffs/{pk}/ack/").json()
    assert acked == {"id": pk, "status": "acknowledged", "acknowledged_now": True}
    assert api.post(f"/api/v1/handoffs/{pk}/ack/").json()["acknowledged_now"] is False
    assert api.get("/api/v1/handoffs/?status=nope").status_code == 400


def test_rules_api_is_for_admins(api_for, member, admin_user, ops, marketing):
    body = {
        "name": "API rule",
        "trigger": "generic.order",
        "teams": ["operations"],
        "owner_team": "marketing",
        "title_template": "Order {{ payload.id }}",
        "condition_list": [{"field": "payload.total", "op": "gt", "value": "100"}],
    }
    assert api_for(member).post("/api/v1/rules/", body, format="json").status_code == 403
    created = api_for(admin_user).post("/api/v1/rules/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["conditions"]["conditions"][0]["op"] == "gt"
    assert api_for(admin_user).post(f"/api/v1/rules/{pk}/enable/").json()["enabled"] is True
    patched = api_for(admin_user).patch(f"/api/v1/rules/{pk}/", {"name": "Renamed"}, format="json")
    assert patched.json()["version"] == 3
    dry = api_for(admin_user).post(f"/api/v1/rules/{pk}/dry-run/").json()
    assert dry["events_checked"] == 0
    bad = api_for(admin_user).post(
        "/api/v1/rules/",
        {**body, "condition_list": [{"field": "payload.x", "op": "like"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "unknown comparison" in bad.json()["detail"]


def test_channels_api_hides_nothing_from_admins_and_everything_from_members(
    api_for, member, admin_user, ops
):
    created = api_for(admin_user).post(
        "/api/v1/channels/",
        {
            "team": "operations",
            "kind": "slack",
            "name": "#ops",
            "target": "https://hooks.slack.test/x",
        },
        format="json",
    )
    assert created.status_code == 201
    assert api_for(member).get("/api/v1/channels/").status_code == 403
    bad = api_for(admin_user).post(
        "/api/v1/channels/",
        {"team": "operations", "kind": "slack", "name": "x", "target": "nope"},
        format="json",
    )
    assert bad.status_code == 400


def test_home_lists_open_handoffs_and_this_weeks_misses_only(client_for, member, ops):
    from datetime import timedelta

    from django.utils import timezone

    services.handoff_create(team=ops, title="Fresh one")
    Handoff.objects.create(
        team=ops,
        title="Missed long ago",
        status="missed",
        missed_at=timezone.now() - timedelta(days=40),
    )
    Handoff.objects.create(
        team=ops,
        title="Missed yesterday",
        status="missed",
        missed_at=timezone.now() - timedelta(days=1),
    )
    page = client_for(member).get("/").content.decode()
    assert "Fresh one" in page
    assert "Missed yesterday" in page
    assert "Missed long ago" not in page
