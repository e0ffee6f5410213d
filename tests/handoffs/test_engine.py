"""Rules → handoffs → alerts through local Slack/Teams/webhook receivers and a real SMTP server."""

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import pytest
import time_machine
from django.utils import timezone

from handoffs import services
from handoffs.models import Alert, Channel, Handoff, Rule, RuleEvaluation, TeamAlertSettings
from hub import events
from hub.models import Event, Notification, Role
from tests.factories import MembershipFactory, UserFactory
from tests.receivers import SLACK_ERROR, SLACK_NO_SERVICE, SLACK_RATE_LIMITED, Reply


@pytest.fixture
def ops_slack(ops, slack):
    return Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)


@pytest.fixture
def ops_email(ops):
    return Channel.objects.create(team=ops, kind="email", name="Ops email")


@pytest.fixture
def rule(admin_user, ops, marketing, ops_slack):
    r = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Signup → Ops",
            trigger="generic.signup",
            teams=[ops],
            owner_team=marketing,
            title_template="New signup: {{ payload.email }}",
            message_template="Zone {{ payload.zone }}",
            channels=[ops_slack],
            sla_minutes=30,
            conditions={
                "match": "all",
                "conditions": [
                    {"field": "payload.zone", "op": "in", "value": "downtown,northgate"}
                ],
            },
        ),
    )
    return services.rule_set_enabled(actor=admin_user, rule=r, enabled=True)


def signup(key="s1", zone="downtown", email="ana@example.com"):
    recorded = events.record("generic", "generic.signup", key, {"email": email, "zone": zone})
    events.process(recorded.event.pk)
    return Event.objects.get(pk=recorded.event.pk)


def send_all():
    """Send every due alert as the worker would, until none is left to send now."""
    outcomes = []
    for _ in range(10):
        due = Alert.objects.filter(status="pending", next_attempt_at__lte=timezone.now())
        ids = list(due.values_list("pk", flat=True))
        if not ids:
            break
        for pk in ids:
            outcomes.append(services.alert_send(pk))
    return outcomes


def test_matching_event_creates_one_handoff_with_alerts(rule, member, ops):
    event = signup()
    handoff = Handoff.objects.get()
    assert handoff.title == "New signup: ana@example.com"
    assert handoff.team == ops
    assert handoff.rule_version == rule.version
    assert handoff.due_at is not None
    assert sorted(handoff.alerts.values_list("channel__kind", flat=True)) == ["inbox", "slack"]
    evaluation = RuleEvaluation.objects.get(event=event)
    assert evaluation.matched
    assert evaluation.details[0]["actual"] == "downtown"


def test_same_event_processed_twice_makes_one_handoff_and_one_alert_per_channel(rule, slack):
    event = signup()
    events.replay(event)
    events.process(event.pk)
    services.event_evaluate_rules(event)
    send_all()
    assert Handoff.objects.count() == 1
    assert Alert.objects.count() == 2
    assert len(slack.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_evaluating_one_event_at_once_make_one_handoff_and_no_error(rule, slack):
    """A second drain that evaluates the event while the first has not committed waits on the
    evaluation's unique key, then finds it and does nothing. It used to fail on a unique
    constraint instead (its lookup saw nothing uncommitted) and go through a retry."""
    import threading

    from django.db import connection, transaction

    recorded = events.record("generic", "generic.signup", "race-1", {"zone": "downtown"})
    event = Event.objects.get(pk=recorded.event.pk)
    first_wrote, second_started = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = services.event_evaluate_rules(event)
                first_wrote.set()
                second_started.wait(10)
                time.sleep(0.5)  # the second is waiting on the key by now
        finally:
            connection.close()

    def second() -> None:
        try:
            first_wrote.wait(10)
            second_started.set()
            with transaction.atomic():
                results["second"] = services.event_evaluate_rules(event)
        except Exception as exc:  # what the old lookup-then-write ended in
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"first": 1, "second": 0}
    assert Handoff.objects.count() == 1
    assert RuleEvaluation.objects.filter(event=event).count() == 1


def test_non_matching_event_is_explained(rule):
    event = signup(zone="riverside")
    assert not Handoff.objects.exists()
    evaluation = RuleEvaluation.objects.get(event=event)
    assert not evaluation.matched
    assert evaluation.details[0]["held"] is False


def test_dedupe_key_folds_repeats_within_the_window(rule, admin_user):
    rule.dedupe_key = "{{ payload.email }}"
    rule.save()
    signup("a")
    signup("b")
    signup("c", email="other@example.com")
    assert Handoff.objects.count() == 2
    assert "folded" in RuleEvaluation.objects.get(event__external_id="b").outcome


