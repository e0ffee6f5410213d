"""notify(): any message, to a team, a person, an address or a channel, through the one outbox."""

import json

import pytest
from django.core import mail

from handoffs import services
from handoffs.models import Alert, AlertAttempt, Channel
from hub.errors import DomainError
from hub.models import Notification
from tests.receivers import SLACK_NO_SERVICE


def send_all() -> list[str]:
    outcomes = []
    for _ in range(10):
        due = list(Alert.objects.filter(status="pending").values_list("pk", flat=True))
        if not due:
            break
        outcomes += [services.alert_send(pk) for pk in due]
    return outcomes


def test_a_team_message_reaches_its_inbox_and_its_channels(ops, member, slack):
    Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)

    alerts = services.notify(
        to=ops,
        title="Standup tomorrow: post your update",
        body="Wins, blockers, needs.",
        link="/standups/",
    )

    assert {a.way_out for a in alerts} == {"inbox", "slack"}
    assert send_all() == ["sent", "sent"]
    inbox = Notification.objects.get(recipient=member)
    assert (inbox.title, inbox.url) == ("Standup tomorrow: post your update", "/standups/")
    posted = json.dumps(slack.requests[0].json())
    assert "Standup tomorrow" in posted
    assert "http://testserver/standups/" in posted  # links leave the site absolute


def test_a_message_to_an_address_is_an_email_with_its_own_link_and_a_way_out(db):
    (alert,) = services.notify(
        to="ana@example.com",
        title="How did we do?",
        body="Two questions about your delivery.",
        link="https://crossdock.example/s/abc/",
        link_label="Answer the survey",
        unsubscribe_url="https://crossdock.example/s/abc/unsubscribe/",
    )

    assert services.alert_send(alert.pk) == "sent"
    (sent,) = mail.outbox
    assert sent.to == ["ana@example.com"]
    assert sent.subject == "How did we do?"
    assert "Answer the survey: https://crossdock.example/s/abc/" in sent.body
    assert "Team:" not in sent.body
    assert (
        sent.extra_headers["List-Unsubscribe"] == "<https://crossdock.example/s/abc/unsubscribe/>"
    )
    assert AlertAttempt.objects.get(alert=alert).ok


def test_a_person_is_reached_in_their_inbox_and_by_email(member):
    alerts = services.notify(to=member, title="You were mentioned", link="/wiki/p/1/")
    assert sorted(a.kind for a in alerts) == ["email", "inbox"]
    send_all()
    assert Notification.objects.filter(recipient=member, title="You were mentioned").count() == 1
    assert mail.outbox[0].to == [member.email]


def test_the_same_dedupe_key_sends_once(member):
    first = services.notify(to=member, title="Reminder", via=["inbox"], dedupe_key="remind:1")
    again = services.notify(to=member, title="Reminder", via=["inbox"], dedupe_key="remind:1")
    assert len(first) == 1
    assert again == []
    send_all()
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_failing_channel_falls_back_with_the_same_words(ops, member, slack):
    email = Channel.objects.create(team=ops, kind="email", name="Ops email")
    hook = Channel.objects.create(
        team=ops, kind="slack", name="#ops", target=slack.url, fallback=email
    )
    slack.default = SLACK_NO_SERVICE  # 404 no_service: the webhook was removed, permanent

    services.notify(to=hook, title="Summary of the week", body="3 wins, 1 blocker")
    send_all()

    fallback = Alert.objects.get(channel=email)
    assert fallback.fallback_of.channel.kind == "slack"
    assert [m.subject for m in mail.outbox] == ["Summary of the week"]
    assert "3 wins, 1 blocker" in mail.outbox[0].body


def test_a_team_message_is_not_repeated_by_a_fallback_that_already_has_it(ops, member, slack):
    email = Channel.objects.create(team=ops, kind="email", name="Ops email")
    Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url, fallback=email)
    slack.default = SLACK_NO_SERVICE

    services.notify(to=ops, title="Summary of the week")
    send_all()

    assert [m.subject for m in mail.outbox] == ["Summary of the week"]


def test_bad_input_is_refused_and_writes_nothing(member):
    with pytest.raises(DomainError, match="not an email address"):
        services.notify(to="not-an-address", title="Hello")
    with pytest.raises(DomainError, match="needs a title"):
        services.notify(to=member, title="  ")
    with pytest.raises(DomainError, match="inbox or email"):
        services.notify(to=member, title="Hi", via=["sms"])
    assert Alert.objects.count() == 0
