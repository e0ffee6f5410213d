"""The one place a pilot reads KPI values: the kpis module's metrics, per day and per period.

When the kpis metric registry lands, only this module changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from kpis import metrics as kpi_metrics


def metric_choices() -> list[tuple[str, str]]:
    """KPIs a pilot can move: the ones computed from daily facts (not monthly manual values,
    which have no day-to-day variation to test a difference against)."""
    return [(m.key, m.label) for m in kpi_metrics.METRICS.values() if not m.manual]


def metric_label(key: str) -> str:
    metric = kpi_metrics.METRICS.get(key)
    return metric.label if metric else key


def metric_unit(key: str) -> str:
    metric = kpi_metrics.METRICS.get(key)
    return metric.unit if metric else ""


def metric_direction(key: str) -> int:
    """+1 when up is better, -1 when down is better, 0 when neither."""
    metric = kpi_metrics.METRICS.get(key)
    return metric.direction if metric else 0


def is_known(key: str) -> bool:
    return key in dict(metric_choices())


def period_value(key: str, start: date, end: date) -> Decimal | None:
    """The KPI over the whole period [start, end] (inclusive), as the KPI pages compute it."""
    period = kpi_metrics.Period(start, end)
    filters = kpi_metrics.Filters()
    days = kpi_metrics.daily_aggregates(period, filters)
    return kpi_metrics.value_of(key, kpi_metrics.total(days), period, filters)


def daily_values(key: str, start: date, end: date) -> list[tuple[date, float | None]]:
    """The KPI for each day of [start, end]; None where a day has no value (e.g. no deliveries)."""
    period = kpi_metrics.Period(start, end)
    filters = kpi_metrics.Filters()
    days = kpi_metrics.daily_aggregates(period, filters)
    out = []
    day = start
    while day <= end:
        agg = days.get(day) or kpi_metrics.Agg()
        value = kpi_metrics.value_of(key, agg, kpi_metrics.Period(day, day), filters)
        out.append((day, float(value) if value is not None else None))
        day += timedelta(days=1)
    return out
