"""The core's KPIs and sources, declared in the registry (see ``kpis.registry``), and how values
read: formatting, changes against the previous period, on/off target.

Registered once by ``KpisConfig.ready()``; importing this module twice registers nothing twice.
"""

from __future__ import annotations

import statistics
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from kpis import registry, sources
from kpis.registry import (
    COUNT,
    DOWN,
    HOURS,
    MINUTES,
    MONEY,
    NEITHER,
    PERCENT,
    SCORE,
    UP,
    Filters,
    Inputs,
    Metric,
    Period,
    Value,
    mean_with_margin,
    nps_with_margin,
    per,
    per_month,
    quantize,
    ratio,
)

D = Decimal


def spend_by_zone_available(period: Period, filters: Filters, v: Inputs) -> str:
    """Spend (and CAC) of one zone only when every amount of the period can be told to a zone."""
    if filters.zone is None or not v["spend_unattributed"]:
        return ""
    return (
        f"{format_money(v['spend_unattributed'])} of this period's spend is aimed at no single "
        "zone (enter spend per zone on the spend page): not available for this filter."
    )


# --- Links to the rows behind a metric ----------------------------------------------------------


def _rows_link(kind: str, period: Period, filters: Filters) -> str:
    params = {"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}
    if filters.zone:
        params["zone"] = str(filters.zone.pk)
    if filters.campaign:
        params["campaign"] = str(filters.campaign.pk)
    return f"/kpis/rows/{kind}/?" + urlencode(params)


def _deliveries_link(period: Period, filters: Filters) -> str:
    return _rows_link("deliveries", period, filters)


def _customers_link(period: Period, filters: Filters) -> str:
    return _rows_link("customers", period, filters)


def _spend_link(period: Period, filters: Filters) -> str:
    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if filters.zone:
        params["zone"] = str(filters.zone.pk)
    if filters.campaign:
        params["campaign"] = str(filters.campaign.pk)
    return "/spend/?" + urlencode(params)


def _handoffs_link(period: Period, filters: Filters) -> str:
    return "/handoffs/?scope=all&status="


def _campaigns_link(period: Period, filters: Filters) -> str:
    return "/campaigns/"


# --- Metrics ------------------------------------------------------------------------------------

PCT = (D(0), D(100))
SCORE_1_5 = (D(1), D(5))
NOT_NEGATIVE = (D(0), None)


def _ack_median(v: Inputs, period: Period) -> Decimal | None:
    minutes = v.samples("ack_minutes")
    if not minutes:
        return None
    return quantize(statistics.median(minutes), "0.1")


ON_TIME_DEFINITION = (
    "A delivery completed in the period (delivered or failed) is on time when it was delivered "
    "no later than the end of its promised window{early}. A failed delivery is never on time. "
    "Deliveries without a promised window are left out of the rate and counted on their own "
    "(“completed without a promised window”). Rollups, breakdowns, exports and the API all "
    "count it this way."
)


def on_time_definition() -> str:
    """The definition with the company's rule for early deliveries."""
    from kpis.rollups import early_counts_as_on_time

    early = (
        "; arriving before the window opens counts as on time"
        if early_counts_as_on_time()
        else " and no earlier than its start (early deliveries are not on time)"
    )
    return ON_TIME_DEFINITION.format(early=early)


CORE_METRICS = [
    Metric(
        key="leads",
        label="Leads",
        function="marketing",
        unit=COUNT,
        direction=UP,
        formula="CRM contacts first seen in the period",
        inputs=("leads",),
        compute=lambda v, p: v["leads"],
        bounds=NOT_NEGATIVE,
        honours=frozenset({"zone", "campaign"}),
        link=_customers_link,
    ),
    Metric(
        key="new_customers",
        label="New customers",
        function="marketing",
        unit=COUNT,
        direction=UP,
        formula="Customers whose first delivery was completed in the period",
        inputs=("first_completed",),
        compute=lambda v, p: v["first_completed"],
        bounds=NOT_NEGATIVE,
        honours=frozenset({"zone", "campaign"}),
        link=_deliveries_link,
    ),
    Metric(
        key="spend",
        label="Marketing spend",
        function="marketing",
        unit=MONEY,
        direction=NEITHER,
        formula=(
            "Sum of daily campaign spend in the period; for a zone, the spend entered for that "
            "zone or for a campaign aimed at that zone alone"
        ),
        inputs=("spend",),
        compute=lambda v, p: quantize(v["spend"]),
        bounds=NOT_NEGATIVE,
        honours=frozenset({"zone", "campaign"}),
        available=spend_by_zone_available,
        link=_spend_link,
    ),
    Metric(
        key="cac",
        label="CAC",
        function="marketing",
        unit=MONEY,
        direction=DOWN,
        formula=(
            "Spend ÷ new customers (first delivery completed) in the period; for a zone, the "
            "zone's spend ÷ the zone's new customers"
        ),
        inputs=("spend", "first_completed"),
        compute=lambda v, p: ratio(v["spend"], v["first_completed"], scale=1),
        bounds=NOT_NEGATIVE,
        honours=frozenset({"zone", "campaign"}),
        available=spend_by_zone_available,
        link=_deliveries_link,
    ),
    Metric(
        key="deliveries",
        label="Deliveries",
        function="operations",
        unit=COUNT,
        direction=NEITHER,
        formula="Deliveries completed (delivered or failed) in the period",
        inputs=("completed",),
        compute=lambda v, p: v["completed"],
        bounds=NOT_NEGATIVE,
        honours=frozenset({"zone", "campaign"}),
        link=_deliveries_link,
    ),
    Metric(
        key="on_time",
        label="On-time deliveries",
        function="operations",
        unit=PERCENT,
        direction=UP,
        formula=(
            "Delivered within the promised window ÷ deliveries completed with a promised window"
        ),
        inputs=("on_time", "completed", "no_window"),
        compute=lambda v, p: ratio(v["on_time"], v["completed"] - v["no_window"]),
        definition=on_time_definition,
        bounds=PCT,
        honours=frozenset({"zone", "campaign"}),
        link=_deliveries_link,
    ),
    Metric(
        key="failed_pct",
        label="Failed deliveries",
        function="operations",
        unit=PERCENT,
        direction=DOWN,
        formula="Failed ÷ deliveries completed",
        inputs=("failed", "completed"),
        compute=lambda v, p: ratio(v["failed"], v["completed"]),
        bounds=PCT,
        honours=frozenset({"zone", "campaign"}),
        link=_deliveries_link,
    ),
    Metric(
        key="first_on_time",
        label="New customers delivered on time",
        function="operations",
        unit=PERCENT,
        direction=UP,
        formula=(
            "Customers' first deliveries delivered on time ÷ first deliveries completed with a "
            "promised window"
        ),
        inputs=("first_on_time", "first_completed", "first_no_window"),
        compute=lambda v, p: ratio(v["first_on_time"], v["first_completed"] - v["first_no_window"]),
        definition=on_time_definition,
        bounds=PCT,
        honours=frozenset({"zone", "campaign"}),
        link=_deliveries_link,
    ),
    Metric(
        key="complaints",
        label="Complaints",
        function="support",
        unit=COUNT,
        direction=DOWN,
        formula="Customer complaints logged in the period",
        inputs=("complaints",),
        compute=lambda v, p: v["complaints"],
        bounds=NOT_NEGATIVE,
        honours=frozenset({"zone"}),
        link=_campaigns_link,
    ),
    Metric(
        key="csat",
        label="CSAT",
        function="support",
        unit=SCORE,
        direction=UP,
        formula="Average customer satisfaction score (1–5)",
        inputs=("csat_sum", "csat_count", "csat_sumsq"),
        compute=lambda v, p: mean_with_margin(v["csat_sum"], v["csat_count"], v["csat_sumsq"]),
        bounds=SCORE_1_5,
        honours=frozenset({"zone"}),
        manual=True,
        count_input="csat_count",
        scale="1–5",
    ),
    Metric(
        key="nps",
        label="NPS",
        function="support",
        unit=SCORE,
        direction=UP,
        formula="% promoters − % detractors (−100 to 100)",
        inputs=("nps_promoters", "nps_detractors", "nps_count"),
        compute=lambda v, p: nps_with_margin(
            v["nps_promoters"], v["nps_detractors"], v["nps_count"]
        ),
        bounds=(D(-100), D(100)),
        honours=frozenset({"zone"}),
        manual=True,
        count_input="nps_count",
        scale="−100–100",
    ),
    Metric(
        key="promo_csat",
        label="CSAT of promo-code recipients",
        function="support",
        unit=SCORE,
        direction=UP,
        formula="Average satisfaction of customers who used a promo code (1–5)",
        inputs=("promo_csat_sum", "promo_csat_count", "promo_csat_sumsq"),
        compute=lambda v, p: mean_with_margin(
            v["promo_csat_sum"], v["promo_csat_count"], v["promo_csat_sumsq"]
        ),
        bounds=SCORE_1_5,
        honours=frozenset({"zone"}),
        manual=True,
        count_input="promo_csat_count",
        scale="1–5",
    ),
    Metric(
        key="missed_handoffs",
        label="Missed handoffs / month",
        function="collaboration",
        unit=COUNT,
        direction=DOWN,
        formula="Handoffs not acknowledged within their SLA, per month",
        inputs=("missed",),
        compute=lambda v, p: per_month(v["missed"], p),
        bounds=NOT_NEGATIVE,
        per_month="missed",
        scorecard=True,
        link=_handoffs_link,
    ),
    Metric(
        key="ack_median",
        label="Median time to acknowledge",
        function="collaboration",
        unit=MINUTES,
        direction=DOWN,
        formula="Median minutes from a handoff's creation to its acknowledgement",
        inputs=("ack_minutes",),
        compute=_ack_median,
        bounds=NOT_NEGATIVE,
        link=_handoffs_link,
    ),
    Metric(
        key="campaign_errors",
        label="Campaign errors / month",
        function="collaboration",
        unit=COUNT,
        direction=DOWN,
        formula="Campaign errors logged, per month",
        inputs=("campaign_errors",),
        compute=lambda v, p: per_month(v["campaign_errors"], p),
        bounds=NOT_NEGATIVE,
        honours=frozenset({"campaign"}),
        per_month="campaign_errors",
        scorecard=True,
        link=_campaigns_link,
    ),
    Metric(
        key="manual_hours",
        label="Manual hours / week",
        function="collaboration",
        unit=HOURS,
        direction=DOWN,
        formula="Hours a week spent on cross-team firefighting (reported in standups)",
        inputs=("firefighting_hours", "firefighting_reports"),
        compute=lambda v, p: Value(
            per(v["firefighting_hours"], p.days / 7), count=int(v["firefighting_reports"])
        ),
        bounds=(D(0), D(168)),
        scorecard=True,
        manual=True,
        count_input="firefighting_reports",
    ),
    Metric(
        key="hours_saved",
        label="Hours saved by automation / week",
        function="collaboration",
        unit=HOURS,
        direction=UP,
        formula=(
            "Rule runs that created handoffs (once per run, however many teams it told) × the "
            "manual minutes the rule said one run saves when it ran, per week"
        ),
        inputs=("saved_minutes", "rule_runs"),
        compute=lambda v, p: per(v["saved_minutes"] / 60, p.days / 7),
        bounds=NOT_NEGATIVE,
        link=_handoffs_link,
    ),
    Metric(
        key="comm_satisfaction",
        label="Team communication satisfaction",
        function="collaboration",
        unit=SCORE,
        direction=UP,
        formula="Staff pulse: satisfaction with cross-team communication (1–5)",
        inputs=("comm_sum", "comm_count", "comm_sumsq"),
        compute=lambda v, p: mean_with_margin(v["comm_sum"], v["comm_count"], v["comm_sumsq"]),
        bounds=SCORE_1_5,
        scorecard=True,
        manual=True,
        count_input="comm_count",
        scale="1–5",
    ),
]


def register_core() -> None:
    """Declare the core's sources and metrics (called from ``KpisConfig.ready()``)."""
    sources.register_core_sources()
    for metric in CORE_METRICS:
        registry.register_metric(metric)


# --- How values read ----------------------------------------------------------------------------


def change(metric: Metric, current: Decimal | None, previous: Decimal | None) -> dict[str, Any]:
    """Rates and scores change in points; counts, money and times in percent.

    A change that rounds to zero reads "0.0 pp" / "±0%" and is neither better nor worse; one
    against an empty or near-empty base reads "new".
    """
    if current is None or previous is None:
        return {"text": "—", "value": None, "better": None}
    if metric.unit in (PERCENT, SCORE):
        value = quantize(current - previous, "0.1")
        unit = " pp" if metric.unit == PERCENT else ""
        text = f"{value:+.1f}{unit}".replace("-", "−") if value else f"0.0{unit}"
    else:
        if previous == 0:
            return {"text": "new" if current else "±0%", "value": None, "better": None}
        value = quantize((current - previous) * 100 / abs(previous), "0.1")
        if value >= 1000:  # e.g. 3 → 300: a base too small to compare with
            return {"text": "new", "value": None, "better": None}
        text = f"{value:+.1f}%".replace("-", "−") if value else "±0%"
    better = (
        None
        if metric.direction == NEITHER or value == 0
        else (value > 0) == (metric.direction == UP)
    )
    return {"text": text, "value": value, "better": better}


def on_target(metric: Metric, value: Decimal | None, target: Decimal | None) -> bool | None:
    if value is None or target is None or metric.direction == NEITHER:
        return None
    return value >= target if metric.direction == UP else value <= target


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(D(places), rounding=ROUND_HALF_UP)


def currency() -> str:
    from django.conf import settings

    return getattr(settings, "KPI_CURRENCY", "USD")


def format_money(value: Decimal) -> str:
    return f"{currency()} {_round(D(value), '0.01'):,}"


def format_value(metric: Metric, value: Decimal | None) -> str:
    """The value as people read it, rounded half-up like the values themselves."""
    if value is None:
        return "—"
    value = D(value)
    if metric.unit == PERCENT:
        return f"{_round(value, '0.1')}%"
    if metric.unit == MONEY:
        return format_money(value)
    if metric.unit == COUNT:
        if value == value.to_integral():
            return f"{value:,.0f}"
        return f"{_round(value, '0.1'):,}"
    if metric.unit == MINUTES:
        return f"{_round(value, '1')} min"
    if metric.unit == HOURS:
        return f"{_round(value, '0.1')} h"
    if metric.key == "nps":
        return f"{_round(value, '1')}"
    return f"{_round(value, '0.1')}"
