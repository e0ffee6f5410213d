"""The event log: record an event once, then hand it to every subscriber after commit.

Apps subscribe in their AppConfig.ready() with ``subscribe(fn)``; settings may add dotted paths
in CROSSDOCK_EVENT_SUBSCRIBERS. A subscriber receives the Event and must be idempotent: an event
is processed at least once (a worker killed after the subscriber ran re-runs it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from hub.models import Event

logger = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Recorded:
    event: Event
    created: bool


def subscribe(fn: Subscriber) -> Subscriber:
    """Register ``fn`` to run for every event (once per process; safe to call twice)."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def subscribers() -> list[Subscriber]:
    configured = [import_string(path) for path in settings.CROSSDOCK_EVENT_SUBSCRIBERS]
    return [*_subscribers, *configured]


def record(
    source: str,
    type: str,
    external_id: str,
    payload: dict[str, Any] | None = None,
    *,
    occurred_at: datetime | None = None,
    unmapped: bool = False,
    integration_id: int | None = None,
    subject: str = "",
) -> Recorded:
    """Write the event once per (source, external_id) and enqueue its processing on commit.

    A second record of the same key changes nothing and returns the stored event with
    ``created=False``.
    """
    if not source or not type or not external_id:
        raise ValueError("An event needs a source, a type and an external id.")
    try:
        with transaction.atomic():
            event = Event.objects.create(
                source=source,
                type=type,
                external_id=str(external_id)[:255],
                payload=payload or {},
                occurred_at=occurred_at,
                unmapped=unmapped,
                integration_id=integration_id,
                subject=subject[:255],
            )
    except IntegrityError:
        existing = Event.objects.filter(source=source, external_id=str(external_id)[:255]).first()
        if existing is None:  # the conflict was something else: let it surface
            raise
        return Recorded(existing, created=False)
    enqueue(event.pk)
    return Recorded(event, created=True)


def enqueue(event_id: int) -> None:
    """Send the event to the worker once the surrounding transaction commits."""
    from hub.tasks import process_event_task

    transaction.on_commit(lambda: _send(process_event_task, event_id))


def _send(task, event_id: int) -> None:
    # The row is committed: if the broker is down, the sweeper sends it later. No publish
    # retries here, so a webhook's response never waits on the broker.
    try:
        task.apply_async((event_id,), retry=False)
    except Exception:
        logger.warning("Broker unavailable; event %s left for the sweeper", event_id, exc_info=True)


def claim(event_id: int, now: datetime) -> bool:
    """Move the event to processing if nobody holds it (or the holder went stale)."""
    stale = now - timedelta(seconds=settings.CROSSDOCK_EVENT_STALE_SECONDS)
    claimable = Q(status=Event.Status.PENDING) | Q(
        status=Event.Status.PROCESSING, claimed_at__lt=stale
    )
    updated = Event.objects.filter(claimable, pk=event_id).update(
        status=Event.Status.PROCESSING, claimed_at=now
    )
    return updated == 1


def process(event_id: int, *, now: datetime | None = None) -> bool:
    """Run every subscriber for the event once it is claimed. Returns False if not claimed.

    On a subscriber error the event goes back to pending (or failed after MAX_ATTEMPTS) and
    the error is re-raised so the task can retry.
    """
    now = now or timezone.now()
    if not claim(event_id, now):
        return False
    event = Event.objects.get(pk=event_id)
    try:
        for fn in subscribers():
            fn(event)
    except Exception as exc:
        attempts = event.attempts + 1
        Event.objects.filter(pk=event_id).update(
            status=Event.Status.FAILED if attempts >= MAX_ATTEMPTS else Event.Status.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            claimed_at=None,
        )
        raise
    Event.objects.filter(pk=event_id).update(
        status=Event.Status.PROCESSED,
        processed_at=timezone.now(),
        attempts=event.attempts + 1,
        last_error="",
    )
    return True


def replay(event: Event) -> None:
    """Send a processed or failed event through processing again (admins' replay)."""
    Event.objects.filter(pk=event.pk).update(
        status=Event.Status.PENDING, claimed_at=None, attempts=0
    )
    enqueue(event.pk)


def unfinished(now: datetime, limit: int = 500) -> list[int]:
    """Ids of events left pending or processing for longer than the stale threshold."""
    cutoff = now - timedelta(seconds=settings.CROSSDOCK_EVENT_STALE_SECONDS)
    return list(
        Event.objects.filter(
            status__in=[Event.Status.PENDING, Event.Status.PROCESSING], received_at__lt=cutoff
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
