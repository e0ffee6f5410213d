"""Typeform: one POST per form response.

``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body, keyed with the secret>``.
Crossdock makes the secret; the admin pastes it into the Typeform webhook's settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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


class TypeformProvider(Provider):
    kind = "typeform"
    label = "Typeform"
    generates_secret = True
    secret_help = "Leave empty and Crossdock makes one; paste it into Typeform's webhook Secret."  # noqa: S105 - help text, not a secret

    def verify(self, request: HttpRequest, body: bytes, secrets: list[str], now: datetime) -> None:
        header = request.headers.get("Typeform-Signature", "").strip()
        if not header:
            raise Rejected(401, "Missing Typeform-Signature header.")
        algorithm, _, signature = header.partition("=")
        if algorithm != "sha256" or not signature:
            raise Rejected(401, "Typeform-Signature must look like sha256=<base64>.")
        for secret in secrets:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
            if hmac.compare_digest(base64.b64encode(digest).decode(), signature):
                return
        raise Rejected(401, "Typeform-Signature does not match the body and the secret.")

    def parse(self, request: HttpRequest, body: bytes) -> list[Incoming]:
        data = load_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("form_response"), dict):
            raise Rejected(400, "Expected a Typeform webhook with form_response.")
        response = data["form_response"]
        event_type = str(data.get("event_type") or "form_response")
        external_id = str(data.get("event_id") or response.get("token") or body_hash(body))
        submitted = parse_when(response.get("submitted_at"), "form_response.submitted_at")
        return [
            Incoming(
                type=f"typeform.{event_type}",
                external_id=external_id,
                payload=data,
                payload_json=body.decode(),
                occurred_at=submitted,
                unmapped=event_type != "form_response",
                subject=f"form:{response.get('form_id', '')}",
            )
        ]

    def adapt(self, event: Event) -> bool:
        # Responses are kept as events until the feedback module takes them over.
        return event.type == "typeform.form_response"
