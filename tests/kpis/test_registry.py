"""Another app feeds KPIs through the registry alone: no KPI view or declaration changes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kpis import registry, services
from kpis.registry import Filters, Metric, Period

D = Decimal


@pytest.fixture
def survey_source():
    """What a feedback app would register in its AppConfig.ready()."""
    answers: dict[date, list[int]] = {}

    def daily(period: Period, filters: Filters) -> dict:
        out = {}
        for day, scores in answers.items():
            if period.start <= day <= period.end:
                out[day] = {
                    "csat_sum": D(sum(scores)),
                    "csat_count": D(len(scores)),
                    "csat_sumsq": D(sum(s * s for s in scores)),
                }
        return out

    registry.register_source(
        "survey_responses",
        inputs={
            "csat_sum": "sum of CSAT answers",
            "csat_count": "CSAT answers",
            "csat_sumsq": "sum of squared CSAT answers",
        },
        daily=daily,
        honours={"zone"},
    )
    yield answers
    registry.unregister_source("survey_responses")


def test_a_registered_source_feeds_the_dashboard_and_the_api(
    survey_source, client_for, api_for, member
):
    today = timezone.localdate()
    survey_source[today] = [5, 4, 4, 3]

    page = client_for(member).get("/kpis/").content.decode()
    assert 'data-testid="value-csat">4.0' in page
    assert "4 responses" in page

    body = api_for(member).get("/api/v1/kpis/?period=month").json()
    csat = next(r for r in body["results"] if r["metric"] == "csat")
    assert csat["value"] == "4.00"
    assert csat["responses"] == 4
    assert csat["manual"] is False
    # sd of 5,4,4,3 is 0.8165; 1.96 × 0.8165 ÷ √4 = 0.80
    assert csat["margin"] == "0.80"


def test_without_answers_the_managers_value_is_shown_as_manual(survey_source, manager, api_for):
    today = timezone.localdate()
    services.manual_value_set(actor=manager, metric="csat", month=today, value=D("3.5"))
    csat = next(
        r
        for r in api_for(manager).get("/api/v1/kpis/?period=month").json()["results"]
        if r["metric"] == "csat"
    )
    assert (csat["value"], csat["manual"]) == ("3.50", True)

    survey_source[today] = [5]
    csat = next(
        r
        for r in api_for(manager).get("/api/v1/kpis/?period=month").json()["results"]
        if r["metric"] == "csat"
    )
    assert (csat["value"], csat["manual"], csat["responses"]) == ("5.00", False, 1)


def test_a_metric_declared_by_another_app_is_on_every_page(survey_source, client_for, member):
    registry.register_metric(
        Metric(
            key="csat_answers",
            label="CSAT answers",
            function="support",
            unit=registry.COUNT,
            direction=registry.UP,
            formula="Survey answers received in the period",
            inputs=("csat_count",),
            compute=lambda v, p: v["csat_count"],
            bounds=(D(0), None),
            honours=frozenset({"zone"}),
        )
    )
    try:
        survey_source[timezone.localdate() - timedelta(days=0)] = [4, 5]
        client = client_for(member)
        assert 'data-testid="value-csat_answers">2' in client.get("/kpis/").content.decode()
        assert client.get("/kpis/m/csat_answers/").status_code == 200
    finally:
        registry.unregister_metric("csat_answers")


def test_a_source_that_cannot_split_by_campaign_makes_its_metrics_unavailable(
    survey_source, api_for, member
):
    from hub.models import Campaign

    ads = Campaign.objects.create(name="Ads")
    survey_source[timezone.localdate()] = [4]
    rows = api_for(member).get(f"/api/v1/kpis/?campaign={ads.pk}").json()["results"]
    csat = next(r for r in rows if r["metric"] == "csat")
    assert csat["value"] is None
    assert csat["available"] is False
    assert "not split by campaign" in csat["unavailable_reason"]


def test_two_sources_cannot_provide_the_same_input(survey_source):
    with pytest.raises(ValueError, match="already provided"):
        registry.register_source("other", inputs={"csat_sum": "x"}, daily=lambda p, f: {})
