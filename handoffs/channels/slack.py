"""Slack incoming webhooks: a Block Kit message with the key facts and an acknowledge button.

Slack answers 200 ``ok``; 400 ``invalid_payload``/``no_text``, 403 ``action_prohibited``,
404 ``no_service``/``channel_not_found`` and 410 ``channel_is_archived`` will not get better by
retrying; 429 carries ``Retry-After``; 5xx is worth another try. Slack allows about one message
per second per webhook, so bursts are paced and folded into one digest.
"""

from __future__ import annotations

from handoffs.channels.base import Message, Sender, Sent, post_json, short, webhook_answer


def escape(text: str) -> str:
    """User text for a mrkdwn field: ``& < >`` are Slack's control characters (links,
    ``<!channel>`` mentions); everything else shows as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(message: Message) -> list[dict]:
    if message.items:
        lines = "\n".join(
            f"• <{link}|{escape(title)}>" + (f" · <{ack}|acknowledge>" if ack else "")
            for title, link, ack in message.items
        )
        return [
            {"type": "header", "text": {"type": "plain_text", "text": short(message.title, 150)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": short(lines, 3000)}},
        ]
    result: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": short(message.title, 150)}}
    ]
    if message.body:
        result.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": short(escape(message.body), 3000)},
            }
        )
    facts = [("Team", message.team), *message.fields][:10]
    result.append(
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": short(f"*{escape(label)}*\n{escape(value)}", 2000)}
                for label, value in facts
            ],
        }
    )
    buttons = []
    if message.ack_url:
        buttons.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "style": "primary",
                "url": message.ack_url,
                "action_id": "crossdock_ack",
            }
        )
    if message.link:
        buttons.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in Crossdock"},
                "url": message.link,
                "action_id": "crossdock_open",
            }
        )
    if buttons:
        result.append({"type": "actions", "elements": buttons})
    return result


class SlackSender(Sender):
    kind = "slack"
    min_interval = 1.0
    digests = True

    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        payload = {"text": short(escape(message.title), 3000), "blocks": blocks(message)}
        response = post_json(target, payload)
        return webhook_answer(
            "Slack", response, ok=response.status_code == 200, default_retry_after=1.0
        )
