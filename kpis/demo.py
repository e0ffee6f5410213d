"""SwiftDrop's KPI content: rollups, targets, the scorecard's baseline, manual values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from kpis import rollups
from kpis.models import Baseline, ManualValue, Target

TARGETS = {
    "on_time": "95",
    "failed_pct": "3",
    "first_on_time": "93",
    "cac": "45",
    "csat": "4.3",
    "nps": "40",
    "promo_csat": "4.2",
    "complaints": "20",
    "missed_handoffs": "7",
    "campaign_errors": "1",
    "manual_hours": "6",
    "comm_satisfaction": "4",
    "ack_median": "60",
    "hours_saved": "4",
}
# The article's own numbers: where collaboration started.
BASELINES = {
    "missed_handoffs": "14",
    "campaign_errors": "4",
    "manual_hours": "11",
    "comm_satisfaction": "2.8",
}
# Per month, oldest first: CSAT, NPS, promo CSAT, manual hours/week, communication satisfaction.
MONTHLY = [
    ("4.0", "28", "3.6", "11", "2.8"),
    ("4.1", "33", "3.8", "9.5", "3.2"),
    ("4.2", "36", "4.0", "8", "3.5"),
    ("4.2", "38", "4.1", "7.5", "3.6"),
]


def load(*, now, rng, users, teams) -> None:
    manager = users.get("elena")
    for key, value in TARGETS.items():
        Target.objects.update_or_create(
            metric=key, defaults={"value": Decimal(value), "set_by": manager}
        )
    first_month = (now.date() - timedelta(days=89)).replace(day=1)
    for key, value in BASELINES.items():
        Baseline.objects.update_or_create(
            metric=key, defaults={"value": Decimal(value), "month": first_month, "set_by": manager}
        )
    month = first_month
    for csat, nps, promo, hours, comm in MONTHLY:
        if month > now.date():
            break
        for key, value in (
            ("csat", csat),
            ("nps", nps),
            ("promo_csat", promo),
            ("manual_hours", hours),
            ("comm_satisfaction", comm),
        ):
            ManualValue.objects.update_or_create(
                metric=key,
                month=month,
                zone=None,
                defaults={"value": Decimal(value), "entered_by": manager, "note": "demo"},
            )
        month = (month + timedelta(days=32)).replace(day=1)
    rollups.rebuild_all()


def reset(*, domain: str) -> None:
    ManualValue.objects.filter(note="demo").delete()
    Target.objects.filter(set_by__email__endswith=f"@{domain}").delete()
    Baseline.objects.filter(set_by__email__endswith=f"@{domain}").delete()
