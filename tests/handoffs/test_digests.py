"""Digests carry every handoff: split across sections and messages within each channel's limits.

The local receivers refuse what Slack and Teams refuse (tests/receivers.py): more than 50
blocks, a section over 3,000 characters, a Teams message over 28 KB.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from handoffs import services
from handoffs.channels.base import Message
from handoffs.channels.slack import SlackSender, blocks
from handoffs.models import Alert, Channel, Handoff, TeamAlertSettings
from tests.receivers import SLACK_ERROR, slack_limits

# Long titles with every character Slack or Teams markup escapes, so lines grow when escaped.
TITLE = "Failed delivery & <refund> for order #{n} [{n}](x) *urgent* " + "é & > " * 60

SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
TEAMS_LINK = re.compile(r"\]\((https?://[^)]+)\)")


# Markdown punctuation doubles when escaped for a Teams card, and again in JSON.
TEAMS_TITLE = "Order #{n} " + "\\" * 290


def handoffs_for(team, count, title=TITLE):
    return [services.handoff_create(team=team, title=title.format(n=n)[:300]) for n in range(count)]


def send_everything(kind, *, rounds=600):
    """Send what is due as the worker would, letting each paced second pass at once."""
    now = timezone.now()
    for _ in range(rounds):
        due = list(
            Alert.objects.filter(
                channel__kind=kind, status="pending", next_attempt_at__lte=now
            ).values_list("pk", flat=True)
        )
        if not due and not Alert.objects.filter(channel__kind=kind, status="pending").exists():
            return
        for pk in due:
            services.alert_send(pk, now=now)
        now += timedelta(seconds=2)
    raise AssertionError("alerts still pending")


def slack_links(requests):
    """Handoff links, acknowledge links and handoff count of the Slack messages given."""
    opened, acks, count = [], [], 0
    for request in requests:
        assert slack_limits(request.body) is None, "a message over Block Kit's limits was sent"
        payload = request.json()
        found = 0
        for block in payload["blocks"]:
            if block["type"] == "section" and "text" in block:
                for link, label in SLACK_LINK.findall(block["text"]["text"]):
                    (acks if label == "acknowledge" else opened).append(link)
                    found += label != "acknowledge"
            for button in block.get("elements", []):  # a message of one handoff
                if button["action_id"] == "crossdock_open":
                    opened.append(button["url"])
                    found += 1
                elif button["action_id"] == "crossdock_ack":
                    acks.append(button["url"])
        header = payload["blocks"][0]["text"]["text"]
        assert found == (int(header.split()[0]) if header[0].isdigit() else 1)
        count += found
    return opened, acks, count


def url(handoff):
    return settings.SITE_URL.rstrip("/") + handoff.get_absolute_url()


@pytest.fixture
def ops_slack(ops, slack):
    return Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)


@pytest.mark.parametrize("count", [26, 300])
def test_a_slack_digest_carries_every_handoff_link_whole(ops, ops_slack, slack, count):
    TeamAlertSettings.objects.create(
        team=ops, daily_digest=True, digest_hour=timezone.localtime().hour
    )
    made = handoffs_for(ops, count)
    assert services.held_alerts_release() == count

    send_everything("slack")

    opened, acks, said = slack_links(slack.requests)
    assert sorted(opened) == sorted(url(h) for h in made)  # each once, none cut off
    assert len(acks) == said == count
    assert all("/ack/" in a for a in acks)
    assert Alert.objects.filter(channel=ops_slack, status="sent").count() == count
    print(f"{count} handoffs → {len(slack.requests)} Slack messages, {len(opened)} links")


def test_one_slack_message_holds_many_sections_but_never_over_50_blocks(db):
    items = [(TITLE.format(n=n)[:300], f"https://x.test/h/{n}/", "") for n in range(200)]
    capacity = SlackSender().fits(Message("u", "t", "", "Ops", items=items))
    assert 1 < capacity < 200
    laid_out = blocks(Message("u", "t", "", "Ops", items=items[:capacity]))
    assert len(laid_out) > 2  # more than one section
    assert len(laid_out) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in laid_out)
    text = "\n".join(b["text"]["text"] for b in laid_out[1:])
    assert [u for u, _ in SLACK_LINK.findall(text)] == [i[1] for i in items[:capacity]]


def test_handoffs_of_a_refused_digest_message_are_not_marked_sent(ops, ops_slack, slack):
    made = handoffs_for(ops, 26)
    now = timezone.now()
    first = Alert.objects.filter(channel=ops_slack).order_by("id").first()
    assert services.alert_send(first.pk, now=now) == "sent"
    slack.then(SLACK_ERROR)  # the next message fails
    later = now + timedelta(seconds=2)
    for pk in Alert.objects.filter(channel=ops_slack, status="pending").values_list("pk"):
        services.alert_send(pk[0], now=later)

    accepted, _acks, _count = slack_links(slack.requests[:-1])
    sent = Handoff.objects.filter(alerts__channel=ops_slack, alerts__status="sent")
    assert sorted(url(h) for h in sent) == sorted(accepted)
    assert 0 < sent.count() < len(made)
    assert not Alert.objects.filter(channel=ops_slack, status="sending").exists()


def test_a_teams_digest_is_split_into_cards_under_28_kb(ops, teams_hook):
    teams = Channel.objects.create(team=ops, kind="teams", name="Ops", target=teams_hook.url)
    made = handoffs_for(ops, 26, TEAMS_TITLE)

    send_everything("teams")

    assert all(len(r.body) <= 28 * 1024 for r in teams_hook.requests)
    assert len(teams_hook.requests) > 1
    opened = []
    for request in teams_hook.requests:
        content = request.json()["attachments"][0]["content"]
        for block in content["body"]:
            opened += TEAMS_LINK.findall(block.get("text", ""))
        # A card of one handoff links it as its "Open in Crossdock" action.
        opened += [a["url"] for a in content["actions"] if a["title"] == "Open in Crossdock"]
    assert sorted(opened) == sorted(url(h) for h in made)
    assert Alert.objects.filter(channel=teams, status="sent").count() == 26
