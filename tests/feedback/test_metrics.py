"""Feedback's daily inputs for the metric registry: sums, counts and squares per day."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from feedback import metrics, services
from tests.feedback.conftest import q


@dataclass
class Period:
    start: date
    end: date


@dataclass
class Filters:
    zone: object = None
    campaign: object = None


def test_daily_inputs_for_csat_promo_csat_nps_and_communication(
    manager, csat, pulse, customer, delivery, zone
):
    services.response_submit(
        survey=csat, data={q(csat, 0): ["2"]}, facts=services.Facts(delivery=delivery)
    )
    services.response_submit(survey=csat, data={q(csat, 0): ["4"]})
    nps = services.survey_from_template(actor=manager, key="customer_nps")
    for score in ("10", "9", "7", "3"):
        services.response_submit(survey=nps, data={q(nps, 0): [score]})
    services.response_submit(survey=pulse, data={q(pulse, 0): ["3"]})
    today = timezone.localdate()
    day = metrics.daily(Period(today, today), Filters())[today]
    assert day["csat_sum"] == 6 and day["csat_count"] == 2 and day["csat_sumsq"] == 20
    assert day["promo_csat_sum"] == 2 and day["promo_csat_count"] == 1
    assert (day["nps_promoters"], day["nps_detractors"], day["nps_count"]) == (2, 1, 4)
    assert day["comm_sum"] == 3 and day["comm_count"] == 1 and day["comm_sumsq"] == 9
    assert set(day) <= set(metrics.INPUTS)
    in_zone = metrics.daily(Period(today, today), Filters(zone=zone))[today]
    assert in_zone["csat_count"] == Decimal(1) and "nps_count" not in in_zone
