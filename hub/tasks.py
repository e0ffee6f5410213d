"""Thin Celery tasks of the hub: they take ids, re-fetch, and call the domain."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from hub import events
from hub.models import Notification

logger = logging.getLogger(__name__)


@shared_task(
    name="hub.process_event",
    bind=True,
    acks_late=True,
    max_retries=events.MAX_ATTEMPTS,
)
def process_event_task(self, event_id: int) -> None:
    """Run the event's subscribers once; safe to run twice (the event is claimed first).

    Serves retries and the sweeper; new and replayed events go through drains."""
    try:
        events.process(event_id)
    except Exception as exc:
        countdown = min(600, 2 ** (self.request.retries + 2))
        raise self.retry(exc=exc, countdown=countdown) from exc


# The first retry of an event a drain failed on (process_event_task then doubles it).
RETRY_FIRST_SECONDS = 4


@shared_task(name="hub.drain_events", acks_late=True)
def drain_events_task(lane: int = 0, paced: bool = False) -> int:
    """Process pending events until none is left or DRAIN_LIMIT were taken; if some are left,
    make sure a drain is queued on every lane (its own successor and, for a backlog, drains
    side by side), or during a flood of arrivals one paced drain (``events.run_drain``). Safe to
    run twice or in parallel (each event is claimed)."""
    return events.run_drain(lane, paced=paced)


@shared_task(name="hub.sweep_events")
def sweep_events_task() -> int:
    """Re-enqueue events left behind by a down broker or a killed worker. Idempotent."""
    ids = events.unfinished(timezone.now())
    for event_id in ids:
        process_event_task.delay(event_id)
    if ids:
        logger.info("Swept %d unfinished events", len(ids))
    return len(ids)


@shared_task(name="hub.purge_notifications")
def purge_notifications_task(days: int = 180) -> int:
    """Delete inbox notifications read more than ``days`` ago. Idempotent."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted
