"""Thin Celery tasks of the KPI module."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from kpis import rollups, services


@shared_task(name="kpis.refresh_rollups")
def refresh_rollups_task(days: int = 3) -> int:
    """Rebuild the last few days' rollups, then check KPIs against targets. Idempotent."""
    today = timezone.localdate()
    written = rollups.rebuild(today - timedelta(days=days - 1), today)
    services.kpi_thresholds_check()
    return written


@shared_task(name="kpis.rebuild_rollups")
def rebuild_rollups_task() -> int:
    """Rebuild every day's rollups (on demand). Idempotent."""
    return rollups.rebuild_all()
