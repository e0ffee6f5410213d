"""Reads for dashboards, the scorecard and the monthly review, over the metric registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kpis import cache, metrics, registry
from kpis.models import Baseline, ManualValue, Target
from kpis.registry import Filters, Inputs, Metric, Period, Value, month_period

ManualValues = dict[tuple[str, date, int | None], Decimal]


@dataclass(frozen=True)
class Card:
    metric: Metric
    value: Decimal | None
    previous: Decimal | None
    target: Decimal | None
    change: dict[str, Any]
    on_target: bool | None
    current: Value
    before: Value
    company_target_only: bool = False

    @property
    def honoured(self) -> bool:
        return not self.current.unavailable

    @property
    def unavailable(self) -> str:
        return self.current.unavailable

    @property
    def display(self) -> str:
        return metrics.format_value(self.metric, self.value)

    @property
    def previous_display(self) -> str:
        return metrics.format_value(self.metric, self.previous)

    @property
    def target_display(self) -> str:
        return metrics.format_value(self.metric, self.target)

    @property
    def margin_display(self) -> str:
        if self.current.margin is None:
            return ""
        return "± " + metrics.format_value(self.metric, self.current.margin)


def targets() -> dict[str, Decimal]:
    return cache.memo("targets", (), lambda: dict(Target.objects.values_list("metric", "value")))


def months_of(period: Period) -> list[date]:
    months, cursor = [], period.start.replace(day=1)
    while cursor <= period.end:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def manual_values_between(start: date, end: date) -> ManualValues:
    """Every manual value of the months from ``start`` to ``end``, in one query (once per KPI
    cache generation)."""

    def read() -> ManualValues:
        rows = ManualValue.objects.filter(
            month__gte=start.replace(day=1), month__lte=end
        ).values_list("metric", "month", "zone_id", "value")
        return {(m, month, zone): value for m, month, zone, value in rows}

    return cache.memo("manual", (start, end), read)


def manual_value(
    key: str, period: Period, filters: Filters, known: Mapping | None = None
) -> Decimal | None:
    """The mean of the monthly values entered for the months the period touches: the
    company's, or with a zone filter the zone's own (never the company's in its place)."""
    if known is None:
        known = manual_values_between(period.start, period.end)
    zone_id = filters.zone.pk if filters.zone is not None else None
    values = []
    for month in months_of(period):
        chosen = known.get((key, month, zone_id))
        if chosen is not None:
            values.append(chosen)
    if not values:
        return None
    return registry.quantize(sum(values, Decimal(0)) / len(values))


def evaluate(
    metric: Metric,
    inputs: Inputs,
    period: Period,
    filters: Filters,
    manual: ManualValues | None = None,
    since: Mapping[str, date | None] | None = None,
) -> Value:
    return registry.evaluate(metric, inputs, period, filters, manual_values=manual, since=since)


def cards(
    period: Period,
    filters: Filters,
    keys: list[str] | None = None,
    days: Mapping[date, Inputs] | None = None,
    since: Mapping[str, date | None] | None = None,
) -> list[Card]:
    """Every metric's value for the period next to the previous period and its target.

    ``days``: the period's daily inputs when the caller has them already.
    """
    chosen = [m for m in registry.metric_list() if keys is None or m.key in keys]
    now_days = days if days is not None else registry.daily_inputs(period, filters)
    prev_period = period.previous()
    prev_days = registry.daily_inputs(prev_period, filters)
    now_total, prev_total = registry.total(now_days), registry.total(prev_days)
    manual = manual_values_between(prev_period.start, period.end)
    since = registry.first_days() if since is None else since
    goals = targets()
    result = []
    for metric in chosen:
        current = evaluate(metric, now_total, period, filters, manual, since)
        before = evaluate(metric, prev_total, prev_period, filters, manual, since)
        target = goals.get(metric.key)
        result.append(
            Card(
                metric=metric,
                value=current.value,
                previous=before.value,
                target=target,
                change=metrics.change(metric, current.value, before.value),
                # Targets are the company's: a zone's or campaign's value isn't judged by them.
                on_target=None
                if filters.active
                else metrics.on_target(metric, current.value, target),
                company_target_only=bool(filters.active),
                current=current,
                before=before,
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
        end = month_period(start).end
        out.append(Period(start, min(end, period.end)))
        start = end + timedelta(days=1)
    return out


def trend(
    key: str,
    period: Period,
    filters: Filters,
    days: Mapping[date, Inputs] | None = None,
    since: Mapping[str, date | None] | None = None,
) -> list[tuple[date, Decimal | None]]:
    """The metric per bucket of the period (one query set for the whole period)."""
    metric = registry.metric(key)
    chosen = buckets(period)
    if metric.per_month:
        # A count per month is drawn per calendar month (never per day), over at least the
        # last six months.
        start = min(period.start, period.end - timedelta(days=155)).replace(day=1)
        chosen = [month_period(m) for m in months_of(Period(start, period.end))]
        chosen[-1] = Period(chosen[-1].start, min(chosen[-1].end, period.end))
        if start < period.start or days is None:
            days = registry.daily_inputs(Period(start, period.end), filters)
    if days is None:
        days = registry.daily_inputs(period, filters)
    manual = manual_values_between(period.start, period.end) if metric.manual else None
    since = registry.first_days() if since is None else since
    series: list[tuple[date, Decimal | None]] = []
    for bucket in chosen:
        agg = registry.total(days, bucket)
        if registry.before_data(metric, bucket, since):
            series.append((bucket.start, None))
        elif metric.per_month:  # a bucket's own count, not scaled to a month
            series.append((bucket.start, agg[metric.per_month]))
        else:
            value = evaluate(metric, agg, bucket, filters, manual, since).value
            series.append((bucket.start, value))
    return series


def breakdown(
    key: str,
    period: Period,
    dimension: str,
    filters: Filters | None = None,
    since: Mapping[str, date | None] | None = None,
) -> list[tuple[str, Decimal | None]]:
    """The metric per zone or per campaign for the period, within the other active filters
    (by zone within the chosen campaign, by campaign within the chosen zone).

    Raises ValueError for a dimension the metric can't be split by.
    """
    from hub.models import Campaign, Zone

    metric = registry.metric(key)
    if dimension not in registry.honours(metric):
        raise ValueError(f"{metric.label} can't be split by {dimension}.")
    filters = filters or Filters()
    choices: list[tuple[str, Filters]] = (
        [
            (z.name, Filters(zone=z, campaign=filters.campaign))
            for z in Zone.objects.order_by("name")
        ]
        if dimension == "zone"
        else [
            (c.name, Filters(zone=filters.zone, campaign=c))
            for c in Campaign.objects.order_by("name")
        ]
    )
    manual = manual_values_between(period.start, period.end)
    since = registry.first_days() if since is None else since
    rows = []
    for name, chosen in choices:
        agg = registry.total(registry.daily_inputs(period, chosen))
        rows.append((name, evaluate(metric, agg, period, chosen, manual, since).value))
    return rows


def scorecard(months: int = 6, today: date | None = None) -> dict[str, Any]:
    """Baseline, each of the last months, and the target, for the collaboration metrics."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    periods = []
    for _ in range(months):
        periods.append(month_period(month))
        month = (month - timedelta(days=1)).replace(day=1)
    periods.reverse()
    goals = targets()
    baselines = cache.memo(
        "baselines", (), lambda: dict(Baseline.objects.values_list("metric", "value"))
    )
    manual = manual_values_between(periods[0].start, periods[-1].end)
    since = registry.first_days()
    # One pass over each month's inputs, shared by every metric; a month before a metric's
    # sources had any data shows as "—", not as a perfect 0.
    days = registry.daily_inputs(Period(periods[0].start, periods[-1].end), Filters())
    totals = [registry.total(days, p) for p in periods]
    rows = []
    for metric in registry.scorecard_metrics():
        values = [
            evaluate(metric, agg, p, Filters(), manual, since).value
            for p, agg in zip(periods, totals, strict=True)
        ]
        baseline, target = baselines.get(metric.key), goals.get(metric.key)
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
