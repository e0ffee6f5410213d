"""Marketing enters spend per day, month, campaign and zone, by page, API or CSV; CAC per zone
is the zone's own or says it is not available."""

from datetime import date
from decimal import Decimal

import pytest

from hub import spend
from hub.models import Campaign, Customer, Delivery, MarketingSpend, Role, Zone
from kpis import dashboard, rollups
from kpis.registry import Filters, Period
from tests.factories import MembershipFactory, UserFactory

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def zones(db):
    return (
        Zone.objects.create(code="north", name="North"),
        Zone.objects.create(code="south", name="South"),
    )


@pytest.fixture
def marketer(db, marketing):
    user = UserFactory(email="mara@crossdock.test")
    MembershipFactory(user=user, team=marketing, role=Role.MEMBER)
    return user


def _new_customer(n: int, zone: Zone, day: int) -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 11, day, 12, tzinfo=UTC)
    customer = Customer.objects.create(phone=f"+1{n}", zone=zone, first_seen_at=at)
    Delivery.objects.create(
        dispatch_id=f"z{n}",
        customer=customer,
        zone=zone,
        status="succeeded",
        completed_at=at,
        is_first_for_customer=True,
    )


def _cac(filters: Filters):
    return next(c for c in dashboard.cards(NOV, filters) if c.metric.key == "cac")


def test_zone_cac_is_the_zones_spend_over_the_zones_customers(zones, manager):
    north, south = zones
    ads = Campaign.objects.create(name="Ads")
    spend.spend_record(
        actor=manager, campaign=ads, day=date(2026, 11, 2), amount=Decimal(300), zone=north
    )
    spend.spend_record(
        actor=manager, campaign=ads, day=date(2026, 11, 2), amount=Decimal(100), zone=south
    )
    for n in range(3):
        _new_customer(n, north, 3)
    _new_customer(9, south, 3)
    rollups.rebuild(NOV.start, NOV.end)
    assert _cac(Filters(zone=north)).value == Decimal("100.00")
    assert _cac(Filters(zone=south)).value == Decimal("100.00")
    assert _cac(Filters()).value == Decimal("100.00")  # 400 ÷ 4


def test_zone_cac_is_not_available_when_spend_has_no_zone(zones, manager, api_for, member):
    north, _ = zones
    everywhere = Campaign.objects.create(name="Everywhere")
    everywhere.zones.set(zones)
    spend.spend_record(
        actor=manager, campaign=everywhere, day=date(2026, 11, 2), amount=Decimal(250)
    )
    _new_customer(1, north, 3)
    rollups.rebuild(NOV.start, NOV.end)
    card = _cac(Filters(zone=north))
    assert card.value is None
    assert "not available for this filter" in card.unavailable

    rows = (
        api_for(member)
        .get(f"/api/v1/kpis/?period=custom&start=2026-11-01&end=2026-11-30&zone={north.pk}")
        .json()["results"]
    )
    cac = next(r for r in rows if r["metric"] == "cac")
    assert cac["value"] is None and cac["available"] is False
    assert "not available" in cac["unavailable_reason"]


def test_a_campaign_aimed_at_one_zone_counts_for_that_zone(zones, manager):
    north, _ = zones
    local = Campaign.objects.create(name="North flyers")
    local.zones.set([north])
    spend.spend_record(actor=manager, campaign=local, day=date(2026, 11, 2), amount=Decimal(90))
    _new_customer(1, north, 3)
    rollups.rebuild(NOV.start, NOV.end)
    assert _cac(Filters(zone=north)).value == Decimal("90.00")


def test_a_months_spend_is_spread_over_its_days_to_the_cent(zones, marketer):
    ads = Campaign.objects.create(name="Ads")
    rows = spend.spend_record(
        actor=marketer,
        campaign=ads,
        day=date(2026, 11, 15),
        amount=Decimal("100"),
        whole_month=True,
    )
    assert len(rows) == 30
    assert sum(r.amount for r in rows) == Decimal("100.00")


def test_spend_page_enters_and_lists_spend(client_for, marketer, member, zones):
    north, _ = zones
    ads = Campaign.objects.create(name="Ads")
    client = client_for(marketer)
    response = client.post(
        "/spend/",
        {
            "spend-campaign": ads.pk,
            "spend-day": "2026-11-03",
            "spend-zone": north.pk,
            "spend-amount": "42.50",
        },
    )
    assert response.status_code == 302
    row = MarketingSpend.objects.get()
    assert (row.zone, row.amount) == (north, Decimal("42.50"))
    page = client.get("/spend/").content.decode()
    assert "42.50" in page and "USD" in page
    client_for(member).post(
        "/spend/", {"spend-campaign": ads.pk, "spend-day": "2026-11-04", "spend-amount": "1"}
    )
    assert MarketingSpend.objects.count() == 1  # a member outside marketing can't


GOOGLE_ADS = """Campaign report
Day,Campaign,Campaign ID,Cost (USD),Zone
2026-11-01,Ads,123,"1,200.50",north
2026-11-01,Ads,123,99.50,north
2026-11-02,Ads,123,10,
Total,,,1310.00,
"""


def test_csv_import_reads_an_ads_export_and_is_repeat_safe(api_for, marketer, zones):
    Campaign.objects.create(name="Ads")
    api = api_for(marketer)
    body = GOOGLE_ADS.split("\n", 1)[1]  # exports may start with a title line; ours doesn't
    response = api.post("/api/v1/spend/import/", {"csv": body}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 2, "total": "1310.00"}
    api.post("/api/v1/spend/import/", {"csv": body}, format="json")
    assert MarketingSpend.objects.count() == 2
    assert sum(s.amount for s in MarketingSpend.objects.all()) == Decimal("1310.00")


def test_csv_import_with_an_unknown_campaign_imports_nothing_and_says_which_line(api_for, marketer):
    response = api_for(marketer).post(
        "/api/v1/spend/import/", {"csv": "Day,Campaign,Cost\n2026-11-01,Nope,5\n"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["Line 2: no campaign named “Nope”."]
    assert not MarketingSpend.objects.exists()


def test_spend_api_creates_and_lists(api_for, marketer, zones):
    ads = Campaign.objects.create(name="Ads")
    api = api_for(marketer)
    created = api.post(
        "/api/v1/spend/",
        {"campaign": ads.pk, "day": "2026-11-01", "amount": "12.00", "zone": "north"},
        format="json",
    )
    assert created.status_code == 201, created.content
    listed = api.get("/api/v1/spend/?zone=north").json()
    assert listed["count"] == 1
    assert listed["results"][0]["amount"] == "12.00"


def test_only_marketing_and_managers_enter_spend_through_the_api(api_for, member):
    ads = Campaign.objects.create(name="Ads")
    response = api_for(member).post(
        "/api/v1/spend/", {"campaign": ads.pk, "day": "2026-11-01", "amount": "5"}, format="json"
    )
    assert response.status_code == 403, response.content
    assert not MarketingSpend.objects.exists()


def test_spend_api_entered_twice_without_a_zone_replaces_it(api_for, marketer):
    ads = Campaign.objects.create(name="Ads")
    api = api_for(marketer)
    for amount in ("5.00", "7.00"):
        response = api.post(
            "/api/v1/spend/",
            {"campaign": ads.pk, "day": "2026-11-01", "amount": amount},
            format="json",
        )
        assert response.status_code == 201, response.content
    assert MarketingSpend.objects.get().amount == Decimal("7.00")
