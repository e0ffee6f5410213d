"""The only writers of campaign launches. Each is atomic, audited and safe to run twice."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from handoffs import services as handoff_services
from hub import audit, business, events, roles
from hub import selectors as hub_selectors
from hub.errors import DomainError
from hub.models import Campaign, Event, Team, User, Zone
from workflows.launch import selectors
from workflows.models import Detection, LaunchPlan, ReadinessItem

CAPACITY_SLA_MINUTES = 24 * 60


def _record(kind: str, subject: str, payload: dict[str, Any]) -> None:
    stamp = timezone.now()
    events.record(
        "workflows",
        f"workflows.{kind}",
        f"{subject}:{kind}:{int(stamp.timestamp() * 1_000_000)}",
        payload,
        occurred_at=stamp,
        subject=subject,
    )


def _lock_campaign(campaign_id: int) -> Campaign:
    """Lock a campaign's row. Every launch writer takes this lock first, before the plan or its
    items, and the worker's checklist run does the same: one order, so two of them wait for
    each other instead of deadlocking."""
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def _check_expected(expected: int) -> None:
    if not 0 <= expected <= 1_000_000:
        raise DomainError("Expected orders per day: 0 to 1,000,000.", field="expected_orders")


@transaction.atomic
def launch_details_set(
    *,
    actor: User,
    campaign: Campaign,
    expected_orders_per_day: int,
    services: str = "",
    message: str = "",
) -> LaunchPlan:
    """Set what the launch needs from the teams (expected orders a day, services promoted, the
    customer-facing message). Open checklist items take the new expected volume."""
    if not roles.is_member(actor):
        raise DomainError("Only members of the company plan launches.", code="forbidden")
    _check_expected(expected_orders_per_day)
    campaign = _lock_campaign(campaign.pk)
    plan, created = LaunchPlan.objects.select_for_update().get_or_create(campaign=campaign)
    before = {
        "expected_orders_per_day": plan.expected_orders_per_day,
        "services": plan.services,
        "message": plan.message,
    }
    plan.expected_orders_per_day = expected_orders_per_day
    plan.services = services.strip()[:200]
    plan.message = message.strip()
    plan.save()
    after = {
        "expected_orders_per_day": plan.expected_orders_per_day,
        "services": plan.services,
        "message": plan.message,
    }
    changes = {k: [before[k], after[k]] for k in after if created or before[k] != after[k]}
    if changes:
        audit.record(actor=actor, action="launch.details", obj=plan, changes=changes)
    zones = list(campaign.zones.all())
    share = _per_zone(expected_orders_per_day, len(zones))
    for item in plan.items.filter(
        kind=ReadinessItem.Kind.CAPACITY, status=ReadinessItem.Status.OPEN
    ):
        item.expected_per_day = share
        item.save(update_fields=["expected_per_day"])
    return plan


def _per_zone(expected: int, zones: int) -> int:
    return math.ceil(expected / zones) if zones else expected


@transaction.atomic
def launch_create(
    *,
    actor: User,
    name: str,
    channel: str,
    segment: str = "",
    zones: list[Zone] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget: Decimal = Decimal("0"),
    owner_team: Team | None = None,
    expected_orders_per_day: int = 0,
    services: str = "",
    message: str = "",
    schedule: bool = True,
) -> Campaign:
    """Plan a campaign with what its launch needs and (by default) schedule it, which opens the
    readiness checklist: every campaign rule applies (hub.campaign.created, .scheduled)."""
    _check_expected(expected_orders_per_day)
    campaign = business.campaign_create(
        actor=actor,
        name=name,
        channel=channel,
        segment=segment,
        zones=zones,
        starts_on=starts_on,
        ends_on=ends_on,
        budget=budget,
        owner_team=owner_team,
    )
    launch_details_set(
        actor=actor,
        campaign=campaign,
        expected_orders_per_day=expected_orders_per_day,
        services=services,
        message=message,
    )
    if schedule:
        campaign = business.campaign_set_status(
            actor=actor, campaign=campaign, status=Campaign.Status.SCHEDULED
        )
    return campaign


def _team_of_kind(kind: str) -> Team | None:
    return hub_selectors.team_list().filter(kind=kind).order_by("pk").first()


def _scheduler(campaign: Campaign) -> User | None:
    row = (
        hub_selectors.audit_list(action="campaign.status")
        .filter(object_type="hub.campaign", object_id=str(campaign.pk))
        .first()
    )
    return row.actor if row else None


def _brief_page(plan: LaunchPlan, actor: User | None, support: Team | None) -> int | None:
    """The brief and FAQ: a shared docs page from the campaign-plan template (once)."""
    from wiki import services as wiki_services

    if plan.brief_page_id or actor is None:
        return plan.brief_page_id
    campaign = plan.campaign
    zones = [z.name for z in campaign.zones.all()]
    codes = [p.code for p in hub_selectors.campaign_promo_codes(campaign)]
    dates = f"{campaign.starts_on or '?'} – {campaign.ends_on or 'open'}"
    page = wiki_services.page_create_from_template(
        actor=actor,
        space=wiki_services.shared_space(),
        template="campaign_plan",
        title=f"Campaign brief: {campaign.name}"[:200],
        context={
            "summary": plan.message or "_(what customers are told)_",
            "campaign": campaign.name,
            "zones": zones or "—",
            "dates": dates,
            "promo_codes": codes or "_(none yet: add them here when they are made)_",
            "expected_volume": f"{plan.expected_orders_per_day} orders a day",
            "channel": campaign.get_channel_display(),
            "audience": campaign.segment or "—",
            "promo_answer": plan.services or "_(what the offer gives)_",
        },
        owner_team=campaign.owner_team or support,
    )
    return page.pk


def _item_handoff(item: ReadinessItem, campaign: Campaign, actor: User | None) -> int:
    link = reverse("workflows:readiness_item", args=[item.pk])
    dates = f"{campaign.starts_on or '?'} – {campaign.ends_on or 'open'}"
    if item.kind == ReadinessItem.Kind.CAPACITY:
        title = f"Confirm capacity in {item.zone} for “{campaign.name}” ({dates})"
        fields = [
            ("Campaign", campaign.name),
            ("Zone", str(item.zone)),
            ("Dates", dates),
            ("Expected orders a day", str(item.expected_per_day)),
        ]
    elif item.kind == ReadinessItem.Kind.BRIEF:
        title = f"Read the brief and FAQ of “{campaign.name}” before it goes live ({dates})"
        fields = [("Campaign", campaign.name), ("Dates", dates)]
    else:
        title = f"Check that the promo codes of “{campaign.name}” work ({dates})"
        fields = [("Campaign", campaign.name), ("Dates", dates)]
    handoff = handoff_services.handoff_create(
        team=item.team,
        title=title,
        body="Part of the campaign's launch checklist: it can't go live while this is open.",
        link=link,
        created_by=actor,
        from_team=campaign.owner_team,
        sla_minutes=CAPACITY_SLA_MINUTES,
        fields=fields,
    )
    return handoff.pk


def checklist_open(*, campaign: Campaign, actor: User | None = None) -> list[ReadinessItem]:
    """Open the readiness checklist of a scheduled campaign: one item (and handoff) per zone for
    operations, one for support (with the brief page), one for tech. Idempotent: items that
    exist are kept, zones added later get theirs."""
    with transaction.atomic():
        campaign = _lock_campaign(campaign.pk)
        plan, _ = LaunchPlan.objects.get_or_create(campaign=campaign)
        actor = actor or _scheduler(campaign)
        ops = _team_of_kind(Team.Kind.OPERATIONS)
        support = _team_of_kind(Team.Kind.SUPPORT)
        tech = _team_of_kind(Team.Kind.TECH)
        zones = list(campaign.zones.all())
        wanted: list[tuple[str, Team, Zone | None, int]] = []
        if ops is not None:
            share = _per_zone(plan.expected_orders_per_day, len(zones))
            wanted += [(ReadinessItem.Kind.CAPACITY, ops, z, share) for z in zones]
        if support is not None:
            wanted.append((ReadinessItem.Kind.BRIEF, support, None, 0))
        if tech is not None:
            wanted.append((ReadinessItem.Kind.CODES, tech, None, 0))
        if support is not None and plan.brief_page_id is None:
            plan.brief_page_id = _brief_page(plan, actor, support)
        plan.checklist_opened_at = plan.checklist_opened_at or timezone.now()
        plan.save(update_fields=["brief_page_id", "checklist_opened_at"])
        made = []
        for kind, team, zone, expected in wanted:
            if plan.items.filter(kind=kind, zone=zone).exists():
                continue
            try:
                with transaction.atomic():
                    item = ReadinessItem.objects.create(
                        plan=plan, kind=kind, team=team, zone=zone, expected_per_day=expected
                    )
            except IntegrityError:  # a concurrent run made it
                continue
            item.handoff_id = _item_handoff(item, campaign, actor)
            item.save(update_fields=["handoff_id"])
            made.append(item)
        return made


def on_campaign_scheduled(event: Event) -> None:
    """Subscriber of hub.campaign.scheduled (and .updated): open the campaign's readiness
    checklist, or give a zone added to a scheduled campaign its capacity item."""
    campaign_id = (event.payload or {}).get("campaign_id")
    campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
    if campaign is None:
        return
    if (
        event.type == "hub.campaign.updated"
        and not LaunchPlan.objects.filter(
            campaign=campaign, checklist_opened_at__isnull=False
        ).exists()
    ):
        return  # not opened yet: scheduling will
    if campaign.status in (Campaign.Status.SCHEDULED, Campaign.Status.LIVE):
        checklist_open(campaign=campaign)


def on_promo_codes_created(event: Event) -> None:
    """Subscriber of hub.promo_code.created: tell operations about a campaign's new codes, one
    message per generation or import (the batch), with the codes the campaign has now."""
    from handoffs.services import notify

    payload = event.payload or {}
    campaign = Campaign.objects.filter(pk=payload.get("campaign_id") or 0).first()
    ops = _team_of_kind(Team.Kind.OPERATIONS)
    if campaign is None or ops is None:
        return
    codes = [p.code for p in hub_selectors.campaign_promo_codes(campaign) if p.active]
    shown = ", ".join(codes[:20]) + (f" and {len(codes) - 20} more" if len(codes) > 20 else "")
    batch = payload.get("batch") or f"code:{payload.get('promo_code_id')}"
    notify(
        to=ops,
        title=f"New promo codes for “{campaign.name}”: {payload.get('code', '')}"
        + (" and more" if payload.get("batch") else ""),
        body=f"Zones: {', '.join(payload.get('zone_names') or []) or '—'}. "
        f"Discount {payload.get('discount_percent')}%, valid "
        f"{payload.get('valid_from') or '?'} – {payload.get('valid_until') or '?'}. "
        f"The campaign's active codes: {shown}.",
        link=reverse("campaign_detail", args=[campaign.pk]),
        link_label="Open the campaign",
        dedupe_key=f"launch-codes:{batch}",
    )


def on_promo_code_changed(event: Event) -> None:
    """Subscriber of hub.promo_code.changed / .deactivated / .reactivated: operations and
    support hear of a change to a campaign's code before customers ask about it."""
    from handoffs.services import notify

    payload = event.payload or {}
    campaign = Campaign.objects.filter(pk=payload.get("campaign_id") or 0).first()
    if campaign is None:
        return
    what = {
        "hub.promo_code.deactivated": "switched off",
        "hub.promo_code.reactivated": "switched on again",
    }.get(event.type, "changed")
    changed = ", ".join(str(c).replace("_", " ") for c in payload.get("changed") or [])
    for team in (_team_of_kind(Team.Kind.OPERATIONS), _team_of_kind(Team.Kind.SUPPORT)):
        if team is None:
            continue
        notify(
            to=team,
            title=f"Promo code {payload.get('code', '')} of “{campaign.name}” {what}",
            body=(f"Changed: {changed}. " if changed else "")
            + f"Now {payload.get('discount_percent')}% off, valid "
            f"{payload.get('valid_from') or '?'} – {payload.get('valid_until') or '?'}"
            + ("" if payload.get("active", True) else "; no longer accepted")
            + ".",
            link=reverse("campaign_detail", args=[campaign.pk]),
            link_label="Open the campaign",
            dedupe_key=f"launch-code-change:{event.pk}",
        )


