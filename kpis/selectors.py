"""Reads of the KPI module for other pages."""

from __future__ import annotations

from django.utils import timezone

from kpis import dashboard, metrics
from kpis.metrics import Filters


def off_target_for_home(user) -> list[dict] | None:
    """This month's KPIs off their targets (None when no target is set at all)."""
    keys = list(dashboard.targets())
    if not keys:
        return None
    period = metrics.month_period(timezone.localdate())
    return [
        {
            "key": c.metric.key,
            "label": c.metric.label,
            "value": c.display,
            "target": c.target_display,
        }
        for c in dashboard.cards(period, Filters(), keys)
        if c.on_target is False
    ]
