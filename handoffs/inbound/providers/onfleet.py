"""Onfleet: task webhooks, one trigger per webhook.

Onfleet checks a new webhook URL with ``GET ?check=<string>`` and expects exactly that string
back with status 200 (204 is refused). Each POST carries ``X-Onfleet-Signature``: the hex
HMAC-SHA512 of the raw body, keyed with the webhook secret decoded from hex. Any answer but
200 is retried in 30-minute cycles for a day, so we answer 200 only once the event is stored.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from datetime import datetime

from django.http import HttpRequest, HttpResponse

from handoffs.inbound.providers.base import Incoming, Provider, Rejected, load_json, ms_to_datetime
from hub import facts
from hub.models import Delivery, Event

TASK_TRIGGERS = {
    "taskStarted",
    "taskEta",
    "taskArrival",
    "taskCompleted",
    "taskFailed",
    "taskCreated",
    "taskUpdated",
    "taskDeleted",
    "taskAssigned",
    "taskUnassigned",
    "taskDelayed",
    "taskCloned",
}
# Worker events name a driver (``data.worker``); task events name one by id at least.
WORKER_TRIGGERS = {"workerDuty", "workerCreated", "workerDeleted"}
TRIGGER_NAMES = {
    0: "taskStarted",
    1: "taskEta",
    2: "taskArrival",
    3: "taskCompleted",
    4: "taskFailed",
    5: "workerDuty",
    6: "taskCreated",
    7: "taskUpdated",
    8: "taskDeleted",
    9: "taskAssigned",
    10: "taskUnassigned",
    12: "taskDelayed",
    13: "taskCloned",
}
# Onfleet task.state: 0 unassigned, 1 assigned, 2 active, 3 completed.
STATE_STATUS = {
    0: Delivery.Status.SCHEDULED,
    1: Delivery.Status.SCHEDULED,
    2: Delivery.Status.IN_PROGRESS,
}


class OnfleetProvider(Provider):
    kind = "onfleet"
    label = "Onfleet"
    secret_help = "Onfleet → Settings → API & Webhooks → the webhook secret (hex)."  # noqa: S105

    def handshake(self, request: HttpRequest) -> HttpResponse | None:
        check = request.GET.get("check")
        if check is None:
            return None
        return HttpResponse(check, content_type="text/plain", status=200)

    def validate_secret(self, secret: str) -> str | None:
        secret = secret.strip()
        try:
            bytes.fromhex(secret)
        except ValueError:
            return "Onfleet's webhook secret is a hexadecimal string: copy it again from Onfleet."
        return None if secret else "Paste Onfleet's webhook secret."

    def verify(self, request: HttpRequest, body: bytes, secrets: list[str], now: datetime) -> None:
        signature = request.headers.get("X-Onfleet-Signature", "").strip().lower()
        if not signature:
            raise Rejected(401, "Missing X-Onfleet-Signature header.")
        for secret in secrets:
            try:
                key = binascii.unhexlify(secret.strip())
            except (binascii.Error, ValueError):
                continue
            expected = hmac.new(key, body, hashlib.sha512).hexdigest()
            if hmac.compare_digest(expected, signature):
                return
        raise Rejected(401, "X-Onfleet-Signature does not match the body and the secret.")

    def parse(self, request: HttpRequest, body: bytes) -> list[Incoming]:
        data = load_json(body)
        if not isinstance(data, dict):
            raise Rejected(400, "Expected a JSON object with triggerName and data.")
        trigger = data.get("triggerName") or TRIGGER_NAMES.get(data.get("triggerId") or -1)
        if not trigger or not isinstance(trigger, str):
            raise Rejected(400, "Missing triggerName (or a known triggerId).")
        subject = data.get("taskId") or data.get("workerId") or ""
        when = data.get("time")
        # Onfleet sends no event id: trigger, subject and time identify one event, and a
        # retry repeats them exactly.
        external_id = f"{trigger}:{subject}:{when}"
        return [
            Incoming(
                type=f"onfleet.{trigger}",
                external_id=external_id,
                payload=data,
                payload_json=body.decode(),
                occurred_at=ms_to_datetime(when),
                unmapped=trigger not in TASK_TRIGGERS | WORKER_TRIGGERS,
                subject=f"task:{data['taskId']}" if data.get("taskId") else f"worker:{subject}",
            )
        ]

    def adapt(self, event: Event) -> bool:
        trigger = event.type.removeprefix("onfleet.")
        data = event.payload.get("data") or {}
        task = data.get("task")
        stamped = task if isinstance(task, dict) else {}
        at_ms = int(event.payload.get("time") or stamped.get("timeLastModified") or 0)
        driver = worker_facts(event.payload, trigger, at_ms, event.received_at)
        if driver is not None:
            facts.driver_from_dispatch(driver)
        if trigger in WORKER_TRIGGERS:
            return driver is not None
        if trigger not in TASK_TRIGGERS or not isinstance(task, dict):
            return False
        task_id = task.get("id") or event.payload.get("taskId")
        if not task_id:
            return False
        facts.delivery_from_dispatch(task_facts(task, task_id, trigger, at_ms, event.received_at))
        return True


def worker_facts(payload: dict, trigger: str, at_ms: int, seen_at) -> facts.DriverFacts | None:
    """The driver an Onfleet event names: the worker object of worker events (and of some task
    events), else the task's assigned worker id."""
    data = payload.get("data") or {}
    worker = data.get("worker")
    raw_task = data.get("task")
    task: dict = raw_task if isinstance(raw_task, dict) else {}
    if not isinstance(worker, dict):
        container = task.get("container") or {}
        worker_id = (
            task.get("worker")
            or (container.get("worker") if container.get("type") == "WORKER" else None)
            or (payload.get("workerId") if trigger in WORKER_TRIGGERS else None)
        )
        worker = {"id": worker_id} if isinstance(worker_id, str) and worker_id else None
    if not worker or not worker.get("id"):
        return None
    metadata = {
        str(m.get("name", "")).lower(): m.get("value")
        for m in worker.get("metadata") or []
        if isinstance(m, dict)
    }
    teams = [t for t in worker.get("teams") or [] if isinstance(t, str)]
    active = None
    if trigger == "workerDeleted":
        active = False
    elif trigger == "workerCreated":
        active = True
    return facts.DriverFacts(
        dispatch_id=str(worker["id"])[:64],
        at_ms=at_ms,
        name=str(worker.get("name") or ""),
        phone=str(worker.get("phone") or ""),
        email=str(metadata.get("email") or worker.get("email") or ""),
        zone=facts.zone_for_dispatch(
            zone_code=str(metadata.get("zone") or ""), team_id=teams[0] if teams else ""
        ),
        active=active,
        seen_at=ms_to_datetime(at_ms) or seen_at,
    )


