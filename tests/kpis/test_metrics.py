"""Every formula against a hand computation from the rows, for a chosen month and zone."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from handoffs.models import Handoff, Rule, RuleEvaluation, RuleVersion
from hub.models import Campaign, Customer, Delivery, Event, Incident, MarketingSpend, Zone
from kpis import dashboard, metrics, registry, rollups
from kpis.registry import Filters, Period

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))
OCT = Period(date(2026, 10, 1), date(2026, 10, 31))


def at(day: int, month: int = 11, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def company(db, ops):
    north = Zone.objects.create(code="north", name="North")
    south = Zone.objects.create(code="south", name="South")
    ads = Campaign.objects.create(name="Ads", channel="search")
    for day, amount in ((1, "100.00"), (2, "150.50"), (15, "49.50")):
        MarketingSpend.objects.create(campaign=ads, day=date(2026, 11, day), amount=Decimal(amount))
    MarketingSpend.objects.create(campaign=ads, day=date(2026, 10, 20), amount=Decimal("80"))
    rows = []
    # (zone, campaign, first?, status, on_time, completed day, month)
    plan = [
        (north, ads, True, "succeeded", True, 2, 11),
        (north, ads, True, "succeeded", False, 3, 11),
        (north, None, False, "succeeded", True, 4, 11),
        (north, None, False, "failed", False, 5, 11),
        (north, None, True, "succeeded", True, 6, 11),
        (south, ads, True, "succeeded", True, 7, 11),
        (south, None, False, "failed", False, 8, 11),
        (north, None, False, "succeeded", True, 10, 10),
        (north, ads, True, "succeeded", False, 11, 10),
    ]
    for n, (zone, campaign, first, status, on_time, day, month) in enumerate(plan):
        customer = Customer.objects.create(
            crm_id=f"c{n}",
            zone=zone,
            acquisition_campaign=campaign,
            first_seen_at=at(day, month, 8),
        )
        rows.append(
            Delivery.objects.create(
                dispatch_id=f"d{n}",
                customer=customer,
                zone=zone,
                status=status,
                on_time=on_time,
                is_first_for_customer=first,
                completed_at=at(day, month),
                # Completed at noon: within 11–13 when on time, after 9–11 when not.
                window_start=at(day, month, 11 if on_time else 9),
                window_end=at(day, month, 13 if on_time else 11),
            )
        )
    Delivery.objects.create(dispatch_id="open", zone=north, status="scheduled", window_start=at(20))
    Incident.objects.create(kind="complaint", title="late", zone=north, occurred_at=at(3))
    Incident.objects.create(kind="complaint", title="late", zone=south, occurred_at=at(4))
    Incident.objects.create(
        kind="campaign_error", title="wrong zone", campaign=ads, occurred_at=at(5)
    )
    rule = Rule.objects.create(
        name="r", trigger="x", title_template="x", owner_team=ops, minutes_saved=30
    )
    RuleVersion.objects.create(rule=rule, version=1, snapshot={"minutes_saved": 30})
    for n, minutes in enumerate((10, 20, 50)):
        created = at(9)
        event = Event.objects.create(source="generic", type="x", external_id=f"run-{n}")
        RuleEvaluation.objects.create(
            rule=rule, rule_version=1, event=event, matched=True, at=created
        )
        Handoff.objects.create(
            team=ops,
            title="acked",
            rule=rule,
            event=event,
            created_at=created,
            acknowledged_at=created + timedelta(minutes=minutes),
            status="acknowledged",
        )
    Handoff.objects.create(
        team=ops, title="missed", status="missed", missed_at=at(12), created_at=at(11)
    )
    rollups.rebuild(date(2026, 10, 1), date(2026, 11, 30))
    return {"north": north, "south": south, "ads": ads, "rows": rows}


def values(period, filters=None):
    return {c.metric.key: c.value for c in dashboard.cards(period, filters or Filters())}


def hand(rows, zone=None, campaign=None, month=11):
    chosen = [
        d
        for d in rows
        if d.completed_at.month == month
        and (zone is None or d.zone_id == zone.pk)
        and (campaign is None or d.customer.acquisition_campaign_id == campaign.pk)
    ]
    completed = len(chosen)
    on_time = sum(1 for d in chosen if d.on_time)
    failed = sum(1 for d in chosen if d.status == "failed")
    firsts = [d for d in chosen if d.is_first_for_customer]
    return completed, on_time, failed, len(firsts), sum(1 for d in firsts if d.on_time)


def pct(a, b):
    return (Decimal(a) * 100 / b).quantize(Decimal("0.01")) if b else None


def test_company_month_matches_the_rows(company):
    v = values(NOV)
    completed, on_time, failed, firsts, firsts_on_time = hand(company["rows"])
    assert v["deliveries"] == completed == 7
    assert v["on_time"] == pct(on_time, completed)
    assert v["failed_pct"] == pct(failed, completed)
    assert v["first_on_time"] == pct(firsts_on_time, firsts)
    assert v["new_customers"] == firsts == 4
    assert v["spend"] == Decimal("300.00")
    assert v["cac"] == Decimal("75.00")  # 300 ÷ 4 new customers
    assert v["leads"] == 7
    assert v["complaints"] == 2
    assert v["campaign_errors"] == Decimal("1.00")
    assert v["missed_handoffs"] == Decimal("1.00")
    assert v["ack_median"] == Decimal("20.0")
    assert v["hours_saved"] == (Decimal("1.5") / (Decimal(30) / 7)).quantize(Decimal("0.01"))


def test_zone_filter_matches_the_rows(company):
    north = company["north"]
    v = values(NOV, Filters(zone=north))
    completed, on_time, failed, firsts, firsts_on_time = hand(company["rows"], zone=north)
    assert (v["deliveries"], completed) == (5, 5)
    assert v["on_time"] == pct(on_time, completed) == Decimal("60.00")
    assert v["failed_pct"] == pct(failed, completed)
    assert v["first_on_time"] == pct(firsts_on_time, firsts)
    assert v["complaints"] == 1


def test_campaign_filter_splits_spend_and_deliveries(company):
    ads = company["ads"]
    v = values(NOV, Filters(campaign=ads))
    completed, *_ = hand(company["rows"], campaign=ads)
    assert v["deliveries"] == completed == 3
    assert v["cac"] == Decimal("100.00")  # 300 ÷ 3 first deliveries from the campaign
    assert v["campaign_errors"] == Decimal("1.00")


def test_empty_period_and_division_by_zero_give_no_value(company):
    assert values(Period(date(2025, 1, 1), date(2025, 1, 31)))["deliveries"] is None  # no data yet
    empty = Period(date(2026, 10, 12), date(2026, 10, 19))  # after the first data, but quiet
    v = values(empty)
    assert v["deliveries"] == 0
    for key in ("on_time", "failed_pct", "first_on_time", "cac", "ack_median"):
        assert v[key] is None
    card = next(c for c in dashboard.cards(empty, Filters()) if c.metric.key == "on_time")
    assert card.display == "—"
    assert card.change["text"] == "—"


def test_rates_change_in_points_counts_in_percent(company):
    cards = {c.metric.key: c for c in dashboard.cards(NOV, Filters())}
    completed, on_time, *_ = hand(company["rows"], month=10)
    assert cards["on_time"].previous == pct(on_time, completed) == Decimal("50.00")
    assert cards["on_time"].change["text"].endswith(" pp")
    assert cards["deliveries"].change["text"] == "+250.0%"  # 7 vs 2


def test_percentage_point_wording():
    metric = registry.metric("on_time")
    assert metrics.change(metric, Decimal("93.6"), Decimal("94.1"))["text"] == "−0.5 pp"
    assert metrics.change(metric, Decimal("93.6"), Decimal("94.1"))["better"] is False
    spend = registry.metric("cac")
    assert metrics.change(spend, Decimal("40"), Decimal("50"))["text"] == "−20.0%"
    assert metrics.change(spend, Decimal("40"), Decimal("50"))["better"] is True


def test_previous_of_a_month_is_the_month_before():
    assert NOV.previous() == OCT
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(
        date(2026, 2, 1), date(2026, 2, 28)
    )
    week = Period(date(2026, 11, 8), date(2026, 11, 14))
    assert week.previous() == Period(date(2026, 11, 1), date(2026, 11, 7))


def test_rollups_are_idempotent(company):
    before = values(NOV)
    rollups.rebuild(date(2026, 11, 1), date(2026, 11, 30))
    rollups.rebuild(date(2026, 11, 1), date(2026, 11, 30))
    assert values(NOV) == before


def _done(n: str, *, completed: datetime, window: tuple | None, status: str = "succeeded"):
    start, end = window or (None, None)
    return Delivery.objects.create(
        dispatch_id=n,
        status=status,
        completed_at=completed,
        window_start=start,
        window_end=end,
        is_first_for_customer=True,
    )


def test_on_time_excludes_deliveries_without_a_window_and_counts_them(db, settings):
    settings.KPI_EARLY_COUNTS_AS_ON_TIME = True
    _done("in", completed=at(3, hour=10), window=(at(3, hour=9), at(3, hour=11)))
    _done("late", completed=at(3, hour=12), window=(at(3, hour=9), at(3, hour=11)))
    _done("early", completed=at(3, hour=8), window=(at(3, hour=9), at(3, hour=11)))
    _done("none", completed=at(3, hour=8), window=None)
    rollups.rebuild(date(2026, 11, 1), date(2026, 11, 30))
    cards = {c.metric.key: c for c in dashboard.cards(NOV, Filters())}
    assert cards["deliveries"].value == 4
    assert cards["on_time"].value == pct(2, 3)  # in + early of the 3 with a window
    assert cards["first_on_time"].value == pct(2, 3)
    agg = registry.total(registry.daily_inputs(NOV, Filters()))
    assert agg["no_window"] == 1

    settings.KPI_EARLY_COUNTS_AS_ON_TIME = False
    rollups.rebuild(date(2026, 11, 1), date(2026, 11, 30))
    cards = {c.metric.key: c for c in dashboard.cards(NOV, Filters())}
    assert cards["on_time"].value == pct(1, 3)
    assert "early" in registry.metric("on_time").definition_text


def test_the_on_time_definition_is_on_the_metric_page(client_for, member):
    page = client_for(member).get("/kpis/m/on_time/").content.decode()
    assert 'data-testid="definition"' in page
    assert "without a promised window" in page


def test_display_rounds_like_the_values_and_tiny_changes_are_neutral():
    minutes = registry.metric("ack_median")
    assert metrics.format_value(minutes, Decimal("22.5")) == "23 min"
    on_time = registry.metric("on_time")
    change = metrics.change(on_time, Decimal("3.26"), Decimal("3.30"))
    assert (change["text"], change["better"]) == ("0.0 pp", None)
    leads = registry.metric("leads")
    assert metrics.change(leads, Decimal("300"), Decimal("3"))["text"] == "new"


def test_a_one_day_range_shows_the_plain_count_not_a_month(company):
    one_day = Period(date(2026, 11, 5), date(2026, 11, 5))
    card = next(c for c in dashboard.cards(one_day, Filters()) if c.metric.key == "campaign_errors")
    assert card.value == Decimal("1.00")  # not 30.44
    assert "not per month" in card.current.note


def test_per_week_rates_of_this_month_leave_out_days_to_come(company, settings):
    import time_machine

    with time_machine.travel(datetime(2026, 11, 14, 12, tzinfo=UTC), tick=False):
        value = next(
            c.value for c in dashboard.cards(NOV, Filters()) if c.metric.key == "hours_saved"
        )
    assert value == (Decimal("1.5") / (Decimal(14) / 7)).quantize(Decimal("0.01"))


def test_hours_saved_counts_rule_runs_at_the_minutes_they_saved_then(db, ops, marketing):
    rule = Rule.objects.create(
        name="two teams", trigger="x", title_template="x", owner_team=ops, minutes_saved=60
    )
    RuleVersion.objects.create(rule=rule, version=1, snapshot={"minutes_saved": 30})
    RuleVersion.objects.create(rule=rule, version=2, snapshot={"minutes_saved": 60})
    for n, version in enumerate((1, 1, 2)):
        event = Event.objects.create(source="generic", type="x", external_id=f"two-{n}")
        RuleEvaluation.objects.create(
            rule=rule, rule_version=version, event=event, matched=True, at=at(4)
        )
        for team in (ops, marketing):  # one run tells two teams: still one run
            Handoff.objects.create(team=team, title="t", rule=rule, event=event, created_at=at(4))
    week = Period(date(2026, 11, 1), date(2026, 11, 7))
    agg = registry.total(registry.daily_inputs(week, Filters()))
    assert agg["rule_runs"] == 3
    assert agg["saved_minutes"] == 30 + 30 + 60  # not 3 × 2 teams × today's 60
    card = next(c for c in dashboard.cards(week, Filters()) if c.metric.key == "hours_saved")
    assert card.value == Decimal("2.00")


def test_breakdowns_stay_within_the_other_filters(company):
    north, ads = company["north"], company["ads"]
    by_zone = dict(dashboard.breakdown("deliveries", NOV, "zone", Filters(campaign=ads)))
    completed, *_ = hand(company["rows"], zone=north, campaign=ads)
    assert by_zone["North"] == completed == 2
    by_campaign = dict(dashboard.breakdown("deliveries", NOV, "campaign", Filters(zone=north)))
    assert by_campaign["Ads"] == completed


def test_breakdown_csv_refuses_a_dimension_the_metric_is_not_split_by(client_for, member, company):
    client = client_for(member)
    response = client.get("/kpis/m/complaints/campaign.csv")
    assert response.status_code == 400
    assert "can't be split by campaign" in response.content.decode()
    ok = client.get(
        f"/kpis/m/deliveries/zone.csv?campaign={company['ads'].pk}&period=custom"
        "&start=2026-11-01&end=2026-11-30"
    )
    assert "North,2" in ok.content.decode()


def test_months_before_any_data_show_a_dash_even_with_old_crm_contacts(db, ops):
    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=800)
    Customer.objects.create(crm_id="old", first_seen_at=long_ago)  # CRM history
    Handoff.objects.create(team=ops, title="first", created_at=timezone.now())
    rollups.rebuild(timezone.localtime(long_ago).date(), timezone.localdate())
    card = dashboard.scorecard(months=3)
    rows = {r["metric"].key: r["values"] for r in card["rows"]}
    assert rows["missed_handoffs"][:2] == ["—", "—"]
    assert rows["campaign_errors"][:2] == ["—", "—"]
    assert rows["missed_handoffs"][-1] == "0"

    month = registry.month_period(timezone.localdate())
    cards = {c.metric.key: c for c in dashboard.cards(month, Filters())}
    assert cards["missed_handoffs"].previous is None  # last month: no data, not 0
    assert cards["missed_handoffs"].change["text"] == "—"
    assert cards["leads"].previous == 0  # CRM history is data for leads
