"""Reads of the KPI module for its pages, the API and other apps."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from kpis import dashboard, registry
from kpis.models import Review
from kpis.registry import FUNCTIONS, Filters, month_period


def off_target_for_home(user) -> list[dict] | None:
    """This month's KPIs off their targets (None when no target is set at all)."""
    keys = list(dashboard.targets())
    if not keys:
        return None
    period = month_period(timezone.localdate())
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


def review_get(month: date) -> Review | None:
    return Review.objects.filter(month=month.replace(day=1)).first()


def review_list():
    return Review.objects.all()


def review_numbers(month: date) -> dict[str, Any]:
    """The numbers of a month's review as they are now (what closing the review freezes)."""
    period = month_period(month)
    kpi_rows = [
        {
            "key": c.metric.key,
            "label": c.metric.label,
            "function": FUNCTIONS[c.metric.function],
            "previous": c.previous_display,
            "current": c.display,
            "target": c.target_display,
            "change": c.change["text"],
            "better": c.change["better"],
            "on_target": c.on_target,
            "manual": c.current.manual,
        }
        for c in dashboard.cards(period, Filters())
    ]
    score = dashboard.scorecard(months=1, today=period.end)
    score_rows = [
        {
            "label": r["metric"].label,
            "baseline": r["baseline_display"],
            "current": r["values"][-1],
            "target": r["target_display"],
            "progress": r["progress"],
        }
        for r in score["rows"]
    ]
    return {"month": period.start.isoformat(), "kpis": kpi_rows, "scorecard": score_rows}


def review_data(review: Review) -> dict[str, Any]:
    """A review's numbers: frozen once it is closed, live while it is open."""
    if review.status == Review.Status.CLOSED and review.snapshot:
        return review.snapshot
    return review_numbers(review.month)


def metric_list() -> list[registry.Metric]:
    return registry.metric_list()
