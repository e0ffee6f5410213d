"""Generic JSON: how Zapier, Make and in-house systems post events to Crossdock.

Sign each request with ``X-Crossdock-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where
the HMAC, keyed with the integration's secret, covers ``"<t>." + raw body``. Requests signed
more than five minutes away from our clock are refused, so a captured request cannot be
replayed later. The body is one event or an array of up to 100:
``{"type": "order.created", "id": "ord_123", "occurred_at": "2026-01-01T10:00:00Z", ...}``.
``id`` (or the ``Idempotency-Key`` header, for a single event) makes a resend a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from django.http import HttpRequest

from handoffs.inbound.providers.base import (
    Incoming,
    Provider,
    Rejected,
    body_hash,
    load_json,
    parse_when,
)
from hub.models import Event

TOLERANCE_SECONDS = 300
MAX_BATCH = 100
TYPE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
SIGNATURE_HEADER = "X-Crossdock-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender puts on ``body`` (also used for our own test messages)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class GenericProvider(Provider):
    kind = "generic"
    label = "Generic JSON"
    generates_secret = True
    secret_help = "Leave empty and Crossdock makes one for the sender to sign with."  # noqa: S105 - help text, not a secret

    def verify(self, request: HttpRequest, body: bytes, secrets: list[str], now: datetime) -> None:
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not header:
            raise Rejected(401, f"Missing {SIGNATURE_HEADER} header.")
        parts = dict(
            part.strip().split("=", 1) for part in header.split(",") if "=" in part.strip()
        )
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise Rejected(401, f"{SIGNATURE_HEADER} needs t=<unix seconds>.") from None
        if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
            raise Rejected(401, "The signature's timestamp is more than five minutes off.")
        given = parts.get("v1", "").lower()
        for secret in secrets:
            expected = sign(secret, body, timestamp).split("v1=", 1)[1]
            if hmac.compare_digest(expected, given):
                return
        raise Rejected(401, f"{SIGNATURE_HEADER} does not match the body and the secret.")

    def parse(self, request: HttpRequest, body: bytes) -> list[Incoming]:
        data = load_json(body)
        items = data if isinstance(data, list) else [data]
        if not items or len(items) > MAX_BATCH:
            raise Rejected(400, f"Send one event or an array of 1 to {MAX_BATCH} events.")
        key_header = request.headers.get("Idempotency-Key", "").strip()
        incoming = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise Rejected(400, f"Event {index} is not a JSON object.")
            event_type = item.get("type")
            if not isinstance(event_type, str) or not TYPE_PATTERN.match(event_type):
                raise Rejected(
                    400, f"Event {index} needs a 'type' of letters, digits, '.', '_' or '-'."
                )
            external_id = item.get("id")
            if external_id in (None, ""):
                external_id = key_header if key_header and len(items) == 1 else None
            if external_id in (None, ""):
                external_id = body_hash(body) + (f":{index}" if len(items) > 1 else "")
            occurred_at = parse_when(item.get("occurred_at"), "occurred_at")
            incoming.append(
                Incoming(
                    type=f"generic.{event_type}",
                    external_id=str(external_id)[:255],
                    payload=item,
                    occurred_at=occurred_at,
                    subject=str(item.get("subject") or "")[:255],
                )
            )
        return incoming

    def adapt(self, event: Event) -> bool:
        # Generic events carry no facts of their own; they are there for handoff rules.
        return True