def task_facts(task: dict, task_id: str, trigger: str, at_ms: int, seen_at) -> facts.DeliveryFacts:
    """The delivery facts an Onfleet task object states."""
    details = task.get("completionDetails") or {}
    completed_at = ms_to_datetime(details.get("time"))
    if trigger == "taskDeleted":
        status = Delivery.Status.CANCELLED
    elif trigger == "taskFailed" or (task.get("state") == 3 and details.get("success") is False):
        status = Delivery.Status.FAILED
    elif trigger == "taskCompleted" or (task.get("state") == 3 and details.get("success")):
        status = Delivery.Status.SUCCEEDED
    else:
        status = STATE_STATUS.get(task.get("state") or 0, Delivery.Status.SCHEDULED)
    reason = ""
    if status == Delivery.Status.FAILED:
        code = details.get("failureReason") or ""
        notes = details.get("failureNotes") or ""
        reason = " — ".join(p for p in (code if code != "NONE" else "", notes) if p) or "Failed"
    metadata = {
        str(m.get("name", "")).lower(): m.get("value")
        for m in task.get("metadata") or []
        if isinstance(m, dict)
    }
    container = task.get("container") or {}
    address = (task.get("destination") or {}).get("address") or {}
    zone = facts.zone_for_dispatch(
        zone_code=str(metadata.get("zone") or ""),
        team_id=str(container.get("team") or "") if container.get("type") == "TEAM" else "",
        postal_code=str(address.get("postalCode") or ""),
    )
    recipient = next(iter(task.get("recipients") or []), None) or {}
    customer = None
    if isinstance(recipient, dict) and (recipient.get("id") or recipient.get("phone")):
        customer = facts.customer_from_dispatch(
            dispatch_id=recipient.get("id"),
            name=str(recipient.get("name") or ""),
            phone=str(recipient.get("phone") or ""),
            email=str(metadata.get("email") or ""),
            seen_at=ms_to_datetime(task.get("timeCreated")) or seen_at,
        )
    return facts.DeliveryFacts(
        dispatch_id=str(task_id),
        at_ms=at_ms,
        status=status,
        window_start=ms_to_datetime(task.get("completeAfter")),
        window_end=ms_to_datetime(task.get("completeBefore")),
        completed_at=completed_at
        if status in (Delivery.Status.SUCCEEDED, Delivery.Status.FAILED)
        else None,
        failure_reason=reason,
        zone=zone,
        customer=customer,
        promo_code=facts.promo_code_named(str(metadata.get("promo_code") or "")),
    )
