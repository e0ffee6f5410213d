"""Issue #4's journey: adopt, dry-run and enable the new-signup rule; a signed HubSpot event
reaches Slack and email through a real worker; acknowledge from the email; duplicates change
nothing; a failing Slack falls back to email; an unacknowledged handoff is missed."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from handoffs import services
from handoffs.models import Alert, Channel, Handoff, Integration
from hub.models import Event, Role, Team
from tests import workers
from tests.browser.test_signin import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps
from tests.receivers import SLACK_ERROR

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def post_contact(url: str, object_id: int) -> requests.Response:
    body = dumps(
        payloads.hubspot_events({"subscriptionType": "contact.creation", "objectId": object_id})
    )
    headers = {
        k.removeprefix("HTTP_").replace("_", "-"): v
        for k, v in payloads.hubspot_v3_headers(body, url).items()
    }
    return requests.post(
        url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=10
    )


def test_new_signup_rule_end_to_end(
    page, live_server, admin_user, ops, slack, smtp, tmp_path, transactional_db
):
    support = Team.objects.create(name="Customer Support", slug="customer-support", kind="support")
    ops_person = UserFactory(email="ops.person@crossdock.test", first_name="Oli")
    MembershipFactory(user=ops_person, team=ops, role=Role.MEMBER)
    Channel.objects.create(team=ops, kind="email", name="Ops email", target=ops_person.email)
    ops_slack = Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)
    hubspot = Integration.objects.create(
        name="HubSpot", kind="hubspot", secret=payloads.HUBSPOT_SECRET
    )
    hook = f"{live_server.url}/hooks/{hubspot.token}/"

    workers.purge_queue()
    worker = workers.start_worker(
        tmp_path / "worker.log",
        SITE_URL=live_server.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        CROSSDOCK_ALERT_MAX_ATTEMPTS="2",
        CROSSDOCK_ALERT_BACKOFF_SECONDS="0.2",
    )
    try:
        # The admin adopts the template, dry-runs it and enables it.
        sign_in(page, admin_user.email)
        page.wait_for_url("**/")
        page.goto("/handoffs/rules/")
        page.locator("button[data-template=new_signup]").click()
        page.get_by_role("button", name="Dry run (last 30 days)").click()
        assert page.get_by_test_id("dry-run-handoffs").inner_text() == "0"
        page.get_by_role("button", name="Back to the rule").click()
        page.get_by_role("button", name="Enable").click()
        assert page.get_by_test_id("rule-state").inner_text() == "On"

        # A signed HubSpot contact event: Slack and email both hear about it.
        assert post_contact(hook, 501).status_code == 200
        workers.wait_for(lambda: len(slack.requests) >= 1 and len(smtp.messages) >= 1, timeout=20)
        message = slack.requests[0].json()
        assert message["text"].startswith("New signup")
        assert any(b["type"] == "actions" for b in message["blocks"])
        assert smtp.messages[0]["to"] == [ops_person.email]
        assert {h.team for h in Handoff.objects.all()} == {ops, support}

        # The recipient acknowledges from the email's link.
        text = smtp.texts()[0]
        ack_link = next(line.split(": ", 1)[1] for line in text.splitlines() if "/ack/" in line)
        page.context.clear_cookies()
        page.goto(ack_link)
        # Opening the link only asks; the person confirms with a button.
        assert Handoff.objects.get(team=ops).status == "open"
        page.get_by_role("button", name="Acknowledge").click()
        page.get_by_test_id("ack-result").wait_for()
        ops_handoff = Handoff.objects.get(team=ops)
        assert ops_handoff.status == "acknowledged"
        assert ops_handoff.acknowledged_by == ops_person

        # A second copy of the event changes nothing.
        assert post_contact(hook, 501).json() == {"received": 1, "duplicates": 1}
        assert post_contact(hook, 777).status_code == 200  # a sentinel behind it
        workers.wait_for(lambda: Handoff.objects.filter(event__payload__objectId=777).count() == 2)
        assert Handoff.objects.filter(event__payload__objectId=501).count() == 2
        assert Event.objects.filter(external_id__contains=":501:").count() == 1

        # With Slack answering 500, the fallback email still arrives: an on-call address that is
        # Slack's fallback and not one of the rule's own channels.
        oncall = Channel.objects.create(
            team=ops, kind="email", name="Ops on-call", target="oncall@crossdock.test"
        )
        Channel.objects.filter(pk=ops_slack.pk).update(fallback=oncall)
        slack.default = SLACK_ERROR
        before = len(smtp.messages)
        assert post_contact(hook, 888).status_code == 200
        workers.wait_for(
            lambda: Alert.objects.filter(purpose="fallback", status="sent").exists(), timeout=30
        )
        assert len(smtp.messages) >= before + 2  # the rule's own email, and Slack's fallback
        assert ["oncall@crossdock.test"] in [m["to"] for m in smtp.messages[before:]]

        # Unacknowledged past its SLA: missed.
        support_handoff = Handoff.objects.get(team=support, event__payload__objectId=501)
        Handoff.objects.filter(pk=support_handoff.pk).update(
            due_at=timezone.now() - timedelta(minutes=1)
        )
        assert services.handoffs_mark_missed() >= 1
        sign_in(page, admin_user.email)
        page.goto(f"/handoffs/h/{support_handoff.pk}/")
        assert page.get_by_test_id("handoff-status").inner_text() == "Missed"
        assert page.console_errors == []
    finally:
        workers.stop_worker(worker)
