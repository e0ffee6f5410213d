"""Thin Celery tasks of the handoffs module."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from handoffs import services


@shared_task(name="handoffs.run_import", acks_late=True)
def run_import_task(job_id: int) -> bool:
    """Run one CSV import; safe to run twice (the job is claimed first)."""
    return services.import_run(job_id)


@shared_task(name="handoffs.sweep_imports")
def sweep_imports_task() -> int:
    """Re-send imports a down broker or a killed worker left behind. Idempotent."""
    ids = services.unfinished_imports(timezone.now())
    for job_id in ids:
        run_import_task.delay(job_id)
    return len(ids)


@shared_task(name="handoffs.purge_rejections")
def purge_rejections_task() -> int:
    """Forget webhook rejections older than 30 days. Idempotent."""
    return services.rejections_purge()


@shared_task(name="handoffs.send_alert", acks_late=True)
def send_alert_task(alert_id: int) -> str:
    """Send one alert; safe to run twice (the alert is claimed first)."""
    return services.alert_send(alert_id)


@shared_task(name="handoffs.sweep_alerts")
def sweep_alerts_task() -> int:
    """Re-send alerts a down broker or a killed worker left behind. Idempotent."""
    ids = services.alerts_unfinished(timezone.now())
    for alert_id in ids:
        send_alert_task.delay(alert_id)
    return len(ids)


@shared_task(name="handoffs.mark_missed")
def mark_missed_task() -> int:
    """Mark handoffs past their SLA as missed and escalate them. Idempotent."""
    return services.handoffs_mark_missed()


@shared_task(name="handoffs.release_digests")
def release_digests_task() -> int:
    """Send the daily digests of the teams whose digest hour it is. Idempotent."""
    return services.held_alerts_release()
