"""The only writers of integrations and their inbound traffic."""

from __future__ import annotations

import logging
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from handoffs.inbound.providers import Rejected, provider_for
from handoffs.models import Integration, WebhookRejection
from hub import audit, events
from hub.errors import DomainError
from hub.models import Event, User

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_GRACE_HOURS = 24
# How stale an integration's "last event" stamp may get (see _touch_last_event).
LAST_EVENT_EVERY = timedelta(seconds=5)


# --- Integrations ---------------------------------------------------------------------------


def _checked_secret(kind: str, secret: str) -> str:
    provider = provider_for(kind)
    secret = secret.strip()
    if not secret and provider.generates_secret:
        return secrets.token_hex(32)
    problem = provider.validate_secret(secret)
    if problem:
        raise DomainError(problem, field="secret")
    return secret


@transaction.atomic
def integration_create(
    *, actor: User, name: str, kind: str, secret: str = ""
) -> tuple[Integration, str]:
    """Create an inbound integration. Returns it and its secret (shown this once)."""
    if kind not in Integration.Kind.values:
        raise DomainError("Choose Onfleet, HubSpot, Typeform or Generic JSON.", field="kind")
    name = name.strip()
    if not name:
        raise DomainError("Give the integration a name.", field="name")
    secret = _checked_secret(kind, secret)
    integration = Integration.objects.create(name=name, kind=kind, secret=secret, created_by=actor)
    audit.record(actor=actor, action="integration.create", obj=integration, changes={"kind": kind})
    return integration, secret


@transaction.atomic
def integration_rename(*, actor: User, integration: Integration, name: str) -> Integration:
    name = name.strip()
    if not name:
        raise DomainError("Give the integration a name.", field="name")
    if name != integration.name:
        audit.record(
            actor=actor,
            action="integration.update",
            obj=integration,
            changes={"name": [integration.name, name]},
        )
        integration.name = name
        integration.save(update_fields=["name"])
    return integration


@transaction.atomic
def integration_set_paused(*, actor: User, integration: Integration, paused: bool) -> Integration:
    """Pause (providers are told to retry later) or resume an integration. Idempotent."""
    status = Integration.Status.PAUSED if paused else Integration.Status.ACTIVE
    if integration.status != status:
        integration.status = status
        integration.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="integration.pause" if paused else "integration.resume",
            obj=integration,
        )
    return integration


@transaction.atomic
def integration_rotate_secret(
    *,
    actor: User,
    integration: Integration,
    secret: str = "",
    grace_hours: int = DEFAULT_GRACE_HOURS,
    now: datetime | None = None,
) -> str:
    """Replace the secret; the old one stays valid for ``grace_hours``. Returns the new one."""
    if not 0 <= grace_hours <= 24 * 14:
        raise DomainError("The grace period is 0 to 336 hours.", field="grace_hours")
    now = now or timezone.now()
    new_secret = _checked_secret(integration.kind, secret)
    if new_secret == integration.secret:
        raise DomainError("The new secret is the current one.", field="secret")
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    integration.previous_secret = integration.secret if grace_hours else ""
    integration.previous_secret_expires_at = (
        now + timedelta(hours=grace_hours) if grace_hours else None
    )
    integration.secret = new_secret
    integration.secret_rotated_at = now
    integration.save()
    audit.record(
        actor=actor,
        action="integration.rotate_secret",
        obj=integration,
        changes={"grace_hours": grace_hours},
    )
    return new_secret


@transaction.atomic
def integration_delete(*, actor: User, integration: Integration) -> None:
    """Delete the integration; its events stay in the event log."""
    audit.record(actor=actor, action="integration.delete", obj=integration)
    integration.delete()


# --- Receiving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    status: int
    body: dict
    headers: dict


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _reject(integration: Integration, request: HttpRequest, status: int, reason: str) -> Received:
    try:
        WebhookRejection.objects.create(
            integration=integration,
            status_code=status,
            reason=reason[:300],
            remote_addr=_client_ip(request),
        )
    except Exception:  # a rejection log must never turn a 4xx into a 5xx
        logger.exception("Could not record a webhook rejection")
    return Received(status, {"detail": reason}, {})


