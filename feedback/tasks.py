"""Thin Celery tasks: each calls one service and is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from feedback import services


@shared_task(name="feedback.send_reminders")
def send_reminders_task() -> int:
    return services.reminders_send()


@shared_task(name="feedback.send_scheduled")
def send_scheduled_task() -> int:
    return services.surveys_send_scheduled()


@shared_task(name="feedback.post_summaries")
def post_summaries_task() -> int:
    """On the first of the month: last month's summary to every team (once, by dedupe key)."""
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    return services.summary_post(month=last_month)
