"""Campaign launches: the readiness checklist, the launch gate, codes in bulk, findings, the
over-capacity flag, the calendar and the monthly review's overrides."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from handoffs.models import Alert, Handoff
from hub import business, events
from hub.errors import DomainError
from hub.models import AuditLog, Campaign, Customer, Delivery, Event, Incident, Role, Zone
from kpis import registry
from kpis.registry import Filters, month_period
from kpis.sources import campaign_errors_daily
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from workflows.launch import selectors, services
from workflows.models import Detection, LaunchPlan, ReadinessItem


@pytest.fixture
def support(db):
    return TeamFactory(name="Customer Support", slug="customer-support", kind="support")


@pytest.fixture
def tech(db):
    return TeamFactory(name="Tech", slug="tech", kind="tech")


@pytest.fixture
def cs_member(support):
    user = UserFactory(email="cs@crossdock.test", first_name="Cas")
    MembershipFactory(user=user, team=support, role=Role.MEMBER)
    return user


@pytest.fixture
def tech_member(tech):
    user = UserFactory(email="tech@crossdock.test", first_name="Tex")
    MembershipFactory(user=user, team=tech, role=Role.MEMBER)
    return user


@pytest.fixture
def marketer(marketing):
    user = UserFactory(email="mkt@crossdock.test", first_name="Mia")
    MembershipFactory(user=user, team=marketing, role=Role.MEMBER)
    return user


@pytest.fixture
def riverside(db):
    return Zone.objects.create(code="riverside", name="Riverside")


@pytest.fixture
def northgate(db):
    return Zone.objects.create(code="northgate", name="Northgate")


def process(type_: str) -> None:
    """Run the worker's processing of every pending event of ``type_``, as the worker would."""
    for pk in Event.objects.filter(type=type_, status="pending").values_list("pk", flat=True):
        events.process(pk)


def schedule(actor, zones, marketing, *, expected=40, name="Riverside same-day"):
    today = timezone.localdate()
    campaign = services.launch_create(
        actor=actor,
        name=name,
        channel="social",
        segment="Flats",
        zones=zones,
        starts_on=today + timedelta(days=3),
        ends_on=today + timedelta(days=16),
        budget=Decimal("1000"),
        owner_team=marketing,
        expected_orders_per_day=expected,
        services="Same-day",
        message="15% off your first same-day order.",
    )
    process("hub.campaign.scheduled")
    return campaign


@pytest.fixture
def world(ops, marketing, support, tech, member, manager, marketer, cs_member, tech_member):
    return {"ops": ops, "marketing": marketing, "support": support, "tech": tech}


def test_scheduling_sends_each_owning_team_its_readiness_handoff(
    world, marketer, riverside, northgate
):
    campaign = schedule(marketer, [riverside, northgate], world["marketing"], expected=41)

    plan = LaunchPlan.objects.get(campaign=campaign)
    items = {(i.kind, i.zone.code if i.zone else None): i for i in plan.items.all()}
    assert set(items) == {
        ("capacity", "riverside"),
        ("capacity", "northgate"),
        ("brief", None),
        ("codes", None),
    }
    assert items[("capacity", "riverside")].expected_per_day == 21  # 41 over two zones
    handoffs = Handoff.objects.filter(pk__in=[i.handoff_id for i in items.values()])
    assert sorted(h.team.name for h in handoffs) == [
        "Customer Support",
        "Operations",
        "Operations",
        "Tech",
    ]
    capacity = Handoff.objects.get(pk=items[("capacity", "riverside")].handoff_id)
    assert capacity.title.startswith("Confirm capacity in Riverside for “Riverside same-day”")
    assert capacity.link == f"/workflows/launches/items/{items[('capacity', 'riverside')].pk}/"
    assert plan.brief_page_id is not None  # the brief and FAQ, from the campaign-plan template

    process("hub.campaign.scheduled")  # processed twice: nothing new
    services.checklist_open(campaign=campaign)
    assert plan.items.count() == 4
    teams = [world["ops"], world["support"], world["tech"]]
    assert Handoff.objects.filter(team__in=teams).count() == 4


