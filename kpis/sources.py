"""The core's sources of daily inputs, registered in the metric registry (``kpis.registry``):
deliveries and customers from the daily rollups, marketing spend, complaints, campaign errors,
and handoffs (misses, acknowledgement times, rule runs)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from hub import spend as hub_spend
from hub.models import Incident
from kpis import registry
from kpis.models import DailyRollup
from kpis.registry import Filters, Period

D = Decimal

# --- Sources ----------------------------------------------------------------------------------

ROLLUP_INPUTS = {
    "completed": "deliveries completed",
    "on_time": "delivered on time",
    "failed": "failed",
    "no_window": "completed without a promised window",
    "first_completed": "first deliveries completed",
    "first_on_time": "first deliveries on time",
    "first_no_window": "first deliveries without a promised window",
    "new_customers": "customers first seen",
    "leads": "CRM contacts first seen",
}


def rollups_daily(period: Period, filters: Filters) -> dict[date, dict[str, Any]]:
    """Deliveries and customers, from the daily rollups (never the raw rows)."""
    rows = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end)
    if filters.zone:
        rows = rows.filter(zone=filters.zone)
    if filters.campaign:
        rows = rows.filter(campaign=filters.campaign)
    out: dict[date, dict[str, Any]] = {}
    for row in rows.values("day").annotate(**{f"s_{f}": Sum(f) for f in ROLLUP_INPUTS}).order_by():
        out[row["day"]] = {f: D(row[f"s_{f}"] or 0) for f in ROLLUP_INPUTS}
    return out


def spend_daily(period: Period, filters: Filters) -> dict[date, dict[str, Any]]:
    """Marketing spend per day; with a zone, what was aimed at it and what can't be told."""
    out: dict[date, dict[str, Any]] = {}
    for day, row in hub_spend.spend_by_day(
        period.start, period.end, campaign=filters.campaign, zone=filters.zone
    ).items():
        out[day] = {"spend": row["spend"]}
        if "unattributed" in row:
            out[day]["spend_unattributed"] = row["unattributed"]
    return out


def _incidents_daily(kind: str, key: str, period: Period, **match: Any) -> dict[date, dict]:
    start, end = period.bounds()
    qs = Incident.objects.filter(kind=kind, occurred_at__gte=start, occurred_at__lt=end, **match)
    return {
        day: {key: D(n)}
        for day, n in qs.annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    }


def complaints_daily(period: Period, filters: Filters) -> dict[date, dict[str, Any]]:
    match = {"zone": filters.zone} if filters.zone else {}
    return _incidents_daily(Incident.Kind.COMPLAINT, "complaints", period, **match)


def campaign_errors_daily(period: Period, filters: Filters) -> dict[date, dict[str, Any]]:
    match = {"campaign": filters.campaign} if filters.campaign else {}
    return _incidents_daily(Incident.Kind.CAMPAIGN_ERROR, "campaign_errors", period, **match)


def handoffs_daily(period: Period, filters: Filters) -> dict[date, dict[str, Any]]:
    """Missed handoffs, acknowledgement times and rule runs, per local day."""
    start, end = period.bounds()
    facts = handoff_selectors.handoff_facts(start, end)
    out: dict[date, dict[str, Any]] = defaultdict(
        lambda: {"missed": D(0), "ack_minutes": [], "saved_minutes": D(0), "rule_runs": D(0)}
    )
    for day in facts["missed"]:
        out[day]["missed"] += 1
    for created, minutes in facts["acks"]:
        out[timezone.localtime(created).date()]["ack_minutes"].append(minutes)
    for day, runs, minutes in handoff_selectors.rule_runs_daily(start, end):
        out[day]["saved_minutes"] += D(minutes)
        out[day]["rule_runs"] += runs
    return dict(out)


def _rollups_since() -> date | None:
    return DailyRollup.objects.aggregate(d=Min("day"))["d"]


def _handoffs_since() -> date | None:
    first = handoff_selectors.first_handoff_at()
    return timezone.localtime(first).date() if first else None


def _incidents_since() -> date | None:
    """Incidents are logged in Crossdock: none logged since the company started using it
    (its first incident or handoff) is a real 0; before that there is no data."""
    first = Incident.objects.aggregate(d=Min("occurred_at"))["d"]
    days = [
        d for d in (timezone.localtime(first).date() if first else None, _handoffs_since()) if d
    ]
    return min(days) if days else None


def register_core_sources() -> None:
    registry.register_source(
        "rollups",
        inputs=ROLLUP_INPUTS,
        daily=rollups_daily,
        honours={"zone", "campaign"},
        since=_rollups_since,
    )
    registry.register_source(
        "spend",
        inputs={"spend": "spend", "spend_unattributed": "spend aimed at no single zone"},
        daily=spend_daily,
        honours={"zone", "campaign"},
        since=hub_spend.first_spend_day,
    )
    registry.register_source(
        "complaints",
        inputs={"complaints": "complaints"},
        daily=complaints_daily,
        honours={"zone"},
        since=_incidents_since,
    )
    registry.register_source(
        "campaign_errors",
        inputs={"campaign_errors": "campaign errors"},
        daily=campaign_errors_daily,
        honours={"campaign"},
        since=_incidents_since,
    )
    registry.register_source(
        "handoffs",
        inputs={
            "missed": "handoffs missed",
            "ack_minutes": "minutes to acknowledge",
            "saved_minutes": "minutes saved by rule runs",
            "rule_runs": "rule runs",
        },
        daily=handoffs_daily,
        since=_handoffs_since,
    )
