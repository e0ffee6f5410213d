"""Provider requests shaped as the providers' published examples, signed as they sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

ONFLEET_SECRET = "9f2c4a1b7e3d5f60812a9b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"
HUBSPOT_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
TYPEFORM_SECRET = "typeform-secret-0123456789"

HOUR_MS = 3600 * 1000


def onfleet_task_event(
    trigger: str = "taskCompleted",
    *,
    task_id: str = "11z1BFspwhBYDvIH_FrJfWMm",
    time_ms: int = 1779730000000,
    success: bool | None = True,
    completed_ms: int | None = None,
    window: tuple[int, int] | None = None,
    recipient_phone: str = "+1 (415) 555-0132",
    recipient_id: str = "rcp_8nQ2",
    team: str = "team_downtown",
    postal_code: str = "94107",
    metadata: list[dict] | None = None,
    state: int = 3,
    failure_reason: str = "NONE",
) -> dict:
    """An Onfleet task webhook, after Onfleet's taskCompleted/taskFailed examples."""
    after, before = window or (time_ms - 2 * HOUR_MS, time_ms + HOUR_MS)
    trigger_ids = {
        "taskCompleted": 3,
        "taskFailed": 4,
        "taskCreated": 6,
        "taskUpdated": 7,
        "taskStarted": 0,
        "taskDeleted": 8,
        "workerDuty": 5,
    }
    return {
        "actionContext": {"id": "1Ds6ulPYWxNPgaIaoLPqlIQE", "type": "WORKER"},
        "adminId": None,
        "data": {
            "task": {
                "id": task_id,
                "shortId": "8f983639",
                "state": state,
                "completeAfter": after,
                "completeBefore": before,
                "timeCreated": time_ms - 3 * HOUR_MS,
                "timeLastModified": time_ms,
                "completionDetails": {
                    "success": success,
                    "time": completed_ms
                    if completed_ms is not None
                    else (time_ms if state == 3 else None),
                    "failureReason": failure_reason,
                    "failureNotes": "",
                    "notes": "Delivered at front desk",
                },
                "container": {"type": "TEAM", "team": team},
                "destination": {
                    "address": {
                        "number": "500",
                        "street": "Brannan Street",
                        "city": "San Francisco",
                        "postalCode": postal_code,
                        "country": "United States",
                    },
                    "location": [-122.3966, 37.7766],
                },
                "recipients": [
                    {
                        "id": recipient_id,
                        "name": "Ana Torres",
                        "phone": recipient_phone,
                        "notes": "",
                    }
                ],
                "metadata": metadata or [],
            },
            "worker": {"id": "1Ds6ulPYWxNPgaIaoLPqlIQE", "name": "A Swartz"},
        },
        "taskId": task_id,
        "time": time_ms,
        "triggerId": trigger_ids.get(trigger, 7),
        "triggerName": trigger,
        "workerId": "1Ds6ulPYWxNPgaIaoLPqlIQE",
    }


def onfleet_headers(body: bytes, secret: str = ONFLEET_SECRET) -> dict:
    signature = hmac.new(bytes.fromhex(secret), body, hashlib.sha512).hexdigest()
    return {"HTTP_X_ONFLEET_SIGNATURE": signature}


def hubspot_events(*items: dict) -> list[dict]:
    """HubSpot's webhook batch: one object per event, as in HubSpot's example."""
    events = []
    for n, item in enumerate(items):
        event = {
            "eventId": 100 + n,
            "subscriptionId": 25,
            "portalId": 33,
            "appId": 1160452,
            "occurredAt": 1779730000000 + n,
            "attemptNumber": 0,
            "objectId": 123,
            "changeSource": "CRM",
            "subscriptionType": "contact.propertyChange",
        }
        event.update(item)
        events.append(event)
    return events


def hubspot_v3_headers(
    body: bytes, uri: str, secret: str = HUBSPOT_SECRET, timestamp_ms: int | None = None
) -> dict:
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    source = f"POST{uri}{body.decode()}{stamp}".encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return {
        "HTTP_X_HUBSPOT_SIGNATURE_V3": base64.b64encode(digest).decode(),
        "HTTP_X_HUBSPOT_REQUEST_TIMESTAMP": stamp,
    }


def hubspot_v1_headers(body: bytes, secret: str = HUBSPOT_SECRET) -> dict:
    return {
        "HTTP_X_HUBSPOT_SIGNATURE": hashlib.sha256((secret + body.decode()).encode()).hexdigest(),
        "HTTP_X_HUBSPOT_SIGNATURE_VERSION": "v1",
    }


def hubspot_v2_headers(body: bytes, uri: str, secret: str = HUBSPOT_SECRET) -> dict:
    source = f"{secret}POST{uri}{body.decode()}"
    return {
        "HTTP_X_HUBSPOT_SIGNATURE": hashlib.sha256(source.encode()).hexdigest(),
        "HTTP_X_HUBSPOT_SIGNATURE_VERSION": "v2",
    }


def typeform_response(event_id: str = "01HXYZ6B8Y0SGKQ0FMR4J5Q4ZP") -> dict:
    """A Typeform form_response webhook, after Typeform's example payload."""
    return {
        "event_id": event_id,
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "token": "a3a12ec67a1365927098a606107fac15",
            "submitted_at": "2026-11-20T14:56:05Z",
            "landed_at": "2026-11-20T14:55:50Z",
            "hidden": {"customer_email": "ana@example.com"},
            "definition": {
                "id": "lT4Z3j",
                "title": "How was your delivery?",
                "fields": [
                    {"id": "Hs9xPtq", "title": "How satisfied are you?", "type": "opinion_scale"}
                ],
            },
            "answers": [
                {"type": "number", "number": 4, "field": {"id": "Hs9xPtq", "type": "opinion_scale"}}
            ],
        },
    }


def typeform_headers(body: bytes, secret: str = TYPEFORM_SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"HTTP_TYPEFORM_SIGNATURE": "sha256=" + base64.b64encode(digest).decode()}


def dumps(data) -> bytes:
    return json.dumps(data).encode()
