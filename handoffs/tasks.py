"""Thin Celery tasks of the handoffs module."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from handoffs import imports, services


@shared_task(name="handoffs.run_import", acks_late=True)
def run_import_task(job_id: int) -> bool:
    """Run one CSV import; safe to run twice (the job is claimed first)."""
    return imports.import_run(job_id)


@shared_task(name="handoffs.sweep_imports")
def sweep_imports_task() -> int:
    """Re-send imports a down broker or a killed worker left behind. Idempotent."""
    ids = imports.unfinished_imports(timezone.now())
    for job_id in ids:
        run_import_task.delay(job_id)
    return len(ids)


@shared_task(name="handoffs.purge_rejections")
def purge_rejections_task() -> int:
    """Forget webhook rejections older than 30 days. Idempotent."""
    return services.rejections_purge()
