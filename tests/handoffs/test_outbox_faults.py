"""A database that fails after the request left: Slack, Teams and email never get a message twice;
webhooks are sent again with the same Idempotency-Key; what is known unsent is sent."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from handoffs import services
from handoffs.models import Alert, Channel
from tests import receivers

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
