"""A database that fails after the request left: Slack, Teams and email never get a message twice;
webhooks are sent again with the same Idempotency-Key; what is known unsent is sent.

An alert an event drain makes is claimed as it is written and sent by the drain right after the
event commits, with no claim and no read back then; whatever stops it on the way, it is sent
once (a worker or the sweeper takes it over)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoffs import services
from handoffs.models import Alert, Channel
from handoffs.services import outbox
from hub import events
from tests import receivers
from tests.factories import MembershipFactory, UserFactory
from tests.handoffs import payloads

FAIL_ON_SENT = """
CREATE OR REPLACE FUNCTION crossdock_test_fail_sent() RETURNS trigger AS $$
BEGIN
  IF NEW.status = 'sent' THEN RAISE EXCEPTION 'database went away'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER crossdock_test_fail_sent BEFORE UPDATE ON handoffs_alert
  FOR EACH ROW EXECUTE FUNCTION crossdock_test_fail_sent();
"""


@pytest.fixture
def hook():
    receiver = receivers.HttpReceiver(receivers.Reply(200, "ok"))
    yield receiver
    receiver.stop()


def send_with_a_database_failure_after_the_request(alert: Alert) -> None:
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ON_SENT)
    with pytest.raises(DatabaseError):
        services.alert_send(alert.pk)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER crossdock_test_fail_sent ON handoffs_alert")


def sweep_later() -> list[str]:
    later = timezone.now() + timedelta(minutes=6)
    due = services.alerts_unfinished(later)
    return [services.alert_send(pk, now=later) for pk in due]


def test_slack_is_not_sent_twice_when_recording_the_send_failed(ops, slack):
    channel = Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)
    (alert,) = services.notify(to=channel, title="Van 4 is late")

    send_with_a_database_failure_after_the_request(alert)
    assert sweep_later() == []

    alert.refresh_from_db()
    assert len(slack.requests) == 1
    assert alert.status == Alert.Status.SENT
    assert "not sent again" in alert.last_error
    assert [a.error for a in alert.attempt_log.all()] == ["outcome unknown"]


def test_a_webhook_is_sent_again_with_the_same_idempotency_key(ops, hook):
    channel = Channel.objects.create(team=ops, kind="webhook", name="Ops hook", target=hook.url)
    (alert,) = services.notify(to=channel, title="Van 4 is late")

    send_with_a_database_failure_after_the_request(alert)
    assert sweep_later() == ["sent"]

    keys = [r.headers["Idempotency-Key"] for r in hook.requests]
    assert keys == [str(alert.uuid), str(alert.uuid)]
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT


def test_a_claim_whose_request_never_began_is_sent_after_all(ops, slack):
    channel = Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)
    (alert,) = services.notify(to=channel, title="Van 4 is late")
    # A worker claimed it and was killed before anything left.
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.SENDING, claimed_at=timezone.now())

    assert sweep_later() == ["sent"]
    assert len(slack.requests) == 1


def test_inbox_messages_commit_with_their_sent_mark(ops, member):
    from hub.models import Notification

    (alert, *_) = services.notify(to=ops, title="Standup in an hour")
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ON_SENT)
    with pytest.raises(DatabaseError):
        services.alert_send(alert.pk)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER crossdock_test_fail_sent ON handoffs_alert")
    assert not Notification.objects.exists()  # rolled back with the failed mark

    assert sweep_later() == ["sent"]
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_swept_alert_is_not_swept_again_until_its_grace_has_passed_again(ops, slack, settings):
    """A long queue is not a lost alert: each sweep would otherwise add another task for it."""
    settings.CROSSDOCK_ALERT_SWEEP_GRACE_SECONDS = 30
    channel = Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)
    (alert,) = services.notify(to=channel, title="Van 4 is late")
    later = timezone.now() + timedelta(seconds=31)

    assert services.alerts_unfinished(later) == [alert.pk]
    assert services.alerts_unfinished(later + timedelta(seconds=5)) == []
    assert services.alerts_unfinished(later + timedelta(seconds=31)) == [alert.pk]
    assert services.alert_send(alert.pk, now=later + timedelta(seconds=31)) == "sent"


# --- Alerts an event drain makes and sends -----------------------------------------------


@pytest.fixture
def rule(admin_user, ops, hook):
    MembershipFactory(user=UserFactory(), team=ops)
    channel = services.channel_create(
        actor=admin_user, team=ops, kind="webhook", name="Ops hook", target=hook.url
    )
    made = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Every completed task",
            trigger="onfleet.taskCompleted",
            teams=[ops],
            owner_team=ops,
            title_template="Task {{ payload.taskId }} completed",
            channels=[channel],
            requires_ack=False,
        ),
    )
    services.rule_set_enabled(actor=admin_user, rule=made, enabled=True)
    return made


def complete_task() -> None:
    payload = payloads.onfleet_task_event(
        task_id="task1", recipient_id="rcp1", recipient_phone="+14155550101"
    )
    events.record("onfleet", "onfleet.taskCompleted", "t1", payload, subject="t1")
    events.drain()


def the_webhook_alert() -> Alert:
    return Alert.objects.get(channel__kind="webhook")


@pytest.mark.django_db(transaction=True)
def test_a_drain_sends_its_alert_without_claiming_or_reading_it_again(rule, hook):
    with CaptureQueriesContext(connection) as captured:
        complete_task()

    assert len(hook.requests) == 1
    alert = the_webhook_alert()
    assert (alert.status, alert.attempts) == (Alert.Status.SENT, 1)
    assert [(a.ok, a.status_code, a.finished) for a in alert.attempt_log.all()] == [
        (True, 200, True)
    ]
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in statements if s.startswith('UPDATE "handoffs_alert" SET "status"')]
    assert not [s for s in statements if s.startswith('SELECT "handoffs_alert"')]


@pytest.mark.django_db(transaction=True)
def test_the_sent_mark_and_the_attempts_answer_are_recorded_together(rule, hook):
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ON_SENT)
    complete_task()  # the request leaves; recording its answer fails
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER crossdock_test_fail_sent ON handoffs_alert")

    alert = the_webhook_alert()
    assert alert.status == Alert.Status.SENDING
    assert [a.finished for a in alert.attempt_log.all()] == [False]  # nothing half-recorded
    assert sweep_later() == ["sent"]  # a webhook goes again, with the same Idempotency-Key
    keys = [r.headers["Idempotency-Key"] for r in hook.requests]
    assert keys == [str(alert.uuid)] * 2


@pytest.mark.django_db(transaction=True)
def test_an_alert_the_drain_failed_to_send_goes_back_to_the_queue_unsent(rule, hook, monkeypatch):
    def database_gone(batch, now):
        raise DatabaseError("database went away")

    monkeypatch.setattr(outbox, "_begin_attempts", database_gone)
    complete_task()
    monkeypatch.undo()

    alert = the_webhook_alert()
    assert (alert.status, alert.attempts) == (Alert.Status.PENDING, 0)
    assert hook.requests == []
    assert services.alert_send(alert.pk) == "sent"
    assert len(hook.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_an_alert_left_claimed_by_a_stopped_drain_is_sent_by_the_sweeper(rule, hook, monkeypatch):
    def stopped(*args, **kwargs):
        raise DatabaseError("the process stopped here")

    monkeypatch.setattr(outbox, "_send_claimed", stopped)
    monkeypatch.setattr(outbox, "_unclaim", stopped)
    complete_task()
    monkeypatch.undo()

    alert = the_webhook_alert()
    assert alert.status == Alert.Status.SENDING
    assert not alert.attempt_log.exists()  # known unsent
    assert sweep_later() == ["sent"]
    assert len(hook.requests) == 1
