"""Feedback's source of daily inputs for the metric registry (CSAT, NPS, promo CSAT, team
communication satisfaction), read through feedback's selectors."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from feedback import selectors

INPUTS = {
    "csat_sum": "sum of CSAT scores (1–5)",
    "csat_count": "CSAT answers",
    "csat_sumsq": "sum of squared CSAT scores",
    "nps_promoters": "NPS answers of 9–10",
    "nps_detractors": "NPS answers of 0–6",
    "nps_count": "NPS answers",
    "promo_csat_sum": "sum of CSAT scores of promo-code customers",
    "promo_csat_count": "CSAT answers of promo-code customers",
    "promo_csat_sumsq": "sum of squared CSAT scores of promo-code customers",
    "comm_sum": "sum of staff pulse scores on cross-team communication (1–5)",
    "comm_count": "staff pulse answers on cross-team communication",
    "comm_sumsq": "sum of squared staff pulse scores",
}


def daily(period: Any, filters: Any) -> dict[date, dict[str, Any]]:
    """Daily inputs over ``period`` (start and end dates, inclusive), split by zone or campaign."""
    zone = getattr(filters, "zone", None)
    campaign = getattr(filters, "campaign", None)
    return selectors.daily_inputs(
        period.start,
        period.end,
        zone_id=zone.pk if zone is not None else None,
        campaign_id=campaign.pk if campaign is not None else None,
    )


def register() -> None:
    """Feed the metric registry, where it is installed (the KPI app gained it separately)."""
    try:
        registry = importlib.import_module("kpis.registry")
    except ImportError:
        return

    registry.register_source(
        "survey_responses", inputs=INPUTS, daily=daily, honours={"zone", "campaign"}
    )