def test_going_live_before_ops_confirms_is_refused_with_the_reason(
    world, marketer, member, cs_member, tech_member, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"])
    with pytest.raises(DomainError) as refused:
        business.campaign_set_status(actor=marketer, campaign=campaign, status="live")
    assert "Operations: capacity in Riverside (40 orders a day expected)" in refused.value.message
    assert refused.value.code == "not_ready"
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"
    assert not Event.objects.filter(type="hub.campaign.launched").exists()

    plan = LaunchPlan.objects.get(campaign=campaign)
    capacity = plan.items.get(kind="capacity")
    with pytest.raises(DomainError, match="Only members of Operations"):
        services.item_confirm(actor=cs_member, item=capacity, capacity_per_day=50)
    services.item_confirm(actor=member, item=capacity, capacity_per_day=50)
    services.item_confirm(actor=cs_member, item=plan.items.get(kind="brief"))
    with pytest.raises(DomainError, match="Tech: promo codes confirmed working"):
        business.campaign_set_status(actor=marketer, campaign=campaign, status="live")
    services.item_confirm(actor=tech_member, item=plan.items.get(kind="codes"))

    business.campaign_set_status(actor=marketer, campaign=campaign, status="live")
    campaign.refresh_from_db()
    assert campaign.status == "live"
    assert Handoff.objects.get(pk=capacity.handoff_id).status == "done"
    assert Event.objects.filter(type="hub.campaign.launched").count() == 1


def test_capacity_below_the_expected_volume_keeps_the_gate_closed_and_tells_marketing(
    world, marketer, member, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"], expected=60)
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    services.item_confirm(actor=member, item=item, capacity_per_day=40, note="Four drivers.")
    item.refresh_from_db()
    assert item.status == "short"
    assert not item.done
    short = Handoff.objects.get(team=world["marketing"])
    assert "Operations can take 40 orders a day in Riverside" in short.title
    readiness = selectors.readiness_for([campaign])[campaign.pk]
    assert [r.detail for r in readiness if r.key == "capacity:riverside"] == [
        "only 40 a day confirmed"
    ]
    with pytest.raises(DomainError, match="Say how many orders"):
        services.item_confirm(actor=member, item=item, capacity_per_day=None)


def test_a_manager_may_override_with_a_reason_which_the_monthly_review_shows(
    world, marketer, manager, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"])
    with pytest.raises(DomainError, match="Only a manager"):
        business.campaign_set_status(
            actor=marketer, campaign=campaign, status="live", override_reason="Flyers are out"
        )
    business.campaign_set_status(
        actor=manager, campaign=campaign, status="live", override_reason="Flyers are out"
    )
    campaign.refresh_from_db()
    assert campaign.status == "live"
    row = AuditLog.objects.get(action="campaign.launch_override")
    assert row.actor == manager
    assert row.changes["reason"] == "Flyers are out"
    event = Event.objects.get(type="hub.campaign.launch_overridden")
    assert event.payload["reason"] == "Flyers are out"
    assert any("Operations" in title for title in event.payload["open_items"])

    sections = {s["key"]: s for s in registry.review_sections(timezone.localdate())}
    [item] = sections["workflows.launch_overrides"]["items"]
    assert item["text"] == "Riverside same-day went live with its checklist open"
    assert "Flyers are out" in item["note"]
    assert item["url"] == f"/campaigns/{campaign.pk}/"


def test_a_draft_cannot_skip_the_checklist(world, marketer, riverside):
    campaign = business.campaign_create(
        actor=marketer,
        name="Straight to live",
        channel="email",
        zones=[riverside],
        starts_on=date(2027, 1, 4),
    )
    with pytest.raises(DomainError, match="schedule the campaign first"):
        business.campaign_set_status(actor=marketer, campaign=campaign, status="live")


def test_generated_codes_follow_the_pattern_and_one_message_tells_ops(world, marketer, riverside):
    campaign = schedule(marketer, [riverside], world["marketing"])
    made = business.promo_codes_generate(
        actor=marketer, campaign=campaign, pattern="river-###", count=12, discount_percent=15
    )
    assert len({p.code for p in made}) == 12
    assert all(p.code.startswith("RIVER-") and p.code[6:].isdigit() for p in made)
    created = Event.objects.filter(type="hub.promo_code.created")
    assert created.count() == 12
    assert len({e.payload["batch"] for e in created}) == 1
    process("hub.promo_code.created")
    to_ops = Alert.objects.filter(channel__team=world["ops"], handoff__isnull=True)
    assert to_ops.count() == 1
    assert "New promo codes for “Riverside same-day”" in to_ops.get().subject
    assert made[0].code in to_ops.get().body
    assert AuditLog.objects.filter(action="promo_code.create").count() == 12


def test_bad_patterns_and_imports_change_nothing(world, marketer, riverside):
    campaign = schedule(marketer, [riverside], world["marketing"])
    with pytest.raises(DomainError, match="Put # "):
        business.promo_codes_generate(
            actor=marketer, campaign=campaign, pattern="SPRING", count=3, discount_percent=10
        )
    with pytest.raises(DomainError, match="makes only 10 different codes"):
        business.promo_codes_generate(
            actor=marketer, campaign=campaign, pattern="A#", count=5, discount_percent=10
        )
    business.promo_code_create(actor=marketer, code="TAKEN1", discount_percent=5)
    with pytest.raises(DomainError) as refused:
        business.promo_codes_import(
            actor=marketer,
            campaign=campaign,
            text="code\nFRESH1\nTAKEN1\nbad code\nFRESH1",
            discount_percent=10,
        )
    assert "Exist already: TAKEN1" in refused.value.message
    assert "Listed twice: FRESH1" in refused.value.message
    assert "one word" in refused.value.message
    assert campaign.promo_codes.count() == 0
    made = business.promo_codes_import(
        actor=marketer, campaign=campaign, text="fresh1, fresh2\nFRESH3", discount_percent=10
    )
    assert [p.code for p in made] == ["FRESH1", "FRESH2", "FRESH3"]


def _delivery(n, *, zone, code, day, on_time=True, customer=None):
    tz = timezone.get_current_timezone()
    start = timezone.datetime.combine(day, timezone.datetime.min.time(), tzinfo=tz)
    return Delivery.objects.create(
        dispatch_id=f"d{n}",
        zone=zone,
        promo_code=code,
        customer=customer,
        window_start=start + timedelta(hours=10),
        window_end=start + timedelta(hours=12),
        completed_at=start + timedelta(hours=11),
        status="succeeded",
        on_time=on_time,
        is_first_for_customer=customer is not None,
    )


def test_findings_wait_for_a_person_and_only_confirmed_ones_count_as_campaign_errors(
    world, marketer, member, cs_member, riverside, northgate
):
    campaign = schedule(marketer, [riverside], world["marketing"], expected=2)
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    services.item_confirm(actor=member, item=item, capacity_per_day=2)
    [code] = business.promo_codes_import(
        actor=marketer, campaign=campaign, text="RIVER15", discount_percent=15
    )
    first_day = campaign.starts_on
    _delivery(1, zone=northgate, code=code, day=first_day)  # wrong zone
    _delivery(2, zone=riverside, code=code, day=first_day - timedelta(days=5))  # too early
    for n in range(3, 6):  # three orders, two a day confirmed
        _delivery(n, zone=riverside, code=code, day=first_day + timedelta(days=1))

    made = services.detections_scan(campaign=campaign)
    kinds = {d.kind for d in made}
    assert {"outside", "over_capacity", "not_in_faq"} <= kinds
    outside = next(d for d in made if d.kind == "outside")
    assert outside.title.startswith("RIVER15 redeemed outside the zones or dates")
    assert {row["delivery"] for row in outside.evidence} == {"d1", "d2"}
    assert services.detections_scan(campaign=campaign) == []  # raised once
    assert Incident.objects.count() == 0  # nothing counted until a person says so

    services.detection_decide(actor=cs_member, detection=outside, confirm=True)
    over = next(d for d in made if d.kind == "over_capacity")
    services.detection_decide(actor=cs_member, detection=over, confirm=False)
    with pytest.raises(DomainError, match="dismissed already"):
        services.detection_decide(actor=cs_member, detection=over, confirm=True)

    incident = Incident.objects.get()
    assert incident.kind == "campaign_error"
    assert incident.campaign == campaign
    assert "Delivery d1: in Northgate, not a campaign zone" in incident.description
    period = month_period(timezone.localdate())
    counted = campaign_errors_daily(period, Filters(campaign=campaign))
    assert sum(v["campaign_errors"] for v in counted.values()) == 1
    assert Detection.objects.get(pk=over.pk).status == "dismissed"


def test_ops_flag_a_zone_over_capacity_and_marketing_gets_the_handoff(
    world, marketer, member, cs_member, riverside, northgate
):
    campaign = schedule(marketer, [riverside], world["marketing"])
    with pytest.raises(DomainError, match="Only operations"):
        services.capacity_flag(actor=cs_member, campaign=campaign, zone=riverside)
    with pytest.raises(DomainError, match="does not run in Northgate"):
        services.capacity_flag(actor=member, campaign=campaign, zone=northgate)
    pk = services.capacity_flag(actor=member, campaign=campaign, zone=riverside, note="Full")
    handoff = Handoff.objects.get(pk=pk)
    assert handoff.team == world["marketing"]
    assert handoff.from_team == world["ops"]
    assert handoff.title == "Riverside is over capacity: pause or re-target “Riverside same-day”"
    assert Event.objects.filter(type="workflows.launch.over_capacity").count() == 1


def test_the_campaign_numbers_are_read_from_its_rows(world, marketer, riverside):
    campaign = schedule(marketer, [riverside], world["marketing"])
    [code] = business.promo_codes_import(
        actor=marketer, campaign=campaign, text="RIVER15", discount_percent=15
    )
    day = campaign.starts_on
    for n, on_time in enumerate([True, True, False, True]):
        customer = Customer.objects.create(
            name=f"c{n}", acquisition_campaign=campaign, promo_code=code, zone=riverside
        )
        _delivery(n, zone=riverside, code=code, day=day, on_time=on_time, customer=customer)
    campaign.spend.create(day=day, amount=Decimal("200"))
    numbers = selectors.campaign_numbers(campaign)
    assert numbers["new_customers"] == 4
    assert numbers["first_on_time_pct"] == Decimal("75.0")
    assert numbers["orders"] == 4
    assert numbers["cac"] == Decimal("50.00")
    assert numbers["promo_csat"] == {"mean": None, "count": 0}


def test_the_calendar_marks_two_campaigns_in_one_zone_as_a_clash(world, marketer, riverside):
    first = schedule(marketer, [riverside], world["marketing"], name="One")
    schedule(marketer, [riverside], world["marketing"], name="Two")
    data = selectors.calendar(first.starts_on - timedelta(days=1), days=7)
    [row] = data["rows"]
    assert row.cells[0].campaigns == []
    assert [c.name for c in row.cells[1].campaigns] == ["One", "Two"]
    assert row.cells[1].clash
    assert row.cells[1].expected == 80
    assert row.cells[1].capacity is None


def test_ended_campaigns_have_no_open_checklist(world, marketer, riverside):
    campaign = schedule(marketer, [riverside], world["marketing"])
    Campaign.objects.filter(pk=campaign.pk).update(status="ended")
    campaign.refresh_from_db()
    assert selectors.readiness_for([campaign])[campaign.pk] == []


def test_a_code_ops_never_acknowledged_is_found_once_the_campaign_is_live(
    world, marketer, manager, member, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"])
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    services.item_confirm(actor=member, item=item, capacity_per_day=50)
    business.campaign_set_status(
        actor=manager, campaign=campaign, status="live", override_reason="Tech is away"
    )
    # Made after ops confirmed capacity, and nobody in ops acknowledged a handoff about it.
    business.promo_codes_import(actor=marketer, campaign=campaign, text="LATE1", discount_percent=5)
    assert services.detections_scan_all() >= 1
    unacked = Detection.objects.get(campaign=campaign, kind="unacked")
    assert unacked.title == "Operations never acknowledged LATE1 of “Riverside same-day”"
    assert unacked.status == "pending"


def test_confirming_capacity_settles_the_rule_that_asked_ops_too(
    world, admin_user, marketer, member, riverside, northgate
):
    from handoffs import services as handoff_services

    rule = handoff_services.rule_from_template(actor=admin_user, key="campaign_capacity")
    handoff_services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    campaign = schedule(marketer, [riverside, northgate], world["marketing"])
    asked = Handoff.objects.get(rule=rule)
    assert asked.team == world["ops"]
    first, second = ReadinessItem.objects.filter(plan__campaign=campaign, kind="capacity")
    services.item_confirm(actor=member, item=first, capacity_per_day=30)
    asked.refresh_from_db()
    assert asked.status == "open"  # one zone is not confirmed yet
    services.item_confirm(actor=member, item=second, capacity_per_day=30)
    asked.refresh_from_db()
    assert asked.status == "done"


def test_a_zone_added_to_a_scheduled_campaign_gets_its_capacity_item(
    world, marketer, riverside, northgate
):
    campaign = schedule(marketer, [riverside], world["marketing"])
    business.campaign_update(
        actor=marketer,
        campaign=campaign,
        name=campaign.name,
        channel=campaign.channel,
        zones=[northgate],
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        budget=campaign.budget,
        owner_team=world["marketing"],
    )
    process("hub.campaign.updated")
    keys = [r.key for r in selectors.readiness_for([campaign])[campaign.pk]]
    assert keys == ["capacity:northgate", "brief", "codes"]  # riverside no longer asked


def test_ops_and_support_hear_when_a_campaign_code_changes_or_is_switched_off(
    world, marketer, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"])
    [code] = business.promo_codes_import(
        actor=marketer, campaign=campaign, text="RIVER15", discount_percent=15
    )
    business.promo_code_update(actor=marketer, promo=code, discount_percent=20)
    business.promo_code_set_active(actor=marketer, promo=code, active=False)
    process("hub.promo_code.changed")
    process("hub.promo_code.deactivated")
    for team in (world["ops"], world["support"]):
        subjects = sorted(
            Alert.objects.filter(
                channel__team=team, subject__startswith="Promo code RIVER15"
            ).values_list("subject", flat=True)
        )
        assert subjects == [
            "Promo code RIVER15 of “Riverside same-day” changed",
            "Promo code RIVER15 of “Riverside same-day” switched off",
        ]
    off = Alert.objects.get(channel__team=world["ops"], subject__endswith="switched off")
    assert "no longer accepted" in off.body


def test_ops_may_confirm_a_different_capacity_on_particular_days(
    world, marketer, member, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"], expected=40)
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    busy = campaign.starts_on + timedelta(days=2)
    quiet = campaign.starts_on + timedelta(days=4)
    services.item_confirm(
        actor=member, item=item, capacity_per_day=50, capacity_by_day={busy: 30, quiet: 80}
    )
    item.refresh_from_db()
    assert item.status == "short"  # 30 on one day, 40 expected: the launch still waits
    assert item.capacity_by_day == {busy.isoformat(): 30, quiet.isoformat(): 80}
    assert (
        item.capacity_on(busy),
        item.capacity_on(quiet),
        item.capacity_on(campaign.starts_on),
    ) == (
        30,
        80,
        50,
    )
    short = Handoff.objects.get(team=world["marketing"])
    assert "Operations can take fewer orders on 1 day in Riverside" in short.title
    assert f"Short days: {busy}: 30" in short.body
    [detail] = [
        r.detail
        for r in selectors.readiness_for([campaign])[campaign.pk]
        if r.key == "capacity:riverside"
    ]
    assert detail == f"50 a day confirmed, but only 30 on {busy}; 80 on {quiet}"

    services.item_confirm(actor=member, item=item, capacity_per_day=50, capacity_by_day={busy: 45})
    item.refresh_from_db()
    assert item.status == "confirmed"
    assert item.capacity_by_day == {busy.isoformat(): 45}  # replaces the days given before
    assert AuditLog.objects.filter(action="launch.item_confirm").count() == 2
    event = Event.objects.filter(type="workflows.launch.item_confirmed").latest("id")
    assert event.payload["capacity_by_day"] == {busy.isoformat(): 45}


def test_capacity_days_outside_the_campaign_or_out_of_range_change_nothing(
    world, marketer, member, cs_member, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"], expected=40)
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    for bad, message in (
        ({campaign.starts_on - timedelta(days=1): 50}, "is not a day of “Riverside same-day”"),
        ({campaign.ends_on + timedelta(days=1): 50}, "is not a day of “Riverside same-day”"),
        ({campaign.starts_on: -1}, "a number of orders from 0 to 1,000,000"),
    ):
        with pytest.raises(DomainError, match=message) as refused:
            services.item_confirm(actor=member, item=item, capacity_per_day=50, capacity_by_day=bad)
        assert refused.value.field == "capacity_by_day"
    brief = ReadinessItem.objects.get(plan__campaign=campaign, kind="brief")
    with pytest.raises(DomainError, match="Only a capacity item"):
        services.item_confirm(actor=cs_member, item=brief, capacity_by_day={campaign.starts_on: 5})
    item.refresh_from_db()
    brief.refresh_from_db()
    assert (item.status, item.capacity_per_day, item.capacity_by_day) == ("open", None, {})
    assert brief.status == "open"
    assert not AuditLog.objects.filter(action="launch.item_confirm").exists()


def test_orders_above_a_day_s_own_capacity_are_found_and_the_calendar_uses_it(
    world, marketer, member, riverside
):
    campaign = schedule(marketer, [riverside], world["marketing"], expected=2)
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    tight = campaign.starts_on + timedelta(days=1)
    roomy = campaign.starts_on + timedelta(days=2)
    services.item_confirm(
        actor=member, item=item, capacity_per_day=5, capacity_by_day={tight: 2, roomy: 9}
    )
    [code] = business.promo_codes_import(
        actor=marketer, campaign=campaign, text="RIVER15", discount_percent=15
    )
    for n in range(3):  # three orders on the tight day: above its 2, within the default 5
        _delivery(n, zone=riverside, code=code, day=tight)
    for n in range(3, 10):  # seven on the roomy day: above the default 5, within its 9
        _delivery(n, zone=riverside, code=code, day=roomy)

    over = [d for d in services.detections_scan(campaign=campaign) if d.kind == "over_capacity"]
    assert [d.subject for d in over] == [f"{riverside.pk}:{tight.isoformat()}"]
    assert over[0].title.endswith(f"on {tight}: 2 a day confirmed")

    data = selectors.calendar(campaign.starts_on, days=4)
    [row] = data["rows"]
    assert [c.capacity for c in row.cells] == [5, 2, 9, 5]
    assert [c.clash for c in row.cells] == [False, False, False, False]


def test_a_campaign_scheduled_from_outside_the_launch_flow_gets_its_checklist_from_the_event(
    api_for, world, marketer, riverside
):
    """A tool scheduling through the campaigns API (Zapier, a CRM workflow) never opens the
    launch page: the worker's processing of hub.campaign.scheduled opens the checklist."""
    api = api_for(marketer)
    today = timezone.localdate()
    made = api.post(
        "/api/v1/campaigns/",
        {
            "name": "From the CRM",
            "channel": "email",
            "zones": [riverside.code],
            "starts_on": str(today + timedelta(days=5)),
            "ends_on": str(today + timedelta(days=12)),
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert not LaunchPlan.objects.filter(campaign_id=pk).exists()
    scheduled = api.post(f"/api/v1/campaigns/{pk}/status/", {"status": "scheduled"})
    assert scheduled.status_code == 200
    assert not ReadinessItem.objects.filter(plan__campaign_id=pk).exists()  # not before the worker

    process("hub.campaign.scheduled")
    event = Event.objects.get(type="hub.campaign.scheduled")
    assert event.status == "processed"
    items = ReadinessItem.objects.filter(plan__campaign_id=pk)
    assert sorted((i.kind, i.team.name) for i in items) == [
        ("brief", "Customer Support"),
        ("capacity", "Operations"),
        ("codes", "Tech"),
    ]
    assert all(Handoff.objects.filter(pk=i.handoff_id).exists() for i in items)
    readiness = api.get(f"/api/v1/campaigns/{pk}/").json()["readiness"]
    assert {r["key"] for r in readiness} == {"capacity:riverside", "brief", "codes"}
    refused = api.post(f"/api/v1/campaigns/{pk}/status/", {"status": "live"})
    assert refused.json()["code"] == "not_ready"


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_while_the_worker_reopens_the_checklist_waits_instead_of_deadlocking(
    world, marketer, member, riverside
):
    """The worker's checklist run locks the campaign, then updates its plan. A confirmation
    arriving in between used to lock the item and the plan, then wait for the campaign: each
    waited for the other and Postgres killed one (seen in the launch journey)."""
    campaign = schedule(marketer, [riverside], world["marketing"], expected=40)
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    pid: list[int] = []
    errors: list[BaseException] = []

    def confirm() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid.append(cursor.fetchone()[0])
            services.item_confirm(actor=member, item=item, capacity_per_day=45)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():  # what checklist_open holds while it runs
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        other = threading.Thread(target=confirm)
        other.start()
        deadline = time.monotonic() + 30
        while not (pid and _waits_for_a_lock(pid[0])) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid and _waits_for_a_lock(pid[0]), "the confirmation never reached the lock"
        LaunchPlan.objects.filter(campaign=campaign).update(checklist_opened_at=timezone.now())
    other.join(30)

    assert not other.is_alive()
    assert errors == []
    item.refresh_from_db()
    assert (item.status, item.capacity_per_day) == ("confirmed", 45)
