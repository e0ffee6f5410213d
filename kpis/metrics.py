"""The metric registry: every KPI defined once, with its formula, unit, direction and filters.

Values are computed from daily aggregates (rollups of deliveries and customers, spend,
incidents, handoffs) that can be summed over any period; ratios are taken of the sums, so a
month's on-time % is on-time deliveries ÷ completed deliveries of the month, never an average
of daily percentages.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from hub.models import Campaign, Incident, MarketingSpend, Zone
from kpis.models import DailyRollup, ManualValue

PERCENT, COUNT, MONEY, SCORE, MINUTES, HOURS = (
    "percent",
    "count",
    "money",
    "score",
    "minutes",
    "hours",
)
UP, DOWN, NEITHER = 1, -1, 0


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    function: str  # marketing, operations, support, collaboration
    unit: str
    direction: int
    formula: str
    honours: frozenset[str] = frozenset()
    manual: bool = False
    scale: str = ""  # e.g. "1–5"

    @property
    def inputs(self) -> tuple[str, ...]:
        """The aggregates its value is computed from (shown on its page)."""
        return INPUTS.get(self.key, ())


METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric(
            "leads",
            "Leads",
            "marketing",
            COUNT,
            UP,
            "CRM contacts first seen in the period",
            frozenset({"zone", "campaign"}),
        ),
        Metric(
            "new_customers",
            "New customers",
            "marketing",
            COUNT,
            UP,
            "Customers whose first delivery was completed in the period",
            frozenset({"zone", "campaign"}),
        ),
        Metric(
            "spend",
            "Marketing spend",
            "marketing",
            MONEY,
            NEITHER,
            "Sum of daily campaign spend in the period",
            frozenset({"campaign"}),
        ),
        Metric(
            "cac",
            "CAC",
            "marketing",
            MONEY,
            DOWN,
            "Spend ÷ new customers acquired in the period",
            frozenset({"campaign"}),
        ),
        Metric(
            "deliveries",
            "Deliveries",
            "operations",
            COUNT,
            NEITHER,
            "Deliveries completed (delivered or failed) in the period",
            frozenset({"zone", "campaign"}),
        ),
        Metric(
            "on_time",
            "On-time deliveries",
            "operations",
            PERCENT,
            UP,
            "Delivered within the promised window ÷ deliveries completed",
            frozenset({"zone", "campaign"}),
        ),
        Metric(
            "failed_pct",
            "Failed deliveries",
            "operations",
            PERCENT,
            DOWN,
            "Failed ÷ deliveries completed",
            frozenset({"zone", "campaign"}),
        ),
        Metric(
            "first_on_time",
            "New customers delivered on time",
            "operations",
            PERCENT,
            UP,
            "First deliveries of customers delivered on time ÷ first deliveries completed",
            frozenset({"zone", "campaign"}),
        ),
        Metric(
            "complaints",
            "Complaints",
            "support",
            COUNT,
            DOWN,
            "Customer complaints logged in the period",
            frozenset({"zone"}),
        ),
        Metric(
            "csat",
            "CSAT",
            "support",
            SCORE,
            UP,
            "Average customer satisfaction score (1–5)",
            manual=True,
            scale="1–5",
        ),
        Metric(
            "nps",
            "NPS",
            "support",
            SCORE,
            UP,
            "% promoters − % detractors (−100 to 100)",
            manual=True,
            scale="−100–100",
        ),
        Metric(
            "promo_csat",
            "CSAT of promo-code recipients",
            "support",
            SCORE,
            UP,
            "Average satisfaction of customers who used a promo code (1–5)",
            manual=True,
            scale="1–5",
        ),
        Metric(
            "missed_handoffs",
            "Missed handoffs / month",
            "collaboration",
            COUNT,
            DOWN,
            "Handoffs not acknowledged within their SLA, per month",
        ),
        Metric(
            "ack_median",
            "Median time to acknowledge",
            "collaboration",
            MINUTES,
            DOWN,
            "Median minutes from a handoff's creation to its acknowledgement",
        ),
        Metric(
            "campaign_errors",
            "Campaign errors / month",
            "collaboration",
            COUNT,
            DOWN,
            "Campaign errors logged, per month",
            frozenset({"campaign"}),
        ),
        Metric(
            "manual_hours",
            "Manual hours / week",
            "collaboration",
            HOURS,
            DOWN,
            "Hours a week spent on cross-team firefighting (entered monthly)",
            manual=True,
        ),
        Metric(
            "hours_saved",
            "Hours saved by automation / week",
            "collaboration",
            HOURS,
            UP,
            "Rule runs × each rule's manual minutes saved, per week",
        ),
        Metric(
            "comm_satisfaction",
            "Team communication satisfaction",
            "collaboration",
            SCORE,
            UP,
            "Staff pulse: satisfaction with cross-team communication (1–5)",
            manual=True,
            scale="1–5",
        ),
    ]
}
FUNCTIONS = {
    "marketing": "Marketing",
    "operations": "Operations",
    "support": "Customer support",
    "collaboration": "Collaboration",
}
SCORECARD = ["missed_handoffs", "campaign_errors", "manual_hours", "comm_satisfaction"]
INPUTS = {
    "leads": ("leads",),
    "new_customers": ("first_completed",),
    "spend": ("spend",),
    "cac": ("spend", "first_completed"),
    "deliveries": ("completed",),
    "on_time": ("on_time", "completed"),
    "failed_pct": ("failed", "completed"),
    "first_on_time": ("first_on_time", "first_completed"),
    "complaints": ("complaints",),
    "missed_handoffs": ("missed",),
    "campaign_errors": ("campaign_errors",),
    "hours_saved": ("saved_minutes", "rule_runs"),
}
INPUT_LABELS = {
    "leads": "CRM contacts first seen",
    "first_completed": "first deliveries completed",
    "first_on_time": "first deliveries on time",
    "spend": "spend",
    "completed": "deliveries completed",
    "on_time": "delivered on time",
    "failed": "failed",
    "complaints": "complaints",
    "missed": "handoffs missed",
    "campaign_errors": "campaign errors",
    "saved_minutes": "minutes saved by rule runs",
    "rule_runs": "rule runs",
}
# Counts normalised to a month for a period; a trend shows their plain count per bucket.
PER_MONTH = {"missed_handoffs": "missed", "campaign_errors": "campaign_errors"}
ADDITIVE = [
    "completed",
    "on_time",
    "failed",
    "first_completed",
    "first_on_time",
    "new_customers",
    "leads",
    "spend",
    "complaints",
    "campaign_errors",
    "missed",
    "saved_minutes",
    "rule_runs",
]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> float:
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            return float(
                (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            )
        return self.days / 30.4375

    def previous(self) -> Period:
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            months = round(self.months)
            start = self.start
            for _ in range(months):
                start = (start - timedelta(days=1)).replace(day=1)
            return Period(start, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(first, nxt - timedelta(days=1))


@dataclass
class Agg:
    """Additive counts of some days, plus the raw acknowledgement times for medians."""

    values: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    ack_minutes: list[float] = field(default_factory=list)

    def add(self, other: Agg) -> None:
        for key, value in other.values.items():
            self.values[key] += value
        self.ack_minutes.extend(other.ack_minutes)


@dataclass(frozen=True)
class Filters:
    zone: Zone | None = None
    campaign: Campaign | None = None


def daily_aggregates(period: Period, filters: Filters) -> dict[date, Agg]:
    """One Agg per day of the period, from rollups and the small fact tables."""
    days: dict[date, Agg] = defaultdict(Agg)
    start_dt, end_dt = period.bounds()
    rollups = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end)
    if filters.zone:
        rollups = rollups.filter(zone=filters.zone)
    if filters.campaign:
        rollups = rollups.filter(campaign=filters.campaign)
    fields = [
        "completed",
        "on_time",
        "failed",
        "first_completed",
        "first_on_time",
        "new_customers",
        "leads",
    ]
    for row in rollups.values("day").annotate(**{f"s_{f}": Sum(f) for f in fields}).order_by():
        for f in fields:
            days[row["day"]].values[f] += Decimal(row[f"s_{f}"] or 0)
    spend = MarketingSpend.objects.filter(day__gte=period.start, day__lte=period.end)
    if filters.campaign:
        spend = spend.filter(campaign=filters.campaign)
    for day, amount in (
        spend.values("day").annotate(total=Sum("amount")).values_list("day", "total")
    ):
        days[day].values["spend"] += amount or Decimal(0)
    incidents = Incident.objects.filter(occurred_at__gte=start_dt, occurred_at__lt=end_dt)
    complaints = incidents.filter(kind=Incident.Kind.COMPLAINT)
    if filters.zone:
        complaints = complaints.filter(zone=filters.zone)
    errors = incidents.filter(kind=Incident.Kind.CAMPAIGN_ERROR)
    if filters.campaign:
        errors = errors.filter(campaign=filters.campaign)
    for key, qs in (("complaints", complaints), ("campaign_errors", errors)):
        for day, n in (
            qs.annotate(day=TruncDate("occurred_at"))
            .values("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        ):
            days[day].values[key] += n
    handoffs = handoff_selectors.handoff_facts(start_dt, end_dt)
    for day in handoffs["missed"]:
        days[day].values["missed"] += 1
    for created, minutes in handoffs["acks"]:
        days[timezone.localtime(created).date()].ack_minutes.append(minutes)
    for created, minutes in handoffs["saved"]:
        day = timezone.localtime(created).date()
        days[day].values["saved_minutes"] += minutes or 0
        days[day].values["rule_runs"] += 1
    return days


def total(days: dict[date, Agg]) -> Agg:
    agg = Agg()
    for day_agg in days.values():
        agg.add(day_agg)
    return agg


def _ratio(numerator: Decimal, denominator: Decimal, scale: int = 100) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def manual_value(key: str, period: Period, filters: Filters) -> Decimal | None:
    """The mean of the monthly values entered for the months the period touches."""
    months, cursor = [], period.start.replace(day=1)
    while cursor <= period.end:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    rows = ManualValue.objects.filter(metric=key, month__in=months)
    values = []
    for month in months:
        in_month = [r for r in rows if r.month == month]
        chosen = [r for r in in_month if filters.zone and r.zone_id == filters.zone.pk] or [
            r for r in in_month if r.zone_id is None
        ]
        if chosen:
            values.append(chosen[0].value)
    if not values:
        return None
    mean = sum(values, Decimal(0)) / len(values)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def value_of(key: str, agg: Agg, period: Period, filters: Filters) -> Decimal | None:
    """The metric's value for a period whose aggregates are ``agg`` (None: not computable)."""
    v = agg.values
    if key == "leads":
        return v["leads"]
    if key == "new_customers":
        return v["first_completed"]
    if key == "spend":
        return v["spend"].quantize(Decimal("0.01"))
    if key == "cac":
        return _ratio(v["spend"], v["first_completed"], scale=1)
    if key == "deliveries":
        return v["completed"]
    if key == "on_time":
        return _ratio(v["on_time"], v["completed"])
    if key == "failed_pct":
        return _ratio(v["failed"], v["completed"])
    if key == "first_on_time":
        return _ratio(v["first_on_time"], v["first_completed"])
    if key == "complaints":
        return v["complaints"]
    if key == "missed_handoffs":
        return _per(v["missed"], period.months)
    if key == "campaign_errors":
        return _per(v["campaign_errors"], period.months)
    if key == "ack_median":
        if not agg.ack_minutes:
            return None
        return Decimal(str(statistics.median(agg.ack_minutes))).quantize(Decimal("0.1"))
    if key == "hours_saved":
        return _per(v["saved_minutes"] / 60, period.days / 7)
    if METRICS[key].manual:
        return manual_value(key, period, filters)
    raise KeyError(key)


