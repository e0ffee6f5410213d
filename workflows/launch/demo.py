"""SwiftDrop's campaign launches: one that went live after every team confirmed, one a manager
forced live past a short capacity confirmation, findings waiting and decided. Everything goes
through the services, so its events (scheduled, codes created, launched, overridden) are in the
event log and its handoffs came from them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from workflows.models import Detection, LaunchPlan

READY = "Riverside same-day week"
FORCED = "Northgate weekend flyers"


def load(*, now, rng, users, teams) -> None:
    from hub import business
    from hub import selectors as hub_selectors
    from hub.models import Campaign
    from workflows.launch import services

    if Campaign.objects.filter(name=READY).exists() or "priya" not in users:
        return
    priya, jonas, carmen, ravi = users["priya"], users["jonas"], users["carmen"], users["ravi"]
    zones = {z.code: z for z in hub_selectors.zones_by_code(["riverside", "northgate"])}
    today = now.date()
    ready = services.launch_create(
        actor=priya,
        name=READY,
        channel=Campaign.Channel.SOCIAL,
        segment="Riverside flats, 25–40",
        zones=[zones["riverside"]],
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=11),
        budget=Decimal("4000"),
        owner_team=teams["Marketing"],
        expected_orders_per_day=35,
        services="Same-day delivery before 20:00",
        message="Order by 2 pm, get it today: 15% off your first same-day delivery.",
    )
    # The worker opens the checklist when it processes hub.campaign.scheduled; the demo needs
    # it now to confirm it (processing the event later finds it open: idempotent).
    items = services.checklist_open(campaign=ready, actor=priya)
    business.promo_codes_generate(
        actor=priya,
        campaign=ready,
        pattern="RIVER-SD-###",
        count=5,
        discount_percent=15,
        valid_from=ready.starts_on,
        valid_until=ready.ends_on,
    )
    who = {"capacity": jonas, "brief": carmen, "codes": ravi}
    for item in items:
        services.item_confirm(
            actor=who[item.kind],
            item=item,
            capacity_per_day=45 if item.kind == "capacity" else None,
            note="Two extra vans on weekday evenings." if item.kind == "capacity" else "",
        )
    business.campaign_set_status(actor=priya, campaign=ready, status=Campaign.Status.LIVE)

    forced = services.launch_create(
        actor=priya,
        name=FORCED,
        channel=Campaign.Channel.OFFLINE,
        segment="Northgate households",
        zones=[zones["northgate"]],
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=6),
        budget=Decimal("2500"),
        owner_team=teams["Marketing"],
        expected_orders_per_day=60,
        services="Next-day delivery",
        message="Northgate: free delivery on your first order this weekend.",
    )
    for item in services.checklist_open(campaign=forced, actor=priya):
        if item.kind == "capacity":
            services.item_confirm(
                actor=jonas,
                item=item,
                capacity_per_day=40,
                note="Northgate has four drivers; 40 a day is the honest number.",
            )
        elif item.kind == "brief":
            services.item_confirm(actor=carmen, item=item)
    business.promo_code_create(
        actor=priya,
        code="NGWEEKEND",
        discount_percent=100,
        campaign=forced,
        valid_from=forced.starts_on,
        valid_until=forced.ends_on,
    )
    business.campaign_set_status(
        actor=priya,
        campaign=forced,
        status=Campaign.Status.LIVE,
        override_reason="Flyers were printed and delivered already; we cap the code at 40 a day.",
    )
    for campaign in (ready, forced):
        services.detections_scan(campaign=campaign)
    pending = list(Detection.objects.filter(campaign=forced, status=Detection.Status.PENDING))
    if pending:
        services.detection_decide(actor=carmen, detection=pending[0], confirm=True)


def reset(*, domain: str) -> None:
    from hub.models import Campaign, Incident, PromoCode

    campaigns = Campaign.objects.filter(name__in=[READY, FORCED])
    PromoCode.objects.filter(campaign__in=campaigns).delete()
    Incident.objects.filter(campaign__in=campaigns).delete()
    Detection.objects.filter(campaign__in=campaigns).delete()
    LaunchPlan.objects.filter(campaign__in=campaigns).delete()
    campaigns.delete()
