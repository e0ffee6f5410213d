"""Outbound webhooks: the handoff as JSON, HMAC-signed, with the alert's UUID as idempotency key,
so Zapier, Make or an in-house service can act on it exactly once."""

from __future__ import annotations

import json
import time

from handoffs.channels.base import (
    ChannelError,
    Message,
    Sender,
    Sent,
    answer_summary,
    post,
    retry_after_seconds,
)
from handoffs.inbound.providers.generic import SIGNATURE_HEADER, sign


def payload(message: Message) -> dict:
    return {
        "id": message.uuid,
        "type": f"handoff.{message.purpose}",
        "title": message.title,
        "body": message.body,
        "team": message.team,
        "link": message.link,
        "acknowledge_url": message.ack_url,
        "fields": dict(message.fields),
        "items": [{"title": t, "link": link, "acknowledge_url": a} for t, link, a in message.items],
    }


class WebhookSender(Sender):
    kind = "webhook"

    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        body = json.dumps(payload(message), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.uuid}
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body, int(time.time()))
        response = post(target, data=body, headers=headers)
        text = answer_summary(response)
        if 200 <= response.status_code < 300:
            return Sent(response.status_code, text)
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise ChannelError(
                f"The endpoint answered {response.status_code}",
                status_code=response.status_code,
                retry_after=retry_after_seconds(response),
                response=text,
            )
        raise ChannelError(
            f"The endpoint answered {response.status_code} {text}".strip(),
            permanent=True,
            status_code=response.status_code,
            response=text,
        )
