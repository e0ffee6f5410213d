"""Firefighting hours from standup updates: the source of the "manual hours/week" KPI.

Each update reports the hours its team spent on cross-team firefighting that week; the hours
count on the day of the meeting (in the company's time zone). Read-only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Min
from django.utils import timezone

from standups.models import Update

INPUTS = {
    "firefighting_hours": "hours of cross-team firefighting reported in standup updates",
    "firefighting_reports": "standup updates that reported them",
}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def firefighting_daily(start: date, end: date) -> dict[date, dict[str, Decimal]]:
    """{meeting day: {"firefighting_hours": h, "firefighting_reports": n}} for days in
    [start, end] (inclusive) that had updates."""
    lo, hi = _bounds(start, end)
    days: dict[date, dict[str, Decimal]] = defaultdict(
        lambda: {"firefighting_hours": Decimal(0), "firefighting_reports": Decimal(0)}
    )
    rows = Update.objects.filter(
        meeting__scheduled_at__gte=lo, meeting__scheduled_at__lt=hi
    ).values_list("meeting__scheduled_at", "firefighting_hours")
    for scheduled_at, hours in rows:
        day = timezone.localtime(scheduled_at).date()
        days[day]["firefighting_hours"] += hours
        days[day]["firefighting_reports"] += 1
    return dict(days)


def firefighting_hours_by_week(start: date, end: date) -> list[tuple[date, str, Decimal]]:
    """(Monday of the week, team name, hours) for every team's updates in [start, end]."""
    lo, hi = _bounds(start, end)
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    rows = Update.objects.filter(
        meeting__scheduled_at__gte=lo, meeting__scheduled_at__lt=hi
    ).values_list("meeting__scheduled_at", "team__name", "firefighting_hours")
    for scheduled_at, team, hours in rows:
        day = timezone.localtime(scheduled_at).date()
        totals[(day - timedelta(days=day.weekday()), team)] += hours
    return [(week, team, hours) for (week, team), hours in sorted(totals.items())]


def first_report_day() -> date | None:
    """The first day any update reported hours (before it the KPI has no standup data)."""
    first = Update.objects.aggregate(first=Min("meeting__scheduled_at"))["first"]
    return timezone.localtime(first).date() if first else None


def registry_daily(period: Any, filters: Any) -> dict[date, dict[str, Decimal]]:
    """The metric registry's ``daily(period, filters)`` for the firefighting inputs."""
    return firefighting_daily(period.start, period.end)


SOURCE = "standup_updates"


def register_kpi_source() -> bool:
    """Feed "manual hours/week" from standup updates through the KPI metric registry.

    Returns False (registering nothing) where the registry is not installed: the KPIs then
    keep the managers' monthly values.
    """
    try:
        from kpis import registry
    except ImportError:
        return False
    registry.register_source(SOURCE, inputs=INPUTS, daily=registry_daily, since=first_report_day)
    return True
