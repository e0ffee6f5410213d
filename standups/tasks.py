"""Thin Celery tasks of the standups module; beat runs them (schedule in hub/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from standups import services


@shared_task(name="standups.generate_meetings")
def generate_meetings_task() -> int:
    """Create every active series' next four meetings. Idempotent (unique per start)."""
    return services.meetings_generate(now=timezone.now())


@shared_task(name="standups.send_reminders")
def send_reminders_task() -> int:
    """Remind teams that haven't posted, the day before and an hour before. Idempotent
    (dedupe keys per meeting, team and reminder)."""
    return services.reminders_send(now=timezone.now())


@shared_task(name="standups.announce_chairs")
def announce_chairs_task() -> int:
    """Announce each series' chair of the month to every team. Idempotent (once a month)."""
    return services.chairs_announce(now=timezone.now())


@shared_task(name="standups.sync_blockers")
def sync_blockers_task() -> int:
    """Resolve blockers whose handoff is done. Idempotent (only open blockers change)."""
    return services.blockers_sync(now=timezone.now())