def test_slack_gets_block_kit_with_an_acknowledge_button(rule, slack, member):
    signup()
    assert send_all() == ["sent"]  # the inbox was delivered with the handoff
    payload = slack.requests[0].json()
    assert payload["text"] == "New signup: ana@example.com"
    actions = next(b for b in payload["blocks"] if b["type"] == "actions")["elements"]
    assert actions[0]["text"]["text"] == "Acknowledge"
    assert "/ack/" in actions[0]["url"]
    assert Notification.objects.filter(recipient=member, title__startswith="New signup").exists()
    alert = Alert.objects.get(channel__kind="slack")
    assert alert.status == "sent"
    assert alert.attempt_log.get().status_code == 200


def test_the_team_inbox_is_delivered_with_the_handoff(rule, member):
    signup()
    inbox = Alert.objects.get(channel__kind="inbox")
    assert inbox.status == "sent"  # no task of its own: it committed with the handoff
    assert inbox.attempt_log.get().ok
    assert Notification.objects.filter(recipient=member, title__startswith="New signup").exists()
    assert Alert.objects.get(channel__kind="slack").status == "pending"  # sent after commit


@pytest.mark.django_db(transaction=True)
def test_a_drain_sends_the_alerts_of_its_events_itself(rule, ops_slack, teams_hook, monkeypatch):
    from handoffs.tasks import send_alert_task

    # An outbound webhook (not paced, unlike Slack, whose bursts wait for their slot).
    Channel.objects.filter(pk=ops_slack.pk).update(kind="webhook", target=teams_hook.url)
    published = []
    monkeypatch.setattr(send_alert_task, "apply_async", lambda *a, **kw: published.append(a))
    for n in range(3):
        payload = {"email": f"p{n}@example.com", "zone": "downtown"}
        events.record("generic", "generic.signup", f"d{n}", payload)
    assert events.drain() == (3, False)
    assert published == []  # no broker round trip and no task per alert
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}
    assert len(teams_hook.requests) == 3


def test_slack_429_waits_for_retry_after(rule, slack):
    slack.then(SLACK_RATE_LIMITED)
    signup()
    send_all()
    alert = Alert.objects.get(channel__kind="slack")
    assert alert.status == "pending"
    wait = (alert.next_attempt_at - timezone.now()).total_seconds()
    assert 1.5 < wait <= 3.0
    assert alert.attempt_log.get().status_code == 429


def test_slack_500_is_retried_then_falls_back_to_email(
    rule, slack, smtp, ops_email, ops_slack, member
):
    ops_slack.fallback = ops_email
    ops_slack.save()
    slack.default = SLACK_ERROR
    signup()
    alert = Alert.objects.get(channel=ops_slack)
    for _ in range(services.MAX_ATTEMPTS):
        # Skip the backoff and the one-a-second pacing between tries.
        Alert.objects.filter(pk=alert.pk).update(next_attempt_at=timezone.now())
        Channel.objects.filter(pk=ops_slack.pk).update(next_send_at=None)
        services.alert_send(alert.pk)
    alert.refresh_from_db()
    assert alert.status == "failed"
    assert alert.attempt_log.count() == services.MAX_ATTEMPTS
    fallback = Alert.objects.get(fallback_of=alert)
    assert fallback.channel == ops_email
    assert services.alert_send(fallback.pk) == "sent"
    assert [member.email] in [m["to"] for m in smtp.messages]
    assert "New signup: ana@example.com" in smtp.messages[0]["message"]["Subject"]


def test_slack_404_no_service_fails_at_once_and_falls_back(
    rule, slack, ops_slack, ops_email, smtp, member
):
    ops_slack.fallback = ops_email
    ops_slack.save()
    slack.then(SLACK_NO_SERVICE)
    signup()
    services.alert_send(Alert.objects.get(channel=ops_slack).pk)
    assert Alert.objects.get(channel=ops_slack).status == "failed"
    assert Alert.objects.get(channel=ops_email).purpose == "fallback"


def test_a_slow_endpoint_times_out_and_is_retried(rule, slack, settings):
    settings.CROSSDOCK_CHANNEL_TIMEOUT = 0.5
    slack.then(Reply(200, "ok", delay=2))
    signup()
    assert services.alert_send(Alert.objects.get(channel__kind="slack").pk) == "retry"
    alert = Alert.objects.get(channel__kind="slack")
    assert "No answer within 0.5 s" in alert.last_error


def test_a_failing_channel_does_not_block_the_others(rule, slack, member):
    slack.default = SLACK_ERROR
    signup()
    send_all()
    assert Alert.objects.get(channel__kind="inbox").status == "sent"
    assert Notification.objects.filter(recipient=member).exists()


def test_a_burst_on_one_slack_channel_becomes_one_digest(rule, slack):
    for n in range(4):
        signup(f"burst{n}", email=f"p{n}@example.com")
    first = Alert.objects.filter(channel__kind="slack").order_by("id").first()
    assert services.alert_send(first.pk) == "sent"
    assert len(slack.requests) == 1
    assert slack.requests[0].json()["text"] == "4 handoffs for Operations"
    assert Alert.objects.filter(channel__kind="slack", status="sent").count() == 4


