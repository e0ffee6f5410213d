"""The one place a pilot reads KPI values: the kpis module's metrics, per day and per period.

When the kpis metric registry lands, only this module changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from kpis import registry


def metric_choices() -> list[tuple[str, str]]:
    """KPIs a pilot can move: the ones computed from daily facts (not monthly manual values,
    which have no day-to-day variation to test a difference against)."""
    return [(m.key, m.label) for m in registry.metric_list() if not m.manual]


def metric_label(key: str) -> str:
    metric = registry.get_metric(key)
    return metric.label if metric else key


def metric_unit(key: str) -> str:
    metric = registry.get_metric(key)
    return metric.unit if metric else ""


def metric_direction(key: str) -> int:
    """+1 when up is better, -1 when down is better, 0 when neither."""
    metric = registry.get_metric(key)
    return metric.direction if metric else 0


def is_known(key: str) -> bool:
    return key in dict(metric_choices())


def _value(key: str, inputs: registry.Inputs, period: registry.Period) -> Decimal | None:
    metric = registry.get_metric(key)
    if metric is None:
        return None
    result = registry.evaluate(metric, inputs, period, registry.Filters(), today=period.end)
    return result.value


def period_value(key: str, start: date, end: date) -> Decimal | None:
    """The KPI over the whole period [start, end] (inclusive), as the KPI pages compute it."""
    period = registry.Period(start, end)
    days = registry.daily_inputs(period, registry.Filters())
    return _value(key, registry.total(days, period), period)


def daily_values(key: str, start: date, end: date) -> list[tuple[date, float | None]]:
    """The KPI for each day of [start, end]; None where a day has no value (e.g. no deliveries)."""
    period = registry.Period(start, end)
    days = registry.daily_inputs(period, registry.Filters())
    out = []
    day = start
    while day <= end:
        one_day = registry.Period(day, day)
        value = _value(key, days.get(day) or registry.Inputs(), one_day)
        out.append((day, float(value) if value is not None else None))
        day += timedelta(days=1)
    return out
