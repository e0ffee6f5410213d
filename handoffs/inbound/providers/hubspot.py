"""HubSpot: CRM webhook subscriptions, delivered in batches (a JSON array, up to 100 events).

Signatures, as HubSpot documents them:
- v3: ``X-HubSpot-Signature-v3`` = base64(HMAC-SHA256(client secret, method + URI + body +
  timestamp)), with ``X-HubSpot-Request-Timestamp`` (epoch ms); requests older than five
  minutes are refused. In the URI, HubSpot decodes a fixed set of %-escapes before signing.
- v2 (``X-HubSpot-Signature-Version: v2``): hex SHA-256 of secret + method + URI + body.
- v1 (``X-HubSpot-Signature-Version: v1``): hex SHA-256 of secret + body.
HubSpot retries a failed delivery (timeouts, 4xx, 5xx) up to 10 times over the next day.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest

from handoffs.inbound.providers.base import Incoming, Provider, Rejected, load_json, ms_to_datetime
from hub import facts
from hub.models import Event

MAX_AGE_MS = 5 * 60 * 1000
# HubSpot decodes these escapes in the request URI before signing with v3.
URI_DECODES = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
# HubSpot contact property → our customer field.
CONTACT_PROPERTIES = {
    "email": "email",
    "phone": "phone",
    "mobilephone": "phone",
    "firstname": "first_name",
    "lastname": "last_name",
    "lifecyclestage": "lifecycle_stage",
    "hs_analytics_source": "acquisition_source",
    "crossdock_campaign": "campaign",
    "utm_campaign": "campaign",
    "promo_code": "promo_code",
}
MAPPED = {
    "contact.creation",
    "contact.propertyChange",
    "contact.deletion",
    "contact.privacyDeletion",
    "contact.restore",
    "deal.creation",
    "deal.propertyChange",
    "deal.deletion",
    "deal.restore",
}
# The newer object.* subscriptions name the object by type id.
OBJECT_TYPES = {"0-1": "contact", "0-3": "deal", "0-2": "company", "0-5": "ticket"}


def _decode_uri(uri: str) -> str:
    for escape, char in URI_DECODES.items():
        uri = uri.replace(escape, char).replace(escape.lower(), char)
    return uri


def _candidate_uris(request: HttpRequest) -> list[str]:
    """The URL HubSpot called, as we can see it and as configured (behind a proxy)."""
    seen = request.build_absolute_uri()
    configured = settings.SITE_URL.rstrip("/") + request.get_full_path()
    return list(dict.fromkeys([seen, configured]))


def _subject(subscription: str, item: dict) -> str:
    kind = subscription.split(".", 1)[0]
    subject = f"{kind}:{item.get('objectId')}"
    if item.get("propertyName"):
        subject += f":{item['propertyName']}"
    return subject


class HubSpotProvider(Provider):
    kind = "hubspot"
    label = "HubSpot"
    secret_help = "Your HubSpot app → Auth → Client secret."  # noqa: S105 - help text, not a secret

    def verify(self, request: HttpRequest, body: bytes, secrets: list[str], now: datetime) -> None:
        method = request.method or "POST"
        text = body.decode("utf-8", errors="replace")
        v3 = request.headers.get("X-HubSpot-Signature-v3")
        if v3:
            stamp = request.headers.get("X-HubSpot-Request-Timestamp", "")
            try:
                stamp_ms = int(stamp)
            except ValueError:
                raise Rejected(401, "Missing or malformed X-HubSpot-Request-Timestamp.") from None
            if abs(now.timestamp() * 1000 - stamp_ms) > MAX_AGE_MS:
                raise Rejected(401, "X-HubSpot-Request-Timestamp is more than five minutes off.")
            for secret in secrets:
                for uri in _candidate_uris(request):
                    signed = f"{method}{_decode_uri(uri)}{text}{stamp}".encode()
                    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
                    if hmac.compare_digest(base64.b64encode(digest).decode(), v3.strip()):
                        return
            raise Rejected(401, "X-HubSpot-Signature-v3 does not match.")
        legacy = request.headers.get("X-HubSpot-Signature", "").strip().lower()
        version = request.headers.get("X-HubSpot-Signature-Version", "v1").strip().lower()
        if not legacy:
            raise Rejected(401, "Missing X-HubSpot-Signature-v3 (or X-HubSpot-Signature).")
        for secret in secrets:
            if version == "v1":
                sources = [f"{secret}{text}"]
            elif version == "v2":
                sources = [f"{secret}{method}{uri}{text}" for uri in _candidate_uris(request)]
            else:
                raise Rejected(401, f"Unknown X-HubSpot-Signature-Version {version!r}.")
            for source in sources:
                expected = hashlib.sha256(source.encode()).hexdigest()
                if hmac.compare_digest(expected, legacy):
                    return
        raise Rejected(401, f"X-HubSpot-Signature ({version}) does not match.")

    def parse(self, request: HttpRequest, body: bytes) -> list[Incoming]:
        data = load_json(body)
        items = data if isinstance(data, list) else [data]
        if not items or not all(isinstance(i, dict) for i in items):
            raise Rejected(400, "Expected a JSON array of HubSpot events.")
        incoming = []
        for item in items:
            subscription = item.get("subscriptionType")
            if not isinstance(subscription, str) or "objectId" not in item:
                raise Rejected(400, "Each HubSpot event needs subscriptionType and objectId.")
            if subscription.startswith("object.") and item.get("objectTypeId") in OBJECT_TYPES:
                subscription = f"{OBJECT_TYPES[item['objectTypeId']]}.{subscription[7:]}"
            # eventId alone is not promised unique; these fields are, and a retry repeats them
            # (only attemptNumber changes).
            key = ":".join(
                str(item.get(k, ""))
                for k in (
                    "portalId",
                    "subscriptionId",
                    "eventId",
                    "objectId",
                    "occurredAt",
                    "propertyName",
                )
            )
            incoming.append(
                Incoming(
                    type=f"hubspot.{subscription}",
                    external_id=key,
                    payload=item,
                    occurred_at=ms_to_datetime(item.get("occurredAt")),
                    unmapped=subscription not in MAPPED,
                    subject=_subject(subscription, item),
                )
            )
        return incoming

    def adapt(self, event: Event) -> bool:
        subscription = event.type.removeprefix("hubspot.")
        item = event.payload
        at_ms = int(item.get("occurredAt") or 0)
        if subscription.startswith("deal."):
            # Deal webhooks carry no contact: they are stored for rules and reports.
            return True
        if subscription not in MAPPED:
            return False
        crm_id = str(item.get("objectId"))
        if subscription == "contact.creation":
            facts.customer_from_crm(crm_id=crm_id, at_ms=at_ms, values={}, created_event=True)
        elif subscription == "contact.propertyChange":
            field = CONTACT_PROPERTIES.get(str(item.get("propertyName", "")).lower())
            if field is None:
                return True
            facts.customer_from_crm(
                crm_id=crm_id, at_ms=at_ms, values={field: item.get("propertyValue")}
            )
        elif subscription in ("contact.deletion", "contact.privacyDeletion"):
            facts.customer_from_crm(
                crm_id=crm_id, at_ms=at_ms, values={"lifecycle_stage": "deleted in CRM"}
            )
        return True
