"""Who may open what: every URL of the site and the API, for every kind of person.

The table below is generated against the URL conf: a new page or endpoint without a line here
fails ``test_every_endpoint_has_a_rule``, so nobody ships an endpoint whose access nobody
decided. Each line names the least role that may use it; everyone below is refused (anonymous
sent to sign in or answered 401/403, the others 403), everyone at or above gets through
(a page, a 405 for a GET on a POST-only action, or a 404 for an object that isn't there, never
a refusal and never a 5xx). The API is checked with a session and with a token.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from handoffs import services as handoff_services
from handoffs.models import Channel, ImportJob, Integration
from hub import events
from hub.models import (
    Campaign,
    Customer,
    Delivery,
    Invitation,
    Membership,
    Notification,
    Role,
    Zone,
)
from tests.factories import MembershipFactory, UserFactory

# Least role: public < signed_in (any account) < member (of any team) < manager < admin.
LEVELS = ["public", "signed_in", "member", "manager", "admin"]
PERSONAS = ["anonymous", "outsider", "other_team_member", "member", "manager", "admin"]
PERSONA_LEVEL = {
    "anonymous": 0,
    "outsider": 1,
    "other_team_member": 2,
    "member": 2,
    "manager": 3,
    "admin": 4,
}

# name → (least role, URL kwargs). Kwargs name objects the ``world`` fixture makes.
RULES: dict[str, tuple[str, dict]] = {
    # Public: no sign-in; the token in the URL (or the signature) is the proof.
    "healthz": ("public", {}),
    "readyz": ("public", {}),
    "favicon.ico": ("public", {}),
    "webhook": ("public", {"token": "not-a-token"}),
    "ack": ("public", {"token": "not-a-token"}),
    "invitation_accept": ("public", {"token": "not-a-token"}),
    "survey_public:answer": ("public", {"token": "not-a-token"}),
    "survey_public:thanks": ("public", {"token": "not-a-token"}),
    "survey_public:unsubscribe": ("public", {"token": "not-a-token"}),
    "survey_public:embed": ("public", {"key": "not-a-key"}),
    # Any account (an outsider's home says to ask for a team).
    "home": ("signed_in", {}),
    "inbox": ("signed_in", {}),
    "inbox_read": ("signed_in", {"pk": "notification"}),
    "inbox_read_all": ("signed_in", {}),
    "schema": ("signed_in", {}),
    "api-docs": ("signed_in", {}),
    # Members of any team.
    "team_list": ("member", {}),
    "team_detail": ("member", {"slug": "operations"}),
    "campaign_list": ("member", {}),
    "campaign_detail": ("member", {"pk": "campaign"}),
    "campaign_action": ("member", {"pk": "campaign", "action": "status"}),
    "campaign_edit": ("member", {"pk": "campaign"}),
    "promo_code_edit": ("member", {"pk": "999999"}),
    # Drivers: members read; operations and managers keep the list (checked by the service).
    "driver_list": ("member", {}),
    "driver_edit": ("member", {"pk": "999999"}),
    "driver_import": ("member", {}),
    "driver-list": ("member", {}),
    "driver-detail": ("member", {"pk": "999999"}),
    "workflows:index": ("member", {}),
    # Feedback: members read and tag; the services let managers build and send surveys.
    "feedback:themes": ("member", {}),
    "feedback:survey_detail": ("member", {"pk": "999999"}),
    "feedback:question_add": ("member", {"pk": "999999"}),
    "feedback:question_delete": ("member", {"pk": "999999", "qpk": "1"}),
    "feedback:question_move": ("member", {"pk": "999999", "qpk": "1"}),
    "feedback:question_edit": ("member", {"pk": "999999", "qpk": "1"}),
    "feedback:questions_order": ("member", {"pk": "999999"}),
    "feedback:survey_status": ("member", {"pk": "999999"}),
    "feedback:survey_send": ("member", {"pk": "999999"}),
    "feedback:survey_import": ("member", {"pk": "999999"}),
    "feedback:results": ("member", {"pk": "999999"}),
    "feedback:results_csv": ("member", {"pk": "999999"}),
    "feedback:answer_tag": ("member", {"pk": "999999"}),
    # Standups: members post their team's update and run the room; admins set series up.
    "standups:search": ("member", {}),
    "standups:series_detail": ("member", {"pk": "999999"}),
    "standups:meeting_detail": ("member", {"pk": "999999"}),
    "standups:update_post": ("member", {"pk": "999999"}),
    "standups:meeting_room": ("member", {"pk": "999999"}),
    "standups:meeting_control": ("member", {"pk": "999999", "action": "next"}),
    "standups:meeting_note": ("member", {"pk": "999999", "kind": "decision"}),
    "standups:meeting_export": ("member", {"pk": "999999"}),
    "standups:blocker_resolve": ("member", {"pk": "999999"}),
    "standups:meeting_skip_chair": ("member", {"pk": "999999"}),
    "standups:agenda_add": ("member", {"pk": "999999"}),
    "standups:agenda_remove": ("member", {"pk": "999999"}),
    "standup-agenda-item-list": ("member", {}),
    "standup-agenda-item-detail": ("member", {"pk": "999999"}),
    "standups:meeting_attendance": ("member", {"pk": "999999"}),
    "standups:action_item_state": ("member", {"pk": "999999", "action": "done"}),
    "standup-list": ("member", {}),
    "standup-detail": ("member", {"pk": "999999"}),
    "standup-meetings": ("member", {"pk": "999999"}),
    "standup-history": ("member", {"pk": "999999"}),
    "standup-meeting-list": ("member", {}),
    "standup-meeting-detail": ("member", {"pk": "999999"}),
    "standup-update-list": ("member", {}),
    "standup-update-detail": ("member", {"pk": "999999"}),
    "standup-meeting-skip-chair": ("member", {"pk": "999999"}),
    "standup-meeting-start": ("member", {"pk": "999999"}),
    "standup-meeting-next-turn": ("member", {"pk": "999999"}),
    "standup-meeting-extend": ("member", {"pk": "999999"}),
    "standup-meeting-end": ("member", {"pk": "999999"}),
    "standup-meeting-decisions": ("member", {"pk": "999999"}),
    "standup-meeting-action-items": ("member", {"pk": "999999"}),
    "standup-blocker-resolve": ("member", {"pk": "999999"}),
    "standup-meeting-agenda-items": ("member", {"pk": "999999"}),
    "standup-meeting-attendance": ("member", {"pk": "999999"}),
    "standup-action-item-list": ("member", {}),
    "standup-action-item-detail": ("member", {"pk": "999999"}),
    "standup-action-item-done": ("member", {"pk": "999999"}),
    "standup-action-item-reopen": ("member", {"pk": "999999"}),
    # Docs: every member reads and edits every space.
    "wiki:search": ("member", {}),
    "wiki:silo": ("member", {}),
    "wiki:onboarding": ("member", {}),
    "wiki:onboarding_team": ("manager", {}),
    "wiki:onboarding_person": ("manager", {"user_id": "999999"}),
    "wiki:onboarding_toggle": ("member", {"pk": "999999"}),
    "wiki:page_new": ("member", {}),
    "wiki:preview": ("member", {}),
    "wiki:space": ("member", {"slug": "no-such-space"}),
    "wiki:space_watch": ("member", {"slug": "no-such-space"}),
    "wiki:page_short": ("member", {"pk": "999999"}),
    "wiki:page": ("member", {"pk": "999999", "slug": "x"}),
    "wiki:page_edit": ("member", {"pk": "999999"}),
    "wiki:page_settings": ("member", {"pk": "999999"}),
    "wiki:history": ("member", {"pk": "999999"}),
    "wiki:diff": ("member", {"pk": "999999"}),
    "wiki:restore": ("member", {"pk": "999999", "number": "1"}),
    "wiki:revision": ("member", {"pk": "999999", "number": "1"}),
    "wiki:conflict": ("member", {"pk": "999999", "conflict_id": "1"}),
    "wiki:comment_add": ("member", {"pk": "999999"}),
    "wiki:comment_resolve": ("member", {"pk": "999999"}),
    "wiki:page_watch": ("member", {"pk": "999999"}),
    "wiki:page_reviewed": ("member", {"pk": "999999"}),
    "wiki:attachment_add": ("member", {"pk": "999999"}),
    "wiki:attachment": ("member", {"pk": "999999"}),
    "page-list": ("member", {}),
    "page-detail": ("member", {"pk": "999999"}),
    "page-revisions": ("member", {"pk": "999999"}),
    # Workflow maps and pilots: every member draws and runs them.
    "workflows:map_new": ("member", {}),
    "workflows:map_import": ("member", {}),
    "workflows:map_detail": ("member", {"pk": "999999"}),
    "workflows:map_export": ("member", {"pk": "999999"}),
    "workflows:map_edit": ("member", {"pk": "999999"}),
    "workflows:map_delete": ("member", {"pk": "999999"}),
    "workflows:map_versions": ("member", {"pk": "999999"}),
    "workflows:lane_action": ("member", {"pk": "999999"}),
    "workflows:step_action": ("member", {"pk": "999999"}),
    "workflows:transition_action": ("member", {"pk": "999999"}),
    "workflows:friction_action": ("member", {"pk": "999999"}),
    "workflows:pilot_new": ("member", {"pk": "999999", "friction_pk": "1"}),
    "workflows:pilot_detail": ("member", {"pk": "999999"}),
    # Campaign launches: every member plans and reads them; the services let only the owning
    # team confirm its item, only ops flag capacity, only managers override the gate.
    "workflows:launch_new": ("member", {}),
    "workflows:launch_calendar": ("member", {}),
    "workflows:launch_details": ("member", {"pk": "campaign"}),
    "workflows:checklist_open": ("member", {"pk": "campaign"}),
    "workflows:capacity_flag": ("member", {"pk": "campaign"}),
    "workflows:detections_scan": ("member", {"pk": "campaign"}),
    "workflows:readiness_item": ("member", {"pk": "999999"}),
    "workflows:detection_decide": ("member", {"pk": "999999", "action": "confirm"}),
    "readiness-item-list": ("member", {}),
    "readiness-item-detail": ("member", {"pk": "999999"}),
    "readiness-item-confirm": ("member", {"pk": "999999"}),
    "launch-finding-list": ("member", {}),
    "launch-finding-detail": ("member", {"pk": "999999"}),
    "launch-finding-confirm": ("member", {"pk": "999999"}),
    "launch-finding-dismiss": ("member", {"pk": "999999"}),
    "promo-code-list": ("member", {}),
    "promo-code-detail": ("member", {"pk": "999999"}),
    "campaign-promo-codes-generate": ("member", {"pk": "campaign"}),
    "campaign-promo-codes-import": ("member", {"pk": "campaign"}),
    "map-list": ("member", {}),
    "map-detail": ("member", {"pk": "999999"}),
    "map-place-step": ("member", {"pk": "999999"}),
    "pilot-list": ("member", {}),
    "pilot-detail": ("member", {"pk": "999999"}),
    "pilot-decide": ("member", {"pk": "999999"}),
    "survey-list": ("member", {}),
    "survey-detail": ("member", {"pk": "999999"}),
    "survey-send": ("member", {"pk": "999999"}),
    "survey-reorder": ("member", {"pk": "999999"}),
    "survey-questions": ("member", {"pk": "999999"}),
    "survey-question": ("member", {"pk": "999999", "question_id": "1"}),
    "response-list": ("member", {}),
    "response-detail": ("member", {"pk": "999999"}),
    "kpis:index": ("member", {}),
    "kpis:rows": ("member", {"kind": "deliveries"}),
    "spend": ("member", {}),
    "spend_import": ("member", {}),
    "spend_remove": ("member", {"pk": "1"}),
    "spend-list": ("member", {}),
    "spend-import-csv": ("member", {}),
    "kpis:function": ("member", {"function": "operations"}),
    "kpis:metric": ("member", {"key": "on_time"}),
    "kpis:chart_csv": ("member", {"key": "on_time", "kind": "trend"}),
    "kpis:scorecard": ("member", {}),
    "kpis:review_list": ("member", {}),
    "kpis:review": ("member", {"month": "2026-11"}),
    "handoffs:index": ("member", {}),
    "handoffs:handoff_new": ("member", {}),
    "handoffs:handoff_detail": ("member", {"pk": "handoff"}),
    "handoffs:handoff_comment": ("member", {"pk": "handoff"}),
    "handoffs:handoff_action": ("member", {"pk": "handoff", "action": "ack"}),
    "handoffs:explain": ("member", {}),
    "feedback:index": ("member", {}),
    "standups:index": ("member", {}),
    "wiki:index": ("member", {}),
    "api-root": ("member", {}),
    "api-kpis": ("member", {}),
    "team-list": ("member", {}),
    "team-detail": ("member", {"slug": "operations"}),
    "campaign-list": ("member", {}),
    "campaign-detail": ("member", {"pk": "campaign"}),
    "campaign-promo-codes": ("member", {"pk": "campaign"}),
    "campaign-status": ("member", {"pk": "campaign"}),
    "campaign-numbers": ("member", {"pk": "campaign"}),
    "customer-list": ("member", {}),
    "customer-detail": ("member", {"pk": "customer"}),
    "delivery-list": ("member", {}),
    "delivery-detail": ("member", {"pk": "delivery"}),
    "handoff-list": ("member", {}),
    "handoff-detail": ("member", {"pk": "handoff"}),
    "handoff-ack": ("member", {"pk": "handoff"}),
    "handoff-comments": ("member", {"pk": "handoff"}),
    # Managers: targets, manual values, the monthly review.
    "kpis:target": ("manager", {"key": "on_time"}),
    "feedback:survey_new": ("manager", {}),
    "kpis:manual": ("manager", {"key": "csat"}),
    "kpis:baseline": ("manager", {}),
    "kpis:review_start": ("manager", {}),
    "kpis:review_action": ("manager", {"month": "2026-11", "action": "notes"}),
    "kpis:rebuild": ("manager", {}),
    # Admins: people, integrations, channels, rules, the raw event log, the audit log.
    "team_edit": ("admin", {"slug": "operations"}),
    "standups:series_new": ("admin", {}),
    "standups:series_swap": ("admin", {"pk": "999999"}),
    "standups:series_chairs": ("admin", {"pk": "999999"}),
    "standups:series_state": ("admin", {"pk": "999999", "action": "pause"}),
    "standup-chair-order": ("admin", {"pk": "999999"}),
    "standup-pause": ("admin", {"pk": "999999"}),
    "standup-resume": ("admin", {"pk": "999999"}),
    "team_delete": ("admin", {"slug": "operations"}),
    "team_member_add": ("admin", {"slug": "operations"}),
    "membership_update": ("admin", {"pk": "membership"}),
    "people": ("admin", {}),
    "person_set_active": ("admin", {"pk": "member_user"}),
    "invitation_action": ("admin", {"pk": "invitation", "action": "resend"}),
    "audit": ("admin", {}),
    "zone_list": ("admin", {}),
    "zone_edit": ("admin", {"pk": "zone"}),
    "handoffs:rule_list": ("admin", {}),
    "handoffs:rule_new": ("admin", {}),
    "handoffs:rule_preview": ("admin", {}),
    "handoffs:rule_adopt": ("admin", {"key": "new_signup"}),
    "handoffs:rule_detail": ("admin", {"pk": "rule"}),
    "handoffs:rule_dry_run": ("admin", {"pk": "rule"}),
    "handoffs:rule_toggle": ("admin", {"pk": "rule"}),
    "handoffs:channel_list": ("admin", {}),
    "handoffs:channel_action": ("admin", {"pk": "channel", "action": "test"}),
    "handoffs:team_alert_settings": ("admin", {"team_id": "ops_id"}),
    "handoffs:integration_list": ("admin", {}),
    "handoffs:integration_detail": ("admin", {"pk": "integration"}),
    "handoffs:integration_action": ("admin", {"pk": "integration", "action": "pause"}),
    "handoffs:event_list": ("admin", {}),
    "handoffs:event_detail": ("admin", {"pk": "event"}),
    "handoffs:event_replay": ("admin", {"pk": "event"}),
    "handoffs:import_list": ("admin", {}),
    "handoffs:import_detail": ("admin", {"pk": "import_job"}),
    "event-list": ("admin", {}),
    "event-detail": ("admin", {"pk": "event"}),
    "integration-list": ("admin", {}),
    "integration-detail": ("admin", {"pk": "integration"}),
    "integration-rotate-secret": ("admin", {"pk": "integration"}),
    "channel-list": ("admin", {}),
    "channel-detail": ("admin", {"pk": "channel"}),
    "channel-test": ("admin", {"pk": "channel"}),
    "rule-list": ("admin", {}),
    "rule-action-list": ("admin", {}),
    "rule-detail": ("admin", {"pk": "rule"}),
    "rule-enable": ("admin", {"pk": "rule"}),
    "rule-disable": ("admin", {"pk": "rule"}),
    "rule-dry-run": ("admin", {"pk": "rule"}),
}
# What only admins may see: a channel's URL, an integration's secret and token, raw payloads.
SLACK_URL = "https://hooks.slack.invalid/services/T0/B0/secret-path-7"
SECRETS = ["secret-path-7", "s3cret-42", "+1 555 0101"]

# Served by third-party apps with their own access rules (allauth's sign-in, Django's admin).
THIRD_PARTY = ("admin/", "accounts/")


def _names(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _names(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None


def site_endpoints() -> dict[str, str]:
    """Every named URL of ours → its route (format-suffix twins folded into one)."""
    found: dict[str, str] = {}
    for route, name in _names(get_resolver().url_patterns):
        if route.startswith(THIRD_PARTY):
            continue
        found.setdefault(name or route, route)
    return found


def test_every_endpoint_has_a_rule():
    endpoints = site_endpoints()
    missing = sorted(set(endpoints) - set(RULES))
    assert not missing, "These endpoints have no line in RULES (who may use them?): " + ", ".join(
        f"{n} ({endpoints[n]})" for n in missing
    )
    assert not sorted(set(RULES) - set(endpoints)), "RULES names endpoints that do not exist"


@pytest.fixture
def world(db, ops, marketing, admin_user, manager, member):
    other = UserFactory(email="other@crossdock.test")
    MembershipFactory(user=other, team=marketing, role=Role.MEMBER)
    outsider = UserFactory(email="outsider@crossdock.test")
    zone = Zone.objects.create(code="downtown", name="Downtown")
    customer = Customer.objects.create(name="Ana", email="ana@example.com")
    recorded = events.record("generic", "generic.x", "e1", {"phone": "+1 555 0101"})
    integration = Integration.objects.create(name="Zapier", kind="generic", secret="s3cret-42")
    channel = Channel.objects.create(team=ops, kind="slack", name="#ops", target=SLACK_URL)
    rule = handoff_services.rule_from_template(actor=admin_user, key="new_signup")
    handoff = handoff_services.handoff_create(team=ops, title="Check capacity")
    objects = {
        "notification": Notification.objects.create(recipient=member, title="x").pk,
        "campaign": Campaign.objects.create(name="Spring").pk,
        "customer": customer.pk,
        "delivery": Delivery.objects.create(dispatch_id="d1", customer=customer).pk,
        "handoff": handoff.pk,
        "membership": Membership.objects.get(user=member).pk,
        "member_user": member.pk,
        "invitation": Invitation.objects.create(
            email="new@crossdock.test",
            team=ops,
            token="tok-1",
            expires_at=timezone.now() + timedelta(days=3),
        ).pk,
        "zone": zone.pk,
        "rule": rule.pk,
        "channel": channel.pk,
        "ops_id": ops.pk,
        "integration": integration.pk,
        "integration_token": integration.token,
        "event": recorded.event.pk,
        "import_job": ImportJob.objects.create(
            kind="onfleet_tasks", filename="t.csv", content="a\n"
        ).pk,
    }
    people = {
        "anonymous": None,
        "outsider": outsider,
        "other_team_member": other,
        "member": member,
        "manager": manager,
        "admin": admin_user,
    }
    return objects, people


def _url(name: str, objects: dict) -> str:
    _level, kwargs = RULES[name]
    if "/" in name or "." in name:  # an unnamed route
        return "/" + name
    return reverse(name, kwargs={k: objects.get(v, v) for k, v in kwargs.items()})


def _refused(response, persona: str) -> bool:
    if response.status_code in (401, 403):
        return True
    return (
        persona == "anonymous"
        and response.status_code == 302
        and response["Location"].startswith("/accounts/login/")
    )


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_endpoint_admits_exactly_its_roles(world, name):
    objects, people = world
    url = _url(name, objects)
    least = LEVELS.index(RULES[name][0])
    is_api = url.startswith("/api/v1/")
    wrong = []
    for persona in PERSONAS:
        user = people[persona]
        clients = []
        session = APIClient()
        if user is not None:
            session.force_login(user)
        clients.append(("session", session))
        if is_api and user is not None:
            token = APIClient()
            token.credentials(
                HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}"
            )
            clients.append(("token", token))
        for how, client in clients:
            response = client.get(url)
            assert response.status_code < 500, (
                f"{persona} ({how}) GET {url}: {response.status_code}"
            )
            if persona != "admin":
                body = response.content.decode(errors="replace")
                leaked = [x for x in [*SECRETS, objects["integration_token"]] if x in body]
                assert not leaked, f"{persona} ({how}) GET {url} shows {leaked}"
            expected_refusal = PERSONA_LEVEL[persona] < least
            if _refused(response, persona) != expected_refusal:
                wrong.append(f"{persona} ({how}): {response.status_code}")
    assert not wrong, f"GET {url} ({RULES[name][0]} and up): " + "; ".join(wrong)


def test_admins_do_see_what_the_matrix_hides_from_others(world):
    """The leak check above looks for strings an admin really is shown."""
    objects, people = world
    api = APIClient()
    api.force_login(people["admin"])
    assert SLACK_URL in api.get(_url("channel-detail", objects)).content.decode()
    assert "+1 555 0101" in api.get(_url("event-detail", objects)).content.decode()
