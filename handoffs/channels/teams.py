"""Microsoft Teams incoming webhooks (and Workflows webhooks): an Adaptive Card message.

Success is any 2xx (Workflows answer 202 Accepted); 429 carries ``Retry-After``; 400, 401, 403,
404 and 410 mean the URL or card is wrong for good. A message may be at most 28 KB (Microsoft's
"Create Incoming Webhooks"; larger ones are refused with 413), so ``fits`` tells the outbox how
many of a digest's handoffs one card can carry.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from handoffs.channels.base import Message, Sender, Sent, post_json, short, webhook_answer

# Card text is Markdown: a ``[label](url)`` in user text would be a link, ``**`` bold.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~#])")


# 28 KB, less room for what Teams adds around the card.
MAX_MESSAGE_BYTES = 27 * 1024
MAX_TITLE = 300


def escape(text: str) -> str:
    """User text for a TextBlock or a fact: Markdown's punctuation escaped, shown as written."""
    return _MARKDOWN.sub(r"\\\1", text)


def card(message: Message) -> dict:
    body: list[dict] = [
        {
            "type": "TextBlock",
            "text": escape(message.title),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    if message.items:
        body.append(
            {
                "type": "TextBlock",
                "text": "\n".join(
                    f"- [{escape(short(title, MAX_TITLE))}]({link})"
                    for title, link, _ack in message.items
                ),
                "wrap": True,
            }
        )
    else:
        if message.body:
            body.append(
                {"type": "TextBlock", "text": short(escape(message.body), 3000), "wrap": True}
            )
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": escape(k), "value": escape(v)}
                    for k, v in [("Team", message.team), *message.fields]
                ],
            }
        )
    actions = []
    if message.ack_url:
        actions.append({"type": "Action.OpenUrl", "title": "Acknowledge", "url": message.ack_url})
    if message.link:
        actions.append(
            {"type": "Action.OpenUrl", "title": "Open in Crossdock", "url": message.link}
        )
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": actions,
                },
            }
        ],
    }


def _size(message: Message, items: list[tuple[str, str, str]]) -> int:
    return len(json.dumps(card(replace(message, items=items))).encode())


class TeamsSender(Sender):
    kind = "teams"
    min_interval = 1.0
    digests = True

    def fits(self, message: Message) -> int:
        items = message.items
        count = len(items)
        while count > 1 and _size(message, items[:count]) > MAX_MESSAGE_BYTES:
            count -= 1
        return count

    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        response = post_json(target, card(message))
        return webhook_answer(
            "Teams", response, ok=200 <= response.status_code < 300, default_retry_after=2.0
        )
