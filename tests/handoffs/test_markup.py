"""A rule's text is rendered once, as plain text; each channel escapes it for its own markup.

Member-written text (a handoff's title and body, a campaign or promo code) must not become a
Slack mention or link, a Teams link, or HTML; lists print as words. Templates get only the
documented tags and filters, and a preview never fails the page.
"""

import pytest

from handoffs import rules, services
from handoffs.channels.base import Message
from handoffs.channels.slack import blocks
from handoffs.channels.teams import card
from handoffs.models import Alert, Channel, Handoff
from hub import events
from hub.errors import DomainError

HOSTILE_BODY = "<!channel> urgent <https://evil.example/login|Acknowledge in Crossdock>"


def message(**kwargs):
    base = {"uuid": "u", "title": "t", "body": "", "team": "Operations"}
    return Message(**{**base, **kwargs})


def test_render_is_plain_text_and_lists_are_words():
    ctx = {"payload": {"zones": ["riverside", "downtown"], "code": "<B>X</B>", "who": "O'Neil"}}
    text = rules.render("Zones: {{ payload.zones }} · {{ payload.code }} · {{ payload.who }}", ctx)
    assert text == "Zones: riverside, downtown · <B>X</B> · O'Neil"
    assert rules.render("{{ payload.zones|join:' / ' }}", ctx) == "riverside / downtown"
    assert rules.render("{% for z in payload.zones %}[{{ z }}]{% endfor %}", ctx) == (
        "[riverside][downtown]"
    )


def test_slack_escapes_user_text_in_every_mrkdwn_field():
    sent = blocks(
        message(title="Title > with <b>", body=HOSTILE_BODY, fields=[("Customer", "<@U123>")])
    )
    mrkdwn = [b["text"]["text"] for b in sent if b.get("text", {}).get("type") == "mrkdwn"]
    mrkdwn += [f["text"] for b in sent for f in b.get("fields", [])]
    joined = "\n".join(mrkdwn)
    assert "<!channel>" not in joined and "<https://evil" not in joined and "<@U123>" not in joined
    assert "&lt;!channel&gt; urgent &lt;https://evil.example/login|Acknowledge" in joined
    # The header is plain text: Slack shows it as written.
    assert sent[0]["text"] == {"type": "plain_text", "text": "Title > with <b>"}


def test_a_title_with_markup_keeps_a_slack_digest_link_whole():
    sent = blocks(message(items=[("a > b <!here>", "https://x.test/h/1/", "")]))
    assert sent[1]["text"]["text"] == "• <https://x.test/h/1/|a &gt; b &lt;!here&gt;>"


def test_teams_escapes_markdown_links_and_emphasis():
    body = "[Acknowledge in Crossdock](https://evil.example/login) **now** <b>"
    sent = card(message(title="[x](https://evil.example)", body=body))
    texts = [b["text"] for b in sent["attachments"][0]["content"]["body"] if "text" in b]
    assert texts[0] == r"\[x\](https://evil.example)"
    assert texts[1] == r"\[Acknowledge in Crossdock\](https://evil.example/login) \*\*now\*\* \<b\>"
    facts = sent["attachments"][0]["content"]["body"][-1]["facts"]
    assert facts[0] == {"title": "Team", "value": "Operations"}


@pytest.fixture
def promo_rule(admin_user, ops, slack):
    channel = Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Promo",
            trigger="generic.promo",
            teams=[ops],
            owner_team=ops,
            title_template="Promo {{ payload.code }}",
            message_template="Zones: {{ payload.zones }}. Code {{ payload.code }}.",
            channels=[channel],
        ),
    )
    return services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)


def test_a_rule_message_is_escaped_once_on_each_surface(promo_rule, slack, client_for, member):
    recorded = events.record(
        "generic", "generic.promo", "p1", {"code": "<B>X</B>", "zones": ["riverside"]}
    )
    events.process(recorded.event.pk)
    handoff = Handoff.objects.get()
    assert handoff.body == "Zones: riverside. Code <B>X</B>."
    services.alert_send(Alert.objects.get(channel__kind="slack").pk)
    section = slack.requests[0].json()["blocks"][1]["text"]["text"]
    assert section == "Zones: riverside. Code &lt;B&gt;X&lt;/B&gt;."
    page = client_for(member).get(handoff.get_absolute_url()).content.decode()
    assert "Code &lt;B&gt;X&lt;/B&gt;." in page
    assert "&amp;lt;" not in page and "&#x27;" not in page and "['riverside']" not in page


def test_the_email_shows_the_text_once_escaped(smtp, ops, member):
    channel = Channel.objects.create(team=ops, kind="email", name="mail")
    handoff = services.handoff_create(team=ops, title="Code <B>X</B>", body="It's <i>here</i>")
    services.alert_send(Alert.objects.get(handoff=handoff, channel=channel).pk)
    mail = smtp.messages[0]["message"]
    html = mail.get_body(("html",)).get_content()
    assert "It&#x27;s &lt;i&gt;here&lt;/i&gt;" in html and "&amp;" not in html
    assert "It's <i>here</i>" in mail.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "template",
    [
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% load static %}{% static 'x' %}",
        "{% url 'home' %}",
        "{% debug %}",
        "{{ payload|pprint }}",
        "{{ payload.x|safe }}",
    ],
)
def test_only_documented_tags_and_filters_are_accepted(admin_user, ops, template):
    with pytest.raises(DomainError, match="not available in alert templates"):
        services.rule_save(
            actor=admin_user,
            data=services.RuleInput(
                name="x", trigger="generic.x", teams=[ops], owner_team=ops, title_template=template
            ),
        )
    assert rules.render(template, {}).startswith("[template error")


@pytest.mark.parametrize(
    "template", ["{% include 'nope.html' %}", "{% extends 'base.html' %}", "{{ x|nope }}"]
)
def test_preview_never_fails_the_page(client_for, admin_user, template):
    events.record("generic", "generic.order", "o-1", {"id": "o-1"})
    response = client_for(admin_user).post(
        "/handoffs/rules/preview/", {"trigger": "generic.order", "title_template": template}
    )
    assert response.status_code == 200
    assert "template error" in response.content.decode()
