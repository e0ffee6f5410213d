"""Outbound webhooks: the handoff as JSON, HMAC-signed, with the alert's UUID as idempotency key,
so Zapier, Make or an in-house service can act on it exactly once."""

from __future__ import annotations

import json
import time

import requests

from handoffs.channels.base import (
    ChannelError,
    Message,
    Sender,
    Sent,
    retry_after_seconds,
    short,
    timeout_seconds,
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
        limit = timeout_seconds()
        try:
            response = requests.post(target, data=body, headers=headers, timeout=limit)
        except requests.Timeout as exc:
            raise ChannelError(f"No answer within {limit:g} s") from exc
        except requests.RequestException as exc:
            raise ChannelError(f"Could not connect: {type(exc).__name__}") from exc
        text = short(response.text)
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
            f"The endpoint answered {response.status_code} {text}",
            permanent=True,
            status_code=response.status_code,
            response=text,
        )