def _may_confirm(user: User, item: ReadinessItem) -> bool:
    return roles.is_admin(user) or hub_selectors.user_teams(user).filter(pk=item.team_id).exists()


@transaction.atomic
def item_confirm(
    *,
    actor: User,
    item: ReadinessItem,
    capacity_per_day: int | None = None,
    capacity_by_day: Mapping[date, int] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ReadinessItem:
    """The owning team confirms its readiness item (ops with its capacity a day, and
    optionally a different number on particular days of the campaign). Capacity below the
    expected volume on any day leaves the item "short" (the launch still waits) and hands the
    shortfall to marketing. Closes the item's handoff when confirmed. Repeatable: each
    confirmation replaces the last, days included."""
    now = now or timezone.now()
    campaign_id = (
        ReadinessItem.objects.filter(pk=item.pk).values_list("plan__campaign_id", flat=True).get()
    )
    _lock_campaign(campaign_id)
    item = (
        ReadinessItem.objects.select_for_update(of=("self",))
        .select_related("plan__campaign")
        .get(pk=item.pk)
    )
    if not _may_confirm(actor, item):
        raise DomainError(
            f"Only members of {item.team.name} can confirm this item.", code="forbidden"
        )
    campaign = item.plan.campaign
    status = ReadinessItem.Status.CONFIRMED
    by_day = _check_capacity_days(campaign, item, capacity_by_day or {})
    if item.kind == ReadinessItem.Kind.CAPACITY:
        if capacity_per_day is None or not 0 <= capacity_per_day <= 1_000_000:
            raise DomainError(
                "Say how many orders a day operations can take in this zone.",
                field="capacity_per_day",
            )
        if min([capacity_per_day, *by_day.values()]) < item.expected_per_day:
            status = ReadinessItem.Status.SHORT
    before = [item.status, item.capacity_per_day, item.capacity_by_day]
    item.status = status
    item.capacity_per_day = capacity_per_day
    item.capacity_by_day = by_day
    item.note = note.strip()
    item.confirmed_by = actor
    item.confirmed_at = now
    item.save()
    audit.record(
        actor=actor,
        action="launch.item_confirm",
        obj=item,
        changes={
            "status": [before[0], status],
            "capacity_per_day": [before[1], capacity_per_day],
            "capacity_by_day": [before[2], by_day],
        },
    )
    if item.handoff_id:
        handoff = handoff_selectors.get_handoff_for_user(actor, item.handoff_id)
        if status == ReadinessItem.Status.CONFIRMED:
            handoff_services.handoff_done(handoff=handoff, user=actor, now=now)
        else:
            handoff_services.handoff_acknowledge(handoff=handoff, user=actor, now=now)
    if item.kind == ReadinessItem.Kind.CAPACITY and status == ReadinessItem.Status.CONFIRMED:
        _close_rule_capacity_requests(campaign, item, actor, now)
    payload = {
        "campaign_id": campaign.pk,
        "campaign": campaign.name,
        "item": item.get_kind_display(),
        "zone": item.zone.name if item.zone else "",
        "status": status,
        "capacity_per_day": capacity_per_day,
        "capacity_by_day": by_day,
        "expected_per_day": item.expected_per_day,
        "by": actor.display_name,
    }
    _record("launch.item_confirmed", f"campaign:{campaign.pk}", payload)
    if status == ReadinessItem.Status.SHORT:
        marketing = campaign.owner_team or _team_of_kind(Team.Kind.MARKETING)
        if marketing is not None:
            short_days = [
                f"{day}: {n}" for day, n in item.capacity_days() if n < item.expected_per_day
            ]
            if capacity_per_day is not None and capacity_per_day < item.expected_per_day:
                can = f"{capacity_per_day} orders a day"
            else:
                can = f"fewer orders on {len(short_days)} day{'s' if len(short_days) > 1 else ''}"
            handoff_services.handoff_create(
                team=marketing,
                title=f"Operations can take {can} in {item.zone}, "
                f"“{campaign.name}” expects {item.expected_per_day}: re-target or reschedule",
                body="\n".join(
                    [item.note, *(["Short days: " + "; ".join(short_days)] if short_days else [])]
                ).strip(),
                link=reverse("campaign_detail", args=[campaign.pk]),
                created_by=actor,
                from_team=item.team,
                dedupe_key=f"launch-short:{item.pk}:{capacity_per_day}:"
                + ",".join(short_days)[:120],
            )
    return item


MAX_CAPACITY_DAYS = 366


def _check_capacity_days(
    campaign: Campaign, item: ReadinessItem, by_day: Mapping[date, int]
) -> dict[str, int]:
    """The per-day capacities as stored ({"2026-12-24": 20}), or a DomainError naming the
    first day that is not a day of the campaign or has no sensible number."""
    if not by_day:
        return {}
    if item.kind != ReadinessItem.Kind.CAPACITY:
        raise DomainError("Only a capacity item has capacity per day.", field="capacity_by_day")
    if len(by_day) > MAX_CAPACITY_DAYS:
        raise DomainError(
            f"At most {MAX_CAPACITY_DAYS} days with their own capacity.", field="capacity_by_day"
        )
    out: dict[str, int] = {}
    for day, n in sorted(by_day.items()):
        if (campaign.starts_on and day < campaign.starts_on) or (
            campaign.ends_on and day > campaign.ends_on
        ):
            raise DomainError(
                f"{day} is not a day of “{campaign.name}” "
                f"({campaign.starts_on or '?'} – {campaign.ends_on or 'open'}).",
                field="capacity_by_day",
            )
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 1_000_000:
            raise DomainError(
                f"Capacity on {day}: a number of orders from 0 to 1,000,000.",
                field="capacity_by_day",
            )
        out[day.isoformat()] = n
    return out


def _close_rule_capacity_requests(
    campaign: Campaign, item: ReadinessItem, actor: User, now: datetime
) -> None:
    """A handoff rule may also have asked ops to confirm capacity when the campaign was
    scheduled: once every zone is confirmed here, that request is settled too."""
    if (
        item.plan.items.filter(kind=ReadinessItem.Kind.CAPACITY)
        .exclude(pk=item.pk)
        .exclude(status=ReadinessItem.Status.CONFIRMED)
        .exists()
    ):
        return
    for handoff in handoff_selectors.open_handoffs_about(
        f"campaign:{campaign.pk}", "hub.campaign.scheduled", [item.team_id]
    ):
        handoff_services.handoff_done(handoff=handoff, user=actor, now=now)


@transaction.atomic
def capacity_flag(
    *, actor: User, campaign: Campaign, zone: Zone, note: str = "", now: datetime | None = None
) -> int:
    """Operations flag a zone as over capacity during a campaign: marketing gets a handoff to
    pause or re-target it. Returns the handoff's id."""
    now = now or timezone.now()
    ops = _team_of_kind(Team.Kind.OPERATIONS)
    if not (
        roles.is_admin(actor)
        or (ops is not None and hub_selectors.user_teams(actor).filter(pk=ops.pk).exists())
    ):
        raise DomainError("Only operations can flag a zone as over capacity.", code="forbidden")
    if campaign.status not in (Campaign.Status.SCHEDULED, Campaign.Status.LIVE):
        raise DomainError("Only a scheduled or live campaign can be flagged.", field="zone")
    if not campaign.zones.filter(pk=zone.pk).exists():
        raise DomainError(f"“{campaign.name}” does not run in {zone}.", field="zone")
    marketing = campaign.owner_team or _team_of_kind(Team.Kind.MARKETING)
    if marketing is None:
        raise DomainError("There is no marketing team to tell.", field="zone")
    handoff = handoff_services.handoff_create(
        team=marketing,
        title=f"{zone} is over capacity: pause or re-target “{campaign.name}”",
        body=note.strip() or "Operations flagged the zone as over capacity.",
        link=reverse("campaign_detail", args=[campaign.pk]),
        created_by=actor,
        from_team=ops,
        sla_minutes=4 * 60,
        now=now,
        fields=[("Campaign", campaign.name), ("Zone", str(zone)), ("Flagged by", str(actor))],
    )
    audit.record(
        actor=actor,
        action="launch.over_capacity",
        obj=campaign,
        changes={"zone": zone.code, "note": note.strip(), "handoff": handoff.pk},
    )
    _record(
        "launch.over_capacity",
        f"campaign:{campaign.pk}",
        {
            "campaign_id": campaign.pk,
            "campaign": campaign.name,
            "zone": zone.code,
            "zone_name": zone.name,
            "note": note.strip(),
            "by": actor.display_name,
        },
    )
    return handoff.pk


# --- Detections -----------------------------------------------------------------------------


def detections_scan(*, campaign: Campaign) -> list[Detection]:
    """Look for what went wrong with ``campaign`` and raise each new finding once, with its
    evidence, for a person to confirm or dismiss. Safe to run any number of times."""
    made = []
    for kind, subject, title, evidence in selectors.findings(campaign):
        try:
            with transaction.atomic():
                detection, created = Detection.objects.get_or_create(
                    campaign=campaign,
                    kind=kind,
                    subject=subject[:120],
                    defaults={"title": title[:200], "evidence": evidence},
                )
        except IntegrityError:
            continue
        if created:
            made.append(detection)
        elif detection.status == Detection.Status.PENDING and detection.evidence != evidence:
            detection.evidence = evidence
            detection.save(update_fields=["evidence"])
    return made


def detections_scan_all() -> int:
    """Scan every scheduled, live or recently ended campaign. Returns findings raised."""
    return sum(len(detections_scan(campaign=c)) for c in selectors.campaigns_to_watch())


@transaction.atomic
def detection_decide(*, actor: User, detection: Detection, confirm: bool) -> Detection:
    """A person confirms a finding (it becomes a campaign-error incident, counted in "campaign
    errors / month") or dismisses it (never counted). Decided once."""
    if not roles.is_member(actor):
        raise DomainError("Only members of the company decide findings.", code="forbidden")
    detection = Detection.objects.select_for_update().get(pk=detection.pk)
    if detection.status != Detection.Status.PENDING:
        raise DomainError(f"This finding was {detection.get_status_display().lower()} already.")
    detection.status = Detection.Status.CONFIRMED if confirm else Detection.Status.DISMISSED
    detection.decided_by = actor
    detection.decided_at = timezone.now()
    if confirm:
        lines = [str(row.get("text", row)) for row in detection.evidence[:30]]
        incident = business.incident_create(
            actor=actor,
            kind="campaign_error",
            title=detection.title,
            description="Found by Crossdock, confirmed by "
            + actor.display_name
            + ".\n"
            + "\n".join(lines),
            campaign=detection.campaign,
        )
        detection.incident_id = incident.pk
    detection.save()
    audit.record(
        actor=actor,
        action="launch.detection_" + ("confirm" if confirm else "dismiss"),
        obj=detection,
    )
    return detection
