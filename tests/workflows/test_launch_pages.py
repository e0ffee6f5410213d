"""Campaign launches on the web and in the API: what each person sees and may do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from handoffs.models import Handoff
from hub.models import AuditLog, Campaign, Event, PromoCode, Role, Zone
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from workflows.launch import services
from workflows.models import LaunchPlan, ReadinessItem


@pytest.fixture
def teams(ops, marketing):
    support = TeamFactory(name="Customer Support", slug="customer-support", kind="support")
    tech = TeamFactory(name="Tech", slug="tech", kind="tech")
    return {"ops": ops, "marketing": marketing, "support": support, "tech": tech}


@pytest.fixture
def marketer(marketing):
    user = UserFactory(email="mkt@crossdock.test")
    MembershipFactory(user=user, team=marketing, role=Role.MEMBER)
    return user


@pytest.fixture
def riverside(db):
    return Zone.objects.create(code="riverside", name="Riverside")


def launch_form(zone, **extra):
    today = timezone.localdate()
    return {
        "name": "Riverside same-day",
        "channel": "social",
        "segment": "Flats",
        "zones": [zone.pk],
        "starts_on": (today + timedelta(days=2)).isoformat(),
        "ends_on": (today + timedelta(days=9)).isoformat(),
        "budget": "500",
        "expected_orders_per_day": "30",
        "services": "Same-day",
        "message": "15% off",
        **extra,
    }


def make_launch(actor, zone) -> Campaign:
    today = timezone.localdate()
    return services.launch_create(
        actor=actor,
        name="Riverside same-day",
        channel="social",
        zones=[zone],
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=9),
        expected_orders_per_day=30,
    )


def test_marketing_plans_a_launch_in_the_browser_form(client_for, teams, marketer, riverside):
    client = client_for(marketer)
    page = client.get("/campaigns/")
    assert 'href="/workflows/launches/new/"' in page.content.decode()
    response = client.post("/workflows/launches/new/", launch_form(riverside))
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.status == "scheduled"
    assert LaunchPlan.objects.get(campaign=campaign).expected_orders_per_day == 30
    assert Event.objects.filter(type="hub.campaign.scheduled").count() == 1


def test_a_bad_launch_form_says_what_to_fix_and_saves_nothing(
    client_for, teams, marketer, riverside
):
    client = client_for(marketer)
    response = client.post(
        "/workflows/launches/new/",
        launch_form(riverside, expected_orders_per_day="-3", ends_on="2000-01-01"),
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert not Campaign.objects.exists()
    no_zone = client.post("/workflows/launches/new/", launch_form(riverside, zones=[]))
    assert "This field is required." in no_zone.content.decode()
    assert not Campaign.objects.exists()


def test_the_campaign_page_shows_the_checklist_numbers_and_the_refusal(
    client_for, teams, marketer, member, riverside
):
    client = client_for(marketer)
    client.post("/workflows/launches/new/", launch_form(riverside))
    campaign = Campaign.objects.get()
    services.checklist_open(campaign=campaign)
    listed = client.get("/campaigns/").content.decode()
    assert '<td data-testid="ready">0 of 3</td>' in listed
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Launch readiness" in page
    assert "capacity in Riverside (30 orders a day expected)" in page
    assert "How it is going" in page
    assert "Found by Crossdock" in page
    assert 'name="override_reason"' not in page  # a member can't override

    response = client.post(f"/campaigns/{campaign.pk}/status/", {"status": "live"}, follow=True)
    assert (
        "go live yet: Operations: capacity in Riverside (30 orders a day expected); Customer"
        in (response.content.decode())
    )
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"

    item = ReadinessItem.objects.get(kind="capacity")
    other = client_for(marketer).get(f"/workflows/launches/items/{item.pk}/").content.decode()
    assert "Only members of Operations can confirm this." in other
    ops_client = client_for(member)
    page = ops_client.get(f"/workflows/launches/items/{item.pk}/").content.decode()
    assert 'data-testid="recent-volume"' in page
    ops_client.post(f"/workflows/launches/items/{item.pk}/", {"capacity_per_day": "35"})
    item.refresh_from_db()
    assert item.status == "confirmed"
    assert Handoff.objects.get(pk=item.handoff_id).status == "done"


def test_bulk_codes_from_the_campaign_page(client_for, teams, marketer, riverside):
    client = client_for(marketer)
    client.post("/workflows/launches/new/", launch_form(riverside))
    campaign = Campaign.objects.get()
    client.post(
        f"/campaigns/{campaign.pk}/generate/",
        {"gen-pattern": "RS-####", "gen-count": "7", "gen-discount_percent": "15"},
    )
    assert campaign.promo_codes.count() == 7
    response = client.post(
        f"/campaigns/{campaign.pk}/import/",
        {"imp-text": "ONE\nTWO\nbad code", "imp-discount_percent": "10"},
        follow=True,
    )
    assert "Nothing was imported." in response.content.decode()
    assert campaign.promo_codes.count() == 7


def test_calendar_page(client_for, teams, marketer, riverside):
    client = client_for(marketer)
    client.post("/workflows/launches/new/", launch_form(riverside))
    client.post("/workflows/launches/new/", launch_form(riverside, name="Second"))
    page = client.get("/workflows/launches/calendar/").content.decode()
    assert "Riverside" in page
    assert 'data-testid="clash"' in page
    assert client.get("/workflows/launches/calendar/?from=nonsense").status_code == 200


def test_campaigns_api_comes_with_readiness_and_refuses_going_live(
    api_for, teams, marketer, manager, riverside
):
    api = api_for(marketer)
    campaign = make_launch(marketer, riverside)
    services.checklist_open(campaign=campaign)
    listed = api.get("/api/v1/campaigns/").json()["results"][0]
    assert {r["key"] for r in listed["readiness"]} == {"capacity:riverside", "brief", "codes"}
    assert not any(r["done"] for r in listed["readiness"])
    refused = api.post(f"/api/v1/campaigns/{campaign.pk}/status/", {"status": "live"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_ready"
    assert "Operations: capacity in Riverside" in refused.json()["detail"]
    forced = api_for(manager).post(
        f"/api/v1/campaigns/{campaign.pk}/status/",
        {"status": "live", "override_reason": "Printed already"},
    )
    assert forced.status_code == 200
    assert forced.json()["status"] == "live"


def test_promo_codes_api_generates_imports_changes_and_switches_off(
    api_for, teams, marketer, riverside
):
    api = api_for(marketer)
    campaign = make_launch(marketer, riverside)
    made = api.post(
        f"/api/v1/campaigns/{campaign.pk}/promo-codes/generate/",
        {"pattern": "API-###", "count": 3, "discount_percent": 10},
        format="json",
    )
    assert made.status_code == 201
    assert len(made.json()) == 3
    imported = api.post(
        f"/api/v1/campaigns/{campaign.pk}/promo-codes/import/",
        {"codes": ["ALPHA", "BETA"], "discount_percent": 20},
        format="json",
    )
    assert [p["code"] for p in imported.json()] == ["ALPHA", "BETA"]
    listed = api.get(f"/api/v1/promo-codes/?campaign={campaign.pk}").json()
    assert listed["count"] == 5
    alpha = PromoCode.objects.get(code="ALPHA")

    changed = api.patch(
        f"/api/v1/promo-codes/{alpha.pk}/",
        {"discount_percent": 25, "active": False},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["discount_percent"] == 25
    assert changed.json()["active"] is False
    assert Event.objects.filter(type="hub.promo_code.changed").count() == 1
    assert Event.objects.filter(type="hub.promo_code.deactivated").count() == 1
    assert AuditLog.objects.filter(action="promo_code.update", object_id=str(alpha.pk)).exists()
    assert api.get("/api/v1/promo-codes/?active=false").json()["count"] == 1

    for bad in (
        {"code": "RENAMED"},
        {"discount_percent": 0},
        {"valid_from": "2027-02-01", "valid_until": "2027-01-01"},
    ):
        response = api.patch(f"/api/v1/promo-codes/{alpha.pk}/", bad, format="json")
        assert response.status_code == 400, bad
        assert response.json()["detail"]
    alpha.refresh_from_db()
    assert (alpha.code, alpha.discount_percent, alpha.valid_from) == ("ALPHA", 25, None)
    assert api.put(f"/api/v1/promo-codes/{alpha.pk}/", {}, format="json").status_code == 405
    assert api.get("/api/v1/promo-codes/?campaign=x").status_code == 400
    assert api_for().get("/api/v1/promo-codes/").status_code in (401, 403)


def test_readiness_items_and_findings_in_the_api(
    api_for, teams, marketer, member, outsider, riverside
):
    from hub import business

    campaign = make_launch(marketer, riverside)
    services.checklist_open(campaign=campaign)
    ops_api = api_for(member)
    listed = ops_api.get(f"/api/v1/readiness-items/?campaign={campaign.pk}").json()
    assert listed["count"] == 3
    capacity = next(i for i in listed["results"] if i["kind"] == "capacity")
    assert (capacity["team"], capacity["zone"], capacity["status"]) == (
        "operations",
        "riverside",
        "open",
    )

    url = f"/api/v1/readiness-items/{capacity['id']}/confirm/"
    assert api_for(marketer).post(url, {"capacity_per_day": 40}).status_code == 403
    assert ops_api.post(url, {"capacity_per_day": -1}).status_code == 400
    assert ops_api.post(url, {}).json()["detail"].startswith("Say how many orders")
    confirmed = ops_api.post(url, {"capacity_per_day": 40, "note": "ok"})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"

    business.promo_codes_import(
        actor=marketer, campaign=campaign, text="RIVER9", discount_percent=9
    )
    services.detections_scan(campaign=campaign)  # the FAQ does not mention RIVER9
    findings = ops_api.get(f"/api/v1/launch-findings/?campaign={campaign.pk}&status=pending")
    [finding] = findings.json()["results"]
    assert finding["kind"] == "not_in_faq"
    assert api_for(outsider).get("/api/v1/launch-findings/").status_code == 403
    dismissed = ops_api.post(f"/api/v1/launch-findings/{finding['id']}/dismiss/")
    assert dismissed.json()["status"] == "dismissed"
    again = ops_api.post(f"/api/v1/launch-findings/{finding['id']}/confirm/")
    assert again.status_code == 400
    assert ops_api.get("/api/v1/launch-findings/?status=nope").status_code == 400


def test_the_numbers_api_shows_what_the_campaign_page_shows(
    client_for, api_for, teams, marketer, outsider, riverside
):
    import re
    from decimal import Decimal

    from feedback.models import Response as SurveyResponse
    from feedback.models import Survey
    from hub import business
    from hub.models import Customer, Delivery

    campaign = make_launch(marketer, riverside)
    [code] = business.promo_codes_import(
        actor=marketer, campaign=campaign, text="RIVER15", discount_percent=15
    )
    when = timezone.now() - timedelta(hours=3)
    for n, on_time in enumerate([True, True, False]):
        customer = Customer.objects.create(
            name=f"c{n}", acquisition_campaign=campaign, promo_code=code, zone=riverside
        )
        Delivery.objects.create(
            dispatch_id=f"n{n}",
            zone=riverside,
            promo_code=code,
            customer=customer,
            window_start=when,
            window_end=when + timedelta(hours=2),
            completed_at=when + timedelta(hours=1),
            status="succeeded",
            on_time=on_time,
            is_first_for_customer=True,
        )
    campaign.spend.create(day=timezone.localdate(), amount=Decimal("1234.5"))
    survey = Survey.objects.create(title="After delivery", audience="customers")
    answered = when + timedelta(days=3)  # the campaign starts in two days
    for score in (4, 5):
        SurveyResponse.objects.create(
            survey=survey,
            campaign=campaign,
            promo=True,
            score=score,
            measure="csat",
            submitted_at=answered,
        )

    page = client_for(marketer).get(f"/campaigns/{campaign.pk}/").content.decode()
    shown = dict(re.findall(r'data-testid="num-([\w-]+)">([^<]*)<', page))
    response = api_for(marketer).get(f"/api/v1/campaigns/{campaign.pk}/numbers/")
    assert response.status_code == 200
    numbers = response.json()
    assert numbers["campaign"] == campaign.pk
    assert shown == {
        "new-customers": str(numbers["new_customers"]),
        "orders": str(numbers["orders"]),
        "first-on-time": f"{numbers['first_on_time_pct']}%",
        "promo-csat": f"{numbers['promo_csat']['mean']} / 5",
        "cac": numbers["cac"],
    }
    assert (numbers["new_customers"], numbers["orders"], numbers["first_deliveries"]) == (3, 3, 3)
    assert numbers["first_on_time_pct"] == "66.7"
    assert numbers["orders_on_time_pct"] == "66.7"
    assert numbers["promo_csat"] == {"mean": "4.50", "count": 2}
    assert (numbers["spend"], numbers["cac"]) == ("1234.50", "411.50")
    assert f"{numbers['orders_on_time_pct']}% on time" in page

    assert api_for(marketer).get("/api/v1/campaigns/999999/numbers/").status_code == 404
    assert api_for(outsider).get(f"/api/v1/campaigns/{campaign.pk}/numbers/").status_code == 403
    assert api_for().get(f"/api/v1/campaigns/{campaign.pk}/numbers/").status_code in (401, 403)
    schema = api_for(marketer).get("/api/schema/?format=json").json()
    documented = schema["paths"]["/api/v1/campaigns/{id}/numbers/"]["get"]
    assert "live numbers" in documented["summary"]


def test_ops_give_capacity_for_particular_days_on_the_page_and_in_the_api(
    client_for, api_for, teams, marketer, member, riverside
):
    campaign = make_launch(marketer, riverside)
    services.checklist_open(campaign=campaign)
    item = ReadinessItem.objects.get(kind="capacity")
    busy = campaign.starts_on + timedelta(days=1)
    url = f"/workflows/launches/items/{item.pk}/"
    ops_client = client_for(member)

    for bad, message in (
        ("tomorrow 20", "Line 1: write a date and a number of orders, e.g. 2026-12-24 20."),
        (f"{busy} 20\n{busy} 25", f"Line 2: {busy} is given twice."),
        ("2000-01-01 20", "2000-01-01 is not a day of"),
    ):
        page = ops_client.post(url, {"capacity_per_day": "35", "capacity_by_day": bad})
        assert page.status_code == 200
        assert message in page.content.decode()
    item.refresh_from_db()
    assert (item.status, item.capacity_by_day) == ("open", {})

    response = ops_client.post(url, {"capacity_per_day": "35", "capacity_by_day": f"{busy}: 32"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.capacity_by_day) == ("confirmed", {busy.isoformat(): 32})
    page = ops_client.get(url).content.decode()
    assert 'data-testid="capacity-days"' in page
    assert f"{busy.isoformat()} 32</textarea>" in page  # the form shows what was confirmed

    api = api_for(member)
    confirm = f"/api/v1/readiness-items/{item.pk}/confirm/"
    twice = {
        "capacity_per_day": 35,
        "capacity_by_day": [{"day": str(busy), "capacity_per_day": 1}] * 2,
    }
    assert api.post(confirm, twice, format="json").status_code == 400
    outside = {
        "capacity_per_day": 35,
        "capacity_by_day": [{"day": "2000-01-01", "capacity_per_day": 5}],
    }
    refused = api.post(confirm, outside, format="json")
    assert refused.status_code == 400
    assert "2000-01-01 is not a day of" in refused.json()["detail"]
    item.refresh_from_db()
    assert item.capacity_by_day == {busy.isoformat(): 32}
    done = api.post(
        confirm,
        {"capacity_per_day": 35, "capacity_by_day": [{"day": str(busy), "capacity_per_day": 20}]},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "short"
    assert done.json()["capacity_by_day"] == [{"day": str(busy), "capacity_per_day": 20}]
    listed = api.get(f"/api/v1/readiness-items/?campaign={campaign.pk}").json()["results"]
    assert next(i for i in listed if i["kind"] == "capacity")["capacity_by_day"] == [
        {"day": str(busy), "capacity_per_day": 20}
    ]
    schema = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "capacity_by_day" in schema["Confirm"]["properties"]