def test_slack_is_paced_to_one_message_a_second(rule, slack, ops_slack):
    signup("p1")
    services.alert_send(Alert.objects.get(channel=ops_slack).pk)
    signup("p2", email="b@example.com")
    second = Alert.objects.filter(channel=ops_slack, status="pending").get()
    assert services.alert_send(second.pk) == "paced"
    second.refresh_from_db()
    assert second.status == "pending"
    assert second.next_attempt_at > timezone.now()


def test_teams_gets_an_adaptive_card(rule, ops, teams_hook, admin_user):
    teams = Channel.objects.create(team=ops, kind="teams", name="Ops Teams", target=teams_hook.url)
    rule.channels.add(teams)
    signup()
    services.alert_send(Alert.objects.get(channel=teams).pk)
    card = teams_hook.requests[0].json()["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["actions"][0]["title"] == "Acknowledge"
    assert Alert.objects.get(channel=teams).status == "sent"


def test_outbound_webhook_is_signed_with_an_idempotency_key(rule, ops, slack):
    hook = Channel.objects.create(
        team=ops, kind="webhook", name="Zapier", target=slack.url, signing_secret="s3cret"
    )
    rule.channels.add(hook)
    signup()
    alert = Alert.objects.get(channel=hook)
    services.alert_send(alert.pk)
    request = slack.requests[0]
    assert request.headers["Idempotency-Key"] == str(alert.uuid)
    assert request.headers["X-Crossdock-Signature"].startswith("t=")
    assert request.json()["type"] == "handoff.notify"


def test_email_carries_a_personal_one_click_ack_link(rule, ops_email, smtp, member, client):
    rule.channels.add(ops_email)
    signup()
    services.alert_send(Alert.objects.get(channel=ops_email).pk)
    assert sorted(m["to"][0] for m in smtp.messages) == ["admin@crossdock.test", member.email]
    mine = next(m for m in smtp.messages if m["to"] == [member.email])["message"]
    text = mine.get_body(("plain",)).get_content()
    link = next(line for line in text.splitlines() if "/ack/" in line).split(": ", 1)[1]
    path = link.split("testserver", 1)[1]

    page = client.get(path)
    assert page.status_code == 200
    assert Handoff.objects.get().status == "open"  # a GET (mail scanners) changes nothing
    client.post(path)
    handoff = Handoff.objects.get()
    assert handoff.status == "acknowledged"
    assert handoff.acknowledged_by == member
    assert handoff.acknowledged_via == "email"
    again = client.post(path).content.decode()
    assert "already acknowledged" in again


def test_a_tampered_ack_link_is_refused(client, db):
    assert client.get("/ack/not-a-real-token/").status_code == 404


def test_handoff_past_its_sla_is_missed_escalated_and_counted(rule, admin_user, ops, marketing):
    manager = UserFactory()
    MembershipFactory(user=manager, team=ops, role=Role.MANAGER)
    rule.escalate_to_team = marketing
    rule.save()
    signup()
    handoff = Handoff.objects.get()
    later = handoff.due_at + timedelta(seconds=1)

    assert services.handoffs_mark_missed(now=later) == 1
    assert services.handoffs_mark_missed(now=later) == 0
    handoff.refresh_from_db()
    assert handoff.status == "missed"
    assert Event.objects.filter(type="handoffs.handoff.missed").count() == 1
    assert Alert.objects.filter(purpose="escalation", channel__team=marketing).exists()
    assert Notification.objects.filter(recipient=manager, title__startswith="Missed").exists()


def test_acknowledged_handoff_is_never_missed(rule, member):
    signup()
    handoff = Handoff.objects.get()
    services.handoff_acknowledge(handoff=handoff, user=member)
    assert services.handoffs_mark_missed(now=handoff.due_at + timedelta(hours=1)) == 0


def test_quiet_hours_delay_external_alerts_but_not_the_inbox(rule, ops):
    TeamAlertSettings.objects.create(team=ops, quiet_start=clock(22, 0), quiet_end=clock(7, 0))
    night = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    with time_machine.travel(night, tick=False):
        signup()
    slack_alert = Alert.objects.get(channel__kind="slack")
    assert timezone.localtime(slack_alert.next_attempt_at) == night + timedelta(hours=7, minutes=30)
    assert Alert.objects.get(channel__kind="inbox").next_attempt_at == night


def test_daily_digest_holds_alerts_until_the_digest_hour(rule, ops, slack):
    hour = timezone.localtime().hour
    TeamAlertSettings.objects.create(team=ops, daily_digest=True, digest_hour=(hour + 1) % 24)
    signup("d1")
    signup("d2", email="x@example.com")
    assert Alert.objects.filter(channel__kind="slack", status="held").count() == 2
    assert services.held_alerts_release() == 0
    TeamAlertSettings.objects.filter(team=ops).update(digest_hour=hour)
    assert services.held_alerts_release() == 2
    send_all()
    assert len(slack.requests) == 1
    assert slack.requests[0].json()["text"] == "2 handoffs for Operations"


def test_template_adoption_gives_a_disabled_editable_rule(admin_user, ops, marketing):
    from hub.models import Team

    Team.objects.create(name="Customer Support", slug="customer-support", kind="support")
    rule = services.rule_from_template(actor=admin_user, key="new_signup")
    assert not rule.enabled
    assert rule.trigger == "hubspot.contact.creation"
    assert {t.kind for t in rule.teams.all()} == {"operations", "support"}
    assert rule.versions.count() == 1


def test_dry_run_counts_what_would_have_happened(rule, admin_user):
    for n, zone in enumerate(["downtown", "downtown", "riverside", "northgate"]):
        events.record(
            "generic", "generic.signup", f"dry{n}", {"email": f"{n}@x.test", "zone": zone}
        )
    result = services.rule_dry_run(rule)
    assert result.events_checked == 4
    assert result.matched == 3
    assert result.handoffs == 3
    assert result.per_team == {"Operations": 3}
    assert result.samples[0]["title"] == "New signup: 0@x.test"
    assert not Handoff.objects.exists()


def test_versions_record_who_changed_what(rule, admin_user):
    versions = list(rule.versions.values_list("version", "note"))
    assert versions == [(2, "enabled"), (1, "")]
    assert rule.versions.first().changed_by == admin_user


def test_rule_with_bad_template_is_refused(admin_user, ops):
    from hub.errors import DomainError

    with pytest.raises(DomainError, match="template"):
        services.rule_save(
            actor=admin_user,
            data=services.RuleInput(
                name="x",
                trigger="generic.x",
                teams=[ops],
                owner_team=ops,
                title_template="{% if %}",
            ),
        )


def test_manual_handoff_reaches_the_team_inbox(admin_user, member, ops, marketing):
    handoff = services.handoff_create(
        team=ops,
        title="Please check Northgate capacity",
        created_by=admin_user,
        from_team=marketing,
    )
    send_all()
    assert handoff.alerts.get().channel.kind == "inbox"
    assert Notification.objects.filter(
        recipient=member, title="Please check Northgate capacity"
    ).exists()


def test_sweeper_resends_alerts_a_dead_broker_or_worker_left(rule, slack):
    signup()
    slack_alert = Alert.objects.get(channel__kind="slack")
    inbox_alert = Alert.objects.get(channel__kind="inbox")
    long_ago = timezone.now() - timedelta(minutes=10)
    # One never reached the broker; the other was claimed by a worker that then died.
    Alert.objects.filter(pk=slack_alert.pk).update(next_attempt_at=long_ago)
    Alert.objects.filter(pk=inbox_alert.pk).update(
        status="sending", claimed_at=long_ago, next_attempt_at=long_ago
    )

    assert sorted(services.alerts_unfinished(timezone.now())) == sorted(
        [slack_alert.pk, inbox_alert.pk]
    )
    send_all()
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}
    assert len(slack.requests) == 1


