"""Reads for dashboards, the scorecard and the monthly review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kpis import metrics
from kpis.metrics import METRICS, Filters, Period
from kpis.models import Baseline, Target


@dataclass(frozen=True)
class Card:
    metric: metrics.Metric
    value: Decimal | None
    previous: Decimal | None
    target: Decimal | None
    change: dict[str, Any]
    on_target: bool | None
    honoured: bool

    @property
    def display(self) -> str:
        return metrics.format_value(self.metric, self.value)

    @property
    def previous_display(self) -> str:
        return metrics.format_value(self.metric, self.previous)

    @property
    def target_display(self) -> str:
        return metrics.format_value(self.metric, self.target)


def targets() -> dict[str, Decimal]:
    return dict(Target.objects.values_list("metric", "value"))


def cards(
    period: Period, filters: Filters, keys: list[str] | None = None, days: dict | None = None
) -> list[Card]:
    """Every metric's value for the period next to the previous period and its target.

    ``days``: the period's daily aggregates when the caller has them already.
    """
    keys = keys or list(METRICS)
    now_days = days if days is not None else metrics.daily_aggregates(period, filters)
    prev_period = period.previous()
    prev_days = metrics.daily_aggregates(prev_period, filters)
    now_total, prev_total = metrics.total(now_days), metrics.total(prev_days)
    goals = targets()
    result = []
    for key in keys:
        metric = METRICS[key]
        value = metrics.value_of(key, now_total, period, filters)
        previous = metrics.value_of(key, prev_total, prev_period, filters)
        target = goals.get(key)
        wanted = {n for n, v in (("zone", filters.zone), ("campaign", filters.campaign)) if v}
        result.append(
            Card(
                metric=metric,
                value=value,
                previous=previous,
                target=target,
                change=metrics.change(metric, value, previous),
                on_target=metrics.on_target(metric, value, target),
                honoured=wanted <= set(metric.honours) or (metric.manual and wanted <= {"zone"}),
            )
        )
    return result


def buckets(period: Period) -> list[Period]:
    """Days for up to ~5 weeks, weeks beyond, months beyond half a year."""
    if period.days <= 35:
        return [
            Period(period.start + timedelta(days=i), period.start + timedelta(days=i))
            for i in range(period.days)
        ]
    if period.days <= 186:
        out, start = [], period.start
        while start <= period.end:
            out.append(Period(start, min(start + timedelta(days=6), period.end)))
            start += timedelta(days=7)
        return out
    out, start = [], period.start
    while start <= period.end:
        end = metrics.month_period(start).end
        out.append(Period(start, min(end, period.end)))
        start = end + timedelta(days=1)
    return out


def trend(
    key: str, period: Period, filters: Filters, days: dict | None = None
) -> list[tuple[date, Decimal | None]]:
    """The metric per bucket of the period (one query set for the whole period)."""
    if days is None:
        days = metrics.daily_aggregates(period, filters)
    series: list[tuple[date, Decimal | None]] = []
    for bucket in buckets(period):
        agg = metrics.Agg()
        day = bucket.start
        while day <= bucket.end:
            if day in days:
                agg.add(days[day])
            day += timedelta(days=1)
        if key in metrics.PER_MONTH:  # a bucket's own count, not scaled to a month
            series.append((bucket.start, agg.values[metrics.PER_MONTH[key]]))
        else:
            series.append((bucket.start, metrics.value_of(key, agg, bucket, filters)))
    return series


def breakdown(key: str, period: Period, dimension: str) -> list[tuple[str, Decimal | None]]:
    """The metric per zone or per campaign for the period."""
    from hub.models import Campaign, Zone

    choices: list[tuple[str, Filters]] = (
        [(z.name, Filters(zone=z)) for z in Zone.objects.order_by("name")]
        if dimension == "zone"
        else [(c.name, Filters(campaign=c)) for c in Campaign.objects.order_by("name")]
    )
    rows = []
    for name, filters in choices:
        agg = metrics.total(metrics.daily_aggregates(period, filters))
        rows.append((name, metrics.value_of(key, agg, period, filters)))
    return rows


def scorecard(months: int = 6, today: date | None = None) -> dict[str, Any]:
    """Baseline, each of the last months, and the target, for the collaboration metrics."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    periods = []
    for _ in range(months):
        periods.append(metrics.month_period(month))
        month = (month - timedelta(days=1)).replace(day=1)
    periods.reverse()
    goals = targets()
    baselines = dict(Baseline.objects.values_list("metric", "value"))
    data_from = metrics.first_data_day()
    # One pass over each month's aggregates, shared by every metric; before any data there is
    # nothing to count, which shows as "—", not as a perfect 0.
    totals = [
        None
        if data_from is None or p.end < data_from
        else metrics.total(metrics.daily_aggregates(p, Filters()))
        for p in periods
    ]
    rows = []
    for key in metrics.SCORECARD:
        metric = METRICS[key]
        values = [
            None if agg is None else metrics.value_of(key, agg, p, Filters())
            for p, agg in zip(periods, totals, strict=True)
        ]
        baseline, target = baselines.get(key), goals.get(key)
        latest = next((v for v in reversed(values) if v is not None), None)
        progress = None
        if (
            baseline is not None
            and target is not None
            and latest is not None
            and baseline != target
        ):
            progress = max(
                0, min(100, round(float((baseline - latest) / (baseline - target)) * 100))
            )
        rows.append(
            {
                "metric": metric,
                "baseline": baseline,
                "target": target,
                "values": [metrics.format_value(metric, v) for v in values],
                "raw": values,
                "progress": progress,
                "baseline_display": metrics.format_value(metric, baseline),
                "target_display": metrics.format_value(metric, target),
            }
        )
    return {"months": [p.start for p in periods], "rows": rows}