def _per(amount: Decimal, units: float) -> Decimal | None:
    if units <= 0:
        return None
    return (Decimal(amount) / Decimal(str(units))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def change(metric: Metric, current: Decimal | None, previous: Decimal | None) -> dict[str, Any]:
    """Rates and scores change in points; counts, money and times in percent."""
    if current is None or previous is None:
        return {"text": "—", "value": None, "better": None}
    if metric.unit in (PERCENT, SCORE):
        delta = (current - previous).quantize(Decimal("0.01"))
        unit = " pp" if metric.unit == PERCENT else ""
        text = f"{delta:+.1f}{unit}".replace("-", "−")
        value = delta
    else:
        if previous == 0:
            return {"text": "new" if current else "±0%", "value": None, "better": None}
        value = ((current - previous) * 100 / abs(previous)).quantize(Decimal("0.1"))
        text = f"{value:+.1f}%".replace("-", "−")
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


def format_value(metric: Metric, value: Decimal | None) -> str:
    if value is None:
        return "—"
    if metric.unit == PERCENT:
        return f"{value:.1f}%"
    if metric.unit == MONEY:
        return f"{value:,.2f}"
    if metric.unit == COUNT:
        return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.1f}"
    if metric.unit == MINUTES:
        return f"{value:.0f} min"
    if metric.unit == HOURS:
        return f"{value:.1f} h"
    return f"{value:.1f}" if metric.key != "nps" else f"{value:.0f}"


def first_data_day() -> date | None:
    """The first day anything was counted (a rollup or a handoff), or None."""
    from django.db.models import Min

    days = [DailyRollup.objects.aggregate(d=Min("day"))["d"]]
    first_handoff = handoff_selectors.first_handoff_at()
    if first_handoff:
        days.append(timezone.localtime(first_handoff).date())
    days = [d for d in days if d]
    return min(days) if days else None