def test_a_failing_test_message_says_so_at_once_without_fallback(ops, slack, ops_email, admin_user):
    channel = Channel.objects.create(
        team=ops, kind="slack", name="#t", target=slack.url, fallback=ops_email
    )
    slack.default = SLACK_ERROR
    alert = services.channel_test(actor=admin_user, channel=channel)
    assert services.alert_send(alert.pk) == "failed"
    assert not Alert.objects.filter(fallback_of=alert).exists()


def test_fallback_skips_a_channel_that_already_has_the_handoff(
    rule, slack, ops_slack, ops_email, smtp, member
):
    ops_slack.fallback = ops_email
    ops_slack.save()
    rule.channels.add(ops_email)
    slack.then(SLACK_NO_SERVICE)
    signup()
    services.alert_send(Alert.objects.get(channel=ops_slack).pk)
    assert Alert.objects.filter(channel=ops_email).count() == 1  # its own; no second, fallback copy


def test_announcements_need_no_acknowledgement(ops):
    handoff = services.handoff_create(team=ops, title="FYI", requires_ack=False)
    assert handoff.status == "done"
    assert handoff.due_at is None


def test_a_rule_whose_owner_leaves_is_flagged(rule, member, marketing, admin_user):
    assert services.rules_needing_owner() == []
    Rule.objects.filter(pk=rule.pk).update(owner=member)  # member of Operations, not Marketing
    assert services.rules_needing_owner() == [rule]
    Rule.objects.filter(pk=rule.pk).update(owner=admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert services.rules_needing_owner() == [rule]