def webhook_receive(
    *, integration: Integration, request: HttpRequest, now: datetime | None = None
) -> Received:
    """Verify, parse and store one provider request. Answers what the provider expects.

    Stores each event once (a provider's retry is answered 200 and stored no second time) and
    enqueues processing after commit. Waits on nothing but the database.
    """
    now = now or timezone.now()
    if integration.status == Integration.Status.PAUSED:
        # 503 with Retry-After: every provider we serve retries it later, none gives up.
        return Received(
            503,
            {"detail": "This integration is paused in Crossdock; send again later."},
            {"Retry-After": "900"},
        )
    length = request.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        return _reject(integration, request, 413, f"Body over {MAX_BODY_BYTES} bytes.")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _reject(integration, request, 413, f"Body over {MAX_BODY_BYTES} bytes.")
    provider = provider_for(integration.kind)
    try:
        provider.verify(request, body, integration.secrets_valid_at(now), now)
        incoming = provider.parse(request, body)
    except Rejected as exc:
        return _reject(integration, request, exc.status, exc.reason)
    created = 0
    # A batch (HubSpot) is stored all or nothing; a single event (Onfleet, Typeform) is one
    # autocommitted INSERT, durable before the 200 just the same, without BEGIN and COMMIT
    # round trips of its own.
    with transaction.atomic() if len(incoming) > 1 else nullcontext():
        for item in incoming:
            recorded = events.record(
                integration.kind,
                item.type,
                item.external_id,
                item.payload,
                occurred_at=item.occurred_at,
                unmapped=item.unmapped,
                integration_id=integration.pk,
                subject=item.subject,
                payload_json=item.payload_json,
            )
            created += recorded.created
    _touch_last_event(integration, now)
    return Received(200, {"received": len(incoming), "duplicates": len(incoming) - created}, {})


def _touch_last_event(integration: Integration, now: datetime) -> None:
    """Move the integration's "last event" stamp, at most once per LAST_EVENT_EVERY.

    Updating it on every request, inside the events' transaction, made every concurrent webhook
    of an integration queue on its one row lock until the previous request committed. Admins
    need the stamp to a few seconds, so it moves after the events commit (they are safe then),
    only when the copy this request read is older than the interval, and the conditional UPDATE
    makes the requests racing past that check write it once.
    """
    last = integration.last_event_at
    if last is not None and now - last < LAST_EVENT_EVERY:
        return
    stale = Q(last_event_at__isnull=True) | Q(last_event_at__lt=now - LAST_EVENT_EVERY)
    Integration.objects.filter(stale, pk=integration.pk).update(last_event_at=now)
    # The web process's cached copy (handoffs/inbound/webhooks.py) learns it too, so it asks
    # again only after the interval.
    integration.last_event_at = now


# --- Processing -----------------------------------------------------------------------------


def event_apply_facts(event: Event) -> None:
    """Event subscriber: map a provider's event onto the shared facts. Idempotent."""
    if event.integration_id is None and event.source not in ("onfleet", "hubspot"):
        return
    try:
        provider = provider_for(event.source)
    except KeyError:
        return
    mapped = provider.adapt(event)
    if mapped == event.unmapped:
        Event.objects.filter(pk=event.pk).update(unmapped=not mapped)


def event_replay(*, actor: User, event: Event) -> None:
    """Send an event through processing again (facts are re-applied idempotently)."""
    audit.record(actor=actor, action="event.replay", obj=event)
    events.replay(event)


def rejections_purge(*, older_than_days: int = 30, now: datetime | None = None) -> int:
    """Delete rejection records older than the window. Idempotent."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    deleted, _ = WebhookRejection.objects.filter(at__lt=cutoff).delete()
    return deleted
