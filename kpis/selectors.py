"""Reads of the KPI module for its pages, the API and other apps."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from handoffs import selectors as handoff_selectors
from hub.models import Campaign, Incident
from kpis import dashboard, registry
from kpis.models import Review
from kpis.registry import FUNCTIONS, Filters, Period, month_period


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


def manual_value_list(key: str):
    """The monthly values entered for a metric, newest month first."""
    from kpis.models import ManualValue

    return ManualValue.objects.filter(metric=key).select_related("zone", "entered_by")


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
    return {
        "month": period.start.isoformat(),
        "kpis": kpi_rows,
        "scorecard": score_rows,
        "sections": registry.review_sections(period.start),
    }


def review_data(review: Review) -> dict[str, Any]:
    """A review's numbers: frozen once it is closed, live while it is open."""
    if review.status == Review.Status.CLOSED and review.snapshot:
        return review.snapshot
    return review_numbers(review.month)


def metric_list() -> list[registry.Metric]:
    return registry.metric_list()


def chart_events(period: Period) -> list[tuple[date, str]]:
    """What happened in the period, for the charts: launches, campaign errors, rules on."""
    from kpis import cache

    return cache.memo("events", (period.start, period.end), lambda: _chart_events(period))


def _chart_events(period: Period) -> list[tuple[date, str]]:
    start, end = period.bounds()
    notes: list[tuple[date, str]] = [
        (c.starts_on, f"Launch: {c.name}")
        for c in Campaign.objects.filter(starts_on__gte=period.start, starts_on__lte=period.end)
        if c.starts_on is not None
    ]
    notes += [
        (timezone.localtime(i.occurred_at).date(), f"Error: {i.title.removeprefix('[demo] ')}")
        for i in Incident.objects.filter(
            kind=Incident.Kind.CAMPAIGN_ERROR, occurred_at__gte=start, occurred_at__lt=end
        )
    ]
    notes += [
        (timezone.localtime(at).date(), f"Rule on: {name}")
        for at, name in handoff_selectors.rule_enablements(start, end)
    ]
    merged: dict[date, list[str]] = {}
    for day, label in sorted(notes):
        merged.setdefault(day, []).append(label)
    return [
        (day, labels[0] if len(labels) == 1 else f"{len(labels)} events: " + "; ".join(labels))
        for day, labels in merged.items()
    ]


def delivery_rows(period: Period, filters: Filters):
    """The deliveries completed in the period (what the delivery KPIs count), newest first."""
    from hub.models import Delivery
    from kpis.rollups import DONE

    start, end = period.bounds()
    rows = Delivery.objects.filter(
        completed_at__gte=start, completed_at__lt=end, status__in=DONE
    ).select_related("zone", "customer", "customer__acquisition_campaign")
    if filters.zone:
        rows = rows.filter(zone=filters.zone)
    if filters.campaign:
        rows = rows.filter(customer__acquisition_campaign=filters.campaign)
    return rows.order_by("-completed_at", "-id")


def customer_rows(period: Period, filters: Filters):
    """The customers first seen in the period (leads are those the CRM knows), newest first."""
    from hub.models import Customer

    start, end = period.bounds()
    rows = Customer.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end).select_related(
        "zone", "acquisition_campaign"
    )
    if filters.zone:
        rows = rows.filter(zone=filters.zone)
    if filters.campaign:
        rows = rows.filter(acquisition_campaign=filters.campaign)
    return rows.order_by("-first_seen_at", "-id")
