"""Thin Celery tasks of the KPI module."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from kpis import rollups, services


@shared_task(name="kpis.refresh_rollups")
def refresh_rollups_task(days: int = 1) -> int:
    """Rebuild every day whose facts changed since its last rebuild (whatever its age) and the
    last ``days`` days, then check KPIs against targets. Idempotent; returns the days rebuilt."""
    today = timezone.localdate()
    # Overlaps the previous runs on purpose: a long import commits late.
    rollups.mark_recent_customers(timezone.now() - timedelta(hours=1))
    rollups.rebuild(today - timedelta(days=days - 1), today)
    refreshed = rollups.refresh_dirty()
    services.kpi_thresholds_check()
    return refreshed


@shared_task(name="kpis.rebuild_rollups")
def rebuild_rollups_task() -> int:
    """Rebuild every day's rollups (on demand). Idempotent."""
    return rollups.rebuild_all()
