"""Slack incoming webhooks: a Block Kit message with the key facts and an acknowledge button.

Slack answers 200 ``ok``; 400 ``invalid_payload``/``no_text``, 403 ``action_prohibited``,
404 ``no_service``/``channel_not_found`` and 410 ``channel_is_archived`` will not get better by
retrying; 429 carries ``Retry-After``; 5xx is worth another try. Slack allows about one message
per second per webhook, so bursts are paced and folded into one digest.

Block Kit's limits (docs.slack.dev, "Blocks"): at most 50 blocks in a message, a section's text
at most 3,000 characters, a header's at most 150. A message over them is refused whole
(``invalid_blocks``), so a digest is laid out one line per handoff, lines packed into as many
sections as they need, and ``fits`` tells the outbox how many handoffs one message can carry:
the rest wait for the next message, never cut off.
"""

from __future__ import annotations

from handoffs.channels.base import Message, Sender, Sent, post_json, short, webhook_answer


def escape(text: str) -> str:
    """User text for a mrkdwn field: ``& < >`` are Slack's control characters (links,
    ``<!channel>`` mentions); everything else shows as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
# Slack has refused messages whose blocks carry ~13,000 characters in all
# (``msg_blocks_too_long``), far below the documented 40,000: a digest stays under this.
MAX_DIGEST_TEXT = 12000
# A title is cut (before escaping, so no entity is split) to keep a line well inside a section.
MAX_TITLE = 300


def digest_line(title: str, link: str, ack: str) -> str:
    """One handoff of a digest: its title as a link, and its acknowledge link."""
    line = f"• <{link}|{escape(short(title, MAX_TITLE))}>"
    return line + (f" · <{ack}|acknowledge>" if ack else "")


def _sections(lines: list[str]) -> list[str]:
    """Lines packed, whole, into section texts of at most MAX_SECTION_TEXT characters."""
    sections: list[str] = []
    for line in lines:
        if sections and len(sections[-1]) + 1 + len(line) <= MAX_SECTION_TEXT:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    return sections


def digest_capacity(items: list[tuple[str, str, str]]) -> int:
    """How many of ``items`` (in order) one message can carry within Block Kit's limits."""
    lines: list[str] = []
    for n, item in enumerate(items):
        lines.append(digest_line(*item))
        too_many_blocks = 1 + len(_sections(lines)) > MAX_BLOCKS
        if too_many_blocks or sum(len(line) for line in lines) > MAX_DIGEST_TEXT:
            return max(1, n)
    return len(items)


def blocks(message: Message) -> list[dict]:
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": short(message.title, MAX_HEADER_TEXT)},
    }
    if message.items:
        lines = [digest_line(*item) for item in message.items]
        return [header] + [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}}
            for text in _sections(lines)
        ]
    result: list[dict] = [header]
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

    def fits(self, message: Message) -> int:
        return digest_capacity(message.items)

    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        payload = {"text": short(escape(message.title), 3000), "blocks": blocks(message)}
        response = post_json(target, payload)
        return webhook_answer(
            "Slack", response, ok=response.status_code == 200, default_retry_after=1.0
        )
